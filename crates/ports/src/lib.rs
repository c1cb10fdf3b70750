//! Ports: the traits through which the use-case crates (`sidik-issuance`, `sidik-sync`)
//! reach the world. Adapters live elsewhere: the fingerprint matcher in
//! `sidik-abis-gallery`, storage in `sidik-store-*`, the wire in `sidik-http`.
//!
//! Only the two trivial adapters that every node uses live here, next to their port:
//! [`SystemClock`] and [`OsEntropy`] (and [`DemographicOnly`], the explicit "no
//! biometric matcher" stand-in). Architecture invariant: no storage, HTTP or matcher
//! crate is a dependency of this one.

mod abis;

pub use abis::{Abis, AbisCandidate, AbisEntry, AbisProbe, DemographicOnly, Fingers};

use async_trait::async_trait;
use jiff::Timestamp;
use sidik_domain::Keputusan;

/// Source of the current time.
pub trait Clock: Send + Sync + 'static {
    /// The node's business time: dates of records, Suket, print days, ETAs.
    fn now(&self) -> Timestamp;

    /// The time for transport-level checks that must run in real seconds whatever the
    /// business time does (request signatures' skew window, session expiry). The same
    /// as [`Clock::now`] except for a simulated clock.
    fn real_now(&self) -> Timestamp {
        self.now()
    }
}

/// The real clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// Source of cryptographically secure random bytes (packet sealing, jitter).
pub trait Entropy: Send + Sync + 'static {
    /// Fills `dest` with random bytes. Fails only if the source is unusable.
    fn fill(&self, dest: &mut [u8]) -> Result<(), String>;
}

/// The operating system's random source.
pub struct OsEntropy;

impl Entropy for OsEntropy {
    fn fill(&self, dest: &mut [u8]) -> Result<(), String> {
        getrandom::fill(dest).map_err(|e| format!("OS random source: {e}"))
    }
}

/// Validation of a finger template's encoding (the ABIS's format, ISO/IEC 19794-2).
pub trait TemplateFormat: Send + Sync + 'static {
    /// `Ok` if `bytes` is a well-formed record holding at least one finger view;
    /// otherwise a precise reason (shown to the operator).
    fn validate(&self, bytes: &[u8]) -> Result<(), String>;
}

/// Where the office's sync worker hands the centre's decisions: the issuance pipeline
/// applies them to the office's applications.
#[async_trait]
pub trait DecisionSink: Send + Sync + 'static {
    /// Applies consecutive feed decisions in feed order; returns how many were new.
    /// Stops at the first error: decisions before it are recorded, none after.
    async fn apply_decisions(&self, decisions: &[Keputusan]) -> Result<usize, String>;
}

/// Signs Suket certificates with the office's key (the adapter encodes MOSIP Claim 169:
/// CBOR in a CWT, COSE_Sign1 EdDSA with the key id in the protected header, zlib,
/// Base45 — `sidik-suket`).
pub trait SuketSigner: Send + Sync + 'static {
    /// Hex of the signing key's id (8 bytes), as it appears in the QR's COSE header.
    fn kid(&self) -> String;
    /// The QR text of a signed Suket.
    fn sign(&self, klaim: &sidik_domain::suket::KlaimSuket) -> Result<String, String>;
}
