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
pub use sidik_ports::{Abis, Clock, DecisionSink, Entropy, TemplateFormat};

/// Errors of the pipeline, each with a stable machine code.
#[derive(Debug, thiserror::Error)]
pub enum IssuanceError {
    #[error("{message}")]
    Invalid { code: &'static str, message: String },
    #[error("{0}")]
    NotFound(String),
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Throttled(String),
    #[error("role {peran} may not {what}")]
    Forbidden { peran: Peran, what: String },
    #[error("internal error: {0}")]
    Internal(String),
}

impl IssuanceError {
    fn invalid(code: &'static str, message: impl Into<String>) -> Self {
        IssuanceError::Invalid {
            code,
            message: message.into(),
        }
    }

    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            IssuanceError::Invalid { code, .. } | IssuanceError::Conflict { code, .. } => code,
            IssuanceError::NotFound(_) => "not_found",
            IssuanceError::Forbidden { .. } => "forbidden",
            IssuanceError::Unauthorized(_) => "unauthorized",
            IssuanceError::Throttled(_) => "too_many_attempts",
            IssuanceError::Internal(_) => "internal",
        }
    }
}

impl From<StoreError> for IssuanceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(m) => IssuanceError::Conflict {
                code: "conflict",
                message: m,
            },
            StoreError::Stale(m) => IssuanceError::Conflict {
                code: "stale_state",
                message: m,
            },
            StoreError::KeyReused(m) => IssuanceError::Conflict {
                code: "idempotency_key_reused",
                message: format!("idempotency key reused: {m}"),
            },
            StoreError::NotFound(m) => IssuanceError::NotFound(m),
            StoreError::Backend(m) => IssuanceError::Internal(m),
        }
    }
}

impl From<PendudukError> for IssuanceError {
    fn from(e: PendudukError) -> Self {
        let code = match &e {
            PendudukError::Nik(_) => "invalid_nik",
            PendudukError::UnknownKelurahan(_) => "unknown_kelurahan",
            _ => "invalid_biodata",
        };
        IssuanceError::invalid(code, e.to_string())
    }
}

impl From<BiometrikError> for IssuanceError {
    fn from(e: BiometrikError) -> Self {
        let code = match &e {
            BiometrikError::IndexFingerMissing(_) => "index_finger_missing",
            BiometrikError::TemplateTooLarge(..) | BiometrikError::ImageTooLarge { .. } => {
                "too_large"
            }
            BiometrikError::TemplateInvalid(..) => "invalid_template",
            _ => "invalid_biometrics",
        };
        IssuanceError::invalid(code, e.to_string())
    }
}

pub type Result<T> = std::result::Result<T, IssuanceError>;

/// What an operator submits for perekaman.
#[derive(Debug, Clone, Default)]
pub struct EnrollInput {
    pub nik: String,
    /// Current address kelurahan (dotted or 10 digits); must match the registry.
    pub kelurahan: String,
    /// Optional: if given, must match the registry's name (case-insensitive).
    pub nama: Option<String>,
    pub jari: Vec<(u8, Vec<u8>)>,
    /// (position, reason slug)
    pub pengecualian: Vec<(u8, String)>,
    pub foto: Option<Vec<u8>>,
    pub tanda_tangan: Option<Vec<u8>>,
    pub idempotency_key: Option<String>,
}

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

    /// A CSPRNG seeded from the injected entropy source, for one sealing.
    fn sealing_rng(&self) -> std::result::Result<rand_chacha::ChaCha20Rng, String> {
        use rand_core::SeedableRng;
        let mut seed = [0u8; 32];
        self.entropy.fill(&mut seed)?;
        Ok(rand_chacha::ChaCha20Rng::from_seed(seed))
    }

    /// Perekaman: validates everything, then records the application atomically.
    pub async fn enroll(&self, user: &User, input: EnrollInput) -> Result<Created> {
        require(
            user,
            matches!(user.peran, Peran::Operator | Peran::Admin),
            "record enrollments (perekaman)",
        )?;
        let nik = Nik::parse(&input.nik)
            .map_err(|e| IssuanceError::invalid("invalid_nik", e.to_string()))?;
        let kelurahan = kelurahan_code(&input.kelurahan)?;
        let penduduk = self.store.resident_get(&nik).await?.ok_or_else(|| {
            IssuanceError::invalid(
                "nik_not_registered",
                format!("NIK {nik} is not in the population registry"),
            )
        })?;
        if penduduk.kelurahan != kelurahan {
            return Err(IssuanceError::invalid(
                "biodata_mismatch",
                format!(
                    "kelurahan {kelurahan} does not match the registry ({}) for NIK {nik}; update the family card (KK) first",
                    penduduk.kelurahan
                ),
            ));
        }
        if let Some(nama) = input
            .nama
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
        {
            if !nama.eq_ignore_ascii_case(&penduduk.nama) {
                return Err(IssuanceError::invalid(
                    "biodata_mismatch",
                    format!("name {nama:?} does not match the registry for NIK {nik}"),
                ));
            }
        }
        let today = self.today();
        if !penduduk.wajib_ktp(today) {
            return Err(IssuanceError::invalid(
                "under_age",
                format!(
                    "applicant is {} years old and has never married; an e-KTP is issued from 17 or on marriage",
                    penduduk.umur(today)
                ),
            ));
        }
        let mut jari = Vec::with_capacity(input.jari.len());
        for (p, bytes) in input.jari {
            jari.push((PosisiJari::new(p)?, bytes));
        }
        let mut pengecualian = Vec::new();
        for (p, alasan) in &input.pengecualian {
            pengecualian.push((PosisiJari::new(*p)?, AlasanPengecualian::parse(alasan)?));
        }
        let templates = self.templates.clone();
        let bio = Biometrik::new(jari, pengecualian, input.foto, input.tanda_tangan, |b| {
            templates.validate(b)
        })?;
        let now = self.clock.now();
        let new = NewPermohonan {
            nik: nik.clone(),
            kantor: self.kantor.clone(),
            kelurahan,
            nama: penduduk.nama.clone(),
            aktor: actor(user),
            waktu: now,
            idempotency_key: input
                .idempotency_key
                .map(|k| k.trim().to_string())
                .filter(|k| !k.is_empty()),
        };
        let audit = AuditDraft {
            aktor: actor(user),
            aksi: "permohonan.rekam".into(),
            subjek: String::new(),
            waktu: now,
            detail: format!(
                "nik={nik} jari={} pengecualian={}",
                bio.jari.len(),
                bio.pengecualian.len()
            ),
        };
        let created = match &self.finality {
            Finality::Local => self.store.application_create(&new, &bio, audit).await,
            Finality::Centre(uplink) => {
                let operator = user.username.to_string();
                let seal = |nomor: &NomorRegistrasi, seq: u64| {
                    let body = PacketBody::new(
                        &self.kantor,
                        &operator,
                        seq,
                        now.as_nanosecond() as i64,
                        nomor,
                        &penduduk,
                        &bio,
                    );
                    let mut rng = self.sealing_rng()?;
                    let packet = Packet::seal(&body, &uplink.keys, &uplink.centre, &mut rng)
                        .map_err(|e| format!("cannot seal the enrollment packet: {e}"))?;
                    Ok(PaketKeluar {
                        packet_id: packet.packet_id().to_string(),
                        sha256: packet.hash_hex(),
                        bytes: packet.to_bytes(),
                    })
                };
                let r = uplink
                    .sync
                    .application_create_sealed(&new, &bio, audit, &seal)
                    .await;
                if matches!(r, Ok(Created::New(_))) {
                    (uplink.wake)();
                }
                r
            }
        }
        .map_err(|e| match e {
            StoreError::Conflict(m) => IssuanceError::Conflict {
                code: "open_application_exists",
                message: m,
            },
            other => other.into(),
        })?;
        if let Created::New(p) = &created {
            let fingers: Vec<(u8, Vec<u8>)> = bio
                .jari
                .iter()
                .map(|(pos, b)| (pos.get(), b.bytes.clone()))
                .collect();
            if let Err(e) = self.abis.insert(p.nomor.as_str(), nik.as_str(), &fingers) {
                // The application is stored; the gallery is rebuilt from storage at the
                // next start, so this is logged, not fatal.
                tracing::warn!(nomor = %p.nomor, "ABIS insert failed: {e}");
            }
        }
        Ok(created)
    }

    pub async fn get(&self, nomor: &str) -> Result<Permohonan> {
        self.store
            .application_get(nomor)
            .await?
            .ok_or_else(|| IssuanceError::NotFound(format!("application {nomor} not found")))
    }

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
        let audits = entries.iter().map(|e| audit_of(nomor, e)).collect();
        let mut plans = vec![Transisi {
            nomor: nomor.to_string(),
            from,
            entries,
            hasil: Some(hasil.clone()),
            audits,
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
        let hits = self
            .abis
            .identify(&fingers)
            .map_err(IssuanceError::Internal)?
            .into_iter()
            .map(|c| Kandidat {
                permohonan: c.permohonan,
                nik: c.nik,
                skor: c.skor,
                jari_cocok: c.jari_cocok,
            })
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
        if self.answers_to_centre() && matches!(aksi, Aksi::AdjudikasiTunggal | Aksi::Setujui) {
            return Err(IssuanceError::Conflict {
                code: "decided_by_centre",
                message: format!(
                    "on an office node {} is decided by the centre's adjudication",
                    aksi.slug()
                ),
            });
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
        let entries = &p.riwayat[start..];
        let audits = entries.iter().map(|e| audit_of(nomor, e)).collect();
        self.store
            .application_transition(nomor, from, entries, None, audits)
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

    /// Plans one centre decision against the application's current state.
    async fn plan_decision(&self, k: &Keputusan) -> Result<sidik_store::RencanaKeputusan> {
        let mut p = self.get(k.nomor.as_str()).await?;
        let from = p.status;
        let now = self.clock.now();
        let (entries, audits) = match terapkan_keputusan(&mut p, k, now)
            .map_err(|e| conflict_transition(e.to_string()))?
        {
            Penerapan::Berubah { mulai, .. } => {
                let entries = p.riwayat[mulai..].to_vec();
                let audits = entries
                    .iter()
                    .map(|e| audit_of(k.nomor.as_str(), e))
                    .collect();
                (entries, audits)
            }
            Penerapan::Tetap(note) => (
                vec![],
                vec![AuditDraft {
                    aktor: sidik_domain::keputusan::aktor_pusat(k.seq),
                    aksi: "permohonan.keputusan_pusat".into(),
                    subjek: k.nomor.to_string(),
                    waktu: now,
                    detail: note,
                }],
            ),
        };
        Ok(sidik_store::RencanaKeputusan {
            keputusan: k.clone(),
            from,
            entries,
            audits,
        })
    }

    /// After a decision was recorded: a rejected application leaves the local gallery.
    fn after_decision(&self, plan: &sidik_store::RencanaKeputusan) {
        if plan.entries.last().map(|e| e.ke) == Some(Status::Ditolak) {
            self.abis_delete(plan.keputusan.nomor.as_str());
        }
    }

    /// Applies one decision of the centre (office node): records it and moves the
    /// application in ONE transaction. Applying a decision already recorded is a no-op
    /// (returns false), so a feed page fetched twice changes nothing.
    pub async fn apply_decision(&self, k: &Keputusan) -> Result<bool> {
        let Some(uplink) = self.uplink() else {
            return Err(not_an_office());
        };
        for _ in 0..5 {
            let plan = self.plan_decision(k).await?;
            match uplink
                .sync
                .decision_record(k, plan.from, &plan.entries, plan.audits.clone())
                .await
            {
                Ok(applied) => {
                    if applied {
                        self.after_decision(&plan);
                    }
                    return Ok(applied);
                }
                // An officer moved the application meanwhile: plan again.
                Err(StoreError::Stale(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(IssuanceError::Conflict {
            code: "stale_state",
            message: format!(
                "application {} kept changing while applying a decision",
                k.nomor
            ),
        })
    }

    /// Applies consecutive feed decisions, in feed order, as [`Issuance::apply_decision`]
    /// would one by one, but recording runs of them in one transaction each (one fsync
    /// per run instead of per decision). A run never holds two decisions for the same
    /// application (the second is planned on the state the first leaves); a run that
    /// meets a concurrent change (`Stale`) is rolled back whole and applied one by one.
    /// Stops at the first error: the decisions before it are recorded, none after.
    /// Returns how many were new.
    pub async fn apply_decisions(&self, ks: &[Keputusan]) -> Result<usize> {
        let Some(uplink) = self.uplink() else {
            return Err(not_an_office());
        };
        let mut applied = 0;
        let mut i = 0;
        while i < ks.len() {
            let mut plans = Vec::new();
            let mut nomors = std::collections::HashSet::new();
            while let Some(k) = ks.get(i + plans.len()) {
                if plans.len() == DECISION_RUN || !nomors.insert(k.nomor.as_str()) {
                    break;
                }
                match self.plan_decision(k).await {
                    Ok(plan) => plans.push(plan),
                    // The run so far is recorded first; the next round meets the
                    // error again and returns it.
                    Err(_) if !plans.is_empty() => break,
                    Err(e) => return Err(e),
                }
            }
            let run = &ks[i..i + plans.len()];
            match uplink.sync.decision_record_batch(&plans).await {
                Ok(new) => {
                    for (plan, new) in plans.iter().zip(new) {
                        if new {
                            applied += 1;
                            self.after_decision(plan);
                        }
                    }
                }
                Err(StoreError::Stale(_)) => {
                    for k in run {
                        applied += self.apply_decision(k).await? as usize;
                    }
                }
                Err(e) => return Err(e.into()),
            }
            i += run.len();
        }
        Ok(applied)
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

fn hasil(biometrik: bool, catatan: String, kandidat: Vec<Kandidat>) -> HasilKetunggalan {
    HasilKetunggalan {
        biometrik,
        catatan,
        kandidat,
    }
}

/// Most decisions recorded in one transaction by [`Issuance::apply_decisions`].
const DECISION_RUN: usize = 128;

fn not_an_office() -> IssuanceError {
    IssuanceError::invalid(
        "not_an_office",
        "this node does not take decisions from a centre",
    )
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

#[async_trait::async_trait]
impl DecisionSink for Issuance {
    async fn apply_decisions(&self, decisions: &[Keputusan]) -> std::result::Result<usize, String> {
        Issuance::apply_decisions(self, decisions)
            .await
            .map_err(|e| e.to_string())
    }
}
