//! Operators' PostgreSQL-only tools, outside the storage traits: the monthly
//! partitions ahead of (or behind) time, and where the disk goes.

use jiff::civil::Date;
use sidik_store::Result;

use crate::{be, PgStore};

/// One table's share of the database (partitions, indexes and TOAST included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSize {
    pub table: String,
    pub bytes: i64,
}

impl PgStore {
    /// Creates the monthly partitions of `audit`, `paket_masuk` and `keputusan` for the
    /// months from `from`'s up to (not including) `to`'s (`sidik_partisi`); rows of
    /// those months already in the DEFAULT partitions move into them. Returns how many
    /// partitions were created.
    pub async fn partitions_ensure(&self, from: Date, to: Date) -> Result<i32> {
        sqlx::query_scalar("SELECT sidik_partisi($1::DATE, $2::DATE)")
            .bind(from.to_string())
            .bind(to.to_string())
            .fetch_one(&self.writer)
            .await
            .map_err(be)
    }

    /// The whole database's size in bytes (`pg_database_size`).
    pub async fn database_size(&self) -> Result<i64> {
        sqlx::query_scalar("SELECT pg_database_size(current_database())")
            .fetch_one(&self.reader)
            .await
            .map_err(be)
    }

    /// Every table of the schema with its size, a partitioned table as the sum of its
    /// partitions, largest first.
    pub async fn table_sizes(&self) -> Result<Vec<TableSize>> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT c.relname::TEXT, \
                    CASE WHEN c.relkind = 'p' \
                         THEN COALESCE((SELECT sum(pg_total_relation_size(t.relid)) \
                                        FROM pg_partition_tree(c.oid) t), 0) \
                         ELSE pg_total_relation_size(c.oid) END::BIGINT \
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') \
               AND NOT c.relispartition \
             ORDER BY 2 DESC, 1",
        )
        .fetch_all(&self.reader)
        .await
        .map_err(be)?;
        Ok(rows
            .into_iter()
            .map(|(table, bytes)| TableSize { table, bytes })
            .collect())
    }
}
