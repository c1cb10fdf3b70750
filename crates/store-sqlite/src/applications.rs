//! Applications (`permohonan`): enrollment, the status timeline and uniqueness-check
//! results, listing, biometric references, blobs and gallery templates. Holds the
//! bodies of the application methods of [`sidik_store::Store`] and the transaction
//! bodies [`create_in`] and [`transition_in`], which the office side of the sync traits
//! reuses.

use sidik_domain::audit::AuditDraft;
use sidik_domain::biometrik::{AlasanPengecualian, Biometrik, PosisiJari};
use sidik_domain::permohonan::{HasilKetunggalan, Kandidat};
use sidik_domain::{Aksi, KodeKantor, Nik, NomorRegistrasi, Permohonan, Riwayat, Status};
use sidik_store::*;
use sqlx::{Row, SqliteConnection};

use crate::audit::append_audit;
use crate::baris::Baris;
use crate::{be, corrupt, ns, ts, SqliteStore};

/// Loads one application with its timeline and check result.
pub(crate) async fn load_permohonan(
    conn: &mut SqliteConnection,
    nomor: &str,
) -> Result<Option<Permohonan>> {
    let Some(r) = sqlx::query("SELECT * FROM permohonan WHERE nomor = ?")
        .bind(nomor)
        .fetch_optional(&mut *conn)
        .await
        .map_err(be)?
    else {
        return Ok(None);
    };
    let mut p = permohonan_head(&r)?;
    let rows = sqlx::query("SELECT * FROM riwayat WHERE nomor = ? ORDER BY urut")
        .bind(nomor)
        .fetch_all(&mut *conn)
        .await
        .map_err(be)?;
    for row in rows {
        let st = |s: Option<String>| -> Result<Option<Status>> {
            s.map(|s| Status::parse(&s).map_err(|e| corrupt("status", e)))
                .transpose()
        };
        p.riwayat.push(Riwayat {
            aksi: Aksi::parse(row.get("aksi")).map_err(|e| corrupt("aksi", e))?,
            dari: st(row.get("dari"))?,
            ke: st(Some(row.get("ke")))?.expect("some"),
            aktor: row.get("aktor"),
            waktu: ts(row.get("waktu")),
            alasan: row.get("alasan"),
        });
    }
    if let Some(bio) = r.get::<Option<i64>, _>("cek_biometrik") {
        let kandidat = sqlx::query("SELECT * FROM kandidat WHERE nomor = ? ORDER BY urut")
            .bind(nomor)
            .fetch_all(&mut *conn)
            .await
            .map_err(be)?
            .iter()
            .map(|k| Kandidat {
                permohonan: k.get("permohonan"),
                nik: k.get("nik"),
                skor: k.get::<f64, _>("skor") as f32,
                jari_cocok: k.get::<i64, _>("jari_cocok") as u8,
            })
            .collect();
        p.ketunggalan = Some(HasilKetunggalan {
            biometrik: bio != 0,
            catatan: r
                .get::<Option<String>, _>("cek_catatan")
                .unwrap_or_default(),
            kandidat,
        });
    }
    Ok(Some(p))
}

pub(crate) fn permohonan_head(r: &impl Baris) -> Result<Permohonan> {
    Ok(Permohonan {
        nomor: NomorRegistrasi::parse(&r.teks("nomor")?).map_err(|e| corrupt("nomor", e))?,
        nik: Nik::parse(&r.teks("nik")?).map_err(|e| corrupt("nik", e))?,
        kantor: KodeKantor::parse(&r.teks("kantor")?).map_err(|e| corrupt("kantor", e))?,
        kelurahan: r.teks("kelurahan")?,
        nama: r.teks("nama")?,
        status: Status::parse(&r.teks("status")?).map_err(|e| corrupt("status", e))?,
        dibuat: ts(r.angka("dibuat")?),
        riwayat: Vec::new(),
        ketunggalan: None,
    })
}

fn parent(code: &str) -> &str {
    code.rfind('.').map_or(code, |i| &code[..i])
}

/// Builds the WHERE clause shared by list and counts.
fn filter_sql(f: &ListFilter, with_status: bool) -> (String, Vec<FilterArg>) {
    let mut w = vec!["1=1".to_string()];
    let mut args = Vec::new();
    if let (true, Some(s)) = (with_status, f.status) {
        w.push("status = ?".into());
        args.push(FilterArg::S(s.slug().to_string()));
    }
    if let Some(k) = &f.kecamatan {
        w.push("kecamatan = ?".into());
        args.push(FilterArg::S(k.clone()));
    }
    if let Some(k) = &f.kelurahan {
        w.push("kelurahan = ?".into());
        args.push(FilterArg::S(k.clone()));
    }
    if let Some(n) = &f.nik {
        w.push("nik = ?".into());
        args.push(FilterArg::S(n.to_string()));
    }
    if let Some(d) = f.dari {
        w.push("dibuat >= ?".into());
        args.push(FilterArg::I(ns(d)));
    }
    if let Some(d) = f.sampai {
        w.push("dibuat < ?".into());
        args.push(FilterArg::I(ns(d)));
    }
    (w.join(" AND "), args)
}

enum FilterArg {
    S(String),
    I(i64),
}

fn bind_all<'q>(
    mut q: sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
    args: &'q [FilterArg],
) -> sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>> {
    for a in args {
        q = match a {
            FilterArg::S(s) => q.bind(s.as_str()),
            FilterArg::I(i) => q.bind(*i),
        };
    }
    q
}

pub(crate) async fn application_create(
    store: &SqliteStore,
    new: &NewPermohonan,
    bio: &Biometrik,
    audit: AuditDraft,
) -> Result<Created> {
    let mut tx = store.begin_write().await?;
    let created = create_in(&mut tx, new, bio, audit, None).await?;
    tx.commit().await.map_err(be)?;
    Ok(created)
}

pub(crate) async fn application_get(
    store: &SqliteStore,
    nomor: &str,
) -> Result<Option<Permohonan>> {
    let mut conn = store.reader.acquire().await.map_err(be)?;
    load_permohonan(&mut conn, nomor).await
}

pub(crate) async fn application_list(
    store: &SqliteStore,
    f: &ListFilter,
) -> Result<Vec<Permohonan>> {
    let (w, args) = filter_sql(f, true);
    let sql = format!(
        "SELECT * FROM permohonan WHERE {w} ORDER BY dibuat DESC, nomor DESC LIMIT ? OFFSET ?"
    );
    let q = bind_all(sqlx::query(&sql), &args)
        .bind(f.limit.clamp(1, 1000) as i64)
        .bind(f.offset as i64);
    q.fetch_all(&store.reader)
        .await
        .map_err(be)?
        .iter()
        .map(permohonan_head)
        .collect()
}

pub(crate) async fn application_counts(
    store: &SqliteStore,
    f: &ListFilter,
) -> Result<Vec<(Status, u64)>> {
    let (w, args) = filter_sql(f, false);
    let sql = format!("SELECT status, COUNT(*) AS n FROM permohonan WHERE {w} GROUP BY status");
    let rows = bind_all(sqlx::query(&sql), &args)
        .fetch_all(&store.reader)
        .await
        .map_err(be)?;
    let mut out: Vec<(Status, u64)> = Status::ALL.iter().map(|s| (*s, 0)).collect();
    for r in rows {
        let st = Status::parse(r.get("status")).map_err(|e| corrupt("status", e))?;
        if let Some(slot) = out.iter_mut().find(|(s, _)| *s == st) {
            slot.1 = r.get::<i64, _>("n") as u64;
        }
    }
    Ok(out)
}

pub(crate) async fn application_transition(
    store: &SqliteStore,
    nomor: &str,
    from: Status,
    entries: &[Riwayat],
    hasil: Option<&HasilKetunggalan>,
    audits: Vec<AuditDraft>,
) -> Result<()> {
    if entries.is_empty() && hasil.is_none() && audits.is_empty() {
        return Ok(());
    }
    let mut tx = store.begin_write().await?;
    transition_in(&mut tx, nomor, from, entries, hasil, audits, None).await?;
    tx.commit().await.map_err(be)
}

pub(crate) async fn applications_transition(
    store: &SqliteStore,
    changes: &[Transisi],
) -> Result<()> {
    if changes.is_empty() {
        return Ok(());
    }
    let mut tx = store.begin_write().await?;
    for c in changes {
        transition_in(
            &mut tx,
            &c.nomor,
            c.from,
            &c.entries,
            c.hasil.as_ref(),
            c.audits.clone(),
            c.suket.as_ref(),
        )
        .await?;
    }
    tx.commit().await.map_err(be)
}

pub(crate) async fn applications_of_nik(
    store: &SqliteStore,
    nik: &Nik,
) -> Result<Vec<(String, Status)>> {
    let rows = sqlx::query("SELECT nomor, status FROM permohonan WHERE nik = ? ORDER BY dibuat")
        .bind(nik.as_str())
        .fetch_all(&store.reader)
        .await
        .map_err(be)?;
    rows.iter()
        .map(|r| {
            Ok((
                r.get("nomor"),
                Status::parse(r.get("status")).map_err(|e| corrupt("status", e))?,
            ))
        })
        .collect()
}

pub(crate) async fn biometrik_ref(
    store: &SqliteStore,
    nomor: &str,
) -> Result<Option<BiometrikRef>> {
    let rows = sqlx::query("SELECT * FROM biometrik WHERE nomor = ? ORDER BY jenis, posisi")
        .bind(nomor)
        .fetch_all(&store.reader)
        .await
        .map_err(be)?;
    if rows.is_empty() {
        return Ok(None);
    }
    let mut out = BiometrikRef {
        jari: Vec::new(),
        pengecualian: Vec::new(),
        foto_sha256: String::new(),
        tanda_tangan_sha256: String::new(),
    };
    for r in rows {
        let pos =
            || PosisiJari::new(r.get::<i64, _>("posisi") as u8).map_err(|e| corrupt("posisi", e));
        match r.get::<&str, _>("jenis") {
            "jari" => out.jari.push(JariTersimpan {
                posisi: pos()?,
                sha256: r.get("sha256"),
            }),
            "pengecualian" => out.pengecualian.push((
                pos()?,
                AlasanPengecualian::parse(r.get("alasan")).map_err(|e| corrupt("alasan", e))?,
            )),
            "foto" => out.foto_sha256 = r.get("sha256"),
            "ttd" => out.tanda_tangan_sha256 = r.get("sha256"),
            other => return Err(corrupt("biometrik.jenis", other)),
        }
    }
    Ok(Some(out))
}

pub(crate) async fn blob_get(store: &SqliteStore, sha256: &str) -> Result<Option<Vec<u8>>> {
    sqlx::query_scalar("SELECT bytes FROM blob WHERE sha256 = ?")
        .bind(sha256)
        .fetch_optional(&store.reader)
        .await
        .map_err(be)
}

pub(crate) async fn gallery_templates(store: &SqliteStore) -> Result<Vec<GalleryTemplate>> {
    let rows = sqlx::query(
        "SELECT p.nomor, p.nik, b.posisi, x.bytes FROM permohonan p JOIN biometrik b ON b.nomor = p.nomor AND b.jenis = 'jari' JOIN blob x ON x.sha256 = b.sha256 WHERE p.status != 'ditolak' ORDER BY p.nomor, b.posisi",
    )
    .fetch_all(&store.reader)
    .await
    .map_err(be)?;
    Ok(rows
        .iter()
        .map(|r| GalleryTemplate {
            permohonan: r.get("nomor"),
            nik: r.get("nik"),
            posisi: r.get::<i64, _>("posisi") as u8,
            template: r.get("bytes"),
        })
        .collect())
}

async fn insert_riwayat(
    conn: &mut SqliteConnection,
    nomor: &str,
    start: i64,
    entries: &[Riwayat],
) -> Result<()> {
    for (i, e) in entries.iter().enumerate() {
        sqlx::query("INSERT INTO riwayat (nomor, urut, aksi, dari, ke, aktor, waktu, alasan) VALUES (?,?,?,?,?,?,?,?)")
            .bind(nomor)
            .bind(start + i as i64)
            .bind(e.aksi.slug())
            .bind(e.dari.map(|s| s.slug()))
            .bind(e.ke.slug())
            .bind(&e.aktor)
            .bind(ns(e.waktu))
            .bind(e.alasan.as_deref())
            .execute(&mut *conn)
            .await
            .map_err(be)?;
    }
    Ok(())
}

/// The body of an enrollment inside the caller's transaction; `seal` (office role) adds
/// the sealed packet to the outbox in the same transaction.
pub(crate) async fn create_in(
    tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
    new: &NewPermohonan,
    bio: &Biometrik,
    mut audit: AuditDraft,
    seal: Option<Penyegel<'_>>,
) -> Result<Created> {
    if let Some(key) = &new.idempotency_key {
        let prior: Option<String> =
            sqlx::query_scalar("SELECT nomor FROM permohonan WHERE idempotency_key = ?")
                .bind(key)
                .fetch_optional(&mut **tx)
                .await
                .map_err(be)?;
        if let Some(nomor) = prior {
            let p = load_permohonan(tx, &nomor).await?.expect("row exists");
            if p.nik != new.nik {
                return Err(StoreError::KeyReused(format!(
                    "key {key:?} was already used for another request (application {nomor})"
                )));
            }
            return Ok(Created::Replayed(p));
        }
    }
    let open: Option<String> = sqlx::query_scalar(
        "SELECT nomor FROM permohonan WHERE nik = ? AND status NOT IN ('diserahkan','ditolak')",
    )
    .bind(new.nik.as_str())
    .fetch_optional(&mut **tx)
    .await
    .map_err(be)?;
    if let Some(nomor) = open {
        return Err(StoreError::Conflict(format!(
            "NIK {} already has an open application {nomor}",
            new.nik
        )));
    }
    let seq: i64 = sqlx::query_scalar(
        "INSERT INTO kantor_seq (kantor, seq) VALUES (?, 1) ON CONFLICT(kantor) DO UPDATE SET seq = seq + 1 RETURNING seq",
    )
    .bind(new.kantor.as_str())
    .fetch_one(&mut **tx)
    .await
    .map_err(be)?;
    let nomor = NomorRegistrasi::mint(&new.kantor, seq as u64, new.waktu);
    let p = Permohonan::baru(
        nomor.clone(),
        new.nik.clone(),
        new.kantor.clone(),
        new.kelurahan.clone(),
        new.nama.clone(),
        new.aktor.clone(),
        new.waktu,
    );
    sqlx::query(
        "INSERT INTO permohonan (nomor, nik, kantor, kelurahan, kecamatan, nama, status, dibuat, idempotency_key) VALUES (?,?,?,?,?,?,?,?,?)",
    )
    .bind(nomor.as_str())
    .bind(new.nik.as_str())
    .bind(new.kantor.as_str())
    .bind(&new.kelurahan)
    .bind(parent(&new.kelurahan))
    .bind(&new.nama)
    .bind(Status::Direkam.slug())
    .bind(ns(new.waktu))
    .bind(new.idempotency_key.as_deref())
    .execute(&mut **tx)
    .await
    .map_err(be)?;
    insert_riwayat(tx, nomor.as_str(), 0, &p.riwayat).await?;
    if let Some(pr) = &new.prioritas {
        crate::cetak::prioritas_insert(tx, nomor.as_str(), pr).await?;
    }
    if let Some(k) = &new.kontak {
        crate::kabar::kontak_insert(tx, nomor.as_str(), k).await?;
    }
    let mut blobs: Vec<(&str, u8, &sidik_domain::biometrik::Blob)> = bio
        .jari
        .iter()
        .map(|(pos, b)| ("jari", pos.get(), b))
        .collect();
    blobs.push(("foto", 0, &bio.foto));
    blobs.push(("ttd", 0, &bio.tanda_tangan));
    // Two statements for all the biometrics (not two per blob): every statement is a
    // round trip to the writer's thread while the single write lock is held.
    let placeholders = |n: usize, row: &str| vec![row; n].join(",");
    let sql = format!(
        "INSERT OR IGNORE INTO blob (sha256, bytes) VALUES {}",
        placeholders(blobs.len(), "(?,?)")
    );
    let mut q = sqlx::query(&sql);
    for (_, _, blob) in &blobs {
        q = q.bind(&blob.sha256).bind(&blob.bytes);
    }
    q.execute(&mut **tx).await.map_err(be)?;
    let sql = format!(
        "INSERT INTO biometrik (nomor, jenis, posisi, sha256, alasan) VALUES {}",
        placeholders(blobs.len() + bio.pengecualian.len(), "(?,?,?,?,?)")
    );
    let mut q = sqlx::query(&sql);
    for (jenis, posisi, blob) in &blobs {
        q = q
            .bind(nomor.as_str())
            .bind(*jenis)
            .bind(*posisi as i64)
            .bind(Some(blob.sha256.as_str()))
            .bind(None::<&str>);
    }
    for (pos, alasan) in &bio.pengecualian {
        q = q
            .bind(nomor.as_str())
            .bind("pengecualian")
            .bind(pos.get() as i64)
            .bind(None::<&str>)
            .bind(Some(alasan.slug()));
    }
    q.execute(&mut **tx).await.map_err(be)?;
    audit.subjek = nomor.to_string();
    append_audit(tx, vec![audit]).await?;
    if let Some(seal) = seal {
        let paket = seal(&nomor, seq as u64).map_err(StoreError::Backend)?;
        sqlx::query("INSERT INTO paket_keluar (packet_id, nomor, urut, sha256, bytes, dibuat) VALUES (?,?,?,?,?,?)")
            .bind(&paket.packet_id)
            .bind(nomor.as_str())
            .bind(seq)
            .bind(&paket.sha256)
            .bind(&paket.bytes)
            .bind(ns(new.waktu))
            .execute(&mut **tx)
            .await
            .map_err(be)?;
    }
    Ok(Created::New(p))
}

/// Applies validated timeline entries inside the caller's transaction: a state that
/// revokes (`sidik_domain::suket::cabut_karena`) revokes the active Suket with them, and
/// `suket` records a newly issued one.
pub(crate) async fn transition_in(
    tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
    nomor: &str,
    from: Status,
    entries: &[Riwayat],
    hasil: Option<&HasilKetunggalan>,
    mut audits: Vec<AuditDraft>,
    suket: Option<&sidik_store::SuketBaru>,
) -> Result<()> {
    // With no entries the status stays: the row is still "updated" to `from`, which
    // checks that the application is there and in `from`.
    let to = entries.last().map_or(from, |e| e.ke);
    // Every status change commits with its audit entry; the status lookup's queue
    // snapshot (`crate::potret`) relies on it to know when the queue changed.
    if to != from && audits.is_empty() {
        return Err(StoreError::Backend(format!(
            "application {nomor}: a status change without an audit entry"
        )));
    }
    let updated = sqlx::query("UPDATE permohonan SET status = ? WHERE nomor = ? AND status = ?")
        .bind(to.slug())
        .bind(nomor)
        .bind(from.slug())
        .execute(&mut **tx)
        .await
        .map_err(be)?
        .rows_affected();
    if updated == 0 {
        let exists: Option<String> =
            sqlx::query_scalar("SELECT status FROM permohonan WHERE nomor = ?")
                .bind(nomor)
                .fetch_optional(&mut **tx)
                .await
                .map_err(be)?;
        return Err(match exists {
            None => StoreError::NotFound(format!("application {nomor}")),
            Some(s) => StoreError::Stale(format!("application {nomor} is now {s}, not {from}")),
        });
    }
    let next: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(urut) + 1, 0) FROM riwayat WHERE nomor = ?")
            .bind(nomor)
            .fetch_one(&mut **tx)
            .await
            .map_err(be)?;
    insert_riwayat(tx, nomor, next, entries).await?;
    if let Some(last) = entries.last().filter(|_| to != from) {
        let urut = next + entries.len() as i64 - 1;
        crate::kabar::antre_perubahan(tx, nomor, from, to, urut, last.waktu).await?;
        if let Some(alasan) = sidik_domain::suket::cabut_karena(to) {
            if let Some(a) = crate::suket::suket_revoke_active(tx, nomor, alasan, last).await? {
                audits.push(a);
            }
        }
    }
    if let Some(s) = suket {
        crate::suket::suket_insert(tx, s).await?;
    }
    if let Some(h) = hasil {
        sqlx::query("UPDATE permohonan SET cek_biometrik = ?, cek_catatan = ? WHERE nomor = ?")
            .bind(h.biometrik as i64)
            .bind(&h.catatan)
            .bind(nomor)
            .execute(&mut **tx)
            .await
            .map_err(be)?;
        sqlx::query("DELETE FROM kandidat WHERE nomor = ?")
            .bind(nomor)
            .execute(&mut **tx)
            .await
            .map_err(be)?;
        for (i, k) in h.kandidat.iter().enumerate() {
            sqlx::query("INSERT INTO kandidat (nomor, urut, permohonan, nik, skor, jari_cocok) VALUES (?,?,?,?,?,?)")
                .bind(nomor)
                .bind(i as i64)
                .bind(&k.permohonan)
                .bind(&k.nik)
                .bind(k.skor as f64)
                .bind(k.jari_cocok as i64)
                .execute(&mut **tx)
                .await
                .map_err(be)?;
        }
    }
    append_audit(tx, audits).await
}
