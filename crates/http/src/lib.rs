//! Sidik's HTTP surface. Only this crate knows HTTP, HTML and JSON.
//!
//! - `/api/v1/...`: the JSON API (bearer token or session cookie), see [`openapi`]:
//!   [`api`] (accounts, residents, applications), [`centre_api`] (the sync protocol,
//!   centre side), [`centre_admin`] (the centre's officers), [`office_api`] (the office's
//!   sync status); [`wire`] holds the signed formats both sides of the sync speak.
//! - `/`, `/masuk`, `/permohonan...`, `/status`, `/sinkron`, `/pusat`: server-rendered
//!   pages in Bahasa Indonesia ([`web`]).
//! - `/metrics`: Prometheus text ([`metrics`]).
//! - [`HttpCentreLink`]: the office's client of the centre's sync endpoints.

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
pub use axum::Router;
use sidik_issuance::akun::Akun;
use sidik_issuance::Issuance;
use sidik_ports::Clock;
use sidik_sync::Centre;

mod api;
mod auth;
mod centre_admin;
mod centre_api;
mod centre_link;
mod error;
mod metrics;
mod office_api;
pub mod openapi;
mod views;
mod web;
pub mod wire;

pub use centre_link::{HttpCentreLink, RESUMABLE_ABOVE, UPLOAD_CHUNK};
pub use error::ApiError;
pub use office_api::SyncView;

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

/// The node's role, with the services that role runs. It decides which routes exist:
/// an office's pages and API are not mounted on the centre, nor the centre's on an
/// office.
#[derive(Clone)]
pub enum Role {
    /// One office whose own 1:N check is final.
    Standalone(Issuance),
    /// An office that answers to a centre, and its sync state (for pages, the status
    /// API and `/metrics`).
    Office(Issuance, SyncView),
    /// The central data centre.
    Centre(Arc<Centre>),
}

impl Role {
    /// The office's issuance pipeline (standalone and office roles).
    pub fn issuance(&self) -> Option<&Issuance> {
        match self {
            Role::Standalone(i) | Role::Office(i, _) => Some(i),
            Role::Centre(_) => None,
        }
    }

    /// The office's view of the sync with its centre (office role).
    pub fn sync_view(&self) -> Option<&SyncView> {
        match self {
            Role::Office(_, v) => Some(v),
            _ => None,
        }
    }

    /// The centre's services (centre role).
    pub fn centre(&self) -> Option<&Arc<Centre>> {
        match self {
            Role::Centre(c) => Some(c),
            _ => None,
        }
    }
}

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    pub akun: Akun,
    pub clock: Arc<dyn Clock>,
    pub info: Info,
    pub demo_biometrik: Option<Arc<DemoBiometrik>>,
    pub role: Role,
}

/// Largest request body accepted (an enrollment with 10 templates and two images).
pub const MAX_BODY: usize = 4 * 1024 * 1024;

/// Largest login body (`/api/v1/login`, the `/masuk` form): a username has at most 32
/// characters; anything this large is refused (413) before it is parsed.
pub const LOGIN_BODY_MAX: usize = 16 * 1024;

/// The whole application router of the node's role.
pub fn router(state: AppState) -> Router {
    let r = match &state.role {
        Role::Centre(_) => Router::new()
            .nest(
                "/api/v1",
                api::account_routes()
                    .merge(centre_api::routes())
                    .merge(centre_admin::routes()),
            )
            .merge(web::centre_routes()),
        Role::Standalone(_) | Role::Office(..) => Router::new()
            .nest("/api/v1", api::routes().merge(office_api::routes()))
            .merge(web::office_routes()),
    };
    r.route("/metrics", axum::routing::get(metrics::metrics))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::map_response(security_headers))
        .with_state(state)
}

/// Serves `app` on `listener` until `shutdown` completes (so that callers need not know
/// the HTTP server library).
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
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
