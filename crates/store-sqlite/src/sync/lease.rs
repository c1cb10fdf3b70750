//! The decider's lease (`centre_lease`): taken or renewed in one statement, and checked
//! inside the transaction that publishes a batch of decisions.

use jiff::Timestamp;
use sidik_store::{LeaseFence, Result};
use sqlx::SqliteConnection;

use crate::{be, ns};

/// The one lease there is.
const DECIDER: &str = "decider";

/// Takes the lease for `holder` until `now + ttl` if it is free, expired, already
/// `holder`'s or `predecessor`'s; returns its epoch then, or `None` if another holder's
/// lease runs.
pub(super) async fn take(
    conn: &mut SqliteConnection,
    holder: &str,
    now: Timestamp,
    ttl: std::time::Duration,
    predecessor: Option<&str>,
) -> Result<Option<i64>> {
    let ttl = i64::try_from(ttl.as_nanos()).unwrap_or(i64::MAX);
    let now = ns(now);
    sqlx::query_scalar(
        "INSERT INTO centre_lease (name, holder, expires, epoch) VALUES (?1, ?2, ?3, 1)
         ON CONFLICT (name) DO UPDATE SET
             epoch = CASE WHEN centre_lease.holder = excluded.holder
                          THEN centre_lease.epoch ELSE centre_lease.epoch + 1 END,
             holder = excluded.holder,
             expires = excluded.expires
         WHERE centre_lease.holder = excluded.holder OR centre_lease.expires <= ?4
            OR centre_lease.holder = ?5
         RETURNING epoch",
    )
    .bind(DECIDER)
    .bind(holder)
    .bind(now.saturating_add(ttl))
    .bind(now)
    .bind(predecessor)
    .fetch_optional(&mut *conn)
    .await
    .map_err(be)
}

/// Inside a write transaction: the lease still is `fence`'s (holder and epoch) and has
/// not expired by `fence.now`; otherwise [`StoreError::Stale`].
pub(super) async fn check(conn: &mut SqliteConnection, fence: &LeaseFence) -> Result<()> {
    let row: Option<(String, i64, i64)> =
        sqlx::query_as("SELECT holder, epoch, expires FROM centre_lease WHERE name = ?")
            .bind(DECIDER)
            .fetch_optional(&mut *conn)
            .await
            .map_err(be)?;
    fence.admits(row)
}
