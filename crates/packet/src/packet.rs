//! Sealing, encoding and opening packets.
//!
//! Wire format (CBOR, every map in declaration order, shortest integer heads):
//!
//! ```text
//! envelope = { content: bstr, hash: bstr .size 32, signature: bstr .size 64 }
//! content  = { v: 1, header: Header, signer: bstr .size 32,
//!              sealed: { recipient: bstr .size 32, ephemeral: bstr .size 32,
//!                        nonce: bstr .size 12, ciphertext: bstr } }
//! hash      = SHA-256(content)
//! signature = Ed25519(office key, "sidik-packet-v1/signature" || 0x00 || hash)
//! ```
//!
//! Decoding is strict: unknown or missing fields, trailing bytes, and any encoding that
//! does not re-encode to the exact same bytes are `Malformed`. So a packet has exactly
//! one byte representation and `Packet::from_bytes(b)?.to_bytes() == b`.

use std::fmt;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use ed25519_dalek::{Signature, VerifyingKey};
use hkdf::Hkdf;
use rand_core::{CryptoRng, RngCore};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sidik_domain::biometrik::Biometrik;
use sidik_domain::Penduduk;
use x25519_dalek::{EphemeralSecret, PublicKey as XPublicKey, SharedSecret};
use zeroize::Zeroizing;

use crate::body::{BodyError, Header, PacketBody, ValidHeader};
use crate::cert::{KeyRing, Lookup};
use crate::keys::{OfficeKeys, OfficePublicKey, SealingKey, SealingPublicKey};

/// Format version inside the signed content.
pub const FORMAT_VERSION: u32 = 1;
/// Packets larger than this are refused before decoding (10 templates of 4 KiB, a
/// 512 KiB photo and a 128 KiB signature fit with room to spare).
pub const MAX_PACKET_BYTES: usize = 2 * 1024 * 1024;

const SIGNATURE_LABEL: &[u8] = b"sidik-packet-v1/signature\0";
const HKDF_INFO: &[u8] = b"sidik-packet-v1/biometrics x25519 hkdf-sha256 chacha20poly1305";

/// Why a packet was refused. The sync quarantines the packet with [`Rejection::code`]
/// and the `Display` text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("malformed packet: {0}")]
    Malformed(String),
    #[error("content hash mismatch: the packet was altered or corrupted after it was sealed")]
    HashMismatch,
    #[error("unknown office {office}: the centre has not certified any key for it")]
    UnknownOffice { office: String },
    #[error("key mismatch: the packet claims office {office} but is signed with key {key}, which is not certified for that office{}",
        certified_for.as_ref().map(|o| format!(" (it is certified for office {o})")).unwrap_or_default())]
    KeyMismatch {
        office: String,
        key: String,
        certified_for: Option<String>,
    },
    #[error("revoked key: office {office}'s key {key} has been revoked")]
    Revoked { office: String, key: String },
    #[error(
        "bad signature: the signature does not verify under office {office}'s certified key {key}"
    )]
    BadSignature { office: String, key: String },
    #[error("cannot decrypt the biometric section: {0}")]
    DecryptFailed(String),
    #[error("packet content is invalid: {0}")]
    BodyInvalid(String),
}

impl Rejection {
    /// Stable machine code, for storage and metrics. Never changes once released.
    pub fn code(&self) -> &'static str {
        match self {
            Rejection::Malformed(_) => "malformed",
            Rejection::HashMismatch => "hash_mismatch",
            Rejection::UnknownOffice { .. } => "unknown_office",
            Rejection::KeyMismatch { .. } => "key_mismatch",
            Rejection::Revoked { .. } => "revoked",
            Rejection::BadSignature { .. } => "bad_signature",
            Rejection::DecryptFailed(_) => "decrypt_failed",
            Rejection::BodyInvalid(_) => "body_invalid",
        }
    }
}

/// Why a packet could not be sealed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    /// The office refuses to seal what the centre would reject as `body_invalid`.
    #[error("packet body is invalid: {0}")]
    Body(#[from] BodyError),
    #[error("the centre sealing key is a small-order point; check the configured key")]
    WeakCentreKey,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Envelope {
    #[serde(with = "serde_bytes")]
    content: Vec<u8>,
    #[serde(with = "serde_bytes")]
    hash: Vec<u8>,
    #[serde(with = "serde_bytes")]
    signature: Vec<u8>,
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Sealed {
    #[serde(with = "serde_bytes")]
    recipient: Vec<u8>,
    #[serde(with = "serde_bytes")]
    ephemeral: Vec<u8>,
    #[serde(with = "serde_bytes")]
    nonce: Vec<u8>,
    #[serde(with = "serde_bytes")]
    ciphertext: Vec<u8>,
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Content {
    v: u32,
    header: Header,
    #[serde(with = "serde_bytes")]
    signer: Vec<u8>,
    sealed: Sealed,
}

fn cbor<T: Serialize>(v: &T) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::into_writer(v, &mut out).expect("CBOR into a Vec cannot fail");
    out
}

/// Decodes `bytes` as exactly one canonical `T`.
fn strict_decode<T: Serialize + DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T, String> {
    let v: T = ciborium::from_reader(bytes).map_err(|e| format!("{what} does not decode: {e}"))?;
    if cbor(&v) != bytes {
        return Err(format!(
            "{what} is not in canonical encoding (trailing bytes or non-canonical form)"
        ));
    }
    Ok(v)
}

fn array<const N: usize>(v: &[u8], what: &str) -> Result<[u8; N], Rejection> {
    v.try_into()
        .map_err(|_| Rejection::Malformed(format!("{what} must be {N} bytes, got {}", v.len())))
}

fn derive_key(
    shared: &SharedSecret,
    ephemeral: &[u8; 32],
    recipient: &[u8; 32],
) -> Zeroizing<[u8; 32]> {
    let mut salt = [0u8; 64];
    salt[..32].copy_from_slice(ephemeral);
    salt[32..].copy_from_slice(recipient);
    let hk = Hkdf::<Sha256>::new(Some(&salt), shared.as_bytes());
    let mut key = Zeroizing::new([0u8; 32]);
    hk.expand(HKDF_INFO, key.as_mut_slice())
        .expect("32 bytes is a valid HKDF-SHA256 output length");
    key
}

fn signed_message(hash: &[u8; 32]) -> Vec<u8> {
    [SIGNATURE_LABEL, hash.as_slice()].concat()
}

/// A sealed, signed enrollment packet. Built by [`Packet::seal`] at the office, or
/// parsed by [`Packet::from_bytes`]; a parsed packet's header is *not yet trusted*
/// until [`Packet::verify`] (or [`Packet::open`]) succeeds.
#[derive(Clone, PartialEq, Eq)]
pub struct Packet {
    content_bytes: Vec<u8>,
    content: Content,
    hash: [u8; 32],
    signature: [u8; 64],
}

/// A packet that passed every check, with its contents as domain values.
#[derive(Clone, PartialEq, Eq)]
pub struct Opened {
    pub body: PacketBody,
    pub header: ValidHeader,
    pub biometrik: Biometrik,
    /// SHA-256 of the signed content (the packet's content hash).
    pub hash: [u8; 32],
    /// The certified key that signed it.
    pub signer: OfficePublicKey,
}

impl Opened {
    pub fn packet_id(&self) -> &str {
        &self.body.header.packet_id
    }
    pub fn penduduk(&self) -> &Penduduk {
        &self.header.penduduk
    }
}

impl fmt::Debug for Opened {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Biometrik's own Debug would print template and image bytes; Biometrics' does not.
        f.debug_struct("Opened")
            .field("body", &self.body)
            .field("hash", &hex::encode(self.hash))
            .field("signer", &self.signer)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for Packet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Packet")
            .field("packet_id", &self.content.header.packet_id)
            .field("office", &self.content.header.office)
            .field("hash", &self.hash_hex())
            .field(
                "ciphertext",
                &format_args!("{} bytes", self.content.sealed.ciphertext.len()),
            )
            .finish_non_exhaustive()
    }
}

impl Packet {
    /// Seals `body` at the office: validates it, encrypts the biometrics to the centre,
    /// hashes and signs. The ephemeral key and the nonce are drawn from `rng`.
    pub fn seal<R: CryptoRng + RngCore>(
        body: &PacketBody,
        office: &OfficeKeys,
        centre: &SealingPublicKey,
        rng: &mut R,
    ) -> Result<Packet, SealError> {
        body.validate()?;
        Self::seal_unchecked(body, office, centre, rng)
    }

    fn seal_unchecked<R: CryptoRng + RngCore>(
        body: &PacketBody,
        office: &OfficeKeys,
        centre: &SealingPublicKey,
        rng: &mut R,
    ) -> Result<Packet, SealError> {
        let plaintext = Zeroizing::new(cbor(&body.biometrics));
        let eph = EphemeralSecret::random_from_rng(&mut *rng);
        let eph_pub = XPublicKey::from(&eph).to_bytes();
        let shared = eph.diffie_hellman(&centre.0);
        if !shared.was_contributory() {
            return Err(SealError::WeakCentreKey);
        }
        let recipient = centre.to_bytes();
        let key = derive_key(&shared, &eph_pub, &recipient);
        let mut nonce = [0u8; 12];
        rng.fill_bytes(&mut nonce);
        let ciphertext = ChaCha20Poly1305::new(Key::from_slice(key.as_slice()))
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: &plaintext,
                    aad: body.header.packet_id.as_bytes(),
                },
            )
            .expect("ChaCha20-Poly1305 encryption of a bounded message cannot fail");
        let content = Content {
            v: FORMAT_VERSION,
            header: body.header.clone(),
            signer: office.public_key().to_bytes().to_vec(),
            sealed: Sealed {
                recipient: recipient.to_vec(),
                ephemeral: eph_pub.to_vec(),
                nonce: nonce.to_vec(),
                ciphertext,
            },
        };
        let content_bytes = cbor(&content);
        let hash: [u8; 32] = Sha256::digest(&content_bytes).into();
        let signature = office.sign(&signed_message(&hash)).to_bytes();
        Ok(Packet {
            content_bytes,
            content,
            hash,
            signature,
        })
    }

    /// The packet's bytes (deterministic: the same packet always encodes the same way).
    pub fn to_bytes(&self) -> Vec<u8> {
        cbor(&Envelope {
            content: self.content_bytes.clone(),
            hash: self.hash.to_vec(),
            signature: self.signature.to_vec(),
        })
    }

    /// Structural decoding and the content-hash check; no keys needed. Errors are
    /// `Malformed` or `HashMismatch`. The header is readable afterwards but not yet
    /// authenticated.
    pub fn from_bytes(bytes: &[u8]) -> Result<Packet, Rejection> {
        if bytes.len() > MAX_PACKET_BYTES {
            return Err(Rejection::Malformed(format!(
                "packet is {} bytes; the limit is {MAX_PACKET_BYTES}",
                bytes.len()
            )));
        }
        let env: Envelope = strict_decode(bytes, "packet").map_err(Rejection::Malformed)?;
        let hash = array::<32>(&env.hash, "hash")?;
        let signature = array::<64>(&env.signature, "signature")?;
        let actual: [u8; 32] = Sha256::digest(&env.content).into();
        if actual != hash {
            return Err(Rejection::HashMismatch);
        }
        let content: Content =
            strict_decode(&env.content, "packet content").map_err(Rejection::Malformed)?;
        if content.v != FORMAT_VERSION {
            return Err(Rejection::Malformed(format!(
                "unsupported packet format version {} (this build reads {FORMAT_VERSION})",
                content.v
            )));
        }
        array::<32>(&content.signer, "signer key")?;
        array::<32>(&content.sealed.recipient, "recipient key")?;
        array::<32>(&content.sealed.ephemeral, "ephemeral key")?;
        array::<12>(&content.sealed.nonce, "nonce")?;
        Ok(Packet {
            content_bytes: env.content,
            content,
            hash,
            signature,
        })
    }

    /// The readable header (routing fields and biodata). Unauthenticated until
    /// [`Packet::verify`] succeeds.
    pub fn header(&self) -> &Header {
        &self.content.header
    }

    pub fn packet_id(&self) -> &str {
        &self.content.header.packet_id
    }

    /// SHA-256 of the signed content.
    pub fn hash(&self) -> [u8; 32] {
        self.hash
    }

    pub fn hash_hex(&self) -> String {
        hex::encode(self.hash)
    }

    /// The raw signing key the packet names (certified or not).
    pub fn signer_bytes(&self) -> [u8; 32] {
        array::<32>(&self.content.signer, "signer key").expect("checked when built")
    }

    /// Trust checks without decrypting: the claimed office is known, the signing key
    /// is certified for it, the signature verifies, the key is not revoked. Returns
    /// the certified key.
    pub fn verify(&self, ring: &KeyRing) -> Result<OfficePublicKey, Rejection> {
        let office = &self.content.header.office;
        let signer = self.signer_bytes();
        let key_hex = hex::encode(signer);
        let entry = match ring.lookup(office, &signer) {
            Lookup::UnknownOffice => {
                return Err(Rejection::UnknownOffice {
                    office: office.clone(),
                })
            }
            Lookup::NotCertified { certified_for } => {
                return Err(Rejection::KeyMismatch {
                    office: office.clone(),
                    key: key_hex,
                    certified_for: certified_for.map(str::to_string),
                })
            }
            Lookup::Certified(e) => e,
        };
        let vk: &VerifyingKey = &entry.certificate.public_key.0;
        vk.verify_strict(
            &signed_message(&self.hash),
            &Signature::from_bytes(&self.signature),
        )
        .map_err(|_| Rejection::BadSignature {
            office: office.clone(),
            key: key_hex.clone(),
        })?;
        if entry.revoked {
            return Err(Rejection::Revoked {
                office: office.clone(),
                key: key_hex,
            });
        }
        Ok(entry.certificate.public_key)
    }

    fn decrypt(&self, centre: &SealingKey) -> Result<Zeroizing<Vec<u8>>, Rejection> {
        let s = &self.content.sealed;
        let recipient = array::<32>(&s.recipient, "recipient key")?;
        let ours = centre.public_key().to_bytes();
        if recipient != ours {
            return Err(Rejection::DecryptFailed(format!(
                "sealed to centre key {}, but this centre's key is {}",
                hex::encode(recipient),
                hex::encode(ours)
            )));
        }
        let ephemeral = array::<32>(&s.ephemeral, "ephemeral key")?;
        let shared = centre.diffie_hellman(&XPublicKey::from(ephemeral));
        if !shared.was_contributory() {
            return Err(Rejection::DecryptFailed(
                "the ephemeral key is a small-order point".into(),
            ));
        }
        let key = derive_key(&shared, &ephemeral, &recipient);
        let nonce = array::<12>(&s.nonce, "nonce")?;
        ChaCha20Poly1305::new(Key::from_slice(key.as_slice()))
            .decrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: &s.ciphertext,
                    aad: self.content.header.packet_id.as_bytes(),
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| {
                Rejection::DecryptFailed(
                    "authentication failed: wrong centre key, or ciphertext not made for this packet id"
                        .into(),
                )
            })
    }

    /// Everything the centre does before accepting a packet: decode, content hash,
    /// office and key trust, signature, revocation, decryption, and the domain rules on
    /// biodata and biometrics. Replays are the store's business (unique packet id).
    pub fn open(bytes: &[u8], ring: &KeyRing, centre: &SealingKey) -> Result<Opened, Rejection> {
        let packet = Packet::from_bytes(bytes)?;
        let signer = packet.verify(ring)?;
        let plaintext = packet.decrypt(centre)?;
        let biometrics =
            strict_decode(&plaintext, "biometric section").map_err(Rejection::BodyInvalid)?;
        let body = PacketBody {
            header: packet.content.header.clone(),
            biometrics,
        };
        let (header, biometrik) = body
            .validate()
            .map_err(|e| Rejection::BodyInvalid(e.to_string()))?;
        Ok(Opened {
            body,
            header,
            biometrik,
            hash: packet.hash,
            signer,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::*;

    #[test]
    fn rehashed_tampering_is_a_bad_signature() {
        let w = World::new(7);
        let p = w.seal(&body(1));
        let mut content = p.content.clone();
        content.header.biodata.nama = "Orang Lain".into();
        let content_bytes = cbor(&content);
        let forged = Packet {
            hash: Sha256::digest(&content_bytes).into(),
            content_bytes,
            content,
            signature: p.signature,
        };
        let r = Packet::open(&forged.to_bytes(), &w.ring, &w.centre.sealing).unwrap_err();
        assert_eq!(r.code(), "bad_signature", "{r}");
    }

    #[test]
    fn signed_but_invalid_body_is_body_invalid() {
        let w = World::new(8);
        let mut b = body(2);
        b.header.biodata.jenis_kelamin = "laki-laki".into(); // the NIK says woman
        assert!(matches!(
            Packet::seal(
                &b,
                &w.office_a,
                &w.centre.sealing.public_key(),
                &mut w.rng()
            ),
            Err(SealError::Body(_))
        ));
        let p = Packet::seal_unchecked(
            &b,
            &w.office_a,
            &w.centre.sealing.public_key(),
            &mut w.rng(),
        )
        .unwrap();
        let r = Packet::open(&p.to_bytes(), &w.ring, &w.centre.sealing).unwrap_err();
        assert_eq!(r.code(), "body_invalid", "{r}");
        assert!(r.to_string().contains("sex"), "{r}");
    }

    #[test]
    fn ciphertext_moved_to_another_packet_id_fails_to_decrypt() {
        // The office re-signs a packet whose sealed section came from another packet:
        // the AEAD's associated data (packet id) no longer matches.
        let w = World::new(9);
        let p1 = w.seal(&body(1));
        let p2 = w.seal(&body(2));
        let mut content = p2.content.clone();
        content.sealed = p1.content.sealed.clone();
        let content_bytes = cbor(&content);
        let hash: [u8; 32] = Sha256::digest(&content_bytes).into();
        let forged = Packet {
            signature: w.office_a.sign(&signed_message(&hash)).to_bytes(),
            hash,
            content_bytes,
            content,
        };
        let r = Packet::open(&forged.to_bytes(), &w.ring, &w.centre.sealing).unwrap_err();
        assert_eq!(r.code(), "decrypt_failed", "{r}");
    }

    #[test]
    fn small_order_centre_key_is_refused_at_seal() {
        let w = World::new(10);
        let zero = SealingPublicKey::from_bytes(&[0u8; 32]).unwrap();
        assert_eq!(
            Packet::seal(&body(1), &w.office_a, &zero, &mut w.rng()).unwrap_err(),
            SealError::WeakCentreKey
        );
    }
}
