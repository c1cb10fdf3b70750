//! Regional notices (pengumuman) and the notification unsubscribe page.
//!
//! - `GET /pengumuman`: the office's kota, its kecamatan and kelurahan (links), and the
//!   kota's notices.
//! - `GET /pengumuman/wilayah/{kode}`: the notices of an area (kota, kecamatan or
//!   kelurahan: its own, those of the areas it lies in and, for a kelurahan, those of
//!   its RWs and RTs).
//! - `GET /pengumuman/wilayah/{kode}/atom`: the Atom feed of a kelurahan.
//! - `GET|POST /pengumuman/tulis`: an officer publishes a notice (the use case checks
//!   the role and the area).
//! - `GET|POST /kabar/berhenti/{token}`: stop notifications (the GET only asks: a link
//!   preview must not unsubscribe anyone).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use sidik_domain::pengumuman::{Cakupan, Pengumuman};
use sidik_domain::tanggal::waktu_wib;
use sidik_issuance::PengumumanInput;
use sidik_wilayah::{Tingkat, Wilayah};

use super::formulir::{Csrf, Formulir, FormulirTamu, Kosong};
use super::layout::{galat, html, kepala, pesan, Kepala};
use crate::auth::{Desk, WebUser};
use crate::{ApiError, AppState};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/pengumuman", get(indeks))
        .route("/pengumuman/wilayah/{kode}", get(area))
        .route("/pengumuman/wilayah/{kode}/atom", get(atom))
        .route("/pengumuman/tulis", get(tulis_form).post(tulis))
        .route("/kabar/berhenti/{token}", get(berhenti_form).post(berhenti))
}

/// Notices shown on a page.
const PER_HALAMAN: u32 = 50;

/// A notice as pages show it.
struct Baris {
    judul: String,
    wilayah: String,
    waktu: String,
    isi: String,
    otomatis: bool,
}

fn baris(p: Pengumuman) -> Baris {
    Baris {
        wilayah: p.cakupan.nama(),
        waktu: waktu_wib(p.terbit),
        otomatis: p.asal != sidik_domain::pengumuman::Asal::Petugas,
        judul: p.judul,
        isi: p.isi,
    }
}

/// (code, name, its kelurahan as (code, name)).
type Kecamatan = (String, String, Vec<(String, String)>);

#[derive(Template)]
#[template(path = "pengumuman.html")]
struct HalamanPengumuman {
    k: Kepala,
    judul: String,
    /// The kota's kecamatan with their kelurahan (index page).
    kecamatan: Vec<Kecamatan>,
    /// The area's Atom feed (kelurahan pages).
    atom: Option<String>,
    /// The area one level up (code, name).
    induk: Option<(String, String)>,
    daftar: Vec<Baris>,
}

/// The dotted kota code of this office.
fn kota(st: &AppState) -> Option<String> {
    st.role.issuance().map(|i| i.kota())
}

/// A kota, kecamatan or kelurahan of the national table (bounded before the lookup).
fn wilayah(kode: &str) -> Option<&'static sidik_wilayah::Region> {
    if kode.len() > 13 {
        return None;
    }
    Wilayah::get()
        .region(kode)
        .filter(|r| r.tingkat != Tingkat::Provinsi)
}

fn tidak_ada(st: &AppState, t: &Csrf) -> Response {
    galat(
        st,
        None,
        &t.0,
        StatusCode::NOT_FOUND,
        "Wilayah tidak ditemukan",
        "Kode wilayah ini tidak dikenal. Pilih wilayah Anda dari halaman Pengumuman.".into(),
    )
}

/// `GET /pengumuman`.
async fn indeks(State(st): State<AppState>, Desk(iss): Desk, t: Csrf) -> Response {
    let Some(kota) = kota(&st) else {
        return tidak_ada(&st, &t);
    };
    let w = Wilayah::get();
    let kecamatan = w
        .children(&kota)
        .map(|kec| {
            let kel = w
                .children(kec.kode)
                .map(|k| (k.kode.to_string(), k.nama.to_string()))
                .collect();
            (kec.kode.to_string(), kec.nama.to_string(), kel)
        })
        .collect();
    let daftar = iss
        .store
        .pengumuman_area(&kota, PER_HALAMAN)
        .await
        .unwrap_or_default();
    let nama = w.region(&kota).map_or(kota.clone(), |r| r.nama.to_string());
    html(HalamanPengumuman {
        k: kepala(&st, None, &t.0),
        judul: format!("Pengumuman {nama}"),
        kecamatan,
        atom: None,
        induk: None,
        daftar: daftar.into_iter().map(baris).collect(),
    })
}

/// `GET /pengumuman/wilayah/{kode}`.
async fn area(
    State(st): State<AppState>,
    Desk(iss): Desk,
    t: Csrf,
    Path(kode): Path<String>,
) -> Response {
    let Some(r) = wilayah(&kode) else {
        return tidak_ada(&st, &t);
    };
    let daftar = iss
        .store
        .pengumuman_area(r.kode, PER_HALAMAN)
        .await
        .unwrap_or_default();
    let cakupan = Cakupan {
        wilayah: r.kode.to_string(),
        rw: None,
        rt: None,
    };
    let induk = r
        .parent_kode()
        .filter(|_| r.tingkat != Tingkat::KabupatenKota)
        .and_then(wilayah)
        .map(|p| (p.kode.to_string(), p.nama.to_string()));
    html(HalamanPengumuman {
        k: kepala(&st, None, &t.0),
        judul: format!("Pengumuman {}", cakupan.nama()),
        kecamatan: Vec::new(),
        atom: (r.tingkat == Tingkat::DesaKelurahan)
            .then(|| format!("/pengumuman/wilayah/{}/atom", r.kode)),
        induk,
        daftar: daftar.into_iter().map(baris).collect(),
    })
}

/// XML text escaping.
fn xml(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            c if c.is_control() && c != '\n' && c != '\t' => {}
            c => o.push(c),
        }
    }
    o
}

/// The Atom document (RFC 4287) of a kelurahan's notices.
fn atom_xml(kode: &str, nama: &str, kantor: &str, daftar: &[Pengumuman]) -> String {
    let updated = daftar
        .iter()
        .map(|p| p.terbit)
        .max()
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let mut s = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"id\">\n<id>urn:sidik:pengumuman:{kode}</id>\n<title>{}</title>\n<updated>{}</updated>\n<author><name>{}</name></author>\n<link rel=\"self\" href=\"/pengumuman/wilayah/{kode}/atom\"/>\n<link rel=\"alternate\" type=\"text/html\" href=\"/pengumuman/wilayah/{kode}\"/>\n",
        xml(&format!("Pengumuman Kelurahan {nama}")),
        updated.strftime("%Y-%m-%dT%H:%M:%SZ"),
        xml(kantor)
    );
    for p in daftar {
        s.push_str(&format!(
            "<entry>\n<id>urn:sidik:pengumuman:{kode}:{}</id>\n<title>{}</title>\n<updated>{}</updated>\n<category term=\"{}\" label=\"{}\"/>\n<content type=\"text\">{}</content>\n</entry>\n",
            p.id,
            xml(&p.judul),
            p.terbit.strftime("%Y-%m-%dT%H:%M:%SZ"),
            p.asal.slug(),
            xml(&p.cakupan.nama()),
            xml(&p.isi)
        ));
    }
    s.push_str("</feed>\n");
    s
}

/// `GET /pengumuman/wilayah/{kode}/atom`: kelurahan only.
async fn atom(
    State(st): State<AppState>,
    Desk(iss): Desk,
    t: Csrf,
    Path(kode): Path<String>,
) -> Response {
    let Some(r) = wilayah(&kode).filter(|r| r.tingkat == Tingkat::DesaKelurahan) else {
        return tidak_ada(&st, &t);
    };
    let daftar = match iss.store.pengumuman_area(r.kode, PER_HALAMAN).await {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!("atom {kode}: {e}");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    (
        [
            (header::CONTENT_TYPE, "application/atom+xml; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=60"),
        ],
        atom_xml(r.kode, r.nama, &st.info.nama_kantor, &daftar),
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "pengumuman_tulis.html")]
struct HalamanTulis {
    k: Kepala,
    kota: String,
    galat: Option<String>,
    sukses: Option<String>,
    f: TulisForm,
}

#[derive(Deserialize, Default)]
struct TulisForm {
    #[serde(default)]
    wilayah: String,
    #[serde(default)]
    rw: String,
    #[serde(default)]
    rt: String,
    #[serde(default)]
    judul: String,
    #[serde(default)]
    isi: String,
}

/// `GET /pengumuman/tulis`.
async fn tulis_form(
    State(st): State<AppState>,
    Desk(iss): Desk,
    WebUser(u): WebUser,
    t: Csrf,
) -> Response {
    html(HalamanTulis {
        k: kepala(&st, Some(&u), &t.0),
        kota: iss.kota(),
        galat: None,
        sukses: None,
        f: TulisForm::default(),
    })
}

/// An RW/RT field: empty, or 1-999.
fn nomor_opsional(s: &str, apa: &str) -> Result<Option<u16>, String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    s.parse::<u16>()
        .ok()
        .filter(|n| (1..=999).contains(n))
        .map(Some)
        .ok_or_else(|| format!("{apa} harus angka 1 sampai 999, atau dikosongkan."))
}

/// `POST /pengumuman/tulis`.
async fn tulis(
    State(st): State<AppState>,
    Desk(iss): Desk,
    WebUser(u): WebUser,
    t: Csrf,
    Formulir(f): Formulir<TulisForm>,
) -> Response {
    let mut page = HalamanTulis {
        k: kepala(&st, Some(&u), &t.0),
        kota: iss.kota(),
        galat: None,
        sukses: None,
        f: TulisForm::default(),
    };
    let angka = nomor_opsional(&f.rw, "RW").and_then(|rw| Ok((rw, nomor_opsional(&f.rt, "RT")?)));
    let (rw, rt) = match angka {
        Ok(x) => x,
        Err(m) => {
            page.galat = Some(m);
            page.f = f;
            return (StatusCode::UNPROCESSABLE_ENTITY, html(page)).into_response();
        }
    };
    let input = PengumumanInput {
        wilayah: f.wilayah.clone(),
        rw,
        rt,
        judul: f.judul.clone(),
        isi: f.isi.clone(),
    };
    match iss.pengumuman_terbit(&u, input).await {
        Ok(id) => {
            page.sukses = Some(format!(
                "Pengumuman nomor {id} diterbitkan dan dikirim ke warga yang berlangganan kabar di wilayah itu."
            ));
            html(page)
        }
        Err(e) => {
            let e: ApiError = e.into();
            page.galat = Some(pesan(&e));
            page.f = f;
            (e.status, html(page)).into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "berhenti.html")]
struct HalamanBerhenti {
    k: Kepala,
    token: String,
    kontak: String,
    selesai: bool,
}

/// An unsubscribe token: 32 hex digits (checked before any lookup).
fn token_sah(t: &str) -> bool {
    t.len() == 32 && t.bytes().all(|b| b.is_ascii_hexdigit())
}

/// "+62812****890", "w***@contoh.id".
fn samar_kontak(k: &sidik_store::KontakTersamar) -> String {
    let mut out = Vec::new();
    if let Some(t) = &k.telepon {
        let n = t.len();
        out.push(format!(
            "{}****{}",
            &t[..n.min(6)],
            &t[n.saturating_sub(3)..]
        ));
    }
    if let Some(e) = &k.email {
        if let Some((l, d)) = e.split_once('@') {
            out.push(format!("{}***@{d}", l.chars().next().unwrap_or('*')));
        }
    }
    out.join(" dan ")
}

async fn halaman_berhenti(
    st: &AppState,
    iss: &sidik_issuance::Issuance,
    t: &Csrf,
    token: &str,
) -> Response {
    let kontak = if token_sah(token) {
        iss.store.kontak_by_token(token).await.ok().flatten()
    } else {
        None
    };
    let Some(k) = kontak else {
        return galat(
            st,
            None,
            &t.0,
            StatusCode::NOT_FOUND,
            "Tautan tidak berlaku",
            "Tautan berhenti berlangganan ini tidak dikenal. Periksa kembali tautan pada pesan yang Anda terima.".into(),
        );
    };
    html(HalamanBerhenti {
        k: kepala(st, None, &t.0),
        token: token.to_string(),
        kontak: samar_kontak(&k),
        selesai: k.berhenti.is_some(),
    })
}

/// `GET /kabar/berhenti/{token}`: asks for confirmation.
async fn berhenti_form(
    State(st): State<AppState>,
    Desk(iss): Desk,
    t: Csrf,
    Path(token): Path<String>,
) -> Response {
    halaman_berhenti(&st, &iss, &t, &token).await
}

/// `POST /kabar/berhenti/{token}`: stops every notification to that contact.
async fn berhenti(
    State(st): State<AppState>,
    Desk(iss): Desk,
    t: Csrf,
    Path(token): Path<String>,
    FormulirTamu(Kosong {}): FormulirTamu<Kosong>,
) -> Response {
    if token_sah(&token) {
        if let Err(e) = iss.store.kontak_berhenti(&token, iss.clock.now()).await {
            tracing::warn!("unsubscribe: {e}");
            return galat(
                &st,
                None,
                &t.0,
                StatusCode::SERVICE_UNAVAILABLE,
                "Belum dapat diproses",
                "Permintaan Anda belum dapat diproses; coba lagi beberapa saat lagi.".into(),
            );
        }
    }
    match token_sah(&token) {
        true => Redirect::to(&format!("/kabar/berhenti/{token}")).into_response(),
        false => halaman_berhenti(&st, &iss, &t, &token).await,
    }
}
