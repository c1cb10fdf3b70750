//! Nomor Kartu Keluarga (family card number).
//!
//! 16 digits: issuing region (6) + recording date DDMMYY + serial (4).

use std::fmt;

use jiff::civil::Date;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KkError {
    #[error("KK number must be exactly 16 digits, got {0} characters")]
    WrongLength(usize),
    #[error("KK number must contain digits only (found {0:?})")]
    NonDigit(char),
    #[error("KK region code {0} is invalid: province, regency and kecamatan may not be 00")]
    RegionZero(String),
    #[error("KK recording date {0} is not a real date")]
    ImpossibleDate(String),
    #[error("KK serial 0000 is not issued")]
    SerialZero,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NomorKk(String);

impl fmt::Display for NomorKk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl NomorKk {
    pub fn parse(s: &str) -> Result<NomorKk, KkError> {
        let s = s.trim();
        if let Some(c) = s.chars().find(|c| !c.is_ascii_digit()) {
            return Err(KkError::NonDigit(c));
        }
        if s.len() != 16 {
            return Err(KkError::WrongLength(s.chars().count()));
        }
        if s[0..2] == *"00" || s[2..4] == *"00" || s[4..6] == *"00" {
            return Err(KkError::RegionZero(s[0..6].to_string()));
        }
        let n = |a: usize| s[a..a + 2].parse::<i16>().expect("digits");
        let (d, m, y) = (n(6), n(8), n(10));
        let ok = (1..=31).contains(&d)
            && (1..=12).contains(&m)
            && (Date::new(1900 + y, m as i8, d as i8).is_ok()
                || Date::new(2000 + y, m as i8, d as i8).is_ok());
        if !ok {
            return Err(KkError::ImpossibleDate(s[6..12].to_string()));
        }
        if &s[12..16] == "0000" {
            return Err(KkError::SerialZero);
        }
        Ok(NomorKk(s.to_string()))
    }

    pub fn from_parts(region: &str, dicatat: Date, serial: u16) -> Result<NomorKk, KkError> {
        NomorKk::parse(&format!(
            "{region}{:02}{:02}{:02}{serial:04}",
            dicatat.day(),
            dicatat.month(),
            dicatat.year() % 100
        ))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kk_rules() {
        assert!(NomorKk::parse("3172010905150012").is_ok());
        assert_eq!(
            NomorKk::parse("31720109051500"),
            Err(KkError::WrongLength(14))
        );
        assert!(matches!(
            NomorKk::parse("3172014905150012"),
            Err(KkError::ImpossibleDate(_))
        ));
        assert_eq!(NomorKk::parse("3172010905150000"), Err(KkError::SerialZero));
        let kk = NomorKk::from_parts("317201", jiff::civil::date(2015, 9, 9), 12).unwrap();
        assert_eq!(kk.as_str(), "3172010909150012");
    }
}
