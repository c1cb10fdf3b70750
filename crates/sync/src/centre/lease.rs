//! The decider's lease. Several centre processes may run on one database: intake is
//! stateless, but exactly one process decides at a time, the one holding the lease
//! (`CentreStore::decider_lease`). It renews the lease in the background well before it
//! expires and stops deciding as soon as a renewal fails; a stand-by polls and takes the
//! lease over when it lapses. Every publication is fenced with the lease inside its
//! transaction, so a process that lost the lease while matching publishes nothing.

use std::sync::atomic::AtomicBool;
use std::time::Instant;

use super::*;

/// How the decider holds its lease.
#[derive(Debug, Clone)]
pub struct LeasePolicy {
    /// This process's name in the lease row: unique per process (the node sets host,
    /// process id and a random part).
    pub holder: String,
    /// How long a take or a renewal holds.
    pub ttl: Duration,
    /// How often the holder renews it, and a stand-by tries to take it.
    pub renew: Duration,
    /// The holder name of this process's dead predecessor (the previous process of the
    /// same data folder), whose lease this process may take at once.
    pub predecessor: Option<String>,
}

impl Default for LeasePolicy {
    /// A holder name unique within this process too (`centre-<pid>-<n>`): two centres
    /// built in one process never share it.
    fn default() -> Self {
        static BUILT: AtomicU64 = AtomicU64::new(0);
        LeasePolicy {
            holder: format!(
                "centre-{}-{}",
                std::process::id(),
                BUILT.fetch_add(1, Ordering::Relaxed)
            ),
            ttl: Duration::from_secs(10),
            renew: Duration::from_millis(2500),
            predecessor: None,
        }
    }
}

/// The lease while this process holds it, renewed by a background task (stopped when
/// this is dropped).
pub(super) struct Held {
    pub(super) epoch: i64,
    /// Set when a renewal failed or a publication found the lease gone.
    lost: Arc<AtomicBool>,
    /// Until when the last successful take or renewal holds (monotonic clock; a
    /// process paused past it stops deciding even before a renewal could fail).
    until: Arc<std::sync::Mutex<Instant>>,
    renewer: tokio::task::JoinHandle<()>,
}

impl Held {
    /// Whether this process may still decide.
    pub(super) fn holds(&self) -> bool {
        !self.lost.load(Ordering::SeqCst)
            && Instant::now() < *self.until.lock().expect("lease lock")
    }

    /// Stops deciding: the lease is gone.
    pub(super) fn lose(&self) {
        self.lost.store(true, Ordering::SeqCst);
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        self.renewer.abort();
    }
}

impl Centre {
    /// Waits until this process holds the decider's lease (polling every
    /// `lease.renew`, as a stand-by does), then renews it in the background.
    pub(super) async fn acquire_lease(&self) -> Held {
        let (epoch, taken) = loop {
            let t = Instant::now();
            match self
                .store
                .decider_lease(
                    &self.lease.holder,
                    self.lease_clock.now(),
                    self.lease.ttl,
                    self.lease.predecessor.as_deref(),
                )
                .await
            {
                Ok(Some(epoch)) => break (epoch, t),
                Ok(None) => {}
                Err(e) => tracing::error!("decider lease: {e}"),
            }
            tokio::time::sleep(self.lease.renew).await;
        };
        let lost = Arc::new(AtomicBool::new(false));
        let until = Arc::new(std::sync::Mutex::new(taken + self.lease.ttl));
        let renewer = tokio::spawn(renew(
            self.store.clone(),
            self.lease_clock.clone(),
            self.lease.clone(),
            epoch,
            lost.clone(),
            until.clone(),
        ));
        Held {
            epoch,
            lost,
            until,
            renewer,
        }
    }

    /// The fence of a publication under `held`.
    pub(super) fn fence(&self, held: &Held) -> LeaseFence {
        LeaseFence {
            holder: self.lease.holder.clone(),
            epoch: held.epoch,
            now: self.lease_clock.now(),
        }
    }

    /// Brings the national gallery up to date after taking the lease: if the database
    /// holds another number of decisions than the gallery reflects (another process
    /// decided or adjudicated meanwhile), the gallery is emptied and rebuilt.
    pub(super) async fn catch_up_gallery(&self) -> Result<(), StoreError> {
        let now = self.decision_count().await?;
        if *self.gallery_mark.lock().expect("mark lock") == Some(now) {
            return Ok(());
        }
        tracing::info!("decider: another process decided meanwhile; rebuilding the gallery");
        self.abis.clear().map_err(StoreError::Backend)?;
        self.rebuild_gallery().await?;
        Ok(())
    }

    /// Every decision published so far.
    pub(super) async fn decision_count(&self) -> Result<u64, StoreError> {
        let s = self.store.centre_stats().await?;
        Ok(s.keputusan.iter().map(|(_, n)| n).sum())
    }

    /// This process published `n` decisions and its gallery reflects them.
    pub(super) fn gallery_published(&self, n: u64) {
        if let Some(m) = self.gallery_mark.lock().expect("mark lock").as_mut() {
            *m += n;
        }
    }

    /// The gallery reflects every decision counted `mark`.
    pub(super) fn set_gallery_mark(&self, mark: u64) {
        *self.gallery_mark.lock().expect("mark lock") = Some(mark);
    }
}

/// Renews the lease every `policy.renew` while it is `epoch`'s; on the first failure
/// (refused, another epoch, or the store unreachable) marks it lost and ends.
async fn renew(
    store: Arc<dyn CentreStore>,
    clock: Arc<dyn Clock>,
    policy: LeasePolicy,
    epoch: i64,
    lost: Arc<AtomicBool>,
    until: Arc<std::sync::Mutex<Instant>>,
) {
    loop {
        tokio::time::sleep(policy.renew).await;
        let t = Instant::now();
        match store
            .decider_lease(&policy.holder, clock.now(), policy.ttl, None)
            .await
        {
            Ok(Some(e)) if e == epoch => *until.lock().expect("lease lock") = t + policy.ttl,
            outcome => {
                lost.store(true, Ordering::SeqCst);
                tracing::warn!(
                    holder = policy.holder,
                    epoch,
                    "decider lease not renewed ({outcome:?}): deciding stops"
                );
                return;
            }
        }
    }
}
