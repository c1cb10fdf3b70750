//! Forms that change state: the CSRF token every one of them carries (see
//! [`crate::csrf`]), a size limit, and Indonesian answers when a form is refused. A
//! refused form changes nothing: the handler never runs.
//!
//! - [`Csrf`]: the request's tokens, to render forms (`k.csrf` in the templates).
//! - [`Formulir`]: a urlencoded form of a logged-in officer (session-bound token).
//! - [`FormulirTamu`]: a urlencoded form shown before login (pre-session token).
//! - [`periksa`]: the same check for forms read by their handler (multipart enrollment).

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use serde::de::DeserializeOwned;

use super::layout::galat;
use crate::csrf::{from_elsewhere, Pemilik, Token, FIELD};
use crate::AppState;

/// Largest urlencoded form body (the longest legitimate one, a 500-character reason
/// percent-encoded, is well under).
pub const FORM_LIMIT: usize = 16 * 1024;

/// The form tokens of a request, to render forms.
pub struct Csrf(pub Token);

impl FromRequestParts<AppState> for Csrf {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        Ok(Csrf(Token::of(&parts.headers, &parts.extensions)))
    }
}

/// A form with no fields but its token (logout, the uniqueness check).
#[derive(serde::Deserialize)]
pub struct Kosong {}

/// A urlencoded form of a logged-in officer whose token matched the session.
pub struct Formulir<T>(pub T);

/// A urlencoded form shown before login whose token matched the pre-session cookie.
pub struct FormulirTamu<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for Formulir<T> {
    type Rejection = Response;

    async fn from_request(req: Request, st: &AppState) -> Result<Self, Response> {
        baca(req, st, Pemilik::Sesi).await.map(Formulir)
    }
}

impl<T: DeserializeOwned> FromRequest<AppState> for FormulirTamu<T> {
    type Rejection = Response;

    async fn from_request(req: Request, st: &AppState) -> Result<Self, Response> {
        baca(req, st, Pemilik::Tamu).await.map(FormulirTamu)
    }
}

/// 403 with the Indonesian error page: the token is missing or wrong.
pub fn ditolak(st: &AppState, t: &Token) -> Response {
    galat(
        st,
        None,
        t,
        StatusCode::FORBIDDEN,
        "Formulir ditolak",
        "Formulir ini tidak dapat diterima karena token keamanannya tidak ada atau tidak cocok (formulir dari situs lain, atau halaman sudah terlalu lama dibuka). Tidak ada data yang diubah. Muat ulang halaman lalu coba lagi.".into(),
    )
}

/// Checks the token of a form read by its handler: the 403 answer if it is refused.
pub fn periksa(
    st: &AppState,
    headers: &HeaderMap,
    t: &Token,
    who: Pemilik,
    given: Option<&str>,
) -> Option<Response> {
    let sah = !from_elsewhere(headers) && t.accepts(who, given.unwrap_or_default());
    (!sah).then(|| ditolak(st, t))
}

fn rusak(st: &AppState, t: &Token, status: StatusCode, rincian: String) -> Response {
    tracing::debug!("form refused: {rincian}");
    galat(
        st,
        None,
        t,
        status,
        "Formulir tidak dapat diproses",
        "Formulir tidak lengkap atau rusak (ada isian yang hilang, tidak dikenal atau terlalu panjang); tidak ada data yang diubah. Muat ulang halaman lalu isi kembali.".into(),
    )
}

async fn baca<T: DeserializeOwned>(
    req: Request,
    st: &AppState,
    who: Pemilik,
) -> Result<T, Response> {
    let (parts, body) = req.into_parts();
    let t = Token::of(&parts.headers, &parts.extensions);
    let too_large = |t: &Token| {
        galat(
            st,
            None,
            t,
            StatusCode::PAYLOAD_TOO_LARGE,
            "Formulir terlalu besar",
            format!("Isian formulir melebihi batas {} KiB; tidak ada data yang diubah. Persingkat isian lalu coba lagi.", FORM_LIMIT / 1024),
        )
    };
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > FORM_LIMIT as u64) {
        return Err(too_large(&t));
    }
    let urlencoded = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !urlencoded {
        let status = StatusCode::UNSUPPORTED_MEDIA_TYPE;
        return Err(rusak(
            st,
            &t,
            status,
            "bukan application/x-www-form-urlencoded".into(),
        ));
    }
    let Ok(bytes) = axum::body::to_bytes(body, FORM_LIMIT).await else {
        return Err(too_large(&t));
    };
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes)
        .map_err(|e| rusak(st, &t, StatusCode::BAD_REQUEST, e.to_string()))?;
    let given = fields
        .iter()
        .find(|(k, _)| k == FIELD)
        .map(|(_, v)| v.as_str());
    if let Some(refused) = periksa(st, &parts.headers, &t, who, given) {
        return Err(refused);
    }
    serde_urlencoded::from_bytes(&bytes)
        .map_err(|e| rusak(st, &t, StatusCode::BAD_REQUEST, e.to_string()))
}
