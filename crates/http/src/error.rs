//! JSON errors `{code, message}` with the right status.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use sidik_issuance::IssuanceError;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }
}

impl From<IssuanceError> for ApiError {
    fn from(e: IssuanceError) -> Self {
        let code = e.code();
        let status = match &e {
            IssuanceError::Invalid { code, .. } => match *code {
                "too_large" => StatusCode::PAYLOAD_TOO_LARGE,
                "invalid_nik" | "use_check" => StatusCode::BAD_REQUEST,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            },
            IssuanceError::NotFound(_) => StatusCode::NOT_FOUND,
            IssuanceError::Conflict { .. } => StatusCode::CONFLICT,
            IssuanceError::Forbidden { .. } => StatusCode::FORBIDDEN,
            IssuanceError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            IssuanceError::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
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

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(serde_json::json!({"code": self.code, "message": self.message})),
        )
            .into_response()
    }
}
