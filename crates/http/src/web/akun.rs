//! Login, logout, the start page and the not-found page (every role).

use askama::Template;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, MethodRouter};
use serde::Deserialize;

use super::formulir::{Csrf, Formulir, FormulirTamu, Kosong};
use super::layout::{galat, home, html, kepala, pesan, Kepala};
use crate::auth::{clear_cookie, session_cookie, token_in};
use crate::{ApiError, AppState, LOGIN_BODY_MAX};

#[derive(Template)]
#[template(path = "masuk.html")]
struct MasukPage {
    k: Kepala,
    galat: Option<String>,
}

pub(super) async fn tidak_ditemukan(State(st): State<AppState>, Csrf(t): Csrf) -> Response {
    galat(
        &st,
        None,
        &t,
        StatusCode::NOT_FOUND,
        "Halaman tidak ditemukan",
        "Alamat yang Anda buka tidak ada.".into(),
    )
}

pub(super) async fn beranda(
    State(st): State<AppState>,
    Csrf(t): Csrf,
    headers: HeaderMap,
) -> Response {
    if let Some(token) = token_in(&headers) {
        if let Ok(Some(_)) = st.akun.authenticate(&token).await {
            return Redirect::to(home(&st)).into_response();
        }
    }
    html(MasukPage {
        k: kepala(&st, None, &t),
        galat: None,
    })
}

pub(super) async fn masuk_form(State(st): State<AppState>, Csrf(t): Csrf) -> Response {
    html(MasukPage {
        k: kepala(&st, None, &t),
        galat: None,
    })
}

#[derive(Deserialize)]
pub(super) struct MasukForm {
    username: String,
    password: String,
}

/// `GET` and `POST /masuk`; the form's body is bounded like the API's login.
pub(super) fn masuk_routes() -> MethodRouter<AppState> {
    get(masuk_form)
        .post(masuk)
        .layer(DefaultBodyLimit::max(LOGIN_BODY_MAX))
}

pub(super) async fn masuk(
    State(st): State<AppState>,
    Csrf(t): Csrf,
    FormulirTamu(f): FormulirTamu<MasukForm>,
) -> Response {
    let e = match st.akun.login(&f.username, &f.password).await {
        Ok(s) => {
            let max_age = s.expires.duration_since(st.clock.real_now()).as_secs();
            return (
                [(header::SET_COOKIE, session_cookie(&s.token, max_age))],
                Redirect::to(home(&st)),
            )
                .into_response();
        }
        Err(e) => ApiError::from(e),
    };
    let retry = e.retry_after_header();
    let mut r = (
        e.status,
        html(MasukPage {
            k: kepala(&st, None, &t),
            galat: Some(pesan_masuk(&e)),
        }),
    )
        .into_response();
    r.headers_mut().extend(retry);
    r
}

/// Why a login failed, for the login page (no detail that names an account).
fn pesan_masuk(e: &ApiError) -> String {
    match e.code {
        "unauthorized" => "Nama pengguna atau kata sandi salah.".into(),
        "too_many_attempts" => format!(
            "Terlalu banyak percobaan masuk yang gagal untuk nama pengguna ini. Coba lagi dalam {}.",
            tunggu(e.retry_after.unwrap_or(300))
        ),
        "busy" => format!(
            "Server sedang sibuk memeriksa percobaan masuk lain. Coba lagi dalam {}.",
            tunggu(e.retry_after.unwrap_or(1))
        ),
        "too_large" => "Isian formulir terlalu panjang.".into(),
        "bad_form" => "Isi nama pengguna dan kata sandi.".into(),
        _ => pesan(e),
    }
}

/// "5 menit", "30 detik".
fn tunggu(detik: u64) -> String {
    if detik < 60 {
        format!("{detik} detik")
    } else {
        format!("{} menit", detik.div_ceil(60))
    }
}

/// Logging out needs the session's form token too: another site must not be able to
/// end an officer's session.
pub(super) async fn keluar(
    State(st): State<AppState>,
    headers: HeaderMap,
    Formulir(Kosong {}): Formulir<Kosong>,
) -> Response {
    if let Some(t) = token_in(&headers) {
        let _ = st.akun.logout(&t).await;
    }
    (
        [(header::SET_COOKIE, clear_cookie())],
        Redirect::to("/masuk"),
    )
        .into_response()
}
