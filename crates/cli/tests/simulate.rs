//! `sidik simulate outage`, scaled down. A test binary of its own: it starts seven
//! node processes on loopback ports and loads both cores, so it does not run alongside
//! the multi-process sync tests of `tests/api` (cargo runs test binaries one at a time).

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_sidik");

/// The 2015 replay harness end to end, scaled down (the default run, 9,539 applicants
/// over a 26-day outage, is recorded in BENCHMARKS.md): real centre and office
/// processes, the centre SIGKILLed for the outage, then the exactly-once report.
#[test]
fn simulate_outage_reports_every_record_exactly_once() {
    replay(&[]);
}

/// The same replay with the centre on PostgreSQL (a throwaway cluster that outlives the
/// centre's SIGKILL) deduplicating through two `sidik abis-worker` processes, killed
/// and restarted with it (issue 17).
#[test]
fn simulate_outage_on_postgres_with_two_abis_workers_reports_every_record_exactly_once() {
    if sidik_testkit::postgres::find_bin().is_none()
        && std::env::var(sidik_testkit::postgres::REQUIRE_ENV).as_deref() != Ok("1")
    {
        eprintln!("NOTICE: PostgreSQL is not installed: skipping the outage replay on it");
        return;
    }
    let stdout = replay(&["--db", "postgres", "--abis-workers", "2"]);
    assert!(stdout.contains("postgres"), "{stdout}");
}

/// Runs the scaled-down replay with `extra` options, checks its exactly-once report
/// and returns it.
fn replay(extra: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let chart = dir.path().join("outage.svg");
    let out = Command::new(BIN)
        .args([
            "simulate",
            "outage",
            "--applicants",
            "200",
            "--outage-days",
            "2",
            // Long enough for a day's 100 enrollments on a debug build on a busy
            // 2-core machine: a day that overruns pushes visits past midnight, and the
            // replay then rightly counts those applicants as leaving without a
            // document that day.
            "--day-seconds",
            "6",
            "--duplicates",
            "2",
            "--recovery-timeout",
            "300",
        ])
        .args(extra)
        .arg("--work-dir")
        .arg(dir.path().join("work"))
        .arg("--chart")
        .arg(&chart)
        .env("SIDIK_LOG", "warn")
        .output()
        .expect("run sidik simulate");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "simulate failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let value = |label: &str| -> u64 {
        let line = stdout
            .lines()
            .find(|l| l.trim_start().starts_with(label))
            .unwrap_or_else(|| panic!("no '{label}' line in:\n{stdout}"));
        line.split_whitespace().last().unwrap().parse().unwrap()
    };
    assert_eq!(value("acknowledged by offices"), 200, "{stdout}");
    assert_eq!(value("packets received at the centre"), 200, "{stdout}");
    assert_eq!(value("packets decided at the centre"), 200, "{stdout}");
    assert_eq!(value("lost (acknowledged - received)"), 0, "{stdout}");
    assert_eq!(value("duplicated (received - acknowledged)"), 0, "{stdout}");
    assert_eq!(value("applications without a decision"), 0, "{stdout}");
    let planted: Vec<&str> = stdout
        .lines()
        .find(|l| {
            l.trim_start()
                .starts_with("planted duplicates flagged ganda")
        })
        .unwrap()
        .split_whitespace()
        .collect();
    assert_eq!(
        (planted[4], planted[5], planted[6]),
        ("2", "of", "2"),
        "{stdout}"
    );
    assert!(stdout.contains("verdict: PASS"), "{stdout}");
    let svg = std::fs::read_to_string(&chart).unwrap();
    assert!(svg.contains("<svg"), "chart is an SVG");
    stdout.into_owned()
}
