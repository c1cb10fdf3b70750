//! `sidik simulate`: whole-system simulations with real `sidik` processes.
//!
//! * `outage` replays the 2015 e-KTP central outage in Jakarta Utara: a centre and six
//!   offices on loopback, the centre SIGKILLed for the outage window while the offices
//!   keep enrolling, then the sync after it comes back, with an exactly-once account of
//!   every enrollment (see [`outage`]).
//!
//! The pure parts (the applicant plan, the Prometheus reader, the report) live in
//! [`plan`], [`prom`] and [`report`]; [`nodes`] and [`client`] drive processes and HTTP.

use std::path::PathBuf;

use anyhow::Result;

pub mod client;
/// The process harness lives in the test kit; the simulator is one of its users.
pub use sidik_testkit::process as nodes;
pub mod outage;
pub mod plan;
pub mod prom;
pub mod report;

pub use plan::Duplicates;

/// `sidik simulate …`
#[derive(clap::Subcommand, Debug, Clone)]
pub enum SimulateCmd {
    /// Replay the 2015 central outage: one centre and six Jakarta Utara offices as real
    /// processes; the centre is down for the outage window while the offices keep
    /// enrolling, then everything syncs exactly once.
    Outage(OutageOpts),
}

/// Options of `sidik simulate outage`.
#[derive(clap::Args, Debug, Clone)]
pub struct OutageOpts {
    /// Applicants (adults of the synthetic population) arriving during the outage.
    #[arg(long, default_value_t = 9_539)]
    pub applicants: usize,
    /// Calendar days the central data centre is down (day 1 is a Monday).
    #[arg(long, default_value_t = 26)]
    pub outage_days: u32,
    /// Seed of the synthetic population and of the applicant plan.
    #[arg(long, default_value_t = 2015)]
    pub seed: u64,
    /// Wall-clock seconds per simulated day (compression = 86400 / day-seconds).
    #[arg(long, default_value_t = 10.0)]
    pub day_seconds: f64,
    /// Planted duplicates (same person, second NIK, another office): a fraction
    /// (0.005), a percentage (0.5%) or a count (48).
    #[arg(long, default_value = "0.005")]
    pub duplicates: Duplicates,
    /// Where to write the SVG chart.
    #[arg(long, default_value = "outage.svg")]
    pub chart: PathBuf,
    /// Work dir for the nodes' data and logs (must be empty; kept). Default: a temp dir.
    #[arg(long)]
    pub work_dir: Option<PathBuf>,
    /// Keep the temporary work dir (it is always kept when the run fails).
    #[arg(long)]
    pub keep: bool,
    /// The sidik binary to run the nodes with. Default: this executable.
    #[arg(long)]
    pub bin: Option<PathBuf>,
    /// Requests in flight per office.
    #[arg(long, default_value_t = 2)]
    pub in_flight: usize,
    /// Residents in the synthetic population (default: max(20000, 2.5 × applicants)).
    #[arg(long)]
    pub residents: Option<usize>,
    /// Give up if the backlog has not cleared this many wall seconds after the centre
    /// is back.
    #[arg(long, default_value_t = 1800)]
    pub recovery_timeout: u64,
    /// Daily capacity of each office's one printer (6 offices × 60 ≈ 360 cards a day,
    /// the city's rate in 2015).
    #[arg(long, default_value_t = 60)]
    pub printer_capacity: u32,
    /// Blank cards each office holds at the start (default: enough for every applicant).
    #[arg(long)]
    pub blanko: Option<u64>,
    /// Blank shortage: each office starts with two days' worth of blanks (unless
    /// `--blanko` says otherwise) and a delivery is scheduled for `--delivery-day`.
    #[arg(long)]
    pub blanko_shortage: bool,
    /// With `--blanko-shortage`: the simulated day the scheduled delivery arrives
    /// (default: 10 days after the centre's return).
    #[arg(long)]
    pub delivery_day: Option<u32>,
    /// Percent of the printed cards waiting for collection that are handed over each
    /// working day.
    #[arg(long, default_value_t = 50)]
    pub handover_percent: u32,
    /// Replay 2015's end: the centre comes back at 12.00 on the day after the outage,
    /// printing runs 14.30–19.00, then it dies again until 14.00 the next day.
    #[arg(long)]
    pub flap: bool,
    /// The centre's database: `sqlite` (in its data folder) or `postgres` (a throwaway
    /// PostgreSQL cluster on loopback, started and stopped by the simulator; needs
    /// Debian's `postgresql` package). The offices always run on SQLite.
    #[arg(long, value_enum, default_value_t = CentreDb::Sqlite)]
    pub db: CentreDb,
    /// With `--db postgres`: K `sidik abis-worker` processes (shards 0..K-1 of the
    /// national gallery) the centre dedups through (`serve --abis-pool K`); they die and
    /// come back with the centre. 0: the centre's in-process gallery.
    #[arg(long, default_value_t = 0)]
    pub abis_workers: usize,
}

impl OutageOpts {
    /// The centre's backend as the report names it, e.g. "SQLite, in-process gallery"
    /// or "PostgreSQL, 4 ABIS workers": runs on different backends side by side.
    pub fn backend(&self) -> String {
        let matching = match self.abis_workers {
            0 => "in-process gallery".to_string(),
            1 => "1 ABIS worker".to_string(),
            k => format!("{k} ABIS workers"),
        };
        format!("{}, {matching}", self.db.label())
    }
}

/// The centre's storage backend in `sidik simulate outage`.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum CentreDb {
    /// SQLite in the centre's data folder.
    Sqlite,
    /// A throwaway PostgreSQL cluster on loopback.
    Postgres,
}

impl CentreDb {
    /// The name shown in the report.
    pub fn label(self) -> &'static str {
        match self {
            CentreDb::Sqlite => "SQLite",
            CentreDb::Postgres => "PostgreSQL",
        }
    }
}

/// Runs a simulation.
pub async fn run(cmd: SimulateCmd) -> Result<()> {
    match cmd {
        SimulateCmd::Outage(opts) => outage::run(opts).await,
    }
}
