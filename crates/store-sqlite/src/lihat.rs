//! The citizen's status lookup (`Store::status_lookup`): the public page's hot path, so
//! it reads everything in ONE statement (the application with its resident's RT/RW, its
//! packet state, its latest Suket and, while it waits, the print queue ahead of it)
//! instead of one pool round trip per fact: every statement is a hand-off to the
//! connection's worker thread and back, which cost more than the query itself.

use sidik_domain::RtRw;
use sidik_store::{LihatStatus, Result, StatusKirim};
use sqlx::Row;

use crate::antrean::{didahului, MENYUSUL, PASTI};
use crate::applications::permohonan_head;
use crate::suket::suket_row_as;
use crate::{be, SqliteStore};

/// The Suket's columns, prefixed `s_` in the joined row.
const SUKET: [&str; 12] = [
    "nomor_suket",
    "nomor",
    "ke",
    "kid",
    "diterbitkan",
    "berlaku_hingga",
    "qr",
    "status",
    "dicabut",
    "alasan",
    "keterangan",
    "cabut_seq",
];

/// Waiting for the centre (`direkam`, `dikirim`, `tunggal`) or queued (`siap_cetak`):
/// the states whose page shows the queue ahead.
const MENUNGGU: &str = "p.status IN ('direkam', 'dikirim', 'tunggal', 'siap_cetak')";

fn sql() -> String {
    let suket: Vec<String> = SUKET.iter().map(|c| format!("s.{c} AS s_{c}")).collect();
    format!(
        "SELECT p.*, r.rt AS x_rt, r.rw AS x_rw, \
                (SELECT status FROM paket_keluar WHERE nomor = p.nomor) AS x_kirim, \
                {}, \
                CASE WHEN {MENUNGGU} THEN {PASTI} END AS x_pasti, \
                CASE WHEN {MENUNGGU} THEN {MENYUSUL} END AS x_menyusul \
         FROM permohonan p \
         LEFT JOIN penduduk r ON r.nik = p.nik \
         LEFT JOIN prioritas_cetak c ON c.nomor = p.nomor \
         LEFT JOIN suket s ON s.nomor = p.nomor AND s.ke = (SELECT MAX(ke) FROM suket WHERE nomor = p.nomor) \
         WHERE p.nomor = ?",
        suket.join(", ")
    )
}

pub(crate) async fn status_lookup(store: &SqliteStore, nomor: &str) -> Result<Option<LihatStatus>> {
    static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let Some(r) = sqlx::query(SQL.get_or_init(sql))
        .bind(nomor)
        .fetch_optional(&store.reader)
        .await
        .map_err(be)?
    else {
        return Ok(None);
    };
    let permohonan = permohonan_head(&r)?;
    let rt_rw = match (
        r.try_get::<Option<i64>, _>("x_rt").map_err(be)?,
        r.try_get::<Option<i64>, _>("x_rw").map_err(be)?,
    ) {
        (Some(rt), Some(rw)) => Some(RtRw {
            rt: rt as u16,
            rw: rw as u16,
        }),
        _ => None,
    };
    let kiriman = r
        .try_get::<Option<String>, _>("x_kirim")
        .map_err(be)?
        .map(|s| StatusKirim::parse(&s))
        .transpose()?;
    let didahului = match r.try_get::<Option<i64>, _>("x_pasti").map_err(be)? {
        Some(pasti) => Some(didahului(
            pasti,
            r.try_get::<Option<String>, _>("x_menyusul")
                .map_err(be)?
                .as_deref(),
        )?),
        None => None,
    };
    let suket = match r
        .try_get::<Option<String>, _>("s_nomor_suket")
        .map_err(be)?
    {
        Some(_) => Some(suket_row_as(&r, "s_")?),
        None => None,
    };
    Ok(Some(LihatStatus {
        permohonan,
        rt_rw,
        suket,
        kiriman,
        didahului,
    }))
}
