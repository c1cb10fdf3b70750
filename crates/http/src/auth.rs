//! Who is calling: a bearer token (API clients) or the session cookie (browsers).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use sidik_store::User;

use crate::{ApiError, AppState};

pub const COOKIE: &str = "sidik_sesi";

/// The session token of a request, from `Authorization: Bearer` or the cookie.
pub fn token_of(parts: &Parts) -> Option<String> {
    token_in(&parts.headers)
}

/// The session token in `headers`, from `Authorization: Bearer` or the cookie.
pub fn token_in(headers: &HeaderMap) -> Option<String> {
    if let Some(v) = headers.get(header::AUTHORIZATION) {
        let v = v.to_str().ok()?;
        return v
            .strip_prefix("Bearer ")
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty());
    }
    crate::csrf::cookie(headers, COOKIE)
        .map(str::to_string)
        .filter(|t| !t.is_empty())
}

/// A write (not GET, HEAD, OPTIONS) authenticated by the session cookie rather than
/// `Authorization: Bearer`: a browser may have sent it on another site's behalf.
fn cookie_write(parts: &Parts) -> bool {
    !parts.method.is_safe() && !parts.headers.contains_key(header::AUTHORIZATION)
}

async fn user_of(parts: &Parts, state: &AppState) -> Result<Option<User>, ApiError> {
    let Some(token) = token_of(parts) else {
        return Ok(None);
    };
    Ok(state.akun.authenticate(&token).await?)
}

/// An authenticated officer, for the JSON API (401 JSON otherwise).
pub struct ApiUser(pub User);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if cookie_write(parts)
            && token_of(parts).is_some()
            && !crate::csrf::same_origin(&parts.headers)
        {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "cross_origin",
                "a write authenticated by the session cookie needs an Origin (or Referer) of this server; API clients send Authorization: Bearer <token>",
            ));
        }
        user_of(parts, state).await?.map(ApiUser).ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "login required: send Authorization: Bearer <token> from POST /api/v1/login",
            )
        })
    }
}

/// An authenticated officer, for pages (redirect to the login page otherwise).
pub struct WebUser(pub User);

pub struct ToLogin;

impl IntoResponse for ToLogin {
    fn into_response(self) -> Response {
        Redirect::to("/masuk").into_response()
    }
}

impl FromRequestParts<AppState> for WebUser {
    type Rejection = ToLogin;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ToLogin> {
        match user_of(parts, state).await {
            Ok(Some(u)) => Ok(WebUser(u)),
            _ => Err(ToLogin),
        }
    }
}

/// `Set-Cookie` value for a new session.
pub fn session_cookie(token: &str, max_age_secs: i64) -> String {
    format!("{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age_secs}")
}

pub fn clear_cookie() -> String {
    format!("{COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0")
}

/// The office's issuance pipeline, for handlers mounted on office nodes only (a
/// centre answers 404: it has no applications of its own).
pub struct Desk(pub sidik_issuance::Issuance);

impl FromRequestParts<AppState> for Desk {
    type Rejection = ApiError;

    async fn from_request_parts(_: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        state.role.issuance().cloned().map(Desk).ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "not_an_office",
                "this node is a centre: it keeps no applications of its own",
            )
        })
    }
}

/// The centre's services, for handlers mounted on the centre only.
pub struct CentreNode(pub std::sync::Arc<sidik_sync::Centre>);

impl FromRequestParts<AppState> for CentreNode {
    type Rejection = ApiError;

    async fn from_request_parts(_: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        state.role.centre().cloned().map(CentreNode).ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "not_a_centre",
                "this node is not a central node",
            )
        })
    }
}
