//! ISO/IEC 19794-2:2005 finger minutiae record format.
//!
//! Layout (big-endian): `FMR\0`, ` 20\0`, u32 total length, u16 capture equipment
//! (4-bit certification + 12-bit device type), u16 width, u16 height, u16 x and y
//! resolution (px/cm), u8 number of views, u8 reserved; then per view: u8 finger
//! position, u8 view number (high nibble) / impression type (low nibble), u8 quality,
//! u8 minutiae count, 6 bytes per minutia (2-bit type + 14-bit x, 2 reserved bits +
//! 14-bit y, u8 angle in 1/256 circle, u8 quality), u16 extended data length + data.
//!
//! Parsing is strict about structure (every truncation and every inconsistent length
//! is an error) and lenient about semantics the FVC records get wrong (minutiae outside
//! the declared image size are accepted).

use crate::template::{read_views, write_views, AngleUnits, Reader, Template, TemplateError};

pub use crate::template::{FingerView, Minutia, MinutiaKind};

const HEADER_LEN: usize = 24;

/// Decodes an ISO/IEC 19794-2:2005 record. Never panics.
pub fn parse(bytes: &[u8]) -> Result<Template, TemplateError> {
    let mut r = Reader::new(bytes);
    let magic = r.take(4, "format identifier")?;
    if magic != b"FMR\0" {
        return Err(TemplateError::BadMagic {
            found: [magic[0], magic[1], magic[2], magic[3]],
        });
    }
    let ver = r.take(4, "version")?;
    if ver != b" 20\0" {
        return Err(TemplateError::BadVersion {
            found: [ver[0], ver[1], ver[2], ver[3]],
        });
    }
    let declared = r.u32("record length")? as usize;
    if declared != bytes.len() {
        return Err(TemplateError::LengthMismatch {
            declared,
            actual: bytes.len(),
        });
    }
    let _equipment = r.u16("capture equipment")?;
    let width = r.u16("image width")?;
    let height = r.u16("image height")?;
    let x_res = r.u16("x resolution")?;
    let y_res = r.u16("y resolution")?;
    let nviews = r.u8("number of finger views")? as usize;
    let _reserved = r.u8("reserved byte")?;
    debug_assert_eq!(r.pos, HEADER_LEN);
    let views = read_views(&mut r, nviews, AngleUnits::Iso256)?;
    if r.remaining() != 0 {
        return Err(TemplateError::TrailingData {
            offset: r.pos,
            trailing: r.remaining(),
        });
    }
    Ok(Template {
        width,
        height,
        x_res,
        y_res,
        views,
    })
}

/// Encodes a template as an ISO/IEC 19794-2:2005 record (no extended data). Views beyond
/// 255 and minutiae beyond 255 per view are dropped; coordinates are masked to 14 bits.
pub fn write(t: &Template) -> Vec<u8> {
    let mut out = Vec::with_capacity(
        HEADER_LEN
            + t.views
                .iter()
                .map(|v| 6 + 6 * v.minutiae.len())
                .sum::<usize>(),
    );
    out.extend_from_slice(b"FMR\0 20\0");
    out.extend_from_slice(&[0, 0, 0, 0]); // length, patched below
    out.extend_from_slice(&0u16.to_be_bytes());
    for v in [t.width, t.height, t.x_res, t.y_res] {
        out.extend_from_slice(&v.to_be_bytes());
    }
    let views = &t.views[..t.views.len().min(255)];
    out.push(views.len() as u8);
    out.push(0);
    write_views(&mut out, views, AngleUnits::Iso256);
    let len = out.len() as u32;
    out[8..12].copy_from_slice(&len.to_be_bytes());
    out
}
