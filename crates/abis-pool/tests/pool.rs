//! The pool of ABIS workers on a throwaway PostgreSQL cluster: the same answers as the
//! in-process gallery, a worker killed and replaced mid-batch, and a stale writer
//! refused.

use std::sync::Arc;
use std::time::Duration;

use sidik_abis_gallery::GalleryAbis;
use sidik_abis_pool::adapter::StoreFactory;
use sidik_abis_pool::{PoolAbis, PoolOptions, Worker, WorkerOptions};
use sidik_ports::{Abis, AbisEntry, AbisProbe};
use sidik_store::AbisPoolStore;
use sidik_store_postgres::PgStore;
use sidik_testkit::postgres::Cluster;

type Person = (String, String, Vec<(u8, Vec<u8>)>);

/// `n` persons (impression 0), then `dups` second enrollments of persons 0..dups under
/// other numbers and NIKs (impression 1: the same fingers captured again).
fn persons(n: u64, dups: u64) -> Vec<Person> {
    let g = abis::synth::Generator::new(17);
    let fingers = |p: u64, k: u32| -> Vec<(u8, Vec<u8>)> {
        [1u8, 2, 6, 7]
            .iter()
            .map(|&pos| (pos, g.impression_iso(p, pos, k)))
            .collect()
    };
    let mut out: Vec<Person> = (0..n)
        .map(|p| (format!("P-{p:04}"), format!("NIK-{p:04}"), fingers(p, 0)))
        .collect();
    out.extend((0..dups).map(|p| (format!("D-{p:04}"), format!("NIKD-{p:04}"), fingers(p, 1))));
    out
}

fn entries(p: &[Person]) -> Vec<AbisEntry<'_>> {
    p.iter()
        .map(|(nomor, nik, f)| AbisEntry {
            permohonan: nomor,
            nik,
            fingers: f,
        })
        .collect()
}

fn probes(p: &[Person]) -> Vec<AbisProbe<'_>> {
    p.iter()
        .map(|(nomor, _, f)| (nomor.as_str(), &f[..]))
        .collect()
}

fn factory(url: &str) -> StoreFactory {
    let url = url.to_string();
    Box::new(move || {
        Box::pin(async move {
            let s: Arc<dyn AbisPoolStore> =
                Arc::new(PgStore::connect(&url).await.map_err(|e| e.to_string())?);
            Ok(s)
        })
    })
}

fn pool(url: &str, shards: u32, writer: &str, timeout: Duration) -> Arc<PoolAbis> {
    Arc::new(
        PoolAbis::start(
            factory(url),
            PoolOptions {
                shards,
                writer: writer.into(),
                timeout,
            },
        )
        .unwrap(),
    )
}

/// Starts a worker task for `shard` of `of`; aborting the task is its SIGKILL (the
/// claim's connection goes with it).
async fn worker(url: &str, shard: u32, of: u32) -> tokio::task::JoinHandle<()> {
    let store: Arc<dyn AbisPoolStore> = Arc::new(PgStore::connect(url).await.unwrap());
    let w = Worker::new(store, WorkerOptions::new(shard, of).unwrap());
    tokio::spawn(async move {
        w.run(std::future::pending()).await.unwrap();
    })
}

/// Runs a blocking port call off the runtime (the decider does the same).
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_shards_answer_as_one_gallery_and_survive_a_killed_worker() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let url = cluster.database();
    PgStore::connect(&url).await.unwrap(); // migrated
    let all = persons(60, 6);
    let (first, batch) = all.split_at(40);
    let (first, batch) = (first.to_vec(), batch.to_vec());

    // The reference: one in-process gallery, the same calls.
    let local = GalleryAbis::default();
    local.insert_batch(&entries(&first)).unwrap();
    local.insert_batch(&entries(&batch)).unwrap();
    let expected = local.identify_batch(&probes(&batch));
    let flagged = expected
        .iter()
        .filter(|r| !r.as_ref().unwrap().is_empty())
        .count();
    assert!(
        flagged >= 6,
        "the planted second enrollments must be found: {expected:?}"
    );

    let w0 = worker(&url, 0, 2).await;
    let w1 = worker(&url, 1, 2).await;
    let p = pool(&url, 2, "centre-a", Duration::from_secs(60));
    let (pc, f) = (p.clone(), first.clone());
    blocking(move || {
        pc.clear().unwrap();
        pc.insert_batch(&entries(&f)).unwrap();
    })
    .await;
    // Shard 1's worker dies before the batch and its replacement starts only while the
    // search is waiting: it rebuilds the shard from the log, then answers.
    w1.abort();
    let _ = w1.await;
    let (pc, b) = (p.clone(), batch.clone());
    let search = tokio::spawn(blocking(move || {
        pc.insert_batch(&entries(&b)).unwrap();
        pc.identify_batch(&probes(&b))
    }));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!search.is_finished(), "answered without shard 1");
    let w1 = worker(&url, 1, 2).await;
    let got = search.await.unwrap();
    assert_eq!(got, expected, "the pool must answer as one gallery");
    assert_eq!(p.len(), 66);

    // A stale writer (a decider that lost its lease) is refused, not obeyed.
    let stale = pool(&url, 2, "centre-old", Duration::from_secs(60));
    let b = batch.clone();
    let refused = blocking(move || stale.identify_batch(&probes(&b))).await;
    assert!(refused.iter().all(|r| r
        .as_ref()
        .is_err_and(|e| e.contains("not the pool's current writer"))));

    // Deleting leaves the gallery too.
    let pc = p.clone();
    let b = batch.clone();
    let after = blocking(move || {
        for (nomor, _, _) in &b {
            pc.delete(nomor).unwrap();
        }
        pc.identify_batch(&probes(&b[..1]))
    })
    .await;
    assert!(after[0]
        .as_ref()
        .unwrap()
        .iter()
        .all(|c| !c.permohonan.starts_with("D-")));
    w0.abort();
    w1.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_search_nobody_answers_fails_after_the_timeout() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let url = cluster.database();
    PgStore::connect(&url).await.unwrap();
    let _w0 = worker(&url, 0, 2).await; // shard 1 has no worker
    let p = pool(&url, 2, "centre-a", Duration::from_millis(700));
    let b = persons(3, 0);
    let r = blocking(move || {
        p.clear().unwrap();
        p.insert_batch(&entries(&b)).unwrap();
        p.identify_batch(&probes(&b))
    })
    .await;
    assert!(
        r.iter()
            .all(|r| r.as_ref().is_err_and(|e| e.contains("[0] of 2"))),
        "{r:?}"
    );
}
