//! The `sidik` binary: serve, migrate, accounts, demo data, imports, audit, ABIS tools.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use sidik_domain::Peran;
use sidik_issuance::akun::Akun;
use sidik_node::keys;
use sidik_node::{Backend, Matcher, Node, NodeConfig, RoleConfig};
use sidik_ports::SystemClock;
use sidik_store::Store;
use sidik_store_sqlite::SqliteStore;

mod abis_cli;
mod bench;
mod bench_centre;
mod bench_scale;
mod bench_verify;
mod demo;
mod demo_aspirasi;
mod dokumen_cli;
mod import;
mod kabar_cli;

/// The node's role, as chosen on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum RoleArg {
    /// One office whose own 1:N check is final (demo, small deployments).
    Standalone,
    /// A district office that syncs with a centre.
    Office,
    /// The central data centre.
    #[value(alias = "central")]
    Centre,
}

#[derive(Parser)]
#[command(
    name = "sidik",
    version,
    about = "Sidik: e-KTP issuance for Dukcapil offices"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

/// The office code a node runs as unless told otherwise.
pub(crate) const DEFAULT_OFFICE: &str = "317200";

#[derive(clap::Args, Clone)]
struct DataArg {
    /// Data folder (SQLite database and its WAL).
    #[arg(long, default_value = "sidik-data", env = "SIDIK_DATA")]
    data: PathBuf,
}

#[derive(clap::Args, Clone)]
struct DbArg {
    /// The database: a PostgreSQL URL (`postgres://user:password@host:port/db`, any
    /// role). Without it the node's SQLite database in --data is used; key files stay
    /// in --data either way.
    #[arg(long, env = "SIDIK_DB", value_parser = postgres_url)]
    db: Option<String>,
}

fn postgres_url(s: &str) -> std::result::Result<String, String> {
    if sidik_node::is_postgres_url(s) {
        Ok(s.to_string())
    } else {
        Err("expected a postgres:// URL (SQLite is the default, in --data)".into())
    }
}

/// The account service over `store`.
async fn akun_of(data: &DataArg, db: &DbArg) -> Result<Akun> {
    Ok(match &db.db {
        Some(url) => akun_dyn(sidik_node::open_postgres(url).await?),
        None => akun(open(&data.data).await?),
    })
}

// Parsed once at start: the size of `Serve` does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Cmd {
    /// Serve the officer pages and the JSON API.
    Serve {
        /// Seed a demo population and demo applications, and print a one-time admin password.
        #[arg(long, conflicts_with = "db")]
        demo: bool,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080", env = "SIDIK_LISTEN")]
        listen: SocketAddr,
        #[command(flatten)]
        data: DataArg,
        #[command(flatten)]
        db: DbArg,
        /// Office code (6 digits: province, regency, office number).
        #[arg(
            long = "office",
            alias = "kantor",
            default_value = DEFAULT_OFFICE,
            env = "SIDIK_OFFICE"
        )]
        kantor: String,
        /// The node's role: standalone (default; its own 1:N check is final), office
        /// (syncs with --centre), or centre (`central` is accepted too).
        #[arg(long, value_enum, default_value = "standalone", env = "SIDIK_ROLE")]
        role: RoleArg,
        /// Base URL of the central node (office role; `--central` is accepted too).
        #[arg(long = "centre", alias = "central", env = "SIDIK_CENTRE")]
        central: Option<String>,
        /// Residents in the demo population (only with --demo, only into an empty registry).
        #[arg(long, default_value_t = 20_000)]
        residents: usize,
        /// With --demo: this many more demo applications enrolled and waiting in the
        /// print queue (for `.ci/bench_status`; hidden).
        #[arg(long, default_value_t = 0, hide = true)]
        demo_queue: usize,
        /// Run the uniqueness step with demographic checks only (no biometric 1:N).
        #[arg(long)]
        no_abis: bool,
        /// Serve HTTPS with this certificate chain (PEM; with --tls-key): cookies
        /// become `Secure` and responses carry HSTS.
        #[arg(long, requires = "tls_key", env = "SIDIK_TLS_CERT")]
        tls_cert: Option<PathBuf>,
        /// The private key of --tls-cert (PEM, PKCS#8 or RSA or SEC1).
        #[arg(long, requires = "tls_cert", env = "SIDIK_TLS_KEY")]
        tls_key: Option<PathBuf>,
        /// Plain HTTP on loopback behind a TLS-terminating reverse proxy that browsers
        /// reach over HTTPS: cookies become `Secure` and responses carry HSTS (see
        /// README, "Behind a reverse proxy").
        #[arg(long, conflicts_with = "tls_cert")]
        behind_https_proxy: bool,
        /// A reverse proxy (IP address; repeat for several) whose X-Forwarded-For names
        /// the client, for per-client rate limits. Any other sender's header is ignored.
        #[arg(long = "trusted-proxy", value_name = "IP")]
        trusted_proxies: Vec<std::net::IpAddr>,
        /// Password checks that may run at once (default: the machine's cores). A few
        /// more logins may wait for a turn; beyond that a login is answered 503.
        #[arg(long, env = "SIDIK_LOGIN_CHECKS", value_parser = clap::value_parser!(u16).range(1..))]
        login_checks: Option<u16>,
        /// Simulated business time for whole-system replays: `START@RATE[@ANCHOR]`
        /// (RFC 3339; the clock reads START + (real − ANCHOR) × RATE). Hidden: for
        /// `sidik simulate`, never for a real office.
        #[arg(
            long,
            env = "SIDIK_SIM_CLOCK",
            hide = true,
            value_name = "START@RATE[@ANCHOR]"
        )]
        sim_clock: Option<String>,
        #[command(flatten)]
        kabar: kabar_cli::KabarArgs,
        /// Centre on PostgreSQL: deduplicate through K ABIS worker processes
        /// (`sidik abis-worker --shard I --of K`, same --db) instead of a gallery in
        /// this process.
        #[arg(long, value_name = "K", requires = "db",
              value_parser = clap::value_parser!(u32).range(1..=64))]
        abis_pool: Option<u32>,
    },
    /// One shard of the centre's national gallery, for `serve --role centre
    /// --abis-pool K`: rebuilt from the database at start, then following it. Runs
    /// until SIGINT or SIGTERM; another worker for the same shard stands by.
    AbisWorker {
        /// The centre's PostgreSQL database.
        #[arg(long, env = "SIDIK_DB", value_parser = postgres_url)]
        db: String,
        /// This worker's shard, 0 ≤ I < K.
        #[arg(long, value_name = "I")]
        shard: u32,
        /// The number of shards K (the centre's --abis-pool).
        #[arg(long, value_name = "K", value_parser = clap::value_parser!(u32).range(1..=64))]
        of: u32,
    },
    /// Create or upgrade the database schema.
    Migrate {
        #[command(flatten)]
        data: DataArg,
        #[command(flatten)]
        db: DbArg,
    },
    /// Officer accounts.
    #[command(subcommand)]
    User(UserCmd),
    /// Demo data.
    #[command(subcommand)]
    Demo(DemoCmd),
    /// Population registry.
    #[command(subcommand)]
    Resident(ResidentCmd),
    /// The audit log.
    #[command(subcommand)]
    Audit(AuditCmd),
    /// Benchmarks of the whole system.
    #[command(subcommand)]
    Bench(bench::BenchCmd),
    /// Fingerprint matcher tools (ABIS).
    #[command(subcommand)]
    Abis(abis_cli::AbisCommand),
    /// Provisioning of the central node (`central` is accepted too).
    #[command(subcommand, alias = "central")]
    Centre(CentreCmd),
    /// Provisioning of an office node.
    #[command(subcommand)]
    Office(OfficeCmd),
    /// Whole-system simulations with real processes (e.g. the 2015 central outage).
    #[command(subcommand)]
    Simulate(sidik_simulate::SimulateCmd),
    /// Verify a Suket QR (its text, or a text or image file) against a trust folder
    /// (`sidik trust fetch`), without network. Exit status 0 only if it is valid.
    Verify {
        /// The QR text, or a file holding it (text, or a PNG/JPEG photo of the QR).
        input: String,
        /// Trust folder: root.pub, keys.cose and the revocation lists.
        #[arg(long)]
        trust: PathBuf,
        /// Check as of this instant (RFC 3339) instead of now.
        #[arg(long)]
        now: Option<jiff::Timestamp>,
        /// Print the verification as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Trust lists for offline verification.
    #[command(subcommand)]
    Trust(dokumen_cli::TrustCmd),
    /// Plans: printing capacity and blank cards.
    #[command(subcommand)]
    Plan(dokumen_cli::PlanCmd),
}

#[derive(Subcommand)]
enum CentreCmd {
    /// Create the centre's keys (centre.key, secret; centre.pub, for offices) and database.
    Init {
        #[command(flatten)]
        data: DataArg,
    },
    /// Certify and register an office's public key.
    AddOffice {
        #[arg(long)]
        office: String,
        /// The hex key printed by `sidik office init`.
        #[arg(long)]
        public_key: String,
        #[arg(long, default_value = "")]
        name: String,
        #[command(flatten)]
        data: DataArg,
        #[command(flatten)]
        db: DbArg,
    },
    /// Revoke an office key: packets signed with it are quarantined from now on.
    RevokeOffice {
        #[arg(long)]
        office: String,
        #[arg(long)]
        public_key: String,
        #[command(flatten)]
        data: DataArg,
        #[command(flatten)]
        db: DbArg,
    },
}

#[derive(Subcommand)]
enum OfficeCmd {
    /// Create the office's signing key and database; prints the public key to register.
    Init {
        #[arg(long)]
        office: String,
        /// The centre's public key file (centre.pub from `sidik central init`).
        #[arg(long)]
        centre_pub: PathBuf,
        #[command(flatten)]
        data: DataArg,
    },
}

#[derive(Subcommand)]
enum UserCmd {
    /// Create an officer account. The password is read from SIDIK_PASSWORD or, if unset,
    /// generated and printed once.
    Add {
        username: String,
        /// operator | verifikator | pencetak | admin
        #[arg(long)]
        role: String,
        #[command(flatten)]
        data: DataArg,
        #[command(flatten)]
        db: DbArg,
    },
}

#[derive(Subcommand)]
enum DemoCmd {
    /// Create a deterministic synthetic population of Jakarta Utara.
    Seed {
        #[arg(long, default_value_t = 20_000)]
        residents: usize,
        #[arg(long, default_value_t = demo::SEED)]
        seed: u64,
        #[command(flatten)]
        data: DataArg,
    },
}

#[derive(Subcommand)]
enum ResidentCmd {
    /// Import residents from a CSV file (header: sidik_domain::csv::HEADER). Bad rows are
    /// reported with their line number and reason; good rows are kept.
    Import {
        csv: PathBuf,
        /// Also write the per-row error report to this file.
        #[arg(long)]
        report: Option<PathBuf>,
        #[command(flatten)]
        data: DataArg,
    },
    /// Export the demo population as CSV to stdout (for trying `resident import`).
    ExportDemo {
        #[arg(long, default_value_t = 1000)]
        residents: usize,
        #[arg(long, default_value_t = demo::SEED)]
        seed: u64,
    },
}

#[derive(Subcommand)]
enum AuditCmd {
    /// Walk the hash chain and name the first broken entry.
    Verify {
        #[command(flatten)]
        data: DataArg,
    },
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("SIDIK_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

async fn open(data: &Path) -> Result<Arc<SqliteStore>> {
    Ok(Arc::new(SqliteStore::open_dir(data).await.with_context(
        || format!("opening the database in {}", data.display()),
    )?))
}

fn akun(store: Arc<SqliteStore>) -> Akun {
    akun_dyn(store)
}

fn akun_dyn(store: Arc<dyn Store>) -> Akun {
    Akun {
        store,
        clock: Arc::new(SystemClock),
        entropy: Arc::new(sidik_ports::OsEntropy),
        gate: Default::default(),
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    init_tracing();
    match cli.cmd {
        Cmd::Serve {
            demo,
            listen,
            data,
            db,
            kantor,
            role,
            central,
            residents,
            demo_queue,
            no_abis,
            tls_cert,
            tls_key,
            behind_https_proxy,
            trusted_proxies,
            login_checks,
            sim_clock,
            kabar,
            abis_pool,
        } => {
            serve(Serve {
                demo,
                listen,
                data: data.data,
                db: db.db,
                kantor,
                role,
                central,
                residents,
                demo_queue,
                no_abis,
                tls: tls_cert.zip(tls_key),
                behind_https_proxy,
                trusted_proxies,
                login_checks,
                sim_clock,
                kabar,
                abis_pool,
            })
            .await
        }
        Cmd::AbisWorker { db, shard, of } => {
            sidik_node::pool::run_abis_worker(&db, shard, of, shutdown_signal()).await
        }
        Cmd::Centre(CentreCmd::Init { data }) => keys::central_init(&data.data).await,
        Cmd::Centre(CentreCmd::AddOffice {
            office,
            public_key,
            name,
            data,
            db,
        }) => add_office(&data, &db, &office, &public_key, &name).await,
        Cmd::Centre(CentreCmd::RevokeOffice {
            office,
            public_key,
            data,
            db,
        }) => revoke_office(&data, &db, &office, &public_key).await,
        Cmd::Office(OfficeCmd::Init {
            office,
            centre_pub,
            data,
        }) => keys::office_init(&data.data, &office, &centre_pub).await,
        Cmd::Migrate { data, db } => migrate(&data, &db).await,
        Cmd::User(UserCmd::Add {
            username,
            role,
            data,
            db,
        }) => {
            let peran = Peran::parse(&role).map_err(anyhow::Error::msg)?;
            let akun = akun_of(&data, &db).await?;
            let (password, generated) = match std::env::var("SIDIK_PASSWORD") {
                Ok(p) if !p.is_empty() => (p, false),
                _ => (sidik_issuance::akun::generate_password()?, true),
            };
            akun.create_user("cli", &username, peran, &password).await?;
            println!("created {peran} account {username}");
            if generated {
                println!("password (shown once): {password}");
            }
            Ok(())
        }
        Cmd::Demo(DemoCmd::Seed {
            residents,
            seed,
            data,
        }) => {
            let store = open(&data.data).await?;
            let n = demo::seed_population(store.as_ref(), seed, residents, true).await?;
            println!("seeded {n} residents of Kota Administrasi Jakarta Utara (seed {seed})");
            Ok(())
        }
        Cmd::Resident(ResidentCmd::Import { csv, report, data }) => {
            let store = open(&data.data).await?;
            let r = import::import(store.as_ref(), &csv, report.as_deref()).await?;
            println!(
                "imported {} residents; {} row(s) rejected{}",
                r.imported,
                r.rejected,
                report
                    .map(|p| format!(" (report: {})", p.display()))
                    .unwrap_or_default()
            );
            Ok(())
        }
        Cmd::Resident(ResidentCmd::ExportDemo { residents, seed }) => {
            demo::export_csv(seed, residents);
            Ok(())
        }
        Cmd::Audit(AuditCmd::Verify { data }) => {
            let store = open(&data.data).await?;
            audit_verify(store.as_ref()).await
        }
        Cmd::Bench(cmd) => bench::run(cmd).await,
        Cmd::Abis(cmd) => tokio::task::spawn_blocking(move || abis_cli::run(cmd)).await?,
        Cmd::Simulate(cmd) => sidik_simulate::run(cmd).await,
        Cmd::Verify {
            input,
            trust,
            now,
            json,
        } => {
            if dokumen_cli::verify(&input, &trust, now, json)? {
                Ok(())
            } else {
                std::process::exit(3)
            }
        }
        Cmd::Trust(cmd) => dokumen_cli::trust(cmd).await,
        Cmd::Plan(cmd) => dokumen_cli::plan(cmd).await,
    }
}

async fn audit_verify(store: &dyn Store) -> Result<()> {
    let mut v = sidik_domain::audit::ChainVerifier::default();
    let mut after = 0;
    loop {
        let page = store.audit_page(after, 10_000).await?;
        if page.is_empty() {
            break;
        }
        for e in &page {
            if let Err(b) = v.push(e) {
                println!("audit chain BROKEN at entry #{}: {}", b.seq, b.reason);
                bail!("audit verification failed at entry #{}", b.seq);
            }
            after = e.seq;
        }
    }
    println!("audit chain intact: {} entries verified", v.checked);
    Ok(())
}

/// `sidik migrate`: the SQLite database in --data, or the PostgreSQL one of --db.
async fn migrate(data: &DataArg, db: &DbArg) -> Result<()> {
    let (name, applied) = match &db.db {
        Some(url) => {
            let store = sidik_store_postgres::PgStore::connect_unmigrated(
                sidik_store_postgres::PgStore::options(url)?,
            )
            .await
            .with_context(|| format!("connecting to {}", sidik_node::redact(url)))?;
            let applied = store.migrate().await?;
            store.close().await;
            (sidik_node::redact(url), applied)
        }
        None => {
            let store = open(&data.data).await?;
            let applied = store.migrate().await?;
            (data.data.join("sidik.db").display().to_string(), applied)
        }
    };
    println!(
        "database {name} is up to date ({} migration(s) applied now)",
        applied.len()
    );
    Ok(())
}

/// `sidik centre add-office`, on the centre's SQLite database or its --db.
async fn add_office(
    data: &DataArg,
    db: &DbArg,
    office: &str,
    public_key: &str,
    name: &str,
) -> Result<()> {
    match &db.db {
        Some(url) => {
            let store = sidik_node::open_postgres(url).await?;
            keys::add_office_on(store, &data.data, office, public_key, name).await
        }
        None => keys::add_office(&data.data, office, public_key, name).await,
    }
}

/// `sidik centre revoke-office`, on the centre's SQLite database or its --db.
async fn revoke_office(data: &DataArg, db: &DbArg, office: &str, public_key: &str) -> Result<()> {
    match &db.db {
        Some(url) => {
            let store = sidik_node::open_postgres(url).await?;
            keys::revoke_office_on(store, &data.data, office, public_key).await
        }
        None => keys::revoke_office(&data.data, office, public_key).await,
    }
}

struct Serve {
    demo: bool,
    listen: SocketAddr,
    data: PathBuf,
    /// A PostgreSQL URL (else SQLite in `data`).
    db: Option<String>,
    kantor: String,
    role: RoleArg,
    central: Option<String>,
    residents: usize,
    demo_queue: usize,
    no_abis: bool,
    /// (certificate chain, private key)
    tls: Option<(PathBuf, PathBuf)>,
    behind_https_proxy: bool,
    trusted_proxies: Vec<std::net::IpAddr>,
    login_checks: Option<u16>,
    sim_clock: Option<String>,
    kabar: kabar_cli::KabarArgs,
    abis_pool: Option<u32>,
}

async fn serve(o: Serve) -> Result<()> {
    let kantor = sidik_domain::KodeKantor::parse(&o.kantor).map_err(anyhow::Error::msg)?;
    if o.demo && o.role != RoleArg::Standalone {
        bail!("--demo runs the standalone role");
    }
    let role = match o.role {
        RoleArg::Standalone => RoleConfig::Standalone,
        RoleArg::Centre => RoleConfig::Centre,
        RoleArg::Office => match &o.central {
            Some(url) => RoleConfig::Office {
                centre_url: url.clone(),
            },
            None => bail!("--role office needs --centre <url of the central node>"),
        },
    };
    let mut cfg = NodeConfig::new(&o.data, kantor, role);
    if o.no_abis {
        cfg.matcher = Matcher::DemographicOnly;
    }
    if let (Some(k), Some(url)) = (o.abis_pool, &o.db) {
        if o.role != RoleArg::Centre || o.no_abis {
            bail!("--abis-pool is for a centre (--role centre) with its matcher");
        }
        cfg.matcher = sidik_node::pool::pool_matcher(url, k, cfg.entropy.as_ref())?;
    }
    if o.demo {
        cfg.demo = Some(Arc::new(demo::biometrik));
    }
    cfg.https = o.tls.is_some() || o.behind_https_proxy;
    cfg.trusted_proxies = o.trusted_proxies.clone();
    let https = cfg.https;
    kabar_cli::apply(&o.kabar, &mut cfg, o.listen, https)?;
    if let Some(n) = o.login_checks {
        cfg.login_checks = n.into();
    }
    if let Some(spec) = &o.sim_clock {
        let c = sidik_node::sim_clock::SimulatedClock::parse(spec, jiff::Timestamp::now())
            .map_err(anyhow::Error::msg)?;
        // The centre's hold is compared with simulated arrival times: scale it.
        cfg.hold.max_hold = cfg.hold.max_hold.mul_f64(c.rate);
        cfg.clock = Arc::new(c);
        tracing::warn!(start = %c.start, rate = c.rate, "simulated clock (replay only)");
    }
    match o.db.clone() {
        Some(url) => {
            let store = sidik_node::open_postgres(&url).await?;
            run_node(Node::build_with(cfg, store).await?, o, None).await
        }
        None => {
            let node = Node::build(cfg).await?;
            let admin_password = if o.demo {
                Some(demo::prepare(&node, o.residents, o.demo_queue).await?)
            } else {
                None
            };
            run_node(node, o, admin_password).await
        }
    }
}

/// Starts a built node and serves it until SIGINT or SIGTERM.
async fn run_node<S: Backend>(
    node: Node<S>,
    o: Serve,
    admin_password: Option<String>,
) -> Result<()> {
    node.start();
    let listener = std::net::TcpListener::bind(o.listen)
        .with_context(|| format!("cannot listen on {}", o.listen))?;
    println!(
        "Sidik ({}) serving on {}://{}/ (data: {}{})",
        match o.role {
            RoleArg::Standalone => "standalone",
            RoleArg::Office => "office",
            RoleArg::Centre => "centre",
        },
        if o.tls.is_some() { "https" } else { "http" },
        o.listen,
        o.data.display(),
        o.db.as_deref()
            .map(|u| format!(", database: {}", sidik_node::redact(u)))
            .unwrap_or_default()
    );
    if node.store.user_count().await? == 0 {
        println!(
            "No officer accounts yet: create one with `sidik user add NAME --role admin {}`",
            match &o.db {
                Some(_) => "--db <the same URL>".to_string(),
                None => format!("--data {}", o.data.display()),
            }
        );
    }
    if let Some(pw) = admin_password {
        println!("Demo admin login: username 'admin', one-time password '{pw}' (a new one is made at every start)");
    }
    let shutdown = shutdown_signal();
    match &o.tls {
        Some((cert, key)) => sidik_http::serve_tls(listener, node.router(), cert, key, shutdown)
            .await
            .with_context(|| format!("TLS with {} and {}", cert.display(), key.display()))?,
        None => {
            listener.set_nonblocking(true)?;
            let listener = tokio::net::TcpListener::from_std(listener)?;
            sidik_http::serve(listener, node.router(), shutdown).await?
        }
    }
    node.store.close().await;
    Ok(())
}

/// Resolves at SIGINT or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("signal handler");
    tokio::select! {
        _ = ctrl_c => {},
        _ = term.recv() => {},
    }
    tracing::info!("shutting down");
}
