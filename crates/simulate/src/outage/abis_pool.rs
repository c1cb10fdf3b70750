//! `--abis-workers K`: the centre's matcher workers. Each is a long-running
//! `sidik abis-worker --db <url> --shard I --of K` process (I = 0..K-1) holding shard I
//! of the national gallery, which it builds from the centre's PostgreSQL database; the
//! centre (`serve --abis-pool K`) dedups through them instead of its in-process
//! gallery. They run with the same process harness as the nodes (SIGKILLed and reaped
//! when dropped, output appended to `logs/abis-worker-I.log`), are started before the
//! centre, and die and come back together with it at the outage.
//!
//! A worker serves no HTTP of its own (it reaches the centre through the database), so
//! there is no health check to wait for: a worker counts as started when it is still
//! running after [`START_GRACE`], and whether its shard is loaded is the centre's
//! business (it dedups through the pool).

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Result};

use crate::nodes::{log_tail, Proc};

/// How long a freshly started worker must stay up to count as started (a missing
/// subcommand, a bad flag or an unreachable database make it exit at once).
const START_GRACE: Duration = Duration::from_millis(1500);

/// The K worker processes (none running while the centre is down).
pub(super) struct AbisPool {
    bin: PathBuf,
    url: String,
    logs: PathBuf,
    workers: Vec<Option<Proc>>,
}

impl AbisPool {
    /// A pool of `k` workers (not started) over the centre's database `url`.
    pub(super) fn new(bin: &Path, url: &str, k: usize, logs: &Path) -> AbisPool {
        AbisPool {
            bin: bin.to_path_buf(),
            url: url.to_string(),
            logs: logs.to_path_buf(),
            workers: (0..k).map(|_| None).collect(),
        }
    }

    /// K.
    pub(super) fn size(&self) -> usize {
        self.workers.len()
    }

    /// The command line of shard `i`'s worker (without the binary).
    fn args(&self, i: usize) -> Vec<OsString> {
        [
            "abis-worker",
            "--db",
            &self.url,
            "--shard",
            &i.to_string(),
            "--of",
            &self.size().to_string(),
        ]
        .iter()
        .map(OsString::from)
        .collect()
    }

    fn log(&self, i: usize) -> PathBuf {
        self.logs.join(format!("abis-worker-{i}.log"))
    }

    /// Starts every worker; fails (and kills them all) if one exits within the grace
    /// period, with its log's last lines.
    pub(super) async fn start(&mut self) -> Result<()> {
        for i in 0..self.size() {
            if self.workers[i].is_some() {
                bail!("ABIS worker {i} of {} is already running", self.size());
            }
            match Proc::spawn(&self.bin, &self.args(i), &self.log(i)) {
                Ok(p) => self.workers[i] = Some(p),
                Err(e) => {
                    self.kill();
                    return Err(e.context(format!("starting ABIS worker {i}")));
                }
            }
        }
        tokio::time::sleep(START_GRACE).await;
        if let Err(e) = self.check_alive() {
            self.kill();
            return Err(e.context(
                "an ABIS worker exited during start-up (does this sidik binary have the \
                 `abis-worker` command, and the centre's `serve --abis-pool`?)",
            ));
        }
        Ok(())
    }

    /// SIGKILLs and reaps every worker.
    pub(super) fn kill(&mut self) {
        for w in self.workers.iter_mut() {
            if let Some(mut p) = w.take() {
                p.kill();
            }
        }
    }

    /// Fails if a worker that should be running has exited on its own.
    pub(super) fn check_alive(&mut self) -> Result<()> {
        let k = self.size();
        for i in 0..k {
            let Some(p) = self.workers[i].as_mut() else {
                continue;
            };
            if let Some(st) = p.exited() {
                self.workers[i] = None;
                let log = self.log(i);
                bail!(
                    "ABIS worker {i} of {k} died ({st}); last lines of {}:\n{}",
                    log.display(),
                    log_tail(&log, 20)
                );
            }
        }
        Ok(())
    }

    /// The workers' process ids (for their CPU time).
    pub(super) fn pids(&self) -> Vec<Option<u32>> {
        self.workers
            .iter()
            .map(|w| w.as_ref().and_then(Proc::pid))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worker_command_lines_name_their_shard() {
        let pool = AbisPool::new(
            Path::new("sidik"),
            "postgres://postgres@127.0.0.1:5432/sidik_pusat",
            3,
            Path::new("/w/logs"),
        );
        let line = |i| -> Vec<String> {
            pool.args(i)
                .iter()
                .map(|a| a.to_string_lossy().into_owned())
                .collect()
        };
        assert_eq!(
            line(2),
            [
                "abis-worker",
                "--db",
                "postgres://postgres@127.0.0.1:5432/sidik_pusat",
                "--shard",
                "2",
                "--of",
                "3"
            ]
        );
        assert_eq!(line(0)[4], "0");
        assert_eq!(pool.log(1), Path::new("/w/logs/abis-worker-1.log"));
    }

    #[tokio::test]
    async fn a_worker_that_exits_at_once_fails_the_start_with_its_log() {
        let dir = tempfile::tempdir().unwrap();
        // `false` stands in for a binary without the `abis-worker` command.
        let mut pool = AbisPool::new(Path::new("false"), "postgres://x/y", 2, dir.path());
        let e = format!("{:#}", pool.start().await.unwrap_err());
        assert!(e.contains("exited during start-up"), "{e}");
        assert!(e.contains("died"), "{e}");
        assert!(pool.pids().iter().all(Option::is_none));
    }

    #[tokio::test]
    async fn workers_are_killed_and_restarted() {
        let dir = tempfile::tempdir().unwrap();
        // A stand-in worker: logs its command line and runs until killed.
        let script = dir.path().join("worker.sh");
        std::fs::write(&script, "#!/bin/sh\necho \"worker $*\"\nexec sleep 60\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        let mut pool = AbisPool::new(&script, "postgres://x/y", 2, dir.path());
        pool.start().await.unwrap();
        let first = pool.pids();
        assert!(first.iter().all(Option::is_some));
        pool.check_alive().unwrap();
        pool.kill();
        assert!(pool.pids().iter().all(Option::is_none));
        pool.start().await.unwrap();
        assert_ne!(pool.pids(), first);
        pool.kill();
        let log = std::fs::read_to_string(pool.log(1)).unwrap();
        assert_eq!(
            log.matches("worker abis-worker --db postgres://x/y --shard 1 --of 2")
                .count(),
            2,
            "{log}"
        );
    }
}
