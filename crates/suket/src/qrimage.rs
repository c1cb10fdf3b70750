//! Reading a QR text out of a PNG or JPEG photo or scan.

use std::io::Cursor;
use std::panic::{catch_unwind, AssertUnwindSafe};

use image::{ImageFormat, ImageReader, Limits};

/// Inputs larger than this (16 MiB) are refused.
pub const MAX_IMAGE_BYTES: usize = 16 * 1024 * 1024;
/// Images wider or taller than this are refused.
pub const MAX_IMAGE_SIDE: u32 = 4096;

/// Why no QR text could be read from an image.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ImageError {
    #[error("image too large: {0} bytes (max {MAX_IMAGE_BYTES})")]
    TooLarge(usize),
    #[error("image dimensions {0}x{1} exceed {MAX_IMAGE_SIDE}x{MAX_IMAGE_SIDE}")]
    TooBig(u32, u32),
    #[error("not a PNG or JPEG image")]
    UnsupportedFormat,
    #[error("cannot decode image: {0}")]
    Decode(String),
    #[error("no readable QR code found")]
    NoQrCode,
}

fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_SIDE);
    limits.max_image_height = Some(MAX_IMAGE_SIDE);
    // A 4096x4096 RGBA16 frame is 128 MiB; allow that and no more.
    limits.max_alloc = Some(160 * 1024 * 1024);
    limits
}

fn reader(bytes: &[u8]) -> Result<ImageReader<Cursor<&[u8]>>, ImageError> {
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| ImageError::Decode(e.to_string()))?;
    match reader.format() {
        Some(ImageFormat::Png) | Some(ImageFormat::Jpeg) => Ok(reader),
        _ => Err(ImageError::UnsupportedFormat),
    }
}

fn decode_luma(bytes: &[u8]) -> Result<image::GrayImage, ImageError> {
    let (width, height) = reader(bytes)?
        .into_dimensions()
        .map_err(|e| ImageError::Decode(e.to_string()))?;
    if width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE {
        return Err(ImageError::TooBig(width, height));
    }
    let mut reader = reader(bytes)?;
    reader.limits(limits());
    let image = reader
        .decode()
        .map_err(|e| ImageError::Decode(e.to_string()))?;
    Ok(image.to_luma8())
}

fn find_qr(luma: image::GrayImage) -> Option<String> {
    let (width, height) = luma.dimensions();
    let mut prepared =
        rqrr::PreparedImage::prepare_from_greyscale(width as usize, height as usize, |x, y| {
            luma.get_pixel(x as u32, y as u32).0[0]
        });
    prepared
        .detect_grids()
        .into_iter()
        .find_map(|grid| grid.decode().ok().map(|(_meta, content)| content))
}

/// Decodes a PNG or JPEG image and returns the text of the first readable
/// QR code in it.
///
/// Refuses inputs over [`MAX_IMAGE_BYTES`] and images over
/// [`MAX_IMAGE_SIDE`]² before decoding pixels. Never panics: a panic inside
/// the image or QR decoders is caught and reported as an error.
pub fn qr_text_from_image(bytes: &[u8]) -> Result<String, ImageError> {
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(ImageError::TooLarge(bytes.len()));
    }
    let luma = catch_unwind(AssertUnwindSafe(|| decode_luma(bytes)))
        .map_err(|_| ImageError::Decode("image decoder failed".into()))??;
    catch_unwind(AssertUnwindSafe(|| find_qr(luma)))
        .ok()
        .flatten()
        .ok_or(ImageError::NoQrCode)
}
