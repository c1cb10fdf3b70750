//! The centre's dashboard: counts, offices, quarantine, and each `ganda` case with an
//! adjudication form for verifikator and admin.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use sidik_domain::tanggal::waktu_wib;
use sidik_domain::Peran;

use super::formulir::{Csrf, Formulir};
use super::layout::{html, kepala, Kepala};
use sidik_sync::centre::{Actor, CentreError};
use sidik_sync::Centre;

use crate::auth::{CentreNode, WebUser};
use crate::csrf::Token;
use crate::AppState;

#[derive(Template)]
#[template(path = "pusat.html")]
struct PusatPage {
    k: Kepala,
    diterima: u64,
    diputuskan: u64,
    menunggu: u64,
    karantina_n: u64,
    galeri: usize,
    keputusan: Vec<(String, u64)>,
    kantor: Vec<(String, String, String, String)>,
    ganda: Vec<KasusGanda>,
    karantina: Vec<(String, String, String, String, String)>,
    admin: bool,
    /// Adjudicators (verifikator, admin) get the adjudication form.
    adjudikator: bool,
    pesan: Option<String>,
    galat: Option<String>,
}

/// A `ganda` case awaiting adjudication, with the centre's finding.
struct KasusGanda {
    nomor: String,
    nik: String,
    nama: String,
    kantor: String,
    /// The latest `ganda` decision's note and candidates ("NIK … (permohonan …, skor …)").
    catatan: String,
    kandidat: Vec<String>,
}

#[derive(Deserialize)]
pub struct PusatQuery {
    selesai: Option<String>,
}

pub(super) async fn pusat(
    State(st): State<AppState>,
    CentreNode(c): CentreNode,
    WebUser(u): WebUser,
    Csrf(t): Csrf,
    Query(q): Query<PusatQuery>,
) -> Response {
    let pesan = q
        .selesai
        .filter(|n| n.len() <= 40 && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        .map(|n| format!("Adjudikasi permohonan {n} tercatat dan dikirim ke kantor asalnya."));
    centre_page(&st, &t, &c, &u, pesan, None).await
}

async fn centre_page(
    st: &AppState,
    t: &Token,
    c: &Centre,
    u: &sidik_store::User,
    pesan: Option<String>,
    galat: Option<String>,
) -> Response {
    let s = c.store.centre_stats().await.unwrap_or_default();
    let admin = u.peran == Peran::Admin;
    let kantor = c
        .store
        .offices()
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|k| {
            (
                k.kode.to_string(),
                k.nama,
                k.public_key,
                k.dicabut
                    .map_or("aktif".to_string(), |t| format!("dicabut {}", waktu_wib(t))),
            )
        })
        .collect();
    let adjudikator = matches!(u.peran, Peran::Admin | Peran::Verifikator);
    let mut ganda = Vec::new();
    if adjudikator {
        for p in c
            .ganda_cases(Actor::Officer(u), 200)
            .await
            .unwrap_or_default()
        {
            let temuan = c
                .store
                .decisions_for(p.nomor.as_str())
                .await
                .unwrap_or_default()
                .into_iter()
                .rev()
                .find(|k| k.hasil == sidik_domain::Hasil::Ganda);
            let (catatan, kandidat) = temuan.map_or_else(Default::default, |k| {
                let kandidat = k
                    .kandidat
                    .iter()
                    .map(|c| {
                        format!(
                            "NIK {} (permohonan {}, skor {:.0}, {} jari cocok)",
                            c.nik, c.permohonan, c.skor, c.jari_cocok
                        )
                    })
                    .collect();
                (k.catatan, kandidat)
            });
            ganda.push(KasusGanda {
                nomor: p.nomor.to_string(),
                nik: p.nik.to_string(),
                nama: p.nama,
                kantor: p.kantor.to_string(),
                catatan,
                kandidat,
            });
        }
    }
    let karantina = if admin {
        c.quarantine(Actor::Officer(u), 200)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|q| {
                (
                    waktu_wib(q.diterima),
                    q.packet_id.unwrap_or_default(),
                    q.kantor.unwrap_or_default(),
                    q.kode,
                    q.alasan,
                )
            })
            .collect()
    } else {
        vec![]
    };
    html(PusatPage {
        k: kepala(st, Some(u), t),
        diterima: s.diterima,
        diputuskan: s.diputuskan,
        menunggu: s.menunggu,
        karantina_n: s.karantina,
        galeri: c.abis.len(),
        keputusan: s
            .keputusan
            .into_iter()
            .map(|(h, n)| (h.slug().to_string(), n))
            .collect(),
        kantor,
        ganda,
        karantina,
        admin,
        adjudikator,
        pesan,
        galat,
    })
}

#[derive(Deserialize)]
pub struct AdjudikasiForm {
    hasil: String,
    #[serde(default)]
    alasan: String,
}

/// An adjudicator's verdict on a `ganda` case, from the centre's page.
pub(super) async fn adjudikasi(
    State(st): State<AppState>,
    CentreNode(c): CentreNode,
    WebUser(u): WebUser,
    Csrf(t): Csrf,
    axum::extract::Path(nomor): axum::extract::Path<String>,
    Formulir(f): Formulir<AdjudikasiForm>,
) -> Response {
    use axum::http::StatusCode;
    use axum::response::{IntoResponse, Redirect};
    let tunggal = match f.hasil.as_str() {
        "tunggal" => Some(true),
        "tolak" => Some(false),
        _ => None,
    };
    let verdict = match tunggal {
        None => Err((
            StatusCode::BAD_REQUEST,
            "Pilih hasil adjudikasi: tunggal atau tolak.".to_string(),
        )),
        Some(tunggal) => c
            .adjudicate(Actor::Officer(&u), &nomor, tunggal, &f.alasan)
            .await
            .map_err(|e| match e {
                CentreError::Forbidden { .. } => (
                    StatusCode::FORBIDDEN,
                    "Peran Anda tidak berwenang melakukan adjudikasi.".to_string(),
                ),
                CentreError::Invalid { code: "invalid_reason", .. } => (
                    StatusCode::BAD_REQUEST,
                    "Alasan adjudikasi tidak sah: paling banyak 500 karakter, tanpa karakter kendali.".to_string(),
                ),
                CentreError::Invalid { .. } => (
                    StatusCode::BAD_REQUEST,
                    format!("Alasan adjudikasi permohonan {nomor} wajib diisi."),
                ),
                CentreError::NotFound(_) => (
                    StatusCode::NOT_FOUND,
                    format!("Permohonan {nomor} tidak ditemukan di pusat."),
                ),
                CentreError::Conflict { .. } => (
                    StatusCode::CONFLICT,
                    format!("Permohonan {nomor} bukan kasus ganda yang menunggu adjudikasi (mungkin sudah diadjudikasi)."),
                ),
                CentreError::Store(e) => {
                    tracing::error!("adjudication of {nomor}: {e}");
                    (
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "Adjudikasi gagal disimpan; coba lagi.".into(),
                    )
                }
            }),
    };
    match verdict {
        Ok(()) => Redirect::to(&format!("/pusat?selesai={nomor}")).into_response(),
        Err((status, galat)) => (
            status,
            centre_page(&st, &t, &c, &u, None, Some(galat)).await,
        )
            .into_response(),
    }
}
