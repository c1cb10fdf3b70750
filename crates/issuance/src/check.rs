//! Verifikasi ketunggalan at the office: demographic checks, then the ABIS 1:N search;
//! a hit flags both sides (the rules of `sidik_domain::ketunggalan`), in one
//! transaction.

use super::*;

impl Issuance {
    /// Verifikasi ketunggalan: sends a recorded application for the check and applies
    /// the result (Tunggal → automatically queued for printing, Ganda, or Ditolak).
    pub async fn check(&self, user: &User, nomor: &str) -> Result<Permohonan> {
        require(
            user,
            Aksi::Kirim.allowed(user.peran),
            "run the uniqueness check",
        )?;
        let mut p = self.get(nomor).await?;
        let from = p.status;
        let now = self.clock.now();
        if p.status == Status::Direkam {
            p.terapkan(Aksi::Kirim, actor(user), now, None)
                .map_err(|e| conflict_transition(e.to_string()))?;
        } else if p.status != Status::Dikirim {
            return Err(conflict_transition(format!(
                "application {nomor} is {}, the uniqueness check runs on direkam/dikirim",
                p.status
            )));
        }
        let start = p.riwayat.len() - usize::from(from == Status::Direkam);
        let (hasil, reject) = self.ketunggalan(&p).await?;
        if let Some(reason) = reject {
            p.terapkan(Aksi::Tolak, SISTEM.into(), now, Some(reason))
                .map_err(|e| conflict_transition(e.to_string()))?;
        } else if hasil.kandidat.is_empty() && self.answers_to_centre() {
            // Office node: the local check passed; the centre has the last word. The
            // application stays `dikirim` until the centre's decision arrives.
        } else if hasil.kandidat.is_empty() {
            p.terapkan(
                Aksi::HasilTunggal,
                SISTEM.into(),
                now,
                Some(hasil.catatan.clone()),
            )
            .map_err(|e| conflict_transition(e.to_string()))?;
            p.terapkan(
                Aksi::Setujui,
                SISTEM.into(),
                now,
                Some("Otomatis: tunggal".into()),
            )
            .map_err(|e| conflict_transition(e.to_string()))?;
        } else {
            p.terapkan(
                Aksi::HasilGanda,
                SISTEM.into(),
                now,
                Some(hasil.catatan.clone()),
            )
            .map_err(|e| conflict_transition(e.to_string()))?;
        }
        let entries = p.riwayat[start..].to_vec();
        let mut audits: Vec<AuditDraft> = entries.iter().map(|e| audit_of(nomor, e)).collect();
        // The local checks passed: the citizen leaves with a signed Suket today.
        let suket = self.suket_untuk(&p, 1, now).await?;
        if let Some(s) = &suket {
            audits.push(AuditDraft {
                aktor: SISTEM.into(),
                aksi: "suket.terbit".into(),
                subjek: nomor.to_string(),
                waktu: now,
                detail: s.nomor_suket.clone(),
            });
        }
        let mut plans = vec![Transisi {
            nomor: nomor.to_string(),
            from,
            entries,
            hasil: Some(hasil.clone()),
            audits,
            suket,
        }];
        if p.status == Status::Ganda {
            // A hit is symmetric: the earlier applications it names are flagged too,
            // in the same transaction.
            plans.extend(self.other_sides(&p, &hasil.kandidat, now).await?);
        }
        self.store.applications_transition(&plans).await?;
        if p.status == Status::Ditolak {
            self.abis_delete(nomor);
        }
        p.ketunggalan = Some(hasil);
        Ok(p)
    }

    /// The other side of each hit of `p` (an application enrolled earlier at this
    /// office): how it is flagged follows `sidik_domain::ketunggalan::sisi_lain`.
    async fn other_sides(
        &self,
        p: &Permohonan,
        kandidat: &[Kandidat],
        now: Timestamp,
    ) -> Result<Vec<Transisi>> {
        let me = Perekaman {
            nomor: p.nomor.as_str(),
            nik: p.nik.as_str(),
            kantor: p.kantor.as_str(),
        };
        let lingkup = if self.answers_to_centre() {
            " di kantor ini"
        } else {
            ""
        };
        let mut plans = Vec::new();
        for c in kandidat {
            let mut other = match self.get(&c.permohonan).await {
                Ok(o) => o,
                Err(IssuanceError::NotFound(_)) => continue,
                Err(e) => return Err(e),
            };
            let later = ketunggalan::sebagai_kandidat(&me, c);
            let catatan = ketunggalan::catatan_sisi_lain(lingkup, &later, None);
            let from = other.status;
            let start = other.riwayat.len();
            match ketunggalan::sisi_lain(from) {
                SisiLain::Abaikan => continue,
                SisiLain::TandaiGanda => {
                    other
                        .terapkan(Aksi::TandaiGanda, SISTEM.into(), now, Some(catatan.clone()))
                        .map_err(|e| conflict_transition(e.to_string()))?;
                }
                SisiLain::TambahKandidat | SisiLain::CatatTemuan => {}
            }
            let entries = other.riwayat[start..].to_vec();
            let mut audits: Vec<AuditDraft> = entries
                .iter()
                .map(|e| audit_of(other.nomor.as_str(), e))
                .collect();
            if entries.is_empty() {
                audits.push(AuditDraft {
                    aktor: SISTEM.into(),
                    aksi: "permohonan.temuan_ganda".into(),
                    subjek: other.nomor.to_string(),
                    waktu: now,
                    detail: format!("{}: {catatan}", from.slug()),
                });
            }
            let mut hasil = other.ketunggalan.take().unwrap_or(HasilKetunggalan {
                biometrik: true,
                catatan: String::new(),
                kandidat: vec![],
            });
            if !hasil
                .kandidat
                .iter()
                .any(|k| k.permohonan == later.permohonan)
            {
                hasil.kandidat.push(later);
                hasil.catatan = if hasil.catatan.is_empty() {
                    catatan
                } else {
                    format!("{}. {catatan}", hasil.catatan)
                };
            }
            plans.push(Transisi {
                nomor: other.nomor.to_string(),
                from,
                entries,
                hasil: Some(hasil),
                audits,
                suket: None,
            });
        }
        Ok(plans)
    }

    /// Demographic checks, then the biometric 1:N search if an ABIS is wired in.
    /// Returns the check result and, if the application must be rejected, why.
    async fn ketunggalan(&self, p: &Permohonan) -> Result<(HasilKetunggalan, Option<String>)> {
        let mut catatan = Vec::new();
        let today = self.today();
        let Some(penduduk) = self.store.resident_get(&p.nik).await? else {
            let r = format!(
                "NIK {} tidak lagi terdaftar dalam database kependudukan",
                p.nik
            );
            return Ok((hasil(false, r.clone(), vec![]), Some(r)));
        };
        if !penduduk.wajib_ktp(today) {
            let r = "Pemohon belum berusia 17 tahun dan belum pernah kawin".to_string();
            return Ok((hasil(false, r.clone(), vec![]), Some(r)));
        }
        for (other, st) in self.store.applications_of_nik(&p.nik).await? {
            if other == p.nomor.as_str() {
                continue;
            }
            if st.holds_card() {
                let r = format!(
                    "NIK {} sudah memiliki KTP-el aktif (permohonan {other})",
                    p.nik
                );
                return Ok((hasil(false, r.clone(), vec![]), Some(r)));
            }
            if st.is_open() {
                let r = format!("NIK {} masih memiliki permohonan terbuka {other}", p.nik);
                return Ok((hasil(false, r.clone(), vec![]), Some(r)));
            }
        }
        catatan.push("Pemeriksaan demografis lolos (NIK terdaftar, cukup umur, tanpa KTP-el aktif atau permohonan lain)".to_string());
        if !self.abis.is_biometric() {
            catatan.push(
                "Pencocokan biometrik 1:N BELUM dijalankan: hanya pemeriksaan demografis".into(),
            );
            return Ok((hasil(false, catatan.join(". "), vec![]), None));
        }
        let Some(bref) = self.store.biometrik_ref(p.nomor.as_str()).await? else {
            return Err(IssuanceError::Internal(format!(
                "no biometrics stored for {}",
                p.nomor
            )));
        };
        let mut fingers = Vec::new();
        for j in &bref.jari {
            let bytes = self
                .store
                .blob_get(&j.sha256)
                .await?
                .ok_or_else(|| IssuanceError::Internal(format!("blob {} missing", j.sha256)))?;
            fingers.push((j.posisi.get(), bytes));
        }
        // The 1:N search is CPU work: on the blocking pool, not on an async worker.
        let abis = self.abis.clone();
        let hits = tokio::task::spawn_blocking(move || abis.identify(&fingers))
            .await
            .map_err(|e| IssuanceError::Internal(format!("ABIS search task: {e}")))?
            .map_err(IssuanceError::Internal)?
            .into_iter()
            .map(Kandidat::from)
            .collect::<Vec<_>>();
        // The applicant's own record, and earlier applications of the same NIK, are not
        // duplicates of a different identity (the domain's symmetric-hit rule drops
        // them; every other hit is outside this one-member "batch").
        let me = Perekaman {
            nomor: p.nomor.as_str(),
            nik: p.nik.as_str(),
            kantor: p.kantor.as_str(),
        };
        let candidates = ketunggalan::temuan_simetris(&[me], vec![hits])
            .kandidat
            .pop()
            .unwrap_or_default();
        catatan.push(format!(
            "Pencocokan sidik jari 1:N terhadap {} orang{}: {} kandidat di atas ambang",
            self.abis.len(),
            if self.answers_to_centre() {
                " di galeri kantor ini"
            } else {
                ""
            },
            candidates.len()
        ));
        if self.answers_to_centre() && candidates.is_empty() {
            catatan.push(MENUNGGU_PUSAT.into());
        }
        Ok((hasil(true, catatan.join(". "), candidates.clone()), None))
    }
}

fn hasil(biometrik: bool, catatan: String, kandidat: Vec<Kandidat>) -> HasilKetunggalan {
    HasilKetunggalan {
        biometrik,
        catatan,
        kandidat,
    }
}
