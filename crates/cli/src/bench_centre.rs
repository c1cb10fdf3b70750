//! `sidik bench centre`: how fast the centre clears an outage backlog.
//!
//! Builds the backlog the way offices do (synthetic enrollments of the demo population,
//! ten synthetic fingerprints each, a share of them the same person enrolling again
//! under another NIK at another office), seals every packet to the centre and signs it
//! with its office's key, then measures the centre in this process on a fresh SQLite
//! database: intake (open, verify, decrypt, validate, record exactly once) and the
//! national 1:N dedup with decisions published. HTTP is left out here; `sidik simulate
//! outage` measures the same backlog through real processes on loopback.

use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use sidik_abis_gallery::GalleryAbis;
use sidik_domain::biometrik::{Biometrik, PosisiJari};
use sidik_domain::{KodeKantor, NomorRegistrasi};
use sidik_node::{Backend, Matcher, Node, NodeConfig, RoleConfig};
use sidik_packet::{CentreKeys, OfficeKeys, Packet, PacketBody};
use sidik_store::CentreStore;
use sidik_sync::centre::Actor;
use sidik_sync::{Centre, Receipt};

use crate::demo;

#[derive(clap::Args)]
pub struct CentreBench {
    /// Packets in the backlog (the 2015 Jakarta Utara count by default).
    #[arg(long, default_value_t = 9_539)]
    packets: usize,
    /// Offices the backlog comes from.
    #[arg(long, default_value_t = 6)]
    offices: usize,
    /// Packets that are a second enrollment of an earlier person under another NIK.
    #[arg(long, default_value_t = 50)]
    duplicates: usize,
    /// Concurrent intake tasks (like offices pushing in parallel).
    #[arg(long, default_value_t = 6)]
    concurrency: usize,
    /// Hough shortlist per probe finger of the national gallery.
    #[arg(long, default_value_t = sidik_abis_gallery::DEDUP_SHORTLIST)]
    shortlist: usize,
    /// Finger positions searched per packet (comma-separated).
    #[arg(long, value_delimiter = ',', default_values_t = sidik_abis_gallery::DEDUP_PROBE_FINGERS.to_vec())]
    probe_fingers: Vec<u8>,
    /// Run the centre on this PostgreSQL database (it must be empty) instead of a
    /// fresh SQLite one.
    #[arg(long, value_parser = crate::postgres_url)]
    db: Option<String>,
    /// With --db: deduplicate through K `sidik abis-worker` processes (started and
    /// stopped here) instead of a gallery in this process.
    #[arg(long, value_name = "K", requires = "db", value_parser = clap::value_parser!(u32).range(1..=64))]
    abis_workers: Option<u32>,
}

pub(crate) fn bar(n: usize, what: &str) -> ProgressBar {
    let pb = ProgressBar::new(n as u64);
    pb.set_style(
        ProgressStyle::with_template(&format!(
            "{what:>10} [{{bar:40}}] {{pos}}/{{len}} {{per_sec}} eta {{eta}}"
        ))
        .unwrap(),
    );
    pb
}

pub async fn run(o: CentreBench) -> Result<()> {
    if o.duplicates >= o.packets {
        bail!("--duplicates must be below --packets");
    }
    let dir = tempfile::tempdir()?;
    let centre_keys = sidik_node::keys::provision_centre(dir.path())?;
    let offices: Vec<(KodeKantor, OfficeKeys)> = (0..o.offices)
        .map(|i| {
            (
                KodeKantor::parse(&format!("3172{:02}", i + 1)).expect("valid code"),
                OfficeKeys::generate(&mut sidik_packet::rand_core::OsRng),
            )
        })
        .collect();
    let backlog = seal_backlog(o.packets, o.duplicates, &centre_keys, &offices)?;
    eprintln!("backlog sealed");
    let bytes: usize = backlog.iter().map(|(_, b)| b.len()).sum();

    let kantor = KodeKantor::parse("317200").expect("valid code");
    let mut cfg = NodeConfig::new(dir.path(), kantor, RoleConfig::Centre);
    cfg.matcher = match (&o.db, o.abis_workers) {
        (Some(url), Some(k)) => sidik_node::pool::pool_matcher(url, k, cfg.entropy.as_ref())?,
        _ => Matcher::Given(Arc::new(
            GalleryAbis::with_shortlist(abis::DEFAULT_IDENTIFY_THRESHOLD, o.shortlist)
                .with_probe_fingers(&o.probe_fingers),
        )),
    };
    // No offices read feeds here: decide as packets arrive (no hold for their watermarks).
    cfg.hold = sidik_sync::centre::HoldPolicy::NONE;
    let run = Run {
        offices,
        backlog,
        bytes,
        dir: dir.path().to_path_buf(),
    };
    match o.db.clone() {
        Some(url) => {
            let store = sidik_node::open_postgres(&url).await?;
            if store.centre_stats().await?.diterima != 0 {
                bail!("--db must be an empty database (it holds packets)");
            }
            measure(&o, Node::build_with(cfg, store).await?, run).await
        }
        None => measure(&o, Node::build(cfg).await?, run).await,
    }
}

/// What the untimed part prepared.
struct Run {
    offices: Vec<(KodeKantor, OfficeKeys)>,
    backlog: Vec<(String, Vec<u8>)>,
    bytes: usize,
    dir: std::path::PathBuf,
}

/// Intake, then dedup, timed, on a built centre node.
async fn measure<S: Backend>(o: &CentreBench, node: Node<S>, run: Run) -> Result<()> {
    let centre = node.centre().context("a centre node")?.clone();
    let _workers = match (&o.db, o.abis_workers) {
        (Some(url), Some(k)) => {
            // This process is the pool's only writer: its `clear` makes it so.
            let abis = centre.abis.clone();
            tokio::task::spawn_blocking(move || abis.clear())
                .await?
                .map_err(anyhow::Error::msg)?;
            Workers::start(url, k, &run.dir)?
        }
        _ => Workers(Vec::new()),
    };
    for (kode, keys) in &run.offices {
        centre
            .register_office(Actor::Console, kode, "bench", &keys.public_key())
            .await?;
    }
    let t0 = Instant::now();
    intake(o, &centre, run.backlog).await?;
    let intake = t0.elapsed();
    eprintln!("intake done in {:.1} s", intake.as_secs_f64());
    let t1 = Instant::now();
    dedup(o, &centre).await?;
    let dedup = t1.elapsed();
    let total = t0.elapsed();
    report(o, node.store.as_ref(), run.bytes, intake, dedup, total).await?;
    node.store.close().await;
    Ok(())
}

/// `sidik abis-worker` processes of this executable, SIGKILLed on drop.
pub(crate) struct Workers(Vec<std::process::Child>);

impl Workers {
    pub(crate) fn start(url: &str, k: u32, dir: &std::path::Path) -> Result<Workers> {
        let exe = std::env::current_exe()?;
        let mut out = Workers(Vec::new());
        for i in 0..k {
            let log = std::fs::File::create(dir.join(format!("abis-worker-{i}.log")))?;
            let child = std::process::Command::new(&exe)
                .args(["abis-worker", "--db", url, "--shard", &i.to_string()])
                .args(["--of", &k.to_string()])
                .stdin(std::process::Stdio::null())
                .stdout(log.try_clone()?)
                .stderr(log)
                .spawn()
                .context("starting an ABIS worker")?;
            out.0.push(child);
        }
        eprintln!("{k} ABIS worker process(es) started");
        Ok(out)
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Seals the backlog the way offices do (not timed), on every core: `packets`
/// enrollments of the demo population's adults, the last `duplicates` of them a second
/// impression of an earlier person at the next office.
pub(crate) fn seal_backlog(
    packets: usize,
    duplicates: usize,
    centre_keys: &CentreKeys,
    offices: &[(KodeKantor, OfficeKeys)],
) -> Result<Vec<(String, Vec<u8>)>> {
    use rayon::prelude::*;
    let sealing = centre_keys.public().sealing;
    let today = sidik_domain::tanggal::tanggal_wib(jiff::Timestamp::now());
    let adults: Vec<_> = sidik_demo::population_iter(demo::SEED, today)
        .filter(|p| p.wajib_ktp(today))
        .take(packets)
        .collect();
    if adults.len() < packets {
        bail!("population too small");
    }
    let now = jiff::Timestamp::now();
    let unique = packets - duplicates;
    // Who enrolls where, in enrollment order (cheap, sequential: the offices' counters).
    let mut seq = vec![0u64; offices.len()];
    let plan: Vec<(u64, u8, usize, u64)> = (0..packets)
        .map(|i| {
            // Duplicates: person i - unique, second impression, at the next office.
            let (person, impression, office) = if i < unique {
                (i as u64, 0, i % offices.len())
            } else {
                let j = i - unique;
                (j as u64, 1, (j + 1) % offices.len())
            };
            seq[office] += 1;
            (person, impression, office, seq[office])
        })
        .collect();
    let pb = bar(packets, "sealing");
    let backlog = plan
        .into_par_iter()
        .zip(adults.par_iter())
        .map(|((person, impression, office, urut), p)| {
            let (jari, foto, ttd) = if impression == 0 {
                demo::biometrik(person)
            } else {
                demo::biometrik_ulang(person)
            };
            let jari = jari
                .into_iter()
                .map(|(pos, b)| Ok((PosisiJari::new(pos)?, b)))
                .collect::<Result<Vec<_>, sidik_domain::biometrik::BiometrikError>>()?;
            let bio = Biometrik::new(jari, vec![], Some(foto), Some(ttd), |_| Ok(()))?;
            let (kode, keys) = &offices[office];
            let nomor = NomorRegistrasi::mint(kode, urut, now);
            let body = PacketBody::new(
                kode,
                "operator",
                urut,
                now.as_nanosecond() as i64,
                &nomor,
                p,
                &bio,
            );
            let packet = Packet::seal(&body, keys, &sealing, &mut sidik_packet::rand_core::OsRng)?;
            pb.inc(1);
            Ok((packet.packet_id().to_string(), packet.to_bytes()))
        })
        .collect::<Result<Vec<_>>>()?;
    pb.finish();
    Ok(backlog)
}

/// Intake, as offices push in parallel.
async fn intake(
    o: &CentreBench,
    centre: &Arc<Centre>,
    backlog: Vec<(String, Vec<u8>)>,
) -> Result<()> {
    let pb = bar(o.packets, "intake");
    let backlog = Arc::new(backlog);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..o.concurrency.max(1) {
        let (backlog, next, centre, pb) =
            (backlog.clone(), next.clone(), centre.clone(), pb.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some((id, b)) = backlog.get(i) else {
                    return Ok::<_, anyhow::Error>(());
                };
                match centre.receive(id, b).await? {
                    Receipt::Accepted => {}
                    other => anyhow::bail!("packet {id}: {other:?}"),
                }
                pb.inc(1);
            }
        }));
    }
    for t in tasks {
        t.await??;
    }
    pb.finish();
    Ok(())
}

/// National dedup and decisions, batch after batch, until nothing waits.
async fn dedup(o: &CentreBench, centre: &Centre) -> Result<()> {
    let pb = bar(o.packets, "dedup");
    let t1 = Instant::now();
    loop {
        let n = centre
            .decide_pending(sidik_sync::centre::DECIDE_BATCH)
            .await?;
        if n == 0 {
            break;
        }
        pb.inc(n as u64);
        if pb.position().is_multiple_of(640) {
            eprintln!(
                "decided {} in {:.1} s",
                pb.position(),
                t1.elapsed().as_secs_f64()
            );
        }
    }
    pb.finish();
    Ok(())
}

async fn report<S: Backend>(
    o: &CentreBench,
    store: &S,
    bytes: usize,
    intake: std::time::Duration,
    dedup: std::time::Duration,
    total: std::time::Duration,
) -> Result<()> {
    let s = store.centre_stats().await?;
    let ganda = s
        .status
        .iter()
        .find(|(k, _)| *k == sidik_domain::StatusPaket::Ganda)
        .map_or(0, |(_, n)| *n);
    println!();
    println!(
        "backlog: {} packets from {} offices ({:.1} MiB sealed), {} planted duplicates",
        o.packets,
        o.offices,
        bytes as f64 / 1048576.0,
        o.duplicates
    );
    println!(
        "intake : {:>7.1} s  {:>7.0} packets/s  (open + verify + decrypt + validate + record, {} tasks)",
        intake.as_secs_f64(),
        o.packets as f64 / intake.as_secs_f64(),
        o.concurrency
    );
    println!(
        "dedup  : {:>7.1} s  {:>7.0} packets/s  (1:N against the growing national gallery, decisions published)",
        dedup.as_secs_f64(),
        o.packets as f64 / dedup.as_secs_f64()
    );
    println!(
        "total  : {:>7.1} s  (target: under 60 s for 9,539 packets)",
        total.as_secs_f64()
    );
    println!(
        "result : received {} (exactly once), decided {}, ganda packets {} (expected {} = 2 x planted), decisions {}",
        s.diterima,
        s.diputuskan,
        ganda,
        2 * o.duplicates,
        s.keputusan
            .iter()
            .map(|(h, n)| format!("{h} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if s.diterima != o.packets as u64 || s.diputuskan != o.packets as u64 {
        bail!("not every packet was received and decided once");
    }
    Ok(())
}
