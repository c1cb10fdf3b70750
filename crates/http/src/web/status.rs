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
use sidik_domain::tanggal::waktu_wib;
use sidik_domain::{Permohonan, Status};
use sidik_store::StatusKirim;
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

/// The status lookup's rate limiter (one per router).
pub fn limiter() -> Pembatas {
    Pembatas::new(LOOKUP_CLIENTS, LOOKUP_BURST, LOOKUP_INTERVAL)
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
}

struct StatusWarga {
    nama: String,
    status: String,
    direkam: String,
    pesan: Vec<String>,
    gangguan: Option<String>,
    /// The ETA sentence.
    perkiraan: Option<String>,
    /// "Suket berlaku sampai …" / "Suket dicabut: …".
    suket: Option<String>,
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
    let found = iss.get(&page.nomor).await.ok();
    if !cocok(found.as_ref(), &page.nomor, &page.nik) {
        page.galat = Some(tidak_ada);
        return html(page);
    }
    let Some(p) = found else {
        return html(page);
    };
    let (pesan, gangguan) = pesan_status(&st, &p).await;
    let perkiraan = iss
        .perkiraan(&p, &crate::cetak_api::keadaan_pusat(&st))
        .await
        .ok()
        .filter(|e| *e != sidik_domain::eta::Perkiraan::TidakBerlaku)
        .map(|e| e.kalimat());
    page.hasil = Some(StatusWarga {
        nama: samarkan(&p.nama),
        status: p.status.label().to_string(),
        direkam: waktu_wib(p.dibuat),
        pesan,
        gangguan,
        perkiraan,
        suket: keadaan_suket(&iss, p.nomor.as_str()).await,
    });
    html(page)
}

/// The state of the applicant's latest Suket, in one sentence.
async fn keadaan_suket(iss: &sidik_issuance::Issuance, nomor: &str) -> Option<String> {
    use sidik_domain::suket::{AlasanCabut, StatusSuket};
    let s = iss.suket_of(nomor).await.ok()?.into_iter().last()?;
    match s.status {
        StatusSuket::Aktif => Some(format!(
            "Suket berlaku sampai {}.",
            sidik_domain::tanggal::tanggal_hari(sidik_domain::tanggal::tanggal_wib(
                s.suket.berlaku_hingga
            ))
        )),
        StatusSuket::Dicabut => Some(format!(
            "Suket dicabut: {}.",
            s.alasan
                .as_deref()
                .and_then(AlasanCabut::parse)
                .map_or("dicabut oleh kantor penerbit", |a| a.label())
        )),
        StatusSuket::Diganti => None,
    }
}

/// What the citizen is told about an application's state (and the outage, if any).
async fn pesan_status(st: &AppState, p: &Permohonan) -> (Vec<String>, Option<String>) {
    let mut pesan = Vec::new();
    let mut gangguan = None;
    let kirim = match st.role.sync_view() {
        Some(v) => v.sync.outbox_of(p.nomor.as_str()).await.ok().flatten(),
        None => None,
    };
    match p.status {
        Status::Direkam | Status::Dikirim => {
            match kirim.as_ref().map(|k| k.status) {
                Some(StatusKirim::Menunggu) => {
                    pesan.push("Data perekaman Anda menunggu sinkronisasi ke pusat data untuk verifikasi ketunggalan.".into());
                    if let Some(t) = centre_down_since(st) {
                        gangguan = Some(format!(
                            "Sistem pusat sedang gangguan sejak {}; data Anda tersimpan aman dan akan diproses otomatis.",
                            waktu_wib(t)
                        ));
                    }
                }
                Some(StatusKirim::Terkirim) => pesan.push("Data Anda sudah diterima pusat dan sedang dalam verifikasi ketunggalan.".into()),
                Some(StatusKirim::Karantina) => pesan.push("Data Anda perlu diperbaiki oleh petugas. Silakan hubungi kantor tempat Anda merekam.".into()),
                None => pesan.push("Data Anda sedang dalam verifikasi ketunggalan.".into()),
            }
        }
        Status::Tunggal | Status::SiapCetak => pesan.push("Verifikasi selesai. KTP-el Anda dalam antrean cetak; Anda akan diberi tahu saat kartu siap diambil.".into()),
        Status::Ganda => pesan.push("Data Anda memerlukan pemeriksaan lanjutan oleh petugas verifikasi. Petugas akan menghubungi Anda; Anda tidak perlu merekam ulang.".into()),
        Status::Dicetak => pesan.push(format!("KTP-el Anda sudah dicetak dan dapat diambil di kantor {} dengan membawa tanda terima perekaman.", st.info.nama_kantor)),
        Status::Diserahkan => pesan.push("KTP-el Anda sudah diserahkan.".into()),
        Status::Ditolak => pesan.push("Permohonan Anda tidak dapat diproses. Silakan datang ke kantor Dukcapil untuk penjelasan.".into()),
    }
    (pesan, gangguan)
}
