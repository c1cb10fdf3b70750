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

/// The ETA stage of an application that will still be printed (`None`: printed, or
/// never will be).
fn tahap_eta(s: Status) -> Option<Tahap> {
    match s {
        Status::Direkam | Status::Dikirim | Status::Tunggal => Some(Tahap::MenungguPusat),
        Status::SiapCetak => Some(Tahap::DalamAntrean { posisi: 0 }),
        Status::Dicetak | Status::Diserahkan | Status::Ganda | Status::Ditolak => None,
    }
}

/// The office-wide inputs of every ETA.
#[derive(Debug, Clone)]
struct MasukanEta {
    kap: KapasitasCetak,
    laju: f64,
}

/// The ETA inputs read within the last second, shared by every lookup: a busy status
/// page would otherwise read the printers, the blank ledger, the deliveries and the
/// centre's pace for every citizen. Every change this office makes to them through
/// [`Issuance`] (printers, blanks, print batches, spoils) drops the cache at once; only
/// the centre's pace (decisions arriving) may be up to a second old. An entry is also
/// dropped when the node's clock (simulated in replays) moved more than a second or
/// went back.
#[derive(Default)]
pub struct EtaCache {
    slot: std::sync::Mutex<Option<(u64, std::time::Instant, jiff::Timestamp, MasukanEta)>>,
    generation: std::sync::atomic::AtomicU64,
}

impl EtaCache {
    const TTL: std::time::Duration = std::time::Duration::from_secs(1);

    fn get(&self, now: jiff::Timestamp) -> Option<MasukanEta> {
        let slot = self.slot.lock().unwrap_or_else(|e| e.into_inner());
        let (generation, at, at_clock, m) = slot.as_ref()?;
        let clock_age = now.duration_since(*at_clock);
        let fresh = *generation == self.generation()
            && at.elapsed() < Self::TTL
            && !clock_age.is_negative()
            && clock_age < jiff::SignedDuration::from_secs(1);
        fresh.then(|| m.clone())
    }

    fn put(&self, generation: u64, now: jiff::Timestamp, m: MasukanEta) {
        let mut slot = self.slot.lock().unwrap_or_else(|e| e.into_inner());
        // Read before a change that landed meanwhile: not kept.
        if generation == self.generation() {
            *slot = Some((generation, std::time::Instant::now(), now, m));
        }
    }

    fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Drops what is cached (a change to printers, blanks or the queue).
    pub fn invalidate(&self) {
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        *self.slot.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
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
        let id = self
            .store
            .printer_save(nama, kapasitas_harian, aktif, audit)
            .await;
        self.eta_cache.invalidate();
        Ok(id?)
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
        let r = self
            .store
            .blanko_receive(jumlah, kiriman, self.clock.now(), audit)
            .await;
        self.eta_cache.invalidate();
        r.map_err(Into::into)
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
        let r = self
            .store
            .blanko_spoil_stock(jumlah, self.clock.now(), audit)
            .await;
        self.eta_cache.invalidate();
        r.map_err(|e| match e {
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
        let id = self.store.blanko_schedule(tanggal, jumlah, audit).await;
        self.eta_cache.invalidate();
        Ok(id?)
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
        let r = self.store.print_batch(&req, &rule).await;
        self.eta_cache.invalidate();
        r.map_err(|e| match e {
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
        let r = self.store.print_spoil(nomor_batch, &t).await;
        self.eta_cache.invalidate();
        r?;
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

    /// The office-wide inputs of every ETA (capacity, blanks, deliveries, the centre's
    /// recent pace), from [`EtaCache`] when they were read less than a second ago.
    async fn masukan_eta(&self) -> Result<MasukanEta> {
        let now = self.clock.now();
        if let Some(m) = self.eta_cache.get(now) {
            return Ok(m);
        }
        let generation = self.eta_cache.generation();
        let kap = self.kapasitas().await?;
        // The centre's recent pace: decisions received in the last 24 hours.
        let laju = if self.answers_to_centre() {
            let since = now - jiff::SignedDuration::from_hours(24);
            self.store.decisions_received_since(since).await? as f64
        } else {
            0.0
        };
        let m = MasukanEta { kap, laju };
        self.eta_cache.put(generation, now, m.clone());
        Ok(m)
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
            let ahead = match tahap_eta(p.status) {
                Some(_) => self
                    .store
                    .print_queue_ahead(p.nomor.as_str())
                    .await?
                    .unwrap_or_default(),
                None => Default::default(),
            };
            tahap.push((p.status, ahead));
        }
        self.perkiraan_dari(&tahap, pusat).await
    }

    /// The ETA of an application whose queue figures the caller has already read (the
    /// citizen's status lookup reads them with the application: `Store::status_lookup`).
    pub async fn perkiraan_dengan(
        &self,
        status: Status,
        didahului: Option<eta::Didahului>,
        pusat: &KeadaanPusat,
    ) -> Result<Perkiraan> {
        Ok(self
            .perkiraan_dari(&[(status, didahului.unwrap_or_default())], pusat)
            .await?
            .pop()
            .unwrap_or(Perkiraan::TidakBerlaku))
    }

    async fn perkiraan_dari(
        &self,
        tahap: &[(Status, eta::Didahului)],
        pusat: &KeadaanPusat,
    ) -> Result<Vec<Perkiraan>> {
        let stages: Vec<Tahap> = tahap
            .iter()
            .map(|(s, _)| match tahap_eta(*s) {
                Some(t) => t,
                None if matches!(s, Status::Dicetak | Status::Diserahkan) => Tahap::SudahDicetak,
                None => Tahap::Lainnya,
            })
            .collect();
        if stages
            .iter()
            .all(|t| matches!(t, Tahap::Lainnya | Tahap::SudahDicetak))
        {
            return Ok(vec![Perkiraan::TidakBerlaku; tahap.len()]);
        }
        let MasukanEta { kap, laju } = self.masukan_eta().await?;
        let (pusat, keputusan) = if self.answers_to_centre() {
            (*pusat, KEPUTUSAN_HARI_KERJA)
        } else {
            (KeadaanPusat::Normal, 0)
        };
        let today = self.today();
        Ok(stages
            .iter()
            .zip(tahap)
            .map(|(t, (_, ahead))| {
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
