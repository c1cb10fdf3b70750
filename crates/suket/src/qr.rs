//! The Suket QR: claims ⇄ Claim 169 / CWT, and the Ed25519 signer.

use claim169_core::model::{Claim169, CwtMeta, Gender};
use claim169_core::{CryptoError, CryptoResult, Encoder, Signer};
use coset::iana;
use ed25519_dalek::{Signer as _, SigningKey};

use crate::verify::MAX_QR_CHARS;
use crate::{key_id, parse_nomor_suket, JenisKelaminClaim, SuketClaims, SuketError};

/// Prefix of the CWT `iss` claim; the office code follows.
pub(crate) const ISSUER_PREFIX: &str = "sidik:kantor:";
/// Claim 169 `language` of the primary fields (ISO 639-3 Indonesian).
const LANGUAGE: &str = "ind";
/// Claim 169 `countryOfIssuance`.
const COUNTRY_OF_ISSUANCE: &str = "IDN";

/// A claim169-core [`Signer`] over an Ed25519 key; its key id is [`key_id`].
///
/// The claim169-core encoder puts the signer's key id in the COSE protected
/// header (next to the algorithm), which is what the verifier requires.
struct Ed25519KidSigner {
    key: SigningKey,
    kid: [u8; 8],
}

impl Signer for Ed25519KidSigner {
    fn sign(
        &self,
        algorithm: iana::Algorithm,
        _key_id: Option<&[u8]>,
        data: &[u8],
    ) -> CryptoResult<Vec<u8>> {
        if algorithm != iana::Algorithm::EdDSA {
            return Err(CryptoError::UnsupportedAlgorithm(format!("{algorithm:?}")));
        }
        Ok(self.key.sign(data).to_bytes().to_vec())
    }

    fn key_id(&self) -> Option<&[u8]> {
        Some(&self.kid)
    }
}

fn invalid(field: &'static str, why: impl Into<String>) -> SuketError {
    SuketError::InvalidClaim {
        field,
        why: why.into(),
    }
}

fn check_claims(claims: &SuketClaims) -> Result<(), SuketError> {
    match parse_nomor_suket(&claims.nomor_suket) {
        Some((registrasi, _)) if registrasi == claims.nomor_registrasi => {}
        Some(_) => return Err(invalid("nomor_suket", "does not contain nomor_registrasi")),
        None => return Err(invalid("nomor_suket", "expected SKT-{registrasi}-{n}")),
    }
    if claims.nik.len() != 16 || !claims.nik.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid("nik", "expected 16 digits"));
    }
    if claims.nama.trim().is_empty() {
        return Err(invalid("nama", "empty"));
    }
    if claims.kantor.is_empty() || !claims.kantor.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(invalid("kantor", "expected an alphanumeric office code"));
    }
    if claims.kewarganegaraan.len() != 3
        || !claims
            .kewarganegaraan
            .bytes()
            .all(|b| b.is_ascii_uppercase())
    {
        return Err(invalid("kewarganegaraan", "expected ISO 3166-1 alpha-3"));
    }
    if claims.berlaku_hingga <= claims.diterbitkan {
        return Err(invalid("berlaku_hingga", "not after diterbitkan"));
    }
    Ok(())
}

fn format_date(date: jiff::civil::Date) -> String {
    format!("{:04}{:02}{:02}", date.year(), date.month(), date.day())
}

/// Parses `YYYYMMDD` (Claim 169) or `YYYY-MM-DD`.
fn parse_date(text: &str) -> Option<jiff::civil::Date> {
    let digits: String = match text.len() {
        8 => text.to_string(),
        10 if text.as_bytes()[4] == b'-' && text.as_bytes()[7] == b'-' => text.replace('-', ""),
        _ => return None,
    };
    if digits.len() != 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year: i16 = digits[0..4].parse().ok()?;
    let month: i8 = digits[4..6].parse().ok()?;
    let day: i8 = digits[6..8].parse().ok()?;
    jiff::civil::Date::new(year, month, day).ok()
}

fn to_claim169(claims: &SuketClaims) -> (Claim169, CwtMeta) {
    let gender = match claims.jenis_kelamin {
        JenisKelaminClaim::Laki => Gender::Male,
        JenisKelaminClaim::Perempuan => Gender::Female,
    };
    let claim = Claim169::new()
        .with_id(claims.nik.clone())
        .with_language(LANGUAGE)
        .with_full_name(claims.nama.clone())
        .with_date_of_birth(format_date(claims.tanggal_lahir))
        .with_gender(gender)
        .with_address(claims.alamat.clone())
        .with_nationality(claims.kewarganegaraan.clone())
        .with_country_of_issuance(COUNTRY_OF_ISSUANCE);
    let meta = CwtMeta::new()
        .with_issuer(format!("{ISSUER_PREFIX}{}", claims.kantor))
        .with_subject(claims.nomor_suket.clone())
        .with_issued_at(claims.diterbitkan)
        .with_not_before(claims.diterbitkan)
        .with_expires_at(claims.berlaku_hingga);
    (claim, meta)
}

/// Encodes and signs a Suket; returns the Base45 text to put in the QR.
///
/// The key id in the COSE protected header is [`key_id`] of `key`'s public key.
pub fn encode(claims: &SuketClaims, key: &SigningKey) -> Result<String, SuketError> {
    check_claims(claims)?;
    let (claim, meta) = to_claim169(claims);
    let signer = Ed25519KidSigner {
        key: key.clone(),
        kid: key_id(&key.verifying_key()),
    };
    let encoded = Encoder::new(claim, meta)
        .sign_with(signer, iana::Algorithm::EdDSA)
        .encode()
        .map_err(|e| SuketError::Encoding(e.to_string()))?;
    let text = encoded.qr_data;
    if text.len() > MAX_QR_CHARS {
        return Err(SuketError::TooLong(text.len()));
    }
    Ok(text)
}

/// Rebuilds the claims from a decoded Claim 169 and its CWT metadata.
///
/// Returns a description of the first missing or malformed field on failure.
pub(crate) fn from_claim169(claim: &Claim169, meta: &CwtMeta) -> Result<SuketClaims, String> {
    let kantor = meta
        .issuer
        .as_deref()
        .and_then(|iss| iss.strip_prefix(ISSUER_PREFIX))
        .filter(|k| !k.is_empty())
        .ok_or("CWT iss is not sidik:kantor:{kantor}")?;
    let nomor_suket = meta.subject.as_deref().ok_or("CWT sub missing")?;
    let (registrasi, _) =
        parse_nomor_suket(nomor_suket).ok_or("CWT sub is not SKT-{registrasi}-{n}")?;
    let diterbitkan = meta.issued_at.ok_or("CWT iat missing")?;
    let berlaku_hingga = meta.expires_at.ok_or("CWT exp missing")?;
    let tanggal_lahir = claim
        .date_of_birth
        .as_deref()
        .and_then(parse_date)
        .ok_or("dateOfBirth missing or not YYYYMMDD")?;
    let jenis_kelamin = match claim.gender {
        Some(Gender::Male) => JenisKelaminClaim::Laki,
        Some(Gender::Female) => JenisKelaminClaim::Perempuan,
        _ => return Err("gender missing or not 1/2".into()),
    };
    Ok(SuketClaims {
        nomor_suket: nomor_suket.to_string(),
        nomor_registrasi: registrasi.to_string(),
        nik: claim.id.clone().ok_or("id (NIK) missing")?,
        nama: claim.full_name.clone().ok_or("fullName missing")?,
        tempat_lahir: String::new(),
        tanggal_lahir,
        jenis_kelamin,
        alamat: claim.address.clone().unwrap_or_default(),
        kewarganegaraan: claim.nationality.clone().unwrap_or_default(),
        kantor: kantor.to_string(),
        diterbitkan,
        berlaku_hingga,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        let date = jiff::civil::date(1990, 5, 15);
        assert_eq!(format_date(date), "19900515");
        assert_eq!(parse_date("19900515"), Some(date));
        assert_eq!(parse_date("1990-05-15"), Some(date));
        assert_eq!(parse_date("19901315"), None);
        assert_eq!(parse_date("1990051"), None);
        assert_eq!(parse_date("1990+05+15"), None);
        assert_eq!(parse_date("１９９０"), None);
    }
}
