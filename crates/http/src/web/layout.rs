//! What every page shares: rendering, the header ([`Kepala`]), Indonesian error texts
//! and the error page.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use sidik_store::User;

use crate::csrf::{Pemilik, Token};
use crate::{ApiError, AppState, Role};

/// Indonesian text for an error code, for officers: the whole message is in Bahasa
/// Indonesia (the API's `message` is English for most codes, so pages never show it;
/// the codes whose message the domain writes in Indonesian add it as the detail).
pub(crate) fn pesan(e: &ApiError) -> String {
    let ringkas = match e.code {
        "invalid_nik" => "NIK tidak valid: harus 16 angka dengan kode wilayah dan tanggal lahir yang sah",
        "nik_not_registered" => "NIK tidak terdaftar dalam database kependudukan",
        "unknown_kelurahan" => "Kode kelurahan tidak dikenal",
        "biodata_mismatch" => "Biodata tidak cocok dengan database kependudukan (kelurahan atau nama); perbarui Kartu Keluarga lebih dulu",
        "under_age" => "Pemohon belum wajib KTP (belum 17 tahun dan belum pernah kawin)",
        "open_application_exists" => "NIK ini masih memiliki permohonan yang belum selesai",
        "index_finger_missing" => "Kedua jari telunjuk wajib direkam, atau dicatat pengecualiannya",
        "too_large" => "Berkas terlalu besar",
        "invalid_template" => "Templat sidik jari bukan rekaman ISO/IEC 19794-2 yang sah",
        "invalid_biometrics" => "Data biometrik tidak lengkap atau tidak sah",
        "invalid_transition" | "stale_state" => {
            "Tindakan tidak dapat dilakukan pada status permohonan saat ini"
        }
        "decided_by_centre" => "Di kantor yang terhubung ke pusat, keputusan ini diambil oleh pusat",
        "use_check" => "Hasil verifikasi hanya berasal dari langkah pemeriksaan ketunggalan",
        "forbidden" => "Peran Anda tidak berwenang melakukan tindakan ini",
        "unauthorized" => "Nama pengguna atau kata sandi salah",
        "too_many_attempts" => "Terlalu banyak percobaan masuk yang gagal; coba lagi dalam 5 menit",
        "busy" => "Server sedang sibuk; coba lagi sebentar lagi",
        "idempotency_key_reused" => "Kunci idempotensi sudah dipakai untuk permintaan lain",
        "invalid_idempotency_key" => "Kunci idempotensi paling banyak 128 karakter yang dapat dicetak",
        "not_found" => "Data tidak ditemukan",
        "bad_query" => "Filter tidak valid",
        "bad_multipart" => "Formulir tidak lengkap atau rusak",
        "invalid_reason" => "Alasan tidak sah (paling banyak 500 karakter, tanpa karakter kendali)",
        "invalid_need" => "Keperluan mendesak tidak dikenal (SIM, STNK, paspor, sekolah atau bank)",
        "invalid_need_date" => "Tanggal dibutuhkan wajib diisi untuk keperluan mendesak, dengan tanggal yang sah dan tidak lewat",
        "print_refused" | "not_enough_blanks" => "Pencetakan ditolak: blanko kartu tidak cukup atau data cetak tidak sah",
        "no_printer_capacity" => "Kapasitas mesin cetak hari ini sudah habis atau tidak ada mesin cetak aktif",
        "suket_not_allowed" => "Suket tidak dapat diterbitkan untuk permohonan pada status ini",
        "suket_active" => "Permohonan ini sudah memiliki Suket yang berlaku",
        "suket_not_active" => "Tidak ada Suket yang berlaku untuk permohonan ini",
        "weak_password" => "Kata sandi terlalu lemah",
        "user_exists" => "Nama pengguna sudah dipakai",
        "invalid_username" => "Nama pengguna tidak sah (3-32 karakter a-z, 0-9, titik, garis bawah, tanda hubung)",
        "invalid_contact" => "Kontak pemohon tidak dapat dicatat",
        "invalid_area" => "Wilayah pengumuman tidak sah",
        "invalid_notice" => "Pengumuman tidak lengkap",
        "internal" => "Terjadi kesalahan sistem; hubungi admin",
        _ => "Permintaan tidak dapat diproses",
    };
    match e.code {
        // These messages are written in Indonesian by the domain.
        "invalid_contact" | "invalid_area" | "invalid_notice" => {
            format!("{ringkas}. {}", e.message)
        }
        _ => format!("{ringkas}."),
    }
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
