//! The central node: packet intake, quarantine, national dedup and the decision feed.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use async_trait::async_trait;
use jiff::Timestamp;
use sha2::{Digest, Sha256};
use sidik_domain::audit::AuditDraft;
use sidik_domain::ketunggalan::{self, Perekaman, PerekamanLain};
use sidik_domain::permohonan::Kandidat;
use sidik_domain::{Hasil, Keputusan, KodeKantor, Peran, StatusPaket};
use sidik_packet::{
    CentreKeys, Certificate, KeyRing, OfficePublicKey, Packet, Rejection, MAX_PACKET_BYTES,
};
use sidik_ports::{Abis, AbisEntry, AbisProbe, Clock, TemplateFormat};
use sidik_store::{
    CentreStore, Diterima, KantorTerdaftar, Karantina, KeputusanBaru, LeaseFence, PaketMasuk,
    PaketPusat, PaketTunggu, PublishItem, StoreError, Tahan, User,
};
use tokio::sync::Notify;

use crate::{CentreLink, LinkError, PushOutcome};

mod decider;
mod feed;
mod intake;
mod lease;
mod officers;

pub use feed::LocalLink;
pub use intake::{ChunkError, ChunkReceipt};
pub use lease::LeasePolicy;

/// Who performs a write at the centre.
#[derive(Debug, Clone, Copy)]
pub enum Actor<'a> {
    /// A logged-in officer of the centre; the role is checked for every act.
    Officer(&'a User),
    /// The operator of the centre's machine, through `sidik central …` (holds the data
    /// folder and its keys already).
    Console,
}

impl Actor<'_> {
    /// The actor as recorded in the audit chain.
    pub fn audit_name(&self) -> String {
        match self {
            Actor::Officer(u) => format!("user:{}", u.username),
            Actor::Console => "cli".into(),
        }
    }

    fn require(&self, allowed: &[Peran], what: &'static str) -> Result<(), CentreError> {
        match self {
            Actor::Console => Ok(()),
            Actor::Officer(u) if allowed.contains(&u.peran) => Ok(()),
            Actor::Officer(u) => Err(CentreError::Forbidden {
                peran: u.peran,
                what,
            }),
        }
    }
}

/// Why a centre officer's act was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum CentreError {
    #[error("role {peran} may not {what}")]
    Forbidden { peran: Peran, what: &'static str },
    #[error("{message}")]
    Invalid { code: &'static str, message: String },
    #[error("{0}")]
    NotFound(String),
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Who may adjudicate `ganda` cases and see them.
const ADJUDICATORS: &[Peran] = &[Peran::Admin, Peran::Verifikator];
/// Who may register and revoke office keys and see the quarantine.
const ADMINS: &[Peran] = &[Peran::Admin];

/// The centre's answer to a pushed packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Receipt {
    Accepted,
    Replay,
    /// Quarantined with a stable code and a reason.
    Refused {
        code: String,
        reason: String,
    },
}

/// Counters since start (for `/metrics`; the database holds the durable truth).
#[derive(Default)]
pub struct Counters {
    pub accepted: AtomicU64,
    pub replayed: AtomicU64,
    pub refused: AtomicU64,
    pub decided: AtomicU64,
}

/// The central node's services.
pub struct Centre {
    pub store: Arc<dyn CentreStore>,
    pub keys: CentreKeys,
    ring: RwLock<KeyRing>,
    /// The national gallery.
    pub abis: Arc<dyn Abis>,
    /// Validates the finger templates of every packet at intake.
    pub templates: Arc<dyn TemplateFormat>,
    pub clock: Arc<dyn Clock>,
    /// Wakes the decider after a packet is recorded.
    pub wake: Notify,
    /// Wakes the decider after an office's watermark moves. While the hold keeps
    /// packets back, only this (or time) can release them: a packet that arrives is
    /// never older than its own office's watermark.
    marks_moved: Notify,
    /// Bumped after every publication of decisions (wakes long-polling feeds).
    published: tokio::sync::watch::Sender<u64>,
    /// Resumable uploads in progress.
    pub uploads: crate::upload::Staging,
    pub counters: Counters,
    /// How long the decider waits for other offices' earlier enrollments.
    pub hold: HoldPolicy,
    started: std::time::Instant,
    /// Per office: (delivered up to, when the office said so).
    watermarks: std::sync::Mutex<HashMap<String, (Timestamp, std::time::Instant)>>,
    /// The decider's lease: several centre processes may share one database, and only
    /// the holder decides ([`Centre::run_decider`]).
    pub lease: LeasePolicy,
    /// The clock of the lease's expiry: real time, shared by every process on the
    /// database, even when `clock` is a simulated one (`sidik simulate` runs days in
    /// seconds).
    pub lease_clock: Arc<dyn Clock>,
    /// The number of decisions published when the gallery was last rebuilt, plus those
    /// this process published since: if the database holds another number when this
    /// process takes the lease, someone else changed the gallery's truth meanwhile.
    gallery_mark: std::sync::Mutex<Option<u64>>,
}

/// The decider decides a packet enrolled at `T` only once every live office has
/// delivered everything it enrolled before `T` (each office says so when it reads its
/// feed, right after pushing its outbox). After an outage the offices drain their
/// backlogs at different speeds; without the hold, a person's second enrollment at a
/// quick office could be found unique and printed before the first, at a slow office,
/// reaches the centre. The hold never blocks for long: an office silent for `live` is
/// offline and holds nothing, and no packet waits more than `max_hold` after arriving.
#[derive(Debug, Clone, Copy)]
pub struct HoldPolicy {
    /// After (re)start, wait this long for every registered office to report.
    pub gather: Duration,
    /// An office that reported within this is live.
    pub live: Duration,
    /// A packet is decided at the latest this long after it arrived.
    pub max_hold: Duration,
}

impl HoldPolicy {
    /// No hold: decide packets as soon as they arrive (benchmarks, unit tests).
    pub const NONE: HoldPolicy = HoldPolicy {
        gather: Duration::ZERO,
        live: Duration::ZERO,
        max_hold: Duration::ZERO,
    };
}

impl Default for HoldPolicy {
    fn default() -> Self {
        HoldPolicy {
            gather: Duration::from_secs(20),
            live: Duration::from_secs(60),
            max_hold: Duration::from_secs(120),
        }
    }
}

const SISTEM: &str = "sistem:pusat";

/// (registration number, NIK, fingers) of one application, as the ABIS takes it.
type Enrolled = (String, String, Vec<(u8, Vec<u8>)>);

fn entries(list: &[Enrolled]) -> Vec<AbisEntry<'_>> {
    list.iter()
        .map(|(nomor, nik, jari)| AbisEntry {
            permohonan: nomor,
            nik,
            fingers: jari,
        })
        .collect()
}

/// Packets the decider takes at once: searched in parallel, published in one
/// transaction.
pub const DECIDE_BATCH: u32 = 128;

/// Longest a feed request is held waiting for new decisions.
pub const MAX_FEED_WAIT: Duration = Duration::from_secs(25);

impl Centre {
    /// Builds the centre, loading the registered office keys into the key ring.
    pub async fn new(
        store: Arc<dyn CentreStore>,
        keys: CentreKeys,
        abis: Arc<dyn Abis>,
        templates: Arc<dyn TemplateFormat>,
        clock: Arc<dyn Clock>,
    ) -> Result<Centre, StoreError> {
        let centre = Centre {
            ring: RwLock::new(KeyRing::new(keys.certifying.verifying_key())),
            store,
            keys,
            abis,
            templates,
            clock,
            wake: Notify::new(),
            marks_moved: Notify::new(),
            published: tokio::sync::watch::Sender::new(0),
            uploads: Default::default(),
            counters: Counters::default(),
            hold: HoldPolicy::default(),
            started: std::time::Instant::now(),
            watermarks: Default::default(),
            lease: LeasePolicy::default(),
            lease_clock: Arc::new(sidik_ports::SystemClock),
            gallery_mark: Default::default(),
        };
        centre.reload_ring().await?;
        Ok(centre)
    }

    /// Whether an office's signed request is genuine.
    pub fn verify_request(&self, office: &str, unix: i64, what: &str, sig: &[u8; 64]) -> bool {
        self.ring
            .read()
            .expect("ring lock")
            .verify_request(office, unix, what, sig)
    }
}
