//! Photo and signature decoding: PNG or JPEG in, a Flate-compressed 8-bit
//! raster out. Alpha is flattened on white; oversized images are scaled down.

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, ImageReader, Limits};

/// Larger sides are scaled down to this many pixels (about 600 dpi for a
/// 28 mm photo) to keep the PDFs small.
const MAX_SIDE: u32 = 660;

/// A decoded image ready for an image XObject.
pub(crate) struct Raster {
    pub(crate) width: u32,
    pub(crate) height: u32,
    /// DeviceGray when true, DeviceRGB otherwise.
    pub(crate) gray: bool,
    /// zlib-compressed samples, 8 bits per component.
    pub(crate) data: Vec<u8>,
}

/// Decodes PNG or JPEG `bytes`; `None` for anything else, anything broken
/// and anything absurdly large.
pub(crate) fn decode(bytes: &[u8]) -> Option<Raster> {
    let format = image::guess_format(bytes).ok()?;
    if !matches!(format, ImageFormat::Png | ImageFormat::Jpeg) {
        return None;
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(10_000);
    limits.max_image_height = Some(10_000);
    limits.max_alloc = Some(256 * 1024 * 1024);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits);
    let img = reader.decode().ok()?;
    if img.width() == 0 || img.height() == 0 {
        return None;
    }
    let img = if img.width().max(img.height()) > MAX_SIDE {
        img.thumbnail(MAX_SIDE, MAX_SIDE)
    } else {
        img
    };
    Some(flatten(&img))
}

fn flatten(img: &DynamicImage) -> Raster {
    let gray = !img.color().has_color();
    let has_alpha = img.color().has_alpha();
    let (width, height) = (img.width(), img.height());
    let samples: Vec<u8> = match (gray, has_alpha) {
        (true, false) => img.to_luma8().into_raw(),
        (false, false) => img.to_rgb8().into_raw(),
        (true, true) => img
            .to_luma_alpha8()
            .pixels()
            .map(|p| on_white(p.0[0], p.0[1]))
            .collect(),
        (false, true) => img
            .to_rgba8()
            .pixels()
            .flat_map(|p| {
                let a = p.0[3];
                [
                    on_white(p.0[0], a),
                    on_white(p.0[1], a),
                    on_white(p.0[2], a),
                ]
            })
            .collect(),
    };
    Raster {
        width,
        height,
        gray,
        data: miniz_oxide::deflate::compress_to_vec_zlib(&samples, 6),
    }
}

/// Composites one channel value with coverage `a` over white.
fn on_white(v: u8, a: u8) -> u8 {
    let (v, a) = (u32::from(v), u32::from(a));
    ((v * a + 255 * (255 - a) + 127) / 255) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alpha_flattens_on_white() {
        assert_eq!(on_white(0, 0), 255);
        assert_eq!(on_white(0, 255), 0);
        assert_eq!(on_white(100, 255), 100);
    }

    #[test]
    fn garbage_is_none() {
        assert!(decode(b"").is_none());
        assert!(decode(b"\x89PNG\r\n\x1a\nnot really").is_none());
        assert!(decode(b"\xFF\xD8\xFF\xE0 broken jpeg").is_none());
    }

    #[test]
    fn decodes_a_png() {
        let mut buf = Vec::new();
        let img = DynamicImage::new_rgba8(3, 2);
        img.write_to(&mut Cursor::new(&mut buf), ImageFormat::Png)
            .expect("encode");
        let r = decode(&buf).expect("decodes");
        assert_eq!((r.width, r.height, r.gray), (3, 2, false));
        let raw = miniz_oxide::inflate::decompress_to_vec_zlib(&r.data).expect("inflate");
        assert_eq!(raw, vec![255; 18]);
    }
}
