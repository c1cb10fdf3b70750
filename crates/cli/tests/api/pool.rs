//! The centre deduplicating through a pool of ABIS worker processes (issue 17): two
//! shards on one PostgreSQL database, a stand-by worker for shard 1; SIGKILL the worker
//! serving shard 1 mid-burst. The stand-by rebuilds the shard from the database and
//! answers; every acknowledged packet gets exactly one decision and every planted pair
//! is flagged on both sides.

use std::path::{Path, PathBuf};
use std::time::Duration;

use sidik_store_postgres::PgStore;
use sidik_testkit::process::Proc;

use crate::cluster::*;
use crate::lease::{assert_decided_once, decided_at_least, enroll_half, offices_up, until, Acked};

fn worker(url: &str, shard: u32, log: &Path) -> Proc {
    let args: Vec<std::ffi::OsString> = [
        "abis-worker",
        "--db",
        url,
        "--shard",
        &shard.to_string(),
        "--of",
        "2",
    ]
    .iter()
    .map(Into::into)
    .collect();
    Proc::spawn_env(Path::new(BIN), &args, &[("SIDIK_LOG", "info")], log).unwrap()
}

fn read(p: &PathBuf) -> String {
    std::fs::read_to_string(p).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_worker_killed_mid_batch_costs_a_wait_never_a_lost_or_double_decision() {
    let Some(pg) = sidik_testkit::postgres::Cluster::start() else {
        return;
    };
    let url = pg.database();
    let codes = ["317201", "317202"];
    let mut c = Cluster::with_centre_db(&codes, &[], Some(&url));
    c.central.args.extend(["--abis-pool".into(), "2".into()]);
    let logs = c.central.data.with_file_name("workers");
    std::fs::create_dir_all(&logs).unwrap();
    let log = |name: &str| logs.join(format!("{name}.log"));
    // The centre migrates the database; the workers wait for its first `clear`.
    c.central.start();
    c.wait_up(&c.central.base()).await;
    let _w0 = worker(&url, 0, &log("w0"));
    let mut w1 = worker(&url, 1, &log("w1"));
    until("worker 1 serves shard 1", || async {
        read(&log("w1")).contains("following it")
    })
    .await;
    let _w1b = worker(&url, 1, &log("w1b"));
    until("the second worker of shard 1 stands by", || async {
        read(&log("w1b")).contains("standing by")
    })
    .await;
    let (bases, tokens) = offices_up(&mut c, &codes).await;
    let store = PgStore::connect(&url).await.unwrap();
    let st = &store;
    let mut acked = Acked::default();
    acked.record(enroll_half(&c, &bases, &tokens, 0).await);
    decided_at_least(st, 5).await;
    // Mid-burst: the worker serving shard 1 dies without a word.
    w1.kill();
    acked.record(enroll_half(&c, &bases, &tokens, 1).await);
    wait_synced(&c, &codes, 80, Duration::from_secs(300)).await;
    let stand_by = read(&log("w1b"));
    assert!(
        stand_by.contains("rebuilt from the log"),
        "the stand-by took shard 1 over:\n{stand_by}"
    );
    assert_decided_once(&url, st, &acked).await;
    assert_eq!(acked.planted.len(), 4);
    // The searches really went through the pool: the gallery's inserts are in its log,
    // and every search was answered by both shards (a search leaves the log only then).
    let count = |kind: &'static str| async move {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM abis_op WHERE kind = $1")
            .bind(kind)
            .fetch_one(st.pool())
            .await
            .unwrap()
    };
    assert!(count("insert").await > 0);
    assert_eq!(count("search").await, 0, "searches left unanswered");
    store.close().await;
    c.central.kill();
}

/// `sidik bench scale` (BENCHMARKS.md, issue 17 point 4) at a tiny size: it fills the
/// database, leaves every packet in flight, decides them all through the pool, and every
/// decision reaches its office's feed; a database that is not empty, or bad counts,
/// are refused before anything is written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bench_scale_decides_every_packet_in_flight_and_feeds_every_office() {
    let Some(pg) = sidik_testkit::postgres::Cluster::start() else {
        return;
    };
    let url = pg.database();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(BIN)
            .args(["bench", "scale", "--db", &url])
            .args(args)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, _, err) = run(&["--packets", "10", "--duplicates", "10"]);
    assert!(!ok && err.contains("--duplicates"), "{err}");
    let (ok, _, err) = run(&["--workers", "1,0"]);
    assert!(!ok && err.contains("--workers"), "{err}");

    let small = [
        "--residents",
        "400",
        "--audit",
        "2000",
        "--packets",
        "120",
        "--duplicates",
        "3",
        "--offices",
        "4",
        "--workers",
        "1,2",
        "--window",
        "60",
    ];
    let (ok, out, err) = run(&small);
    assert!(ok, "{out}\n{err}");
    assert!(out.contains("seeded : 400 residents"), "{out}");
    assert!(out.contains("2000 audit entries"), "{out}");
    assert!(out.contains("now 120 in flight"), "{out}");
    // "K=1    : N packets decided …" and "feed: M decisions delivered …"
    let number_after = |line: &str, pat: &str| -> u64 {
        let rest = &line[line.find(pat).unwrap() + pat.len()..];
        rest.split_whitespace().next().unwrap().parse().unwrap()
    };
    let lines: Vec<&str> = out.lines().collect();
    let mut decided = 0;
    let mut delivered = 0;
    for (i, l) in lines.iter().enumerate() {
        if l.starts_with("K=") {
            decided += number_after(l, ": ");
            delivered += number_after(lines[i + 1], "feed: ");
        }
    }
    assert_eq!(decided, 120, "{out}");
    // A pair decided in one batch gets one decision per side; a pair split across
    // batches gives the earlier packet a second (ganda) one.
    assert!((120..=123).contains(&delivered), "{out}");
    assert!(
        out.contains("result : 120 received, 120 decided, 6 ganda"),
        "{out}"
    );
    assert!(out.contains("largest tables:"), "{out}");

    let (ok, _, err) = run(&small);
    assert!(!ok && err.contains("empty database"), "{err}");
}
