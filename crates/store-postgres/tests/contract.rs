//! Runs the storage contract suite (`sidik_testkit::contract`, every trait) on a fresh
//! PostgreSQL database of a throwaway cluster (`sidik_testkit::postgres`), and the
//! PostgreSQL store's own guarantees (migrations, append-only audit, partitions).
//!
//! Without PostgreSQL installed these tests skip with a notice, unless
//! `SIDIK_REQUIRE_POSTGRES=1` (CI), where they fail.

use sidik_domain::audit::ChainVerifier;
use sidik_store::Store;
use sidik_store_postgres::PgStore;
use sidik_testkit::postgres::Cluster;

/// Verifies the audit hash chain through `Store::audit_page`; returns its length.
async fn chain(store: &PgStore) -> u64 {
    let mut v = ChainVerifier::default();
    let mut after = 0;
    loop {
        let page = store.audit_page(after, 100).await.unwrap();
        let Some(last) = page.last() else {
            return v.checked;
        };
        after = last.seq;
        for e in &page {
            v.push(e).expect("audit chain intact");
        }
    }
}

async fn fresh(cluster: &Cluster) -> PgStore {
    PgStore::connect(&cluster.database()).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_passes_the_store_contract() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let store = fresh(&cluster).await;
    sidik_testkit::contract::run_all(&store).await;
    store.close().await;
}

/// Each part of the suite on a database of its own, in a task of its own, so that one
/// failing part names itself and does not hide the others.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn each_contract_part_passes_on_its_own_database() {
    use sidik_testkit::contract as c;
    let Some(cluster) = Cluster::start() else {
        return;
    };
    macro_rules! part {
        ($name:ident) => {
            (stringify!($name), {
                let store = fresh(&cluster).await;
                tokio::spawn(async move {
                    c::$name(&store).await;
                    store.close().await;
                })
            })
        };
    }
    let parts = vec![
        part!(users_and_sessions),
        part!(login_guards),
        part!(residents),
        part!(applications),
        part!(applications_transition_is_all_or_nothing),
        part!(suket_records),
        part!(blank_ledger_and_batches),
        part!(notifications_and_notices),
        part!(decision_batches),
        part!(undecided_queue_and_hold),
        part!(decider_lease),
        part!(aspirasi_records),
    ];
    let total = parts.len();
    let mut failed = Vec::new();
    for (name, task) in parts {
        if task.await.is_err() {
            failed.push(name);
        }
    }
    eprintln!(
        "contract parts on PostgreSQL: {} of {total} passed",
        total - failed.len()
    );
    assert!(failed.is_empty(), "failed: {failed:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_passes_the_aspirasi_contract() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let store = fresh(&cluster).await;
    sidik_testkit::contract::aspirasi_records(&store).await;
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn migrations_are_idempotent_and_audit_is_append_only() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let url = cluster.database();
    let store = PgStore::connect(&url).await.unwrap();
    assert!(store.migrate().await.unwrap().is_empty());
    store.close().await;
    let store = PgStore::connect(&url).await.unwrap();
    sidik_testkit::contract::users_and_sessions(&store).await;
    for sql in [
        "UPDATE audit SET aktor = 'x'",
        "DELETE FROM audit",
        "TRUNCATE audit",
    ] {
        let err = sqlx::query(sql).execute(store.pool()).await.unwrap_err();
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn growing_tables_are_partitioned_by_month() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let store = fresh(&cluster).await;
    let parted: Vec<String> = sqlx::query_scalar(
        "SELECT c.relname::TEXT FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid ORDER BY 1",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    assert_eq!(parted, ["audit", "keputusan", "paket_masuk"]);
    // Creating partitions is idempotent; a new range creates three (one per table).
    let n: i32 = sqlx::query_scalar("SELECT sidik_partisi('2031-01-01', '2031-03-01')")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(n, 6);
    let n: i32 = sqlx::query_scalar("SELECT sidik_partisi('2031-01-15', '2031-03-01')")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(n, 0);
    // The contract's entries are of September 2015, which has no partition: they sit in
    // the DEFAULT one until sidik_partisi creates it and moves them, chain intact and
    // still append-only.
    sidik_testkit::contract::users_and_sessions(&store).await;
    let before = chain(&store).await;
    assert!(before > 0);
    let n = store
        .partitions_ensure(date(2015, 9, 1), date(2015, 10, 1))
        .await
        .unwrap();
    assert_eq!(n, 3);
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_default")
        .fetch_one(store.pool())
        .await
        .unwrap();
    let moved: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_p201509")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!((left, moved), (0, before as i64));
    assert_eq!(chain(&store).await, before);
    for sql in [
        "UPDATE audit_p201509 SET aktor = 'x'",
        "DELETE FROM audit_default",
    ] {
        let err = sqlx::query(sql).execute(store.pool()).await;
        match sql {
            // An empty DEFAULT partition has no row for the trigger to refuse.
            "DELETE FROM audit_default" => assert_eq!(err.unwrap().rows_affected(), 0),
            _ => assert!(err.unwrap_err().to_string().contains("append-only")),
        }
    }
    let bulan: i32 = sqlx::query_scalar("SELECT sidik_bulan(1798761600000000000)")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(bulan, 202701, "2027-01-01T00:00:00Z");

    // Several entries in one append (one statement) chain in order, into their months.
    let drafts = (0..3)
        .map(|i| sidik_domain::audit::AuditDraft {
            aktor: "test".into(),
            aksi: "uji.banyak".into(),
            subjek: format!("s{i}"),
            waktu: "2015-09-09T02:00:00Z".parse().unwrap(),
            detail: String::new(),
        })
        .collect();
    store.audit_append(drafts).await.unwrap();
    assert_eq!(chain(&store).await, before + 3);
    let subjek: Vec<String> = sqlx::query_scalar(
        "SELECT subjek FROM audit_p201509 WHERE aksi = 'uji.banyak' ORDER BY seq",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    assert_eq!(subjek, ["s0", "s1", "s2"]);

    // Where the disk goes: partitioned tables as the sum of their partitions, plain
    // tables themselves, largest first, all within the database's size.
    let sizes = store.table_sizes().await.unwrap();
    let size = |t: &str| sizes.iter().find(|s| s.table == t).map(|s| s.bytes);
    assert!(size("audit").unwrap() > 0);
    assert!(size("users").unwrap() > 0, "a plain table is sized too");
    assert_eq!(
        size("audit_p201509"),
        None,
        "partitions count in their table"
    );
    assert!(sizes.windows(2).all(|w| w[0].bytes >= w[1].bytes));
    let total: i64 = sizes.iter().map(|s| s.bytes).sum();
    assert!(store.database_size().await.unwrap() >= total);
    store.close().await;
}

fn date(y: i16, m: i8, d: i8) -> jiff::civil::Date {
    jiff::civil::date(y, m, d)
}

/// Two processes on one database (two pools, as two centre processes would have): the
/// write lock serializes them across connections, so every packet they both receive is
/// recorded once (the other sees a replay), every decision they both publish is
/// published once, and the audit chain they both append to stays one chain.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_on_one_database_record_and_decide_each_packet_once() {
    use sidik_domain::audit::AuditDraft;
    use sidik_domain::{Hasil, KodeKantor, NomorRegistrasi};
    use sidik_store::{CentreStore, Diterima, KeputusanBaru, PaketMasuk};

    let Some(cluster) = Cluster::start() else {
        return;
    };
    let url = cluster.database();
    let a = PgStore::connect(&url).await.unwrap();
    let b = PgStore::connect(&url).await.unwrap();
    let at = |s: i64| jiff::Timestamp::from_second(1_700_000_000 + s).unwrap();
    let audit = |aksi: &str, subjek: &str, s: i64| AuditDraft {
        aktor: "sistem:uji".into(),
        aksi: aksi.into(),
        subjek: subjek.into(),
        waktu: at(s),
        detail: String::new(),
    };
    let kantor = KodeKantor::parse("317201").unwrap();
    let packets: Vec<PaketMasuk> = (0..20u16)
        .map(|i| PaketMasuk {
            packet_id: format!("pk-{i}"),
            nomor: NomorRegistrasi::mint(&kantor, i as u64 + 1, at(i as i64)),
            kantor: kantor.clone(),
            nik: sidik_testkit::fixtures::resident(200 + i).nik,
            nama: "WARGA".into(),
            kelurahan: "3172011001".into(),
            operator: "op".into(),
            sha256: format!("{i:064}"),
            bytes: vec![i as u8; 8],
            jari: vec![(1, vec![1, 2, 3])],
            diterima: at(100 + i as i64),
            direkam: at(i as i64),
        })
        .collect();
    let mut tasks = Vec::new();
    for p in &packets {
        for s in [a.clone(), b.clone()] {
            let (p, d) = (p.clone(), audit("paket.terima", &p.packet_id, 100));
            tasks.push(tokio::spawn(async move { s.packet_record(&p, d).await }));
        }
    }
    let mut baru = 0;
    for t in tasks {
        match t.await.unwrap().unwrap() {
            Diterima::Baru => baru += 1,
            Diterima::Ulangan => {}
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(baru, packets.len());
    let mut tasks = Vec::new();
    for p in &packets {
        for s in [a.clone(), b.clone()] {
            let d = KeputusanBaru {
                kantor: p.kantor.clone(),
                nomor: p.nomor.clone(),
                packet_id: p.packet_id.clone(),
                sebab: p.packet_id.clone(),
                hasil: Hasil::Tunggal,
                kandidat: Vec::new(),
                catatan: String::new(),
                waktu: at(200),
            };
            let (id, audits) = (
                p.packet_id.clone(),
                vec![audit("keputusan", &p.packet_id, 200)],
            );
            tasks.push(tokio::spawn(async move {
                s.decisions_publish(Some(&id), &[d], audits).await
            }));
        }
    }
    let mut published = 0;
    for t in tasks {
        published += t.await.unwrap().unwrap();
    }
    assert_eq!(published, packets.len() as u64);
    let feed = a.decision_feed("317201", 0, 100).await.unwrap();
    assert_eq!(feed.len(), packets.len());
    assert!(feed.windows(2).all(|w| w[0].seq < w[1].seq));
    assert_eq!(chain(&a).await, 2 * packets.len() as u64);
    a.close().await;
    b.close().await;
}
