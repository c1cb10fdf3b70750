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
    /// CPU seconds the centre (with its ABIS workers) and the offices (together) spent
    /// from the restart to the clearance (Linux `/proc`; `None` elsewhere).
    pub(super) cpu: Option<(f64, f64)>,
    /// CPU seconds the centre's PostgreSQL server (postmaster and backends) spent in
    /// the same span (`--db postgres`; on SQLite that work is the centre's own).
    pub(super) cpu_db: Option<f64>,
}

/// The processes whose CPU time the recovery reports.
#[derive(Debug, Clone, Default)]
pub(super) struct Watched {
    /// The centre and its ABIS workers.
    pub(super) centre: Vec<Option<u32>>,
    pub(super) offices: Vec<Option<u32>>,
    /// The PostgreSQL postmaster, if the centre runs on PostgreSQL.
    pub(super) db_server: Option<u32>,
}

/// From a `/proc/<pid>/stat` line: the parent's pid, the CPU seconds (user + system)
/// the process has used, and those of its children it has reaped (clock ticks of
/// `USER_HZ`, 100 on Linux).
fn stat_times(stat: &str) -> Option<(u32, f64, f64)> {
    // Fields after the parenthesised command name: state, ppid, …; utime is the 12th,
    // then stime, cutime, cstime.
    let f: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let tick = |i: usize| -> Option<f64> { f.get(i)?.parse::<f64>().ok().map(|t| t / 100.0) };
    let ppid = f.get(1)?.parse().ok()?;
    Some((ppid, tick(11)? + tick(12)?, tick(13)? + tick(14)?))
}

/// CPU seconds (user + system) a process has used so far.
fn cpu_seconds(pid: Option<u32>) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", pid?)).ok()?;
    stat_times(&stat).map(|(_, own, _)| own)
}

/// CPU seconds of a process, of the children it has reaped and of its running
/// children: for the PostgreSQL server, the postmaster and its backends.
fn tree_cpu(root: Option<u32>) -> Option<f64> {
    let root = root?;
    let stat = std::fs::read_to_string(format!("/proc/{root}/stat")).ok()?;
    let (_, own, reaped) = stat_times(&stat)?;
    let children: f64 = std::fs::read_dir("/proc")
        .ok()?
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| n.parse::<u32>().is_ok())
        })
        .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
        .filter_map(|s| stat_times(&s))
        .filter(|&(ppid, _, _)| ppid == root)
        .map(|(_, own, reaped)| own + reaped)
        .sum();
    Some(own + reaped + children)
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
    pids: Watched,
) -> AbortOnDrop<Milestones> {
    AbortOnDrop(tokio::spawn(async move {
        let total: u64 = acked.iter().sum();
        let mut m = Milestones::default();
        let cpu0 = cluster_cpu(&pids.centre, &pids.offices);
        let db0 = tree_cpu(pids.db_server);
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
                    .zip(cluster_cpu(&pids.centre, &pids.offices))
                    .map(|((c0, o0), (c1, o1))| (c1 - c0, o1 - o0));
                m.cpu_db = db0.zip(tree_cpu(pids.db_server)).map(|(a, b)| b - a);
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
    fn stat_lines_give_parent_and_cpu_seconds() {
        // pid (comm with ") " inside) state ppid … utime stime cutime cstime …
        let line = "4242 (postgres: a) b) S 4100 4100 4100 0 -1 4194560 500 0 0 0 \
                    250 50 1000 200 20 0 1 0 1234 0 0";
        assert_eq!(stat_times(line), Some((4100, 3.0, 12.0)));
        assert_eq!(stat_times("4242 (x) S"), None);
        let me = std::process::id();
        // Read first: CPU time only grows.
        let own = cpu_seconds(Some(me)).unwrap();
        assert!(tree_cpu(Some(me)).unwrap() >= own);
        assert_eq!(tree_cpu(None), None);
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
