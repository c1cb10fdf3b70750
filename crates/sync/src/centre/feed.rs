//! An office's decision feed (with its long poll), and [`LocalLink`]: the centre as a
//! [`CentreLink`] in the same process.

use super::*;

impl Centre {
    /// An office's decision feed. `sampai`: the office has delivered every packet it
    /// enrolled before this instant (its watermark for the decider's hold).
    /// With nothing new, waits up to `wait` (capped at [`MAX_FEED_WAIT`]) for decisions
    /// to be published, then reads the feed again.
    pub async fn feed(
        &self,
        kantor: &str,
        after: i64,
        limit: u32,
        sampai: Option<Timestamp>,
        wait: Duration,
    ) -> Result<Vec<Keputusan>, StoreError> {
        if let Some(t) = sampai {
            let moved = {
                let mut marks = self.watermarks.lock().expect("watermarks lock");
                let old = marks.insert(kantor.to_string(), (t, std::time::Instant::now()));
                old.is_none_or(|(o, _)| o != t)
            };
            if moved {
                self.marks_moved.notify_one();
            }
        }
        // Subscribed before the first read: a publication after it is not missed.
        let mut published = self.published.subscribe();
        let deadline = tokio::time::Instant::now() + wait.min(MAX_FEED_WAIT);
        loop {
            let page = self.store.decision_feed(kantor, after, limit).await?;
            if !page.is_empty() {
                return Ok(page);
            }
            match tokio::time::timeout_at(deadline, published.changed()).await {
                Ok(Ok(())) => {}
                // Timed out (or the centre is shutting down): nothing new.
                Ok(Err(_)) | Err(_) => return Ok(page),
            }
        }
    }
}

/// A [`CentreLink`] to a centre in the same process (standalone role and tests of
/// the protocol without sockets).
pub struct LocalLink {
    pub centre: Arc<Centre>,
    pub kantor: String,
}

#[async_trait]
impl CentreLink for LocalLink {
    async fn push(&self, packet_id: &str, bytes: &[u8]) -> Result<PushOutcome, LinkError> {
        match self.centre.receive(packet_id, bytes).await {
            Ok(Receipt::Accepted) => Ok(PushOutcome::Accepted),
            Ok(Receipt::Replay) => Ok(PushOutcome::Replay),
            Ok(Receipt::Refused { code, reason }) => Ok(PushOutcome::Refused { code, reason }),
            Err(e) => Err(LinkError::Server(e.to_string())),
        }
    }

    async fn pull(
        &self,
        after: i64,
        limit: u32,
        sampai: Timestamp,
        wait: Duration,
    ) -> Result<Vec<Keputusan>, LinkError> {
        self.centre
            .feed(&self.kantor, after, limit, Some(sampai), wait)
            .await
            .map_err(|e| LinkError::Server(e.to_string()))
    }
}
