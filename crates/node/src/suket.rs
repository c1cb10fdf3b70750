//! The Suket adapters of a node: the office's signer (the `SuketSigner` port over
//! `sidik-suket`'s Claim 169 encoder and the office's Ed25519 key) and the trust the
//! node verifies and publishes with.

use std::sync::Arc;

use ed25519_dalek::SigningKey;
use sidik_domain::suket::KlaimSuket;
use sidik_ports::SuketSigner;
use sidik_suket::{JenisKelaminClaim, SuketClaims};

/// Signs Sukets with an office's key.
pub struct OfficeSuketSigner {
    key: SigningKey,
    kid: String,
}

impl OfficeSuketSigner {
    pub fn new(key: &SigningKey) -> Arc<OfficeSuketSigner> {
        Arc::new(OfficeSuketSigner {
            key: key.clone(),
            kid: hex::encode(sidik_suket::key_id(&key.verifying_key())),
        })
    }
}

/// The codec's view of the domain's claims.
pub fn claims_of(k: &KlaimSuket) -> SuketClaims {
    SuketClaims {
        nomor_suket: k.nomor_suket.clone(),
        nomor_registrasi: k.nomor_registrasi.clone(),
        nik: k.nik.clone(),
        nama: k.nama.clone(),
        tempat_lahir: k.tempat_lahir.clone(),
        tanggal_lahir: k.tanggal_lahir,
        jenis_kelamin: if k.perempuan {
            JenisKelaminClaim::Perempuan
        } else {
            JenisKelaminClaim::Laki
        },
        alamat: k.alamat.clone(),
        kewarganegaraan: k.kewarganegaraan.clone(),
        kantor: k.kantor.clone(),
        diterbitkan: k.diterbitkan.as_second(),
        berlaku_hingga: k.berlaku_hingga.as_second(),
    }
}

impl SuketSigner for OfficeSuketSigner {
    fn kid(&self) -> String {
        self.kid.clone()
    }

    fn sign(&self, klaim: &KlaimSuket) -> Result<String, String> {
        sidik_suket::encode(&claims_of(klaim), &self.key).map_err(|e| e.to_string())
    }
}
