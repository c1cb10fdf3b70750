//! The citizen's status lookup (`Store::status_lookup`): the public page's hot path, so
//! it reads everything in ONE statement (the application with its resident's RT/RW, its
//! packet state, its latest Suket, its queue key and the audit version) instead of one
//! round trip per fact, counts the print queue ahead of it in the queue's snapshot
//! (`crate::potret`: binary searches instead of a walk over the queue), and runs it on the calling thread through a
//! synchronous connection (`crate::sinkron`): a sqlx statement is a hand-off to the
//! connection's worker thread and back, which cost more than the query itself.

use sidik_domain::{RtRw, Status};
use sidik_store::{LihatStatus, Result, StatusKirim};

use crate::applications::permohonan_head;
use crate::baris::Baris;
use crate::potret::Kunci;
use crate::sinkron::galat;
use crate::suket::suket_row_as;
use crate::SqliteStore;

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

fn sql() -> String {
    let suket: Vec<String> = SUKET.iter().map(|c| format!("s.{c} AS s_{c}")).collect();
    format!(
        "SELECT p.*, r.rt AS x_rt, r.rw AS x_rw, \
                (SELECT status FROM paket_keluar WHERE nomor = p.nomor) AS x_kirim, \
                {}, \
                COALESCE(c.kelas, 2) AS x_kelas, COALESCE(c.tanggal_perlu, '9999-12-31') AS x_tanggal, \
                (SELECT COALESCE(MAX(seq), 0) FROM audit) AS x_versi \
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
    let sql = SQL.get_or_init(sql);
    // On this thread, through a synchronous connection (`crate::sinkron`): one indexed
    // statement, whose hand-off to a sqlx worker thread cost more than the query.
    store.pembaca.baca(|c| {
        let mut st = c.prepare_cached(sql).map_err(galat)?;
        let mut rows = st.query([nomor]).map_err(galat)?;
        let Some(r) = rows.next().map_err(galat)? else {
            return Ok(None);
        };
        let mut l = lihat(r)?;
        // Waiting for the centre or queued: the cards before it, from the queue's
        // snapshot at (at least) the audit version this statement read.
        if matches!(
            l.permohonan.status,
            Status::Direkam | Status::Dikirim | Status::Tunggal | Status::SiapCetak
        ) {
            let kunci = Kunci {
                kelas: r.angka("x_kelas")?,
                tanggal: r.teks("x_tanggal")?,
                dibuat: r.angka("dibuat")?,
                nomor: r.teks("nomor")?,
            };
            let potret = store.antrean.untuk(r.angka("x_versi")?, c)?;
            l.didahului = Some(potret.didahului(&kunci));
        }
        Ok(Some(l))
    })
}

fn lihat(r: &impl Baris) -> Result<LihatStatus> {
    let permohonan = permohonan_head(r)?;
    let rt_rw = match (r.angka_opt("x_rt")?, r.angka_opt("x_rw")?) {
        (Some(rt), Some(rw)) => Some(RtRw {
            rt: rt as u16,
            rw: rw as u16,
        }),
        _ => None,
    };
    let kiriman = r
        .teks_opt("x_kirim")?
        .map(|s| StatusKirim::parse(&s))
        .transpose()?;
    let suket = match r.teks_opt("s_nomor_suket")? {
        Some(_) => Some(suket_row_as(r, "s_")?),
        None => None,
    };
    Ok(LihatStatus {
        permohonan,
        rt_rw,
        suket,
        kiriman,
        didahului: None,
    })
}
