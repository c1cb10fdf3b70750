//! Pencetakan at the office: printers with a daily capacity, the blank-card ledger, the
//! print queue (declared urgent need, then elderly or disabled, then first come first
//! served), batches printed in one transaction each, spoiled prints, and the honest ETA
//! (`sidik_domain::eta`) every applicant is told.

use jiff::civil::Date;
use sidik_domain::cetak::{Keperluan, Prioritas};
use sidik_domain::eta::{self, KapasitasCetak, KeadaanPusat, Kiriman, Perkiraan, Tahap};
use sidik_domain::kalender::Kalender;
use sidik_store::{
    BatchCetak, BukuBlanko, ItemAntrean, KirimanBlanko, PermintaanBatch, Printer, PrioritasCetak,
};

use super::*;

/// Working days the centre's national check usually takes once it is reachable.
pub const KEPUTUSAN_HARI_KERJA: u32 = 1;

/// The largest batch one request may print.
pub const BATCH_MAKS: u32 = 500;

/// What an applicant declares at enrollment to move up the print queue.
#[derive(Debug, Clone, Default)]
pub struct PrioritasInput {
    /// Slug or label of the urgent need (`sim`, `stnk`, `paspor`, `sekolah`, `bank`).
    pub keperluan: Option<String>,
    /// The date the card is needed by (required with `keperluan`).
    pub tanggal_perlu: Option<String>,
    pub disabilitas: bool,
}

fn can_print(user: &User) -> bool {
    matches!(user.peran, Peran::Pencetak | Peran::Admin)
}

impl Issuance {
    /// The stored priority of a new enrollment (lansia from the birth date).
    pub(crate) fn prioritas_cetak(
        &self,
        input: &PrioritasInput,
        tanggal_lahir: Date,
    ) -> Result<PrioritasCetak> {
        let today = self.today();
        let keperluan = match input
            .keperluan
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(k) => {
                let k =
                    Keperluan::parse(k).map_err(|m| IssuanceError::invalid("invalid_need", m))?;
                let tanggal = input
                    .tanggal_perlu
                    .as_deref()
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .ok_or_else(|| {
                        IssuanceError::invalid(
                            "need_date_required",
                            "an urgent need needs the date the card is needed by",
                        )
                    })?
                    .parse::<Date>()
                    .map_err(|e| {
                        IssuanceError::invalid("invalid_need_date", format!("date needed: {e}"))
                    })?;
                if tanggal < today || tanggal.year() > today.year() + 2 {
                    return Err(IssuanceError::invalid(
                        "invalid_need_date",
                        format!("date needed {tanggal} must be between today and two years ahead"),
                    ));
                }
                Some((k, tanggal))
            }
        };
        let p = Prioritas {
            keperluan,
            lansia: sidik_domain::cetak::lansia(tanggal_lahir, today),
            disabilitas: input.disabilitas,
        };
        Ok(PrioritasCetak {
            keperluan: keperluan.map(|(k, _)| k.slug().to_string()),
            tanggal_perlu: keperluan.map(|(_, d)| d),
            lansia: p.lansia,
            disabilitas: p.disabilitas,
            kelas: p.kelas(),
        })
    }

    pub async fn printers(&self) -> Result<Vec<Printer>> {
        Ok(self.store.printers(self.today()).await?)
    }

    /// Adds or changes a printer (admin).
    pub async fn printer_save(
        &self,
        user: &User,
        nama: &str,
        kapasitas_harian: u32,
        aktif: bool,
    ) -> Result<i64> {
        require(user, user.peran == Peran::Admin, "configure printers")?;
        let nama = nama.trim();
        if nama.is_empty() || nama.chars().count() > 64 || nama.chars().any(char::is_control) {
            return Err(IssuanceError::invalid(
                "invalid_printer",
                "printer name: 1-64 characters, no control characters",
            ));
        }
        if !(1..=100_000).contains(&kapasitas_harian) {
            return Err(IssuanceError::invalid(
                "invalid_capacity",
                "daily capacity must be 1-100000 cards",
            ));
        }
        let audit = self.audit(
            user,
            "cetak.printer",
            nama,
            format!("kapasitas={kapasitas_harian} aktif={aktif}"),
        );
        Ok(self
            .store
            .printer_save(nama, kapasitas_harian, aktif, audit)
            .await?)
    }

    fn audit(&self, user: &User, aksi: &str, subjek: &str, detail: String) -> AuditDraft {
        AuditDraft {
            aktor: actor(user),
            aksi: aksi.into(),
            subjek: subjek.into(),
            waktu: self.clock.now(),
            detail,
        }
    }

    pub async fn blanko(&self) -> Result<BukuBlanko> {
        Ok(self.store.blanko().await?)
    }

    pub async fn blanko_deliveries(&self) -> Result<Vec<KirimanBlanko>> {
        Ok(self.store.blanko_deliveries().await?)
    }

    /// Books a delivery of blanks (a scheduled one by id, or an unscheduled one).
    pub async fn blanko_receive(
        &self,
        user: &User,
        jumlah: u64,
        kiriman: Option<i64>,
    ) -> Result<BukuBlanko> {
        require(user, can_print(user), "book blank cards")?;
        if !(1..=1_000_000).contains(&jumlah) {
            return Err(IssuanceError::invalid(
                "invalid_count",
                "a delivery is 1-1000000 blanks",
            ));
        }
        let audit = self.audit(
            user,
            "blanko.terima",
            "blanko",
            format!("jumlah={jumlah} kiriman={kiriman:?}"),
        );
        self.store
            .blanko_receive(jumlah, kiriman, self.clock.now(), audit)
            .await
            .map_err(Into::into)
    }

    /// Blanks found damaged in stock.
    pub async fn blanko_spoil_stock(&self, user: &User, jumlah: u64) -> Result<BukuBlanko> {
        require(user, can_print(user), "book blank cards")?;
        if jumlah == 0 {
            return Err(IssuanceError::invalid(
                "invalid_count",
                "at least one blank",
            ));
        }
        let audit = self.audit(
            user,
            "blanko.rusak_stok",
            "blanko",
            format!("jumlah={jumlah}"),
        );
        self.store
            .blanko_spoil_stock(jumlah, self.clock.now(), audit)
            .await
            .map_err(|e| match e {
                StoreError::Conflict(m) => IssuanceError::Conflict {
                    code: "not_enough_blanks",
                    message: m,
                },
                e => e.into(),
            })
    }

    /// Schedules a delivery (it counts in every ETA from its date on).
    pub async fn blanko_schedule(&self, user: &User, tanggal: Date, jumlah: u64) -> Result<i64> {
        require(user, can_print(user), "schedule blank deliveries")?;
        if !(1..=1_000_000).contains(&jumlah) || tanggal < self.today() {
            return Err(IssuanceError::invalid(
                "invalid_delivery",
                "a delivery is 1-1000000 blanks, dated today or later",
            ));
        }
        let audit = self.audit(
            user,
            "blanko.jadwal",
            "blanko",
            format!("tanggal={tanggal} jumlah={jumlah}"),
        );
        Ok(self.store.blanko_schedule(tanggal, jumlah, audit).await?)
    }

    pub async fn print_queue(&self, limit: u32, offset: u32) -> Result<Vec<ItemAntrean>> {
        Ok(self.store.print_queue(limit.min(1000), offset).await?)
    }

    pub async fn print_queue_len(&self) -> Result<u64> {
        Ok(self.store.print_queue_len().await?)
    }

    /// Prints the next batch on a printer: at most `maks` cards, the printer's capacity
    /// left today and the blanks on hand; all in one transaction. `None`: nothing to do.
    pub async fn print_batch(
        &self,
        user: &User,
        printer_id: i64,
        maks: u32,
    ) -> Result<Option<BatchCetak>> {
        self.print(user, printer_id, maks, None).await
    }

    /// Prints one application's card now (an urgent case at the counter): a batch of
    /// one on the first active printer with capacity left today, one blank booked.
    pub async fn print_one(&self, user: &User, nomor: &str) -> Result<BatchCetak> {
        require(user, Aksi::Cetak.allowed(user.peran), "print cards")?;
        let printer = self
            .printers()
            .await?
            .into_iter()
            .find(|p| p.aktif && p.terpakai < p.kapasitas_harian)
            .ok_or_else(|| IssuanceError::Conflict {
                code: "no_printer_capacity",
                message: "no active printer has capacity left today (configure printers on /cetak)"
                    .into(),
            })?;
        if self.store.blanko().await?.ada() == 0 {
            return Err(IssuanceError::Conflict {
                code: "not_enough_blanks",
                message: "no blank cards on hand".into(),
            });
        }
        self.print(user, printer.id, 1, Some(nomor.to_string()))
            .await?
            .ok_or_else(|| IssuanceError::Conflict {
                code: "print_refused",
                message: format!("application {nomor} could not be printed"),
            })
    }

    async fn print(
        &self,
        user: &User,
        printer_id: i64,
        maks: u32,
        hanya: Option<String>,
    ) -> Result<Option<BatchCetak>> {
        require(user, Aksi::Cetak.allowed(user.peran), "print cards")?;
        if !(1..=BATCH_MAKS).contains(&maks) {
            return Err(IssuanceError::invalid(
                "invalid_count",
                format!("a batch is 1-{BATCH_MAKS} cards"),
            ));
        }
        let now = self.clock.now();
        let mut rnd = [0u8; 4];
        self.entropy
            .fill(&mut rnd)
            .map_err(IssuanceError::Internal)?;
        let nomor_batch = format!(
            "B{}-{}-{}",
            self.kantor,
            now.to_zoned(sidik_domain::tanggal::wib())
                .strftime("%Y%m%d%H%M%S"),
            hex::encode(rnd)
        );
        let aktor = actor(user);
        let rule = |apps: &[Permohonan]| -> std::result::Result<Vec<Transisi>, String> {
            apps.iter()
                .map(|p| {
                    let mut p = p.clone();
                    let start = p.riwayat.len();
                    p.terapkan(
                        Aksi::Cetak,
                        aktor.clone(),
                        now,
                        Some(format!("Batch {nomor_batch}")),
                    )
                    .map_err(|e| e.to_string())?;
                    let entries = p.riwayat[start..].to_vec();
                    let audits = entries
                        .iter()
                        .map(|e| audit_of(p.nomor.as_str(), e))
                        .collect();
                    Ok(Transisi {
                        nomor: p.nomor.to_string(),
                        from: Status::SiapCetak,
                        entries,
                        hasil: None,
                        audits,
                        suket: None,
                    })
                })
                .collect()
        };
        let req = PermintaanBatch {
            nomor_batch: nomor_batch.clone(),
            printer_id,
            maks,
            waktu: now,
            tanggal: self.today(),
            aktor: aktor.clone(),
            hanya,
        };
        self.store
            .print_batch(&req, &rule)
            .await
            .map_err(|e| match e {
                StoreError::Conflict(m) => IssuanceError::Conflict {
                    code: "print_refused",
                    message: m,
                },
                StoreError::Stale(m) => conflict_transition(m),
                e => e.into(),
            })
    }

    /// A spoiled print: the blank is booked as spoiled and the application goes back to
    /// its place in the queue.
    pub async fn print_spoil(
        &self,
        user: &User,
        nomor_batch: &str,
        nomor: &str,
        alasan: Option<String>,
    ) -> Result<Permohonan> {
        require(
            user,
            Aksi::CetakRusak.allowed(user.peran),
            "book a spoiled print",
        )?;
        if let Some(a) = &alasan {
            sidik_domain::permohonan::periksa_alasan(a)
                .map_err(|m| IssuanceError::invalid("invalid_reason", m))?;
        }
        let mut p = self.get(nomor).await?;
        let start = p.riwayat.len();
        p.terapkan(Aksi::CetakRusak, actor(user), self.clock.now(), alasan)
            .map_err(|e| conflict_transition(e.to_string()))?;
        let entries = p.riwayat[start..].to_vec();
        let audits = entries.iter().map(|e| audit_of(nomor, e)).collect();
        let t = Transisi {
            nomor: nomor.to_string(),
            from: Status::Dicetak,
            entries,
            hasil: None,
            audits,
            suket: None,
        };
        self.store.print_spoil(nomor_batch, &t).await?;
        Ok(p)
    }

    pub async fn batch(&self, nomor_batch: &str) -> Result<BatchCetak> {
        self.store
            .batch_get(nomor_batch)
            .await?
            .ok_or_else(|| IssuanceError::NotFound(format!("batch {nomor_batch} not found")))
    }

    pub async fn batches_recent(&self, limit: u32) -> Result<Vec<BatchCetak>> {
        Ok(self.store.batches_recent(limit.min(200)).await?)
    }

    /// The office's printing capacity now (for ETAs and the plan).
    pub async fn kapasitas(&self) -> Result<KapasitasCetak> {
        let printers = self.store.printers(self.today()).await?;
        let aktif = printers.iter().filter(|p| p.aktif);
        let per_hari: u32 = aktif.clone().map(|p| p.kapasitas_harian).sum();
        let sisa: u32 = aktif
            .map(|p| p.kapasitas_harian.saturating_sub(p.terpakai))
            .sum();
        let hour = self
            .clock
            .now()
            .to_zoned(sidik_domain::tanggal::wib())
            .hour();
        Ok(KapasitasCetak {
            per_hari,
            // Office hours end at 16.00 WIB: later, today's capacity is gone.
            sisa_hari_ini: if hour < 16 { sisa } else { 0 },
            blanko_ada: self.store.blanko().await?.ada(),
            kiriman: self
                .store
                .blanko_deliveries()
                .await?
                .into_iter()
                .map(|k| Kiriman {
                    tanggal: k.tanggal,
                    jumlah: k.jumlah,
                })
                .collect(),
        })
    }

    /// The ETA of one application, honest about the queue, the printers, the blanks, the
    /// working-day calendar and the centre's state (`pusat`, from the office's sync view).
    pub async fn perkiraan(&self, p: &Permohonan, pusat: &KeadaanPusat) -> Result<Perkiraan> {
        Ok(self
            .perkiraan_banyak(std::slice::from_ref(p), pusat)
            .await?
            .pop()
            .unwrap_or(Perkiraan::TidakBerlaku))
    }

    /// The ETAs of several applications (a page of the list): the capacity and the queue
    /// are read once.
    pub async fn perkiraan_banyak(
        &self,
        ps: &[Permohonan],
        pusat: &KeadaanPusat,
    ) -> Result<Vec<Perkiraan>> {
        // Where each one stands: the cards that will be printed before it — the queue
        // ahead of it, the earlier enrollments still waiting for the centre, and the
        // later, more urgent ones that the centre approves before its print day.
        let mut tahap = Vec::with_capacity(ps.len());
        for p in ps {
            let ahead = || async {
                Ok::<_, IssuanceError>(
                    self.store
                        .print_queue_ahead(p.nomor.as_str())
                        .await?
                        .unwrap_or_default(),
                )
            };
            tahap.push(match p.status {
                Status::Direkam | Status::Dikirim | Status::Tunggal => {
                    (Tahap::MenungguPusat, ahead().await?)
                }
                Status::SiapCetak => (Tahap::DalamAntrean { posisi: 0 }, ahead().await?),
                Status::Dicetak | Status::Diserahkan => (Tahap::SudahDicetak, Default::default()),
                Status::Ganda | Status::Ditolak => (Tahap::Lainnya, Default::default()),
            });
        }
        if tahap
            .iter()
            .all(|(t, _)| matches!(t, Tahap::Lainnya | Tahap::SudahDicetak))
        {
            return Ok(vec![Perkiraan::TidakBerlaku; ps.len()]);
        }
        let kap = self.kapasitas().await?;
        let (pusat, keputusan) = if self.answers_to_centre() {
            (*pusat, KEPUTUSAN_HARI_KERJA)
        } else {
            (KeadaanPusat::Normal, 0)
        };
        // The centre's recent pace: decisions received in the last 24 hours.
        let laju = if self.answers_to_centre() {
            let since = self.clock.now() - jiff::SignedDuration::from_hours(24);
            self.store.decisions_received_since(since).await? as f64
        } else {
            0.0
        };
        let today = self.today();
        Ok(tahap
            .iter()
            .map(|(t, ahead)| {
                let kal = Kalender::indonesia();
                let posisi = eta::posisi_efektif(ahead, &kap, kal, today, &pusat, laju);
                let t = match t {
                    Tahap::DalamAntrean { .. } => Tahap::DalamAntrean { posisi },
                    other => *other,
                };
                eta::perkirakan(&t, &kap, kal, today, &pusat, posisi, keputusan)
            })
            .collect())
    }

    /// How many cards a day and how many blanks clear the queue by `selesai`.
    pub async fn rencana(
        &self,
        selesai: Date,
    ) -> Result<std::result::Result<eta::Rencana, eta::RencanaError>> {
        let kap = self.kapasitas().await?;
        let antrean = self.store.print_queue_len().await?;
        Ok(eta::rencana_cetak(
            antrean,
            &kap,
            Kalender::indonesia(),
            self.today(),
            selesai,
        ))
    }
}
