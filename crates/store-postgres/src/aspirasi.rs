//! [`AspirasiStore`] on PostgreSQL: aspirations, their thread, supports, Open311
//! clients, and the related-aspirations search (a `tsvector` of the public text, ranked
//! with `ts_rank`).

use async_trait::async_trait;
use jiff::Timestamp;
use sidik_domain::aspirasi::{Kategori, NomorAspirasi, StatusAspirasi};
use sidik_domain::audit::AuditDraft;
use sidik_store::*;
use sqlx::postgres::PgRow;
use sqlx::{Postgres, QueryBuilder, Row};

use crate::audit::append_audit;
use crate::{be, corrupt, ns, ts, PgStore};

fn row(r: &PgRow) -> Result<Aspirasi> {
    let nomor: String = r.get("nomor");
    let opt_ts = |c: &str| r.get::<Option<i64>, _>(c).map(ts);
    Ok(Aspirasi {
        nomor: NomorAspirasi::parse(&nomor).map_err(|e| corrupt("aspiration number", e))?,
        dibuat: ts(r.get("dibuat")),
        judul: r.get("judul"),
        isi: r.get("isi"),
        judul_publik: r.get("judul_publik"),
        isi_publik: r.get("isi_publik"),
        kategori: Kategori::parse(r.get("kategori")).map_err(|e| corrupt("category", e))?,
        kelurahan: r.get("kelurahan"),
        permohonan: r.get("permohonan"),
        anonim: r.get::<i64, _>("anonim") != 0,
        rahasia: r.get::<i64, _>("rahasia") != 0,
        nama: r.get("nama"),
        telepon: r.get("telepon"),
        email: r.get("email"),
        kode_hash: r.get("kode_hash"),
        sumber: r.get("sumber"),
        lat: r.get("lat"),
        long: r.get("long"),
        alamat: r.get("alamat"),
        status: StatusAspirasi::parse(r.get("status"))
            .ok_or_else(|| corrupt("aspiration status", r.get::<String, _>("status")))?,
        moderasi: Moderasi::parse(r.get("moderasi"))
            .ok_or_else(|| corrupt("moderation", r.get::<String, _>("moderasi")))?,
        unit: r.get("unit"),
        petugas: r.get("petugas"),
        diteruskan: opt_ts("diteruskan"),
        dijawab: opt_ts("dijawab"),
        aktivitas: ts(r.get("aktivitas")),
        ditutup: opt_ts("ditutup"),
        dukungan: r.get::<i64, _>("dukungan").max(0) as u64,
        nilai: r.get::<Option<i64>, _>("nilai").map(|n| n as u8),
        diperbarui: ts(r.get("diperbarui")),
    })
}

fn filter<'a>(q: &mut QueryBuilder<'a, Postgres>, f: &'a FilterAspirasi) {
    q.push(" WHERE 1 = 1");
    if !f.status.is_empty() {
        q.push(" AND status IN (");
        let mut sep = q.separated(", ");
        for s in &f.status {
            sep.push_bind(s.slug());
        }
        q.push(")");
    }
    if let Some(m) = f.moderasi {
        q.push(" AND moderasi = ").push_bind(m.slug());
    }
    if let Some(k) = f.kategori {
        q.push(" AND kategori = ").push_bind(k.slug());
    }
    if let Some(k) = &f.kelurahan {
        q.push(" AND kelurahan = ").push_bind(k.as_str());
    }
    if let Some(t) = f.dari {
        q.push(" AND dibuat >= ").push_bind(ns(t));
    }
    if let Some(t) = f.sampai {
        q.push(" AND dibuat < ").push_bind(ns(t));
    }
}

async fn id_of(conn: &mut sqlx::PgConnection, nomor: &NomorAspirasi) -> Result<Option<i64>> {
    sqlx::query_scalar("SELECT id FROM aspirasi WHERE nomor = $1")
        .bind(nomor.as_str())
        .fetch_optional(&mut *conn)
        .await
        .map_err(be)
}

async fn insert_tanggapan(
    conn: &mut sqlx::PgConnection,
    id: i64,
    waktu: Timestamp,
    t: &TanggapanBaru,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO aspirasi_tanggapan (aspirasi, waktu, jenis, oleh, isi, publik) VALUES ($1,$2,$3,$4,$5,$6)",
    )
    .bind(id)
    .bind(ns(waktu))
    .bind(t.jenis.slug())
    .bind(&t.oleh)
    .bind(&t.isi)
    .bind(t.publik as i64)
    .execute(&mut *conn)
    .await
    .map_err(be)?;
    Ok(())
}

/// The words of a text as a `to_tsquery('simple', ..)` query: distinct words of 3 or
/// more letters or digits (nothing else, so no tsquery operator gets through), joined
/// by `|` (OR; at most 24, so a long body stays cheap).
fn kueri_fts(teks: &str) -> Option<String> {
    let mut kata: Vec<String> = Vec::new();
    for w in teks
        .split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .filter(|w| w.chars().count() >= 3 && !w.chars().all(|c| c == '*'))
    {
        if !kata.contains(&w) {
            kata.push(w);
        }
        if kata.len() == 24 {
            break;
        }
    }
    (!kata.is_empty()).then(|| {
        kata.iter()
            .map(|w| w.as_str())
            .collect::<Vec<_>>()
            .join(" | ")
    })
}

#[async_trait]
impl AspirasiStore for PgStore {
    async fn aspirasi_create(&self, a: &AspirasiBaru, audit: AuditDraft) -> Result<Aspirasi> {
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM aspirasi")
            .fetch_one(&mut *tx)
            .await
            .map_err(be)?;
        let nomor = NomorAspirasi::baru(a.tanggal, id as u64);
        sqlx::query(
            "INSERT INTO aspirasi (id, nomor, dibuat, judul, isi, judul_publik, isi_publik, kategori, kelurahan, permohonan, anonim, rahasia, nama, telepon, email, kode_hash, sumber, lat, long, alamat, aktivitas, diperbarui) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22)",
        )
        .bind(id)
        .bind(nomor.as_str())
        .bind(ns(a.waktu))
        .bind(&a.judul)
        .bind(&a.isi)
        .bind(&a.judul_publik)
        .bind(&a.isi_publik)
        .bind(a.kategori.slug())
        .bind(&a.kelurahan)
        .bind(&a.permohonan)
        .bind(a.anonim as i64)
        .bind(a.rahasia as i64)
        .bind(&a.nama)
        .bind(&a.telepon)
        .bind(&a.email)
        .bind(&a.kode_hash)
        .bind(a.sumber.code())
        .bind(a.lat)
        .bind(a.long)
        .bind(&a.alamat)
        .bind(ns(a.waktu))
        .bind(ns(a.waktu))
        .execute(&mut *tx)
        .await
        .map_err(be)?;
        if let Some(j) = &a.jawaban_awal {
            let t = TanggapanBaru {
                jenis: JenisTanggapan::Otomatis,
                oleh: "sistem:aspirasi".into(),
                isi: j.clone(),
                publik: false,
            };
            insert_tanggapan(&mut tx, id, a.waktu, &t).await?;
        }
        let audit = AuditDraft {
            subjek: nomor.to_string(),
            ..audit
        };
        append_audit(&mut tx, vec![audit]).await?;
        let stored = sqlx::query("SELECT * FROM aspirasi WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await
            .map_err(be)?;
        let out = row(&stored)?;
        tx.commit().await.map_err(be)?;
        Ok(out)
    }

    async fn aspirasi_get(&self, nomor: &NomorAspirasi) -> Result<Option<Aspirasi>> {
        sqlx::query("SELECT * FROM aspirasi WHERE nomor = $1")
            .bind(nomor.as_str())
            .fetch_optional(&self.reader)
            .await
            .map_err(be)?
            .as_ref()
            .map(row)
            .transpose()
    }

    async fn aspirasi_list(&self, f: &FilterAspirasi) -> Result<Vec<Aspirasi>> {
        let mut q = QueryBuilder::new("SELECT * FROM aspirasi");
        filter(&mut q, f);
        q.push(" ORDER BY dibuat DESC, id DESC LIMIT ")
            .push_bind(f.limit.clamp(1, 1000) as i64)
            .push(" OFFSET ")
            .push_bind(f.offset as i64);
        q.build()
            .fetch_all(&self.reader)
            .await
            .map_err(be)?
            .iter()
            .map(row)
            .collect()
    }

    async fn aspirasi_count(&self, f: &FilterAspirasi) -> Result<u64> {
        let mut q = QueryBuilder::new("SELECT COUNT(*) FROM aspirasi");
        filter(&mut q, f);
        let n: i64 = q
            .build_query_scalar()
            .fetch_one(&self.reader)
            .await
            .map_err(be)?;
        Ok(n.max(0) as u64)
    }

    async fn aspirasi_tanggapan(
        &self,
        nomor: &NomorAspirasi,
        publik_saja: bool,
    ) -> Result<Vec<Tanggapan>> {
        let rows = sqlx::query(
            "SELECT t.* FROM aspirasi_tanggapan t JOIN aspirasi a ON a.id = t.aspirasi \
             WHERE a.nomor = $1 AND (t.publik = 1 OR $2 = 0) ORDER BY t.id",
        )
        .bind(nomor.as_str())
        .bind(publik_saja as i64)
        .fetch_all(&self.reader)
        .await
        .map_err(be)?;
        rows.iter()
            .map(|r| {
                let jenis: String = r.get("jenis");
                Ok(Tanggapan {
                    id: r.get("id"),
                    waktu: ts(r.get("waktu")),
                    jenis: JenisTanggapan::parse(&jenis)
                        .ok_or_else(|| corrupt("answer kind", &jenis))?,
                    oleh: r.get("oleh"),
                    isi: r.get("isi"),
                    publik: r.get::<i64, _>("publik") != 0,
                })
            })
            .collect()
    }

    async fn aspirasi_ubah(
        &self,
        nomor: &NomorAspirasi,
        dari: StatusAspirasi,
        p: &PerubahanAspirasi,
        audits: Vec<AuditDraft>,
    ) -> Result<()> {
        let waktu = p.waktu.unwrap_or_else(Timestamp::now);
        let mut tx = self.begin_write().await?;
        let Some(id) = id_of(&mut tx, nomor).await? else {
            return Err(StoreError::NotFound(format!("aspiration {nomor}")));
        };
        let mut q = QueryBuilder::<Postgres>::new("UPDATE aspirasi SET diperbarui = ");
        q.push_bind(ns(waktu));
        if let Some(s) = p.status {
            q.push(", status = ").push_bind(s.slug());
        }
        if let Some(m) = p.moderasi {
            q.push(", moderasi = ").push_bind(m.slug());
        }
        if let Some(u) = &p.unit {
            q.push(", unit = ").push_bind(u.clone());
        }
        if let Some(u) = &p.petugas {
            q.push(", petugas = ").push_bind(u.clone());
        }
        if p.diteruskan {
            q.push(", diteruskan = ").push_bind(ns(waktu));
        }
        if p.dijawab {
            q.push(", dijawab = COALESCE(dijawab, ")
                .push_bind(ns(waktu))
                .push(")");
        }
        if p.aktivitas {
            q.push(", aktivitas = ").push_bind(ns(waktu));
        }
        if p.ditutup {
            q.push(", ditutup = ").push_bind(ns(waktu));
        }
        if let Some(n) = p.nilai {
            q.push(", nilai = ").push_bind(n as i64);
        }
        q.push(" WHERE id = ").push_bind(id);
        q.push(" AND status = ").push_bind(dari.slug());
        if p.nilai.is_some() {
            q.push(" AND nilai IS NULL");
        }
        let n = q
            .build()
            .execute(&mut *tx)
            .await
            .map_err(be)?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::Stale(format!(
                "aspiration {nomor} is no longer {} (or already rated)",
                dari.slug()
            )));
        }
        if let Some(t) = &p.tanggapan {
            insert_tanggapan(&mut tx, id, waktu, t).await?;
        }
        append_audit(&mut tx, audits).await?;
        tx.commit().await.map_err(be)
    }

    async fn aspirasi_dukung(
        &self,
        nomor: &NomorAspirasi,
        pendukung: &str,
        waktu: Timestamp,
    ) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let Some(id) = id_of(&mut tx, nomor).await? else {
            return Err(StoreError::NotFound(format!("aspiration {nomor}")));
        };
        let n = sqlx::query(
            "INSERT INTO aspirasi_dukungan (aspirasi, pendukung, waktu) VALUES ($1,$2,$3) ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(pendukung)
        .bind(ns(waktu))
        .execute(&mut *tx)
        .await
        .map_err(be)?
        .rows_affected();
        if n == 1 {
            sqlx::query("UPDATE aspirasi SET dukungan = dukungan + 1 WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(be)?;
        }
        tx.commit().await.map_err(be)?;
        Ok(n == 1)
    }

    async fn aspirasi_terkait(&self, nomor: &NomorAspirasi, limit: u32) -> Result<Vec<Terkait>> {
        let Some(me) = self.aspirasi_get(nomor).await? else {
            return Ok(Vec::new());
        };
        let Some(kueri) = kueri_fts(&format!("{} {}", me.judul_publik, me.isi_publik)) else {
            return Ok(Vec::new());
        };
        // The title is weighed three times the body (weights {D, C, B, A}: the body is
        // D, the title A); the same category and the same kelurahan bring a candidate
        // closer. The score is negative like SQLite's bm25: lower is closer.
        let rows = sqlx::query(
            "SELECT a.*, -10.0 * ts_rank('{0.1, 0.0, 0.0, 0.3}', a.fts, q)::DOUBLE PRECISION \
               - (CASE WHEN a.kategori = $1 THEN 2.0 ELSE 0.0 END) \
               - (CASE WHEN a.kelurahan <> '' AND a.kelurahan = $2 THEN 1.0 ELSE 0.0 END) AS skor \
             FROM aspirasi a, to_tsquery('simple', $3) q \
             WHERE a.fts @@ q AND a.nomor <> $4 AND a.moderasi = 'tayang' \
             ORDER BY skor, a.id DESC LIMIT $5",
        )
        .bind(me.kategori.slug())
        .bind(&me.kelurahan)
        .bind(&kueri)
        .bind(nomor.as_str())
        .bind(limit.clamp(1, 50) as i64)
        .fetch_all(&self.reader)
        .await
        .map_err(be)?;
        rows.iter()
            .map(|r| {
                Ok(Terkait {
                    aspirasi: row(r)?,
                    skor: r.get("skor"),
                })
            })
            .collect()
    }

    async fn open311_klien_baru(
        &self,
        nama: &str,
        kunci_hash: &str,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("INSERT INTO open311_klien (nama, kunci_hash, dibuat) VALUES ($1,$2,$3)")
            .bind(nama)
            .bind(kunci_hash)
            .bind(ns(audit.waktu))
            .execute(&mut *tx)
            .await
            .map_err(be)?;
        append_audit(&mut tx, vec![audit]).await?;
        tx.commit().await.map_err(be)
    }

    async fn open311_klien(&self, kunci_hash: &str) -> Result<Option<String>> {
        sqlx::query_scalar("SELECT nama FROM open311_klien WHERE kunci_hash = $1 AND aktif = 1")
            .bind(kunci_hash)
            .fetch_optional(&self.reader)
            .await
            .map_err(be)
    }
}

#[cfg(test)]
mod tests {
    use super::kueri_fts;

    #[test]
    fn fts_query_quotes_words_and_drops_operators() {
        assert_eq!(
            kueri_fts("E-ktp \"belum\" jadi OR NEAR(x) 3172****").as_deref(),
            Some("ktp | belum | jadi | near | 3172")
        );
        assert_eq!(kueri_fts("a b ** *"), None);
    }
}
