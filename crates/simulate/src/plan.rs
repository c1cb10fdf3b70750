//! The pure part of the outage scenario: which offices exist, who applies, where, on
//! which simulated day, and which applicants are planted duplicates.
//!
//! Everything here is deterministic in its inputs (population, `today`, seed) and does
//! no I/O, so it is unit-tested without any node running.

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

use jiff::civil::Date;
use sidik_domain::Penduduk;

/// Kota Administrasi Jakarta Utara.
pub const JAKARTA_UTARA: &str = "31.72";

/// Seed of the synthetic fingerprint generator (fixed: the fingers of applicant `k` are
/// the same in every run with the same plan).
pub const FINGER_SEED: u64 = 20_150_026;

/// One district office: the Dukcapil service point of one kecamatan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficeSite {
    /// Office code, six digits (`317201`).
    pub kode: String,
    /// Dotted kecamatan code (`31.72.01`).
    pub kecamatan: &'static str,
    /// Kecamatan name.
    pub nama: &'static str,
    /// Dotted codes of its kelurahan.
    pub kelurahan: Vec<&'static str>,
}

/// The offices of Jakarta Utara, one per kecamatan, from the region table.
pub fn jakarta_utara() -> Vec<OfficeSite> {
    let w = sidik_wilayah::Wilayah::get();
    w.children(JAKARTA_UTARA)
        .map(|kec| OfficeSite {
            kode: kec.kode.replace('.', ""),
            kecamatan: kec.kode,
            nama: kec.nama,
            kelurahan: w.children(kec.kode).map(|k| k.kode).collect(),
        })
        .collect()
}

/// Index of the office serving kelurahan `kel` (dotted).
pub fn office_of(offices: &[OfficeSite], kel: &str) -> Option<usize> {
    offices
        .iter()
        .position(|o| kel.len() > o.kecamatan.len() && kel.starts_with(o.kecamatan))
        .filter(|&i| kel.as_bytes()[offices[i].kecamatan.len()] == b'.')
}

/// Day 1 of the replay: Monday 31 August 2015 (WIB). The nodes' simulated clocks
/// start there (`sidik serve --sim-clock`), so day `k` is a calendar date with its
/// weekday and Indonesia's 2015 holidays (`sidik_domain::kalender`).
pub const DAY_ONE: Date = jiff::civil::date(2015, 8, 31);

/// The calendar date of simulated day `day` (1-based).
pub fn date_of(day: u32) -> Date {
    DAY_ONE
        .checked_add(jiff::Span::new().days(i64::from(day.max(1)) - 1))
        .unwrap_or(DAY_ONE)
}

/// The simulated day (1-based; 0 or less before day 1) of a calendar date.
pub fn day_of(d: Date) -> i64 {
    (d - DAY_ONE).get_days() as i64 + 1
}

/// Returns the weekday name of day `day` (1-based).
pub fn weekday(day: u32) -> &'static str {
    ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        [date_of(day).weekday().to_monday_zero_offset() as usize]
}

/// Offices enroll and print on working days only: Monday to Friday except Indonesia's
/// public holidays and cuti bersama.
pub fn is_working_day(day: u32) -> bool {
    day >= 1 && sidik_domain::kalender::Kalender::indonesia().hari_kerja(date_of(day))
}

/// The working days among days `1..=days`.
pub fn working_days(days: u32) -> Vec<u32> {
    (1..=days).filter(|&d| is_working_day(d)).collect()
}

/// How many planted duplicates: a fraction of the applicants or a count.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Duplicates {
    Fraction(f64),
    Count(usize),
}

impl Duplicates {
    /// The number of planted duplicates among `n` applicants.
    pub fn resolve(self, n: usize) -> usize {
        match self {
            Duplicates::Count(c) => c,
            Duplicates::Fraction(f) => (f * n as f64).round() as usize,
        }
    }
}

impl FromStr for Duplicates {
    type Err = String;

    /// `0.005` or `0.5%` (a fraction of the applicants) or `48` (a count).
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim();
        let bad =
            || format!("{t:?}: expected a fraction (0.005), a percentage (0.5%) or a count (48)");
        let f = if let Some(p) = t.strip_suffix('%') {
            p.trim().parse::<f64>().map_err(|_| bad())? / 100.0
        } else if t.contains(['.', 'e', 'E']) {
            t.parse::<f64>().map_err(|_| bad())?
        } else {
            return t.parse::<usize>().map(Duplicates::Count).map_err(|_| bad());
        };
        if f.is_finite() && (0.0..0.5).contains(&f) {
            Ok(Duplicates::Fraction(f))
        } else {
            Err(format!("{t:?}: the duplicate fraction must be in [0, 0.5)"))
        }
    }
}

impl fmt::Display for Duplicates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Duplicates::Fraction(x) => write!(f, "{x}"),
            Duplicates::Count(c) => write!(f, "{c}"),
        }
    }
}

/// One applicant of the scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applicant {
    /// Index into the population.
    pub resident: usize,
    /// Index into the offices (the office of the resident's kecamatan).
    pub office: usize,
    /// Simulated day of arrival (a working day of the outage window).
    pub day: u32,
    /// Synthetic fingerprint person (`abis::synth`), impression `impression`.
    pub finger_person: u64,
    pub impression: u32,
    /// For a planted duplicate: the index of the applicant whose fingers these are
    /// (same person, enrolled under another NIK at another office).
    pub duplicate_of: Option<usize>,
}

/// What to plan.
#[derive(Debug, Clone)]
pub struct PlanParams {
    pub applicants: usize,
    pub duplicates: usize,
    pub outage_days: u32,
    pub seed: u64,
}

/// SplitMix64: small, deterministic, good enough for shuffles.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (((self.next() >> 32) * n as u64) >> 32) as usize
    }

    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            v.swap(i, self.below(i + 1));
        }
    }
}

/// Plans the applicants: `applicants` distinct adults (wajib KTP on `today`) of the
/// population, at least one from every kelurahan when there are enough applicants,
/// spread evenly over the working days of the outage window (sorted by day), each at
/// the office of their own kecamatan; then `duplicates` of them are turned into planted
/// duplicates: they carry the fingers (another impression) of an applicant of another
/// office who arrived on the same day or earlier.
pub fn plan(
    people: &[Penduduk],
    today: Date,
    offices: &[OfficeSite],
    p: &PlanParams,
) -> Result<Vec<Applicant>, String> {
    let n = p.applicants;
    let days = working_days(p.outage_days);
    if days.is_empty() {
        return Err(format!(
            "an outage of {} day(s) has no working day",
            p.outage_days
        ));
    }
    if p.duplicates * 2 > n {
        return Err(format!(
            "{} planted duplicates need at least {} applicants",
            p.duplicates,
            p.duplicates * 2
        ));
    }
    let mut rng = Rng(p.seed ^ 0x5349_4449_4B5F_4F55);
    let mut adults: Vec<(usize, usize)> = people
        .iter()
        .enumerate()
        .filter(|(_, r)| r.wajib_ktp(today))
        .filter_map(|(i, r)| office_of(offices, &r.kelurahan).map(|o| (i, o)))
        .collect();
    if adults.len() < n {
        return Err(format!(
            "the population has {} adults in these offices' area, fewer than {n} applicants",
            adults.len()
        ));
    }
    rng.shuffle(&mut adults);
    let kelurahan_total: usize = offices.iter().map(|o| o.kelurahan.len()).sum();
    let mut chosen = Vec::with_capacity(n);
    let mut taken = vec![false; people.len()];
    if n >= kelurahan_total {
        let mut seen = HashSet::new();
        for &(i, o) in &adults {
            if seen.insert(people[i].kelurahan.as_str()) {
                chosen.push((i, o));
                taken[i] = true;
            }
        }
    }
    for &(i, o) in &adults {
        if chosen.len() >= n {
            break;
        }
        if !taken[i] {
            chosen.push((i, o));
            taken[i] = true;
        }
    }
    rng.shuffle(&mut chosen);
    let mut out: Vec<Applicant> = chosen
        .iter()
        .enumerate()
        .map(|(k, &(resident, office))| Applicant {
            resident,
            office,
            day: days[k * days.len() / n],
            finger_person: k as u64,
            impression: 0,
            duplicate_of: None,
        })
        .collect();

    let mut used = vec![false; n];
    let mut order: Vec<usize> = (0..n).collect();
    rng.shuffle(&mut order);
    let mut planted = 0;
    for &j in &order {
        if planted == p.duplicates {
            break;
        }
        if used[j] {
            continue;
        }
        let start = rng.below(n);
        let original = (0..n).map(|s| (start + s) % n).find(|&i| {
            i != j && !used[i] && out[i].office != out[j].office && out[i].day <= out[j].day
        });
        if let Some(i) = original {
            used[i] = true;
            used[j] = true;
            out[j].finger_person = out[i].finger_person;
            out[j].impression = 1;
            out[j].duplicate_of = Some(i);
            planted += 1;
        }
    }
    if planted < p.duplicates {
        return Err(format!(
            "could plant only {planted} of {} duplicates (too few applicants or offices)",
            p.duplicates
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn today() -> Date {
        jiff::civil::date(2025, 6, 2)
    }

    fn people(n: usize) -> Vec<Penduduk> {
        sidik_demo::population(2015, n, today())
    }

    fn params(applicants: usize, duplicates: usize) -> PlanParams {
        PlanParams {
            applicants,
            duplicates,
            outage_days: 26,
            seed: 2015,
        }
    }

    #[test]
    fn jakarta_utara_has_six_offices_and_31_kelurahan() {
        let o = jakarta_utara();
        let codes: Vec<&str> = o.iter().map(|o| o.kode.as_str()).collect();
        assert_eq!(
            codes,
            ["317201", "317202", "317203", "317204", "317205", "317206"]
        );
        assert_eq!(o.iter().map(|o| o.kelurahan.len()).sum::<usize>(), 31);
        assert_eq!(office_of(&o, "31.72.03.1004"), Some(2));
        assert_eq!(office_of(&o, "31.72.06.1001"), Some(5));
        assert_eq!(office_of(&o, "31.72.011.1001"), None);
        assert_eq!(office_of(&o, "31.71.01.1001"), None);
    }

    #[test]
    fn working_days_skip_weekends_and_holidays() {
        let w = working_days(26);
        // 31 August – 25 September 2015: 20 weekdays less Idul Adha (Thu 24 September).
        assert_eq!(w.len(), 19);
        assert_eq!(date_of(25), jiff::civil::date(2015, 9, 24));
        assert_eq!(day_of(jiff::civil::date(2015, 9, 24)), 25);
        assert_eq!(day_of(DAY_ONE), 1);
        for d in [6, 7, 13, 14, 20, 21, 25] {
            assert!(!w.contains(&d));
        }
        assert_eq!(w.first(), Some(&1));
        assert_eq!(w.last(), Some(&26));
        assert_eq!(weekday(1), "Mon");
        assert_eq!(weekday(6), "Sat");
        assert_eq!(weekday(8), "Mon");
        assert_eq!(working_days(0), Vec::<u32>::new());
    }

    #[test]
    fn duplicates_option_parses_fractions_percentages_and_counts() {
        assert_eq!(
            "0.005".parse::<Duplicates>(),
            Ok(Duplicates::Fraction(0.005))
        );
        assert_eq!("48".parse::<Duplicates>(), Ok(Duplicates::Count(48)));
        assert_eq!("0".parse::<Duplicates>(), Ok(Duplicates::Count(0)));
        let Ok(Duplicates::Fraction(f)) = "0.5%".parse::<Duplicates>() else {
            panic!()
        };
        assert!((f - 0.005).abs() < 1e-12);
        assert!("0.7".parse::<Duplicates>().is_err());
        assert!("-0.1".parse::<Duplicates>().is_err());
        assert!("x".parse::<Duplicates>().is_err());
        assert_eq!(Duplicates::Fraction(0.005).resolve(9539), 48);
        assert_eq!(Duplicates::Count(3).resolve(9539), 3);
    }

    #[test]
    fn plan_is_deterministic_and_covers_every_kelurahan() {
        let pop = people(3_000);
        let offices = jakarta_utara();
        let a = plan(&pop, today(), &offices, &params(300, 5)).unwrap();
        let b = plan(&pop, today(), &offices, &params(300, 5)).unwrap();
        assert_eq!(a, b);
        let c = plan(
            &pop,
            today(),
            &offices,
            &PlanParams {
                seed: 7,
                ..params(300, 5)
            },
        )
        .unwrap();
        assert_ne!(a, c);

        assert_eq!(a.len(), 300);
        let residents: HashSet<usize> = a.iter().map(|x| x.resident).collect();
        assert_eq!(
            residents.len(),
            300,
            "every applicant is a different resident"
        );
        let kel: HashSet<&str> = a
            .iter()
            .map(|x| pop[x.resident].kelurahan.as_str())
            .collect();
        assert_eq!(kel.len(), 31);
        for x in &a {
            let r = &pop[x.resident];
            assert!(r.wajib_ktp(today()));
            assert!(r.kelurahan.starts_with(offices[x.office].kecamatan));
            assert!(is_working_day(x.day) && x.day <= 26);
        }
        assert!(a.windows(2).all(|w| w[0].day <= w[1].day));
        let mut per_day: HashMap<u32, usize> = HashMap::new();
        for x in &a {
            *per_day.entry(x.day).or_default() += 1;
        }
        assert_eq!(per_day.len(), 19);
        assert!(per_day.values().all(|&c| c == 15 || c == 16), "{per_day:?}");
    }

    #[test]
    fn planted_duplicates_reuse_an_earlier_applicant_at_another_office() {
        let pop = people(3_000);
        let offices = jakarta_utara();
        let a = plan(&pop, today(), &offices, &params(400, 12)).unwrap();
        let dups: Vec<(usize, &Applicant)> = a
            .iter()
            .enumerate()
            .filter(|(_, x)| x.duplicate_of.is_some())
            .collect();
        assert_eq!(dups.len(), 12);
        let mut originals = HashSet::new();
        for (j, d) in dups {
            let i = d.duplicate_of.unwrap();
            let o = &a[i];
            assert!(originals.insert(i), "an original is used once");
            assert_ne!(i, j);
            assert_eq!(o.duplicate_of, None);
            assert_ne!(o.office, d.office);
            assert!(o.day <= d.day);
            assert_eq!(o.finger_person, d.finger_person);
            assert_eq!((o.impression, d.impression), (0, 1));
            assert_ne!(pop[o.resident].nik, pop[d.resident].nik);
        }
        // Apart from the planted pairs, every applicant has fingers of their own.
        let persons: HashSet<u64> = a
            .iter()
            .filter(|x| x.duplicate_of.is_none())
            .map(|x| x.finger_person)
            .collect();
        assert_eq!(persons.len(), 400 - 12);
    }

    #[test]
    fn plan_refuses_impossible_requests() {
        let pop = people(500);
        let offices = jakarta_utara();
        assert!(plan(&pop, today(), &offices, &params(10_000, 0)).is_err());
        assert!(plan(&pop, today(), &offices, &params(10, 6)).is_err());
        let none = PlanParams {
            outage_days: 0,
            ..params(10, 0)
        };
        assert!(plan(&pop, today(), &offices, &none).is_err());
        // Fewer applicants than kelurahan is fine (no coverage guarantee then).
        assert_eq!(
            plan(&pop, today(), &offices, &params(10, 1)).unwrap().len(),
            10
        );
    }
}
