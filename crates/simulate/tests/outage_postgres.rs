//! `sidik simulate outage --db postgres`, scaled down, end to end: the centre on a
//! throwaway PostgreSQL cluster, SIGKILLed for the outage and restarted, then the
//! exactly-once verdict (0 lost, 0 duplicated, every planted pair flagged, nothing left
//! undecided: `outage::run` fails otherwise).
//!
//! Ignored by default: the nodes need a `sidik` binary, which this crate's tests cannot
//! build (it is another package's): `cargo build -p sidik` first, or point `SIDIK_BIN`
//! at one. Each run starts a PostgreSQL cluster and seven node processes and takes
//! about a minute and a half on two cores. The SQLite run is `crates/cli/tests/simulate.rs`.
//!
//! ```text
//! cargo build -p sidik && cargo test -p sidik-simulate --test outage_postgres -- --ignored
//! ```

use std::path::PathBuf;

use clap::Parser;
use sidik_simulate::SimulateCmd;

/// One replay at a time: two would share two cores and overrun their days.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[derive(clap::Parser)]
struct Cli {
    #[command(subcommand)]
    cmd: SimulateCmd,
}

/// `SIDIK_BIN`, or the workspace's debug build.
fn sidik_bin() -> PathBuf {
    let bin = std::env::var_os("SIDIK_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/debug/sidik")
        });
    assert!(
        bin.is_file(),
        "no sidik binary at {}: run `cargo build -p sidik` first or set SIDIK_BIN",
        bin.display()
    );
    bin
}

/// The scaled-down replay of `crates/cli/tests/simulate.rs` with `extra` options.
async fn replay(extra: &[&str]) {
    if sidik_testkit::postgres::find_bin().is_none()
        && std::env::var(sidik_testkit::postgres::REQUIRE_ENV).as_deref() != Ok("1")
    {
        eprintln!("NOTICE: PostgreSQL is not installed: skipping the outage replay on it");
        return;
    }
    let _turn = ONE_AT_A_TIME.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    let chart = dir.path().join("outage.svg");
    let bin = sidik_bin();
    let mut args: Vec<String> = [
        "sidik",
        "outage",
        "--applicants",
        "200",
        "--outage-days",
        "2",
        "--day-seconds",
        "6",
        "--duplicates",
        "2",
        "--recovery-timeout",
        "300",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    for (flag, path) in [("--work-dir", &work), ("--chart", &chart), ("--bin", &bin)] {
        args.extend([flag.to_string(), path.display().to_string()]);
    }
    let cmd = Cli::try_parse_from(&args).unwrap().cmd;
    if let Err(e) = sidik_simulate::run(cmd).await {
        panic!(
            "the replay failed: {e:#} (node logs in {})",
            dir.keep().join("work/logs").display()
        );
    }
    assert!(std::fs::read_to_string(&chart).unwrap().contains("<svg"));
}

#[tokio::test]
#[ignore = "needs a built sidik binary (cargo build -p sidik) and PostgreSQL; about 1.5 min"]
async fn outage_with_the_centre_on_postgres_loses_and_duplicates_nothing() {
    replay(&["--db", "postgres"]).await;
}

#[tokio::test]
#[ignore = "needs a built sidik binary (cargo build -p sidik) and PostgreSQL; crates/cli/tests/simulate.rs runs it in cargo test"]
async fn outage_with_two_abis_workers_loses_and_duplicates_nothing() {
    replay(&["--db", "postgres", "--abis-workers", "2"]).await;
}
