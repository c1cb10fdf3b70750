//! Two centre processes on one PostgreSQL database (issue 17): intake on both, exactly
//! one decides (the holder of the decider's lease); SIGKILL the holder mid-burst and the
//! stand-by takes the lease over; every acknowledged packet gets exactly one decision.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use sidik_store_postgres::PgStore;

use crate::cluster::*;

/// The lease row: (holder, epoch), `None` before anyone took it.
async fn lease(store: &PgStore) -> Option<(String, i64)> {
    sqlx::query_as("SELECT holder, epoch FROM centre_lease WHERE name = 'decider'")
        .fetch_optional(store.pool())
        .await
        .unwrap()
}

/// The process id in a holder name (`host:pid:random`).
fn pid_of(holder: &str) -> u32 {
    holder.split(':').nth(1).unwrap().parse().unwrap()
}

/// A node slot with no process (while the real one is elsewhere).
fn placeholder() -> Node {
    Node {
        data: Default::default(),
        port: 0,
        args: vec![],
        proc: None,
    }
}

/// Waits until `what` holds (or panics after five minutes: processes may be paused).
pub(crate) async fn until<F: std::future::Future<Output = bool>>(
    what: &str,
    mut f: impl FnMut() -> F,
) {
    let start = Instant::now();
    while !f().await {
        assert!(start.elapsed() < Duration::from_secs(300), "never: {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The cluster's centre and a second centre process with the same keys and database
/// (its own data folder and port); office `i` talks to centre process `i`.
fn two_centres(c: &mut Cluster, codes: &[&str; 2]) -> [Node; 2] {
    let data_b = c.central.data.with_file_name("pusat-b");
    std::fs::create_dir_all(&data_b).unwrap();
    for e in std::fs::read_dir(&c.central.data).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            std::fs::copy(e.path(), data_b.join(e.file_name())).unwrap();
        }
    }
    let b = Node {
        data: data_b,
        port: sidik_testkit::process::free_port().unwrap(),
        args: c.central.args.clone(),
        proc: None,
    };
    let centres = [std::mem::replace(&mut c.central, placeholder()), b];
    for (i, code) in codes.iter().enumerate() {
        *c.office(code).args.last_mut().unwrap() = centres[i].base();
    }
    centres
}

/// Enrolls 20 at each office (indices `20·half ..`); every tenth at the second office is
/// the same person as the first office's, under another NIK (a planted pair). Returns
/// (first office's nomor, second office's nomor, planted).
pub(crate) async fn enroll_half(
    c: &Cluster,
    bases: &[String],
    tokens: &[String],
    half: usize,
) -> Vec<(String, String, bool)> {
    let people = adults();
    let mut out = Vec::new();
    for i in half * 20..(half + 1) * 20 {
        let (a, _) = enroll_and_check(
            &c.http,
            &bases[0],
            &tokens[0],
            &people[i].0,
            &people[i].1,
            7000 + i as u64,
            0,
        )
        .await;
        let same = i % 10 == 0;
        let person = if same { 7000 + i } else { 8000 + i } as u64;
        let (b, _) = enroll_and_check(
            &c.http,
            &bases[1],
            &tokens[1],
            &people[40 + i].0,
            &people[40 + i].1,
            person,
            u32::from(same),
        )
        .await;
        out.push((a, b, same));
    }
    out
}

/// What the offices acknowledged: every nomor, and the planted pairs.
#[derive(Default)]
pub(crate) struct Acked {
    pub all: HashSet<String>,
    pub planted: Vec<(String, String)>,
}

impl Acked {
    pub(crate) fn record(&mut self, enrolled: Vec<(String, String, bool)>) {
        for (a, b, same) in enrolled {
            if same {
                self.planted.push((a.clone(), b.clone()));
            }
            self.all.insert(a);
            self.all.insert(b);
        }
    }
}

/// Starts the two offices and logs in at each: (base URLs, tokens).
pub(crate) async fn offices_up(c: &mut Cluster, codes: &[&str; 2]) -> (Vec<String>, [String; 2]) {
    for code in codes {
        c.office(code).start();
    }
    let bases: Vec<String> = codes.iter().map(|k| c.offices[*k].base()).collect();
    for b in &bases {
        c.wait_up(b).await;
    }
    let tokens = [c.login(&bases[0]).await, c.login(&bases[1]).await];
    (bases, tokens)
}

/// Waits until the centre has decided at least `n` packets.
pub(crate) async fn decided_at_least(st: &PgStore, n: i64) {
    until("some packets decided", || async move {
        let d: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM paket_masuk WHERE diputuskan IS NOT NULL")
                .fetch_one(st.pool())
                .await
                .unwrap();
        d >= n
    })
    .await;
}

/// Every acknowledged packet once with one own decision; no packet with another
/// decision unless it is one side of a planted pair; both sides of every pair `ganda`.
pub(crate) async fn assert_decided_once(url: &str, store: &PgStore, acked: &Acked) {
    let Acked {
        all: acked,
        planted,
    } = acked;
    assert_exactly_once_at_pg_centre(url, acked).await;
    let paired: HashSet<&String> = planted.iter().flat_map(|(a, b)| [a, b]).collect();
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT nomor, COUNT(*) FROM keputusan GROUP BY nomor")
            .fetch_all(store.pool())
            .await
            .unwrap();
    assert_eq!(rows.len(), acked.len());
    for (nomor, n) in &rows {
        let most = if paired.contains(nomor) { 2 } else { 1 };
        assert!(*n >= 1 && *n <= most, "{nomor}: {n} decisions");
    }
    for (a, b) in planted {
        for nomor in [a, b] {
            let status: String =
                sqlx::query_scalar("SELECT status FROM paket_masuk WHERE nomor = $1")
                    .bind(nomor)
                    .fetch_one(store.pool())
                    .await
                    .unwrap();
            assert_eq!(status, "ganda", "{nomor} of the pair ({a}, {b})");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_centre_processes_the_stand_by_takes_over_when_the_decider_is_killed() {
    let Some(pg) = sidik_testkit::postgres::Cluster::start() else {
        return;
    };
    let url = pg.database();
    let codes = ["317201", "317202"];
    let mut c = Cluster::with_centre_db(&codes, &[], Some(&url));
    let mut centres = two_centres(&mut c, &codes);
    for n in centres.iter_mut() {
        n.start();
    }
    for n in &centres {
        c.wait_up(&n.base()).await;
    }
    let (bases, tokens) = offices_up(&mut c, &codes).await;
    let store = PgStore::connect(&url).await.unwrap();
    let st = &store;
    let mut acked = Acked::default();
    acked.record(enroll_half(&c, &bases, &tokens, 0).await);
    // Mid-burst: once part of it is decided, SIGKILL the process holding the lease.
    decided_at_least(st, 5).await;
    let (holder, epoch) = lease(st).await.expect("the lease is held");
    let pids: Vec<Option<u32>> = centres
        .iter()
        .map(|n| n.proc.as_ref().and_then(|p| p.pid()))
        .collect();
    eprintln!("lease at the kill: {holder}, epoch {epoch}; centre pids {pids:?}");
    let killed = pids
        .iter()
        .position(|p| *p == Some(pid_of(&holder)))
        .expect("the lease holder is one of the two centre processes");
    let stand_by = 1 - killed;
    centres[killed].kill();
    // The stand-by takes the lease over once it lapses (watched meanwhile) ...
    let pid = centres[stand_by].proc.as_ref().and_then(|p| p.pid());
    let watch = {
        let store = PgStore::connect(&url).await.unwrap();
        let killed_at = Instant::now();
        tokio::spawn(async move {
            let s = &store;
            until("the stand-by holds the lease", || async move {
                lease(s)
                    .await
                    .is_some_and(|(h, e)| Some(pid_of(&h)) == pid && e > epoch)
            })
            .await;
            store.close().await;
            killed_at.elapsed()
        })
    };
    // The second half goes on meanwhile (the office of the killed process queues it).
    acked.record(enroll_half(&c, &bases, &tokens, 1).await);
    let took = watch.await.unwrap();
    let (_, taken) = lease(st).await.unwrap();
    eprintln!(
        "lease taken over {:.1} s after the SIGKILL (epoch {epoch} -> {taken})",
        took.as_secs_f64()
    );
    // ... and the killed process comes back as a stand-by, for its office's intake.
    centres[killed].start();
    c.wait_up(&centres[killed].base()).await;
    c.central = std::mem::replace(&mut centres[stand_by], placeholder());
    wait_synced(&c, &codes, 80, Duration::from_secs(300)).await;
    // The restarted process came back as a stand-by: it did not succeed its dead
    // predecessor, whose lease had been taken over (it may still take the lease later
    // if the machine pauses the holder past the lease's time to live).
    let (h, e) = lease(st).await.unwrap();
    eprintln!("lease after the sync: {h}, epoch {e} (taken over at epoch {taken})");
    assert!(e > epoch);
    assert_decided_once(&url, st, &acked).await;
    store.close().await;
    c.central.kill();
    centres[killed].kill();
}
