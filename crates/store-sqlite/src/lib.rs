//! SQLite backend of [`sidik_store::Store`].
//!
//! Durability settings: WAL journal, `synchronous=FULL` (a commit is on disk before it
//! is acknowledged), foreign keys on. All writes go through a single-connection writer
//! pool and begin with `BEGIN IMMEDIATE`, so a transaction never has to upgrade a read
//! lock; reads use a separate pool and never block writers. Migrations are embedded.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use jiff::Timestamp;
use sidik_domain::audit::{AuditDraft, AuditEntry, GENESIS};
use sidik_domain::biometrik::{AlasanPengecualian, Biometrik, PosisiJari};
use sidik_domain::permohonan::{HasilKetunggalan, Kandidat};
use sidik_domain::*;
use sidik_store::*;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{Connection, Row, SqliteConnection};

const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/0001_init.sql")),
    (2, include_str!("../migrations/0002_sync.sql")),
    (3, include_str!("../migrations/0003_direkam.sql")),
    (4, include_str!("../migrations/0004_drop_outbox.sql")),
];

mod sync;

/// The SQLite store.
#[derive(Clone)]
pub struct SqliteStore {
    writer: SqlitePool,
    reader: SqlitePool,
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
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(60))
            .connect_with(opts.clone())
            .await
            .map_err(be)?;
        // Migrate through the writer first: a read-only connection cannot create tables.
        let bootstrap = SqliteStore {
            writer: writer.clone(),
            reader: writer.clone(),
        };
        bootstrap.migrate().await?;
        let reader = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(opts.read_only(true))
            .await
            .map_err(be)?;
        Ok(SqliteStore { writer, reader })
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

/// Appends audit entries to the chain inside the caller's transaction.
pub(crate) async fn append_audit(
    conn: &mut SqliteConnection,
    drafts: Vec<AuditDraft>,
) -> Result<()> {
    if drafts.is_empty() {
        return Ok(());
    }
    let last: Option<(i64, String)> =
        sqlx::query_as("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *conn)
            .await
            .map_err(be)?;
    let (mut seq, mut prev) = last.unwrap_or((0, GENESIS.to_string()));
    for d in drafts {
        seq += 1;
        let e = d.chain(seq, &prev);
        sqlx::query(
            "INSERT INTO audit (seq, aktor, aksi, subjek, waktu, detail, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?)",
        )
        .bind(e.seq)
        .bind(&e.aktor)
        .bind(&e.aksi)
        .bind(&e.subjek)
        .bind(ns(e.waktu))
        .bind(&e.detail)
        .bind(&e.prev_hash)
        .bind(&e.hash)
        .execute(&mut *conn)
        .await
        .map_err(be)?;
        prev = e.hash;
    }
    Ok(())
}

fn user_from(r: &SqliteRow) -> Result<User> {
    Ok(User {
        username: Username::parse(r.get("username")).map_err(|e| corrupt("username", e))?,
        peran: Peran::parse(r.get("peran")).map_err(|e| corrupt("peran", e))?,
        password_hash: r.get("password_hash"),
        dibuat: ts(r.get("dibuat")),
    })
}

fn penduduk_from(r: &SqliteRow) -> Result<Penduduk> {
    let c = |e: &dyn std::fmt::Display| corrupt("penduduk", e.to_string());
    let code = |name: &str| -> u8 { r.get::<i64, _>(name) as u8 };
    Ok(Penduduk {
        nik: Nik::parse(r.get("nik")).map_err(|e| c(&e))?,
        nomor_kk: NomorKk::parse(r.get("nomor_kk")).map_err(|e| c(&e))?,
        hubungan: Hubungan::from_code(code("hubungan")).map_err(|e| c(&e))?,
        nama: r.get("nama"),
        tempat_lahir: r.get("tempat_lahir"),
        tanggal_lahir: r
            .get::<String, _>("tanggal_lahir")
            .parse()
            .map_err(|e: jiff::Error| c(&e))?,
        jenis_kelamin: JenisKelamin::from_code(code("jenis_kelamin")).map_err(|e| c(&e))?,
        golongan_darah: GolonganDarah::from_code(code("golongan_darah")).map_err(|e| c(&e))?,
        alamat: r.get("alamat"),
        rt_rw: RtRw {
            rt: r.get::<i64, _>("rt") as u16,
            rw: r.get::<i64, _>("rw") as u16,
        },
        kelurahan: r.get("kelurahan"),
        agama: Agama::from_code(code("agama")).map_err(|e| c(&e))?,
        status_perkawinan: StatusPerkawinan::from_code(code("status_perkawinan"))
            .map_err(|e| c(&e))?,
        pekerjaan: r.get("pekerjaan"),
        kewarganegaraan: Kewarganegaraan::from_code(code("kewarganegaraan")).map_err(|e| c(&e))?,
        nama_ibu_kandung: r.get("nama_ibu_kandung"),
    })
}

fn audit_from(r: &SqliteRow) -> AuditEntry {
    AuditEntry {
        seq: r.get("seq"),
        aktor: r.get("aktor"),
        aksi: r.get("aksi"),
        subjek: r.get("subjek"),
        waktu: ts(r.get("waktu")),
        detail: r.get("detail"),
        prev_hash: r.get("prev_hash"),
        hash: r.get("hash"),
    }
}

/// Loads one application with its timeline and check result.
async fn load_permohonan(conn: &mut SqliteConnection, nomor: &str) -> Result<Option<Permohonan>> {
    let Some(r) = sqlx::query("SELECT * FROM permohonan WHERE nomor = ?")
        .bind(nomor)
        .fetch_optional(&mut *conn)
        .await
        .map_err(be)?
    else {
        return Ok(None);
    };
    let mut p = permohonan_head(&r)?;
    let rows = sqlx::query("SELECT * FROM riwayat WHERE nomor = ? ORDER BY urut")
        .bind(nomor)
        .fetch_all(&mut *conn)
        .await
        .map_err(be)?;
    for row in rows {
        let st = |s: Option<String>| -> Result<Option<Status>> {
            s.map(|s| Status::parse(&s).map_err(|e| corrupt("status", e)))
                .transpose()
        };
        p.riwayat.push(Riwayat {
            aksi: Aksi::parse(row.get("aksi")).map_err(|e| corrupt("aksi", e))?,
            dari: st(row.get("dari"))?,
            ke: st(Some(row.get("ke")))?.expect("some"),
            aktor: row.get("aktor"),
            waktu: ts(row.get("waktu")),
            alasan: row.get("alasan"),
        });
    }
    if let Some(bio) = r.get::<Option<i64>, _>("cek_biometrik") {
        let kandidat = sqlx::query("SELECT * FROM kandidat WHERE nomor = ? ORDER BY urut")
            .bind(nomor)
            .fetch_all(&mut *conn)
            .await
            .map_err(be)?
            .iter()
            .map(|k| Kandidat {
                permohonan: k.get("permohonan"),
                nik: k.get("nik"),
                skor: k.get::<f64, _>("skor") as f32,
                jari_cocok: k.get::<i64, _>("jari_cocok") as u8,
            })
            .collect();
        p.ketunggalan = Some(HasilKetunggalan {
            biometrik: bio != 0,
            catatan: r
                .get::<Option<String>, _>("cek_catatan")
                .unwrap_or_default(),
            kandidat,
        });
    }
    Ok(Some(p))
}

fn permohonan_head(r: &SqliteRow) -> Result<Permohonan> {
    Ok(Permohonan {
        nomor: NomorRegistrasi::parse(r.get("nomor")).map_err(|e| corrupt("nomor", e))?,
        nik: Nik::parse(r.get("nik")).map_err(|e| corrupt("nik", e))?,
        kantor: KodeKantor::parse(r.get("kantor")).map_err(|e| corrupt("kantor", e))?,
        kelurahan: r.get("kelurahan"),
        nama: r.get("nama"),
        status: Status::parse(r.get("status")).map_err(|e| corrupt("status", e))?,
        dibuat: ts(r.get("dibuat")),
        riwayat: Vec::new(),
        ketunggalan: None,
    })
}

fn parent(code: &str) -> &str {
    code.rfind('.').map_or(code, |i| &code[..i])
}

/// Builds the WHERE clause shared by list and counts.
fn filter_sql(f: &ListFilter, with_status: bool) -> (String, Vec<FilterArg>) {
    let mut w = vec!["1=1".to_string()];
    let mut args = Vec::new();
    if let (true, Some(s)) = (with_status, f.status) {
        w.push("status = ?".into());
        args.push(FilterArg::S(s.slug().to_string()));
    }
    if let Some(k) = &f.kecamatan {
        w.push("kecamatan = ?".into());
        args.push(FilterArg::S(k.clone()));
    }
    if let Some(k) = &f.kelurahan {
        w.push("kelurahan = ?".into());
        args.push(FilterArg::S(k.clone()));
    }
    if let Some(n) = &f.nik {
        w.push("nik = ?".into());
        args.push(FilterArg::S(n.to_string()));
    }
    if let Some(d) = f.dari {
        w.push("dibuat >= ?".into());
        args.push(FilterArg::I(ns(d)));
    }
    if let Some(d) = f.sampai {
        w.push("dibuat < ?".into());
        args.push(FilterArg::I(ns(d)));
    }
    (w.join(" AND "), args)
}

enum FilterArg {
    S(String),
    I(i64),
}

fn bind_all<'q>(
    mut q: sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
    args: &'q [FilterArg],
) -> sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>> {
    for a in args {
        q = match a {
            FilterArg::S(s) => q.bind(s.as_str()),
            FilterArg::I(i) => q.bind(*i),
        };
    }
    q
}

#[async_trait]
impl Store for SqliteStore {
    async fn user_create(&self, user: &User, audit: AuditDraft) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("INSERT INTO users (username, peran, password_hash, dibuat) VALUES (?,?,?,?)")
            .bind(user.username.as_str())
            .bind(user.peran.slug())
            .bind(&user.password_hash)
            .bind(ns(user.dibuat))
            .execute(&mut *tx)
            .await
            .map_err(|e| match be(e) {
                StoreError::Conflict(_) => {
                    StoreError::Conflict(format!("user {} already exists", user.username))
                }
                other => other,
            })?;
        append_audit(&mut tx, vec![audit]).await?;
        tx.commit().await.map_err(be)
    }

    async fn user_get(&self, username: &str) -> Result<Option<User>> {
        sqlx::query("SELECT * FROM users WHERE username = ?")
            .bind(username)
            .fetch_optional(&self.reader)
            .await
            .map_err(be)?
            .as_ref()
            .map(user_from)
            .transpose()
    }

    async fn user_set_password(
        &self,
        username: &str,
        password_hash: &str,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query("UPDATE users SET password_hash = ? WHERE username = ?")
            .bind(password_hash)
            .bind(username)
            .execute(&mut *tx)
            .await
            .map_err(be)?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound(format!("user {username}")));
        }
        sqlx::query("DELETE FROM sessions WHERE username = ?")
            .bind(username)
            .execute(&mut *tx)
            .await
            .map_err(be)?;
        append_audit(&mut tx, vec![audit]).await?;
        tx.commit().await.map_err(be)
    }

    async fn user_count(&self) -> Result<u64> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&self.reader)
            .await
            .map_err(be)?;
        Ok(n as u64)
    }

    async fn session_create(
        &self,
        token_hash: &str,
        username: &str,
        expires: Timestamp,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("INSERT INTO sessions (token_hash, username, expires) VALUES (?,?,?)")
            .bind(token_hash)
            .bind(username)
            .bind(ns(expires))
            .execute(&mut *tx)
            .await
            .map_err(be)?;
        tx.commit().await.map_err(be)
    }

    async fn session_user(&self, token_hash: &str, now: Timestamp) -> Result<Option<User>> {
        sqlx::query(
            "SELECT u.* FROM sessions s JOIN users u ON u.username = s.username WHERE s.token_hash = ? AND s.expires > ?",
        )
        .bind(token_hash)
        .bind(ns(now))
        .fetch_optional(&self.reader)
        .await
        .map_err(be)?
        .as_ref()
        .map(user_from)
        .transpose()
    }

    async fn session_delete(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = ?")
            .bind(token_hash)
            .execute(&self.writer)
            .await
            .map_err(be)?;
        Ok(())
    }

    async fn residents_upsert(&self, batch: &[Penduduk], audit: AuditDraft) -> Result<u64> {
        let mut tx = self.begin_write().await?;
        for p in batch {
            sqlx::query(
                "INSERT OR REPLACE INTO penduduk (nik, nomor_kk, hubungan, nama, tempat_lahir, tanggal_lahir, jenis_kelamin, golongan_darah, alamat, rt, rw, kelurahan, kecamatan, agama, status_perkawinan, pekerjaan, kewarganegaraan, nama_ibu_kandung) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            )
            .bind(p.nik.as_str())
            .bind(p.nomor_kk.as_str())
            .bind(p.hubungan.code() as i64)
            .bind(&p.nama)
            .bind(&p.tempat_lahir)
            .bind(p.tanggal_lahir.to_string())
            .bind(p.jenis_kelamin.code() as i64)
            .bind(p.golongan_darah.code() as i64)
            .bind(&p.alamat)
            .bind(p.rt_rw.rt as i64)
            .bind(p.rt_rw.rw as i64)
            .bind(&p.kelurahan)
            .bind(p.kecamatan())
            .bind(p.agama.code() as i64)
            .bind(p.status_perkawinan.code() as i64)
            .bind(&p.pekerjaan)
            .bind(p.kewarganegaraan.code() as i64)
            .bind(&p.nama_ibu_kandung)
            .execute(&mut *tx)
            .await
            .map_err(be)?;
        }
        append_audit(&mut tx, vec![audit]).await?;
        tx.commit().await.map_err(be)?;
        Ok(batch.len() as u64)
    }

    async fn resident_get(&self, nik: &Nik) -> Result<Option<Penduduk>> {
        sqlx::query("SELECT * FROM penduduk WHERE nik = ?")
            .bind(nik.as_str())
            .fetch_optional(&self.reader)
            .await
            .map_err(be)?
            .as_ref()
            .map(penduduk_from)
            .transpose()
    }

    async fn resident_count(&self) -> Result<u64> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM penduduk")
            .fetch_one(&self.reader)
            .await
            .map_err(be)?;
        Ok(n as u64)
    }

    async fn residents_in(&self, kelurahan: &str, limit: u32) -> Result<Vec<Penduduk>> {
        sqlx::query("SELECT * FROM penduduk WHERE kelurahan = ? ORDER BY nik LIMIT ?")
            .bind(kelurahan)
            .bind(limit as i64)
            .fetch_all(&self.reader)
            .await
            .map_err(be)?
            .iter()
            .map(penduduk_from)
            .collect()
    }

    async fn application_create(
        &self,
        new: &NewPermohonan,
        bio: &Biometrik,
        audit: AuditDraft,
    ) -> Result<Created> {
        let mut tx = self.begin_write().await?;
        let created = create_in(&mut tx, new, bio, audit, None).await?;
        tx.commit().await.map_err(be)?;
        Ok(created)
    }

    async fn application_get(&self, nomor: &str) -> Result<Option<Permohonan>> {
        let mut conn = self.reader.acquire().await.map_err(be)?;
        load_permohonan(&mut conn, nomor).await
    }

    async fn application_list(&self, f: &ListFilter) -> Result<Vec<Permohonan>> {
        let (w, args) = filter_sql(f, true);
        let sql = format!(
            "SELECT * FROM permohonan WHERE {w} ORDER BY dibuat DESC, nomor DESC LIMIT ? OFFSET ?"
        );
        let q = bind_all(sqlx::query(&sql), &args)
            .bind(f.limit.clamp(1, 1000) as i64)
            .bind(f.offset as i64);
        q.fetch_all(&self.reader)
            .await
            .map_err(be)?
            .iter()
            .map(permohonan_head)
            .collect()
    }

    async fn application_counts(&self, f: &ListFilter) -> Result<Vec<(Status, u64)>> {
        let (w, args) = filter_sql(f, false);
        let sql = format!("SELECT status, COUNT(*) AS n FROM permohonan WHERE {w} GROUP BY status");
        let rows = bind_all(sqlx::query(&sql), &args)
            .fetch_all(&self.reader)
            .await
            .map_err(be)?;
        let mut out: Vec<(Status, u64)> = Status::ALL.iter().map(|s| (*s, 0)).collect();
        for r in rows {
            let st = Status::parse(r.get("status")).map_err(|e| corrupt("status", e))?;
            if let Some(slot) = out.iter_mut().find(|(s, _)| *s == st) {
                slot.1 = r.get::<i64, _>("n") as u64;
            }
        }
        Ok(out)
    }

    async fn application_transition(
        &self,
        nomor: &str,
        from: Status,
        entries: &[Riwayat],
        hasil: Option<&HasilKetunggalan>,
        audits: Vec<AuditDraft>,
    ) -> Result<()> {
        if entries.is_empty() && hasil.is_none() && audits.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin_write().await?;
        transition_in(&mut tx, nomor, from, entries, hasil, audits).await?;
        tx.commit().await.map_err(be)
    }

    async fn applications_transition(&self, changes: &[Transisi]) -> Result<()> {
        if changes.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin_write().await?;
        for c in changes {
            transition_in(
                &mut tx,
                &c.nomor,
                c.from,
                &c.entries,
                c.hasil.as_ref(),
                c.audits.clone(),
            )
            .await?;
        }
        tx.commit().await.map_err(be)
    }

    async fn applications_of_nik(&self, nik: &Nik) -> Result<Vec<(String, Status)>> {
        let rows =
            sqlx::query("SELECT nomor, status FROM permohonan WHERE nik = ? ORDER BY dibuat")
                .bind(nik.as_str())
                .fetch_all(&self.reader)
                .await
                .map_err(be)?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.get("nomor"),
                    Status::parse(r.get("status")).map_err(|e| corrupt("status", e))?,
                ))
            })
            .collect()
    }

    async fn biometrik_ref(&self, nomor: &str) -> Result<Option<BiometrikRef>> {
        let rows = sqlx::query("SELECT * FROM biometrik WHERE nomor = ? ORDER BY jenis, posisi")
            .bind(nomor)
            .fetch_all(&self.reader)
            .await
            .map_err(be)?;
        if rows.is_empty() {
            return Ok(None);
        }
        let mut out = BiometrikRef {
            jari: Vec::new(),
            pengecualian: Vec::new(),
            foto_sha256: String::new(),
            tanda_tangan_sha256: String::new(),
        };
        for r in rows {
            let pos = || {
                PosisiJari::new(r.get::<i64, _>("posisi") as u8).map_err(|e| corrupt("posisi", e))
            };
            match r.get::<&str, _>("jenis") {
                "jari" => out.jari.push(JariTersimpan {
                    posisi: pos()?,
                    sha256: r.get("sha256"),
                }),
                "pengecualian" => out.pengecualian.push((
                    pos()?,
                    AlasanPengecualian::parse(r.get("alasan")).map_err(|e| corrupt("alasan", e))?,
                )),
                "foto" => out.foto_sha256 = r.get("sha256"),
                "ttd" => out.tanda_tangan_sha256 = r.get("sha256"),
                other => return Err(corrupt("biometrik.jenis", other)),
            }
        }
        Ok(Some(out))
    }

    async fn blob_get(&self, sha256: &str) -> Result<Option<Vec<u8>>> {
        sqlx::query_scalar("SELECT bytes FROM blob WHERE sha256 = ?")
            .bind(sha256)
            .fetch_optional(&self.reader)
            .await
            .map_err(be)
    }

    async fn gallery_templates(&self) -> Result<Vec<GalleryTemplate>> {
        let rows = sqlx::query(
            "SELECT p.nomor, p.nik, b.posisi, x.bytes FROM permohonan p JOIN biometrik b ON b.nomor = p.nomor AND b.jenis = 'jari' JOIN blob x ON x.sha256 = b.sha256 WHERE p.status != 'ditolak' ORDER BY p.nomor, b.posisi",
        )
        .fetch_all(&self.reader)
        .await
        .map_err(be)?;
        Ok(rows
            .iter()
            .map(|r| GalleryTemplate {
                permohonan: r.get("nomor"),
                nik: r.get("nik"),
                posisi: r.get::<i64, _>("posisi") as u8,
                template: r.get("bytes"),
            })
            .collect())
    }

    async fn audit_page(&self, after: i64, limit: u32) -> Result<Vec<AuditEntry>> {
        Ok(
            sqlx::query("SELECT * FROM audit WHERE seq > ? ORDER BY seq LIMIT ?")
                .bind(after)
                .bind(limit as i64)
                .fetch_all(&self.reader)
                .await
                .map_err(be)?
                .iter()
                .map(audit_from)
                .collect(),
        )
    }

    async fn audit_of_subject(&self, subjek: &str) -> Result<Vec<AuditEntry>> {
        Ok(
            sqlx::query("SELECT * FROM audit WHERE subjek = ? ORDER BY seq")
                .bind(subjek)
                .fetch_all(&self.reader)
                .await
                .map_err(be)?
                .iter()
                .map(audit_from)
                .collect(),
        )
    }
}

async fn insert_riwayat(
    conn: &mut SqliteConnection,
    nomor: &str,
    start: i64,
    entries: &[Riwayat],
) -> Result<()> {
    for (i, e) in entries.iter().enumerate() {
        sqlx::query("INSERT INTO riwayat (nomor, urut, aksi, dari, ke, aktor, waktu, alasan) VALUES (?,?,?,?,?,?,?,?)")
            .bind(nomor)
            .bind(start + i as i64)
            .bind(e.aksi.slug())
            .bind(e.dari.map(|s| s.slug()))
            .bind(e.ke.slug())
            .bind(&e.aktor)
            .bind(ns(e.waktu))
            .bind(e.alasan.as_deref())
            .execute(&mut *conn)
            .await
            .map_err(be)?;
    }
    Ok(())
}

/// The body of an enrollment inside the caller's transaction; `seal` (office role) adds
/// the sealed packet to the outbox in the same transaction.
pub(crate) async fn create_in(
    tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
    new: &NewPermohonan,
    bio: &Biometrik,
    mut audit: AuditDraft,
    seal: Option<Penyegel<'_>>,
) -> Result<Created> {
    if let Some(key) = &new.idempotency_key {
        let prior: Option<String> =
            sqlx::query_scalar("SELECT nomor FROM permohonan WHERE idempotency_key = ?")
                .bind(key)
                .fetch_optional(&mut **tx)
                .await
                .map_err(be)?;
        if let Some(nomor) = prior {
            let p = load_permohonan(tx, &nomor).await?.expect("row exists");
            if p.nik != new.nik {
                return Err(StoreError::KeyReused(format!(
                    "key {key:?} was already used for another request (application {nomor})"
                )));
            }
            return Ok(Created::Replayed(p));
        }
    }
    let open: Option<String> = sqlx::query_scalar(
        "SELECT nomor FROM permohonan WHERE nik = ? AND status NOT IN ('diserahkan','ditolak')",
    )
    .bind(new.nik.as_str())
    .fetch_optional(&mut **tx)
    .await
    .map_err(be)?;
    if let Some(nomor) = open {
        return Err(StoreError::Conflict(format!(
            "NIK {} already has an open application {nomor}",
            new.nik
        )));
    }
    let seq: i64 = sqlx::query_scalar(
        "INSERT INTO kantor_seq (kantor, seq) VALUES (?, 1) ON CONFLICT(kantor) DO UPDATE SET seq = seq + 1 RETURNING seq",
    )
    .bind(new.kantor.as_str())
    .fetch_one(&mut **tx)
    .await
    .map_err(be)?;
    let nomor = NomorRegistrasi::mint(&new.kantor, seq as u64, new.waktu);
    let p = Permohonan::baru(
        nomor.clone(),
        new.nik.clone(),
        new.kantor.clone(),
        new.kelurahan.clone(),
        new.nama.clone(),
        new.aktor.clone(),
        new.waktu,
    );
    sqlx::query(
        "INSERT INTO permohonan (nomor, nik, kantor, kelurahan, kecamatan, nama, status, dibuat, idempotency_key) VALUES (?,?,?,?,?,?,?,?,?)",
    )
    .bind(nomor.as_str())
    .bind(new.nik.as_str())
    .bind(new.kantor.as_str())
    .bind(&new.kelurahan)
    .bind(parent(&new.kelurahan))
    .bind(&new.nama)
    .bind(Status::Direkam.slug())
    .bind(ns(new.waktu))
    .bind(new.idempotency_key.as_deref())
    .execute(&mut **tx)
    .await
    .map_err(be)?;
    insert_riwayat(tx, nomor.as_str(), 0, &p.riwayat).await?;
    let mut blobs: Vec<(&str, u8, &sidik_domain::biometrik::Blob)> = bio
        .jari
        .iter()
        .map(|(pos, b)| ("jari", pos.get(), b))
        .collect();
    blobs.push(("foto", 0, &bio.foto));
    blobs.push(("ttd", 0, &bio.tanda_tangan));
    for (jenis, posisi, blob) in blobs {
        sqlx::query("INSERT OR IGNORE INTO blob (sha256, bytes) VALUES (?, ?)")
            .bind(&blob.sha256)
            .bind(&blob.bytes)
            .execute(&mut **tx)
            .await
            .map_err(be)?;
        sqlx::query("INSERT INTO biometrik (nomor, jenis, posisi, sha256) VALUES (?,?,?,?)")
            .bind(nomor.as_str())
            .bind(jenis)
            .bind(posisi as i64)
            .bind(&blob.sha256)
            .execute(&mut **tx)
            .await
            .map_err(be)?;
    }
    for (pos, alasan) in &bio.pengecualian {
        sqlx::query(
            "INSERT INTO biometrik (nomor, jenis, posisi, alasan) VALUES (?,'pengecualian',?,?)",
        )
        .bind(nomor.as_str())
        .bind(pos.get() as i64)
        .bind(alasan.slug())
        .execute(&mut **tx)
        .await
        .map_err(be)?;
    }
    audit.subjek = nomor.to_string();
    append_audit(tx, vec![audit]).await?;
    if let Some(seal) = seal {
        let paket = seal(&nomor, seq as u64).map_err(StoreError::Backend)?;
        sqlx::query("INSERT INTO paket_keluar (packet_id, nomor, urut, sha256, bytes, dibuat) VALUES (?,?,?,?,?,?)")
            .bind(&paket.packet_id)
            .bind(nomor.as_str())
            .bind(seq)
            .bind(&paket.sha256)
            .bind(&paket.bytes)
            .bind(ns(new.waktu))
            .execute(&mut **tx)
            .await
            .map_err(be)?;
    }
    Ok(Created::New(p))
}

/// Applies validated timeline entries inside the caller's transaction.
pub(crate) async fn transition_in(
    tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
    nomor: &str,
    from: Status,
    entries: &[Riwayat],
    hasil: Option<&HasilKetunggalan>,
    audits: Vec<AuditDraft>,
) -> Result<()> {
    // With no entries the status stays: the row is still "updated" to `from`, which
    // checks that the application is there and in `from`.
    let to = entries.last().map_or(from, |e| e.ke);
    let updated = sqlx::query("UPDATE permohonan SET status = ? WHERE nomor = ? AND status = ?")
        .bind(to.slug())
        .bind(nomor)
        .bind(from.slug())
        .execute(&mut **tx)
        .await
        .map_err(be)?
        .rows_affected();
    if updated == 0 {
        let exists: Option<String> =
            sqlx::query_scalar("SELECT status FROM permohonan WHERE nomor = ?")
                .bind(nomor)
                .fetch_optional(&mut **tx)
                .await
                .map_err(be)?;
        return Err(match exists {
            None => StoreError::NotFound(format!("application {nomor}")),
            Some(s) => StoreError::Stale(format!("application {nomor} is now {s}, not {from}")),
        });
    }
    let next: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(urut) + 1, 0) FROM riwayat WHERE nomor = ?")
            .bind(nomor)
            .fetch_one(&mut **tx)
            .await
            .map_err(be)?;
    insert_riwayat(tx, nomor, next, entries).await?;
    if let Some(h) = hasil {
        sqlx::query("UPDATE permohonan SET cek_biometrik = ?, cek_catatan = ? WHERE nomor = ?")
            .bind(h.biometrik as i64)
            .bind(&h.catatan)
            .bind(nomor)
            .execute(&mut **tx)
            .await
            .map_err(be)?;
        sqlx::query("DELETE FROM kandidat WHERE nomor = ?")
            .bind(nomor)
            .execute(&mut **tx)
            .await
            .map_err(be)?;
        for (i, k) in h.kandidat.iter().enumerate() {
            sqlx::query("INSERT INTO kandidat (nomor, urut, permohonan, nik, skor, jari_cocok) VALUES (?,?,?,?,?,?)")
                .bind(nomor)
                .bind(i as i64)
                .bind(&k.permohonan)
                .bind(&k.nik)
                .bind(k.skor as f64)
                .bind(k.jari_cocok as i64)
                .execute(&mut **tx)
                .await
                .map_err(be)?;
        }
    }
    append_audit(tx, audits).await
}
