mod common;

use common::*;
use sidik_dokumen::{suket_pdf, Suket};

const BASE45: &[u8; 45] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

/// RFC 9285 Base45.
fn base45(bytes: &[u8]) -> String {
    let mut out = String::new();
    for pair in bytes.chunks(2) {
        let (mut n, digits) = match pair {
            [a, b] => (usize::from(*a) * 256 + usize::from(*b), 3),
            [a] => (usize::from(*a), 2),
            _ => unreachable!(),
        };
        for _ in 0..digits {
            out.push(char::from(BASE45[n % 45]));
            n /= 45;
        }
    }
    out
}

/// A Claim 169-like payload: `n` pseudo-random bytes, Base45-encoded.
fn payload(n: usize) -> String {
    let mut x: u32 = 0x1234_5678;
    let bytes: Vec<u8> = (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 24) as u8
        })
        .collect();
    base45(&bytes)
}

fn suket(foto: Option<Vec<u8>>) -> Suket {
    Suket {
        nomor_suket: "474.4/0123/SKT/DKP-JU/IX/2015".into(),
        nomor_registrasi: "REG-3172-20150909-000123".into(),
        biodata: biodata(),
        foto,
        diterbitkan: "Rabu, 9 September 2015".into(),
        berlaku_hingga: "Selasa, 8 Maret 2016".into(),
        kantor: "Dinas Kependudukan dan Pencatatan Sipil Kota Jakarta Utara".into(),
        tempat_terbit: "Jakarta Utara".into(),
        pejabat: "Drs. BUDI SANTOSO, M.Si. - NIP 196805121990031004".into(),
        qr_text: payload(300),
        catatan: vec![
            "Berlaku sebagai pengganti KTP-el sampai kartu selesai dicetak.".into(),
            "Periksa keaslian di /verifikasi".into(),
        ],
    }
}

#[test]
fn base45_matches_rfc_9285() {
    if common::poppler_missing() {
        return;
    }
    assert_eq!(base45(b"AB"), "BB8");
    assert_eq!(base45(b"Hello!!"), "%69 VD92EX0");
}

#[test]
fn suket_text_and_qr_round_trip() {
    if common::poppler_missing() {
        return;
    }
    let s = suket(Some(foto()));
    assert!(s.qr_text.len() > 400);
    let scratch = Scratch::new("suket");
    let path = scratch.write_pdf("suket.pdf", &suket_pdf(&s));

    let text = squash(&pdftotext(&path));
    for needle in [
        "SURAT KETERANGAN PENGGANTI KTP-EL (SUKET)",
        &s.nomor_suket,
        &s.biodata.nik,
        &s.biodata.nama,
        &format!("Berlaku sampai: {}", s.berlaku_hingga),
        &s.pejabat,
        "Periksa keaslian di /verifikasi",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
    assert_eq!(page_count(&pdfinfo(&path)), 1);

    let img = image::open(render_first_page(&scratch, &path))
        .expect("pdftoppm wrote a PNG")
        .to_luma8();
    let symbols = qr_symbols(&img);
    assert_eq!(symbols.len(), 1, "one QR on the Suket");
    let (decoded, width_px) = &symbols[0];
    assert_eq!(decoded, &s.qr_text, "QR must decode to exactly qr_text");
    let width_mm = width_px / 150.0 * 25.4;
    assert!(width_mm >= 45.0, "QR symbol only {width_mm:.1} mm wide");
}

#[test]
fn suket_without_a_usable_photo_prints_the_placeholder() {
    if common::poppler_missing() {
        return;
    }
    for foto in [None, Some(b"bukan gambar".to_vec())] {
        let scratch = Scratch::new("suket-tanpa-foto");
        let path = scratch.write_pdf("suket.pdf", &suket_pdf(&suket(foto)));
        let text = squash(&pdftotext(&path));
        assert!(text.contains("FOTO"), "{text}");
    }
}

#[test]
fn qr_round_trips_for_small_and_large_payloads() {
    if common::poppler_missing() {
        return;
    }
    let mut failures = Vec::new();
    for n in [20, 60, 120, 200, 300, 400, 500, 700] {
        let mut s = suket(None);
        s.qr_text = payload(n);
        let scratch = Scratch::new(&format!("suket-qr-{n}"));
        let path = scratch.write_pdf("suket.pdf", &suket_pdf(&s));
        let img = image::open(render_first_page(&scratch, &path))
            .expect("pdftoppm wrote a PNG")
            .to_luma8();
        let symbols = qr_symbols(&img);
        match symbols.as_slice() {
            [(text, width_px)] if *text == s.qr_text => {
                let width_mm = width_px / 150.0 * 25.4;
                if width_mm < 45.0 {
                    failures.push(format!("{n} bytes: symbol only {width_mm:.1} mm"));
                }
            }
            other => failures.push(format!("{n} bytes: {} symbols decoded", other.len())),
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
