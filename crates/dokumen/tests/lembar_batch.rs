mod common;

use common::*;
use sidik_dokumen::{lembar_batch_pdf, BarisBatch, LembarBatch};

fn lembar(n: u32) -> LembarBatch {
    LembarBatch {
        nomor_batch: "BATCH-3172-20150916-07".into(),
        kantor: "Dinas Kependudukan dan Pencatatan Sipil Kota Jakarta Utara".into(),
        printer: "Printer Kartu 2 (Datacard CD800)".into(),
        waktu: "Rabu, 16 September 2015 pukul 08.30 WIB".into(),
        baris: (1..=n)
            .map(|i| BarisBatch {
                urut: i,
                nomor_registrasi: format!("REG-3172-20150909-{i:06}"),
                nik_tersamar: format!("3172********{i:04}"),
                nama: format!("PENDUDUK NOMOR {i}"),
                prioritas: if i % 7 == 0 {
                    "MENDESAK".into()
                } else {
                    "BIASA".into()
                },
            })
            .collect(),
        catatan: vec!["Kartu rusak dicatat dan dikembalikan ke antrean.".into()],
    }
}

#[test]
fn sixty_rows_paginate_and_all_appear() {
    if common::poppler_missing() {
        return;
    }
    let b = lembar(60);
    let scratch = Scratch::new("batch");
    let path = scratch.write_pdf("batch.pdf", &lembar_batch_pdf(&b));
    let pages = page_count(&pdfinfo(&path));
    assert!(pages > 1, "60 rows on {pages} page(s)");

    let text = squash(&pdftotext(&path));
    for row in &b.baris {
        assert!(
            text.contains(&row.nomor_registrasi),
            "missing {}",
            row.nomor_registrasi
        );
        assert!(text.contains(&row.nama), "missing {}", row.nama);
    }
    for needle in [
        "Jumlah kartu: 60",
        "Petugas cetak",
        &b.nomor_batch,
        &b.printer,
        &format!("Halaman {pages} dari {pages}"),
    ] {
        assert!(text.contains(needle), "missing {needle:?}");
    }
}

#[test]
fn a_short_batch_fits_one_page() {
    if common::poppler_missing() {
        return;
    }
    let scratch = Scratch::new("batch-pendek");
    let path = scratch.write_pdf("batch.pdf", &lembar_batch_pdf(&lembar(5)));
    assert_eq!(page_count(&pdfinfo(&path)), 1);
    assert!(squash(&pdftotext(&path)).contains("Jumlah kartu: 5"));
}
