//! The centre officers' acts: office keys (register, revoke), the quarantine, duplicate
//! cases and their adjudication. Each takes an [`Actor`] and checks its role here.

use super::*;

impl Centre {
    /// Rebuilds the key ring from the registered offices.
    pub async fn reload_ring(&self) -> Result<(), StoreError> {
        let mut ring = KeyRing::new(self.keys.certifying.verifying_key());
        for k in self.store.offices().await? {
            let cert = Certificate::from_text(&k.sertifikat).map_err(|e| {
                StoreError::Backend(format!("stored certificate of {}: {e}", k.kode))
            })?;
            ring.add(cert).map_err(|e| {
                StoreError::Backend(format!("stored certificate of {}: {e}", k.kode))
            })?;
            if k.dicabut.is_some() {
                ring.revoke(
                    k.kode.as_str(),
                    &Certificate::from_text(&k.sertifikat)
                        .expect("parsed above")
                        .public_key,
                );
            }
        }
        *self.ring.write().expect("ring lock") = ring;
        Ok(())
    }

    /// Certifies an office key and registers it (centre administrator's act).
    pub async fn register_office(
        &self,
        by: Actor<'_>,
        kode: &KodeKantor,
        nama: &str,
        public_key: &OfficePublicKey,
    ) -> Result<Certificate, CentreError> {
        by.require(ADMINS, "register office keys")?;
        let aktor = by.audit_name();
        let now = self.clock.now();
        let cert = Certificate::issue(&self.keys.certifying, kode, public_key, now.as_second());
        let pk = hex::encode(public_key.to_bytes());
        self.store
            .office_register(
                &KantorTerdaftar {
                    kode: kode.clone(),
                    nama: nama.to_string(),
                    public_key: pk.clone(),
                    sertifikat: cert.to_text(),
                    dicabut: None,
                    dibuat: now,
                },
                AuditDraft {
                    aktor,
                    aksi: "kantor.daftar".into(),
                    subjek: kode.to_string(),
                    waktu: now,
                    detail: format!("kunci {pk}"),
                },
            )
            .await?;
        self.reload_ring().await?;
        Ok(cert)
    }

    /// Revokes an office key: packets signed with it are refused from now on.
    pub async fn revoke_office(
        &self,
        by: Actor<'_>,
        kode: &KodeKantor,
        public_key_hex: &str,
    ) -> Result<bool, CentreError> {
        by.require(ADMINS, "revoke office keys")?;
        let aktor = by.audit_name();
        let now = self.clock.now();
        let done = self
            .store
            .office_revoke(
                kode,
                public_key_hex,
                now,
                AuditDraft {
                    aktor,
                    aksi: "kantor.cabut".into(),
                    subjek: kode.to_string(),
                    waktu: now,
                    detail: format!("kunci {public_key_hex}"),
                },
            )
            .await?;
        self.reload_ring().await?;
        Ok(done)
    }

    /// The quarantine, newest first (administrators).
    pub async fn quarantine(
        &self,
        by: Actor<'_>,
        limit: u32,
    ) -> Result<Vec<Karantina>, CentreError> {
        by.require(ADMINS, "see the quarantine")?;
        Ok(self.store.quarantine_list(limit).await?)
    }

    /// Registered office keys (administrators).
    pub async fn offices(&self, by: Actor<'_>) -> Result<Vec<KantorTerdaftar>, CentreError> {
        by.require(ADMINS, "see the registered offices")?;
        Ok(self.store.offices().await?)
    }

    /// Packets flagged `ganda` and awaiting adjudication (adjudicators).
    pub async fn ganda_cases(
        &self,
        by: Actor<'_>,
        limit: u32,
    ) -> Result<Vec<PaketPusat>, CentreError> {
        by.require(ADJUDICATORS, "see duplicate cases")?;
        Ok(self
            .store
            .packets_with_status(StatusPaket::Ganda, limit)
            .await?)
    }

    /// An adjudicator's verdict on a `ganda` packet, published to its office:
    /// `tunggal` (different persons: the card may be printed) or not (rejected). The
    /// reason is required and recorded.
    pub async fn adjudicate(
        &self,
        by: Actor<'_>,
        nomor: &str,
        tunggal: bool,
        alasan: &str,
    ) -> Result<(), CentreError> {
        by.require(ADJUDICATORS, "adjudicate duplicate cases")?;
        let alasan = alasan.trim();
        if alasan.is_empty() {
            return Err(CentreError::Invalid {
                code: "reason_required",
                message: "an adjudication needs a reason (alasan)".into(),
            });
        }
        sidik_domain::permohonan::periksa_alasan(alasan).map_err(|message| {
            CentreError::Invalid {
                code: "invalid_reason",
                message,
            }
        })?;
        let p = self
            .store
            .packet_by_nomor(nomor)
            .await?
            .ok_or_else(|| CentreError::NotFound(format!("packet of application {nomor}")))?;
        if p.status != StatusPaket::Ganda {
            return Err(CentreError::Conflict {
                code: "not_ganda",
                message: format!(
                    "application {nomor} is {} at the centre; only ganda cases are adjudicated",
                    p.status
                ),
            });
        }
        let aktor = by.audit_name();
        let now = self.clock.now();
        let hasil = if tunggal {
            Hasil::AdjudikasiTunggal
        } else {
            Hasil::Ditolak
        };
        let d = KeputusanBaru {
            kantor: p.kantor.clone(),
            nomor: p.nomor.clone(),
            packet_id: p.packet_id.clone(),
            sebab: format!("adjudikasi:{aktor}:{}", now.as_nanosecond()),
            hasil,
            kandidat: vec![],
            catatan: format!("Adjudikasi pusat: {alasan}"),
            waktu: now,
        };
        let audit = AuditDraft {
            aktor,
            aksi: format!("adjudikasi.{}", hasil.slug()),
            subjek: p.nomor.to_string(),
            waktu: now,
            detail: alasan.to_string(),
        };
        let n = self
            .store
            .decisions_publish(None, &[d], vec![audit])
            .await?;
        self.gallery_published(n);
        self.published.send_modify(|n| *n += 1);
        if !tunggal {
            let _ = self.abis.delete(p.nomor.as_str());
        }
        Ok(())
    }
}
