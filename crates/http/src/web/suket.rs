//! An officer issues or revokes an application's Suket from its page. The use case
//! checks the role; a refusal is shown in Indonesian and changes nothing.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::formulir::{Csrf, Formulir, Kosong};
use super::layout::{galat, pesan};
use crate::auth::{Desk, WebUser};
use crate::{ApiError, AppState};

/// `POST /permohonan/{nomor}/suket/terbit`.
pub(super) async fn terbit(
    State(st): State<AppState>,
    Desk(iss): Desk,
    WebUser(u): WebUser,
    Csrf(t): Csrf,
    Path(nomor): Path<String>,
    Formulir(Kosong {}): Formulir<Kosong>,
) -> Response {
    match iss.suket_issue(&u, &nomor).await {
        Ok(_) => Redirect::to(&format!("/permohonan/{nomor}")).into_response(),
        Err(e) => {
            let e: ApiError = e.into();
            galat(
                &st,
                Some(&u),
                &t,
                e.status,
                "Suket tidak dapat diterbitkan",
                pesan(&e),
            )
        }
    }
}

#[derive(Deserialize)]
pub(super) struct CabutForm {
    nomor_suket: String,
    #[serde(default)]
    alasan: String,
}

/// `POST /permohonan/{nomor}/suket/cabut`: the Suket number and a written reason.
pub(super) async fn cabut(
    State(st): State<AppState>,
    Desk(iss): Desk,
    WebUser(u): WebUser,
    Csrf(t): Csrf,
    Path(nomor): Path<String>,
    Formulir(f): Formulir<CabutForm>,
) -> Response {
    let milik = sidik_domain::suket::nomor_registrasi_dari(&f.nomor_suket) == Some(nomor.as_str());
    if !milik {
        return galat(
            &st,
            Some(&u),
            &t,
            axum::http::StatusCode::NOT_FOUND,
            "Suket tidak ditemukan",
            "Nomor Suket ini bukan milik permohonan ini.".into(),
        );
    }
    match iss.suket_revoke(&u, &f.nomor_suket, &f.alasan).await {
        Ok(_) => Redirect::to(&format!("/permohonan/{nomor}")).into_response(),
        Err(e) => {
            let e: ApiError = e.into();
            let mut isi = pesan(&e);
            if e.code == "reason_required" {
                isi = format!("Alasan pencabutan wajib diisi. {isi}");
            }
            galat(
                &st,
                Some(&u),
                &t,
                e.status,
                "Suket tidak dapat dicabut",
                isi,
            )
        }
    }
}
