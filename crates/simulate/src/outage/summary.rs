//! The report at the end of a run: the per-day table, the timings, the exactly-once
//! accounting, and the SVG chart.

use std::time::Duration;

use anyhow::{Context, Result};

use super::days::RunLog;
use super::verdict::Verdict;
use super::{compression, LIVE_RECOVERY_ROWS, TABLE_RECOVERY_ROWS};
use crate::report::{self, DayRow};
use crate::OutageOpts;

/// Prints the report: the per-day table, the timings and the accounting.
pub(super) fn print(opts: &OutageOpts, log: &RunLog, v: &Verdict) {
    print_days(opts, &log.rows);
    print_timings(opts, log);
    print_accounting(opts, v);
}

/// The per-day table (thinned for long recoveries) and the days that overran.
fn print_days(opts: &OutageOpts, rows: &[DayRow]) {
    println!();
    let (shown, stride) = report::thin(
        rows,
        opts.outage_days,
        LIVE_RECOVERY_ROWS,
        TABLE_RECOVERY_ROWS,
    );
    println!(
        "per-day report (end of each simulated day; centre on {}):",
        opts.backend()
    );
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
}

/// Enrollment throughput, the recovery milestones and the printed cards.
fn print_timings(opts: &OutageOpts, log: &RunLog) {
    let compression = compression(opts);
    let enrolled_n = log.outcomes.iter().filter(|o| o.nomor.is_some()).count();
    println!(
        "enrollment (offices only, centre down): {enrolled_n} enrollments + local checks in {:.1} s of wall time ({:.1}/s, {} in flight per office)",
        log.enroll_wall.as_secs_f64(),
        enrolled_n as f64 / log.enroll_wall.as_secs_f64().max(1e-9),
        opts.in_flight
    );
    let sim = |d: Duration| d.as_secs_f64() * compression / 86_400.0;
    match log.cleared_after {
        Some(m) => {
            println!(
                "recovery: centre restarted on day {} (ready in {:.1} s); backlog cleared {:.1} s after the restart",
                log.restart_day,
                log.centre_ready_after.as_secs_f64(),
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
                    "  CPU time from the restart to the clearance: centre {c:.1} s{}{}, offices {o:.1} s (together), on {} cores over {:.1} s of wall time",
                    match opts.abis_workers {
                        0 => String::new(),
                        k => format!(" (with its {k} ABIS worker(s))"),
                    },
                    m.cpu_db
                        .map(|d| format!(" + its PostgreSQL server {d:.1} s"))
                        .unwrap_or_default(),
                    std::thread::available_parallelism().map_or(1, |n| n.get()),
                    m.cleared.as_secs_f64()
                );
            }
        }
        None => println!("recovery: the backlog did NOT clear"),
    }
    println!("cards printed during the run: {}", log.printed_total);
}

/// The exactly-once accounting and the planted duplicates.
fn print_accounting(opts: &OutageOpts, v: &Verdict) {
    println!();
    println!("exactly-once accounting (centre on {})", opts.backend());
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
}

/// One line with the run's key figures, to put runs on different backends side by
/// side (`grep '^summary:'`).
pub(super) fn print_one_line(opts: &OutageOpts, log: &RunLog, v: &Verdict, pass: bool) {
    println!(
        "summary: centre on {}: {} applicants, {}-day outage, {} s per day: lost {}, duplicated {}, planted pairs flagged {} of {}, undecided {}, {}, {}",
        opts.backend(),
        opts.applicants,
        opts.outage_days,
        opts.day_seconds,
        v.lost().max(0),
        (-v.lost()).max(0),
        v.planted_flagged_later + v.planted_flagged_earlier + v.planted_flagged_both,
        v.planted,
        v.undecided,
        match log.cleared_after {
            Some(m) => format!(
                "backlog cleared {:.1} s after the restart",
                m.cleared.as_secs_f64()
            ),
            None => "backlog did NOT clear".into(),
        },
        if pass { "PASS" } else { "FAIL" }
    );
}

/// Writes the SVG chart of the daily rows to `opts.chart`.
pub(super) fn write_chart(opts: &OutageOpts, offices: usize, log: &RunLog) -> Result<()> {
    let n = opts.applicants;
    let compression = compression(opts);
    let subtitle = format!(
        "{n} applicants, {} offices, centre on {}, 1 day = {} s wall ({:.0}x){}",
        offices,
        opts.backend(),
        opts.day_seconds,
        compression,
        log.cleared_after
            .map(|m| format!(
                "; backlog cleared {:.1} s after the centre returned",
                m.cleared.as_secs_f64()
            ))
            .unwrap_or_else(|| "; backlog did not clear".into())
    );
    let svg = report::svg(
        &log.rows,
        opts.outage_days,
        "Sidik: Jakarta Utara offices through a central outage",
        &subtitle,
    );
    std::fs::write(&opts.chart, svg)
        .with_context(|| format!("writing {}", opts.chart.display()))?;
    println!("chart: {}", opts.chart.display());
    Ok(())
}
