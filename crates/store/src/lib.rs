//! The storage trait of Sidik.
//!
//! Backends (`sidik-store-sqlite`, later PostgreSQL for the centre) implement [`Store`];
//! nothing above this crate knows SQL. The [`contract`] module is a test suite written
//! against the trait that every backend runs on itself.
//!
//! Architecture invariant: every method that changes state writes the change, its audit
//! entries (hash-chained) and its outbox rows in ONE transaction, or nothing at all.

use async_trait::async_trait;
use jiff::Timestamp;
use sidik_domain::audit::{AuditDraft, AuditEntry};
use sidik_domain::biometrik::{AlasanPengecualian, Biometrik, PosisiJari};
use sidik_domain::permohonan::HasilKetunggalan;
use sidik_domain::{KodeKantor, Nik, Penduduk, Peran, Permohonan, Riwayat, Status, Username};

pub mod contract;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule was hit (e.g. a second open application for one NIK).
    #[error("conflict: {0}")]
    Conflict(String),
    /// An idempotency key was reused for a different request.
    #[error("idempotency key reused: {0}")]
    KeyReused(String),
    /// The row to change does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// The row changed under us (optimistic concurrency).
    #[error("stale: {0}")]
    Stale(String),
    /// Anything the backend reports.
    #[error("storage backend error: {0}")]
    Backend(String),
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// An officer account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub username: Username,
    pub peran: Peran,
    /// PHC string (argon2id).
    pub password_hash: String,
    pub dibuat: Timestamp,
}

/// An application to be recorded; the store mints its registration number from the
/// office's sequence inside the same transaction.
#[derive(Debug, Clone)]
pub struct NewPermohonan {
    pub nik: Nik,
    pub kantor: KodeKantor,
    pub kelurahan: String,
    pub nama: String,
    pub aktor: String,
    pub waktu: Timestamp,
    /// Client-supplied key: a retried request with the same key returns the first
    /// application instead of creating another.
    pub idempotency_key: Option<String>,
}

/// Outcome of [`Store::application_create`].
#[derive(Debug, Clone, PartialEq)]
pub enum Created {
    New(Permohonan),
    /// The idempotency key was seen before: this is the application it created.
    Replayed(Permohonan),
}

/// Filters for listing applications. `None` means "any".
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub status: Option<Status>,
    /// Dotted kecamatan code.
    pub kecamatan: Option<String>,
    /// Dotted kelurahan code.
    pub kelurahan: Option<String>,
    pub nik: Option<Nik>,
    /// Created at or after.
    pub dari: Option<Timestamp>,
    /// Created before.
    pub sampai: Option<Timestamp>,
    pub limit: u32,
    pub offset: u32,
}

/// Metadata of one stored finger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JariTersimpan {
    pub posisi: PosisiJari,
    pub sha256: String,
}

/// The biometric references of an application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BiometrikRef {
    pub jari: Vec<JariTersimpan>,
    pub pengecualian: Vec<(PosisiJari, AlasanPengecualian)>,
    pub foto_sha256: String,
    pub tanda_tangan_sha256: String,
}

/// A fingerprint template for rebuilding the ABIS gallery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GalleryTemplate {
    pub permohonan: String,
    pub nik: String,
    pub posisi: u8,
    pub template: Vec<u8>,
}

/// A row of the transactional outbox (consumed by the office→centre sync).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRow {
    pub id: i64,
    pub jenis: String,
    pub subjek: String,
    pub dibuat: Timestamp,
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    // ---- officers and sessions ----
    async fn user_create(&self, user: &User, audit: AuditDraft) -> Result<()>;
    async fn user_get(&self, username: &str) -> Result<Option<User>>;
    /// Replaces a password hash and ends the user's sessions.
    async fn user_set_password(
        &self,
        username: &str,
        password_hash: &str,
        audit: AuditDraft,
    ) -> Result<()>;
    async fn user_count(&self) -> Result<u64>;
    async fn session_create(
        &self,
        token_hash: &str,
        username: &str,
        expires: Timestamp,
    ) -> Result<()>;
    /// The user of a live session (expired sessions return `None`).
    async fn session_user(&self, token_hash: &str, now: Timestamp) -> Result<Option<User>>;
    async fn session_delete(&self, token_hash: &str) -> Result<()>;

    // ---- population registry ----
    /// Inserts or replaces residents in one transaction with one audit entry.
    async fn residents_upsert(&self, batch: &[Penduduk], audit: AuditDraft) -> Result<u64>;
    async fn resident_get(&self, nik: &Nik) -> Result<Option<Penduduk>>;
    async fn resident_count(&self) -> Result<u64>;
    /// Residents of a kelurahan (for demo and officer browsing), ordered by NIK.
    async fn residents_in(&self, kelurahan: &str, limit: u32) -> Result<Vec<Penduduk>>;

    // ---- applications ----
    /// Records an application with its biometrics, first timeline entry, audit entry
    /// and outbox row. Fails with `Conflict` if the NIK already has an open application.
    async fn application_create(
        &self,
        new: &NewPermohonan,
        bio: &Biometrik,
        audit: AuditDraft,
    ) -> Result<Created>;
    async fn application_get(&self, nomor: &str) -> Result<Option<Permohonan>>;
    async fn application_list(&self, f: &ListFilter) -> Result<Vec<Permohonan>>;
    /// Number of applications per status under the filter (status filter ignored).
    async fn application_counts(&self, f: &ListFilter) -> Result<Vec<(Status, u64)>>;
    /// Applies timeline entries (already validated by the domain) if the application is
    /// still in `from`; otherwise `Stale`. One audit entry and outbox row per entry.
    async fn application_transition(
        &self,
        nomor: &str,
        from: Status,
        entries: &[Riwayat],
        hasil: Option<&HasilKetunggalan>,
        audits: Vec<AuditDraft>,
    ) -> Result<()>;
    /// All applications of a NIK: (registration number, status).
    async fn applications_of_nik(&self, nik: &Nik) -> Result<Vec<(String, Status)>>;
    async fn biometrik_ref(&self, nomor: &str) -> Result<Option<BiometrikRef>>;
    async fn blob_get(&self, sha256: &str) -> Result<Option<Vec<u8>>>;
    /// Templates of every application not rejected, for the ABIS gallery.
    async fn gallery_templates(&self) -> Result<Vec<GalleryTemplate>>;

    // ---- audit and outbox ----
    /// Audit entries with `seq > after`, in order, at most `limit`.
    async fn audit_page(&self, after: i64, limit: u32) -> Result<Vec<AuditEntry>>;
    async fn audit_of_subject(&self, subjek: &str) -> Result<Vec<AuditEntry>>;
    async fn outbox_pending(&self, limit: u32) -> Result<Vec<OutboxRow>>;
}
