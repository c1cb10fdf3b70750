//! Suket: the *surat keterangan pengganti KTP-el*, a provisional ID
//! certificate valid six months, carried as a MOSIP Claim 169 QR code.
//!
//! No I/O: no files, no network, no clock. Time is passed in as unix seconds.
//!
//! # QR format
//!
//! Claim 169 map (CBOR) → CWT (claim key 169) → COSE_Sign1 (EdDSA / Ed25519,
//! algorithm and 8-byte key id in the *protected* header) → zlib → Base45.
//! No photo and no biometrics are put in the QR, so it stays printable.
//!
//! # Field mapping
//!
//! | Suket field         | Where in the QR                                   |
//! |---------------------|---------------------------------------------------|
//! | `nik`               | Claim 169 key 1 `id`                              |
//! | (constant `"ind"`)  | Claim 169 key 3 `language`                        |
//! | `nama`              | Claim 169 key 4 `fullName`                        |
//! | `tanggal_lahir`     | Claim 169 key 8 `dateOfBirth`, `YYYYMMDD`         |
//! | `jenis_kelamin`     | Claim 169 key 9 `gender` (1 Laki, 2 Perempuan)    |
//! | `alamat`            | Claim 169 key 10 `address` (lines joined by `\n`) |
//! | `kewarganegaraan`   | Claim 169 key 13 `nationality` (e.g. `IDN`)       |
//! | (constant `"IDN"`)  | Claim 169 key 23 `countryOfIssuance`              |
//! | `kantor`            | CWT `iss` (1) = `sidik:kantor:{kantor}`           |
//! | `nomor_suket`       | CWT `sub` (2)                                     |
//! | `nomor_registrasi`  | recovered from `sub`: `SKT-{registrasi}-{n}`      |
//! | `diterbitkan`       | CWT `iat` (6) and `nbf` (5)                       |
//! | `berlaku_hingga`    | CWT `exp` (4)                                     |
//! | `tempat_lahir`      | not carried (Claim 169 has no place-of-birth key) |
//!
//! A decoded [`SuketClaims`] therefore has an empty `tempat_lahir`.
//!
//! # Verification
//!
//! [`verify`] decides, in this order: malformed → unknown key → forged →
//! revoked → expired → valid. See [`Verdict`].
//!
//! # Trust lists
//!
//! [`KeySet`] (the office keys certified by the centre) and
//! [`RevocationList`] (by the centre, or by an office for its own Sukets) are
//! each a COSE_Sign1 (EdDSA, kid in the protected header) over a CBOR map.
//! [`TrustStore`] holds the opened lists for [`verify`].

mod qr;
mod qrimage;
mod trust;
mod verify;

pub use qr::encode;
pub use qrimage::{qr_text_from_image, ImageError, MAX_IMAGE_BYTES, MAX_IMAGE_SIDE};
pub use trust::{
    KeyEntry, KeySet, Revocation, RevocationList, Subject, TrustError, TrustStore, MAX_LIST_BYTES,
};
pub use verify::{
    verify, Verdict, Verification, MAX_PAYLOAD_BYTES, MAX_QR_CHARS, REASON_KEY_REVOKED,
};

use sha2::{Digest, Sha256};

/// Sex as printed on the Suket (Claim 169 `gender`: 1 male, 2 female).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JenisKelaminClaim {
    Laki,
    Perempuan,
}

/// What a Suket says about its holder (all strings already formatted by the caller).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuketClaims {
    /// `SKT-{nomor_registrasi}-{n}`, n = 1 for the first issue, 2.. for renewals.
    pub nomor_suket: String,
    /// The application's registration number.
    pub nomor_registrasi: String,
    /// 16 digits.
    pub nik: String,
    pub nama: String,
    /// Not carried in the QR (empty after decoding).
    pub tempat_lahir: String,
    pub tanggal_lahir: jiff::civil::Date,
    pub jenis_kelamin: JenisKelaminClaim,
    /// Full address, lines separated by `'\n'`.
    pub alamat: String,
    /// ISO 3166-1 alpha-3, e.g. `"IDN"`.
    pub kewarganegaraan: String,
    /// Issuing office code, e.g. `"317201"`.
    pub kantor: String,
    /// Unix seconds (CWT `iat` and `nbf`).
    pub diterbitkan: i64,
    /// Unix seconds (CWT `exp`).
    pub berlaku_hingga: i64,
}

impl SuketClaims {
    /// The claims as they come back out of a QR: `tempat_lahir` is not carried.
    pub fn as_carried(&self) -> SuketClaims {
        SuketClaims {
            tempat_lahir: String::new(),
            ..self.clone()
        }
    }
}

/// Why a Suket could not be encoded.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SuketError {
    #[error("invalid claim {field}: {why}")]
    InvalidClaim { field: &'static str, why: String },
    #[error("QR text too long: {0} characters (max {MAX_QR_CHARS})")]
    TooLong(usize),
    #[error("encoding failed: {0}")]
    Encoding(String),
}

/// The key id of an Ed25519 public key: the first 8 bytes of SHA-256 of its 32 bytes.
pub fn key_id(public: &ed25519_dalek::VerifyingKey) -> [u8; 8] {
    let digest = Sha256::digest(public.as_bytes());
    let mut kid = [0u8; 8];
    kid.copy_from_slice(&digest[..8]);
    kid
}

/// Splits `SKT-{registration}-{n}` into the registration number and `n` (≥ 1).
pub fn parse_nomor_suket(nomor_suket: &str) -> Option<(&str, u32)> {
    let rest = nomor_suket.strip_prefix("SKT-")?;
    let (registrasi, n) = rest.rsplit_once('-')?;
    if registrasi.is_empty() || n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if n.starts_with('0') {
        return None;
    }
    let n: u32 = n.parse().ok()?;
    Some((registrasi, n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nomor_suket_parses() {
        assert_eq!(
            parse_nomor_suket("SKT-3172012015090900001-1"),
            Some(("3172012015090900001", 1))
        );
        assert_eq!(parse_nomor_suket("SKT-A-B-12"), Some(("A-B", 12)));
        assert_eq!(parse_nomor_suket("SKT-123-0"), None);
        assert_eq!(parse_nomor_suket("SKT-123-01"), None);
        assert_eq!(parse_nomor_suket("SKT--1"), None);
        assert_eq!(parse_nomor_suket("KTP-123-1"), None);
        assert_eq!(parse_nomor_suket("SKT-123-"), None);
    }

    #[test]
    fn key_id_is_sha256_prefix() {
        let key = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
        let public = key.verifying_key();
        let digest = Sha256::digest(public.as_bytes());
        assert_eq!(key_id(&public).as_slice(), &digest[..8]);
    }
}
