//! Sidik enrollment packets: the unit of office → centre store-and-forward sync.
//!
//! An office turns each enrollment into a [`Packet`]: routing fields and biodata in
//! the clear for the centre's router, biometrics (templates, exceptions, face and
//! signature images) sealed to the centre's X25519 key, the whole content hashed with
//! SHA-256 and the hash signed with the office's Ed25519 key. The centre certifies
//! office keys ([`Certificate`]) and keeps them in a [`KeyRing`]; [`Packet::open`]
//! either returns the verified, decrypted, domain-validated contents or a typed
//! [`Rejection`] to quarantine the packet with.
//!
//! Architecture invariant (as in `sidik-domain`): no I/O, no clock, no OS randomness.
//! Keys, nonces and times come from the caller.

mod body;
mod cert;
mod keys;
mod packet;

pub use body::{
    packet_id, Biodata, Biometrics, BodyError, Finger, FingerException, Header, PacketBody,
    ValidHeader,
};
pub use cert::{sign_request, CertError, Certificate, KeyRing, Lookup, RingEntry};
pub use keys::{
    CentreKeys, CentrePublic, CentreVerifyingKey, CertifyingKey, KeyError, OfficeKeys,
    OfficePublicKey, SealingKey, SealingPublicKey,
};
pub use packet::{Opened, Packet, Rejection, SealError, FORMAT_VERSION, MAX_PACKET_BYTES};

/// Re-exported so callers name the same trait versions this crate uses.
pub use rand_core;

#[cfg(test)]
mod testkit;
#[cfg(test)]
mod tests;
