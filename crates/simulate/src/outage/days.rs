//! The simulated days: the applicants enroll at their offices day by day while the
//! centre is down, the centre is restarted after the outage, and the days go on until
//! the backlog has cleared (or the recovery timeout).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use jiff::civil::{time, Date, Time};
use jiff::Timestamp;

use super::clock::{Timeline, OPEN};
use super::printing::{self, EtaSeen};
use super::provision::Cluster;
use super::recovery::{scrape_all, watch_recovery, AbortOnDrop, Milestones, Watched};
use super::workload::{self, enroll_one, Outcome};
use super::{Scenario, LIVE_RECOVERY_ROWS};
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
    /// The day each card was printed, by registration number.
    pub(super) printed: HashMap<String, u32>,
    /// The date of each card's batch on its office's clock.
    pub(super) printed_on: HashMap<String, Date>,
    /// Cards handed over.
    pub(super) handed: HashSet<String>,
    /// The ETA each application got when first seen in the print queue.
    pub(super) etas: HashMap<String, EtaSeen>,
    /// When (simulated) the centre was first restarted, and on which day.
    pub(super) restart_sim: Option<Timestamp>,
    pub(super) restart_day: u32,
    /// Offices whose blank ledger did not balance (day, office, figures).
    pub(super) ledger_failures: Vec<String>,
    /// `--flap`: the ETAs asked while the centre was down again, by kind.
    pub(super) flap_etas: BTreeMap<String, u64>,
}

/// The offices close the day's books at 23.00 (the day's row is taken then).
const CLOSE: Time = time(23, 0, 0, 0);

/// Safety stop: recovery days after which the run ends even if cards still wait.
const MAX_RECOVERY_DAYS: u32 = 200;

/// The print desks of the offices: printer ids and the scheduled delivery (if any).
pub(super) struct Desks {
    pub(super) printers: Vec<i64>,
    pub(super) kiriman: Vec<Option<i64>>,
    /// The day the scheduled delivery arrives and how many blanks per office.
    pub(super) delivery: Option<(u32, u64)>,
}

/// The run from day 1 on: the district, the progress bar and what has happened so far.
pub(super) struct Days<'a> {
    opts: &'a OutageOpts,
    sc: &'a Scenario,
    cluster: &'a mut Cluster,
    http: &'a reqwest::Client,
    offices: &'a [Office],
    office_bases: &'a [String],
    desks: Desks,
    timeline: Timeline,
    bar: ProgressBar,
    /// Requests in flight per office.
    sems: Vec<Arc<Semaphore>>,
    /// From the centre's restart until the watcher has reported: the restart instant
    /// and the watcher.
    recovery: Option<(Instant, AbortOnDrop<Milestones>)>,
    /// The office of each acknowledged application.
    office_of: HashMap<String, usize>,
    /// Suket issued and revoked so far (all offices), at the end of the previous day.
    suket_before: (u64, u64),
    /// The sampled Suket being verified: (applicant, verdict).
    verifying: JoinSet<Vec<(usize, String)>>,
    log: RunLog,
}

impl<'a> Days<'a> {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn new(
        opts: &'a OutageOpts,
        sc: &'a Scenario,
        cluster: &'a mut Cluster,
        http: &'a reqwest::Client,
        offices: &'a [Office],
        office_bases: &'a [String],
        desks: Desks,
        timeline: Timeline,
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
            desks,
            timeline,
            bar,
            sems: sc
                .sites
                .iter()
                .map(|_| Arc::new(Semaphore::new(opts.in_flight.max(1))))
                .collect(),
            recovery: None,
            office_of: HashMap::new(),
            suket_before: (0, 0),
            verifying: JoinSet::new(),
            log: RunLog {
                outcomes: vec![Outcome::default(); n],
                rows: Vec::new(),
                cleared_after: None,
                enroll_wall: Duration::ZERO,
                centre_ready_after: Duration::ZERO,
                printed_total: 0,
                printed: HashMap::new(),
                printed_on: HashMap::new(),
                handed: HashSet::new(),
                etas: HashMap::new(),
                restart_sim: None,
                restart_day: 0,
                ledger_failures: Vec::new(),
                flap_etas: BTreeMap::new(),
            },
        }
    }

    /// The first day the centre is back: the day after the outage, or with `--flap` the
    /// first working day from then on (it comes back at 12.00 and dies again at 19.00).
    fn return_day(&self) -> u32 {
        let r = self.opts.outage_days + 1;
        if self.opts.flap {
            (r..r + 14).find(|&d| plan::is_working_day(d)).unwrap_or(r)
        } else {
            r
        }
    }

    /// Runs the days until the backlog has cleared and every card is printed, or the
    /// recovery timeout has passed.
    pub(super) async fn run(mut self) -> Result<RunLog> {
        say(&self.bar, report::table_header());
        let mut day = 0u32;
        loop {
            day += 1;
            self.timeline.wait_until(day, OPEN).await;
            let overran = self.timeline.past(day, time(10, 0, 0, 0));
            self.check_nodes(day).await?;
            self.deliveries(day).await?;
            if self.opts.flap {
                self.flap(day).await?;
            }
            let mut printed_today = 0;
            if plan::is_working_day(day) {
                if self.cluster.central.running() {
                    // Applications approved overnight get their ETA before the morning's
                    // batches (the others got theirs at the end of the previous day).
                    self.etas(day).await?;
                    printed_today = self.print(day).await?;
                }
                self.enroll(day).await?;
                self.hand_over(day).await?;
            }
            self.etas(day).await?;
            let overran = overran || self.timeline.past(day, CLOSE);
            self.timeline.wait_until(day, CLOSE).await;
            self.poll_recovery().await?;
            let row = self.end_of_day(day, overran, printed_today).await;
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
            if day > self.opts.outage_days + MAX_RECOVERY_DAYS {
                say(
                    &self.bar,
                    format!(
                        "stopping after {MAX_RECOVERY_DAYS} recovery days with cards still waiting"
                    ),
                );
                break;
            }
        }
        self.verdicts().await?;
        self.bar.finish_and_clear();
        drop(self.recovery);
        Ok(self.log)
    }

    /// Start of a day: the offices (and, once back, the centre) must still be running;
    /// on the first day after the outage the centre is restarted (`--flap`: see
    /// [`Days::flap`]).
    async fn check_nodes(&mut self, day: u32) -> Result<()> {
        for node in self.cluster.offices.iter_mut() {
            node.check_alive()?;
        }
        if day == self.opts.outage_days + 1 && !self.opts.flap {
            self.restart_centre(day).await?;
        } else if self.cluster.central.running() {
            self.cluster.check_centre()?;
        }
        Ok(())
    }

    /// `--flap`, 2015's end: on the return day the centre comes back at 12.00, printing
    /// runs from 14.30 to 19.00, then the centre dies again; the next day the officers
    /// ask for ETAs while it is down, and it comes back for good at 14.00.
    async fn flap(&mut self, day: u32) -> Result<()> {
        let f = self.return_day();
        if day == f {
            self.timeline.wait_until(day, time(12, 0, 0, 0)).await;
            self.restart_centre(day).await?;
            self.timeline.wait_until(day, time(14, 30, 0, 0)).await;
            let n = self.print(day).await?;
            self.timeline.wait_until(day, time(19, 0, 0, 0)).await;
            self.cluster.kill_centre();
            say(&self.bar, format!("day {day}: flap: centre back 12.00–19.00, {n} card(s) printed 14.30–19.00, then SIGKILLed again (no repair date)"));
        } else if day == f + 1 {
            self.flap_etas().await?;
            self.timeline.wait_until(day, time(14, 0, 0, 0)).await;
            self.log.centre_ready_after = self.cluster.start_centre(self.http).await?;
            say(
                &self.bar,
                format!("day {day}: flap: centre back at 14.00 for good"),
            );
        }
        Ok(())
    }

    /// The ETAs the offices give while the centre is down again (up to 100 applications
    /// per office still waiting for the centre or in the print queue), by kind.
    async fn flap_etas(&mut self) -> Result<()> {
        for o in self.offices {
            let mut apps = o.list(Some("dikirim")).await?;
            apps.extend(o.list(Some("siap_cetak")).await?);
            for a in apps.iter().take(100) {
                let v = o
                    .get_ok(&format!("/api/v1/applications/{}/eta", a.nomor))
                    .await?;
                let jenis = v["jenis"].as_str().unwrap_or("?").to_string();
                *self
                    .log
                    .flap_etas
                    .entry(format!("{} ({})", jenis, a.status))
                    .or_default() += 1;
            }
        }
        Ok(())
    }

    /// Restarts the centre and starts watching the recovery, with each office's count of
    /// acknowledged enrollments.
    async fn restart_centre(&mut self, day: u32) -> Result<()> {
        self.bar
            .set_message(format!("day {day}: restarting the centre"));
        let restart = Instant::now();
        self.log.restart_sim = Some(self.timeline.sim_now());
        self.log.restart_day = day;
        self.log.centre_ready_after = self.cluster.start_centre(self.http).await?;
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
                Watched {
                    centre: self.cluster.centre_pids(),
                    offices: self.cluster.offices.iter().map(|o| o.pid()).collect(),
                    db_server: self.cluster.db_server,
                },
            ),
        ));
        Ok(())
    }

    /// The scheduled blank delivery arrives at every office (`--blanko-shortage`).
    async fn deliveries(&mut self, day: u32) -> Result<()> {
        let Some((d, jumlah)) = self.desks.delivery else {
            return Ok(());
        };
        if d == day {
            for (o, k) in self.offices.iter().zip(&self.desks.kiriman) {
                printing::receive(o, jumlah, *k).await?;
            }
            say(
                &self.bar,
                format!("day {day}: {jumlah} blank cards delivered to every office"),
            );
        }
        Ok(())
    }

    /// Every office prints its queue's head up to capacity and blanks; returns the count.
    async fn print(&mut self, day: u32) -> Result<u64> {
        let printed = printing::print_day(self.offices, &self.desks.printers).await?;
        let n = printed.len() as u64;
        for (nomor, tanggal) in printed {
            if self.log.printed.insert(nomor.clone(), day).is_some() {
                anyhow::bail!("card {nomor} printed twice");
            }
            if let Some(t) = tanggal {
                self.log.printed_on.insert(nomor, t);
            }
        }
        self.log.printed_total += n;
        Ok(n)
    }

    /// Citizens collect some of the cards printed on earlier days (`serahkan`, which
    /// revokes their Suket).
    async fn hand_over(&mut self, day: u32) -> Result<()> {
        let cards: Vec<(usize, String)> = self
            .log
            .printed
            .iter()
            .filter(|(n, &d)| d < day && !self.log.handed.contains(*n))
            .filter(|(n, _)| printing::collects(n, day, self.opts.handover_percent))
            .filter_map(|(n, _)| self.office_of.get(n).map(|&i| (i, n.clone())))
            .collect();
        let done = printing::hand_over(self.offices, cards, self.opts.in_flight).await?;
        self.log.handed.extend(done);
        Ok(())
    }

    /// The ETA of every application newly in a print queue.
    async fn etas(&mut self, day: u32) -> Result<()> {
        let fresh =
            printing::poll_etas(self.offices, &self.log.etas, day, self.opts.in_flight).await?;
        self.log.etas.extend(fresh);
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
            let timeline = self.timeline;
            set.spawn(async move {
                let _permit = sem.acquire_owned().await;
                (k, enroll_one(office, a, person, key, timeline).await)
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
            if let Some(n) = &o.nomor {
                self.office_of.insert(n.clone(), sc.applicants[k].office);
            }
            self.log.outcomes[k] = o;
            self.bar.inc(1);
        }
        self.log.enroll_wall += enroll_start.elapsed();
        self.verify_sample(&todays);
        Ok(())
    }

    /// About 250 Suket over the run (every `n/250`-th applicant, at most 3 per office a
    /// day) are checked at their office's public verifier, in the background so that the
    /// day's schedule is kept (the verifier is rate limited per address: a burst of 10,
    /// then one every 2 s). The verdicts are collected at the end of the run.
    fn verify_sample(&mut self, todays: &[usize]) {
        let stride = (self.opts.applicants / 250).max(1);
        for (i, o) in self.offices.iter().enumerate() {
            let qrs: Vec<(usize, String)> = todays
                .iter()
                .filter(|&&k| k % stride == 0 && self.sc.applicants[k].office == i)
                .filter_map(|&k| {
                    self.log.outcomes[k]
                        .suket
                        .as_ref()
                        .map(|s| (k, s.qr.clone()))
                })
                .take(3)
                .collect();
            let o = o.clone();
            self.verifying.spawn(async move {
                let mut out = Vec::new();
                for (k, qr) in qrs {
                    let v = workload::verify(&o, &qr)
                        .await
                        .unwrap_or_else(|e| format!("error: {e:#}"));
                    out.push((k, v));
                }
                out
            });
        }
    }

    /// The verdicts of the sampled Suket.
    async fn verdicts(&mut self) -> Result<()> {
        while let Some(r) = self.verifying.join_next().await {
            for (k, v) in r.context("verify task")? {
                self.log.outcomes[k].verdict = Some(v);
            }
        }
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

    /// The day's row from the offices' metrics and print desks, printed live on the
    /// outage days and the first `LIVE_RECOVERY_ROWS` recovery days, then on every 10th
    /// recovery day. A blank ledger that does not balance is recorded as a failure.
    async fn end_of_day(&mut self, day: u32, overran: bool, printed_today: u64) -> DayRow {
        let enrolled = self
            .log
            .outcomes
            .iter()
            .filter(|o| o.nomor.is_some())
            .count() as u64;
        let metrics = scrape_all(self.http, self.office_bases).await;
        let mut row = DayRow::from_offices(day, self.cluster.central.running(), enrolled, &metrics);
        // The offices' clocks are simulated: the age is in simulated seconds.
        row.oldest_wait_days = row.oldest_wait_seconds / 86_400.0;
        row.overran = overran;
        row.receipts = self
            .log
            .outcomes
            .iter()
            .filter(|o| o.nomor.is_some() && o.day == day)
            .count() as u64;
        row.printed_today = printed_today;
        row.ledger_ok = true;
        let (mut issued, mut revoked, mut aktif) = (0, 0, 0);
        for (o, d) in self.offices.iter().zip(printing::desks(self.offices).await) {
            match d {
                Ok(d) => {
                    if !d.balanced() {
                        row.ledger_ok = false;
                        self.log.ledger_failures.push(format!(
                            "day {day}, office {}: received {} ≠ used {} + spoiled {} + on hand {}",
                            o.kode, d.diterima, d.dipakai, d.rusak, d.ada
                        ));
                    }
                    row.blanks += d.ada;
                    issued += d.suket_issued();
                    revoked += d.suket_dicabut;
                    aktif += d.suket_aktif;
                }
                Err(e) => {
                    row.ledger_ok = false;
                    self.log.ledger_failures.push(format!(
                        "day {day}, office {}: print status unreadable: {e:#}",
                        o.kode
                    ));
                }
            }
        }
        row.suket_issued = issued.saturating_sub(self.suket_before.0);
        row.suket_revoked = revoked.saturating_sub(self.suket_before.1);
        self.suket_before = (issued, revoked);
        row.in_hand = aktif + row.handed_over;
        let r = self.return_day();
        row.in_hand_2015 = match day {
            d if d < r => 0,
            d if d == r => 200,
            _ => 700,
        };
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
