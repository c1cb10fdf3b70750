//! Defences against cross-site request forgery.
//!
//! - **Form tokens.** Every HTML form that changes state carries a hidden `_csrf` field
//!   (checked in `web::formulir`). For an officer the token is bound to the session: the
//!   SHA-256 of a fixed label and the session token, which the browser keeps `HttpOnly`,
//!   so another site can neither read nor compute it, and a cookie planted by a sibling
//!   host or port (`SameSite` treats them as the same site) does not help. Before login
//!   (the login form, the citizen's status lookup) the token is bound the same way to a
//!   random pre-session cookie, `sidik_pra`, set by [`pra_sesi`].
//! - **Fetch metadata.** A form the browser says came from another site or origin
//!   (`Sec-Fetch-Site: cross-site | same-site`) is refused even with a token.
//! - **API writes** authenticated by the session cookie rather than
//!   `Authorization: Bearer` need an `Origin` (without one, a `Referer`) naming this
//!   server ([`same_origin`]); bearer calls and the signed sync endpoints are unaffected.

use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use sha2::{Digest, Sha256};
use sidik_ports::Entropy;
use subtle::ConstantTimeEq;

/// The hidden form field that carries the token.
pub const FIELD: &str = "_csrf";
/// The pre-session cookie (forms shown before login).
pub const PRA_COOKIE: &str = "sidik_pra";

/// The form token bound to `secret` (a session token or a pre-session value).
fn derive(secret: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"sidik-csrf-v1\0");
    h.update(secret.as_bytes());
    hex::encode(h.finalize())
}

/// Compares a submitted token with the expected one in constant time.
fn matches(expected: &str, given: &str) -> bool {
    expected.len() == given.len() && bool::from(expected.as_bytes().ct_eq(given.as_bytes()))
}

/// The value of cookie `name` in `headers` (the first one sent).
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The pre-session secret of a request (put there by [`pra_sesi`]).
#[derive(Clone)]
struct PraSesi(String);

fn is_secret(v: &str) -> bool {
    v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Middleware on the pages: makes sure the browser has a pre-session cookie (32 random
/// bytes, hex) and hands its value to the handlers.
pub async fn pra_sesi(mut req: Request, next: Next) -> Response {
    let existing = cookie(req.headers(), PRA_COOKIE)
        .filter(|v| is_secret(v))
        .map(str::to_string);
    let fresh = match existing {
        Some(_) => None,
        None => {
            let mut b = [0u8; 32];
            match sidik_ports::OsEntropy.fill(&mut b) {
                Ok(()) => Some(hex::encode(b)),
                Err(e) => {
                    // Without a secret the anonymous forms are refused (fail closed).
                    tracing::error!("pre-session cookie: {e}");
                    None
                }
            }
        }
    };
    if let Some(v) = existing.as_ref().or(fresh.as_ref()) {
        req.extensions_mut().insert(PraSesi(v.clone()));
    }
    let mut res = next.run(req).await;
    if let Some(v) = fresh {
        let c = format!("{PRA_COOKIE}={v}; HttpOnly; SameSite=Strict; Path=/");
        if let Ok(h) = HeaderValue::from_str(&c) {
            res.headers_mut().append(header::SET_COOKIE, h);
        }
    }
    res
}

/// Whose token a form must carry.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Pemilik {
    /// The logged-in officer's session.
    Sesi,
    /// The browser's pre-session (forms shown before login).
    Tamu,
}

/// The form tokens of a request, to render forms and to check them.
#[derive(Clone, Default)]
pub struct Token {
    sesi: Option<String>,
    tamu: Option<String>,
}

impl Token {
    /// The tokens of a request: its session token (bearer or cookie) and pre-session
    /// cookie, if any.
    pub fn of(headers: &HeaderMap, extensions: &axum::http::Extensions) -> Token {
        Token {
            sesi: crate::auth::token_in(headers).map(|t| derive(&t)),
            tamu: extensions.get::<PraSesi>().map(|p| derive(&p.0)),
        }
    }

    /// The token to put in a page's forms.
    pub fn for_form(&self, who: Pemilik) -> String {
        match who {
            Pemilik::Sesi => self.sesi.clone(),
            Pemilik::Tamu => self.tamu.clone(),
        }
        .unwrap_or_default()
    }

    /// Whether `given` is the right token for a form of `who`.
    pub fn accepts(&self, who: Pemilik, given: &str) -> bool {
        let expected = match who {
            Pemilik::Sesi => self.sesi.as_deref(),
            Pemilik::Tamu => self.tamu.as_deref(),
        };
        expected.is_some_and(|e| matches(e, given))
    }
}

/// The browser says the request comes from another site or origin (Fetch metadata).
pub fn from_elsewhere(headers: &HeaderMap) -> bool {
    headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.eq_ignore_ascii_case("cross-site") || v.eq_ignore_ascii_case("same-site")
        })
}

/// The `host[:port]` of an origin or URL (`scheme://host[:port][/path]`).
fn authority(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    Some(&rest[..end]).filter(|a| !a.is_empty() && !a.contains('@'))
}

/// Whether a request names this server as its origin: `Origin` if present (`null`
/// never matches), else `Referer`; both are compared (host and port) with `Host`.
/// Neither header: `false`.
pub fn same_origin(headers: &HeaderMap) -> bool {
    let value = |h: header::HeaderName| headers.get(h).and_then(|v| v.to_str().ok());
    let Some(host) = value(header::HOST) else {
        return false;
    };
    let source = value(header::ORIGIN).or_else(|| value(header::REFERER));
    source
        .and_then(authority)
        .is_some_and(|a| a.eq_ignore_ascii_case(host))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn origin_must_name_this_host_and_port() {
        let ok = headers(&[
            ("host", "127.0.0.1:8080"),
            ("origin", "http://127.0.0.1:8080"),
        ]);
        assert!(same_origin(&ok));
        let port = headers(&[
            ("host", "127.0.0.1:8080"),
            ("origin", "http://127.0.0.1:9090"),
        ]);
        assert!(!same_origin(&port));
        let null = headers(&[("host", "a.example"), ("origin", "null")]);
        assert!(!same_origin(&null));
        let none = headers(&[("host", "a.example")]);
        assert!(!same_origin(&none));
        let referer = headers(&[("host", "a.example"), ("referer", "https://a.example/x?y")]);
        assert!(same_origin(&referer));
        let tricky = headers(&[
            ("host", "a.example"),
            ("referer", "https://a.example@evil/"),
        ]);
        assert!(!same_origin(&tricky));
        let sub = headers(&[("host", "a.example"), ("origin", "https://b.a.example")]);
        assert!(!same_origin(&sub));
    }

    #[test]
    fn tokens_are_bound_to_their_secret() {
        let t = Token {
            sesi: Some(derive("sesi")),
            tamu: Some(derive("tamu")),
        };
        assert!(t.accepts(Pemilik::Sesi, &derive("sesi")));
        assert!(!t.accepts(Pemilik::Sesi, &derive("tamu")));
        assert!(!t.accepts(Pemilik::Tamu, &derive("sesi")));
        assert!(!t.accepts(Pemilik::Sesi, ""));
        assert!(!Token::default().accepts(Pemilik::Tamu, ""));
        assert_ne!(derive("sesi"), sidik_issuance::akun::token_hash("sesi"));
    }
}
