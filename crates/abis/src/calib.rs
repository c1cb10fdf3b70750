//! Score calibration: a monotone map from the matcher's raw score to
//! ≈ 10·log10(1/FMR), read off the empirical false-match-rate curve of impostor
//! comparisons.

/// Decades of FMR per raw-score unit used above the last measured knot. Deliberately
/// shallower than the measured slope between FMR 1e-2 and 1e-3 (≈ 0.2 on FVC2002), so
/// that extrapolated scores under-state rather than over-state how rare a match is.
pub const TAIL_SLOPE: f32 = 0.12;

/// FMR levels (as −log10 FMR) where [`Calibration::fit`] places knots, as long as at
/// least [`MIN_TAIL`] impostors lie at or above the knot.
const LEVELS: &[f32] = &[
    0.301, 0.523, 0.699, 1.0, 1.301, 1.699, 2.0, 2.301, 2.699, 3.0, 3.301, 3.699, 4.0, 4.301,
    4.699, 5.0,
];
/// Impostors that must lie at or above a knot for it to be measured, not extrapolated.
const MIN_TAIL: usize = 3;

/// Piecewise-linear calibration table: `(raw score, −log10 FMR)` knots, strictly
/// increasing in both, starting at `(0, 0)`, and a tail slope above the last knot.
#[derive(Clone, Debug, PartialEq)]
pub struct Calibration {
    pub knots: Vec<(f32, f32)>,
    pub tail_slope: f32,
}

impl Calibration {
    /// A table from constant knots.
    pub fn from_table(knots: &[(f32, f32)], tail_slope: f32) -> Self {
        Calibration {
            knots: knots.to_vec(),
            tail_slope,
        }
    }

    /// Fits the knots on impostor raw scores: the raw score exceeded by a fraction
    /// 10^(−level) of the impostors, for each level the data resolves.
    pub fn fit(impostor_raw: &[f32]) -> Self {
        let mut s = impostor_raw.to_vec();
        s.sort_by(|a, b| b.total_cmp(a));
        let n = s.len();
        let mut knots = vec![(0.0f32, 0.0f32)];
        for &level in LEVELS {
            let fmr = 10f64.powf(-level as f64);
            let above = (fmr * n as f64).floor() as usize;
            if above < MIN_TAIL || above == 0 || above > n {
                continue;
            }
            // The `above`-th highest impostor score: a fraction `fmr` score at or above it.
            let raw = s[above - 1];
            let last = knots[knots.len() - 1];
            if raw > last.0 + 1e-3 {
                knots.push((raw, level));
            }
        }
        Calibration {
            knots,
            tail_slope: TAIL_SLOPE,
        }
    }

    /// Maps a raw score to ≈ 10·log10(1/FMR).
    pub fn apply(&self, raw: f32) -> f32 {
        interpolate(&self.knots, self.tail_slope, raw)
    }
}

/// Piecewise-linear interpolation of `table`, extrapolated above the last knot with
/// `tail_slope`; 0 at or below the first knot.
pub(crate) fn interpolate(t: &[(f32, f32)], tail_slope: f32, raw: f32) -> f32 {
    if t.is_empty() || raw <= t[0].0 {
        return 0.0;
    }
    for w in t.windows(2) {
        let (a, b) = (w[0], w[1]);
        if raw <= b.0 {
            let f = (raw - a.0) / (b.0 - a.0);
            return 10.0 * (a.1 + f * (b.1 - a.1));
        }
    }
    let last = t[t.len() - 1];
    10.0 * (last.1 + (raw - last.0) * tail_slope)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fitted_table_reads_back_the_empirical_fmr() {
        // 10,000 impostors with raw scores 0..10,000 (uniform): FMR(t) = (10,000 - t) / 10,000.
        let imp: Vec<f32> = (0..10_000).map(|i| i as f32).collect();
        let c = Calibration::fit(&imp);
        // Knots down to FMR 1e-3 at least (10 impostors above), not to 1e-4 (1 above).
        assert!(c.knots.iter().any(|k| (k.1 - 3.0).abs() < 1e-6));
        assert!(c.knots.iter().all(|k| k.1 < 3.9));
        // The score of raw 9,900 (FMR 1%) reads ≈ 20.
        let s = c.apply(9_900.0);
        assert!((s - 20.0).abs() < 0.1, "{s}");
        // Monotone.
        let mut prev = -1.0;
        for r in (0..12_000).step_by(97) {
            let v = c.apply(r as f32);
            assert!(v >= prev);
            prev = v;
        }
    }

    #[test]
    fn fit_on_degenerate_scores_is_flat_zero() {
        let c = Calibration::fit(&[0.0; 100]);
        assert_eq!(c.knots, vec![(0.0, 0.0)]);
        assert_eq!(c.apply(0.0), 0.0);
        assert!(c.apply(5.0) > 0.0, "tail above the only knot still rises");
    }
}
