//! Records of the office's document desk: Suket (signed provisional certificates), the
//! print queue's declared priorities, printers, the blank-card (blanko) ledger and
//! print batches. The rules are the domain's (`sidik_domain::suket`, `cetak`) and the
//! use cases' (`sidik-issuance`); these are the shapes the store keeps.

use jiff::civil::Date;
use jiff::Timestamp;
use sidik_domain::suket::StatusSuket;
use sidik_domain::Permohonan;

use crate::Transisi;

/// A Suket to record (issued in the same transaction as the check that allowed it, or
/// as a renewal).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuketBaru {
    pub nomor_suket: String,
    /// The application's registration number.
    pub nomor: String,
    /// 1 for the first Suket of an application, 2… for renewals.
    pub ke: u32,
    /// Hex of the signing key's id (8 bytes).
    pub kid: String,
    pub diterbitkan: Timestamp,
    pub berlaku_hingga: Timestamp,
    /// The Base45 QR text (Claim 169).
    pub qr: String,
}

/// A recorded Suket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuketTersimpan {
    pub suket: SuketBaru,
    pub status: StatusSuket,
    pub dicabut: Option<Timestamp>,
    /// The revocation's code (`sidik_domain::suket::AlasanCabut`).
    pub alasan: Option<String>,
    /// An officer's written reason, if any.
    pub keterangan: Option<String>,
    /// Order of revocation (for the signed revocation list).
    pub cabut_seq: Option<i64>,
}

/// Counts of Sukets by state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatistikSuket {
    pub aktif: u64,
    pub dicabut: u64,
    pub diganti: u64,
}

/// The declared priority of an application for printing (recorded at enrollment).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrioritasCetak {
    /// Slug of the declared urgent need (`sim`, `stnk`, `paspor`, `sekolah`, `bank`).
    pub keperluan: Option<String>,
    /// Needed by.
    pub tanggal_perlu: Option<Date>,
    pub lansia: bool,
    pub disabilitas: bool,
    /// Queue class: 0 urgent, 1 elderly or disabled, 2 everyone else.
    pub kelas: u8,
}

/// A card printer of the office.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Printer {
    pub id: i64,
    pub nama: String,
    pub kapasitas_harian: u32,
    pub aktif: bool,
    /// Cards it printed on the day asked for (spoiled ones included: they took its time).
    pub terpakai: u32,
}

/// The blank-card ledger: received = used + spoiled + on hand.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BukuBlanko {
    pub diterima: u64,
    pub dipakai: u64,
    pub rusak: u64,
}

impl BukuBlanko {
    pub fn ada(&self) -> u64 {
        self.diterima.saturating_sub(self.dipakai + self.rusak)
    }
}

/// One movement of the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MutasiBlanko {
    pub seq: i64,
    pub waktu: Timestamp,
    /// `terima`, `pakai`, `rusak_cetak` or `rusak_stok`.
    pub jenis: String,
    pub jumlah: u64,
    pub referensi: Option<String>,
    pub aktor: String,
}

/// A delivery of blanks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KirimanBlanko {
    pub id: i64,
    pub tanggal: Date,
    pub jumlah: u64,
    /// `dijadwalkan`, `diterima` or `batal`.
    pub status: String,
}

/// One application waiting in the print queue (`siap_cetak`), in queue order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemAntrean {
    pub nomor: String,
    pub nik: String,
    pub nama: String,
    pub dibuat: Timestamp,
    pub prioritas: PrioritasCetak,
}

/// A print batch and its items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchCetak {
    pub nomor_batch: String,
    pub printer_id: i64,
    pub printer: String,
    pub waktu: Timestamp,
    pub tanggal: Date,
    pub aktor: String,
    /// (registration number, `dicetak` | `rusak`) in print order.
    pub item: Vec<(String, String)>,
}

/// What a print batch asks for.
#[derive(Debug, Clone)]
pub struct PermintaanBatch {
    pub nomor_batch: String,
    pub printer_id: i64,
    /// At most this many cards (the store also stops at the printer's capacity left
    /// today and at the blanks on hand).
    pub maks: u32,
    pub waktu: Timestamp,
    /// The WIB day the capacity is counted on.
    pub tanggal: Date,
    pub aktor: String,
    /// Print this one application (in `siap_cetak`) rather than the head of the queue:
    /// an officer serving an urgent case at the counter.
    pub hanya: Option<String>,
}

/// The use case's rule for a batch, run by [`crate::Store::print_batch`] inside its
/// transaction on the first applications of the queue (already limited to what the
/// printer and the blanks allow): the transitions to apply (`siap_cetak` → `dicetak`).
pub type BatchRule<'a> =
    &'a (dyn Fn(&[Permohonan]) -> std::result::Result<Vec<Transisi>, String> + Send + Sync);
