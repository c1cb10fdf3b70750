//! A simulated clock for whole-system replays (`sidik serve --sim-clock`): business time
//! runs `rate` times faster than the real clock from a chosen start, so that a replay of
//! weeks in minutes still has calendar days, printer days and working days.

use jiff::{SignedDuration, Timestamp};
use sidik_ports::Clock;

/// `start + (real_now − anchor) × rate`. Every node of a replay is given the same start,
/// anchor and rate, so they agree on the time whenever each of them was (re)started.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SimulatedClock {
    /// The simulated instant at `anchor`.
    pub start: Timestamp,
    /// The real instant at which simulated time is `start`.
    pub anchor: Timestamp,
    /// Simulated seconds per real second.
    pub rate: f64,
}

impl SimulatedClock {
    /// Parses `START@RATE[@ANCHOR]` (RFC 3339 instants; ANCHOR defaults to `now`, the
    /// real time of the call).
    pub fn parse(spec: &str, now: Timestamp) -> Result<SimulatedClock, String> {
        let mut parts = spec.split('@');
        let bad = |what: &str| {
            format!(
                "--sim-clock {spec:?}: {what} (expected START@RATE[@ANCHOR], RFC 3339 instants)"
            )
        };
        let start: Timestamp = parts
            .next()
            .unwrap_or_default()
            .trim()
            .parse()
            .map_err(|_| bad("bad START"))?;
        let rate: f64 = parts
            .next()
            .ok_or_else(|| bad("no RATE"))?
            .trim()
            .parse()
            .map_err(|_| bad("bad RATE"))?;
        if !(rate.is_finite() && rate > 0.0 && rate <= 1.0e6) {
            return Err(bad("RATE must be in (0, 1e6]"));
        }
        let anchor = match parts.next() {
            Some(a) => a.trim().parse().map_err(|_| bad("bad ANCHOR"))?,
            None => now,
        };
        if parts.next().is_some() {
            return Err(bad("too many parts"));
        }
        Ok(SimulatedClock {
            start,
            anchor,
            rate,
        })
    }

    /// The simulated instant at real instant `real`.
    pub fn at(&self, real: Timestamp) -> Timestamp {
        let elapsed = real.duration_since(self.anchor).as_secs_f64() * self.rate;
        self.start
            .checked_add(SignedDuration::from_secs_f64(elapsed))
            .unwrap_or(self.start)
    }
}

impl Clock for SimulatedClock {
    fn now(&self) -> Timestamp {
        self.at(Timestamp::now())
    }

    fn real_now(&self) -> Timestamp {
        Timestamp::now()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_real_time_at_the_rate_from_the_anchor() {
        let now: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let c = SimulatedClock::parse("2015-09-01T08:00:00+07:00@8640@2026-01-01T00:00:10Z", now)
            .unwrap();
        assert_eq!(c.rate, 8640.0);
        assert_eq!(c.at(c.anchor), c.start);
        // 10 real seconds = one simulated day; before the anchor runs backwards.
        let day = c.at("2026-01-01T00:00:20Z".parse().unwrap());
        assert_eq!(day.to_string(), "2015-09-02T01:00:00Z");
        assert_eq!(c.at(now).to_string(), "2015-08-31T01:00:00Z");
        let d = SimulatedClock::parse("2015-09-01T01:00:00Z@2", now).unwrap();
        assert_eq!(d.anchor, now);
        for bad in [
            "x@2",
            "2015-09-01T01:00:00Z",
            "2015-09-01T01:00:00Z@0",
            "2015-09-01T01:00:00Z@2@y",
            "2015-09-01T01:00:00Z@2@2026-01-01T00:00:00Z@1",
        ] {
            assert!(SimulatedClock::parse(bad, now).is_err(), "{bad}");
        }
    }
}
