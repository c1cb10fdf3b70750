//! Store-and-forward between office nodes and the central node.
//!
//! * [`office`]: the office's background worker. It pushes sealed packets from the
//!   outbox to the centre (idempotent by packet id, bounded concurrency, a rate limit,
//!   exponential backoff with jitter while the centre is unreachable) and pulls the
//!   centre's decisions from a per-office feed (cursor = the highest decision applied,
//!   kept in the office database). [`Kesehatan`] tracks since when the centre is down.
//! * [`centre`]: the central node. It opens packets (hash, certified signer, decryption,
//!   domain rules), quarantines what fails with the reason, records the rest exactly
//!   once (unique packet id and registration number), dedups every packet against the
//!   national 1:N gallery in receive order and publishes decisions.
//! * [`upload`]: resumable uploads of large packets (chunks staged until complete).
//!
//! Architecture invariant: no SQL and no HTTP here. Storage is `sidik-store`'s traits;
//! the wire is the [`CentreLink`] trait, implemented over HTTP by `sidik-http` (and
//! directly by [`centre::LocalLink`] for an in-process centre).

pub mod centre;
pub mod office;
pub mod upload;

pub use centre::{Centre, Receipt};
pub use office::{Kesehatan, OfficeSync, SyncConfig, SyncError};

use async_trait::async_trait;
use jiff::Timestamp;
use sidik_domain::Keputusan;

/// What the centre answered to a pushed packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushOutcome {
    /// Recorded now.
    Accepted,
    /// Already recorded (same id and content): harmless.
    Replay,
    /// Refused and quarantined at the centre; retrying will not help.
    Refused { code: String, reason: String },
}

/// Why talking to the centre failed. Both are retried with backoff.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("centre unreachable: {0}")]
    Unreachable(String),
    #[error("centre error: {0}")]
    Server(String),
}

/// The office's connection to the centre.
#[async_trait]
pub trait CentreLink: Send + Sync + 'static {
    async fn push(&self, packet_id: &str, bytes: &[u8]) -> Result<PushOutcome, LinkError>;
    /// Decisions for this office with `seq > after`, in order. `sampai` tells the centre
    /// that every packet this office enrolled before that instant has been delivered (its
    /// watermark: the centre decides packets of other offices enrolled later only after
    /// it, so an earlier enrollment of the same person is decided first).
    /// `wait`: when there is nothing new, the centre may hold the request this long for
    /// a decision to be published (a long poll: the office learns of a decision as soon
    /// as it exists, without polling often); zero answers at once.
    async fn pull(
        &self,
        after: i64,
        limit: u32,
        sampai: Timestamp,
        wait: std::time::Duration,
    ) -> Result<Vec<Keputusan>, LinkError>;
}
