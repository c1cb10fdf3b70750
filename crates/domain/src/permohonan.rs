//! Permohonan: an e-KTP application and its explicit state machine.
//!
//! ```text
//! Direkam ──kirim──▶ Dikirim ──tunggal──▶ Tunggal ──setujui──▶ SiapCetak ──cetak──▶ Dicetak ──serahkan──▶ Diserahkan
//!                      │  └──ganda──▶ Ganda ──adjudikasi_tunggal──▶ Tunggal
//!                      └──tolak──▶ Ditolak ◀──tolak── Ganda
//! Tunggal | SiapCetak ──tandai_ganda──▶ Ganda   (the centre found a later duplicate)
//! Dicetak ──cetak_rusak──▶ SiapCetak              (a spoiled print goes back to its place)
//! ```
//!
//! Every transition records who did it, when and why; anything else is an error.

use std::fmt;

use jiff::Timestamp;

use crate::nik::Nik;
use crate::user::Peran;

/// The state of an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    Direkam,
    Dikirim,
    Tunggal,
    Ganda,
    SiapCetak,
    Dicetak,
    Diserahkan,
    Ditolak,
}

impl Status {
    pub const ALL: &'static [Status] = &[
        Status::Direkam,
        Status::Dikirim,
        Status::Tunggal,
        Status::Ganda,
        Status::SiapCetak,
        Status::Dicetak,
        Status::Diserahkan,
        Status::Ditolak,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Status::Direkam => "direkam",
            Status::Dikirim => "dikirim",
            Status::Tunggal => "tunggal",
            Status::Ganda => "ganda",
            Status::SiapCetak => "siap_cetak",
            Status::Dicetak => "dicetak",
            Status::Diserahkan => "diserahkan",
            Status::Ditolak => "ditolak",
        }
    }

    /// Indonesian label for officers and citizens.
    pub fn label(self) -> &'static str {
        match self {
            Status::Direkam => "Direkam",
            Status::Dikirim => "Dikirim untuk verifikasi ketunggalan",
            Status::Tunggal => "Tunggal (lolos verifikasi)",
            Status::Ganda => "Ganda (menunggu adjudikasi)",
            Status::SiapCetak => "Siap cetak",
            Status::Dicetak => "Dicetak",
            Status::Diserahkan => "Diserahkan",
            Status::Ditolak => "Ditolak",
        }
    }

    pub fn parse(s: &str) -> Result<Status, String> {
        Status::ALL
            .iter()
            .copied()
            .find(|st| st.slug() == s.trim())
            .ok_or_else(|| {
                format!(
                    "unknown status {s:?}; expected one of: {}",
                    Status::ALL
                        .iter()
                        .map(|s| s.slug())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
    }

    /// Open applications block a second application for the same NIK.
    pub fn is_open(self) -> bool {
        !matches!(self, Status::Diserahkan | Status::Ditolak)
    }

    /// A card has been (or is being) produced for this NIK.
    pub fn holds_card(self) -> bool {
        matches!(self, Status::Dicetak | Status::Diserahkan)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.slug())
    }
}

/// A transition request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Aksi {
    /// Creates the application in Direkam (the first timeline entry; not a transition).
    Rekam,
    /// Direkam → Dikirim: send for the uniqueness check.
    Kirim,
    /// Dikirim → Tunggal: the check found no other identity.
    HasilTunggal,
    /// Dikirim → Ganda: the check found a duplicate suspect.
    HasilGanda,
    /// Ganda → Tunggal: an adjudicator cleared the suspect.
    AdjudikasiTunggal,
    /// Tunggal → SiapCetak: approved and queued for printing.
    Setujui,
    /// SiapCetak → Dicetak.
    Cetak,
    /// Dicetak → Diserahkan: the citizen collected the card.
    Serahkan,
    /// Dikirim | Ganda → Ditolak (a reason is mandatory).
    Tolak,
    /// Tunggal | SiapCetak → Ganda: the centre's 1:N search matched this person against
    /// an enrollment it received later. Only the sync applies it, never an officer.
    TandaiGanda,
    /// Dicetak → SiapCetak: the print was spoiled; the blank is booked as spoiled and the
    /// application goes back to its place in the print queue.
    CetakRusak,
}

impl Aksi {
    pub const ALL: &'static [Aksi] = &[
        Aksi::Rekam,
        Aksi::Kirim,
        Aksi::HasilTunggal,
        Aksi::HasilGanda,
        Aksi::AdjudikasiTunggal,
        Aksi::Setujui,
        Aksi::Cetak,
        Aksi::Serahkan,
        Aksi::Tolak,
        Aksi::TandaiGanda,
        Aksi::CetakRusak,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Aksi::Rekam => "rekam",
            Aksi::Kirim => "kirim",
            Aksi::HasilTunggal => "hasil_tunggal",
            Aksi::HasilGanda => "hasil_ganda",
            Aksi::AdjudikasiTunggal => "adjudikasi_tunggal",
            Aksi::Setujui => "setujui",
            Aksi::Cetak => "cetak",
            Aksi::Serahkan => "serahkan",
            Aksi::Tolak => "tolak",
            Aksi::TandaiGanda => "tandai_ganda",
            Aksi::CetakRusak => "cetak_rusak",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Aksi::Rekam => "Perekaman",
            Aksi::Kirim => "Dikirim untuk verifikasi ketunggalan",
            Aksi::HasilTunggal => "Hasil verifikasi: tunggal",
            Aksi::HasilGanda => "Hasil verifikasi: ganda",
            Aksi::AdjudikasiTunggal => "Adjudikasi: dinyatakan tunggal",
            Aksi::Setujui => "Disetujui, masuk antrean cetak",
            Aksi::Cetak => "Kartu dicetak",
            Aksi::Serahkan => "Kartu diserahkan",
            Aksi::Tolak => "Ditolak",
            Aksi::TandaiGanda => "Ditandai ganda oleh pusat (temuan kemudian)",
            Aksi::CetakRusak => "Hasil cetak rusak, kembali ke antrean cetak",
        }
    }

    pub fn parse(s: &str) -> Result<Aksi, String> {
        Aksi::ALL
            .iter()
            .copied()
            .find(|a| a.slug() == s.trim())
            .ok_or_else(|| format!("unknown action {s:?}"))
    }

    /// The state this action leads to, from `from`, if allowed.
    pub fn target(self, from: Status) -> Option<Status> {
        use Status::*;
        Some(match (self, from) {
            (Aksi::Kirim, Direkam) => Dikirim,
            (Aksi::HasilTunggal, Dikirim) => Tunggal,
            (Aksi::HasilGanda, Dikirim) => Ganda,
            (Aksi::AdjudikasiTunggal, Ganda) => Tunggal,
            (Aksi::Setujui, Tunggal) => SiapCetak,
            (Aksi::Cetak, SiapCetak) => Dicetak,
            (Aksi::Serahkan, Dicetak) => Diserahkan,
            (Aksi::Tolak, Dikirim | Ganda) => Ditolak,
            (Aksi::TandaiGanda, Tunggal | SiapCetak) => Ganda,
            (Aksi::CetakRusak, Dicetak) => SiapCetak,
            _ => return None,
        })
    }

    /// Roles allowed to request this action directly. Check results (`HasilTunggal`,
    /// `HasilGanda`) are produced by the uniqueness step, which an operator or a
    /// verifikator triggers.
    pub fn allowed(self, peran: Peran) -> bool {
        use Peran::*;
        match self {
            Aksi::Rekam | Aksi::Kirim | Aksi::HasilTunggal | Aksi::HasilGanda => {
                matches!(peran, Operator | Verifikator | Admin)
            }
            Aksi::AdjudikasiTunggal | Aksi::Setujui | Aksi::Tolak => {
                matches!(peran, Verifikator | Admin)
            }
            Aksi::Cetak | Aksi::Serahkan | Aksi::CetakRusak => matches!(peran, Pencetak | Admin),
            Aksi::TandaiGanda => false,
        }
    }
}

/// Why a transition was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("action {aksi} is not allowed from state {from}")]
    NotAllowed { aksi: &'static str, from: Status },
    #[error("action {0} requires a reason")]
    ReasonRequired(&'static str),
}

/// The longest reason an officer may give for an act, in characters.
pub const ALASAN_MAKS: usize = 500;

/// Checks a reason an officer gives (rejection, adjudication): at most
/// [`ALASAN_MAKS`] characters and no control characters (it is shown on pages and kept
/// in the audit chain).
pub fn periksa_alasan(alasan: &str) -> Result<(), String> {
    let n = alasan.chars().count();
    if n > ALASAN_MAKS {
        return Err(format!(
            "a reason has at most {ALASAN_MAKS} characters (got {n})"
        ));
    }
    if alasan.chars().any(char::is_control) {
        return Err("a reason may not contain control characters".into());
    }
    Ok(())
}

/// Office code: six digits (province, regency, office number), e.g. `317201`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KodeKantor(String);

impl KodeKantor {
    pub fn parse(s: &str) -> Result<KodeKantor, String> {
        let t = s.trim();
        if t.len() == 6 && t.bytes().all(|b| b.is_ascii_digit()) && &t[0..2] != "00" {
            Ok(KodeKantor(t.to_string()))
        } else {
            Err(format!("office code {t:?} must be 6 digits"))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for KodeKantor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Registration number minted at the office without coordination, like MOSIP's RID:
/// office code (6) + per-office sequence (7) + timestamp `YYYYMMDDHHMMSS` in WIB (14),
/// 27 digits in all. Unique as long as each office's sequence never repeats.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NomorRegistrasi(String);

impl NomorRegistrasi {
    pub fn mint(kantor: &KodeKantor, seq: u64, at: Timestamp) -> NomorRegistrasi {
        let wib = at.to_zoned(crate::tanggal::wib());
        NomorRegistrasi(format!(
            "{}{:07}{}",
            kantor.as_str(),
            seq % 10_000_000,
            wib.strftime("%Y%m%d%H%M%S")
        ))
    }

    pub fn parse(s: &str) -> Result<NomorRegistrasi, String> {
        let t = s.trim();
        if t.len() == 27 && t.bytes().all(|b| b.is_ascii_digit()) {
            Ok(NomorRegistrasi(t.to_string()))
        } else {
            Err(format!("registration number {t:?} must be 27 digits"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn kantor(&self) -> &str {
        &self.0[0..6]
    }
}

impl fmt::Display for NomorRegistrasi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One entry of an application's timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Riwayat {
    pub aksi: Aksi,
    pub dari: Option<Status>,
    pub ke: Status,
    /// `user:<name>` for officers, `sistem:<component>` for automated steps.
    pub aktor: String,
    pub waktu: Timestamp,
    pub alasan: Option<String>,
}

/// A duplicate-suspect candidate from the uniqueness step.
#[derive(Debug, Clone, PartialEq)]
pub struct Kandidat {
    pub permohonan: String,
    pub nik: String,
    pub skor: f32,
    pub jari_cocok: u8,
}

/// Result of the uniqueness step (verifikasi ketunggalan).
#[derive(Debug, Clone, PartialEq)]
pub struct HasilKetunggalan {
    /// Whether a biometric 1:N search was run (false: demographic checks only).
    pub biometrik: bool,
    /// Human-readable summary of what was checked.
    pub catatan: String,
    pub kandidat: Vec<Kandidat>,
}

/// An e-KTP application.
#[derive(Debug, Clone, PartialEq)]
pub struct Permohonan {
    pub nomor: NomorRegistrasi,
    pub nik: Nik,
    pub kantor: KodeKantor,
    /// Dotted kelurahan code of the applicant's address at enrollment.
    pub kelurahan: String,
    pub nama: String,
    pub status: Status,
    pub dibuat: Timestamp,
    pub riwayat: Vec<Riwayat>,
    pub ketunggalan: Option<HasilKetunggalan>,
}

impl Permohonan {
    /// A freshly recorded application with its first timeline entry.
    pub fn baru(
        nomor: NomorRegistrasi,
        nik: Nik,
        kantor: KodeKantor,
        kelurahan: String,
        nama: String,
        aktor: String,
        waktu: Timestamp,
    ) -> Permohonan {
        Permohonan {
            nomor,
            nik,
            kantor,
            kelurahan,
            nama,
            status: Status::Direkam,
            dibuat: waktu,
            riwayat: vec![Riwayat {
                aksi: Aksi::Rekam,
                dari: None,
                ke: Status::Direkam,
                aktor,
                waktu,
                alasan: Some("Perekaman biodata dan biometrik".into()),
            }],
            ketunggalan: None,
        }
    }

    /// Applies a transition, appending it to the timeline.
    pub fn terapkan(
        &mut self,
        aksi: Aksi,
        aktor: String,
        waktu: Timestamp,
        alasan: Option<String>,
    ) -> Result<&Riwayat, TransitionError> {
        let ke = aksi
            .target(self.status)
            .ok_or(TransitionError::NotAllowed {
                aksi: aksi.slug(),
                from: self.status,
            })?;
        let alasan = alasan
            .map(|a| a.trim().to_string())
            .filter(|a| !a.is_empty());
        if aksi == Aksi::Tolak && alasan.is_none() {
            return Err(TransitionError::ReasonRequired(aksi.slug()));
        }
        self.riwayat.push(Riwayat {
            aksi,
            dari: Some(self.status),
            ke,
            aktor,
            waktu,
            alasan,
        });
        self.status = ke;
        Ok(self.riwayat.last().expect("just pushed"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app() -> Permohonan {
        let k = KodeKantor::parse("317201").unwrap();
        let t: Timestamp = "2015-09-09T07:00:00Z".parse().unwrap();
        Permohonan::baru(
            NomorRegistrasi::mint(&k, 1, t),
            Nik::parse("3172015505850003").unwrap(),
            k,
            "31.72.01.1005".into(),
            "Siti".into(),
            "user:op".into(),
            t,
        )
    }

    #[test]
    fn registration_number_is_27_digits_in_wib() {
        let a = app();
        assert_eq!(a.nomor.as_str(), "317201000000120150909140000");
        assert_eq!(a.nomor.kantor(), "317201");
    }

    #[test]
    fn happy_path_and_timeline() {
        let mut a = app();
        let t = a.dibuat;
        for aksi in [
            Aksi::Kirim,
            Aksi::HasilTunggal,
            Aksi::Setujui,
            Aksi::Cetak,
            Aksi::Serahkan,
        ] {
            a.terapkan(aksi, "user:x".into(), t, None).unwrap();
        }
        assert_eq!(a.status, Status::Diserahkan);
        assert_eq!(a.riwayat.len(), 6);
    }

    #[test]
    fn invalid_transitions_are_errors() {
        let mut a = app();
        let t = a.dibuat;
        assert!(a.terapkan(Aksi::Cetak, "u".into(), t, None).is_err());
        a.terapkan(Aksi::Kirim, "u".into(), t, None).unwrap();
        assert_eq!(
            a.terapkan(Aksi::Tolak, "u".into(), t, Some("  ".into())),
            Err(TransitionError::ReasonRequired("tolak"))
        );
        a.terapkan(Aksi::HasilGanda, "u".into(), t, None).unwrap();
        a.terapkan(
            Aksi::AdjudikasiTunggal,
            "u".into(),
            t,
            Some("beda orang".into()),
        )
        .unwrap();
        assert_eq!(a.status, Status::Tunggal);
        assert!(a
            .terapkan(Aksi::Tolak, "u".into(), t, Some("x".into()))
            .is_err());
    }

    #[test]
    fn every_pair_is_either_in_the_table_or_refused() {
        let allowed: usize = Aksi::ALL
            .iter()
            .map(|a| {
                Status::ALL
                    .iter()
                    .filter(|s| a.target(**s).is_some())
                    .count()
            })
            .sum();
        assert_eq!(allowed, 12);
        for s in [Status::Diserahkan, Status::Ditolak] {
            assert!(
                Aksi::ALL.iter().all(|a| a.target(s).is_none()),
                "{s} is final"
            );
        }
    }

    #[test]
    fn roles() {
        assert!(Aksi::Cetak.allowed(Peran::Pencetak));
        assert!(!Aksi::Cetak.allowed(Peran::Operator));
        assert!(!Aksi::AdjudikasiTunggal.allowed(Peran::Operator));
        assert!(Aksi::AdjudikasiTunggal.allowed(Peran::Verifikator));
    }

    #[test]
    fn a_reason_is_bounded_and_has_no_control_characters() {
        assert!(periksa_alasan("Orang yang sama dengan NIK lain").is_ok());
        assert!(periksa_alasan(&"é".repeat(ALASAN_MAKS)).is_ok());
        assert!(periksa_alasan(&"a".repeat(ALASAN_MAKS + 1)).is_err());
        assert!(periksa_alasan("baris\nbaru").is_err());
        assert!(periksa_alasan("nul\0").is_err());
    }
}
