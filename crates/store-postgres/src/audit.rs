//! The audit hash chain: appending inside a write transaction, and the reads of
//! [`sidik_store::Store`].

use sidik_domain::audit::{AuditDraft, AuditEntry, GENESIS};
use sidik_store::Result;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};

use crate::{be, ns, ts, PgStore};

/// Appends audit entries to the chain inside the caller's transaction (which holds the
/// store's write lock, so no other transaction appends between our read of the chain's
/// end and our commit).
pub(crate) async fn append_audit(conn: &mut PgConnection, drafts: Vec<AuditDraft>) -> Result<()> {
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
            "INSERT INTO audit (seq, bulan, aktor, aksi, subjek, waktu, detail, prev_hash, hash) VALUES ($1,sidik_bulan($5),$2,$3,$4,$5,$6,$7,$8)",
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

fn audit_from(r: &PgRow) -> AuditEntry {
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

pub(crate) async fn audit_page(store: &PgStore, after: i64, limit: u32) -> Result<Vec<AuditEntry>> {
    Ok(
        sqlx::query("SELECT seq, aktor, aksi, subjek, waktu, detail, prev_hash, hash FROM audit WHERE seq > $1 ORDER BY seq LIMIT $2")
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

pub(crate) async fn audit_of_subject(store: &PgStore, subjek: &str) -> Result<Vec<AuditEntry>> {
    Ok(
        sqlx::query("SELECT seq, aktor, aksi, subjek, waktu, detail, prev_hash, hash FROM audit WHERE subjek = $1 ORDER BY seq")
            .bind(subjek)
            .fetch_all(&store.reader)
            .await
            .map_err(be)?
            .iter()
            .map(audit_from)
            .collect(),
    )
}
