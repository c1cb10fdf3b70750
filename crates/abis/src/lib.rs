//! Sidik ABIS: fingerprint minutiae templates, 1:1 matching and 1:N deduplication.
//!
//! - [`iso19794`] / [`ansi378`]: template codecs ([`Template`], [`FingerView`]).
//! - [`match_score`] / [`Prepared`]: 1:1 matcher with a calibrated score
//!   (≈ 10·log10(1/FMR)); [`DEFAULT_THRESHOLD`].
//! - [`Gallery`]: incremental 1:N identification with an inverted edge index.
//! - [`synth`]: deterministic synthetic fingers and impressions.
//! - [`eval`]: FVC-protocol accuracy evaluation; [`lodo`]: leave-one-database-out
//!   evaluation with bootstrap intervals; [`calib`]: score calibration.

pub mod ansi378;
pub mod calib;
pub mod eval;
pub mod gallery;
pub mod hough;
pub mod iso19794;
pub mod lodo;
pub mod matcher;
pub mod synth;
pub mod template;

pub use gallery::{fuse_scores, Candidate, FingerScore, Gallery, SearchProfile};
pub use matcher::{
    calibrate, match_details, match_prepared, match_score, score_to_fmr, MatchDetails, Prepared,
    DEFAULT_THRESHOLD,
};
pub use template::{parse_any, FingerView, Minutia, MinutiaKind, Template, TemplateError};

/// Suggested decision threshold on [`Candidate::fused_score`] for deduplication. The fused
/// score has the same meaning as a 1:1 score, for a whole person: ≈ 10·log10(1/FMR) per
/// person comparison. Searching N persons, the expected false-positive identification
/// rate is about N·10^(-t/10); 70 gives ~1e-7 per person, i.e. ~1% FPIR at 100,000 persons.
/// Use [`identify_threshold`] to derive it from the gallery size.
pub const DEFAULT_IDENTIFY_THRESHOLD: f32 = 70.0;

/// Fused-score threshold for a target false-positive identification rate when searching
/// `persons` enrolled persons: `10·log10(persons / fpir)`, never below [`DEFAULT_THRESHOLD`].
pub fn identify_threshold(persons: usize, fpir: f64) -> f32 {
    let t = 10.0 * ((persons.max(1) as f64) / fpir.clamp(1e-12, 1.0)).log10();
    (t as f32).max(DEFAULT_THRESHOLD)
}
