//! The print queue seen from one application: which cards will be printed before its own
//! (for the ETA), and how fast the centre's decisions are arriving.

use jiff::Timestamp;
use sidik_domain::eta::Didahului;
use sidik_store::Result;

use crate::{be, ns, SqliteStore};

/// The queue key of an application: class, date needed, enrollment time, number.
const KEY: &str =
    "(COALESCE(c.kelas, 2), COALESCE(c.tanggal_perlu, '9999-12-31'), p.dibuat, p.nomor)";

pub(crate) async fn print_queue_ahead(
    store: &SqliteStore,
    nomor: &str,
) -> Result<Option<Didahului>> {
    let me = "WITH me AS (SELECT COALESCE(c.kelas, 2) AS k, COALESCE(c.tanggal_perlu, '9999-12-31') AS t, p.dibuat AS d, p.nomor AS n \
         FROM permohonan p LEFT JOIN prioritas_cetak c ON c.nomor = p.nomor WHERE p.nomor = ?)";
    // Queued ahead, or waiting and enrolled earlier: the centre decides in enrollment
    // order, so these are approved first.
    let pasti: Option<i64> = sqlx::query_scalar(&format!(
        "{me} SELECT (SELECT COUNT(*) FROM permohonan p LEFT JOIN prioritas_cetak c ON c.nomor = p.nomor \
           WHERE (p.status = 'siap_cetak' OR (p.status IN ('dikirim', 'tunggal') AND p.dibuat <= me.d)) \
           AND {KEY} < (me.k, me.t, me.d, me.n)) FROM me"
    ))
    .bind(nomor)
    .fetch_optional(&store.reader)
    .await
    .map_err(be)?;
    let Some(pasti) = pasti else {
        return Ok(None);
    };
    // Waiting, enrolled later, but of a higher class or needed sooner: each with its rank
    // among all waiting applications (how many the centre decides before it).
    let menyusul: Vec<i64> = sqlx::query_scalar(&format!(
        "{me}, w AS (SELECT p.nomor AS nomor, p.dibuat AS dibuat, \
              COALESCE(c.kelas, 2) AS k, COALESCE(c.tanggal_perlu, '9999-12-31') AS t, \
              ROW_NUMBER() OVER (ORDER BY p.dibuat, p.nomor) - 1 AS rank \
           FROM permohonan p LEFT JOIN prioritas_cetak c ON c.nomor = p.nomor \
           WHERE p.status IN ('dikirim', 'tunggal')) \
         SELECT w.rank FROM w, me WHERE w.dibuat > me.d AND (w.k, w.t) < (me.k, me.t) ORDER BY w.rank"
    ))
    .bind(nomor)
    .fetch_all(&store.reader)
    .await
    .map_err(be)?;
    Ok(Some(Didahului {
        pasti: pasti as u64,
        menyusul: menyusul.into_iter().map(|r| r as u64).collect(),
    }))
}

/// Decisions received at or after `since`, counted over the latest 100,000 (the feed is
/// in the centre's decision order, so a day's worth is at its end).
pub(crate) async fn decisions_received_since(store: &SqliteStore, since: Timestamp) -> Result<u64> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT waktu FROM keputusan_masuk ORDER BY seq DESC LIMIT 100000) WHERE waktu >= ?",
    )
    .bind(ns(since))
    .fetch_one(&store.reader)
    .await
    .map_err(be)?;
    Ok(n as u64)
}
