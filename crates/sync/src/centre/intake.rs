//! Intake: a pushed packet (or the last chunk of a resumable upload) is opened,
//! verified and recorded exactly once, or quarantined with a stable code and reason.

use super::*;

impl Centre {
    async fn refuse(
        &self,
        bytes: &[u8],
        claimed_id: &str,
        code: &str,
        reason: String,
    ) -> Result<Receipt, StoreError> {
        let now = self.clock.now();
        let header = Packet::from_bytes(bytes).ok();
        let office = header.as_ref().map(|p| p.header().office.clone());
        let sha = hex::encode(Sha256::digest(bytes));
        let q = Karantina {
            id: 0,
            sha256: sha.clone(),
            packet_id: Some(claimed_id.to_string()),
            kantor: office,
            kode: code.to_string(),
            alasan: reason.clone(),
            ukuran: bytes.len() as u64,
            diterima: now,
        };
        self.store
            .quarantine_add(
                &q,
                AuditDraft {
                    aktor: SISTEM.into(),
                    aksi: "paket.karantina".into(),
                    subjek: claimed_id.to_string(),
                    waktu: now,
                    detail: format!("{code}: {reason} (sha256 {sha})"),
                },
            )
            .await?;
        self.counters.refused.fetch_add(1, Ordering::Relaxed);
        tracing::warn!(packet = claimed_id, code, "packet quarantined: {reason}");
        Ok(Receipt::Refused {
            code: code.to_string(),
            reason,
        })
    }

    /// Intake of one pushed packet. Only storage failures are errors; every problem
    /// with the packet itself is a quarantine [`Receipt::Refused`].
    pub async fn receive(&self, claimed_id: &str, bytes: &[u8]) -> Result<Receipt, StoreError> {
        if bytes.len() > MAX_PACKET_BYTES {
            return self
                .refuse(
                    &bytes[..0],
                    claimed_id,
                    "too_large",
                    format!(
                        "{} bytes exceed the {MAX_PACKET_BYTES}-byte limit",
                        bytes.len()
                    ),
                )
                .await;
        }
        let opened = {
            let ring = self.ring.read().expect("ring lock").clone();
            Packet::open(bytes, &ring, &self.keys.sealing)
        };
        let opened = match opened {
            Ok(o) => o,
            Err(rej) => {
                return self
                    .refuse(bytes, claimed_id, rej.code(), rej.to_string())
                    .await
            }
        };
        if opened.packet_id() != claimed_id {
            let r = Rejection::Malformed(format!(
                "pushed as {claimed_id} but the signed packet id is {}",
                opened.packet_id()
            ));
            return self
                .refuse(bytes, claimed_id, "id_mismatch", r.to_string())
                .await;
        }
        for (pos, blob) in &opened.biometrik.jari {
            if let Err(e) = self.templates.validate(&blob.bytes) {
                return self
                    .refuse(
                        bytes,
                        claimed_id,
                        "body_invalid",
                        format!("finger {} template: {e}", pos.get()),
                    )
                    .await;
            }
        }
        let now = self.clock.now();
        let h = &opened.header;
        let sha = hex::encode(opened.hash);
        let rec = PaketMasuk {
            packet_id: claimed_id.to_string(),
            kantor: h.office.clone(),
            nomor: h.registration.clone(),
            nik: h.penduduk.nik.clone(),
            nama: h.penduduk.nama.clone(),
            kelurahan: h.penduduk.kelurahan.clone(),
            operator: opened.body.header.operator.clone(),
            sha256: sha.clone(),
            bytes: bytes.to_vec(),
            jari: opened
                .biometrik
                .jari
                .iter()
                .map(|(p, b)| (p.get(), b.bytes.clone()))
                .collect(),
            diterima: now,
            direkam: h.created_at,
        };
        let audit = AuditDraft {
            aktor: format!("kantor:{}", h.office),
            aksi: "paket.terima".into(),
            subjek: rec.nomor.to_string(),
            waktu: now,
            detail: format!("paket {claimed_id} sha256 {sha}"),
        };
        match self.store.packet_record(&rec, audit).await? {
            Diterima::Baru => {
                self.counters.accepted.fetch_add(1, Ordering::Relaxed);
                self.wake.notify_one();
                Ok(Receipt::Accepted)
            }
            Diterima::Ulangan => {
                self.counters.replayed.fetch_add(1, Ordering::Relaxed);
                Ok(Receipt::Replay)
            }
            Diterima::Bentrok { sha256 } => {
                self.refuse(
                    bytes,
                    claimed_id,
                    "conflicting_content",
                    format!(
                        "packet {claimed_id} (or its registration number) was received before with content hash {sha256}; this one hashes to {sha}"
                    ),
                )
                .await
            }
        }
    }

    /// One chunk of a resumable upload by `office` (authenticated by the caller). The
    /// last chunk hands the whole packet to [`Centre::receive`].
    pub async fn receive_chunk(
        &self,
        office: &str,
        packet_id: &str,
        offset: u64,
        total: u64,
        chunk: &[u8],
    ) -> Result<ChunkReceipt, ChunkError> {
        match self.uploads.append(
            office,
            packet_id,
            offset,
            total,
            chunk,
            std::time::Instant::now(),
        )? {
            crate::upload::Chunk::Partial { offset } => Ok(ChunkReceipt::Partial { offset }),
            crate::upload::Chunk::Complete(bytes) => {
                Ok(ChunkReceipt::Done(self.receive(packet_id, &bytes).await?))
            }
        }
    }
}

/// What the centre answered to a chunk of a resumable upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChunkReceipt {
    /// Staged; the next chunk starts at `offset`.
    Partial { offset: u64 },
    /// The packet is complete and went through intake.
    Done(Receipt),
}

#[derive(Debug, thiserror::Error)]
pub enum ChunkError {
    #[error(transparent)]
    Upload(#[from] crate::upload::UploadError),
    #[error(transparent)]
    Store(#[from] StoreError),
}
