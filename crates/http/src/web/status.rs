//! The citizen's status lookup, with an honest outage notice. Never names anyone
//! else.
//!
//! The lookup is a POST (the number and the NIK stay out of URLs, browser history and
//! proxy logs); `GET /status` shows the form, and a GET that still carries `nomor` or
//! `nik` in its query looks nothing up: it shows the empty form with a notice. Lookups
//! are rate limited per client address (the connection's, never a header), the pair
//! is compared in constant time and an unknown number answers exactly like a number
//! with another NIK. The name is masked without revealing word lengths.

use std::sync::Arc;
use std::time::{Duration, Instant};

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use serde::Deserialize;
use sidik_domain::kabar::{keterangan, Keterangan, Pengiriman, Tahap};
use sidik_domain::tanggal::{tanggal_hari, tanggal_wib, waktu_wib};
use sidik_domain::Permohonan;
use sidik_store::{LihatStatus, StatusKirim, SuketTersimpan};
use subtle::ConstantTimeEq;

use super::formulir::{Csrf, FormulirTamu};
use super::layout::{centre_down_since, html, kepala, Kepala};
use crate::auth::Desk;
use crate::batas::{Klien, Pembatas};
use crate::AppState;

/// Lookups a client address may make at once, then one per [`LOOKUP_INTERVAL`].
pub const LOOKUP_BURST: u32 = 10;
pub const LOOKUP_INTERVAL: Duration = Duration::from_secs(6);
/// Client addresses the limiter remembers (bounded memory).
pub const LOOKUP_CLIENTS: usize = 1024;

/// The status lookup's rate limiter (one per router); `burst` replaces
/// [`LOOKUP_BURST`] (load tests only).
pub fn limiter(burst: Option<u32>) -> Pembatas {
    Pembatas::new(
        LOOKUP_CLIENTS,
        burst.unwrap_or(LOOKUP_BURST).max(1),
        LOOKUP_INTERVAL,
    )
}

#[derive(Deserialize)]
pub struct CariStatus {
    #[serde(default)]
    nomor: String,
    #[serde(default)]
    nik: String,
}

#[derive(Template)]
#[template(path = "status.html")]
struct StatusPage {
    k: Kepala,
    nomor: String,
    nik: String,
    pemberitahuan: Option<String>,
    galat: Option<String>,
    hasil: Option<StatusWarga>,
    kantor: KantorWarga,
}

/// The office as citizens need it.
struct KantorWarga {
    nama: String,
    alamat: String,
    jam: String,
    kontak: String,
}

struct StatusWarga {
    nama: String,
    /// The stage's stable name (`siap-diambil`, …).
    tahap: &'static str,
    keterangan: Keterangan,
    direkam: String,
    /// The centre's outage, with its start.
    gangguan: Option<String>,
    /// The ETA sentence.
    perkiraan: Option<String>,
    /// "Suket berlaku sampai …" / "Suket dicabut: …".
    suket: Option<String>,
    /// Notices for the applicant's area: (title, date, text).
    pengumuman: Vec<(String, String, String)>,
    /// `/aspirasi/baru?permohonan=…`.
    aspirasi: String,
}

/// The first letter of every word and a fixed `***`: no word lengths.
fn samarkan(nama: &str) -> String {
    nama.split_whitespace()
        .filter_map(|w| w.chars().next())
        .map(|f| format!("{f}***"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether the application found under `nomor` (if any) has this number and NIK, in
/// constant time: a missing application and a different NIK take the same path.
/// `nomor` (27 digits) and `nik` (16 digits) are already checked.
fn cocok(p: Option<&Permohonan>, nomor: &str, nik: &str) -> bool {
    let mut given = [0u8; 43];
    let mut stored = [0u8; 43];
    given[..27].copy_from_slice(nomor.as_bytes());
    given[27..].copy_from_slice(nik.as_bytes());
    let found = p.filter(|p| p.nomor.as_str().len() == 27 && p.nik.as_str().len() == 16);
    if let Some(p) = found {
        stored[..27].copy_from_slice(p.nomor.as_str().as_bytes());
        stored[27..].copy_from_slice(p.nik.as_str().as_bytes());
    }
    bool::from(given.ct_eq(&stored) & subtle::Choice::from(found.is_some() as u8))
}

fn page(st: &AppState, t: &Csrf, nomor: String, nik: String) -> StatusPage {
    StatusPage {
        k: kepala(st, None, &t.0),
        nomor,
        nik,
        pemberitahuan: None,
        galat: None,
        hasil: None,
        kantor: KantorWarga {
            nama: st.info.nama_kantor.clone(),
            alamat: st.info.alamat_kantor.clone(),
            jam: st.info.jam_layanan.clone(),
            kontak: st.info.kontak_kantor.clone(),
        },
    }
}

/// `GET /status`: the form. Numbers in the query are not looked up (nor shown again).
pub(super) async fn status_form(
    State(st): State<AppState>,
    Desk(_): Desk,
    t: Csrf,
    RawQuery(q): RawQuery,
) -> Response {
    let mut p = page(&st, &t, String::new(), String::new());
    if q.is_some_and(|q| !q.is_empty()) {
        p.pemberitahuan = Some("Demi keamanan data Anda, nomor registrasi dan NIK tidak lagi dapat dikirim melalui alamat halaman (URL), dan tidak ada pencarian yang dilakukan. Isi formulir di bawah ini lalu tekan \u{201c}Cek status\u{201d}.".into());
    }
    html(p)
}

/// `POST /status`: the citizen's lookup. Both the registration number and the NIK
/// must match, and the answer never names anyone else (no candidates, no reasons that
/// may cite others).
pub(super) async fn status_warga(
    State(st): State<AppState>,
    Desk(iss): Desk,
    Klien(ip): Klien,
    t: Csrf,
    Extension(batas): Extension<Arc<Pembatas>>,
    FormulirTamu(q): FormulirTamu<CariStatus>,
) -> Response {
    let mut page = page(
        &st,
        &t,
        q.nomor.trim().to_string(),
        q.nik.trim().to_string(),
    );
    if let Err(tunggu) = batas.check(ip, Instant::now()) {
        let detik = tunggu.as_secs() + 1;
        page.galat = Some(format!(
            "Terlalu banyak permintaan cek status dari alamat jaringan Anda. Demi keamanan data warga, silakan coba lagi dalam {detik} detik."
        ));
        let retry = [(header::RETRY_AFTER, detik.to_string())];
        return (StatusCode::TOO_MANY_REQUESTS, retry, html(page)).into_response();
    }
    if page.nomor.is_empty() && page.nik.is_empty() {
        return html(page);
    }
    let tidak_ada = "Data tidak ditemukan. Periksa kembali nomor registrasi (27 angka, tertera pada tanda terima perekaman) dan NIK Anda.".to_string();
    if page.nomor.len() != 27 || !page.nomor.bytes().all(|b| b.is_ascii_digit()) {
        page.galat = Some(
            "Nomor registrasi harus 27 angka, seperti tertera pada tanda terima perekaman.".into(),
        );
        page.nomor = page.nomor.chars().take(27).collect();
        return html(page);
    }
    if page.nik.len() != 16 || !page.nik.bytes().all(|b| b.is_ascii_digit()) {
        page.galat = Some("NIK harus 16 angka.".into());
        page.nik = page.nik.chars().take(16).collect();
        return html(page);
    }
    // One store call reads the application with everything the page says about it.
    let found = iss.store.status_lookup(&page.nomor).await.ok().flatten();
    if !cocok(
        found.as_ref().map(|l| &l.permohonan),
        &page.nomor,
        &page.nik,
    ) {
        page.galat = Some(tidak_ada);
        return html(page);
    }
    let Some(l) = found else {
        return html(page);
    };
    page.hasil = Some(hasil(&st, &iss, l).await);
    html(page)
}

/// Everything the citizen is told about their application.
async fn hasil(st: &AppState, iss: &sidik_issuance::Issuance, l: LihatStatus) -> StatusWarga {
    let p = &l.permohonan;
    let tahap = Tahap::dari(p.status, pengiriman(st, l.kiriman));
    let perkiraan = iss
        .perkiraan_dengan(p.status, l.didahului, &crate::cetak_api::keadaan_pusat(st))
        .await
        .ok()
        .filter(|e| *e != sidik_domain::eta::Perkiraan::TidakBerlaku)
        .map(|e| e.kalimat());
    let gangguan = centre_down_since(st).map(|t| {
        format!(
            "Sistem pusat sedang gangguan sejak {}: kantor kami tidak dapat terhubung ke pusat data kependudukan. Perekaman tetap dilayani; data Anda tersimpan aman dan akan diproses otomatis saat pusat pulih. Pemeriksaan dan pencetakan kartu baru menunggu pusat pulih.",
            waktu_wib(t)
        )
    });
    let pengumuman = iss
        .store
        .pengumuman_untuk(&p.kelurahan, l.rt_rw, 5)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|n| (n.judul, tanggal_hari(tanggal_wib(n.terbit)), n.isi))
        .collect();
    StatusWarga {
        nama: samarkan(&p.nama),
        tahap: tahap.slug(),
        keterangan: keterangan(tahap, &st.info.nama_kantor),
        direkam: waktu_wib(p.dibuat),
        gangguan,
        perkiraan,
        suket: l.suket.as_ref().and_then(keadaan_suket),
        pengumuman,
        aspirasi: format!("/aspirasi/baru?permohonan={}", p.nomor),
    }
}

/// Where the application's packet stands (office nodes; a standalone office has none).
fn pengiriman(st: &AppState, kiriman: Option<StatusKirim>) -> Pengiriman {
    if st.role.sync_view().is_none() {
        return Pengiriman::TidakAda;
    }
    match kiriman {
        Some(StatusKirim::Menunggu) => Pengiriman::Menunggu,
        Some(StatusKirim::Terkirim) => Pengiriman::Diterima,
        Some(StatusKirim::Karantina) => Pengiriman::Karantina,
        None => Pengiriman::TidakAda,
    }
}

/// The state of the applicant's latest Suket, in one sentence (a citizen's words: no
/// "ganda").
fn keadaan_suket(s: &SuketTersimpan) -> Option<String> {
    use sidik_domain::suket::{AlasanCabut, StatusSuket};
    match s.status {
        StatusSuket::Aktif => Some(format!(
            "Suket (surat keterangan pengganti KTP-el) Anda berlaku sampai {}.",
            tanggal_hari(tanggal_wib(s.suket.berlaku_hingga))
        )),
        StatusSuket::Dicabut => Some(format!(
            "Suket Anda tidak berlaku lagi: {}.",
            match s.alasan.as_deref().and_then(AlasanCabut::parse) {
                Some(AlasanCabut::Diserahkan) => "KTP-el sudah diserahkan kepada Anda",
                Some(AlasanCabut::Ganda) => "permohonan memerlukan pemeriksaan lanjutan",
                Some(AlasanCabut::Ditolak) => "permohonan tidak dapat diproses",
                Some(AlasanCabut::Petugas) | None => "dicabut oleh kantor penerbit",
            }
        )),
        StatusSuket::Diganti => None,
    }
}
