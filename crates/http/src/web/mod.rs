//! Server-rendered pages in Bahasa Indonesia, per role. Modules depend on
//! [`layout`] and [`formulir`] (forms: CSRF token, size limit) only, never on each
//! other.

use axum::routing::{get, post};
use axum::Router;

use crate::AppState;

mod akun;
mod aspirasi;
mod cetak;
mod dokumen;
mod formulir;
mod layout;
mod penduduk;
mod pengumuman;
mod permohonan;
mod pusat;
mod sinkron;
mod status;
mod suket;
mod verifikasi;

pub(crate) use layout::centre_down_since;

/// Pages of an office (standalone and office roles).
pub fn office_routes() -> Router<AppState> {
    Router::new()
        .route("/", get(akun::beranda))
        .route("/masuk", akun::masuk_routes())
        .route("/keluar", post(akun::keluar))
        .route("/penduduk", get(penduduk::penduduk))
        .route("/permohonan", get(permohonan::daftar))
        .route(
            "/permohonan/baru",
            get(permohonan::rekam_form).post(permohonan::rekam),
        )
        .route("/permohonan/{nomor}", get(permohonan::detail))
        .route("/permohonan/{nomor}/cek", post(permohonan::cek))
        .route("/permohonan/{nomor}/aksi", post(permohonan::aksi))
        .route(
            "/permohonan/{nomor}/gambar/{jenis}",
            get(permohonan::gambar),
        )
        .route(
            "/permohonan/{nomor}/tanda-terima.pdf",
            get(dokumen::tanda_terima),
        )
        .route("/permohonan/{nomor}/suket.pdf", get(dokumen::suket))
        .route("/permohonan/{nomor}/suket/terbit", post(suket::terbit))
        .route("/permohonan/{nomor}/suket/cabut", post(suket::cabut))
        .route("/cetak", get(cetak::cetak))
        .route("/cetak/printer", post(cetak::printer))
        .route("/cetak/blanko/terima", post(cetak::blanko_terima))
        .route("/cetak/blanko/jadwal", post(cetak::blanko_jadwal))
        .route("/cetak/blanko/rusak", post(cetak::blanko_rusak))
        .route("/cetak/batch", post(cetak::batch))
        .route("/cetak/batch/{nomor_batch}/kartu.pdf", get(dokumen::kartu))
        .route(
            "/cetak/batch/{nomor_batch}/lembar.pdf",
            get(dokumen::lembar),
        )
        .route("/cetak/batch/{nomor_batch}/rusak", post(cetak::rusak))
        .route("/verifikasi", verifikasi_route())
        .route("/sinkron", get(sinkron::sinkron))
        .route(
            "/status",
            get(status::status_form).post(status::status_warga),
        )
        .merge(aspirasi::routes())
        .merge(pengumuman::routes())
        .fallback(akun::tidak_ditemukan)
        .layer(axum::middleware::from_fn(crate::csrf::pra_sesi))
}

/// The public Suket checker, with a body limit that fits a 4 MiB photo.
fn verifikasi_route() -> axum::routing::MethodRouter<AppState> {
    get(verifikasi::form)
        .post(verifikasi::periksa_suket)
        .layer(axum::extract::DefaultBodyLimit::max(verifikasi::BODY_MAKS))
}

/// The citizen status lookup's rate limiter (see [`status`]); `burst` raises the
/// lookups a client may make at once (load tests).
pub fn status_limiter(burst: Option<u32>) -> crate::batas::Pembatas {
    status::limiter(burst)
}

/// Pages of the central node.
pub fn centre_routes() -> Router<AppState> {
    Router::new()
        .route("/", get(akun::beranda))
        .route("/masuk", akun::masuk_routes())
        .route("/keluar", post(akun::keluar))
        .route("/pusat", get(pusat::pusat))
        .route(
            "/pusat/permohonan/{nomor}/adjudikasi",
            post(pusat::adjudikasi),
        )
        .route("/verifikasi", verifikasi_route())
        .fallback(akun::tidak_ditemukan)
        .layer(axum::middleware::from_fn(crate::csrf::pra_sesi))
}
