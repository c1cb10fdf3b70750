//! The office's print desk (Suket records are in [`crate::suket`]): the print queue,
//! printers, the blank-card ledger (one balanced row guarded by CHECK constraints, every movement in
//! `blanko_mutasi`) and print batches.

use jiff::civil::Date;
use jiff::Timestamp;
use sidik_domain::audit::AuditDraft;
use sidik_domain::Status;
use sidik_store::*;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};

use crate::applications::{load_permohonan, transition_in};
use crate::audit::append_audit;
use crate::{be, corrupt, ns, ts, SqliteStore};

type Tx = sqlx::Transaction<'static, sqlx::Sqlite>;

// ---- priorities and the queue ----

pub(crate) async fn prioritas_insert(
    conn: &mut SqliteConnection,
    nomor: &str,
    p: &PrioritasCetak,
) -> Result<()> {
    sqlx::query("INSERT INTO prioritas_cetak (nomor, keperluan, tanggal_perlu, lansia, disabilitas, kelas) VALUES (?,?,?,?,?,?)")
        .bind(nomor)
        .bind(p.keperluan.as_deref())
        .bind(p.tanggal_perlu.map(|d| d.to_string()))
        .bind(p.lansia as i64)
        .bind(p.disabilitas as i64)
        .bind(p.kelas.min(2) as i64)
        .execute(&mut *conn)
        .await
        .map_err(be)?;
    Ok(())
}

fn prioritas_of(r: &SqliteRow) -> Result<PrioritasCetak> {
    let tanggal: Option<String> = r.get("tanggal_perlu");
    Ok(PrioritasCetak {
        keperluan: r.get("keperluan"),
        tanggal_perlu: tanggal
            .map(|t| t.parse::<Date>().map_err(|e| corrupt("date needed", e)))
            .transpose()?,
        lansia: r.get::<Option<i64>, _>("lansia").unwrap_or(0) != 0,
        disabilitas: r.get::<Option<i64>, _>("disabilitas").unwrap_or(0) != 0,
        kelas: r.get::<Option<i64>, _>("kelas").unwrap_or(2) as u8,
    })
}

pub(crate) async fn prioritas_get(
    store: &SqliteStore,
    nomor: &str,
) -> Result<Option<PrioritasCetak>> {
    sqlx::query("SELECT * FROM prioritas_cetak WHERE nomor = ?")
        .bind(nomor)
        .fetch_optional(&store.reader)
        .await
        .map_err(be)?
        .as_ref()
        .map(prioritas_of)
        .transpose()
}

/// The queue's order: class, the date needed (urgent ones), then enrollment order.
const QUEUE: &str = "FROM permohonan p LEFT JOIN prioritas_cetak c ON c.nomor = p.nomor \
     WHERE p.status = 'siap_cetak' \
     ORDER BY COALESCE(c.kelas, 2), COALESCE(c.tanggal_perlu, '9999-12-31'), p.dibuat, p.nomor";

async fn queue_rows(
    conn: &mut SqliteConnection,
    limit: u32,
    offset: u32,
) -> Result<Vec<ItemAntrean>> {
    let sql = format!(
        "SELECT p.nomor, p.nik, p.nama, p.dibuat, c.keperluan, c.tanggal_perlu, c.lansia, c.disabilitas, c.kelas {QUEUE} LIMIT ? OFFSET ?"
    );
    sqlx::query(&sql)
        .bind(limit as i64)
        .bind(offset as i64)
        .fetch_all(&mut *conn)
        .await
        .map_err(be)?
        .iter()
        .map(|r| {
            Ok(ItemAntrean {
                nomor: r.get("nomor"),
                nik: r.get("nik"),
                nama: r.get("nama"),
                dibuat: ts(r.get("dibuat")),
                prioritas: prioritas_of(r)?,
            })
        })
        .collect()
}

pub(crate) async fn print_queue(
    store: &SqliteStore,
    limit: u32,
    offset: u32,
) -> Result<Vec<ItemAntrean>> {
    let mut conn = store.reader.acquire().await.map_err(be)?;
    queue_rows(&mut conn, limit, offset).await
}

pub(crate) async fn print_queue_len(store: &SqliteStore) -> Result<u64> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM permohonan WHERE status = 'siap_cetak'")
        .fetch_one(&store.reader)
        .await
        .map_err(be)?;
    Ok(n as u64)
}

pub(crate) async fn print_queue_position(store: &SqliteStore, nomor: &str) -> Result<Option<u64>> {
    let sql = format!(
        "SELECT pos FROM (SELECT p.nomor AS nomor, ROW_NUMBER() OVER (ORDER BY COALESCE(c.kelas, 2), COALESCE(c.tanggal_perlu, '9999-12-31'), p.dibuat, p.nomor) - 1 AS pos {}) WHERE nomor = ?",
        QUEUE.split(" ORDER BY").next().unwrap_or(QUEUE)
    );
    let pos: Option<i64> = sqlx::query_scalar(&sql)
        .bind(nomor)
        .fetch_optional(&store.reader)
        .await
        .map_err(be)?;
    Ok(pos.map(|p| p as u64))
}

// ---- printers and the ledger ----

pub(crate) async fn printers(store: &SqliteStore, tanggal: Date) -> Result<Vec<Printer>> {
    let rows = sqlx::query(
        "SELECT p.id, p.nama, p.kapasitas_harian, p.aktif, \
         COALESCE((SELECT SUM(b.jumlah) FROM cetak_batch b WHERE b.printer_id = p.id AND b.tanggal = ?), 0) AS terpakai \
         FROM printer p ORDER BY p.id",
    )
    .bind(tanggal.to_string())
    .fetch_all(&store.reader)
    .await
    .map_err(be)?;
    Ok(rows
        .iter()
        .map(|r| Printer {
            id: r.get("id"),
            nama: r.get("nama"),
            kapasitas_harian: r.get::<i64, _>("kapasitas_harian") as u32,
            aktif: r.get::<i64, _>("aktif") != 0,
            terpakai: r.get::<i64, _>("terpakai") as u32,
        })
        .collect())
}

pub(crate) async fn printer_save(
    store: &SqliteStore,
    nama: &str,
    kapasitas: u32,
    aktif: bool,
    audit: AuditDraft,
) -> Result<i64> {
    let mut tx = store.begin_write().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO printer (nama, kapasitas_harian, aktif) VALUES (?,?,?) \
         ON CONFLICT(nama) DO UPDATE SET kapasitas_harian = excluded.kapasitas_harian, aktif = excluded.aktif RETURNING id",
    )
    .bind(nama)
    .bind(kapasitas as i64)
    .bind(aktif as i64)
    .fetch_one(&mut *tx)
    .await
    .map_err(be)?;
    append_audit(&mut tx, vec![audit]).await?;
    tx.commit().await.map_err(be)?;
    Ok(id)
}

async fn ledger(conn: &mut SqliteConnection) -> Result<BukuBlanko> {
    let (d, p, r): (i64, i64, i64) =
        sqlx::query_as("SELECT diterima, dipakai, rusak FROM blanko WHERE id = 1")
            .fetch_one(&mut *conn)
            .await
            .map_err(be)?;
    Ok(BukuBlanko {
        diterima: d as u64,
        dipakai: p as u64,
        rusak: r as u64,
    })
}

pub(crate) async fn blanko(store: &SqliteStore) -> Result<BukuBlanko> {
    let mut conn = store.reader.acquire().await.map_err(be)?;
    ledger(&mut conn).await
}

/// Books one ledger movement (the CHECK constraints refuse any that would unbalance
/// the ledger or make it negative: `Conflict`).
async fn book(
    tx: &mut Tx,
    jenis: &str,
    jumlah: u64,
    referensi: Option<&str>,
    waktu: Timestamp,
    aktor: &str,
) -> Result<()> {
    if jumlah == 0 {
        return Ok(());
    }
    let set = match jenis {
        "terima" => "diterima = diterima + ?",
        "pakai" => "dipakai = dipakai + ?",
        "rusak_cetak" => "dipakai = dipakai - ?1, rusak = rusak + ?1",
        _ => "rusak = rusak + ?",
    };
    sqlx::query(&format!("UPDATE blanko SET {set} WHERE id = 1"))
        .bind(jumlah as i64)
        .execute(&mut **tx)
        .await
        .map_err(|e| match e {
            sqlx::Error::Database(d) if d.message().contains("CHECK") => StoreError::Conflict(
                format!("the blank-card ledger cannot book {jenis} {jumlah}: not enough blanks"),
            ),
            e => be(e),
        })?;
    sqlx::query("INSERT INTO blanko_mutasi (waktu, jenis, jumlah, ref, aktor) VALUES (?,?,?,?,?)")
        .bind(ns(waktu))
        .bind(jenis)
        .bind(jumlah as i64)
        .bind(referensi)
        .bind(aktor)
        .execute(&mut **tx)
        .await
        .map_err(be)?;
    Ok(())
}

pub(crate) async fn blanko_receive(
    store: &SqliteStore,
    jumlah: u64,
    kiriman: Option<i64>,
    waktu: Timestamp,
    audit: AuditDraft,
) -> Result<BukuBlanko> {
    let mut tx = store.begin_write().await?;
    let referensi = kiriman.map(|k| format!("kiriman:{k}"));
    if let Some(k) = kiriman {
        let n = sqlx::query(
            "UPDATE kiriman_blanko SET status = 'diterima', diterima = ? WHERE id = ? AND status = 'dijadwalkan'",
        )
        .bind(ns(waktu))
        .bind(k)
        .execute(&mut *tx)
        .await
        .map_err(be)?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound(format!("scheduled delivery {k}")));
        }
    }
    book(
        &mut tx,
        "terima",
        jumlah,
        referensi.as_deref(),
        waktu,
        &audit.aktor,
    )
    .await?;
    commit_ledger(tx, audit).await
}

/// Writes the movement's audit entry, reads the ledger as it now stands and commits.
async fn commit_ledger(mut tx: Tx, audit: AuditDraft) -> Result<BukuBlanko> {
    append_audit(&mut tx, vec![audit]).await?;
    let l = ledger(&mut tx).await?;
    tx.commit().await.map_err(be)?;
    Ok(l)
}

pub(crate) async fn blanko_spoil_stock(
    store: &SqliteStore,
    jumlah: u64,
    waktu: Timestamp,
    audit: AuditDraft,
) -> Result<BukuBlanko> {
    let mut tx = store.begin_write().await?;
    book(&mut tx, "rusak_stok", jumlah, None, waktu, &audit.aktor).await?;
    commit_ledger(tx, audit).await
}

pub(crate) async fn blanko_schedule(
    store: &SqliteStore,
    tanggal: Date,
    jumlah: u64,
    audit: AuditDraft,
) -> Result<i64> {
    let mut tx = store.begin_write().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO kiriman_blanko (tanggal, jumlah) VALUES (?, ?) RETURNING id",
    )
    .bind(tanggal.to_string())
    .bind(jumlah as i64)
    .fetch_one(&mut *tx)
    .await
    .map_err(be)?;
    append_audit(&mut tx, vec![audit]).await?;
    tx.commit().await.map_err(be)?;
    Ok(id)
}

pub(crate) async fn blanko_deliveries(store: &SqliteStore) -> Result<Vec<KirimanBlanko>> {
    let rows: Vec<(i64, String, i64, String)> = sqlx::query_as(
        "SELECT id, tanggal, jumlah, status FROM kiriman_blanko WHERE status = 'dijadwalkan' ORDER BY tanggal, id",
    )
    .fetch_all(&store.reader)
    .await
    .map_err(be)?;
    rows.into_iter()
        .map(|(id, t, j, status)| {
            Ok(KirimanBlanko {
                id,
                tanggal: t.parse().map_err(|e| corrupt("delivery date", e))?,
                jumlah: j as u64,
                status,
            })
        })
        .collect()
}

pub(crate) async fn blanko_movements(store: &SqliteStore, limit: u32) -> Result<Vec<MutasiBlanko>> {
    let rows = sqlx::query("SELECT * FROM blanko_mutasi ORDER BY seq DESC LIMIT ?")
        .bind(limit as i64)
        .fetch_all(&store.reader)
        .await
        .map_err(be)?;
    Ok(rows
        .iter()
        .map(|r| MutasiBlanko {
            seq: r.get("seq"),
            waktu: ts(r.get("waktu")),
            jenis: r.get("jenis"),
            jumlah: r.get::<i64, _>("jumlah") as u64,
            referensi: r.get("ref"),
            aktor: r.get("aktor"),
        })
        .collect())
}

// ---- batches ----

pub(crate) async fn print_batch(
    store: &SqliteStore,
    req: &PermintaanBatch,
    rule: BatchRule<'_>,
) -> Result<Option<BatchCetak>> {
    let mut tx = store.begin_write().await?;
    let printer: Option<(String, i64, i64)> =
        sqlx::query_as("SELECT nama, kapasitas_harian, aktif FROM printer WHERE id = ?")
            .bind(req.printer_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(be)?;
    let Some((nama, kapasitas, aktif)) = printer else {
        return Err(StoreError::NotFound(format!("printer {}", req.printer_id)));
    };
    if aktif == 0 {
        return Err(StoreError::Conflict(format!(
            "printer {nama} is not active"
        )));
    }
    let used: i64 = sqlx::query_scalar(
        "SELECT COALESCE(SUM(jumlah), 0) FROM cetak_batch WHERE printer_id = ? AND tanggal = ?",
    )
    .bind(req.printer_id)
    .bind(req.tanggal.to_string())
    .fetch_one(&mut *tx)
    .await
    .map_err(be)?;
    let sisa = (kapasitas - used).max(0) as u64;
    let ada = ledger(&mut tx).await?.ada();
    let n = (req.maks as u64).min(sisa).min(ada) as u32;
    if n == 0 {
        return Ok(None);
    }
    let nomors: Vec<String> = match &req.hanya {
        Some(nomor) => vec![nomor.clone()],
        None => queue_rows(&mut tx, n, 0)
            .await?
            .into_iter()
            .map(|i| i.nomor)
            .collect(),
    };
    if nomors.is_empty() {
        return Ok(None);
    }
    let mut apps = Vec::with_capacity(nomors.len());
    for nomor in &nomors {
        let p = load_permohonan(&mut tx, nomor)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("application {nomor}")))?;
        if p.status != Status::SiapCetak {
            return Err(StoreError::Stale(format!(
                "application {nomor} is {}, not siap_cetak",
                p.status
            )));
        }
        apps.push(p);
    }
    let plans = rule(&apps).map_err(StoreError::Conflict)?;
    let count = plans.len() as u64;
    if count == 0 {
        return Ok(None);
    }
    sqlx::query("INSERT INTO cetak_batch (nomor_batch, printer_id, waktu, tanggal, jumlah, aktor) VALUES (?,?,?,?,?,?)")
        .bind(&req.nomor_batch)
        .bind(req.printer_id)
        .bind(ns(req.waktu))
        .bind(req.tanggal.to_string())
        .bind(count as i64)
        .bind(&req.aktor)
        .execute(&mut *tx)
        .await
        .map_err(be)?;
    let mut item = Vec::with_capacity(plans.len());
    for (i, c) in plans.iter().enumerate() {
        if c.from != Status::SiapCetak || c.entries.last().map(|e| e.ke) != Some(Status::Dicetak) {
            return Err(StoreError::Conflict(format!(
                "a print batch only moves siap_cetak to dicetak ({})",
                c.nomor
            )));
        }
        transition_in(
            &mut tx,
            &c.nomor,
            c.from,
            &c.entries,
            None,
            c.audits.clone(),
            None,
        )
        .await?;
        sqlx::query("INSERT INTO cetak_item (nomor_batch, urut, nomor) VALUES (?,?,?)")
            .bind(&req.nomor_batch)
            .bind(i as i64)
            .bind(&c.nomor)
            .execute(&mut *tx)
            .await
            .map_err(be)?;
        item.push((c.nomor.clone(), "dicetak".to_string()));
    }
    book(
        &mut tx,
        "pakai",
        count,
        Some(&req.nomor_batch),
        req.waktu,
        &req.aktor,
    )
    .await?;
    tx.commit().await.map_err(be)?;
    Ok(Some(BatchCetak {
        nomor_batch: req.nomor_batch.clone(),
        printer_id: req.printer_id,
        printer: nama,
        waktu: req.waktu,
        tanggal: req.tanggal,
        aktor: req.aktor.clone(),
        item,
    }))
}

pub(crate) async fn print_spoil(
    store: &SqliteStore,
    nomor_batch: &str,
    c: &Transisi,
) -> Result<()> {
    let mut tx = store.begin_write().await?;
    let n = sqlx::query(
        "UPDATE cetak_item SET hasil = 'rusak' WHERE nomor_batch = ? AND nomor = ? AND hasil = 'dicetak'",
    )
    .bind(nomor_batch)
    .bind(&c.nomor)
    .execute(&mut *tx)
    .await
    .map_err(be)?
    .rows_affected();
    if n == 0 {
        return Err(StoreError::NotFound(format!(
            "printed card {} in batch {nomor_batch}",
            c.nomor
        )));
    }
    transition_in(
        &mut tx,
        &c.nomor,
        c.from,
        &c.entries,
        None,
        c.audits.clone(),
        None,
    )
    .await?;
    let (waktu, aktor) = c
        .entries
        .last()
        .map(|e| (e.waktu, e.aktor.clone()))
        .unwrap_or((Timestamp::UNIX_EPOCH, "sistem".into()));
    book(&mut tx, "rusak_cetak", 1, Some(nomor_batch), waktu, &aktor).await?;
    tx.commit().await.map_err(be)
}

async fn batch_load(conn: &mut SqliteConnection, nomor_batch: &str) -> Result<Option<BatchCetak>> {
    let Some(r) = sqlx::query(
        "SELECT b.*, p.nama AS printer FROM cetak_batch b JOIN printer p ON p.id = b.printer_id WHERE b.nomor_batch = ?",
    )
    .bind(nomor_batch)
    .fetch_optional(&mut *conn)
    .await
    .map_err(be)?
    else {
        return Ok(None);
    };
    let item: Vec<(String, String)> =
        sqlx::query_as("SELECT nomor, hasil FROM cetak_item WHERE nomor_batch = ? ORDER BY urut")
            .bind(nomor_batch)
            .fetch_all(&mut *conn)
            .await
            .map_err(be)?;
    let tanggal: String = r.get("tanggal");
    Ok(Some(BatchCetak {
        nomor_batch: r.get("nomor_batch"),
        printer_id: r.get("printer_id"),
        printer: r.get("printer"),
        waktu: ts(r.get("waktu")),
        tanggal: tanggal.parse().map_err(|e| corrupt("batch date", e))?,
        aktor: r.get("aktor"),
        item,
    }))
}

pub(crate) async fn batch_get(
    store: &SqliteStore,
    nomor_batch: &str,
) -> Result<Option<BatchCetak>> {
    let mut conn = store.reader.acquire().await.map_err(be)?;
    batch_load(&mut conn, nomor_batch).await
}

pub(crate) async fn batches_recent(store: &SqliteStore, limit: u32) -> Result<Vec<BatchCetak>> {
    let mut conn = store.reader.acquire().await.map_err(be)?;
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT nomor_batch FROM cetak_batch ORDER BY waktu DESC, nomor_batch DESC LIMIT ?",
    )
    .bind(limit as i64)
    .fetch_all(&mut *conn)
    .await
    .map_err(be)?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(b) = batch_load(&mut conn, &id).await? {
            out.push(b);
        }
    }
    Ok(out)
}

pub(crate) async fn batch_of(store: &SqliteStore, nomor: &str) -> Result<Option<String>> {
    sqlx::query_scalar(
        "SELECT i.nomor_batch FROM cetak_item i JOIN cetak_batch b ON b.nomor_batch = i.nomor_batch WHERE i.nomor = ? ORDER BY b.waktu DESC LIMIT 1",
    )
    .bind(nomor)
    .fetch_optional(&store.reader)
    .await
    .map_err(be)
}
