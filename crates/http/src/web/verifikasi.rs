//! The public Suket checker (`/verifikasi`, every role, no login): a bank teller or a
//! police officer pastes the QR text or uploads a photo of the QR. The form is
//! multipart and carries the pre-session `_csrf` token (checked with
//! [`periksa`], like the enrollment form); the text is at most 4096 characters, the
//! image at most 4 MiB; checks are rate limited per client address with
//! [`PembatasVerifikasi`]. An unreadable image or text is a "tidak terbaca" verdict,
//! never an error.

use std::sync::Arc;
use std::time::Instant;

use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use sidik_domain::tanggal::{tanggal_hari, tanggal_wib, waktu_wib};
use sidik_suket::{Verdict, Verification};

use super::formulir::{periksa, Csrf};
use super::layout::{html, kepala, Kepala};
use crate::batas::Klien;
use crate::csrf::{Pemilik, FIELD};
use crate::trust_api::{verify_text, PembatasVerifikasi};
use crate::AppState;

/// Largest QR photo accepted.
pub const FOTO_MAKS: usize = 4 * 1024 * 1024;
/// Longest QR text accepted (characters).
pub const TEKS_MAKS: usize = 4096;
/// The route's body limit: the photo, the text and the form's overhead.
pub const BODY_MAKS: usize = FOTO_MAKS + 64 * 1024;

#[derive(Template)]
#[template(path = "verifikasi.html")]
struct VerifikasiPage {
    k: Kepala,
    galat: Option<String>,
    hasil: Option<Hasil>,
}

struct Hasil {
    verdict: &'static str,
    label: &'static str,
    /// `ok` (green), `peringatan` (amber) or `bahaya` (red).
    warna: &'static str,
    penjelasan: String,
    klaim: Vec<(&'static str, String)>,
    alasan_cabut: Option<String>,
    umur_daftar: Option<String>,
}

fn page(st: &AppState, t: &Csrf) -> VerifikasiPage {
    VerifikasiPage {
        k: kepala(st, None, &t.0),
        galat: None,
        hasil: None,
    }
}

/// `GET /verifikasi`.
pub(super) async fn form(State(st): State<AppState>, t: Csrf) -> Response {
    html(page(&st, &t))
}

fn tolak(st: &AppState, t: &Csrf, status: StatusCode, pesan: String) -> Response {
    let mut p = page(st, t);
    p.galat = Some(pesan);
    (status, html(p)).into_response()
}

/// Why a check could not be read: too large, or broken.
enum Baca {
    TerlaluBesar(String),
    Rusak,
}

/// (token, text, image) of the multipart form, within the limits.
async fn baca(mut mp: Multipart) -> Result<(Option<String>, String, Vec<u8>), Baca> {
    let (mut csrf, mut teks, mut foto) = (None, String::new(), Vec::new());
    let besar =
        |e: &axum::extract::multipart::MultipartError| e.status() == StatusCode::PAYLOAD_TOO_LARGE;
    let foto_besar = || {
        Baca::TerlaluBesar(format!(
            "Foto QR terlalu besar: paling besar {} MiB. Perkecil atau potong foto di sekitar kode QR lalu coba lagi.",
            FOTO_MAKS >> 20
        ))
    };
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if besar(&e) => return Err(foto_besar()),
            Err(_) => return Err(Baca::Rusak),
        };
        let name = field.name().unwrap_or_default().to_string();
        let limit = match name.as_str() {
            "foto" => FOTO_MAKS,
            "teks" => TEKS_MAKS * 4,
            FIELD => 256,
            _ => 0,
        };
        let mut buf = Vec::new();
        let mut field = field;
        loop {
            match field.chunk().await {
                Ok(Some(c)) => {
                    if buf.len() + c.len() > limit {
                        return Err(match name.as_str() {
                            "foto" => foto_besar(),
                            "teks" => teks_panjang(),
                            _ => Baca::Rusak,
                        });
                    }
                    buf.extend_from_slice(&c);
                }
                Ok(None) => break,
                Err(e) if besar(&e) => return Err(foto_besar()),
                Err(_) => return Err(Baca::Rusak),
            }
        }
        match name.as_str() {
            "foto" => foto = buf,
            "teks" => teks = String::from_utf8_lossy(&buf).trim().to_string(),
            _ => csrf = Some(String::from_utf8_lossy(&buf).trim().to_string()),
        }
    }
    if teks.chars().count() > TEKS_MAKS {
        return Err(teks_panjang());
    }
    Ok((csrf, teks, foto))
}

fn teks_panjang() -> Baca {
    Baca::TerlaluBesar(format!(
        "Teks QR terlalu panjang: paling banyak {TEKS_MAKS} karakter. Teks QR Suket yang asli selalu lebih pendek."
    ))
}

/// `POST /verifikasi`.
pub(super) async fn periksa_suket(
    State(st): State<AppState>,
    Extension(batas): Extension<Arc<PembatasVerifikasi>>,
    Klien(ip): Klien,
    t: Csrf,
    headers: HeaderMap,
    mp: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    if let Err(tunggu) = batas.0.check(ip, Instant::now()) {
        let detik = tunggu.as_secs() + 1;
        let mut p = page(&st, &t);
        p.galat = Some(format!(
            "Terlalu banyak pemeriksaan dari alamat jaringan Anda. Silakan coba lagi dalam {detik} detik."
        ));
        let retry = [(header::RETRY_AFTER, detik.to_string())];
        return (StatusCode::TOO_MANY_REQUESTS, retry, html(p)).into_response();
    }
    let rusak = "Formulir tidak lengkap atau rusak. Muat ulang halaman lalu coba lagi.";
    let Ok(mp) = mp else {
        return tolak(&st, &t, StatusCode::BAD_REQUEST, rusak.into());
    };
    let (csrf, teks, foto) = match baca(mp).await {
        Ok(x) => x,
        Err(Baca::TerlaluBesar(m)) => return tolak(&st, &t, StatusCode::PAYLOAD_TOO_LARGE, m),
        Err(Baca::Rusak) => return tolak(&st, &t, StatusCode::BAD_REQUEST, rusak.into()),
    };
    if let Some(refused) = periksa(&st, &headers, &t.0, Pemilik::Tamu, csrf.as_deref()) {
        return refused;
    }
    let qr = if !teks.is_empty() {
        Some(teks)
    } else if !foto.is_empty() {
        tokio::task::spawn_blocking(move || sidik_suket::qr_text_from_image(&foto).ok())
            .await
            .ok()
            .flatten()
    } else {
        let mut p = page(&st, &t);
        p.galat = Some("Isi teks QR atau pilih foto kode QR.".into());
        return (StatusCode::UNPROCESSABLE_ENTITY, html(p)).into_response();
    };
    let v = match qr {
        Some(q) if q.chars().count() <= TEKS_MAKS => match verify_text(&st, &q).await {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!("verifikasi: {e}");
                return tolak(
                    &st,
                    &t,
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Pemeriksaan Suket belum tersedia di kantor ini (daftar kunci dan pencabutan belum diterima dari pusat). Coba lagi nanti.".into(),
                );
            }
        },
        // The photo holds no readable QR (or is not an image at all).
        _ => tidak_terbaca(),
    };
    let mut p = page(&st, &t);
    p.hasil = Some(hasil(&v));
    html(p)
}

fn tidak_terbaca() -> Verification {
    Verification {
        verdict: Verdict::Malformed,
        claims: None,
        kid: None,
        kantor: None,
        list_age_secs: None,
        detail: "no readable QR code in the image".into(),
    }
}

fn penjelasan(v: &Verdict) -> &'static str {
    match v {
        Verdict::Valid => "Suket ini asli, ditandatangani kantor Dukcapil yang terdaftar, belum dicabut dan masih berlaku. Cocokkan data di bawah dengan pemegangnya.",
        Verdict::Expired => "Suket ini asli tetapi masa berlakunya sudah habis. Jangan diterima sebagai pengganti KTP-el.",
        Verdict::Revoked { .. } => "Suket ini sudah dicabut dan tidak berlaku lagi. Jangan diterima sebagai pengganti KTP-el.",
        Verdict::Forged => "Tanda tangan digital tidak cocok: Suket ini palsu atau sudah diubah. Jangan diterima.",
        Verdict::UnknownKey => "Penerbit Suket ini tidak dikenal. Jangan diterima; hubungi kantor Dukcapil.",
        Verdict::Malformed => "Kode QR tidak terbaca atau bukan Suket. Coba pindai ulang dengan cahaya cukup, atau ketik teks di bawah kode QR.",
    }
}

fn hasil(v: &Verification) -> Hasil {
    let warna = match v.verdict {
        Verdict::Valid => "ok",
        Verdict::Expired | Verdict::Malformed => "peringatan",
        _ => "bahaya",
    };
    let alasan_cabut = match &v.verdict {
        Verdict::Revoked { reason, .. } => Some(
            sidik_domain::suket::AlasanCabut::parse(reason)
                .map(|a| a.label().to_string())
                .unwrap_or_else(|| match reason.as_str() {
                    sidik_suket::REASON_KEY_REVOKED => {
                        "Kunci penanda tangan kantor penerbit sudah dicabut".to_string()
                    }
                    _ => "Dicabut oleh kantor penerbit".to_string(),
                }),
        ),
        _ => None,
    };
    let waktu = |s: i64| {
        jiff::Timestamp::from_second(s)
            .map(waktu_wib)
            .unwrap_or_default()
    };
    let klaim = v
        .claims
        .as_ref()
        .map(|c| {
            vec![
                ("NIK", c.nik.clone()),
                ("Nama", c.nama.clone()),
                ("Tanggal lahir", tanggal_hari(c.tanggal_lahir)),
                (
                    "Jenis kelamin",
                    match c.jenis_kelamin {
                        sidik_suket::JenisKelaminClaim::Laki => "Laki-laki",
                        _ => "Perempuan",
                    }
                    .to_string(),
                ),
                ("Alamat", c.alamat.replace('\n', ", ")),
                ("Nomor Suket", c.nomor_suket.clone()),
                ("Nomor registrasi", c.nomor_registrasi.clone()),
                ("Kantor penerbit", c.kantor.clone()),
                ("Diterbitkan", waktu(c.diterbitkan)),
                (
                    "Berlaku hingga",
                    jiff::Timestamp::from_second(c.berlaku_hingga)
                        .map(|t| tanggal_hari(tanggal_wib(t)))
                        .unwrap_or_default(),
                ),
            ]
        })
        .unwrap_or_default();
    Hasil {
        verdict: v.verdict.slug(),
        label: v.verdict.label_id(),
        warna,
        penjelasan: penjelasan(&v.verdict).into(),
        klaim,
        alasan_cabut,
        umur_daftar: v.list_age_secs.map(|s| {
            format!(
                "Daftar pencabutan diperbarui {} menit yang lalu.",
                s.max(0) / 60
            )
        }),
    }
}
