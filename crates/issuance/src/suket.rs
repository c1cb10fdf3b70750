//! Suket at the office: issued with the check that lets an application go on (so the
//! citizen leaves with a signed document the same day), revoked by the state change that
//! ends it (the store applies `sidik_domain::suket::cabut_karena` in that transaction),
//! by an officer with a reason, and renewed when it nears its end before the card is
//! ready.

use sidik_domain::suket::{self as aturan, AlasanCabut, KlaimSuket, StatusSuket};
use sidik_store::{SuketBaru, SuketTersimpan};

use super::*;

const SISTEM_SUKET: &str = "sistem:suket";

impl Issuance {
    /// The signed Suket number `ke` of `p`, if this node signs Sukets and `p` may hold one.
    pub(crate) async fn suket_untuk(
        &self,
        p: &Permohonan,
        ke: u32,
        now: Timestamp,
    ) -> Result<Option<SuketBaru>> {
        let Some(signer) = &self.suket else {
            return Ok(None);
        };
        if !aturan::boleh_suket(p.status) {
            return Ok(None);
        }
        let Some(r) = self.store.resident_get(&p.nik).await? else {
            return Ok(None);
        };
        let nomor_suket = aturan::nomor_suket(p.nomor.as_str(), ke);
        let berlaku_hingga = aturan::berlaku_hingga(now);
        let klaim = KlaimSuket {
            nomor_suket: nomor_suket.clone(),
            nomor_registrasi: p.nomor.to_string(),
            nik: r.nik.to_string(),
            nama: r.nama.clone(),
            tempat_lahir: r.tempat_lahir.clone(),
            tanggal_lahir: r.tanggal_lahir,
            perempuan: r.jenis_kelamin == JenisKelamin::Perempuan,
            alamat: format!("{}\nRT/RW {}\nKel. {}", r.alamat, r.rt_rw, r.kelurahan),
            kewarganegaraan: match r.kewarganegaraan {
                Kewarganegaraan::Wni => "IDN".into(),
                Kewarganegaraan::Wna => "XXX".into(),
            },
            kantor: self.kantor.to_string(),
            diterbitkan: now,
            berlaku_hingga,
        };
        let qr = signer.sign(&klaim).map_err(IssuanceError::Internal)?;
        Ok(Some(SuketBaru {
            nomor_suket,
            nomor: p.nomor.to_string(),
            ke,
            kid: signer.kid(),
            diterbitkan: now,
            berlaku_hingga,
            qr,
        }))
    }

    /// The Sukets of an application, oldest first (any officer).
    pub async fn suket_of(&self, nomor: &str) -> Result<Vec<SuketTersimpan>> {
        Ok(self.store.suket_of(nomor).await?)
    }

    /// The active Suket of an application, if any.
    pub async fn suket_aktif(&self, nomor: &str) -> Result<Option<SuketTersimpan>> {
        Ok(self
            .store
            .suket_of(nomor)
            .await?
            .into_iter()
            .find(|s| s.status == StatusSuket::Aktif))
    }

    /// An officer revokes a Suket, with a written reason.
    pub async fn suket_revoke(
        &self,
        user: &User,
        nomor_suket: &str,
        keterangan: &str,
    ) -> Result<SuketTersimpan> {
        require(
            user,
            matches!(user.peran, Peran::Verifikator | Peran::Admin),
            "revoke a Suket",
        )?;
        let keterangan = keterangan.trim();
        if keterangan.is_empty() {
            return Err(IssuanceError::invalid(
                "reason_required",
                "revoking a Suket needs a written reason",
            ));
        }
        sidik_domain::permohonan::periksa_alasan(keterangan)
            .map_err(|m| IssuanceError::invalid("invalid_reason", m))?;
        let s = self
            .store
            .suket_get(nomor_suket)
            .await?
            .ok_or_else(|| IssuanceError::NotFound(format!("Suket {nomor_suket} not found")))?;
        let now = self.clock.now();
        let audit = AuditDraft {
            aktor: actor(user),
            aksi: "suket.cabut".into(),
            subjek: s.suket.nomor.clone(),
            waktu: now,
            detail: format!(
                "{nomor_suket}: {}: {keterangan}",
                AlasanCabut::Petugas.code()
            ),
        };
        self.store
            .suket_revoke(
                nomor_suket,
                AlasanCabut::Petugas.code(),
                Some(keterangan),
                now,
                audit,
            )
            .await
            .map_err(|e| match e {
                StoreError::Conflict(m) => IssuanceError::Conflict {
                    code: "suket_not_active",
                    message: m,
                },
                e => e.into(),
            })?;
        self.store
            .suket_get(nomor_suket)
            .await?
            .ok_or_else(|| IssuanceError::NotFound(nomor_suket.to_string()))
    }

    /// Issues a Suket to an application that may hold one and has none active (e.g. one
    /// revoked by an officer by mistake, or enrolled before Sukets existed).
    pub async fn suket_issue(&self, user: &User, nomor: &str) -> Result<SuketTersimpan> {
        require(
            user,
            matches!(
                user.peran,
                Peran::Operator | Peran::Verifikator | Peran::Admin
            ),
            "issue a Suket",
        )?;
        let p = self.get(nomor).await?;
        let prior = self.store.suket_of(nomor).await?;
        if prior.iter().any(|s| s.status == StatusSuket::Aktif) {
            return Err(IssuanceError::Conflict {
                code: "suket_active",
                message: format!("application {nomor} already has an active Suket"),
            });
        }
        let now = self.clock.now();
        let ke = prior.iter().map(|s| s.suket.ke).max().unwrap_or(0) + 1;
        let Some(baru) = self.suket_untuk(&p, ke, now).await? else {
            return Err(IssuanceError::Conflict {
                code: "suket_not_allowed",
                message: format!(
                    "no Suket for application {nomor} in state {} (or this node signs none)",
                    p.status
                ),
            });
        };
        let audit = AuditDraft {
            aktor: actor(user),
            aksi: "suket.terbit".into(),
            subjek: nomor.to_string(),
            waktu: now,
            detail: baru.nomor_suket.clone(),
        };
        self.store.suket_issue(&baru, None, audit).await?;
        self.store
            .suket_get(&baru.nomor_suket)
            .await?
            .ok_or_else(|| IssuanceError::NotFound(baru.nomor_suket.clone()))
    }

    /// Renews every active Suket that ends within a week while its card is not ready:
    /// the old one is marked replaced and a new one issued, in one transaction each.
    /// Returns how many were renewed. Run by the node's daily task.
    pub async fn suket_renew_due(&self) -> Result<u32> {
        let now = self.clock.now();
        let horizon = now
            .checked_add(jiff::SignedDuration::from_hours(
                aturan::PERPANJANG_SEBELUM_HARI as i64 * 24,
            ))
            .unwrap_or(now);
        let mut n = 0;
        for s in self.store.suket_expiring(horizon, 1000).await? {
            let p = self.get(&s.suket.nomor).await?;
            let Some(baru) = self.suket_untuk(&p, s.suket.ke + 1, now).await? else {
                continue;
            };
            let audit = AuditDraft {
                aktor: SISTEM_SUKET.into(),
                aksi: "suket.perpanjang".into(),
                subjek: p.nomor.to_string(),
                waktu: now,
                detail: format!("{} -> {}", s.suket.nomor_suket, baru.nomor_suket),
            };
            match self
                .store
                .suket_issue(&baru, Some(&s.suket.nomor_suket), audit)
                .await
            {
                Ok(()) => n += 1,
                Err(StoreError::Stale(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(n)
    }

    /// Every Suket this office revoked, in revocation order (for its signed list).
    pub async fn suket_revoked(&self) -> Result<Vec<SuketTersimpan>> {
        Ok(self.store.suket_revoked().await?)
    }
}
