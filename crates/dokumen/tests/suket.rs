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

/// A Claim 169-sized payload: 300 pseudo-random bytes, Base45-encoded.
fn payload() -> String {
    let mut x: u32 = 0x1234_5678;
    let bytes: Vec<u8> = (0..300)
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
        qr_text: payload(),
        catatan: vec![
            "Berlaku sebagai pengganti KTP-el sampai kartu selesai dicetak.".into(),
            "Periksa keaslian di /verifikasi".into(),
        ],
    }
}

#[test]
fn base45_matches_rfc_9285() {
    assert_eq!(base45(b"AB"), "BB8");
    assert_eq!(base45(b"Hello!!"), "%69 VD92EX0");
}

#[test]
fn suket_text_and_qr_round_trip() {
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
    let decoded = decode_qrs(&img);
    assert_eq!(
        decoded,
        vec![s.qr_text.clone()],
        "QR must decode to exactly qr_text"
    );
}

#[test]
fn suket_without_a_usable_photo_prints_the_placeholder() {
    for foto in [None, Some(b"bukan gambar".to_vec())] {
        let scratch = Scratch::new("suket-tanpa-foto");
        let path = scratch.write_pdf("suket.pdf", &suket_pdf(&suket(foto)));
        let text = squash(&pdftotext(&path));
        assert!(text.contains("FOTO"), "{text}");
    }
}
