//! The issuance pipeline: perekaman (enrollment) → verifikasi ketunggalan (uniqueness
//! check) → cetak (printing) → serah (collection).
//!
//! This crate orchestrates the domain rules, the storage traits and the ports of
//! `sidik-ports` (ABIS, template format, clock, entropy). It knows neither SQL nor HTTP
//! nor which matcher runs behind the ABIS port. Time and randomness are injected.

use std::sync::Arc;

use jiff::Timestamp;
use sidik_domain::audit::AuditDraft;
use sidik_domain::biometrik::{AlasanPengecualian, Biometrik, BiometrikError, PosisiJari};
use sidik_domain::keputusan::{terapkan_keputusan, Penerapan};
use sidik_domain::ketunggalan::{self, Perekaman, SisiLain};
use sidik_domain::penduduk::{kelurahan_code, PendudukError};
use sidik_domain::permohonan::{HasilKetunggalan, Kandidat};
use sidik_domain::tanggal::tanggal_wib;
use sidik_domain::*;
use sidik_packet::{OfficeKeys, Packet, PacketBody, SealingPublicKey};
use sidik_store::{
    Created, NewPermohonan, PaketKeluar, Store, StoreError, SyncStore, Transisi, User,
};

pub mod akun;
pub mod aspirasi;
mod baca;
mod cetak;
mod check;
mod decisions;
mod enroll;
mod error;
mod kabar;
mod suket;

pub use baca::Gambar;
pub use cetak::{EtaCache, PrioritasInput, BATCH_MAKS, KEPUTUSAN_HARI_KERJA};
pub use enroll::EnrollInput;
pub use error::{IssuanceError, Result};
pub use kabar::{KontakInput, PengumumanInput};
pub use sidik_ports::{Abis, Clock, DecisionSink, Entropy, SuketSigner, TemplateFormat};

/// The pipeline service of one office.
#[derive(Clone)]
pub struct Issuance {
    pub store: Arc<dyn Store>,
    pub abis: Arc<dyn Abis>,
    /// Validates finger templates before anything is stored.
    pub templates: Arc<dyn TemplateFormat>,
    pub clock: Arc<dyn Clock>,
    /// Randomness for sealing packets.
    pub entropy: Arc<dyn Entropy>,
    pub kantor: KodeKantor,
    /// Who has the last word on uniqueness.
    pub finality: Finality,
    /// Signs Sukets with the office's key (`None`: this node issues no Suket).
    pub suket: Option<Arc<dyn SuketSigner>>,
    /// The office-wide ETA inputs, kept for a second; clones share it
    /// (`Default::default()`).
    pub eta_cache: Arc<cetak::EtaCache>,
}

/// Who decides uniqueness for this office's applications.
#[derive(Clone)]
pub enum Finality {
    /// A standalone office: its own 1:N check is final.
    Local,
    /// An office that answers to a centre: every enrollment is sealed into a packet for
    /// the centre, the local check only catches what it can, and the centre decides.
    Centre(Arc<Uplink>),
}

/// What an office needs to hand enrollments to the centre.
pub struct Uplink {
    pub keys: Arc<OfficeKeys>,
    /// The centre's X25519 key the biometrics are sealed to.
    pub centre: SealingPublicKey,
    pub sync: Arc<dyn SyncStore>,
    /// Wakes the sync worker after a new packet is queued.
    pub wake: Box<dyn Fn() + Send + Sync>,
}

/// Note recorded when an office's local check passes and the centre has the last word.
pub const MENUNGGU_PUSAT: &str = "Menunggu keputusan pusat (verifikasi ketunggalan nasional)";

fn actor(u: &User) -> String {
    format!("user:{}", u.username)
}

fn require(u: &User, ok: bool, what: &str) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(IssuanceError::Forbidden {
            peran: u.peran,
            what: what.to_string(),
        })
    }
}

const SISTEM: &str = "sistem:ketunggalan";

impl Issuance {
    fn today(&self) -> jiff::civil::Date {
        tanggal_wib(self.clock.now())
    }

    /// The uplink to the centre, on an office node.
    pub fn uplink(&self) -> Option<&Arc<Uplink>> {
        match &self.finality {
            Finality::Local => None,
            Finality::Centre(u) => Some(u),
        }
    }

    /// Whether a centre has the last word on uniqueness.
    pub fn answers_to_centre(&self) -> bool {
        matches!(self.finality, Finality::Centre(_))
    }

    pub async fn get(&self, nomor: &str) -> Result<Permohonan> {
        self.store
            .application_get(nomor)
            .await?
            .ok_or_else(|| IssuanceError::NotFound(format!("application {nomor} not found")))
    }

    /// Adjudication, printing and collection: any direct transition an officer may
    /// request. `AdjudikasiTunggal` also queues the card for printing.
    pub async fn transition(
        &self,
        user: &User,
        nomor: &str,
        aksi: Aksi,
        alasan: Option<String>,
    ) -> Result<Permohonan> {
        if matches!(
            aksi,
            Aksi::Rekam | Aksi::HasilTunggal | Aksi::HasilGanda | Aksi::Kirim
        ) {
            return Err(IssuanceError::invalid(
                "use_check",
                "check results come from the uniqueness step: POST .../check",
            ));
        }
        require(
            user,
            aksi.allowed(user.peran),
            &format!("perform {}", aksi.slug()),
        )?;
        if let Some(a) = &alasan {
            sidik_domain::permohonan::periksa_alasan(a)
                .map_err(|m| IssuanceError::invalid("invalid_reason", m))?;
        }
        if self.answers_to_centre() && matches!(aksi, Aksi::AdjudikasiTunggal | Aksi::Setujui) {
            return Err(IssuanceError::Conflict {
                code: "decided_by_centre",
                message: format!(
                    "on an office node {} is decided by the centre's adjudication",
                    aksi.slug()
                ),
            });
        }
        // A card takes a blank and a printer's time: printing goes through the ledger.
        match aksi {
            Aksi::Cetak => {
                self.print_one(user, nomor).await?;
                return self.get(nomor).await;
            }
            Aksi::CetakRusak => {
                let batch = self.store.batch_of(nomor).await?.ok_or_else(|| {
                    conflict_transition(format!("application {nomor} was never printed"))
                })?;
                return self.print_spoil(user, &batch, nomor, alasan).await;
            }
            _ => {}
        }
        let mut p = self.get(nomor).await?;
        let from = p.status;
        let start = p.riwayat.len();
        let now = self.clock.now();
        p.terapkan(aksi, actor(user), now, alasan)
            .map_err(|e| conflict_transition(e.to_string()))?;
        if aksi == Aksi::AdjudikasiTunggal {
            p.terapkan(
                Aksi::Setujui,
                SISTEM.into(),
                now,
                Some("Otomatis setelah adjudikasi".into()),
            )
            .map_err(|e| conflict_transition(e.to_string()))?;
        }
        let entries = p.riwayat[start..].to_vec();
        let audits = entries.iter().map(|e| audit_of(nomor, e)).collect();
        self.store
            .applications_transition(&[Transisi {
                nomor: nomor.to_string(),
                from,
                entries,
                hasil: None,
                audits,
                suket: None,
            }])
            .await?;
        if p.status == Status::Ditolak {
            self.abis_delete(nomor);
        }
        Ok(p)
    }

    fn abis_delete(&self, nomor: &str) {
        if let Err(e) = self.abis.delete(nomor) {
            tracing::warn!(nomor, "ABIS delete failed: {e}");
        }
    }

    /// Loads every stored template into the ABIS gallery (at start).
    pub async fn rebuild_gallery(&self) -> Result<usize> {
        let rows = self.store.gallery_templates().await?;
        let mut n = 0;
        let mut i = 0;
        while i < rows.len() {
            let j = rows[i..]
                .iter()
                .position(|r| r.permohonan != rows[i].permohonan)
                .map_or(rows.len(), |k| i + k);
            let fingers: Vec<(u8, Vec<u8>)> = rows[i..j]
                .iter()
                .map(|r| (r.posisi, r.template.clone()))
                .collect();
            self.abis
                .insert(&rows[i].permohonan, &rows[i].nik, &fingers)
                .map_err(IssuanceError::Internal)?;
            n += 1;
            i = j;
        }
        Ok(n)
    }
}

fn conflict_transition(message: String) -> IssuanceError {
    IssuanceError::Conflict {
        code: "invalid_transition",
        message,
    }
}

fn audit_of(nomor: &str, e: &Riwayat) -> AuditDraft {
    AuditDraft {
        aktor: e.aktor.clone(),
        aksi: format!("permohonan.{}", e.aksi.slug()),
        subjek: nomor.to_string(),
        waktu: e.waktu,
        detail: format!(
            "{} -> {}{}",
            e.dari.map_or("-", |s| s.slug()),
            e.ke.slug(),
            e.alasan
                .as_deref()
                .map(|a| format!(": {a}"))
                .unwrap_or_default()
        ),
    }
}
