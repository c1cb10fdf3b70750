//! The automatic notices: when the centre has been unreachable for a while, a notice
//! for the office's kota with the outage's start; when it is back, one with the
//! expected clearance of the backlog (the backlog's measured drain rate over the first
//! half minute, or the configured rate if nothing drained yet).
//!
//! The last automatic notice in the store is the state: a restart neither repeats a
//! notice nor misses a recovery.

use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use sidik_domain::audit::AuditDraft;
use sidik_domain::pengumuman::{gangguan, pulih, Asal, PengumumanBaru};
use sidik_domain::Status;
use sidik_ports::Clock;
use sidik_store::{ListFilter, Store};

/// Since when the centre is unreachable, as the office's sync worker sees it.
pub type PusatPutus = Arc<dyn Fn() -> Option<Timestamp> + Send + Sync>;

/// The monitor's settings.
#[derive(Clone)]
pub struct Pantau {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub putus: PusatPutus,
    /// Dotted kota code of the office.
    pub kota: String,
    pub kantor: String,
    /// An outage is announced once it has lasted this long (flaps are not).
    pub setelah: Duration,
    /// How long the drain is measured after a recovery.
    pub ukur: Duration,
    /// Enrollments cleared per hour when no drain could be measured.
    pub per_jam_bawaan: u64,
    /// How often the centre's state is looked at.
    pub interval: Duration,
}

impl Pantau {
    /// Runs forever.
    pub async fn run(self) {
        loop {
            if let Err(e) = self.langkah().await {
                tracing::warn!("automatic notices: {e}");
            }
            tokio::time::sleep(self.interval).await;
        }
    }

    /// Applications waiting for the centre's decision.
    async fn antrean(&self) -> Result<u64, String> {
        let c = self
            .store
            .application_counts(&ListFilter::default())
            .await
            .map_err(|e| e.to_string())?;
        Ok(c.iter()
            .filter(|(s, _)| matches!(s, Status::Direkam | Status::Dikirim))
            .map(|(_, n)| n)
            .sum())
    }

    async fn terbit(&self, p: PengumumanBaru) -> Result<(), String> {
        let audit = AuditDraft {
            aktor: p.oleh.clone(),
            aksi: "pengumuman.terbit".into(),
            subjek: String::new(),
            waktu: p.terbit,
            detail: format!("otomatis={} wilayah={}", p.asal.slug(), p.cakupan.wilayah),
        };
        self.store
            .pengumuman_terbit(&p, audit)
            .await
            .map(|id| tracing::info!(id, "automatic notice: {}", p.judul))
            .map_err(|e| e.to_string())
    }

    /// One look: publishes the outage or the recovery notice if it is due.
    pub async fn langkah(&self) -> Result<(), String> {
        let terakhir = self
            .store
            .pengumuman_otomatis_terakhir(&self.kota)
            .await
            .map_err(|e| e.to_string())?;
        let sedang_gangguan = terakhir.as_ref().is_some_and(|p| p.asal == Asal::Gangguan);
        match (self.putus)() {
            Some(sejak) if !sedang_gangguan => {
                let lama = self.clock.now().duration_since(sejak);
                if lama >= jiff::SignedDuration::try_from(self.setelah).unwrap_or_default() {
                    let n = self.antrean().await?;
                    self.terbit(gangguan(&self.kota, &self.kantor, sejak, n))
                        .await?;
                }
            }
            None if sedang_gangguan => {
                let sejak = terakhir
                    .map(|p| p.terbit)
                    .unwrap_or_else(|| self.clock.now());
                let kembali = self.clock.now();
                let awal = self.antrean().await?;
                tokio::time::sleep(self.ukur).await;
                let akhir = self.antrean().await?;
                let detik = self.ukur.as_secs().max(1);
                let per_jam = match awal.saturating_sub(akhir) {
                    0 => self.per_jam_bawaan,
                    d => d * 3600 / detik,
                };
                self.terbit(pulih(
                    &self.kota,
                    &self.kantor,
                    sejak,
                    kembali,
                    akhir,
                    per_jam,
                ))
                .await?;
            }
            _ => {}
        }
        Ok(())
    }
}
