//! JSON shapes of domain objects, and request parsing shared by API and pages.

use axum::extract::Multipart;
use jiff::Timestamp;
use serde::Serialize;
use sidik_domain::penduduk::BiodataTerlihat;
use sidik_domain::permohonan::HasilKetunggalan;
use sidik_domain::tanggal::waktu_wib;
use sidik_domain::Permohonan;
use sidik_issuance::EnrollInput;

use crate::ApiError;

#[derive(Serialize)]
pub struct PendudukJson {
    pub nik: String,
    /// Absent for a role that only prints cards (as are `hubungan` and
    /// `nama_ibu_kandung`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nomor_kk: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hubungan: Option<&'static str>,
    pub nama: String,
    pub tempat_lahir: String,
    pub tanggal_lahir: String,
    pub jenis_kelamin: &'static str,
    pub golongan_darah: &'static str,
    pub alamat: String,
    pub rt_rw: String,
    pub kelurahan: String,
    pub kelurahan_nama: String,
    pub kecamatan: String,
    pub kecamatan_nama: String,
    pub agama: &'static str,
    pub status_perkawinan: &'static str,
    pub pekerjaan: String,
    pub kewarganegaraan: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nama_ibu_kandung: Option<String>,
}

pub fn region_name(kode: &str) -> String {
    sidik_wilayah::Wilayah::get()
        .region(kode)
        .map(|r| r.nama.to_string())
        .unwrap_or_else(|| kode.to_string())
}

impl From<&BiodataTerlihat> for PendudukJson {
    fn from(p: &BiodataTerlihat) -> Self {
        let k = p.keluarga.as_ref();
        PendudukJson {
            nik: p.nik.to_string(),
            nomor_kk: k.map(|k| k.nomor_kk.to_string()),
            hubungan: k.map(|k| k.hubungan.label()),
            nama: p.nama.clone(),
            tempat_lahir: p.tempat_lahir.clone(),
            tanggal_lahir: p.tanggal_lahir.to_string(),
            jenis_kelamin: p.jenis_kelamin.label(),
            golongan_darah: p.golongan_darah.label(),
            alamat: p.alamat.clone(),
            rt_rw: p.rt_rw.to_string(),
            kelurahan: p.kelurahan.clone(),
            kelurahan_nama: region_name(&p.kelurahan),
            kecamatan: p.kecamatan().to_string(),
            kecamatan_nama: region_name(p.kecamatan()),
            agama: p.agama.label(),
            status_perkawinan: p.status_perkawinan.label(),
            pekerjaan: p.pekerjaan.clone(),
            kewarganegaraan: p.kewarganegaraan.label(),
            nama_ibu_kandung: k.map(|k| k.nama_ibu_kandung.clone()),
        }
    }
}

#[derive(Serialize)]
pub struct RiwayatJson {
    pub aksi: &'static str,
    pub dari: Option<&'static str>,
    pub ke: &'static str,
    pub aktor: String,
    pub waktu: String,
    pub waktu_wib: String,
    pub alasan: Option<String>,
}

#[derive(Serialize)]
pub struct KandidatJson {
    pub permohonan: String,
    pub nik: String,
    pub skor: f32,
    pub jari_cocok: u8,
}

#[derive(Serialize)]
pub struct KetunggalanJson {
    pub biometrik: bool,
    pub catatan: String,
    pub kandidat: Vec<KandidatJson>,
}

impl From<&HasilKetunggalan> for KetunggalanJson {
    fn from(h: &HasilKetunggalan) -> Self {
        KetunggalanJson {
            biometrik: h.biometrik,
            catatan: h.catatan.clone(),
            kandidat: h
                .kandidat
                .iter()
                .map(|k| KandidatJson {
                    permohonan: k.permohonan.clone(),
                    nik: k.nik.clone(),
                    skor: k.skor,
                    jari_cocok: k.jari_cocok,
                })
                .collect(),
        }
    }
}

#[derive(Serialize)]
pub struct PermohonanJson {
    pub nomor: String,
    pub nik: String,
    pub nama: String,
    pub kantor: String,
    pub kelurahan: String,
    pub kecamatan: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub dibuat: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub riwayat: Vec<RiwayatJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ketunggalan: Option<KetunggalanJson>,
}

fn iso(t: Timestamp) -> String {
    t.to_string()
}

impl From<&Permohonan> for PermohonanJson {
    fn from(p: &Permohonan) -> Self {
        let kec = p
            .kelurahan
            .rfind('.')
            .map_or(p.kelurahan.as_str(), |i| &p.kelurahan[..i]);
        PermohonanJson {
            nomor: p.nomor.to_string(),
            nik: p.nik.to_string(),
            nama: p.nama.clone(),
            kantor: p.kantor.to_string(),
            kelurahan: p.kelurahan.clone(),
            kecamatan: kec.to_string(),
            status: p.status.slug(),
            status_label: p.status.label(),
            dibuat: iso(p.dibuat),
            riwayat: p
                .riwayat
                .iter()
                .map(|r| RiwayatJson {
                    aksi: r.aksi.slug(),
                    dari: r.dari.map(|s| s.slug()),
                    ke: r.ke.slug(),
                    aktor: r.aktor.clone(),
                    waktu: iso(r.waktu),
                    waktu_wib: waktu_wib(r.waktu),
                    alasan: r.alasan.clone(),
                })
                .collect(),
            ketunggalan: p.ketunggalan.as_ref().map(Into::into),
        }
    }
}

/// An enrollment read from a form.
pub struct EnrollForm {
    pub input: EnrollInput,
    /// The page asked for synthetic biometrics (demo mode).
    pub demo: bool,
    /// The page form's CSRF token (`_csrf`), checked by the page handler.
    pub csrf: Option<String>,
}

/// Reads an enrollment from `multipart/form-data`.
///
/// Fields: `nik`, `kelurahan`, optional `nama`, files `jari_1` ... `jari_10` (ISO/IEC
/// 19794-2 records), text `pengecualian_N` (amputasi | cedera | tidak_terbaca), files
/// `foto` and `tanda_tangan` (JPEG/PNG), optional priority fields `keperluan`
/// (sim | stnk | paspor | sekolah | bank), `tanggal_perlu` (YYYY-MM-DD) and
/// `disabilitas` (1 | true | on), and the contact for notifications: `telepon`,
/// `email`, `whatsapp` (1 | true | on) and `setuju_kontak` (the applicant's consent,
/// required with a contact). Pages also send `_csrf` and may send
/// `demo_biometrik=1`.
pub async fn read_enroll_form(mut mp: Multipart) -> Result<EnrollForm, ApiError> {
    let mut input = EnrollInput::default();
    let mut demo = false;
    let mut csrf = None;
    let bad = |m: String| ApiError::bad_request("bad_multipart", m);
    // A body over the size limit is 413, whatever part of it the limit cut.
    let read_err = |e: axum::extract::multipart::MultipartError, what: String| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("request body over the {} MiB limit", crate::MAX_BODY >> 20),
            )
        } else {
            bad(format!("{what}: {e}"))
        }
    };
    while let Some(field) = mp
        .next_field()
        .await
        .map_err(|e| read_err(e, "malformed multipart body".into()))?
    {
        let name = field.name().unwrap_or_default().to_string();
        let has_file = field.file_name().is_some();
        let data = field
            .bytes()
            .await
            .map_err(|e| read_err(e, format!("field {name}")))?
            .to_vec();
        let text = || String::from_utf8_lossy(&data).trim().to_string();
        if let Some(n) = name.strip_prefix("jari_") {
            let pos: u8 = n
                .parse()
                .map_err(|_| bad(format!("field {name}: finger position must be 1-10")))?;
            // Browsers send an empty file part for an unused file input.
            if !data.is_empty() || !has_file {
                input.jari.push((pos, data));
            }
        } else if let Some(n) = name.strip_prefix("pengecualian_") {
            let pos: u8 = n
                .parse()
                .map_err(|_| bad(format!("field {name}: finger position must be 1-10")))?;
            let t = text();
            if !t.is_empty() {
                input.pengecualian.push((pos, t));
            }
        } else {
            match name.as_str() {
                "nik" => input.nik = text(),
                "kelurahan" => input.kelurahan = text(),
                "nama" => input.nama = Some(text()),
                "foto" => input.foto = Some(data).filter(|d| !d.is_empty()),
                "tanda_tangan" => input.tanda_tangan = Some(data).filter(|d| !d.is_empty()),
                "idempotency_key" => input.idempotency_key = Some(text()),
                "demo_biometrik" => demo = text() == "1",
                "keperluan" => input.prioritas.keperluan = Some(text()).filter(|t| !t.is_empty()),
                "tanggal_perlu" => {
                    input.prioritas.tanggal_perlu = Some(text()).filter(|t| !t.is_empty())
                }
                "disabilitas" => {
                    input.prioritas.disabilitas =
                        matches!(text().as_str(), "1" | "true" | "on" | "ya")
                }
                "telepon" => input.kontak.telepon = text(),
                "email" => input.kontak.email = text(),
                "whatsapp" => {
                    input.kontak.whatsapp = matches!(text().as_str(), "1" | "true" | "on" | "ya")
                }
                "setuju_kontak" => {
                    input.kontak.setuju = matches!(text().as_str(), "1" | "true" | "on" | "ya")
                }
                "_csrf" => csrf = Some(text()),
                other => return Err(bad(format!("unknown field {other:?}"))),
            }
        }
    }
    Ok(EnrollForm { input, demo, csrf })
}

/// The Indonesian label of a stored print priority ("Mendesak: SIM (perlu …)", "Lansia",
/// "Biasa", …).
pub fn label_prioritas(p: &sidik_store::PrioritasCetak) -> String {
    use sidik_domain::cetak::{Keperluan, Prioritas};
    let keperluan = p
        .keperluan
        .as_deref()
        .and_then(|k| Keperluan::parse(k).ok())
        .zip(p.tanggal_perlu);
    Prioritas {
        keperluan,
        lansia: p.lansia,
        disabilitas: p.disabilitas,
    }
    .label()
}

/// A NIK as printed on receipts: the first 4 and last 4 digits, `********` between.
pub fn nik_tersamar(nik: &str) -> String {
    if nik.len() == 16 && nik.is_ascii() {
        format!("{}********{}", &nik[..4], &nik[12..])
    } else {
        "****************".into()
    }
}

/// A region's name in capitals without its administrative prefix ("JAKARTA UTARA").
pub fn nama_wilayah_pendek(kode: &str) -> String {
    let n = region_name(kode).to_uppercase();
    for pre in [
        "KOTA ADM. ",
        "KOTA ADMINISTRASI ",
        "KABUPATEN ADM. ",
        "KOTA ",
        "KABUPATEN ",
    ] {
        if let Some(rest) = n.strip_prefix(pre) {
            return rest.to_string();
        }
    }
    n
}

/// What the card and the Suket print of a resident.
pub fn biodata_dokumen(r: &BiodataTerlihat) -> sidik_dokumen::Biodata {
    let kec = r.kecamatan();
    let kota = kec.get(..5).unwrap_or(kec);
    let prov = kec.get(..2).unwrap_or(kec);
    let lahir = r.tanggal_lahir;
    sidik_dokumen::Biodata {
        provinsi: region_name(prov)
            .to_uppercase()
            .replace("DAERAH KHUSUS IBUKOTA ", "DKI "),
        kota: region_name(kota)
            .to_uppercase()
            .replace("ADMINISTRASI ", ""),
        nik: r.nik.to_string(),
        nama: r.nama.to_uppercase(),
        tempat_tgl_lahir: format!(
            "{}, {:02}-{:02}-{}",
            r.tempat_lahir.to_uppercase(),
            lahir.day(),
            lahir.month(),
            lahir.year()
        ),
        jenis_kelamin: r.jenis_kelamin.label().to_uppercase(),
        golongan_darah: r.golongan_darah.label().to_string(),
        alamat: r.alamat.to_uppercase(),
        rt_rw: r.rt_rw.to_string(),
        kel_desa: region_name(&r.kelurahan).to_uppercase(),
        kecamatan: region_name(kec).to_uppercase(),
        agama: r.agama.label().to_uppercase(),
        status_perkawinan: r.status_perkawinan.label().to_uppercase(),
        pekerjaan: r.pekerjaan.to_uppercase(),
        kewarganegaraan: r.kewarganegaraan.label().to_uppercase(),
    }
}
