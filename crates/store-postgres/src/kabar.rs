//! PostgreSQL implementation of [`KabarStore`]: contacts, the notification outbox (rows
//! queued inside the transaction of their cause by [`antre`]), the delivery log and
//! regional notices.

use async_trait::async_trait;
use jiff::Timestamp;
use sidik_domain::audit::AuditDraft;
use sidik_domain::kabar::{jenis_perubahan, Jenis};
use sidik_domain::pengumuman::{Asal, Cakupan, Pengumuman, PengumumanBaru};
use sidik_domain::{RtRw, Status};
use sidik_store::{
    HasilKirim, KabarKeluar, KabarStore, Kanal, KontakBaru, KontakTersamar, LogKirim, Result,
    RiwayatKabar, StatusKabar, SuketBaru,
};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};

use crate::audit::append_audit;
use crate::{be, corrupt, ns, ts, PgStore};

/// Records the contact of a new application (inside its creation transaction).
pub(crate) async fn kontak_insert(
    conn: &mut PgConnection,
    nomor: &str,
    k: &KontakBaru,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO kontak (nomor, telepon, whatsapp, email, kelurahan, rw, rt, token, setuju) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
    )
    .bind(nomor)
    .bind(k.kontak.telepon.as_deref())
    .bind(k.kontak.whatsapp as i64)
    .bind(k.kontak.email.as_deref())
    .bind(&k.kelurahan)
    .bind(k.rt_rw.rw as i64)
    .bind(k.rt_rw.rt as i64)
    .bind(&k.token)
    .bind(ns(k.setuju))
    .execute(&mut *conn)
    .await
    .map_err(be)?;
    Ok(())
}

/// Queues `jenis` for every channel of the application's contact (if it has one and
/// has not unsubscribed), once per `sumber`: a repeated cause queues nothing.
pub(crate) async fn antre(
    conn: &mut PgConnection,
    nomor: &str,
    jenis: Jenis,
    sumber: &str,
    rujukan: Option<i64>,
    now: Timestamp,
) -> Result<()> {
    for sql in [
        "INSERT INTO kabar_keluar (sumber, nomor, kanal, tujuan, jenis, rujukan, berikut, dibuat)
         SELECT $1, nomor, 'email', email, $2, $3, $4, $4 FROM kontak
         WHERE nomor = $5 AND berhenti IS NULL AND email IS NOT NULL
         ON CONFLICT DO NOTHING",
        "INSERT INTO kabar_keluar (sumber, nomor, kanal, tujuan, jenis, rujukan, berikut, dibuat)
         SELECT $1, nomor, CASE whatsapp WHEN 1 THEN 'whatsapp' ELSE 'sms' END, telepon, $2, $3, $4, $4
         FROM kontak WHERE nomor = $5 AND berhenti IS NULL AND telepon IS NOT NULL
         ON CONFLICT DO NOTHING",
    ] {
        sqlx::query(sql)
            .bind(sumber)
            .bind(jenis.slug())
            .bind(rujukan)
            .bind(ns(now))
            .bind(nomor)
            .execute(&mut *conn)
            .await
            .map_err(be)?;
    }
    Ok(())
}

/// Queues the notification of a state change `from` → `to` (if the citizen cares), the
/// last new timeline entry being number `urut`.
pub(crate) async fn antre_perubahan(
    conn: &mut PgConnection,
    nomor: &str,
    from: Status,
    to: Status,
    urut: i64,
    now: Timestamp,
) -> Result<()> {
    match jenis_perubahan(from, to) {
        Some(j) => antre(conn, nomor, j, &format!("status:{nomor}:{urut}"), None, now).await,
        None => Ok(()),
    }
}

/// Queues the notice of a Suket issued (or renewed: `ke` > 1), inside its transaction.
pub(crate) async fn antre_suket(conn: &mut PgConnection, s: &SuketBaru) -> Result<()> {
    let sumber = format!("suket:{}", s.nomor_suket);
    let akhir = Some(ns(s.berlaku_hingga));
    let jenis = match s.ke {
        1 => Jenis::SuketTerbit,
        _ => Jenis::SuketDiperpanjang,
    };
    antre(conn, &s.nomor, jenis, &sumber, akhir, s.diterbitkan).await
}

fn keluar(r: &PgRow) -> Result<KabarKeluar> {
    let kanal: String = r.try_get("kanal").map_err(be)?;
    let jenis: String = r.try_get("jenis").map_err(be)?;
    Ok(KabarKeluar {
        id: r.try_get("id").map_err(be)?,
        sumber: r.try_get("sumber").map_err(be)?,
        nomor: r.try_get("nomor").map_err(be)?,
        kanal: Kanal::parse(&kanal).ok_or_else(|| corrupt("kanal", &kanal))?,
        tujuan: r.try_get("tujuan").map_err(be)?,
        jenis: Jenis::parse(&jenis).ok_or_else(|| corrupt("jenis", &jenis))?,
        rujukan: r.try_get("rujukan").map_err(be)?,
        token: r.try_get("token").map_err(be)?,
        percobaan: r.try_get::<i64, _>("percobaan").map_err(be)? as u32,
        dibuat: ts(r.try_get("dibuat").map_err(be)?),
    })
}

const KELUAR_COLS: &str = "k.id, k.sumber, k.nomor, k.kanal, k.tujuan, k.jenis, k.rujukan, \
    k.percobaan, k.dibuat, k.status, c.token";

fn pengumuman(r: &PgRow) -> Result<Pengumuman> {
    let asal: String = r.try_get("asal").map_err(be)?;
    Ok(Pengumuman {
        id: r.try_get("id").map_err(be)?,
        cakupan: Cakupan {
            wilayah: r.try_get("wilayah").map_err(be)?,
            rw: r
                .try_get::<Option<i64>, _>("rw")
                .map_err(be)?
                .map(|n| n as u16),
            rt: r
                .try_get::<Option<i64>, _>("rt")
                .map_err(be)?
                .map(|n| n as u16),
        },
        judul: r.try_get("judul").map_err(be)?,
        isi: r.try_get("isi").map_err(be)?,
        asal: Asal::parse(&asal).ok_or_else(|| corrupt("asal", &asal))?,
        oleh: r.try_get("oleh").map_err(be)?,
        terbit: ts(r.try_get("terbit").map_err(be)?),
    })
}

/// `$1`, `$1, $2`, … for an IN list of `n` values.
fn tanda(n: usize) -> String {
    (1..=n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[async_trait]
impl KabarStore for PgStore {
    async fn kabar_due(&self, now: Timestamp, limit: u32) -> Result<Vec<KabarKeluar>> {
        let rows = sqlx::query(&format!(
            "SELECT {KELUAR_COLS} FROM kabar_keluar k JOIN kontak c ON c.nomor = k.nomor
             WHERE k.status = 'menunggu' AND k.berikut <= $1 ORDER BY k.berikut, k.id LIMIT $2"
        ))
        .bind(ns(now))
        .bind(limit as i64)
        .fetch_all(&self.reader)
        .await
        .map_err(be)?;
        rows.iter().map(keluar).collect()
    }

    async fn kabar_hasil(
        &self,
        id: i64,
        percobaan: u32,
        hasil: &HasilKirim,
        now: Timestamp,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let (status, berikut, baris) = match hasil {
            HasilKirim::Terkirim { via } => ("terkirim", None, format!("terkirim via {via}")),
            HasilKirim::Gagal {
                galat,
                berikut: Some(t),
            } => ("menunggu", Some(ns(*t)), format!("gagal: {galat}")),
            HasilKirim::Gagal {
                galat,
                berikut: None,
            } => ("gagal", None, format!("gagal, tidak dicoba lagi: {galat}")),
        };
        let n = sqlx::query(
            "UPDATE kabar_keluar SET status = $1, percobaan = $2, berikut = COALESCE($3, berikut),
             selesai = CASE WHEN $4 = 'menunggu' THEN NULL ELSE $5 END
             WHERE id = $6 AND status = 'menunggu'",
        )
        .bind(status)
        .bind(percobaan as i64)
        .bind(berikut)
        .bind(status)
        .bind(ns(now))
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(be)?
        .rows_affected();
        if n == 1 {
            sqlx::query(
                "INSERT INTO kabar_log (keluar, waktu, percobaan, hasil) VALUES ($1,$2,$3,$4)",
            )
            .bind(id)
            .bind(ns(now))
            .bind(percobaan as i64)
            .bind(baris.chars().take(500).collect::<String>())
            .execute(&mut *tx)
            .await
            .map_err(be)?;
        }
        tx.commit().await.map_err(be)
    }

    async fn kabar_of(&self, nomor: &str) -> Result<Vec<RiwayatKabar>> {
        let mut conn = self.reader.acquire().await.map_err(be)?;
        let rows = sqlx::query(&format!(
            "SELECT {KELUAR_COLS} FROM kabar_keluar k JOIN kontak c ON c.nomor = k.nomor
             WHERE k.nomor = $1 ORDER BY k.id"
        ))
        .bind(nomor)
        .fetch_all(&mut *conn)
        .await
        .map_err(be)?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let pesan = keluar(r)?;
            let st: String = r.try_get("status").map_err(be)?;
            let log = sqlx::query(
                "SELECT keluar, waktu, percobaan, hasil FROM kabar_log WHERE keluar = $1 ORDER BY id",
            )
            .bind(pesan.id)
            .fetch_all(&mut *conn)
            .await
            .map_err(be)?
            .iter()
            .map(|l| {
                Ok(LogKirim {
                    keluar: l.try_get("keluar").map_err(be)?,
                    waktu: ts(l.try_get("waktu").map_err(be)?),
                    percobaan: l.try_get::<i64, _>("percobaan").map_err(be)? as u32,
                    hasil: l.try_get("hasil").map_err(be)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
            out.push(RiwayatKabar {
                pesan,
                status: StatusKabar::parse(&st).ok_or_else(|| corrupt("status", &st))?,
                log,
            });
        }
        Ok(out)
    }

    async fn kontak_by_token(&self, token: &str) -> Result<Option<KontakTersamar>> {
        let r = sqlx::query("SELECT telepon, email, berhenti FROM kontak WHERE token = $1")
            .bind(token)
            .fetch_optional(&self.reader)
            .await
            .map_err(be)?;
        let Some(r) = r else { return Ok(None) };
        Ok(Some(KontakTersamar {
            telepon: r.try_get("telepon").map_err(be)?,
            email: r.try_get("email").map_err(be)?,
            berhenti: r.try_get::<Option<i64>, _>("berhenti").map_err(be)?.map(ts),
        }))
    }

    async fn kontak_berhenti(&self, token: &str, now: Timestamp) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let nomor: Option<String> = sqlx::query_scalar("SELECT nomor FROM kontak WHERE token = $1")
            .bind(token)
            .fetch_optional(&mut *tx)
            .await
            .map_err(be)?;
        let Some(nomor) = nomor else { return Ok(false) };
        sqlx::query("UPDATE kontak SET berhenti = COALESCE(berhenti, $1) WHERE nomor = $2")
            .bind(ns(now))
            .bind(&nomor)
            .execute(&mut *tx)
            .await
            .map_err(be)?;
        sqlx::query("UPDATE kabar_keluar SET status = 'batal', selesai = $1 WHERE nomor = $2 AND status = 'menunggu'")
            .bind(ns(now))
            .bind(&nomor)
            .execute(&mut *tx)
            .await
            .map_err(be)?;
        tx.commit().await.map_err(be)?;
        Ok(true)
    }

    async fn pengumuman_terbit(&self, p: &PengumumanBaru, mut audit: AuditDraft) -> Result<i64> {
        let mut tx = self.begin_write().await?;
        let c = &p.cakupan;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO pengumuman (wilayah, rw, rt, judul, isi, asal, oleh, terbit) VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id",
        )
        .bind(&c.wilayah)
        .bind(c.rw.map(i64::from))
        .bind(c.rt.map(i64::from))
        .bind(&p.judul)
        .bind(&p.isi)
        .bind(p.asal.slug())
        .bind(&p.oleh)
        .bind(ns(p.terbit))
        .fetch_one(&mut *tx)
        .await
        .map_err(be)?;
        // Every subscribed contact of an open application in the area.
        let nomor: Vec<String> = sqlx::query_scalar(
            "SELECT c.nomor FROM kontak c JOIN permohonan p ON p.nomor = c.nomor
             WHERE c.berhenti IS NULL AND p.status NOT IN ('diserahkan', 'ditolak')
               AND (c.kelurahan = $1 OR c.kelurahan LIKE $1 || '.%')
               AND ($2 IS NULL OR c.rw = $2) AND ($3 IS NULL OR c.rt = $3)",
        )
        .bind(&c.wilayah)
        .bind(c.rw.map(i64::from))
        .bind(c.rt.map(i64::from))
        .fetch_all(&mut *tx)
        .await
        .map_err(be)?;
        let sumber = format!("pengumuman:{id}");
        for n in &nomor {
            antre(&mut tx, n, Jenis::Pengumuman, &sumber, Some(id), p.terbit).await?;
        }
        audit.subjek = sumber;
        append_audit(&mut tx, vec![audit]).await?;
        tx.commit().await.map_err(be)?;
        Ok(id)
    }

    async fn pengumuman_untuk(
        &self,
        kelurahan: &str,
        rt_rw: Option<RtRw>,
        limit: u32,
    ) -> Result<Vec<Pengumuman>> {
        let induk = Cakupan::induk(kelurahan);
        let sql = format!(
            "SELECT * FROM pengumuman WHERE wilayah IN ({}) ORDER BY terbit DESC, id DESC LIMIT ${}",
            tanda(induk.len()),
            induk.len() + 1
        );
        let mut q = sqlx::query(&sql);
        for w in &induk {
            q = q.bind(w);
        }
        // Fetch a little more: RW/RT notices of other parts of the kelurahan are
        // filtered out here.
        let rows = q
            .bind(limit as i64 * 4)
            .fetch_all(&self.reader)
            .await
            .map_err(be)?;
        let mut out = Vec::new();
        for r in &rows {
            let p = pengumuman(r)?;
            if p.cakupan.mencakup(kelurahan, rt_rw) {
                out.push(p);
            }
            if out.len() == limit as usize {
                break;
            }
        }
        Ok(out)
    }

    async fn pengumuman_area(&self, wilayah: &str, limit: u32) -> Result<Vec<Pengumuman>> {
        let induk = Cakupan::induk(wilayah);
        let sql = format!(
            "SELECT * FROM pengumuman WHERE wilayah IN ({}) ORDER BY terbit DESC, id DESC LIMIT ${}",
            tanda(induk.len()),
            induk.len() + 1
        );
        let mut q = sqlx::query(&sql);
        for w in &induk {
            q = q.bind(w);
        }
        let rows = q
            .bind(limit as i64)
            .fetch_all(&self.reader)
            .await
            .map_err(be)?;
        rows.iter().map(pengumuman).collect()
    }

    async fn pengumuman_get(&self, id: i64) -> Result<Option<Pengumuman>> {
        let r = sqlx::query("SELECT * FROM pengumuman WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.reader)
            .await
            .map_err(be)?;
        r.as_ref().map(pengumuman).transpose()
    }

    async fn pengumuman_otomatis_terakhir(&self, wilayah: &str) -> Result<Option<Pengumuman>> {
        let r = sqlx::query(
            "SELECT * FROM pengumuman WHERE wilayah = $1 AND asal IN ('gangguan', 'pulih') ORDER BY id DESC LIMIT 1",
        )
        .bind(wilayah)
        .fetch_optional(&self.reader)
        .await
        .map_err(be)?;
        r.as_ref().map(pengumuman).transpose()
    }
}
