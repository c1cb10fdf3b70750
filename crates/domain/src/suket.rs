//! Suket (surat keterangan pengganti KTP-el): the signed provisional certificate an
//! office hands out the same day, so that nobody leaves empty-handed while the card
//! waits for the national check, the print queue or blank cards.
//!
//! The rules here decide when a Suket is issued, how long it is valid, and which state
//! changes of its application revoke it. The QR format (MOSIP Claim 169) lives in
//! `sidik-suket`; storage applies [`cabut_karena`] inside the same transaction as the
//! state change, whatever path the change takes (an officer, the office's own check, a
//! centre decision).

use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};

use crate::permohonan::Status;
use crate::tanggal::wib;

/// A Suket is valid for six months (Dukcapil's practice), renewable while the card is
/// not ready.
pub const BERLAKU_BULAN: i8 = 6;

/// A Suket that expires within this many days while its card is not ready is renewed.
pub const PERPANJANG_SEBELUM_HARI: i32 = 7;

/// What a Suket certifies about its holder: the claims signed into its QR. Built from
/// the resident's record by the use case; the codec maps it onto Claim 169 fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KlaimSuket {
    pub nomor_suket: String,
    pub nomor_registrasi: String,
    pub nik: String,
    pub nama: String,
    pub tempat_lahir: String,
    pub tanggal_lahir: Date,
    pub perempuan: bool,
    /// Address lines separated by `\n` (street, RT/RW, kelurahan, kecamatan).
    pub alamat: String,
    /// ISO 3166-1 alpha-3 ("IDN").
    pub kewarganegaraan: String,
    /// The issuing office's code.
    pub kantor: String,
    pub diterbitkan: Timestamp,
    pub berlaku_hingga: Timestamp,
}

/// The state of one Suket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusSuket {
    /// Issued and not revoked (it may still have expired: see `berlaku_hingga`).
    Aktif,
    /// Revoked (card handed over, application found `ganda` or `ditolak`, officer).
    Dicabut,
    /// Replaced by a renewal.
    Diganti,
}

impl StatusSuket {
    pub fn slug(self) -> &'static str {
        match self {
            StatusSuket::Aktif => "aktif",
            StatusSuket::Dicabut => "dicabut",
            StatusSuket::Diganti => "diganti",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            StatusSuket::Aktif => "Berlaku",
            StatusSuket::Dicabut => "Dicabut",
            StatusSuket::Diganti => "Diganti (diperpanjang)",
        }
    }

    pub fn parse(s: &str) -> Result<StatusSuket, String> {
        match s {
            "aktif" => Ok(StatusSuket::Aktif),
            "dicabut" => Ok(StatusSuket::Dicabut),
            "diganti" => Ok(StatusSuket::Diganti),
            _ => Err(format!("unknown Suket status {s:?}")),
        }
    }
}

/// Why a Suket was revoked: a short stable code (it travels in revocation lists).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AlasanCabut {
    /// The card was handed over: the Suket has done its job.
    Diserahkan,
    /// The application was found to be a duplicate (ganda).
    Ganda,
    /// The application was rejected.
    Ditolak,
    /// An officer revoked it (with a written reason).
    Petugas,
}

impl AlasanCabut {
    pub fn code(self) -> &'static str {
        match self {
            AlasanCabut::Diserahkan => "diserahkan",
            AlasanCabut::Ganda => "ganda",
            AlasanCabut::Ditolak => "ditolak",
            AlasanCabut::Petugas => "petugas",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AlasanCabut::Diserahkan => "KTP-el sudah diserahkan kepada pemiliknya",
            AlasanCabut::Ganda => "Data terindikasi ganda (satu orang dengan lebih dari satu NIK)",
            AlasanCabut::Ditolak => "Permohonan ditolak",
            AlasanCabut::Petugas => "Dicabut oleh petugas",
        }
    }

    pub fn parse(s: &str) -> Option<AlasanCabut> {
        [
            AlasanCabut::Diserahkan,
            AlasanCabut::Ganda,
            AlasanCabut::Ditolak,
            AlasanCabut::Petugas,
        ]
        .into_iter()
        .find(|a| a.code() == s)
    }
}

/// The revocation a state change causes: a Suket lives only while its application is
/// alive and its card not yet handed over.
pub fn cabut_karena(ke: Status) -> Option<AlasanCabut> {
    match ke {
        Status::Diserahkan => Some(AlasanCabut::Diserahkan),
        Status::Ganda => Some(AlasanCabut::Ganda),
        Status::Ditolak => Some(AlasanCabut::Ditolak),
        _ => None,
    }
}

/// Whether an application in this state may hold a Suket: its local checks passed and
/// no card is in the citizen's hand yet. Never for `ganda` or a rejection.
pub fn boleh_suket(status: Status) -> bool {
    matches!(
        status,
        Status::Dikirim | Status::Tunggal | Status::SiapCetak | Status::Dicetak
    )
}

/// The number of a Suket: `SKT-{registration number}-{n}`, n = 1 for the first, 2… for
/// renewals. The registration number can be read back from it ([`nomor_registrasi_dari`]).
pub fn nomor_suket(nomor_registrasi: &str, ke: u32) -> String {
    format!("SKT-{nomor_registrasi}-{ke}")
}

/// The registration number inside a Suket number, if it has the right shape.
pub fn nomor_registrasi_dari(nomor_suket: &str) -> Option<&str> {
    let rest = nomor_suket.strip_prefix("SKT-")?;
    let (nomor, ke) = rest.rsplit_once('-')?;
    (nomor.len() == 27
        && nomor.bytes().all(|b| b.is_ascii_digit())
        && !ke.is_empty()
        && ke.bytes().all(|b| b.is_ascii_digit()))
    .then_some(nomor)
}

/// Until when a Suket issued at `terbit` is valid: the end of the same WIB day six
/// months later (23.59.59 WIB).
pub fn berlaku_hingga(terbit: Timestamp) -> Timestamp {
    let hari: Date = terbit.to_zoned(wib()).date();
    let akhir = hari
        .checked_add(BERLAKU_BULAN.months())
        .unwrap_or(hari)
        .at(23, 59, 59, 0);
    akhir
        .to_zoned(wib())
        .map(|z| z.timestamp())
        .unwrap_or(terbit)
}

/// Whether an active Suket expiring at `hingga` should be renewed at `now` (its card is
/// not ready: the caller checks [`boleh_suket`]).
pub fn perlu_perpanjang(hingga: Timestamp, now: Timestamp) -> bool {
    now.checked_add((PERPANJANG_SEBELUM_HARI as i64 * 24).hours())
        .map(|t| t >= hingga)
        .unwrap_or(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revoked_by_hand_over_duplicate_and_rejection_only() {
        for s in Status::ALL {
            let r = cabut_karena(*s);
            match s {
                Status::Diserahkan => assert_eq!(r, Some(AlasanCabut::Diserahkan)),
                Status::Ganda => assert_eq!(r, Some(AlasanCabut::Ganda)),
                Status::Ditolak => assert_eq!(r, Some(AlasanCabut::Ditolak)),
                _ => assert_eq!(r, None, "{s}"),
            }
            // A state that revokes never may hold one.
            if r.is_some() {
                assert!(!boleh_suket(*s), "{s}");
            }
        }
        assert!(!boleh_suket(Status::Direkam));
        assert!(boleh_suket(Status::Dikirim));
    }

    #[test]
    fn number_round_trips_and_rejects_garbage() {
        let n = "317201000000120150909101500";
        assert_eq!(nomor_registrasi_dari(&nomor_suket(n, 2)), Some(n));
        assert_eq!(nomor_registrasi_dari("SKT-123-1"), None);
        assert_eq!(
            nomor_registrasi_dari("XYZ-317201000000120150909101500-1"),
            None
        );
        assert_eq!(
            nomor_registrasi_dari("SKT-317201000000120150909101500-"),
            None
        );
        for a in ["diserahkan", "ganda", "ditolak", "petugas"] {
            assert_eq!(AlasanCabut::parse(a).map(|x| x.code()), Some(a));
        }
    }

    #[test]
    fn six_months_to_the_end_of_the_wib_day() {
        // 9 September 2015 10.00 WIB → 9 March 2016 23.59.59 WIB.
        let t: Timestamp = "2015-09-09T03:00:00Z".parse().unwrap();
        let h = berlaku_hingga(t);
        assert_eq!(h.to_string(), "2016-03-09T16:59:59Z");
        assert!(!perlu_perpanjang(h, t));
        let near: Timestamp = "2016-03-03T00:00:00Z".parse().unwrap();
        assert!(perlu_perpanjang(h, near));
    }
}
