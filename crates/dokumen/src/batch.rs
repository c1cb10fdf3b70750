//! The print-batch sheet for the printer operator, A4 portrait.

use crate::canvas::{Align, Doc, A4};
use crate::flow::Flow;
use crate::text::Font;
use crate::LembarBatch;

const MARGIN: f32 = 40.0;
const ROW_H: f32 = 17.0;
const SIZE: f32 = 8.5;
/// Column titles and widths (points); the widths add up to the text column.
const COLUMNS: [(&str, f32); 6] = [
    ("No", 30.0),
    ("Nomor Registrasi", 125.0),
    ("NIK", 100.0),
    ("Nama", 165.0),
    ("Prioritas", 60.0),
    ("Cek", 35.28),
];

/// Renders the sheet; the table continues on further pages (with its header
/// row repeated), every page is numbered "Halaman i dari n".
pub fn lembar_batch_pdf(b: &LembarBatch) -> Vec<u8> {
    let mut doc = Doc::new("Lembar Batch Cetak KTP-el");
    let mut f = Flow::new(&mut doc, A4, MARGIN);
    let (left, width) = (f.left, f.width);

    f.centered(Font::Bold, 13.0, 17.0, "LEMBAR BATCH CETAK KTP-EL");
    f.skip(6.0);
    for (label, value) in [
        ("Nomor Batch", &b.nomor_batch),
        ("Kantor", &b.kantor),
        ("Printer", &b.printer),
        ("Waktu", &b.waktu),
    ] {
        f.row(label, value, 80.0, 9.5);
    }
    f.skip(10.0);

    header_row(&mut f);
    for baris in &b.baris {
        if f.ensure(ROW_H) {
            let cont = format!("LEMBAR BATCH CETAK KTP-EL {} (lanjutan)", b.nomor_batch);
            f.paragraph(left, width, Font::Bold, 9.0, 13.0, &cont);
            f.skip(6.0);
            header_row(&mut f);
        }
        let urut = baris.urut.to_string();
        let cells = [
            urut.as_str(),
            &baris.nomor_registrasi,
            &baris.nik_tersamar,
            &baris.nama,
            &baris.prioritas,
        ];
        table_row(&mut f, &cells, Font::Regular, None);
    }

    f.skip(10.0);
    let jumlah = format!("Jumlah kartu: {}", b.baris.len());
    f.paragraph(left, width, Font::Bold, 10.0, 14.0, &jumlah);
    if !b.catatan.is_empty() {
        f.skip(4.0);
        f.paragraph(left, width, Font::Bold, 9.0, 13.0, "Catatan:");
        for note in &b.catatan {
            f.paragraph(
                left + 10.0,
                width - 10.0,
                Font::Regular,
                9.0,
                12.0,
                &format!("- {note}"),
            );
        }
    }
    signature(&mut f);
    number_pages(&mut doc);
    doc.finish()
}

fn header_row(f: &mut Flow) {
    let titles: Vec<&str> = COLUMNS.iter().map(|(t, _)| *t).collect();
    table_row(f, &titles, Font::Bold, Some(0.88));
}

/// One table row of `cells` (the last column, "Cek", is an empty box).
fn table_row(f: &mut Flow, cells: &[&str], font: Font, shade: Option<f32>) {
    f.ensure(ROW_H);
    let (mut x, y) = (f.left, f.y);
    let page = f.page();
    if let Some(g) = shade {
        page.fill_gray(g);
        page.fill_rect(x, y, COLUMNS.iter().map(|c| c.1).sum(), ROW_H);
        page.fill_gray(0.0);
    }
    for (i, (_, w)) in COLUMNS.iter().enumerate() {
        page.stroke_rect(x, y, *w, ROW_H, 0.5);
        if let Some(cell) = cells.get(i) {
            let base = y + ROW_H / 2.0 + SIZE * 0.35;
            page.text_fit(x + 3.0, base, w - 6.0, font, (SIZE, 5.0), cell, Align::Left);
        }
        x += w;
    }
    f.skip(ROW_H);
}

fn signature(f: &mut Flow) {
    let block = 80.0;
    f.skip(20.0);
    f.ensure(block);
    let x = f.left + f.width - 180.0;
    let y = f.y;
    let page = f.page();
    page.text(x, y + 10.0, Font::Regular, 10.0, "Petugas cetak");
    page.line(x, y + 60.0, x + 170.0, y + 60.0, 0.6);
    page.text(x, y + 72.0, Font::Regular, 8.0, "Nama dan tanda tangan");
    f.skip(block);
}

fn number_pages(doc: &mut Doc) {
    let n = doc.page_count();
    for i in 0..n {
        let page = doc.page_at(i);
        let (cx, y) = (page.width() / 2.0, page.height() - 20.0);
        let label = format!("Halaman {} dari {}", i + 1, n);
        page.text_fit(
            cx,
            y,
            200.0,
            Font::Regular,
            (8.0, 6.0),
            &label,
            Align::Center,
        );
    }
}
