//! Verifying a Suket QR against a [`TrustStore`] at a given instant.

use claim169_core::pipeline::{self, DetectedCompression};
use claim169_core::{CryptoError, CryptoResult, DecodeResult, Decoder, SignatureVerifier};
use coset::{iana, CborSerializable, CoseSign1, TaggedCborSerializable};
use ed25519_dalek::{Signature, VerifyingKey};

use crate::qr::from_claim169;
use crate::{parse_nomor_suket, KeyEntry, SuketClaims, TrustStore};

/// QR texts longer than this are refused as malformed.
pub const MAX_QR_CHARS: usize = 4096;
/// Decompressed COSE payloads larger than this (64 KiB) are refused as malformed.
pub const MAX_PAYLOAD_BYTES: usize = 64 * 1024;

/// Reason code of a revocation that comes from the signing key being revoked.
pub const REASON_KEY_REVOKED: &str = "kunci_dicabut";

/// The outcome of [`verify`], in decision order (first match wins):
/// `Malformed` → `UnknownKey` → `Forged` → `Revoked` → `Expired` → `Valid`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Signed by a known key, not revoked, not expired.
    Valid,
    /// Genuine and not revoked, but `now` is after `exp`.
    Expired,
    /// Genuine, but the key was revoked at or before `iat`, or the Suket (or its
    /// registration, revoked at or after `iat`) is on the centre list or on the
    /// issuing office's list.
    Revoked { reason: String, at: i64 },
    /// The signature does not verify with the key named by the kid, or the key
    /// belongs to another office than the CWT issuer.
    Forged,
    /// No kid in the protected header, or the kid is not in the key set.
    UnknownKey,
    /// Not Base45 / not zlib / not a COSE_Sign1 / not a CWT with a Suket claim
    /// 169, or over the size limits.
    Malformed,
}

impl Verdict {
    /// A stable machine name.
    pub fn slug(&self) -> &'static str {
        match self {
            Verdict::Valid => "valid",
            Verdict::Expired => "expired",
            Verdict::Revoked { .. } => "revoked",
            Verdict::Forged => "forged",
            Verdict::UnknownKey => "unknown_key",
            Verdict::Malformed => "malformed",
        }
    }

    /// The Indonesian label shown to the checker.
    pub fn label_id(&self) -> &'static str {
        match self {
            Verdict::Valid => "Sah",
            Verdict::Expired => "Kedaluwarsa",
            Verdict::Revoked { .. } => "Dicabut",
            Verdict::Forged => "Palsu (tanda tangan tidak cocok)",
            Verdict::UnknownKey => "Kunci penerbit tidak dikenal",
            Verdict::Malformed => "Tidak terbaca",
        }
    }
}

/// The full result of [`verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    pub verdict: Verdict,
    /// The decoded claims, for every verdict past `Malformed` (untrusted when
    /// `Forged` or `UnknownKey`).
    pub claims: Option<SuketClaims>,
    /// The kid of the protected header, if present and 8 bytes long.
    pub kid: Option<[u8; 8]>,
    /// The office of the signing key, when the key is in the key set.
    pub kantor: Option<String>,
    /// `now` minus the oldest `issued_at` of the trust lists the verdict relied
    /// on (key set, centre list, issuing office's list); `None` when malformed.
    pub list_age_secs: Option<i64>,
    /// A human-readable explanation (English).
    pub detail: String,
}

/// A claim169-core verifier over one Ed25519 key (strict verification).
struct Ed25519Verifier(VerifyingKey);

impl SignatureVerifier for Ed25519Verifier {
    fn verify(
        &self,
        algorithm: iana::Algorithm,
        _key_id: Option<&[u8]>,
        data: &[u8],
        signature: &[u8],
    ) -> CryptoResult<()> {
        if algorithm != iana::Algorithm::EdDSA {
            return Err(CryptoError::UnsupportedAlgorithm(format!("{algorithm:?}")));
        }
        let sig = Signature::from_slice(signature).map_err(|_| CryptoError::VerificationFailed)?;
        self.0
            .verify_strict(data, &sig)
            .map_err(|_| CryptoError::VerificationFailed)
    }
}

fn decoder(qr_text: &str) -> Decoder {
    // The verifier uses the caller's `now`, never the system clock.
    Decoder::new(qr_text)
        .without_timestamp_validation()
        .max_decompressed_bytes(MAX_PAYLOAD_BYTES)
        .strict_compression()
        .skip_biometrics()
}

/// What could be read from the QR without trusting it.
struct Unverified {
    claims: SuketClaims,
    kid: Option<[u8; 8]>,
    eddsa: bool,
}

/// Decodes without checking the signature; `Err` is the malformed detail.
fn decode_unverified(qr_text: &str) -> Result<Unverified, String> {
    if qr_text.len() > MAX_QR_CHARS {
        return Err(format!("QR text longer than {MAX_QR_CHARS} characters"));
    }
    let compressed = pipeline::base45_decode(qr_text).map_err(|_| "not Base45".to_string())?;
    let (cose, compression) = pipeline::decompress(&compressed, MAX_PAYLOAD_BYTES)
        .map_err(|e| format!("not a zlib stream within {MAX_PAYLOAD_BYTES} bytes: {e}"))?;
    if compression != DetectedCompression::Zlib {
        return Err("not zlib-compressed".into());
    }
    let sign1 = CoseSign1::from_tagged_slice(&cose)
        .or_else(|_| CoseSign1::from_slice(&cose))
        .map_err(|_| "not a COSE_Sign1".to_string())?;
    let result: DecodeResult = decoder(qr_text)
        .allow_unverified()
        .decode()
        .map_err(|e| format!("not a CWT with claim 169: {e}"))?;
    let claims = from_claim169(&result.claim169, &result.cwt_meta)
        .map_err(|e| format!("not a Suket: {e}"))?;
    let header = &sign1.protected.header;
    Ok(Unverified {
        claims,
        kid: header.key_id.as_slice().try_into().ok(),
        eddsa: header.alg == Some(coset::Algorithm::Assigned(iana::Algorithm::EdDSA)),
    })
}

fn signature_ok(qr_text: &str, entry: &KeyEntry) -> bool {
    let Ok(key) = VerifyingKey::from_bytes(&entry.public) else {
        return false;
    };
    decoder(qr_text)
        .verify_with(Ed25519Verifier(key))
        .decode()
        .is_ok()
}

/// Verifies a Suket QR text against `trust` at unix time `now`.
///
/// Never panics and never reads the system clock. See [`Verdict`] for the order.
pub fn verify(qr_text: &str, trust: &TrustStore, now: i64) -> Verification {
    let unverified = match decode_unverified(qr_text) {
        Ok(u) => u,
        Err(detail) => {
            return Verification {
                verdict: Verdict::Malformed,
                claims: None,
                kid: None,
                kantor: None,
                list_age_secs: None,
                detail,
            }
        }
    };
    let Unverified { claims, kid, eddsa } = unverified;
    let entry = kid.and_then(|k| trust.keys().find(&k));
    let relied_on = entry.map_or(claims.kantor.as_str(), |e| e.kantor.as_str());
    let list_age_secs = Some(now.saturating_sub(trust.list_issued_at_for(relied_on)));
    let (verdict, detail) = decide(qr_text, trust, now, &claims, kid, eddsa, entry);
    Verification {
        verdict,
        kid,
        kantor: entry.map(|e| e.kantor.clone()),
        list_age_secs,
        detail,
        claims: Some(claims),
    }
}

/// The decision past "malformed": returns the verdict and its detail.
fn decide(
    qr_text: &str,
    trust: &TrustStore,
    now: i64,
    claims: &SuketClaims,
    kid: Option<[u8; 8]>,
    eddsa: bool,
    entry: Option<&KeyEntry>,
) -> (Verdict, String) {
    let Some(kid) = kid else {
        return (
            Verdict::UnknownKey,
            "no 8-byte key id in the COSE protected header; the claims cannot be trusted".into(),
        );
    };
    let Some(entry) = entry else {
        return (
            Verdict::UnknownKey,
            format!(
                "key id {} is not in the key set; the claims cannot be trusted",
                hex_kid(&kid)
            ),
        );
    };
    if !eddsa || !signature_ok(qr_text, entry) {
        return (
            Verdict::Forged,
            format!(
                "the signature does not verify with key {} of office {}; the claims cannot be trusted",
                hex_kid(&kid),
                entry.kantor
            ),
        );
    }
    if entry.kantor != claims.kantor {
        return (
            Verdict::Forged,
            format!(
                "signed by a key of office {} but issued as office {}; the claims cannot be trusted",
                entry.kantor, claims.kantor
            ),
        );
    }
    if let Some(at) = entry.revoked_at.filter(|&at| at <= claims.diterbitkan) {
        let verdict = Verdict::Revoked {
            reason: REASON_KEY_REVOKED.into(),
            at,
        };
        return (
            verdict,
            format!("the signing key was revoked at {at}, before this Suket was issued"),
        );
    }
    let registrasi = parse_nomor_suket(&claims.nomor_suket).map_or("", |(r, _)| r);
    if let Some(r) = trust.revocation_for(
        &entry.kantor,
        &claims.nomor_suket,
        registrasi,
        claims.diterbitkan,
    ) {
        let verdict = Verdict::Revoked {
            reason: r.reason.clone(),
            at: r.revoked_at,
        };
        return (
            verdict,
            format!("revoked at {} ({})", r.revoked_at, r.reason),
        );
    }
    if now > claims.berlaku_hingga {
        return (
            Verdict::Expired,
            format!("expired at {} (now {now})", claims.berlaku_hingga),
        );
    }
    (Verdict::Valid, format!("signed by office {}", entry.kantor))
}

fn hex_kid(kid: &[u8; 8]) -> String {
    kid.iter().map(|b| format!("{b:02x}")).collect()
}
