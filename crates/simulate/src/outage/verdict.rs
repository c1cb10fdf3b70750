//! The end-of-run accounting: what the offices acknowledged, what the centre received
//! and decided, what came back to the offices, and what became of the planted
//! duplicates.

use std::collections::{HashMap, HashSet};

use anyhow::Result;

use super::provision::Cluster;
use super::recovery::scrape_all;
use super::workload::Outcome;
use super::Scenario;
use crate::client::{self, Office};
use crate::prom::Metrics;
use crate::report::UNDECIDED_STATES;

/// The end-of-run accounting.
#[derive(Debug, Default)]
pub(super) struct Verdict {
    pub(super) acknowledged: u64,
    pub(super) received: u64,
    pub(super) replayed: u64,
    pub(super) decided_at_centre: u64,
    pub(super) decisions: Vec<(String, u64)>,
    pub(super) quarantined: u64,
    pub(super) rejected_at_offices: u64,
    pub(super) applied_at_offices: u64,
    pub(super) missing_at_office: u64,
    pub(super) undecided: u64,
    pub(super) planted: usize,
    /// Planted pairs flagged ganda on the later enrollment only, the earlier only, both.
    pub(super) planted_flagged_later: usize,
    pub(super) planted_flagged_earlier: usize,
    pub(super) planted_flagged_both: usize,
    /// Pairs whose earlier enrollment had its card printed (the legitimate one: the
    /// later finding sends it to adjudication).
    pub(super) planted_earlier_printed: usize,
    /// Pairs whose later enrollment, the suspect one, had its card printed.
    pub(super) planted_later_printed: usize,
    pub(super) planted_missed: Vec<String>,
    pub(super) unplanned_ganda: u64,
    pub(super) enrollment_failures: usize,
}

impl Verdict {
    pub(super) fn lost(&self) -> i64 {
        self.acknowledged as i64 - self.received as i64
    }

    pub(super) fn failures(&self, cleared: bool) -> Vec<String> {
        let mut f = Vec::new();
        if self.lost() > 0 {
            f.push(format!(
                "{} acknowledged enrollment(s) never reached the centre",
                self.lost()
            ));
        }
        if self.lost() < 0 {
            f.push(format!(
                "the centre received {} packet(s) more than were acknowledged",
                -self.lost()
            ));
        }
        if !self.planted_missed.is_empty() {
            f.push(format!(
                "{} of {} planted duplicate(s) not flagged ganda",
                self.planted_missed.len(),
                self.planted
            ));
        }
        if self.undecided > 0 {
            f.push(format!(
                "{} application(s) still without a decision",
                self.undecided
            ));
        }
        if self.missing_at_office > 0 {
            f.push(format!(
                "{} acknowledged application(s) not found at their office",
                self.missing_at_office
            ));
        }
        if self.enrollment_failures > 0 {
            f.push(format!("{} enrollment(s) failed", self.enrollment_failures));
        }
        if !cleared {
            f.push("the backlog did not clear within the recovery timeout".into());
        }
        f
    }
}

/// Asks the nodes for their final counts and every application's status, and tallies
/// them against what the offices acknowledged.
pub(super) async fn account(
    http: &reqwest::Client,
    cluster: &Cluster,
    offices: &[Office],
    office_bases: &[String],
    sc: &Scenario,
    outcomes: &[Outcome],
) -> Result<Verdict> {
    let centre_metrics = if cluster.central.running() {
        client::metrics(http, &cluster.central.base).await.ok()
    } else {
        None
    };
    let office_metrics = scrape_all(http, office_bases).await;
    let mut statuses: HashMap<String, String> = HashMap::new();
    for o in offices {
        for a in o.list(None).await? {
            statuses.insert(a.nomor, a.status);
        }
    }
    Ok(Verdict::tally(
        sc,
        outcomes,
        centre_metrics.as_ref(),
        &office_metrics,
        &statuses,
    ))
}

impl Verdict {
    /// The accounting from the centre's and the offices' metrics and the applications'
    /// statuses (by nomor).
    fn tally(
        sc: &Scenario,
        outcomes: &[Outcome],
        centre: Option<&Metrics>,
        offices: &[Option<Metrics>],
        statuses: &HashMap<String, String>,
    ) -> Verdict {
        let mut v = Verdict {
            acknowledged: outcomes.iter().filter(|o| o.nomor.is_some()).count() as u64,
            enrollment_failures: outcomes.iter().filter(|o| o.error.is_some()).count(),
            planted: sc
                .applicants
                .iter()
                .filter(|a| a.duplicate_of.is_some())
                .count(),
            ..Default::default()
        };
        if let Some(c) = centre {
            v.received = c.count("sidik_packets_received_total");
            v.replayed = c.count("sidik_packets_replayed_total");
            v.decided_at_centre = c.count("sidik_packets_decided_total");
            v.quarantined = c.count("sidik_quarantine_total");
            v.decisions = ["tunggal", "ganda", "ditolak"]
                .iter()
                .map(|h| {
                    (
                        h.to_string(),
                        c.count_labeled("sidik_decisions_total", "hasil", h),
                    )
                })
                .collect();
        }
        for m in offices.iter().flatten() {
            v.applied_at_offices += m.count("sidik_decisions_applied_total");
            v.rejected_at_offices += m.count("sidik_outbox_rejected_total");
        }
        let status_of = |k: usize| -> Option<&str> {
            outcomes[k]
                .nomor
                .as_ref()
                .and_then(|nomor| statuses.get(nomor))
                .map(String::as_str)
        };
        for (k, o) in outcomes.iter().enumerate() {
            if o.nomor.is_some() {
                match status_of(k) {
                    None => v.missing_at_office += 1,
                    Some(s) if UNDECIDED_STATES.contains(&s) => v.undecided += 1,
                    Some(_) => {}
                }
            }
        }
        let in_pairs = v.tally_planted(sc, outcomes, &status_of);
        v.unplanned_ganda = statuses
            .iter()
            .filter(|(nomor, s)| s.as_str() == "ganda" && !in_pairs.contains(*nomor))
            .count() as u64;
        v
    }

    /// The planted duplicate pairs: which enrollment of each pair was flagged ganda and
    /// which got its card printed. Returns the nomor of every enrolled member of a pair.
    fn tally_planted<'s>(
        &mut self,
        sc: &Scenario,
        outcomes: &[Outcome],
        status_of: &impl Fn(usize) -> Option<&'s str>,
    ) -> HashSet<String> {
        let (applicants, people, sites) = (&sc.applicants, &sc.people, &sc.sites);
        let mut in_pairs = HashSet::new();
        for (j, a) in applicants.iter().enumerate() {
            let Some(i) = a.duplicate_of else { continue };
            for x in [i, j] {
                if let Some(nomor) = &outcomes[x].nomor {
                    in_pairs.insert(nomor.clone());
                }
            }
            // The plan's original is enrolled on the same day or earlier; on the same day
            // the acknowledgement times tell which came first.
            let (first, second) = match (outcomes[i].acked, outcomes[j].acked) {
                (Some(ti), Some(tj)) if tj < ti => (j, i),
                _ => (i, j),
            };
            let later = status_of(second) == Some("ganda");
            let earlier = status_of(first) == Some("ganda");
            let printed = |k: usize| matches!(status_of(k), Some("dicetak" | "diserahkan"));
            self.planted_earlier_printed += printed(first) as usize;
            self.planted_later_printed += printed(second) as usize;
            if later && earlier {
                self.planted_flagged_both += 1;
            } else if later {
                self.planted_flagged_later += 1;
            } else if earlier {
                self.planted_flagged_earlier += 1;
            } else {
                self.planted_missed.push(format!(
                "applicant {j} (NIK {}, office {}, status {}) duplicates applicant {i} (NIK {}, office {}, status {})",
                people[a.resident].nik,
                sites[a.office].kode,
                status_of(j).unwrap_or("?"),
                people[applicants[i].resident].nik,
                sites[applicants[i].office].kode,
                status_of(i).unwrap_or("?"),
            ));
            }
        }
        in_pairs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdict_counts_lost_and_duplicated() {
        let mut v = Verdict {
            acknowledged: 10,
            received: 10,
            planted: 1,
            planted_flagged_later: 1,
            ..Default::default()
        };
        assert!(v.failures(true).is_empty());
        assert_eq!(v.failures(false).len(), 1);
        v.received = 9;
        assert_eq!(v.lost(), 1);
        assert!(v.failures(true)[0].contains("never reached"));
        v.received = 12;
        assert!(v.failures(true)[0].contains("2 packet(s) more"));
        v.received = 10;
        v.planted_missed.push("x".into());
        assert!(v.failures(true)[0].contains("1 of 1 planted"));
    }
}
