//! `sidik simulate outage`: the 2015 central outage replayed with real processes.
//!
//! One central node and one office node per kecamatan of Jakarta Utara run as child
//! processes of the `sidik` binary on loopback. The centre is SIGKILLed at the start of
//! day 1 and restarted after the outage; the offices keep enrolling (and checking
//! locally) throughout, then sync. The centre runs on SQLite in its data folder, or
//! (`--db postgres`) on a throwaway PostgreSQL cluster that keeps running through the
//! outage, optionally deduplicating through `--abis-workers K` matcher processes that
//! die and come back with it. The report compares what the offices acknowledged,
//! what the centre received and what came back as decisions.
//!
//! Every node runs a simulated clock (`sidik serve --sim-clock`, hidden): day 1 is
//! Monday 31 August 2015 at 08.00 WIB and a day lasts `--day-seconds` of wall time, so
//! printer days, Suket dates, ETAs and Indonesia's 2015 holidays mean what they say.
//! Offices enroll, print and hand over cards on working days only.
//!
//! Layout: `database` (the centre's SQLite or PostgreSQL), `abis_pool` (the ABIS
//! workers), `provision` (keys, certificates, residents and officers; starting the nodes),
//! `workload` (enrolling an applicant and reading its Suket), `printing` (printers,
//! blanks, batches, hand-over, ETAs, the ledger), `days` (the simulated days, the outage,
//! the centre's restart, `--flap`), `clock` (the timeline shared with the nodes),
//! `recovery` (watching the backlog clear), `verdict` (the exactly-once accounting),
//! `documents` and `stats` (Suket, days to a card, ETA accuracy, planted duplicates)
//! and `summary` (the printed report and the chart).

use std::collections::HashSet;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use jiff::civil::Date;
use sidik_domain::Penduduk;

use crate::client;
use crate::plan::{self, Applicant, OfficeSite, PlanParams};
use crate::{CentreDb, OutageOpts};

mod abis_pool;
mod clock;
mod database;
mod days;
mod documents;
mod printing;
mod provision;
mod recovery;
mod stats;
mod summary;
mod verdict;
mod workload;

use clock::Timeline;
use days::{Days, Desks};

const OFFICER: &str = "simulasi";
const COMMAND_TIMEOUT: Duration = Duration::from_secs(300);
const START_TIMEOUT: Duration = Duration::from_secs(120);
/// Recovery days printed live (then every 10th); the final table is thinned too.
const LIVE_RECOVERY_ROWS: u32 = 5;
const TABLE_RECOVERY_ROWS: usize = 40;

/// The time compression: simulated seconds per wall second (86400 / `--day-seconds`).
fn compression(opts: &OutageOpts) -> f64 {
    86_400.0 / opts.day_seconds
}

/// Refuses options that cannot make a run.
fn check_opts(opts: &OutageOpts) -> Result<()> {
    if !(opts.day_seconds > 0.0 && opts.day_seconds.is_finite()) {
        bail!("--day-seconds must be a positive number");
    }
    if opts.applicants == 0 {
        bail!("--applicants must be at least 1");
    }
    if opts.abis_workers > 0 && opts.db != CentreDb::Postgres {
        bail!(
            "--abis-workers {} needs --db postgres (the workers build their shards of the national gallery from the centre's PostgreSQL database)",
            opts.abis_workers
        );
    }
    Ok(())
}

pub async fn run(opts: OutageOpts) -> Result<()> {
    check_opts(&opts)?;
    // Every node gets its database as a flag; one from the environment would put the
    // offices (and a SQLite centre) on it too.
    if std::env::var_os("SIDIK_DB").is_some() {
        bail!("SIDIK_DB is set: unset it (the simulator chooses the centre's database with --db, and the offices run on SQLite)");
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

/// One printer and the initial blanks at every office; with `--blanko-shortage`, a
/// delivery scheduled for `--delivery-day`.
async fn set_up_desks(opts: &OutageOpts, offices: &[client::Office]) -> Result<Desks> {
    let cap = opts.printer_capacity;
    let blanks = opts.blanko.unwrap_or(if opts.blanko_shortage {
        2 * u64::from(cap)
    } else {
        opts.applicants as u64
    });
    let delivery = opts.blanko_shortage.then(|| {
        (
            opts.delivery_day.unwrap_or(opts.outage_days + 10),
            opts.applicants as u64,
        )
    });
    let mut desks = Desks {
        printers: Vec::new(),
        kiriman: Vec::new(),
        delivery,
    };
    for o in offices {
        let (p, k) =
            printing::set_up(o, cap, blanks, delivery.map(|(d, n)| (plan::date_of(d), n))).await?;
        desks.printers.push(p);
        desks.kiriman.push(k);
    }
    println!(
        "print desks: 1 printer × {cap} cards a day and {blanks} blank cards per office{}",
        delivery
            .map(|(d, n)| format!("; {n} more scheduled for day {d} ({})", plan::date_of(d)))
            .unwrap_or_default()
    );
    Ok(desks)
}

/// The fixed inputs of a run: the offices, the synthetic population and the applicant
/// plan.
struct Scenario {
    sites: Vec<OfficeSite>,
    people: Vec<Penduduk>,
    applicants: Vec<Applicant>,
}

impl Scenario {
    /// Generates the population and plans the applicants (printing the plan).
    fn plan(
        opts: &OutageOpts,
        sites: Vec<OfficeSite>,
        today: Date,
        residents: usize,
    ) -> Result<Self> {
        let n = opts.applicants;
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
        Ok(Scenario {
            sites,
            people,
            applicants,
        })
    }
}

/// The whole run: plan, provision and start the district, take the centre down, run
/// the days until the backlog has cleared, then account, report and give the verdict.
async fn simulate(opts: &OutageOpts, bin: &Path, work: &Path) -> Result<()> {
    let n = opts.applicants;
    let compression = compression(opts);
    let sites = plan::jakarta_utara();
    // The population's ages are as of the replay's first day (the nodes' clocks).
    let today = plan::DAY_ONE;
    let residents = opts.residents.unwrap_or((n * 5 / 2).max(20_000));
    println!(
        "Sidik outage simulation: {} offices of Jakarta Utara ({} kelurahan) and one centre (on {}), real processes on loopback",
        sites.len(),
        sites.iter().map(|s| s.kelurahan.len()).sum::<usize>(),
        opts.backend()
    );
    println!(
        "time: 1 simulated day = {} s wall, compression factor {:.0}x (86400 / {})",
        opts.day_seconds, compression, opts.day_seconds
    );
    println!("binary: {}\nwork dir: {}", bin.display(), work.display());

    let sc = Scenario::plan(opts, sites, today, residents)?;

    // Declared before the nodes, so dropped after them: the database server outlives
    // every centre process and is stopped at the very end (also on errors and signals).
    let db = database::Database::start(opts.db).await?;
    println!("centre database: {}", db.describe());
    println!("provisioning (keys, office certificates, residents, officers)…");
    let password = provision::run_password();
    let t = Instant::now();
    let backend = provision::CentreBackend {
        db: db.url(),
        abis_workers: opts.abis_workers,
        db_server: db.server_pid(),
    };
    let mut cluster =
        provision::provision(bin, work, &sc.sites, &sc.people, &password, backend).await?;
    println!("provisioned in {:.1} s", t.elapsed().as_secs_f64());

    // Every node runs the same simulated clock: day 1 at 08.00 WIB is a few seconds
    // from now, after the nodes (and the ABIS workers) have started and the print desks
    // are set up.
    let lead = 4.0
        + 1.5 * (cluster.offices.len() + 1) as f64
        + if cluster.pool.is_some() { 2.0 } else { 0.0 };
    let anchor = jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_secs_f64(lead))
        .context("anchor")?;
    let timeline = Timeline::new(anchor, opts.day_seconds);
    for node in std::iter::once(&mut cluster.central).chain(cluster.offices.iter_mut()) {
        node.set_env("SIDIK_SIM_CLOCK", &timeline.spec());
    }
    println!(
        "simulated clock on every node: day 1 = {} 08.00 WIB, {:.0} simulated seconds per second; offices enroll and print on working days only (no weekends, no public holidays)",
        plan::DAY_ONE, timeline.rate
    );

    let http = client::http_client()?;
    let offices = provision::start(&mut cluster, &http, &sc.sites, &password).await?;
    let office_bases: Vec<String> = cluster.offices.iter().map(|o| o.base.clone()).collect();
    let desks = set_up_desks(opts, &offices).await?;

    // Day 1, 00:00: the data centre goes dark.
    cluster.kill_centre();
    println!(
        "day 1 ({}): central node{} SIGKILLed{}; it stays down for {} days",
        plan::date_of(1),
        match opts.abis_workers {
            0 => String::new(),
            k => format!(" and its {k} ABIS worker(s)"),
        },
        if db.url().is_some() {
            " (the PostgreSQL server keeps running)"
        } else {
            ""
        },
        opts.outage_days
    );

    let log = Days::new(
        opts,
        &sc,
        &mut cluster,
        &http,
        &offices,
        &office_bases,
        desks,
        timeline,
    )
    .run()
    .await?;

    let v = verdict::account(&http, &cluster, &offices, &office_bases, &sc, &log.outcomes).await?;
    let docs = documents::collect(&offices, &sc, &log).await?;

    summary::print(opts, &log, &v);
    documents::print(&docs);
    summary::write_chart(opts, sc.sites.len(), &log)?;

    let mut failures = v.failures(log.cleared_after.is_some());
    failures.extend(docs.failures());
    failures.extend(
        log.ledger_failures
            .iter()
            .map(|f| format!("blank ledger: {f}")),
    );
    cluster.kill_all();
    summary::print_one_line(opts, &log, &v, failures.is_empty());
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
    use clap::Parser;

    #[derive(clap::Parser)]
    struct Cli {
        #[command(subcommand)]
        cmd: crate::SimulateCmd,
    }

    fn parse(args: &[&str]) -> Result<OutageOpts, clap::Error> {
        let argv = ["sidik", "outage"].iter().chain(args);
        Cli::try_parse_from(argv).map(|c| match c.cmd {
            crate::SimulateCmd::Outage(o) => o,
        })
    }

    #[test]
    fn the_centre_backend_is_sqlite_unless_asked() {
        let o = parse(&[]).unwrap();
        assert_eq!((o.db, o.abis_workers), (CentreDb::Sqlite, 0));
        assert_eq!(o.backend(), "SQLite, in-process gallery");
        check_opts(&o).unwrap();
        let o = parse(&["--db", "postgres"]).unwrap();
        assert_eq!(o.backend(), "PostgreSQL, in-process gallery");
        check_opts(&o).unwrap();
        let o = parse(&["--db", "postgres", "--abis-workers", "4"]).unwrap();
        assert_eq!(o.backend(), "PostgreSQL, 4 ABIS workers");
        check_opts(&o).unwrap();
        assert!(parse(&["--db", "mysql"]).is_err());
    }

    #[test]
    fn abis_workers_need_postgres() {
        for args in [
            &["--abis-workers", "2"][..],
            &["--db", "sqlite", "--abis-workers", "1"][..],
        ] {
            let e = check_opts(&parse(args).unwrap()).unwrap_err().to_string();
            assert!(e.contains("needs --db postgres"), "{e}");
        }
    }
}
