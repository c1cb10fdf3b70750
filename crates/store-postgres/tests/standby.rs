//! A synchronous standby loses nothing acknowledged (issue 17, point 3).
//!
//! A primary and a standby on loopback (`sidik_testkit::postgres::Replicated`): the
//! primary's `synchronous_standby_names` names the standby, so a commit returns only once
//! the standby has it. The test first shows that wait (standby stopped: a commit does not
//! return), then runs a sync burst through [`CentreStore`] from several tasks, as the
//! centre records incoming packets and publishes decisions; SIGKILLs the primary in the
//! middle of it; promotes the standby, points a new store at it and finds every
//! acknowledged packet and decision there, once, the decision sequence unbroken, the
//! audit chain intact, and retries of the calls left in doubt recorded once.
//!
//! Without PostgreSQL installed it skips with a notice, unless `SIDIK_REQUIRE_POSTGRES=1`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sidik_domain::audit::{AuditDraft, ChainVerifier};
use sidik_domain::{Hasil, Keputusan, KodeKantor, NomorRegistrasi, StatusPaket};
use sidik_store::{CentreStore, Diterima, KeputusanBaru, PaketMasuk, Store};
use sidik_store_postgres::PgStore;
use sidik_testkit::postgres::Replicated;

/// Concurrent tasks of the burst, packets each, and acknowledged packets before the kill.
const TASKS: usize = 4;
const PER_TASK: usize = 150;
const KILL_AFTER: usize = 60;
/// A call that has not returned by then is in doubt (the pool retries a refused
/// connection until its own, longer, timeout).
const CALL_TIMEOUT: Duration = Duration::from_secs(5);

fn at(s: i64) -> jiff::Timestamp {
    jiff::Timestamp::from_second(1_700_000_000 + s).unwrap()
}

fn audit(aksi: &str, subjek: &str, s: i64) -> AuditDraft {
    AuditDraft {
        aktor: "sistem:uji".into(),
        aksi: aksi.into(),
        subjek: subjek.into(),
        waktu: at(s),
        detail: String::new(),
    }
}

fn kantor() -> KodeKantor {
    KodeKantor::parse("317201").unwrap()
}

fn packet(k: usize) -> PaketMasuk {
    PaketMasuk {
        packet_id: format!("pk-{k}"),
        nomor: NomorRegistrasi::mint(&kantor(), k as u64 + 1, at(k as i64)),
        kantor: kantor(),
        nik: sidik_testkit::fixtures::resident(1000 + k as u16).nik,
        nama: "WARGA".into(),
        kelurahan: "3172011001".into(),
        operator: "op".into(),
        sha256: format!("{k:064}"),
        bytes: vec![k as u8; 8],
        jari: vec![(1, vec![1, 2, 3])],
        diterima: at(10_000 + k as i64),
        direkam: at(k as i64),
    }
}

fn decision(p: &PaketMasuk) -> KeputusanBaru {
    KeputusanBaru {
        kantor: p.kantor.clone(),
        nomor: p.nomor.clone(),
        packet_id: p.packet_id.clone(),
        sebab: p.packet_id.clone(),
        hasil: Hasil::Tunggal,
        kandidat: Vec::new(),
        catatan: String::new(),
        waktu: at(20_000),
    }
}

async fn record(s: &PgStore, p: &PaketMasuk) -> sidik_store::Result<Diterima> {
    s.packet_record(p, audit("paket.terima", &p.packet_id, 10_000))
        .await
}

async fn publish(s: &PgStore, p: &PaketMasuk) -> sidik_store::Result<u64> {
    let audits = vec![audit("keputusan", &p.packet_id, 20_000)];
    s.decisions_publish(Some(&p.packet_id), &[decision(p)], audits)
        .await
}

/// Verifies the audit hash chain through `Store::audit_page`; returns its length.
async fn chain(store: &PgStore) -> u64 {
    let mut v = ChainVerifier::default();
    let mut after = 0;
    loop {
        let page = store.audit_page(after, 500).await.unwrap();
        let Some(last) = page.last() else {
            return v.checked;
        };
        after = last.seq;
        for e in &page {
            v.push(e).expect("audit chain intact");
        }
    }
}

/// What the burst's callers were told: calls that returned Ok (acknowledged) and the
/// one call per task that failed or timed out when the primary died (in doubt).
#[derive(Default)]
struct Told {
    packets: BTreeSet<usize>,
    decisions: BTreeSet<usize>,
    packets_in_doubt: BTreeSet<usize>,
    decisions_in_doubt: BTreeSet<usize>,
}

/// Packets on the store: packet id -> number of rows.
async fn packet_rows(s: &PgStore) -> BTreeMap<String, i64> {
    sqlx::query_as::<_, (String, i64)>(
        "SELECT packet_id, COUNT(*) FROM paket_masuk GROUP BY packet_id",
    )
    .fetch_all(s.pool())
    .await
    .unwrap()
    .into_iter()
    .collect()
}

fn ids(ks: impl IntoIterator<Item = usize>) -> BTreeSet<String> {
    ks.into_iter().map(|k| format!("pk-{k}")).collect()
}

/// Synchronous commit waits for the standby: with it stopped, a commit (packet 0) does
/// not return; once the standby is back, the same commit returns.
async fn a_commit_waits_for_the_standby(pair: &mut Replicated, store: &PgStore) {
    tokio::task::block_in_place(|| pair.stop_standby()).unwrap();
    let waiting = {
        let s = store.clone();
        tokio::spawn(async move { record(&s, &packet(0)).await })
    };
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(
        !waiting.is_finished(),
        "a commit returned while the synchronous standby was down"
    );
    tokio::task::block_in_place(|| pair.restart_standby()).unwrap();
    let r = tokio::time::timeout(Duration::from_secs(30), waiting)
        .await
        .expect("the commit returns once the standby is back")
        .unwrap()
        .unwrap();
    assert_eq!(r, Diterima::Baru);
}

/// The burst: each task records its packets and publishes each one's decision, as the
/// centre does, until a call fails (the primary is gone); the primary is SIGKILLed once
/// `KILL_AFTER` packets are acknowledged. Returns the killed pid and the count then.
async fn burst_and_kill(
    pair: &mut Replicated,
    store: &PgStore,
    told: &Arc<Mutex<Told>>,
) -> (u32, usize) {
    let acked = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for t in 0..TASKS {
        let (s, told, acked) = (store.clone(), told.clone(), acked.clone());
        tasks.push(tokio::spawn(async move {
            for j in 0..PER_TASK {
                let k = 1 + t + TASKS * j;
                let p = packet(k);
                match tokio::time::timeout(CALL_TIMEOUT, record(&s, &p)).await {
                    Ok(Ok(Diterima::Baru)) => {
                        told.lock().unwrap().packets.insert(k);
                        acked.fetch_add(1, Ordering::SeqCst);
                    }
                    Ok(Ok(other)) => panic!("{k}: {other:?}"),
                    Ok(Err(_)) | Err(_) => {
                        told.lock().unwrap().packets_in_doubt.insert(k);
                        return false;
                    }
                }
                match tokio::time::timeout(CALL_TIMEOUT, publish(&s, &p)).await {
                    Ok(Ok(1)) => {
                        told.lock().unwrap().decisions.insert(k);
                    }
                    Ok(Ok(n)) => panic!("{k}: {n} decisions published"),
                    Ok(Err(_)) | Err(_) => {
                        told.lock().unwrap().decisions_in_doubt.insert(k);
                        return false;
                    }
                }
            }
            true
        }));
    }
    while acked.load(Ordering::SeqCst) < KILL_AFTER {
        assert!(
            !tasks.iter().all(|t| t.is_finished()),
            "the burst ended before the kill"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let pid = tokio::task::block_in_place(|| pair.kill_primary()).unwrap();
    let killed_at = acked.load(Ordering::SeqCst);
    for t in tasks {
        assert!(
            !t.await.unwrap(),
            "a task finished its packets: the kill was not mid-burst"
        );
    }
    (pid, killed_at)
}

/// The promoted standby takes writes: each call in doubt, retried, is recorded once (a
/// second retry is a replay), a packet acknowledged before is a replay, and new
/// decisions continue the feed after the old ones (`feed`, found after the promotion).
async fn retries_are_recorded_once(store: &PgStore, told: &Told, feed: &[Keputusan]) {
    for &k in &told.packets_in_doubt {
        let p = packet(k);
        let first = record(store, &p).await.unwrap();
        assert!(
            matches!(first, Diterima::Baru | Diterima::Ulangan),
            "{first:?}"
        );
        assert_eq!(record(store, &p).await.unwrap(), Diterima::Ulangan);
    }
    let some_acked = *told.packets.iter().last().unwrap();
    assert_eq!(
        record(store, &packet(some_acked)).await.unwrap(),
        Diterima::Ulangan
    );
    let undecided: Vec<usize> = told
        .packets
        .iter()
        .chain(&told.packets_in_doubt)
        .copied()
        .filter(|k| !told.decisions.contains(k))
        .collect();
    for &k in &undecided {
        let n = publish(store, &packet(k)).await.unwrap();
        assert!(n <= 1);
        assert_eq!(publish(store, &packet(k)).await.unwrap(), 0);
    }
    let rows = packet_rows(store).await;
    assert!(rows.values().all(|&n| n == 1));
    let all = ids(told.packets.iter().chain(&told.packets_in_doubt).copied());
    assert_eq!(rows.keys().cloned().collect::<BTreeSet<_>>(), all);
    let after = store.decision_feed("317201", 0, 10_000).await.unwrap();
    assert_eq!(after.len(), rows.len(), "every packet decided once");
    assert_eq!(&after[..feed.len()], feed);
    assert!(after.windows(2).all(|w| w[0].seq < w[1].seq));
    let decided_after: BTreeSet<&str> = after.iter().map(|d| d.packet_id.as_str()).collect();
    assert_eq!(decided_after.len(), after.len());
    assert_eq!(
        chain(store).await,
        (rows.len() + after.len()) as u64,
        "one audit entry per packet and decision"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killing_the_primary_mid_burst_loses_nothing_acknowledged() {
    let started = Instant::now();
    let Some(mut pair) = Replicated::start() else {
        return;
    };
    let (primary_url, standby_url) = pair.database();
    let store = PgStore::connect(&primary_url).await.unwrap();
    let told = Arc::new(Mutex::new(Told::default()));

    // 1. A commit waits for the synchronous standby.
    a_commit_waits_for_the_standby(&mut pair, &store).await;
    told.lock().unwrap().packets.insert(0);

    // 2. The burst, and the kill in its middle.
    let (pid, killed_at) = burst_and_kill(&mut pair, &store, &told).await;
    drop(store);

    // 3. Promote the standby and point the centre at it.
    let promote = Instant::now();
    tokio::task::block_in_place(|| pair.promote_standby()).unwrap();
    let promoted_in = promote.elapsed();
    let store = PgStore::connect(&standby_url).await.unwrap();
    let told = std::mem::take(&mut *told.lock().unwrap());
    let total = 1 + TASKS * PER_TASK;
    assert!(
        told.packets.len() < total,
        "the burst ended before the kill"
    );
    assert!(told.packets.len() >= KILL_AFTER);

    // Every acknowledged packet is there exactly once; nothing else but calls in doubt.
    let rows = packet_rows(&store).await;
    assert!(
        rows.values().all(|&n| n == 1),
        "a packet recorded twice: {rows:?}"
    );
    let found: BTreeSet<String> = rows.keys().cloned().collect();
    let acked_ids = ids(told.packets.iter().copied());
    let missing: Vec<_> = acked_ids.difference(&found).collect();
    assert!(missing.is_empty(), "acknowledged but lost: {missing:?}");
    let maybe = ids(told.packets.iter().chain(&told.packets_in_doubt).copied());
    assert!(found.is_subset(&maybe), "packets nobody sent: {found:?}");

    // Every acknowledged decision is in the feed exactly once, the feed's sequence
    // unbroken (1, 2, 3, ...: publishing is serialized and only the call in flight at the
    // kill can have drawn a number and died, the last one), each decided packet marked.
    let feed = store.decision_feed("317201", 0, 10_000).await.unwrap();
    let seqs: Vec<i64> = feed.iter().map(|d| d.seq).collect();
    assert_eq!(seqs, (1..=feed.len() as i64).collect::<Vec<_>>());
    let decided: BTreeSet<String> = feed.iter().map(|d| d.packet_id.clone()).collect();
    assert_eq!(decided.len(), feed.len(), "a packet decided twice");
    let acked_decisions = ids(told.decisions.iter().copied());
    let lost: Vec<_> = acked_decisions.difference(&decided).collect();
    assert!(lost.is_empty(), "decisions published but lost: {lost:?}");
    let maybe = ids(told
        .decisions
        .iter()
        .chain(&told.decisions_in_doubt)
        .copied());
    assert!(decided.is_subset(&maybe));
    for k in &told.decisions {
        let p = store.packet_get(&format!("pk-{k}")).await.unwrap().unwrap();
        assert_eq!(p.status, StatusPaket::Tunggal, "pk-{k}");
    }

    // The audit chain verifies: one entry per packet and per decision, none half-written.
    let entries = chain(&store).await;
    assert_eq!(entries, (found.len() + feed.len()) as u64);
    eprintln!(
        "standby: primary (pid {pid}) killed after {killed_at} acknowledged packets; \
         acknowledged {} packets and {} decisions, in doubt {} packets and {} decisions; \
         found on the promoted standby {} packets, {} decisions, {entries} audit entries \
         (chain verified); promoted in {promoted_in:?}",
        told.packets.len(),
        told.decisions.len(),
        told.packets_in_doubt.len(),
        told.decisions_in_doubt.len(),
        found.len(),
        feed.len(),
    );

    // 4. New writes on the new primary.
    retries_are_recorded_once(&store, &told, &feed).await;
    store.close().await;
    eprintln!("standby: test ran in {:?}", started.elapsed());
}
