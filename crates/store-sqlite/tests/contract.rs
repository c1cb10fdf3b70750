//! Runs the storage contract suite on a fresh SQLite database.

use sidik_store_sqlite::SqliteStore;

#[tokio::test]
async fn sqlite_passes_the_store_contract() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open_dir(dir.path()).await.unwrap();
    sidik_store::contract::run_all(&store).await;
}

#[tokio::test]
async fn migrations_are_idempotent_and_audit_is_append_only() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open_dir(dir.path()).await.unwrap();
    assert!(store.migrate().await.unwrap().is_empty());
    store.close().await;
    let store = SqliteStore::open_dir(dir.path()).await.unwrap();
    sidik_store::contract::users_and_sessions(&store).await;
    let err = sqlx::query("UPDATE audit SET aktor = 'x'")
        .execute(store.writer_pool())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("append-only"));
}

#[tokio::test]
async fn sqlite_records_decision_runs_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open_dir(dir.path()).await.unwrap();
    sidik_store::contract::decision_batches(&store).await;
}

#[tokio::test]
async fn sqlite_undecided_queue_honours_the_hold() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open_dir(dir.path()).await.unwrap();
    sidik_store::contract::undecided_queue_and_hold(&store).await;
}
