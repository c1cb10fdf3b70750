//! The audit hash chain: appending inside a write transaction, and the reads of
//! [`sidik_store::Store`].

use sidik_domain::audit::{AuditDraft, AuditEntry, GENESIS};
use sidik_store::Result;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};

use crate::{be, ns, ts, SqliteStore};

/// Appends audit entries to the chain inside the caller's transaction.
pub(crate) async fn append_audit(
    conn: &mut SqliteConnection,
    drafts: Vec<AuditDraft>,
) -> Result<()> {
    if drafts.is_empty() {
        return Ok(());
    }
    let last: Option<(i64, String)> =
        sqlx::query_as("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *conn)
            .await
            .map_err(be)?;
    let (mut seq, mut prev) = last.unwrap_or((0, GENESIS.to_string()));
    for d in drafts {
        seq += 1;
        let e = d.chain(seq, &prev);
        sqlx::query(
            "INSERT INTO audit (seq, aktor, aksi, subjek, waktu, detail, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?)",
        )
        .bind(e.seq)
        .bind(&e.aktor)
        .bind(&e.aksi)
        .bind(&e.subjek)
        .bind(ns(e.waktu))
        .bind(&e.detail)
        .bind(&e.prev_hash)
        .bind(&e.hash)
        .execute(&mut *conn)
        .await
        .map_err(be)?;
        prev = e.hash;
    }
    Ok(())
}

fn audit_from(r: &SqliteRow) -> AuditEntry {
    AuditEntry {
        seq: r.get("seq"),
        aktor: r.get("aktor"),
        aksi: r.get("aksi"),
        subjek: r.get("subjek"),
        waktu: ts(r.get("waktu")),
        detail: r.get("detail"),
        prev_hash: r.get("prev_hash"),
        hash: r.get("hash"),
    }
}

pub(crate) async fn audit_page(
    store: &SqliteStore,
    after: i64,
    limit: u32,
) -> Result<Vec<AuditEntry>> {
    Ok(
        sqlx::query("SELECT * FROM audit WHERE seq > ? ORDER BY seq LIMIT ?")
            .bind(after)
            .bind(limit as i64)
            .fetch_all(&store.reader)
            .await
            .map_err(be)?
            .iter()
            .map(audit_from)
            .collect(),
    )
}

pub(crate) async fn audit_of_subject(store: &SqliteStore, subjek: &str) -> Result<Vec<AuditEntry>> {
    Ok(
        sqlx::query("SELECT * FROM audit WHERE subjek = ? ORDER BY seq")
            .bind(subjek)
            .fetch_all(&store.reader)
            .await
            .map_err(be)?
            .iter()
            .map(audit_from)
            .collect(),
    )
}
