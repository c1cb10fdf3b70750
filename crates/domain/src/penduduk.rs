//! Penduduk: a resident's biodata as held by the population registry.

use std::fmt;

use jiff::civil::Date;
use sidik_wilayah::{Tingkat, Wilayah};

use crate::enums::*;
use crate::kk::{KkError, NomorKk};
use crate::nik::{Nik, NikError};

/// RT/RW (neighbourhood / community unit), written `005/009`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RtRw {
    pub rt: u16,
    pub rw: u16,
}

impl RtRw {
    /// Accepts `005/009`, `5/9` or `05 / 09`; RT and RW run 1-999.
    pub fn parse(s: &str) -> Result<RtRw, PendudukError> {
        let bad = || PendudukError::RtRw(s.to_string());
        let (rt, rw) = s.split_once('/').ok_or_else(bad)?;
        let num = |x: &str| {
            let x = x.trim();
            if x.is_empty() || x.len() > 3 || !x.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            x.parse::<u16>().ok().filter(|n| (1..=999).contains(n))
        };
        Ok(RtRw {
            rt: num(rt).ok_or_else(bad)?,
            rw: num(rw).ok_or_else(bad)?,
        })
    }
}

impl fmt::Display for RtRw {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:03}/{:03}", self.rt, self.rw)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PendudukError {
    #[error(transparent)]
    Nik(#[from] NikError),
    #[error(transparent)]
    Kk(#[from] KkError),
    #[error(transparent)]
    Code(#[from] UnknownCode),
    #[error("RT/RW {0:?} must look like 005/009 (numbers 1-999)")]
    RtRw(String),
    #[error("unknown kelurahan code {0:?}: not in the kode wilayah table")]
    UnknownKelurahan(String),
    #[error("field {0} is required")]
    Missing(&'static str),
    #[error("field {0} is too long (at most {1} characters)")]
    TooLong(&'static str, usize),
    #[error("birth date {lahir} does not match the NIK's {nik}")]
    BirthDateMismatch { lahir: Date, nik: String },
    #[error("birth date {0} is in the future")]
    FutureBirthDate(Date),
    #[error("sex {jk} does not match the NIK (day + 40 marks a woman)")]
    SexMismatch { jk: JenisKelamin },
}

/// A resident's biodata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Penduduk {
    pub nik: Nik,
    pub nomor_kk: NomorKk,
    pub hubungan: Hubungan,
    pub nama: String,
    pub tempat_lahir: String,
    pub tanggal_lahir: Date,
    pub jenis_kelamin: JenisKelamin,
    pub golongan_darah: GolonganDarah,
    pub alamat: String,
    pub rt_rw: RtRw,
    /// Dotted kelurahan/desa code, e.g. `31.72.01.1005`; the kecamatan is its parent.
    pub kelurahan: String,
    pub agama: Agama,
    pub status_perkawinan: StatusPerkawinan,
    pub pekerjaan: String,
    pub kewarganegaraan: Kewarganegaraan,
    pub nama_ibu_kandung: String,
}

/// The family part of a resident's record: not printed on the card, needed by officers
/// who verify identity (operator, verifikator, admin), not by the printer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataKeluarga {
    pub nomor_kk: NomorKk,
    pub hubungan: Hubungan,
    pub nama_ibu_kandung: String,
}

/// What of a resident's record an officer of a role may see: everything on the e-KTP,
/// and the family part only if the role needs it ([`Penduduk::terlihat_oleh`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BiodataTerlihat {
    pub nik: Nik,
    pub nama: String,
    pub tempat_lahir: String,
    pub tanggal_lahir: Date,
    pub jenis_kelamin: JenisKelamin,
    pub golongan_darah: GolonganDarah,
    pub alamat: String,
    pub rt_rw: RtRw,
    pub kelurahan: String,
    pub agama: Agama,
    pub status_perkawinan: StatusPerkawinan,
    pub pekerjaan: String,
    pub kewarganegaraan: Kewarganegaraan,
    /// `None` for a role that only prints cards.
    pub keluarga: Option<DataKeluarga>,
}

impl BiodataTerlihat {
    /// The kecamatan code (parent of the kelurahan).
    pub fn kecamatan(&self) -> &str {
        kecamatan_of(&self.kelurahan)
    }

    /// Age in whole years on `today`.
    pub fn umur(&self, today: Date) -> i16 {
        umur(self.tanggal_lahir, today)
    }

    /// See [`Penduduk::wajib_ktp`].
    pub fn wajib_ktp(&self, today: Date) -> bool {
        wajib_ktp(self.umur(today), self.status_perkawinan)
    }
}

/// The dotted kecamatan code of a dotted kelurahan code (its parent).
fn kecamatan_of(kelurahan: &str) -> &str {
    kelurahan.rfind('.').map_or(kelurahan, |i| &kelurahan[..i])
}

/// An e-KTP may be issued at 17 or older, or earlier to someone who is or has been
/// married.
fn wajib_ktp(umur: i16, status: StatusPerkawinan) -> bool {
    umur >= 17 || status != StatusPerkawinan::BelumKawin
}

pub(crate) fn umur(lahir: Date, today: Date) -> i16 {
    let mut age = today.year() - lahir.year();
    if (today.month(), today.day()) < (lahir.month(), lahir.day()) {
        age -= 1;
    }
    age
}

impl Penduduk {
    /// The record as an officer of `peran` may see it: the printer (pencetak) sees what
    /// goes on the card, not the KK number, the relation in the family or the mother's
    /// maiden name (a common secret question).
    pub fn terlihat_oleh(&self, peran: crate::Peran) -> BiodataTerlihat {
        let keluarga = (peran != crate::Peran::Pencetak).then(|| DataKeluarga {
            nomor_kk: self.nomor_kk.clone(),
            hubungan: self.hubungan,
            nama_ibu_kandung: self.nama_ibu_kandung.clone(),
        });
        BiodataTerlihat {
            nik: self.nik.clone(),
            nama: self.nama.clone(),
            tempat_lahir: self.tempat_lahir.clone(),
            tanggal_lahir: self.tanggal_lahir,
            jenis_kelamin: self.jenis_kelamin,
            golongan_darah: self.golongan_darah,
            alamat: self.alamat.clone(),
            rt_rw: self.rt_rw,
            kelurahan: self.kelurahan.clone(),
            agama: self.agama,
            status_perkawinan: self.status_perkawinan,
            pekerjaan: self.pekerjaan.clone(),
            kewarganegaraan: self.kewarganegaraan,
            keluarga,
        }
    }
}

/// Checks a required free-text field: trimmed, non-empty, bounded.
pub fn text_field(name: &'static str, v: &str, max: usize) -> Result<String, PendudukError> {
    let t = v.trim();
    if t.is_empty() {
        return Err(PendudukError::Missing(name));
    }
    if t.chars().count() > max {
        return Err(PendudukError::TooLong(name, max));
    }
    Ok(t.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// Validates a kelurahan/desa code (dotted or 10 digits) against the national table and
/// returns its dotted form.
pub fn kelurahan_code(v: &str) -> Result<String, PendudukError> {
    let t = v.trim();
    let dotted = if t.contains('.') {
        t.to_string()
    } else {
        sidik_wilayah::dotted(t).unwrap_or_else(|| t.to_string())
    };
    match Wilayah::get().region(&dotted) {
        Some(r) if r.tingkat == Tingkat::DesaKelurahan => Ok(dotted),
        _ => Err(PendudukError::UnknownKelurahan(t.to_string())),
    }
}

impl Penduduk {
    /// Cross-field rules: birth date and sex agree with the NIK, the kelurahan exists,
    /// text fields are present and bounded. `today` resolves the NIK's century.
    pub fn validate(&self, today: Date) -> Result<(), PendudukError> {
        if self.tanggal_lahir > today {
            return Err(PendudukError::FutureBirthDate(self.tanggal_lahir));
        }
        if self.nik.tanggal_lahir(today) != Some(self.tanggal_lahir)
            && self.nik.tanggal_lahir(self.tanggal_lahir) != Some(self.tanggal_lahir)
        {
            return Err(PendudukError::BirthDateMismatch {
                lahir: self.tanggal_lahir,
                nik: self.nik.to_string(),
            });
        }
        if self.nik.jenis_kelamin() != self.jenis_kelamin {
            return Err(PendudukError::SexMismatch {
                jk: self.jenis_kelamin,
            });
        }
        kelurahan_code(&self.kelurahan)?;
        for (name, v, max) in [
            ("nama", &self.nama, 120),
            ("tempat_lahir", &self.tempat_lahir, 60),
            ("alamat", &self.alamat, 200),
            ("pekerjaan", &self.pekerjaan, 80),
            ("nama_ibu_kandung", &self.nama_ibu_kandung, 120),
        ] {
            text_field(name, v, max)?;
        }
        Ok(())
    }

    /// Dotted kecamatan code (parent of the kelurahan).
    pub fn kecamatan(&self) -> &str {
        kecamatan_of(&self.kelurahan)
    }

    /// Age in whole years on `today`.
    pub fn umur(&self, today: Date) -> i16 {
        umur(self.tanggal_lahir, today)
    }

    /// An e-KTP may be issued at 17 or older, or earlier to someone who is or has been
    /// married.
    pub fn wajib_ktp(&self, today: Date) -> bool {
        wajib_ktp(self.umur(today), self.status_perkawinan)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use jiff::civil::date;

    pub fn sample() -> Penduduk {
        Penduduk {
            nik: Nik::parse("3172015505850003").unwrap(),
            nomor_kk: NomorKk::parse("3172010905150012").unwrap(),
            hubungan: Hubungan::Istri,
            nama: "Siti Rahmawati".into(),
            tempat_lahir: "Jakarta".into(),
            tanggal_lahir: date(1985, 5, 15),
            jenis_kelamin: JenisKelamin::Perempuan,
            golongan_darah: GolonganDarah::OPlus,
            alamat: "Jl. Pluit Karang Indah No. 12".into(),
            rt_rw: RtRw::parse("005/009").unwrap(),
            kelurahan: "31.72.01.1005".into(),
            agama: Agama::Islam,
            status_perkawinan: StatusPerkawinan::Kawin,
            pekerjaan: "Karyawan Swasta".into(),
            kewarganegaraan: Kewarganegaraan::Wni,
            nama_ibu_kandung: "Aminah".into(),
        }
    }

    #[test]
    fn sample_is_valid() {
        sample().validate(date(2015, 9, 9)).unwrap();
        assert_eq!(sample().kecamatan(), "31.72.01");
        assert_eq!(sample().umur(date(2015, 5, 14)), 29);
        assert_eq!(sample().umur(date(2015, 5, 15)), 30);
    }

    #[test]
    fn cross_field_rules() {
        let mut p = sample();
        p.jenis_kelamin = JenisKelamin::LakiLaki;
        assert!(matches!(
            p.validate(date(2015, 9, 9)),
            Err(PendudukError::SexMismatch { .. })
        ));
        let mut p = sample();
        p.kelurahan = "31.72.01.9999".into();
        assert!(matches!(
            p.validate(date(2015, 9, 9)),
            Err(PendudukError::UnknownKelurahan(_))
        ));
        let mut p = sample();
        p.tanggal_lahir = date(1985, 5, 16);
        assert!(matches!(
            p.validate(date(2015, 9, 9)),
            Err(PendudukError::BirthDateMismatch { .. })
        ));
    }

    #[test]
    fn future_birth_date_is_rejected() {
        let mut p = sample();
        p.tanggal_lahir = date(2030, 5, 15);
        p.nik = Nik::parse("3172015505300003").unwrap();
        assert_eq!(
            p.validate(date(2026, 1, 1)),
            Err(PendudukError::FutureBirthDate(date(2030, 5, 15)))
        );
    }

    #[test]
    fn rt_rw() {
        assert_eq!(RtRw::parse("5/9").unwrap().to_string(), "005/009");
        assert!(RtRw::parse("005-009").is_err());
        assert!(RtRw::parse("000/009").is_err());
        assert!(RtRw::parse("1000/1").is_err());
    }

    #[test]
    fn age_rule() {
        let mut p = sample();
        p.tanggal_lahir = date(2000, 1, 1);
        p.status_perkawinan = StatusPerkawinan::BelumKawin;
        assert!(!p.wajib_ktp(date(2016, 12, 31)));
        assert!(p.wajib_ktp(date(2017, 1, 1)));
        p.status_perkawinan = StatusPerkawinan::Kawin;
        assert!(p.wajib_ktp(date(2016, 1, 1)));
    }
}
