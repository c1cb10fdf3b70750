//! Rendering a Suket QR into PNG/JPEG images and reading it back.

mod common;

use common::*;
use image::{GrayImage, ImageFormat, Luma};
use qrcode::{Color, EcLevel, QrCode};
use sidik_suket::{encode, qr_text_from_image, verify, ImageError, Verdict};

const MODULE_PX: u32 = 4;
const QUIET_ZONE: u32 = 4;

/// Draws the QR modules into a grey image, 4 px per module, 4-module quiet zone.
fn render(text: &str) -> GrayImage {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).unwrap();
    let width = code.width() as u32;
    let side = (width + 2 * QUIET_ZONE) * MODULE_PX;
    let colors = code.to_colors();
    GrayImage::from_fn(side, side, |x, y| {
        let (mx, my) = (x / MODULE_PX, y / MODULE_PX);
        let inside = (QUIET_ZONE..QUIET_ZONE + width).contains(&mx)
            && (QUIET_ZONE..QUIET_ZONE + width).contains(&my);
        let dark = inside
            && colors[((my - QUIET_ZONE) * width + (mx - QUIET_ZONE)) as usize] == Color::Dark;
        Luma([if dark { 0 } else { 255 }])
    })
}

fn to_bytes(image: &GrayImage, format: ImageFormat) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    image.write_to(&mut out, format).unwrap();
    out.into_inner()
}

#[test]
fn png_round_trip() {
    let qr = encode(&claims(), &office_key()).unwrap();
    let png = to_bytes(&render(&qr), ImageFormat::Png);
    let text = qr_text_from_image(&png).unwrap();
    assert_eq!(text, qr);
    assert_eq!(verify(&text, &trust(), NOW).verdict, Verdict::Valid);
}

#[test]
fn the_qr_stays_printable() {
    let qr = encode(&claims(), &office_key()).unwrap();
    let code = QrCode::with_error_correction_level(qr.as_bytes(), EcLevel::M).unwrap();
    let qrcode::Version::Normal(version) = code.version() else {
        panic!("micro QR");
    };
    // Version 15 is 77x77 modules: about 2.6 cm at 0.33 mm per module.
    assert!(
        version <= 15,
        "version {version} for {} characters",
        qr.len()
    );
    eprintln!("QR version {version} (level M) for {} characters", qr.len());
}

#[test]
fn jpeg_round_trip() {
    let qr = encode(&claims(), &office_key()).unwrap();
    let jpeg = to_bytes(&render(&qr), ImageFormat::Jpeg);
    assert_eq!(qr_text_from_image(&jpeg).unwrap(), qr);
}

#[test]
fn an_image_without_a_qr_code_is_refused() {
    let blank = GrayImage::from_pixel(64, 64, Luma([255]));
    let png = to_bytes(&blank, ImageFormat::Png);
    assert_eq!(qr_text_from_image(&png), Err(ImageError::NoQrCode));
}

#[test]
fn oversized_images_are_refused_before_decoding() {
    let wide = GrayImage::from_pixel(4097, 1, Luma([255]));
    let png = to_bytes(&wide, ImageFormat::Png);
    assert_eq!(qr_text_from_image(&png), Err(ImageError::TooBig(4097, 1)));
    let huge = vec![0u8; 16 * 1024 * 1024 + 1];
    assert!(matches!(
        qr_text_from_image(&huge),
        Err(ImageError::TooLarge(_))
    ));
}

#[test]
fn other_formats_are_refused() {
    let gif = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;";
    assert_eq!(qr_text_from_image(gif), Err(ImageError::UnsupportedFormat));
    assert_eq!(qr_text_from_image(b""), Err(ImageError::UnsupportedFormat));
}
