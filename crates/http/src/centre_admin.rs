//! The centre's officers' JSON API under `/api/v1/centre/...` (session or bearer
//! token). Who may do what is decided in `sidik-sync` (`Centre`'s methods take the
//! officer); here requests are parsed and answered.
//!
//! | path | who | what |
//! |---|---|---|
//! | `GET centre/status` | any officer | counts, gallery size |
//! | `GET centre/quarantine` | admin | refused packets |
//! | `GET centre/duplicates` | verifikator, admin | `ganda` cases |
//! | `GET/POST centre/offices` | admin | registered office keys; register one |
//! | `POST centre/applications/{nomor}/adjudication` | verifikator, admin | `{result: tunggal\|tolak, reason}` |
//!
//! Renamed in this version (the JSON API speaks one language): the former
//! `/api/v1/pusat/{status,karantina,ganda,kantor,permohonan/{nomor}/adjudikasi}` answer
//! `308 Permanent Redirect` to the paths above (method and body kept; the former
//! body fields `hasil`/`alasan` are still accepted).

use std::collections::BTreeMap;

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use serde::Deserialize;
use sidik_sync::centre::Actor;

use crate::auth::{ApiUser, CentreNode};
use crate::{ApiError, AppState};

/// Routes under `/api/v1`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/centre/status", get(status))
        .route("/centre/quarantine", get(quarantine))
        .route("/centre/duplicates", get(duplicates))
        .route("/centre/offices", get(offices).post(office_add))
        .route(
            "/centre/applications/{nomor}/adjudication",
            post(adjudication),
        )
        .route("/pusat/{*rest}", any(renamed))
}

/// The former `/api/v1/pusat/...` paths, redirected to their new names.
async fn renamed(Path(rest): Path<String>) -> Response {
    let to = match rest.as_str() {
        "status" => Some("status".to_string()),
        "karantina" => Some("quarantine".to_string()),
        "ganda" => Some("duplicates".to_string()),
        "kantor" => Some("offices".to_string()),
        other => other
            .strip_prefix("permohonan/")
            .and_then(|r| r.strip_suffix("/adjudikasi"))
            .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            .map(|n| format!("applications/{n}/adjudication")),
    };
    match to {
        Some(to) => (
            StatusCode::PERMANENT_REDIRECT,
            [(header::LOCATION, format!("/api/v1/centre/{to}"))],
        )
            .into_response(),
        None => {
            ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such endpoint").into_response()
        }
    }
}

async fn status(
    CentreNode(c): CentreNode,
    ApiUser(_u): ApiUser,
) -> Result<Json<serde_json::Value>, ApiError> {
    let s = c.store.centre_stats().await?;
    Ok(Json(serde_json::json!({
        "received": s.diterima,
        "decided": s.diputuskan,
        "waiting": s.menunggu,
        "quarantined": s.karantina,
        "decisions": s.keputusan.iter().map(|(k, v)| (k.slug(), *v)).collect::<BTreeMap<_, _>>(),
        "packets": s.status.iter().map(|(k, v)| (k.slug(), *v)).collect::<BTreeMap<_, _>>(),
        "gallery": c.abis.len(),
    })))
}

async fn quarantine(
    CentreNode(c): CentreNode,
    ApiUser(u): ApiUser,
) -> Result<Json<serde_json::Value>, ApiError> {
    let list = c.quarantine(Actor::Officer(&u), 500).await?;
    Ok(Json(serde_json::json!(list
        .iter()
        .map(|q| serde_json::json!({
            "id": q.id,
            "sha256": q.sha256,
            "packet_id": q.packet_id,
            "office": q.kantor,
            "code": q.kode,
            "reason": q.alasan,
            "bytes": q.ukuran,
            "received": q.diterima.to_string(),
        }))
        .collect::<Vec<_>>())))
}

async fn duplicates(
    CentreNode(c): CentreNode,
    ApiUser(u): ApiUser,
) -> Result<Json<serde_json::Value>, ApiError> {
    let list = c.ganda_cases(Actor::Officer(&u), 500).await?;
    Ok(Json(serde_json::json!(list
        .iter()
        .map(|p| serde_json::json!({
            "nomor": p.nomor.to_string(), "nik": p.nik.to_string(), "nama": p.nama,
            "office": p.kantor.to_string(), "packet_id": p.packet_id,
            "received": p.diterima.to_string(),
        }))
        .collect::<Vec<_>>())))
}

async fn offices(
    CentreNode(c): CentreNode,
    ApiUser(u): ApiUser,
) -> Result<Json<serde_json::Value>, ApiError> {
    let list = c.offices(Actor::Officer(&u)).await?;
    Ok(Json(serde_json::json!(list
        .iter()
        .map(|k| serde_json::json!({
            "office": k.kode.to_string(), "name": k.nama, "public_key": k.public_key,
            "revoked": k.dicabut.map(|t| t.to_string()), "registered": k.dibuat.to_string(),
        }))
        .collect::<Vec<_>>())))
}

#[derive(Deserialize)]
struct OfficeBody {
    office: String,
    #[serde(default)]
    name: String,
    public_key: String,
}

async fn office_add(
    CentreNode(c): CentreNode,
    ApiUser(u): ApiUser,
    body: Result<Json<OfficeBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(b) = body.map_err(|e| ApiError::bad_request("bad_json", e.body_text()))?;
    let kode = sidik_domain::KodeKantor::parse(&b.office)
        .map_err(|e| ApiError::bad_request("invalid_office", e))?;
    let pk: [u8; 32] = hex::decode(b.public_key.trim())
        .ok()
        .and_then(|v| v.try_into().ok())
        .ok_or_else(|| ApiError::bad_request("invalid_key", "public_key must be 32 hex bytes"))?;
    let pk = sidik_packet::OfficePublicKey::from_bytes(&pk)
        .map_err(|e| ApiError::bad_request("invalid_key", e.to_string()))?;
    let cert = c
        .register_office(Actor::Officer(&u), &kode, b.name.trim(), &pk)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({"office": kode.as_str(), "certificate": cert.to_text()})),
    )
        .into_response())
}

#[derive(Deserialize)]
struct AdjudicationBody {
    /// `tunggal` (different persons: print) or `tolak` (reject).
    #[serde(alias = "hasil")]
    result: String,
    #[serde(alias = "alasan")]
    reason: String,
}

async fn adjudication(
    CentreNode(c): CentreNode,
    ApiUser(u): ApiUser,
    Path(nomor): Path<String>,
    body: Result<Json<AdjudicationBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(b) = body.map_err(|e| ApiError::bad_request("bad_json", e.body_text()))?;
    let tunggal = match b.result.as_str() {
        "tunggal" => true,
        "tolak" => false,
        o => {
            return Err(ApiError::bad_request(
                "invalid_result",
                format!("result {o:?} must be tunggal or tolak"),
            ))
        }
    };
    c.adjudicate(Actor::Officer(&u), &nomor, tunggal, &b.reason)
        .await?;
    Ok((
        StatusCode::OK,
        Json(serde_json::json!({"nomor": nomor, "result": b.result})),
    )
        .into_response())
}
