//! The citizen's status lookup (`Store::status_lookup`): the public page's hot path, so
//! it reads everything on one connection in at most three statements (the application
//! with its resident's RT/RW, packet state and latest Suket number; the queue ahead when
//! it waits; the Suket when there is one) instead of one pool round trip per fact.
//!
//! The statements are not wrapped in a transaction (BEGIN and COMMIT would be two more
//! round trips): each reads its own snapshot (READ COMMITTED), so a decision landing between them can
//! show the new state beside the previous queue figures. The page is a snapshot of a
//! moment either way and is read again at the next lookup.

use sidik_domain::{RtRw, Status};
use sidik_store::{LihatStatus, Result, StatusKirim};
use sqlx::Row;

use crate::antrean::ahead_on;
use crate::applications::permohonan_head;
use crate::cetak::suket_row;
use crate::{be, PgStore};

pub(crate) async fn status_lookup(store: &PgStore, nomor: &str) -> Result<Option<LihatStatus>> {
    let mut conn = store.reader.acquire().await.map_err(be)?;
    let Some(r) = sqlx::query(
        "SELECT p.*, r.rt AS x_rt, r.rw AS x_rw, \
                (SELECT status FROM paket_keluar WHERE nomor = p.nomor) AS x_kirim, \
                (SELECT MAX(ke) FROM suket WHERE nomor = p.nomor) AS x_suket \
         FROM permohonan p LEFT JOIN penduduk r ON r.nik = p.nik WHERE p.nomor = $1",
    )
    .bind(nomor)
    .fetch_optional(&mut *conn)
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
    let suket_ke: Option<i64> = r.try_get("x_suket").map_err(be)?;
    let didahului = match permohonan.status {
        Status::Direkam | Status::Dikirim | Status::Tunggal | Status::SiapCetak => {
            ahead_on(&mut conn, nomor).await?
        }
        _ => None,
    };
    let suket = match suket_ke {
        Some(ke) => sqlx::query("SELECT * FROM suket WHERE nomor = $1 AND ke = $2")
            .bind(nomor)
            .bind(ke)
            .fetch_optional(&mut *conn)
            .await
            .map_err(be)?
            .as_ref()
            .map(suket_row)
            .transpose()?,
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
