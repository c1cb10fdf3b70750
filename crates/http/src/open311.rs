//! Open311 GeoReport v2 for aspirations, as the specification defines it
//! (<http://wiki.open311.org/GeoReport_v2>), so stock clients and aggregators work:
//!
//! - `GET  /open311/v2/services.{json|xml}`: the service list (one service per
//!   aspiration category, `metadata` false, `type` blackbox);
//! - `GET  /open311/v2/services/{code}.{json|xml}`: a service definition (no attributes);
//! - `POST /open311/v2/requests.{json|xml}`: a new aspiration, `api_key` per client
//!   (form field or query), answers `service_request_id` and `service_notice`;
//! - `GET  /open311/v2/requests.{json|xml}`: published requests by `service_code`,
//!   `status`, `start_date`/`end_date` (90 days at most, the last 90 by default), or
//!   the ones named by `service_request_id` (at most 50, shown as `requests/{id}`);
//! - `GET  /open311/v2/requests/{id}.{json|xml}`: one request. One not yet published
//!   (or confidential) shows only its number, service, status and times, never its text.
//!
//! `jurisdiction_id` may be left out (this endpoint serves one jurisdiction); a
//! different one is 404. Errors are the standard list of `{code, description}`
//! (`<errors><error>` in XML) with the same HTTP status. Requests are rate limited per
//! client address and bounded in size.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use jiff::Timestamp;
use sidik_domain::aspirasi::{Kategori, NomorAspirasi, StatusAspirasi};
use sidik_domain::tanggal::wib;
use sidik_issuance::aspirasi::{AjuanAspirasi, LayananAspirasi};
use sidik_issuance::IssuanceError;
use sidik_store::{Aspirasi, FilterAspirasi, Moderasi, Sumber};

use crate::batas::{Klien, Pembatas};
use crate::AppState;

/// Largest POST body (a 4,000-character description, percent-encoded, fits).
pub const BODY_MAKS: usize = 32 * 1024;
/// Requests one client address may make at once, then one per interval.
pub const BURST: u32 = 60;
pub const INTERVAL: Duration = Duration::from_millis(500);

/// The rate limiter of the Open311 endpoints (its own type: one per router).
pub struct Batas311(pub Pembatas);

/// The Open311 routes of an office.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/open311/v2/{berkas}", get(daftar).post(kirim))
        .route("/open311/v2/services/{berkas}", get(layanan))
        .route("/open311/v2/requests/{berkas}", get(satu))
        .layer(axum::extract::DefaultBodyLimit::max(BODY_MAKS))
        .layer(Extension(Arc::new(Batas311(Pembatas::new(
            4096, BURST, INTERVAL,
        )))))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Xml,
}

/// `name.json` / `name.xml` → (name, format).
fn pisah(berkas: &str) -> Option<(&str, Format)> {
    let (nama, ext) = berkas.rsplit_once('.')?;
    let f = match ext {
        "json" => Format::Json,
        "xml" => Format::Xml,
        _ => return None,
    };
    Some((nama, f))
}

/// The jurisdiction this endpoint serves: the office's code.
fn yurisdiksi(svc: &LayananAspirasi) -> String {
    format!("sidik-{}", svc.issuance.kantor)
}

fn galat(f: Format, status: StatusCode, pesan: &str) -> Response {
    let code = status.as_u16();
    match f {
        Format::Json => (
            status,
            axum::Json(serde_json::json!([{ "code": code, "description": pesan }])),
        )
            .into_response(),
        Format::Xml => xml(
            status,
            format!(
                "<errors><error><code>{code}</code><description>{}</description></error></errors>",
                esc(pesan)
            ),
        ),
    }
}

fn xml(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
        format!("<?xml version=\"1.0\" encoding=\"utf-8\"?>{body}"),
    )
        .into_response()
}

fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '&' => o.push_str("&amp;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            // Characters XML 1.0 cannot carry at all.
            c if c.is_control() && !matches!(c, '\n' | '\r' | '\t') => {}
            c => o.push(c),
        }
    }
    o
}

/// Renders a list of flat records: a JSON array of objects, or
/// `<outer><inner>…</inner></outer>` (a `null` field is an empty element).
fn daftar_rekaman(f: Format, outer: &str, inner: &str, rows: Vec<serde_json::Value>) -> Response {
    match f {
        Format::Json => axum::Json(serde_json::Value::Array(rows)).into_response(),
        Format::Xml => {
            let mut s = format!("<{outer}>");
            for r in rows {
                s.push_str(&format!("<{inner}>"));
                if let serde_json::Value::Object(m) = r {
                    for (k, v) in m {
                        let text = match v {
                            serde_json::Value::Null => String::new(),
                            serde_json::Value::String(t) => esc(&t),
                            other => esc(&other.to_string()),
                        };
                        s.push_str(&format!("<{k}>{text}</{k}>"));
                    }
                }
                s.push_str(&format!("</{inner}>"));
            }
            s.push_str(&format!("</{outer}>"));
            xml(StatusCode::OK, s)
        }
    }
}

fn params(q: &str) -> Vec<(String, String)> {
    serde_urlencoded::from_str(q).unwrap_or_default()
}

fn param<'a>(p: &'a [(String, String)], k: &str) -> Option<&'a str> {
    p.iter()
        .find(|(n, _)| n == k)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

/// Common gate of every endpoint: the service exists on this node, the rate limit,
/// the jurisdiction.
fn gerbang(
    st: &AppState,
    batas: &Batas311,
    ip: Option<std::net::IpAddr>,
    f: Format,
    p: &[(String, String)],
) -> Result<LayananAspirasi, Box<Response>> {
    let Some(svc) = st.aspirasi.clone() else {
        return Err(Box::new(galat(
            f,
            StatusCode::NOT_FOUND,
            "no Open311 service on this node",
        )));
    };
    if let Err(wait) = batas.0.check(ip, Instant::now()) {
        let mut r = galat(
            f,
            StatusCode::TOO_MANY_REQUESTS,
            "too many requests from this address; retry later",
        );
        if let Ok(v) = (wait.as_secs() + 1).to_string().parse() {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return Err(Box::new(r));
    }
    if let Some(j) = param(p, "jurisdiction_id") {
        if j != yurisdiksi(&svc) {
            return Err(Box::new(galat(
                f,
                StatusCode::NOT_FOUND,
                "jurisdiction_id not found",
            )));
        }
    }
    Ok(svc)
}

fn service_json(k: Kategori) -> serde_json::Value {
    serde_json::json!({
        "service_code": k.slug(),
        "service_name": k.label(),
        "description": k.keterangan(),
        "metadata": false,
        "type": "blackbox",
        "keywords": "aspirasi, dukcapil",
        "group": "Administrasi kependudukan",
    })
}

fn w3c(t: Timestamp) -> String {
    t.to_zoned(wib())
        .strftime("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

/// A request as Open311 shows it; text only if published.
fn request_json(a: &Aspirasi, jawaban: Option<&str>) -> serde_json::Value {
    let publik = a.moderasi == Moderasi::Tayang && !a.rahasia;
    let expected = (!a.status.final_() && a.dijawab.is_none()).then(|| {
        let d = sidik_domain::aspirasi::tenggat(
            sidik_domain::kalender::Kalender::indonesia(),
            sidik_domain::tanggal::tanggal_wib(a.dibuat),
        )
        .jawab;
        format!("{d}T16:00:00+07:00")
    });
    let notes = if publik {
        jawaban.map(str::to_string).unwrap_or_default()
    } else {
        "Menunggu moderasi petugas sebelum ditayangkan.".into()
    };
    serde_json::json!({
        "service_request_id": a.nomor.as_str(),
        "status": a.status.open311(),
        "status_notes": notes,
        "service_name": a.kategori.label(),
        "service_code": a.kategori.slug(),
        "description": if publik { Some(a.isi_publik.as_str()) } else { None },
        "agency_responsible": a.unit.as_deref().unwrap_or("Suku Dinas Dukcapil"),
        "service_notice": format!("Tahapan: {}", a.status.label()),
        "requested_datetime": w3c(a.dibuat),
        "updated_datetime": w3c(a.diperbarui),
        "expected_datetime": expected,
        "address": if publik { a.alamat.as_deref() } else { None },
        "address_id": null,
        "zipcode": null,
        "lat": if publik { a.lat } else { None },
        "long": if publik { a.long } else { None },
        "media_url": null,
    })
}

/// `GET /open311/v2/{services|requests}.{json|xml}`.
async fn daftar(
    State(st): State<AppState>,
    Extension(batas): Extension<Arc<Batas311>>,
    Klien(ip): Klien,
    Path(berkas): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    let Some((nama, f)) = pisah(&berkas) else {
        return galat(Format::Json, StatusCode::NOT_FOUND, "unknown resource");
    };
    let p = params(q.as_deref().unwrap_or(""));
    let svc = match gerbang(&st, &batas, ip, f, &p) {
        Ok(s) => s,
        Err(r) => return *r,
    };
    match nama {
        "services" => daftar_rekaman(
            f,
            "services",
            "service",
            Kategori::ALL.iter().map(|k| service_json(*k)).collect(),
        ),
        "requests" => match cari(&svc, &p).await {
            Ok(rows) => daftar_rekaman(f, "service_requests", "request", rows),
            Err((s, m)) => galat(f, s, &m),
        },
        _ => galat(f, StatusCode::NOT_FOUND, "unknown resource"),
    }
}

/// The GET requests query.
async fn cari(
    svc: &LayananAspirasi,
    p: &[(String, String)],
) -> Result<Vec<serde_json::Value>, (StatusCode, String)> {
    let bad = |m: &str| (StatusCode::BAD_REQUEST, m.to_string());
    if let Some(ids) = param(p, "service_request_id") {
        let mut out = Vec::new();
        for id in ids.split(',').take(50) {
            let n = NomorAspirasi::parse(id).map_err(|_| bad("invalid service_request_id"))?;
            // As `requests/{id}`: an unpublished one shows no text.
            if let Ok(Some((a, j))) = svc.open311_request(&n).await {
                out.push(request_json(&a, j.as_deref()));
            }
        }
        return Ok(out);
    }
    let waktu = |k: &str| -> Result<Option<Timestamp>, (StatusCode, String)> {
        param(p, k)
            .map(|v| {
                v.parse::<Timestamp>()
                    .map_err(|_| bad(&format!("{k} must be a W3C datetime")))
            })
            .transpose()
    };
    let now = svc.issuance.clock.now();
    let hari90 = jiff::SignedDuration::from_hours(24 * 90);
    let (dari, sampai) = match (waktu("start_date")?, waktu("end_date")?) {
        (Some(a), Some(b)) => (a, b),
        (Some(a), None) => (a, a.saturating_add(hari90).map_err(|_| bad("start_date"))?),
        (None, Some(b)) => (b.saturating_sub(hari90).map_err(|_| bad("end_date"))?, b),
        (None, None) => (now.saturating_sub(hari90).map_err(|_| bad("now"))?, now),
    };
    if sampai < dari || sampai.duration_since(dari) > hari90 {
        return Err(bad(
            "start_date and end_date may not span more than 90 days",
        ));
    }
    let mut f = FilterAspirasi {
        dari: Some(dari),
        sampai: Some(
            sampai
                .saturating_add(jiff::SignedDuration::from_secs(1))
                .unwrap_or(sampai),
        ),
        limit: 200,
        ..Default::default()
    };
    if let Some(c) = param(p, "service_code") {
        f.kategori = Some(Kategori::parse(c).map_err(|_| bad("unknown service_code"))?);
    }
    if let Some(s) = param(p, "status") {
        for v in s.split(',') {
            let ss: &[StatusAspirasi] = match v {
                "open" => &StatusAspirasi::ALL[..4],
                "closed" => &StatusAspirasi::ALL[4..],
                _ => return Err(bad("status must be open or closed")),
            };
            f.status.extend_from_slice(ss);
        }
    }
    let (rows, _) = svc
        .daftar_publik(f)
        .await
        .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, e.code().to_string()))?;
    let mut out = Vec::with_capacity(rows.len());
    for a in &rows {
        let j = svc.jawaban_publik(a).await.ok().flatten();
        out.push(request_json(a, j.as_deref()));
    }
    Ok(out)
}

/// `GET /open311/v2/services/{code}.{json|xml}`.
async fn layanan(
    State(st): State<AppState>,
    Extension(batas): Extension<Arc<Batas311>>,
    Klien(ip): Klien,
    Path(berkas): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    let Some((kode, f)) = pisah(&berkas) else {
        return galat(Format::Json, StatusCode::NOT_FOUND, "unknown resource");
    };
    let p = params(q.as_deref().unwrap_or(""));
    if let Err(r) = gerbang(&st, &batas, ip, f, &p) {
        return *r;
    }
    let Ok(k) = Kategori::parse(kode) else {
        return galat(f, StatusCode::NOT_FOUND, "service_code not found");
    };
    let def = serde_json::json!({ "service_code": k.slug(), "attributes": [] });
    match f {
        Format::Json => axum::Json(def).into_response(),
        Format::Xml => xml(
            StatusCode::OK,
            format!(
                "<service_definition><service_code>{}</service_code><attributes></attributes></service_definition>",
                esc(k.slug())
            ),
        ),
    }
}

/// `GET /open311/v2/requests/{id}.{json|xml}`.
async fn satu(
    State(st): State<AppState>,
    Extension(batas): Extension<Arc<Batas311>>,
    Klien(ip): Klien,
    Path(berkas): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    let Some((id, f)) = pisah(&berkas) else {
        return galat(Format::Json, StatusCode::NOT_FOUND, "unknown resource");
    };
    let p = params(q.as_deref().unwrap_or(""));
    let svc = match gerbang(&st, &batas, ip, f, &p) {
        Ok(s) => s,
        Err(r) => return *r,
    };
    let Ok(n) = NomorAspirasi::parse(id) else {
        return galat(f, StatusCode::NOT_FOUND, "service_request_id not found");
    };
    match svc.open311_request(&n).await {
        Ok(Some((a, j))) => daftar_rekaman(
            f,
            "service_requests",
            "request",
            vec![request_json(&a, j.as_deref())],
        ),
        Ok(None) => galat(f, StatusCode::NOT_FOUND, "service_request_id not found"),
        Err(_) => galat(f, StatusCode::INTERNAL_SERVER_ERROR, "internal error"),
    }
}

/// `POST /open311/v2/requests.{json|xml}`: urlencoded fields as the spec names them.
async fn kirim(
    State(st): State<AppState>,
    Extension(batas): Extension<Arc<Batas311>>,
    Klien(ip): Klien,
    Path(berkas): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let Some(("requests", f)) = pisah(&berkas) else {
        return galat(Format::Json, StatusCode::NOT_FOUND, "unknown resource");
    };
    let urlencoded = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !urlencoded {
        return galat(
            f,
            StatusCode::BAD_REQUEST,
            "the body must be application/x-www-form-urlencoded",
        );
    }
    let Ok(mut p) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body) else {
        return galat(f, StatusCode::BAD_REQUEST, "the body is not a valid form");
    };
    // `api_key` and `jurisdiction_id` may also come in the query (some clients do so).
    p.extend(params(q.as_deref().unwrap_or("")));
    let svc = match gerbang(&st, &batas, ip, f, &p) {
        Ok(s) => s,
        Err(r) => return *r,
    };
    let klien = match svc.open311_klien(param(&p, "api_key").unwrap_or("")).await {
        Ok(Some(k)) => k,
        Ok(None) => return galat(f, StatusCode::FORBIDDEN, "api_key is missing or invalid"),
        Err(_) => return galat(f, StatusCode::INTERNAL_SERVER_ERROR, "internal error"),
    };
    let Some(kode) = param(&p, "service_code") else {
        return galat(f, StatusCode::BAD_REQUEST, "service_code was not provided");
    };
    let lat = param(&p, "lat").map(str::parse::<f64>);
    let long = param(&p, "long").map(str::parse::<f64>);
    let (lat, long) = match (lat, long) {
        (Some(Ok(a)), Some(Ok(b))) => (Some(a), Some(b)),
        (None, None) => (None, None),
        _ => {
            return galat(
                f,
                StatusCode::BAD_REQUEST,
                "lat and long must both be numbers",
            )
        }
    };
    let alamat = param(&p, "address_string").unwrap_or("").to_string();
    if lat.is_none() && alamat.is_empty() && param(&p, "address_id").is_none() {
        return galat(
            f,
            StatusCode::BAD_REQUEST,
            "a location is required: lat and long, address_string or address_id",
        );
    }
    let isi = param(&p, "description").unwrap_or("").to_string();
    let ajuan = AjuanAspirasi {
        judul: judul_dari(&isi),
        isi,
        kategori: kode.to_string(),
        nama: [param(&p, "first_name"), param(&p, "last_name")]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" "),
        telepon: param(&p, "phone").unwrap_or("").to_string(),
        email: param(&p, "email").unwrap_or("").to_string(),
        lat,
        long,
        alamat,
        ..Default::default()
    };
    let pusat = crate::cetak_api::keadaan_pusat(&st);
    match svc.ajukan(ajuan, Sumber::Open311(klien), &pusat).await {
        Ok(d) => {
            let row = serde_json::json!({
                "service_request_id": d.aspirasi.nomor.as_str(),
                "service_notice": "Aspirasi diterima; petugas memeriksa sebelum ditayangkan. Tenggat jawaban: 5 hari kerja.",
                "account_id": null,
            });
            daftar_rekaman(f, "service_requests", "request", vec![row])
        }
        Err(IssuanceError::Invalid { message, .. }) => galat(f, StatusCode::BAD_REQUEST, &message),
        Err(e) => {
            tracing::warn!("open311 post: {e}");
            galat(f, StatusCode::INTERNAL_SERVER_ERROR, "internal error")
        }
    }
}

/// Open311 has no title: the first words of the description (at most 80 characters).
fn judul_dari(isi: &str) -> String {
    let satu_baris: String = isi.split_whitespace().collect::<Vec<_>>().join(" ");
    if satu_baris.chars().count() <= 80 {
        return satu_baris;
    }
    let mut out = String::new();
    for w in satu_baris.split(' ') {
        if out.chars().count() + w.chars().count() + 1 > 79 {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    if out.is_empty() {
        out = satu_baris.chars().take(79).collect();
    }
    out.push('…');
    out
}
