//! The sync protocol, centre side (role `centre`):
//!
//! - `PUT /api/v1/sync/packets/{packet_id}`: body = the packet bytes. The packet's own
//!   signature authenticates it. 201 accepted, 200 replay (harmless), 422 refused and
//!   quarantined (`{code, message}`), 5xx: retry later.
//! - `GET /api/v1/sync/decisions?after=N&limit=L&sampai=T[&wait=MS]`: the calling
//!   office's decision feed, authenticated by an Ed25519 signature of the office's
//!   certified key over the request (headers `X-Sidik-Office`, `X-Sidik-Time` (Unix
//!   seconds, ±300 s), `X-Sidik-Signature` (hex); see [`crate::wire`]). With `wait`, a
//!   long poll: when there is nothing new the centre holds the request up to `wait` ms
//!   (at most 25 s) and answers as soon as decisions are published.
//! - `GET /api/v1/sync/uploads/{packet_id}` and
//!   `PUT /api/v1/sync/uploads/{packet_id}?offset=O&total=T` (body = the chunk): a
//!   resumable upload of a large packet, signed like the feed (the signed message also
//!   names the chunk's SHA-256). 202 `{offset}`: send the next chunk from there; 409
//!   `{code: offset_mismatch, offset}`: resume from `offset`; the last chunk is answered
//!   like a whole packet (201 / 200 / 422). Offices send packets above
//!   [`crate::RESUMABLE_ABOVE`] this way.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use serde::Deserialize;
use sidik_sync::{Centre, Receipt};

use crate::auth::CentreNode;
use crate::wire::{
    feed_request, upload_chunk_request, upload_offset_request, KeputusanJson, HEADER_OFFICE,
    HEADER_SIGNATURE, HEADER_TIME, MAX_SKEW_SECONDS,
};
use crate::{ApiError, AppState};

/// The centre's sync endpoints under `/api/v1`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sync/packets/{id}", put(put_packet))
        .route("/sync/decisions", get(decisions))
        .route("/sync/uploads/{id}", get(upload_offset).put(put_chunk))
}

async fn put_packet(
    CentreNode(c): CentreNode,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let r = c.receive(&id, &body).await?;
    Ok(receipt_response(&id, r))
}

fn receipt_response(id: &str, r: Receipt) -> Response {
    match r {
        Receipt::Accepted => (
            StatusCode::CREATED,
            Json(serde_json::json!({"result": "accepted", "packet_id": id})),
        )
            .into_response(),
        Receipt::Replay => (
            StatusCode::OK,
            Json(serde_json::json!({"result": "replay", "packet_id": id})),
        )
            .into_response(),
        Receipt::Refused { code, reason } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(serde_json::json!({"code": code, "message": reason, "quarantined": true})),
        )
            .into_response(),
    }
}

async fn upload_offset(
    State(st): State<AppState>,
    CentreNode(c): CentreNode,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let office = signed_by(&st, &c, &headers, &upload_offset_request(&id))?;
    match c.uploads.offset(&office, &id) {
        Some((offset, total)) => {
            Ok(Json(serde_json::json!({"offset": offset, "total": total})).into_response())
        }
        None => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "no_upload",
            "no upload of this packet in progress: start at offset 0",
        )),
    }
}

#[derive(Deserialize)]
struct ChunkQuery {
    offset: u64,
    total: u64,
}

async fn put_chunk(
    State(st): State<AppState>,
    CentreNode(c): CentreNode,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<ChunkQuery>,
    body: Bytes,
) -> Result<Response, ApiError> {
    use sidik_sync::centre::{ChunkError, ChunkReceipt};
    use sidik_sync::upload::UploadError;
    let office = signed_by(
        &st,
        &c,
        &headers,
        &upload_chunk_request(&id, q.offset, q.total, &body),
    )?;
    match c
        .receive_chunk(&office, &id, q.offset, q.total, &body)
        .await
    {
        Ok(ChunkReceipt::Partial { offset }) => Ok((
            StatusCode::ACCEPTED,
            Json(serde_json::json!({"offset": offset, "total": q.total})),
        )
            .into_response()),
        Ok(ChunkReceipt::Done(r)) => Ok(receipt_response(&id, r)),
        Err(ChunkError::Store(e)) => Err(e.into()),
        // The one error the office acts on: where to resume.
        Err(ChunkError::Upload(UploadError::OffsetMismatch { expected })) => Ok((
            StatusCode::CONFLICT,
            Json(serde_json::json!({
                "code": "offset_mismatch",
                "message": format!("the upload is at offset {expected}; send the chunk starting there"),
                "offset": expected,
            })),
        )
            .into_response()),
        Err(ChunkError::Upload(UploadError::TotalMismatch { total })) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "total_mismatch",
            format!("this upload was started with a total of {total} bytes"),
        )),
        Err(ChunkError::Upload(UploadError::TooLarge(m))) => {
            Err(ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", m))
        }
        Err(ChunkError::Upload(UploadError::Empty)) => Err(ApiError::bad_request(
            "empty_chunk",
            "the chunk is empty",
        )),
        Err(ChunkError::Upload(UploadError::Full)) => Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "uploads_full",
            "too many uploads in progress; retry later",
        )),
    }
}

#[derive(Deserialize)]
struct FeedQuery {
    #[serde(default)]
    after: i64,
    #[serde(default = "default_limit")]
    limit: u32,
    /// The office's watermark (unix nanoseconds): it has delivered every packet it
    /// enrolled before this instant.
    sampai: Option<i64>,
    /// Milliseconds the centre may hold the request when there is nothing new (a long
    /// poll; at most 25 s).
    wait: Option<u64>,
}

fn default_limit() -> u32 {
    1000
}

/// The office that signed `what` (headers `X-Sidik-Office`, `X-Sidik-Time`,
/// `X-Sidik-Signature`), if its certified, unrevoked key did, within ±300 s.
fn signed_by(
    st: &AppState,
    c: &Centre,
    headers: &HeaderMap,
    what: &str,
) -> Result<String, ApiError> {
    let unauthorized = |m: &str| ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", m);
    let h = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let office = h(HEADER_OFFICE).ok_or_else(|| unauthorized("X-Sidik-Office missing"))?;
    let time: i64 = h(HEADER_TIME)
        .and_then(|t| t.parse().ok())
        .ok_or_else(|| unauthorized("X-Sidik-Time missing or not a number"))?;
    let sig: [u8; 64] = h(HEADER_SIGNATURE)
        .and_then(|s| hex::decode(s).ok())
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| unauthorized("X-Sidik-Signature missing or not 64 hex bytes"))?;
    let now = st.clock.real_now().as_second();
    if (now - time).abs() > MAX_SKEW_SECONDS {
        return Err(unauthorized("request time too far from the centre's clock"));
    }
    if !c.verify_request(&office, time, what, &sig) {
        return Err(unauthorized(
            "signature does not verify under a certified, unrevoked key of this office",
        ));
    }
    Ok(office)
}

async fn decisions(
    State(st): State<AppState>,
    CentreNode(c): CentreNode,
    headers: HeaderMap,
    Query(q): Query<FeedQuery>,
) -> Result<Json<Vec<KeputusanJson>>, ApiError> {
    let office = signed_by(
        &st,
        &c,
        &headers,
        &feed_request(q.after, q.limit, q.sampai, q.wait),
    )?;
    let feed = c
        .feed(
            &office,
            q.after,
            q.limit.clamp(1, 5000),
            q.sampai
                .and_then(|n| jiff::Timestamp::from_nanosecond(n as i128).ok()),
            Duration::from_millis(q.wait.unwrap_or(0)),
        )
        .await?;
    Ok(Json(feed.iter().map(KeputusanJson::from).collect()))
}
