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
pub mod cli;
pub mod eval;
pub mod gallery;
pub mod iso19794;
pub mod matcher;
pub mod synth;
pub mod template;

pub use gallery::{fuse_scores, Candidate, FingerScore, Gallery};
pub use matcher::{
    calibrate, match_details, match_prepared, match_score, score_to_fmr, MatchDetails, Prepared,
    DEFAULT_THRESHOLD,
};
pub use template::{parse_any, FingerView, Minutia, MinutiaKind, Template, TemplateError};

/// Suggested decision threshold on [`Candidate::fused_score`] for deduplication: the fused
/// score has the same meaning as a 1:1 score, for a whole person (≈ 10·log10(1/FMR)).
/// With N persons enrolled, the chance that a new applicant falsely hits someone is about
/// N·10^(-t/10): 60 gives ~1e-6 per comparison, i.e. ~10% of applicants flagged for
/// adjudication at 100k persons only if scores were at the tail; see BENCHMARKS.md for the
/// measured FPIR/FNIR.
pub const DEFAULT_IDENTIFY_THRESHOLD: f32 = 60.0;
