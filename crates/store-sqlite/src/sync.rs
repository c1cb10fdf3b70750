//! SQLite implementation of the sync traits: the office outbox and decision inbox
//! ([`SyncStore`]) and the centre's packet registry, quarantine and decision feed
//! ([`CentreStore`]).

use async_trait::async_trait;
use jiff::Timestamp;
use sidik_domain::audit::AuditDraft;
use sidik_domain::biometrik::Biometrik;
use sidik_domain::permohonan::Kandidat;
use sidik_domain::{
    Hasil, Keputusan, KodeKantor, Nik, NomorRegistrasi, Riwayat, Status, StatusPaket,
};
use sidik_store::*;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};

use crate::{append_audit, be, corrupt, create_in, ns, transition_in, ts, SqliteStore};

fn antre(r: &SqliteRow) -> Result<PaketAntre> {
    Ok(PaketAntre {
        packet_id: r.try_get("packet_id").map_err(be)?,
        nomor: r.try_get("nomor").map_err(be)?,
        sha256: r.try_get("sha256").map_err(be)?,
        bytes: r.try_get("bytes").map_err(be)?,
        dibuat: ts(r.try_get("dibuat").map_err(be)?),
        percobaan: r.try_get::<i64, _>("percobaan").map_err(be)? as u32,
    })
}

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

#[async_trait]
impl SyncStore for SqliteStore {
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
            "SELECT * FROM paket_keluar WHERE status = 'menunggu' ORDER BY urut LIMIT ?",
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
            sqlx::query("UPDATE paket_keluar SET status = 'terkirim', terkirim = ?, galat = NULL WHERE packet_id = ? AND status = 'menunggu'")
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
        let n = sqlx::query("UPDATE paket_keluar SET status = 'karantina', terkirim = ?, galat = ? WHERE packet_id = ? AND status = 'menunggu'")
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
            "UPDATE paket_keluar SET percobaan = percobaan + 1, galat = ? WHERE packet_id = ?",
        )
        .bind(error)
        .bind(packet_id)
        .execute(&self.writer)
        .await
        .map_err(be)?;
        Ok(())
    }

    async fn outbox_of(&self, nomor: &str) -> Result<Option<InfoKirim>> {
        let r = sqlx::query("SELECT * FROM paket_keluar WHERE nomor = ?")
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
            "SELECT * FROM paket_keluar WHERE status = 'karantina' ORDER BY urut DESC LIMIT ?",
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
             ORDER BY k.seq DESC LIMIT ?",
        )
        .bind(limit)
        .fetch_all(&self.reader)
        .await
        .map_err(be)?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let seq: i64 = r.try_get("seq").map_err(be)?;
            let kandidat = sqlx::query_scalar(
                "SELECT permohonan FROM keputusan_masuk_kandidat WHERE seq = ? ORDER BY urut",
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
        let rows = sqlx::query("SELECT * FROM keputusan_masuk WHERE nomor = ? ORDER BY seq")
            .bind(nomor)
            .fetch_all(&mut *conn)
            .await
            .map_err(be)?;
        keputusan_rows(&mut conn, rows, "keputusan_masuk_kandidat").await
    }

    async fn state_get(&self, key: &str) -> Result<Option<String>> {
        sqlx::query_scalar("SELECT nilai FROM node_state WHERE kunci = ?")
            .bind(key)
            .fetch_optional(&self.reader)
            .await
            .map_err(be)
    }

    async fn state_set(&self, key: &str, value: Option<&str>) -> Result<()> {
        match value {
            Some(v) => sqlx::query("INSERT INTO node_state (kunci, nilai) VALUES (?, ?) ON CONFLICT(kunci) DO UPDATE SET nilai = excluded.nilai")
                .bind(key)
                .bind(v)
                .execute(&self.writer)
                .await
                .map_err(be)?,
            None => sqlx::query("DELETE FROM node_state WHERE kunci = ?")
                .bind(key)
                .execute(&self.writer)
                .await
                .map_err(be)?,
        };
        Ok(())
    }
}

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

    async fn decisions_publish_batch(&self, items: &[PublishItem]) -> Result<u64> {
        let mut tx = self.begin_write().await?;
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

/// Records one decision inside `tx` (see [`SyncStore::decision_record`]); false when the
/// decision was already recorded (nothing written).
async fn record_decision_in(
    tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
    k: &Keputusan,
    from: Status,
    entries: &[Riwayat],
    audits: Vec<AuditDraft>,
) -> Result<bool> {
    let seen: Option<i64> = sqlx::query_scalar("SELECT seq FROM keputusan_masuk WHERE seq = ?")
        .bind(k.seq)
        .fetch_optional(&mut **tx)
        .await
        .map_err(be)?;
    if seen.is_some() {
        return Ok(false);
    }
    sqlx::query("INSERT INTO keputusan_masuk (seq, nomor, packet_id, hasil, catatan, waktu, diterapkan) VALUES (?,?,?,?,?,?,?)")
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
        transition_in(tx, k.nomor.as_str(), from, entries, hasil.as_ref(), audits).await?;
    }
    Ok(true)
}
