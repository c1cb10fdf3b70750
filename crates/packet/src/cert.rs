//! Office certificates and the centre's key ring.

use std::collections::BTreeMap;

use ed25519_dalek::Signature;
use serde::{Deserialize, Serialize};
use sidik_domain::KodeKantor;

use crate::keys::{armor, unarmor, CentreVerifyingKey, CertifyingKey, OfficePublicKey};

/// Domain-separation prefix of the message a certificate signs.
const CERT_LABEL: &str = "sidik-office-certificate-v1";
const CERT_TEXT_LABEL: &str = "SIDIK OFFICE CERTIFICATE";

/// Why a certificate is not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertError {
    #[error("certificate office code {0:?} is not a 6-digit office code")]
    BadOffice(String),
    #[error("certificate signature does not verify under the centre's key (tampered, or issued by another centre)")]
    BadSignature,
    #[error(
        "key {key} is already certified for office {certified_for}; one key serves one office"
    )]
    KeyOfOtherOffice { key: String, certified_for: String },
    #[error("certificate text is not valid: {0}")]
    Text(String),
}

/// The centre's statement "this Ed25519 key speaks for office `office`", signed with
/// the centre's certifying key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Certificate {
    pub office: String,
    pub public_key: OfficePublicKey,
    /// Unix nanoseconds, supplied by the caller.
    pub issued_at: i64,
    #[serde(with = "sig_hex")]
    pub signature: [u8; 64],
}

mod sig_hex {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(b: &[u8; 64], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(b))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 64], D::Error> {
        let s = String::deserialize(d)?;
        let mut out = [0u8; 64];
        hex::decode_to_slice(&s, &mut out).map_err(serde::de::Error::custom)?;
        Ok(out)
    }
}

fn signed_message(office: &str, key: &OfficePublicKey, issued_at: i64) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::into_writer(
        &(
            CERT_LABEL,
            office,
            serde_bytes::Bytes::new(&key.to_bytes()),
            issued_at,
        ),
        &mut out,
    )
    .expect("CBOR into a Vec cannot fail");
    out
}

impl Certificate {
    pub fn issue(
        centre: &CertifyingKey,
        office: &KodeKantor,
        public_key: &OfficePublicKey,
        issued_at: i64,
    ) -> Certificate {
        let sig = centre.sign(&signed_message(office.as_str(), public_key, issued_at));
        Certificate {
            office: office.as_str().to_string(),
            public_key: *public_key,
            issued_at,
            signature: sig.to_bytes(),
        }
    }

    pub fn verify(&self, centre: &CentreVerifyingKey) -> Result<(), CertError> {
        match KodeKantor::parse(&self.office) {
            Ok(k) if k.as_str() == self.office => {}
            _ => return Err(CertError::BadOffice(self.office.clone())),
        }
        let msg = signed_message(&self.office, &self.public_key, self.issued_at);
        centre
            .0
            .verify_strict(&msg, &Signature::from_bytes(&self.signature))
            .map_err(|_| CertError::BadSignature)
    }

    /// Armoured text for a file: hex of the CBOR encoding.
    pub fn to_text(&self) -> String {
        let mut cbor = Vec::new();
        ciborium::into_writer(self, &mut cbor).expect("CBOR into a Vec cannot fail");
        armor(CERT_TEXT_LABEL, &cbor).to_string()
    }

    /// Parses [`Certificate::to_text`]. Does not verify: use [`Certificate::verify`] or
    /// [`KeyRing::add`].
    pub fn from_text(text: &str) -> Result<Certificate, CertError> {
        let hex = unarmor(text, CERT_TEXT_LABEL).map_err(|e| CertError::Text(e.to_string()))?;
        let cbor = hex::decode(hex.as_str()).map_err(|e| CertError::Text(e.to_string()))?;
        ciborium::from_reader(cbor.as_slice()).map_err(|e| CertError::Text(e.to_string()))
    }
}

/// A certified key as the ring holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RingEntry {
    pub certificate: Certificate,
    pub revoked: bool,
}

/// The offices the centre trusts: per office code, its certified keys (more than one
/// while a key is being rotated), each with a revoked flag. Every certificate is
/// verified against the centre's key before it enters the ring.
#[derive(Debug, Clone)]
pub struct KeyRing {
    centre: CentreVerifyingKey,
    offices: BTreeMap<String, Vec<RingEntry>>,
    by_key: BTreeMap<[u8; 32], String>,
}

/// What the ring knows about a (claimed office, signing key) pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup<'a> {
    /// The office has no certified key at all.
    UnknownOffice,
    /// The office is known but this key is not certified for it; `certified_for` is
    /// the office the key does belong to, if any.
    NotCertified {
        certified_for: Option<&'a str>,
    },
    Certified(&'a RingEntry),
}

impl KeyRing {
    pub fn new(centre: CentreVerifyingKey) -> KeyRing {
        KeyRing {
            centre,
            offices: BTreeMap::new(),
            by_key: BTreeMap::new(),
        }
    }

    pub fn centre(&self) -> &CentreVerifyingKey {
        &self.centre
    }

    /// Verifies and adds a certificate. Re-adding a certified key is a no-op (a revoked
    /// key stays revoked); a key already certified for another office is refused.
    pub fn add(&mut self, cert: Certificate) -> Result<(), CertError> {
        cert.verify(&self.centre)?;
        let key = cert.public_key.to_bytes();
        if let Some(other) = self.by_key.get(&key) {
            if *other != cert.office {
                return Err(CertError::KeyOfOtherOffice {
                    key: cert.public_key.to_string(),
                    certified_for: other.clone(),
                });
            }
            return Ok(());
        }
        self.by_key.insert(key, cert.office.clone());
        self.offices
            .entry(cert.office.clone())
            .or_default()
            .push(RingEntry {
                certificate: cert,
                revoked: false,
            });
        Ok(())
    }

    /// Marks a key revoked. Returns false if the key is not certified for `office`.
    pub fn revoke(&mut self, office: &str, key: &OfficePublicKey) -> bool {
        match self
            .offices
            .get_mut(office)
            .and_then(|v| v.iter_mut().find(|e| e.certificate.public_key == *key))
        {
            Some(e) => {
                e.revoked = true;
                true
            }
            None => false,
        }
    }

    /// The certified keys of an office (empty if unknown).
    pub fn entries(&self, office: &str) -> &[RingEntry] {
        self.offices.get(office).map_or(&[], Vec::as_slice)
    }

    /// Looks up the raw signing key a packet names for the office it claims.
    pub fn lookup(&self, office: &str, key: &[u8; 32]) -> Lookup<'_> {
        let Some(entries) = self.offices.get(office) else {
            return Lookup::UnknownOffice;
        };
        match entries
            .iter()
            .find(|e| e.certificate.public_key.to_bytes() == *key)
        {
            Some(e) => Lookup::Certified(e),
            None => Lookup::NotCertified {
                certified_for: self.by_key.get(key).map(String::as_str),
            },
        }
    }
}

const REQUEST_LABEL: &[u8] = b"sidik-request-v1\0";

fn request_message(office: &str, unix_seconds: i64, what: &str) -> Vec<u8> {
    [
        REQUEST_LABEL,
        office.as_bytes(),
        b"\0",
        unix_seconds.to_string().as_bytes(),
        b"\0",
        what.as_bytes(),
    ]
    .concat()
}

/// Signs an office's request to the centre (for example a feed read): the office code,
/// the request time and a description of the request (method, path and query).
pub fn sign_request(
    keys: &crate::keys::OfficeKeys,
    office: &str,
    unix_seconds: i64,
    what: &str,
) -> [u8; 64] {
    keys.sign(&request_message(office, unix_seconds, what))
        .to_bytes()
}

impl KeyRing {
    /// Whether `signature` over the request was made by a certified, unrevoked key of
    /// `office`.
    pub fn verify_request(
        &self,
        office: &str,
        unix_seconds: i64,
        what: &str,
        signature: &[u8; 64],
    ) -> bool {
        let msg = request_message(office, unix_seconds, what);
        let sig = Signature::from_bytes(signature);
        self.entries(office)
            .iter()
            .filter(|e| !e.revoked)
            .any(|e| e.certificate.public_key.0.verify_strict(&msg, &sig).is_ok())
    }
}

#[cfg(test)]
mod request_tests {
    use super::*;
    use crate::keys::{CertifyingKey, OfficeKeys};
    use rand_chacha::rand_core::SeedableRng;

    #[test]
    fn signed_requests_verify_only_for_the_certified_unrevoked_key() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(5);
        let centre = CertifyingKey::generate(&mut rng);
        let office = OfficeKeys::generate(&mut rng);
        let other = OfficeKeys::generate(&mut rng);
        let kode = KodeKantor::parse("317201").unwrap();
        let mut ring = KeyRing::new(centre.verifying_key());
        ring.add(Certificate::issue(&centre, &kode, &office.public_key(), 1))
            .unwrap();
        let sig = sign_request(&office, "317201", 100, "GET /feed?after=0");
        assert!(ring.verify_request("317201", 100, "GET /feed?after=0", &sig));
        assert!(!ring.verify_request("317201", 101, "GET /feed?after=0", &sig));
        assert!(!ring.verify_request("317201", 100, "GET /feed?after=9", &sig));
        assert!(!ring.verify_request("317202", 100, "GET /feed?after=0", &sig));
        let forged = sign_request(&other, "317201", 100, "GET /feed?after=0");
        assert!(!ring.verify_request("317201", 100, "GET /feed?after=0", &forged));
        ring.revoke("317201", &office.public_key());
        assert!(!ring.verify_request("317201", 100, "GET /feed?after=0", &sig));
    }
}
