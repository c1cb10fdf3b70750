//! Printable PDFs for officers: the enrollment receipt, the active Suket, the cards of
//! a print batch and the batch sheet. Biodata and images are read through the audited
//! reads of the use cases (`Issuance::resident`, `Issuance::image`), each with its
//! purpose.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use sidik_domain::tanggal::{tanggal_hari, tanggal_wib, waktu_wib};
use sidik_domain::Permohonan;
use sidik_issuance::{Gambar, Issuance};
use sidik_store::User;

use super::formulir::Csrf;
use super::layout::{galat, pesan};
use crate::auth::{Desk, WebUser};
use crate::cetak_api::keadaan_pusat;
use crate::views::{biodata_dokumen, label_prioritas, nama_wilayah_pendek, nik_tersamar};
use crate::{ApiError, AppState, Role};

/// A PDF shown in the browser, saved as `nama`.
fn pdf(bytes: Vec<u8>, nama: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{nama}\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        bytes,
    )
        .into_response()
}

/// The Indonesian error page for a document that cannot be made.
fn gagal(st: &AppState, u: &User, t: &Csrf, e: ApiError, judul: &str) -> Response {
    galat(st, Some(u), &t.0, e.status, judul, pesan(&e))
}

fn tidak_ada(st: &AppState, u: &User, t: &Csrf, judul: &str, isi: &str) -> Response {
    galat(st, Some(u), &t.0, StatusCode::NOT_FOUND, judul, isi.into())
}

/// The office's city, as printed on documents ("JAKARTA UTARA").
fn kota_kantor(iss: &Issuance) -> String {
    let k = iss.kantor.as_str();
    nama_wilayah_pendek(&format!("{}.{}", &k[0..2], &k[2..4]))
}

/// What happens after enrollment, in plain Indonesian, by the node's role.
fn langkah(st: &AppState, status_url: &str) -> Vec<String> {
    let mut l = Vec::new();
    if matches!(st.role, Role::Office(..)) {
        l.push("Data Anda diperiksa di kantor ini, lalu dikirim ke pusat data untuk verifikasi ketunggalan nasional (memastikan satu orang hanya memiliki satu NIK).".into());
        l.push("Setelah pusat menyatakan data Anda tunggal, KTP-el Anda masuk antrean cetak di kantor ini.".into());
    } else {
        l.push("Petugas memeriksa ketunggalan data Anda (memastikan satu orang hanya memiliki satu NIK).".into());
        l.push("Setelah dinyatakan tunggal, KTP-el Anda masuk antrean cetak di kantor ini.".into());
    }
    l.push(format!(
        "Pantau status permohonan di {status_url} dengan nomor registrasi dan NIK Anda."
    ));
    l.push("Ambil KTP-el di kantor ini dengan membawa tanda terima ini. Selama menunggu, Surat Keterangan (Suket) berlaku sebagai pengganti KTP-el.".into());
    l
}

async fn permohonan(
    st: &AppState,
    iss: &Issuance,
    (u, t): (&User, &Csrf),
    nomor: &str,
) -> Result<Permohonan, Response> {
    iss.get(nomor).await.map_err(|e| {
        halaman_galat(
            (st, u, t),
            e,
            "Permohonan tidak ditemukan",
            "Tidak ada permohonan dengan nomor registrasi ini.",
        )
    })
}

/// The error page of a document request: "not found" with its own words, anything else
/// as a failure to make the document.
fn halaman_galat(
    (st, u, t): (&AppState, &User, &Csrf),
    e: sidik_issuance::IssuanceError,
    judul: &str,
    pesan: &str,
) -> Response {
    let e: ApiError = e.into();
    if e.status == StatusCode::NOT_FOUND {
        tidak_ada(st, u, t, judul, pesan)
    } else {
        gagal(st, u, t, e, "Dokumen tidak dapat dibuat")
    }
}

/// `GET /permohonan/{nomor}/tanda-terima.pdf`: the enrollment receipt.
pub(super) async fn tanda_terima(
    State(st): State<AppState>,
    Desk(iss): Desk,
    WebUser(u): WebUser,
    t: Csrf,
    headers: HeaderMap,
    Path(nomor): Path<String>,
) -> Response {
    let p = match permohonan(&st, &iss, (&u, &t), &nomor).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let perkiraan = match iss.perkiraan(&p, &keadaan_pusat(&st)).await {
        Ok(e) => e.kalimat(),
        Err(e) => return gagal(&st, &u, &t, e.into(), "Dokumen tidak dapat dibuat"),
    };
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| h.len() <= 255 && h.bytes().all(|b| b.is_ascii_graphic()))
        .unwrap_or("localhost");
    let scheme = if st.info.https { "https" } else { "http" };
    let status_url = format!("{scheme}://{host}/status");
    let direkam = p.riwayat.first().map_or(p.dibuat, |r| r.waktu);
    let doc = sidik_dokumen::TandaTerima {
        nomor_registrasi: p.nomor.to_string(),
        nik_tersamar: nik_tersamar(p.nik.as_str()),
        nama: p.nama.to_uppercase(),
        kantor: st.info.nama_kantor.clone(),
        alamat_kantor: format!("Kode kantor {}", iss.kantor),
        waktu: waktu_wib(direkam),
        langkah: langkah(&st, &status_url),
        perkiraan,
        status_url,
    };
    pdf(
        sidik_dokumen::tanda_terima_pdf(&doc),
        &format!("tanda-terima-{}.pdf", p.nomor),
    )
}

/// `GET /permohonan/{nomor}/suket.pdf`: the application's active Suket.
pub(super) async fn suket(
    State(st): State<AppState>,
    Desk(iss): Desk,
    WebUser(u): WebUser,
    t: Csrf,
    Path(nomor): Path<String>,
) -> Response {
    let p = match permohonan(&st, &iss, (&u, &t), &nomor).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let s = match iss.suket_aktif(&nomor).await {
        Ok(Some(s)) => s,
        Ok(None) => {
            return tidak_ada(
                &st,
                &u,
                &t,
                "Suket tidak ditemukan",
                "Permohonan ini tidak memiliki Suket yang berlaku.",
            )
        }
        Err(e) => return gagal(&st, &u, &t, e.into(), "Suket tidak dapat dibuat"),
    };
    let tujuan = format!("cetak Suket {}", s.suket.nomor_suket);
    let (r, foto) = match iss.document_read(&u, &p.nik, &nomor, &tujuan).await {
        Ok(Some(read)) => read,
        Ok(None) => {
            return tidak_ada(
                &st,
                &u,
                &t,
                "Biodata tidak ditemukan",
                "NIK permohonan ini tidak ada dalam database kependudukan.",
            )
        }
        Err(e) => return gagal(&st, &u, &t, e.into(), "Suket tidak dapat dibuat"),
    };
    let doc = sidik_dokumen::Suket {
        nomor_suket: s.suket.nomor_suket.clone(),
        nomor_registrasi: p.nomor.to_string(),
        biodata: biodata_dokumen(&r),
        foto,
        diterbitkan: waktu_wib(s.suket.diterbitkan),
        berlaku_hingga: tanggal_hari(tanggal_wib(s.suket.berlaku_hingga)),
        kantor: st.info.nama_kantor.clone(),
        tempat_terbit: kota_kantor(&iss),
        pejabat: format!("Petugas: {}", u.username),
        qr_text: s.suket.qr.clone(),
        catatan: vec![
            "Surat keterangan ini berlaku sebagai pengganti KTP-el sampai tanggal di atas atau sampai KTP-el diserahkan, mana yang lebih dahulu.".into(),
            "Keaslian surat ini dapat diperiksa dengan memindai kode QR di halaman /verifikasi kantor Dukcapil mana pun.".into(),
        ],
    };
    pdf(
        sidik_dokumen::suket_pdf(&doc),
        &format!("{}.pdf", s.suket.nomor_suket),
    )
}

async fn batch_of(
    st: &AppState,
    iss: &Issuance,
    (u, t): (&User, &Csrf),
    nomor_batch: &str,
) -> Result<sidik_store::BatchCetak, Response> {
    iss.batch(nomor_batch).await.map_err(|e| {
        halaman_galat(
            (st, u, t),
            e,
            "Batch tidak ditemukan",
            "Tidak ada batch cetak dengan nomor ini.",
        )
    })
}

/// `GET /cetak/batch/{nomor_batch}/kartu.pdf`: one ID-1 card per item still printed.
pub(super) async fn kartu(
    State(st): State<AppState>,
    Desk(iss): Desk,
    WebUser(u): WebUser,
    t: Csrf,
    Path(nomor_batch): Path<String>,
) -> Response {
    let b = match batch_of(&st, &iss, (&u, &t), &nomor_batch).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let tujuan = format!("cetak kartu batch {nomor_batch}");
    let tanggal = format!(
        "{:02}-{:02}-{}",
        b.tanggal.day(),
        b.tanggal.month(),
        b.tanggal.year()
    );
    let mut kartu = Vec::new();
    for (nomor, _) in b.item.iter().filter(|(_, h)| h == "dicetak") {
        let p = match iss.get(nomor).await {
            Ok(p) => p,
            Err(e) => return gagal(&st, &u, &t, e.into(), "Kartu tidak dapat dibuat"),
        };
        let r = match iss.resident(&u, &p.nik, &tujuan).await {
            Ok(Some(r)) => r,
            Ok(None) => continue,
            Err(e) => return gagal(&st, &u, &t, e.into(), "Kartu tidak dapat dibuat"),
        };
        kartu.push(sidik_dokumen::Kartu {
            biodata: biodata_dokumen(&r),
            foto: iss.image(&u, nomor, Gambar::Foto).await.ok().flatten(),
            tanda_tangan: iss
                .image(&u, nomor, Gambar::TandaTangan)
                .await
                .ok()
                .flatten(),
            tempat_terbit: kota_kantor(&iss),
            tanggal_terbit: tanggal.clone(),
            berlaku_hingga: "SEUMUR HIDUP".into(),
        });
    }
    if kartu.is_empty() {
        return tidak_ada(
            &st,
            &u,
            &t,
            "Tidak ada kartu",
            "Batch ini tidak memiliki kartu yang masih berstatus dicetak.",
        );
    }
    pdf(
        sidik_dokumen::kartu_pdf(&kartu),
        &format!("kartu-{nomor_batch}.pdf"),
    )
}

/// `GET /cetak/batch/{nomor_batch}/lembar.pdf`: the batch sheet for the operator.
pub(super) async fn lembar(
    State(st): State<AppState>,
    Desk(iss): Desk,
    WebUser(u): WebUser,
    t: Csrf,
    Path(nomor_batch): Path<String>,
) -> Response {
    let b = match batch_of(&st, &iss, (&u, &t), &nomor_batch).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let mut baris = Vec::new();
    for (i, (nomor, hasil)) in b.item.iter().enumerate() {
        let p = iss.get(nomor).await.ok();
        let prioritas = match iss.store.prioritas_get(nomor).await {
            Ok(Some(pr)) => label_prioritas(&pr),
            _ => "Biasa".into(),
        };
        baris.push(sidik_dokumen::BarisBatch {
            urut: i as u32 + 1,
            nomor_registrasi: nomor.clone(),
            nik_tersamar: p
                .as_ref()
                .map(|p| nik_tersamar(p.nik.as_str()))
                .unwrap_or_default(),
            nama: p.map(|p| p.nama.to_uppercase()).unwrap_or_default(),
            prioritas: if hasil == "rusak" {
                format!("{prioritas} (RUSAK)")
            } else {
                prioritas
            },
        });
    }
    let doc = sidik_dokumen::LembarBatch {
        nomor_batch: b.nomor_batch.clone(),
        kantor: st.info.nama_kantor.clone(),
        printer: b.printer.clone(),
        waktu: waktu_wib(b.waktu),
        baris,
        catatan: vec![
            format!("Dicetak oleh {}.", b.aktor),
            "Kartu yang rusak dicatat lewat tombol \u{201c}Rusak\u{201d} di halaman Cetak; permohonannya kembali ke tempatnya di antrean.".into(),
        ],
    };
    pdf(
        sidik_dokumen::lembar_batch_pdf(&doc),
        &format!("lembar-{nomor_batch}.pdf"),
    )
}
