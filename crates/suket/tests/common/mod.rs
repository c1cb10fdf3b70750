//! Shared fixtures for the integration tests.
#![allow(dead_code)]

use claim169_core::pipeline;
use ed25519_dalek::SigningKey;
use sidik_suket::{key_id, JenisKelaminClaim, KeyEntry, KeySet, SuketClaims, TrustStore};

/// 2025-01-01T00:00:00Z
pub const ISSUED: i64 = 1_735_689_600;
/// Six months (183 days) later.
pub const EXPIRES: i64 = ISSUED + 183 * 86_400;
pub const NOW: i64 = ISSUED + 86_400;

pub fn centre_key() -> SigningKey {
    SigningKey::from_bytes(&[1u8; 32])
}

pub fn office_key() -> SigningKey {
    SigningKey::from_bytes(&[2u8; 32])
}

pub fn other_office_key() -> SigningKey {
    SigningKey::from_bytes(&[3u8; 32])
}

pub fn stranger_key() -> SigningKey {
    SigningKey::from_bytes(&[4u8; 32])
}

pub fn claims() -> SuketClaims {
    SuketClaims {
        nomor_suket: "SKT-3172012015090900001-1".into(),
        nomor_registrasi: "3172012015090900001".into(),
        nik: "3172011505900001".into(),
        nama: "SITI AMINAH".into(),
        tempat_lahir: "JAKARTA".into(),
        tanggal_lahir: jiff::civil::date(1990, 5, 15),
        jenis_kelamin: JenisKelaminClaim::Perempuan,
        alamat: "JL. MERDEKA NO. 1 RT 001/RW 002\nKEL. GAMBIR, KEC. GAMBIR\nJAKARTA PUSAT".into(),
        kewarganegaraan: "IDN".into(),
        kantor: "317201".into(),
        diterbitkan: ISSUED,
        berlaku_hingga: EXPIRES,
    }
}

pub fn entry(key: &SigningKey, kantor: &str) -> KeyEntry {
    let public = key.verifying_key();
    KeyEntry {
        kid: key_id(&public),
        kantor: kantor.into(),
        public: public.to_bytes(),
        certified_at: ISSUED - 86_400 * 30,
        revoked_at: None,
    }
}

pub fn key_set() -> KeySet {
    KeySet {
        issued_at: ISSUED - 3_600,
        sequence: 1,
        keys: vec![
            entry(&office_key(), "317201"),
            entry(&other_office_key(), "317202"),
        ],
    }
}

pub fn trust() -> TrustStore {
    TrustStore::new(key_set())
}

/// Decodes the QR text down to the COSE bytes.
pub fn cose_bytes(qr_text: &str) -> Vec<u8> {
    let compressed = pipeline::base45_decode(qr_text).expect("base45");
    pipeline::decompress(&compressed, 65_536).expect("zlib").0
}

/// Re-encodes COSE bytes as a QR text (zlib, Base45).
pub fn qr_from_cose(cose: &[u8]) -> String {
    pipeline::base45_encode(&pipeline::compress_zlib(cose))
}

/// Changes one byte of the signed COSE (the last signature byte) and re-encodes it:
/// still well-formed, but the signature no longer verifies.
pub fn tamper(qr_text: &str) -> String {
    let mut cose = cose_bytes(qr_text);
    let last = cose.len() - 1;
    cose[last] ^= 0x01;
    qr_from_cose(&cose)
}
