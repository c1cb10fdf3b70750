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
mod batas;
mod centre_admin;
mod centre_api;
mod centre_link;
mod cetak_api;
mod csrf;
mod error;
mod metrics;
mod office_api;
mod open311;
pub mod openapi;
mod openapi_dokumen;
pub mod trust;
mod trust_api;
mod views;
mod web;
pub mod wire;

pub use auth::COOKIE as SESSION_COOKIE;
pub use centre_link::{HttpCentreLink, RESUMABLE_ABOVE, UPLOAD_CHUNK};
pub use error::ApiError;
pub use office_api::SyncView;
pub use trust_api::{verification_json, verify_text};

/// Extra information shown on pages.
#[derive(Clone, Default)]
pub struct Info {
    /// Demo mode: pages offer synthetic biometrics for a quick enrollment.
    pub demo: bool,
    /// Name of the office shown in the header.
    pub nama_kantor: String,
    /// Browsers reach this node over HTTPS (its own TLS, or a TLS-terminating proxy in
    /// front): every cookie is `Secure` and every response carries HSTS.
    pub https: bool,
    /// Reverse proxies whose `X-Forwarded-For` names the client (rate limits).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// The office for citizens (status page, notices): address, hours, contact.
    pub alamat_kantor: String,
    pub jam_layanan: String,
    pub kontak_kantor: String,
    /// Status lookups one client may make at once (default 10;
    /// raised only for load tests).
    pub status_burst: Option<u32>,
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
    /// Aspirasi and Open311 (standalone and office roles).
    pub aspirasi: Option<sidik_issuance::aspirasi::LayananAspirasi>,
    /// The node's Suket trust (lists it publishes, the store it verifies with).
    pub trust: Option<Arc<trust::Trust>>,
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
                    .merge(trust_api::routes())
                    .merge(centre_api::routes())
                    .merge(centre_admin::routes())
                    .layer(axum::middleware::map_response(json_errors)),
            )
            .merge(web::centre_routes()),
        Role::Standalone(_) | Role::Office(..) => Router::new()
            .nest(
                "/api/v1",
                api::routes()
                    .merge(office_api::routes())
                    .merge(cetak_api::routes())
                    .merge(trust_api::routes())
                    .layer(axum::middleware::map_response(json_errors)),
            )
            .merge(web::office_routes())
            .merge(open311::routes()),
    };
    let https = state.info.https;
    let r = r.route("/metrics", axum::routing::get(metrics::metrics));
    let r = if https {
        r.layer(axum::middleware::map_response(secure_transport))
    } else {
        r
    };
    let trusted = Arc::new(batas::TrustedProxies(state.info.trusted_proxies.clone()));
    r.layer(axum::Extension(Arc::new(web::status_limiter(
        state.info.status_burst,
    ))))
    .layer(axum::Extension(Arc::new(trust_api::limiter())))
    .layer(axum::Extension(trusted))
    .layer(DefaultBodyLimit::max(MAX_BODY))
    .layer(axum::middleware::map_response(security_headers))
    .with_state(state)
}

/// Serves `app` on `listener` until `shutdown` completes (so that callers need not know
/// the HTTP server library). Handlers see the client's address from the connection
/// (`ConnectInfo`), which the per-address rate limits use.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// Serves `app` over TLS (rustls; certificate chain and private key in PEM files) on
/// `listener` until `shutdown` completes.
pub async fn serve_tls(
    listener: std::net::TcpListener,
    app: Router,
    cert: &std::path::Path,
    key: &std::path::Path,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // One crypto provider for the process (ring); installing it twice is harmless.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let config = axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key).await?;
    let handle = axum_server::Handle::new();
    let h = handle.clone();
    tokio::spawn(async move {
        shutdown.await;
        h.graceful_shutdown(Some(std::time::Duration::from_secs(10)));
    });
    listener.set_nonblocking(true)?;
    axum_server::from_tcp_rustls(listener, config)
        .handle(handle)
        .serve(app.into_make_service())
        .await
}

/// Over HTTPS: cookies only travel encrypted (`Secure`), and browsers are told to use
/// HTTPS for this host from now on (HSTS, one year).
async fn secure_transport(mut r: axum::response::Response) -> axum::response::Response {
    use axum::http::{header, HeaderValue};
    let cookies: Vec<HeaderValue> = r
        .headers_mut()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| {
            let s = v.to_str().unwrap_or_default();
            if s.to_ascii_lowercase().contains("; secure") {
                v.clone()
            } else {
                HeaderValue::from_str(&format!("{s}; Secure")).unwrap_or_else(|_| v.clone())
            }
        })
        .collect();
    let h = r.headers_mut();
    h.remove(header::SET_COOKIE);
    for c in cookies {
        h.append(header::SET_COOKIE, c);
    }
    h.insert(
        header::STRICT_TRANSPORT_SECURITY,
        HeaderValue::from_static("max-age=31536000"),
    );
    r
}

/// Every API error is `{code, message}` JSON, including the ones the framework writes
/// itself (a path, query or body it could not parse: plain text; a method the path
/// does not serve: an empty 405).
async fn json_errors(r: axum::response::Response) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    let status = r.status();
    let is_json = r
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return r;
    }
    let (parts, body) = r.into_parts();
    let text = axum::body::to_bytes(body, 4096)
        .await
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let code = match status {
        axum::http::StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        axum::http::StatusCode::PAYLOAD_TOO_LARGE => "too_large",
        axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        s if s.is_server_error() => "internal",
        _ => "bad_request",
    };
    let message = if text.trim().is_empty() {
        status.canonical_reason().unwrap_or("error").to_string()
    } else {
        text
    };
    let mut out = ApiError::new(status, code, message).into_response();
    for (k, v) in parts.headers.iter() {
        if k != header::CONTENT_TYPE && k != header::CONTENT_LENGTH {
            out.headers_mut().append(k.clone(), v.clone());
        }
    }
    out
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
