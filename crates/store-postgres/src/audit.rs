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
    // Chained here, written in ONE statement: a batch of the decider (or a bulk import)
    // costs one round trip, not one per entry.
    let n = drafts.len();
    let (mut seqs, mut aktor, mut aksi, mut subjek, mut waktu, mut detail, mut prevs, mut hash) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for d in drafts {
        seq += 1;
        let e = d.chain(seq, &prev);
        prev = e.hash.clone();
        seqs.push(e.seq);
        aktor.push(e.aktor);
        aksi.push(e.aksi);
        subjek.push(e.subjek);
        waktu.push(ns(e.waktu));
        detail.push(e.detail);
        prevs.push(e.prev_hash);
        hash.push(e.hash);
    }
    sqlx::query(
        "INSERT INTO audit (seq, bulan, aktor, aksi, subjek, waktu, detail, prev_hash, hash) \
         SELECT s, sidik_bulan(w), a, k, j, w, d, p, h \
         FROM UNNEST($1::BIGINT[], $2::TEXT[], $3::TEXT[], $4::TEXT[], $5::BIGINT[], $6::TEXT[], $7::TEXT[], $8::TEXT[]) \
              AS t(s, a, k, j, w, d, p, h)",
    )
    .bind(seqs)
    .bind(aktor)
    .bind(aksi)
    .bind(subjek)
    .bind(waktu)
    .bind(detail)
    .bind(prevs)
    .bind(hash)
    .execute(&mut *conn)
    .await
    .map_err(be)?;
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
