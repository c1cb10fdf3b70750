//! WinAnsi encoding and Helvetica text metrics.
//!
//! All layout works on WinAnsi-encoded bytes: a string is encoded once and
//! every width, wrap and truncation decision is made on the bytes that end up
//! in the content stream, so no char boundary can be split.

/// One of the two standard-14 fonts the documents use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Font {
    Regular,
    Bold,
}

/// Helvetica advance widths (AFM, 1/1000 em) for the bytes 32..=126.
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278,
    278, // ' '..'/'
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584,
    556, // '0'..'?'
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722,
    778, // '@'..'O'
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469,
    556, // 'P'..'_'
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556,
    556, // '`'..'o'
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, // 'p'..'~'
];

/// Helvetica-Bold advance widths (AFM, 1/1000 em) for the bytes 32..=126.
const HELVETICA_BOLD: [u16; 95] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278,
    278, // ' '..'/'
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584,
    611, // '0'..'?'
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722,
    778, // '@'..'O'
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584,
    556, // 'P'..'_'
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611,
    611, // '`'..'o'
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584, // 'p'..'~'
];

/// The characters WinAnsiEncoding places in 0x80..=0x9F.
const WIN_ANSI_HIGH: [(char, u8); 27] = [
    ('€', 0x80),
    ('‚', 0x82),
    ('ƒ', 0x83),
    ('„', 0x84),
    ('…', 0x85),
    ('†', 0x86),
    ('‡', 0x87),
    ('ˆ', 0x88),
    ('‰', 0x89),
    ('Š', 0x8A),
    ('‹', 0x8B),
    ('Œ', 0x8C),
    ('Ž', 0x8E),
    ('‘', 0x91),
    ('’', 0x92),
    ('“', 0x93),
    ('”', 0x94),
    ('•', 0x95),
    ('–', 0x96),
    ('—', 0x97),
    ('˜', 0x98),
    ('™', 0x99),
    ('š', 0x9A),
    ('›', 0x9B),
    ('œ', 0x9C),
    ('ž', 0x9E),
    ('Ÿ', 0x9F),
];

/// Encodes `s` in WinAnsiEncoding. Whitespace and control characters become
/// a space; anything WinAnsi cannot show becomes `?`.
pub(crate) fn encode(s: &str) -> Vec<u8> {
    s.chars().map(encode_char).collect()
}

fn encode_char(c: char) -> u8 {
    match c {
        ' '..='~' => c as u8,
        '\u{A0}' => b' ',
        '\u{A1}'..='\u{FF}' => c as u32 as u8,
        c if c.is_whitespace() || c.is_control() => b' ',
        c => WIN_ANSI_HIGH
            .iter()
            .find(|(k, _)| *k == c)
            .map_or(b'?', |(_, b)| *b),
    }
}

/// Advance width of one encoded byte in 1/1000 em.
fn byte_width(b: u8, font: Font) -> u16 {
    let table = match font {
        Font::Regular => &HELVETICA,
        Font::Bold => &HELVETICA_BOLD,
    };
    match b {
        32..=126 => table[usize::from(b - 32)],
        // Ellipsis, dashes, per mille, trade mark, ligatures and the like.
        0x85 | 0x89 | 0x8C | 0x97 | 0x99 | 0x9C | 0xC6 | 0xE6 => 1000,
        // A conservative estimate for the accented Latin-1 letters.
        _ => 667,
    }
}

/// Width in points of encoded `text` at `size`.
pub(crate) fn width(text: &[u8], font: Font, size: f32) -> f32 {
    let units: u32 = text.iter().map(|&b| u32::from(byte_width(b, font))).sum();
    units as f32 * size / 1000.0
}

/// The largest size from `size` down to `min` (in steps of 0.25 pt) at which
/// `text` fits into `max_w`; `min` if none does.
pub(crate) fn fit_size(text: &[u8], font: Font, size: f32, min: f32, max_w: f32) -> f32 {
    let natural = width(text, font, 1.0);
    if natural <= 0.0 || natural * size <= max_w {
        return size;
    }
    let exact = max_w / natural;
    let stepped = (exact * 4.0).floor() / 4.0;
    stepped.clamp(min, size)
}

/// Cuts `text` so that it, followed by "...", fits into `max_w`.
pub(crate) fn truncate(text: &[u8], font: Font, size: f32, max_w: f32) -> Vec<u8> {
    if width(text, font, size) <= max_w {
        return text.to_vec();
    }
    let dots = width(b"...", font, size);
    let mut out = Vec::new();
    let mut used = 0.0;
    for &b in text {
        let w = width(&[b], font, size);
        if used + w + dots > max_w {
            break;
        }
        used += w;
        out.push(b);
    }
    out.extend_from_slice(b"...");
    out
}

/// Greedy word wrap of encoded `text` into lines no wider than `max_w`.
/// Words wider than a line are broken between characters. Never returns an
/// empty vector.
pub(crate) fn wrap(text: &[u8], font: Font, size: f32, max_w: f32) -> Vec<Vec<u8>> {
    let space = width(b" ", font, size);
    let mut lines: Vec<Vec<u8>> = Vec::new();
    let mut line: Vec<u8> = Vec::new();
    let mut line_w = 0.0;
    for word in text.split(|&b| b == b' ').filter(|w| !w.is_empty()) {
        let word_w = width(word, font, size);
        let sep = if line.is_empty() { 0.0 } else { space };
        if line_w + sep + word_w <= max_w {
            if !line.is_empty() {
                line.push(b' ');
            }
            line.extend_from_slice(word);
            line_w += sep + word_w;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
            line_w = 0.0;
        }
        if word_w <= max_w {
            line.extend_from_slice(word);
            line_w = word_w;
            continue;
        }
        for &b in word {
            let w = width(&[b], font, size);
            if line_w + w > max_w && !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                line_w = 0.0;
            }
            line.push(b);
            line_w += w;
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_winansi_and_replaces_the_rest() {
        assert_eq!(encode("Rp 5.000"), b"Rp 5.000");
        assert_eq!(encode("é"), vec![0xE9]);
        assert_eq!(encode("€"), vec![0x80]);
        assert_eq!(encode("a\tb\nc"), b"a b c");
        assert_eq!(encode("世界🙂"), b"???");
    }

    #[test]
    fn helvetica_widths_match_the_afm() {
        assert_eq!(width(b"NIK", Font::Regular, 1000.0), 722.0 + 278.0 + 667.0);
        assert_eq!(width(b"W", Font::Bold, 10.0), 9.44);
        assert_eq!(width(b"i", Font::Regular, 10.0), 2.22);
    }

    #[test]
    fn wraps_words_and_breaks_long_ones() {
        let lines = wrap(b"satu dua tiga empat", Font::Regular, 10.0, 45.0);
        assert!(lines.len() > 1);
        for l in &lines {
            assert!(width(l, Font::Regular, 10.0) <= 45.0);
        }
        let long = wrap(&[b'M'; 50], Font::Regular, 10.0, 40.0);
        assert!(long.len() > 5);
        assert_eq!(long.concat().len(), 50);
    }

    #[test]
    fn fit_and_truncate() {
        let t = b"KOTA JAKARTA UTARA";
        let s = fit_size(t, Font::Bold, 10.0, 4.0, 50.0);
        assert!(s < 10.0 && width(t, Font::Bold, s) <= 50.0);
        let cut = truncate(t, Font::Bold, 10.0, 50.0);
        assert!(cut.ends_with(b"...") && width(&cut, Font::Bold, 10.0) <= 50.0);
    }
}
