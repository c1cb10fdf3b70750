//! Arbitrary Unicode in every field: rendering never panics and always
//! yields a PDF that `pdfinfo` accepts.

mod common;

use common::*;
use proptest::prelude::*;
use sidik_dokumen::*;

/// Short or long, any script, control characters included.
fn teks() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "\\PC{0,40}",
        1 => ".{0,400}",
        1 => "[\\u{0}-\\u{2000}]{0,80}",
    ]
}

fn teks_n(n: usize) -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(teks(), n)
}

fn gambar() -> impl Strategy<Value = Option<Vec<u8>>> {
    prop_oneof![
        Just(None),
        Just(Some(foto())),
        prop::collection::vec(any::<u8>(), 0..64).prop_map(Some),
        // A real PNG header followed by garbage.
        prop::collection::vec(any::<u8>(), 0..64).prop_map(|tail| {
            let mut v = foto()[..33].to_vec();
            v.extend(tail);
            Some(v)
        }),
    ]
}

fn biodata_acak() -> impl Strategy<Value = Biodata> {
    teks_n(15).prop_map(|v| {
        let mut it = v.into_iter();
        let mut next = || it.next().expect("15 strings");
        Biodata {
            provinsi: next(),
            kota: next(),
            nik: next(),
            nama: next(),
            tempat_tgl_lahir: next(),
            jenis_kelamin: next(),
            golongan_darah: next(),
            alamat: next(),
            rt_rw: next(),
            kel_desa: next(),
            kecamatan: next(),
            agama: next(),
            status_perkawinan: next(),
            pekerjaan: next(),
            kewarganegaraan: next(),
        }
    })
}

fn check(tag: &str, pdf: &[u8]) {
    if common::poppler_missing() {
        return;
    }
    assert!(pdf.starts_with(b"%PDF-"), "{tag}: no header");
    assert!(
        pdf.trim_ascii_end().ends_with(b"%%EOF"),
        "{tag}: no trailer"
    );
    let scratch = Scratch::new(&format!("acak-{tag}"));
    let path = scratch.write_pdf("acak.pdf", pdf);
    let info = pdfinfo(&path);
    assert!(page_count(&info) >= 1, "{tag}: {info}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn tanda_terima_acak(v in teks_n(8), langkah in prop::collection::vec(teks(), 0..8)) {
        let t = TandaTerima {
            nomor_registrasi: v[0].clone(),
            nik_tersamar: v[1].clone(),
            nama: v[2].clone(),
            kantor: v[3].clone(),
            alamat_kantor: v[4].clone(),
            waktu: v[5].clone(),
            langkah,
            perkiraan: v[6].clone(),
            status_url: v[7].clone(),
        };
        check("tanda-terima", &tanda_terima_pdf(&t));
    }

    #[test]
    fn suket_acak(
        biodata in biodata_acak(),
        v in teks_n(9),
        foto in gambar(),
        catatan in prop::collection::vec(teks(), 0..6),
    ) {
        let s = Suket {
            nomor_suket: v[0].clone(),
            nomor_registrasi: v[1].clone(),
            biodata,
            foto,
            diterbitkan: v[2].clone(),
            berlaku_hingga: v[3].clone(),
            kantor: v[4].clone(),
            tempat_terbit: v[5].clone(),
            pejabat: v[6].clone(),
            qr_text: v[7].clone(),
            catatan,
        };
        check("suket", &suket_pdf(&s));
    }

    #[test]
    fn kartu_acak(
        cards in prop::collection::vec(
            (biodata_acak(), gambar(), gambar(), teks_n(3)),
            0..3,
        ),
    ) {
        let cards: Vec<Kartu> = cards
            .into_iter()
            .map(|(biodata, foto, tanda_tangan, v)| Kartu {
                biodata,
                foto,
                tanda_tangan,
                tempat_terbit: v[0].clone(),
                tanggal_terbit: v[1].clone(),
                berlaku_hingga: v[2].clone(),
            })
            .collect();
        check("kartu", &kartu_pdf(&cards));
    }

    #[test]
    fn lembar_batch_acak(
        v in teks_n(4),
        baris in prop::collection::vec((any::<u32>(), teks_n(4)), 0..70),
        catatan in prop::collection::vec(teks(), 0..4),
    ) {
        let b = LembarBatch {
            nomor_batch: v[0].clone(),
            kantor: v[1].clone(),
            printer: v[2].clone(),
            waktu: v[3].clone(),
            baris: baris
                .into_iter()
                .map(|(urut, v)| BarisBatch {
                    urut,
                    nomor_registrasi: v[0].clone(),
                    nik_tersamar: v[1].clone(),
                    nama: v[2].clone(),
                    prioritas: v[3].clone(),
                })
                .collect(),
            catatan,
        };
        check("lembar-batch", &lembar_batch_pdf(&b));
    }
}
