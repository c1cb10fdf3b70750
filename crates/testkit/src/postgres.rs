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

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

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
        Some(Cluster::start_with(&bin).unwrap_or_else(|e| panic!("starting PostgreSQL: {e:#}")))
    }

    /// Starts a cluster from the server binaries in `bin`.
    pub fn start_with(bin: &Path) -> Result<Cluster> {
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
        let mut c = Cluster {
            dir,
            bin: bin.to_path_buf(),
            port: 0,
            as_postgres,
            next_db: AtomicU32::new(0),
        };
        let data = c.data_dir();
        c.run(
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
        // A free port may be taken between our probe and the server's bind: try again.
        let mut last = None;
        for _ in 0..5 {
            c.port = free_port()?;
            let opts = format!(
                "-c listen_addresses=127.0.0.1 -c port={} -k {} -c fsync=off \
                 -c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
                c.port,
                path_str(c.dir.path())?,
            );
            match c.run(
                "pg_ctl",
                &[
                    "start",
                    "-w",
                    "-t",
                    "60",
                    "-D",
                    path_str(&data)?,
                    "-l",
                    path_str(&c.log_path())?,
                    "-o",
                    &opts,
                ],
            ) {
                Ok(_) => return Ok(c),
                Err(e) => last = Some(e),
            }
        }
        Err(last.expect("tried at least once"))
            .with_context(|| format!("log: {}", log_tail(&c.log_path(), 20)))
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

fn path_str(p: &Path) -> Result<&str> {
    p.to_str()
        .with_context(|| format!("path is not UTF-8: {}", p.display()))
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if let (Ok(data), true) = (path_str(&self.data_dir()), self.port != 0) {
            let data = data.to_string();
            if let Err(e) = self.run("pg_ctl", &["stop", "-m", "immediate", "-w", "-D", &data]) {
                eprintln!("stopping the test PostgreSQL cluster: {e:#}");
            }
        }
    }
}
