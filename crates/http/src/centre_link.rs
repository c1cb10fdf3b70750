//! [`HttpCentreLink`]: the office's client of the centre's sync endpoints
//! ([`crate::centre_api`]), signing exactly what [`crate::wire`] says.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use reqwest::StatusCode;
use sidik_domain::Keputusan;
use sidik_packet::OfficeKeys;
use sidik_sync::{CentreLink, LinkError, PushOutcome};

use crate::wire::{
    feed_request, upload_chunk_request, upload_offset_request, KeputusanJson, HEADER_OFFICE,
    HEADER_SIGNATURE, HEADER_TIME,
};

/// The office's HTTP client for the centre.
pub struct HttpCentreLink {
    base: String,
    office: String,
    keys: Arc<OfficeKeys>,
    client: reqwest::Client,
    clock: Arc<dyn sidik_ports::Clock>,
}

impl HttpCentreLink {
    pub fn new(
        base: &str,
        office: &str,
        keys: Arc<OfficeKeys>,
        clock: Arc<dyn sidik_ports::Clock>,
    ) -> Result<HttpCentreLink, String> {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(3))
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(HttpCentreLink {
            base: base.trim_end_matches('/').to_string(),
            office: office.to_string(),
            keys,
            client,
            clock,
        })
    }
}

fn net(e: reqwest::Error) -> LinkError {
    if e.is_connect() || e.is_timeout() || e.is_request() {
        LinkError::Unreachable(e.to_string())
    } else {
        LinkError::Server(e.to_string())
    }
}

/// Packets larger than this go up in chunks, resumably.
pub const RESUMABLE_ABOVE: usize = 256 * 1024;
/// Chunk size of a resumable upload.
pub const UPLOAD_CHUNK: usize = 128 * 1024;

/// The centre's answer to a whole packet or to its last chunk.
async fn push_outcome(r: reqwest::Response, packet_id: &str) -> Result<PushOutcome, LinkError> {
    match r.status() {
        StatusCode::CREATED => Ok(PushOutcome::Accepted),
        StatusCode::OK => Ok(PushOutcome::Replay),
        StatusCode::UNPROCESSABLE_ENTITY => {
            let v: serde_json::Value = r.json().await.map_err(net)?;
            Ok(PushOutcome::Refused {
                code: v["code"].as_str().unwrap_or("refused").to_string(),
                reason: v["message"].as_str().unwrap_or_default().to_string(),
            })
        }
        s => Err(LinkError::Server(format!(
            "PUT packet {packet_id}: HTTP {s}: {}",
            r.text().await.unwrap_or_default()
        ))),
    }
}

impl HttpCentreLink {
    fn signed(&self, req: reqwest::RequestBuilder, what: &str) -> reqwest::RequestBuilder {
        let now = self.clock.real_now().as_second();
        let sig = sidik_packet::sign_request(&self.keys, &self.office, now, what);
        req.header(HEADER_OFFICE, &self.office)
            .header(HEADER_TIME, now.to_string())
            .header(HEADER_SIGNATURE, hex::encode(sig))
    }

    /// How much of an upload the centre holds (0 if none, or if it is of another size).
    async fn upload_offset(&self, packet_id: &str, total: u64) -> Result<u64, LinkError> {
        let what = upload_offset_request(packet_id);
        let r = self
            .signed(
                self.client
                    .get(format!("{}{}", self.base, what.trim_start_matches("GET "))),
                &what,
            )
            .send()
            .await
            .map_err(net)?;
        match r.status() {
            StatusCode::OK => {
                let v: serde_json::Value = r.json().await.map_err(net)?;
                let offset = v["offset"].as_u64().unwrap_or(0);
                Ok(if v["total"].as_u64() == Some(total) && offset < total {
                    offset
                } else {
                    0
                })
            }
            StatusCode::NOT_FOUND => Ok(0),
            s => Err(LinkError::Server(format!(
                "upload offset of {packet_id}: HTTP {s}: {}",
                r.text().await.unwrap_or_default()
            ))),
        }
    }

    /// Sends a large packet in chunks from wherever the centre's copy stops: a broken
    /// connection costs at most the chunk in flight, not the whole packet.
    async fn push_resumable(
        &self,
        packet_id: &str,
        bytes: &[u8],
    ) -> Result<PushOutcome, LinkError> {
        let total = bytes.len() as u64;
        let mut offset = self.upload_offset(packet_id, total).await?;
        // Each round either advances by a chunk or learns the centre's offset; bounded
        // so that a confused centre cannot keep the worker here forever.
        for _ in 0..2 * bytes.len().div_ceil(UPLOAD_CHUNK) + 4 {
            let start = offset as usize;
            let chunk = &bytes[start..(start + UPLOAD_CHUNK).min(bytes.len())];
            let what = upload_chunk_request(packet_id, offset, total, chunk);
            let path = what.trim_start_matches("PUT ");
            let path = &path[..path.find("&sha256=").unwrap_or(path.len())];
            let r = self
                .signed(
                    self.client
                        .put(format!("{}{path}", self.base))
                        .header("content-type", "application/octet-stream")
                        .body(chunk.to_vec()),
                    &what,
                )
                .send()
                .await
                .map_err(net)?;
            match r.status() {
                StatusCode::ACCEPTED | StatusCode::CONFLICT => {
                    let conflict = r.status() == StatusCode::CONFLICT;
                    let v: serde_json::Value = r.json().await.map_err(net)?;
                    match v["offset"].as_u64() {
                        Some(o) if o < total => offset = o,
                        _ => {
                            return Err(LinkError::Server(format!(
                                "upload of {packet_id}: the centre answered {} ({})",
                                if conflict { "a conflict" } else { "no offset" },
                                v["message"].as_str().unwrap_or_default()
                            )))
                        }
                    }
                }
                _ => return push_outcome(r, packet_id).await,
            }
        }
        Err(LinkError::Server(format!(
            "upload of {packet_id} did not complete"
        )))
    }
}

#[async_trait]
impl CentreLink for HttpCentreLink {
    async fn push(&self, packet_id: &str, bytes: &[u8]) -> Result<PushOutcome, LinkError> {
        if bytes.len() > RESUMABLE_ABOVE {
            return self.push_resumable(packet_id, bytes).await;
        }
        let r = self
            .client
            .put(format!("{}/api/v1/sync/packets/{packet_id}", self.base))
            .header("content-type", "application/octet-stream")
            .body(bytes.to_vec())
            .send()
            .await
            .map_err(net)?;
        push_outcome(r, packet_id).await
    }

    async fn pull(
        &self,
        after: i64,
        limit: u32,
        sampai: jiff::Timestamp,
        wait: Duration,
    ) -> Result<Vec<Keputusan>, LinkError> {
        let sampai = sampai.as_nanosecond() as i64;
        let wait = (!wait.is_zero()).then_some(wait.as_millis() as u64);
        let request = feed_request(after, limit, Some(sampai), wait);
        let path = request.trim_start_matches("GET ");
        let r = self
            .signed(self.client.get(format!("{}{path}", self.base)), &request)
            .send()
            .await
            .map_err(net)?;
        if !r.status().is_success() {
            return Err(LinkError::Server(format!(
                "decision feed: HTTP {}: {}",
                r.status(),
                r.text().await.unwrap_or_default()
            )));
        }
        let list: Vec<KeputusanJson> = r.json().await.map_err(net)?;
        list.into_iter()
            .map(|k| {
                k.into_domain()
                    .map_err(|e| LinkError::Server(format!("bad decision: {e}")))
            })
            .collect()
    }
}
