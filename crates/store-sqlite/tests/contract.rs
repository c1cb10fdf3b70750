//! Runs the storage contract suite (`sidik_testkit::contract`, every trait) on a fresh
//! SQLite database, and SQLite's own guarantees (migrations, append-only audit).

use sidik_store_sqlite::SqliteStore;

#[tokio::test]
async fn sqlite_passes_the_store_contract() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open_dir(dir.path()).await.unwrap();
    sidik_testkit::contract::run_all(&store).await;
}

#[tokio::test]
async fn sqlite_passes_the_aspirasi_contract() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open_dir(dir.path()).await.unwrap();
    sidik_testkit::contract::aspirasi_records(&store).await;
}

#[tokio::test]
async fn migrations_are_idempotent_and_audit_is_append_only() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open_dir(dir.path()).await.unwrap();
    assert!(store.migrate().await.unwrap().is_empty());
    store.close().await;
    let store = SqliteStore::open_dir(dir.path()).await.unwrap();
    sidik_testkit::contract::users_and_sessions(&store).await;
    let err = sqlx::query("UPDATE audit SET aktor = 'x'")
        .execute(store.writer_pool())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("append-only"));
}

#[tokio::test]
async fn the_unread_outbox_table_is_gone() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open_dir(dir.path()).await.unwrap();
    let tables: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .fetch_all(store.writer_pool())
            .await
            .unwrap();
    assert!(!tables.iter().any(|t| t == "outbox"), "{tables:?}");
    assert!(tables.iter().any(|t| t == "paket_keluar"), "{tables:?}");
}
