//! QR module matrices.

use qrcode::bits::Bits;
use qrcode::{Color, EcLevel, QrCode, Version};

/// A QR symbol: `width` × `width` modules, row-major, `true` = dark.
pub(crate) struct Matrix {
    pub(crate) modules: Vec<bool>,
    pub(crate) width: usize,
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
    fn other_text_and_overflow() {
        assert!(encode("https://sidik.example/status/abc").is_some());
        assert!(encode("").is_some());
        assert!(encode(&"x".repeat(5000)).is_none());
    }
}
