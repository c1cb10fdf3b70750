//! The office's application pages: list, enrollment form, detail with check and
//! actions, and the applicant's photo and signature.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sidik_domain::tanggal::{tanggal_hari, waktu_wib};
use sidik_domain::{Aksi, Permohonan, Status};
use sidik_issuance::{Gambar, Issuance, IssuanceError};
use sidik_store::{Created, User};

use super::formulir::{periksa, Csrf, Formulir, Kosong};
use super::layout::{galat, html, kepala, pesan, Kepala};
use crate::api::{parse_form_filter, MAX_PAGE};
use crate::auth::{Desk, WebUser};
use crate::csrf::{Pemilik, Token};
use crate::views::{read_enroll_form, region_name};
use crate::{ApiError, AppState};

/// One row of the application list.
pub struct Baris {
    pub nomor: String,
    pub nik: String,
    pub nama: String,
    pub kelurahan: String,
    pub kecamatan: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub dibuat: String,
    /// The ETA, short: a date, "N hari kerja setelah pusat pulih", or why none.
    pub perkiraan: String,
}

/// The ETA in a few words, for a table cell.
fn perkiraan_singkat(e: &sidik_domain::eta::Perkiraan) -> String {
    use sidik_domain::eta::Perkiraan;
    match e {
        Perkiraan::Tanggal { tanggal, .. } => sidik_domain::tanggal::tanggal(*tanggal),
        Perkiraan::SetelahPusatPulih { hari_kerja } => {
            format!("{hari_kerja} hari kerja setelah pusat pulih")
        }
        Perkiraan::MenungguBlanko => "Menunggu kiriman blanko".into(),
        Perkiraan::TanpaKapasitas => "Belum ada printer aktif".into(),
        Perkiraan::TidakBerlaku => "—".into(),
    }
}

fn baris(p: &Permohonan) -> Baris {
    let kec = p.kelurahan.rfind('.').map_or("", |i| &p.kelurahan[..i]);
    Baris {
        nomor: p.nomor.to_string(),
        nik: p.nik.to_string(),
        nama: p.nama.clone(),
        kelurahan: region_name(&p.kelurahan),
        kecamatan: region_name(kec),
        status: p.status.slug(),
        status_label: p.status.label(),
        dibuat: waktu_wib(p.dibuat),
        perkiraan: String::new(),
    }
}

pub struct Pilihan {
    pub nilai: String,
    pub label: String,
    pub dipilih: bool,
}

/// Kecamatan and kelurahan of the office's city, for filters and forms.
fn wilayah_kota(iss: &Issuance, kec: &str, kel: &str) -> (Vec<Pilihan>, Vec<Pilihan>) {
    let w = sidik_wilayah::Wilayah::get();
    let kantor = iss.kantor.as_str();
    let kota = format!("{}.{}", &kantor[0..2], &kantor[2..4]);
    let mut kecs = Vec::new();
    let mut kels = Vec::new();
    for k in w.children(&kota) {
        kecs.push(Pilihan {
            nilai: k.kode.to_string(),
            label: k.nama.to_string(),
            dipilih: k.kode == kec,
        });
        for l in w.children(k.kode) {
            kels.push(Pilihan {
                nilai: l.kode.to_string(),
                label: format!("{} (Kec. {})", l.nama, k.nama),
                dipilih: l.kode == kel,
            });
        }
    }
    (kecs, kels)
}

#[derive(Template)]
#[template(path = "daftar.html")]
struct DaftarPage {
    k: Kepala,
    baris: Vec<Baris>,
    jumlah: Vec<(String, &'static str, u64, bool)>,
    total: u64,
    kecamatan: Vec<Pilihan>,
    kelurahan: Vec<Pilihan>,
    q: HashMap<String, String>,
    galat: Option<String>,
    halaman: u32,
    ada_berikut: bool,
}

impl DaftarPage {
    fn qv(&self, k: &str) -> String {
        self.q.get(k).cloned().unwrap_or_default()
    }
    fn tautan_halaman(&self, h: u32) -> String {
        let mut pairs: Vec<String> = self
            .q
            .iter()
            .filter(|(k, v)| k.as_str() != "halaman" && k.as_str() != "offset" && !v.is_empty())
            .map(|(k, v)| format!("{k}={}", v.replace(' ', "+")))
            .collect();
        pairs.push(format!("halaman={h}"));
        format!("/permohonan?{}", pairs.join("&"))
    }
}

const PER_HALAMAN: u32 = 50;

pub(super) async fn daftar(
    State(st): State<AppState>,
    Desk(iss): Desk,
    WebUser(u): WebUser,
    Csrf(t): Csrf,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let halaman: u32 = q
        .get("halaman")
        .and_then(|h| h.trim().parse().ok())
        .filter(|h| (1..=MAX_PAGE).contains(h))
        .unwrap_or(1);
    let (kecamatan, kelurahan) = wilayah_kota(
        &iss,
        q.get("kecamatan").map_or("", |s| s.as_str()),
        q.get("kelurahan").map_or("", |s| s.as_str()),
    );
    let mut page = DaftarPage {
        k: kepala(&st, Some(&u), &t),
        baris: vec![],
        jumlah: vec![],
        total: 0,
        kecamatan,
        kelurahan,
        q: q.clone(),
        galat: None,
        halaman,
        ada_berikut: false,
    };
    let mut f = match parse_form_filter(&q) {
        Ok(f) => f,
        Err(e) => {
            page.galat = Some(pesan(&e));
            return (e.status, html(page)).into_response();
        }
    };
    f.limit = PER_HALAMAN + 1;
    f.offset = (halaman - 1) * PER_HALAMAN;
    let store = &iss.store;
    match (
        store.application_list(&f).await,
        store.application_counts(&f).await,
    ) {
        (Ok(items), Ok(counts)) => {
            page.ada_berikut = items.len() > PER_HALAMAN as usize;
            let shown = &items[..items.len().min(PER_HALAMAN as usize)];
            page.baris = shown.iter().map(baris).collect();
            let pusat = crate::cetak_api::keadaan_pusat(&st);
            if let Ok(etas) = iss.perkiraan_banyak(shown, &pusat).await {
                for (b, e) in page.baris.iter_mut().zip(&etas) {
                    b.perkiraan = perkiraan_singkat(e);
                }
            }
            page.total = counts.iter().map(|c| c.1).sum();
            let aktif = q.get("status").cloned().unwrap_or_default();
            page.jumlah = counts
                .into_iter()
                .map(|(s, n)| (s.slug().to_string(), s.label(), n, s.slug() == aktif))
                .collect();
        }
        (Err(e), _) | (_, Err(e)) => page.galat = Some(pesan(&IssuanceError::from(e).into())),
    }
    html(page)
}

#[derive(Template)]
#[template(path = "rekam.html")]
struct RekamPage {
    k: Kepala,
    kelurahan: Vec<Pilihan>,
    nik: String,
    galat: Option<String>,
    jari: Vec<(u8, &'static str)>,
}

fn rekam_page(
    st: &AppState,
    iss: &Issuance,
    (u, t): (&User, &Token),
    nik: String,
    kel: &str,
    galat: Option<String>,
) -> RekamPage {
    let (_, kelurahan) = wilayah_kota(iss, "", kel);
    RekamPage {
        k: kepala(st, Some(u), t),
        kelurahan,
        // Echoed back at most as long as a NIK (a hostile value is not repeated).
        nik: nik.chars().take(16).collect(),
        galat,
        jari: sidik_domain::biometrik::PosisiJari::all()
            .map(|p| (p.get(), p.label()))
            .collect(),
    }
}

pub(super) async fn rekam_form(
    State(st): State<AppState>,
    Desk(iss): Desk,
    WebUser(u): WebUser,
    Csrf(t): Csrf,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let nik = q.get("nik").cloned().unwrap_or_default();
    let kel = q.get("kelurahan").cloned().unwrap_or_default();
    html(rekam_page(&st, &iss, (&u, &t), nik, &kel, None))
}

pub(super) async fn rekam(
    State(st): State<AppState>,
    Desk(iss): Desk,
    WebUser(u): WebUser,
    Csrf(t): Csrf,
    headers: HeaderMap,
    mp: Multipart,
) -> Response {
    let fail = |st: &AppState, u: &User, nik: String, kel: String, e: ApiError| {
        (
            e.status,
            html(rekam_page(st, &iss, (u, &t), nik, &kel, Some(pesan(&e)))),
        )
            .into_response()
    };
    // The whole form is read (at most MAX_BODY) before the token is checked; nothing
    // is written before both are done.
    let form = match read_enroll_form(mp).await {
        Ok(x) => x,
        Err(e) => return fail(&st, &u, String::new(), String::new(), e),
    };
    if let Some(refused) = periksa(&st, &headers, &t, Pemilik::Sesi, form.csrf.as_deref()) {
        return refused;
    }
    let (mut input, demo) = (form.input, form.demo);
    if demo {
        if let Some(gen) = st.demo_biometrik.as_ref().filter(|_| st.info.demo) {
            let seed = input
                .nik
                .bytes()
                .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64));
            let (jari, foto, ttd) = gen(seed);
            input.jari = jari;
            input.pengecualian.clear();
            input.foto = Some(foto);
            input.tanda_tangan = Some(ttd);
        }
    }
    let (nik, kel) = (input.nik.clone(), input.kelurahan.clone());
    match iss.enroll(&u, input).await {
        Ok(Created::New(p) | Created::Replayed(p)) => {
            Redirect::to(&format!("/permohonan/{}?baru=1", p.nomor)).into_response()
        }
        Err(e) => fail(&st, &u, nik, kel, e.into()),
    }
}

pub struct BarisRiwayat {
    pub waktu: String,
    pub aksi: &'static str,
    pub dari: &'static str,
    pub ke: &'static str,
    pub aktor: String,
    pub alasan: String,
}

pub struct BarisAudit {
    pub seq: i64,
    pub waktu: String,
    pub aktor: String,
    pub aksi: String,
    pub detail: String,
    pub hash: String,
}

/// (biometric search ran, notes, candidates)
type HasilCek = (bool, String, Vec<KandidatBaris>);

/// A duplicate-suspect candidate as the adjudicator sees it.
pub struct KandidatBaris {
    pub nomor: String,
    pub nik: String,
    pub nama: String,
    pub kelurahan: String,
    pub status: &'static str,
    pub skor: String,
    pub jari: u8,
}

#[derive(Template)]
#[template(path = "detail.html")]
struct DetailPage {
    k: Kepala,
    p: Baris,
    biodata: Vec<(&'static str, String)>,
    riwayat: Vec<BarisRiwayat>,
    audit: Vec<BarisAudit>,
    cek: Option<HasilCek>,
    bisa_cek: bool,
    tombol: Vec<(&'static str, &'static str, bool)>,
    galat: Option<String>,
    /// Just enrolled: the success notice.
    baru: bool,
    dok: BagianSuket,
}

/// One Suket of an application as the detail page shows it.
pub struct BarisSuket {
    pub nomor_suket: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub aktif: bool,
    pub diterbitkan: String,
    pub berlaku_hingga: String,
    pub alasan: String,
}

/// The documents part of the detail page: Sukets, ETA, print priority.
pub struct BagianSuket {
    pub suket: Vec<BarisSuket>,
    /// May issue one now (none active, the state allows it).
    pub bisa_terbit: bool,
    /// The officer's role may revoke.
    pub bisa_cabut: bool,
    pub perkiraan: String,
    pub prioritas: String,
}

async fn bagian_suket(st: &AppState, iss: &Issuance, u: &User, p: &Permohonan) -> BagianSuket {
    use sidik_domain::suket::{AlasanCabut, StatusSuket};
    let semua = iss.suket_of(p.nomor.as_str()).await.unwrap_or_default();
    let suket: Vec<BarisSuket> = semua
        .iter()
        .rev()
        .map(|s| {
            let mut alasan = s
                .alasan
                .as_deref()
                .and_then(AlasanCabut::parse)
                .map(|a| a.label().to_string())
                .unwrap_or_default();
            if let Some(k) = &s.keterangan {
                alasan = format!("{alasan}: {k}");
            }
            BarisSuket {
                nomor_suket: s.suket.nomor_suket.clone(),
                status: s.status.slug(),
                status_label: s.status.label(),
                aktif: s.status == StatusSuket::Aktif,
                diterbitkan: waktu_wib(s.suket.diterbitkan),
                berlaku_hingga: tanggal_hari(sidik_domain::tanggal::tanggal_wib(
                    s.suket.berlaku_hingga,
                )),
                alasan,
            }
        })
        .collect();
    let aktif = suket.iter().any(|s| s.aktif);
    let perkiraan = match iss.perkiraan(p, &crate::cetak_api::keadaan_pusat(st)).await {
        Ok(e) => e.kalimat(),
        Err(_) => "Perkiraan tanggal selesai belum tersedia.".into(),
    };
    let prioritas = match iss.store.prioritas_get(p.nomor.as_str()).await {
        Ok(Some(pr)) => crate::views::label_prioritas(&pr),
        _ => "Biasa".into(),
    };
    BagianSuket {
        suket,
        bisa_terbit: !aktif
            && sidik_domain::suket::boleh_suket(p.status)
            && st.trust.is_some()
            && u.peran != sidik_domain::Peran::Pencetak,
        bisa_cabut: matches!(
            u.peran,
            sidik_domain::Peran::Verifikator | sidik_domain::Peran::Admin
        ),
        perkiraan,
        prioritas,
    }
}

async fn detail_page(
    st: &AppState,
    iss: &Issuance,
    (u, t): (&User, &Token),
    nomor: &str,
    (galat_cek, baru): (Option<String>, bool),
) -> Response {
    let p = match iss.get(nomor).await {
        Ok(p) => p,
        Err(e) => {
            let e: ApiError = e.into();
            return galat(
                st,
                Some(u),
                t,
                e.status,
                "Permohonan tidak ditemukan",
                pesan(&e),
            );
        }
    };
    let store = &iss.store;
    let mut biodata = vec![];
    if let Ok(Some(r)) = iss
        .resident(u, &p.nik, &format!("detail permohonan {}", p.nomor))
        .await
    {
        biodata = vec![
            ("NIK", r.nik.to_string()),
            ("Nama", r.nama.clone()),
            (
                "Tempat/Tgl Lahir",
                format!("{}, {}", r.tempat_lahir, tanggal_hari(r.tanggal_lahir)),
            ),
            ("Jenis Kelamin", r.jenis_kelamin.label().to_string()),
            ("Alamat", r.alamat.clone()),
            ("RT/RW", r.rt_rw.to_string()),
            ("Kel/Desa", region_name(&r.kelurahan)),
            ("Kecamatan", region_name(r.kecamatan())),
            ("Agama", r.agama.label().to_string()),
            ("Status Perkawinan", r.status_perkawinan.label().to_string()),
            ("Pekerjaan", r.pekerjaan.clone()),
            ("Kewarganegaraan", r.kewarganegaraan.label().to_string()),
        ];
    }
    let audit = store
        .audit_of_subject(p.nomor.as_str())
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|e| BarisAudit {
            seq: e.seq,
            waktu: waktu_wib(e.waktu),
            aktor: e.aktor,
            aksi: e.aksi,
            detail: e.detail,
            hash: e.hash[..16].to_string(),
        })
        .collect();
    let riwayat = p
        .riwayat
        .iter()
        .map(|r| BarisRiwayat {
            waktu: waktu_wib(r.waktu),
            aksi: r.aksi.label(),
            dari: r.dari.map_or("", |s| s.label()),
            ke: r.ke.label(),
            aktor: r.aktor.clone(),
            alasan: r.alasan.clone().unwrap_or_default(),
        })
        .collect();
    let mut cek = None;
    if let Some(h) = &p.ketunggalan {
        let mut kandidat = Vec::new();
        for k in &h.kandidat {
            let other = store.application_get(&k.permohonan).await.ok().flatten();
            kandidat.push(KandidatBaris {
                nomor: k.permohonan.clone(),
                nik: k.nik.clone(),
                nama: other.as_ref().map(|o| o.nama.clone()).unwrap_or_default(),
                kelurahan: other
                    .as_ref()
                    .map(|o| region_name(&o.kelurahan))
                    .unwrap_or_default(),
                status: other.as_ref().map_or("", |o| o.status.label()),
                skor: format!("{:.1}", k.skor),
                jari: k.jari_cocok,
            });
        }
        cek = Some((h.biometrik, h.catatan.clone(), kandidat));
    }
    let tombol = [
        (
            Aksi::AdjudikasiTunggal,
            "Nyatakan tunggal (adjudikasi)",
            false,
        ),
        (Aksi::Tolak, "Tolak", true),
        (Aksi::Cetak, "Tandai sudah dicetak", false),
        (Aksi::Serahkan, "Serahkan kartu", false),
    ]
    .into_iter()
    .filter(|(a, _, _)| a.target(p.status).is_some() && a.allowed(u.peran))
    .map(|(a, l, alasan)| (a.slug(), l, alasan))
    .collect();
    let bisa_cek =
        matches!(p.status, Status::Direkam | Status::Dikirim) && Aksi::Kirim.allowed(u.peran);
    let dok = bagian_suket(st, iss, u, &p).await;
    html(DetailPage {
        k: kepala(st, Some(u), t),
        p: baris(&p),
        biodata,
        riwayat,
        audit,
        cek,
        bisa_cek,
        tombol,
        galat: galat_cek,
        baru,
        dok,
    })
}

pub(super) async fn detail(
    State(st): State<AppState>,
    Desk(iss): Desk,
    WebUser(u): WebUser,
    Csrf(t): Csrf,
    Path(nomor): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let baru = q.get("baru").is_some_and(|v| v == "1");
    detail_page(&st, &iss, (&u, &t), &nomor, (None, baru)).await
}

pub(super) async fn cek(
    State(st): State<AppState>,
    Desk(iss): Desk,
    WebUser(u): WebUser,
    Csrf(t): Csrf,
    Path(nomor): Path<String>,
    Formulir(Kosong {}): Formulir<Kosong>,
) -> Response {
    match iss.check(&u, &nomor).await {
        Ok(_) => Redirect::to(&format!("/permohonan/{nomor}")).into_response(),
        Err(e) => {
            // The page again with the reason, under the error's status (403 for a
            // role that may not, 409 for a state that does not allow it).
            let e: ApiError = e.into();
            let page = detail_page(&st, &iss, (&u, &t), &nomor, (Some(pesan(&e)), false)).await;
            (e.status, page).into_response()
        }
    }
}

#[derive(Deserialize)]
pub(super) struct AksiForm {
    aksi: String,
    alasan: Option<String>,
}

pub(super) async fn aksi(
    State(st): State<AppState>,
    Desk(iss): Desk,
    WebUser(u): WebUser,
    Csrf(t): Csrf,
    Path(nomor): Path<String>,
    Formulir(f): Formulir<AksiForm>,
) -> Response {
    let result = match Aksi::parse(&f.aksi) {
        Ok(a) => iss.transition(&u, &nomor, a, f.alasan).await,
        Err(m) => Err(IssuanceError::Invalid {
            code: "invalid_transition",
            message: m,
        }),
    };
    match result {
        Ok(_) => Redirect::to(&format!("/permohonan/{nomor}")).into_response(),
        Err(e) => {
            // The page again with the reason, under the error's status (403 for a
            // role that may not, 409 for a state that does not allow it).
            let e: ApiError = e.into();
            let page = detail_page(&st, &iss, (&u, &t), &nomor, (Some(pesan(&e)), false)).await;
            (e.status, page).into_response()
        }
    }
}

/// The face photo (`foto`) or signature (`ttd`) of an application, for officers only;
/// every read is in the audit chain.
pub(super) async fn gambar(
    Desk(iss): Desk,
    WebUser(u): WebUser,
    Path((nomor, jenis)): Path<(String, String)>,
) -> Response {
    let jenis = match jenis.as_str() {
        "foto" => Gambar::Foto,
        "ttd" => Gambar::TandaTangan,
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    match iss.image(&u, &nomor, jenis).await {
        Ok(Some(bytes)) => {
            let mime =
                sidik_domain::biometrik::image_mime(&bytes).unwrap_or("application/octet-stream");
            (
                [
                    (header::CONTENT_TYPE, mime),
                    (header::CACHE_CONTROL, "private, max-age=3600"),
                ],
                bytes,
            )
                .into_response()
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}
