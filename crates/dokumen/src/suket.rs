//! "SURAT KETERANGAN PENGGANTI KTP-EL (SUKET)", A4 portrait.

use crate::canvas::{mm, Align, Doc, A4};
use crate::flow::Flow;
use crate::text::{self, Font};
use crate::{foto, qr, Suket};

const MARGIN: f32 = 50.0;
const BODY: f32 = 10.0;
/// The QR symbol (quiet zone not included) is printed about this wide...
const QR_MM: f32 = 50.0;
/// ...but never narrower, never with modules smaller than this, and at
/// most [`QR_MAX_MM`].
const QR_MIN_MM: f32 = 45.0;
const QR_MODULE_MM: f32 = 0.6;
const QR_MAX_MM: f32 = 80.0;

/// Renders the Suket; long content continues on further A4 pages.
pub fn suket_pdf(s: &Suket) -> Vec<u8> {
    let mut doc = Doc::new("Surat Keterangan Pengganti KTP-el");
    let photo = s
        .foto
        .as_deref()
        .and_then(foto::decode)
        .map(|r| doc.add_image(r));
    let mut f = Flow::new(&mut doc, A4, MARGIN);
    let b = &s.biodata;

    f.centered(Font::Bold, 12.0, 15.0, &s.kantor);
    f.centered(
        Font::Regular,
        9.0,
        12.0,
        &format!("PROVINSI {} - {}", b.provinsi, b.kota),
    );
    f.rule(8.0);
    f.skip(4.0);
    f.centered(
        Font::Bold,
        13.0,
        17.0,
        "SURAT KETERANGAN PENGGANTI KTP-EL (SUKET)",
    );
    f.centered(
        Font::Regular,
        BODY,
        14.0,
        &format!("Nomor: {}", s.nomor_suket),
    );
    f.skip(10.0);

    let (left, width) = (f.left, f.width);
    let intro = "Yang bertanda tangan di bawah ini menerangkan bahwa penduduk dengan data berikut:";
    f.paragraph(left, width, Font::Regular, BODY, 14.0, intro);
    f.skip(4.0);
    biodata_table(&mut f, s, photo);
    f.skip(8.0);

    let statement =
        "telah melakukan perekaman data KTP-el dan data kependudukannya tercatat dalam \
        database kependudukan. Surat keterangan ini berlaku sebagai pengganti KTP-el.";
    f.paragraph(left, width, Font::Regular, BODY, 14.0, statement);
    f.skip(4.0);
    let berlaku = format!("Berlaku sampai: {}", s.berlaku_hingga);
    f.paragraph(left, width, Font::Bold, 11.0, 15.0, &berlaku);

    if !s.catatan.is_empty() {
        f.skip(6.0);
        f.paragraph(left, width, Font::Bold, 9.0, 13.0, "Catatan:");
        for note in &s.catatan {
            f.ensure(12.0);
            let y = f.next_baseline(9.0, 12.0);
            f.page().text(left + 4.0, y, Font::Regular, 9.0, "-");
            f.paragraph(left + 14.0, width - 14.0, Font::Regular, 9.0, 12.0, note);
        }
    }
    f.skip(14.0);
    closing(&mut f, s);
    doc.finish()
}

/// The biodata rows, with the photo (3 × 4 cm) to their right.
fn biodata_table(f: &mut Flow, s: &Suket, photo: Option<(usize, u32, u32)>) {
    let (pw, ph) = (mm(30.0), mm(40.0));
    f.ensure(ph);
    let (px, py) = (f.left + f.width - pw, f.y);
    let page_index = f.doc.page_count() - 1;
    {
        let page = f.page();
        match photo {
            Some(img) => page.image(img, px, py, pw, ph),
            None => {
                page.stroke_rect(px, py, pw, ph, 0.6);
                page.text_fit(
                    px + pw / 2.0,
                    py + ph / 2.0 + 4.0,
                    pw,
                    Font::Bold,
                    (12.0, 6.0),
                    "FOTO",
                    Align::Center,
                );
            }
        }
    }
    let b = &s.biodata;
    let rows: [(&str, &str); 14] = [
        ("Nomor Registrasi", &s.nomor_registrasi),
        ("NIK", &b.nik),
        ("Nama", &b.nama),
        ("Tempat/Tgl Lahir", &b.tempat_tgl_lahir),
        ("Jenis Kelamin", &b.jenis_kelamin),
        ("Gol. Darah", &b.golongan_darah),
        ("Alamat", &b.alamat),
        ("RT/RW", &b.rt_rw),
        ("Kel/Desa", &b.kel_desa),
        ("Kecamatan", &b.kecamatan),
        ("Agama", &b.agama),
        ("Status Perkawinan", &b.status_perkawinan),
        ("Pekerjaan", &b.pekerjaan),
        ("Kewarganegaraan", &b.kewarganegaraan),
    ];
    let full = f.width;
    f.width = full - pw - 12.0;
    for (label, value) in rows {
        f.row(label, value, 100.0, BODY);
    }
    f.width = full;
    if f.doc.page_count() - 1 == page_index {
        f.y = f.y.max(py + ph);
    }
}

/// The QR (left) and the place, date, office and officer (right).
fn closing(f: &mut Flow, s: &Suket) {
    let matrix = qr::encode(&s.qr_text);
    let symbol = matrix.as_ref().map_or(mm(QR_MM), |m| {
        qr::symbol_pt(m.width, QR_MM, QR_MIN_MM, QR_MODULE_MM, QR_MAX_MM)
    });
    let size = matrix.as_ref().map_or(symbol, |m| m.outer(symbol));
    f.ensure(size + 24.0);
    let (x, y) = (f.left, f.y);
    let sig_x = x + size + 40.0;
    let sig_w = f.left + f.width - sig_x;
    let page = f.page();
    match &matrix {
        Some(m) => page.qr(m, x, y, symbol),
        None => {
            page.stroke_rect(x, y, size, size, 0.6);
            page.text_fit(
                x + size / 2.0,
                y + size / 2.0,
                size - 6.0,
                Font::Regular,
                (9.0, 5.0),
                "QR tidak tersedia",
                Align::Center,
            );
        }
    }
    let caption = "Pindai kode QR untuk memeriksa keaslian";
    page.text_fit(
        x + size / 2.0,
        y + size + 10.0,
        size + 20.0,
        Font::Regular,
        (7.5, 5.0),
        caption,
        Align::Center,
    );

    let mut line_y = y + 14.0;
    let tempat = format!("{}, {}", s.tempat_terbit, s.diterbitkan);
    for (font, size, leading, value) in [
        (Font::Regular, BODY, 13.0, tempat.as_str()),
        (Font::Regular, BODY, 13.0, s.kantor.as_str()),
    ] {
        for line in text::wrap(&text::encode(value), font, size, sig_w)
            .iter()
            .take(3)
        {
            page.raw(sig_x, line_y, font, size, line);
            line_y += leading;
        }
    }
    line_y += 52.0;
    for line in text::wrap(&text::encode(&s.pejabat), Font::Bold, BODY, sig_w)
        .iter()
        .take(3)
    {
        page.raw(sig_x, line_y, Font::Bold, BODY, line);
        line_y += 13.0;
    }
    f.skip((size + 16.0).max(line_y - y));
}
