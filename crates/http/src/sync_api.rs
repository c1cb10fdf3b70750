//! The sync protocol over HTTP, and `/metrics`.
//!
//! Centre (role `central`):
//! - `PUT /api/v1/sync/packets/{packet_id}`: body = the packet bytes. The packet's own
//!   signature authenticates it. 201 accepted, 200 replay (harmless), 422 refused and
//!   quarantined (`{code, message}`), 5xx: retry later.
//! - `GET /api/v1/sync/decisions?after=N&limit=L&sampai=T[&wait=MS]`: the calling
//!   office's decision feed, authenticated by an Ed25519 signature of the office's
//!   certified key over the request (headers `X-Sidik-Office`, `X-Sidik-Time` (Unix
//!   seconds, ±300 s), `X-Sidik-Signature` (hex)). With `wait`, a long poll: when there
//!   is nothing new the centre holds the request up to `wait` ms (at most 25 s) and
//!   answers as soon as decisions are published.
//! - `GET /api/v1/sync/uploads/{packet_id}` and
//!   `PUT /api/v1/sync/uploads/{packet_id}?offset=O&total=T` (body = the chunk): a
//!   resumable upload of a large packet, signed like the feed (the signed message also
//!   names the chunk's SHA-256). 202 `{offset}`: send the next chunk from there; 409
//!   `{code: offset_mismatch, offset}`: resume from `offset`; the last chunk is answered
//!   like a whole packet (201 / 200 / 422). Offices send packets above
//!   [`RESUMABLE_ABOVE`] this way.
//! - `/api/v1/pusat/...`: status, quarantine, `ganda` cases and adjudication for the
//!   centre's officers (session).
//!
//! Office (role `office`): `GET /api/v1/sync/status` (session) and `/metrics`.
//! [`HttpCentreLink`] is the office's client for the centre's endpoints.

use std::fmt::Write as _;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use sidik_domain::permohonan::Kandidat;
use sidik_domain::{Hasil, Keputusan, NomorRegistrasi, Peran, Status};
use sidik_packet::OfficeKeys;
use sidik_store::{StatistikKirim, StoreError, SyncStore};
use sidik_sync::office::{Keadaan, Kesehatan};
use sidik_sync::{Centre, CentreLink, LinkError, PushOutcome, Receipt};

use crate::auth::ApiUser;
use crate::{ApiError, AppState};

/// The office's sync state, for pages, the status API and `/metrics`.
#[derive(Clone)]
pub struct SyncView {
    pub health: Arc<Kesehatan>,
    pub sync: Arc<dyn SyncStore>,
}

fn store_err(e: StoreError) -> ApiError {
    match e {
        StoreError::NotFound(m) => ApiError::new(StatusCode::NOT_FOUND, "not_found", m),
        StoreError::Conflict(m) | StoreError::Stale(m) => {
            ApiError::new(StatusCode::CONFLICT, "conflict", m)
        }
        other => {
            tracing::error!("storage: {other}");
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "internal error; see the server log",
            )
        }
    }
}

fn centre(st: &AppState) -> Result<&Arc<Centre>, ApiError> {
    st.pusat.as_ref().ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_a_centre",
            "this node is not a central node",
        )
    })
}

/// Routes of the central node under `/api/v1`.
pub fn central_routes() -> Router<AppState> {
    Router::new()
        .route("/sync/packets/{id}", put(put_packet))
        .route("/sync/decisions", get(decisions))
        .route("/sync/uploads/{id}", get(upload_offset).put(put_chunk))
        .route("/pusat/status", get(pusat_status))
        .route("/pusat/karantina", get(karantina))
        .route("/pusat/ganda", get(ganda))
        .route("/pusat/kantor", get(kantor_list).post(kantor_add))
        .route("/pusat/permohonan/{nomor}/adjudikasi", post(adjudikasi))
}

/// Routes of an office node under `/api/v1`.
pub fn office_routes() -> Router<AppState> {
    Router::new().route("/sync/status", get(office_status))
}

async fn put_packet(
    State(st): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let c = centre(&st)?;
    let r = c.receive(&id, &body).await.map_err(store_err)?;
    Ok(receipt_response(&id, r))
}

fn receipt_response(id: &str, r: Receipt) -> Response {
    match r {
        Receipt::Accepted => (
            StatusCode::CREATED,
            Json(serde_json::json!({"result": "accepted", "packet_id": id})),
        )
            .into_response(),
        Receipt::Replay => (
            StatusCode::OK,
            Json(serde_json::json!({"result": "replay", "packet_id": id})),
        )
            .into_response(),
        Receipt::Refused { code, reason } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(serde_json::json!({"code": code, "message": reason, "quarantined": true})),
        )
            .into_response(),
    }
}

/// The message an office signs to ask how much of an upload arrived.
pub fn upload_offset_request(packet_id: &str) -> String {
    format!("GET /api/v1/sync/uploads/{packet_id}")
}

/// The message an office signs to send a chunk: it names the chunk's SHA-256, so the
/// signature covers the bytes too.
pub fn upload_chunk_request(packet_id: &str, offset: u64, total: u64, chunk: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    format!(
        "PUT /api/v1/sync/uploads/{packet_id}?offset={offset}&total={total}&sha256={}",
        hex::encode(Sha256::digest(chunk))
    )
}

async fn upload_offset(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let c = centre(&st)?;
    let office = signed_by(&st, &headers, &upload_offset_request(&id))?;
    match c.uploads.offset(&office, &id) {
        Some((offset, total)) => {
            Ok(Json(serde_json::json!({"offset": offset, "total": total})).into_response())
        }
        None => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "no_upload",
            "no upload of this packet in progress: start at offset 0",
        )),
    }
}

#[derive(Deserialize)]
struct ChunkQuery {
    offset: u64,
    total: u64,
}

async fn put_chunk(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<ChunkQuery>,
    body: Bytes,
) -> Result<Response, ApiError> {
    use sidik_sync::centre::{ChunkError, ChunkReceipt};
    use sidik_sync::upload::UploadError;
    let c = centre(&st)?;
    let office = signed_by(
        &st,
        &headers,
        &upload_chunk_request(&id, q.offset, q.total, &body),
    )?;
    match c
        .receive_chunk(&office, &id, q.offset, q.total, &body)
        .await
    {
        Ok(ChunkReceipt::Partial { offset }) => Ok((
            StatusCode::ACCEPTED,
            Json(serde_json::json!({"offset": offset, "total": q.total})),
        )
            .into_response()),
        Ok(ChunkReceipt::Done(r)) => Ok(receipt_response(&id, r)),
        Err(ChunkError::Store(e)) => Err(store_err(e)),
        // The one error the office acts on: where to resume.
        Err(ChunkError::Upload(UploadError::OffsetMismatch { expected })) => Ok((
            StatusCode::CONFLICT,
            Json(serde_json::json!({
                "code": "offset_mismatch",
                "message": format!("the upload is at offset {expected}; send the chunk starting there"),
                "offset": expected,
            })),
        )
            .into_response()),
        Err(ChunkError::Upload(UploadError::TotalMismatch { total })) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "total_mismatch",
            format!("this upload was started with a total of {total} bytes"),
        )),
        Err(ChunkError::Upload(UploadError::TooLarge(m))) => {
            Err(ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", m))
        }
        Err(ChunkError::Upload(UploadError::Empty)) => Err(ApiError::bad_request(
            "empty_chunk",
            "the chunk is empty",
        )),
        Err(ChunkError::Upload(UploadError::Full)) => Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "uploads_full",
            "too many uploads in progress; retry later",
        )),
    }
}

#[derive(Deserialize)]
struct FeedQuery {
    #[serde(default)]
    after: i64,
    #[serde(default = "default_limit")]
    limit: u32,
    /// The office's watermark (unix nanoseconds): it has delivered every packet it
    /// enrolled before this instant.
    sampai: Option<i64>,
    /// Milliseconds the centre may hold the request when there is nothing new (a long
    /// poll; at most 25 s).
    wait: Option<u64>,
}

fn default_limit() -> u32 {
    1000
}

/// The message an office signs to read its feed.
pub fn feed_request(after: i64, limit: u32, sampai: Option<i64>, wait: Option<u64>) -> String {
    let mut s = format!("GET /api/v1/sync/decisions?after={after}&limit={limit}");
    if let Some(t) = sampai {
        s.push_str(&format!("&sampai={t}"));
    }
    if let Some(w) = wait {
        s.push_str(&format!("&wait={w}"));
    }
    s
}

const MAX_SKEW_SECONDS: i64 = 300;

#[derive(Serialize, Deserialize)]
struct KandidatJson {
    permohonan: String,
    nik: String,
    skor: f32,
    jari_cocok: u8,
}

#[derive(Serialize, Deserialize)]
struct KeputusanJson {
    seq: i64,
    nomor: String,
    packet_id: String,
    hasil: String,
    kandidat: Vec<KandidatJson>,
    catatan: String,
    waktu: String,
}

impl From<&Keputusan> for KeputusanJson {
    fn from(k: &Keputusan) -> Self {
        KeputusanJson {
            seq: k.seq,
            nomor: k.nomor.to_string(),
            packet_id: k.packet_id.clone(),
            hasil: k.hasil.slug().into(),
            kandidat: k
                .kandidat
                .iter()
                .map(|c| KandidatJson {
                    permohonan: c.permohonan.clone(),
                    nik: c.nik.clone(),
                    skor: c.skor,
                    jari_cocok: c.jari_cocok,
                })
                .collect(),
            catatan: k.catatan.clone(),
            waktu: k.waktu.to_string(),
        }
    }
}

impl KeputusanJson {
    fn into_domain(self) -> Result<Keputusan, String> {
        Ok(Keputusan {
            seq: self.seq,
            nomor: NomorRegistrasi::parse(&self.nomor)?,
            packet_id: self.packet_id,
            hasil: Hasil::parse(&self.hasil)?,
            kandidat: self
                .kandidat
                .into_iter()
                .map(|c| Kandidat {
                    permohonan: c.permohonan,
                    nik: c.nik,
                    skor: c.skor,
                    jari_cocok: c.jari_cocok,
                })
                .collect(),
            catatan: self.catatan,
            waktu: self.waktu.parse().map_err(|e| format!("waktu: {e}"))?,
        })
    }
}

/// The office that signed `what` (headers `X-Sidik-Office`, `X-Sidik-Time`,
/// `X-Sidik-Signature`), if its certified, unrevoked key did, within ±300 s.
fn signed_by(st: &AppState, headers: &HeaderMap, what: &str) -> Result<String, ApiError> {
    let c = centre(st)?;
    let unauthorized = |m: &str| ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", m);
    let h = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let office = h("x-sidik-office").ok_or_else(|| unauthorized("X-Sidik-Office missing"))?;
    let time: i64 = h("x-sidik-time")
        .and_then(|t| t.parse().ok())
        .ok_or_else(|| unauthorized("X-Sidik-Time missing or not a number"))?;
    let sig: [u8; 64] = h("x-sidik-signature")
        .and_then(|s| hex::decode(s).ok())
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| unauthorized("X-Sidik-Signature missing or not 64 hex bytes"))?;
    let now = st.issuance.clock.now().as_second();
    if (now - time).abs() > MAX_SKEW_SECONDS {
        return Err(unauthorized("request time too far from the centre's clock"));
    }
    if !c.verify_request(&office, time, what, &sig) {
        return Err(unauthorized(
            "signature does not verify under a certified, unrevoked key of this office",
        ));
    }
    Ok(office)
}

async fn decisions(
    State(st): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<FeedQuery>,
) -> Result<Json<Vec<KeputusanJson>>, ApiError> {
    let c = centre(&st)?;
    let office = signed_by(
        &st,
        &headers,
        &feed_request(q.after, q.limit, q.sampai, q.wait),
    )?;
    let feed = c
        .feed(
            &office,
            q.after,
            q.limit.clamp(1, 5000),
            q.sampai
                .and_then(|n| jiff::Timestamp::from_nanosecond(n as i128).ok()),
            Duration::from_millis(q.wait.unwrap_or(0)),
        )
        .await
        .map_err(store_err)?;
    Ok(Json(feed.iter().map(KeputusanJson::from).collect()))
}

fn require(u: &sidik_store::User, ok: bool) -> Result<(), ApiError> {
    if ok {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("role {} may not do this", u.peran),
        ))
    }
}

async fn pusat_status(
    State(st): State<AppState>,
    ApiUser(_u): ApiUser,
) -> Result<Json<serde_json::Value>, ApiError> {
    let c = centre(&st)?;
    let s = c.store.central_stats().await.map_err(store_err)?;
    Ok(Json(serde_json::json!({
        "received": s.diterima,
        "decided": s.diputuskan,
        "waiting": s.menunggu,
        "quarantined": s.karantina,
        "decisions": s.keputusan.iter().map(|(k, v)| (k.clone(), *v)).collect::<std::collections::BTreeMap<_, _>>(),
        "packets": s.status.iter().map(|(k, v)| (k.clone(), *v)).collect::<std::collections::BTreeMap<_, _>>(),
        "gallery": c.abis.len(),
    })))
}

async fn karantina(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
) -> Result<Json<serde_json::Value>, ApiError> {
    require(&u, u.peran == Peran::Admin)?;
    let c = centre(&st)?;
    let list = c.store.quarantine_list(500).await.map_err(store_err)?;
    Ok(Json(serde_json::json!(list
        .iter()
        .map(|q| serde_json::json!({
            "id": q.id,
            "sha256": q.sha256,
            "packet_id": q.packet_id,
            "office": q.kantor,
            "code": q.kode,
            "reason": q.alasan,
            "bytes": q.ukuran,
            "received": q.diterima.to_string(),
        }))
        .collect::<Vec<_>>())))
}

async fn ganda(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
) -> Result<Json<serde_json::Value>, ApiError> {
    require(&u, matches!(u.peran, Peran::Admin | Peran::Verifikator))?;
    let c = centre(&st)?;
    let list = c
        .store
        .packets_with_status("ganda", 500)
        .await
        .map_err(store_err)?;
    Ok(Json(serde_json::json!(list
        .iter()
        .map(|p| serde_json::json!({
            "nomor": p.nomor, "nik": p.nik, "nama": p.nama, "office": p.kantor,
            "packet_id": p.packet_id, "received": p.diterima.to_string(),
        }))
        .collect::<Vec<_>>())))
}

async fn kantor_list(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
) -> Result<Json<serde_json::Value>, ApiError> {
    require(&u, u.peran == Peran::Admin)?;
    let c = centre(&st)?;
    let list = c.store.offices().await.map_err(store_err)?;
    Ok(Json(serde_json::json!(list
        .iter()
        .map(|k| serde_json::json!({
            "office": k.kode, "name": k.nama, "public_key": k.public_key,
            "revoked": k.dicabut.map(|t| t.to_string()), "registered": k.dibuat.to_string(),
        }))
        .collect::<Vec<_>>())))
}

#[derive(Deserialize)]
struct KantorBody {
    office: String,
    #[serde(default)]
    name: String,
    public_key: String,
}

async fn kantor_add(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    body: Result<Json<KantorBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    require(&u, u.peran == Peran::Admin)?;
    let c = centre(&st)?;
    let Json(b) = body.map_err(|e| ApiError::bad_request("bad_json", e.body_text()))?;
    let kode = sidik_domain::KodeKantor::parse(&b.office)
        .map_err(|e| ApiError::bad_request("invalid_office", e))?;
    let pk: [u8; 32] = hex::decode(b.public_key.trim())
        .ok()
        .and_then(|v| v.try_into().ok())
        .ok_or_else(|| ApiError::bad_request("invalid_key", "public_key must be 32 hex bytes"))?;
    let pk = sidik_packet::OfficePublicKey::from_bytes(&pk)
        .map_err(|e| ApiError::bad_request("invalid_key", e.to_string()))?;
    let cert = c
        .register_office(&format!("user:{}", u.username), &kode, b.name.trim(), &pk)
        .await
        .map_err(store_err)?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({"office": kode.as_str(), "certificate": cert.to_text()})),
    )
        .into_response())
}

#[derive(Deserialize)]
struct AdjudikasiBody {
    /// `tunggal` (different persons: print) or `tolak` (reject).
    hasil: String,
    alasan: String,
}

async fn adjudikasi(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Path(nomor): Path<String>,
    body: Result<Json<AdjudikasiBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    require(&u, matches!(u.peran, Peran::Admin | Peran::Verifikator))?;
    let c = centre(&st)?;
    let Json(b) = body.map_err(|e| ApiError::bad_request("bad_json", e.body_text()))?;
    let tunggal = match b.hasil.as_str() {
        "tunggal" => true,
        "tolak" => false,
        o => {
            return Err(ApiError::bad_request(
                "invalid_result",
                format!("hasil {o:?} must be tunggal or tolak"),
            ))
        }
    };
    if b.alasan.trim().is_empty() {
        return Err(ApiError::bad_request(
            "reason_required",
            "an adjudication needs a reason (alasan)",
        ));
    }
    c.adjudicate(&format!("user:{}", u.username), &nomor, tunggal, &b.alasan)
        .await
        .map_err(store_err)?;
    Ok((
        StatusCode::OK,
        Json(serde_json::json!({"nomor": nomor, "hasil": b.hasil})),
    )
        .into_response())
}

fn keadaan_json(k: &Keadaan, s: &StatistikKirim, now: jiff::Timestamp) -> serde_json::Value {
    serde_json::json!({
        "centre_up": k.up,
        "down_since": k.down_since.map(|t| t.to_string()),
        "last_ok": k.last_ok.map(|t| t.to_string()),
        "last_error": k.last_error,
        "waiting": s.menunggu,
        "oldest_waiting": s.tertua.map(|t| t.to_string()),
        "oldest_waiting_seconds": s.tertua.map(|t| now.duration_since(t).as_secs().max(0)),
        "sent": s.terkirim,
        "refused": s.karantina,
        "decisions_applied": s.keputusan,
        "cursor": s.kursor,
    })
}

async fn office_status(
    State(st): State<AppState>,
    ApiUser(_u): ApiUser,
) -> Result<Json<serde_json::Value>, ApiError> {
    let v = st.sinkron.as_ref().ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_an_office",
            "this node does not sync with a centre",
        )
    })?;
    let s = v.sync.sync_stats().await.map_err(store_err)?;
    let refused = v.sync.outbox_refused_list(100).await.map_err(store_err)?;
    let mut j = keadaan_json(&v.health.snapshot(), &s, st.issuance.clock.now());
    j["refused_packets"] = serde_json::json!(refused
        .iter()
        .map(|(p, r)| serde_json::json!({"packet_id": p.packet_id, "nomor": p.nomor, "reason": r}))
        .collect::<Vec<_>>());
    let findings = v
        .sync
        .findings_on_issued_cards(100)
        .await
        .map_err(store_err)?;
    j["findings_on_issued_cards"] = serde_json::json!(findings
        .iter()
        .map(|t| serde_json::json!({
            "nomor": t.nomor,
            "nik": t.nik,
            "status": t.status,
            "hasil": t.hasil,
            "catatan": t.catatan,
            "waktu": t.waktu.to_string(),
            "kandidat": t.kandidat,
        }))
        .collect::<Vec<_>>());
    Ok(Json(j))
}

/// `GET /metrics`: Prometheus text format. No personal data.
pub async fn metrics(State(st): State<AppState>) -> Response {
    let mut out = String::new();
    let now = st.issuance.clock.now();
    let mut gauge = |name: &str, help: &str, kind: &str, v: &dyn std::fmt::Display| {
        let _ = writeln!(
            out,
            "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {v}"
        );
    };
    if let Some(v) = &st.sinkron {
        match v.sync.sync_stats().await {
            Ok(s) => {
                let k = v.health.snapshot();
                gauge(
                    "sidik_outbox_waiting",
                    "Packets waiting to be sent to the centre.",
                    "gauge",
                    &s.menunggu,
                );
                let age = s.tertua.map_or(0.0, |t| {
                    (now.duration_since(t).as_secs_f64().max(0.0) * 1000.0).round() / 1000.0
                });
                gauge(
                    "sidik_outbox_oldest_age_seconds",
                    "Age of the oldest waiting packet.",
                    "gauge",
                    &age,
                );
                gauge(
                    "sidik_outbox_sent_total",
                    "Packets acknowledged by the centre.",
                    "counter",
                    &s.terkirim,
                );
                gauge(
                    "sidik_outbox_rejected_total",
                    "Packets refused (quarantined) by the centre.",
                    "counter",
                    &s.karantina,
                );
                gauge(
                    "sidik_decisions_applied_total",
                    "Centre decisions recorded at this office.",
                    "counter",
                    &s.keputusan,
                );
                gauge(
                    "sidik_decision_cursor",
                    "Highest centre decision sequence applied.",
                    "gauge",
                    &s.kursor,
                );
                gauge(
                    "sidik_centre_up",
                    "1 if the last contact with the centre succeeded.",
                    "gauge",
                    &u8::from(k.up == Some(true)),
                );
                let down = k
                    .down_since
                    .map_or(0, |t| now.duration_since(t).as_secs().max(0));
                gauge(
                    "sidik_centre_down_seconds",
                    "Seconds since the centre became unreachable (0 if up).",
                    "gauge",
                    &down,
                );
                if let Ok(f) = v.sync.findings_on_issued_cards(10_000).await {
                    gauge(
                        "sidik_findings_on_issued_cards",
                        "Printed or handed-over cards whose latest centre decision is ganda or ditolak.",
                        "gauge",
                        &f.len(),
                    );
                }
                gauge(
                    "sidik_sync_pushed_total",
                    "Packets pushed since start (sync rate = rate() of this).",
                    "counter",
                    &v.health.pushed.load(Ordering::Relaxed),
                );
            }
            Err(e) => tracing::error!("metrics: {e}"),
        }
    }
    if let Some(c) = &st.pusat {
        match c.store.central_stats().await {
            Ok(s) => {
                gauge(
                    "sidik_packets_received_total",
                    "Packets recorded at the centre (each exactly once).",
                    "counter",
                    &s.diterima,
                );
                gauge(
                    "sidik_packets_replayed_total",
                    "Harmless re-sends of recorded packets since start.",
                    "counter",
                    &c.counters.replayed.load(Ordering::Relaxed),
                );
                gauge(
                    "sidik_packets_decided_total",
                    "Packets with a uniqueness decision.",
                    "counter",
                    &s.diputuskan,
                );
                gauge(
                    "sidik_packets_waiting",
                    "Packets recorded but not yet decided.",
                    "gauge",
                    &s.menunggu,
                );
                gauge(
                    "sidik_quarantine_total",
                    "Refused packets kept in quarantine.",
                    "counter",
                    &s.karantina,
                );
                gauge(
                    "sidik_gallery_persons",
                    "Persons in the national 1:N gallery.",
                    "gauge",
                    &c.abis.len(),
                );
                let _ = writeln!(out, "# HELP sidik_decisions_total Decisions published, by result.\n# TYPE sidik_decisions_total counter");
                for h in ["tunggal", "ganda", "ditolak", "adjudikasi_tunggal"] {
                    let n = s
                        .keputusan
                        .iter()
                        .find(|(k, _)| k == h)
                        .map_or(0, |(_, n)| *n);
                    let _ = writeln!(out, "sidik_decisions_total{{hasil=\"{h}\"}} {n}");
                }
            }
            Err(e) => tracing::error!("metrics: {e}"),
        }
    } else if let Ok(counts) = st
        .issuance
        .store
        .application_counts(&sidik_store::ListFilter::default())
        .await
    {
        let _ = writeln!(
            out,
            "# HELP sidik_applications Applications by status.\n# TYPE sidik_applications gauge"
        );
        for s in Status::ALL {
            let n = counts.iter().find(|(k, _)| k == s).map_or(0, |(_, n)| *n);
            let _ = writeln!(out, "sidik_applications{{status=\"{}\"}} {n}", s.slug());
        }
    }
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        out,
    )
        .into_response()
}

/// The office's HTTP client for the centre.
pub struct HttpCentreLink {
    base: String,
    office: String,
    keys: Arc<OfficeKeys>,
    client: reqwest::Client,
    clock: Arc<dyn sidik_issuance::Clock>,
}

impl HttpCentreLink {
    pub fn new(
        base: &str,
        office: &str,
        keys: Arc<OfficeKeys>,
        clock: Arc<dyn sidik_issuance::Clock>,
    ) -> Result<HttpCentreLink, String> {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(3))
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(HttpCentreLink {
            base: base.trim_end_matches('/').to_string(),
            office: office.to_string(),
            keys,
            client,
            clock,
        })
    }
}

fn net(e: reqwest::Error) -> LinkError {
    if e.is_connect() || e.is_timeout() || e.is_request() {
        LinkError::Unreachable(e.to_string())
    } else {
        LinkError::Server(e.to_string())
    }
}

/// Packets larger than this go up in chunks, resumably.
pub const RESUMABLE_ABOVE: usize = 256 * 1024;
/// Chunk size of a resumable upload.
pub const UPLOAD_CHUNK: usize = 128 * 1024;

/// The centre's answer to a whole packet or to its last chunk.
async fn push_outcome(r: reqwest::Response, packet_id: &str) -> Result<PushOutcome, LinkError> {
    match r.status() {
        StatusCode::CREATED => Ok(PushOutcome::Accepted),
        StatusCode::OK => Ok(PushOutcome::Replay),
        StatusCode::UNPROCESSABLE_ENTITY => {
            let v: serde_json::Value = r.json().await.map_err(net)?;
            Ok(PushOutcome::Refused {
                code: v["code"].as_str().unwrap_or("refused").to_string(),
                reason: v["message"].as_str().unwrap_or_default().to_string(),
            })
        }
        s => Err(LinkError::Server(format!(
            "PUT packet {packet_id}: HTTP {s}: {}",
            r.text().await.unwrap_or_default()
        ))),
    }
}

impl HttpCentreLink {
    fn signed(&self, req: reqwest::RequestBuilder, what: &str) -> reqwest::RequestBuilder {
        let now = self.clock.now().as_second();
        let sig = sidik_packet::sign_request(&self.keys, &self.office, now, what);
        req.header("x-sidik-office", &self.office)
            .header("x-sidik-time", now.to_string())
            .header("x-sidik-signature", hex::encode(sig))
    }

    /// How much of an upload the centre holds (0 if none, or if it is of another size).
    async fn upload_offset(&self, packet_id: &str, total: u64) -> Result<u64, LinkError> {
        let what = upload_offset_request(packet_id);
        let r = self
            .signed(
                self.client
                    .get(format!("{}{}", self.base, what.trim_start_matches("GET "))),
                &what,
            )
            .send()
            .await
            .map_err(net)?;
        match r.status() {
            StatusCode::OK => {
                let v: serde_json::Value = r.json().await.map_err(net)?;
                let offset = v["offset"].as_u64().unwrap_or(0);
                Ok(if v["total"].as_u64() == Some(total) && offset < total {
                    offset
                } else {
                    0
                })
            }
            StatusCode::NOT_FOUND => Ok(0),
            s => Err(LinkError::Server(format!(
                "upload offset of {packet_id}: HTTP {s}: {}",
                r.text().await.unwrap_or_default()
            ))),
        }
    }

    /// Sends a large packet in chunks from wherever the centre's copy stops: a broken
    /// connection costs at most the chunk in flight, not the whole packet.
    async fn push_resumable(
        &self,
        packet_id: &str,
        bytes: &[u8],
    ) -> Result<PushOutcome, LinkError> {
        let total = bytes.len() as u64;
        let mut offset = self.upload_offset(packet_id, total).await?;
        // Each round either advances by a chunk or learns the centre's offset; bounded
        // so that a confused centre cannot keep the worker here forever.
        for _ in 0..2 * bytes.len().div_ceil(UPLOAD_CHUNK) + 4 {
            let start = offset as usize;
            let chunk = &bytes[start..(start + UPLOAD_CHUNK).min(bytes.len())];
            let what = upload_chunk_request(packet_id, offset, total, chunk);
            let path = what.trim_start_matches("PUT ");
            let path = &path[..path.find("&sha256=").unwrap_or(path.len())];
            let r = self
                .signed(
                    self.client
                        .put(format!("{}{path}", self.base))
                        .header("content-type", "application/octet-stream")
                        .body(chunk.to_vec()),
                    &what,
                )
                .send()
                .await
                .map_err(net)?;
            match r.status() {
                StatusCode::ACCEPTED | StatusCode::CONFLICT => {
                    let conflict = r.status() == StatusCode::CONFLICT;
                    let v: serde_json::Value = r.json().await.map_err(net)?;
                    match v["offset"].as_u64() {
                        Some(o) if o < total => offset = o,
                        _ => {
                            return Err(LinkError::Server(format!(
                                "upload of {packet_id}: the centre answered {} ({})",
                                if conflict { "a conflict" } else { "no offset" },
                                v["message"].as_str().unwrap_or_default()
                            )))
                        }
                    }
                }
                _ => return push_outcome(r, packet_id).await,
            }
        }
        Err(LinkError::Server(format!(
            "upload of {packet_id} did not complete"
        )))
    }
}

#[async_trait]
impl CentreLink for HttpCentreLink {
    async fn push(&self, packet_id: &str, bytes: &[u8]) -> Result<PushOutcome, LinkError> {
        if bytes.len() > RESUMABLE_ABOVE {
            return self.push_resumable(packet_id, bytes).await;
        }
        let r = self
            .client
            .put(format!("{}/api/v1/sync/packets/{packet_id}", self.base))
            .header("content-type", "application/octet-stream")
            .body(bytes.to_vec())
            .send()
            .await
            .map_err(net)?;
        push_outcome(r, packet_id).await
    }

    async fn pull(
        &self,
        after: i64,
        limit: u32,
        sampai: jiff::Timestamp,
        wait: Duration,
    ) -> Result<Vec<Keputusan>, LinkError> {
        let sampai = sampai.as_nanosecond() as i64;
        let wait = (!wait.is_zero()).then_some(wait.as_millis() as u64);
        let request = feed_request(after, limit, Some(sampai), wait);
        let path = request.trim_start_matches("GET ");
        let r = self
            .signed(self.client.get(format!("{}{path}", self.base)), &request)
            .send()
            .await
            .map_err(net)?;
        if !r.status().is_success() {
            return Err(LinkError::Server(format!(
                "decision feed: HTTP {}: {}",
                r.status(),
                r.text().await.unwrap_or_default()
            )));
        }
        let list: Vec<KeputusanJson> = r.json().await.map_err(net)?;
        list.into_iter()
            .map(|k| {
                k.into_domain()
                    .map_err(|e| LinkError::Server(format!("bad decision: {e}")))
            })
            .collect()
    }
}
