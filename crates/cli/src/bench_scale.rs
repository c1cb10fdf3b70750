//! `sidik bench scale`: the centre on PostgreSQL at size (issue 17, point 4).
//!
//! On an empty PostgreSQL database: a registry of `--residents` (1M) residents and an
//! audit chain of `--audit` (10M) entries spread over the past year, both written
//! through the store's own write paths (real rows, a real hash chain); then
//! `--packets` (100k) sealed enrollment packets pushed into intake, all of them in
//! flight (received, not decided). Then, for each worker count in `--workers` (1, 2,
//! 4), the decider runs `--window` seconds through a pool of that many `sidik
//! abis-worker` processes while every office long-polls its decision feed. Reported:
//! seeding and intake rates, decisions/s per worker count, the decision feed's delivery
//! latency (publication to the office holding it) and read latency, and where the
//! disk goes, per million enrollments.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use sidik_abis_gallery::GalleryAbis;
use sidik_domain::audit::AuditDraft;
use sidik_domain::KodeKantor;
use sidik_node::{Matcher, Node, NodeConfig, RoleConfig};
use sidik_packet::OfficeKeys;
use sidik_store::{CentreStore, Store};
use sidik_store_postgres::PgStore;
use sidik_sync::centre::Actor;
use sidik_sync::{Centre, Receipt};

use crate::bench_centre::{bar, seal_backlog, Workers};
use crate::demo;

#[derive(clap::Args)]
pub struct ScaleBench {
    /// The PostgreSQL database to fill (it must be empty).
    #[arg(long, value_parser = crate::postgres_url)]
    db: String,
    /// Residents in the population registry.
    #[arg(long, default_value_t = 1_000_000)]
    residents: usize,
    /// Audit entries written before the packets (over the past twelve months).
    #[arg(long, default_value_t = 10_000_000)]
    audit: u64,
    /// Packets pushed into intake and left in flight.
    #[arg(long, default_value_t = 100_000)]
    packets: usize,
    /// Offices the packets come from (each one long-polls its decision feed).
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u16).range(1..=999))]
    offices: u16,
    /// Packets that are a second enrollment of an earlier person under another NIK.
    #[arg(long, default_value_t = 200)]
    duplicates: usize,
    /// Concurrent intake tasks.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// ABIS worker counts, one decision window each, in this order (comma-separated).
    #[arg(long, value_delimiter = ',', default_values_t = vec![1u32, 2, 4])]
    workers: Vec<u32>,
    /// Seconds the decider runs with each worker count.
    #[arg(long, default_value_t = 120)]
    window: u64,
}

pub async fn run(o: ScaleBench) -> Result<()> {
    if o.duplicates >= o.packets || o.packets > o.residents {
        bail!("need --duplicates < --packets <= --residents");
    }
    if o.workers.iter().any(|k| !(1..=64).contains(k)) {
        bail!("--workers: each count must be 1 to 64");
    }
    let store = sidik_node::open_postgres(&o.db).await?;
    if store.resident_count().await? != 0 || store.centre_stats().await?.diterima != 0 {
        bail!("--db must be an empty database");
    }
    let today = sidik_domain::tanggal::tanggal_wib(jiff::Timestamp::now());
    store
        .partitions_ensure(today.saturating_sub(jiff::Span::new().months(12)), today)
        .await?;
    let empty = store.database_size().await?;

    let t = Instant::now();
    seed_residents(&store, o.residents, today).await?;
    let residents_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    seed_audit(&store, o.audit).await?;
    let audit_s = t.elapsed().as_secs_f64();
    let seeded = store.database_size().await?;
    println!(
        "seeded : {} residents in {:.0} s ({:.0}/s), {} audit entries in {:.0} s ({:.0}/s); database {} (empty: {})",
        o.residents,
        residents_s,
        o.residents as f64 / residents_s,
        o.audit,
        audit_s,
        o.audit as f64 / audit_s,
        mib(seeded),
        mib(empty)
    );

    let dir = tempfile::tempdir()?;
    let centre_keys = sidik_node::keys::provision_centre(dir.path())?;
    let offices: Vec<(KodeKantor, OfficeKeys)> = (0..o.offices)
        .map(|i| {
            (
                KodeKantor::parse(&format!("31{:04}", i + 1)).expect("valid code"),
                OfficeKeys::generate(&mut sidik_packet::rand_core::OsRng),
            )
        })
        .collect();
    let backlog = seal_backlog(o.packets, o.duplicates, &centre_keys, &offices)?;
    let sealed: usize = backlog.iter().map(|(_, b)| b.len()).sum();

    // Intake, on a node whose matcher is never asked (intake does not search).
    let node = centre_node(dir.path(), &store, None).await?;
    let centre = node.centre().context("a centre node")?.clone();
    for (kode, keys) in &offices {
        centre
            .register_office(Actor::Console, kode, "bench", &keys.public_key())
            .await?;
    }
    let t = Instant::now();
    let lat = intake(o.concurrency, &centre, backlog).await?;
    let intake_s = t.elapsed().as_secs_f64();
    drop(centre);
    drop(node);
    let after_intake = store.database_size().await?;
    println!(
        "intake : {} packets ({:.0} MiB sealed) in {:.0} s: {:.0} packets/s, latency p50 {} p99 {} ({} tasks); now {} in flight",
        o.packets,
        sealed as f64 / 1048576.0,
        intake_s,
        o.packets as f64 / intake_s,
        ms(pct(&lat, 0.50)),
        ms(pct(&lat, 0.99)),
        o.concurrency,
        store.centre_stats().await?.diterima - store.centre_stats().await?.diputuskan
    );

    let kantor: Vec<String> = offices.iter().map(|(k, _)| k.to_string()).collect();
    let mut decided_total = 0u64;
    for &k in &o.workers {
        decided_total += window(&o, k, dir.path(), &store, &kantor).await?;
    }

    let stats = store.centre_stats().await?;
    let ganda = stats
        .status
        .iter()
        .find(|(k, _)| *k == sidik_domain::StatusPaket::Ganda)
        .map_or(0, |(_, n)| *n);
    println!(
        "result : {} received, {} decided, {} ganda (each planted pair decided gives 2 of {} planted)",
        stats.diterima, stats.diputuskan, ganda, o.duplicates
    );
    let end = store.database_size().await?;
    let per_million = |bytes: i64, n: u64| bytes as f64 / n.max(1) as f64 * 1e6 / 1e9;
    println!(
        "disk   : database {} after seeding, {} after intake, {} at the end ({} decided)",
        mib(seeded),
        mib(after_intake),
        mib(end),
        decided_total
    );
    println!(
        "         intake {:.1} GB per million packets; deciding (decisions, audit, the pool's log) {:.1} GB per million",
        per_million(after_intake - seeded, o.packets as u64),
        per_million(end - after_intake, decided_total)
    );
    println!("         largest tables:");
    for t in store.table_sizes().await?.iter().take(12) {
        println!("           {:<26} {}", t.table, mib(t.bytes));
    }
    store.close().await;
    Ok(())
}

/// A centre node on `store`; `pool`: (url, K) for a pool of K ABIS workers, else an
/// in-process gallery.
async fn centre_node(
    dir: &std::path::Path,
    store: &Arc<PgStore>,
    pool: Option<(&str, u32)>,
) -> Result<Node<PgStore>> {
    let kantor = KodeKantor::parse("317200").expect("valid code");
    let mut cfg = NodeConfig::new(dir, kantor, RoleConfig::Centre);
    cfg.matcher = match pool {
        Some((url, k)) => sidik_node::pool::pool_matcher(url, k, cfg.entropy.as_ref())?,
        None => Matcher::Given(Arc::new(GalleryAbis::new(abis::DEFAULT_IDENTIFY_THRESHOLD))),
    };
    cfg.hold = sidik_sync::centre::HoldPolicy::NONE;
    Node::build_with(cfg, store.clone()).await
}

/// The registry, in the import's batches (one audit entry per batch).
async fn seed_residents(store: &PgStore, n: usize, today: jiff::civil::Date) -> Result<()> {
    const BATCH: usize = 5_000;
    let pb = bar(n, "residents");
    let mut it = sidik_demo::population_iter(demo::SEED, today).take(n);
    loop {
        let batch: Vec<_> = it.by_ref().take(BATCH).collect();
        if batch.is_empty() {
            break;
        }
        let audit = AuditDraft {
            aktor: "bench".into(),
            aksi: "penduduk.import".into(),
            subjek: "penduduk".into(),
            waktu: jiff::Timestamp::now(),
            detail: format!("bench scale rows={}", batch.len()),
        };
        store.residents_upsert(&batch, audit).await?;
        pb.inc(batch.len() as u64);
    }
    pb.finish();
    Ok(())
}

/// `n` audit entries of a year's office work, oldest first, chained by the store.
async fn seed_audit(store: &PgStore, n: u64) -> Result<()> {
    const BATCH: u64 = 20_000;
    const AKSI: [&str; 6] = [
        "permohonan.rekam",
        "permohonan.status",
        "suket.terbit",
        "cetak.batch",
        "akun.masuk",
        "lihat.status",
    ];
    let pb = bar(n as usize, "audit");
    let year = 365 * 86_400 * 1_000_000_000i128;
    let start = jiff::Timestamp::now().as_nanosecond() - year;
    let mut i = 0u64;
    while i < n {
        let m = BATCH.min(n - i);
        let drafts = (i..i + m)
            .map(|j| AuditDraft {
                aktor: format!("operator{:03}", j % 997),
                aksi: AKSI[(j % 6) as usize].into(),
                subjek: format!("31{:04}-{:08}", j % 999 + 1, j / 999),
                waktu: jiff::Timestamp::from_nanosecond(start + year * j as i128 / n as i128)
                    .expect("in range"),
                detail: format!("bench scale entry {j}: status dicatat oleh petugas loket"),
            })
            .collect();
        store.audit_append(drafts).await?;
        i += m;
        pb.inc(m);
    }
    pb.finish();
    Ok(())
}

/// Intake, as offices push in parallel; the latency of every packet.
async fn intake(
    concurrency: usize,
    centre: &Arc<Centre>,
    backlog: Vec<(String, Vec<u8>)>,
) -> Result<Vec<Duration>> {
    let pb = bar(backlog.len(), "intake");
    let backlog = Arc::new(backlog);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..concurrency.max(1) {
        let (backlog, next, centre, pb) =
            (backlog.clone(), next.clone(), centre.clone(), pb.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((id, b)) = backlog.get(i) else {
                    return Ok::<_, anyhow::Error>(lat);
                };
                let t = Instant::now();
                match centre.receive(id, b).await? {
                    Receipt::Accepted => {}
                    other => bail!("packet {id}: {other:?}"),
                }
                lat.push(t.elapsed());
                pb.inc(1);
            }
        }));
    }
    let mut lat = Vec::new();
    for t in tasks {
        lat.extend(t.await??);
    }
    pb.finish();
    Ok(lat)
}

/// One decision window with a pool of `k` workers; returns the packets decided.
async fn window(
    o: &ScaleBench,
    k: u32,
    dir: &std::path::Path,
    store: &Arc<PgStore>,
    kantor: &[String],
) -> Result<u64> {
    let node = centre_node(dir, store, Some((&o.db, k))).await?;
    let centre = node.centre().context("a centre node")?.clone();
    // This process becomes the pool's writer and sends it the gallery decided so far.
    let t = Instant::now();
    let abis = centre.abis.clone();
    tokio::task::spawn_blocking(move || abis.clear())
        .await?
        .map_err(anyhow::Error::msg)?;
    let gallery = centre.rebuild_gallery().await?;
    let resend = t.elapsed().as_secs_f64();
    let workers = Workers::start(&o.db, k, dir)?;

    // Every office long-polls its feed from its current end.
    let stop = Arc::new(AtomicBool::new(false));
    let delivery = Arc::new(Mutex::new(Vec::new()));
    let reads = Arc::new(Mutex::new(Vec::new()));
    let mut pollers = Vec::new();
    for kode in kantor {
        let after = store
            .decision_feed(kode, 0, u32::MAX)
            .await?
            .last()
            .map_or(0, |d| d.seq);
        let (centre, store, stop, delivery, reads, kode) = (
            centre.clone(),
            store.clone(),
            stop.clone(),
            delivery.clone(),
            reads.clone(),
            kode.clone(),
        );
        pollers.push(tokio::spawn(async move {
            let mut after = after;
            while !stop.load(Ordering::Relaxed) {
                let page = centre
                    .feed(&kode, after, 500, None, Duration::from_secs(2))
                    .await?;
                let now = jiff::Timestamp::now();
                let Some(last) = page.last() else { continue };
                {
                    let mut d = delivery.lock().expect("lock");
                    for k in &page {
                        d.push(Duration::try_from(now.duration_since(k.waktu)).unwrap_or_default());
                    }
                }
                // The same page read again, straight from the store, timed: what one
                // feed read costs while the decider writes.
                let t = Instant::now();
                let again = store.decision_feed(&kode, after, 500).await?;
                reads.lock().expect("lock").push(t.elapsed());
                if again.len() < page.len() {
                    bail!("the feed of {kode} shrank");
                }
                after = last.seq;
            }
            Ok::<_, anyhow::Error>(())
        }));
    }

    let before = store.centre_stats().await?.diputuskan;
    let pb = bar(o.packets, &format!("K={k}"));
    let t = Instant::now();
    while t.elapsed() < Duration::from_secs(o.window) {
        let n = centre
            .decide_pending(sidik_sync::centre::DECIDE_BATCH)
            .await?;
        if n == 0 {
            break;
        }
        pb.inc(n as u64);
    }
    let secs = t.elapsed().as_secs_f64();
    pb.finish();
    // The last batch's decisions reach their offices before the pollers stop.
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    for p in pollers {
        p.await??;
    }
    drop(workers);
    let decided = store.centre_stats().await?.diputuskan - before;
    let delivery = std::mem::take(&mut *delivery.lock().expect("lock"));
    let reads = std::mem::take(&mut *reads.lock().expect("lock"));
    println!(
        "K={k:<2}   : {decided} packets decided in {secs:.0} s: {:.1} decisions/s ({:.1} per core of 2); gallery {gallery} persons at the start, re-sent to the pool in {resend:.1} s",
        decided as f64 / secs,
        decided as f64 / secs / 2.0
    );
    println!(
        "         feed: {} decisions delivered to {} offices (long poll), decision time to office p50 {} p99 {}; a feed page read p50 {} p99 {}",
        delivery.len(),
        kantor.len(),
        ms(pct(&delivery, 0.50)),
        ms(pct(&delivery, 0.99)),
        ms(pct(&reads, 0.50)),
        ms(pct(&reads, 0.99)),
    );
    Ok(decided)
}

fn pct(v: &[Duration], q: f64) -> Duration {
    if v.is_empty() {
        return Duration::ZERO;
    }
    let mut v = v.to_vec();
    v.sort_unstable();
    v[((v.len() - 1) as f64 * q).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn mib(b: i64) -> String {
    format!("{:.0} MiB", b as f64 / 1048576.0)
}
