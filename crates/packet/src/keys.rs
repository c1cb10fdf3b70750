//! Key material for offices and the centre.
//!
//! Secret keys live in types whose `Debug` prints `[redacted]` and which implement
//! neither `Display` nor `Serialize`; the only way to get their bytes out is the
//! armoured text form (`to_text`), returned in a [`Zeroizing`] string so the copy is
//! wiped when dropped. Public keys print and parse as 64 lowercase hex digits.

use std::fmt;
use std::str::FromStr;

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use rand_core::{CryptoRng, RngCore};
use x25519_dalek::{PublicKey as XPublicKey, SharedSecret, StaticSecret};
use zeroize::Zeroizing;

/// Why a key could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error(
        "expected a text block starting with -----BEGIN {0}----- and ending with -----END {0}-----"
    )]
    MissingBlock(&'static str),
    #[error("{what} must be exactly {len} hex digits")]
    BadHex { what: &'static str, len: usize },
    #[error("{0} is not a valid public key (not a curve point, or a weak small-order point)")]
    InvalidPoint(&'static str),
}

const REDACTED: &str = "[redacted]";

pub(crate) const OFFICE_SIGNING_LABEL: &str = "SIDIK OFFICE SIGNING KEY";
pub(crate) const CENTRE_CERTIFYING_LABEL: &str = "SIDIK CENTRE CERTIFYING KEY";
pub(crate) const CENTRE_SEALING_LABEL: &str = "SIDIK CENTRE SEALING KEY";

/// `-----BEGIN LABEL-----\n<hex>\n-----END LABEL-----\n`.
pub(crate) fn armor(label: &str, bytes: &[u8]) -> Zeroizing<String> {
    let hex = Zeroizing::new(hex::encode(bytes));
    Zeroizing::new(format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        hex.as_str()
    ))
}

/// The hex payload between the BEGIN and END lines of the first `label` block, with
/// whitespace removed.
pub(crate) fn unarmor(text: &str, label: &'static str) -> Result<Zeroizing<String>, KeyError> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = text.find(&begin).ok_or(KeyError::MissingBlock(label))? + begin.len();
    let len = text[start..]
        .find(&end)
        .ok_or(KeyError::MissingBlock(label))?;
    Ok(Zeroizing::new(
        text[start..start + len]
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect(),
    ))
}

pub(crate) fn hex_array<const N: usize>(
    s: &str,
    what: &'static str,
) -> Result<Zeroizing<[u8; N]>, KeyError> {
    let mut out = Zeroizing::new([0u8; N]);
    let s = s.trim();
    if s.len() != 2 * N {
        return Err(KeyError::BadHex { what, len: 2 * N });
    }
    hex::decode_to_slice(s, out.as_mut_slice())
        .map_err(|_| KeyError::BadHex { what, len: 2 * N })?;
    Ok(out)
}

macro_rules! public_key_text {
    ($name:ident, $what:literal) => {
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&hex::encode(self.to_bytes()))
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self)
            }
        }

        impl FromStr for $name {
            type Err = KeyError;
            fn from_str(s: &str) -> Result<Self, KeyError> {
                let b = hex_array::<32>(s, $what)?;
                $name::from_bytes(&b)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.to_string())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

/// An Ed25519 public key: parses only valid, non-weak points.
fn ed25519_public(b: &[u8; 32], what: &'static str) -> Result<VerifyingKey, KeyError> {
    let k = VerifyingKey::from_bytes(b).map_err(|_| KeyError::InvalidPoint(what))?;
    if k.is_weak() {
        return Err(KeyError::InvalidPoint(what));
    }
    Ok(k)
}

/// An office's Ed25519 public key, as certified by the centre.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct OfficePublicKey(pub(crate) VerifyingKey);

impl OfficePublicKey {
    pub fn from_bytes(b: &[u8; 32]) -> Result<Self, KeyError> {
        ed25519_public(b, "office public key").map(OfficePublicKey)
    }
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }
}
public_key_text!(OfficePublicKey, "office public key");

/// The centre's Ed25519 public key, used to verify office certificates.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct CentreVerifyingKey(pub(crate) VerifyingKey);

impl CentreVerifyingKey {
    pub fn from_bytes(b: &[u8; 32]) -> Result<Self, KeyError> {
        ed25519_public(b, "centre verifying key").map(CentreVerifyingKey)
    }
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }
}
public_key_text!(CentreVerifyingKey, "centre verifying key");

/// The centre's X25519 public key, to which offices seal biometrics.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SealingPublicKey(pub(crate) XPublicKey);

impl SealingPublicKey {
    /// Any 32 bytes are an X25519 public key; small-order keys are refused at seal
    /// time (the shared secret would not be contributory).
    pub fn from_bytes(b: &[u8; 32]) -> Result<Self, KeyError> {
        Ok(SealingPublicKey(XPublicKey::from(*b)))
    }
    pub fn to_bytes(&self) -> [u8; 32] {
        *self.0.as_bytes()
    }
}
public_key_text!(SealingPublicKey, "centre sealing public key");

/// An office's secret signing key (Ed25519). Signs every packet the office seals.
pub struct OfficeKeys(SigningKey);

impl OfficeKeys {
    pub fn generate<R: CryptoRng + RngCore>(rng: &mut R) -> OfficeKeys {
        OfficeKeys(SigningKey::generate(rng))
    }

    pub fn public_key(&self) -> OfficePublicKey {
        OfficePublicKey(self.0.verifying_key())
    }

    /// Armoured text for a key file (`-----BEGIN SIDIK OFFICE SIGNING KEY-----`).
    pub fn to_text(&self) -> Zeroizing<String> {
        armor(OFFICE_SIGNING_LABEL, self.0.as_bytes())
    }

    pub fn from_text(text: &str) -> Result<OfficeKeys, KeyError> {
        let hex = unarmor(text, OFFICE_SIGNING_LABEL)?;
        let b = hex_array::<32>(&hex, "office signing key")?;
        Ok(OfficeKeys(SigningKey::from_bytes(&b)))
    }

    pub(crate) fn sign(&self, msg: &[u8]) -> Signature {
        self.0.sign(msg)
    }

    /// The Ed25519 key itself, for the other documents the office signs with it: the
    /// Suket's COSE_Sign1 (whose `Signature1` structure cannot be mistaken for a packet
    /// or request signature) and its own Suket revocation list.
    pub fn signing_key(&self) -> &SigningKey {
        &self.0
    }
}

impl fmt::Debug for OfficeKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OfficeKeys")
            .field("public", &self.public_key())
            .field("secret", &format_args!("{REDACTED}"))
            .finish()
    }
}

/// The centre's secret certification key (Ed25519): signs office certificates.
pub struct CertifyingKey(SigningKey);

impl CertifyingKey {
    pub fn generate<R: CryptoRng + RngCore>(rng: &mut R) -> CertifyingKey {
        CertifyingKey(SigningKey::generate(rng))
    }

    pub fn verifying_key(&self) -> CentreVerifyingKey {
        CentreVerifyingKey(self.0.verifying_key())
    }

    pub fn to_text(&self) -> Zeroizing<String> {
        armor(CENTRE_CERTIFYING_LABEL, self.0.as_bytes())
    }

    pub fn from_text(text: &str) -> Result<CertifyingKey, KeyError> {
        let hex = unarmor(text, CENTRE_CERTIFYING_LABEL)?;
        let b = hex_array::<32>(&hex, "centre certifying key")?;
        Ok(CertifyingKey(SigningKey::from_bytes(&b)))
    }

    pub(crate) fn sign(&self, msg: &[u8]) -> Signature {
        self.0.sign(msg)
    }

    /// The Ed25519 key itself, for the trust lists the centre publishes (the certified
    /// office keys and the Suket revocation list, each a COSE_Sign1).
    pub fn signing_key(&self) -> &SigningKey {
        &self.0
    }
}

impl fmt::Debug for CertifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertifyingKey")
            .field("public", &self.verifying_key())
            .field("secret", &format_args!("{REDACTED}"))
            .finish()
    }
}

/// The centre's secret sealing key (X25519): opens the biometric section of packets.
pub struct SealingKey(StaticSecret);

impl SealingKey {
    pub fn generate<R: CryptoRng + RngCore>(rng: &mut R) -> SealingKey {
        SealingKey(StaticSecret::random_from_rng(rng))
    }

    pub fn public_key(&self) -> SealingPublicKey {
        SealingPublicKey(XPublicKey::from(&self.0))
    }

    pub fn to_text(&self) -> Zeroizing<String> {
        armor(CENTRE_SEALING_LABEL, self.0.as_bytes())
    }

    pub fn from_text(text: &str) -> Result<SealingKey, KeyError> {
        let hex = unarmor(text, CENTRE_SEALING_LABEL)?;
        let b = hex_array::<32>(&hex, "centre sealing key")?;
        Ok(SealingKey(StaticSecret::from(*b)))
    }

    pub(crate) fn diffie_hellman(&self, their: &XPublicKey) -> SharedSecret {
        self.0.diffie_hellman(their)
    }
}

impl fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SealingKey")
            .field("public", &self.public_key())
            .field("secret", &format_args!("{REDACTED}"))
            .finish()
    }
}

/// Both of the centre's secret keys. They are separate so a deployment can keep the
/// certifying key offline and give the packet router only the sealing key.
#[derive(Debug)]
pub struct CentreKeys {
    pub certifying: CertifyingKey,
    pub sealing: SealingKey,
}

/// The centre's public keys, distributed to every office.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CentrePublic {
    pub verifying: CentreVerifyingKey,
    pub sealing: SealingPublicKey,
}

impl CentreKeys {
    pub fn generate<R: CryptoRng + RngCore>(rng: &mut R) -> CentreKeys {
        let certifying = CertifyingKey::generate(rng);
        let sealing = SealingKey::generate(rng);
        CentreKeys {
            certifying,
            sealing,
        }
    }

    pub fn public(&self) -> CentrePublic {
        CentrePublic {
            verifying: self.certifying.verifying_key(),
            sealing: self.sealing.public_key(),
        }
    }

    /// Both keys as two armoured blocks in one text.
    pub fn to_text(&self) -> Zeroizing<String> {
        let a = self.certifying.to_text();
        let b = self.sealing.to_text();
        Zeroizing::new(format!("{}{}", a.as_str(), b.as_str()))
    }

    pub fn from_text(text: &str) -> Result<CentreKeys, KeyError> {
        Ok(CentreKeys {
            certifying: CertifyingKey::from_text(text)?,
            sealing: SealingKey::from_text(text)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::rand_core::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    #[test]
    fn secrets_are_redacted_in_debug() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let o = OfficeKeys::generate(&mut rng);
        let c = CentreKeys::generate(&mut rng);
        let secrets = [
            hex::encode(o.0.as_bytes()),
            hex::encode(c.certifying.0.as_bytes()),
            hex::encode(c.sealing.0.as_bytes()),
        ];
        let dbg = format!("{o:?} {c:?} {c:#?} {:?}", c.sealing);
        assert!(dbg.contains(REDACTED), "{dbg}");
        for s in &secrets {
            assert!(!dbg.contains(s.as_str()), "secret leaked in {dbg}");
            assert!(!dbg.contains(&s[..16]), "secret prefix leaked in {dbg}");
        }
        // The public half is shown, so the output is still useful.
        assert!(dbg.contains(&o.public_key().to_string()));
    }

    #[test]
    fn key_text_round_trips_and_labels_are_checked() {
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        let o = OfficeKeys::generate(&mut rng);
        let t = o.to_text();
        assert!(t.starts_with("-----BEGIN SIDIK OFFICE SIGNING KEY-----\n"));
        let back = OfficeKeys::from_text(&t).unwrap();
        assert_eq!(back.public_key(), o.public_key());

        let c = CentreKeys::generate(&mut rng);
        let back = CentreKeys::from_text(&c.to_text()).unwrap();
        assert_eq!(back.public(), c.public());

        // A sealing key file is not an office key file.
        assert_eq!(
            OfficeKeys::from_text(&c.sealing.to_text()).unwrap_err(),
            KeyError::MissingBlock(OFFICE_SIGNING_LABEL)
        );
        // Truncated payload.
        let bad = t.replacen('\n', "\nab", 1);
        assert!(matches!(
            OfficeKeys::from_text(&bad),
            Err(KeyError::BadHex { .. })
        ));
        let cut = &t[..t.len() - 10];
        assert!(OfficeKeys::from_text(cut).is_err());
    }

    #[test]
    fn public_keys_print_and_parse_as_hex() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let c = CentreKeys::generate(&mut rng);
        let p = c.public();
        assert_eq!(p.verifying.to_string().len(), 64);
        assert_eq!(
            p.verifying
                .to_string()
                .parse::<CentreVerifyingKey>()
                .unwrap(),
            p.verifying
        );
        assert_eq!(
            p.sealing.to_string().parse::<SealingPublicKey>().unwrap(),
            p.sealing
        );
        // The identity point is a weak Ed25519 key.
        let mut ident = [0u8; 32];
        ident[0] = 1;
        assert_eq!(
            OfficePublicKey::from_bytes(&ident).unwrap_err(),
            KeyError::InvalidPoint("office public key")
        );
        assert!("zz".parse::<OfficePublicKey>().is_err());
    }
}
