//! The signed wire formats of the sync protocol, in ONE place: what an office signs
//! for each request, the headers that carry the signature, and the JSON of a decision
//! in the feed. The centre's handlers ([`crate::centre_api`]) verify exactly what the
//! office's client ([`crate::HttpCentreLink`]) signs.

use serde::{Deserialize, Serialize};
use sidik_domain::permohonan::Kandidat;
use sidik_domain::{Hasil, Keputusan, NomorRegistrasi};

/// Header naming the office that signed a request.
pub const HEADER_OFFICE: &str = "x-sidik-office";
/// Header with the signing time (Unix seconds).
pub const HEADER_TIME: &str = "x-sidik-time";
/// Header with the Ed25519 signature (hex) over `"{time} {message}"`.
pub const HEADER_SIGNATURE: &str = "x-sidik-signature";
/// Largest accepted difference between a signed request's time and the centre's clock.
pub const MAX_SKEW_SECONDS: i64 = 300;

/// The message an office signs to ask how much of an upload arrived.
pub fn upload_offset_request(packet_id: &str) -> String {
    format!("GET /api/v1/sync/uploads/{packet_id}")
}

/// The message an office signs to send a chunk: it names the chunk's SHA-256, so the
/// signature covers the bytes too.
pub fn upload_chunk_request(packet_id: &str, offset: u64, total: u64, chunk: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    format!(
        "PUT /api/v1/sync/uploads/{packet_id}?offset={offset}&total={total}&sha256={}",
        hex::encode(Sha256::digest(chunk))
    )
}

/// The message an office signs to read its feed.
pub fn feed_request(after: i64, limit: u32, sampai: Option<i64>, wait: Option<u64>) -> String {
    let mut s = format!("GET /api/v1/sync/decisions?after={after}&limit={limit}");
    if let Some(t) = sampai {
        s.push_str(&format!("&sampai={t}"));
    }
    if let Some(w) = wait {
        s.push_str(&format!("&wait={w}"));
    }
    s
}

#[derive(Serialize, Deserialize)]
pub struct KandidatJson {
    pub permohonan: String,
    pub nik: String,
    pub skor: f32,
    pub jari_cocok: u8,
}

#[derive(Serialize, Deserialize)]
pub struct KeputusanJson {
    pub seq: i64,
    pub nomor: String,
    pub packet_id: String,
    pub hasil: String,
    pub kandidat: Vec<KandidatJson>,
    pub catatan: String,
    pub waktu: String,
}

impl From<&Keputusan> for KeputusanJson {
    fn from(k: &Keputusan) -> Self {
        KeputusanJson {
            seq: k.seq,
            nomor: k.nomor.to_string(),
            packet_id: k.packet_id.clone(),
            hasil: k.hasil.slug().into(),
            kandidat: k
                .kandidat
                .iter()
                .map(|c| KandidatJson {
                    permohonan: c.permohonan.clone(),
                    nik: c.nik.clone(),
                    skor: c.skor,
                    jari_cocok: c.jari_cocok,
                })
                .collect(),
            catatan: k.catatan.clone(),
            waktu: k.waktu.to_string(),
        }
    }
}

impl KeputusanJson {
    pub fn into_domain(self) -> Result<Keputusan, String> {
        Ok(Keputusan {
            seq: self.seq,
            nomor: NomorRegistrasi::parse(&self.nomor)?,
            packet_id: self.packet_id,
            hasil: Hasil::parse(&self.hasil)?,
            kandidat: self
                .kandidat
                .into_iter()
                .map(|c| Kandidat {
                    permohonan: c.permohonan,
                    nik: c.nik,
                    skor: c.skor,
                    jari_cocok: c.jari_cocok,
                })
                .collect(),
            catatan: self.catatan,
            waktu: self.waktu.parse().map_err(|e| format!("waktu: {e}"))?,
        })
    }
}
