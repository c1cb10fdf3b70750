//! Server-rendered pages in Bahasa Indonesia, per role. Modules depend on
//! [`layout`] and [`formulir`] (forms: CSRF token, size limit) only, never on each
//! other.

use axum::routing::{get, post};
use axum::Router;

use crate::AppState;

mod akun;
mod formulir;
mod layout;
mod penduduk;
mod permohonan;
mod pusat;
mod sinkron;
mod status;

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
        .route("/sinkron", get(sinkron::sinkron))
        .route(
            "/status",
            get(status::status_form).post(status::status_warga),
        )
        .fallback(akun::tidak_ditemukan)
        .layer(axum::middleware::from_fn(crate::csrf::pra_sesi))
}

/// The citizen status lookup's rate limiter (see [`status`]).
pub fn status_limiter() -> crate::batas::Pembatas {
    status::limiter()
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
        .fallback(akun::tidak_ditemukan)
        .layer(axum::middleware::from_fn(crate::csrf::pra_sesi))
}
