//! The print queue seen from one application: which cards will be printed before its own
//! (for the ETA), and how fast the centre's decisions are arriving.

use jiff::Timestamp;
use sidik_domain::eta::Didahului;
use sidik_store::Result;
use sqlx::SqliteConnection;

use crate::{be, ns, SqliteStore};

/// The cards printed before the application `p` (joined with its priority as `c`):
/// `pasti`, queued ahead, or waiting and enrolled earlier (the centre decides in
/// enrollment order, so these are approved first); as correlated subqueries. The
/// status lookup counts the same in memory (`crate::potret`, tested equal to these).
pub(crate) const PASTI: &str = "(SELECT COUNT(*) FROM permohonan q LEFT JOIN prioritas_cetak qc ON qc.nomor = q.nomor \
     WHERE (q.status = 'siap_cetak' OR (q.status IN ('dikirim', 'tunggal') AND q.dibuat <= p.dibuat)) \
     AND (COALESCE(qc.kelas, 2), COALESCE(qc.tanggal_perlu, '9999-12-31'), q.dibuat, q.nomor) \
       < (COALESCE(c.kelas, 2), COALESCE(c.tanggal_perlu, '9999-12-31'), p.dibuat, p.nomor))";

/// `menyusul`: waiting, enrolled later than `p`, but of a higher class or needed
/// sooner, each with its rank among all waiting applications (how many the centre
/// decides before it), comma-separated in no defined order.
pub(crate) const MENYUSUL: &str = "(SELECT group_concat(w.rank) FROM \
       (SELECT q.dibuat AS dibuat, COALESCE(qc.kelas, 2) AS k, COALESCE(qc.tanggal_perlu, '9999-12-31') AS t, \
               ROW_NUMBER() OVER (ORDER BY q.dibuat, q.nomor) - 1 AS rank \
          FROM permohonan q LEFT JOIN prioritas_cetak qc ON qc.nomor = q.nomor \
         WHERE q.status IN ('dikirim', 'tunggal')) w \
     WHERE w.dibuat > p.dibuat AND (w.k, w.t) < (COALESCE(c.kelas, 2), COALESCE(c.tanggal_perlu, '9999-12-31')))";

pub(crate) async fn print_queue_ahead(
    store: &SqliteStore,
    nomor: &str,
) -> Result<Option<Didahului>> {
    let mut conn = store.reader.acquire().await.map_err(be)?;
    ahead_on(&mut conn, nomor).await
}

/// [`print_queue_ahead`] on a connection the caller holds, in ONE statement.
pub(crate) async fn ahead_on(
    conn: &mut SqliteConnection,
    nomor: &str,
) -> Result<Option<Didahului>> {
    let row: Option<(i64, Option<String>)> = sqlx::query_as(&format!(
        "SELECT {PASTI}, {MENYUSUL} FROM permohonan p \
         LEFT JOIN prioritas_cetak c ON c.nomor = p.nomor WHERE p.nomor = ?"
    ))
    .bind(nomor)
    .fetch_optional(&mut *conn)
    .await
    .map_err(be)?;
    row.map(|(pasti, menyusul)| didahului(pasti, menyusul.as_deref()))
        .transpose()
}

/// [`PASTI`] and [`MENYUSUL`] as read.
pub(crate) fn didahului(pasti: i64, menyusul: Option<&str>) -> Result<Didahului> {
    let mut menyusul = menyusul
        .unwrap_or("")
        .split(',')
        .filter(|r| !r.is_empty())
        .map(|r| {
            r.parse::<u64>()
                .map_err(|e| sidik_store::StoreError::Backend(format!("queue rank {r:?}: {e}")))
        })
        .collect::<Result<Vec<u64>>>()?;
    // group_concat's order is not defined.
    menyusul.sort_unstable();
    Ok(Didahului {
        pasti: pasti as u64,
        menyusul,
    })
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
