//! `sidik abis-worker`: one shard of the national gallery, rebuilt from the log in the
//! database at start and kept up to date by following it.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use sidik_abis_gallery::GalleryAbis;
use sidik_ports::{Abis, AbisEntry, AbisProbe};
use sidik_store::{AbisAnswer, AbisOp, AbisOpKind, AbisPoolStore, StoreError};

use crate::codec::{self, Answer, Clear, Person, Search};
use crate::shard_of;

/// Fingers in the port's form: (position, ISO record).
type PortFingers = Vec<(u8, Vec<u8>)>;

/// How a worker runs.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    pub shard: u32,
    pub of: u32,
    /// Operations read per round.
    pub page: u32,
    /// Longest wait between two looks at the log when it is quiet.
    pub idle: Duration,
}

impl WorkerOptions {
    pub fn new(shard: u32, of: u32) -> Result<WorkerOptions, String> {
        if of == 0 || shard >= of {
            return Err(format!("shard {shard} of {of}: need 0 <= shard < of"));
        }
        Ok(WorkerOptions {
            shard,
            of,
            page: 8,
            idle: Duration::from_millis(20),
        })
    }
}

/// One shard's matcher: the in-process gallery (`GalleryAbis`) fed from the log.
pub struct Worker {
    store: Arc<dyn AbisPoolStore>,
    opts: WorkerOptions,
    gallery: Arc<GalleryAbis>,
    /// The writer of the latest `clear`: the only one obeyed (none before a clear).
    writer: Option<String>,
    /// The last operation applied.
    cursor: i64,
    /// Searches this shard answered at or after the latest `clear` (read once at start,
    /// so a restarted worker does not search again what it answered before dying).
    answered: HashSet<i64>,
}

impl Worker {
    pub fn new(store: Arc<dyn AbisPoolStore>, opts: WorkerOptions) -> Worker {
        Worker {
            store,
            opts,
            gallery: Arc::new(GalleryAbis::default()),
            writer: None,
            cursor: 0,
            answered: HashSet::new(),
        }
    }

    /// Persons in this shard.
    pub fn len(&self) -> usize {
        self.gallery.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Claims the shard (waiting while another worker holds it), rebuilds it from the
    /// log and follows the log until `stop` resolves.
    pub async fn run(mut self, stop: impl std::future::Future<Output = ()>) -> Result<(), String> {
        tokio::pin!(stop);
        let claim = loop {
            match self.store.abis_shard_claim(self.opts.shard).await {
                Ok(Some(c)) => break c,
                Ok(None) => tracing::info!(
                    shard = self.opts.shard,
                    "shard held by another worker; standing by"
                ),
                Err(e) => tracing::error!(shard = self.opts.shard, "claiming the shard: {e}"),
            }
            tokio::select! {
                _ = &mut stop => return Ok(()),
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            }
        };
        let t = std::time::Instant::now();
        self.answered = self
            .store
            .abis_answered(self.opts.shard, 0)
            .await
            .map_err(|e| e.to_string())?
            .into_iter()
            .collect();
        loop {
            match self.step().await {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) => return Err(format!("rebuilding shard {}: {e}", self.opts.shard)),
            }
        }
        tracing::info!(
            shard = self.opts.shard,
            of = self.opts.of,
            persons = self.len(),
            seconds = t.elapsed().as_secs_f64(),
            "ABIS shard rebuilt from the log; following it"
        );
        let mut wait = Duration::from_millis(1);
        loop {
            match self.step().await {
                Ok(0) => {
                    tokio::select! {
                        _ = &mut stop => break,
                        _ = tokio::time::sleep(wait) => {}
                    }
                    wait = (wait * 2).min(self.opts.idle);
                }
                Ok(_) => wait = Duration::from_millis(1),
                Err(e) => {
                    tracing::error!(shard = self.opts.shard, "ABIS worker: {e}");
                    tokio::select! {
                        _ = &mut stop => break,
                        _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                    }
                }
            }
        }
        drop(claim);
        Ok(())
    }

    /// Applies the next page of the log; returns how many operations it applied.
    pub async fn step(&mut self) -> Result<usize, StoreError> {
        let ops = self
            .store
            .abis_ops_after(self.cursor, self.opts.page)
            .await?;
        let n = ops.len();
        for op in ops {
            self.apply(op).await?;
        }
        Ok(n)
    }

    async fn apply(&mut self, op: AbisOp) -> Result<(), StoreError> {
        let seq = op.seq;
        if op.kind == AbisOpKind::Clear {
            let c: Clear = codec::decode(&op.payload, "clear").map_err(StoreError::Backend)?;
            if c.shards != self.opts.of {
                // Another pool size: this worker's shard means nothing in it.
                return Err(StoreError::Backend(format!(
                    "the pool now has {} shards, this worker was started with --of {}",
                    c.shards, self.opts.of
                )));
            }
            self.gallery.clear().map_err(StoreError::Backend)?;
            self.writer = Some(op.writer);
            self.answered.retain(|&s| s > seq);
            self.cursor = seq;
            return Ok(());
        }
        let obeyed = self.writer.as_deref() == Some(op.writer.as_str());
        match op.kind {
            AbisOpKind::Insert if obeyed => self.insert(&op.payload).await?,
            AbisOpKind::Delete if obeyed => {
                let nomor: String =
                    codec::decode(&op.payload, "delete").map_err(StoreError::Backend)?;
                if shard_of(&nomor, self.opts.of) == self.opts.shard {
                    self.gallery.delete(&nomor).map_err(StoreError::Backend)?;
                }
            }
            AbisOpKind::Search if !self.answered.contains(&seq) => {
                let answer = if obeyed {
                    self.search(&op.payload).await?
                } else {
                    // A writer that is not (or no longer) the pool's: refused, so a
                    // decider that lost its lease learns it at once.
                    refusal(
                        &op.payload,
                        "not the pool's current writer (no clear of its own)",
                    )
                };
                self.store
                    .abis_answer_put(
                        seq,
                        &AbisAnswer {
                            shard: self.opts.shard,
                            payload: codec::encode(&answer),
                        },
                    )
                    .await?;
                self.answered.insert(seq);
            }
            _ => {}
        }
        self.cursor = seq;
        Ok(())
    }

    async fn insert(&self, payload: &[u8]) -> Result<(), StoreError> {
        let persons: Vec<Person> = codec::decode(payload, "insert").map_err(StoreError::Backend)?;
        let mine: Vec<(String, String, PortFingers)> = persons
            .into_iter()
            .filter(|p| shard_of(&p.nomor, self.opts.of) == self.opts.shard)
            .map(|p| (p.nomor, p.nik, codec::port_fingers(&p.fingers)))
            .collect();
        if mine.is_empty() {
            return Ok(());
        }
        let g = self.gallery.clone();
        tokio::task::spawn_blocking(move || {
            let entries: Vec<AbisEntry<'_>> = mine
                .iter()
                .map(|(nomor, nik, f)| AbisEntry {
                    permohonan: nomor,
                    nik,
                    fingers: f,
                })
                .collect();
            g.insert_batch(&entries)
        })
        .await
        .map_err(|e| StoreError::Backend(format!("ABIS task: {e}")))?
        .map_err(StoreError::Backend)
    }

    async fn search(&self, payload: &[u8]) -> Result<Answer, StoreError> {
        let s: Search = match codec::decode(payload, "search") {
            Ok(s) => s,
            Err(e) => return Ok(refusal(&[], &e)),
        };
        let g = self.gallery.clone();
        tokio::task::spawn_blocking(move || {
            let probes: Vec<(String, PortFingers)> = s
                .probes
                .iter()
                .map(|(own, f)| (own.clone(), codec::port_fingers(f)))
                .collect();
            let refs: Vec<AbisProbe<'_>> = probes
                .iter()
                .map(|(own, f)| (own.as_str(), &f[..]))
                .collect();
            let results = g
                .identify_batch(&refs)
                .into_iter()
                .map(|r| r.map(|c| c.into_iter().map(Into::into).collect()))
                .collect();
            Answer {
                size: g.len() as u64,
                results,
            }
        })
        .await
        .map_err(|e| StoreError::Backend(format!("ABIS task: {e}")))
    }
}

/// An answer refusing every probe of a search with `why`.
fn refusal(payload: &[u8], why: &str) -> Answer {
    let n = codec::decode::<Search>(payload, "search").map_or(1, |s| s.probes.len());
    Answer {
        size: 0,
        results: (0..n).map(|_| Err(why.to_string())).collect(),
    }
}
