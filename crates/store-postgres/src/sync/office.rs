//! The office side of sync ([`SyncStore`]): sealed enrollment, the packet outbox
//! (`paket_keluar`), the decision inbox (`keputusan_masuk`) and node state.

use async_trait::async_trait;
use jiff::Timestamp;
use sidik_domain::audit::AuditDraft;
use sidik_domain::biometrik::Biometrik;
use sidik_domain::{Hasil, Keputusan, Riwayat, Status};
use sidik_store::*;
use sqlx::postgres::PgRow;
use sqlx::Row;

use super::{insert_kandidat, keputusan_rows};
use crate::applications::{create_in, transition_in};
use crate::audit::append_audit;
use crate::{be, ns, ts, PgStore};

fn antre(r: &PgRow) -> Result<PaketAntre> {
    Ok(PaketAntre {
        packet_id: r.try_get("packet_id").map_err(be)?,
        nomor: r.try_get("nomor").map_err(be)?,
        sha256: r.try_get("sha256").map_err(be)?,
        bytes: r.try_get("bytes").map_err(be)?,
        dibuat: ts(r.try_get("dibuat").map_err(be)?),
        percobaan: r.try_get::<i64, _>("percobaan").map_err(be)? as u32,
    })
}

#[async_trait]
impl SyncStore for PgStore {
    async fn application_create_sealed(
        &self,
        new: &NewPermohonan,
        bio: &Biometrik,
        audit: AuditDraft,
        seal: Penyegel<'_>,
    ) -> Result<Created> {
        let mut tx = self.begin_write().await?;
        let created = create_in(&mut tx, new, bio, audit, Some(seal)).await?;
        tx.commit().await.map_err(be)?;
        Ok(created)
    }

    async fn outbox_waiting(&self, limit: u32) -> Result<Vec<PaketAntre>> {
        let rows = sqlx::query(
            "SELECT * FROM paket_keluar WHERE status = 'menunggu' ORDER BY urut LIMIT $1",
        )
        .bind(limit as i64)
        .fetch_all(&self.reader)
        .await
        .map_err(be)?;
        rows.iter().map(antre).collect()
    }

    async fn outbox_sent_many(&self, packet_ids: &[String], at: Timestamp) -> Result<()> {
        if packet_ids.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin_write().await?;
        for id in packet_ids {
            sqlx::query("UPDATE paket_keluar SET status = 'terkirim', terkirim = $1, galat = NULL WHERE packet_id = $2 AND status = 'menunggu'")
                .bind(ns(at))
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(be)?;
        }
        tx.commit().await.map_err(be)
    }

    async fn outbox_refused(&self, packet_id: &str, reason: &str, at: Timestamp) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query("UPDATE paket_keluar SET status = 'karantina', terkirim = $1, galat = $2 WHERE packet_id = $3 AND status = 'menunggu'")
            .bind(ns(at))
            .bind(reason)
            .bind(packet_id)
            .execute(&mut *tx)
            .await
            .map_err(be)?
            .rows_affected();
        if n > 0 {
            append_audit(
                &mut tx,
                vec![AuditDraft {
                    aktor: "sistem:sinkron".into(),
                    aksi: "paket.ditolak_pusat".into(),
                    subjek: packet_id.to_string(),
                    waktu: at,
                    detail: reason.to_string(),
                }],
            )
            .await?;
        }
        tx.commit().await.map_err(be)
    }

    async fn outbox_attempt_failed(&self, packet_id: &str, error: &str) -> Result<()> {
        sqlx::query(
            "UPDATE paket_keluar SET percobaan = percobaan + 1, galat = $1 WHERE packet_id = $2",
        )
        .bind(error)
        .bind(packet_id)
        .execute(&self.writer)
        .await
        .map_err(be)?;
        Ok(())
    }

    async fn outbox_of(&self, nomor: &str) -> Result<Option<InfoKirim>> {
        let r = sqlx::query("SELECT * FROM paket_keluar WHERE nomor = $1")
            .bind(nomor)
            .fetch_optional(&self.reader)
            .await
            .map_err(be)?;
        r.map(|r| {
            Ok(InfoKirim {
                packet_id: r.try_get("packet_id").map_err(be)?,
                status: StatusKirim::parse(&r.try_get::<String, _>("status").map_err(be)?)?,
                dibuat: ts(r.try_get("dibuat").map_err(be)?),
                terkirim: r.try_get::<Option<i64>, _>("terkirim").map_err(be)?.map(ts),
                galat: r.try_get("galat").map_err(be)?,
            })
        })
        .transpose()
    }

    async fn outbox_refused_list(&self, limit: u32) -> Result<Vec<(PaketAntre, String)>> {
        let rows = sqlx::query(
            "SELECT * FROM paket_keluar WHERE status = 'karantina' ORDER BY urut DESC LIMIT $1",
        )
        .bind(limit as i64)
        .fetch_all(&self.reader)
        .await
        .map_err(be)?;
        rows.iter()
            .map(|r| {
                Ok((
                    antre(r)?,
                    r.try_get::<Option<String>, _>("galat")
                        .map_err(be)?
                        .unwrap_or_default(),
                ))
            })
            .collect()
    }

    async fn findings_on_issued_cards(&self, limit: u32) -> Result<Vec<TemuanCetak>> {
        let rows = sqlx::query(
            "SELECT k.seq, k.nomor, k.hasil, k.catatan, k.waktu, p.nik, p.nama, p.status \
             FROM keputusan_masuk k JOIN permohonan p ON p.nomor = k.nomor \
             WHERE k.seq = (SELECT MAX(seq) FROM keputusan_masuk l WHERE l.nomor = k.nomor) \
               AND k.hasil IN ('ganda', 'ditolak') \
               AND p.status IN ('dicetak', 'diserahkan') \
             ORDER BY k.seq DESC LIMIT $1",
        )
        .bind(limit as i64)
        .fetch_all(&self.reader)
        .await
        .map_err(be)?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let seq: i64 = r.try_get("seq").map_err(be)?;
            let kandidat = sqlx::query_scalar(
                "SELECT permohonan FROM keputusan_masuk_kandidat WHERE seq = $1 ORDER BY urut",
            )
            .bind(seq)
            .fetch_all(&self.reader)
            .await
            .map_err(be)?;
            out.push(TemuanCetak {
                nomor: r.try_get("nomor").map_err(be)?,
                nik: r.try_get("nik").map_err(be)?,
                nama: r.try_get("nama").map_err(be)?,
                status: r.try_get("status").map_err(be)?,
                hasil: r.try_get("hasil").map_err(be)?,
                catatan: r.try_get("catatan").map_err(be)?,
                waktu: ts(r.try_get("waktu").map_err(be)?),
                kandidat,
            });
        }
        Ok(out)
    }

    async fn sync_stats(&self) -> Result<StatistikKirim> {
        let mut s = StatistikKirim::default();
        let rows = sqlx::query(
            "SELECT status, COUNT(*) AS n, MIN(dibuat) AS tertua FROM paket_keluar GROUP BY status",
        )
        .fetch_all(&self.reader)
        .await
        .map_err(be)?;
        for r in rows {
            let n = r.try_get::<i64, _>("n").map_err(be)? as u64;
            match StatusKirim::parse(&r.try_get::<String, _>("status").map_err(be)?)? {
                StatusKirim::Menunggu => {
                    s.menunggu = n;
                    s.tertua = r.try_get::<Option<i64>, _>("tertua").map_err(be)?.map(ts);
                }
                StatusKirim::Terkirim => s.terkirim = n,
                StatusKirim::Karantina => s.karantina = n,
            }
        }
        let r =
            sqlx::query("SELECT COUNT(*) AS n, COALESCE(MAX(seq), 0) AS k FROM keputusan_masuk")
                .fetch_one(&self.reader)
                .await
                .map_err(be)?;
        s.keputusan = r.try_get::<i64, _>("n").map_err(be)? as u64;
        s.kursor = r.try_get("k").map_err(be)?;
        Ok(s)
    }

    async fn decision_record(
        &self,
        k: &Keputusan,
        from: Status,
        entries: &[Riwayat],
        audits: Vec<AuditDraft>,
    ) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let new = record_decision_in(&mut tx, k, from, entries, audits).await?;
        if new {
            tx.commit().await.map_err(be)?;
        }
        Ok(new)
    }

    async fn decision_record_batch(&self, plans: &[RencanaKeputusan]) -> Result<Vec<bool>> {
        if plans.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.begin_write().await?;
        let mut out = Vec::with_capacity(plans.len());
        for p in plans {
            out.push(
                record_decision_in(&mut tx, &p.keputusan, p.from, &p.entries, p.audits.clone())
                    .await?,
            );
        }
        // Dropping the transaction on an error above rolls every plan back.
        tx.commit().await.map_err(be)?;
        Ok(out)
    }

    async fn decisions_of(&self, nomor: &str) -> Result<Vec<Keputusan>> {
        let mut conn = self.reader.acquire().await.map_err(be)?;
        let rows = sqlx::query("SELECT * FROM keputusan_masuk WHERE nomor = $1 ORDER BY seq")
            .bind(nomor)
            .fetch_all(&mut *conn)
            .await
            .map_err(be)?;
        keputusan_rows(&mut conn, rows, "keputusan_masuk_kandidat").await
    }

    async fn state_get(&self, key: &str) -> Result<Option<String>> {
        sqlx::query_scalar("SELECT nilai FROM node_state WHERE kunci = $1")
            .bind(key)
            .fetch_optional(&self.reader)
            .await
            .map_err(be)
    }

    async fn state_set(&self, key: &str, value: Option<&str>) -> Result<()> {
        match value {
            Some(v) => sqlx::query("INSERT INTO node_state (kunci, nilai) VALUES ($1, $2) ON CONFLICT(kunci) DO UPDATE SET nilai = excluded.nilai")
                .bind(key)
                .bind(v)
                .execute(&self.writer)
                .await
                .map_err(be)?,
            None => sqlx::query("DELETE FROM node_state WHERE kunci = $1")
                .bind(key)
                .execute(&self.writer)
                .await
                .map_err(be)?,
        };
        Ok(())
    }
}

/// Records one decision inside `tx` (see [`SyncStore::decision_record`]); false when the
/// decision was already recorded (nothing written).
async fn record_decision_in(
    tx: &mut sqlx::Transaction<'static, sqlx::Postgres>,
    k: &Keputusan,
    from: Status,
    entries: &[Riwayat],
    audits: Vec<AuditDraft>,
) -> Result<bool> {
    let seen: Option<i64> = sqlx::query_scalar("SELECT seq FROM keputusan_masuk WHERE seq = $1")
        .bind(k.seq)
        .fetch_optional(&mut **tx)
        .await
        .map_err(be)?;
    if seen.is_some() {
        return Ok(false);
    }
    sqlx::query("INSERT INTO keputusan_masuk (seq, nomor, packet_id, hasil, catatan, waktu, diterapkan) VALUES ($1,$2,$3,$4,$5,$6,$7)")
        .bind(k.seq)
        .bind(k.nomor.as_str())
        .bind(&k.packet_id)
        .bind(k.hasil.slug())
        .bind(&k.catatan)
        .bind(ns(k.waktu))
        .bind(!entries.is_empty() as i64)
        .execute(&mut **tx)
        .await
        .map_err(be)?;
    insert_kandidat(tx, "keputusan_masuk_kandidat", k.seq, &k.kandidat).await?;
    if entries.is_empty() {
        append_audit(tx, audits).await?;
    } else {
        let hasil = matches!(k.hasil, Hasil::Ganda | Hasil::Tunggal).then(|| {
            sidik_domain::permohonan::HasilKetunggalan {
                biometrik: true,
                catatan: k.catatan.clone(),
                kandidat: k.kandidat.clone(),
            }
        });
        transition_in(
            tx,
            k.nomor.as_str(),
            from,
            entries,
            hasil.as_ref(),
            audits,
            None,
        )
        .await?;
    }
    Ok(true)
}
