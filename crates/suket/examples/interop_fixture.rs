//! Writes Suket QR fixtures for the interoperability check with the PyPI
//! `claim169` package (see `.ci/claim169_interop.py`).
//!
//! ```text
//! cargo run -p sidik-suket --example interop_fixture -- DIR
//! ```
//!
//! Writes into DIR: `valid.txt`, `tampered.txt` (one byte of the signed COSE
//! changed, re-encoded: well-formed, bad signature), `expired.txt` (exp in the
//! past), `public_key.hex` and `expected.json`.

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use claim169_core::pipeline;
use ed25519_dalek::SigningKey;
use sidik_suket::{encode, key_id, JenisKelaminClaim, SuketClaims};

const DAY: i64 = 86_400;
const SIX_MONTHS: i64 = 183 * DAY;

fn claims(issued: i64, nomor: u32) -> SuketClaims {
    SuketClaims {
        nomor_suket: format!("SKT-3172012015090900001-{nomor}"),
        nomor_registrasi: "3172012015090900001".into(),
        nik: "3172011505900001".into(),
        nama: "SITI AMINAH".into(),
        tempat_lahir: "JAKARTA".into(),
        tanggal_lahir: jiff::civil::date(1990, 5, 15),
        jenis_kelamin: JenisKelaminClaim::Perempuan,
        alamat: "JL. MERDEKA NO. 1 RT 001/RW 002\nKEL. GAMBIR, KEC. GAMBIR\nJAKARTA PUSAT".into(),
        kewarganegaraan: "IDN".into(),
        kantor: "317201".into(),
        diterbitkan: issued,
        berlaku_hingga: issued + SIX_MONTHS,
    }
}

/// Changes the last byte of the COSE_Sign1 (inside the signature) and re-encodes.
fn tamper(qr_text: &str) -> String {
    let compressed = pipeline::base45_decode(qr_text).expect("base45");
    let (mut cose, _) = pipeline::decompress(&compressed, 65_536).expect("zlib");
    let last = cose.len() - 1;
    cose[last] ^= 0x01;
    pipeline::base45_encode(&pipeline::compress_zlib(&cose))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir: PathBuf = std::env::args_os()
        .nth(1)
        .ok_or("usage: interop_fixture DIR")?
        .into();
    std::fs::create_dir_all(&dir)?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs() as i64;
    // A fixed test key: these fixtures are public test vectors.
    let key = SigningKey::from_bytes(&[0x5a; 32]);
    let public = key.verifying_key();

    let valid_claims = claims(now - DAY, 2);
    let valid = encode(&valid_claims, &key)?;
    let expired_claims = claims(now - 400 * DAY, 1);
    let expired = encode(&expired_claims, &key)?;
    let tampered = tamper(&valid);

    let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
    let expected = serde_json::json!({
        "nik": valid_claims.nik,
        "nama": valid_claims.nama,
        "exp": valid_claims.berlaku_hingga,
        "iat": valid_claims.diterbitkan,
        "iss": format!("sidik:kantor:{}", valid_claims.kantor),
        "sub": valid_claims.nomor_suket,
        "date_of_birth": "19900515",
        "gender": 2,
        "kid": hex(&key_id(&public)),
        "expired_exp": expired_claims.berlaku_hingga,
    });

    std::fs::write(dir.join("valid.txt"), &valid)?;
    std::fs::write(dir.join("tampered.txt"), &tampered)?;
    std::fs::write(dir.join("expired.txt"), &expired)?;
    std::fs::write(dir.join("public_key.hex"), hex(public.as_bytes()))?;
    std::fs::write(
        dir.join("expected.json"),
        serde_json::to_string_pretty(&expected)?,
    )?;
    println!(
        "wrote valid.txt ({} chars), tampered.txt, expired.txt, public_key.hex, expected.json to {}",
        valid.len(),
        dir.display()
    );
    Ok(())
}
