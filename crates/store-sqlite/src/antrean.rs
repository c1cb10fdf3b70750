//! The print queue seen from one application: how many cards will be printed before
//! its own (for the ETA).

use sidik_store::Result;

use crate::{be, SqliteStore};

pub(crate) async fn print_queue_ahead(store: &SqliteStore, nomor: &str) -> Result<Option<u64>> {
    let n: Option<i64> = sqlx::query_scalar(
        "WITH me AS (SELECT COALESCE(c.kelas, 2) AS k, COALESCE(c.tanggal_perlu, '9999-12-31') AS t, p.dibuat AS d, p.nomor AS n \
         FROM permohonan p LEFT JOIN prioritas_cetak c ON c.nomor = p.nomor WHERE p.nomor = ?) \
         SELECT (SELECT COUNT(*) FROM permohonan p LEFT JOIN prioritas_cetak c ON c.nomor = p.nomor \
           WHERE p.status IN ('siap_cetak', 'dikirim', 'tunggal') \
           AND (COALESCE(c.kelas, 2), COALESCE(c.tanggal_perlu, '9999-12-31'), p.dibuat, p.nomor) < (me.k, me.t, me.d, me.n)) \
         FROM me",
    )
    .bind(nomor)
    .fetch_optional(&store.reader)
    .await
    .map_err(be)?;
    Ok(n.map(|n| n as u64))
}
