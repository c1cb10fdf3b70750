//! Login, logout, the start page and the not-found page (every role).

use askama::Template;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::formulir::{Csrf, Formulir, FormulirTamu, Kosong};
use super::layout::{galat, home, html, kepala, pesan, Kepala};
use crate::auth::{clear_cookie, session_cookie, token_in};
use crate::AppState;

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

pub(super) async fn masuk(
    State(st): State<AppState>,
    Csrf(t): Csrf,
    FormulirTamu(f): FormulirTamu<MasukForm>,
) -> Response {
    match st.akun.login(&f.username, &f.password).await {
        Ok(s) => {
            let max_age = s.expires.duration_since(st.clock.now()).as_secs();
            (
                [(header::SET_COOKIE, session_cookie(&s.token, max_age))],
                Redirect::to(home(&st)),
            )
                .into_response()
        }
        Err(e) => (
            StatusCode::UNAUTHORIZED,
            html(MasukPage {
                k: kepala(&st, None, &t),
                galat: Some(pesan(&e.into())),
            }),
        )
            .into_response(),
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
