//! The JSON API of the office's document desk under `/api/v1`: Suket, the print queue,
//! printers, the blank-card ledger, batches and the ETA.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use sidik_domain::eta::{KeadaanPusat, Perkiraan};
use sidik_domain::tanggal::tanggal_wib;
use sidik_store::{BatchCetak, ItemAntrean, SuketTersimpan};

use crate::api::json_body;
use crate::auth::{ApiUser, Desk};
use crate::{ApiError, AppState};

/// A whole number given as a JSON number: `59` or `59.0` (JSON Schema's `integer`
/// allows both); anything else is refused.
fn whole<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let v = f64::deserialize(d)?;
    if v.fract() == 0.0 && (0.0..=9.0e15).contains(&v) {
        Ok(v as u64)
    } else {
        Err(serde::de::Error::custom(format!(
            "{v} is not a whole number >= 0"
        )))
    }
}

fn whole_u32<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let v = whole(d)?;
    u32::try_from(v).map_err(|_| serde::de::Error::custom(format!("{v} is too large")))
}

fn whole_i64<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    Ok(whole(d)? as i64)
}

fn opt_whole_i64<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Option::<f64>::deserialize(d)?
        .map(|v| {
            if v.fract() == 0.0 && (0.0..=9.0e15).contains(&v) {
                Ok(v as i64)
            } else {
                Err(serde::de::Error::custom(format!(
                    "{v} is not a whole number >= 0"
                )))
            }
        })
        .transpose()
}

/// Routes of the document desk (standalone and office roles).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/applications/{nomor}/suket",
            get(suket_list).post(suket_issue),
        )
        .route("/applications/{nomor}/eta", get(eta))
        .route("/suket/{nomor_suket}/revoke", post(suket_revoke))
        .route("/print/status", get(print_status))
        .route("/print/queue", get(print_queue))
        .route("/print/printers", post(printer_save))
        .route("/print/blanko/receive", post(blanko_receive))
        .route("/print/blanko/schedule", post(blanko_schedule))
        .route("/print/blanko/spoil", post(blanko_spoil))
        .route("/print/batches", post(print_batch).get(batches))
        .route("/print/batches/{nomor_batch}", get(batch))
        .route(
            "/print/batches/{nomor_batch}/spoil/{nomor}",
            post(print_spoil),
        )
}

/// The centre's state as the ETA needs it (an office's sync view; `Normal` elsewhere).
pub(crate) fn keadaan_pusat(st: &AppState) -> KeadaanPusat {
    match crate::web::centre_down_since(st) {
        Some(t) => KeadaanPusat::Terputus {
            sejak: tanggal_wib(t),
        },
        None => KeadaanPusat::Normal,
    }
}

pub(crate) fn suket_json(s: &SuketTersimpan) -> serde_json::Value {
    serde_json::json!({
        "nomor_suket": s.suket.nomor_suket,
        "nomor": s.suket.nomor,
        "ke": s.suket.ke,
        "kid": s.suket.kid,
        "diterbitkan": s.suket.diterbitkan.to_string(),
        "berlaku_hingga": s.suket.berlaku_hingga.to_string(),
        "status": s.status.slug(),
        "dicabut": s.dicabut.map(|t| t.to_string()),
        "alasan": s.alasan,
        "keterangan": s.keterangan,
        "qr": s.suket.qr,
    })
}

pub(crate) fn perkiraan_json(p: &Perkiraan) -> serde_json::Value {
    let (jenis, tanggal, hari) = match p {
        Perkiraan::Tanggal {
            tanggal,
            hari_kerja,
        } => ("tanggal", Some(tanggal.to_string()), Some(*hari_kerja)),
        Perkiraan::SetelahPusatPulih { hari_kerja } => {
            ("setelah_pusat_pulih", None, Some(*hari_kerja))
        }
        Perkiraan::MenungguBlanko => ("menunggu_blanko", None, None),
        Perkiraan::TanpaKapasitas => ("tanpa_kapasitas", None, None),
        Perkiraan::TidakBerlaku => ("tidak_berlaku", None, None),
    };
    serde_json::json!({"jenis": jenis, "tanggal": tanggal, "hari_kerja": hari, "kalimat": p.kalimat()})
}

fn batch_json(b: &BatchCetak) -> serde_json::Value {
    serde_json::json!({
        "nomor_batch": b.nomor_batch,
        "printer_id": b.printer_id,
        "printer": b.printer,
        "waktu": b.waktu.to_string(),
        "tanggal": b.tanggal.to_string(),
        "aktor": b.aktor,
        "items": b.item.iter().map(|(n, h)| serde_json::json!({"nomor": n, "hasil": h})).collect::<Vec<_>>(),
    })
}

fn antrean_json(i: &ItemAntrean) -> serde_json::Value {
    serde_json::json!({
        "nomor": i.nomor,
        "nama": i.nama,
        "dibuat": i.dibuat.to_string(),
        "kelas": i.prioritas.kelas,
        "keperluan": i.prioritas.keperluan,
        "tanggal_perlu": i.prioritas.tanggal_perlu.map(|d| d.to_string()),
        "lansia": i.prioritas.lansia,
        "disabilitas": i.prioritas.disabilitas,
    })
}

async fn suket_list(
    Desk(iss): Desk,
    ApiUser(_): ApiUser,
    Path(nomor): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    iss.get(&nomor).await?;
    let items: Vec<_> = iss.suket_of(&nomor).await?.iter().map(suket_json).collect();
    Ok(Json(serde_json::json!({"items": items})))
}

async fn suket_issue(
    Desk(iss): Desk,
    ApiUser(u): ApiUser,
    Path(nomor): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    Ok(Json(suket_json(&iss.suket_issue(&u, &nomor).await?)))
}

#[derive(Deserialize)]
struct RevokeBody {
    alasan: String,
}

async fn suket_revoke(
    Desk(iss): Desk,
    ApiUser(u): ApiUser,
    Path(nomor_suket): Path<String>,
    body: Result<Json<RevokeBody>, JsonRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let b = json_body(body)?;
    Ok(Json(suket_json(
        &iss.suket_revoke(&u, &nomor_suket, &b.alasan).await?,
    )))
}

async fn eta(
    State(st): State<AppState>,
    Desk(iss): Desk,
    ApiUser(_): ApiUser,
    Path(nomor): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let p = iss.get(&nomor).await?;
    let e = iss.perkiraan(&p, &keadaan_pusat(&st)).await?;
    let mut v = perkiraan_json(&e);
    v["status"] = p.status.slug().into();
    Ok(Json(v))
}

async fn print_status(
    Desk(iss): Desk,
    ApiUser(_): ApiUser,
) -> Result<Json<serde_json::Value>, ApiError> {
    let printers = iss.printers().await?;
    let b = iss.blanko().await?;
    let kiriman = iss.blanko_deliveries().await?;
    let suket = iss
        .store
        .suket_stats()
        .await
        .map_err(sidik_issuance::IssuanceError::from)?;
    Ok(Json(serde_json::json!({
        "printers": printers.iter().map(|p| serde_json::json!({
            "id": p.id, "nama": p.nama, "kapasitas_harian": p.kapasitas_harian,
            "aktif": p.aktif, "terpakai_hari_ini": p.terpakai,
        })).collect::<Vec<_>>(),
        "blanko": {"diterima": b.diterima, "dipakai": b.dipakai, "rusak": b.rusak, "ada": b.ada()},
        "kiriman": kiriman.iter().map(|k| serde_json::json!({
            "id": k.id, "tanggal": k.tanggal.to_string(), "jumlah": k.jumlah,
        })).collect::<Vec<_>>(),
        "antrean": iss.print_queue_len().await?,
        "suket": {"aktif": suket.aktif, "dicabut": suket.dicabut, "diganti": suket.diganti},
    })))
}

#[derive(Deserialize)]
struct Page {
    limit: Option<u32>,
    offset: Option<u32>,
}

async fn print_queue(
    Desk(iss): Desk,
    ApiUser(_): ApiUser,
    q: Result<Query<Page>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let Query(q) = q.map_err(|e| ApiError::bad_request("bad_query", e.body_text()))?;
    let limit = q.limit.unwrap_or(50);
    if !(1..=1000).contains(&limit) || q.offset.is_some_and(|o| o > 10_000_000) {
        return Err(ApiError::bad_request("bad_query", "limit: 1-1000"));
    }
    let items: Vec<_> = iss
        .print_queue(limit, q.offset.unwrap_or(0))
        .await?
        .iter()
        .map(antrean_json)
        .collect();
    Ok(Json(
        serde_json::json!({"items": items, "total": iss.print_queue_len().await?}),
    ))
}

#[derive(Deserialize)]
struct PrinterBody {
    nama: String,
    #[serde(deserialize_with = "whole_u32")]
    kapasitas_harian: u32,
    #[serde(default = "yes")]
    aktif: bool,
}

fn yes() -> bool {
    true
}

async fn printer_save(
    Desk(iss): Desk,
    ApiUser(u): ApiUser,
    body: Result<Json<PrinterBody>, JsonRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let b = json_body(body)?;
    let id = iss
        .printer_save(&u, &b.nama, b.kapasitas_harian, b.aktif)
        .await?;
    Ok(Json(serde_json::json!({"id": id})))
}

#[derive(Deserialize)]
struct ReceiveBody {
    #[serde(deserialize_with = "whole")]
    jumlah: u64,
    #[serde(default, deserialize_with = "opt_whole_i64")]
    kiriman: Option<i64>,
}

fn ledger_json(b: &sidik_store::BukuBlanko) -> serde_json::Value {
    serde_json::json!({"diterima": b.diterima, "dipakai": b.dipakai, "rusak": b.rusak, "ada": b.ada()})
}

async fn blanko_receive(
    Desk(iss): Desk,
    ApiUser(u): ApiUser,
    body: Result<Json<ReceiveBody>, JsonRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let b = json_body(body)?;
    Ok(Json(ledger_json(
        &iss.blanko_receive(&u, b.jumlah, b.kiriman).await?,
    )))
}

#[derive(Deserialize)]
struct ScheduleBody {
    tanggal: String,
    #[serde(deserialize_with = "whole")]
    jumlah: u64,
}

async fn blanko_schedule(
    Desk(iss): Desk,
    ApiUser(u): ApiUser,
    body: Result<Json<ScheduleBody>, JsonRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let b = json_body(body)?;
    let tanggal: jiff::civil::Date = b
        .tanggal
        .trim()
        .parse()
        .map_err(|_| ApiError::bad_request("bad_date", "tanggal: a date YYYY-MM-DD"))?;
    let id = iss.blanko_schedule(&u, tanggal, b.jumlah).await?;
    Ok(Json(serde_json::json!({"id": id})))
}

#[derive(Deserialize)]
struct SpoilStockBody {
    #[serde(deserialize_with = "whole")]
    jumlah: u64,
}

async fn blanko_spoil(
    Desk(iss): Desk,
    ApiUser(u): ApiUser,
    body: Result<Json<SpoilStockBody>, JsonRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let b = json_body(body)?;
    Ok(Json(ledger_json(
        &iss.blanko_spoil_stock(&u, b.jumlah).await?,
    )))
}

#[derive(Deserialize)]
struct BatchBody {
    #[serde(deserialize_with = "whole_i64")]
    printer_id: i64,
    #[serde(deserialize_with = "whole_u32")]
    maks: u32,
}

async fn print_batch(
    Desk(iss): Desk,
    ApiUser(u): ApiUser,
    body: Result<Json<BatchBody>, JsonRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let b = json_body(body)?;
    Ok(Json(
        match iss.print_batch(&u, b.printer_id, b.maks).await? {
            Some(batch) => batch_json(&batch),
            None => serde_json::json!({"nomor_batch": null, "items": []}),
        },
    ))
}

async fn batches(
    Desk(iss): Desk,
    ApiUser(_): ApiUser,
) -> Result<Json<serde_json::Value>, ApiError> {
    let items: Vec<_> = iss
        .batches_recent(50)
        .await?
        .iter()
        .map(batch_json)
        .collect();
    Ok(Json(serde_json::json!({"items": items})))
}

async fn batch(
    Desk(iss): Desk,
    ApiUser(_): ApiUser,
    Path(nomor_batch): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    Ok(Json(batch_json(&iss.batch(&nomor_batch).await?)))
}

#[derive(Deserialize, Default)]
struct SpoilBody {
    alasan: Option<String>,
}

async fn print_spoil(
    Desk(iss): Desk,
    ApiUser(u): ApiUser,
    Path((nomor_batch, nomor)): Path<(String, String)>,
    body: Result<Json<SpoilBody>, JsonRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let b = match body {
        Err(JsonRejection::MissingJsonContentType(_)) => SpoilBody::default(),
        other => json_body(other)?,
    };
    let p = iss.print_spoil(&u, &nomor_batch, &nomor, b.alasan).await?;
    Ok(Json(
        serde_json::json!({"nomor": p.nomor.to_string(), "status": p.status.slug()}),
    ))
}
