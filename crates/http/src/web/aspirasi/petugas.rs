//! The officers' aspiration pages: the overdue list (LAPOR!'s deadlines in working
//! days), every aspiration by status and moderation, one aspiration with its full
//! text, contact and thread, and the acts (publish or not, route, dispose, answer,
//! close, refuse, note); the admin registers Open311 clients here. Every act is a
//! session-bound CSRF form; the use case checks the role.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use sidik_domain::aspirasi::{NomorAspirasi, StatusAspirasi};
use sidik_domain::tanggal::{tanggal_hari, waktu_wib};
use sidik_issuance::aspirasi::Tindakan;
use sidik_issuance::IssuanceError;
use sidik_store::{FilterAspirasi, Moderasi, User};

use super::super::formulir::{Csrf, Formulir};
use super::super::layout::{galat, html, kepala, Kepala};
use super::{entri, nama_kelurahan, ringkas, tahapan, Entri, Ringkas};
use crate::auth::WebUser;
use crate::csrf::Token;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/aspirasi/petugas", get(daftar))
        .route("/aspirasi/petugas/open311", post(open311_klien))
        .route("/aspirasi/petugas/{nomor}", get(detail))
        .route("/aspirasi/petugas/{nomor}/tindak", post(tindak))
}

fn galat_petugas(st: &AppState, u: &User, t: &Token, e: &IssuanceError) -> Response {
    let (status, pesan) = match e {
        IssuanceError::Forbidden { .. } => (
            StatusCode::FORBIDDEN,
            "Peran Anda tidak berwenang melakukan tindakan ini pada aspirasi.".to_string(),
        ),
        IssuanceError::NotFound(_) => (StatusCode::NOT_FOUND, "Aspirasi tidak ditemukan.".into()),
        IssuanceError::Invalid { message, .. } => {
            (StatusCode::UNPROCESSABLE_ENTITY, message.clone())
        }
        IssuanceError::Conflict { code, message } if *code != "stale_state" => {
            (StatusCode::CONFLICT, message.clone())
        }
        IssuanceError::Conflict { .. } => (
            StatusCode::CONFLICT,
            "Aspirasi baru saja diubah petugas lain; muat ulang halaman lalu coba lagi.".into(),
        ),
        _ => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "Terjadi kesalahan sistem; tidak ada data yang diubah.".into(),
        ),
    };
    galat(
        st,
        Some(u),
        t,
        status,
        "Tindakan tidak dapat dilakukan",
        pesan,
    )
}

#[derive(Default)]
struct Saring {
    status: String,
    moderasi: String,
}

struct BarisPetugas {
    r: Ringkas,
    moderasi: &'static str,
    rahasia: bool,
    keterangan: String,
}

#[derive(Template)]
#[template(path = "aspirasi_petugas.html")]
struct DaftarPage {
    k: Kepala,
    terlambat: Vec<BarisPetugas>,
    baris: Vec<BarisPetugas>,
    total: u64,
    status: Vec<(&'static str, &'static str, bool)>,
    moderasi: String,
    galat: Option<String>,
    kunci_baru: Option<(String, String)>,
    admin: bool,
}

fn label_moderasi(m: Moderasi) -> &'static str {
    match m {
        Moderasi::Menunggu => "Menunggu moderasi",
        Moderasi::Tayang => "Tayang",
        Moderasi::TidakTayang => "Tidak tayang",
    }
}

async fn daftar_page(
    st: &AppState,
    u: &User,
    t: &Token,
    q: Saring,
) -> Result<DaftarPage, IssuanceError> {
    let Some(svc) = st.aspirasi.clone() else {
        return Err(IssuanceError::NotFound(
            "no aspirations on this node".into(),
        ));
    };
    let mut galat_ = None;
    let status = match q.status.trim() {
        "" => None,
        s => {
            let p = StatusAspirasi::parse(s);
            if p.is_none() {
                galat_ = Some("Status tidak dikenal.".to_string());
            }
            p
        }
    };
    let moderasi = match q.moderasi.trim() {
        "" => None,
        s => {
            let p = Moderasi::parse(s);
            if p.is_none() {
                galat_ = Some("Status moderasi tidak dikenal.".to_string());
            }
            p
        }
    };
    let terlambat = svc
        .terlambat(u)
        .await?
        .into_iter()
        .map(|x| BarisPetugas {
            moderasi: label_moderasi(x.aspirasi.moderasi),
            rahasia: x.aspirasi.rahasia,
            keterangan: x.terlambat.kalimat(),
            r: ringkas(&x.aspirasi),
        })
        .collect();
    let f = FilterAspirasi {
        status: status.into_iter().collect(),
        moderasi,
        limit: 100,
        ..Default::default()
    };
    let (rows, total) = svc.daftar_petugas(u, f).await?;
    Ok(DaftarPage {
        k: kepala(st, Some(u), t),
        terlambat,
        baris: rows
            .iter()
            .map(|a| BarisPetugas {
                moderasi: label_moderasi(a.moderasi),
                rahasia: a.rahasia,
                keterangan: String::new(),
                r: ringkas(a),
            })
            .collect(),
        total,
        status: StatusAspirasi::ALL
            .iter()
            .map(|s| (s.slug(), s.label(), Some(*s) == status))
            .collect(),
        moderasi: moderasi.map(|m| m.slug().to_string()).unwrap_or_default(),
        galat: galat_,
        kunci_baru: None,
        admin: u.peran == sidik_domain::Peran::Admin,
    })
}

/// `GET /aspirasi/petugas`: overdue first, then every aspiration.
async fn daftar(
    State(st): State<AppState>,
    WebUser(u): WebUser,
    t: Csrf,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let q = Saring {
        status: q.get("status").cloned().unwrap_or_default(),
        moderasi: q.get("moderasi").cloned().unwrap_or_default(),
    };
    match daftar_page(&st, &u, &t.0, q).await {
        Ok(p) => html(p),
        Err(e) => galat_petugas(&st, &u, &t.0, &e),
    }
}

#[derive(Deserialize)]
pub struct KlienBaru {
    #[serde(default)]
    nama: String,
}

/// `POST /aspirasi/petugas/open311`: the admin registers an Open311 client; its API
/// key is shown once.
async fn open311_klien(
    State(st): State<AppState>,
    WebUser(u): WebUser,
    t: Csrf,
    Formulir(f): Formulir<KlienBaru>,
) -> Response {
    let Some(svc) = st.aspirasi.clone() else {
        return galat_petugas(&st, &u, &t.0, &IssuanceError::NotFound(String::new()));
    };
    let kunci = match svc.open311_klien_baru(&u, &f.nama).await {
        Ok(k) => k,
        Err(IssuanceError::Invalid { .. }) => {
            let e = IssuanceError::Invalid {
                code: "invalid_name",
                message: "Nama klien 3 sampai 64 karakter: huruf, angka, '-', '_' atau '.'.".into(),
            };
            return galat_petugas(&st, &u, &t.0, &e);
        }
        Err(IssuanceError::Conflict { .. }) => {
            let e = IssuanceError::Conflict {
                code: "exists",
                message: "Nama klien Open311 itu sudah terdaftar.".into(),
            };
            return galat_petugas(&st, &u, &t.0, &e);
        }
        Err(e) => return galat_petugas(&st, &u, &t.0, &e),
    };
    match daftar_page(&st, &u, &t.0, Saring::default()).await {
        Ok(mut p) => {
            p.kunci_baru = Some((f.nama.trim().to_string(), kunci));
            (StatusCode::CREATED, html(p)).into_response()
        }
        Err(e) => galat_petugas(&st, &u, &t.0, &e),
    }
}

#[derive(Template)]
#[template(path = "aspirasi_petugas_detail.html")]
struct DetailPage {
    k: Kepala,
    a: Ringkas,
    judul: String,
    isi: String,
    isi_publik: String,
    tahapan: Vec<(&'static str, bool)>,
    status_slug: &'static str,
    moderasi: &'static str,
    rahasia: bool,
    anonim: bool,
    kontak: Vec<(&'static str, String)>,
    permohonan: Option<String>,
    sumber: String,
    unit: Option<String>,
    petugas: Option<String>,
    tenggat: String,
    tanggapan: Vec<Entri>,
    dukungan: u64,
    nilai: Option<u8>,
}

/// `GET /aspirasi/petugas/{nomor}`.
async fn detail(
    State(st): State<AppState>,
    WebUser(u): WebUser,
    t: Csrf,
    Path(nomor): Path<String>,
) -> Response {
    let (Some(svc), Ok(n)) = (st.aspirasi.clone(), NomorAspirasi::parse(&nomor)) else {
        return galat_petugas(&st, &u, &t.0, &IssuanceError::NotFound(String::new()));
    };
    let (a, thread) = match svc.detail_petugas(&u, &n).await {
        Ok(x) => x,
        Err(e) => return galat_petugas(&st, &u, &t.0, &e),
    };
    let kal = sidik_domain::kalender::Kalender::indonesia();
    let tg = sidik_domain::aspirasi::tenggat(kal, sidik_domain::tanggal::tanggal_wib(a.dibuat));
    let mut kontak = Vec::new();
    if let Some(n) = &a.nama {
        kontak.push(("Nama", n.clone()));
    }
    if let Some(n) = &a.telepon {
        kontak.push(("Telepon", n.clone()));
    }
    if let Some(n) = &a.email {
        kontak.push(("Surel", n.clone()));
    }
    if !a.kelurahan.is_empty() {
        kontak.push((
            "Kelurahan",
            format!("{} ({})", nama_kelurahan(&a.kelurahan), a.kelurahan),
        ));
    }
    if let Some(n) = &a.alamat {
        kontak.push(("Alamat", n.clone()));
    }
    html(DetailPage {
        k: kepala(&st, Some(&u), &t.0),
        judul: a.judul.clone(),
        isi: a.isi.clone(),
        isi_publik: a.isi_publik.clone(),
        tahapan: tahapan(a.status),
        status_slug: a.status.slug(),
        moderasi: label_moderasi(a.moderasi),
        rahasia: a.rahasia,
        anonim: a.anonim,
        kontak,
        permohonan: a.permohonan.clone(),
        sumber: a.sumber.clone(),
        unit: a.unit.clone(),
        petugas: a.petugas.clone(),
        tenggat: format!(
            "Diajukan {}. Tenggat diteruskan: {}; tenggat dijawab: {}.",
            waktu_wib(a.dibuat),
            tanggal_hari(tg.teruskan),
            tanggal_hari(tg.jawab)
        ),
        tanggapan: thread.iter().map(entri).collect(),
        dukungan: a.dukungan,
        nilai: a.nilai,
        a: ringkas(&a),
    })
}

#[derive(Deserialize)]
pub struct IsianTindak {
    #[serde(default)]
    aksi: String,
    #[serde(default)]
    isi: String,
}

/// `POST /aspirasi/petugas/{nomor}/tindak`: one act; back to the aspiration's page.
async fn tindak(
    State(st): State<AppState>,
    WebUser(u): WebUser,
    t: Csrf,
    Path(nomor): Path<String>,
    Formulir(f): Formulir<IsianTindak>,
) -> Response {
    let (Some(svc), Ok(n)) = (st.aspirasi.clone(), NomorAspirasi::parse(&nomor)) else {
        return galat_petugas(&st, &u, &t.0, &IssuanceError::NotFound(String::new()));
    };
    let isi = f.isi;
    let tindakan = match f.aksi.as_str() {
        "tayang" => Tindakan::Moderasi { tayang: true },
        "tidak_tayang" => Tindakan::Moderasi { tayang: false },
        "teruskan" => Tindakan::Teruskan { unit: isi },
        "disposisi" => Tindakan::Disposisi { petugas: isi },
        "jawab" => Tindakan::Jawab { isi },
        "selesai" => Tindakan::Selesai,
        "tolak" => Tindakan::Tolak { alasan: isi },
        "catatan" => Tindakan::Catatan { isi },
        _ => {
            let e = IssuanceError::Invalid {
                code: "invalid_action",
                message: "Tindakan tidak dikenal.".into(),
            };
            return galat_petugas(&st, &u, &t.0, &e);
        }
    };
    match svc.tindak(&u, &n, tindakan).await {
        Ok(a) => Redirect::to(&format!("/aspirasi/petugas/{}", a.nomor)).into_response(),
        Err(e) => galat_petugas(&st, &u, &t.0, &e),
    }
}
