//! Aspirasi: citizens file complaints (web form or Open311), officers moderate, route,
//! dispose, answer and close them, citizens follow them with their tracking number and
//! access code, reply, support ("ikut melapor") and rate. The rules are
//! `sidik_domain::aspirasi`'s; every officer's act is role-checked here and written
//! with its audit entry in one transaction.
//!
//! Who sees what: the public sees only aspirations an officer published (never a
//! confidential one), with masked text, public answers and no name if anonymous;
//! the submitter sees everything of theirs with the access code (only its SHA-256 is
//! stored); an aspiration linked to an application is accepted only with that
//! application's NIK (checked as `/status` checks it), and its automatic first answer
//! (state and ETA) is private to the submitter and officers.

use std::sync::Arc;

use sha2::{Digest, Sha256};
use sidik_domain::aspirasi::{
    self, Isi, Judul, Kategori, Kontak, NomorAspirasi, Penilaian, StatusAspirasi, Terlambat,
};
use sidik_domain::eta::{KeadaanPusat, Perkiraan};
use sidik_domain::kalender::Kalender;
use sidik_store::{
    Aspirasi, AspirasiBaru, AspirasiStore, FilterAspirasi, JenisTanggapan, Moderasi,
    PerubahanAspirasi, Sumber, Tanggapan, TanggapanBaru, Terkait,
};

use super::*;

/// The aspiration service of an office.
#[derive(Clone)]
pub struct LayananAspirasi {
    pub store: Arc<dyn AspirasiStore>,
    /// The office's pipeline (clock, entropy, applications and their ETA).
    pub issuance: Issuance,
}

/// What a citizen (or an Open311 client) submits, as typed.
#[derive(Debug, Clone, Default)]
pub struct AjuanAspirasi {
    pub judul: String,
    pub isi: String,
    pub kategori: String,
    /// Dotted or 10-digit kelurahan code, or empty.
    pub kelurahan: String,
    /// Registration number of the application it is about, or empty.
    pub permohonan: String,
    /// The applicant's NIK (required with `permohonan`).
    pub nik: String,
    pub anonim: bool,
    pub rahasia: bool,
    pub nama: String,
    pub telepon: String,
    pub email: String,
    pub lat: Option<f64>,
    pub long: Option<f64>,
    pub alamat: String,
}

/// A recorded aspiration and the access code shown once to its submitter.
#[derive(Debug, Clone)]
pub struct Diajukan {
    pub aspirasi: Aspirasi,
    pub kode_akses: String,
}

/// What an officer does to an aspiration.
#[derive(Debug, Clone)]
pub enum Tindakan {
    /// Publish (after checking the masking) or keep it off the public pages.
    Moderasi { tayang: bool },
    /// Route to a unit (Koordinasi).
    Teruskan { unit: String },
    /// Assign an officer (Disposisi).
    Disposisi { petugas: String },
    /// Answer (Proses); public once the aspiration is published.
    Jawab { isi: String },
    /// Close (Selesai).
    Selesai,
    /// Refuse, with the reason told to the citizen (Ditolak).
    Tolak { alasan: String },
    /// An internal note (never public).
    Catatan { isi: String },
}

impl Tindakan {
    fn slug(&self) -> &'static str {
        match self {
            Tindakan::Moderasi { .. } => "moderasi",
            Tindakan::Teruskan { .. } => "teruskan",
            Tindakan::Disposisi { .. } => "disposisi",
            Tindakan::Jawab { .. } => "jawab",
            Tindakan::Selesai => "selesai",
            Tindakan::Tolak { .. } => "tolak",
            Tindakan::Catatan { .. } => "catatan",
        }
    }
}

/// An overdue aspiration and what is late.
#[derive(Debug, Clone)]
pub struct AspirasiTerlambat {
    pub aspirasi: Aspirasi,
    pub terlambat: Terlambat,
}

/// Officers who handle aspirations: verifikator and admin; an operator may answer.
fn boleh(user: &User, t: &Tindakan) -> bool {
    match user.peran {
        Peran::Admin | Peran::Verifikator => true,
        Peran::Operator => matches!(t, Tindakan::Jawab { .. } | Tindakan::Catatan { .. }),
        Peran::Pencetak => false,
    }
}

fn hash(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// Equal in constant time (both are hex digests of the same length).
fn sama(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn invalid(code: &'static str) -> impl FnOnce(String) -> IssuanceError {
    move |m| IssuanceError::invalid(code, m)
}

fn opsional(s: &str, max: usize, nama: &str) -> Result<Option<String>> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    if t.chars().count() > max || t.chars().any(char::is_control) {
        return Err(IssuanceError::invalid(
            "invalid_field",
            format!("{nama} paling banyak {max} karakter, tanpa karakter kendali."),
        ));
    }
    Ok(Some(t.to_string()))
}

impl LayananAspirasi {
    fn now(&self) -> jiff::Timestamp {
        self.issuance.clock.now()
    }

    /// A new aspiration from the web form or an Open311 client. Bad input writes
    /// nothing; a linked application must match the NIK given.
    pub async fn ajukan(
        &self,
        a: AjuanAspirasi,
        sumber: Sumber,
        pusat: &KeadaanPusat,
    ) -> Result<Diajukan> {
        let judul = Judul::parse(&a.judul).map_err(invalid("invalid_title"))?;
        let isi = Isi::parse(&a.isi).map_err(invalid("invalid_body"))?;
        let kategori = Kategori::parse(&a.kategori).map_err(invalid("invalid_category"))?;
        let kelurahan = if a.kelurahan.trim().is_empty() {
            String::new()
        } else {
            sidik_domain::penduduk::kelurahan_code(&a.kelurahan).map_err(|_| {
                IssuanceError::invalid("unknown_kelurahan", "Kode kelurahan tidak dikenal.")
            })?
        };
        let kontak = Kontak::parse(&a.telepon, &a.email).map_err(invalid("invalid_contact"))?;
        let nama = opsional(&a.nama, 100, "Nama")?;
        let alamat = opsional(&a.alamat, 200, "Alamat")?;
        for v in [a.lat, a.long].into_iter().flatten() {
            if !v.is_finite() {
                return Err(IssuanceError::invalid(
                    "invalid_location",
                    "Koordinat tidak sah.",
                ));
            }
        }
        if a.lat.is_some_and(|v| !(-90.0..=90.0).contains(&v))
            || a.long.is_some_and(|v| !(-180.0..=180.0).contains(&v))
        {
            return Err(IssuanceError::invalid(
                "invalid_location",
                "Koordinat tidak sah.",
            ));
        }
        let (permohonan, jawaban_awal) = self.permohonan_terkait(&a, pusat).await?;
        let mut kode = [0u8; 16];
        self.issuance
            .entropy
            .fill(&mut kode)
            .map_err(IssuanceError::Internal)?;
        let kode_akses = hex::encode(kode);
        let waktu = self.now();
        let baru = AspirasiBaru {
            tanggal: sidik_domain::tanggal::tanggal_wib(waktu),
            waktu,
            judul_publik: aspirasi::samarkan(judul.as_str()),
            isi_publik: aspirasi::samarkan(isi.as_str()),
            judul: judul.as_str().to_string(),
            isi: isi.as_str().to_string(),
            kategori,
            kelurahan,
            permohonan,
            anonim: a.anonim,
            rahasia: a.rahasia,
            // Anonymous: no name or contact is kept at all.
            nama: nama.filter(|_| !a.anonim),
            telepon: kontak.telepon.filter(|_| !a.anonim),
            email: kontak.email.filter(|_| !a.anonim),
            kode_hash: hash(&kode_akses),
            lat: a.lat,
            long: a.long,
            alamat,
            jawaban_awal,
            sumber: sumber.clone(),
        };
        let audit = AuditDraft {
            aktor: match &sumber {
                Sumber::Web => "warga".into(),
                Sumber::Open311(n) => format!("open311:{n}"),
            },
            aksi: "aspirasi.ajukan".into(),
            subjek: String::new(),
            waktu,
            detail: format!(
                "{}{}",
                kategori.slug(),
                if a.rahasia { ", rahasia" } else { "" }
            ),
        };
        let aspirasi = self.store.aspirasi_create(&baru, audit).await?;
        Ok(Diajukan {
            aspirasi,
            kode_akses,
        })
    }

    /// The linked application (if any) after the same check `/status` makes, and the
    /// automatic first answer with its state and ETA.
    async fn permohonan_terkait(
        &self,
        a: &AjuanAspirasi,
        pusat: &KeadaanPusat,
    ) -> Result<(Option<String>, Option<String>)> {
        let nomor = a.permohonan.trim();
        if nomor.is_empty() {
            return Ok((None, None));
        }
        let tidak_cocok = || {
            IssuanceError::invalid(
                "application_mismatch",
                "Nomor registrasi dan NIK tidak cocok dengan permohonan mana pun. Periksa tanda terima perekaman Anda.",
            )
        };
        let nik = a.nik.trim();
        if nomor.len() != 27
            || nik.len() != 16
            || !nomor.bytes().chain(nik.bytes()).all(|b| b.is_ascii_digit())
        {
            return Err(tidak_cocok());
        }
        let found = self.issuance.store.application_get(nomor).await?;
        let given = hash(&format!("{nomor}:{nik}"));
        let stored = found
            .as_ref()
            .map(|p| hash(&format!("{}:{}", p.nomor.as_str(), p.nik.as_str())))
            .unwrap_or_else(|| "0".repeat(64));
        let Some(p) = found.filter(|_| sama(&given, &stored)) else {
            return Err(tidak_cocok());
        };
        let eta = self
            .issuance
            .perkiraan(&p, pusat)
            .await
            .ok()
            .filter(|e| *e != Perkiraan::TidakBerlaku)
            .map(|e| e.kalimat());
        Ok((
            Some(nomor.to_string()),
            Some(aspirasi::jawaban_awal(p.status, eta.as_deref())),
        ))
    }

    async fn get(&self, nomor: &NomorAspirasi) -> Result<Aspirasi> {
        self.store
            .aspirasi_get(nomor)
            .await?
            .ok_or_else(|| IssuanceError::NotFound(format!("aspiration {nomor} not found")))
    }

    /// The submitter's view: the aspiration and its whole thread (not the officers'
    /// notes), if the access code is right. A wrong code answers like a missing number.
    pub async fn lacak(
        &self,
        nomor: &NomorAspirasi,
        kode: &str,
    ) -> Result<(Aspirasi, Vec<Tanggapan>)> {
        self.tutup_jatuh_tempo().await?;
        let found = self.store.aspirasi_get(nomor).await?;
        let given = hash(kode.trim());
        let ok = found.as_ref().is_some_and(|a| sama(&a.kode_hash, &given));
        let a = found
            .filter(|_| ok)
            .ok_or_else(|| IssuanceError::NotFound("aspiration or access code".into()))?;
        let thread = self
            .store
            .aspirasi_tanggapan(nomor, false)
            .await?
            .into_iter()
            .filter(|t| t.jenis != JenisTanggapan::Catatan)
            .collect();
        Ok((a, thread))
    }

    /// A published aspiration, its public thread and its related published ones.
    pub async fn publik(
        &self,
        nomor: &NomorAspirasi,
    ) -> Result<(Aspirasi, Vec<Tanggapan>, Vec<Terkait>)> {
        let a = self
            .store
            .aspirasi_get(nomor)
            .await?
            .filter(|a| a.moderasi == Moderasi::Tayang && !a.rahasia)
            .ok_or_else(|| IssuanceError::NotFound(format!("aspiration {nomor} not found")))?;
        let thread = self.store.aspirasi_tanggapan(nomor, true).await?;
        let terkait = self.store.aspirasi_terkait(nomor, 6).await?;
        Ok((a, thread, terkait))
    }

    /// One aspiration as Open311 shows it: the record (the HTTP layer shows its text
    /// only if published) and, if published, its latest public answer.
    pub async fn open311_request(
        &self,
        nomor: &NomorAspirasi,
    ) -> Result<Option<(Aspirasi, Option<String>)>> {
        let Some(a) = self.store.aspirasi_get(nomor).await? else {
            return Ok(None);
        };
        let jawaban = self.jawaban_publik(&a).await?;
        Ok(Some((a, jawaban)))
    }

    /// The latest public entry of a published aspiration's thread.
    pub async fn jawaban_publik(&self, a: &Aspirasi) -> Result<Option<String>> {
        if a.moderasi != Moderasi::Tayang || a.rahasia {
            return Ok(None);
        }
        Ok(self
            .store
            .aspirasi_tanggapan(&a.nomor, true)
            .await?
            .pop()
            .map(|t| t.isi))
    }

    /// Published aspirations, newest first, with the total.
    pub async fn daftar_publik(&self, mut f: FilterAspirasi) -> Result<(Vec<Aspirasi>, u64)> {
        f.moderasi = Some(Moderasi::Tayang);
        f.limit = f.limit.clamp(1, 100);
        Ok((
            self.store.aspirasi_list(&f).await?,
            self.store.aspirasi_count(&f).await?,
        ))
    }

    /// Every aspiration, for officers (any role may read; acting is role-checked).
    pub async fn daftar_petugas(
        &self,
        _user: &User,
        mut f: FilterAspirasi,
    ) -> Result<(Vec<Aspirasi>, u64)> {
        self.tutup_jatuh_tempo().await?;
        f.limit = f.limit.clamp(1, 200);
        Ok((
            self.store.aspirasi_list(&f).await?,
            self.store.aspirasi_count(&f).await?,
        ))
    }

    /// One aspiration with its whole thread, for officers.
    pub async fn detail_petugas(
        &self,
        _user: &User,
        nomor: &NomorAspirasi,
    ) -> Result<(Aspirasi, Vec<Tanggapan>)> {
        let a = self.get(nomor).await?;
        Ok((a, self.store.aspirasi_tanggapan(nomor, false).await?))
    }

    /// The overdue list: open aspirations past their routing or answer deadline on the
    /// office's working-day calendar, oldest first.
    pub async fn terlambat(&self, _user: &User) -> Result<Vec<AspirasiTerlambat>> {
        let f = FilterAspirasi {
            status: vec![
                StatusAspirasi::Menunggu,
                StatusAspirasi::Koordinasi,
                StatusAspirasi::Disposisi,
            ],
            limit: 1000,
            ..Default::default()
        };
        let today = self.issuance.today();
        let kal = Kalender::indonesia();
        let mut out: Vec<AspirasiTerlambat> = self
            .store
            .aspirasi_list(&f)
            .await?
            .into_iter()
            .filter_map(|a| {
                let t = aspirasi::terlambat(
                    kal,
                    a.status,
                    sidik_domain::tanggal::tanggal_wib(a.dibuat),
                    a.dijawab.is_some(),
                    today,
                )?;
                Some(AspirasiTerlambat {
                    aspirasi: a,
                    terlambat: t,
                })
            })
            .collect();
        out.reverse();
        Ok(out)
    }

    /// An officer's act on an aspiration: role-checked, the transition checked by the
    /// domain, written with its audit entry in one transaction.
    pub async fn tindak(
        &self,
        user: &User,
        nomor: &NomorAspirasi,
        t: Tindakan,
    ) -> Result<Aspirasi> {
        require(user, boleh(user, &t), &format!("aspirasi {}", t.slug()))?;
        let a = self.get(nomor).await?;
        let waktu = self.now();
        let oleh = actor(user);
        let mut p = PerubahanAspirasi {
            waktu: Some(waktu),
            ..Default::default()
        };
        let pindah = |ke: StatusAspirasi| -> Result<StatusAspirasi> {
            if a.status.bisa_ke(ke) {
                Ok(ke)
            } else {
                Err(conflict_transition(format!(
                    "Aspirasi berstatus {} tidak dapat menjadi {}.",
                    a.status.label(),
                    ke.label()
                )))
            }
        };
        let tanggapan = |jenis, isi: String, publik| TanggapanBaru {
            jenis,
            oleh: oleh.clone(),
            isi,
            publik,
        };
        let mut detail = String::new();
        match &t {
            Tindakan::Moderasi { tayang } => {
                if *tayang && a.rahasia {
                    return Err(IssuanceError::Conflict {
                        code: "confidential",
                        message: "Aspirasi rahasia tidak dapat ditayangkan.".into(),
                    });
                }
                p.moderasi = Some(if *tayang {
                    Moderasi::Tayang
                } else {
                    Moderasi::TidakTayang
                });
                detail = p.moderasi.map(|m| m.slug()).unwrap_or_default().into();
            }
            Tindakan::Teruskan { unit } => {
                let unit = opsional(unit, 100, "Unit")?.ok_or_else(|| {
                    IssuanceError::invalid("invalid_field", "Unit tujuan wajib diisi.")
                })?;
                p.status = Some(pindah(StatusAspirasi::Koordinasi)?);
                p.diteruskan = true;
                detail = unit.clone();
                p.unit = Some(unit);
            }
            Tindakan::Disposisi { petugas } => {
                let petugas = opsional(petugas, 100, "Petugas")?.ok_or_else(|| {
                    IssuanceError::invalid("invalid_field", "Petugas wajib diisi.")
                })?;
                p.status = Some(pindah(StatusAspirasi::Disposisi)?);
                detail = petugas.clone();
                p.petugas = Some(petugas);
            }
            Tindakan::Jawab { isi } => {
                let isi = Isi::parse_tanggapan(isi).map_err(invalid("invalid_answer"))?;
                if a.status != StatusAspirasi::Proses {
                    p.status = Some(pindah(StatusAspirasi::Proses)?);
                }
                p.dijawab = true;
                p.aktivitas = true;
                p.tanggapan = Some(tanggapan(
                    JenisTanggapan::Jawaban,
                    isi.as_str().to_string(),
                    true,
                ));
            }
            Tindakan::Selesai => {
                p.status = Some(pindah(StatusAspirasi::Selesai)?);
                p.ditutup = true;
            }
            Tindakan::Tolak { alasan } => {
                let alasan = Isi::parse_tanggapan(alasan).map_err(invalid("invalid_reason"))?;
                p.status = Some(pindah(StatusAspirasi::Ditolak)?);
                p.ditutup = true;
                p.tanggapan = Some(tanggapan(
                    JenisTanggapan::Jawaban,
                    format!("Aspirasi ditolak: {}", alasan.as_str()),
                    true,
                ));
            }
            Tindakan::Catatan { isi } => {
                let isi = Isi::parse_tanggapan(isi).map_err(invalid("invalid_note"))?;
                p.tanggapan = Some(tanggapan(
                    JenisTanggapan::Catatan,
                    isi.as_str().to_string(),
                    false,
                ));
            }
        }
        let audit = AuditDraft {
            aktor: oleh.clone(),
            aksi: format!("aspirasi.{}", t.slug()),
            subjek: nomor.to_string(),
            waktu,
            detail: match p.status {
                Some(s) => format!("{} -> {}{}", a.status.slug(), s.slug(), pisah(&detail)),
                None => detail,
            },
        };
        self.store
            .aspirasi_ubah(nomor, a.status, &p, vec![audit])
            .await?;
        self.get(nomor).await
    }

    /// The submitter's reply to an answer (restarts the 10-working-day close).
    pub async fn balas(&self, nomor: &NomorAspirasi, kode: &str, isi: &str) -> Result<()> {
        let (a, _) = self.lacak(nomor, kode).await?;
        if a.status.final_() {
            return Err(conflict_transition("Aspirasi sudah ditutup.".into()));
        }
        let isi = Isi::parse_tanggapan(isi).map_err(invalid("invalid_reply"))?;
        let waktu = self.now();
        let p = PerubahanAspirasi {
            waktu: Some(waktu),
            aktivitas: true,
            tanggapan: Some(TanggapanBaru {
                jenis: JenisTanggapan::Balasan,
                oleh: "warga".into(),
                isi: isi.as_str().to_string(),
                publik: false,
            }),
            ..Default::default()
        };
        let audit = AuditDraft {
            aktor: "warga".into(),
            aksi: "aspirasi.balas".into(),
            subjek: nomor.to_string(),
            waktu,
            detail: String::new(),
        };
        Ok(self
            .store
            .aspirasi_ubah(nomor, a.status, &p, vec![audit])
            .await?)
    }

    /// The submitter's rating of a closed (Selesai) aspiration, once.
    pub async fn nilai(&self, nomor: &NomorAspirasi, kode: &str, nilai: &str) -> Result<()> {
        let n = Penilaian::parse(nilai).map_err(invalid("invalid_rating"))?;
        let (a, _) = self.lacak(nomor, kode).await?;
        if a.status != StatusAspirasi::Selesai || a.nilai.is_some() {
            return Err(conflict_transition(
                "Penilaian hanya dapat diberikan sekali, setelah aspirasi selesai.".into(),
            ));
        }
        let p = PerubahanAspirasi {
            waktu: Some(self.now()),
            nilai: Some(n.nilai()),
            ..Default::default()
        };
        Ok(self
            .store
            .aspirasi_ubah(nomor, StatusAspirasi::Selesai, &p, vec![])
            .await?)
    }

    /// "Ikut melapor": one support per supporter key (the HTTP layer derives it from the
    /// client and a cookie) on a published, open aspiration. `true` if counted.
    pub async fn dukung(&self, nomor: &NomorAspirasi, pendukung: &str) -> Result<bool> {
        let a = self
            .store
            .aspirasi_get(nomor)
            .await?
            .filter(|a| a.moderasi == Moderasi::Tayang)
            .ok_or_else(|| IssuanceError::NotFound(format!("aspiration {nomor} not found")))?;
        if a.status.final_() {
            return Ok(false);
        }
        Ok(self
            .store
            .aspirasi_dukung(nomor, &hash(pendukung), self.now())
            .await?)
    }

    /// Closes every answered aspiration whose citizen did not reply within 10 working
    /// days of the last activity (actor `sistem:aspirasi`). Returns how many.
    pub async fn tutup_jatuh_tempo(&self) -> Result<usize> {
        let f = FilterAspirasi {
            status: vec![StatusAspirasi::Proses],
            limit: 1000,
            ..Default::default()
        };
        let today = self.issuance.today();
        let kal = Kalender::indonesia();
        let mut n = 0;
        for a in self.store.aspirasi_list(&f).await? {
            let batas =
                aspirasi::tutup_otomatis(kal, sidik_domain::tanggal::tanggal_wib(a.aktivitas));
            if today < batas {
                continue;
            }
            let waktu = self.now();
            let p = PerubahanAspirasi {
                waktu: Some(waktu),
                status: Some(StatusAspirasi::Selesai),
                ditutup: true,
                tanggapan: Some(TanggapanBaru {
                    jenis: JenisTanggapan::Otomatis,
                    oleh: "sistem:aspirasi".into(),
                    isi: format!("Aspirasi ditutup otomatis: tidak ada tanggapan pelapor dalam {} hari kerja setelah jawaban terakhir.", aspirasi::HARI_TUTUP),
                    publik: true,
                }),
                ..Default::default()
            };
            let audit = AuditDraft {
                aktor: "sistem:aspirasi".into(),
                aksi: "aspirasi.tutup_otomatis".into(),
                subjek: a.nomor.to_string(),
                waktu,
                detail: "proses -> selesai".into(),
            };
            match self
                .store
                .aspirasi_ubah(&a.nomor, StatusAspirasi::Proses, &p, vec![audit])
                .await
            {
                Ok(()) => n += 1,
                // Changed meanwhile (a reply, an officer): nothing to close now.
                Err(sidik_store::StoreError::Stale(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(n)
    }

    /// Registers an Open311 client (admin only); returns its API key, shown once.
    pub async fn open311_klien_baru(&self, user: &User, nama: &str) -> Result<String> {
        require(user, user.peran == Peran::Admin, "register Open311 clients")?;
        let nama = nama.trim();
        if !(3..=64).contains(&nama.len())
            || !nama
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        {
            return Err(IssuanceError::invalid(
                "invalid_name",
                "a client name is 3-64 characters of a-z, A-Z, 0-9, '-', '_', '.'",
            ));
        }
        let mut k = [0u8; 24];
        self.issuance
            .entropy
            .fill(&mut k)
            .map_err(IssuanceError::Internal)?;
        let kunci = hex::encode(k);
        let audit = AuditDraft {
            aktor: actor(user),
            aksi: "open311.klien".into(),
            subjek: nama.to_string(),
            waktu: self.now(),
            detail: String::new(),
        };
        self.store
            .open311_klien_baru(nama, &hash(&kunci), audit)
            .await?;
        Ok(kunci)
    }

    /// The Open311 client an API key belongs to.
    pub async fn open311_klien(&self, kunci: &str) -> Result<Option<String>> {
        if kunci.is_empty() || kunci.len() > 128 {
            return Ok(None);
        }
        Ok(self.store.open311_klien(&hash(kunci)).await?)
    }
}

fn pisah(s: &str) -> String {
    if s.is_empty() {
        String::new()
    } else {
        format!(": {s}")
    }
}
