//! `sidik simulate outage`: the 2015 central outage replayed with real processes.
//!
//! One central node and one office node per kecamatan of Jakarta Utara run as child
//! processes of the `sidik` binary on loopback. The centre is SIGKILLed at the start of
//! day 1 and restarted after the outage; the offices keep enrolling (and checking
//! locally) throughout, then sync. The report compares what the offices acknowledged,
//! what the centre received and what came back as decisions.

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use sidik_domain::Penduduk;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::client::{self, Enrollment, Office};
use crate::nodes::{free_port, run_command, Node};
use crate::plan::{self, Applicant, OfficeSite, PlanParams};
use crate::prom::Metrics;
use crate::report::{self, DayRow, UNDECIDED_STATES};
use crate::OutageOpts;

const OFFICER: &str = "simulasi";
const COMMAND_TIMEOUT: Duration = Duration::from_secs(300);
const START_TIMEOUT: Duration = Duration::from_secs(120);
/// Recovery days printed live (then every 10th); the final table is thinned too.
const LIVE_RECOVERY_ROWS: u32 = 5;
const TABLE_RECOVERY_ROWS: usize = 40;

fn os(args: &[&str]) -> Vec<OsString> {
    args.iter().map(OsString::from).collect()
}

fn path_arg(p: &Path) -> String {
    p.display().to_string()
}

/// The running district: the centre and the offices (children of this process).
struct Cluster {
    central: Node,
    offices: Vec<Node>,
}

impl Cluster {
    fn kill_all(&mut self) {
        self.central.kill();
        for o in &mut self.offices {
            o.kill();
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.kill_all();
    }
}

/// Distinct free loopback ports.
fn ports(n: usize) -> Result<Vec<u16>> {
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let p = free_port()?;
        if seen.insert(p) {
            out.push(p);
        }
    }
    Ok(out)
}

fn last_line(s: &str) -> Option<&str> {
    s.lines().map(str::trim).rfind(|l| !l.is_empty())
}

fn is_hex(s: &str) -> bool {
    !s.is_empty() && s.len() & 1 == 0 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Creates keys, certifies the offices at the centre, imports each office's residents
/// and creates one officer per office. Returns the (not yet started) nodes.
async fn provision(
    bin: &Path,
    work: &Path,
    sites: &[OfficeSite],
    people: &[Penduduk],
    password: &str,
) -> Result<Cluster> {
    let logs = work.join("logs");
    std::fs::create_dir_all(&logs)?;
    let cdir = work.join("central");
    let out = run_command(
        bin,
        &os(&["central", "init", "--data", &path_arg(&cdir)]),
        &[],
        COMMAND_TIMEOUT,
    )
    .await?;
    let centre_pub = last_line(&out)
        .map(PathBuf::from)
        .filter(|p| p.is_file())
        .unwrap_or_else(|| cdir.join("centre.pub"));
    if !centre_pub.is_file() {
        bail!(
            "`central init` did not create {} (stdout: {out:?})",
            centre_pub.display()
        );
    }
    let all_ports = ports(sites.len() + 1)?;
    let cport = all_ports[0];
    let central_url = format!("http://127.0.0.1:{cport}");
    let mut offices = Vec::new();
    for (i, site) in sites.iter().enumerate() {
        let odir = work.join(format!("office-{}", site.kode));
        let out = run_command(
            bin,
            &os(&[
                "office",
                "init",
                "--data",
                &path_arg(&odir),
                "--office",
                &site.kode,
                "--centre-pub",
                &path_arg(&centre_pub),
            ]),
            &[],
            COMMAND_TIMEOUT,
        )
        .await?;
        let key = last_line(&out).unwrap_or_default();
        if !is_hex(key) {
            bail!(
                "`office init --office {}` should print the office public key as one hex line last; stdout was {out:?}",
                site.kode
            );
        }
        run_command(
            bin,
            &os(&[
                "central",
                "add-office",
                "--data",
                &path_arg(&cdir),
                "--office",
                &site.kode,
                "--public-key",
                key,
            ]),
            &[],
            COMMAND_TIMEOUT,
        )
        .await?;
        let csv = work.join(format!("residents-{}.csv", site.kode));
        let mut text = String::from(sidik_demo::csv::HEADER);
        text.push('\n');
        let mut n = 0;
        for p in people
            .iter()
            .filter(|p| plan::office_of(sites, &p.kelurahan) == Some(i))
        {
            text.push_str(&sidik_demo::csv::to_row(p));
            text.push('\n');
            n += 1;
        }
        std::fs::write(&csv, text).with_context(|| format!("writing {}", csv.display()))?;
        let out = run_command(
            bin,
            &os(&[
                "resident",
                "import",
                &path_arg(&csv),
                "--data",
                &path_arg(&odir),
            ]),
            &[],
            COMMAND_TIMEOUT,
        )
        .await?;
        println!(
            "  office {} ({}): {} residents written; {}",
            site.kode,
            site.nama,
            n,
            last_line(&out).unwrap_or("")
        );
        run_command(
            bin,
            &os(&[
                "user",
                "add",
                OFFICER,
                "--role",
                "admin",
                "--data",
                &path_arg(&odir),
            ]),
            &[("SIDIK_PASSWORD", password)],
            COMMAND_TIMEOUT,
        )
        .await?;
        let port = all_ports[i + 1];
        offices.push(Node::new(
            &format!("office {}", site.kode),
            bin,
            os(&[
                "serve",
                "--role",
                "office",
                "--data",
                &path_arg(&odir),
                "--office",
                &site.kode,
                "--central",
                &central_url,
                "--listen",
                &format!("127.0.0.1:{port}"),
            ]),
            port,
            logs.join(format!("office-{}.log", site.kode)),
        ));
    }
    let central = Node::new(
        "central node",
        bin,
        os(&[
            "serve",
            "--role",
            "central",
            "--data",
            &path_arg(&cdir),
            "--listen",
            &format!("127.0.0.1:{cport}"),
        ]),
        cport,
        logs.join("central.log"),
    );
    Ok(Cluster { central, offices })
}

/// A per-run password for the officer accounts (loopback only, never shown).
fn run_password() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("simulasi-{:x}-{:x}", nanos, std::process::id())
}

/// What happened to one applicant.
#[derive(Debug, Clone, Default)]
struct Outcome {
    nomor: Option<String>,
    /// When the office acknowledged the enrollment (orders the two of a planted pair).
    acked: Option<std::time::Instant>,
    /// Status right after the local check.
    checked: Option<String>,
    error: Option<String>,
}

async fn enroll_one(office: Office, a: Applicant, p: Penduduk, key: String) -> Outcome {
    let mut out = Outcome::default();
    let fingers = tokio::task::spawn_blocking(move || {
        let g = abis::synth::Generator::new(plan::FINGER_SEED);
        (1..=10u8)
            .map(|pos| (pos, g.impression_iso(a.finger_person, pos, a.impression)))
            .collect::<Vec<_>>()
    })
    .await;
    let fingers = match fingers {
        Ok(f) => f,
        Err(e) => {
            out.error = Some(format!("fingerprint generation: {e}"));
            return out;
        }
    };
    let e = Enrollment {
        nik: p.nik.to_string(),
        kelurahan: p.kelurahan.clone(),
        fingers,
        idempotency_key: key,
    };
    match office.enroll(&e).await {
        Err(err) => out.error = Some(format!("{err:#}")),
        Ok(app) => {
            out.nomor = Some(app.nomor.clone());
            out.acked = Some(std::time::Instant::now());
            match office.check(&app.nomor).await {
                Ok(c) => out.checked = Some(c.status),
                Err(err) => out.error = Some(format!("{err:#}")),
            }
        }
    }
    out
}

/// Prints every `siap_cetak` card of every office; returns how many were printed.
async fn print_ready(offices: &[Office], in_flight: usize) -> Result<u64> {
    let mut set = JoinSet::new();
    for o in offices {
        let o = o.clone();
        set.spawn(async move {
            let ready = o.list(Some("siap_cetak")).await?;
            let sem = Arc::new(Semaphore::new(in_flight.max(1)));
            let mut inner = JoinSet::new();
            for a in ready {
                let o = o.clone();
                let sem = sem.clone();
                inner.spawn(async move {
                    let _permit = sem.acquire_owned().await;
                    o.print(&a.nomor).await
                });
            }
            let mut n = 0u64;
            while let Some(r) = inner.join_next().await {
                if r?? {
                    n += 1;
                }
            }
            anyhow::Ok(n)
        });
    }
    let mut total = 0;
    while let Some(r) = set.join_next().await {
        total += r??;
    }
    Ok(total)
}

async fn scrape_all(http: &reqwest::Client, bases: &[String]) -> Vec<Option<Metrics>> {
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

/// Maps wall-clock instants to simulated time: day `k` (1-based) runs from
/// `starts[k-1]` to `starts[k]` (or to "now" for the current day), whatever its wall
/// length was, so ages stay right on days that overran their budget.
#[derive(Debug, Default)]
struct SimClock {
    starts: Vec<Instant>,
}

impl SimClock {
    fn start_day(&mut self, at: Instant) {
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
    fn age_days(&self, age: f64, now: Instant) -> f64 {
        if !(age.is_finite() && age > 0.0) {
            return 0.0;
        }
        let born = now.checked_sub(Duration::from_secs_f64(age)).unwrap_or(now);
        (self.at(now, now) - self.at(born, now)).max(0.0)
    }
}

/// Prints a line to stdout above the progress bar.
fn say(bar: &ProgressBar, line: impl AsRef<str>) {
    bar.suspend(|| println!("{}", line.as_ref()));
}

/// Aborts a task when dropped.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Wall times after the centre's restart.
#[derive(Debug, Clone, Copy, Default)]
struct Milestones {
    /// Every office outbox empty and the centre holding every acknowledged packet.
    uploaded: Option<Duration>,
    /// The centre has decided every packet.
    decided: Option<Duration>,
    /// Cleared: additionally, every decision applied at the offices.
    cleared: Duration,
    /// CPU seconds the centre and the offices (together) spent from the restart to
    /// the clearance (Linux `/proc`; `None` elsewhere).
    cpu: Option<(f64, f64)>,
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

/// CPU seconds of the centre and of all offices together.
fn cluster_cpu(central: Option<u32>, offices: &[Option<u32>]) -> Option<(f64, f64)> {
    let c = cpu_seconds(central)?;
    let o = offices
        .iter()
        .map(|&p| cpu_seconds(p))
        .sum::<Option<f64>>()?;
    Some((c, o))
}

/// Polls every node until the backlog is cleared.
fn watch_recovery(
    http: reqwest::Client,
    office_bases: Vec<String>,
    central_base: String,
    acked: Vec<u64>,
    since: Instant,
    pids: (Option<u32>, Vec<Option<u32>>),
) -> AbortOnDrop<Milestones> {
    AbortOnDrop(tokio::spawn(async move {
        let total: u64 = acked.iter().sum();
        let mut m = Milestones::default();
        let cpu0 = cluster_cpu(pids.0, &pids.1);
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
                    .zip(cluster_cpu(pids.0, &pids.1))
                    .map(|((c0, o0), (c1, o1))| (c1 - c0, o1 - o0));
                return m;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }))
}

/// The end-of-run accounting.
#[derive(Debug, Default)]
struct Verdict {
    acknowledged: u64,
    received: u64,
    replayed: u64,
    decided_at_centre: u64,
    decisions: Vec<(String, u64)>,
    quarantined: u64,
    rejected_at_offices: u64,
    applied_at_offices: u64,
    missing_at_office: u64,
    undecided: u64,
    planted: usize,
    /// Planted pairs flagged ganda on the later enrollment only, the earlier only, both.
    planted_flagged_later: usize,
    planted_flagged_earlier: usize,
    planted_flagged_both: usize,
    /// Pairs whose earlier enrollment had its card printed (the legitimate one: the
    /// later finding sends it to adjudication).
    planted_earlier_printed: usize,
    /// Pairs whose later enrollment, the suspect one, had its card printed.
    planted_later_printed: usize,
    planted_missed: Vec<String>,
    unplanned_ganda: u64,
    enrollment_failures: usize,
}

impl Verdict {
    fn lost(&self) -> i64 {
        self.acknowledged as i64 - self.received as i64
    }

    fn failures(&self, cleared: bool) -> Vec<String> {
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

pub async fn run(opts: OutageOpts) -> Result<()> {
    if !(opts.day_seconds > 0.0 && opts.day_seconds.is_finite()) {
        bail!("--day-seconds must be a positive number");
    }
    if opts.applicants == 0 {
        bail!("--applicants must be at least 1");
    }
    let bin = match &opts.bin {
        Some(b) => b.clone(),
        None => std::env::current_exe().context("locating the sidik binary")?,
    };
    let (work, temp) = match &opts.work_dir {
        Some(d) => {
            if d.exists() && std::fs::read_dir(d)?.next().is_some() {
                bail!("--work-dir {} is not empty", d.display());
            }
            std::fs::create_dir_all(d)?;
            (d.clone(), None)
        }
        None => {
            let t = tempfile::Builder::new()
                .prefix("sidik-outage-")
                .tempdir()
                .context("creating the work dir")?;
            (t.path().to_path_buf(), Some(t))
        }
    };
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate())?;
    let mut hup = signal(SignalKind::hangup())?;
    // On any of these the simulation future is dropped, and with it every child.
    let result = tokio::select! {
        r = simulate(&opts, &bin, &work) => r,
        _ = tokio::signal::ctrl_c() => Err(anyhow!("interrupted (SIGINT)")),
        _ = term.recv() => Err(anyhow!("terminated (SIGTERM)")),
        _ = hup.recv() => Err(anyhow!("hung up (SIGHUP)")),
    };
    // Every child is gone by now (the cluster was dropped with the simulation future).
    match temp {
        Some(t) if opts.keep || result.is_err() => {
            let p = t.keep();
            println!("work dir kept: {} (node logs in logs/)", p.display());
        }
        Some(t) => drop(t),
        None => println!("work dir: {}", work.display()),
    }
    result
}

async fn simulate(opts: &OutageOpts, bin: &Path, work: &Path) -> Result<()> {
    let n = opts.applicants;
    let compression = 86_400.0 / opts.day_seconds;
    let day_wall = Duration::from_secs_f64(opts.day_seconds);
    let sites = plan::jakarta_utara();
    let today = sidik_domain::tanggal::tanggal_wib(jiff::Timestamp::now());
    let residents = opts.residents.unwrap_or((n * 5 / 2).max(20_000));
    println!(
        "Sidik outage simulation: {} offices of Jakarta Utara ({} kelurahan) and one centre, real processes on loopback",
        sites.len(),
        sites.iter().map(|s| s.kelurahan.len()).sum::<usize>()
    );
    println!(
        "time: 1 simulated day = {} s wall, compression factor {:.0}x (86400 / {})",
        opts.day_seconds, compression, opts.day_seconds
    );
    println!("binary: {}\nwork dir: {}", bin.display(), work.display());

    let people = sidik_demo::population(opts.seed, residents, today);
    let duplicates = opts.duplicates.resolve(n);
    let applicants = plan::plan(
        &people,
        today,
        &sites,
        &PlanParams {
            applicants: n,
            duplicates,
            outage_days: opts.outage_days,
            seed: opts.seed,
        },
    )
    .map_err(anyhow::Error::msg)?;
    let kelurahan: HashSet<&str> = applicants
        .iter()
        .map(|a| people[a.resident].kelurahan.as_str())
        .collect();
    let working = plan::working_days(opts.outage_days);
    println!(
        "plan: {n} adult applicants (seed {}) from {} residents, {} kelurahan, over {} working days of a {}-day outage; {duplicates} planted duplicate(s) (same fingers, second NIK, another office)",
        opts.seed,
        people.len(),
        kelurahan.len(),
        working.len(),
        opts.outage_days
    );

    println!("provisioning (keys, office certificates, residents, officers)…");
    let password = run_password();
    let t = Instant::now();
    let mut cluster = provision(bin, work, &sites, &people, &password).await?;
    println!("provisioned in {:.1} s", t.elapsed().as_secs_f64());

    let http = client::http_client()?;
    let up = cluster.central.start(&http, START_TIMEOUT).await?;
    println!(
        "central node up at {} (pid {}) in {:.1} s",
        cluster.central.base,
        cluster.central.pid().unwrap_or(0),
        up.as_secs_f64()
    );
    let mut offices = Vec::new();
    for (node, site) in cluster.offices.iter_mut().zip(&sites) {
        let up = node.start(&http, START_TIMEOUT).await?;
        println!(
            "office {} up at {} (pid {}) in {:.1} s",
            site.kode,
            node.base,
            node.pid().unwrap_or(0),
            up.as_secs_f64()
        );
        offices
            .push(Office::login(http.clone(), &site.kode, &node.base, OFFICER, &password).await?);
    }
    let office_bases: Vec<String> = cluster.offices.iter().map(|o| o.base.clone()).collect();

    // Day 1, 00:00: the data centre goes dark.
    cluster.central.kill();
    println!(
        "day 1 (Mon): central node SIGKILLed; it stays down for {} days",
        opts.outage_days
    );

    let bar = ProgressBar::new(n as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} enrolled  {msg}")
            .expect("progress template"),
    );
    say(&bar, report::table_header());

    let mut outcomes: Vec<Outcome> = vec![Outcome::default(); n];
    let mut rows: Vec<DayRow> = Vec::new();
    let sems: Vec<Arc<Semaphore>> = sites
        .iter()
        .map(|_| Arc::new(Semaphore::new(opts.in_flight.max(1))))
        .collect();
    let mut recovery: Option<(Instant, AbortOnDrop<Milestones>)> = None;
    let mut cleared_after: Option<Milestones> = None;
    let mut clock = SimClock::default();
    let mut enroll_wall = Duration::ZERO;
    let mut centre_ready_after = Duration::ZERO;
    let mut printed_total = 0u64;
    let mut day = 0u32;
    loop {
        day += 1;
        let start = Instant::now();
        clock.start_day(start);
        for node in cluster.offices.iter_mut() {
            node.check_alive()?;
        }
        if day == opts.outage_days + 1 {
            bar.set_message(format!("day {day}: restarting the centre"));
            let restart = Instant::now();
            centre_ready_after = cluster.central.start(&http, START_TIMEOUT).await?;
            let mut acked = vec![0u64; sites.len()];
            for (a, o) in applicants.iter().zip(&outcomes) {
                if o.nomor.is_some() {
                    acked[a.office] += 1;
                }
            }
            recovery = Some((
                restart,
                watch_recovery(
                    http.clone(),
                    office_bases.clone(),
                    cluster.central.base.clone(),
                    acked,
                    restart,
                    (
                        cluster.central.pid(),
                        cluster.offices.iter().map(|o| o.pid()).collect(),
                    ),
                ),
            ));
        } else if day > opts.outage_days {
            cluster.central.check_alive()?;
        }
        let centre = if cluster.central.running() {
            "up"
        } else {
            "DOWN"
        };
        let todays: Vec<usize> = (0..n).filter(|&k| applicants[k].day == day).collect();
        bar.set_message(format!(
            "day {day} ({}), centre {centre}: {} applicants",
            plan::weekday(day),
            todays.len()
        ));
        let enroll_start = Instant::now();
        let mut set = JoinSet::new();
        for &k in &todays {
            let a = applicants[k].clone();
            let office = offices[a.office].clone();
            let person = people[a.resident].clone();
            let sem = sems[a.office].clone();
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
                    &bar,
                    format!(
                        "  applicant {k} (NIK {}) at office {}: {e}",
                        people[applicants[k].resident].nik, sites[applicants[k].office].kode
                    ),
                );
            }
            outcomes[k] = o;
            bar.inc(1);
        }
        enroll_wall += enroll_start.elapsed();
        printed_total += print_ready(&offices, opts.in_flight).await?;
        let spent = start.elapsed();
        let overran = spent > day_wall;
        if !overran {
            tokio::time::sleep(day_wall - spent).await;
        }
        if cleared_after.is_none() {
            if let Some((_, h)) = &recovery {
                if h.0.is_finished() {
                    let (_, mut h) = recovery.take().expect("recovery watcher");
                    cleared_after = Some((&mut h.0).await.context("recovery watcher")?);
                }
            }
        }
        let enrolled = outcomes.iter().filter(|o| o.nomor.is_some()).count() as u64;
        let metrics = scrape_all(&http, &office_bases).await;
        let mut row = DayRow::from_offices(day, cluster.central.running(), enrolled, &metrics);
        row.oldest_wait_days = clock.age_days(row.oldest_wait_seconds, Instant::now());
        row.overran = overran;
        let after = day.saturating_sub(opts.outage_days);
        if after <= LIVE_RECOVERY_ROWS || report::every(after, 10) {
            say(&bar, report::table_row(&row));
        }
        bar.set_message(format!(
            "day {day}: waiting {}, decided {}, printed {}",
            row.waiting,
            row.unique + row.duplicate,
            row.printed
        ));
        let done = day > opts.outage_days
            && cleared_after.is_some()
            && row.printable == 0
            && row.waiting == 0;
        rows.push(row);
        if done {
            break;
        }
        if day > opts.outage_days
            && cleared_after.is_none()
            && recovery
                .as_ref()
                .is_some_and(|(t, _)| t.elapsed() > Duration::from_secs(opts.recovery_timeout))
        {
            say(
                &bar,
                format!(
                    "recovery timeout ({} s) reached before the backlog cleared",
                    opts.recovery_timeout
                ),
            );
            break;
        }
    }
    bar.finish_and_clear();
    drop(recovery);

    // Final accounting.
    let centre_metrics = if cluster.central.running() {
        client::metrics(&http, &cluster.central.base).await.ok()
    } else {
        None
    };
    let office_metrics = scrape_all(&http, &office_bases).await;
    let mut statuses: HashMap<String, String> = HashMap::new();
    for o in &offices {
        for a in o.list(None).await? {
            statuses.insert(a.nomor, a.status);
        }
    }
    let mut v = Verdict {
        acknowledged: outcomes.iter().filter(|o| o.nomor.is_some()).count() as u64,
        enrollment_failures: outcomes.iter().filter(|o| o.error.is_some()).count(),
        planted: applicants
            .iter()
            .filter(|a| a.duplicate_of.is_some())
            .count(),
        ..Default::default()
    };
    if let Some(c) = &centre_metrics {
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
    for m in office_metrics.iter().flatten() {
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
    let mut in_pairs = HashSet::new();
    for (k, o) in outcomes.iter().enumerate() {
        if o.nomor.is_some() {
            match status_of(k) {
                None => v.missing_at_office += 1,
                Some(s) if UNDECIDED_STATES.contains(&s) => v.undecided += 1,
                Some(_) => {}
            }
        }
    }
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
        v.planted_earlier_printed += printed(first) as usize;
        v.planted_later_printed += printed(second) as usize;
        if later && earlier {
            v.planted_flagged_both += 1;
        } else if later {
            v.planted_flagged_later += 1;
        } else if earlier {
            v.planted_flagged_earlier += 1;
        } else {
            v.planted_missed.push(format!(
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
    v.unplanned_ganda = statuses
        .iter()
        .filter(|(nomor, s)| s.as_str() == "ganda" && !in_pairs.contains(*nomor))
        .count() as u64;

    // Report.
    println!();
    let (shown, stride) = report::thin(
        &rows,
        opts.outage_days,
        LIVE_RECOVERY_ROWS,
        TABLE_RECOVERY_ROWS,
    );
    println!("per-day report (end of each simulated day):");
    println!("{}", report::table_header());
    for r in shown {
        println!("{}", report::table_row(r));
    }
    if stride > 1 {
        println!(
            "(after day {}, every {stride}th recovery day is shown; the chart has every day)",
            opts.outage_days + LIVE_RECOVERY_ROWS
        );
    }
    println!();
    let overran = rows.iter().filter(|r| r.overran).count();
    if overran > 0 {
        println!(
            "note: {overran} day(s) took longer than {} s of wall time (the compression is nominal on those days)",
            opts.day_seconds
        );
    }
    let enrolled_n = outcomes.iter().filter(|o| o.nomor.is_some()).count();
    println!(
        "enrollment (offices only, centre down): {enrolled_n} enrollments + local checks in {:.1} s of wall time ({:.1}/s, {} in flight per office)",
        enroll_wall.as_secs_f64(),
        enrolled_n as f64 / enroll_wall.as_secs_f64().max(1e-9),
        opts.in_flight
    );
    let sim = |d: Duration| d.as_secs_f64() * compression / 86_400.0;
    match cleared_after {
        Some(m) => {
            println!(
                "recovery: centre restarted on day {} (ready in {:.1} s); backlog cleared {:.1} s after the restart",
                opts.outage_days + 1,
                centre_ready_after.as_secs_f64(),
                m.cleared.as_secs_f64()
            );
            println!(
                "  (real processing time on this machine: sync and dedup are not compressed; on the {:.0}x timeline it spans {:.1} days)",
                compression,
                sim(m.cleared)
            );
            if let (Some(u), Some(d)) = (m.uploaded, m.decided) {
                println!(
                    "  all packets at the centre after {:.1} s ({:.1} packets/s); all decided after {:.1} s ({:.1} decisions/s); all applied at the offices after {:.1} s",
                    u.as_secs_f64(),
                    enrolled_n as f64 / u.as_secs_f64().max(1e-9),
                    d.as_secs_f64(),
                    enrolled_n as f64 / d.as_secs_f64().max(1e-9),
                    m.cleared.as_secs_f64()
                );
            }
            if let Some((c, o)) = m.cpu {
                println!(
                    "  CPU time from the restart to the clearance: centre {c:.1} s, offices {o:.1} s (together), on {} cores over {:.1} s of wall time",
                    std::thread::available_parallelism().map_or(1, |n| n.get()),
                    m.cleared.as_secs_f64()
                );
            }
        }
        None => println!("recovery: the backlog did NOT clear"),
    }
    println!("cards printed during the run: {printed_total}");
    println!();
    println!("exactly-once accounting");
    println!(
        "  acknowledged by offices (nomor returned)  {:>8}",
        v.acknowledged
    );
    println!(
        "  packets received at the centre            {:>8}",
        v.received
    );
    println!(
        "  packets replayed (harmless re-sends)      {:>8}",
        v.replayed
    );
    println!(
        "  packets decided at the centre             {:>8}",
        v.decided_at_centre
    );
    for (h, c) in &v.decisions {
        println!("    decisions {h:<10}                      {c:>8}");
    }
    let published: u64 = v.decisions.iter().map(|(_, c)| c).sum();
    if published > v.decided_at_centre {
        println!(
            "    of which later findings on applications decided before {:>4}",
            published - v.decided_at_centre
        );
    }
    println!(
        "  decisions applied at the offices          {:>8}",
        v.applied_at_offices
    );
    println!(
        "  quarantined at the centre / refused       {:>8} / {}",
        v.quarantined, v.rejected_at_offices
    );
    println!(
        "  lost (acknowledged - received)            {:>8}",
        v.lost().max(0)
    );
    println!(
        "  duplicated (received - acknowledged)      {:>8}",
        (-v.lost()).max(0)
    );
    println!(
        "  applications without a decision           {:>8}",
        v.undecided
    );
    println!(
        "  planted duplicates flagged ganda          {:>8} of {} pairs (the later enrollment only {}, the earlier only {}, both {})",
        v.planted_flagged_later + v.planted_flagged_earlier + v.planted_flagged_both,
        v.planted,
        v.planted_flagged_later,
        v.planted_flagged_earlier,
        v.planted_flagged_both
    );
    println!(
        "    card printed for the earlier NIK        {:>8}   (legitimate; the later finding sends it to adjudication)",
        v.planted_earlier_printed
    );
    println!(
        "    card printed for the later NIK          {:>8}   (the suspect one; should be 0)",
        v.planted_later_printed
    );
    println!(
        "  other ganda (not planted)                 {:>8}",
        v.unplanned_ganda
    );
    if v.applied_at_offices < v.acknowledged {
        println!(
            "  note: fewer decisions applied ({}) than applications acknowledged ({})",
            v.applied_at_offices, v.acknowledged
        );
    }
    for m in &v.planted_missed {
        println!("  missed: {m}");
    }

    let subtitle = format!(
        "{n} applicants, {} offices, 1 day = {} s wall ({:.0}x){}",
        sites.len(),
        opts.day_seconds,
        compression,
        cleared_after
            .map(|m| format!(
                "; backlog cleared {:.1} s after the centre returned",
                m.cleared.as_secs_f64()
            ))
            .unwrap_or_else(|| "; backlog did not clear".into())
    );
    let svg = report::svg(
        &rows,
        opts.outage_days,
        "Sidik: Jakarta Utara offices through a central outage",
        &subtitle,
    );
    std::fs::write(&opts.chart, svg)
        .with_context(|| format!("writing {}", opts.chart.display()))?;
    println!("chart: {}", opts.chart.display());

    let failures = v.failures(cleared_after.is_some());
    cluster.kill_all();
    if failures.is_empty() {
        println!("verdict: PASS (every acknowledged enrollment reached the centre exactly once and came back decided)");
        Ok(())
    } else {
        println!("verdict: FAIL");
        for f in &failures {
            println!("  - {f}");
        }
        bail!("outage simulation failed: {}", failures.join("; "))
    }
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

    #[test]
    fn office_key_line_is_hex() {
        assert_eq!(
            last_line("created\n/x/office.key\n  ab12cd \n\n"),
            Some("ab12cd")
        );
        assert!(is_hex("ab12CD"));
        assert!(!is_hex("ab1"));
        assert!(!is_hex("wrote key"));
        assert!(!is_hex(""));
    }
}
