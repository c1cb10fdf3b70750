//! Suket records: issued with the check that allowed them, revoked with the state
//! change that ends them (or by an officer), renewed by a replacement.

use jiff::Timestamp;
use sidik_domain::audit::AuditDraft;
use sidik_domain::suket::{AlasanCabut, StatusSuket};
use sidik_domain::Riwayat;
use sidik_store::*;
use sqlx::sqlite::SqliteRow;
use sqlx::SqliteConnection;

use crate::audit::append_audit;
use crate::baris::Baris;
use crate::{be, corrupt, ns, ts, SqliteStore};

pub(crate) async fn suket_insert(conn: &mut SqliteConnection, s: &SuketBaru) -> Result<()> {
    sqlx::query(
        "INSERT INTO suket (nomor_suket, nomor, ke, kid, diterbitkan, berlaku_hingga, qr) VALUES (?,?,?,?,?,?,?)",
    )
    .bind(&s.nomor_suket)
    .bind(&s.nomor)
    .bind(s.ke as i64)
    .bind(&s.kid)
    .bind(ns(s.diterbitkan))
    .bind(ns(s.berlaku_hingga))
    .bind(&s.qr)
    .execute(&mut *conn)
    .await
    .map_err(be)?;
    crate::kabar::antre_suket(conn, s).await
}

async fn next_cabut_seq(conn: &mut SqliteConnection) -> Result<i64> {
    sqlx::query_scalar("SELECT COALESCE(MAX(cabut_seq), 0) + 1 FROM suket")
        .fetch_one(&mut *conn)
        .await
        .map_err(be)
}

/// Revokes the application's active Suket, if any, because of the state change `e`;
/// returns the audit entry to write with it.
pub(crate) async fn suket_revoke_active(
    conn: &mut SqliteConnection,
    nomor: &str,
    alasan: AlasanCabut,
    e: &Riwayat,
) -> Result<Option<AuditDraft>> {
    let seq = next_cabut_seq(conn).await?;
    let row: Option<String> = sqlx::query_scalar(
        "UPDATE suket SET status = 'dicabut', dicabut = ?, alasan = ?, cabut_seq = ? WHERE nomor = ? AND status = 'aktif' RETURNING nomor_suket",
    )
    .bind(ns(e.waktu))
    .bind(alasan.code())
    .bind(seq)
    .bind(nomor)
    .fetch_optional(&mut *conn)
    .await
    .map_err(be)?;
    Ok(row.map(|nomor_suket| AuditDraft {
        aktor: e.aktor.clone(),
        aksi: "suket.cabut".into(),
        subjek: nomor.to_string(),
        waktu: e.waktu,
        detail: format!("{nomor_suket}: {}", alasan.code()),
    }))
}

pub(crate) fn suket_row(r: &SqliteRow) -> Result<SuketTersimpan> {
    suket_row_as(r, "")
}

/// A Suket read from columns named with `prefix` (`s_status`, ... when it was joined
/// into a larger row).
pub(crate) fn suket_row_as(r: &impl Baris, prefix: &str) -> Result<SuketTersimpan> {
    let c = |name: &str| format!("{prefix}{name}");
    let status = r.teks(&c("status"))?;
    Ok(SuketTersimpan {
        suket: SuketBaru {
            nomor_suket: r.teks(&c("nomor_suket"))?,
            nomor: r.teks(&c("nomor"))?,
            ke: r.angka(&c("ke"))? as u32,
            kid: r.teks(&c("kid"))?,
            diterbitkan: ts(r.angka(&c("diterbitkan"))?),
            berlaku_hingga: ts(r.angka(&c("berlaku_hingga"))?),
            qr: r.teks(&c("qr"))?,
        },
        status: StatusSuket::parse(&status).map_err(|e| corrupt("Suket status", e))?,
        dicabut: r.angka_opt(&c("dicabut"))?.map(ts),
        alasan: r.teks_opt(&c("alasan"))?,
        keterangan: r.teks_opt(&c("keterangan"))?,
        cabut_seq: r.angka_opt(&c("cabut_seq"))?,
    })
}

async fn suket_query(
    store: &SqliteStore,
    sql: &str,
    arg: Option<&str>,
) -> Result<Vec<SuketTersimpan>> {
    let mut q = sqlx::query(sql);
    if let Some(a) = arg {
        q = q.bind(a.to_string());
    }
    q.fetch_all(&store.reader)
        .await
        .map_err(be)?
        .iter()
        .map(suket_row)
        .collect()
}

pub(crate) async fn suket_of(store: &SqliteStore, nomor: &str) -> Result<Vec<SuketTersimpan>> {
    suket_query(
        store,
        "SELECT * FROM suket WHERE nomor = ? ORDER BY ke",
        Some(nomor),
    )
    .await
}

pub(crate) async fn suket_get(
    store: &SqliteStore,
    nomor_suket: &str,
) -> Result<Option<SuketTersimpan>> {
    Ok(suket_query(
        store,
        "SELECT * FROM suket WHERE nomor_suket = ?",
        Some(nomor_suket),
    )
    .await?
    .pop())
}

pub(crate) async fn suket_revoked(store: &SqliteStore) -> Result<Vec<SuketTersimpan>> {
    suket_query(
        store,
        "SELECT * FROM suket WHERE status = 'dicabut' ORDER BY cabut_seq",
        None,
    )
    .await
}

pub(crate) async fn suket_expiring(
    store: &SqliteStore,
    hingga: Timestamp,
    limit: u32,
) -> Result<Vec<SuketTersimpan>> {
    sqlx::query("SELECT * FROM suket WHERE status = 'aktif' AND berlaku_hingga <= ? ORDER BY berlaku_hingga LIMIT ?")
        .bind(ns(hingga))
        .bind(limit as i64)
        .fetch_all(&store.reader)
        .await
        .map_err(be)?
        .iter()
        .map(suket_row)
        .collect()
}

pub(crate) async fn suket_stats(store: &SqliteStore) -> Result<StatistikSuket> {
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT status, COUNT(*) FROM suket GROUP BY status")
            .fetch_all(&store.reader)
            .await
            .map_err(be)?;
    let mut s = StatistikSuket::default();
    for (status, n) in rows {
        match status.as_str() {
            "aktif" => s.aktif = n as u64,
            "dicabut" => s.dicabut = n as u64,
            _ => s.diganti = n as u64,
        }
    }
    Ok(s)
}

pub(crate) async fn suket_issue(
    store: &SqliteStore,
    s: &SuketBaru,
    ganti: Option<&str>,
    audit: AuditDraft,
) -> Result<()> {
    let mut tx = store.begin_write().await?;
    if let Some(old) = ganti {
        let n = sqlx::query(
            "UPDATE suket SET status = 'diganti' WHERE nomor_suket = ? AND nomor = ? AND status = 'aktif'",
        )
        .bind(old)
        .bind(&s.nomor)
        .execute(&mut *tx)
        .await
        .map_err(be)?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::Stale(format!(
                "Suket {old} is no longer active"
            )));
        }
    }
    suket_insert(&mut tx, s).await?;
    append_audit(&mut tx, vec![audit]).await?;
    tx.commit().await.map_err(be)
}

pub(crate) async fn suket_revoke(
    store: &SqliteStore,
    nomor_suket: &str,
    alasan: &str,
    keterangan: Option<&str>,
    waktu: Timestamp,
    audit: AuditDraft,
) -> Result<()> {
    let mut tx = store.begin_write().await?;
    let seq = next_cabut_seq(&mut tx).await?;
    let n = sqlx::query(
        "UPDATE suket SET status = 'dicabut', dicabut = ?, alasan = ?, keterangan = ?, cabut_seq = ? WHERE nomor_suket = ? AND status = 'aktif'",
    )
    .bind(ns(waktu))
    .bind(alasan)
    .bind(keterangan)
    .bind(seq)
    .bind(nomor_suket)
    .execute(&mut *tx)
    .await
    .map_err(be)?
    .rows_affected();
    if n == 0 {
        let exists: Option<String> =
            sqlx::query_scalar("SELECT status FROM suket WHERE nomor_suket = ?")
                .bind(nomor_suket)
                .fetch_optional(&mut *tx)
                .await
                .map_err(be)?;
        return Err(match exists {
            None => StoreError::NotFound(format!("Suket {nomor_suket}")),
            Some(s) => StoreError::Conflict(format!("Suket {nomor_suket} is {s}, not active")),
        });
    }
    append_audit(&mut tx, vec![audit]).await?;
    tx.commit().await.map_err(be)
}
