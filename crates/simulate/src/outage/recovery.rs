//! Watching the recovery: when the backlog after the centre's restart has cleared, and
//! what it cost.

use std::time::{Duration, Instant};

use tokio::task::JoinSet;

use crate::client;
use crate::prom::Metrics;
use crate::report::UNDECIDED_STATES;

pub(super) async fn scrape_all(http: &reqwest::Client, bases: &[String]) -> Vec<Option<Metrics>> {
    let mut set = JoinSet::new();
    for (i, b) in bases.iter().enumerate() {
        let http = http.clone();
        let b = b.clone();
        set.spawn(async move { (i, client::metrics(&http, &b).await.ok()) });
    }
    let mut out = vec![None; bases.len()];
    while let Some(Ok((i, m))) = set.join_next().await {
        out[i] = m;
    }
    out
}

/// Whether the backlog is cleared: no office has a packet waiting or an application
/// without a decision, every office shows all its acknowledged applications, and the
/// centre has decided every packet it received.
fn cleared(offices: &[Option<Metrics>], acked: &[u64], centre: Option<&Metrics>) -> bool {
    let Some(c) = centre else { return false };
    if c.count("sidik_packets_decided_total") < c.count("sidik_packets_received_total") {
        return false;
    }
    offices.iter().zip(acked).all(|(m, &n)| {
        m.as_ref().is_some_and(|m| {
            let undecided: u64 = UNDECIDED_STATES
                .iter()
                .map(|s| m.count_labeled("sidik_applications", "status", s))
                .sum();
            m.count("sidik_outbox_waiting") == 0
                && undecided == 0
                && m.sum("sidik_applications") as u64 >= n
        })
    })
}

/// Aborts a task when dropped.
pub(super) struct AbortOnDrop<T>(pub(super) tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Wall times after the centre's restart.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Milestones {
    /// Every office outbox empty and the centre holding every acknowledged packet.
    pub(super) uploaded: Option<Duration>,
    /// The centre has decided every packet.
    pub(super) decided: Option<Duration>,
    /// Cleared: additionally, every decision applied at the offices.
    pub(super) cleared: Duration,
    /// CPU seconds the centre and the offices (together) spent from the restart to
    /// the clearance (Linux `/proc`; `None` elsewhere).
    pub(super) cpu: Option<(f64, f64)>,
}

/// CPU seconds (user + system) a process has used so far, from `/proc/<pid>/stat`
/// (clock ticks of `USER_HZ`, 100 on Linux).
fn cpu_seconds(pid: Option<u32>) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", pid?)).ok()?;
    // Fields after the parenthesised command name: state is the first, utime the 12th.
    let mut f = stat.rsplit_once(')')?.1.split_whitespace().skip(11);
    let utime: f64 = f.next()?.parse().ok()?;
    let stime: f64 = f.next()?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

/// CPU seconds of the centre (with its ABIS workers) and of all offices together.
fn cluster_cpu(central: &[Option<u32>], offices: &[Option<u32>]) -> Option<(f64, f64)> {
    let c = central
        .iter()
        .map(|&p| cpu_seconds(p))
        .sum::<Option<f64>>()?;
    let o = offices
        .iter()
        .map(|&p| cpu_seconds(p))
        .sum::<Option<f64>>()?;
    Some((c, o))
}

/// Polls every node until the backlog is cleared.
pub(super) fn watch_recovery(
    http: reqwest::Client,
    office_bases: Vec<String>,
    central_base: String,
    acked: Vec<u64>,
    since: Instant,
    pids: (Vec<Option<u32>>, Vec<Option<u32>>),
) -> AbortOnDrop<Milestones> {
    AbortOnDrop(tokio::spawn(async move {
        let total: u64 = acked.iter().sum();
        let mut m = Milestones::default();
        let cpu0 = cluster_cpu(&pids.0, &pids.1);
        loop {
            let offices = scrape_all(&http, &office_bases).await;
            let centre = client::metrics(&http, &central_base).await.ok();
            if let Some(c) = &centre {
                let received = c.count("sidik_packets_received_total");
                let all_in = received >= total;
                let empty = offices.iter().all(|o| {
                    o.as_ref()
                        .is_some_and(|o| o.count("sidik_outbox_waiting") == 0)
                });
                if m.uploaded.is_none() && all_in && empty {
                    m.uploaded = Some(since.elapsed());
                }
                if m.decided.is_none()
                    && all_in
                    && c.count("sidik_packets_decided_total") >= received
                {
                    m.decided = Some(since.elapsed());
                }
            }
            if cleared(&offices, &acked, centre.as_ref()) {
                m.cleared = since.elapsed();
                m.cpu = cpu0
                    .zip(cluster_cpu(&pids.0, &pids.1))
                    .map(|((c0, o0), (c1, o1))| (c1 - c0, o1 - o0));
                return m;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn office(waiting: u64, dikirim: u64, total: u64) -> Option<Metrics> {
        Some(Metrics::parse(&format!(
            "sidik_outbox_waiting {waiting}\n\
             sidik_applications{{status=\"dikirim\"}} {dikirim}\n\
             sidik_applications{{status=\"siap_cetak\"}} {}\n",
            total - dikirim
        )))
    }

    #[test]
    fn cleared_needs_every_office_and_the_centre() {
        let centre =
            Metrics::parse("sidik_packets_received_total 20\nsidik_packets_decided_total 20\n");
        let busy =
            Metrics::parse("sidik_packets_received_total 20\nsidik_packets_decided_total 19\n");
        let acked = [10, 10];
        let ok = vec![office(0, 0, 10), office(0, 0, 10)];
        assert!(cleared(&ok, &acked, Some(&centre)));
        assert!(!cleared(&ok, &acked, None));
        assert!(!cleared(&ok, &acked, Some(&busy)));
        assert!(!cleared(
            &[office(1, 0, 10), office(0, 0, 10)],
            &acked,
            Some(&centre)
        ));
        assert!(!cleared(
            &[office(0, 1, 10), office(0, 0, 10)],
            &acked,
            Some(&centre)
        ));
        assert!(!cleared(
            &[office(0, 0, 9), office(0, 0, 10)],
            &acked,
            Some(&centre)
        ));
        assert!(!cleared(&[None, office(0, 0, 10)], &acked, Some(&centre)));
    }
}
