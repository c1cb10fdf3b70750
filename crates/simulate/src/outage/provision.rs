//! Provisioning: keys, office certificates, residents and officers, then the nodes.

use std::collections::HashSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use sidik_domain::Penduduk;

use super::abis_pool::AbisPool;
use super::{COMMAND_TIMEOUT, OFFICER, START_TIMEOUT};
use crate::client::Office;
use crate::nodes::{free_port, run_command, Node};
use crate::plan::{self, OfficeSite};

fn os(args: &[&str]) -> Vec<OsString> {
    args.iter().map(OsString::from).collect()
}

fn os_owned(args: Vec<String>) -> Vec<OsString> {
    args.into_iter().map(OsString::from).collect()
}

fn path_arg(p: &Path) -> String {
    p.display().to_string()
}

/// The running district: the centre (with its ABIS workers, `--abis-workers`) and the
/// offices (children of this process).
pub(super) struct Cluster {
    pub(super) central: Node,
    /// `--abis-workers K` > 0: the centre's matcher workers.
    pub(super) pool: Option<AbisPool>,
    pub(super) offices: Vec<Node>,
    /// The PostgreSQL postmaster's pid (for its CPU time), if the centre runs on it.
    pub(super) db_server: Option<u32>,
}

impl Cluster {
    pub(super) fn kill_all(&mut self) {
        self.kill_centre();
        for o in &mut self.offices {
            o.kill();
        }
    }

    /// The data centre goes dark: the centre and its ABIS workers are SIGKILLed
    /// together (the database server, if PostgreSQL, keeps running).
    pub(super) fn kill_centre(&mut self) {
        self.central.kill();
        if let Some(p) = &mut self.pool {
            p.kill();
        }
    }

    /// The data centre comes back: its ABIS workers first (each rebuilds its shard from
    /// the database), then the centre. Returns how long the centre took to answer its
    /// health check.
    pub(super) async fn start_centre(&mut self, http: &reqwest::Client) -> Result<Duration> {
        if let Some(p) = &mut self.pool {
            p.start().await?;
        }
        self.central.start(http, START_TIMEOUT).await
    }

    /// Fails if the centre or one of its ABIS workers died on its own.
    pub(super) fn check_centre(&mut self) -> Result<()> {
        self.central.check_alive()?;
        if let Some(p) = &mut self.pool {
            p.check_alive()?;
        }
        Ok(())
    }

    /// The process ids of the centre and of its ABIS workers (for their CPU time).
    pub(super) fn centre_pids(&self) -> Vec<Option<u32>> {
        let mut pids = vec![self.central.pid()];
        if let Some(p) = &self.pool {
            pids.extend(p.pids());
        }
        pids
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

/// The centre's storage and matching: its database (`None`: SQLite in its data folder;
/// else a `postgres://` URL) and how many ABIS workers it dedups through (0: its
/// in-process gallery; more needs PostgreSQL).
#[derive(Debug, Clone, Copy)]
pub(super) struct CentreBackend<'a> {
    pub(super) db: Option<&'a str>,
    pub(super) abis_workers: usize,
    /// The database server's pid, if it is PostgreSQL.
    pub(super) db_server: Option<u32>,
}

impl CentreBackend<'_> {
    /// `--db <url>` for the centre's commands (nothing for SQLite).
    fn db_args(&self) -> Vec<String> {
        self.db
            .map(|u| vec!["--db".to_string(), u.to_string()])
            .unwrap_or_default()
    }

    /// The centre's `serve` command line.
    fn serve_args(&self, cdir: &Path, port: u16) -> Vec<OsString> {
        let mut args = vec![
            "serve".to_string(),
            "--role".into(),
            "centre".into(),
            "--data".into(),
            path_arg(cdir),
        ];
        args.extend(self.db_args());
        if self.abis_workers > 0 {
            args.extend(["--abis-pool".into(), self.abis_workers.to_string()]);
        }
        args.extend(["--listen".into(), format!("127.0.0.1:{port}")]);
        args.into_iter().map(OsString::from).collect()
    }
}

/// Creates keys, certifies the offices at the centre (in its database), imports each
/// office's residents and creates one officer per office. Returns the (not yet started)
/// nodes and ABIS workers.
pub(super) async fn provision(
    bin: &Path,
    work: &Path,
    sites: &[OfficeSite],
    people: &[Penduduk],
    password: &str,
    backend: CentreBackend<'_>,
) -> Result<Cluster> {
    let logs = work.join("logs");
    std::fs::create_dir_all(&logs)?;
    let cdir = work.join("central");
    let centre_pub = init_centre(bin, &cdir, backend).await?;
    let all_ports = ports(sites.len() + 1)?;
    let cport = all_ports[0];
    let central_url = format!("http://127.0.0.1:{cport}");
    let mut offices = Vec::new();
    for (i, site) in sites.iter().enumerate() {
        let odir = work.join(format!("office-{}", site.kode));
        certify_office(bin, &cdir, &odir, &site.kode, &centre_pub, backend).await?;
        import_residents(bin, work, &odir, sites, i, people).await?;
        add_officer(bin, &odir, password).await?;
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
                "--centre",
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
        backend.serve_args(&cdir, cport),
        cport,
        logs.join("central.log"),
    );
    let pool = match (backend.abis_workers, backend.db) {
        (0, _) => None,
        (k, Some(url)) => Some(AbisPool::new(bin, url, k, &logs)),
        (_, None) => bail!("--abis-workers needs --db postgres"),
    };
    Ok(Cluster {
        central,
        pool,
        offices,
        db_server: backend.db_server,
    })
}

/// `central init`: the centre's keys (in its data folder), and on PostgreSQL
/// `migrate --db` (its schema); returns the path of its public key.
async fn init_centre(bin: &Path, cdir: &Path, backend: CentreBackend<'_>) -> Result<PathBuf> {
    let out = run_command(
        bin,
        &os(&["centre", "init", "--data", &path_arg(cdir)]),
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
    if backend.db.is_some() {
        let mut args = vec!["migrate".to_string(), "--data".into(), path_arg(cdir)];
        args.extend(backend.db_args());
        let out = run_command(bin, &os_owned(args), &[], COMMAND_TIMEOUT).await?;
        println!(
            "  centre database: {}",
            last_line(&out).unwrap_or("migrated")
        );
    }
    Ok(centre_pub)
}

/// `office init` and `central add-office`: the office's keys, certified at the centre.
async fn certify_office(
    bin: &Path,
    cdir: &Path,
    odir: &Path,
    kode: &str,
    centre_pub: &Path,
    backend: CentreBackend<'_>,
) -> Result<()> {
    let out = run_command(
        bin,
        &os(&[
            "office",
            "init",
            "--data",
            &path_arg(odir),
            "--office",
            kode,
            "--centre-pub",
            &path_arg(centre_pub),
        ]),
        &[],
        COMMAND_TIMEOUT,
    )
    .await?;
    let key = last_line(&out).unwrap_or_default();
    if !is_hex(key) {
        bail!(
            "`office init --office {}` should print the office public key as one hex line last; stdout was {out:?}",
            kode
        );
    }
    let mut add: Vec<String> = [
        "centre",
        "add-office",
        "--data",
        &path_arg(cdir),
        "--office",
        kode,
        "--public-key",
        key,
    ]
    .iter()
    .map(|a| a.to_string())
    .collect();
    add.extend(backend.db_args());
    run_command(bin, &os_owned(add), &[], COMMAND_TIMEOUT).await?;
    Ok(())
}

/// Writes the residents of office `i`'s kelurahan to a CSV file and imports it there.
async fn import_residents(
    bin: &Path,
    work: &Path,
    odir: &Path,
    sites: &[OfficeSite],
    i: usize,
    people: &[Penduduk],
) -> Result<()> {
    let site = &sites[i];
    let csv = work.join(format!("residents-{}.csv", site.kode));
    let mut text = String::from(sidik_domain::csv::HEADER);
    text.push('\n');
    let mut n = 0;
    for p in people
        .iter()
        .filter(|p| plan::office_of(sites, &p.kelurahan) == Some(i))
    {
        text.push_str(&sidik_domain::csv::to_row(p));
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
            &path_arg(odir),
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
    Ok(())
}

/// `user add`: the office's officer account.
async fn add_officer(bin: &Path, odir: &Path, password: &str) -> Result<()> {
    run_command(
        bin,
        &os(&[
            "user",
            "add",
            OFFICER,
            "--role",
            "admin",
            "--data",
            &path_arg(odir),
        ]),
        &[("SIDIK_PASSWORD", password)],
        COMMAND_TIMEOUT,
    )
    .await?;
    Ok(())
}

/// Starts the centre and the offices, and logs the officer in at each office.
pub(super) async fn start(
    cluster: &mut Cluster,
    http: &reqwest::Client,
    sites: &[OfficeSite],
    password: &str,
) -> Result<Vec<Office>> {
    let up = cluster.start_centre(http).await?;
    if let Some(p) = &cluster.pool {
        println!(
            "{} ABIS worker(s) up (pids {:?}), logs in {}",
            p.size(),
            p.pids().iter().flatten().collect::<Vec<_>>(),
            cluster
                .central
                .log
                .with_file_name("abis-worker-*.log")
                .display()
        );
    }
    println!(
        "central node up at {} (pid {}) in {:.1} s",
        cluster.central.base,
        cluster.central.pid().unwrap_or(0),
        up.as_secs_f64()
    );
    let mut offices = Vec::new();
    for (node, site) in cluster.offices.iter_mut().zip(sites) {
        let up = node.start(http, START_TIMEOUT).await?;
        println!(
            "office {} up at {} (pid {}) in {:.1} s",
            site.kode,
            node.base,
            node.pid().unwrap_or(0),
            up.as_secs_f64()
        );
        offices.push(Office::login(http.clone(), &site.kode, &node.base, OFFICER, password).await?);
    }
    Ok(offices)
}

/// A per-run password for the officer accounts (loopback only, never shown).
pub(super) fn run_password() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("simulasi-{:x}-{:x}", nanos, std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn centre_command_line_per_backend() {
        let line = |db, abis_workers| {
            CentreBackend {
                db,
                abis_workers,
                db_server: None,
            }
            .serve_args(Path::new("/w/central"), 8000)
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(" ")
        };
        assert_eq!(
            line(None, 0),
            "serve --role centre --data /w/central --listen 127.0.0.1:8000"
        );
        let url = "postgres://postgres@127.0.0.1:5432/sidik_pusat";
        assert_eq!(
            line(Some(url), 0),
            format!("serve --role centre --data /w/central --db {url} --listen 127.0.0.1:8000")
        );
        assert_eq!(
            line(Some(url), 3),
            format!(
                "serve --role centre --data /w/central --db {url} --abis-pool 3 --listen 127.0.0.1:8000"
            )
        );
    }
}
