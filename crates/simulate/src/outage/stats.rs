//! Pure statistics of the run's documents: percentiles of the days to a card and the
//! error of the ETAs, in working days of Indonesia's calendar.

use std::collections::BTreeMap;

use jiff::civil::Date;
use sidik_domain::kalender::Kalender;

/// The `p`-th percentile (nearest rank, `p` in 0..=100) of `v`; `None` when empty.
pub(super) fn percentile(v: &[i64], p: f64) -> Option<i64> {
    if v.is_empty() {
        return None;
    }
    let mut s = v.to_vec();
    s.sort_unstable();
    let rank = ((p / 100.0) * s.len() as f64).ceil().max(1.0) as usize;
    Some(s[rank.min(s.len()) - 1])
}

/// The distribution of (actual print day − ETA date) in working days.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct EtaError {
    /// Error in working days → applications.
    pub(super) histogram: BTreeMap<i32, u64>,
    pub(super) total: u64,
}

impl EtaError {
    /// From (ETA date, actual print date) pairs.
    pub(super) fn of(pairs: &[(Date, Date)], k: &Kalender) -> EtaError {
        let mut e = EtaError::default();
        for &(eta, actual) in pairs {
            *e.histogram
                .entry(k.hari_kerja_antara(eta, actual))
                .or_default() += 1;
            e.total += 1;
        }
        e
    }

    /// Share of applications printed within ±`n` working days of their ETA.
    pub(super) fn within(&self, n: i32) -> f64 {
        if self.total == 0 {
            return 0.0;
        }
        let ok: u64 = self
            .histogram
            .iter()
            .filter(|(d, _)| d.abs() <= n)
            .map(|(_, c)| c)
            .sum();
        ok as f64 / self.total as f64
    }

    /// `-2: 3, -1: 10, 0: 950, …` (the error buckets beyond ±5 are folded).
    pub(super) fn describe(&self) -> String {
        let mut folded: BTreeMap<i32, u64> = BTreeMap::new();
        for (&d, &c) in &self.histogram {
            *folded.entry(d.clamp(-5, 5)).or_default() += c;
        }
        folded
            .iter()
            .map(|(d, c)| match d {
                -5 => format!("≤-5: {c}"),
                5 => format!("≥+5: {c}"),
                _ => format!("{d:+}: {c}"),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn percentiles_by_nearest_rank() {
        assert_eq!(percentile(&[], 50.0), None);
        assert_eq!(percentile(&[7], 95.0), Some(7));
        let v: Vec<i64> = (1..=100).rev().collect();
        assert_eq!(percentile(&v, 50.0), Some(50));
        assert_eq!(percentile(&v, 95.0), Some(95));
        assert_eq!(percentile(&v, 100.0), Some(100));
        assert_eq!(percentile(&v, 0.0), Some(1));
    }

    #[test]
    fn eta_error_counts_working_days() {
        let k = Kalender::indonesia();
        // Wed 23 September 2015; Thu 24 is Idul Adha; Fri 25; Mon 28.
        let wed = date(2015, 9, 23);
        let pairs = [
            (wed, wed),
            (wed, date(2015, 9, 25)),  // +1 (the holiday does not count)
            (wed, date(2015, 9, 28)),  // +2
            (date(2015, 9, 28), wed),  // -2
            (wed, date(2015, 10, 30)), // far late
        ];
        let e = EtaError::of(&pairs, k);
        assert_eq!(e.total, 5);
        assert_eq!(e.histogram[&0], 1);
        assert_eq!(e.histogram[&1], 1);
        assert_eq!(e.histogram[&2], 1);
        assert_eq!(e.histogram[&-2], 1);
        assert!((e.within(1) - 0.4).abs() < 1e-9);
        assert!((e.within(2) - 0.8).abs() < 1e-9);
        assert_eq!(e.describe(), "-2: 1, +0: 1, +1: 1, +2: 1, ≥+5: 1");
        assert_eq!(EtaError::default().within(1), 0.0);
    }
}
