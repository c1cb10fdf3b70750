//! A snapshot (potret) of the print queue in memory, for the citizen's status lookup.
//!
//! How many cards go before an application ([`crate::antrean::PASTI`] and
//! [`crate::antrean::MENYUSUL`]) is a count over the whole queue: as SQL it walks every
//! queued and waiting application, so each lookup cost O(queue) (≈ 10 ms with 5,000
//! cards queued, 250 lookups/s) exactly when queues are long and citizens ask most,
//! during a centre outage. The snapshot holds the queue's keys sorted, so a lookup
//! answers with binary searches.
//!
//! **Exact, not a cache with a TTL.** A snapshot carries the audit sequence number
//! (`MAX(audit.seq)`) it was read at, in the same read transaction. Every change to an
//! application's status or priority commits with its audit entry (the store's
//! invariant), so a lookup whose own statement read audit version `v` may use a
//! snapshot of version ≥ `v`: nothing the lookup saw is missing from it. Otherwise the
//! lookup rebuilds it (one at a time; the others wait and reuse the new one).
//!
//! The counts must equal the SQL's for every application: `tests` compares them on
//! random queues.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use rusqlite::Connection;
use sidik_domain::eta::Didahului;
use sidik_store::{Result, StoreError};

use crate::sinkron::galat;

/// An application's place in the print order: `(kelas, tanggal_perlu, dibuat, nomor)`,
/// with `COALESCE(kelas, 2)` and `COALESCE(tanggal_perlu, '9999-12-31')` as in SQL.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Kunci {
    pub kelas: i64,
    pub tanggal: String,
    pub dibuat: i64,
    pub nomor: String,
}

/// The queue at one audit version.
#[derive(Debug, Default)]
pub(crate) struct Potret {
    versi: i64,
    /// `siap_cetak`, in print order.
    siap: Vec<Kunci>,
    /// `dikirim` / `tunggal` (waiting for the centre) per priority `(kelas, tanggal)`:
    /// `(dibuat, nomor, rank)` sorted by `(dibuat, nomor)`, `rank` being the position
    /// among all waiting ones in enrollment order (the order the centre decides in).
    tunggu: Tunggu,
}

/// Priority `(kelas, tanggal)` → `(dibuat, nomor, rank)`.
type Tunggu = BTreeMap<(i64, String), Vec<(i64, String, u64)>>;

const BARIS: &str = "SELECT q.status, COALESCE(qc.kelas, 2), COALESCE(qc.tanggal_perlu, '9999-12-31'), q.dibuat, q.nomor \
     FROM permohonan q LEFT JOIN prioritas_cetak qc ON qc.nomor = q.nomor \
     WHERE q.status IN ('siap_cetak', 'dikirim', 'tunggal')";

impl Potret {
    /// Reads the queue and its audit version in one read transaction.
    pub(crate) fn baca(c: &Connection) -> Result<Potret> {
        let tx = c.unchecked_transaction().map_err(galat)?;
        let versi: i64 = tx
            .query_row("SELECT COALESCE(MAX(seq), 0) FROM audit", [], |r| r.get(0))
            .map_err(galat)?;
        let mut siap = Vec::new();
        let mut tunggu_semua = Vec::new();
        {
            let mut st = tx.prepare_cached(BARIS).map_err(galat)?;
            let mut rows = st.query([]).map_err(galat)?;
            while let Some(r) = rows.next().map_err(galat)? {
                let status: String = r.get(0).map_err(galat)?;
                let k = Kunci {
                    kelas: r.get(1).map_err(galat)?,
                    tanggal: r.get(2).map_err(galat)?,
                    dibuat: r.get(3).map_err(galat)?,
                    nomor: r.get(4).map_err(galat)?,
                };
                if status == "siap_cetak" {
                    siap.push(k);
                } else {
                    tunggu_semua.push(k);
                }
            }
        }
        tx.finish().map_err(galat)?;
        Ok(Potret::dari(versi, siap, tunggu_semua))
    }

    fn dari(versi: i64, mut siap: Vec<Kunci>, mut tunggu_semua: Vec<Kunci>) -> Potret {
        siap.sort_unstable();
        tunggu_semua.sort_unstable_by(|a, b| (a.dibuat, &a.nomor).cmp(&(b.dibuat, &b.nomor)));
        let mut tunggu = Tunggu::new();
        for (rank, k) in tunggu_semua.into_iter().enumerate() {
            tunggu
                .entry((k.kelas, k.tanggal))
                .or_default()
                .push((k.dibuat, k.nomor, rank as u64));
        }
        Potret {
            versi,
            siap,
            tunggu,
        }
    }

    /// The cards before the application with key `k`: exactly what
    /// [`crate::antrean::ahead_on`] computes in SQL.
    pub(crate) fn didahului(&self, k: &Kunci) -> Didahului {
        // Queued ahead of it.
        let mut pasti = self.siap.partition_point(|q| q < k) as u64;
        let mut menyusul = Vec::new();
        let kelas = (k.kelas, k.tanggal.clone());
        for (c, list) in self.tunggu.range(..=kelas.clone()) {
            if *c < kelas {
                // A higher priority: ahead if enrolled no later; if enrolled later, it
                // goes ahead once the centre approves it (`menyusul`, by its rank).
                let sampai = list.partition_point(|(d, _, _)| *d <= k.dibuat);
                pasti += sampai as u64;
                menyusul.extend(list[sampai..].iter().map(|(_, _, rank)| *rank));
            } else {
                // The same priority: ahead if earlier in enrollment order.
                pasti += list
                    .partition_point(|(d, n, _)| (*d, n.as_str()) < (k.dibuat, k.nomor.as_str()))
                    as u64;
            }
        }
        menyusul.sort_unstable();
        Didahului { pasti, menyusul }
    }
}

/// The store's current snapshot and the lock that lets one lookup rebuild it at a time.
#[derive(Default)]
pub(crate) struct PotretAntrean {
    kini: Mutex<Arc<Potret>>,
    bangun: Mutex<()>,
}

impl PotretAntrean {
    /// A snapshot no older than audit version `versi`, rebuilt on `c` if needed.
    pub(crate) fn untuk(&self, versi: i64, c: &Connection) -> Result<Arc<Potret>> {
        let kini = self.kini()?;
        if kini.versi >= versi && versi > 0 {
            return Ok(kini);
        }
        let _satu = self.bangun.lock().map_err(|_| poisoned())?;
        let kini = self.kini()?;
        if kini.versi >= versi && versi > 0 {
            return Ok(kini);
        }
        let baru = Arc::new(Potret::baca(c)?);
        *self.kini.lock().map_err(|_| poisoned())? = baru.clone();
        Ok(baru)
    }

    fn kini(&self) -> Result<Arc<Potret>> {
        Ok(self.kini.lock().map_err(|_| poisoned())?.clone())
    }
}

fn poisoned() -> StoreError {
    StoreError::Backend("the print-queue snapshot is poisoned".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SqliteStore;

    /// A small deterministic generator (xorshift), so a failure replays.
    struct Acak(u64);
    impl Acak {
        fn next(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n
        }
    }

    /// On random queues (every state, priority classes, declared dates, equal
    /// enrollment times), the snapshot's counts equal the SQL's for every application.
    #[tokio::test]
    async fn snapshot_counts_equal_the_sql_for_every_application() {
        for seed in 1..=12u64 {
            let dir = tempfile::tempdir().unwrap();
            let store = SqliteStore::open_dir(dir.path()).await.unwrap();
            let mut acak = Acak(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
            let n = 40 + acak.next(160) as usize;
            let statuses = [
                "direkam",
                "dikirim",
                "tunggal",
                "siap_cetak",
                "dicetak",
                "ganda",
            ];
            let mut nomors = Vec::new();
            for i in 0..n {
                let nomor = format!("N{:04}", acak.next(10_000) * 1000 + i as u64);
                let status = statuses[acak.next(statuses.len() as u64) as usize];
                // Few distinct times, so ties on `dibuat` are common.
                let dibuat = acak.next(n as u64 / 3 + 1) as i64;
                sqlx::query(
                    "INSERT INTO permohonan (nomor, nik, kantor, kelurahan, kecamatan, nama, status, dibuat) \
                     VALUES (?, ?, '317201', '31.72.01.1001', '31.72.01', 'X', ?, ?)",
                )
                .bind(&nomor)
                .bind(format!("{i:016}"))
                .bind(status)
                .bind(dibuat)
                .execute(store.writer_pool())
                .await
                .unwrap();
                if acak.next(3) == 0 {
                    let tanggal = match acak.next(3) {
                        0 => None,
                        d => Some(format!("2015-09-{:02}", d + 10)),
                    };
                    sqlx::query("INSERT INTO prioritas_cetak (nomor, tanggal_perlu, kelas) VALUES (?, ?, ?)")
                        .bind(&nomor)
                        .bind(tanggal)
                        .bind(acak.next(3) as i64)
                        .execute(store.writer_pool())
                        .await
                        .unwrap();
                }
                nomors.push(nomor);
            }
            let potret = store.pembaca.baca(Potret::baca).unwrap();
            let mut checked = 0;
            for nomor in &nomors {
                let key: (String, i64, String, i64) = sqlx::query_as(
                    "SELECT p.status, COALESCE(c.kelas, 2), COALESCE(c.tanggal_perlu, '9999-12-31'), p.dibuat \
                     FROM permohonan p LEFT JOIN prioritas_cetak c ON c.nomor = p.nomor WHERE p.nomor = ?",
                )
                .bind(nomor)
                .fetch_one(store.writer_pool())
                .await
                .unwrap();
                let sql = crate::antrean::print_queue_ahead(&store, nomor)
                    .await
                    .unwrap()
                    .unwrap();
                let mine = potret.didahului(&Kunci {
                    kelas: key.1,
                    tanggal: key.2,
                    dibuat: key.3,
                    nomor: nomor.clone(),
                });
                assert_eq!(mine, sql, "seed {seed}, {nomor} ({})", key.0);
                checked += usize::from(sql.pasti > 0 || !sql.menyusul.is_empty());
            }
            // The queues are not trivially empty.
            assert!(checked > n / 4, "seed {seed}: {checked} of {n}");
        }
    }

    /// A snapshot is reused while the audit version holds and rebuilt when it moves.
    #[tokio::test]
    async fn a_snapshot_follows_the_audit_version() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open_dir(dir.path()).await.unwrap();
        let audit = |seq: i64| {
            sqlx::query(
                "INSERT INTO audit (seq, aktor, aksi, subjek, waktu, detail, prev_hash, hash) \
                 VALUES (?, 'a', 'b', 'c', 0, '', '', '')",
            )
            .bind(seq)
        };
        audit(1).execute(store.writer_pool()).await.unwrap();
        let a = store.pembaca.baca(|c| store.antrean.untuk(1, c)).unwrap();
        let again = store.pembaca.baca(|c| store.antrean.untuk(1, c)).unwrap();
        assert!(Arc::ptr_eq(&a, &again));
        sqlx::query(
            "INSERT INTO permohonan (nomor, nik, kantor, kelurahan, kecamatan, nama, status, dibuat) \
             VALUES ('A', '1', '317201', 'k', 'c', 'X', 'siap_cetak', 1)",
        )
        .execute(store.writer_pool())
        .await
        .unwrap();
        audit(2).execute(store.writer_pool()).await.unwrap();
        let b = store.pembaca.baca(|c| store.antrean.untuk(2, c)).unwrap();
        assert!(!Arc::ptr_eq(&a, &b));
        assert_eq!((a.siap.len(), b.siap.len(), b.versi), (0, 1, 2));
    }
}
