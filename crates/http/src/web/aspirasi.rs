//! Aspirasi pages for citizens (public, no login): the list of published aspirations,
//! **Detail Aspirasi** with its answers and related aspirations, the form to file one
//! (anonymous and confidential options, contact, an application it is about), the
//! tracking page (number and access code, in a POST form), the reply, the rating of a
//! closed one, and "ikut melapor". The officers' pages are in [`petugas`].
//!
//! Every form carries the pre-session CSRF token; every POST is rate limited per client
//! address ([`BatasAspirasi`]); form bodies are limited to 16 KiB
//! (`web::formulir`). Nothing here shows a name of an anonymous submitter, a contact,
//! an unpublished or confidential aspiration, or the unmasked text.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use serde::Deserialize;
use sidik_domain::aspirasi::{Kategori, NomorAspirasi, StatusAspirasi};
use sidik_domain::tanggal::{tanggal_hari, tanggal_wib, waktu_wib};
use sidik_issuance::aspirasi::{AjuanAspirasi, LayananAspirasi};
use sidik_issuance::IssuanceError;
use sidik_store::{Aspirasi, FilterAspirasi, JenisTanggapan, Sumber, Tanggapan};

use super::formulir::{Csrf, FormulirTamu};
use super::layout::{galat, html, kepala, Kepala};
use crate::batas::{Klien, Pembatas};
use crate::csrf::Token;
use crate::AppState;

mod petugas;

/// Posts a client address may make at once (filing, tracking, replies, supports),
/// then one per [`INTERVAL`].
pub const BURST: u32 = 10;
pub const INTERVAL: Duration = Duration::from_secs(6);
/// Public list page size.
const PER_HALAMAN: u32 = 20;

/// The rate limiter of the public aspiration forms (its own type: one per router).
pub struct BatasAspirasi(pub Pembatas);

/// The aspiration pages of an office.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/aspirasi", get(daftar))
        .route("/aspirasi/baru", get(form_baru).post(ajukan))
        .route("/aspirasi/lacak", get(form_lacak).post(lacak))
        .route("/aspirasi/lacak/balas", post(balas))
        .route("/aspirasi/lacak/nilai", post(nilai))
        .route("/aspirasi/{nomor}", get(detail))
        .route("/aspirasi/{nomor}/dukung", post(dukung))
        .merge(petugas::routes())
        .layer(Extension(Arc::new(BatasAspirasi(Pembatas::new(
            1024, BURST, INTERVAL,
        )))))
}

/// An aspiration as a row or a header.
pub(crate) struct Ringkas {
    pub nomor: String,
    pub judul: String,
    pub kategori: &'static str,
    pub status: &'static str,
    pub status_slug: &'static str,
    pub tanggal: String,
    pub dukungan: u64,
    pub pelapor: String,
    pub kelurahan: String,
}

pub(crate) fn nama_kelurahan(kode: &str) -> String {
    sidik_wilayah::Wilayah::get()
        .region(kode)
        .map(|r| r.nama.to_string())
        .unwrap_or_default()
}

pub(crate) fn ringkas(a: &Aspirasi) -> Ringkas {
    Ringkas {
        nomor: a.nomor.to_string(),
        judul: a.judul_publik.clone(),
        kategori: a.kategori.label(),
        status: a.status.label(),
        status_slug: a.status.slug(),
        tanggal: tanggal_hari(tanggal_wib(a.dibuat)),
        dukungan: a.dukungan,
        pelapor: match (&a.nama, a.anonim) {
            (Some(n), false) => samarkan_nama(n),
            _ => "Anonim".into(),
        },
        kelurahan: nama_kelurahan(&a.kelurahan),
    }
}

/// The public shows a submitter's first name and initials only.
fn samarkan_nama(n: &str) -> String {
    let mut w = n.split_whitespace();
    let first = w.next().unwrap_or("");
    let rest: Vec<String> = w
        .filter_map(|x| x.chars().next())
        .map(|c| format!("{c}."))
        .collect();
    if rest.is_empty() {
        first.to_string()
    } else {
        format!("{first} {}", rest.join(" "))
    }
}

/// One entry of a thread, for pages.
pub(crate) struct Entri {
    pub oleh: String,
    pub waktu: String,
    pub isi: String,
    pub jenis: &'static str,
}

pub(crate) fn entri(t: &Tanggapan) -> Entri {
    Entri {
        oleh: match t.jenis {
            JenisTanggapan::Jawaban => "Petugas Dukcapil".into(),
            JenisTanggapan::Balasan => "Pelapor".into(),
            JenisTanggapan::Otomatis => "Sistem (jawaban otomatis)".into(),
            JenisTanggapan::Catatan => format!("Catatan internal ({})", t.oleh),
        },
        waktu: waktu_wib(t.waktu),
        isi: t.isi.clone(),
        jenis: t.jenis.slug(),
    }
}

fn layanan(st: &AppState) -> Option<LayananAspirasi> {
    st.aspirasi.clone()
}

fn tidak_ada(st: &AppState, t: &Token) -> Response {
    galat(
        st,
        None,
        t,
        StatusCode::NOT_FOUND,
        "Aspirasi tidak ditemukan",
        "Aspirasi ini tidak ada atau belum ditayangkan.".into(),
    )
}

/// 429 with the Indonesian error page if the client address used up its posts.
fn batasi(
    st: &AppState,
    t: &Token,
    b: &BatasAspirasi,
    ip: Option<std::net::IpAddr>,
) -> Option<Response> {
    let tunggu = b.0.check(ip, Instant::now()).err()?;
    let detik = tunggu.as_secs() + 1;
    let mut r = galat(
        st,
        None,
        t,
        StatusCode::TOO_MANY_REQUESTS,
        "Terlalu banyak permintaan",
        format!("Terlalu banyak permintaan dari alamat jaringan Anda. Silakan coba lagi dalam {detik} detik."),
    );
    if let Ok(v) = detik.to_string().parse() {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    Some(r)
}

/// An error of the use case, in Indonesian, for citizens.
fn pesan_galat(e: &IssuanceError) -> String {
    match e {
        // The aspiration rules speak Indonesian already.
        IssuanceError::Invalid { message, .. } => message.clone(),
        IssuanceError::Conflict { message, code }
            if *code != "stale_state" && *code != "conflict" =>
        {
            message.clone()
        }
        IssuanceError::Conflict { .. } => {
            "Aspirasi baru saja berubah; muat ulang halaman lalu coba lagi.".into()
        }
        IssuanceError::NotFound(_) => {
            "Nomor aspirasi atau kode akses tidak cocok. Periksa kembali keduanya.".into()
        }
        _ => {
            "Terjadi kesalahan sistem; tidak ada data yang diubah. Silakan coba lagi nanti.".into()
        }
    }
}

struct FilterPublik {
    kategori: String,
    halaman: String,
}

#[derive(Template)]
#[template(path = "aspirasi_daftar.html")]
struct DaftarPage {
    k: Kepala,
    baris: Vec<Ringkas>,
    kategori: Vec<(&'static str, &'static str, bool)>,
    semua: bool,
    total: u64,
    halaman: u32,
    sebelumnya: Option<String>,
    berikutnya: Option<String>,
    galat: Option<String>,
}

/// `GET /aspirasi`: published aspirations, newest first.
async fn daftar(
    State(st): State<AppState>,
    t: Csrf,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(svc) = layanan(&st) else {
        return tidak_ada(&st, &t.0);
    };
    let q = FilterPublik {
        kategori: q.get("kategori").cloned().unwrap_or_default(),
        halaman: q.get("halaman").cloned().unwrap_or_default(),
    };
    let mut galat_ = None;
    let kategori = match q.kategori.trim() {
        "" => None,
        k => match Kategori::parse(k) {
            Ok(k) => Some(k),
            Err(m) => {
                galat_ = Some(m);
                None
            }
        },
    };
    let halaman = match q.halaman.trim() {
        "" => 1,
        h => match h.parse::<u32>() {
            Ok(n @ 1..=10_000) => n,
            _ => {
                galat_ = Some("Nomor halaman harus angka 1 sampai 10.000.".into());
                1
            }
        },
    };
    let f = FilterAspirasi {
        kategori,
        limit: PER_HALAMAN,
        offset: (halaman - 1) * PER_HALAMAN,
        ..Default::default()
    };
    let (rows, total) = svc.daftar_publik(f).await.unwrap_or_default();
    let tautan = |h: u32| {
        format!(
            "/aspirasi?halaman={h}{}",
            kategori
                .map(|k| format!("&kategori={}", k.slug()))
                .unwrap_or_default()
        )
    };
    html(DaftarPage {
        k: kepala(&st, None, &t.0),
        baris: rows.iter().map(ringkas).collect(),
        kategori: Kategori::ALL
            .iter()
            .map(|k| (k.slug(), k.label(), Some(*k) == kategori))
            .collect(),
        semua: kategori.is_none(),
        total,
        halaman,
        sebelumnya: (halaman > 1).then(|| tautan(halaman - 1)),
        berikutnya: (u64::from(halaman * PER_HALAMAN) < total).then(|| tautan(halaman + 1)),
        galat: galat_,
    })
}

#[derive(Template)]
#[template(path = "aspirasi_detail.html")]
struct DetailPage {
    k: Kepala,
    a: Ringkas,
    isi: String,
    tahapan: Vec<(&'static str, bool)>,
    ditolak: bool,
    unit: Option<String>,
    tanggapan: Vec<Entri>,
    terkait: Vec<Ringkas>,
    pesan: Option<String>,
    bisa_dukung: bool,
}

/// JAKI's progress bar: which steps are reached.
pub(crate) fn tahapan(s: StatusAspirasi) -> Vec<(&'static str, bool)> {
    let urut = [
        StatusAspirasi::Menunggu,
        StatusAspirasi::Koordinasi,
        StatusAspirasi::Disposisi,
        StatusAspirasi::Proses,
        StatusAspirasi::Selesai,
    ];
    let pos = urut.iter().position(|x| *x == s).unwrap_or(0);
    urut.iter()
        .enumerate()
        .map(|(i, x)| (x.label(), i <= pos))
        .collect()
}

async fn halaman_detail(st: &AppState, t: &Token, nomor: &str, pesan: Option<String>) -> Response {
    let (Some(svc), Ok(n)) = (layanan(st), NomorAspirasi::parse(nomor)) else {
        return tidak_ada(st, t);
    };
    let Ok((a, thread, terkait)) = svc.publik(&n).await else {
        return tidak_ada(st, t);
    };
    html(DetailPage {
        k: kepala(st, None, t),
        isi: a.isi_publik.clone(),
        tahapan: tahapan(a.status),
        ditolak: a.status == StatusAspirasi::Ditolak,
        unit: a.unit.clone(),
        tanggapan: thread.iter().map(entri).collect(),
        terkait: terkait.iter().map(|r| ringkas(&r.aspirasi)).collect(),
        pesan,
        bisa_dukung: !a.status.final_(),
        a: ringkas(&a),
    })
}

/// `GET /aspirasi/{nomor}`: Detail Aspirasi.
async fn detail(State(st): State<AppState>, t: Csrf, Path(nomor): Path<String>) -> Response {
    halaman_detail(&st, &t.0, &nomor, None).await
}

#[derive(Deserialize)]
pub struct Kosong {}

/// `POST /aspirasi/{nomor}/dukung`: "ikut melapor", once per browser.
async fn dukung(
    State(st): State<AppState>,
    t: Csrf,
    Klien(ip): Klien,
    Extension(b): Extension<Arc<BatasAspirasi>>,
    Path(nomor): Path<String>,
    headers: HeaderMap,
    FormulirTamu(_): FormulirTamu<Kosong>,
) -> Response {
    if let Some(r) = batasi(&st, &t.0, &b, ip) {
        return r;
    }
    let (Some(svc), Ok(n)) = (layanan(&st), NomorAspirasi::parse(&nomor)) else {
        return tidak_ada(&st, &t.0);
    };
    let Some(kunci) = crate::csrf::cookie(&headers, crate::csrf::PRA_COOKIE) else {
        return super::formulir::ditolak(&st, &t.0);
    };
    let pesan = match svc.dukung(&n, kunci).await {
        Ok(true) => "Terima kasih, dukungan Anda (ikut melapor) sudah dicatat.",
        Ok(false) => "Dukungan Anda sudah tercatat sebelumnya, atau aspirasi ini sudah ditutup.",
        Err(IssuanceError::NotFound(_)) => return tidak_ada(&st, &t.0),
        Err(_) => "Dukungan belum dapat dicatat; silakan coba lagi nanti.",
    };
    halaman_detail(&st, &t.0, &nomor, Some(pesan.into())).await
}

#[derive(Deserialize, Default)]
pub struct IsianAspirasi {
    #[serde(default)]
    judul: String,
    #[serde(default)]
    isi: String,
    #[serde(default)]
    kategori: String,
    #[serde(default)]
    kelurahan: String,
    #[serde(default)]
    permohonan: String,
    #[serde(default)]
    nik: String,
    #[serde(default)]
    anonim: Option<String>,
    #[serde(default)]
    rahasia: Option<String>,
    #[serde(default)]
    nama: String,
    #[serde(default)]
    telepon: String,
    #[serde(default)]
    email: String,
}

#[derive(Template)]
#[template(path = "aspirasi_baru.html")]
struct BaruPage {
    k: Kepala,
    v: IsianAspirasi,
    kategori: Vec<(&'static str, &'static str)>,
    kelurahan: Vec<(&'static str, String)>,
    galat: Option<String>,
    /// After filing: the tracking number and the access code (shown once).
    diajukan: Option<(String, String)>,
    jawaban_awal: Option<String>,
}

/// The kelurahan of the office's kota (`317201` → `31.72`), by kecamatan.
fn kelurahan_kantor(st: &AppState) -> Vec<(&'static str, String)> {
    let w = sidik_wilayah::Wilayah::get();
    let Some(iss) = st.role.issuance() else {
        return Vec::new();
    };
    let k = iss.kantor.to_string();
    let kota = format!(
        "{}.{}",
        &k[..2.min(k.len())],
        &k[2.min(k.len())..4.min(k.len())]
    );
    let mut out = Vec::new();
    for kec in w.children(&kota) {
        for kel in w.children(kec.kode) {
            out.push((kel.kode, format!("{} (Kec. {})", kel.nama, kec.nama)));
        }
    }
    out
}

fn baru_page(st: &AppState, t: &Token, v: IsianAspirasi) -> BaruPage {
    BaruPage {
        k: kepala(st, None, t),
        v,
        kategori: Kategori::ALL
            .iter()
            .map(|k| (k.slug(), k.label()))
            .collect(),
        kelurahan: kelurahan_kantor(st),
        galat: None,
        diajukan: None,
        jawaban_awal: None,
    }
}

/// `GET /aspirasi/baru[?permohonan=NOMOR]`: the form (the status page links here with
/// the registration number; the NIK is never taken from a URL).
async fn form_baru(
    State(st): State<AppState>,
    t: Csrf,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let nomor = q.get("permohonan").cloned().unwrap_or_default();
    let nomor: String = nomor
        .trim()
        .chars()
        .filter(char::is_ascii_digit)
        .take(27)
        .collect();
    let v = IsianAspirasi {
        kategori: if nomor.is_empty() {
            String::new()
        } else {
            "ktp-el".into()
        },
        permohonan: nomor,
        ..Default::default()
    };
    html(baru_page(&st, &t.0, v))
}

/// `POST /aspirasi/baru`: files an aspiration; shows the tracking number and code.
async fn ajukan(
    State(st): State<AppState>,
    t: Csrf,
    Klien(ip): Klien,
    Extension(b): Extension<Arc<BatasAspirasi>>,
    FormulirTamu(v): FormulirTamu<IsianAspirasi>,
) -> Response {
    if let Some(r) = batasi(&st, &t.0, &b, ip) {
        return r;
    }
    let Some(svc) = layanan(&st) else {
        return tidak_ada(&st, &t.0);
    };
    let ajuan = AjuanAspirasi {
        judul: v.judul.clone(),
        isi: v.isi.clone(),
        kategori: v.kategori.clone(),
        kelurahan: v.kelurahan.clone(),
        permohonan: v.permohonan.clone(),
        nik: v.nik.clone(),
        anonim: v.anonim.is_some(),
        rahasia: v.rahasia.is_some(),
        nama: v.nama.clone(),
        telepon: v.telepon.clone(),
        email: v.email.clone(),
        ..Default::default()
    };
    let pusat = crate::cetak_api::keadaan_pusat(&st);
    match svc.ajukan(ajuan, Sumber::Web, &pusat).await {
        Ok(d) => {
            let jawaban_awal = match svc.lacak(&d.aspirasi.nomor, &d.kode_akses).await {
                Ok((_, thread)) => thread.first().map(|t| t.isi.clone()),
                Err(_) => None,
            };
            let mut p = baru_page(&st, &t.0, IsianAspirasi::default());
            p.diajukan = Some((d.aspirasi.nomor.to_string(), d.kode_akses));
            p.jawaban_awal = jawaban_awal;
            (StatusCode::CREATED, html(p)).into_response()
        }
        Err(e) => {
            let mut v = v;
            v.nik = String::new();
            let mut p = baru_page(&st, &t.0, v);
            p.galat = Some(pesan_galat(&e));
            let status = if matches!(e, IssuanceError::Invalid { .. }) {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::INTERNAL_SERVER_ERROR
            };
            (status, html(p)).into_response()
        }
    }
}

#[derive(Deserialize, Default)]
pub struct IsianLacak {
    #[serde(default)]
    nomor: String,
    #[serde(default)]
    kode: String,
    #[serde(default)]
    isi: String,
    #[serde(default)]
    nilai: String,
}

#[derive(Template)]
#[template(path = "aspirasi_lacak.html")]
struct LacakPage {
    k: Kepala,
    nomor: String,
    kode: String,
    galat: Option<String>,
    pesan: Option<String>,
    hasil: Option<HasilLacak>,
}

struct HasilLacak {
    a: Ringkas,
    judul: String,
    isi: String,
    tahapan: Vec<(&'static str, bool)>,
    ditolak: bool,
    tayang: &'static str,
    tanggapan: Vec<Entri>,
    bisa_balas: bool,
    bisa_nilai: bool,
    nilai: Option<u8>,
}

fn lacak_page(st: &AppState, t: &Token, nomor: String, kode: String) -> LacakPage {
    LacakPage {
        k: kepala(st, None, t),
        nomor,
        kode,
        galat: None,
        pesan: None,
        hasil: None,
    }
}

/// `GET /aspirasi/lacak`: the tracking form.
async fn form_lacak(State(st): State<AppState>, t: Csrf) -> Response {
    html(lacak_page(&st, &t.0, String::new(), String::new()))
}

/// The tracking page's result for a number and code, with `pesan` on top.
async fn hasil_lacak(
    st: &AppState,
    t: &Token,
    q: &IsianLacak,
    pesan: Option<String>,
    galat_: Option<String>,
) -> Response {
    let nomor: String = q.nomor.trim().chars().take(19).collect();
    let kode: String = q.kode.trim().chars().take(32).collect();
    let mut p = lacak_page(st, t, nomor, kode);
    p.pesan = pesan;
    p.galat = galat_;
    let Some(svc) = layanan(st) else {
        return tidak_ada(st, t);
    };
    let n = match NomorAspirasi::parse(&p.nomor) {
        Ok(n) => n,
        Err(m) => {
            p.galat = Some(m);
            return (StatusCode::UNPROCESSABLE_ENTITY, html(p)).into_response();
        }
    };
    match svc.lacak(&n, &p.kode).await {
        Ok((a, thread)) => {
            p.hasil = Some(HasilLacak {
                judul: a.judul.clone(),
                isi: a.isi.clone(),
                tahapan: tahapan(a.status),
                ditolak: a.status == StatusAspirasi::Ditolak,
                tayang: match (a.rahasia, a.moderasi) {
                    (true, _) => "Rahasia: tidak ditayangkan untuk umum.",
                    (false, sidik_store::Moderasi::Tayang) => {
                        "Ditayangkan untuk umum (data pribadi disamarkan)."
                    }
                    (false, sidik_store::Moderasi::Menunggu) => {
                        "Menunggu pemeriksaan petugas sebelum ditayangkan untuk umum."
                    }
                    (false, sidik_store::Moderasi::TidakTayang) => "Tidak ditayangkan untuk umum.",
                },
                tanggapan: thread.iter().map(entri).collect(),
                bisa_balas: !a.status.final_(),
                bisa_nilai: a.status == StatusAspirasi::Selesai && a.nilai.is_none(),
                nilai: a.nilai,
                a: ringkas(&a),
            });
            html(p)
        }
        Err(e) => {
            p.galat = Some(pesan_galat(&e));
            (StatusCode::NOT_FOUND, html(p)).into_response()
        }
    }
}

/// `POST /aspirasi/lacak`: the submitter's view (number and access code).
async fn lacak(
    State(st): State<AppState>,
    t: Csrf,
    Klien(ip): Klien,
    Extension(b): Extension<Arc<BatasAspirasi>>,
    FormulirTamu(q): FormulirTamu<IsianLacak>,
) -> Response {
    if let Some(r) = batasi(&st, &t.0, &b, ip) {
        return r;
    }
    hasil_lacak(&st, &t.0, &q, None, None).await
}

/// `POST /aspirasi/lacak/balas`: the submitter replies.
async fn balas(
    State(st): State<AppState>,
    t: Csrf,
    Klien(ip): Klien,
    Extension(b): Extension<Arc<BatasAspirasi>>,
    FormulirTamu(q): FormulirTamu<IsianLacak>,
) -> Response {
    aksi_pelapor(
        &st,
        &t.0,
        ip,
        &b,
        &q,
        "Balasan Anda sudah dikirim.",
        async |svc, n, q| svc.balas(n, &q.kode, &q.isi).await,
    )
    .await
}

/// `POST /aspirasi/lacak/nilai`: the submitter rates a closed aspiration.
async fn nilai(
    State(st): State<AppState>,
    t: Csrf,
    Klien(ip): Klien,
    Extension(b): Extension<Arc<BatasAspirasi>>,
    FormulirTamu(q): FormulirTamu<IsianLacak>,
) -> Response {
    aksi_pelapor(
        &st,
        &t.0,
        ip,
        &b,
        &q,
        "Terima kasih atas penilaian Anda.",
        async |svc, n, q| svc.nilai(n, &q.kode, &q.nilai).await,
    )
    .await
}

/// A submitter's act on the tracking page: rate-limited, then `aksi` on the aspiration
/// named by the form, then the tracking page with `berhasil` or the error.
async fn aksi_pelapor(
    st: &AppState,
    t: &Token,
    ip: Option<std::net::IpAddr>,
    b: &BatasAspirasi,
    q: &IsianLacak,
    berhasil: &str,
    aksi: impl AsyncFnOnce(&LayananAspirasi, &NomorAspirasi, &IsianLacak) -> Result<(), IssuanceError>,
) -> Response {
    if let Some(r) = batasi(st, t, b, ip) {
        return r;
    }
    let Some(svc) = layanan(st) else {
        return tidak_ada(st, t);
    };
    let Ok(n) = NomorAspirasi::parse(&q.nomor) else {
        return hasil_lacak(st, t, q, None, None).await;
    };
    match aksi(&svc, &n, q).await {
        Ok(()) => hasil_lacak(st, t, q, Some(berhasil.into()), None).await,
        Err(e) => hasil_lacak(st, t, q, None, Some(pesan_galat(&e))).await,
    }
}
