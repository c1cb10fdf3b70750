//! Biometric capture rules for perekaman: which fingers, which exceptions, which sizes.
//!
//! Template *content* (ISO/IEC 19794-2 parsing) is validated by the ABIS codec; this
//! module decides what a complete capture is.

use std::fmt;

use sha2::{Digest, Sha256};

/// ISO/IEC 19794-2 finger position (1 right thumb ... 5 right little, 6 left thumb ... 10
/// left little).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PosisiJari(u8);

impl PosisiJari {
    pub const KANAN_TELUNJUK: PosisiJari = PosisiJari(2);
    pub const KIRI_TELUNJUK: PosisiJari = PosisiJari(7);

    pub fn new(p: u8) -> Result<PosisiJari, BiometrikError> {
        if (1..=10).contains(&p) {
            Ok(PosisiJari(p))
        } else {
            Err(BiometrikError::BadPosition(p))
        }
    }

    pub fn all() -> impl Iterator<Item = PosisiJari> {
        (1..=10).map(PosisiJari)
    }

    pub fn get(self) -> u8 {
        self.0
    }

    pub fn label(self) -> &'static str {
        [
            "Ibu jari kanan",
            "Telunjuk kanan",
            "Jari tengah kanan",
            "Jari manis kanan",
            "Kelingking kanan",
            "Ibu jari kiri",
            "Telunjuk kiri",
            "Jari tengah kiri",
            "Jari manis kiri",
            "Kelingking kiri",
        ][self.0 as usize - 1]
    }
}

impl fmt::Display for PosisiJari {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Why a finger could not be captured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AlasanPengecualian {
    Amputasi,
    Cedera,
    /// Worn or unreadable ridges.
    TidakTerbaca,
}

impl AlasanPengecualian {
    pub fn slug(self) -> &'static str {
        match self {
            Self::Amputasi => "amputasi",
            Self::Cedera => "cedera",
            Self::TidakTerbaca => "tidak_terbaca",
        }
    }
    pub fn parse(s: &str) -> Result<Self, BiometrikError> {
        match s.trim() {
            "amputasi" => Ok(Self::Amputasi),
            "cedera" => Ok(Self::Cedera),
            "tidak_terbaca" => Ok(Self::TidakTerbaca),
            other => Err(BiometrikError::BadExceptionReason(other.to_string())),
        }
    }
}

/// Size limits for biometric blobs.
pub const MAX_TEMPLATE_BYTES: usize = 4 * 1024;
pub const MAX_FOTO_BYTES: usize = 512 * 1024;
pub const MAX_TTD_BYTES: usize = 128 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BiometrikError {
    #[error("finger position {0} is not 1-10")]
    BadPosition(u8),
    #[error("finger {0} was given twice (template and/or exception)")]
    Duplicate(PosisiJari),
    #[error("both index fingers (positions 2 and 7) are required; finger {0} has neither a template nor an exception")]
    IndexFingerMissing(PosisiJari),
    #[error("at least one fingerprint template is required")]
    NoFingers,
    #[error("fingerprint template for finger {0} is {1} bytes; the limit is {MAX_TEMPLATE_BYTES}")]
    TemplateTooLarge(PosisiJari, usize),
    #[error("fingerprint template for finger {0} is not a valid ISO/IEC 19794-2 record: {1}")]
    TemplateInvalid(PosisiJari, String),
    #[error("{what} is {size} bytes; the limit is {limit}")]
    ImageTooLarge {
        what: &'static str,
        size: usize,
        limit: usize,
    },
    #[error("{0} must be a JPEG or PNG image")]
    ImageFormat(&'static str),
    #[error("{0} is required")]
    ImageMissing(&'static str),
    #[error("unknown exception reason {0:?}; expected amputasi, cedera or tidak_terbaca")]
    BadExceptionReason(String),
}

/// A content-addressed blob: its SHA-256 (hex) and bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blob {
    pub sha256: String,
    pub bytes: Vec<u8>,
}

impl Blob {
    pub fn new(bytes: Vec<u8>) -> Blob {
        Blob {
            sha256: hex::encode(Sha256::digest(&bytes)),
            bytes,
        }
    }
}

/// Image kind detected from magic bytes.
pub fn image_mime(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else {
        None
    }
}

/// A validated biometric capture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Biometrik {
    pub jari: Vec<(PosisiJari, Blob)>,
    pub pengecualian: Vec<(PosisiJari, AlasanPengecualian)>,
    pub foto: Blob,
    pub tanda_tangan: Blob,
}

impl Biometrik {
    /// Checks completeness and sizes. `validate_template` checks one ISO record's
    /// content (supplied by the caller so this crate stays free of the codec).
    pub fn new(
        jari: Vec<(PosisiJari, Vec<u8>)>,
        pengecualian: Vec<(PosisiJari, AlasanPengecualian)>,
        foto: Option<Vec<u8>>,
        tanda_tangan: Option<Vec<u8>>,
        validate_template: impl Fn(&[u8]) -> Result<(), String>,
    ) -> Result<Biometrik, BiometrikError> {
        let mut seen = std::collections::HashSet::new();
        for p in jari
            .iter()
            .map(|j| j.0)
            .chain(pengecualian.iter().map(|e| e.0))
        {
            if !seen.insert(p) {
                return Err(BiometrikError::Duplicate(p));
            }
        }
        for idx in [PosisiJari::KANAN_TELUNJUK, PosisiJari::KIRI_TELUNJUK] {
            if !seen.contains(&idx) {
                return Err(BiometrikError::IndexFingerMissing(idx));
            }
        }
        if jari.is_empty() {
            return Err(BiometrikError::NoFingers);
        }
        let mut out = Vec::with_capacity(jari.len());
        for (p, bytes) in jari {
            if bytes.len() > MAX_TEMPLATE_BYTES {
                return Err(BiometrikError::TemplateTooLarge(p, bytes.len()));
            }
            validate_template(&bytes).map_err(|e| BiometrikError::TemplateInvalid(p, e))?;
            out.push((p, Blob::new(bytes)));
        }
        out.sort_by_key(|j| j.0);
        let image = |what: &'static str, b: Option<Vec<u8>>, limit: usize| {
            let b = b
                .filter(|b| !b.is_empty())
                .ok_or(BiometrikError::ImageMissing(what))?;
            if b.len() > limit {
                return Err(BiometrikError::ImageTooLarge {
                    what,
                    size: b.len(),
                    limit,
                });
            }
            image_mime(&b).ok_or(BiometrikError::ImageFormat(what))?;
            Ok(Blob::new(b))
        };
        let mut pengecualian = pengecualian;
        pengecualian.sort_by_key(|e| e.0);
        Ok(Biometrik {
            jari: out,
            pengecualian,
            foto: image("foto", foto, MAX_FOTO_BYTES)?,
            tanda_tangan: image("tanda tangan", tanda_tangan, MAX_TTD_BYTES)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3];

    fn ok(_: &[u8]) -> Result<(), String> {
        Ok(())
    }

    fn p(n: u8) -> PosisiJari {
        PosisiJari::new(n).unwrap()
    }

    #[test]
    fn index_finger_needs_template_or_exception() {
        let r = Biometrik::new(
            vec![(p(2), vec![1])],
            vec![],
            Some(JPEG.into()),
            Some(JPEG.into()),
            ok,
        );
        assert_eq!(r.unwrap_err(), BiometrikError::IndexFingerMissing(p(7)));
        let r = Biometrik::new(
            vec![(p(2), vec![1])],
            vec![(p(7), AlasanPengecualian::Amputasi)],
            Some(JPEG.into()),
            Some(JPEG.into()),
            ok,
        );
        assert!(r.is_ok());
    }

    #[test]
    fn limits_and_formats() {
        let two = || vec![(p(2), vec![1]), (p(7), vec![2])];
        let big = vec![0xFFu8; MAX_FOTO_BYTES + 1];
        assert!(matches!(
            Biometrik::new(two(), vec![], Some(big), Some(JPEG.into()), ok),
            Err(BiometrikError::ImageTooLarge { .. })
        ));
        assert_eq!(
            Biometrik::new(
                two(),
                vec![],
                Some(b"GIF89a".to_vec()),
                Some(JPEG.into()),
                ok
            )
            .unwrap_err(),
            BiometrikError::ImageFormat("foto")
        );
        assert!(matches!(
            Biometrik::new(
                vec![(p(2), vec![0; 5000]), (p(7), vec![2])],
                vec![],
                Some(JPEG.into()),
                Some(JPEG.into()),
                ok
            ),
            Err(BiometrikError::TemplateTooLarge(..))
        ));
        assert!(matches!(
            Biometrik::new(
                two(),
                vec![],
                Some(JPEG.into()),
                Some(JPEG.into()),
                |_| Err("truncated".into())
            ),
            Err(BiometrikError::TemplateInvalid(..))
        ));
    }
}
