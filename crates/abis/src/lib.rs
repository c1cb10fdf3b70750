//! Sidik ABIS: fingerprint minutiae templates, 1:1 matching and 1:N deduplication.
//!
//! - [`iso19794`] / [`ansi378`]: template codecs ([`Template`], [`FingerView`]).
//! - [`match_score`] / [`Prepared`]: 1:1 matcher with a calibrated score
//!   (≈ 10·log10(1/FMR)); [`DEFAULT_THRESHOLD`].
//! - [`Gallery`]: incremental 1:N identification with an inverted edge index.
//! - [`synth`]: deterministic synthetic fingers and impressions.
//! - [`cli`]: the `sidik abis` subcommands.
//! - [`eval`]: FVC-protocol accuracy evaluation.

pub mod ansi378;
pub mod eval;
pub mod iso19794;
pub mod matcher;
pub mod template;

pub use matcher::{
    calibrate, match_details, match_prepared, match_score, score_to_fmr, MatchDetails, Prepared,
    DEFAULT_THRESHOLD,
};
pub use template::{parse_any, FingerView, Minutia, MinutiaKind, Template, TemplateError};
