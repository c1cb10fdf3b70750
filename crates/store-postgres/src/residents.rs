//! The population registry (`penduduk`): the bodies of the resident methods of
//! [`sidik_store::Store`].

use sidik_domain::audit::AuditDraft;
use sidik_domain::{
    Agama, GolonganDarah, Hubungan, JenisKelamin, Kewarganegaraan, Nik, NomorKk, Penduduk, RtRw,
    StatusPerkawinan,
};
use sidik_store::Result;
use sqlx::postgres::PgRow;
use sqlx::Row;

use crate::audit::append_audit;
use crate::{be, corrupt, PgStore};

fn penduduk_from(r: &PgRow) -> Result<Penduduk> {
    let c = |e: &dyn std::fmt::Display| corrupt("penduduk", e.to_string());
    let code = |name: &str| -> u8 { r.get::<i64, _>(name) as u8 };
    Ok(Penduduk {
        nik: Nik::parse(r.get("nik")).map_err(|e| c(&e))?,
        nomor_kk: NomorKk::parse(r.get("nomor_kk")).map_err(|e| c(&e))?,
        hubungan: Hubungan::from_code(code("hubungan")).map_err(|e| c(&e))?,
        nama: r.get("nama"),
        tempat_lahir: r.get("tempat_lahir"),
        tanggal_lahir: r
            .get::<String, _>("tanggal_lahir")
            .parse()
            .map_err(|e: jiff::Error| c(&e))?,
        jenis_kelamin: JenisKelamin::from_code(code("jenis_kelamin")).map_err(|e| c(&e))?,
        golongan_darah: GolonganDarah::from_code(code("golongan_darah")).map_err(|e| c(&e))?,
        alamat: r.get("alamat"),
        rt_rw: RtRw {
            rt: r.get::<i64, _>("rt") as u16,
            rw: r.get::<i64, _>("rw") as u16,
        },
        kelurahan: r.get("kelurahan"),
        agama: Agama::from_code(code("agama")).map_err(|e| c(&e))?,
        status_perkawinan: StatusPerkawinan::from_code(code("status_perkawinan"))
            .map_err(|e| c(&e))?,
        pekerjaan: r.get("pekerjaan"),
        kewarganegaraan: Kewarganegaraan::from_code(code("kewarganegaraan")).map_err(|e| c(&e))?,
        nama_ibu_kandung: r.get("nama_ibu_kandung"),
    })
}

pub(crate) async fn residents_upsert(
    store: &PgStore,
    batch: &[Penduduk],
    audit: AuditDraft,
) -> Result<u64> {
    let mut tx = store.begin_write().await?;
    for p in batch {
        sqlx::query(
            "INSERT INTO penduduk (nik, nomor_kk, hubungan, nama, tempat_lahir, tanggal_lahir, jenis_kelamin, golongan_darah, alamat, rt, rw, kelurahan, kecamatan, agama, status_perkawinan, pekerjaan, kewarganegaraan, nama_ibu_kandung) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18) \
             ON CONFLICT (nik) DO UPDATE SET nomor_kk = excluded.nomor_kk, hubungan = excluded.hubungan, nama = excluded.nama, tempat_lahir = excluded.tempat_lahir, tanggal_lahir = excluded.tanggal_lahir, jenis_kelamin = excluded.jenis_kelamin, golongan_darah = excluded.golongan_darah, alamat = excluded.alamat, rt = excluded.rt, rw = excluded.rw, kelurahan = excluded.kelurahan, kecamatan = excluded.kecamatan, agama = excluded.agama, status_perkawinan = excluded.status_perkawinan, pekerjaan = excluded.pekerjaan, kewarganegaraan = excluded.kewarganegaraan, nama_ibu_kandung = excluded.nama_ibu_kandung",
        )
        .bind(p.nik.as_str())
        .bind(p.nomor_kk.as_str())
        .bind(p.hubungan.code() as i64)
        .bind(&p.nama)
        .bind(&p.tempat_lahir)
        .bind(p.tanggal_lahir.to_string())
        .bind(p.jenis_kelamin.code() as i64)
        .bind(p.golongan_darah.code() as i64)
        .bind(&p.alamat)
        .bind(p.rt_rw.rt as i64)
        .bind(p.rt_rw.rw as i64)
        .bind(&p.kelurahan)
        .bind(p.kecamatan())
        .bind(p.agama.code() as i64)
        .bind(p.status_perkawinan.code() as i64)
        .bind(&p.pekerjaan)
        .bind(p.kewarganegaraan.code() as i64)
        .bind(&p.nama_ibu_kandung)
        .execute(&mut *tx)
        .await
        .map_err(be)?;
    }
    append_audit(&mut tx, vec![audit]).await?;
    tx.commit().await.map_err(be)?;
    Ok(batch.len() as u64)
}

pub(crate) async fn resident_get(store: &PgStore, nik: &Nik) -> Result<Option<Penduduk>> {
    sqlx::query("SELECT * FROM penduduk WHERE nik = $1")
        .bind(nik.as_str())
        .fetch_optional(&store.reader)
        .await
        .map_err(be)?
        .as_ref()
        .map(penduduk_from)
        .transpose()
}

pub(crate) async fn resident_count(store: &PgStore) -> Result<u64> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM penduduk")
        .fetch_one(&store.reader)
        .await
        .map_err(be)?;
    Ok(n as u64)
}

pub(crate) async fn residents_in(
    store: &PgStore,
    kelurahan: &str,
    limit: u32,
) -> Result<Vec<Penduduk>> {
    sqlx::query("SELECT * FROM penduduk WHERE kelurahan = $1 ORDER BY nik LIMIT $2")
        .bind(kelurahan)
        .bind(limit as i64)
        .fetch_all(&store.reader)
        .await
        .map_err(be)?
        .iter()
        .map(penduduk_from)
        .collect()
}
