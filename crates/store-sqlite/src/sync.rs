//! SQLite implementation of the sync traits: the office outbox and decision inbox
//! ([`SyncStore`](sidik_store::SyncStore), in `office`) and the centre's packet
//! registry, quarantine and decision feed ([`CentreStore`](sidik_store::CentreStore),
//! in `centre`). This file holds the decision rows both sides share.

use sidik_domain::permohonan::Kandidat;
use sidik_domain::{Hasil, Keputusan, NomorRegistrasi};
use sidik_store::Result;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};

use crate::{be, corrupt, ts};

mod centre;
mod lease;
mod office;

async fn kandidat_of(conn: &mut SqliteConnection, table: &str, seq: i64) -> Result<Vec<Kandidat>> {
    let rows = sqlx::query(&format!(
        "SELECT permohonan, nik, skor, jari_cocok FROM {table} WHERE seq = ? ORDER BY urut"
    ))
    .bind(seq)
    .fetch_all(&mut *conn)
    .await
    .map_err(be)?;
    rows.iter()
        .map(|r| {
            Ok(Kandidat {
                permohonan: r.try_get("permohonan").map_err(be)?,
                nik: r.try_get("nik").map_err(be)?,
                skor: r.try_get::<f64, _>("skor").map_err(be)? as f32,
                jari_cocok: r.try_get::<i64, _>("jari_cocok").map_err(be)? as u8,
            })
        })
        .collect()
}

async fn insert_kandidat(
    conn: &mut SqliteConnection,
    table: &str,
    seq: i64,
    kandidat: &[Kandidat],
) -> Result<()> {
    for (i, k) in kandidat.iter().enumerate() {
        sqlx::query(&format!(
            "INSERT INTO {table} (seq, urut, permohonan, nik, skor, jari_cocok) VALUES (?,?,?,?,?,?)"
        ))
        .bind(seq)
        .bind(i as i64)
        .bind(&k.permohonan)
        .bind(&k.nik)
        .bind(k.skor as f64)
        .bind(k.jari_cocok as i64)
        .execute(&mut *conn)
        .await
        .map_err(be)?;
    }
    Ok(())
}

async fn keputusan_rows(
    conn: &mut SqliteConnection,
    rows: Vec<SqliteRow>,
    kandidat_table: &str,
) -> Result<Vec<Keputusan>> {
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let seq: i64 = r.try_get("seq").map_err(be)?;
        let nomor: String = r.try_get("nomor").map_err(be)?;
        let hasil: String = r.try_get("hasil").map_err(be)?;
        out.push(Keputusan {
            seq,
            nomor: NomorRegistrasi::parse(&nomor).map_err(|e| corrupt("nomor", e))?,
            packet_id: r.try_get("packet_id").map_err(be)?,
            hasil: Hasil::parse(&hasil).map_err(|e| corrupt("hasil", e))?,
            kandidat: kandidat_of(conn, kandidat_table, seq).await?,
            catatan: r.try_get("catatan").map_err(be)?,
            waktu: ts(r.try_get("waktu").map_err(be)?),
        });
    }
    Ok(out)
}
