//! A throwaway PostgreSQL cluster for tests: `initdb` in a temp dir, `pg_ctl` on a free
//! loopback port (`fsync=off`: the data dies with the test), a fresh database per test,
//! stopped on drop. Uses the server binaries of Debian's `postgresql` package
//! (`/usr/lib/postgresql/<version>/bin`), so `cargo test` needs no server set up by hand.
//!
//! If PostgreSQL is not installed, [`Cluster::start`] returns `None` after printing a
//! notice (the test skips), unless `SIDIK_REQUIRE_POSTGRES=1`, where it panics: CI sets
//! it so that a missing package fails the build instead of skipping silently.
//!
//! PostgreSQL refuses to run as root: as root, the server binaries run as the
//! `postgres` user (`runuser -u postgres --`) in a directory handed to that user.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::process::{free_port, log_tail};

/// The environment variable that turns a missing PostgreSQL into a failure.
pub const REQUIRE_ENV: &str = "SIDIK_REQUIRE_POSTGRES";

/// A running throwaway cluster (superuser `postgres`, trust authentication, loopback
/// only). Stopped, and its directory removed, on drop.
pub struct Cluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    as_postgres: bool,
    next_db: AtomicU32,
    /// Whether a postmaster we started is (as far as we know) running.
    running: bool,
}

/// The newest `/usr/lib/postgresql/<version>/bin` holding `initdb` and `pg_ctl`.
pub fn find_bin() -> Option<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let version: u32 = e.file_name().to_str()?.split('.').next()?.parse().ok()?;
            let bin = e.path().join("bin");
            (bin.join("initdb").is_file() && bin.join("pg_ctl").is_file()).then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin)
}

fn required() -> bool {
    std::env::var(REQUIRE_ENV).is_ok_and(|v| v == "1")
}

fn is_root() -> bool {
    // `id -u` rather than a libc dependency for one number.
    Command::new("id")
        .arg("-u")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .is_some_and(|s| s.trim() == "0")
}

impl Cluster {
    /// Starts a cluster, or returns `None` (with a printed notice) when PostgreSQL is not
    /// installed and `SIDIK_REQUIRE_POSTGRES` is not `1`. Panics if it is installed but
    /// does not start.
    pub fn start() -> Option<Cluster> {
        let bin = bin_or_skip()?;
        Some(Cluster::start_with(&bin).unwrap_or_else(|e| panic!("starting PostgreSQL: {e:#}")))
    }

    /// Starts a cluster from the server binaries in `bin`.
    pub fn start_with(bin: &Path) -> Result<Cluster> {
        let mut c = Cluster::prepare(bin)?;
        c.initdb()?;
        c.launch("-c fsync=off -c synchronous_commit=off -c full_page_writes=off")?;
        Ok(c)
    }

    /// An empty temp dir (handed to `postgres` when we are root); no server yet.
    fn prepare(bin: &Path) -> Result<Cluster> {
        let dir = tempfile::Builder::new()
            .prefix("sidik-pg-")
            .tempdir()
            .context("creating the cluster's temp dir")?;
        let as_postgres = is_root();
        if as_postgres {
            let st = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir.path())
                .status()
                .context("chown of the cluster dir")?;
            if !st.success() {
                bail!("chown postgres {} failed", dir.path().display());
            }
        }
        Ok(Cluster {
            dir,
            bin: bin.to_path_buf(),
            port: 0,
            as_postgres,
            next_db: AtomicU32::new(0),
            running: false,
        })
    }

    fn initdb(&self) -> Result<()> {
        let data = self.data_dir();
        self.run(
            "initdb",
            &[
                "-D",
                path_str(&data)?,
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-locale",
                "--no-sync",
            ],
        )?;
        Ok(())
    }

    /// Starts the server on a free loopback port (or on its port, if it has one already:
    /// a restart), with `extra` server options.
    fn launch(&mut self, extra: &str) -> Result<()> {
        let data = self.data_dir();
        let fixed = self.port != 0;
        // A free port may be taken between our probe and the server's bind: try again.
        let mut last = None;
        for _ in 0..5 {
            if !fixed {
                self.port = free_port()?;
            }
            let opts = format!(
                "-c listen_addresses=127.0.0.1 -c port={} -k {} -c max_connections=200 {extra}",
                self.port,
                path_str(self.dir.path())?,
            );
            match self.run(
                "pg_ctl",
                &[
                    "start",
                    "-w",
                    "-t",
                    "60",
                    "-D",
                    path_str(&data)?,
                    "-l",
                    path_str(&self.log_path())?,
                    "-o",
                    &opts,
                ],
            ) {
                Ok(_) => {
                    self.running = true;
                    return Ok(());
                }
                Err(e) => last = Some(e),
            }
        }
        Err(last.expect("tried at least once"))
            .with_context(|| format!("log: {}", log_tail(&self.log_path(), 20)))
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("postgres.log")
    }

    /// Runs one of the cluster's binaries (as `postgres` when we are root).
    fn run(&self, tool: &str, args: &[&str]) -> Result<String> {
        let exe = self.bin.join(tool);
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        let out = cmd
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .with_context(|| format!("running {}", exe.display()))?;
        if !out.status.success() {
            bail!(
                "{tool} {args:?} failed ({}): {}{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Runs one statement with `psql` on database `db`; its unaligned output.
    pub fn sql(&self, db: &str, statement: &str) -> Result<String> {
        let port = self.port.to_string();
        self.run(
            "psql",
            &[
                "-X",
                "-A",
                "-t",
                "-h",
                "127.0.0.1",
                "-p",
                &port,
                "-U",
                "postgres",
                "-d",
                db,
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                statement,
            ],
        )
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The URL of database `db` on this cluster.
    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    /// Creates a fresh, empty database and returns its URL.
    pub fn database(&self) -> String {
        let n = self.next_db.fetch_add(1, Ordering::Relaxed);
        let name = format!("sidik_t{n}");
        let port = self.port.to_string();
        self.run(
            "createdb",
            &["-h", "127.0.0.1", "-p", &port, "-U", "postgres", &name],
        )
        .or_else(|_| {
            // Older packages keep the client tools out of the server's bin dir.
            let out = Command::new("createdb")
                .args(["-h", "127.0.0.1", "-p", &port, "-U", "postgres", &name])
                .output()?;
            if out.status.success() {
                Ok(String::new())
            } else {
                bail!("createdb: {}", String::from_utf8_lossy(&out.stderr))
            }
        })
        .unwrap_or_else(|e| panic!("creating database {name}: {e:#}"));
        self.url(&name)
    }
}

/// The server binaries, or `None` (with a printed notice) when PostgreSQL is not installed
/// and `SIDIK_REQUIRE_POSTGRES` is not `1`.
fn bin_or_skip() -> Option<PathBuf> {
    let Some(bin) = find_bin() else {
        if required() {
            panic!(
                "{REQUIRE_ENV}=1 but PostgreSQL is not installed \
                 (no /usr/lib/postgresql/*/bin/initdb; apt-get install postgresql)"
            );
        }
        eprintln!(
            "NOTICE: PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): \
             skipping this PostgreSQL test. Set {REQUIRE_ENV}=1 to make this a failure."
        );
        return None;
    };
    Some(bin)
}

/// The name the standby gives itself in `primary_conninfo`, and the one the primary's
/// `synchronous_standby_names` waits for.
pub const STANDBY_NAME: &str = "standby1";

/// A primary and a synchronous standby on loopback: the primary streams its WAL to the
/// standby (`wal_level=replica`, a `replication` line in `pg_hba.conf`) and
/// `synchronous_standby_names = 'standby1'`, `synchronous_commit = on` make every commit
/// wait until the standby has the commit record, so a commit acknowledged to a client is
/// on both. The standby is a `pg_basebackup -R` of the primary.
///
/// Both run with `fsync=off` (the data dies with the test): the test kills processes, not
/// the machine, so the operating system still holds what a killed server wrote.
/// Each cluster is stopped, and its directory removed, on drop.
pub struct Replicated {
    pub primary: Cluster,
    pub standby: Cluster,
}

impl Replicated {
    /// Starts both and waits until the standby is `sync`; `None` as [`Cluster::start`].
    pub fn start() -> Option<Replicated> {
        let bin = bin_or_skip()?;
        Some(
            Replicated::start_with(&bin)
                .unwrap_or_else(|e| panic!("starting a replicated PostgreSQL pair: {e:#}")),
        )
    }

    pub fn start_with(bin: &Path) -> Result<Replicated> {
        let mut primary = Cluster::prepare(bin)?;
        primary.initdb()?;
        let hba = primary.data_dir().join("pg_hba.conf");
        let mut lines = std::fs::read_to_string(&hba).context("reading pg_hba.conf")?;
        lines.push_str("host replication postgres 127.0.0.1/32 trust\n");
        std::fs::write(&hba, lines).context("writing pg_hba.conf")?;
        primary.launch(&format!(
            "-c fsync=off -c wal_level=replica -c max_wal_senders=4 \
             -c synchronous_commit=on -c synchronous_standby_names={STANDBY_NAME}"
        ))?;
        let mut standby = Cluster::prepare(bin)?;
        let conninfo = format!(
            "host=127.0.0.1 port={} user=postgres application_name={STANDBY_NAME}",
            primary.port
        );
        let data = standby.data_dir();
        standby.run(
            "pg_basebackup",
            &[
                "-D",
                path_str(&data)?,
                "-d",
                &conninfo,
                "-R",
                "-X",
                "stream",
                "-c",
                "fast",
                "--no-sync",
            ],
        )?;
        // `-R` wrote standby.signal and a primary_conninfo keeping the application_name
        // given to -d: the name `synchronous_standby_names` waits for (as in the README).
        let auto = std::fs::read_to_string(data.join("postgresql.auto.conf"))
            .context("reading postgresql.auto.conf")?;
        let wanted = format!("application_name={STANDBY_NAME}");
        if !auto
            .lines()
            .any(|l| l.starts_with("primary_conninfo") && l.contains(&wanted))
        {
            bail!("pg_basebackup -R wrote no primary_conninfo with {wanted}: {auto}");
        }
        // No synchronous_standby_names here: promoted, it has no standby to wait for.
        standby.launch("-c fsync=off")?;
        let pair = Replicated { primary, standby };
        pair.wait_sync()?;
        Ok(pair)
    }

    /// Waits (up to a minute) until `pg_stat_replication` on the primary shows the
    /// standby streaming as `sync`.
    pub fn wait_sync(&self) -> Result<()> {
        let q = format!(
            "SELECT state || '/' || sync_state FROM pg_stat_replication \
             WHERE application_name = '{STANDBY_NAME}'"
        );
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let got = self.primary.sql("postgres", &q)?;
            if got.trim() == "streaming/sync" {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!(
                    "the standby is not sync after 60 s (pg_stat_replication: {got:?}); \
                     standby log: {}",
                    log_tail(&self.standby.log_path(), 20)
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// A fresh database, created on the primary (replication creates it on the standby
    /// too): its URL on the primary and on the standby.
    pub fn database(&self) -> (String, String) {
        let on_primary = self.primary.database();
        let name = on_primary.rsplit('/').next().expect("a URL").to_string();
        (on_primary, self.standby.url(&name))
    }

    /// SIGKILLs the primary's postmaster (its pid from `postmaster.pid`): no shutdown
    /// checkpoint, no goodbye to clients or to the standby, as when the machine dies. Its
    /// backends exit on their own when they notice the postmaster is gone. Returns once
    /// the primary refuses connections.
    pub fn kill_primary(&mut self) -> Result<u32> {
        let p = &mut self.primary;
        let pidfile = std::fs::read_to_string(p.data_dir().join("postmaster.pid"))
            .context("reading postmaster.pid")?;
        let mut lines = pidfile.lines();
        let pid: u32 = lines
            .next()
            .and_then(|l| l.trim().parse().ok())
            .context("no pid in postmaster.pid")?;
        // Line 7: the shared memory key and id, removed below so none is left behind.
        let shmid = lines
            .nth(5)
            .and_then(|l| l.split_whitespace().nth(1))
            .map(str::to_string);
        let st = Command::new("kill")
            .args(["-9", &pid.to_string()])
            .status()
            .context("running kill")?;
        if !st.success() {
            bail!("kill -9 {pid} failed");
        }
        p.running = false;
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", p.port)).is_ok() {
            if Instant::now() > deadline {
                bail!("the killed primary still accepts connections after 30 s");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        if let Some(id) = shmid {
            // Marked for removal; it goes when the last orphaned backend detaches.
            let _ = Command::new("ipcrm").args(["-m", &id]).output();
        }
        Ok(pid)
    }

    /// Stops the standby (fast shutdown); the primary's commits then wait.
    pub fn stop_standby(&mut self) -> Result<()> {
        let data = self.standby.data_dir();
        self.standby.run(
            "pg_ctl",
            &["stop", "-m", "fast", "-w", "-D", path_str(&data)?],
        )?;
        self.standby.running = false;
        Ok(())
    }

    /// Starts the stopped standby again on its port and waits until it is `sync`.
    pub fn restart_standby(&mut self) -> Result<()> {
        self.standby.launch("-c fsync=off")?;
        self.wait_sync()
    }

    /// Promotes the standby (`pg_ctl promote`) and waits until it accepts writes.
    pub fn promote_standby(&self) -> Result<()> {
        let data = self.standby.data_dir();
        self.standby.run(
            "pg_ctl",
            &["promote", "-w", "-t", "60", "-D", path_str(&data)?],
        )?;
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            // Assigning a transaction id is refused while in recovery.
            match self.standby.sql("postgres", "SELECT txid_current()") {
                Ok(_) => return Ok(()),
                Err(e) if Instant::now() > deadline => {
                    return Err(e.context("the promoted standby does not accept writes"))
                }
                Err(_) => std::thread::sleep(Duration::from_millis(50)),
            }
        }
    }
}

fn path_str(p: &Path) -> Result<&str> {
    p.to_str()
        .with_context(|| format!("path is not UTF-8: {}", p.display()))
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if !self.running {
            return;
        }
        if let Ok(data) = path_str(&self.data_dir()) {
            let data = data.to_string();
            if let Err(e) = self.run("pg_ctl", &["stop", "-m", "immediate", "-w", "-D", &data]) {
                eprintln!("stopping the test PostgreSQL cluster: {e:#}");
            }
        }
    }
}
