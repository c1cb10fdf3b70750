//! Runs the storage contract suite (`sidik_testkit::contract`, every trait) on a fresh
//! PostgreSQL database of a throwaway cluster (`sidik_testkit::postgres`), and the
//! PostgreSQL store's own guarantees (migrations, append-only audit, partitions).
//!
//! Without PostgreSQL installed these tests skip with a notice, unless
//! `SIDIK_REQUIRE_POSTGRES=1` (CI), where they fail.

use sidik_store_postgres::PgStore;
use sidik_testkit::postgres::Cluster;

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
    let bulan: i32 = sqlx::query_scalar("SELECT sidik_bulan(1798761600000000000)")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(bulan, 202701, "2027-01-01T00:00:00Z");
    store.close().await;
}
