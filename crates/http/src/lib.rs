//! Sidik's HTTP surface. Only this crate knows HTTP, HTML and JSON.
//!
//! - `/api/v1/...`: the JSON API (bearer token or session cookie), see [`openapi`].
//! - `/`, `/masuk`, `/permohonan...`: server-rendered officer pages in Bahasa Indonesia.

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::Router;
use sidik_issuance::akun::Akun;
use sidik_issuance::Issuance;

mod api;
mod auth;
mod error;
pub mod openapi;
pub mod sync_api;
mod views;
mod web;
mod web_sync;

pub use error::ApiError;
pub use sync_api::{HttpCentreLink, SyncView};

/// Extra information shown on pages.
#[derive(Clone, Default)]
pub struct Info {
    /// Demo mode: pages offer synthetic biometrics for a quick enrollment.
    pub demo: bool,
    /// Name of the office shown in the header.
    pub nama_kantor: String,
}

/// Synthetic biometrics for demo enrollments: (fingers, face JPEG/PNG, signature).
pub type DemoBiometrik = dyn Fn(u64) -> (Vec<(u8, Vec<u8>)>, Vec<u8>, Vec<u8>) + Send + Sync;

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    pub issuance: Issuance,
    pub akun: Akun,
    pub info: Info,
    pub demo_biometrik: Option<Arc<DemoBiometrik>>,
    /// Central role: the centre's services (the router then serves the centre's API).
    pub pusat: Option<Arc<sidik_sync::Centre>>,
    /// Office role: the sync state shown to officers and citizens.
    pub sinkron: Option<SyncView>,
}

/// Largest request body accepted (an enrollment with 10 templates and two images).
pub const MAX_BODY: usize = 4 * 1024 * 1024;

/// The whole application router of the node's role.
pub fn router(state: AppState) -> Router {
    let r = if state.pusat.is_some() {
        Router::new()
            .nest(
                "/api/v1",
                api::account_routes().merge(sync_api::central_routes()),
            )
            .merge(web::central_routes())
    } else {
        Router::new()
            .nest("/api/v1", api::routes().merge(sync_api::office_routes()))
            .merge(web::routes())
    };
    r.route("/metrics", axum::routing::get(sync_api::metrics))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::map_response(security_headers))
        .with_state(state)
}

/// Headers every response carries: no framing, no MIME sniffing, no referrer leaks,
/// scripts and styles only from the page itself.
async fn security_headers(mut r: axum::response::Response) -> axum::response::Response {
    use axum::http::{header, HeaderValue};
    let h = r.headers_mut();
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
        ),
    );
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    r
}
