//! Signed trust lists: the office key set and the revocation lists.
//!
//! Each list is a tagged COSE_Sign1: protected header `alg` = EdDSA,
//! `kid` = [`key_id`] of the signer, `content type` = `application/sidik-keyset+cbor`
//! or `application/sidik-revocations+cbor` (so one kind cannot pass as the
//! other); the payload is a CBOR map (see the crate README).

use std::collections::HashMap;

use coset::{iana, CborSerializable, CoseSign1, CoseSign1Builder, HeaderBuilder};
use coset::{ContentType, TaggedCborSerializable};
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};

use crate::key_id;

/// Opening refuses inputs longer than this (8 MiB).
pub const MAX_LIST_BYTES: usize = 8 * 1024 * 1024;

const KEYSET_TYPE: &str = "application/sidik-keyset+cbor";
const REVOCATIONS_TYPE: &str = "application/sidik-revocations+cbor";
const FORMAT_VERSION: u32 = 1;

/// Why a signed list was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TrustError {
    #[error("list too large: {0} bytes (max {MAX_LIST_BYTES})")]
    TooLarge(usize),
    #[error("not a COSE_Sign1: {0}")]
    NotCose(String),
    #[error("wrong list type or algorithm: {0}")]
    WrongType(String),
    #[error("signer key id is missing or unknown")]
    UnknownKey,
    #[error("signature does not verify")]
    BadSignature,
    #[error("signer may not sign this list: {0}")]
    NotAuthorised(String),
    #[error("payload is not a valid list: {0}")]
    BadPayload(String),
}

/// An office key certified by the centre.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyEntry {
    /// Must equal [`key_id`] of `public`.
    pub kid: [u8; 8],
    /// The office allowed to issue Sukets (and its own revocation list) with this key.
    pub kantor: String,
    pub public: [u8; 32],
    pub certified_at: i64,
    /// Sukets issued at or after this instant by this key are revoked.
    pub revoked_at: Option<i64>,
}

/// The centre's list of office keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySet {
    pub issued_at: i64,
    pub sequence: u64,
    pub keys: Vec<KeyEntry>,
}

/// What a revocation applies to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Subject {
    /// One Suket, by `nomor_suket`.
    Suket(String),
    /// Every Suket of this registration number issued at or before `revoked_at`.
    Registration(String),
}

/// One revoked Suket or registration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revocation {
    pub subject: Subject,
    pub revoked_at: i64,
    /// Short code, e.g. `"diserahkan"`, `"ganda"`, `"ditolak"`, `"petugas"`.
    pub reason: String,
}

/// A revocation list by the centre (`issuer` = `"pusat"`) or by an office
/// (`issuer` = its office code, signed by that office's key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevocationList {
    pub issuer: String,
    pub issued_at: i64,
    pub sequence: u64,
    pub entries: Vec<Revocation>,
}

#[derive(Serialize, Deserialize)]
struct WireKey {
    #[serde(with = "serde_bytes")]
    kid: Vec<u8>,
    kantor: String,
    #[serde(with = "serde_bytes")]
    public: Vec<u8>,
    certified_at: i64,
    revoked_at: Option<i64>,
}

#[derive(Serialize, Deserialize)]
struct WireKeySet {
    v: u32,
    issued_at: i64,
    sequence: u64,
    keys: Vec<WireKey>,
}

#[derive(Serialize, Deserialize)]
struct WireRevocations {
    v: u32,
    issuer: String,
    issued_at: i64,
    sequence: u64,
    entries: Vec<Revocation>,
}

fn to_cbor<T: Serialize>(value: &T) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing plain structs into a Vec cannot fail.
    ciborium::into_writer(value, &mut out).expect("CBOR serialisation into a Vec");
    out
}

fn from_cbor<T: for<'de> Deserialize<'de>>(bytes: &[u8]) -> Result<T, TrustError> {
    ciborium::from_reader(bytes).map_err(|e| TrustError::BadPayload(e.to_string()))
}

/// Signs `payload` as a tagged COSE_Sign1 with the kid in the protected header.
fn sign_cose(payload: Vec<u8>, content_type: &str, key: &SigningKey) -> Vec<u8> {
    let protected = HeaderBuilder::new()
        .algorithm(iana::Algorithm::EdDSA)
        .key_id(key_id(&key.verifying_key()).to_vec())
        .content_type(content_type.to_string())
        .build();
    let sign1 = CoseSign1Builder::new()
        .protected(protected)
        .payload(payload)
        .create_signature(&[], |data| key.sign(data).to_bytes().to_vec())
        .build();
    sign1
        .to_tagged_vec()
        .expect("COSE serialisation into a Vec")
}

/// Parses a COSE_Sign1 (tagged or not) and checks algorithm and content type.
/// Returns it with the protected kid; the signature is not checked yet.
fn parse_cose(bytes: &[u8], content_type: &str) -> Result<(CoseSign1, [u8; 8]), TrustError> {
    if bytes.len() > MAX_LIST_BYTES {
        return Err(TrustError::TooLarge(bytes.len()));
    }
    let sign1 = CoseSign1::from_tagged_slice(bytes)
        .or_else(|_| CoseSign1::from_slice(bytes))
        .map_err(|e| TrustError::NotCose(e.to_string()))?;
    let header = &sign1.protected.header;
    if header.alg != Some(coset::Algorithm::Assigned(iana::Algorithm::EdDSA)) {
        return Err(TrustError::WrongType("algorithm is not EdDSA".into()));
    }
    if header.content_type != Some(ContentType::Text(content_type.to_string())) {
        return Err(TrustError::WrongType(format!(
            "content type is not {content_type}"
        )));
    }
    let kid: [u8; 8] = header
        .key_id
        .as_slice()
        .try_into()
        .map_err(|_| TrustError::UnknownKey)?;
    Ok((sign1, kid))
}

/// Checks the signature with `key` and returns the payload.
fn check_signature(sign1: &CoseSign1, key: &VerifyingKey) -> Result<Vec<u8>, TrustError> {
    sign1
        .verify_signature(&[], |sig, data| {
            let sig = Signature::from_slice(sig).map_err(|_| ())?;
            key.verify_strict(data, &sig).map_err(|_| ())
        })
        .map_err(|()| TrustError::BadSignature)?;
    sign1
        .payload
        .clone()
        .ok_or_else(|| TrustError::BadPayload("detached payload".into()))
}

fn open_with(bytes: &[u8], content_type: &str, key: &VerifyingKey) -> Result<Vec<u8>, TrustError> {
    let (sign1, kid) = parse_cose(bytes, content_type)?;
    if kid != key_id(key) {
        return Err(TrustError::UnknownKey);
    }
    check_signature(&sign1, key)
}

impl KeySet {
    /// Serialises and signs the key set (centre key).
    pub fn sign(&self, key: &SigningKey) -> Vec<u8> {
        let wire = WireKeySet {
            v: FORMAT_VERSION,
            issued_at: self.issued_at,
            sequence: self.sequence,
            keys: self
                .keys
                .iter()
                .map(|k| WireKey {
                    kid: k.kid.to_vec(),
                    kantor: k.kantor.clone(),
                    public: k.public.to_vec(),
                    certified_at: k.certified_at,
                    revoked_at: k.revoked_at,
                })
                .collect(),
        };
        sign_cose(to_cbor(&wire), KEYSET_TYPE, key)
    }

    /// Checks the signature with the centre key and parses the key set.
    ///
    /// Every entry's kid must be [`key_id`] of its public key (a valid Ed25519
    /// point), and kids must be unique.
    pub fn open(bytes: &[u8], centre: &VerifyingKey) -> Result<KeySet, TrustError> {
        let payload = open_with(bytes, KEYSET_TYPE, centre)?;
        let wire: WireKeySet = from_cbor(&payload)?;
        if wire.v != FORMAT_VERSION {
            return Err(TrustError::BadPayload(format!("version {}", wire.v)));
        }
        let mut keys = Vec::with_capacity(wire.keys.len());
        for k in wire.keys {
            let public: [u8; 32] = k
                .public
                .as_slice()
                .try_into()
                .map_err(|_| TrustError::BadPayload("public key is not 32 bytes".into()))?;
            let verifying = VerifyingKey::from_bytes(&public)
                .map_err(|_| TrustError::BadPayload("public key is not an Ed25519 point".into()))?;
            if k.kid != key_id(&verifying) {
                return Err(TrustError::BadPayload("kid does not match the key".into()));
            }
            if keys.iter().any(|e: &KeyEntry| e.public == public) {
                return Err(TrustError::BadPayload("duplicate key".into()));
            }
            keys.push(KeyEntry {
                kid: key_id(&verifying),
                kantor: k.kantor,
                public,
                certified_at: k.certified_at,
                revoked_at: k.revoked_at,
            });
        }
        Ok(KeySet {
            issued_at: wire.issued_at,
            sequence: wire.sequence,
            keys,
        })
    }

    /// The entry with this kid.
    pub fn find(&self, kid: &[u8; 8]) -> Option<&KeyEntry> {
        self.keys.iter().find(|k| &k.kid == kid)
    }
}

impl RevocationList {
    /// Serialises and signs the list (centre key, or the issuing office's key).
    pub fn sign(&self, key: &SigningKey) -> Vec<u8> {
        let wire = WireRevocations {
            v: FORMAT_VERSION,
            issuer: self.issuer.clone(),
            issued_at: self.issued_at,
            sequence: self.sequence,
            entries: self.entries.clone(),
        };
        sign_cose(to_cbor(&wire), REVOCATIONS_TYPE, key)
    }

    /// Checks the signature with `key` and parses the list. Whether that key
    /// may sign for `issuer` is the caller's business (see
    /// [`TrustStore::add_office_list_signed`]).
    pub fn open(bytes: &[u8], key: &VerifyingKey) -> Result<RevocationList, TrustError> {
        let payload = open_with(bytes, REVOCATIONS_TYPE, key)?;
        Self::parse_payload(&payload)
    }

    fn parse_payload(payload: &[u8]) -> Result<RevocationList, TrustError> {
        let wire: WireRevocations = from_cbor(payload)?;
        if wire.v != FORMAT_VERSION {
            return Err(TrustError::BadPayload(format!("version {}", wire.v)));
        }
        Ok(RevocationList {
            issuer: wire.issuer,
            issued_at: wire.issued_at,
            sequence: wire.sequence,
            entries: wire.entries,
        })
    }
}

/// The trust material a verifier holds: the key set, the centre's revocation
/// list and the offices' own revocation lists (one per office, newest sequence).
#[derive(Debug, Clone)]
pub struct TrustStore {
    keys: KeySet,
    centre: Option<RevocationList>,
    offices: HashMap<String, RevocationList>,
}

impl TrustStore {
    pub fn new(keys: KeySet) -> TrustStore {
        TrustStore {
            keys,
            centre: None,
            offices: HashMap::new(),
        }
    }

    /// The key set in use.
    pub fn keys(&self) -> &KeySet {
        &self.keys
    }

    /// Installs the centre's list (opened with the centre key by the caller).
    /// A list with a lower sequence than the one held is ignored (no rollback).
    pub fn add_centre_list(&mut self, list: RevocationList) {
        if self
            .centre
            .as_ref()
            .is_none_or(|c| list.sequence > c.sequence)
        {
            self.centre = Some(list);
        }
    }

    /// Installs an office's own list, keyed by `list.issuer`. The caller must
    /// have opened it with a key of the key set whose `kantor == list.issuer`;
    /// [`TrustStore::add_office_list_signed`] does that check itself.
    /// A list with a lower sequence than the one held is ignored.
    pub fn add_office_list(&mut self, list: RevocationList) {
        let newer = self
            .offices
            .get(&list.issuer)
            .is_none_or(|held| list.sequence > held.sequence);
        if newer {
            self.offices.insert(list.issuer.clone(), list);
        }
    }

    /// Opens a signed office list: the signer must be an unrevoked key of the
    /// key set whose `kantor` equals the list's `issuer`.
    pub fn add_office_list_signed(&mut self, bytes: &[u8]) -> Result<RevocationList, TrustError> {
        let (sign1, kid) = parse_cose(bytes, REVOCATIONS_TYPE)?;
        let entry = self.keys.find(&kid).ok_or(TrustError::UnknownKey)?;
        let key = VerifyingKey::from_bytes(&entry.public).map_err(|_| TrustError::UnknownKey)?;
        let payload = check_signature(&sign1, &key)?;
        let list = RevocationList::parse_payload(&payload)?;
        if list.issuer != entry.kantor {
            return Err(TrustError::NotAuthorised(format!(
                "key of {} signed a list of {}",
                entry.kantor, list.issuer
            )));
        }
        if entry.revoked_at.is_some() {
            return Err(TrustError::NotAuthorised("signing key is revoked".into()));
        }
        self.add_office_list(list.clone());
        Ok(list)
    }

    /// Oldest `issued_at` among the key set and every revocation list held.
    pub fn list_issued_at(&self) -> Option<i64> {
        let lists = self.centre.iter().chain(self.offices.values());
        lists
            .map(|l| l.issued_at)
            .chain(std::iter::once(self.keys.issued_at))
            .min()
    }

    /// Oldest `issued_at` among the lists a verdict on a Suket of `kantor`
    /// relies on: the key set, the centre list and that office's list.
    pub fn list_issued_at_for(&self, kantor: &str) -> i64 {
        let lists = self.centre.iter().chain(self.offices.get(kantor));
        lists
            .map(|l| l.issued_at)
            .fold(self.keys.issued_at, i64::min)
    }

    /// The revocation that applies to a Suket of `kantor`, `nomor_suket`,
    /// registration `registrasi`, issued at `iat`, if any (earliest `revoked_at`).
    pub(crate) fn revocation_for(
        &self,
        kantor: &str,
        nomor_suket: &str,
        registrasi: &str,
        iat: i64,
    ) -> Option<&Revocation> {
        let lists = self.centre.iter().chain(self.offices.get(kantor));
        lists
            .flat_map(|l| l.entries.iter())
            .filter(|r| match &r.subject {
                Subject::Suket(s) => s == nomor_suket,
                Subject::Registration(reg) => reg == registrasi && r.revoked_at >= iat,
            })
            .min_by_key(|r| r.revoked_at)
    }
}
