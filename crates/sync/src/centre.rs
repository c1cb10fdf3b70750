//! The central node: packet intake, quarantine, national dedup and the decision feed.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use async_trait::async_trait;
use jiff::Timestamp;
use sha2::{Digest, Sha256};
use sidik_domain::audit::AuditDraft;
use sidik_domain::ketunggalan::{self, Perekaman, PerekamanLain};
use sidik_domain::permohonan::Kandidat;
use sidik_domain::{Hasil, Keputusan, KodeKantor, Peran};
use sidik_packet::{
    CentreKeys, Certificate, KeyRing, OfficePublicKey, Packet, Rejection, MAX_PACKET_BYTES,
};
use sidik_ports::{Abis, AbisEntry, AbisProbe, Clock, TemplateFormat};
use sidik_store::{
    CentreStore, Diterima, KantorTerdaftar, Karantina, KeputusanBaru, PaketMasuk, PaketPusat,
    PaketTunggu, PublishItem, StoreError, Tahan, User,
};
use tokio::sync::Notify;

use crate::{CentreLink, LinkError, PushOutcome};

/// Who performs a write at the centre.
#[derive(Debug, Clone, Copy)]
pub enum Actor<'a> {
    /// A logged-in officer of the centre; the role is checked for every act.
    Officer(&'a User),
    /// The operator of the centre's machine, through `sidik central …` (holds the data
    /// folder and its keys already).
    Console,
}

impl Actor<'_> {
    /// The actor as recorded in the audit chain.
    pub fn audit_name(&self) -> String {
        match self {
            Actor::Officer(u) => format!("user:{}", u.username),
            Actor::Console => "cli".into(),
        }
    }

    fn require(&self, allowed: &[Peran], what: &'static str) -> Result<(), CentreError> {
        match self {
            Actor::Console => Ok(()),
            Actor::Officer(u) if allowed.contains(&u.peran) => Ok(()),
            Actor::Officer(u) => Err(CentreError::Forbidden {
                peran: u.peran,
                what,
            }),
        }
    }
}

/// Why a centre officer's act was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum CentreError {
    #[error("role {peran} may not {what}")]
    Forbidden { peran: Peran, what: &'static str },
    #[error("{message}")]
    Invalid { code: &'static str, message: String },
    #[error("{0}")]
    NotFound(String),
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Who may adjudicate `ganda` cases and see them.
const ADJUDICATORS: &[Peran] = &[Peran::Admin, Peran::Verifikator];
/// Who may register and revoke office keys and see the quarantine.
const ADMINS: &[Peran] = &[Peran::Admin];

/// The centre's answer to a pushed packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Receipt {
    Accepted,
    Replay,
    /// Quarantined with a stable code and a reason.
    Refused {
        code: String,
        reason: String,
    },
}

/// Counters since start (for `/metrics`; the database holds the durable truth).
#[derive(Default)]
pub struct Counters {
    pub accepted: AtomicU64,
    pub replayed: AtomicU64,
    pub refused: AtomicU64,
    pub decided: AtomicU64,
}

/// The central node's services.
pub struct Centre {
    pub store: Arc<dyn CentreStore>,
    pub keys: CentreKeys,
    ring: RwLock<KeyRing>,
    /// The national gallery.
    pub abis: Arc<dyn Abis>,
    /// Validates the finger templates of every packet at intake.
    pub templates: Arc<dyn TemplateFormat>,
    pub clock: Arc<dyn Clock>,
    /// Wakes the decider after a packet is recorded.
    pub wake: Notify,
    /// Wakes the decider after an office's watermark moves. While the hold keeps
    /// packets back, only this (or time) can release them: a packet that arrives is
    /// never older than its own office's watermark.
    marks_moved: Notify,
    /// Bumped after every publication of decisions (wakes long-polling feeds).
    published: tokio::sync::watch::Sender<u64>,
    /// Resumable uploads in progress.
    pub uploads: crate::upload::Staging,
    pub counters: Counters,
    /// How long the decider waits for other offices' earlier enrollments.
    pub hold: HoldPolicy,
    started: std::time::Instant,
    /// Per office: (delivered up to, when the office said so).
    watermarks: std::sync::Mutex<HashMap<String, (Timestamp, std::time::Instant)>>,
}

/// The decider decides a packet enrolled at `T` only once every live office has
/// delivered everything it enrolled before `T` (each office says so when it reads its
/// feed, right after pushing its outbox). After an outage the offices drain their
/// backlogs at different speeds; without the hold, a person's second enrollment at a
/// quick office could be found unique and printed before the first, at a slow office,
/// reaches the centre. The hold never blocks for long: an office silent for `live` is
/// offline and holds nothing, and no packet waits more than `max_hold` after arriving.
#[derive(Debug, Clone, Copy)]
pub struct HoldPolicy {
    /// After (re)start, wait this long for every registered office to report.
    pub gather: Duration,
    /// An office that reported within this is live.
    pub live: Duration,
    /// A packet is decided at the latest this long after it arrived.
    pub max_hold: Duration,
}

impl HoldPolicy {
    /// No hold: decide packets as soon as they arrive (benchmarks, unit tests).
    pub const NONE: HoldPolicy = HoldPolicy {
        gather: Duration::ZERO,
        live: Duration::ZERO,
        max_hold: Duration::ZERO,
    };
}

impl Default for HoldPolicy {
    fn default() -> Self {
        HoldPolicy {
            gather: Duration::from_secs(20),
            live: Duration::from_secs(60),
            max_hold: Duration::from_secs(120),
        }
    }
}

const SISTEM: &str = "sistem:pusat";

/// (registration number, NIK, fingers) of one application, as the ABIS takes it.
type Enrolled = (String, String, Vec<(u8, Vec<u8>)>);

fn entries(list: &[Enrolled]) -> Vec<AbisEntry<'_>> {
    list.iter()
        .map(|(nomor, nik, jari)| AbisEntry {
            permohonan: nomor,
            nik,
            fingers: jari,
        })
        .collect()
}

/// Packets the decider takes at once: searched in parallel, published in one
/// transaction.
pub const DECIDE_BATCH: u32 = 128;

/// Longest a feed request is held waiting for new decisions.
pub const MAX_FEED_WAIT: Duration = Duration::from_secs(25);

impl Centre {
    /// Builds the centre, loading the registered office keys into the key ring.
    pub async fn new(
        store: Arc<dyn CentreStore>,
        keys: CentreKeys,
        abis: Arc<dyn Abis>,
        templates: Arc<dyn TemplateFormat>,
        clock: Arc<dyn Clock>,
    ) -> Result<Centre, StoreError> {
        let centre = Centre {
            ring: RwLock::new(KeyRing::new(keys.certifying.verifying_key())),
            store,
            keys,
            abis,
            templates,
            clock,
            wake: Notify::new(),
            marks_moved: Notify::new(),
            published: tokio::sync::watch::Sender::new(0),
            uploads: Default::default(),
            counters: Counters::default(),
            hold: HoldPolicy::default(),
            started: std::time::Instant::now(),
            watermarks: Default::default(),
        };
        centre.reload_ring().await?;
        Ok(centre)
    }

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
                    &k.kode,
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
                    kode: kode.to_string(),
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
                kode.as_str(),
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

    /// Whether an office's signed request is genuine.
    pub fn verify_request(&self, office: &str, unix: i64, what: &str, sig: &[u8; 64]) -> bool {
        self.ring
            .read()
            .expect("ring lock")
            .verify_request(office, unix, what, sig)
    }

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
            kantor: h.office.to_string(),
            nomor: h.registration.to_string(),
            nik: h.penduduk.nik.to_string(),
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
            subjek: rec.nomor.clone(),
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

    /// Loads the national gallery from the decided packets (at start).
    pub async fn rebuild_gallery(&self) -> Result<usize, StoreError> {
        let rows = self.store.centre_templates().await?;
        let mut persons: Vec<Enrolled> = Vec::new();
        for r in rows {
            match persons.last_mut() {
                Some((nomor, _, jari)) if *nomor == r.permohonan => {
                    jari.push((r.posisi, r.template))
                }
                _ => persons.push((r.permohonan, r.nik, vec![(r.posisi, r.template)])),
            }
        }
        let n = persons.len();
        let abis = self.abis.clone();
        tokio::task::spawn_blocking(move || {
            for chunk in persons.chunks(4096) {
                abis.insert_batch(&entries(chunk))?;
            }
            Ok::<_, String>(())
        })
        .await
        .map_err(|e| StoreError::Backend(format!("ABIS task: {e}")))?
        .map_err(StoreError::Backend)?;
        Ok(n)
    }

    /// Decides a batch of waiting packets (in enrollment order), all published in ONE
    /// transaction.
    ///
    /// 1. Demographic rule: one live enrollment per NIK. A packet whose NIK already has
    ///    a decided, not rejected packet, or an earlier packet in this batch, is
    ///    `Ditolak`.
    /// 2. The others enter the national gallery together, then each is searched against
    ///    it (every earlier decision and the whole batch), in parallel.
    /// 3. A hit flags both sides `Ganda`, each with the other as candidate: inside the
    ///    batch the hit is made symmetric; a packet decided earlier gets a further
    ///    `Ganda` decision caused by this one.
    async fn decide_batch(&self, batch: &[PaketTunggu]) -> Result<(), StoreError> {
        if batch.is_empty() {
            return Ok(());
        }
        let decided = self.prepare_batch(batch, &HashMap::new()).await?;
        self.publish_batch(decided).await
    }

    /// Steps 1 to 3 of [`Centre::decide_batch`], up to the decisions to publish. The
    /// rules are `sidik_domain::ketunggalan`'s; this reads what they need and runs the
    /// search. `earlier`: NIK → (office, nomor) of a batch decided but not yet published
    /// (the decider publishes one batch while it prepares the next), which the one-NIK
    /// rule must see as if it were.
    async fn prepare_batch(
        &self,
        batch: &[PaketTunggu],
        earlier: &HashMap<String, (String, String)>,
    ) -> Result<Decided, StoreError> {
        let t0 = std::time::Instant::now();
        let members: Vec<Perekaman<'_>> = batch
            .iter()
            .map(|p| Perekaman {
                nomor: &p.nomor,
                nik: &p.nik,
                kantor: &p.kantor,
            })
            .collect();
        // 1. One live enrollment per NIK.
        let before = self.live_enrollments(batch, earlier).await?;
        let second = ketunggalan::satu_perekaman_per_nik(&members, |nik| before.get(nik).cloned());
        let t_demo = t0.elapsed();
        // 2. National 1:N search of the others, inserted together.
        let live: Vec<usize> = (0..batch.len()).filter(|&i| second[i].is_none()).collect();
        let (found, size) = self.search(batch, &live).await?;
        let t_abis = t0.elapsed();
        // 3. Hits, symmetric.
        let live_members: Vec<Perekaman<'_>> = live.iter().map(|&i| members[i]).collect();
        let temuan = ketunggalan::temuan_simetris(&live_members, found);
        let items = match self
            .decisions(batch, &second, &live, &live_members, temuan, size)
            .await
        {
            Ok(items) => items,
            Err(e) => {
                // Not decided: the batch leaves the gallery again.
                for &i in &live {
                    let _ = self.abis.delete(&batch[i].nomor);
                }
                return Err(e);
            }
        };
        let t_prep = t0.elapsed();
        tracing::debug!(
            packets = batch.len(),
            demographic_ms = t_demo.as_millis() as u64,
            abis_ms = (t_abis - t_demo).as_millis() as u64,
            prepare_ms = (t_prep - t_abis).as_millis() as u64,
            "decided batch"
        );
        Ok(Decided {
            items,
            packets: batch.len(),
            inserted: live.iter().map(|&i| batch[i].nomor.clone()).collect(),
            niks: live
                .iter()
                .map(|&i| {
                    let p = &batch[i];
                    (p.nik.clone(), (p.kantor.clone(), p.nomor.clone()))
                })
                .collect(),
            ids: batch.iter().map(|p| p.packet_id.clone()).collect(),
        })
    }

    /// For each NIK of the batch: its live enrollment decided before the batch (in the
    /// batch being published, or stored as `tunggal`/`ganda`), if any.
    async fn live_enrollments(
        &self,
        batch: &[PaketTunggu],
        earlier: &HashMap<String, (String, String)>,
    ) -> Result<HashMap<String, PerekamanLain>, StoreError> {
        let mut out = HashMap::new();
        let mut seen = HashSet::new();
        for p in batch {
            if !seen.insert(p.nik.as_str()) {
                continue;
            }
            let found = match earlier.get(&p.nik) {
                Some((kantor, nomor)) => Some((kantor.clone(), nomor.clone())),
                None => self
                    .store
                    .packets_of_nik(&p.nik)
                    .await?
                    .into_iter()
                    .find(|o| o.nomor != p.nomor && (o.status == "tunggal" || o.status == "ganda"))
                    .map(|o| (o.kantor, o.nomor)),
            };
            if let Some((kantor, nomor)) = found {
                out.insert(p.nik.clone(), PerekamanLain { kantor, nomor });
            }
        }
        Ok(out)
    }

    /// Inserts the `live` members of the batch into the national gallery together and
    /// searches each against it (in parallel); returns their hits and the gallery size.
    /// On failure the members leave the gallery again.
    async fn search(
        &self,
        batch: &[PaketTunggu],
        live: &[usize],
    ) -> Result<(Vec<Vec<Kandidat>>, usize), StoreError> {
        let owned: Vec<Enrolled> = live
            .iter()
            .map(|&i| {
                (
                    batch[i].nomor.clone(),
                    batch[i].nik.clone(),
                    batch[i].jari.clone(),
                )
            })
            .collect();
        let abis = self.abis.clone();
        let (found, size) = tokio::task::spawn_blocking(move || {
            let ti = std::time::Instant::now();
            abis.insert_batch(&entries(&owned))?;
            tracing::debug!(
                insert_ms = ti.elapsed().as_millis() as u64,
                "gallery insert"
            );
            let probes: Vec<AbisProbe<'_>> = owned
                .iter()
                .map(|(nomor, _, j)| (nomor.as_str(), &j[..]))
                .collect();
            let found = abis.identify_batch(&probes);
            let size = abis.len();
            found
                .into_iter()
                .collect::<Result<Vec<_>, String>>()
                .map(|f| (f, size))
                .inspect_err(|_| {
                    for (nomor, _, _) in &owned {
                        let _ = abis.delete(nomor);
                    }
                })
        })
        .await
        .map_err(|e| StoreError::Backend(format!("ABIS task: {e}")))?
        .map_err(StoreError::Backend)?;
        let hits = found
            .into_iter()
            .map(|cands| {
                cands
                    .into_iter()
                    .map(|c| Kandidat {
                        permohonan: c.permohonan,
                        nik: c.nik,
                        skor: c.skor,
                        jari_cocok: c.jari_cocok,
                    })
                    .collect()
            })
            .collect();
        Ok((hits, size))
    }

    /// The decisions of a batch, per packet in batch order: its own decision, and for a
    /// hit on a packet decided before the batch, a further `ganda` decision for that
    /// one (the symmetric rule's other side).
    async fn decisions(
        &self,
        batch: &[PaketTunggu],
        second: &[Option<PerekamanLain>],
        live: &[usize],
        live_members: &[Perekaman<'_>],
        temuan: ketunggalan::Temuan,
        size: usize,
    ) -> Result<Vec<PublishItem>, StoreError> {
        let now = self.clock.now();
        let decision = |p: &PaketTunggu, hasil, kandidat, catatan: String| KeputusanBaru {
            kantor: p.kantor.clone(),
            nomor: p.nomor.clone(),
            packet_id: p.packet_id.clone(),
            sebab: p.packet_id.clone(),
            hasil,
            kandidat,
            catatan,
            waktu: now,
        };
        let ketunggalan::Temuan {
            mut kandidat,
            balik,
        } = temuan;
        let mut items = Vec::with_capacity(batch.len());
        for (i, p) in batch.iter().enumerate() {
            let mut decisions = Vec::new();
            let li = live.iter().position(|&l| l == i);
            match (&second[i], li) {
                (Some(lain), _) => decisions.push(decision(
                    p,
                    Hasil::Ditolak,
                    vec![],
                    ketunggalan::alasan_nik_sudah_direkam(&p.nik, lain),
                )),
                (None, Some(li)) if kandidat[li].is_empty() => decisions.push(decision(
                    p,
                    Hasil::Tunggal,
                    vec![],
                    format!("Verifikasi ketunggalan nasional: tidak ada kecocokan sidik jari di galeri {size} orang"),
                )),
                (None, Some(li)) => {
                    let cands = std::mem::take(&mut kandidat[li]);
                    let catatan = format!(
                        "Verifikasi ketunggalan nasional: {} kandidat dengan sidik jari yang cocok (NIK {})",
                        cands.len(),
                        cands.iter().map(|c| c.nik.as_str()).collect::<Vec<_>>().join(", ")
                    );
                    decisions.push(decision(p, Hasil::Ganda, cands, catatan));
                    // Packets decided before this batch learn of the later enrollment.
                    for (_, c) in balik.iter().filter(|(m, _)| *m == li) {
                        let Some(other) = self.store.packet_by_nomor(&c.permohonan).await? else {
                            continue;
                        };
                        let later = ketunggalan::sebagai_kandidat(&live_members[li], c);
                        decisions.push(KeputusanBaru {
                            kantor: other.kantor.clone(),
                            nomor: other.nomor.clone(),
                            packet_id: other.packet_id.clone(),
                            sebab: p.packet_id.clone(),
                            hasil: Hasil::Ganda,
                            catatan: ketunggalan::catatan_sisi_lain(
                                " nasional",
                                &later,
                                Some(&p.kantor),
                            ),
                            kandidat: vec![later],
                            waktu: now,
                        });
                    }
                }
                (None, None) => unreachable!("a packet is either rejected or live"),
            }
            let audits = decisions
                .iter()
                .map(|d| AuditDraft {
                    aktor: SISTEM.into(),
                    aksi: format!("keputusan.{}", d.hasil.slug()),
                    subjek: d.nomor.clone(),
                    waktu: now,
                    detail: format!("sebab {}: {}", d.sebab, d.catatan),
                })
                .collect();
            items.push(PublishItem {
                decided: Some(p.packet_id.clone()),
                decisions,
                audits,
            });
        }
        Ok(items)
    }

    /// Publishes a decided batch in ONE transaction. If that fails, the batch leaves the
    /// gallery again: it is searched anew on the next attempt (and a restart rebuilds
    /// the gallery from decided packets only).
    async fn publish_batch(&self, d: Decided) -> Result<(), StoreError> {
        let t0 = std::time::Instant::now();
        if let Err(e) = self.store.decisions_publish_batch(&d.items).await {
            self.undo(&d);
            return Err(e);
        }
        self.published.send_modify(|n| *n += 1);
        self.counters
            .decided
            .fetch_add(d.packets as u64, Ordering::Relaxed);
        tracing::debug!(
            packets = d.packets,
            publish_ms = t0.elapsed().as_millis() as u64,
            "published batch"
        );
        Ok(())
    }

    /// Takes a decided, unpublished batch out of the gallery.
    fn undo(&self, d: &Decided) {
        for nomor in &d.inserted {
            let _ = self.abis.delete(nomor);
        }
    }

    /// Packets enrolled at or after the returned instant wait (see [`HoldPolicy`]);
    /// `None`: nothing waits.
    async fn hold_from(&self) -> Result<Option<Timestamp>, StoreError> {
        if self.hold.max_hold.is_zero() {
            return Ok(None);
        }
        let offices = self.store.offices().await?;
        let marks = self.watermarks.lock().expect("watermarks lock");
        let gathering = self.started.elapsed() < self.hold.gather;
        let mut from: Option<Timestamp> = None;
        for o in offices.iter().filter(|o| o.dicabut.is_none()) {
            let mark = match marks.get(&o.kode) {
                Some((t, heard)) if heard.elapsed() <= self.hold.live => *t,
                Some(_) => continue,
                None if gathering => Timestamp::MIN,
                None => continue,
            };
            from = Some(from.map_or(mark, |f: Timestamp| f.min(mark)));
        }
        Ok(from)
    }

    /// Decides up to `limit` waiting packets in enrollment order, except those held for
    /// earlier enrollments still on their way (see [`HoldPolicy`]); returns how many.
    pub async fn decide_pending(&self, limit: u32) -> Result<usize, StoreError> {
        let (batch, _) = self.next_batch(limit, &HashSet::new()).await?;
        self.decide_batch(&batch).await?;
        Ok(batch.len())
    }

    /// The next batch to decide (held and `skip`ped packets left out), and whether a
    /// hold was in effect.
    async fn next_batch(
        &self,
        limit: u32,
        skip: &HashSet<String>,
    ) -> Result<(Vec<PaketTunggu>, bool), StoreError> {
        let hold = match self.hold_from().await? {
            Some(from) => {
                let max = jiff::SignedDuration::try_from(self.hold.max_hold).unwrap_or_default();
                Some(Tahan {
                    from,
                    received_by: self.clock.now() - max,
                })
            }
            None => None,
        };
        let batch = self.store.packets_undecided(limit, hold, skip).await?;
        Ok((batch, hold.is_some()))
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
        Ok(self.store.packets_with_status("ganda", limit).await?)
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
        let p = self
            .store
            .packet_by_nomor(nomor)
            .await?
            .ok_or_else(|| CentreError::NotFound(format!("packet of application {nomor}")))?;
        if p.status != "ganda" {
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
            subjek: p.nomor.clone(),
            waktu: now,
            detail: alasan.to_string(),
        };
        self.store
            .decisions_publish(None, &[d], vec![audit])
            .await?;
        self.published.send_modify(|n| *n += 1);
        if !tunggal {
            let _ = self.abis.delete(&p.nomor);
        }
        Ok(())
    }

    /// Decides packets as they arrive, forever. Pipelined: while one batch's decisions
    /// are being published (a database transaction), the next batch is prepared (the
    /// 1:N search), so the search does not wait for the disk. Batches are still
    /// published in order, and the next batch sees the previous one in the gallery and
    /// in the one-NIK rule; if a publication fails, the batch prepared meanwhile is
    /// undone too and both are decided again.
    pub async fn run_decider(self: Arc<Self>) {
        let mut pending: Option<Decided> = None;
        loop {
            let none = HashSet::new();
            let skip = pending.as_ref().map_or(&none, |d| &d.ids);
            let (batch, held) = match self.next_batch(DECIDE_BATCH, skip).await {
                Ok(x) => x,
                Err(e) => {
                    tracing::error!("decider: {e}");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
            if batch.is_empty() {
                if let Some(d) = pending.take() {
                    if let Err(e) = self.publish_batch(d).await {
                        tracing::error!("decider: {e}");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                    continue;
                }
                if held {
                    // Held: new packets cannot help (see `marks_moved`); a watermark
                    // can, and so can time (the end of the gathering, `max_hold`).
                    tokio::select! {
                        _ = self.marks_moved.notified() => {}
                        _ = tokio::time::sleep(Duration::from_millis(500)) => {}
                    }
                } else {
                    tokio::select! {
                        _ = self.wake.notified() => {}
                        _ = self.marks_moved.notified() => {}
                        _ = tokio::time::sleep(Duration::from_secs(5)) => {}
                    }
                }
                continue;
            }
            let earlier = pending.as_ref().map(|d| d.niks.clone()).unwrap_or_default();
            let previous = pending.take();
            let (published, prepared) = tokio::join!(
                async {
                    match previous {
                        Some(d) => self.publish_batch(d).await,
                        None => Ok(()),
                    }
                },
                self.prepare_batch(&batch, &earlier)
            );
            match (published, prepared) {
                (Ok(()), Ok(d)) => pending = Some(d),
                (published, prepared) => {
                    if let Err(e) = &published {
                        tracing::error!("decider: publishing: {e}");
                    }
                    match prepared {
                        // Prepared against a batch that was not published: undone.
                        Ok(d) => self.undo(&d),
                        Err(e) => tracing::error!("decider: {e}"),
                    }
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }

    /// An office's decision feed. `sampai`: the office has delivered every packet it
    /// enrolled before this instant (its watermark for the decider's hold).
    /// With nothing new, waits up to `wait` (capped at [`MAX_FEED_WAIT`]) for decisions
    /// to be published, then reads the feed again.
    pub async fn feed(
        &self,
        kantor: &str,
        after: i64,
        limit: u32,
        sampai: Option<Timestamp>,
        wait: Duration,
    ) -> Result<Vec<Keputusan>, StoreError> {
        if let Some(t) = sampai {
            let moved = {
                let mut marks = self.watermarks.lock().expect("watermarks lock");
                let old = marks.insert(kantor.to_string(), (t, std::time::Instant::now()));
                old.is_none_or(|(o, _)| o != t)
            };
            if moved {
                self.marks_moved.notify_one();
            }
        }
        // Subscribed before the first read: a publication after it is not missed.
        let mut published = self.published.subscribe();
        let deadline = tokio::time::Instant::now() + wait.min(MAX_FEED_WAIT);
        loop {
            let page = self.store.decision_feed(kantor, after, limit).await?;
            if !page.is_empty() {
                return Ok(page);
            }
            match tokio::time::timeout_at(deadline, published.changed()).await {
                Ok(Ok(())) => {}
                // Timed out (or the centre is shutting down): nothing new.
                Ok(Err(_)) | Err(_) => return Ok(page),
            }
        }
    }
}

/// A batch decided but not yet published.
struct Decided {
    items: Vec<PublishItem>,
    packets: usize,
    /// Applications the batch put into the gallery (taken out if it is not published).
    inserted: Vec<String>,
    /// NIK → (office, nomor) of the batch's packets that keep their enrollment.
    niks: HashMap<String, (String, String)>,
    /// Packet ids of the batch (not fetched again while it is being published).
    ids: HashSet<String>,
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

/// A [`CentreLink`] to a centre in the same process (standalone role and tests of
/// the protocol without sockets).
pub struct LocalLink {
    pub centre: Arc<Centre>,
    pub kantor: String,
}

#[async_trait]
impl CentreLink for LocalLink {
    async fn push(&self, packet_id: &str, bytes: &[u8]) -> Result<PushOutcome, LinkError> {
        match self.centre.receive(packet_id, bytes).await {
            Ok(Receipt::Accepted) => Ok(PushOutcome::Accepted),
            Ok(Receipt::Replay) => Ok(PushOutcome::Replay),
            Ok(Receipt::Refused { code, reason }) => Ok(PushOutcome::Refused { code, reason }),
            Err(e) => Err(LinkError::Server(e.to_string())),
        }
    }

    async fn pull(
        &self,
        after: i64,
        limit: u32,
        sampai: Timestamp,
        wait: Duration,
    ) -> Result<Vec<Keputusan>, LinkError> {
        self.centre
            .feed(&self.kantor, after, limit, Some(sampai), wait)
            .await
            .map_err(|e| LinkError::Server(e.to_string()))
    }
}
