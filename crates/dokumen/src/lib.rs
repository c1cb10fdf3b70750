//! Printable PDFs of the e-KTP issuance: the enrollment receipt (tanda
//! terima perekaman), the temporary replacement letter (Suket), the card
//! faces at exact ID-1 size and the print-batch sheet.
//!
//! Every function is pure: plain data in, PDF bytes out, no I/O and no
//! clock. Strings arrive already formatted by the caller and are printed as
//! given (in Bahasa Indonesia). Text uses the standard-14 fonts Helvetica and
//! Helvetica-Bold in WinAnsiEncoding; characters outside WinAnsi print as
//! `?`. Photos may be PNG or JPEG; anything undecodable prints a "FOTO"
//! placeholder box instead.

mod batch;
mod canvas;
mod flow;
mod foto;
mod kartu;
mod qr;
mod suket;
mod tanda_terima;
mod text;

pub use batch::lembar_batch_pdf;
pub use kartu::kartu_pdf;
pub use suket::suket_pdf;
pub use tanda_terima::tanda_terima_pdf;

/// The ID-1 card size (ISO/IEC 7810) in millimetres: width, height.
pub const ID1_MM: (f32, f32) = (85.60, 53.98);

/// What is printed on the card and on the Suket.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Biodata {
    /// E.g. "DKI JAKARTA" (printed after "PROVINSI").
    pub provinsi: String,
    /// E.g. "KOTA JAKARTA UTARA".
    pub kota: String,
    pub nik: String,
    pub nama: String,
    /// E.g. "JAKARTA, 17-08-1990".
    pub tempat_tgl_lahir: String,
    pub jenis_kelamin: String,
    pub golongan_darah: String,
    pub alamat: String,
    pub rt_rw: String,
    pub kel_desa: String,
    pub kecamatan: String,
    pub agama: String,
    pub status_perkawinan: String,
    pub pekerjaan: String,
    pub kewarganegaraan: String,
}

/// The enrollment receipt (A5 portrait).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TandaTerima {
    pub nomor_registrasi: String,
    /// E.g. "3172********0003".
    pub nik_tersamar: String,
    pub nama: String,
    /// Office name.
    pub kantor: String,
    pub alamat_kantor: String,
    /// E.g. "Rabu, 9 September 2015 pukul 10.15 WIB".
    pub waktu: String,
    /// What happens next, one line each.
    pub langkah: Vec<String>,
    /// The ETA sentence.
    pub perkiraan: String,
    /// Encoded in a QR on the receipt and printed as text.
    pub status_url: String,
}

/// "SURAT KETERANGAN PENGGANTI KTP-EL (SUKET)" (A4 portrait).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Suket {
    pub nomor_suket: String,
    pub nomor_registrasi: String,
    pub biodata: Biodata,
    /// PNG or JPEG; a "FOTO" placeholder box when `None` or undecodable.
    pub foto: Option<Vec<u8>>,
    pub diterbitkan: String,
    pub berlaku_hingga: String,
    pub kantor: String,
    pub tempat_terbit: String,
    /// The signing officer line.
    pub pejabat: String,
    /// Base45 Claim 169 payload; encoded in alphanumeric mode when every
    /// character allows it, error correction level M.
    pub qr_text: String,
    /// Notes, one paragraph each.
    pub catatan: Vec<String>,
}

/// One card face.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Kartu {
    pub biodata: Biodata,
    /// PNG or JPEG portrait.
    pub foto: Option<Vec<u8>>,
    /// PNG or JPEG signature.
    pub tanda_tangan: Option<Vec<u8>>,
    /// E.g. "JAKARTA UTARA".
    pub tempat_terbit: String,
    /// E.g. "09-09-2015".
    pub tanggal_terbit: String,
    /// E.g. "SEUMUR HIDUP".
    pub berlaku_hingga: String,
}

/// A print batch for the printer operator.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LembarBatch {
    pub nomor_batch: String,
    pub kantor: String,
    pub printer: String,
    pub waktu: String,
    pub baris: Vec<BarisBatch>,
    pub catatan: Vec<String>,
}

/// One card of a print batch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BarisBatch {
    pub urut: u32,
    pub nomor_registrasi: String,
    pub nik_tersamar: String,
    pub nama: String,
    pub prioritas: String,
}
