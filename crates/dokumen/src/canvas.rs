//! A tiny drawing layer over `pdf-writer`: pages with a top-left origin,
//! Helvetica text helpers, embedded images and vector QR codes.

use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use crate::foto::Raster;
use crate::qr::Matrix;
use crate::text::{self, Font};

/// Millimetres to points.
pub(crate) fn mm(v: f32) -> f32 {
    v / 25.4 * 72.0
}

/// A4 portrait in points.
pub(crate) const A4: (f32, f32) = (595.28, 841.89);
/// A5 portrait in points.
pub(crate) const A5: (f32, f32) = (419.53, 595.28);

const REGULAR: Name<'static> = Name(b"F1");
const BOLD: Name<'static> = Name(b"F2");

/// Horizontal anchoring of a text run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Center,
}

/// One page under construction. Coordinates are in points from the top-left
/// corner; text positions are baselines.
pub(crate) struct Page {
    w: f32,
    h: f32,
    content: Content,
    images: Vec<usize>,
}

impl Page {
    pub(crate) fn width(&self) -> f32 {
        self.w
    }

    pub(crate) fn height(&self) -> f32 {
        self.h
    }

    /// Writes encoded `text` as one run at baseline `y`.
    pub(crate) fn raw(&mut self, x: f32, y: f32, font: Font, size: f32, text: &[u8]) {
        if text.is_empty() || size <= 0.0 {
            return;
        }
        let name = match font {
            Font::Regular => REGULAR,
            Font::Bold => BOLD,
        };
        self.content
            .begin_text()
            .set_font(name, size)
            .next_line(x, self.h - y)
            .show(Str(text))
            .end_text();
    }

    fn anchored(&mut self, x: f32, y: f32, font: Font, size: f32, text: &[u8], align: Align) {
        let w = text::width(text, font, size);
        let left = match align {
            Align::Left => x,
            Align::Center => x - w / 2.0,
        };
        self.raw(left, y, font, size, text);
    }

    /// One line of text, no fitting.
    pub(crate) fn text(&mut self, x: f32, y: f32, font: Font, size: f32, s: &str) {
        self.anchored(x, y, font, size, &text::encode(s), Align::Left);
    }

    /// One line of text that shrinks down to `min` to fit `max_w`, and is cut
    /// with "..." if even that is too wide. `x` is the anchor for `align`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn text_fit(
        &mut self,
        x: f32,
        y: f32,
        max_w: f32,
        font: Font,
        (size, min): (f32, f32),
        s: &str,
        align: Align,
    ) {
        let enc = text::encode(s);
        let size = text::fit_size(&enc, font, size, min, max_w);
        let enc = text::truncate(&enc, font, size, max_w);
        self.anchored(x, y, font, size, &enc, align);
    }

    /// Text that shrinks down to `min` to fit one line, and wraps into at most
    /// `max_lines` lines (the last one cut with "...") if it still does not.
    /// Returns the baseline of the last line written.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn text_lines(
        &mut self,
        x: f32,
        y: f32,
        max_w: f32,
        font: Font,
        (size, min): (f32, f32),
        leading: f32,
        max_lines: usize,
        s: &str,
    ) -> f32 {
        let enc = text::encode(s);
        let fitted = text::fit_size(&enc, font, size, min, max_w);
        if text::width(&enc, font, fitted) <= max_w || max_lines <= 1 {
            let enc = text::truncate(&enc, font, fitted, max_w);
            self.raw(x, y, font, fitted, &enc);
            return y;
        }
        let mut lines = text::wrap(&enc, font, min, max_w);
        if lines.len() > max_lines {
            let rest = lines[max_lines - 1..].join(&b' ');
            lines.truncate(max_lines - 1);
            lines.push(text::truncate(&rest, font, min, max_w));
        }
        let mut baseline = y;
        for (i, line) in lines.iter().enumerate() {
            baseline = y + i as f32 * leading * min / size;
            self.raw(x, baseline, font, min, line);
        }
        baseline
    }

    pub(crate) fn fill_gray(&mut self, g: f32) {
        self.content.set_fill_gray(g);
    }

    pub(crate) fn fill_rgb(&mut self, r: f32, g: f32, b: f32) {
        self.content.set_fill_rgb(r, g, b);
    }

    pub(crate) fn fill_rect(&mut self, x: f32, y: f32, w: f32, h: f32) {
        self.content.rect(x, self.h - y - h, w, h).fill_nonzero();
    }

    pub(crate) fn stroke_rect(&mut self, x: f32, y: f32, w: f32, h: f32, line: f32) {
        self.content
            .set_line_width(line)
            .rect(x, self.h - y - h, w, h)
            .stroke();
    }

    pub(crate) fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, line: f32) {
        self.content
            .set_line_width(line)
            .move_to(x1, self.h - y1)
            .line_to(x2, self.h - y2)
            .stroke();
    }

    /// Draws image `id` (from [`Doc::add_image`]) centred in the box,
    /// keeping its aspect ratio.
    pub(crate) fn image(&mut self, doc_image: (usize, u32, u32), x: f32, y: f32, w: f32, h: f32) {
        let (id, px_w, px_h) = doc_image;
        if px_w == 0 || px_h == 0 {
            return;
        }
        let scale = (w / px_w as f32).min(h / px_h as f32);
        let (dw, dh) = (px_w as f32 * scale, px_h as f32 * scale);
        let (dx, dy) = (x + (w - dw) / 2.0, y + (h - dh) / 2.0);
        if !self.images.contains(&id) {
            self.images.push(id);
        }
        let name = format!("Im{id}");
        self.content
            .save_state()
            .transform([dw, 0.0, 0.0, dh, dx, self.h - dy - dh])
            .x_object(Name(name.as_bytes()))
            .restore_state();
    }

    /// Draws a QR symbol `symbol` points wide with its 4-module white quiet
    /// zone around it; (x, y) is the outer corner, the outer width is
    /// [`Matrix::outer`]. Dark runs of a row become one rectangle so no
    /// hairline seams appear.
    pub(crate) fn qr(&mut self, matrix: &Matrix, x: f32, y: f32, symbol: f32) {
        let (modules, n) = (&matrix.modules, matrix.width);
        if n == 0 || modules.len() != n * n {
            return;
        }
        let m = symbol / n as f32;
        let size = matrix.outer(symbol);
        let (x, y) = (crate::qr::snap(x), crate::qr::snap(y));
        self.fill_gray(1.0);
        self.fill_rect(x, y, size, size);
        self.fill_gray(0.0);
        for row in 0..n {
            let mut col = 0;
            while col < n {
                if !modules[row * n + col] {
                    col += 1;
                    continue;
                }
                let start = col;
                while col < n && modules[row * n + col] {
                    col += 1;
                }
                let top = y + (row + 4) as f32 * m;
                self.content.rect(
                    x + (start + 4) as f32 * m,
                    self.h - top - m,
                    (col - start) as f32 * m,
                    m,
                );
            }
        }
        self.content.fill_nonzero();
    }
}

/// A document under construction.
pub(crate) struct Doc {
    title: String,
    pages: Vec<Page>,
    images: Vec<Raster>,
}

impl Doc {
    pub(crate) fn new(title: &str) -> Self {
        Doc {
            title: title.to_string(),
            pages: Vec::new(),
            images: Vec::new(),
        }
    }

    /// Starts a new page of `size` points and returns it.
    pub(crate) fn page(&mut self, size: (f32, f32)) -> &mut Page {
        self.pages.push(Page {
            w: size.0,
            h: size.1,
            content: Content::new(),
            images: Vec::new(),
        });
        self.pages.last_mut().expect("a page was just pushed")
    }

    pub(crate) fn page_count(&self) -> usize {
        self.pages.len()
    }

    pub(crate) fn page_at(&mut self, i: usize) -> &mut Page {
        &mut self.pages[i]
    }

    /// Registers a decoded image; returns the handle [`Page::image`] takes.
    pub(crate) fn add_image(&mut self, raster: Raster) -> (usize, u32, u32) {
        let handle = (self.images.len(), raster.width, raster.height);
        self.images.push(raster);
        handle
    }

    /// Serialises the document.
    pub(crate) fn finish(self) -> Vec<u8> {
        let mut pdf = Pdf::new();
        let mut next = 1;
        let mut alloc = || {
            let r = Ref::new(next);
            next += 1;
            r
        };
        let catalog = alloc();
        let tree = alloc();
        let info = alloc();
        let regular = alloc();
        let bold = alloc();
        let image_ids: Vec<Ref> = self.images.iter().map(|_| alloc()).collect();
        let page_ids: Vec<(Ref, Ref)> = self.pages.iter().map(|_| (alloc(), alloc())).collect();

        pdf.catalog(catalog).pages(tree);
        pdf.document_info(info)
            .title(TextStr(&self.title))
            .producer(TextStr("sidik-dokumen"));
        pdf.pages(tree)
            .kids(page_ids.iter().map(|(p, _)| *p))
            .count(page_ids.len() as i32);
        for (id, base) in [(regular, "Helvetica"), (bold, "Helvetica-Bold")] {
            pdf.type1_font(id)
                .base_font(Name(base.as_bytes()))
                .encoding_predefined(Name(b"WinAnsiEncoding"));
        }
        for (raster, id) in self.images.iter().zip(&image_ids) {
            let mut x = pdf.image_xobject(*id, &raster.data);
            x.filter(Filter::FlateDecode);
            x.width(raster.width as i32);
            x.height(raster.height as i32);
            x.bits_per_component(8);
            if raster.gray {
                x.color_space().device_gray();
            } else {
                x.color_space().device_rgb();
            }
            x.finish();
        }
        for (page, (page_id, content_id)) in self.pages.into_iter().zip(&page_ids) {
            let mut p = pdf.page(*page_id);
            p.parent(tree)
                .media_box(Rect::new(0.0, 0.0, page.w, page.h))
                .contents(*content_id);
            let mut res = p.resources();
            res.fonts().pair(REGULAR, regular).pair(BOLD, bold);
            let mut xo = res.x_objects();
            for &i in &page.images {
                let name = format!("Im{i}");
                xo.pair(Name(name.as_bytes()), image_ids[i]);
            }
            xo.finish();
            res.finish();
            p.finish();
            let data = miniz_oxide::deflate::compress_to_vec_zlib(&page.content.finish(), 6);
            pdf.stream(*content_id, &data).filter(Filter::FlateDecode);
        }
        pdf.finish()
    }
}
