//! The official Indonesian region-code table (kode wilayah Kemendagri).
//!
//! The CSV in `data/wilayah/` is compiled into the binary and parsed once, lazily, on
//! first use. Nothing here performs I/O at run time.
//!
//! Codes are kept in their dotted form (`31.72.01.1005`); [`Wilayah::by_digits`] accepts
//! the undotted form used inside a NIK (`317201`).

use std::collections::HashMap;
use std::sync::OnceLock;

static CSV: &str = include_str!("../../../data/wilayah/wilayah.csv");

/// Administrative level of a region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tingkat {
    Provinsi,
    KabupatenKota,
    Kecamatan,
    DesaKelurahan,
}

impl Tingkat {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "provinsi" => Self::Provinsi,
            "kabupaten_kota" => Self::KabupatenKota,
            "kecamatan" => Self::Kecamatan,
            "desa_kelurahan" => Self::DesaKelurahan,
            _ => return None,
        })
    }

    /// Indonesian label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Provinsi => "Provinsi",
            Self::KabupatenKota => "Kabupaten/Kota",
            Self::Kecamatan => "Kecamatan",
            Self::DesaKelurahan => "Desa/Kelurahan",
        }
    }
}

/// One region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    /// Dotted code, e.g. `31.72.01.1005`.
    pub kode: &'static str,
    pub nama: &'static str,
    pub tingkat: Tingkat,
    /// Postal code (desa/kelurahan only).
    pub kode_pos: Option<&'static str>,
}

impl Region {
    /// Code of the parent region, if any (`31.72.01.1005` → `31.72.01`).
    pub fn parent_kode(&self) -> Option<&'static str> {
        self.kode.rfind('.').map(|i| &self.kode[..i])
    }

    /// `true` for a kelurahan (urban, digit 1) as opposed to a desa (rural, digit 2).
    pub fn is_kelurahan(&self) -> bool {
        self.tingkat == Tingkat::DesaKelurahan
            && self
                .kode
                .rsplit('.')
                .next()
                .is_some_and(|s| s.starts_with('1'))
    }
}

/// The whole table, indexed by code and by parent.
pub struct Wilayah {
    regions: Vec<Region>,
    by_kode: HashMap<&'static str, usize>,
    children: HashMap<&'static str, Vec<usize>>,
}

/// Lenient split of one CSV line with optional double-quoted fields.
fn split_csv(line: &'static str) -> Vec<&'static str> {
    let mut out = Vec::with_capacity(4);
    let bytes = line.as_bytes();
    let mut i = 0;
    while i <= bytes.len() {
        if i < bytes.len() && bytes[i] == b'"' {
            let start = i + 1;
            let end = line[start..].find('"').map_or(line.len(), |e| start + e);
            out.push(&line[start..end]);
            i = end + 2; // skip closing quote and comma
        } else {
            let end = line[i..].find(',').map_or(line.len(), |e| i + e);
            out.push(&line[i..end]);
            i = end + 1;
        }
    }
    out
}

impl Wilayah {
    /// The table compiled into the binary (parsed once).
    pub fn get() -> &'static Wilayah {
        static W: OnceLock<Wilayah> = OnceLock::new();
        W.get_or_init(|| Wilayah::parse(CSV))
    }

    fn parse(csv: &'static str) -> Wilayah {
        let mut regions = Vec::with_capacity(92_000);
        for line in csv.lines().skip(1) {
            let f = split_csv(line.trim_end_matches('\r'));
            if f.len() < 3 {
                continue;
            }
            let Some(tingkat) = Tingkat::parse(f[2]) else {
                continue;
            };
            let kode_pos = f.get(3).copied().filter(|s| !s.is_empty());
            regions.push(Region {
                kode: f[0],
                nama: f[1],
                tingkat,
                kode_pos,
            });
        }
        let mut by_kode = HashMap::with_capacity(regions.len());
        let mut children: HashMap<&'static str, Vec<usize>> = HashMap::new();
        for (i, r) in regions.iter().enumerate() {
            by_kode.insert(r.kode, i);
            if let Some(p) = r.parent_kode() {
                children.entry(p).or_default().push(i);
            }
        }
        Wilayah {
            regions,
            by_kode,
            children,
        }
    }

    /// Looks a region up by its dotted code.
    pub fn region(&self, kode: &str) -> Option<&Region> {
        self.by_kode.get(kode).map(|&i| &self.regions[i])
    }

    /// Looks a region up by its undotted digits (2, 4, 6 or 10 digits).
    pub fn by_digits(&self, digits: &str) -> Option<&Region> {
        self.region(&dotted(digits)?)
    }

    /// Direct children of a region, in table order.
    pub fn children(&self, kode: &str) -> impl Iterator<Item = &Region> {
        self.children
            .get(kode)
            .into_iter()
            .flatten()
            .map(|&i| &self.regions[i])
    }

    /// Number of regions at a level.
    pub fn count(&self, tingkat: Tingkat) -> usize {
        self.regions.iter().filter(|r| r.tingkat == tingkat).count()
    }

    /// All regions.
    pub fn all(&self) -> &[Region] {
        &self.regions
    }
}

/// Converts undotted digits (`317201`, `3172011005`) to the dotted form.
pub fn dotted(digits: &str) -> Option<String> {
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let parts: &[usize] = match digits.len() {
        2 => &[2],
        4 => &[2, 2],
        6 => &[2, 2, 2],
        10 => &[2, 2, 2, 4],
        _ => return None,
    };
    let mut out = String::with_capacity(digits.len() + 3);
    let mut at = 0;
    for (n, len) in parts.iter().enumerate() {
        if n > 0 {
            out.push('.');
        }
        out.push_str(&digits[at..at + len]);
        at += len;
    }
    Some(out)
}

/// Kode of Kota Administrasi Jakarta Utara, the pilot city.
pub const JAKARTA_UTARA: &str = "31.72";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn national_counts_match_the_published_table() {
        let w = Wilayah::get();
        assert_eq!(w.count(Tingkat::Provinsi), 38);
        assert_eq!(w.count(Tingkat::KabupatenKota), 514);
        assert_eq!(w.count(Tingkat::Kecamatan), 7_285);
        assert_eq!(w.count(Tingkat::DesaKelurahan), 83_762);
    }

    #[test]
    fn jakarta_utara_has_six_kecamatan_and_31_kelurahan() {
        let w = Wilayah::get();
        let ju = w.region(JAKARTA_UTARA).unwrap();
        assert_eq!(ju.nama, "Kota Administrasi Jakarta Utara");
        let kec: Vec<_> = w.children(JAKARTA_UTARA).collect();
        assert_eq!(kec.len(), 6);
        let kel: usize = kec.iter().map(|k| w.children(k.kode).count()).sum();
        assert_eq!(kel, 31);
        let pluit = w.by_digits("3172011005").unwrap();
        assert_eq!(pluit.nama, "Pluit");
        assert_eq!(pluit.kode_pos, Some("14450"));
        assert!(pluit.is_kelurahan());
    }

    #[test]
    fn quoted_names_keep_their_commas() {
        let w = Wilayah::get();
        assert_eq!(w.region("12.07.28.1007").unwrap().nama, "Lubuk Pakam I,II");
        assert_eq!(w.region("14.02.09.2010").unwrap().kode_pos, Some("29353"));
    }

    #[test]
    fn dotted_rejects_bad_shapes() {
        assert_eq!(dotted("317201").as_deref(), Some("31.72.01"));
        assert_eq!(dotted("31720"), None);
        assert_eq!(dotted("31a2"), None);
    }
}
