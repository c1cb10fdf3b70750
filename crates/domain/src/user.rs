//! Officer accounts and roles.

use std::fmt;

/// An officer's role. Every write in Sidik requires a role that may perform it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Peran {
    /// Perekaman: enrolls residents.
    Operator,
    /// Adjudicates duplicate suspects and rejections.
    Verifikator,
    /// Prints and hands over cards.
    Pencetak,
    /// Everything, plus account management.
    Admin,
}

impl Peran {
    pub const ALL: &'static [Peran] = &[
        Peran::Operator,
        Peran::Verifikator,
        Peran::Pencetak,
        Peran::Admin,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Peran::Operator => "operator",
            Peran::Verifikator => "verifikator",
            Peran::Pencetak => "pencetak",
            Peran::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Result<Peran, String> {
        Peran::ALL
            .iter()
            .copied()
            .find(|p| p.slug() == s.trim().to_ascii_lowercase())
            .ok_or_else(|| {
                format!("unknown role {s:?}; expected operator, verifikator, pencetak or admin")
            })
    }
}

impl fmt::Display for Peran {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.slug())
    }
}

/// A login name: 3-32 characters of a-z, 0-9, '.', '_' or '-'.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Username(String);

impl Username {
    pub fn parse(s: &str) -> Result<Username, String> {
        let t = s.trim();
        let ok = (3..=32).contains(&t.len())
            && t.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
        if ok {
            Ok(Username(t.to_string()))
        } else {
            Err(format!(
                "username {t:?} must be 3-32 characters of a-z, 0-9, '.', '_' or '-'"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Minimum password rules for officer accounts.
pub fn check_password(p: &str) -> Result<(), String> {
    if p.chars().count() < 10 {
        return Err("password must be at least 10 characters".into());
    }
    Ok(())
}
