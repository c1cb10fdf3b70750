//! The pooled ABIS's shared state (issue 17): the national gallery sharded over matcher
//! worker processes, with work and results passed through the centre's database.
//!
//! The gallery is a **log of operations** (`insert`, `delete`, `clear`, `search`) that
//! one writer — the deciding centre process — appends in order. Each worker applies the
//! log to its shard (the persons whose hash falls to it) and answers every `search` with
//! its shard's candidates. A worker's state is a pure function of the log, so a worker
//! that starts (or restarts after a SIGKILL) rebuilds its shard by replaying the log
//! from the database and then answers the searches nobody answered for its shard. A
//! `clear` drops every operation before it. Payloads are opaque bytes here: their
//! format is the pool's (`sidik-abis-pool`).

use async_trait::async_trait;

use crate::Result;

/// What an operation of the log does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AbisOpKind {
    Insert,
    Delete,
    Clear,
    Search,
}

impl AbisOpKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AbisOpKind::Insert => "insert",
            AbisOpKind::Delete => "delete",
            AbisOpKind::Clear => "clear",
            AbisOpKind::Search => "search",
        }
    }

    pub fn parse(s: &str) -> Result<AbisOpKind> {
        Ok(match s {
            "insert" => AbisOpKind::Insert,
            "delete" => AbisOpKind::Delete,
            "clear" => AbisOpKind::Clear,
            "search" => AbisOpKind::Search,
            o => {
                return Err(crate::StoreError::Backend(format!(
                    "unknown ABIS operation {o:?}"
                )))
            }
        })
    }
}

/// One operation of the log, as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AbisOp {
    /// Position in the log: grows in commit order.
    pub seq: i64,
    /// The process that appended it (a `clear` makes its writer the only one whose
    /// later operations count).
    pub writer: String,
    pub kind: AbisOpKind,
    pub payload: Vec<u8>,
}

/// One shard's answer to a `search` operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AbisAnswer {
    pub shard: u32,
    pub payload: Vec<u8>,
}

/// A held claim on one shard: while it lives, no other worker serves that shard (a
/// killed worker's claim ends with its connection).
pub trait ShardClaim: Send + Sync {}

/// Storage of the pooled ABIS (PostgreSQL: `store-postgres`).
#[async_trait]
pub trait AbisPoolStore: Send + Sync + 'static {
    /// Appends an operation and returns its position. Appends are serialized, so
    /// positions grow in commit order and a reader never skips one committed later. A
    /// `clear` also deletes every earlier operation and answer.
    async fn abis_op_append(&self, writer: &str, kind: AbisOpKind, payload: &[u8]) -> Result<i64>;
    /// Up to `limit` operations after position `after`, in order.
    async fn abis_ops_after(&self, after: i64, limit: u32) -> Result<Vec<AbisOp>>;
    /// Records a shard's answer to the `search` at `seq`; a second answer for the same
    /// (seq, shard) is ignored. Returns whether this one was recorded.
    async fn abis_answer_put(&self, seq: i64, answer: &AbisAnswer) -> Result<bool>;
    /// The answers recorded for the `search` at `seq`.
    async fn abis_answers(&self, seq: i64) -> Result<Vec<AbisAnswer>>;
    /// Forgets a search every shard has answered (its operation and its answers), so
    /// the log keeps only what rebuilds a shard and the searches still open.
    async fn abis_search_done(&self, seq: i64) -> Result<()>;
    /// Searches at or after `from` that `shard` has answered.
    async fn abis_answered(&self, shard: u32, from: i64) -> Result<Vec<i64>>;
    /// Claims `shard` for this worker; `None` if another worker holds it.
    async fn abis_shard_claim(&self, shard: u32) -> Result<Option<Box<dyn ShardClaim>>>;
}
