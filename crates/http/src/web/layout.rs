//! What every page shares: rendering, the header ([`Kepala`]), Indonesian error texts
//! and the error page.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use sidik_store::User;

use crate::csrf::{Pemilik, Token};
use crate::{ApiError, AppState, Role};

/// Indonesian text for an error code, for officers.
pub(crate) fn pesan(e: &ApiError) -> String {
    let ringkas = match e.code {
        "invalid_nik" => "NIK tidak valid",
        "nik_not_registered" => "NIK tidak terdaftar dalam database kependudukan",
        "unknown_kelurahan" => "Kode kelurahan tidak dikenal",
        "biodata_mismatch" => "Biodata tidak cocok dengan database kependudukan",
        "under_age" => "Pemohon belum wajib KTP (belum 17 tahun dan belum pernah kawin)",
        "open_application_exists" => "NIK ini masih memiliki permohonan yang belum selesai",
        "index_finger_missing" => "Kedua jari telunjuk wajib direkam, atau dicatat pengecualiannya",
        "too_large" => "Berkas terlalu besar",
        "invalid_template" => "Templat sidik jari bukan rekaman ISO/IEC 19794-2 yang sah",
        "invalid_biometrics" => "Data biometrik tidak lengkap atau tidak sah",
        "invalid_transition" | "stale_state" => {
            "Tindakan tidak dapat dilakukan pada status permohonan saat ini"
        }
        "forbidden" => "Peran Anda tidak berwenang melakukan tindakan ini",
        "unauthorized" => "Nama pengguna atau kata sandi salah",
        "too_many_attempts" => "Terlalu banyak percobaan masuk yang gagal; coba lagi dalam 5 menit",
        "busy" => "Server sedang sibuk; coba lagi sebentar lagi",
        "idempotency_key_reused" => "Kunci idempotensi sudah dipakai untuk permintaan lain",
        "not_found" => "Data tidak ditemukan",
        "bad_query" => "Filter tidak valid",
        "bad_multipart" => "Formulir tidak lengkap atau rusak",
        "invalid_reason" => "Alasan tidak sah (paling banyak 500 karakter, tanpa karakter kendali)",
        "internal" => "Terjadi kesalahan sistem; hubungi admin",
        _ => "Permintaan tidak dapat diproses",
    };
    format!("{ringkas}. Rincian: {}", e.message)
}

pub(crate) fn html<T: Template>(t: T) -> Response {
    match t.render() {
        Ok(s) => Html(s).into_response(),
        Err(e) => {
            tracing::error!("template: {e}");
            (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response()
        }
    }
}

/// Header data shared by every page.
pub struct Kepala {
    pub user: Option<(String, &'static str)>,
    pub kantor: String,
    pub demo: bool,
    /// Office role: show the sync page link.
    pub office_node: bool,
    /// Centre role: the centre's navigation.
    pub centre_node: bool,
    /// Outage notice for officers, if the centre is unreachable.
    pub gangguan: Option<String>,
    /// The CSRF token of the page's forms (the session's for an officer, the
    /// pre-session's otherwise).
    pub csrf: String,
}

/// Since when the centre is unreachable, as this office sees it.
pub(crate) fn centre_down_since(st: &AppState) -> Option<jiff::Timestamp> {
    st.role.sync_view()?.health.snapshot().down_since
}

pub(crate) fn kepala(st: &AppState, u: Option<&User>, t: &Token) -> Kepala {
    Kepala {
        csrf: t.for_form(if u.is_some() {
            Pemilik::Sesi
        } else {
            Pemilik::Tamu
        }),
        user: u.map(|u| (u.username.to_string(), u.peran.slug())),
        kantor: st.info.nama_kantor.clone(),
        demo: st.info.demo,
        office_node: matches!(st.role, Role::Office(..)),
        centre_node: matches!(st.role, Role::Centre(_)),
        gangguan: u.and(centre_down_since(st)).map(|t| {
            format!(
                "Sistem pusat tidak terjangkau sejak {}. Perekaman, pemeriksaan lokal, dan pencetakan kartu yang sudah disetujui tetap berjalan; data tersimpan aman dan dikirim otomatis saat pusat pulih.",
                sidik_domain::tanggal::waktu_wib(t)
            )
        }),
    }
}

#[derive(Template)]
#[template(path = "galat.html")]
pub(crate) struct GalatPage {
    pub k: Kepala,
    pub judul: String,
    pub pesan: String,
    /// Where the page's link leads back to.
    pub kembali: &'static str,
}

/// An error page with `status`.
pub(crate) fn galat(
    st: &AppState,
    u: Option<&User>,
    t: &Token,
    status: StatusCode,
    judul: &str,
    pesan: String,
) -> Response {
    (
        status,
        html(GalatPage {
            k: kepala(st, u, t),
            judul: judul.into(),
            pesan,
            kembali: if u.is_some() { home(st) } else { "/" },
        }),
    )
        .into_response()
}

/// Where an officer lands after logging in.
pub(crate) fn home(st: &AppState) -> &'static str {
    match st.role {
        Role::Centre(_) => "/pusat",
        Role::Standalone(_) | Role::Office(..) => "/permohonan",
    }
}
