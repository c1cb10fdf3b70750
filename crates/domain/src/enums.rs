//! SIAK code lists (the civil-registry information system's enumerations).
//!
//! Each enum has the SIAK numeric code, an Indonesian label for pages and a stable
//! lowercase slug used in the API and the database.

/// Error for an unknown code or slug.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {value:?}; expected one of: {expected}")]
pub struct UnknownCode {
    pub kind: &'static str,
    pub value: String,
    pub expected: String,
}

macro_rules! siak_enum {
    ($(#[$m:meta])* $name:ident, $kind:literal, { $($var:ident = $code:literal, $slug:literal, $label:literal;)+ }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($var),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$var),+];

            /// SIAK numeric code.
            pub fn code(self) -> u8 { match self { $($name::$var => $code),+ } }
            /// Stable slug for the API and storage.
            pub fn slug(self) -> &'static str { match self { $($name::$var => $slug),+ } }
            /// Indonesian label.
            pub fn label(self) -> &'static str { match self { $($name::$var => $label),+ } }

            pub fn from_code(code: u8) -> Result<Self, UnknownCode> {
                Self::ALL.iter().copied().find(|v| v.code() == code).ok_or_else(|| Self::unknown(code.to_string()))
            }

            /// Accepts the slug, the label (case-insensitive) or the numeric code.
            pub fn parse(s: &str) -> Result<Self, UnknownCode> {
                let t = s.trim();
                if let Ok(n) = t.parse::<u8>() { return Self::from_code(n); }
                Self::ALL.iter().copied()
                    .find(|v| v.slug().eq_ignore_ascii_case(t) || v.label().eq_ignore_ascii_case(t))
                    .ok_or_else(|| Self::unknown(t.to_string()))
            }

            fn unknown(value: String) -> UnknownCode {
                UnknownCode {
                    kind: $kind,
                    value,
                    expected: Self::ALL.iter().map(|v| v.slug()).collect::<Vec<_>>().join(", "),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(self.label()) }
        }
    };
}

siak_enum!(
    /// Jenis kelamin (sex).
    JenisKelamin, "jenis kelamin", {
    LakiLaki = 1, "laki-laki", "Laki-laki";
    Perempuan = 2, "perempuan", "Perempuan";
});

siak_enum!(
    /// Agama (religion), SIAK codes 1-7.
    Agama, "agama", {
    Islam = 1, "islam", "Islam";
    Kristen = 2, "kristen", "Kristen";
    Katolik = 3, "katolik", "Katolik";
    Hindu = 4, "hindu", "Hindu";
    Buddha = 5, "buddha", "Buddha";
    Konghucu = 6, "konghucu", "Konghucu";
    Kepercayaan = 7, "kepercayaan", "Kepercayaan terhadap Tuhan YME";
});

siak_enum!(
    /// Golongan darah (blood type), the 13 SIAK codes.
    GolonganDarah, "golongan darah", {
    A = 1, "a", "A";
    B = 2, "b", "B";
    Ab = 3, "ab", "AB";
    O = 4, "o", "O";
    APlus = 5, "a+", "A+";
    AMinus = 6, "a-", "A-";
    BPlus = 7, "b+", "B+";
    BMinus = 8, "b-", "B-";
    AbPlus = 9, "ab+", "AB+";
    AbMinus = 10, "ab-", "AB-";
    OPlus = 11, "o+", "O+";
    OMinus = 12, "o-", "O-";
    TidakTahu = 13, "tidak-tahu", "Tidak Tahu";
});

siak_enum!(
    /// Status perkawinan (marital status).
    StatusPerkawinan, "status perkawinan", {
    BelumKawin = 1, "belum-kawin", "Belum Kawin";
    Kawin = 2, "kawin", "Kawin";
    CeraiHidup = 3, "cerai-hidup", "Cerai Hidup";
    CeraiMati = 4, "cerai-mati", "Cerai Mati";
});

siak_enum!(
    /// Kewarganegaraan (citizenship).
    Kewarganegaraan, "kewarganegaraan", {
    Wni = 1, "wni", "WNI";
    Wna = 2, "wna", "WNA";
});

siak_enum!(
    /// Hubungan dalam keluarga (relationship to the head of the family card).
    Hubungan, "hubungan keluarga", {
    KepalaKeluarga = 1, "kepala-keluarga", "Kepala Keluarga";
    Suami = 2, "suami", "Suami";
    Istri = 3, "istri", "Istri";
    Anak = 4, "anak", "Anak";
    Menantu = 5, "menantu", "Menantu";
    Cucu = 6, "cucu", "Cucu";
    OrangTua = 7, "orang-tua", "Orang Tua";
    Mertua = 8, "mertua", "Mertua";
    FamiliLain = 9, "famili-lain", "Famili Lain";
    Lainnya = 11, "lainnya", "Lainnya";
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thirteen_blood_types_and_seven_religions() {
        assert_eq!(GolonganDarah::ALL.len(), 13);
        assert_eq!(Agama::ALL.len(), 7);
        assert_eq!(Agama::from_code(7).unwrap(), Agama::Kepercayaan);
        assert_eq!(GolonganDarah::parse("AB+").unwrap(), GolonganDarah::AbPlus);
        assert_eq!(
            StatusPerkawinan::parse("Cerai Mati").unwrap(),
            StatusPerkawinan::CeraiMati
        );
        let e = Agama::parse("jedi").unwrap_err();
        assert!(e.to_string().contains("islam"));
    }
}
