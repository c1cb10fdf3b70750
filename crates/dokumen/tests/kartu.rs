mod common;

use common::*;
use sidik_dokumen::{kartu_pdf, Kartu, ID1_MM};

fn kartu() -> Kartu {
    Kartu {
        biodata: biodata(),
        foto: Some(foto()),
        tanda_tangan: Some(foto()),
        tempat_terbit: "JAKARTA UTARA".into(),
        tanggal_terbit: "09-09-2015".into(),
        berlaku_hingga: "SEUMUR HIDUP".into(),
    }
}

const LABELS: [&str; 14] = [
    "NIK",
    "Nama",
    "Tempat/Tgl Lahir",
    "Jenis Kelamin",
    "Gol. Darah",
    "Alamat",
    "RT/RW",
    "Kel/Desa",
    "Kecamatan",
    "Agama",
    "Status Perkawinan",
    "Pekerjaan",
    "Kewarganegaraan",
    "Berlaku Hingga",
];

/// Every "Page N size: W x H pts" line of `pdfinfo -f -l`.
fn page_sizes(info: &str) -> Vec<(f64, f64)> {
    info.lines()
        .filter(|l| l.starts_with("Page") && l.contains(" size:"))
        .map(|l| {
            let dims = l.split(" size:").nth(1).expect("size").trim();
            let nums: Vec<f64> = dims
                .split_whitespace()
                .filter_map(|t| t.parse().ok())
                .collect();
            assert!(nums.len() >= 2, "cannot parse {l:?}");
            (nums[0], nums[1])
        })
        .collect()
}

#[test]
fn id1_constant() {
    if common::poppler_missing() {
        return;
    }
    assert_eq!(ID1_MM, (85.60, 53.98));
}

#[test]
fn two_cards_two_id1_pages_with_every_label_and_value() {
    if common::poppler_missing() {
        return;
    }
    let first = kartu();
    let mut second = kartu();
    second.biodata.nik = "3172015203850001".into();
    second.biodata.nama = "AHMAD FAUZI".into();
    second.biodata.jenis_kelamin = "LAKI-LAKI".into();
    second.foto = None;
    second.tanda_tangan = None;

    let scratch = Scratch::new("kartu");
    let path = scratch.write_pdf("kartu.pdf", &kartu_pdf(&[first.clone(), second.clone()]));

    let info = pdfinfo(&path);
    assert_eq!(page_count(&info), 2, "{info}");
    let sizes = page_sizes(&info);
    assert_eq!(sizes.len(), 2, "{info}");
    for (w, h) in sizes {
        // pdfinfo prints "242.646 x 153.014 pts"; ID-1 is 242.65 x 153.01.
        let two_places = |v: f64| format!("{v:.2}");
        assert_eq!(
            (two_places(w), two_places(h)),
            ("242.65".into(), "153.01".into())
        );
    }

    let text = pdftotext(&path);
    let pages: Vec<String> = text.split('\u{c}').map(squash).collect();
    for (card, page) in [&first, &second].into_iter().zip(&pages) {
        let b = &card.biodata;
        let provinsi = format!("PROVINSI {}", b.provinsi);
        let values = [
            provinsi.as_str(),
            &b.kota,
            &b.nik,
            &b.nama,
            &b.tempat_tgl_lahir,
            &b.jenis_kelamin,
            &b.golongan_darah,
            &b.alamat,
            &b.rt_rw,
            &b.kel_desa,
            &b.kecamatan,
            &b.agama,
            &b.status_perkawinan,
            &b.pekerjaan,
            &b.kewarganegaraan,
            &card.tempat_terbit,
            &card.tanggal_terbit,
            &card.berlaku_hingga,
        ];
        for needle in LABELS.iter().copied().chain(values) {
            assert!(page.contains(needle), "missing {needle:?} in:\n{page}");
        }
    }
    assert!(
        pages[1].contains("FOTO"),
        "placeholder on the card without a photo"
    );
    assert!(
        !pages[0].contains("FOTO"),
        "no placeholder when the photo decodes"
    );

    let img = image::open(render_first_page(&scratch, &path))
        .expect("pdftoppm wrote a PNG")
        .to_luma8();
    // 85.60 mm at 150 dpi is 505.5 px.
    assert!((505..=507).contains(&img.width()), "width {}", img.width());
}

#[test]
fn no_cards_is_still_a_valid_pdf() {
    if common::poppler_missing() {
        return;
    }
    let scratch = Scratch::new("kartu-kosong");
    let path = scratch.write_pdf("kosong.pdf", &kartu_pdf(&[]));
    assert_eq!(page_count(&pdfinfo(&path)), 1);
}
