//! The storage trait of Sidik.
//!
//! Backends (`sidik-store-sqlite`, later PostgreSQL for the centre) implement [`Store`],
//! [`SyncStore`] and [`CentreStore`]; nothing above this crate knows SQL. The contract
//! test suite every backend runs on itself lives in `sidik-testkit` (`contract`), so it
//! is never compiled into a production build.
//!
//! Architecture invariant: every method that changes state writes the change and its
//! audit entries (hash-chained), and on an office the sealed packet for the centre, in
//! ONE transaction, or nothing at all.

use async_trait::async_trait;
use jiff::civil::Date;
use jiff::Timestamp;
use sidik_domain::audit::{AuditDraft, AuditEntry};
use sidik_domain::biometrik::{AlasanPengecualian, Biometrik, PosisiJari};
use sidik_domain::permohonan::HasilKetunggalan;
use sidik_domain::{
    KodeKantor, Nik, NomorRegistrasi, Penduduk, Peran, Permohonan, Riwayat, Status, StatusPaket,
    Username,
};

mod abis_pool;
pub use abis_pool::*;
mod aspirasi;
mod cetak;
pub use aspirasi::*;
pub use cetak::*;
mod kabar;
pub use kabar::*;

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
    /// Declared priority for printing (urgent need, elderly, disabled).
    pub prioritas: Option<PrioritasCetak>,
    /// The applicant's contact for notifications, given with consent.
    pub kontak: Option<KontakBaru>,
}

/// What a citizen's status lookup reads about one application ([`Store::status_lookup`]).
#[derive(Debug, Clone)]
pub struct LihatStatus {
    /// The application, without its timeline (`riwayat` is empty).
    pub permohonan: Permohonan,
    /// The resident's RT/RW, if the resident is in the registry (for the area's notices).
    pub rt_rw: Option<sidik_domain::RtRw>,
    /// The application's latest Suket.
    pub suket: Option<SuketTersimpan>,
    /// Where its packet to the centre stands (an office's own applications).
    pub kiriman: Option<StatusKirim>,
    /// The cards printed before it ([`Store::print_queue_ahead`]), for an application
    /// waiting for the centre (`direkam`, `dikirim`, `tunggal`) or queued (`siap_cetak`).
    pub didahului: Option<sidik_domain::eta::Didahului>,
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

/// One application's state change, for [`Store::applications_transition`].
#[derive(Debug, Clone)]
pub struct Transisi {
    pub nomor: String,
    /// The status the change was planned from (else `Stale`).
    pub from: Status,
    /// Timeline entries (already validated by the domain); may be empty when only the
    /// check result changes.
    pub entries: Vec<Riwayat>,
    /// The uniqueness result to store with it, if it changes.
    pub hasil: Option<HasilKetunggalan>,
    pub audits: Vec<AuditDraft>,
    /// A Suket issued with this change (the local check passed).
    pub suket: Option<SuketBaru>,
}

/// The failed-login state of one username: what the lockout rule (in `sidik-issuance`)
/// reads and decides on. Stored so that a restart does not clear a lockout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginGuard {
    /// Attempts counted in the current window: failures, and checks still running.
    pub gagal: u32,
    /// When the last attempt was counted.
    pub terakhir: Timestamp,
    /// Locked until then, if locked.
    pub terkunci_sampai: Option<Timestamp>,
}

/// What a [`LoginRule`] decides: the username's next state (`None`: forget it) and the
/// audit entries written with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginGuardChange {
    pub next: Option<LoginGuard>,
    pub audits: Vec<AuditDraft>,
}

/// The lockout rule, run by [`Store::login_guard_update`] inside its transaction on the
/// username's current state; `None` changes nothing.
pub type LoginRule<'a> =
    &'a (dyn Fn(Option<&LoginGuard>) -> Option<LoginGuardChange> + Send + Sync);

#[async_trait]
pub trait Store: KabarStore + Send + Sync + 'static {
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
    /// The failed-login state of a username, if any.
    async fn login_guard_get(&self, username: &Username) -> Result<Option<LoginGuard>>;
    /// Reads the username's state, runs `rule` on it and writes what it decides with its
    /// audit entries, in ONE transaction: concurrent attempts are counted one after the
    /// other, never from the same reading. First forgets every state whose last attempt
    /// and lock both ended before `forget_before`. Returns the state `rule` saw.
    async fn login_guard_update(
        &self,
        username: &Username,
        forget_before: Timestamp,
        rule: LoginRule<'_>,
    ) -> Result<Option<LoginGuard>>;

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
    /// Everything a citizen's status lookup reads about one application, at once (a
    /// backend reads it in as few round trips as it can: this is the public page's hot
    /// path). `None` if there is no such application.
    async fn status_lookup(&self, nomor: &str) -> Result<Option<LihatStatus>>;
    async fn application_list(&self, f: &ListFilter) -> Result<Vec<Permohonan>>;
    /// Number of applications per status under the filter (status filter ignored).
    async fn application_counts(&self, f: &ListFilter) -> Result<Vec<(Status, u64)>>;
    /// Applies timeline entries (already validated by the domain) if the application is
    /// still in `from`; otherwise `Stale`. One audit entry per entry.
    async fn application_transition(
        &self,
        nomor: &str,
        from: Status,
        entries: &[Riwayat],
        hasil: Option<&HasilKetunggalan>,
        audits: Vec<AuditDraft>,
    ) -> Result<()>;
    /// Several applications' changes in ONE transaction, all or nothing (a hit flags
    /// both sides together). Each must still be in its `from`, else `Stale` and nothing
    /// is written.
    async fn applications_transition(&self, changes: &[Transisi]) -> Result<()>;
    /// All applications of a NIK: (registration number, status).
    async fn applications_of_nik(&self, nik: &Nik) -> Result<Vec<(String, Status)>>;
    async fn biometrik_ref(&self, nomor: &str) -> Result<Option<BiometrikRef>>;
    async fn blob_get(&self, sha256: &str) -> Result<Option<Vec<u8>>>;
    /// Templates of every application not rejected, for the ABIS gallery.
    async fn gallery_templates(&self) -> Result<Vec<GalleryTemplate>>;

    // ---- audit ----
    /// Audit entries with `seq > after`, in order, at most `limit`.
    async fn audit_page(&self, after: i64, limit: u32) -> Result<Vec<AuditEntry>>;
    async fn audit_of_subject(&self, subjek: &str) -> Result<Vec<AuditEntry>>;
    /// Appends entries that record no state change (reads of personal data), in one
    /// transaction.
    async fn audit_append(&self, entries: Vec<AuditDraft>) -> Result<()>;

    // ---- Suket ----
    // Every transition into a state that revokes (`sidik_domain::suket::cabut_karena`)
    // revokes the application's active Suket in the same transaction, with its audit
    // entry, whichever method applies it.
    /// The Sukets of an application, oldest first.
    async fn suket_of(&self, nomor: &str) -> Result<Vec<SuketTersimpan>>;
    async fn suket_get(&self, nomor_suket: &str) -> Result<Option<SuketTersimpan>>;
    /// Records a Suket for an application that has no active one (`Conflict` otherwise);
    /// with `ganti`, that active Suket is marked replaced first (a renewal).
    async fn suket_issue(
        &self,
        s: &SuketBaru,
        ganti: Option<&str>,
        audit: AuditDraft,
    ) -> Result<()>;
    /// Revokes an active Suket (`NotFound` / `Conflict` if it is not active).
    async fn suket_revoke(
        &self,
        nomor_suket: &str,
        alasan: &str,
        keterangan: Option<&str>,
        waktu: Timestamp,
        audit: AuditDraft,
    ) -> Result<()>;
    /// Every revoked Suket, in revocation order.
    async fn suket_revoked(&self) -> Result<Vec<SuketTersimpan>>;
    /// Active Sukets expiring at or before `hingga`, soonest first.
    async fn suket_expiring(&self, hingga: Timestamp, limit: u32) -> Result<Vec<SuketTersimpan>>;
    async fn suket_stats(&self) -> Result<StatistikSuket>;

    // ---- printing ----
    async fn prioritas_get(&self, nomor: &str) -> Result<Option<PrioritasCetak>>;
    /// The printers, with what each printed on `tanggal`.
    async fn printers(&self, tanggal: Date) -> Result<Vec<Printer>>;
    /// Adds a printer or changes one of that name; returns its id.
    async fn printer_save(
        &self,
        nama: &str,
        kapasitas_harian: u32,
        aktif: bool,
        audit: AuditDraft,
    ) -> Result<i64>;
    async fn blanko(&self) -> Result<BukuBlanko>;
    /// Books a delivery of `jumlah` blanks (a scheduled one, by id, is marked received).
    async fn blanko_receive(
        &self,
        jumlah: u64,
        kiriman: Option<i64>,
        waktu: Timestamp,
        audit: AuditDraft,
    ) -> Result<BukuBlanko>;
    /// Blanks from stock found damaged (never more than on hand: `Conflict`).
    async fn blanko_spoil_stock(
        &self,
        jumlah: u64,
        waktu: Timestamp,
        audit: AuditDraft,
    ) -> Result<BukuBlanko>;
    async fn blanko_schedule(&self, tanggal: Date, jumlah: u64, audit: AuditDraft) -> Result<i64>;
    /// Scheduled deliveries not yet received, by date.
    async fn blanko_deliveries(&self) -> Result<Vec<KirimanBlanko>>;
    /// The latest ledger movements, newest first.
    async fn blanko_movements(&self, limit: u32) -> Result<Vec<MutasiBlanko>>;
    /// Applications waiting to be printed, in queue order: class (urgent, elderly or
    /// disabled, others), for urgent ones the date needed, then first come first served
    /// (enrollment order).
    async fn print_queue(&self, limit: u32, offset: u32) -> Result<Vec<ItemAntrean>>;
    async fn print_queue_len(&self) -> Result<u64>;
    /// 0-based place of an application in the print queue, if it is in it.
    async fn print_queue_position(&self, nomor: &str) -> Result<Option<u64>>;
    /// The cards that will be printed before this application's (the queue is in class,
    /// date-needed and enrollment order): certainly those queued ahead of it and those
    /// enrolled before it still waiting for the uniqueness decision (`dikirim`,
    /// `tunggal`); possibly the later-enrolled ones of a higher class still waiting
    /// (each with its rank among all waiting applications in enrollment order). `None`
    /// if there is no such application.
    async fn print_queue_ahead(&self, nomor: &str) -> Result<Option<sidik_domain::eta::Didahului>>;
    /// Uniqueness decisions received from the centre at or after `since` (the office's
    /// recent decision rate, for the ETA).
    async fn decisions_received_since(&self, since: Timestamp) -> Result<u64>;
    /// Prints a batch in ONE transaction: takes the first applications of the queue, at
    /// most `maks`, the printer's capacity left on the day and the blanks on hand; runs
    /// `rule` on them; applies its transitions, books one blank used per card and records
    /// the batch. `None` if nothing could be printed (empty queue, no capacity, no blanks).
    async fn print_batch(
        &self,
        req: &PermintaanBatch,
        rule: BatchRule<'_>,
    ) -> Result<Option<BatchCetak>>;
    /// A spoiled print: books the item's blank from used to spoiled, marks the item and
    /// applies `transisi` (`dicetak` → `siap_cetak`), in one transaction.
    async fn print_spoil(&self, nomor_batch: &str, transisi: &Transisi) -> Result<()>;
    async fn batch_get(&self, nomor_batch: &str) -> Result<Option<BatchCetak>>;
    /// The latest batches, newest first.
    async fn batches_recent(&self, limit: u32) -> Result<Vec<BatchCetak>>;
    /// The batch an application was last printed in.
    async fn batch_of(&self, nomor: &str) -> Result<Option<String>>;
}

// ======================================================================================
// Store-and-forward sync: the office side.
// ======================================================================================

/// A sealed enrollment packet to be written in the same transaction as its application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaketKeluar {
    pub packet_id: String,
    /// Hex SHA-256 of the packet bytes.
    pub sha256: String,
    pub bytes: Vec<u8>,
}

/// Builds the packet of an application once the store has minted its registration
/// number and office sequence (inside the enrollment transaction).
pub type Penyegel<'a> = &'a (dyn Fn(&sidik_domain::NomorRegistrasi, u64) -> std::result::Result<PaketKeluar, String>
         + Send
         + Sync);

/// Where a packet is in its journey to the centre.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusKirim {
    /// Waiting in the outbox ("menunggu sinkronisasi").
    Menunggu,
    /// Acknowledged by the centre.
    Terkirim,
    /// Refused by the centre (quarantined there); the reason is kept.
    Karantina,
}

impl StatusKirim {
    pub fn slug(self) -> &'static str {
        match self {
            StatusKirim::Menunggu => "menunggu",
            StatusKirim::Terkirim => "terkirim",
            StatusKirim::Karantina => "karantina",
        }
    }
    pub fn parse(s: &str) -> Result<StatusKirim> {
        match s {
            "menunggu" => Ok(StatusKirim::Menunggu),
            "terkirim" => Ok(StatusKirim::Terkirim),
            "karantina" => Ok(StatusKirim::Karantina),
            o => Err(StoreError::Backend(format!("unknown packet status {o:?}"))),
        }
    }
}

/// A packet in the office outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaketAntre {
    pub packet_id: String,
    pub nomor: String,
    pub sha256: String,
    pub bytes: Vec<u8>,
    pub dibuat: Timestamp,
    pub percobaan: u32,
}

/// Sync state of one application's packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InfoKirim {
    pub packet_id: String,
    pub status: StatusKirim,
    pub dibuat: Timestamp,
    pub terkirim: Option<Timestamp>,
    pub galat: Option<String>,
}

/// Outbox figures for officers, citizens' honest messages and `/metrics`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatistikKirim {
    pub menunggu: u64,
    pub terkirim: u64,
    pub karantina: u64,
    /// Creation time of the oldest waiting packet.
    pub tertua: Option<Timestamp>,
    /// Decisions received from the centre and applied.
    pub keputusan: u64,
    /// The feed cursor (highest decision sequence applied).
    pub kursor: i64,
}

/// A centre decision planned against the application's current state, ready to be
/// recorded (see [`SyncStore::decision_record`]).
#[derive(Debug, Clone)]
pub struct RencanaKeputusan {
    pub keputusan: sidik_domain::Keputusan,
    /// The application's status the plan was made from.
    pub from: Status,
    /// Timeline entries to apply (empty: the decision is only recorded and audited).
    pub entries: Vec<Riwayat>,
    pub audits: Vec<AuditDraft>,
}

/// A centre finding the office could not apply because the card is already out: the
/// latest decision on a printed (`dicetak`) or handed-over (`diserahkan`) application
/// says `ganda` or `ditolak`. Officers must act on the card (hold it or recall it).
#[derive(Debug, Clone, PartialEq)]
pub struct TemuanCetak {
    pub nomor: String,
    pub nik: String,
    pub nama: String,
    /// The application's status (`dicetak` or `diserahkan`).
    pub status: String,
    /// The decision (`ganda` or `ditolak`).
    pub hasil: String,
    pub catatan: String,
    pub waktu: Timestamp,
    /// Other applications the centre names (for `ganda`).
    pub kandidat: Vec<String>,
}

/// Sync persistence of an office node.
#[async_trait]
pub trait SyncStore: Send + Sync + 'static {
    /// Records an application exactly like [`Store::application_create`] and, in the same
    /// transaction, the packet `seal` builds and its outbox row.
    async fn application_create_sealed(
        &self,
        new: &NewPermohonan,
        bio: &Biometrik,
        audit: AuditDraft,
        seal: Penyegel<'_>,
    ) -> Result<Created>;
    /// Waiting packets, oldest first.
    async fn outbox_waiting(&self, limit: u32) -> Result<Vec<PaketAntre>>;
    /// Marks packets acknowledged by the centre (idempotent), in one transaction (a
    /// packet not marked before a crash is pushed again: a harmless replay).
    async fn outbox_sent_many(&self, packet_ids: &[String], at: Timestamp) -> Result<()>;
    /// Marks a packet refused by the centre, with the centre's reason (idempotent).
    async fn outbox_refused(&self, packet_id: &str, reason: &str, at: Timestamp) -> Result<()>;
    /// Counts a failed delivery attempt.
    async fn outbox_attempt_failed(&self, packet_id: &str, error: &str) -> Result<()>;
    async fn outbox_of(&self, nomor: &str) -> Result<Option<InfoKirim>>;
    async fn outbox_refused_list(&self, limit: u32) -> Result<Vec<(PaketAntre, String)>>;
    async fn sync_stats(&self) -> Result<StatistikKirim>;
    /// Printed or handed-over cards whose latest centre decision is `ganda` or `ditolak`
    /// (see [`TemuanCetak`]), newest first.
    async fn findings_on_issued_cards(&self, limit: u32) -> Result<Vec<TemuanCetak>>;
    /// Records a centre decision and, if `entries` is not empty, applies them to the
    /// application (still in `from`, else `Stale`), with audit entries, in ONE
    /// transaction. A decision already recorded (same `seq`) is a no-op returning false.
    async fn decision_record(
        &self,
        k: &sidik_domain::Keputusan,
        from: Status,
        entries: &[Riwayat],
        audits: Vec<AuditDraft>,
    ) -> Result<bool>;
    /// [`SyncStore::decision_record`] for consecutive feed decisions, all or nothing:
    /// one transaction, and an error (`Stale` included) records none of them. Returns,
    /// per plan, whether it was new.
    async fn decision_record_batch(&self, plans: &[RencanaKeputusan]) -> Result<Vec<bool>>;
    /// Decisions received for an application, in feed order.
    async fn decisions_of(&self, nomor: &str) -> Result<Vec<sidik_domain::Keputusan>>;
    /// Small persistent key/value state of the node (e.g. since when the centre is down).
    async fn state_get(&self, key: &str) -> Result<Option<String>>;
    async fn state_set(&self, key: &str, value: Option<&str>) -> Result<()>;
}

// ======================================================================================
// Store-and-forward sync: the centre side.
// ======================================================================================

/// A registered office key at the centre.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KantorTerdaftar {
    pub kode: KodeKantor,
    pub nama: String,
    /// Hex Ed25519 public key.
    pub public_key: String,
    /// The centre's certificate over the key (text form).
    pub sertifikat: String,
    pub dicabut: Option<Timestamp>,
    pub dibuat: Timestamp,
}

/// A verified, decrypted packet to be recorded at the centre.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaketMasuk {
    pub packet_id: String,
    pub kantor: KodeKantor,
    pub nomor: NomorRegistrasi,
    pub nik: Nik,
    pub nama: String,
    pub kelurahan: String,
    pub operator: String,
    pub sha256: String,
    pub bytes: Vec<u8>,
    /// (finger position, ISO 19794-2 template), for the national gallery.
    pub jari: Vec<(u8, Vec<u8>)>,
    pub diterima: Timestamp,
    /// When the office enrolled it (the packet's creation time).
    pub direkam: Timestamp,
}

/// The centre's hold on undecided packets: one enrolled at or after `from` waits
/// (an earlier enrollment of another office may still be on its way), unless it was
/// received at or before `received_by` (it has waited long enough).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tahan {
    pub from: Timestamp,
    pub received_by: Timestamp,
}

/// Outcome of recording a packet at the centre.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Diterima {
    Baru,
    /// The same packet (same id and hash) was received before: harmless.
    Ulangan,
    /// The id is known with different content (its hash is given).
    Bentrok {
        sha256: String,
    },
}

/// A refused packet kept for an administrator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Karantina {
    pub id: i64,
    /// Hex SHA-256 of the refused bytes (a refused packet is kept once).
    pub sha256: String,
    /// Claimed by the packet; not trusted.
    pub packet_id: Option<String>,
    pub kantor: Option<String>,
    pub kode: String,
    pub alasan: String,
    pub ukuran: u64,
    pub diterima: Timestamp,
}

/// A packet waiting for the centre's decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaketTunggu {
    pub urut: i64,
    pub packet_id: String,
    pub kantor: KodeKantor,
    pub nomor: NomorRegistrasi,
    pub nik: Nik,
    pub jari: Vec<(u8, Vec<u8>)>,
    /// When the office enrolled it.
    pub direkam: Timestamp,
    /// When the centre received it.
    pub diterima: Timestamp,
}

/// One packet's share of [`CentreStore::decisions_publish_batch`].
#[derive(Debug, Clone)]
pub struct PublishItem {
    /// The packet whose first decision this is (marked decided).
    pub decided: Option<String>,
    pub decisions: Vec<KeputusanBaru>,
    pub audits: Vec<AuditDraft>,
}

/// The decider's lease as its holder last took or renewed it
/// ([`CentreStore::decider_lease`]): what a batch publication is fenced with, so that a
/// centre process that lost the lease while matching cannot publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseFence {
    /// The holder (one centre process).
    pub holder: String,
    /// The epoch the holder got: it changes whenever another holder takes the lease.
    pub epoch: i64,
    /// The holder's clock at publication: the lease must not have expired by then.
    pub now: Timestamp,
}

impl LeaseFence {
    /// Whether the lease row as stored (`holder`, `epoch`, `expires` in nanoseconds
    /// since the Unix epoch; `None`: never taken) still admits this fence's
    /// publication: the same holder and epoch, not expired by `now`. Otherwise
    /// [`StoreError::Stale`]. Each backend reads the row inside the publishing
    /// transaction and asks this.
    pub fn admits(&self, stored: Option<(String, i64, i64)>) -> Result<()> {
        let now = i64::try_from(self.now.as_nanosecond()).unwrap_or(i64::MAX);
        match stored {
            Some((holder, epoch, expires))
                if holder == self.holder && epoch == self.epoch && expires > now =>
            {
                Ok(())
            }
            Some((holder, epoch, _)) => Err(StoreError::Stale(format!(
                "the decider lease is no longer {}'s (epoch {}): held by {holder} at epoch {epoch}, or expired",
                self.holder, self.epoch
            ))),
            None => Err(StoreError::Stale(format!(
                "the decider lease was never taken (fence of {})",
                self.holder
            ))),
        }
    }
}

/// A decision to publish in an office's feed.
#[derive(Debug, Clone, PartialEq)]
pub struct KeputusanBaru {
    pub kantor: KodeKantor,
    pub nomor: NomorRegistrasi,
    pub packet_id: String,
    /// What caused it: the packet being decided (its own id for its first decision), or
    /// `adjudikasi:<user>` for an adjudication. (nomor, sebab) is unique.
    pub sebab: String,
    pub hasil: sidik_domain::Hasil,
    pub kandidat: Vec<sidik_domain::permohonan::Kandidat>,
    pub catatan: String,
    pub waktu: Timestamp,
}

/// Figures of the centre for operators and `/metrics`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatistikPusat {
    pub diterima: u64,
    pub diputuskan: u64,
    pub menunggu: u64,
    pub karantina: u64,
    /// Decisions published, by result.
    pub keputusan: Vec<(sidik_domain::Hasil, u64)>,
    /// Packets by current status.
    pub status: Vec<(StatusPaket, u64)>,
}

/// A packet as the centre sees it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaketPusat {
    pub packet_id: String,
    pub kantor: KodeKantor,
    pub nomor: NomorRegistrasi,
    pub nik: Nik,
    pub nama: String,
    pub status: StatusPaket,
    pub diterima: Timestamp,
}

/// Persistence of the central node.
#[async_trait]
pub trait CentreStore: Send + Sync + 'static {
    async fn office_register(&self, k: &KantorTerdaftar, audit: AuditDraft) -> Result<()>;
    async fn office_revoke(
        &self,
        kode: &KodeKantor,
        public_key: &str,
        at: Timestamp,
        audit: AuditDraft,
    ) -> Result<bool>;
    async fn offices(&self) -> Result<Vec<KantorTerdaftar>>;
    /// Records a verified packet (unique packet id and registration number) with its
    /// audit entry, or reports a replay.
    async fn packet_record(&self, p: &PaketMasuk, audit: AuditDraft) -> Result<Diterima>;
    /// Keeps a refused packet once per content hash; returns whether it is new.
    async fn quarantine_add(&self, q: &Karantina, audit: AuditDraft) -> Result<bool>;
    async fn quarantine_list(&self, limit: u32) -> Result<Vec<Karantina>>;
    /// Undecided packets in enrollment order (then receive order), except those the
    /// hold keeps back and those in `skip` (packet ids being decided already). Filtered
    /// here, before any template is read.
    async fn packets_undecided(
        &self,
        limit: u32,
        hold: Option<Tahan>,
        skip: &std::collections::HashSet<String>,
    ) -> Result<Vec<PaketTunggu>>;
    /// Other packets of the same NIK: (packet id, nomor, office, status).
    async fn packets_of_nik(&self, nik: &Nik) -> Result<Vec<PaketPusat>>;
    async fn packet_get(&self, packet_id: &str) -> Result<Option<PaketPusat>>;
    async fn packet_by_nomor(&self, nomor: &str) -> Result<Option<PaketPusat>>;
    async fn packets_with_status(&self, status: StatusPaket, limit: u32)
        -> Result<Vec<PaketPusat>>;
    /// Templates of every decided packet not rejected (`tunggal`, `ganda`), for rebuilding
    /// the national gallery (undecided packets enter it with their decision batch):
    /// (nomor, nik, position, template).
    async fn centre_templates(&self) -> Result<Vec<GalleryTemplate>>;
    /// Publishes decisions and sets the packets' status, with audit entries, in ONE
    /// transaction. `decided` is the packet whose first decision this is (marked
    /// decided). Decisions whose (nomor, sebab) exists are skipped.
    async fn decisions_publish(
        &self,
        decided: Option<&str>,
        decisions: &[KeputusanBaru],
        audits: Vec<AuditDraft>,
    ) -> Result<u64>;
    /// Several packets' [`CentreStore::decisions_publish`] in ONE transaction, in order
    /// (a batch of the decider). Returns the number of decisions published. With a
    /// `fence`, the lease row is read (and locked) inside that transaction first: unless
    /// it still names the fence's holder and epoch and has not expired by `fence.now`,
    /// nothing is written and the answer is [`StoreError::Stale`].
    async fn decisions_publish_batch(
        &self,
        items: &[PublishItem],
        fence: Option<&LeaseFence>,
    ) -> Result<u64>;
    /// Takes or renews the decider's lease (one row, `centre_lease`) for `holder` until
    /// `now + ttl`, atomically: only if it is free, expired, `holder`'s already, or
    /// `predecessor`'s (a holder the caller knows is dead: the previous process of the
    /// same data folder, so that a restart need not wait for its lease to lapse).
    /// Returns the lease's epoch if `holder` holds it after the call, `None` if another
    /// holder's lease runs. The epoch grows whenever a different holder takes the lease
    /// and never on a renewal, so a holder that sees its epoch change knows another
    /// decided meanwhile.
    async fn decider_lease(
        &self,
        holder: &str,
        now: Timestamp,
        ttl: std::time::Duration,
        predecessor: Option<&str>,
    ) -> Result<Option<i64>>;
    /// An office's feed: decisions with `seq > after`, in order.
    async fn decision_feed(
        &self,
        kantor: &str,
        after: i64,
        limit: u32,
    ) -> Result<Vec<sidik_domain::Keputusan>>;
    /// Every decision published about one application, oldest first.
    async fn decisions_for(&self, nomor: &str) -> Result<Vec<sidik_domain::Keputusan>>;
    async fn centre_stats(&self) -> Result<StatistikPusat>;
}
