//! PostgreSQL backend of Sidik's storage traits ([`Store`], [`SyncStore`],
//! [`CentreStore`], [`KabarStore`], [`AspirasiStore`]): the centre at national scale.
//!
//! A faithful translation of `sidik-store-sqlite`: the same tables, the same unique
//! constraints (idempotency relies on them), times as BIGINT nanoseconds since the Unix
//! epoch, blobs as BYTEA, and full-text search of aspirations with a `tsvector`. The
//! tables that grow without end (`audit`, `paket_masuk`, `keputusan`) are partitioned by
//! month (`bulan` = YYYYMM, UTC) with a DEFAULT partition; `sidik_partisi(from, to)`
//! creates monthly partitions. Their unique keys that do not include the month live in
//! small unpartitioned key tables (`paket_masuk_kunci`, `keputusan_kunci`).
//!
//! Concurrency: SQLite has one writer; here every write transaction first takes one
//! transaction-scoped advisory lock ([`WRITE_LOCK`]), so writes are serialized exactly as
//! on SQLite (the audit hash chain needs that: each entry names the previous one's
//! hash). Reads never take it and run in parallel. A state change and its audit entries
//! commit in ONE transaction.
//!
//! This file holds the store (connecting, migrations, the write transaction), the
//! helpers every module shares, and the [`Store`] impl, whose methods delegate by area
//! exactly as in the SQLite backend.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use jiff::Timestamp;
use sidik_domain::audit::{AuditDraft, AuditEntry};
use sidik_domain::biometrik::Biometrik;
use sidik_domain::permohonan::HasilKetunggalan;
use sidik_domain::{Nik, Penduduk, Permohonan, Riwayat, Status, Username};
use sidik_store::*;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/0001_init.sql")),
    (2, include_str!("../migrations/0002_centre_lease.sql")),
    (3, include_str!("../migrations/0003_abis_pool.sql")),
];

/// The key of the advisory lock every write transaction holds (`pg_advisory_xact_lock`):
/// writes are serialized as on SQLite's single writer.
pub const WRITE_LOCK: i64 = 0x0053_4944_494b; // "SIDIK"

/// The key of the advisory lock migrations hold (several processes may start at once).
const MIGRATE_LOCK: i64 = 0x0053_4944_494c; // "SIDIL"

mod abis_pool;
mod accounts;
mod antrean;
mod applications;
mod aspirasi;
mod audit;
mod cetak;
mod kabar;
mod lihat;
mod maintenance;
mod residents;
mod sync;

pub use maintenance::TableSize;

/// The PostgreSQL store. `writer` and `reader` are the same pool: the names keep the
/// modules' code the same as the SQLite backend's (writes go through
/// [`PgStore::begin_write`], which takes the write lock).
#[derive(Clone)]
pub struct PgStore {
    writer: PgPool,
    reader: PgPool,
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

impl PgStore {
    /// Connects to `url` (`postgres://user:pass@host:port/db`) and applies pending
    /// migrations.
    pub async fn connect(url: &str) -> Result<PgStore> {
        Self::connect_with(Self::options(url)?).await
    }

    pub async fn connect_with(opts: PgConnectOptions) -> Result<PgStore> {
        let store = Self::connect_unmigrated(opts).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Connects without applying migrations (`sidik migrate` applies and reports them).
    pub async fn connect_unmigrated(opts: PgConnectOptions) -> Result<PgStore> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(60))
            .connect_with(opts)
            .await
            .map_err(be)?;
        Ok(PgStore {
            writer: pool.clone(),
            reader: pool,
        })
    }

    /// Parses a `postgres://` URL into connection options.
    pub fn options(url: &str) -> Result<PgConnectOptions> {
        PgConnectOptions::from_str(url).map_err(be)
    }

    /// Applies embedded migrations not yet applied. Idempotent; concurrent callers wait
    /// for each other (advisory lock).
    pub async fn migrate(&self) -> Result<Vec<i64>> {
        let mut tx = self.writer.begin().await.map_err(be)?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(MIGRATE_LOCK)
            .execute(&mut *tx)
            .await
            .map_err(be)?;
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied BIGINT NOT NULL)",
        )
        .execute(&mut *tx)
        .await
        .map_err(be)?;
        let mut applied = Vec::new();
        for (version, sql) in MIGRATIONS {
            let done: Option<i64> =
                sqlx::query_scalar("SELECT version FROM schema_migrations WHERE version = $1")
                    .bind(version)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(be)?;
            if done.is_none() {
                sqlx::raw_sql(sql).execute(&mut *tx).await.map_err(be)?;
                sqlx::query("INSERT INTO schema_migrations (version, applied) VALUES ($1, $2)")
                    .bind(version)
                    .bind(ns(Timestamp::now()))
                    .execute(&mut *tx)
                    .await
                    .map_err(be)?;
                applied.push(*version);
            }
        }
        tx.commit().await.map_err(be)?;
        Ok(applied)
    }

    /// A write transaction: it holds the store's write lock ([`WRITE_LOCK`]) from its
    /// first statement until it commits or rolls back, as SQLite's `BEGIN IMMEDIATE`.
    ///
    /// The BEGIN and the lock run in a task of their own: if the caller is cancelled
    /// while waiting for the lock, the transaction is still handed back (and dropped,
    /// hence rolled back) instead of being left half-open.
    pub(crate) async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>> {
        let pool = self.writer.clone();
        tokio::spawn(async move {
            let mut tx = pool.begin().await?;
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(WRITE_LOCK)
                .execute(&mut *tx)
                .await?;
            Ok::<_, sqlx::Error>(tx)
        })
        .await
        .map_err(|e| StoreError::Backend(format!("begin task: {e}")))?
        .map_err(be)
    }

    /// Direct access for maintenance tools and tests (e.g. tamper tests).
    pub fn pool(&self) -> &PgPool {
        &self.writer
    }

    pub async fn close(&self) {
        self.writer.close().await;
    }
}

#[async_trait]
impl Store for PgStore {
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
        cetak::suket_of(self, nomor).await
    }

    async fn suket_get(&self, nomor_suket: &str) -> Result<Option<SuketTersimpan>> {
        cetak::suket_get(self, nomor_suket).await
    }

    async fn suket_issue(
        &self,
        s: &SuketBaru,
        ganti: Option<&str>,
        audit: AuditDraft,
    ) -> Result<()> {
        cetak::suket_issue(self, s, ganti, audit).await
    }

    async fn suket_revoke(
        &self,
        nomor_suket: &str,
        alasan: &str,
        keterangan: Option<&str>,
        waktu: Timestamp,
        audit: AuditDraft,
    ) -> Result<()> {
        cetak::suket_revoke(self, nomor_suket, alasan, keterangan, waktu, audit).await
    }

    async fn suket_revoked(&self) -> Result<Vec<SuketTersimpan>> {
        cetak::suket_revoked(self).await
    }

    async fn suket_expiring(&self, hingga: Timestamp, limit: u32) -> Result<Vec<SuketTersimpan>> {
        cetak::suket_expiring(self, hingga, limit).await
    }

    async fn suket_stats(&self) -> Result<StatistikSuket> {
        cetak::suket_stats(self).await
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
