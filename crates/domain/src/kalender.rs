//! The working-day calendar of a Dukcapil office (WIB): Monday to Friday, except national
//! holidays (libur nasional) and cuti bersama.
//!
//! The holidays are a data table per year (`data/kalender/YYYY.csv` at the repository
//! root, see its README for the sources and their uncertainty), compiled into the crate.
//! Years not in the table are treated as having no holidays beyond weekends; callers can
//! ask [`Kalender::tahun_dimuat`] to say so to the user.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use jiff::civil::{Date, Weekday};

/// The compiled-in holiday tables, one per year.
const DATA: &[(i16, &str)] = &[
    (2015, include_str!("../../../data/kalender/2015.csv")),
    (2016, include_str!("../../../data/kalender/2016.csv")),
    (2026, include_str!("../../../data/kalender/2026.csv")),
    (2027, include_str!("../../../data/kalender/2027.csv")),
];

/// The header line every year's CSV starts with.
pub const HEADER: &str = "tanggal,jenis,keterangan";

/// What kind of non-working day a table row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JenisLibur {
    /// Hari libur nasional.
    Libur,
    /// Cuti bersama (collective leave for civil servants).
    CutiBersama,
}

impl JenisLibur {
    pub fn slug(self) -> &'static str {
        match self {
            JenisLibur::Libur => "libur",
            JenisLibur::CutiBersama => "cuti_bersama",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            JenisLibur::Libur => "Libur nasional",
            JenisLibur::CutiBersama => "Cuti bersama",
        }
    }

    pub fn parse(s: &str) -> Option<JenisLibur> {
        match s.trim() {
            "libur" => Some(JenisLibur::Libur),
            "cuti_bersama" => Some(JenisLibur::CutiBersama),
            _ => None,
        }
    }
}

/// One row of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HariLibur {
    pub tanggal: Date,
    pub jenis: JenisLibur,
    pub keterangan: String,
}

/// Why a holiday table was rejected. Lines are 1-based and count the header.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KalenderError {
    #[error("year {tahun}: the first line must be {expected:?}, found {found:?}")]
    Header {
        tahun: i16,
        found: String,
        expected: &'static str,
    },
    #[error("year {tahun}, line {baris}: {masalah}")]
    Baris {
        tahun: i16,
        baris: usize,
        masalah: String,
    },
    #[error("year {tahun}, line {baris}: {tanggal} is not in {tahun}")]
    TahunLain {
        tahun: i16,
        baris: usize,
        tanggal: Date,
    },
    #[error("{tanggal} is listed twice")]
    TanggalGanda { tanggal: Date },
    #[error("year {0} is given twice")]
    TahunGanda(i16),
}

impl KalenderError {
    /// The reason in Indonesian, for pages.
    pub fn pesan(&self) -> String {
        match self {
            KalenderError::Header {
                tahun, expected, ..
            } => format!("Tabel libur tahun {tahun}: baris pertama harus \"{expected}\"."),
            KalenderError::Baris {
                tahun,
                baris,
                masalah,
            } => format!("Tabel libur tahun {tahun}, baris {baris}: {masalah}."),
            KalenderError::TahunLain {
                tahun,
                baris,
                tanggal,
            } => format!(
                "Tabel libur tahun {tahun}, baris {baris}: tanggal {} bukan tahun {tahun}.",
                crate::tanggal::tanggal(*tanggal)
            ),
            KalenderError::TanggalGanda { tanggal } => format!(
                "Tanggal {} tercantum dua kali dalam tabel libur.",
                crate::tanggal::tanggal(*tanggal)
            ),
            KalenderError::TahunGanda(tahun) => {
                format!("Tabel libur tahun {tahun} diberikan dua kali.")
            }
        }
    }
}

/// The working-day calendar.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Kalender {
    libur: BTreeMap<Date, HariLibur>,
    tahun: BTreeSet<i16>,
}

impl Kalender {
    /// The Indonesian calendar compiled into the crate, parsed once.
    ///
    /// Panics only if the compiled-in data is broken, which a unit test rules out.
    pub fn indonesia() -> &'static Kalender {
        static KALENDER: OnceLock<Kalender> = OnceLock::new();
        KALENDER.get_or_init(|| {
            Kalender::parse(DATA).expect("the compiled-in holiday tables parse (tested)")
        })
    }

    /// Parses one CSV table per year (`tanggal,jenis,keterangan`). Blank lines are
    /// skipped; every date must lie in its table's year and appear only once.
    pub fn parse(csv_by_year: &[(i16, &str)]) -> Result<Kalender, KalenderError> {
        let mut kal = Kalender::default();
        for &(tahun, csv) in csv_by_year {
            if !kal.tahun.insert(tahun) {
                return Err(KalenderError::TahunGanda(tahun));
            }
            for hari in parse_tahun(tahun, csv)? {
                let tanggal = hari.tanggal;
                if kal.libur.insert(tanggal, hari).is_some() {
                    return Err(KalenderError::TanggalGanda { tanggal });
                }
            }
        }
        Ok(kal)
    }

    /// Whether the office works on `d`: Monday to Friday and neither a holiday nor cuti
    /// bersama.
    pub fn hari_kerja(&self, d: Date) -> bool {
        !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday) && !self.libur.contains_key(&d)
    }

    /// The name of the holiday or cuti bersama on `d`, if any (also on weekends).
    pub fn libur(&self, d: Date) -> Option<&str> {
        self.libur.get(&d).map(|h| h.keterangan.as_str())
    }

    /// The table row of `d`, if any.
    pub fn hari_libur(&self, d: Date) -> Option<&HariLibur> {
        self.libur.get(&d)
    }

    /// Every row of the table, in date order.
    pub fn semua_libur(&self) -> impl Iterator<Item = &HariLibur> {
        self.libur.values()
    }

    /// Whether that year's holidays are in the table.
    pub fn tahun_dimuat(&self, year: i16) -> bool {
        self.tahun.contains(&year)
    }

    /// The first working day strictly after `d` (saturates at [`Date::MAX`]).
    pub fn hari_kerja_berikut(&self, d: Date) -> Date {
        let mut cur = d;
        while let Ok(next) = cur.tomorrow() {
            if self.hari_kerja(next) {
                return next;
            }
            cur = next;
        }
        Date::MAX
    }

    /// `n` working days after `d`: the n-th working day strictly after `d`. For `n = 0`,
    /// `d` itself if it is a working day, else the next working day.
    pub fn tambah_hari_kerja(&self, d: Date, n: u32) -> Date {
        if n == 0 {
            return if self.hari_kerja(d) {
                d
            } else {
                self.hari_kerja_berikut(d)
            };
        }
        (0..n).fold(d, |cur, _| self.hari_kerja_berikut(cur))
    }

    /// The number of working days in `(a, b]`; negative (the count in `(b, a]`) if
    /// `b < a`.
    pub fn hari_kerja_antara(&self, a: Date, b: Date) -> i32 {
        if b < a {
            return -self.hari_kerja_antara(b, a);
        }
        let mut n = 0i32;
        let mut cur = a;
        while cur < b {
            cur = cur.tomorrow().expect("cur < b, so it has a successor");
            if self.hari_kerja(cur) {
                n = n.saturating_add(1);
            }
        }
        n
    }
}

fn parse_tahun(tahun: i16, csv: &str) -> Result<Vec<HariLibur>, KalenderError> {
    let mut lines = csv.lines().enumerate();
    let header = lines.next().map(|(_, l)| l.trim()).unwrap_or("");
    if header != HEADER {
        return Err(KalenderError::Header {
            tahun,
            found: header.to_string(),
            expected: HEADER,
        });
    }
    let mut out = Vec::new();
    for (i, line) in lines {
        let baris = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let salah = |masalah: String| KalenderError::Baris {
            tahun,
            baris,
            masalah,
        };
        let mut kolom = line.splitn(3, ',');
        let (Some(t), Some(j), Some(k)) = (kolom.next(), kolom.next(), kolom.next()) else {
            return Err(salah("kolom kurang dari tiga".into()));
        };
        let tanggal: Date = t
            .trim()
            .parse()
            .map_err(|_| salah(format!("tanggal {:?} bukan YYYY-MM-DD", t.trim())))?;
        if tanggal.year() != tahun {
            return Err(KalenderError::TahunLain {
                tahun,
                baris,
                tanggal,
            });
        }
        let jenis = JenisLibur::parse(j).ok_or_else(|| {
            salah(format!(
                "jenis {:?} harus \"libur\" atau \"cuti_bersama\"",
                j.trim()
            ))
        })?;
        let keterangan = k.trim();
        if keterangan.is_empty() || keterangan.chars().any(char::is_control) {
            return Err(salah(
                "keterangan kosong atau berisi karakter kendali".into(),
            ));
        }
        out.push(HariLibur {
            tanggal,
            jenis,
            keterangan: keterangan.to_string(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn kal() -> &'static Kalender {
        Kalender::indonesia()
    }

    #[test]
    fn every_compiled_in_year_parses_and_knows_the_fixed_holidays() {
        for &(tahun, csv) in DATA {
            let k = Kalender::parse(&[(tahun, csv)]).unwrap_or_else(|e| panic!("{e}"));
            assert!(k.tahun_dimuat(tahun));
            for (m, d) in [(1, 1), (8, 17), (12, 25)] {
                let t = date(tahun, m, d);
                assert!(k.libur(t).is_some(), "{t} is a holiday");
                assert!(!k.hari_kerja(t));
            }
            assert_eq!(
                k.hari_libur(date(tahun, 8, 17)).map(|h| h.jenis),
                Some(JenisLibur::Libur)
            );
        }
        assert!(!kal().tahun_dimuat(2020));
    }

    #[test]
    fn known_holidays_and_cuti_bersama() {
        let k = kal();
        assert_eq!(
            k.libur(date(2015, 9, 24)),
            Some("Hari Raya Idul Adha 1436 H")
        );
        assert!(k
            .libur(date(2015, 12, 9))
            .unwrap()
            .contains("Keppres 25/2015"));
        assert_eq!(
            k.hari_libur(date(2015, 7, 20)).map(|h| h.jenis),
            Some(JenisLibur::CutiBersama)
        );
        assert!(!k.hari_kerja(date(2016, 12, 26)));
        assert!(
            k.hari_kerja(date(2016, 6, 1)),
            "Pancasila day only from 2017"
        );
        assert!(!k.hari_kerja(date(2026, 3, 24)));
        assert!(k.hari_kerja(date(2026, 3, 25)));
        assert!(!k.hari_kerja(date(2026, 6, 1)));
    }

    #[test]
    fn weekends_and_holidays_are_skipped() {
        let k = kal();
        // Wednesday 23 September 2015; Thursday 24 is Idul Adha.
        let rabu = date(2015, 9, 23);
        assert!(k.hari_kerja(rabu));
        assert!(!k.hari_kerja(date(2015, 9, 26)), "Saturday");
        assert_eq!(k.hari_kerja_berikut(rabu), date(2015, 9, 25));
        assert_eq!(k.tambah_hari_kerja(rabu, 2), date(2015, 9, 28));
        assert_eq!(k.tambah_hari_kerja(rabu, 0), rabu);
        // Saturday: n = 0 and n = 1 both land on Monday.
        let sabtu = date(2015, 9, 26);
        assert_eq!(k.tambah_hari_kerja(sabtu, 0), date(2015, 9, 28));
        assert_eq!(k.tambah_hari_kerja(sabtu, 1), date(2015, 9, 28));
        assert_eq!(k.tambah_hari_kerja(sabtu, 2), date(2015, 9, 29));
        // Lebaran 2015: Wednesday 15 July, then nothing until Wednesday 22 July.
        assert_eq!(k.hari_kerja_berikut(date(2015, 7, 15)), date(2015, 7, 22));
    }

    #[test]
    fn working_days_between() {
        let k = kal();
        let rabu = date(2015, 9, 23);
        let senin = date(2015, 9, 28);
        assert_eq!(k.hari_kerja_antara(rabu, senin), 2);
        assert_eq!(k.hari_kerja_antara(senin, rabu), -2);
        assert_eq!(k.hari_kerja_antara(rabu, rabu), 0);
        // 2015: 261 weekdays less the weekday holidays and cuti bersama.
        let n = k.hari_kerja_antara(date(2014, 12, 31), date(2015, 12, 31));
        let weekday_libur = k
            .semua_libur()
            .filter(|h| h.tanggal.year() == 2015)
            .filter(|h| !matches!(h.tanggal.weekday(), Weekday::Saturday | Weekday::Sunday))
            .count() as i32;
        assert_eq!(n, 261 - weekday_libur);
        for n in 1..40 {
            let d = k.tambah_hari_kerja(rabu, n);
            assert_eq!(k.hari_kerja_antara(rabu, d), n as i32);
            assert!(k.hari_kerja(d));
        }
    }

    #[test]
    fn bad_tables_are_rejected_with_reasons() {
        let err = |csv: &str| Kalender::parse(&[(2015, csv)]).unwrap_err();
        assert!(matches!(err("x\n"), KalenderError::Header { .. }));
        assert!(matches!(
            err("tanggal,jenis,keterangan\n2015-13-01,libur,X\n"),
            KalenderError::Baris { baris: 2, .. }
        ));
        assert!(matches!(
            err("tanggal,jenis,keterangan\n2016-01-01,libur,X\n"),
            KalenderError::TahunLain { .. }
        ));
        assert!(matches!(
            err("tanggal,jenis,keterangan\n2015-01-01,cuti,X\n"),
            KalenderError::Baris { .. }
        ));
        assert!(matches!(
            err("tanggal,jenis,keterangan\n2015-01-01,libur\n"),
            KalenderError::Baris { .. }
        ));
        let e = err("tanggal,jenis,keterangan\n2015-01-01,libur,A\n2015-01-01,libur,B\n");
        assert!(e.pesan().contains("dua kali"), "{}", e.pesan());
        let csv = "tanggal,jenis,keterangan\n\n2015-01-01,libur,Tahun Baru, Masehi\n";
        let k = Kalender::parse(&[(2015, csv)]).unwrap();
        assert_eq!(k.libur(date(2015, 1, 1)), Some("Tahun Baru, Masehi"));
        assert_eq!(
            Kalender::parse(&[(2015, csv), (2015, csv)]),
            Err(KalenderError::TahunGanda(2015))
        );
    }

    #[test]
    fn an_unloaded_year_has_only_weekends() {
        let k = kal();
        assert!(k.hari_kerja(date(2020, 8, 17)));
        assert_eq!(k.hari_kerja_berikut(Date::MAX), Date::MAX, "saturates");
    }
}
