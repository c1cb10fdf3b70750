//! The e-KTP card face, one ID-1 page per card.

use crate::canvas::{mm, Align, Doc, Page};
use crate::text::Font;
use crate::{foto, Kartu, ID1_MM};

/// Left edge of the labels, of the colons and of the values.
const LABEL_X: f32 = 8.0;
const COLON_X: f32 = 60.0;
const VALUE_X: f32 = 64.0;
/// Right edge of the text column (the photo starts after it).
const TEXT_RIGHT: f32 = 170.0;
/// Biodata rows: first baseline, row pitch and font size.
const ROW_Y: f32 = 47.0;
const ROW_PITCH: f32 = 7.3;
const ROW_SIZE: f32 = 5.8;

/// Renders one page per card, each exactly ID-1 (85.60 × 53.98 mm). An empty
/// slice yields a one-page document with an empty card so the result is
/// always a valid PDF.
pub fn kartu_pdf(cards: &[Kartu]) -> Vec<u8> {
    let mut doc = Doc::new("KTP-el");
    let size = (mm(ID1_MM.0), mm(ID1_MM.1));
    if cards.is_empty() {
        doc.page(size);
    }
    for card in cards {
        let photo = card
            .foto
            .as_deref()
            .and_then(foto::decode)
            .map(|r| doc.add_image(r));
        let sign = card
            .tanda_tangan
            .as_deref()
            .and_then(foto::decode)
            .map(|r| doc.add_image(r));
        let page = doc.page(size);
        background(page);
        header(page, card);
        biodata(page, card);
        right_column(page, card, photo, sign);
    }
    doc.finish()
}

fn background(page: &mut Page) {
    let (w, h) = (page.width(), page.height());
    page.fill_rgb(0.84, 0.92, 0.98);
    page.fill_rect(0.0, 0.0, w, h);
    page.fill_gray(0.0);
}

fn header(page: &mut Page, card: &Kartu) {
    let cx = page.width() / 2.0;
    let max_w = page.width() - 16.0;
    let b = &card.biodata;
    let provinsi = format!("PROVINSI {}", b.provinsi);
    page.text_fit(
        cx,
        13.0,
        max_w,
        Font::Bold,
        (7.5, 4.0),
        &provinsi,
        Align::Center,
    );
    page.text_fit(
        cx,
        22.0,
        max_w,
        Font::Bold,
        (7.5, 4.0),
        &b.kota,
        Align::Center,
    );
}

/// Label, colon and single-line value at baseline `y`.
fn row(page: &mut Page, y: f32, indent: f32, label: &str, value: &str) {
    let label_w = COLON_X - LABEL_X - indent - 1.0;
    let size = (ROW_SIZE, 3.5);
    page.text_fit(
        LABEL_X + indent,
        y,
        label_w,
        Font::Regular,
        size,
        label,
        Align::Left,
    );
    page.text(COLON_X, y, Font::Regular, ROW_SIZE, ":");
    page.text_fit(
        VALUE_X,
        y,
        TEXT_RIGHT - VALUE_X,
        Font::Regular,
        size,
        value,
        Align::Left,
    );
}

fn biodata(page: &mut Page, card: &Kartu) {
    let b = &card.biodata;
    page.text(LABEL_X, 36.0, Font::Bold, 9.0, "NIK");
    page.text(COLON_X, 36.0, Font::Bold, 9.0, ":");
    let nik_w = TEXT_RIGHT - VALUE_X;
    page.text_fit(
        VALUE_X,
        36.0,
        nik_w,
        Font::Bold,
        (9.5, 4.0),
        &b.nik,
        Align::Left,
    );

    let mut y = ROW_Y;
    row(page, y, 0.0, "Nama", &b.nama);
    y += ROW_PITCH;
    row(page, y, 0.0, "Tempat/Tgl Lahir", &b.tempat_tgl_lahir);
    y += ROW_PITCH;
    jenis_kelamin(page, y, card);
    y += ROW_PITCH;

    page.text(LABEL_X, y, Font::Regular, ROW_SIZE, "Alamat");
    page.text(COLON_X, y, Font::Regular, ROW_SIZE, ":");
    let alamat_w = TEXT_RIGHT - VALUE_X;
    y = page.text_lines(
        VALUE_X,
        y,
        alamat_w,
        Font::Regular,
        (ROW_SIZE, 4.5),
        ROW_PITCH * 0.9,
        2,
        &b.alamat,
    );
    y += ROW_PITCH;

    let rows: [(f32, &str, &str); 8] = [
        (6.0, "RT/RW", &b.rt_rw),
        (6.0, "Kel/Desa", &b.kel_desa),
        (6.0, "Kecamatan", &b.kecamatan),
        (0.0, "Agama", &b.agama),
        (0.0, "Status Perkawinan", &b.status_perkawinan),
        (0.0, "Pekerjaan", &b.pekerjaan),
        (0.0, "Kewarganegaraan", &b.kewarganegaraan),
        (0.0, "Berlaku Hingga", &card.berlaku_hingga),
    ];
    for (indent, label, value) in rows {
        row(page, y, indent, label, value);
        y += ROW_PITCH;
    }
}

/// "Jenis Kelamin" with "Gol. Darah" at the right of the same row.
fn jenis_kelamin(page: &mut Page, y: f32, card: &Kartu) {
    let b = &card.biodata;
    let size = (ROW_SIZE, 3.5);
    let gol_x = 116.0;
    page.text(LABEL_X, y, Font::Regular, ROW_SIZE, "Jenis Kelamin");
    page.text(COLON_X, y, Font::Regular, ROW_SIZE, ":");
    let jk_w = gol_x - VALUE_X - 3.0;
    page.text_fit(
        VALUE_X,
        y,
        jk_w,
        Font::Regular,
        size,
        &b.jenis_kelamin,
        Align::Left,
    );
    page.text(gol_x, y, Font::Regular, ROW_SIZE, "Gol. Darah");
    page.text(gol_x + 30.0, y, Font::Regular, ROW_SIZE, ":");
    let gd_x = gol_x + 33.0;
    let gd_w = TEXT_RIGHT - gd_x;
    page.text_fit(
        gd_x,
        y,
        gd_w,
        Font::Regular,
        size,
        &b.golongan_darah,
        Align::Left,
    );
}

fn right_column(
    page: &mut Page,
    card: &Kartu,
    photo: Option<(usize, u32, u32)>,
    sign: Option<(usize, u32, u32)>,
) {
    let (pw, ph) = (mm(22.0), mm(28.0));
    let x = page.width() - 6.0 - pw;
    let y = 28.0;
    match photo {
        Some(img) => {
            page.fill_gray(1.0);
            page.fill_rect(x, y, pw, ph);
            page.fill_gray(0.0);
            page.image(img, x, y, pw, ph);
        }
        None => {
            page.stroke_rect(x, y, pw, ph, 0.5);
            page.text_fit(
                x + pw / 2.0,
                y + ph / 2.0 + 3.0,
                pw,
                Font::Bold,
                (8.0, 4.0),
                "FOTO",
                Align::Center,
            );
        }
    }
    let cx = x + pw / 2.0;
    let col_w = pw + 4.0;
    let size = (5.5, 3.5);
    page.text_fit(
        cx,
        y + ph + 7.0,
        col_w,
        Font::Regular,
        size,
        &card.tempat_terbit,
        Align::Center,
    );
    page.text_fit(
        cx,
        y + ph + 13.5,
        col_w,
        Font::Regular,
        size,
        &card.tanggal_terbit,
        Align::Center,
    );
    if let Some(img) = sign {
        page.image(
            img,
            x,
            y + ph + 16.0,
            pw,
            page.height() - (y + ph + 16.0) - 4.0,
        );
    }
}
