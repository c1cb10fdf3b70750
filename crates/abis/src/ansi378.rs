//! ANSI INCITS 378-2004 finger minutiae record format (read and write).
//!
//! Same view and minutia layout as ISO 19794-2 but with a different header: `FMR\0`,
//! ` 20\0`, u16 record length (or `0` followed by a u32 length when above 65535), u32
//! CBEFF product identifier, u16 capture equipment, u16 width, u16 height, u16 x and y
//! resolution, u8 number of views, u8 reserved. Minutia angles are in units of 2 degrees
//! (0..=179); they are converted to the ISO 1/256-circle units of [`crate::Minutia`].

use crate::template::{read_views, write_views, AngleUnits, Reader, Template, TemplateError};

/// Decodes an ANSI INCITS 378-2004 record. Never panics.
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
    let short = r.u16("record length")? as usize;
    let declared = if short == 0 {
        r.u32("extended record length")? as usize
    } else {
        short
    };
    if declared != bytes.len() {
        return Err(TemplateError::LengthMismatch {
            declared,
            actual: bytes.len(),
        });
    }
    let _cbeff = r.u32("CBEFF product identifier")?;
    let _equipment = r.u16("capture equipment")?;
    let width = r.u16("image width")?;
    let height = r.u16("image height")?;
    let x_res = r.u16("x resolution")?;
    let y_res = r.u16("y resolution")?;
    let nviews = r.u8("number of finger views")? as usize;
    let _reserved = r.u8("reserved byte")?;
    let views = read_views(&mut r, nviews, AngleUnits::Ansi2Deg)?;
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

/// Encodes a template as an ANSI INCITS 378-2004 record (angles rounded to 2 degrees).
pub fn write(t: &Template) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&0u32.to_be_bytes()); // CBEFF product id
    body.extend_from_slice(&0u16.to_be_bytes()); // capture equipment
    for v in [t.width, t.height, t.x_res, t.y_res] {
        body.extend_from_slice(&v.to_be_bytes());
    }
    let views = &t.views[..t.views.len().min(255)];
    body.push(views.len() as u8);
    body.push(0);
    write_views(&mut body, views, AngleUnits::Ansi2Deg);
    let mut out = Vec::with_capacity(body.len() + 14);
    out.extend_from_slice(b"FMR\0 20\0");
    let short_total = 10 + body.len();
    if short_total <= 0xffff {
        out.extend_from_slice(&(short_total as u16).to_be_bytes());
    } else {
        out.extend_from_slice(&0u16.to_be_bytes());
        out.extend_from_slice(&((short_total + 4) as u32).to_be_bytes());
    }
    out.extend_from_slice(&body);
    out
}
