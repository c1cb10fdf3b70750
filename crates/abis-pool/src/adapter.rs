//! [`PoolAbis`]: the `Abis` port over the pool's log, for the deciding centre process.
//!
//! The port is synchronous (the decider calls it from blocking tasks); the pool's store
//! is async. A link thread of its own runs a small runtime with its own connections to
//! the database; each call is handed to it and waited for.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sidik_ports::{Abis, AbisCandidate, AbisEntry, AbisProbe, Fingers};
use sidik_store::{AbisOpKind, AbisPoolStore};

use crate::codec::{self, Answer, Clear, Person, Search};
use crate::MAX_CANDIDATES;

/// Opens the pool's store inside the link thread's runtime.
/// The future need not be `Send`: it runs on the link thread only.
pub type StoreFactory = Box<
    dyn FnOnce() -> Pin<Box<dyn Future<Output = Result<Arc<dyn AbisPoolStore>, String>>>> + Send,
>;

/// How the pool is reached.
#[derive(Debug, Clone)]
pub struct PoolOptions {
    /// Number of shards (worker processes `--of K`).
    pub shards: u32,
    /// This process's name in the log (the centre's lease holder is a good one): after
    /// its `clear`, workers obey only it.
    pub writer: String,
    /// How long a search waits for every shard's answer before it fails (the decider
    /// then undoes the batch and tries again).
    pub timeout: Duration,
}

enum Req {
    Append(
        AbisOpKind,
        Vec<u8>,
        std::sync::mpsc::SyncSender<Result<i64, String>>,
    ),
    Search(
        Vec<u8>,
        std::sync::mpsc::SyncSender<Result<Vec<Answer>, String>>,
    ),
}

/// The national gallery held by K worker processes.
pub struct PoolAbis {
    tx: tokio::sync::mpsc::UnboundedSender<Req>,
    opts: PoolOptions,
    /// Persons in the pool at the latest search (sum of the shards' sizes).
    size: AtomicU64,
}

impl PoolAbis {
    /// Starts the link thread; `open` runs on it.
    pub fn start(open: StoreFactory, opts: PoolOptions) -> Result<PoolAbis, String> {
        if opts.shards == 0 {
            return Err("an ABIS pool needs at least one shard".into());
        }
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let link_opts = opts.clone();
        std::thread::Builder::new()
            .name("abis-pool-link".into())
            .spawn(move || link(open, rx, link_opts))
            .map_err(|e| format!("starting the ABIS pool link: {e}"))?;
        Ok(PoolAbis {
            tx,
            opts,
            size: AtomicU64::new(0),
        })
    }

    fn append(&self, kind: AbisOpKind, payload: Vec<u8>) -> Result<i64, String> {
        let (reply, rx) = std::sync::mpsc::sync_channel(1);
        self.tx
            .send(Req::Append(kind, payload, reply))
            .map_err(|_| "the ABIS pool link has stopped".to_string())?;
        rx.recv()
            .map_err(|_| "the ABIS pool link has stopped".to_string())?
    }

    /// One search of every shard; per probe, the merged candidates.
    fn search(
        &self,
        probes: Vec<(String, Vec<codec::Finger>)>,
    ) -> Vec<Result<Vec<AbisCandidate>, String>> {
        let n = probes.len();
        let payload = codec::encode(&Search {
            shards: self.opts.shards,
            probes,
        });
        let (reply, rx) = std::sync::mpsc::sync_channel(1);
        let answers = self
            .tx
            .send(Req::Search(payload, reply))
            .map_err(|_| "the ABIS pool link has stopped".to_string())
            .and_then(|_| {
                rx.recv()
                    .map_err(|_| "the ABIS pool link has stopped".to_string())?
            });
        match answers {
            Ok(answers) => {
                self.size
                    .store(answers.iter().map(|a| a.size).sum(), Ordering::Relaxed);
                merge(answers, n)
            }
            Err(e) => (0..n).map(|_| Err(e.clone())).collect(),
        }
    }
}

/// Per probe: the union of the shards' candidates, best first, at most
/// [`MAX_CANDIDATES`]; an error if any shard could not search that probe.
pub(crate) fn merge(answers: Vec<Answer>, n: usize) -> Vec<Result<Vec<AbisCandidate>, String>> {
    let mut out: Vec<Result<Vec<AbisCandidate>, String>> = (0..n).map(|_| Ok(Vec::new())).collect();
    for a in answers {
        if a.results.len() != n {
            return (0..n)
                .map(|_| {
                    Err(format!(
                        "a shard answered {} probes of {n}",
                        a.results.len()
                    ))
                })
                .collect();
        }
        for (slot, r) in out.iter_mut().zip(a.results) {
            match (slot.as_mut(), r) {
                (Ok(v), Ok(c)) => v.extend(c.into_iter().map(AbisCandidate::from)),
                (Ok(_), Err(e)) => *slot = Err(e),
                (Err(_), _) => {}
            }
        }
    }
    for v in out.iter_mut().flatten() {
        v.sort_by(|a, b| {
            b.skor
                .total_cmp(&a.skor)
                .then_with(|| a.permohonan.cmp(&b.permohonan))
        });
        v.truncate(MAX_CANDIDATES);
    }
    out
}

/// The link thread: opens the store, then serves each request in a task of its own.
fn link(open: StoreFactory, mut rx: tokio::sync::mpsc::UnboundedReceiver<Req>, opts: PoolOptions) {
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            tracing::error!("ABIS pool link: no runtime: {e}");
            return;
        }
    };
    rt.block_on(async move {
        let store = match open().await {
            Ok(s) => s,
            Err(e) => {
                tracing::error!("ABIS pool link: cannot open the pool's database: {e}");
                while let Some(req) = rx.recv().await {
                    fail(req, &e);
                }
                return;
            }
        };
        let opts = Arc::new(opts);
        while let Some(req) = rx.recv().await {
            tokio::spawn(serve(store.clone(), req, opts.clone()));
        }
    });
}

async fn serve(store: Arc<dyn AbisPoolStore>, req: Req, opts: Arc<PoolOptions>) {
    match req {
        Req::Append(kind, payload, reply) => {
            let r = store
                .abis_op_append(&opts.writer, kind, &payload)
                .await
                .map_err(|e| format!("ABIS pool log: {e}"));
            let _ = reply.send(r);
        }
        Req::Search(payload, reply) => {
            let _ = reply.send(search(&*store, &payload, &opts).await);
        }
    }
}

/// Appends a search and waits until every shard has answered it (or the timeout).
async fn search(
    store: &dyn AbisPoolStore,
    payload: &[u8],
    opts: &PoolOptions,
) -> Result<Vec<Answer>, String> {
    let seq = store
        .abis_op_append(&opts.writer, AbisOpKind::Search, payload)
        .await
        .map_err(|e| format!("ABIS pool log: {e}"))?;
    let t0 = Instant::now();
    let mut wait = Duration::from_millis(1);
    loop {
        let answers = store
            .abis_answers(seq)
            .await
            .map_err(|e| format!("ABIS pool answers: {e}"))?;
        if answers.len() as u32 >= opts.shards {
            let decoded = answers
                .iter()
                .map(|a| codec::decode::<Answer>(&a.payload, "answer"))
                .collect();
            if let Err(e) = store.abis_search_done(seq).await {
                // Only space: a worker that replays the log skips answered searches.
                tracing::warn!("ABIS pool: forgetting search {seq}: {e}");
            }
            return decoded;
        }
        if t0.elapsed() >= opts.timeout {
            let have: Vec<u32> = answers.iter().map(|a| a.shard).collect();
            return Err(format!(
                "ABIS pool: search {seq} answered by shards {have:?} of {} within {:?} (a worker is down?)",
                opts.shards, opts.timeout
            ));
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(Duration::from_millis(20));
    }
}

fn fail(req: Req, e: &str) {
    match req {
        Req::Append(_, _, reply) => {
            let _ = reply.send(Err(e.to_string()));
        }
        Req::Search(_, reply) => {
            let _ = reply.send(Err(e.to_string()));
        }
    }
}

impl Abis for PoolAbis {
    fn is_biometric(&self) -> bool {
        true
    }

    fn is_shared(&self) -> bool {
        true
    }

    fn insert(&self, permohonan: &str, nik: &str, fingers: &Fingers) -> Result<(), String> {
        self.insert_batch(&[AbisEntry {
            permohonan,
            nik,
            fingers,
        }])
    }

    fn identify(&self, fingers: &Fingers) -> Result<Vec<AbisCandidate>, String> {
        self.search(vec![(String::new(), codec::fingers(fingers))])
            .pop()
            .unwrap_or_else(|| Err("ABIS pool: no answer".into()))
    }

    fn delete(&self, permohonan: &str) -> Result<(), String> {
        self.append(AbisOpKind::Delete, codec::encode(&permohonan))
            .map(|_| ())
    }

    fn clear(&self) -> Result<(), String> {
        self.append(
            AbisOpKind::Clear,
            codec::encode(&Clear {
                shards: self.opts.shards,
            }),
        )?;
        self.size.store(0, Ordering::Relaxed);
        Ok(())
    }

    fn insert_batch(&self, entries: &[AbisEntry<'_>]) -> Result<(), String> {
        if entries.is_empty() {
            return Ok(());
        }
        let persons: Vec<Person> = entries
            .iter()
            .map(|e| Person {
                nomor: e.permohonan.to_string(),
                nik: e.nik.to_string(),
                fingers: codec::fingers(e.fingers),
            })
            .collect();
        self.append(AbisOpKind::Insert, codec::encode(&persons))?;
        self.size.fetch_add(entries.len() as u64, Ordering::Relaxed);
        Ok(())
    }

    fn identify_batch(&self, probes: &[AbisProbe<'_>]) -> Vec<Result<Vec<AbisCandidate>, String>> {
        if probes.is_empty() {
            return Vec::new();
        }
        self.search(
            probes
                .iter()
                .map(|(own, f)| (own.to_string(), codec::fingers(f)))
                .collect(),
        )
    }

    fn len(&self) -> usize {
        self.size.load(Ordering::Relaxed) as usize
    }
}
