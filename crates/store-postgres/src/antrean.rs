//! The print queue seen from one application: which cards will be printed before its own
//! (for the ETA), and how fast the centre's decisions are arriving.

use jiff::Timestamp;
use sidik_domain::eta::Didahului;
use sidik_store::Result;
use sqlx::PgConnection;

use crate::{be, ns, PgStore};

/// The queue key of an application: class, date needed, enrollment time, number.
const KEY: &str =
    "(COALESCE(c.kelas, 2), COALESCE(c.tanggal_perlu, '9999-12-31'), p.dibuat, p.nomor)";

pub(crate) async fn print_queue_ahead(store: &PgStore, nomor: &str) -> Result<Option<Didahului>> {
    let mut conn = store.reader.acquire().await.map_err(be)?;
    ahead_on(&mut conn, nomor).await
}

/// [`print_queue_ahead`] on a connection the caller holds, in ONE statement.
pub(crate) async fn ahead_on(conn: &mut PgConnection, nomor: &str) -> Result<Option<Didahului>> {
    // `pasti`: queued ahead, or waiting and enrolled earlier (the centre decides in
    // enrollment order, so these are approved first). `menyusul`: waiting, enrolled
    // later, but of a higher class or needed sooner, each with its rank among all
    // waiting applications (how many the centre decides before it).
    let row: Option<(i64, Option<String>)> = sqlx::query_as(&format!(
        "WITH me AS (SELECT COALESCE(c.kelas, 2) AS k, COALESCE(c.tanggal_perlu, '9999-12-31') AS t, p.dibuat AS d, p.nomor AS n \
           FROM permohonan p LEFT JOIN prioritas_cetak c ON c.nomor = p.nomor WHERE p.nomor = $1), \
         w AS (SELECT p.dibuat AS dibuat, \
              COALESCE(c.kelas, 2) AS k, COALESCE(c.tanggal_perlu, '9999-12-31') AS t, \
              ROW_NUMBER() OVER (ORDER BY p.dibuat, p.nomor) - 1 AS rank \
           FROM permohonan p LEFT JOIN prioritas_cetak c ON c.nomor = p.nomor \
           WHERE p.status IN ('dikirim', 'tunggal')) \
         SELECT (SELECT COUNT(*) FROM permohonan p LEFT JOIN prioritas_cetak c ON c.nomor = p.nomor \
                 WHERE (p.status = 'siap_cetak' OR (p.status IN ('dikirim', 'tunggal') AND p.dibuat <= me.d)) \
                 AND {KEY} < (me.k, me.t, me.d, me.n)), \
                (SELECT string_agg(w.rank::text, ',') FROM w WHERE w.dibuat > me.d AND (w.k, w.t) < (me.k, me.t)) \
         FROM me"
    ))
    .bind(nomor)
    .fetch_optional(&mut *conn)
    .await
    .map_err(be)?;
    let Some((pasti, menyusul)) = row else {
        return Ok(None);
    };
    let mut menyusul = menyusul
        .as_deref()
        .unwrap_or("")
        .split(',')
        .filter(|r| !r.is_empty())
        .map(|r| {
            r.parse::<u64>()
                .map_err(|e| sidik_store::StoreError::Backend(format!("queue rank {r:?}: {e}")))
        })
        .collect::<Result<Vec<u64>>>()?;
    // string_agg's order is not defined.
    menyusul.sort_unstable();
    Ok(Some(Didahului {
        pasti: pasti as u64,
        menyusul,
    }))
}

/// Decisions received at or after `since`, counted over the latest 100,000 (the feed is
/// in the centre's decision order, so a day's worth is at its end).
pub(crate) async fn decisions_received_since(store: &PgStore, since: Timestamp) -> Result<u64> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT waktu FROM keputusan_masuk ORDER BY seq DESC LIMIT 100000) AS t WHERE waktu >= $1",
    )
    .bind(ns(since))
    .fetch_one(&store.reader)
    .await
    .map_err(be)?;
    Ok(n as u64)
}
