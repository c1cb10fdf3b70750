//! The issuance pipeline: perekaman (enrollment) → verifikasi ketunggalan (uniqueness
//! check) → cetak (printing) → serah (collection).
//!
//! This crate orchestrates the domain rules, the storage trait and the ABIS trait. It
//! knows neither SQL nor HTTP. Time comes from an injected [`Clock`].

use std::sync::Arc;

use jiff::Timestamp;
use sidik_domain::audit::AuditDraft;
use sidik_domain::biometrik::{AlasanPengecualian, Biometrik, BiometrikError, PosisiJari};
use sidik_domain::keputusan::{terapkan_keputusan, Penerapan};
use sidik_domain::penduduk::{kelurahan_code, PendudukError};
use sidik_domain::permohonan::{HasilKetunggalan, Kandidat};
use sidik_domain::tanggal::tanggal_wib;
use sidik_domain::*;
use sidik_packet::{OfficeKeys, Packet, PacketBody, SealingPublicKey};
use sidik_store::{Created, NewPermohonan, PaketKeluar, Store, StoreError, SyncStore, User};

pub mod abis_port;
pub mod akun;
pub use abis_port::{Abis, AbisCandidate, AbisEntry, AbisProbe, DemographicOnly, GalleryAbis};

/// Source of the current time.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Timestamp;
}

/// The real clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

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
    pub clock: Arc<dyn Clock>,
    pub kantor: KodeKantor,
    /// `Some` on an office node that answers to a centre: every enrollment is sealed
    /// into a packet for the centre, and the centre decides uniqueness. `None` on a
    /// standalone node, whose own 1:N check is final.
    pub pusat: Option<Arc<Pengirim>>,
}

/// What an office needs to hand enrollments to the centre.
pub struct Pengirim {
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

/// Validates an ISO/IEC 19794-2 finger minutiae record with the ABIS codec.
pub fn validate_template(bytes: &[u8]) -> std::result::Result<(), String> {
    let t = abis::iso19794::parse(bytes).map_err(|e| e.to_string())?;
    if t.views.is_empty() {
        return Err("record holds no finger view".into());
    }
    Ok(())
}

const SISTEM: &str = "sistem:ketunggalan";

impl Issuance {
    fn today(&self) -> jiff::civil::Date {
        tanggal_wib(self.clock.now())
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
        let bio = Biometrik::new(
            jari,
            pengecualian,
            input.foto,
            input.tanda_tangan,
            validate_template,
        )?;
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
        let created = match &self.pusat {
            None => self.store.application_create(&new, &bio, audit).await,
            Some(pusat) => {
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
                    let packet =
                        Packet::seal(&body, &pusat.keys, &pusat.centre, &mut rand_core::OsRng)
                            .map_err(|e| format!("cannot seal the enrollment packet: {e}"))?;
                    Ok(PaketKeluar {
                        packet_id: packet.packet_id().to_string(),
                        sha256: packet.hash_hex(),
                        bytes: packet.to_bytes(),
                    })
                };
                let r = pusat
                    .sync
                    .application_create_sealed(&new, &bio, audit, &seal)
                    .await;
                if matches!(r, Ok(Created::New(_))) {
                    (pusat.wake)();
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
        } else if hasil.kandidat.is_empty() && self.pusat.is_some() {
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
        let entries = &p.riwayat[start..];
        let audits = entries.iter().map(|e| audit_of(nomor, e)).collect();
        self.store
            .application_transition(nomor, from, entries, Some(&hasil), audits)
            .await?;
        if p.status == Status::Ditolak {
            self.abis_delete(nomor);
        }
        p.ketunggalan = Some(hasil);
        Ok(p)
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
        let abis = self.abis.clone();
        let nomor = p.nomor.to_string();
        let nik = p.nik.to_string();
        let candidates = abis
            .identify(&fingers)
            .map_err(IssuanceError::Internal)?
            .into_iter()
            // The applicant's own record, and earlier applications of the same NIK,
            // are not duplicates of a different identity.
            .filter(|c| c.permohonan != nomor && c.nik != nik)
            .map(|c| Kandidat {
                permohonan: c.permohonan,
                nik: c.nik,
                skor: c.skor,
                jari_cocok: c.jari_cocok,
            })
            .collect::<Vec<_>>();
        catatan.push(format!(
            "Pencocokan sidik jari 1:N terhadap {} orang{}: {} kandidat di atas ambang",
            self.abis.len(),
            if self.pusat.is_some() {
                " di galeri kantor ini"
            } else {
                ""
            },
            candidates.len()
        ));
        if self.pusat.is_some() && candidates.is_empty() {
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
        if self.pusat.is_some() && matches!(aksi, Aksi::AdjudikasiTunggal | Aksi::Setujui) {
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
        let Some(pusat) = &self.pusat else {
            return Err(not_an_office());
        };
        for _ in 0..5 {
            let plan = self.plan_decision(k).await?;
            match pusat
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
        let Some(pusat) = &self.pusat else {
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
            match pusat.sync.decision_record_batch(&plans).await {
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
