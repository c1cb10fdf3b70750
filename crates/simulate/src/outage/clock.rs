//! Simulated time, shared with the nodes: every node runs `sidik serve --sim-clock` with
//! the same start, rate and anchor, and the simulator maps its own schedule onto the
//! same line, so "day k" here is the nodes' calendar day `plan::date_of(k)` (WIB).

use std::time::Duration;

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use crate::plan;

/// Hour (WIB) at which simulated day 1 begins at the anchor: the offices open at 08.00.
pub(super) const OPEN: Time = jiff::civil::time(8, 0, 0, 0);

fn wib() -> TimeZone {
    TimeZone::fixed(jiff::tz::offset(7))
}

/// `sim = start + (real − anchor) × rate`, with `start` = day 1 at 08.00 WIB.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Timeline {
    /// The real instant at which simulated day 1 is at 08.00.
    pub(super) anchor: Timestamp,
    /// Simulated seconds per real second (86400 / day-seconds).
    pub(super) rate: f64,
}

impl Timeline {
    pub(super) fn new(anchor: Timestamp, day_seconds: f64) -> Timeline {
        Timeline {
            anchor,
            rate: 86_400.0 / day_seconds,
        }
    }

    /// Day 1 at 08.00 WIB.
    pub(super) fn start() -> Timestamp {
        plan::DAY_ONE
            .to_datetime(OPEN)
            .to_zoned(wib())
            .expect("a 2015 date in WIB")
            .timestamp()
    }

    /// The `--sim-clock` value the nodes are started with.
    pub(super) fn spec(&self) -> String {
        format!("{}@{}@{}", Self::start(), self.rate, self.anchor)
    }

    /// The simulated instant at real instant `real`.
    pub(super) fn sim(&self, real: Timestamp) -> Timestamp {
        let s = real.duration_since(self.anchor).as_secs_f64() * self.rate;
        Self::start()
            .checked_add(SignedDuration::from_secs_f64(s))
            .unwrap_or_else(|_| Self::start())
    }

    pub(super) fn sim_now(&self) -> Timestamp {
        self.sim(Timestamp::now())
    }

    /// The real instant at which the simulated clock reads `at` on day `day`.
    pub(super) fn real(&self, day: u32, at: Time) -> Timestamp {
        let sim = plan::date_of(day)
            .to_datetime(at)
            .to_zoned(wib())
            .expect("a 2015 date in WIB")
            .timestamp();
        let secs = sim.duration_since(Self::start()).as_secs_f64() / self.rate;
        self.anchor
            .checked_add(SignedDuration::from_secs_f64(secs))
            .unwrap_or(self.anchor)
    }

    /// Sleeps until the simulated clock reads `at` on day `day` (at once if it has).
    pub(super) async fn wait_until(&self, day: u32, at: Time) {
        let left = self.real(day, at).duration_since(Timestamp::now());
        if left.is_positive() {
            tokio::time::sleep(Duration::try_from(left).unwrap_or_default()).await;
        }
    }

    /// Whether the simulated clock is already past `at` on day `day`.
    pub(super) fn past(&self, day: u32, at: Time) -> bool {
        Timestamp::now() > self.real(day, at)
    }

    /// The simulated day (1-based) of simulated instant `t`.
    pub(super) fn day_of(t: Timestamp) -> i64 {
        plan::day_of(Self::date(t))
    }

    /// The WIB calendar date of simulated instant `t`.
    pub(super) fn date(t: Timestamp) -> Date {
        t.to_zoned(wib()).date()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_timeline_maps_real_seconds_to_simulated_days() {
        let anchor: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let t = Timeline::new(anchor, 10.0);
        assert_eq!(t.rate, 8640.0);
        assert_eq!(Timeline::start().to_string(), "2015-08-31T01:00:00Z");
        assert_eq!(t.sim(anchor), Timeline::start());
        // Ten real seconds later it is Tuesday 08.00 WIB: day 2.
        let s = t.sim("2026-01-01T00:00:10Z".parse().unwrap());
        assert_eq!(Timeline::day_of(s), 2);
        assert_eq!(Timeline::date(s), jiff::civil::date(2015, 9, 1));
        // Day 3 at 23.00 WIB is 2 days and 15 hours after the start.
        let r = t.real(3, jiff::civil::time(23, 0, 0, 0));
        let secs = r.duration_since(anchor).as_secs_f64();
        assert!((secs - 26.25).abs() < 1e-6, "{secs}");
        assert_eq!(t.sim(r).to_string(), "2015-09-02T16:00:00Z");
        // Before day 1 08.00 the clock reads day 1's early hours, then day 0.
        assert_eq!(
            Timeline::day_of(t.sim("2025-12-31T23:59:58Z".parse().unwrap())),
            1
        );
        assert_eq!(
            Timeline::day_of(t.sim("2025-12-31T23:59:56Z".parse().unwrap())),
            0
        );
        let spec = t.spec();
        assert_eq!(spec, "2015-08-31T01:00:00Z@8640@2026-01-01T00:00:00Z");
    }
}
