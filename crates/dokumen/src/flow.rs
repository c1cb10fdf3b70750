//! Top-to-bottom layout with automatic page breaks, for the documents whose
//! length depends on their data (receipt, Suket, batch sheet).

use crate::canvas::{Doc, Page};
use crate::text::{self, Font};

/// A cursor running down the pages of a [`Doc`].
pub(crate) struct Flow<'a> {
    pub(crate) doc: &'a mut Doc,
    size: (f32, f32),
    /// Left margin and usable width.
    pub(crate) left: f32,
    pub(crate) width: f32,
    top: f32,
    bottom: f32,
    /// Current position (points from the top of the current page).
    pub(crate) y: f32,
}

impl<'a> Flow<'a> {
    /// Starts a first page of `size` with `margin` points on every side.
    pub(crate) fn new(doc: &'a mut Doc, size: (f32, f32), margin: f32) -> Self {
        doc.page(size);
        Flow {
            doc,
            size,
            left: margin,
            width: size.0 - 2.0 * margin,
            top: margin,
            bottom: size.1 - margin,
            y: margin,
        }
    }

    pub(crate) fn page(&mut self) -> &mut Page {
        let last = self.doc.page_count() - 1;
        self.doc.page_at(last)
    }

    /// Starts a new page.
    pub(crate) fn break_page(&mut self) {
        self.doc.page(self.size);
        self.y = self.top;
    }

    /// Makes sure `h` points fit below the cursor; breaks the page if not.
    /// Returns true when a new page was started.
    pub(crate) fn ensure(&mut self, h: f32) -> bool {
        if self.y + h > self.bottom && self.y > self.top {
            self.break_page();
            return true;
        }
        false
    }

    /// Moves the cursor down.
    pub(crate) fn skip(&mut self, h: f32) {
        self.y += h;
    }

    /// The baseline [`Flow::paragraph`] gives its next line.
    pub(crate) fn next_baseline(&self, size: f32, leading: f32) -> f32 {
        self.y + leading - (leading - size) / 2.0 - size * 0.2
    }

    /// Word-wrapped text at `x` (absolute) within `max_w`, one line per
    /// `leading`, breaking pages between lines. Explicit newlines are kept.
    pub(crate) fn paragraph(
        &mut self,
        x: f32,
        max_w: f32,
        font: Font,
        size: f32,
        leading: f32,
        s: &str,
    ) {
        for part in s.split('\n') {
            for line in text::wrap(&text::encode(part), font, size, max_w) {
                self.ensure(leading);
                self.y += leading;
                let y = self.y - (leading - size) / 2.0 - size * 0.2;
                let page = self.page();
                page.raw(x, y, font, size, &line);
            }
        }
    }

    /// Word-wrapped text centred on the page's text column.
    pub(crate) fn centered(&mut self, font: Font, size: f32, leading: f32, s: &str) {
        let cx = self.left + self.width / 2.0;
        for line in text::wrap(&text::encode(s), font, size, self.width) {
            self.ensure(leading);
            self.y += leading;
            let y = self.y - (leading - size) / 2.0 - size * 0.2;
            let x = cx - text::width(&line, font, size) / 2.0;
            self.page().raw(x, y, font, size, &line);
        }
    }

    /// A thin rule across the text column, with `gap` points above and below.
    pub(crate) fn rule(&mut self, gap: f32) {
        self.ensure(2.0 * gap);
        self.y += gap;
        let (x, w, y) = (self.left, self.width, self.y);
        self.page().line(x, y, x + w, y, 0.6);
        self.y += gap;
    }

    /// A "label : value" row; the value wraps under itself.
    pub(crate) fn row(&mut self, label: &str, value: &str, label_w: f32, size: f32) {
        let lead = size * 1.45;
        self.ensure(lead);
        let (x, y0) = (self.left, self.y);
        let first_page = self.doc.page_count();
        let value_x = x + label_w + size;
        self.paragraph(
            value_x,
            self.left + self.width - value_x,
            Font::Regular,
            size,
            lead,
            value,
        );
        // Draw the label on the page where the value started.
        let page = self.doc.page_at(first_page - 1);
        let base = y0 + lead - (lead - size) / 2.0 - size * 0.2;
        page.text_fit(
            x,
            base,
            label_w,
            Font::Regular,
            (size, size * 0.6),
            label,
            crate::canvas::Align::Left,
        );
        page.text(x + label_w + size * 0.2, base, Font::Regular, size, ":");
    }
}
