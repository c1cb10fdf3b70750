//! Nomor Induk Kependudukan (NIK).
//!
//! 16 digits: province (2) + regency/city (2) + kecamatan (2) of first registration,
//! birth date DDMMYY with 40 added to the day for women, and a 4-digit serial
//! (0001-9999). There is no check digit.

use std::fmt;

use jiff::civil::Date;
use sidik_wilayah::Wilayah;

use crate::enums::JenisKelamin;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NikError {
    #[error("NIK must be exactly 16 digits, got {0} characters")]
    WrongLength(usize),
    #[error("NIK must contain digits only (found {0:?})")]
    NonDigit(char),
    #[error("NIK region code {0} is invalid: province, regency and kecamatan may not be 00")]
    RegionZero(String),
    #[error("NIK birth date {0} is not a real date (day 41-71 means a woman)")]
    ImpossibleDate(String),
    #[error("NIK serial 0000 is not issued (serials run 0001-9999)")]
    SerialZero,
}

/// A structurally valid NIK.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Nik(String);

impl fmt::Debug for Nik {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Nik({})", self.0)
    }
}

impl fmt::Display for Nik {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// True if day/month is valid for year yy in at least one of 19yy, 20yy.
fn possible_date(day: i8, month: i8, yy: i16) -> bool {
    Date::new(1900 + yy, month, day).is_ok() || Date::new(2000 + yy, month, day).is_ok()
}

fn two(s: &str, at: usize) -> i16 {
    s[at..at + 2].parse().expect("digits checked")
}

impl Nik {
    /// Parses and validates a NIK. Whitespace around it is ignored.
    pub fn parse(s: &str) -> Result<Nik, NikError> {
        let s = s.trim();
        if let Some(c) = s.chars().find(|c| !c.is_ascii_digit()) {
            return Err(NikError::NonDigit(c));
        }
        if s.len() != 16 {
            return Err(NikError::WrongLength(s.chars().count()));
        }
        if s[0..2] == *"00" || s[2..4] == *"00" || s[4..6] == *"00" {
            return Err(NikError::RegionZero(s[0..6].to_string()));
        }
        let dd = two(s, 6);
        let day = if dd > 40 { dd - 40 } else { dd };
        let month = two(s, 8);
        let yy = two(s, 10);
        if !(1..=31).contains(&day)
            || !(1..=12).contains(&month)
            || !possible_date(day as i8, month as i8, yy)
        {
            return Err(NikError::ImpossibleDate(s[6..12].to_string()));
        }
        if &s[12..16] == "0000" {
            return Err(NikError::SerialZero);
        }
        Ok(Nik(s.to_string()))
    }

    /// Builds a NIK from its parts (used by the demo generator and tests).
    pub fn from_parts(
        kecamatan_digits: &str,
        lahir: Date,
        jk: JenisKelamin,
        serial: u16,
    ) -> Result<Nik, NikError> {
        let dd = lahir.day() as i16 + if jk == JenisKelamin::Perempuan { 40 } else { 0 };
        Nik::parse(&format!(
            "{kecamatan_digits}{dd:02}{:02}{:02}{serial:04}",
            lahir.month(),
            lahir.year() % 100
        ))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The six region digits (province, regency, kecamatan), e.g. `317201`.
    pub fn region_digits(&self) -> &str {
        &self.0[0..6]
    }

    pub fn jenis_kelamin(&self) -> JenisKelamin {
        if two(&self.0, 6) > 40 {
            JenisKelamin::Perempuan
        } else {
            JenisKelamin::LakiLaki
        }
    }

    /// The 4-digit serial.
    pub fn serial(&self) -> u16 {
        self.0[12..16].parse().expect("digits checked")
    }

    /// Birth date; the century is the latest one that puts the date on or before
    /// `today` (a NIK holds only two year digits).
    pub fn tanggal_lahir(&self, today: Date) -> Option<Date> {
        let dd = two(&self.0, 6);
        let day = (if dd > 40 { dd - 40 } else { dd }) as i8;
        let month = two(&self.0, 8) as i8;
        let yy = two(&self.0, 10);
        let century = today.year() - today.year() % 100;
        [century, century - 100, century - 200]
            .into_iter()
            .filter_map(|c| Date::new(c + yy, month, day).ok())
            .find(|d| *d <= today)
    }

    /// A warning when the region code is not in the current national table. Not an
    /// error: codes change when regions split, and old NIKs stay valid.
    pub fn region_warning(&self) -> Option<String> {
        let w = Wilayah::get();
        match w.by_digits(self.region_digits()) {
            Some(_) => None,
            None => Some(format!(
                "region code {} of NIK {} is not in the current kode wilayah table",
                sidik_wilayah::dotted(self.region_digits()).unwrap_or_default(),
                self.0
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn parses_a_woman_born_in_1985() {
        let nik = Nik::parse("3172015505850003").unwrap();
        assert_eq!(nik.jenis_kelamin(), JenisKelamin::Perempuan);
        assert_eq!(nik.tanggal_lahir(date(2015, 9, 9)), Some(date(1985, 5, 15)));
        assert_eq!(nik.serial(), 3);
        assert_eq!(nik.region_digits(), "317201");
        assert!(nik.region_warning().is_none());
    }

    #[test]
    fn century_comes_from_context() {
        let nik = Nik::parse("3172010101100001").unwrap();
        assert_eq!(nik.jenis_kelamin(), JenisKelamin::LakiLaki);
        assert_eq!(nik.tanggal_lahir(date(2026, 1, 1)), Some(date(2010, 1, 1)));
        assert_eq!(nik.tanggal_lahir(date(2009, 1, 1)), Some(date(1910, 1, 1)));
    }

    #[test]
    fn rejects_bad_shapes_with_clear_errors() {
        assert_eq!(
            Nik::parse("317201550585000"),
            Err(NikError::WrongLength(15))
        );
        assert_eq!(Nik::parse("31720155058500a3"), Err(NikError::NonDigit('a')));
        assert!(matches!(
            Nik::parse("0072015505850003"),
            Err(NikError::RegionZero(_))
        ));
        assert!(matches!(
            Nik::parse("3100015505850003"),
            Err(NikError::RegionZero(_))
        ));
        assert!(matches!(
            Nik::parse("3172013202850003"),
            Err(NikError::ImpossibleDate(_))
        ));
        assert!(matches!(
            Nik::parse("3172017202850003"),
            Err(NikError::ImpossibleDate(_))
        ));
        assert!(matches!(
            Nik::parse("3172013013850003"),
            Err(NikError::ImpossibleDate(_))
        ));
        assert_eq!(Nik::parse("3172015505850000"), Err(NikError::SerialZero));
        // 29 February exists in 2000, so 290200 is possible.
        assert!(Nik::parse("3172012902000001").is_ok());
        assert!(Nik::parse("3172012902010001").is_err());
    }

    #[test]
    fn unknown_region_is_a_warning_not_an_error() {
        let nik = Nik::parse("9999995505850003").unwrap();
        assert!(nik.region_warning().unwrap().contains("99.99.99"));
    }

    proptest::proptest! {
        #[test]
        fn from_parts_round_trips(
            y in 1930i16..2025, m in 1i8..=12, d in 1i8..=28,
            woman: bool, serial in 1u16..=9999
        ) {
            let lahir = date(y, m, d);
            let jk = if woman { JenisKelamin::Perempuan } else { JenisKelamin::LakiLaki };
            let nik = Nik::from_parts("317203", lahir, jk, serial).unwrap();
            proptest::prop_assert_eq!(nik.jenis_kelamin(), jk);
            proptest::prop_assert_eq!(nik.serial(), serial);
            proptest::prop_assert_eq!(nik.tanggal_lahir(date(2026, 1, 1)), Some(lahir));
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,20}") {
            let _ = Nik::parse(&s);
        }
    }
}
