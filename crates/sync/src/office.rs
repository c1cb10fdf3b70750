//! The office side: the sync worker and the centre's health as the office sees it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::Timestamp;
use sidik_ports::{Clock, DecisionSink, Entropy};
use sidik_store::SyncStore;
use tokio::sync::{Notify, Semaphore};

use crate::{CentreLink, LinkError, PushOutcome};

/// Key under which the office keeps, across restarts, since when the centre is down.
pub const STATE_DOWN_SINCE: &str = "pusat_gangguan_sejak";

/// Tunables of the worker.
#[derive(Debug, Clone)]
pub struct SyncConfig {
    /// Packets pushed in parallel.
    pub concurrency: usize,
    /// At most this many packets per second (a recovering centre is not flooded).
    pub max_rate: f64,
    /// Packets fetched from the outbox per batch. After each full batch the office
    /// reads its feed, which also tells the centre how far it has delivered (its
    /// watermark, which releases the centre's hold): smaller batches let the centre
    /// start deciding sooner after an outage.
    pub batch: u32,
    /// Decisions fetched per feed page.
    pub feed_page: u32,
    /// With nothing to push, how long one long poll on the feed may wait (it returns as
    /// soon as the centre publishes a decision for this office). It also bounds how stale
    /// this office's watermark gets at the centre while it is idle.
    pub idle_poll: Duration,
    /// First backoff after a failure; doubles up to `backoff_max`, with ±50% jitter.
    /// `backoff_max` bounds how late an office notices that the centre is back (an
    /// attempt on a down centre is one refused connection: cheap for both sides).
    pub backoff_base: Duration,
    pub backoff_max: Duration,
}

impl Default for SyncConfig {
    fn default() -> Self {
        SyncConfig {
            concurrency: 4,
            max_rate: 400.0,
            batch: 64,
            feed_page: 1000,
            idle_poll: Duration::from_secs(2),
            backoff_base: Duration::from_millis(500),
            backoff_max: Duration::from_secs(2),
        }
    }
}

#[derive(Debug, Clone, Default)]
struct HealthState {
    up: Option<bool>,
    down_since: Option<Timestamp>,
    last_ok: Option<Timestamp>,
    last_error: Option<String>,
}

/// The centre's health as this office sees it: up, or down since when and why.
pub struct Kesehatan {
    state: Mutex<HealthState>,
    sync: Arc<dyn SyncStore>,
    pub pushed: AtomicU64,
    pub replayed: AtomicU64,
    pub refused: AtomicU64,
    pub applied: AtomicU64,
}

/// A snapshot of [`Kesehatan`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keadaan {
    /// `None` until the first contact attempt.
    pub up: Option<bool>,
    pub down_since: Option<Timestamp>,
    pub last_ok: Option<Timestamp>,
    pub last_error: Option<String>,
}

impl Kesehatan {
    /// Loads the persisted "down since" so an office restarted during an outage still
    /// tells citizens the true start of the outage.
    pub async fn load(sync: Arc<dyn SyncStore>) -> Arc<Kesehatan> {
        let down_since = match sync.state_get(STATE_DOWN_SINCE).await {
            Ok(v) => v.and_then(|s| s.parse::<Timestamp>().ok()),
            Err(e) => {
                tracing::warn!("cannot read the persisted centre state: {e}");
                None
            }
        };
        Arc::new(Kesehatan {
            state: Mutex::new(HealthState {
                up: down_since.map(|_| false),
                down_since,
                ..Default::default()
            }),
            sync,
            pushed: AtomicU64::new(0),
            replayed: AtomicU64::new(0),
            refused: AtomicU64::new(0),
            applied: AtomicU64::new(0),
        })
    }

    pub fn snapshot(&self) -> Keadaan {
        let s = self.state.lock().expect("health lock");
        Keadaan {
            up: s.up,
            down_since: s.down_since,
            last_ok: s.last_ok,
            last_error: s.last_error.clone(),
        }
    }

    async fn ok(&self, now: Timestamp) {
        let was_down = {
            let mut s = self.state.lock().expect("health lock");
            let was_down = s.down_since.is_some();
            s.up = Some(true);
            s.down_since = None;
            s.last_ok = Some(now);
            s.last_error = None;
            was_down
        };
        if was_down {
            tracing::info!("centre reachable again");
            if let Err(e) = self.sync.state_set(STATE_DOWN_SINCE, None).await {
                tracing::warn!("cannot persist the centre state: {e}");
            }
        }
    }

    async fn failed(&self, now: Timestamp, err: &LinkError) {
        let newly_down = {
            let mut s = self.state.lock().expect("health lock");
            s.up = Some(false);
            s.last_error = Some(err.to_string());
            if s.down_since.is_none() {
                s.down_since = Some(now);
                true
            } else {
                false
            }
        };
        if newly_down {
            tracing::warn!("centre down: {err}");
            if let Err(e) = self
                .sync
                .state_set(STATE_DOWN_SINCE, Some(&now.to_string()))
                .await
            {
                tracing::warn!("cannot persist the centre state: {e}");
            }
        }
    }
}

/// The office's background sync worker.
pub struct OfficeSync {
    /// Applies the centre's decisions to this office's applications (the pipeline).
    pub decisions: Arc<dyn DecisionSink>,
    pub sync: Arc<dyn SyncStore>,
    pub link: Arc<dyn CentreLink>,
    pub health: Arc<Kesehatan>,
    pub clock: Arc<dyn Clock>,
    /// Randomness for the backoff jitter.
    pub entropy: Arc<dyn Entropy>,
    pub config: SyncConfig,
    /// Notified when a packet is queued (see `sidik_issuance::Uplink::wake`).
    pub wake: Arc<Notify>,
}

/// Why a round stopped. Only a [`LinkError`] says anything about the centre; a local
/// failure (this office's own database, or applying a decision) must not be reported to
/// officers and citizens as a centre outage.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Link(#[from] LinkError),
    #[error("local: {0}")]
    Local(String),
}

fn local(e: impl std::fmt::Display) -> SyncError {
    SyncError::Local(e.to_string())
}

/// Result of one round.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Round {
    pub pushed: usize,
    pub refused: usize,
    pub applied: usize,
}

fn jitter(entropy: &dyn Entropy, d: Duration) -> Duration {
    let mut b = [0u8; 2];
    let r = if entropy.fill(&mut b).is_ok() {
        u16::from_le_bytes(b) as f64 / u16::MAX as f64
    } else {
        0.5
    };
    d.mul_f64(0.5 + r)
}

impl OfficeSync {
    /// Pushes every waiting packet, then pulls and applies every new decision.
    /// Returns what was done, or the first link error (after recording it).
    pub async fn round(&self) -> Result<Round, SyncError> {
        let mut round = Round::default();
        loop {
            let batch = self
                .sync
                .outbox_waiting(self.config.batch)
                .await
                .map_err(local)?;
            if batch.is_empty() {
                break;
            }
            let n = batch.len();
            let (pushed, refused) = self.push_batch(batch).await?;
            round.pushed += pushed;
            round.refused += refused;
            if n < self.config.batch as usize {
                break;
            }
            // A long backlog: read the feed between batches too, so the centre learns
            // this office's progress (its watermark) while the backlog drains.
            round.applied += self.pull_all().await?;
        }
        round.applied += self.pull_all().await?;
        Ok(round)
    }

    async fn push_batch(
        &self,
        batch: Vec<sidik_store::PaketAntre>,
    ) -> Result<(usize, usize), SyncError> {
        let sem = Arc::new(Semaphore::new(self.config.concurrency.max(1)));
        let mut set = tokio::task::JoinSet::new();
        let interval = Duration::from_secs_f64(1.0 / self.config.max_rate.max(1.0));
        let mut next = tokio::time::Instant::now();
        for p in batch {
            tokio::time::sleep_until(next).await;
            next = tokio::time::Instant::now().max(next) + interval;
            let permit = sem.clone().acquire_owned().await.expect("semaphore open");
            let link = self.link.clone();
            set.spawn(async move {
                let r = link.push(&p.packet_id, &p.bytes).await;
                drop(permit);
                (p, r)
            });
        }
        let (mut pushed, mut refused) = (0, 0);
        let mut first_err = None;
        // Accepted packets are marked sent together (one transaction per batch): one
        // not marked before a crash is pushed again, which the centre answers as a replay.
        let mut sent = Vec::new();
        while let Some(j) = set.join_next().await {
            let (p, r) = j.map_err(|e| local(format!("push task: {e}")))?;
            let now = self.clock.now();
            match r {
                Ok(PushOutcome::Accepted) | Ok(PushOutcome::Replay) => {
                    sent.push(p.packet_id);
                    self.health.pushed.fetch_add(1, Ordering::Relaxed);
                    if matches!(r, Ok(PushOutcome::Replay)) {
                        self.health.replayed.fetch_add(1, Ordering::Relaxed);
                    }
                    pushed += 1;
                }
                Ok(PushOutcome::Refused { code, reason }) => {
                    tracing::warn!(packet = %p.packet_id, code, "centre refused the packet: {reason}");
                    self.sync
                        .outbox_refused(&p.packet_id, &format!("{code}: {reason}"), now)
                        .await
                        .map_err(local)?;
                    self.health.refused.fetch_add(1, Ordering::Relaxed);
                    refused += 1;
                }
                Err(e) => {
                    let _ = self
                        .sync
                        .outbox_attempt_failed(&p.packet_id, &e.to_string())
                        .await;
                    first_err.get_or_insert(e);
                }
            }
        }
        self.sync
            .outbox_sent_many(&sent, self.clock.now())
            .await
            .map_err(local)?;
        match first_err {
            Some(e) => Err(e.into()),
            None => Ok((pushed, refused)),
        }
    }

    /// Where this office's feed stands: (cursor, watermark).
    async fn feed_position(&self) -> Result<(i64, Timestamp), SyncError> {
        let stats = self.sync.sync_stats().await.map_err(local)?;
        // Everything enrolled before the oldest waiting packet (or before now, if
        // nothing waits) has been delivered.
        let sampai = stats.tertua.unwrap_or_else(|| self.clock.now());
        Ok((stats.kursor, sampai))
    }

    /// Applies a feed page in feed order, runs of decisions per transaction. The cursor
    /// does not advance past a decision that could not be applied: it is retried in the
    /// next round.
    async fn apply_page(&self, page: &[sidik_domain::Keputusan]) -> Result<usize, SyncError> {
        match self.decisions.apply_decisions(page).await {
            Ok(new) => {
                self.health.applied.fetch_add(new as u64, Ordering::Relaxed);
                Ok(new)
            }
            Err(e) => Err(SyncError::Local(format!(
                "cannot apply the decisions from #{}: {e}",
                page.first().map_or(0, |k| k.seq)
            ))),
        }
    }

    async fn pull_all(&self) -> Result<usize, SyncError> {
        let mut applied = 0;
        loop {
            let (kursor, sampai) = self.feed_position().await?;
            let page = self
                .link
                .pull(kursor, self.config.feed_page, sampai, Duration::ZERO)
                .await?;
            applied += self.apply_page(&page).await?;
            if page.len() < self.config.feed_page as usize {
                return Ok(applied);
            }
        }
    }

    /// Idle: waits up to `idle_poll` for a local enrollment to push or for a decision
    /// (a long poll on the feed, so a decision reaches the office as soon as the centre
    /// publishes it). Only the wait is cancelled by an enrollment, never the applying.
    async fn idle(&self) {
        let t0 = tokio::time::Instant::now();
        let polled = match self.feed_position().await {
            Ok((kursor, sampai)) => tokio::select! {
                _ = self.wake.notified() => return,
                r = self.link.pull(kursor, self.config.feed_page, sampai, self.config.idle_poll) => r.map_err(SyncError::from),
            },
            Err(e) => Err(e),
        };
        match polled {
            Ok(page) if !page.is_empty() => {
                // An error here is met again, and recorded, by the next round.
                if let Err(e) = self.apply_page(&page).await {
                    tracing::debug!("applying a polled feed page: {e}");
                }
            }
            // Nothing new, or the centre failed (the next round records it): wait out
            // the rest of `idle_poll` rather than spin on a centre that answers at once.
            _ => {
                tokio::select! {
                    _ = self.wake.notified() => {}
                    _ = tokio::time::sleep_until(t0 + self.config.idle_poll) => {}
                }
            }
        }
    }

    /// One round and what it means for the centre's health: a link failure marks the
    /// centre down (since the first one), a success marks it up, a local failure leaves
    /// the centre's health as it is. Returns the round, or the error to back off on.
    pub async fn step(&self) -> Result<Round, SyncError> {
        let r = self.round().await;
        let now = self.clock.now();
        match &r {
            Ok(_) => self.health.ok(now).await,
            Err(SyncError::Link(e)) => self.health.failed(now, e).await,
            Err(SyncError::Local(e)) => {
                tracing::error!("office sync stopped by a local failure (not the centre): {e}")
            }
        }
        r
    }

    /// Runs forever: rounds while there is work, backoff after a failure.
    pub async fn run(self: Arc<Self>) {
        let mut failures: u32 = 0;
        loop {
            match self.step().await {
                Ok(round) => {
                    failures = 0;
                    if round.pushed + round.applied + round.refused > 0 {
                        tracing::debug!(?round, "sync round");
                        continue;
                    }
                    self.idle().await;
                }
                Err(e) => {
                    failures = failures.saturating_add(1);
                    let exp = self
                        .config
                        .backoff_base
                        .saturating_mul(1u32 << failures.min(16).saturating_sub(1));
                    let wait = jitter(self.entropy.as_ref(), exp.min(self.config.backoff_max));
                    tracing::debug!("sync failed ({e}); retrying in {wait:?}");
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }
}
