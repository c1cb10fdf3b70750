mod common;

use common::*;
use sidik_dokumen::{tanda_terima_pdf, TandaTerima};

fn receipt() -> TandaTerima {
    TandaTerima {
        nomor_registrasi: "REG-3172-20150909-000123".into(),
        nik_tersamar: "3172********0003".into(),
        nama: "SITI NURHALIZA PUTRI".into(),
        kantor: "Dinas Kependudukan dan Pencatatan Sipil Kota Jakarta Utara".into(),
        alamat_kantor: "Jl. Yos Sudarso No. 27-29, Koja, Jakarta Utara 14230".into(),
        waktu: "Rabu, 9 September 2015 pukul 10.15 WIB".into(),
        langkah: vec![
            "Data Anda diverifikasi dan dicocokkan secara nasional (deduplikasi biometrik).".into(),
            "Setelah lolos verifikasi, KTP-el Anda masuk antrean cetak.".into(),
            "Anda akan menerima pemberitahuan saat kartu siap diambil di kantor ini.".into(),
        ],
        perkiraan: "KTP-el Anda diperkirakan siap diambil pada Rabu, 16 September 2015 \
                    setelah pukul 14.00 WIB."
            .into(),
        status_url: "https://sidik.example.go.id/status/REG-3172-20150909-000123".into(),
    }
}

#[test]
fn receipt_text_and_rendering() {
    if common::poppler_missing() {
        return;
    }
    let t = receipt();
    let pdf = tanda_terima_pdf(&t);
    assert!(pdf.starts_with(b"%PDF"));
    let scratch = Scratch::new("tanda-terima");
    let path = scratch.write_pdf("tanda-terima.pdf", &pdf);

    let text = squash(&pdftotext(&path));
    for needle in [
        "TANDA TERIMA PEREKAMAN KTP-EL",
        &t.nomor_registrasi,
        &t.nik_tersamar,
        &t.nama,
        &t.waktu,
        &t.perkiraan,
        &t.status_url,
        &t.langkah[0],
        &t.langkah[2],
    ] {
        assert!(
            text.contains(&squash(needle)),
            "missing {needle:?} in:\n{text}"
        );
    }

    let info = pdfinfo(&path);
    assert_eq!(page_count(&info), 1, "{info}");

    let png = render_first_page(&scratch, &path);
    let img = image::open(&png).expect("pdftoppm wrote a PNG").to_luma8();
    // A5 at 150 dpi.
    assert!(
        img.width() > 800 && img.height() > 1200,
        "{}x{}",
        img.width(),
        img.height()
    );
    let dark = img.pixels().filter(|p| p.0[0] < 128).count();
    assert!(dark > 5_000, "page looks empty: {dark} dark pixels");

    // The status QR decodes back to the URL.
    let decoded = decode_qrs(&img);
    assert!(decoded.contains(&t.status_url), "QR contents: {decoded:?}");
}

#[test]
fn receipt_breaks_onto_more_pages_when_long() {
    if common::poppler_missing() {
        return;
    }
    let mut t = receipt();
    t.langkah = (1..=60)
        .map(|i| format!("Langkah nomor {i} yang harus dilakukan."))
        .collect();
    let scratch = Scratch::new("tanda-terima-panjang");
    let path = scratch.write_pdf("panjang.pdf", &tanda_terima_pdf(&t));
    assert!(page_count(&pdfinfo(&path)) > 1);
    let text = squash(&pdftotext(&path));
    assert!(text.contains("Langkah nomor 60 yang harus dilakukan."));
    assert!(text.contains(&t.status_url));
}
