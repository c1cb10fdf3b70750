//! The citizen's status lookup, with an honest outage notice. Never names anyone
//! else.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use sidik_domain::tanggal::waktu_wib;
use sidik_domain::Status;
use sidik_store::StatusKirim;

use super::formulir::Csrf;
use super::layout::{centre_down_since, html, kepala, Kepala};
use crate::auth::Desk;
use crate::AppState;

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
    galat: Option<String>,
    hasil: Option<StatusWarga>,
}

struct StatusWarga {
    nama: String,
    status: String,
    direkam: String,
    pesan: Vec<String>,
    gangguan: Option<String>,
}

fn samarkan(nama: &str) -> String {
    nama.split_whitespace()
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => format!("{f}{}", "*".repeat(c.count())),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Citizen status lookup: both the registration number and the NIK must match, and the
/// answer never names anyone else (no candidates, no reasons that may cite others).
pub(super) async fn status_warga(
    State(st): State<AppState>,
    Desk(iss): Desk,
    Csrf(t): Csrf,
    Query(q): Query<CariStatus>,
) -> Response {
    let mut page = StatusPage {
        k: kepala(&st, None, &t),
        nomor: q.nomor.trim().to_string(),
        nik: q.nik.trim().to_string(),
        galat: None,
        hasil: None,
    };
    if page.nomor.is_empty() && page.nik.is_empty() {
        return html(page);
    }
    let tidak_ada = "Data tidak ditemukan. Periksa kembali nomor registrasi (27 angka, tertera pada tanda terima perekaman) dan NIK Anda.".to_string();
    if page.nomor.len() != 27 || !page.nomor.bytes().all(|b| b.is_ascii_digit()) {
        page.galat = Some(
            "Nomor registrasi harus 27 angka, seperti tertera pada tanda terima perekaman.".into(),
        );
        return html(page);
    }
    if page.nik.len() != 16 || !page.nik.bytes().all(|b| b.is_ascii_digit()) {
        page.galat = Some("NIK harus 16 angka.".into());
        return html(page);
    }
    let p = match iss.get(&page.nomor).await {
        Ok(p) if p.nik.as_str() == page.nik => p,
        _ => {
            page.galat = Some(tidak_ada);
            return html(page);
        }
    };
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
                    if let Some(t) = centre_down_since(&st) {
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
    page.hasil = Some(StatusWarga {
        nama: samarkan(&p.nama),
        status: p.status.label().to_string(),
        direkam: waktu_wib(p.dibuat),
        pesan,
        gangguan,
    });
    html(page)
}
