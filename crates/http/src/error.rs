//! JSON errors `{code, message}` with the right status.

use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use sidik_issuance::IssuanceError;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Seconds for a `Retry-After` header (429, 503).
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }
    /// A failure of the node itself: logged, and answered without its details.
    pub fn internal(message: impl std::fmt::Display) -> Self {
        ApiError::from(IssuanceError::Internal(message.to_string()))
    }
}

impl From<IssuanceError> for ApiError {
    fn from(e: IssuanceError) -> Self {
        let code = e.code();
        let status = match &e {
            IssuanceError::Invalid { code, .. } => match *code {
                "too_large" => StatusCode::PAYLOAD_TOO_LARGE,
                "invalid_nik" | "use_check" | "invalid_idempotency_key" => StatusCode::BAD_REQUEST,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            },
            IssuanceError::NotFound(_) => StatusCode::NOT_FOUND,
            IssuanceError::Conflict { .. } => StatusCode::CONFLICT,
            IssuanceError::Forbidden { .. } => StatusCode::FORBIDDEN,
            IssuanceError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            IssuanceError::LockedOut { retry_after_secs } => {
                return ApiError {
                    retry_after: Some(*retry_after_secs),
                    ..ApiError::new(StatusCode::TOO_MANY_REQUESTS, code, e.to_string())
                }
            }
            IssuanceError::Busy { retry_after_secs } => {
                return ApiError {
                    retry_after: Some(*retry_after_secs),
                    ..ApiError::new(StatusCode::SERVICE_UNAVAILABLE, code, e.to_string())
                }
            }
            IssuanceError::Internal(m) => {
                tracing::error!("internal error: {m}");
                return ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "internal error; see the server log",
                );
            }
        };
        ApiError::new(status, code, e.to_string())
    }
}

impl ApiError {
    /// The `Retry-After` header, if the error carries one.
    pub(crate) fn retry_after_header(&self) -> Option<(HeaderName, HeaderValue)> {
        self.retry_after
            .map(|s| (header::RETRY_AFTER, HeaderValue::from(s)))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let retry = self.retry_after_header();
        let mut r = (
            self.status,
            Json(serde_json::json!({"code": self.code, "message": self.message})),
        )
            .into_response();
        r.headers_mut().extend(retry);
        r
    }
}

impl From<sidik_store::StoreError> for ApiError {
    fn from(e: sidik_store::StoreError) -> Self {
        use sidik_store::StoreError;
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
}

impl From<sidik_sync::centre::CentreError> for ApiError {
    fn from(e: sidik_sync::centre::CentreError) -> Self {
        use sidik_sync::centre::CentreError;
        match e {
            CentreError::Forbidden { .. } => {
                ApiError::new(StatusCode::FORBIDDEN, "forbidden", e.to_string())
            }
            CentreError::Invalid { code, message } => ApiError::bad_request(code, message),
            CentreError::NotFound(m) => ApiError::new(StatusCode::NOT_FOUND, "not_found", m),
            CentreError::Conflict { code, message } => {
                ApiError::new(StatusCode::CONFLICT, code, message)
            }
            CentreError::Store(e) => e.into(),
        }
    }
}
