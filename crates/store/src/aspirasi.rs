//! Storage of aspirations (citizens' complaints), their answers, the "ikut melapor"
//! support and the Open311 clients. The rules (fields, statuses, deadlines, masking)
//! are `sidik_domain::aspirasi`'s; who may do what is `sidik-issuance`'s.
//!
//! Every method that changes an aspiration writes its audit entries in the same
//! transaction. Two writes are deliberately not audited: a support ("ikut melapor",
//! one per supporter key and aspiration) and a citizen's rating, which come from
//! unauthenticated visitors; auditing them would let outsiders grow the chain.

use async_trait::async_trait;
use jiff::Timestamp;
use sidik_domain::aspirasi::{Kategori, NomorAspirasi, StatusAspirasi};
use sidik_domain::audit::AuditDraft;

use crate::Result;

/// Who a new aspiration came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sumber {
    /// The public web form.
    Web,
    /// An Open311 client (its registered name).
    Open311(String),
}

impl Sumber {
    pub fn code(&self) -> String {
        match self {
            Sumber::Web => "web".into(),
            Sumber::Open311(n) => format!("open311:{n}"),
        }
    }
}

/// An aspiration to record (already parsed and masked by the use case).
#[derive(Debug, Clone)]
pub struct AspirasiBaru {
    /// The WIB date of submission (the tracking number's date).
    pub tanggal: jiff::civil::Date,
    pub waktu: Timestamp,
    pub judul: String,
    pub isi: String,
    /// Title and body with personal data masked: what the public may see and what the
    /// related-aspirations search indexes.
    pub judul_publik: String,
    pub isi_publik: String,
    pub kategori: Kategori,
    /// Dotted kelurahan code, or empty.
    pub kelurahan: String,
    /// The linked application (already verified with the submitter's NIK).
    pub permohonan: Option<String>,
    pub anonim: bool,
    pub rahasia: bool,
    pub nama: Option<String>,
    pub telepon: Option<String>,
    pub email: Option<String>,
    /// SHA-256 (hex) of the access code the submitter tracks it with.
    pub kode_hash: String,
    pub sumber: Sumber,
    pub lat: Option<f64>,
    pub long: Option<f64>,
    pub alamat: Option<String>,
    /// An automatic first answer (linked application: its state and ETA), private.
    pub jawaban_awal: Option<String>,
}

/// Whether an aspiration may be shown to the public.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moderasi {
    /// Not yet reviewed: shown to nobody but officers and the submitter.
    Menunggu,
    Tayang,
    /// Not published (confidential, abusive, personal data that masking missed).
    TidakTayang,
}

impl Moderasi {
    pub fn slug(self) -> &'static str {
        match self {
            Moderasi::Menunggu => "menunggu",
            Moderasi::Tayang => "tayang",
            Moderasi::TidakTayang => "tidak_tayang",
        }
    }
    pub fn parse(s: &str) -> Option<Moderasi> {
        [Moderasi::Menunggu, Moderasi::Tayang, Moderasi::TidakTayang]
            .into_iter()
            .find(|m| m.slug() == s)
    }
}

/// A stored aspiration.
#[derive(Debug, Clone, PartialEq)]
pub struct Aspirasi {
    pub nomor: NomorAspirasi,
    pub dibuat: Timestamp,
    pub judul: String,
    pub isi: String,
    pub judul_publik: String,
    pub isi_publik: String,
    pub kategori: Kategori,
    pub kelurahan: String,
    pub permohonan: Option<String>,
    pub anonim: bool,
    pub rahasia: bool,
    pub nama: Option<String>,
    pub telepon: Option<String>,
    pub email: Option<String>,
    pub kode_hash: String,
    pub sumber: String,
    pub lat: Option<f64>,
    pub long: Option<f64>,
    pub alamat: Option<String>,
    pub status: StatusAspirasi,
    pub moderasi: Moderasi,
    /// The unit it was routed to (koordinasi) and the officer of the disposition.
    pub unit: Option<String>,
    pub petugas: Option<String>,
    pub diteruskan: Option<Timestamp>,
    /// The first officer's answer.
    pub dijawab: Option<Timestamp>,
    /// The latest answer or citizen reply (the auto-close counts from it).
    pub aktivitas: Timestamp,
    pub ditutup: Option<Timestamp>,
    pub dukungan: u64,
    pub nilai: Option<u8>,
    pub diperbarui: Timestamp,
}

/// Who wrote an entry of an aspiration's thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JenisTanggapan {
    /// An officer's answer (public once the aspiration is).
    Jawaban,
    /// The submitter's reply (private).
    Balasan,
    /// An automatic answer (linked application: private; status changes: public).
    Otomatis,
    /// An officer's internal note (never public).
    Catatan,
}

impl JenisTanggapan {
    pub fn slug(self) -> &'static str {
        match self {
            JenisTanggapan::Jawaban => "jawaban",
            JenisTanggapan::Balasan => "balasan",
            JenisTanggapan::Otomatis => "otomatis",
            JenisTanggapan::Catatan => "catatan",
        }
    }
    pub fn parse(s: &str) -> Option<JenisTanggapan> {
        [
            JenisTanggapan::Jawaban,
            JenisTanggapan::Balasan,
            JenisTanggapan::Otomatis,
            JenisTanggapan::Catatan,
        ]
        .into_iter()
        .find(|m| m.slug() == s)
    }
}

/// An entry of the thread to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TanggapanBaru {
    pub jenis: JenisTanggapan,
    pub oleh: String,
    pub isi: String,
    pub publik: bool,
}

/// A stored entry of the thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tanggapan {
    pub id: i64,
    pub waktu: Timestamp,
    pub jenis: JenisTanggapan,
    pub oleh: String,
    pub isi: String,
    pub publik: bool,
}

/// One change of an aspiration, applied only if it is still in `dari` (else `Stale`).
#[derive(Debug, Clone, Default)]
pub struct PerubahanAspirasi {
    pub waktu: Option<Timestamp>,
    pub status: Option<StatusAspirasi>,
    pub moderasi: Option<Moderasi>,
    pub unit: Option<String>,
    pub petugas: Option<String>,
    /// Sets `diteruskan` (routing).
    pub diteruskan: bool,
    /// Sets `dijawab` if not yet set (an answer).
    pub dijawab: bool,
    /// Moves `aktivitas` to `waktu` (an answer or a citizen's reply).
    pub aktivitas: bool,
    /// Sets `ditutup` (Selesai or Ditolak).
    pub ditutup: bool,
    pub nilai: Option<u8>,
    pub tanggapan: Option<TanggapanBaru>,
}

/// Filters for listing aspirations.
#[derive(Debug, Clone, Default)]
pub struct FilterAspirasi {
    /// Only these statuses (empty: any).
    pub status: Vec<StatusAspirasi>,
    pub moderasi: Option<Moderasi>,
    pub kategori: Option<Kategori>,
    pub kelurahan: Option<String>,
    /// Submitted at or after / before.
    pub dari: Option<Timestamp>,
    pub sampai: Option<Timestamp>,
    pub limit: u32,
    pub offset: u32,
}

/// A related aspiration and its score (lower is closer: bm25, less a bonus for the
/// same category and the same kelurahan).
#[derive(Debug, Clone, PartialEq)]
pub struct Terkait {
    pub aspirasi: Aspirasi,
    pub skor: f64,
}

#[async_trait]
pub trait AspirasiStore: Send + Sync + 'static {
    /// Records a new aspiration (minting its number from the store's sequence and the
    /// date), its automatic first answer if any, and `audit` with the number filled
    /// in as subject, in one transaction.
    async fn aspirasi_create(&self, a: &AspirasiBaru, audit: AuditDraft) -> Result<Aspirasi>;
    async fn aspirasi_get(&self, nomor: &NomorAspirasi) -> Result<Option<Aspirasi>>;
    /// Newest first.
    async fn aspirasi_list(&self, f: &FilterAspirasi) -> Result<Vec<Aspirasi>>;
    async fn aspirasi_count(&self, f: &FilterAspirasi) -> Result<u64>;
    /// The thread, oldest first; with `publik_saja` only the public entries.
    async fn aspirasi_tanggapan(
        &self,
        nomor: &NomorAspirasi,
        publik_saja: bool,
    ) -> Result<Vec<Tanggapan>>;
    /// Applies `p` if the aspiration is still in `dari`, with `audits`, in one
    /// transaction (`Stale` otherwise, `NotFound` if there is none).
    async fn aspirasi_ubah(
        &self,
        nomor: &NomorAspirasi,
        dari: StatusAspirasi,
        p: &PerubahanAspirasi,
        audits: Vec<AuditDraft>,
    ) -> Result<()>;
    /// Counts a supporter once per aspiration ("ikut melapor"): `true` if new.
    async fn aspirasi_dukung(
        &self,
        nomor: &NomorAspirasi,
        pendukung: &str,
        waktu: Timestamp,
    ) -> Result<bool>;
    /// Published aspirations related to `nomor`: full-text (FTS5, bm25) over the
    /// public title and body, closer for the same category and kelurahan.
    async fn aspirasi_terkait(&self, nomor: &NomorAspirasi, limit: u32) -> Result<Vec<Terkait>>;
    /// Registers an Open311 client under `nama` with the SHA-256 (hex) of its API key.
    async fn open311_klien_baru(
        &self,
        nama: &str,
        kunci_hash: &str,
        audit: AuditDraft,
    ) -> Result<()>;
    /// The name of the live client whose key hashes to `kunci_hash`.
    async fn open311_klien(&self, kunci_hash: &str) -> Result<Option<String>>;
}
