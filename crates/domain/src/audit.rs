//! The append-only audit chain.
//!
//! Each entry holds actor, action, subject, time and the SHA-256 of the previous entry;
//! its own hash covers all of those. Editing, deleting or reordering any stored entry
//! breaks the chain at that entry.

use jiff::Timestamp;
use sha2::{Digest, Sha256};

/// The hash that precedes the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What a state change wants recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditDraft {
    pub aktor: String,
    pub aksi: String,
    pub subjek: String,
    pub waktu: Timestamp,
    pub detail: String,
}

/// A stored, chained entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub seq: i64,
    pub aktor: String,
    pub aksi: String,
    pub subjek: String,
    pub waktu: Timestamp,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

fn field(h: &mut Sha256, s: &str) {
    h.update((s.len() as u64).to_be_bytes());
    h.update(s.as_bytes());
}

/// Hash of an entry given its sequence number and predecessor's hash.
pub fn entry_hash(seq: i64, d: &AuditDraft, prev_hash: &str) -> String {
    let mut h = Sha256::new();
    h.update(seq.to_be_bytes());
    field(&mut h, &d.aktor);
    field(&mut h, &d.aksi);
    field(&mut h, &d.subjek);
    h.update(d.waktu.as_nanosecond().to_be_bytes());
    field(&mut h, &d.detail);
    field(&mut h, prev_hash);
    hex::encode(h.finalize())
}

impl AuditDraft {
    pub fn chain(self, seq: i64, prev_hash: &str) -> AuditEntry {
        let hash = entry_hash(seq, &self, prev_hash);
        AuditEntry {
            seq,
            aktor: self.aktor,
            aksi: self.aksi,
            subjek: self.subjek,
            waktu: self.waktu,
            detail: self.detail,
            prev_hash: prev_hash.to_string(),
            hash,
        }
    }
}

/// Where and why the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("audit chain broken at entry #{seq}: {reason}")]
pub struct ChainBreak {
    pub seq: i64,
    pub reason: String,
}

/// Incremental verifier: feed entries in order.
#[derive(Debug)]
pub struct ChainVerifier {
    prev_hash: String,
    expected_seq: i64,
    pub checked: u64,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        ChainVerifier {
            prev_hash: GENESIS.to_string(),
            expected_seq: 1,
            checked: 0,
        }
    }
}

impl ChainVerifier {
    pub fn push(&mut self, e: &AuditEntry) -> Result<(), ChainBreak> {
        let brk = |reason: String| ChainBreak { seq: e.seq, reason };
        if e.seq != self.expected_seq {
            return Err(ChainBreak {
                seq: self.expected_seq,
                reason: format!("entry missing (next stored entry is #{})", e.seq),
            });
        }
        if e.prev_hash != self.prev_hash {
            return Err(brk("previous-hash link does not match".into()));
        }
        let draft = AuditDraft {
            aktor: e.aktor.clone(),
            aksi: e.aksi.clone(),
            subjek: e.subjek.clone(),
            waktu: e.waktu,
            detail: e.detail.clone(),
        };
        if entry_hash(e.seq, &draft, &e.prev_hash) != e.hash {
            return Err(brk("content does not match its hash (edited)".into()));
        }
        self.prev_hash = e.hash.clone();
        self.expected_seq += 1;
        self.checked += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(n: u32) -> AuditDraft {
        AuditDraft {
            aktor: "user:op".into(),
            aksi: "permohonan.kirim".into(),
            subjek: format!("p{n}"),
            waktu: Timestamp::from_second(1_441_782_000 + n as i64).unwrap(),
            detail: String::new(),
        }
    }

    fn chain(n: u32) -> Vec<AuditEntry> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|i| {
                let e = draft(i).chain(i as i64, &prev);
                prev = e.hash.clone();
                e
            })
            .collect()
    }

    #[test]
    fn intact_chain_verifies() {
        let mut v = ChainVerifier::default();
        for e in chain(5) {
            v.push(&e).unwrap();
        }
        assert_eq!(v.checked, 5);
    }

    #[test]
    fn edit_and_deletion_are_named() {
        let mut c = chain(5);
        c[2].subjek = "tampered".into();
        let mut v = ChainVerifier::default();
        let err = c.iter().try_for_each(|e| v.push(e)).unwrap_err();
        assert_eq!(err.seq, 3);

        let mut c = chain(5);
        c.remove(1);
        let mut v = ChainVerifier::default();
        let err = c.iter().try_for_each(|e| v.push(e)).unwrap_err();
        assert_eq!(err.seq, 2);
    }
}
