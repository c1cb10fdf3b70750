//! Simulated time: wall-clock instants mapped to simulated days.

use std::time::{Duration, Instant};

/// Maps wall-clock instants to simulated time: day `k` (1-based) runs from
/// `starts[k-1]` to `starts[k]` (or to "now" for the current day), whatever its wall
/// length was, so ages stay right on days that overran their budget.
#[derive(Debug, Default)]
pub(super) struct SimClock {
    starts: Vec<Instant>,
}

impl SimClock {
    pub(super) fn start_day(&mut self, at: Instant) {
        self.starts.push(at);
    }

    /// Simulated days since the start of day 1 at wall instant `t` (`now`: the present).
    fn at(&self, t: Instant, now: Instant) -> f64 {
        let Some(&first) = self.starts.first() else {
            return 0.0;
        };
        if t <= first {
            return 0.0;
        }
        let k = self
            .starts
            .iter()
            .rposition(|&s| s <= t)
            .expect("t after day 1");
        let start = self.starts[k];
        let end = self.starts.get(k + 1).copied().unwrap_or(now);
        let len = end.saturating_duration_since(start).as_secs_f64();
        let frac = if len > 0.0 {
            (t.saturating_duration_since(start).as_secs_f64() / len).min(1.0)
        } else {
            1.0
        };
        k as f64 + frac
    }

    /// The simulated age at `now` of something `age` wall seconds old.
    pub(super) fn age_days(&self, age: f64, now: Instant) -> f64 {
        if !(age.is_finite() && age > 0.0) {
            return 0.0;
        }
        let born = now.checked_sub(Duration::from_secs_f64(age)).unwrap_or(now);
        (self.at(now, now) - self.at(born, now)).max(0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sim_clock_maps_wall_time_per_day_even_when_days_overrun() {
        let t0 = Instant::now();
        let s = |x: f64| t0 + Duration::from_secs_f64(x);
        let mut c = SimClock::default();
        c.start_day(s(0.0)); // day 1: 1 s
        c.start_day(s(1.0)); // day 2: 3 s (overran)
        c.start_day(s(4.0)); // day 3: current, now = 5 s
        let now = s(5.0);
        assert_eq!(c.at(s(0.0), now), 0.0);
        assert!((c.at(s(0.5), now) - 0.5).abs() < 1e-9);
        assert!((c.at(s(2.5), now) - 1.5).abs() < 1e-9);
        assert!((c.at(now, now) - 3.0).abs() < 1e-9);
        // Born at 0.5 s (day 1, midday): 2.5 simulated days old at the end of day 3.
        assert!((c.age_days(4.5, now) - 2.5).abs() < 1e-9);
        assert_eq!(c.age_days(0.0, now), 0.0);
        assert_eq!(c.age_days(f64::NAN, now), 0.0);
        assert!((c.age_days(100.0, now) - 3.0).abs() < 1e-9);
    }
}
