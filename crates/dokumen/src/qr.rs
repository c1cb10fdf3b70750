//! QR module matrices.

use qrcode::bits::Bits;
use qrcode::{Color, EcLevel, QrCode, Version};

/// A QR symbol: `width` × `width` modules, row-major, `true` = dark.
pub(crate) struct Matrix {
    pub(crate) modules: Vec<bool>,
    pub(crate) width: usize,
}

impl Matrix {
    /// Width of a symbol drawn `symbol` points wide plus its 4-module quiet
    /// zone on each side.
    pub(crate) fn outer(&self, symbol: f32) -> f32 {
        if self.width == 0 {
            return symbol;
        }
        symbol * (self.width + 8) as f32 / self.width as f32
    }
}

/// One pixel at 150 dpi in points. Module sizes and symbol positions are
/// multiples of it, so every module covers whole device pixels at 150, 300
/// and 600 dpi and prints (and scans) with even edges.
pub(crate) const GRID_PT: f32 = 72.0 / 150.0;

/// Snaps a coordinate (points from the page's top-left corner) to the grid.
pub(crate) fn snap(v: f32) -> f32 {
    (v / GRID_PT).round() * GRID_PT
}

/// The symbol width in points for `n` modules: close to `target_mm`, never
/// below `min_mm` nor with modules under `min_module_mm`, and at most
/// `max_mm` (which wins), with the module size a multiple of [`GRID_PT`].
pub(crate) fn symbol_pt(
    n: usize,
    target_mm: f32,
    min_mm: f32,
    min_module_mm: f32,
    max_mm: f32,
) -> f32 {
    let n_f = n.max(1) as f32;
    let units = |mm: f32| mm / 25.4 * 72.0 / n_f / GRID_PT;
    let mut u = units(target_mm).round();
    u = u.max(units(min_mm).ceil());
    u = u.max((min_module_mm / 25.4 * 72.0 / GRID_PT).ceil());
    u = u.min(units(max_mm).floor()).max(1.0);
    u * GRID_PT * n_f
}

/// True for the 45 characters of the QR alphanumeric mode (which is also
/// the Base45 alphabet).
fn is_alphanumeric(b: u8) -> bool {
    matches!(b, b'0'..=b'9' | b'A'..=b'Z' | b' ' | b'$' | b'%' | b'*' | b'+' | b'-' | b'.' | b'/' | b':')
}

/// Encodes `text` with error correction level M (L if M cannot hold it):
/// one alphanumeric segment when every character allows it, the library's
/// optimal segmentation otherwise. `None` when no QR version can hold it.
pub(crate) fn encode(text: &str) -> Option<Matrix> {
    let data = text.as_bytes();
    [EcLevel::M, EcLevel::L].into_iter().find_map(|ec| {
        let code = if !data.is_empty() && data.iter().all(|&b| is_alphanumeric(b)) {
            alphanumeric(data, ec)
        } else {
            QrCode::with_error_correction_level(data, ec).ok()
        }?;
        Some(Matrix {
            width: code.width(),
            modules: code
                .to_colors()
                .into_iter()
                .map(|c| c == Color::Dark)
                .collect(),
        })
    })
}

/// The smallest symbol that holds `data` as a single alphanumeric segment.
fn alphanumeric(data: &[u8], ec: EcLevel) -> Option<QrCode> {
    (1..=40).find_map(|v| {
        let mut bits = Bits::new(Version::Normal(v));
        bits.push_alphanumeric_data(data).ok()?;
        bits.push_terminator(ec).ok()?;
        QrCode::with_bits(bits, ec).ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alphanumeric_payload_uses_a_small_symbol() {
        let text = "NCFOXN%TS3DH3ZSUZK+.V0ETOF5".repeat(8);
        let m = encode(&text).expect("fits");
        // 216 alphanumerics at level M fit version 8 (49 modules); byte mode
        // would need version 10 or more.
        assert!(m.width <= 49, "width {}", m.width);
        assert_eq!(m.modules.len(), m.width * m.width);
    }

    #[test]
    fn symbol_sizes_snap_to_whole_pixels() {
        for n in [21, 45, 69, 89, 105, 177] {
            let w = symbol_pt(n, 50.0, 45.0, 0.6, 80.0);
            let module_px = w / n as f32 / GRID_PT;
            assert!((module_px - module_px.round()).abs() < 1e-3, "n={n}");
            let mm = w / 72.0 * 25.4;
            assert!(mm <= 80.0 + 1e-3, "n={n}: {mm} mm");
            if n <= 105 {
                assert!(mm >= 45.0, "n={n}: {mm} mm");
            }
        }
    }

    #[test]
    fn other_text_and_overflow() {
        assert!(encode("https://sidik.example/status/abc").is_some());
        assert!(encode("").is_some());
        assert!(encode(&"x".repeat(5000)).is_none());
    }
}
