//! The pooled ABIS's log and answers (`0003_abis_pool`): see `sidik_store::AbisPoolStore`.

use async_trait::async_trait;
use sidik_store::{AbisAnswer, AbisOp, AbisOpKind, AbisPoolStore, Result, ShardClaim};
use sqlx::{Connection, PgConnection};

use crate::{be, PgStore};

/// Advisory lock serializing appends to the log (not the store's write lock: the log
/// never waits behind intake).
const LOG_LOCK: i64 = 0x5349_4449_4b00_0003;
/// Session advisory locks claiming shards: `SHARD_LOCK + shard`.
const SHARD_LOCK: i64 = 0x5349_4449_4b01_0000;

/// A shard claimed by a session advisory lock on a connection of its own; the lock
/// ends with the connection (dropped, or its process killed).
struct PgShardClaim {
    _conn: std::sync::Mutex<PgConnection>,
}

impl ShardClaim for PgShardClaim {}

#[async_trait]
impl AbisPoolStore for PgStore {
    async fn abis_op_append(&self, writer: &str, kind: AbisOpKind, payload: &[u8]) -> Result<i64> {
        let mut tx = self.writer.begin().await.map_err(be)?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(LOG_LOCK)
            .execute(&mut *tx)
            .await
            .map_err(be)?;
        let seq: i64 = sqlx::query_scalar(
            "INSERT INTO abis_op (seq, writer, kind, payload)
             VALUES (nextval('abis_op_seq'), $1, $2, $3) RETURNING seq",
        )
        .bind(writer)
        .bind(kind.as_str())
        .bind(payload)
        .fetch_one(&mut *tx)
        .await
        .map_err(be)?;
        if kind == AbisOpKind::Clear {
            sqlx::query("DELETE FROM abis_op WHERE seq < $1")
                .bind(seq)
                .execute(&mut *tx)
                .await
                .map_err(be)?;
            sqlx::query("DELETE FROM abis_answer WHERE seq < $1")
                .bind(seq)
                .execute(&mut *tx)
                .await
                .map_err(be)?;
        }
        tx.commit().await.map_err(be)?;
        Ok(seq)
    }

    async fn abis_ops_after(&self, after: i64, limit: u32) -> Result<Vec<AbisOp>> {
        let rows: Vec<(i64, String, String, Vec<u8>)> = sqlx::query_as(
            "SELECT seq, writer, kind, payload FROM abis_op WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.reader)
        .await
        .map_err(be)?;
        rows.into_iter()
            .map(|(seq, writer, kind, payload)| {
                Ok(AbisOp {
                    seq,
                    writer,
                    kind: AbisOpKind::parse(&kind)?,
                    payload,
                })
            })
            .collect()
    }

    async fn abis_answer_put(&self, seq: i64, answer: &AbisAnswer) -> Result<bool> {
        let n = sqlx::query(
            "INSERT INTO abis_answer (seq, shard, payload) VALUES ($1, $2, $3)
             ON CONFLICT (seq, shard) DO NOTHING",
        )
        .bind(seq)
        .bind(answer.shard as i32)
        .bind(&answer.payload)
        .execute(&self.writer)
        .await
        .map_err(be)?
        .rows_affected();
        Ok(n == 1)
    }

    async fn abis_answers(&self, seq: i64) -> Result<Vec<AbisAnswer>> {
        let rows: Vec<(i32, Vec<u8>)> =
            sqlx::query_as("SELECT shard, payload FROM abis_answer WHERE seq = $1 ORDER BY shard")
                .bind(seq)
                .fetch_all(&self.reader)
                .await
                .map_err(be)?;
        Ok(rows
            .into_iter()
            .map(|(shard, payload)| AbisAnswer {
                shard: shard as u32,
                payload,
            })
            .collect())
    }

    async fn abis_search_done(&self, seq: i64) -> Result<()> {
        let mut tx = self.writer.begin().await.map_err(be)?;
        sqlx::query("DELETE FROM abis_op WHERE seq = $1 AND kind = 'search'")
            .bind(seq)
            .execute(&mut *tx)
            .await
            .map_err(be)?;
        sqlx::query("DELETE FROM abis_answer WHERE seq = $1")
            .bind(seq)
            .execute(&mut *tx)
            .await
            .map_err(be)?;
        tx.commit().await.map_err(be)
    }

    async fn abis_answered(&self, shard: u32, from: i64) -> Result<Vec<i64>> {
        sqlx::query_scalar("SELECT seq FROM abis_answer WHERE shard = $1 AND seq >= $2")
            .bind(shard as i32)
            .bind(from)
            .fetch_all(&self.reader)
            .await
            .map_err(be)
    }

    async fn abis_shard_claim(&self, shard: u32) -> Result<Option<Box<dyn ShardClaim>>> {
        let mut conn = self.writer.acquire().await.map_err(be)?.detach();
        let got: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(SHARD_LOCK + i64::from(shard))
            .fetch_one(&mut conn)
            .await
            .map_err(be)?;
        if !got {
            let _ = conn.close().await;
            return Ok(None);
        }
        Ok(Some(Box::new(PgShardClaim {
            _conn: std::sync::Mutex::new(conn),
        })))
    }
}
