//! The simulated days: the applicants enroll at their offices day by day while the
//! centre is down, the centre is restarted after the outage, and the days go on until
//! the backlog has cleared (or the recovery timeout).

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::clock::SimClock;
use super::provision::Cluster;
use super::recovery::{scrape_all, watch_recovery, AbortOnDrop, Milestones};
use super::workload::{enroll_one, print_ready, Outcome};
use super::{Scenario, LIVE_RECOVERY_ROWS, START_TIMEOUT};
use crate::client::Office;
use crate::plan;
use crate::report::{self, DayRow};
use crate::OutageOpts;

/// Prints a line to stdout above the progress bar.
fn say(bar: &ProgressBar, line: impl AsRef<str>) {
    bar.suspend(|| println!("{}", line.as_ref()));
}

/// What the days recorded, for the accounting and the report.
pub(super) struct RunLog {
    /// Per applicant, in plan order.
    pub(super) outcomes: Vec<Outcome>,
    /// One row per simulated day.
    pub(super) rows: Vec<DayRow>,
    /// The recovery milestones, once the backlog has cleared.
    pub(super) cleared_after: Option<Milestones>,
    /// Wall time spent enrolling (and checking), over all days.
    pub(super) enroll_wall: Duration,
    /// How long the restarted centre took to be ready.
    pub(super) centre_ready_after: Duration,
    /// Cards printed during the run.
    pub(super) printed_total: u64,
}

/// The run from day 1 on: the district, the progress bar and what has happened so far.
pub(super) struct Days<'a> {
    opts: &'a OutageOpts,
    sc: &'a Scenario,
    cluster: &'a mut Cluster,
    http: &'a reqwest::Client,
    offices: &'a [Office],
    office_bases: &'a [String],
    day_wall: Duration,
    bar: ProgressBar,
    /// Requests in flight per office.
    sems: Vec<Arc<Semaphore>>,
    /// From the centre's restart until the watcher has reported: the restart instant
    /// and the watcher.
    recovery: Option<(Instant, AbortOnDrop<Milestones>)>,
    clock: SimClock,
    log: RunLog,
}

impl<'a> Days<'a> {
    pub(super) fn new(
        opts: &'a OutageOpts,
        sc: &'a Scenario,
        cluster: &'a mut Cluster,
        http: &'a reqwest::Client,
        offices: &'a [Office],
        office_bases: &'a [String],
    ) -> Self {
        let n = opts.applicants;
        let bar = ProgressBar::new(n as u64);
        bar.set_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} enrolled  {msg}")
                .expect("progress template"),
        );
        Days {
            opts,
            sc,
            cluster,
            http,
            offices,
            office_bases,
            day_wall: Duration::from_secs_f64(opts.day_seconds),
            bar,
            sems: sc
                .sites
                .iter()
                .map(|_| Arc::new(Semaphore::new(opts.in_flight.max(1))))
                .collect(),
            recovery: None,
            clock: SimClock::default(),
            log: RunLog {
                outcomes: vec![Outcome::default(); n],
                rows: Vec::new(),
                cleared_after: None,
                enroll_wall: Duration::ZERO,
                centre_ready_after: Duration::ZERO,
                printed_total: 0,
            },
        }
    }

    /// Runs the days until the backlog has cleared and every card is printed, or the
    /// recovery timeout has passed.
    pub(super) async fn run(mut self) -> Result<RunLog> {
        say(&self.bar, report::table_header());
        let mut day = 0u32;
        loop {
            day += 1;
            let start = Instant::now();
            self.clock.start_day(start);
            self.check_nodes(day).await?;
            self.enroll(day).await?;
            self.log.printed_total += print_ready(self.offices, self.opts.in_flight).await?;
            let spent = start.elapsed();
            let overran = spent > self.day_wall;
            if !overran {
                tokio::time::sleep(self.day_wall - spent).await;
            }
            self.poll_recovery().await?;
            let row = self.end_of_day(day, overran).await;
            let done = day > self.opts.outage_days
                && self.log.cleared_after.is_some()
                && row.printable == 0
                && row.waiting == 0;
            self.log.rows.push(row);
            if done {
                break;
            }
            if self.timed_out(day) {
                say(
                    &self.bar,
                    format!(
                        "recovery timeout ({} s) reached before the backlog cleared",
                        self.opts.recovery_timeout
                    ),
                );
                break;
            }
        }
        self.bar.finish_and_clear();
        drop(self.recovery);
        Ok(self.log)
    }

    /// Start of a day: the offices (and, once back, the centre) must still be running;
    /// on the first day after the outage the centre is restarted.
    async fn check_nodes(&mut self, day: u32) -> Result<()> {
        for node in self.cluster.offices.iter_mut() {
            node.check_alive()?;
        }
        if day == self.opts.outage_days + 1 {
            self.restart_centre(day).await?;
        } else if day > self.opts.outage_days {
            self.cluster.central.check_alive()?;
        }
        Ok(())
    }

    /// Restarts the centre and starts watching the recovery, with each office's count of
    /// acknowledged enrollments.
    async fn restart_centre(&mut self, day: u32) -> Result<()> {
        self.bar
            .set_message(format!("day {day}: restarting the centre"));
        let restart = Instant::now();
        self.log.centre_ready_after = self.cluster.central.start(self.http, START_TIMEOUT).await?;
        let mut acked = vec![0u64; self.sc.sites.len()];
        for (a, o) in self.sc.applicants.iter().zip(&self.log.outcomes) {
            if o.nomor.is_some() {
                acked[a.office] += 1;
            }
        }
        self.recovery = Some((
            restart,
            watch_recovery(
                self.http.clone(),
                self.office_bases.to_vec(),
                self.cluster.central.base.clone(),
                acked,
                restart,
                (
                    self.cluster.central.pid(),
                    self.cluster.offices.iter().map(|o| o.pid()).collect(),
                ),
            ),
        ));
        Ok(())
    }

    /// The day's applicants enroll at their offices (`in_flight` at a time per office);
    /// their outcomes are recorded.
    async fn enroll(&mut self, day: u32) -> Result<()> {
        let (opts, sc) = (self.opts, self.sc);
        let centre = if self.cluster.central.running() {
            "up"
        } else {
            "DOWN"
        };
        let todays: Vec<usize> = (0..opts.applicants)
            .filter(|&k| sc.applicants[k].day == day)
            .collect();
        self.bar.set_message(format!(
            "day {day} ({}), centre {centre}: {} applicants",
            plan::weekday(day),
            todays.len()
        ));
        let enroll_start = Instant::now();
        let mut set = JoinSet::new();
        for &k in &todays {
            let a = sc.applicants[k].clone();
            let office = self.offices[a.office].clone();
            let person = sc.people[a.resident].clone();
            let sem = self.sems[a.office].clone();
            let key = format!("simulasi-{}-{k}", opts.seed);
            set.spawn(async move {
                let _permit = sem.acquire_owned().await;
                (k, enroll_one(office, a, person, key).await)
            });
        }
        while let Some(r) = set.join_next().await {
            let (k, o) = r.context("enrollment task")?;
            if let Some(e) = &o.error {
                say(
                    &self.bar,
                    format!(
                        "  applicant {k} (NIK {}) at office {}: {e}",
                        sc.people[sc.applicants[k].resident].nik,
                        sc.sites[sc.applicants[k].office].kode
                    ),
                );
            }
            self.log.outcomes[k] = o;
            self.bar.inc(1);
        }
        self.log.enroll_wall += enroll_start.elapsed();
        Ok(())
    }

    /// Takes the recovery watcher's milestones once it has finished.
    async fn poll_recovery(&mut self) -> Result<()> {
        if self.log.cleared_after.is_none() {
            if let Some((_, h)) = &self.recovery {
                if h.0.is_finished() {
                    let (_, mut h) = self.recovery.take().expect("recovery watcher");
                    self.log.cleared_after = Some((&mut h.0).await.context("recovery watcher")?);
                }
            }
        }
        Ok(())
    }

    /// The day's row from the offices' metrics, printed live on the outage days and the
    /// first `LIVE_RECOVERY_ROWS` recovery days, then on every 10th recovery day.
    async fn end_of_day(&mut self, day: u32, overran: bool) -> DayRow {
        let enrolled = self
            .log
            .outcomes
            .iter()
            .filter(|o| o.nomor.is_some())
            .count() as u64;
        let metrics = scrape_all(self.http, self.office_bases).await;
        let mut row = DayRow::from_offices(day, self.cluster.central.running(), enrolled, &metrics);
        row.oldest_wait_days = self.clock.age_days(row.oldest_wait_seconds, Instant::now());
        row.overran = overran;
        let after = day.saturating_sub(self.opts.outage_days);
        if after <= LIVE_RECOVERY_ROWS || report::every(after, 10) {
            say(&self.bar, report::table_row(&row));
        }
        self.bar.set_message(format!(
            "day {day}: waiting {}, decided {}, printed {}",
            row.waiting,
            row.unique + row.duplicate,
            row.printed
        ));
        row
    }

    /// Whether the recovery timeout has passed without the backlog clearing.
    fn timed_out(&self, day: u32) -> bool {
        day > self.opts.outage_days
            && self.log.cleared_after.is_none()
            && self
                .recovery
                .as_ref()
                .is_some_and(|(t, _)| t.elapsed() > Duration::from_secs(self.opts.recovery_timeout))
    }
}
