//! Public trust endpoints under `/api/v1/trust` (every role) and the JSON verifier
//! `POST /api/v1/verify`. No login: a bank teller or a police officer checks a Suket
//! with them. Verification is bounded (QR text ≤ 4096 characters, decompressed
//! payload ≤ 64 KiB) and rate limited per client address like the status lookup.

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde::Deserialize;
use sidik_suket::{Verdict, Verification};

use crate::api::json_body;
use crate::batas::{Klien, Pembatas};
use crate::{ApiError, AppState};

/// The verifiers' rate limiter (per client address; its own budget, apart from the
/// status lookup's): 10 at once, then one per 2 s, 1024 addresses remembered.
pub struct PembatasVerifikasi(pub Pembatas);

pub fn limiter() -> PembatasVerifikasi {
    PembatasVerifikasi(Pembatas::new(1024, 10, std::time::Duration::from_secs(2)))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/trust/keys", get(keys))
        .route("/trust/revocations", get(revocations))
        .route("/trust/revocations/{kantor}", get(own_revocations))
        .route("/verify", post(verify))
}

fn cose(bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/cose"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        bytes,
    )
        .into_response()
}

fn trust(st: &AppState) -> Result<&Arc<crate::trust::Trust>, ApiError> {
    st.trust.as_ref().ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "no_trust",
            "this node publishes no trust lists",
        )
    })
}

fn missing(what: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_yet",
        format!("{what} is not available on this node (a standalone office has no centre; an office that has not reached its centre yet has no copy)"),
    )
}

async fn keys(State(st): State<AppState>) -> Result<Response, ApiError> {
    let t = trust(&st)?;
    let b = t
        .key_set()
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| missing("the key set"))?;
    Ok(cose(b))
}

async fn revocations(State(st): State<AppState>) -> Result<Response, ApiError> {
    let t = trust(&st)?;
    let b = t
        .centre_list()
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| missing("the centre's revocation list"))?;
    Ok(cose(b))
}

async fn own_revocations(
    State(st): State<AppState>,
    Path(kantor): Path<String>,
) -> Result<Response, ApiError> {
    let t = trust(&st)?;
    let (Some((own, _)), Some(iss)) = (&t.own, st.role.issuance()) else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "no such list",
        ));
    };
    if *own != kantor {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("this node is office {own}, not {kantor}"),
        ));
    }
    let b = t
        .own_list(iss.store.as_ref())
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| missing("the list"))?;
    Ok(cose(b))
}

/// The verdict of a QR text against this node's trust, as JSON-ready data.
pub async fn verify_text(st: &AppState, qr: &str) -> Result<Verification, String> {
    let t = st.trust.as_ref().ok_or("this node verifies no Suket")?;
    let store = st.role.issuance().map(|i| i.store.as_ref());
    let ts = t.trust_store(store).await?;
    Ok(sidik_suket::verify(
        qr.trim(),
        &ts,
        st.clock.now().as_second(),
    ))
}

pub fn verification_json(v: &Verification, now: i64) -> serde_json::Value {
    let claims = v.claims.as_ref().map(|c| {
        serde_json::json!({
            "nomor_suket": c.nomor_suket,
            "nomor_registrasi": c.nomor_registrasi,
            "nik": c.nik,
            "nama": c.nama,
            "tanggal_lahir": c.tanggal_lahir.to_string(),
            "jenis_kelamin": match c.jenis_kelamin { sidik_suket::JenisKelaminClaim::Laki => "laki-laki", _ => "perempuan" },
            "alamat": c.alamat,
            "kewarganegaraan": c.kewarganegaraan,
            "kantor": c.kantor,
            "diterbitkan": c.diterbitkan,
            "berlaku_hingga": c.berlaku_hingga,
        })
    });
    let (reason, at) = match &v.verdict {
        Verdict::Revoked { reason, at } => (Some(reason.clone()), Some(*at)),
        _ => (None, None),
    };
    serde_json::json!({
        "verdict": v.verdict.slug(),
        "label": v.verdict.label_id(),
        "detail": v.detail,
        "kantor": v.kantor,
        "kid": v.kid.map(hex::encode),
        "revocation_reason": reason,
        "revoked_at": at,
        "list_age_seconds": v.list_age_secs,
        "checked_at": now,
        "claims": claims,
    })
}

#[derive(Deserialize)]
struct VerifyBody {
    qr: String,
}

async fn verify(
    State(st): State<AppState>,
    Extension(limiter): Extension<Arc<PembatasVerifikasi>>,
    Klien(ip): Klien,
    body: Result<Json<VerifyBody>, JsonRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    if let Err(wait) = limiter.0.check(ip, std::time::Instant::now()) {
        let secs = wait.as_secs().max(1);
        return Err(ApiError {
            retry_after: Some(secs),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("too many verifications; retry in {secs} s"),
            )
        });
    }
    let b = json_body(body)?;
    if b.qr.chars().count() > sidik_suket::MAX_QR_CHARS {
        return Err(ApiError::bad_request(
            "too_long",
            format!(
                "a Suket QR has at most {} characters",
                sidik_suket::MAX_QR_CHARS
            ),
        ));
    }
    let v = verify_text(&st, &b.qr)
        .await
        .map_err(|m| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "no_trust", m))?;
    Ok(Json(verification_json(&v, st.clock.now().as_second())))
}
