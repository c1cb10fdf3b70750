//! Resumable uploads of large packets.
//!
//! An office on a poor link sends a large packet (photos make them hundreds of KiB) in
//! chunks; after a broken connection it asks how much arrived and goes on from there
//! instead of starting over. Chunks are staged in memory per (office, packet id) until
//! the packet is complete, then the whole packet goes through the normal intake
//! ([`crate::centre::Centre::receive`]): only then is anything acknowledged or recorded.
//! A staged upload is not an acknowledgement, so losing it (a centre restart, or an
//! upload idle for [`STAGED_IDLE`]) only costs the office a fresh start from offset 0.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sidik_packet::MAX_PACKET_BYTES;

/// Largest chunk accepted in one request.
pub const CHUNK_MAX: usize = 512 * 1024;
/// Most bytes staged at once, over all offices (memory bound of the centre).
pub const STAGED_MAX_BYTES: usize = 64 * 1024 * 1024;
/// A staged upload untouched this long is dropped.
pub const STAGED_IDLE: Duration = Duration::from_secs(3600);

/// Where an upload stands after a chunk.
#[derive(Debug, PartialEq, Eq)]
pub enum Chunk {
    /// More is expected; the next chunk starts at `offset`.
    Partial { offset: u64 },
    /// The last chunk arrived: the whole packet.
    Complete(Vec<u8>),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UploadError {
    #[error("{0}")]
    TooLarge(String),
    #[error("the upload is at offset {expected}, not at the chunk's offset")]
    OffsetMismatch { expected: u64 },
    #[error("the upload was started with a total of {total} bytes")]
    TotalMismatch { total: u64 },
    #[error("an empty chunk")]
    Empty,
    #[error("too many uploads in progress; retry later")]
    Full,
}

struct Staged {
    total: u64,
    bytes: Vec<u8>,
    touched: Instant,
}

/// The centre's staged uploads.
#[derive(Default)]
pub struct Staging {
    inner: Mutex<HashMap<(String, String), Staged>>,
    /// Chunks refused for their offset (re-sent, or sent past a gap) since start.
    pub offset_mismatches: std::sync::atomic::AtomicU64,
}

impl Staging {
    /// (bytes received, declared total) of an upload in progress.
    pub fn offset(&self, office: &str, packet_id: &str) -> Option<(u64, u64)> {
        let map = self.inner.lock().expect("staging lock");
        map.get(&(office.to_string(), packet_id.to_string()))
            .map(|s| (s.bytes.len() as u64, s.total))
    }

    /// Appends a chunk at `offset` of an upload of `total` bytes. Chunks must come in
    /// order: a chunk at another offset than the bytes received so far is refused with
    /// the offset to resume from (a chunk sent twice is refused, not appended twice).
    pub fn append(
        &self,
        office: &str,
        packet_id: &str,
        offset: u64,
        total: u64,
        chunk: &[u8],
        now: Instant,
    ) -> Result<Chunk, UploadError> {
        if total == 0 || total > MAX_PACKET_BYTES as u64 {
            return Err(UploadError::TooLarge(format!(
                "a packet of {total} bytes: packets are 1 to {MAX_PACKET_BYTES} bytes"
            )));
        }
        if chunk.is_empty() {
            return Err(UploadError::Empty);
        }
        if chunk.len() > CHUNK_MAX {
            return Err(UploadError::TooLarge(format!(
                "a chunk of {} bytes: chunks are at most {CHUNK_MAX} bytes",
                chunk.len()
            )));
        }
        let mismatch = |expected: u64| {
            self.offset_mismatches
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Err(UploadError::OffsetMismatch { expected })
        };
        let mut map = self.inner.lock().expect("staging lock");
        map.retain(|_, s| now.saturating_duration_since(s.touched) < STAGED_IDLE);
        let key = (office.to_string(), packet_id.to_string());
        if !map.contains_key(&key) {
            if offset != 0 {
                return mismatch(0);
            }
            let staged: u64 = map.values().map(|s| s.total).sum();
            if staged + total > STAGED_MAX_BYTES as u64 {
                return Err(UploadError::Full);
            }
            map.insert(
                key.clone(),
                Staged {
                    total,
                    bytes: Vec::with_capacity(total as usize),
                    touched: now,
                },
            );
        }
        let s = map.get_mut(&key).expect("just ensured");
        if s.total != total {
            return Err(UploadError::TotalMismatch { total: s.total });
        }
        if offset != s.bytes.len() as u64 {
            return mismatch(s.bytes.len() as u64);
        }
        if offset + chunk.len() as u64 > total {
            return Err(UploadError::TooLarge(format!(
                "the chunk ends at byte {} of a {total}-byte packet",
                offset + chunk.len() as u64
            )));
        }
        s.bytes.extend_from_slice(chunk);
        s.touched = now;
        if s.bytes.len() as u64 == total {
            let s = map.remove(&key).expect("present");
            Ok(Chunk::Complete(s.bytes))
        } else {
            Ok(Chunk::Partial {
                offset: s.bytes.len() as u64,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_in_order_complete_the_packet_and_leave_nothing_staged() {
        let s = Staging::default();
        let t = Instant::now();
        let data: Vec<u8> = (0..1000u32).map(|i| i as u8).collect();
        assert_eq!(s.offset("A", "p"), None);
        assert_eq!(
            s.append("A", "p", 0, 1000, &data[..400], t),
            Ok(Chunk::Partial { offset: 400 })
        );
        assert_eq!(s.offset("A", "p"), Some((400, 1000)));
        // A chunk sent again (the answer to it was lost) is refused with where to go on.
        assert_eq!(
            s.append("A", "p", 0, 1000, &data[..400], t),
            Err(UploadError::OffsetMismatch { expected: 400 })
        );
        // Another office's upload of the same id is separate.
        assert_eq!(s.offset("B", "p"), None);
        assert_eq!(
            s.append("A", "p", 400, 999, &data[400..800], t),
            Err(UploadError::TotalMismatch { total: 1000 })
        );
        assert_eq!(
            s.append("A", "p", 400, 1000, &data[400..800], t),
            Ok(Chunk::Partial { offset: 800 })
        );
        assert!(matches!(
            s.append("A", "p", 800, 1000, &[0; 300], t),
            Err(UploadError::TooLarge(_))
        ));
        assert_eq!(
            s.append("A", "p", 800, 1000, &data[800..], t),
            Ok(Chunk::Complete(data.clone()))
        );
        assert_eq!(s.offset("A", "p"), None);
    }

    #[test]
    fn bad_sizes_are_refused_and_idle_uploads_expire() {
        let s = Staging::default();
        let t = Instant::now();
        assert!(matches!(
            s.append("A", "p", 0, MAX_PACKET_BYTES as u64 + 1, &[1], t),
            Err(UploadError::TooLarge(_))
        ));
        assert!(matches!(
            s.append("A", "p", 0, 0, &[1], t),
            Err(UploadError::TooLarge(_))
        ));
        assert_eq!(s.append("A", "p", 0, 10, &[], t), Err(UploadError::Empty));
        assert!(matches!(
            s.append(
                "A",
                "p",
                0,
                2 * CHUNK_MAX as u64,
                &vec![0; CHUNK_MAX + 1],
                t
            ),
            Err(UploadError::TooLarge(_))
        ));
        assert_eq!(
            s.append("A", "p", 5, 10, &[1], t),
            Err(UploadError::OffsetMismatch { expected: 0 })
        );
        assert_eq!(
            s.append("A", "p", 0, 10, &[1, 2], t),
            Ok(Chunk::Partial { offset: 2 })
        );
        // Touching another upload an hour later drops the idle one.
        let later = t + STAGED_IDLE;
        assert_eq!(
            s.append("A", "q", 0, 10, &[1], later),
            Ok(Chunk::Partial { offset: 1 })
        );
        assert_eq!(s.offset("A", "p"), None);
    }

    #[test]
    fn staging_is_bounded() {
        let s = Staging::default();
        let t = Instant::now();
        let big = MAX_PACKET_BYTES as u64;
        let fits = STAGED_MAX_BYTES / MAX_PACKET_BYTES;
        for i in 0..fits {
            assert!(s.append("A", &format!("p{i}"), 0, big, &[1], t).is_ok());
        }
        assert_eq!(
            s.append("A", "one-too-many", 0, big, &[1], t),
            Err(UploadError::Full)
        );
    }
}
