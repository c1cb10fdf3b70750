//! The centre side of sync ([`CentreStore`]): office keys, received packets
//! (`paket_masuk`), quarantine, the undecided queue, and publishing and feeding
//! decisions.

use async_trait::async_trait;
use jiff::Timestamp;
use sidik_domain::audit::AuditDraft;
use sidik_domain::{Hasil, Keputusan, KodeKantor, Nik, NomorRegistrasi, StatusPaket};
use sidik_store::*;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};

use super::{insert_kandidat, keputusan_rows};
use crate::audit::append_audit;
use crate::{be, corrupt, ns, ts, SqliteStore};

/// A column holding a domain value in its text form, parsed on the way out: a stored
/// value that does not parse is reported as corrupt, never passed on.
fn parsed<T, E: std::fmt::Display>(
    r: &SqliteRow,
    col: &str,
    parse: impl FnOnce(&str) -> std::result::Result<T, E>,
) -> Result<T> {
    let v: String = r.try_get(col).map_err(be)?;
    parse(&v).map_err(|e| corrupt(col, e))
}

fn kode(r: &SqliteRow, col: &str) -> Result<KodeKantor> {
    parsed(r, col, KodeKantor::parse)
}

fn nomor(r: &SqliteRow) -> Result<NomorRegistrasi> {
    parsed(r, "nomor", NomorRegistrasi::parse)
}

fn nik(r: &SqliteRow) -> Result<Nik> {
    parsed(r, "nik", Nik::parse)
}

fn kantor_row(r: &SqliteRow) -> Result<KantorTerdaftar> {
    Ok(KantorTerdaftar {
        kode: kode(r, "kode")?,
        nama: r.try_get("nama").map_err(be)?,
        public_key: r.try_get("public_key").map_err(be)?,
        sertifikat: r.try_get("sertifikat").map_err(be)?,
        dicabut: r.try_get::<Option<i64>, _>("dicabut").map_err(be)?.map(ts),
        dibuat: ts(r.try_get("dibuat").map_err(be)?),
    })
}

fn pusat_row(r: &SqliteRow) -> Result<PaketPusat> {
    Ok(PaketPusat {
        packet_id: r.try_get("packet_id").map_err(be)?,
        kantor: kode(r, "kantor")?,
        nomor: nomor(r)?,
        nik: nik(r)?,
        nama: r.try_get("nama").map_err(be)?,
        status: parsed(r, "status", StatusPaket::parse)?,
        diterima: ts(r.try_get("diterima").map_err(be)?),
    })
}

fn karantina_row(r: &SqliteRow) -> Result<Karantina> {
    Ok(Karantina {
        id: r.try_get("id").map_err(be)?,
        sha256: r.try_get("sha256").map_err(be)?,
        packet_id: r.try_get("packet_id").map_err(be)?,
        kantor: r.try_get("kantor").map_err(be)?,
        kode: r.try_get("kode").map_err(be)?,
        alasan: r.try_get("alasan").map_err(be)?,
        ukuran: r.try_get::<i64, _>("ukuran").map_err(be)? as u64,
        diterima: ts(r.try_get("diterima").map_err(be)?),
    })
}

const PUSAT_COLS: &str = "packet_id, kantor, nomor, nik, nama, status, diterima";

#[async_trait]
impl CentreStore for SqliteStore {
    async fn office_register(&self, k: &KantorTerdaftar, audit: AuditDraft) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("INSERT INTO kantor_terdaftar (kode, public_key, nama, sertifikat, dicabut, dibuat) VALUES (?,?,?,?,NULL,?)")
            .bind(k.kode.as_str())
            .bind(&k.public_key)
            .bind(&k.nama)
            .bind(&k.sertifikat)
            .bind(ns(k.dibuat))
            .execute(&mut *tx)
            .await
            .map_err(be)?;
        append_audit(&mut tx, vec![audit]).await?;
        tx.commit().await.map_err(be)
    }

    async fn office_revoke(
        &self,
        kode: &KodeKantor,
        public_key: &str,
        at: Timestamp,
        audit: AuditDraft,
    ) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query("UPDATE kantor_terdaftar SET dicabut = ? WHERE kode = ? AND public_key = ? AND dicabut IS NULL")
            .bind(ns(at))
            .bind(kode.as_str())
            .bind(public_key)
            .execute(&mut *tx)
            .await
            .map_err(be)?
            .rows_affected();
        if n > 0 {
            append_audit(&mut tx, vec![audit]).await?;
        }
        tx.commit().await.map_err(be)?;
        Ok(n > 0)
    }

    async fn offices(&self) -> Result<Vec<KantorTerdaftar>> {
        let rows = sqlx::query("SELECT * FROM kantor_terdaftar ORDER BY kode, dibuat")
            .fetch_all(&self.reader)
            .await
            .map_err(be)?;
        rows.iter().map(kantor_row).collect()
    }

    async fn packet_record(&self, p: &PaketMasuk, audit: AuditDraft) -> Result<Diterima> {
        let mut tx = self.begin_write().await?;
        let prior: Option<String> =
            sqlx::query_scalar("SELECT sha256 FROM paket_masuk WHERE packet_id = ? OR nomor = ?")
                .bind(&p.packet_id)
                .bind(p.nomor.as_str())
                .fetch_optional(&mut *tx)
                .await
                .map_err(be)?;
        if let Some(sha256) = prior {
            return Ok(if sha256 == p.sha256 {
                Diterima::Ulangan
            } else {
                Diterima::Bentrok { sha256 }
            });
        }
        sqlx::query("INSERT INTO paket_masuk (packet_id, kantor, nomor, nik, nama, kelurahan, operator, sha256, bytes, diterima, direkam) VALUES (?,?,?,?,?,?,?,?,?,?,?)")
            .bind(&p.packet_id)
            .bind(p.kantor.as_str())
            .bind(p.nomor.as_str())
            .bind(p.nik.as_str())
            .bind(&p.nama)
            .bind(&p.kelurahan)
            .bind(&p.operator)
            .bind(&p.sha256)
            .bind(&p.bytes)
            .bind(ns(p.diterima))
            .bind(ns(p.direkam))
            .execute(&mut *tx)
            .await
            .map_err(be)?;
        for (pos, t) in &p.jari {
            sqlx::query("INSERT INTO paket_jari (packet_id, posisi, template) VALUES (?,?,?)")
                .bind(&p.packet_id)
                .bind(*pos as i64)
                .bind(t)
                .execute(&mut *tx)
                .await
                .map_err(be)?;
        }
        append_audit(&mut tx, vec![audit]).await?;
        tx.commit().await.map_err(be)?;
        Ok(Diterima::Baru)
    }

    async fn quarantine_add(&self, q: &Karantina, audit: AuditDraft) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query("INSERT OR IGNORE INTO karantina (sha256, packet_id, kantor, kode, alasan, ukuran, diterima) VALUES (?,?,?,?,?,?,?)")
            .bind(&q.sha256)
            .bind(&q.packet_id)
            .bind(&q.kantor)
            .bind(&q.kode)
            .bind(&q.alasan)
            .bind(q.ukuran as i64)
            .bind(ns(q.diterima))
            .execute(&mut *tx)
            .await
            .map_err(be)?
            .rows_affected();
        if n > 0 {
            append_audit(&mut tx, vec![audit]).await?;
        }
        tx.commit().await.map_err(be)?;
        Ok(n > 0)
    }

    async fn quarantine_list(&self, limit: u32) -> Result<Vec<Karantina>> {
        let rows = sqlx::query("SELECT * FROM karantina ORDER BY id DESC LIMIT ?")
            .bind(limit as i64)
            .fetch_all(&self.reader)
            .await
            .map_err(be)?;
        rows.iter().map(karantina_row).collect()
    }

    async fn packets_undecided(
        &self,
        limit: u32,
        hold: Option<Tahan>,
        skip: &std::collections::HashSet<String>,
    ) -> Result<Vec<PaketTunggu>> {
        let mut conn = self.reader.acquire().await.map_err(be)?;
        let (from, received_by) = match hold {
            Some(h) => (ns(h.from), ns(h.received_by)),
            None => (i64::MAX, i64::MIN),
        };
        let rows = sqlx::query(
            "SELECT urut, packet_id, kantor, nomor, nik, direkam, diterima FROM paket_masuk WHERE diputuskan IS NULL AND (direkam < ? OR diterima <= ?) ORDER BY direkam, urut LIMIT ?",
        )
        .bind(from)
        .bind(received_by)
        .bind(limit as i64 + skip.len() as i64)
        .fetch_all(&mut *conn)
        .await
        .map_err(be)?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let packet_id: String = r.try_get("packet_id").map_err(be)?;
            if skip.contains(&packet_id) {
                continue;
            }
            if out.len() == limit as usize {
                break;
            }
            let jari = sqlx::query(
                "SELECT posisi, template FROM paket_jari WHERE packet_id = ? ORDER BY posisi",
            )
            .bind(&packet_id)
            .fetch_all(&mut *conn)
            .await
            .map_err(be)?
            .iter()
            .map(|j| {
                Ok((
                    j.try_get::<i64, _>("posisi").map_err(be)? as u8,
                    j.try_get::<Vec<u8>, _>("template").map_err(be)?,
                ))
            })
            .collect::<Result<Vec<_>>>()?;
            out.push(PaketTunggu {
                urut: r.try_get("urut").map_err(be)?,
                packet_id,
                kantor: kode(&r, "kantor")?,
                nomor: nomor(&r)?,
                nik: nik(&r)?,
                jari,
                direkam: ts(r.try_get("direkam").map_err(be)?),
                diterima: ts(r.try_get("diterima").map_err(be)?),
            });
        }
        Ok(out)
    }

    async fn packets_of_nik(&self, nik: &Nik) -> Result<Vec<PaketPusat>> {
        let rows = sqlx::query(&format!(
            "SELECT {PUSAT_COLS} FROM paket_masuk WHERE nik = ? ORDER BY urut"
        ))
        .bind(nik.as_str())
        .fetch_all(&self.reader)
        .await
        .map_err(be)?;
        rows.iter().map(pusat_row).collect()
    }

    async fn packet_get(&self, packet_id: &str) -> Result<Option<PaketPusat>> {
        sqlx::query(&format!(
            "SELECT {PUSAT_COLS} FROM paket_masuk WHERE packet_id = ?"
        ))
        .bind(packet_id)
        .fetch_optional(&self.reader)
        .await
        .map_err(be)?
        .as_ref()
        .map(pusat_row)
        .transpose()
    }

    async fn packet_by_nomor(&self, nomor: &str) -> Result<Option<PaketPusat>> {
        sqlx::query(&format!(
            "SELECT {PUSAT_COLS} FROM paket_masuk WHERE nomor = ?"
        ))
        .bind(nomor)
        .fetch_optional(&self.reader)
        .await
        .map_err(be)?
        .as_ref()
        .map(pusat_row)
        .transpose()
    }

    async fn packets_with_status(
        &self,
        status: StatusPaket,
        limit: u32,
    ) -> Result<Vec<PaketPusat>> {
        let rows = sqlx::query(&format!(
            "SELECT {PUSAT_COLS} FROM paket_masuk WHERE status = ? ORDER BY urut DESC LIMIT ?"
        ))
        .bind(status.slug())
        .bind(limit as i64)
        .fetch_all(&self.reader)
        .await
        .map_err(be)?;
        rows.iter().map(pusat_row).collect()
    }

    async fn centre_templates(&self) -> Result<Vec<GalleryTemplate>> {
        let rows = sqlx::query(
            "SELECT p.nomor, p.nik, j.posisi, j.template FROM paket_masuk p JOIN paket_jari j ON j.packet_id = p.packet_id WHERE p.status IN ('tunggal','ganda') ORDER BY p.urut, j.posisi",
        )
        .fetch_all(&self.reader)
        .await
        .map_err(be)?;
        rows.iter()
            .map(|r| {
                Ok(GalleryTemplate {
                    permohonan: r.try_get("nomor").map_err(be)?,
                    nik: r.try_get("nik").map_err(be)?,
                    posisi: r.try_get::<i64, _>("posisi").map_err(be)? as u8,
                    template: r.try_get("template").map_err(be)?,
                })
            })
            .collect()
    }

    async fn decisions_publish(
        &self,
        decided: Option<&str>,
        decisions: &[KeputusanBaru],
        audits: Vec<AuditDraft>,
    ) -> Result<u64> {
        let mut tx = self.begin_write().await?;
        let published = publish_in(&mut tx, decided, decisions, audits).await?;
        tx.commit().await.map_err(be)?;
        Ok(published)
    }

    async fn decisions_publish_batch(
        &self,
        items: &[PublishItem],
        fence: Option<&LeaseFence>,
    ) -> Result<u64> {
        let mut tx = self.begin_write().await?;
        if let Some(fence) = fence {
            super::lease::check(&mut tx, fence).await?;
        }
        let mut published = 0;
        for it in items {
            published += publish_in(
                &mut tx,
                it.decided.as_deref(),
                &it.decisions,
                it.audits.clone(),
            )
            .await?;
        }
        tx.commit().await.map_err(be)?;
        Ok(published)
    }

    async fn decider_lease(
        &self,
        holder: &str,
        now: Timestamp,
        ttl: std::time::Duration,
        predecessor: Option<&str>,
    ) -> Result<Option<i64>> {
        let mut tx = self.begin_write().await?;
        let epoch = super::lease::take(&mut tx, holder, now, ttl, predecessor).await?;
        tx.commit().await.map_err(be)?;
        Ok(epoch)
    }

    async fn decision_feed(&self, kantor: &str, after: i64, limit: u32) -> Result<Vec<Keputusan>> {
        let mut conn = self.reader.acquire().await.map_err(be)?;
        let rows = sqlx::query(
            "SELECT * FROM keputusan WHERE kantor = ? AND seq > ? ORDER BY seq LIMIT ?",
        )
        .bind(kantor)
        .bind(after)
        .bind(limit.clamp(1, 5000) as i64)
        .fetch_all(&mut *conn)
        .await
        .map_err(be)?;
        keputusan_rows(&mut conn, rows, "keputusan_kandidat").await
    }

    async fn decisions_for(&self, nomor: &str) -> Result<Vec<Keputusan>> {
        let mut conn = self.reader.acquire().await.map_err(be)?;
        let rows = sqlx::query("SELECT * FROM keputusan WHERE nomor = ? ORDER BY seq")
            .bind(nomor)
            .fetch_all(&mut *conn)
            .await
            .map_err(be)?;
        keputusan_rows(&mut conn, rows, "keputusan_kandidat").await
    }

    async fn centre_stats(&self) -> Result<StatistikPusat> {
        let mut s = StatistikPusat::default();
        let r = sqlx::query("SELECT COUNT(*) AS n, COUNT(diputuskan) AS d FROM paket_masuk")
            .fetch_one(&self.reader)
            .await
            .map_err(be)?;
        s.diterima = r.try_get::<i64, _>("n").map_err(be)? as u64;
        s.diputuskan = r.try_get::<i64, _>("d").map_err(be)? as u64;
        s.menunggu = s.diterima - s.diputuskan;
        s.karantina = sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM karantina")
            .fetch_one(&self.reader)
            .await
            .map_err(be)? as u64;
        for r in
            sqlx::query("SELECT hasil, COUNT(*) AS n FROM keputusan GROUP BY hasil ORDER BY hasil")
                .fetch_all(&self.reader)
                .await
                .map_err(be)?
        {
            s.keputusan.push((
                parsed(&r, "hasil", Hasil::parse)?,
                r.try_get::<i64, _>("n").map_err(be)? as u64,
            ));
        }
        for r in sqlx::query(
            "SELECT status, COUNT(*) AS n FROM paket_masuk GROUP BY status ORDER BY status",
        )
        .fetch_all(&self.reader)
        .await
        .map_err(be)?
        {
            s.status.push((
                parsed(&r, "status", StatusPaket::parse)?,
                r.try_get::<i64, _>("n").map_err(be)? as u64,
            ));
        }
        Ok(s)
    }
}

/// Publishes one packet's decisions inside `tx` (see `CentreStore::decisions_publish`).
async fn publish_in(
    conn: &mut SqliteConnection,
    decided: Option<&str>,
    decisions: &[KeputusanBaru],
    audits: Vec<AuditDraft>,
) -> Result<u64> {
    let mut published = 0;
    let mut stamp = None;
    for d in decisions {
        let seq: Option<i64> = sqlx::query_scalar("INSERT INTO keputusan (kantor, nomor, packet_id, sebab, hasil, catatan, waktu) VALUES (?,?,?,?,?,?,?) ON CONFLICT (nomor, sebab) DO NOTHING RETURNING seq")
                .bind(d.kantor.as_str())
                .bind(d.nomor.as_str())
                .bind(&d.packet_id)
                .bind(&d.sebab)
                .bind(d.hasil.slug())
                .bind(&d.catatan)
                .bind(ns(d.waktu))
                .fetch_optional(&mut *conn)
                .await
                .map_err(be)?;
        let Some(seq) = seq else { continue };
        published += 1;
        stamp = Some(d.waktu);
        insert_kandidat(conn, "keputusan_kandidat", seq, &d.kandidat).await?;
        sqlx::query("UPDATE paket_masuk SET status = ? WHERE nomor = ?")
            .bind(StatusPaket::after(d.hasil).slug())
            .bind(d.nomor.as_str())
            .execute(&mut *conn)
            .await
            .map_err(be)?;
    }
    if let Some(id) = decided {
        let at = stamp.or_else(|| decisions.first().map(|d| d.waktu));
        sqlx::query(
            "UPDATE paket_masuk SET diputuskan = ? WHERE packet_id = ? AND diputuskan IS NULL",
        )
        .bind(ns(at.unwrap_or_else(Timestamp::now)))
        .bind(id)
        .execute(&mut *conn)
        .await
        .map_err(be)?;
    }
    if published > 0 {
        append_audit(conn, audits).await?;
    }
    Ok(published)
}
