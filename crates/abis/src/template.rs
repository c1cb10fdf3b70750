//! In-memory finger minutiae template, shared by the ISO and ANSI codecs.

/// Kind of a minutia as coded in ISO/IEC 19794-2 and ANSI INCITS 378 (2 bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MinutiaKind {
    /// Code `00`: other / unknown.
    Other,
    /// Code `01`: ridge ending.
    Ending,
    /// Code `10`: ridge bifurcation.
    Bifurcation,
}

impl MinutiaKind {
    /// The 2-bit code used on the wire.
    pub fn code(self) -> u8 {
        match self {
            MinutiaKind::Other => 0,
            MinutiaKind::Ending => 1,
            MinutiaKind::Bifurcation => 2,
        }
    }

    /// Decodes a 2-bit code; `3` is reserved and gives `None`.
    pub fn from_code(code: u8) -> Option<Self> {
        match code {
            0 => Some(MinutiaKind::Other),
            1 => Some(MinutiaKind::Ending),
            2 => Some(MinutiaKind::Bifurcation),
            _ => None,
        }
    }
}

/// One minutia. Coordinates are pixels (origin top-left, y down); `angle` is in ISO
/// units of 1/256 of a full circle, counter-clockwise from the x axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Minutia {
    pub kind: MinutiaKind,
    /// 14-bit x coordinate.
    pub x: u16,
    /// 14-bit y coordinate.
    pub y: u16,
    /// Direction in 1/256 of a circle (1.40625 degrees per unit).
    pub angle: u8,
    /// Minutia quality 0-100 (0 = not reported).
    pub quality: u8,
}

/// One finger view (one impression of one finger).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FingerView {
    /// ISO/ANSI finger position 0-10 (0 unknown, 1 right thumb ... 10 left little).
    pub position: u8,
    /// View number 0-15 (several views of the same finger in one record).
    pub view_number: u8,
    /// Impression type 0-15 (0 live-scan plain, 1 live-scan rolled, ...).
    pub impression: u8,
    /// Finger quality 0-100.
    pub quality: u8,
    pub minutiae: Vec<Minutia>,
}

/// A finger minutiae record: image geometry plus one or more finger views.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// Image width in pixels, as declared by the record (not checked against minutiae).
    pub width: u16,
    pub height: u16,
    /// Resolution in pixels per centimetre (197 ≈ 500 dpi).
    pub x_res: u16,
    pub y_res: u16,
    pub views: Vec<FingerView>,
}

/// Why a record could not be decoded. Offsets are byte offsets into the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("record truncated: need {needed} bytes at offset {offset} for {what}, only {available} available")]
    Truncated {
        what: &'static str,
        offset: usize,
        needed: usize,
        available: usize,
    },
    #[error("bad format identifier {found:?}, expected \"FMR\\0\"")]
    BadMagic { found: [u8; 4] },
    #[error("unsupported version {found:?}, expected \" 20\\0\"")]
    BadVersion { found: [u8; 4] },
    #[error("record length field says {declared} bytes but {actual} bytes were given")]
    LengthMismatch { declared: usize, actual: usize },
    #[error("{trailing} unexplained bytes after the last finger view at offset {offset}")]
    TrailingData { offset: usize, trailing: usize },
    #[error("view {view}: finger position {position} is not in 0..=10")]
    BadFingerPosition { view: usize, position: u8 },
    #[error("view {view}: finger quality {quality} is above 100")]
    BadQuality { view: usize, quality: u8 },
    #[error("view {view} minutia {index}: reserved minutia type code 3")]
    BadMinutiaType { view: usize, index: usize },
    #[error("view {view} minutia {index}: angle {angle} out of range (ANSI units of 2 degrees are 0..=179)")]
    BadAngle {
        view: usize,
        index: usize,
        angle: u8,
    },
    #[error("view {view} minutia {index}: quality {quality} is above 100")]
    BadMinutiaQuality {
        view: usize,
        index: usize,
        quality: u8,
    },
    #[error("extended data block at offset {offset} is malformed: {reason}")]
    BadExtendedData { offset: usize, reason: &'static str },
    #[error("template cannot be encoded: {0}")]
    Unencodable(&'static str),
}

/// Big-endian cursor that reports precise truncation errors.
pub(crate) struct Reader<'a> {
    pub buf: &'a [u8],
    pub pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }
    pub fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], TemplateError> {
        let avail = self.buf.len().saturating_sub(self.pos);
        if avail < n {
            return Err(TemplateError::Truncated {
                what,
                offset: self.pos,
                needed: n,
                available: avail,
            });
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }
    pub fn u8(&mut self, what: &'static str) -> Result<u8, TemplateError> {
        Ok(self.take(1, what)?[0])
    }
    pub fn u16(&mut self, what: &'static str) -> Result<u16, TemplateError> {
        let s = self.take(2, what)?;
        Ok(u16::from_be_bytes([s[0], s[1]]))
    }
    pub fn u32(&mut self, what: &'static str) -> Result<u32, TemplateError> {
        let s = self.take(4, what)?;
        Ok(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
    }
    pub fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }
}

/// Angle units used by a codec.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum AngleUnits {
    /// ISO 19794-2:2005: 1/256 of a circle.
    Iso256,
    /// ANSI INCITS 378-2004: 2 degrees, 0..=179.
    Ansi2Deg,
}

/// Reads the finger views shared by both formats (after the record header).
pub(crate) fn read_views(
    r: &mut Reader<'_>,
    count: usize,
    units: AngleUnits,
) -> Result<Vec<FingerView>, TemplateError> {
    let mut views = Vec::with_capacity(count.min(16));
    for v in 0..count {
        let position = r.u8("finger position")?;
        if position > 10 {
            return Err(TemplateError::BadFingerPosition { view: v, position });
        }
        let vi = r.u8("view number / impression type")?;
        let quality = r.u8("finger quality")?;
        if quality > 100 {
            return Err(TemplateError::BadQuality { view: v, quality });
        }
        let n = r.u8("number of minutiae")? as usize;
        let raw = r.take(n * 6, "minutiae")?;
        let mut minutiae = Vec::with_capacity(n);
        for (index, m) in raw.chunks_exact(6).enumerate() {
            let kind = MinutiaKind::from_code(m[0] >> 6)
                .ok_or(TemplateError::BadMinutiaType { view: v, index })?;
            let x = u16::from_be_bytes([m[0] & 0x3f, m[1]]);
            let y = u16::from_be_bytes([m[2] & 0x3f, m[3]]);
            let angle = match units {
                AngleUnits::Iso256 => m[4],
                AngleUnits::Ansi2Deg => {
                    if m[4] > 179 {
                        return Err(TemplateError::BadAngle {
                            view: v,
                            index,
                            angle: m[4],
                        });
                    }
                    // 2 degrees -> 1/256 circle, rounded.
                    (((m[4] as u32 * 2 * 256 + 180) / 360) % 256) as u8
                }
            };
            let q = m[5];
            if q > 100 {
                return Err(TemplateError::BadMinutiaQuality {
                    view: v,
                    index,
                    quality: q,
                });
            }
            minutiae.push(Minutia {
                kind,
                x,
                y,
                angle,
                quality: q,
            });
        }
        // Extended data: total length of the blocks that follow (0 = none). Each block is
        // type (u16), length (u16, including its 4-byte header), data. Skipped leniently,
        // but the declared lengths must be consistent.
        let ext_off = r.pos;
        let ext_len = r.u16("extended data length")? as usize;
        let ext = r.take(ext_len, "extended data")?;
        let mut p = 0;
        while p < ext.len() {
            if ext.len() - p < 4 {
                return Err(TemplateError::BadExtendedData {
                    offset: ext_off + 2 + p,
                    reason: "block header cut short",
                });
            }
            let bl = u16::from_be_bytes([ext[p + 2], ext[p + 3]]) as usize;
            if bl < 4 || bl > ext.len() - p {
                return Err(TemplateError::BadExtendedData {
                    offset: ext_off + 2 + p,
                    reason: "block length inconsistent with the extended data length",
                });
            }
            p += bl;
        }
        views.push(FingerView {
            position,
            view_number: vi >> 4,
            impression: vi & 0x0f,
            quality,
            minutiae,
        });
    }
    Ok(views)
}

/// Writes the finger views shared by both formats.
pub(crate) fn write_views(out: &mut Vec<u8>, views: &[FingerView], units: AngleUnits) {
    for v in views {
        out.push(v.position);
        out.push(((v.view_number & 0x0f) << 4) | (v.impression & 0x0f));
        out.push(v.quality);
        let n = v.minutiae.len().min(255);
        out.push(n as u8);
        for m in &v.minutiae[..n] {
            let x = m.x & 0x3fff;
            let y = m.y & 0x3fff;
            out.push((m.kind.code() << 6) | (x >> 8) as u8);
            out.push(x as u8);
            out.push((y >> 8) as u8);
            out.push(y as u8);
            out.push(match units {
                AngleUnits::Iso256 => m.angle,
                AngleUnits::Ansi2Deg => (((m.angle as u32 * 360 + 256) / 512) % 180) as u8,
            });
            out.push(m.quality);
        }
        out.extend_from_slice(&[0, 0]);
    }
}

/// Reads either format: ISO/IEC 19794-2:2005 when its 4-byte length field matches the
/// input, otherwise ANSI INCITS 378-2004.
pub fn parse_any(bytes: &[u8]) -> Result<Template, TemplateError> {
    if bytes.len() >= 12
        && u32::from_be_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize == bytes.len()
    {
        crate::iso19794::parse(bytes)
    } else if bytes.len() >= 10 {
        match crate::ansi378::parse(bytes) {
            Ok(t) => Ok(t),
            Err(_) => crate::iso19794::parse(bytes),
        }
    } else {
        crate::iso19794::parse(bytes)
    }
}
