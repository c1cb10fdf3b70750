//! The pipeline's errors, each with a stable machine code.

use super::*;

/// Errors of the pipeline, each with a stable machine code.
#[derive(Debug, thiserror::Error)]
pub enum IssuanceError {
    #[error("{message}")]
    Invalid { code: &'static str, message: String },
    #[error("{0}")]
    NotFound(String),
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    #[error("{0}")]
    Unauthorized(String),
    /// Too many failed logins for a username: locked, or the limit is taken.
    #[error("too many failed logins for this username; try again in {}", wait_text(*retry_after_secs))]
    LockedOut { retry_after_secs: u64 },
    /// Every seat for a password check is taken; nothing was counted.
    #[error("too many logins are being checked right now; try again in {}", wait_text(*retry_after_secs))]
    Busy { retry_after_secs: u64 },
    #[error("role {peran} may not {what}")]
    Forbidden { peran: Peran, what: String },
    #[error("internal error: {0}")]
    Internal(String),
}

impl IssuanceError {
    pub(crate) fn invalid(code: &'static str, message: impl Into<String>) -> Self {
        IssuanceError::Invalid {
            code,
            message: message.into(),
        }
    }

    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            IssuanceError::Invalid { code, .. } | IssuanceError::Conflict { code, .. } => code,
            IssuanceError::NotFound(_) => "not_found",
            IssuanceError::Forbidden { .. } => "forbidden",
            IssuanceError::Unauthorized(_) => "unauthorized",
            IssuanceError::LockedOut { .. } => "too_many_attempts",
            IssuanceError::Busy { .. } => "busy",
            IssuanceError::Internal(_) => "internal",
        }
    }
}

/// "5 minutes", "40 seconds".
fn wait_text(secs: u64) -> String {
    match secs {
        1 => "1 second".into(),
        s if s < 60 => format!("{s} seconds"),
        s => {
            let m = s.div_ceil(60);
            format!("{m} minute{}", if m == 1 { "" } else { "s" })
        }
    }
}

impl From<StoreError> for IssuanceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(m) => IssuanceError::Conflict {
                code: "conflict",
                message: m,
            },
            StoreError::Stale(m) => IssuanceError::Conflict {
                code: "stale_state",
                message: m,
            },
            StoreError::KeyReused(m) => IssuanceError::Conflict {
                code: "idempotency_key_reused",
                message: format!("idempotency key reused: {m}"),
            },
            StoreError::NotFound(m) => IssuanceError::NotFound(m),
            StoreError::Backend(m) => IssuanceError::Internal(m),
        }
    }
}

impl From<PendudukError> for IssuanceError {
    fn from(e: PendudukError) -> Self {
        let code = match &e {
            PendudukError::Nik(_) => "invalid_nik",
            PendudukError::UnknownKelurahan(_) => "unknown_kelurahan",
            _ => "invalid_biodata",
        };
        IssuanceError::invalid(code, e.to_string())
    }
}

impl From<BiometrikError> for IssuanceError {
    fn from(e: BiometrikError) -> Self {
        let code = match &e {
            BiometrikError::IndexFingerMissing(_) => "index_finger_missing",
            BiometrikError::TemplateTooLarge(..) | BiometrikError::ImageTooLarge { .. } => {
                "too_large"
            }
            BiometrikError::TemplateInvalid(..) => "invalid_template",
            _ => "invalid_biometrics",
        };
        IssuanceError::invalid(code, e.to_string())
    }
}

pub type Result<T> = std::result::Result<T, IssuanceError>;
