//! The office's view of its sync with the centre: [`SyncView`] (shown on pages, in
//! `/metrics`) and `GET /api/v1/sync/status` (officers; 404 on a standalone node).

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use sidik_store::{StatistikKirim, SyncStore};
use sidik_sync::office::{Keadaan, Kesehatan};

use crate::auth::ApiUser;
use crate::{ApiError, AppState};

/// The office's sync state, for pages, the status API and `/metrics`.
#[derive(Clone)]
pub struct SyncView {
    pub health: Arc<Kesehatan>,
    pub sync: Arc<dyn SyncStore>,
}

/// Routes of an office node under `/api/v1`.
pub fn routes() -> Router<AppState> {
    Router::new().route("/sync/status", get(status))
}

fn keadaan_json(k: &Keadaan, s: &StatistikKirim, now: jiff::Timestamp) -> serde_json::Value {
    serde_json::json!({
        "centre_up": k.up,
        "down_since": k.down_since.map(|t| t.to_string()),
        "last_ok": k.last_ok.map(|t| t.to_string()),
        "last_error": k.last_error,
        "waiting": s.menunggu,
        "oldest_waiting": s.tertua.map(|t| t.to_string()),
        "oldest_waiting_seconds": s.tertua.map(|t| now.duration_since(t).as_secs().max(0)),
        "sent": s.terkirim,
        "refused": s.karantina,
        "decisions_applied": s.keputusan,
        "cursor": s.kursor,
    })
}

async fn status(
    State(st): State<AppState>,
    ApiUser(_u): ApiUser,
) -> Result<Json<serde_json::Value>, ApiError> {
    let v = st.role.sync_view().ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_an_office",
            "this node does not sync with a centre",
        )
    })?;
    let s = v.sync.sync_stats().await?;
    let refused = v.sync.outbox_refused_list(100).await?;
    let mut j = keadaan_json(&v.health.snapshot(), &s, st.clock.now());
    j["refused_packets"] = serde_json::json!(refused
        .iter()
        .map(|(p, r)| serde_json::json!({"packet_id": p.packet_id, "nomor": p.nomor, "reason": r}))
        .collect::<Vec<_>>());
    let findings = v.sync.findings_on_issued_cards(100).await?;
    j["findings_on_issued_cards"] = serde_json::json!(findings
        .iter()
        .map(|t| serde_json::json!({
            "nomor": t.nomor,
            "nik": t.nik,
            "status": t.status,
            "hasil": t.hasil,
            "catatan": t.catatan,
            "waktu": t.waktu.to_string(),
            "kandidat": t.kandidat,
        }))
        .collect::<Vec<_>>());
    Ok(Json(j))
}
