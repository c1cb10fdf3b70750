//! SQLite backend of [`sidik_store::Store`].
//!
//! Durability settings: WAL journal, `synchronous=FULL` (a commit is on disk before it
//! is acknowledged), foreign keys on. All writes go through a single-connection writer
//! pool and begin with `BEGIN IMMEDIATE`, so a transaction never has to upgrade a read
//! lock; reads use a separate pool and never block writers. Migrations are embedded.
//!
//! This file holds the store itself (opening, pragmas, migrations, the write
//! transaction), the helpers every module shares, and the [`Store`] impl, whose methods
//! delegate by area: `accounts` (users, sessions, failed logins), `residents` (the
//! population registry), `applications` (enrollment, timeline, biometric references,
//! blobs, gallery templates) and `audit` (the hash chain). The sync traits live in
//! `sync`.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use jiff::Timestamp;
use sidik_domain::audit::{AuditDraft, AuditEntry};
use sidik_domain::biometrik::Biometrik;
use sidik_domain::permohonan::HasilKetunggalan;
use sidik_domain::{Nik, Penduduk, Permohonan, Riwayat, Status, Username};
use sidik_store::*;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::Connection;

const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/0001_init.sql")),
    (2, include_str!("../migrations/0002_sync.sql")),
    (3, include_str!("../migrations/0003_direkam.sql")),
    (4, include_str!("../migrations/0004_drop_outbox.sql")),
    (5, include_str!("../migrations/0005_login_guard.sql")),
    (6, include_str!("../migrations/0006_suket_cetak.sql")),
    (7, include_str!("../migrations/0007_aspirasi.sql")),
    (8, include_str!("../migrations/0008_kabar.sql")),
    (9, include_str!("../migrations/0009_centre_lease.sql")),
];

mod accounts;
mod antrean;
mod applications;
mod aspirasi;
mod audit;
mod baris;
mod cetak;
mod kabar;
mod lihat;
mod potret;
mod residents;
mod sinkron;
mod suket;
mod sync;

/// The SQLite store.
#[derive(Clone)]
pub struct SqliteStore {
    writer: SqlitePool,
    reader: SqlitePool,
    /// The latest notices per area, read by every citizen's status lookup.
    notices: std::sync::Arc<kabar::NoticeCache>,
    /// Synchronous read connections for the status lookup (`sinkron`).
    pembaca: std::sync::Arc<sinkron::Pembaca>,
    /// The print queue's snapshot for the status lookup (`potret`).
    antrean: std::sync::Arc<potret::PotretAntrean>,
}

pub(crate) fn be(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(d) = &e {
        if d.is_unique_violation() {
            return StoreError::Conflict(d.message().to_string());
        }
    }
    StoreError::Backend(e.to_string())
}

pub(crate) fn ns(t: Timestamp) -> i64 {
    t.as_nanosecond() as i64
}

pub(crate) fn ts(n: i64) -> Timestamp {
    Timestamp::from_nanosecond(n as i128).unwrap_or(Timestamp::UNIX_EPOCH)
}

pub(crate) fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(format!("stored {what} is invalid: {e}"))
}

/// Upper bound of the memory map per connection (address space, not memory).
const MMAP_BYTES: u64 = 1 << 30;

impl SqliteStore {
    /// Opens (creating if needed) `dir/sidik.db` and applies pending migrations.
    pub async fn open_dir(dir: &Path) -> Result<SqliteStore> {
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::Backend(format!("cannot create {}: {e}", dir.display())))?;
        Self::open_file(&dir.join("sidik.db")).await
    }

    pub async fn open_file(path: &Path) -> Result<SqliteStore> {
        let opts = SqliteConnectOptions::from_str("sqlite://")
            .map_err(be)?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // Reads through a memory map: a reader whose page cache was invalidated by
            // another connection's commit (WAL) re-reads pages without a copy per page.
            // Writes still go through the WAL and fsync as before.
            .pragma("mmap_size", MMAP_BYTES.to_string());
        // No ping before each acquire (sqlx's default): a local file's connection cannot
        // go stale, and the ping is a round trip to the connection's worker thread, as
        // dear as a query.
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .test_before_acquire(false)
            .acquire_timeout(Duration::from_secs(60))
            .connect_with(opts.clone())
            .await
            .map_err(be)?;
        // Migrate through the writer first: a read-only connection cannot create tables.
        let bootstrap = SqliteStore {
            writer: writer.clone(),
            reader: writer.clone(),
            notices: Default::default(),
            pembaca: std::sync::Arc::new(sinkron::Pembaca::new(path)),
            antrean: Default::default(),
        };
        bootstrap.migrate().await?;
        let reader = SqlitePoolOptions::new()
            .max_connections(4)
            .test_before_acquire(false)
            .connect_with(opts.read_only(true))
            .await
            .map_err(be)?;
        Ok(SqliteStore {
            writer,
            reader,
            notices: Default::default(),
            pembaca: std::sync::Arc::new(sinkron::Pembaca::new(path)),
            antrean: Default::default(),
        })
    }

    /// Applies embedded migrations not yet applied. Idempotent.
    pub async fn migrate(&self) -> Result<Vec<i64>> {
        let mut conn = self.writer.acquire().await.map_err(be)?;
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied INTEGER NOT NULL)",
        )
        .execute(&mut *conn)
        .await
        .map_err(be)?;
        let mut applied = Vec::new();
        for (version, sql) in MIGRATIONS {
            let mut tx = conn.begin_with("BEGIN IMMEDIATE").await.map_err(be)?;
            let done: Option<i64> =
                sqlx::query_scalar("SELECT version FROM schema_migrations WHERE version = ?")
                    .bind(version)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(be)?;
            if done.is_none() {
                sqlx::raw_sql(sql).execute(&mut *tx).await.map_err(be)?;
                sqlx::query("INSERT INTO schema_migrations (version, applied) VALUES (?, ?)")
                    .bind(version)
                    .bind(ns(Timestamp::now()))
                    .execute(&mut *tx)
                    .await
                    .map_err(be)?;
                applied.push(*version);
            }
            tx.commit().await.map_err(be)?;
        }
        Ok(applied)
    }

    /// A write transaction on the single writer connection, begun IMMEDIATE so it holds
    /// the write lock from its first statement.
    ///
    /// The BEGIN runs in a task of its own: if the caller is cancelled while it waits (an
    /// HTTP client that disconnects, e.g. an office SIGKILLed mid-push), sqlx could
    /// otherwise have opened the transaction on the connection without ever handing
    /// back the `Transaction` that rolls it back, leaving the one writer connection
    /// inside a transaction and every later write failing. In its own task the BEGIN
    /// always completes, and an unwanted transaction is dropped, hence rolled back.
    pub(crate) async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>> {
        let writer = self.writer.clone();
        tokio::spawn(async move { writer.begin_with("BEGIN IMMEDIATE").await })
            .await
            .map_err(|e| StoreError::Backend(format!("begin task: {e}")))?
            .map_err(be)
    }

    /// Direct access for maintenance tools and tests (e.g. tamper tests).
    pub fn writer_pool(&self) -> &SqlitePool {
        &self.writer
    }

    pub async fn close(&self) {
        self.writer.close().await;
        self.reader.close().await;
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn user_create(&self, user: &User, audit: AuditDraft) -> Result<()> {
        accounts::user_create(self, user, audit).await
    }

    async fn user_get(&self, username: &str) -> Result<Option<User>> {
        accounts::user_get(self, username).await
    }

    async fn user_set_password(
        &self,
        username: &str,
        password_hash: &str,
        audit: AuditDraft,
    ) -> Result<()> {
        accounts::user_set_password(self, username, password_hash, audit).await
    }

    async fn user_count(&self) -> Result<u64> {
        accounts::user_count(self).await
    }

    async fn session_create(
        &self,
        token_hash: &str,
        username: &str,
        expires: Timestamp,
    ) -> Result<()> {
        accounts::session_create(self, token_hash, username, expires).await
    }

    async fn session_user(&self, token_hash: &str, now: Timestamp) -> Result<Option<User>> {
        accounts::session_user(self, token_hash, now).await
    }

    async fn session_delete(&self, token_hash: &str) -> Result<()> {
        accounts::session_delete(self, token_hash).await
    }

    async fn login_guard_get(&self, username: &Username) -> Result<Option<LoginGuard>> {
        accounts::login_guard_get(self, username).await
    }

    async fn login_guard_update(
        &self,
        username: &Username,
        forget_before: Timestamp,
        rule: LoginRule<'_>,
    ) -> Result<Option<LoginGuard>> {
        accounts::login_guard_update(self, username, forget_before, rule).await
    }

    async fn residents_upsert(&self, batch: &[Penduduk], audit: AuditDraft) -> Result<u64> {
        residents::residents_upsert(self, batch, audit).await
    }

    async fn resident_get(&self, nik: &Nik) -> Result<Option<Penduduk>> {
        residents::resident_get(self, nik).await
    }

    async fn resident_count(&self) -> Result<u64> {
        residents::resident_count(self).await
    }

    async fn residents_in(&self, kelurahan: &str, limit: u32) -> Result<Vec<Penduduk>> {
        residents::residents_in(self, kelurahan, limit).await
    }

    async fn application_create(
        &self,
        new: &NewPermohonan,
        bio: &Biometrik,
        audit: AuditDraft,
    ) -> Result<Created> {
        applications::application_create(self, new, bio, audit).await
    }

    async fn application_get(&self, nomor: &str) -> Result<Option<Permohonan>> {
        applications::application_get(self, nomor).await
    }
    async fn status_lookup(&self, nomor: &str) -> Result<Option<LihatStatus>> {
        lihat::status_lookup(self, nomor).await
    }

    async fn application_list(&self, f: &ListFilter) -> Result<Vec<Permohonan>> {
        applications::application_list(self, f).await
    }

    async fn application_counts(&self, f: &ListFilter) -> Result<Vec<(Status, u64)>> {
        applications::application_counts(self, f).await
    }

    async fn application_transition(
        &self,
        nomor: &str,
        from: Status,
        entries: &[Riwayat],
        hasil: Option<&HasilKetunggalan>,
        audits: Vec<AuditDraft>,
    ) -> Result<()> {
        applications::application_transition(self, nomor, from, entries, hasil, audits).await
    }

    async fn applications_transition(&self, changes: &[Transisi]) -> Result<()> {
        applications::applications_transition(self, changes).await
    }

    async fn applications_of_nik(&self, nik: &Nik) -> Result<Vec<(String, Status)>> {
        applications::applications_of_nik(self, nik).await
    }

    async fn biometrik_ref(&self, nomor: &str) -> Result<Option<BiometrikRef>> {
        applications::biometrik_ref(self, nomor).await
    }

    async fn blob_get(&self, sha256: &str) -> Result<Option<Vec<u8>>> {
        applications::blob_get(self, sha256).await
    }

    async fn gallery_templates(&self) -> Result<Vec<GalleryTemplate>> {
        applications::gallery_templates(self).await
    }

    async fn audit_page(&self, after: i64, limit: u32) -> Result<Vec<AuditEntry>> {
        audit::audit_page(self, after, limit).await
    }

    async fn audit_of_subject(&self, subjek: &str) -> Result<Vec<AuditEntry>> {
        audit::audit_of_subject(self, subjek).await
    }

    async fn audit_append(&self, entries: Vec<AuditDraft>) -> Result<()> {
        let mut tx = self.begin_write().await?;
        audit::append_audit(&mut tx, entries).await?;
        tx.commit().await.map_err(be)
    }

    async fn suket_of(&self, nomor: &str) -> Result<Vec<SuketTersimpan>> {
        suket::suket_of(self, nomor).await
    }

    async fn suket_get(&self, nomor_suket: &str) -> Result<Option<SuketTersimpan>> {
        suket::suket_get(self, nomor_suket).await
    }

    async fn suket_issue(
        &self,
        s: &SuketBaru,
        ganti: Option<&str>,
        audit: AuditDraft,
    ) -> Result<()> {
        suket::suket_issue(self, s, ganti, audit).await
    }

    async fn suket_revoke(
        &self,
        nomor_suket: &str,
        alasan: &str,
        keterangan: Option<&str>,
        waktu: Timestamp,
        audit: AuditDraft,
    ) -> Result<()> {
        suket::suket_revoke(self, nomor_suket, alasan, keterangan, waktu, audit).await
    }

    async fn suket_revoked(&self) -> Result<Vec<SuketTersimpan>> {
        suket::suket_revoked(self).await
    }

    async fn suket_expiring(&self, hingga: Timestamp, limit: u32) -> Result<Vec<SuketTersimpan>> {
        suket::suket_expiring(self, hingga, limit).await
    }

    async fn suket_stats(&self) -> Result<StatistikSuket> {
        suket::suket_stats(self).await
    }

    async fn prioritas_get(&self, nomor: &str) -> Result<Option<PrioritasCetak>> {
        cetak::prioritas_get(self, nomor).await
    }

    async fn printers(&self, tanggal: jiff::civil::Date) -> Result<Vec<Printer>> {
        cetak::printers(self, tanggal).await
    }

    async fn printer_save(
        &self,
        nama: &str,
        kapasitas: u32,
        aktif: bool,
        audit: AuditDraft,
    ) -> Result<i64> {
        cetak::printer_save(self, nama, kapasitas, aktif, audit).await
    }

    async fn blanko(&self) -> Result<BukuBlanko> {
        cetak::blanko(self).await
    }

    async fn blanko_receive(
        &self,
        jumlah: u64,
        kiriman: Option<i64>,
        waktu: Timestamp,
        audit: AuditDraft,
    ) -> Result<BukuBlanko> {
        cetak::blanko_receive(self, jumlah, kiriman, waktu, audit).await
    }

    async fn blanko_spoil_stock(
        &self,
        jumlah: u64,
        waktu: Timestamp,
        audit: AuditDraft,
    ) -> Result<BukuBlanko> {
        cetak::blanko_spoil_stock(self, jumlah, waktu, audit).await
    }

    async fn blanko_schedule(
        &self,
        tanggal: jiff::civil::Date,
        jumlah: u64,
        audit: AuditDraft,
    ) -> Result<i64> {
        cetak::blanko_schedule(self, tanggal, jumlah, audit).await
    }

    async fn blanko_deliveries(&self) -> Result<Vec<KirimanBlanko>> {
        cetak::blanko_deliveries(self).await
    }

    async fn blanko_movements(&self, limit: u32) -> Result<Vec<MutasiBlanko>> {
        cetak::blanko_movements(self, limit).await
    }

    async fn print_queue(&self, limit: u32, offset: u32) -> Result<Vec<ItemAntrean>> {
        cetak::print_queue(self, limit, offset).await
    }

    async fn print_queue_len(&self) -> Result<u64> {
        cetak::print_queue_len(self).await
    }

    async fn print_queue_position(&self, nomor: &str) -> Result<Option<u64>> {
        cetak::print_queue_position(self, nomor).await
    }

    async fn print_queue_ahead(&self, nomor: &str) -> Result<Option<sidik_domain::eta::Didahului>> {
        antrean::print_queue_ahead(self, nomor).await
    }

    async fn decisions_received_since(&self, since: Timestamp) -> Result<u64> {
        antrean::decisions_received_since(self, since).await
    }

    async fn print_batch(
        &self,
        req: &PermintaanBatch,
        rule: BatchRule<'_>,
    ) -> Result<Option<BatchCetak>> {
        cetak::print_batch(self, req, rule).await
    }

    async fn print_spoil(&self, nomor_batch: &str, transisi: &Transisi) -> Result<()> {
        cetak::print_spoil(self, nomor_batch, transisi).await
    }

    async fn batch_get(&self, nomor_batch: &str) -> Result<Option<BatchCetak>> {
        cetak::batch_get(self, nomor_batch).await
    }

    async fn batches_recent(&self, limit: u32) -> Result<Vec<BatchCetak>> {
        cetak::batches_recent(self, limit).await
    }

    async fn batch_of(&self, nomor: &str) -> Result<Option<String>> {
        cetak::batch_of(self, nomor).await
    }
}
