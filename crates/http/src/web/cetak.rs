//! The office's print desk (`/cetak`): printers, the blank-card ledger and its
//! deliveries, the print queue with priorities and ETAs, printing a batch, the recent
//! batches and spoiled prints. Every form posts to `/cetak/...`; the use cases check
//! the roles, a refusal shows this page again with the reason.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sidik_domain::eta::Perkiraan;
use sidik_domain::tanggal::{tanggal_hari, waktu_wib};
use sidik_issuance::{Issuance, IssuanceError};
use sidik_store::User;

use super::formulir::{Csrf, Formulir};
use super::layout::{html, kepala, pesan, Kepala};
use crate::auth::{Desk, WebUser};
use crate::cetak_api::keadaan_pusat;
use crate::csrf::Token;
use crate::views::label_prioritas;
use crate::{ApiError, AppState};

/// Queue entries the page lists.
const ANTREAN_TAMPIL: u32 = 50;

pub struct BarisPrinter {
    pub id: i64,
    pub nama: String,
    pub kapasitas: u32,
    pub terpakai: u32,
    pub sisa: u32,
    pub aktif: bool,
}

pub struct BarisAntrean {
    pub urut: usize,
    pub nomor: String,
    pub nama: String,
    pub prioritas: String,
    pub perkiraan: String,
}

pub struct BarisBatch {
    pub nomor_batch: String,
    pub printer: String,
    pub waktu: String,
    pub aktor: String,
    /// (registration number, `dicetak` | `rusak`).
    pub item: Vec<(String, String)>,
    pub sorot: bool,
}

pub struct Buku {
    pub diterima: u64,
    pub dipakai: u64,
    pub rusak: u64,
    pub ada: u64,
    pub seimbang: bool,
}

#[derive(Template)]
#[template(path = "cetak.html")]
struct CetakPage {
    k: Kepala,
    galat: Option<String>,
    sukses: Option<String>,
    printers: Vec<BarisPrinter>,
    buku: Buku,
    kiriman: Vec<(i64, String, u64)>,
    antrean: Vec<BarisAntrean>,
    antrean_total: u64,
    batch: Vec<BarisBatch>,
    admin: bool,
}

/// The ETA date of a queued application, short.
fn tanggal_perkiraan(e: &Perkiraan) -> String {
    match e {
        Perkiraan::Tanggal { tanggal, .. } => tanggal_hari(*tanggal),
        Perkiraan::SetelahPusatPulih { hari_kerja } => {
            format!("{hari_kerja} hari kerja setelah pusat pulih")
        }
        Perkiraan::MenungguBlanko => "Menunggu blanko".into(),
        Perkiraan::TanpaKapasitas => "Tidak ada mesin cetak aktif".into(),
        Perkiraan::TidakBerlaku => "-".into(),
    }
}

async fn antrean(st: &AppState, iss: &Issuance) -> Result<Vec<BarisAntrean>, IssuanceError> {
    let pusat = keadaan_pusat(st);
    let mut out = Vec::new();
    for (i, item) in iss
        .print_queue(ANTREAN_TAMPIL, 0)
        .await?
        .into_iter()
        .enumerate()
    {
        let perkiraan = match iss.get(&item.nomor).await {
            Ok(p) => tanggal_perkiraan(&iss.perkiraan(&p, &pusat).await?),
            Err(_) => "-".into(),
        };
        out.push(BarisAntrean {
            urut: i + 1,
            prioritas: label_prioritas(&item.prioritas),
            nomor: item.nomor,
            nama: item.nama,
            perkiraan,
        });
    }
    Ok(out)
}

async fn isi(
    st: &AppState,
    iss: &Issuance,
    page: &mut CetakPage,
    sorot: Option<&str>,
) -> Result<(), IssuanceError> {
    page.printers = iss
        .printers()
        .await?
        .into_iter()
        .map(|p| BarisPrinter {
            id: p.id,
            nama: p.nama,
            kapasitas: p.kapasitas_harian,
            terpakai: p.terpakai,
            sisa: p.kapasitas_harian.saturating_sub(p.terpakai),
            aktif: p.aktif,
        })
        .collect();
    let b = iss.blanko().await?;
    page.buku = Buku {
        diterima: b.diterima,
        dipakai: b.dipakai,
        rusak: b.rusak,
        ada: b.ada(),
        seimbang: b.diterima == b.dipakai + b.rusak + b.ada(),
    };
    page.kiriman = iss
        .blanko_deliveries()
        .await?
        .into_iter()
        .map(|k| (k.id, tanggal_hari(k.tanggal), k.jumlah))
        .collect();
    page.antrean = antrean(st, iss).await?;
    page.antrean_total = iss.print_queue_len().await?;
    page.batch = iss
        .batches_recent(10)
        .await?
        .into_iter()
        .map(|b| BarisBatch {
            sorot: sorot == Some(b.nomor_batch.as_str()),
            nomor_batch: b.nomor_batch,
            printer: b.printer,
            waktu: waktu_wib(b.waktu),
            aktor: b.aktor,
            item: b.item,
        })
        .collect();
    Ok(())
}

/// The page, with a refusal (`galat`) under its status or a success notice.
async fn halaman(
    st: &AppState,
    iss: &Issuance,
    (u, t): (&User, &Token),
    galat: Option<ApiError>,
    q: &HashMap<String, String>,
) -> Response {
    let status = galat.as_ref().map_or(StatusCode::OK, |e| e.status);
    let sorot = q.get("batch").map(String::as_str);
    let mut page = CetakPage {
        k: kepala(st, Some(u), t),
        galat: galat.as_ref().map(pesan),
        sukses: sorot
            .map(|b| format!("Batch {b} selesai dicetak. Cetak kartunya dan lembar batchnya dari daftar batch di bawah."))
            .or_else(|| q.get("ok").map(|_| "Tersimpan.".to_string())),
        printers: vec![],
        buku: Buku {
            diterima: 0,
            dipakai: 0,
            rusak: 0,
            ada: 0,
            seimbang: true,
        },
        kiriman: vec![],
        antrean: vec![],
        antrean_total: 0,
        batch: vec![],
        admin: u.peran == sidik_domain::Peran::Admin,
    };
    if q.get("rusak").is_some() {
        page.sukses = Some(
            "Kartu dicatat rusak; permohonannya kembali ke tempatnya di antrean cetak.".into(),
        );
    }
    if q.get("kosong").is_some() {
        page.sukses = Some("Tidak ada kartu yang dapat dicetak sekarang (antrean kosong, kapasitas mesin hari ini habis, atau blanko habis).".into());
    }
    if let Err(e) = isi(st, iss, &mut page, sorot).await {
        page.galat = Some(pesan(&e.into()));
    }
    (status, html(page)).into_response()
}

/// `GET /cetak`.
pub(super) async fn cetak(
    State(st): State<AppState>,
    Desk(iss): Desk,
    WebUser(u): WebUser,
    Csrf(t): Csrf,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    halaman(&st, &iss, (&u, &t), None, &q).await
}

/// After a form: back to the page (PRG), or the page with the refusal.
async fn hasil<T>(
    st: &AppState,
    iss: &Issuance,
    (u, t): (&User, &Token),
    r: Result<T, ApiError>,
    ke: impl FnOnce(T) -> String,
) -> Response {
    match r {
        Ok(x) => Redirect::to(&ke(x)).into_response(),
        Err(e) => halaman(st, iss, (u, t), Some(e), &HashMap::new()).await,
    }
}

fn angka<T: std::str::FromStr>(v: &str, nama: &str) -> Result<T, ApiError> {
    v.trim().parse().map_err(|_| {
        ApiError::bad_request("bad_number", format!("{nama}: harus berupa bilangan bulat"))
    })
}

#[derive(Deserialize)]
pub(super) struct PrinterForm {
    nama: String,
    kapasitas: String,
    aktif: Option<String>,
}

/// `POST /cetak/printer`: add or change a printer (admin).
pub(super) async fn printer(
    State(st): State<AppState>,
    Desk(iss): Desk,
    WebUser(u): WebUser,
    Csrf(t): Csrf,
    Formulir(f): Formulir<PrinterForm>,
) -> Response {
    let r: Result<_, ApiError> = async {
        let kap: u32 = angka(&f.kapasitas, "kapasitas harian")?;
        let aktif = f.aktif.is_some_and(|a| !a.is_empty());
        Ok(iss.printer_save(&u, f.nama.trim(), kap, aktif).await?)
    }
    .await;
    hasil(&st, &iss, (&u, &t), r, |_| "/cetak?ok=1".into()).await
}

#[derive(Deserialize)]
pub(super) struct TerimaForm {
    jumlah: String,
    #[serde(default)]
    kiriman: String,
}

/// `POST /cetak/blanko/terima`: book a delivery of blanks.
pub(super) async fn blanko_terima(
    State(st): State<AppState>,
    Desk(iss): Desk,
    WebUser(u): WebUser,
    Csrf(t): Csrf,
    Formulir(f): Formulir<TerimaForm>,
) -> Response {
    let r: Result<_, ApiError> = async {
        let jumlah: u64 = angka(&f.jumlah, "jumlah")?;
        let kiriman: Option<i64> = match f.kiriman.trim() {
            "" => None,
            k => Some(angka(k, "kiriman")?),
        };
        Ok(iss.blanko_receive(&u, jumlah, kiriman).await?)
    }
    .await;
    hasil(&st, &iss, (&u, &t), r, |_| "/cetak?ok=1".into()).await
}

#[derive(Deserialize)]
pub(super) struct JadwalForm {
    tanggal: String,
    jumlah: String,
}

/// `POST /cetak/blanko/jadwal`: schedule a delivery.
pub(super) async fn blanko_jadwal(
    State(st): State<AppState>,
    Desk(iss): Desk,
    WebUser(u): WebUser,
    Csrf(t): Csrf,
    Formulir(f): Formulir<JadwalForm>,
) -> Response {
    let r: Result<_, ApiError> = async {
        let jumlah: u64 = angka(&f.jumlah, "jumlah")?;
        let tanggal: jiff::civil::Date = f.tanggal.trim().parse().map_err(|_| {
            ApiError::bad_request("bad_date", "tanggal: pilih tanggal (TTTT-BB-HH)")
        })?;
        Ok(iss.blanko_schedule(&u, tanggal, jumlah).await?)
    }
    .await;
    hasil(&st, &iss, (&u, &t), r, |_| "/cetak?ok=1".into()).await
}

#[derive(Deserialize)]
pub(super) struct JumlahForm {
    jumlah: String,
}

/// `POST /cetak/blanko/rusak`: blanks damaged in stock.
pub(super) async fn blanko_rusak(
    State(st): State<AppState>,
    Desk(iss): Desk,
    WebUser(u): WebUser,
    Csrf(t): Csrf,
    Formulir(f): Formulir<JumlahForm>,
) -> Response {
    let r: Result<_, ApiError> = async {
        let jumlah: u64 = angka(&f.jumlah, "jumlah")?;
        Ok(iss.blanko_spoil_stock(&u, jumlah).await?)
    }
    .await;
    hasil(&st, &iss, (&u, &t), r, |_| "/cetak?ok=1".into()).await
}

#[derive(Deserialize)]
pub(super) struct BatchForm {
    printer_id: String,
    maks: String,
}

/// `POST /cetak/batch`: print the next batch on a printer.
pub(super) async fn batch(
    State(st): State<AppState>,
    Desk(iss): Desk,
    WebUser(u): WebUser,
    Csrf(t): Csrf,
    Formulir(f): Formulir<BatchForm>,
) -> Response {
    let r: Result<_, ApiError> = async {
        let printer: i64 = angka(&f.printer_id, "mesin cetak")?;
        let maks: u32 = angka(&f.maks, "jumlah maksimum")?;
        Ok(iss.print_batch(&u, printer, maks).await?)
    }
    .await;
    hasil(&st, &iss, (&u, &t), r, |b| match b {
        Some(b) => format!("/cetak?batch={}", b.nomor_batch),
        None => "/cetak?kosong=1".into(),
    })
    .await
}

#[derive(Deserialize)]
pub(super) struct RusakForm {
    nomor: String,
    #[serde(default)]
    alasan: String,
}

/// `POST /cetak/batch/{nomor_batch}/rusak`: a spoiled print goes back to its place in
/// the queue.
pub(super) async fn rusak(
    State(st): State<AppState>,
    Desk(iss): Desk,
    WebUser(u): WebUser,
    Csrf(t): Csrf,
    Path(nomor_batch): Path<String>,
    Formulir(f): Formulir<RusakForm>,
) -> Response {
    let alasan = Some(f.alasan.trim().to_string()).filter(|a| !a.is_empty());
    let r = iss
        .print_spoil(&u, &nomor_batch, f.nomor.trim(), alasan)
        .await
        .map_err(ApiError::from);
    hasil(&st, &iss, (&u, &t), r, |_| "/cetak?rusak=1".into()).await
}
