//! The enrollment receipt (tanda terima perekaman), A5 portrait.

use crate::canvas::{mm, Align, Doc, A5};
use crate::flow::Flow;
use crate::text::{self, Font};
use crate::{qr, TandaTerima};

const MARGIN: f32 = 36.0;

/// Renders the receipt; long content continues on further A5 pages.
pub fn tanda_terima_pdf(t: &TandaTerima) -> Vec<u8> {
    let mut doc = Doc::new("Tanda Terima Perekaman KTP-el");
    let mut f = Flow::new(&mut doc, A5, MARGIN);

    f.centered(Font::Bold, 13.0, 17.0, "TANDA TERIMA PEREKAMAN KTP-EL");
    f.centered(Font::Bold, 9.0, 12.0, &t.kantor);
    f.centered(Font::Regular, 8.0, 10.5, &t.alamat_kantor);
    f.rule(8.0);

    f.centered(Font::Regular, 8.5, 12.0, "Nomor Registrasi");
    nomor(&mut f, &t.nomor_registrasi);
    f.skip(6.0);

    let label_w = 92.0;
    f.row("NIK", &t.nik_tersamar, label_w, 9.5);
    f.row("Nama", &t.nama, label_w, 9.5);
    f.row("Waktu Perekaman", &t.waktu, label_w, 9.5);
    f.row("Tempat Perekaman", &t.kantor, label_w, 9.5);
    f.rule(8.0);

    let (left, width) = (f.left, f.width);
    f.paragraph(left, width, Font::Bold, 9.5, 14.0, "Langkah selanjutnya:");
    for (i, langkah) in t.langkah.iter().enumerate() {
        let num = format!("{}.", i + 1);
        f.ensure(13.0);
        let y = f.next_baseline(9.0, 13.0);
        f.page().text(left + 4.0, y, Font::Regular, 9.0, &num);
        f.paragraph(left + 20.0, width - 20.0, Font::Regular, 9.0, 13.0, langkah);
    }
    f.skip(6.0);
    f.paragraph(left, width, Font::Bold, 9.5, 14.0, "Perkiraan selesai:");
    f.paragraph(left, width, Font::Regular, 9.0, 13.0, &t.perkiraan);
    f.skip(8.0);

    status_block(&mut f, &t.status_url);

    f.skip(10.0);
    let note = "Simpan tanda terima ini dan tunjukkan kepada petugas saat mengambil KTP-el.";
    f.paragraph(left, width, Font::Regular, 7.5, 10.0, note);
    doc.finish()
}

/// The registration number, large and bold in a box.
fn nomor(f: &mut Flow, nomor: &str) {
    let h = 26.0;
    f.ensure(h);
    let (x, y, w) = (f.left + 30.0, f.y, f.width - 60.0);
    let page = f.page();
    page.stroke_rect(x, y, w, h, 0.8);
    page.text_fit(
        x + w / 2.0,
        y + 18.0,
        w - 8.0,
        Font::Bold,
        (16.0, 6.0),
        nomor,
        Align::Center,
    );
    f.skip(h);
}

/// QR of the status URL with the URL printed beside it.
fn status_block(f: &mut Flow, url: &str) {
    let matrix = qr::encode(url);
    let symbol = matrix
        .as_ref()
        .map_or(mm(26.0), |m| qr::symbol_pt(m.width, 26.0, 20.0, 0.5, 40.0));
    let size = matrix.as_ref().map_or(symbol, |m| m.outer(symbol));
    f.ensure(size);
    let (x, y) = (f.left, f.y);
    let text_x = x + size + 10.0;
    let text_w = f.left + f.width - text_x;
    let page = f.page();
    match &matrix {
        Some(m) => page.qr(m, x, y, symbol),
        None => {
            page.stroke_rect(x, y, size, size, 0.5);
            page.text_fit(
                x + size / 2.0,
                y + size / 2.0,
                size - 4.0,
                Font::Regular,
                (7.0, 4.0),
                "QR tidak tersedia",
                Align::Center,
            );
        }
    }
    let intro =
        "Pantau status permohonan Anda dengan memindai kode QR atau membuka alamat berikut:";
    let mut line_y = y + 16.0;
    for line in text::wrap(&text::encode(intro), Font::Regular, 8.5, text_w) {
        page.raw(text_x, line_y, Font::Regular, 8.5, &line);
        line_y += 11.0;
    }
    line_y += 4.0;
    let enc = text::encode(url);
    let url_size = text::fit_size(&enc, Font::Bold, 9.0, 6.0, text_w);
    let lines = text::wrap(&enc, Font::Bold, url_size, text_w);
    let shown = lines.len().min(6);
    for line in &lines[..shown] {
        page.raw(text_x, line_y, Font::Bold, url_size, line);
        line_y += url_size * 1.3;
    }
    f.skip(size.max(line_y - y));
}
