//! Real `sidik` processes on loopback: one-shot provisioning commands and long-running
//! nodes, each killed (SIGKILL) and reaped when its guard is dropped — on success, on
//! error and on Ctrl-C alike — and [`Client`], the HTTP side of a test or simulation:
//! logins (API and officer form), pages, JSON and metrics.

use std::collections::HashMap;
use std::ffi::OsString;
use std::fs::File;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

/// Environment variables of `sidik` that must not leak from the caller into children
/// (every child gets explicit flags instead).
const SCRUB_ENV: [&str; 7] = [
    "SIDIK_PASSWORD",
    "SIDIK_LOGIN_CHECKS",
    "SIDIK_DATA",
    "SIDIK_LISTEN",
    "SIDIK_OFFICE",
    "SIDIK_CENTRE",
    "SIDIK_ROLE",
];

/// A free loopback port (bound and released; the child binds it right after).
pub fn free_port() -> Result<u16> {
    let l = TcpListener::bind("127.0.0.1:0").context("binding a loopback port")?;
    Ok(l.local_addr()?.port())
}

/// The last `n` lines of a log file, for error messages.
pub fn log_tail(path: &Path, n: usize) -> String {
    match std::fs::read_to_string(path) {
        Ok(s) => {
            let lines: Vec<&str> = s.lines().collect();
            let from = lines.len().saturating_sub(n);
            lines[from..].join("\n")
        }
        Err(e) => format!("(cannot read {}: {e})", path.display()),
    }
}

fn command(bin: &Path, args: &[OsString]) -> Command {
    let mut c = Command::new(bin);
    c.args(args);
    for k in SCRUB_ENV {
        c.env_remove(k);
    }
    c
}

fn show(bin: &Path, args: &[OsString]) -> String {
    let mut s = bin.display().to_string();
    for a in args {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

/// Runs a one-shot `sidik` command to completion; returns its stdout. Fails with the
/// command line, exit status and stderr when it does not succeed.
pub async fn run_command(
    bin: &Path,
    args: &[OsString],
    env: &[(&str, &str)],
    timeout: Duration,
) -> Result<String> {
    let mut c = tokio::process::Command::from(command(bin, args));
    for (k, v) in env {
        c.env(k, v);
    }
    c.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let shown = show(bin, args);
    let out = tokio::time::timeout(timeout, c.output())
        .await
        .with_context(|| format!("`{shown}` did not finish within {timeout:?}"))?
        .with_context(|| format!("cannot run `{shown}`"))?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        bail!(
            "`{shown}` failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim_end(),
            if stdout.trim().is_empty() {
                String::new()
            } else {
                format!("\nstdout:\n{}", stdout.trim_end())
            }
        );
    }
    Ok(stdout)
}

/// Runs `bin args --data data` to completion (blocking, for tests) with `env`.
pub fn run(bin: &Path, args: &[&str], data: &Path, env: &[(&str, &str)]) -> std::process::Output {
    let mut c = command(bin, &[]);
    c.args(args).arg("--data").arg(data);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run sidik")
}

/// [`run`], which must succeed: returns its stdout, or panics with its stderr.
pub fn run_ok(bin: &Path, args: &[&str], data: &Path, env: &[(&str, &str)]) -> String {
    let out = run(bin, args, data, env);
    assert!(
        out.status.success(),
        "sidik {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A long-running child process; SIGKILLed and reaped on drop.
pub struct Proc {
    child: Option<Child>,
}

impl Proc {
    /// Starts `bin args`, stdout and stderr appended to `log`.
    pub fn spawn(bin: &Path, args: &[OsString], log: &Path) -> Result<Proc> {
        Proc::spawn_env(bin, args, &[], log)
    }

    /// [`Proc::spawn`] with extra environment variables.
    pub fn spawn_env(
        bin: &Path,
        args: &[OsString],
        env: &[(&str, &str)],
        log: &Path,
    ) -> Result<Proc> {
        let out = File::options()
            .create(true)
            .append(true)
            .open(log)
            .with_context(|| format!("opening {}", log.display()))?;
        let err = out.try_clone()?;
        let mut c = command(bin, args);
        for (k, v) in env {
            c.env(k, v);
        }
        let child = c
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .with_context(|| format!("cannot start `{}`", show(bin, args)))?;
        Ok(Proc { child: Some(child) })
    }

    /// SIGKILL (no chance to flush or say goodbye) and reap.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// `Some(status)` if the process has ended.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        match self.child.as_mut() {
            None => None,
            Some(c) => c.try_wait().ok().flatten(),
        }
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A `sidik serve` node: how to (re)start it, and the running process if any.
pub struct Node {
    pub name: String,
    pub base: String,
    pub log: PathBuf,
    bin: PathBuf,
    args: Vec<OsString>,
    env: Vec<(String, String)>,
    proc: Option<Proc>,
}

impl Node {
    pub fn new(name: &str, bin: &Path, args: Vec<OsString>, port: u16, log: PathBuf) -> Node {
        Node {
            name: name.to_string(),
            base: format!("http://127.0.0.1:{port}"),
            log,
            bin: bin.to_path_buf(),
            args,
            env: Vec::new(),
            proc: None,
        }
    }

    /// Extra environment variables for every start.
    pub fn with_env(mut self, env: &[(&str, &str)]) -> Node {
        self.env
            .extend(env.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        self
    }

    /// Sets (or replaces) an environment variable for the next starts.
    pub fn set_env(&mut self, key: &str, value: &str) {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_string(), value.to_string()));
    }

    pub fn running(&self) -> bool {
        self.proc.is_some()
    }

    pub fn pid(&self) -> Option<u32> {
        self.proc.as_ref().and_then(Proc::pid)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Starts the process and waits until `GET /api/v1/health` answers 200.
    pub async fn start(&mut self, http: &reqwest::Client, timeout: Duration) -> Result<Duration> {
        if self.proc.is_some() {
            bail!("{} is already running", self.name);
        }
        let t = Instant::now();
        let env: Vec<(&str, &str)> = self
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        self.proc = Some(Proc::spawn_env(&self.bin, &self.args, &env, &self.log)?);
        let health = self.url("/api/v1/health");
        loop {
            if let Some(st) = self.proc.as_mut().and_then(Proc::exited) {
                self.proc = None;
                bail!(
                    "{} exited during start-up ({st}); last lines of {}:\n{}",
                    self.name,
                    self.log.display(),
                    log_tail(&self.log, 20)
                );
            }
            let ok = http
                .get(&health)
                .timeout(Duration::from_secs(2))
                .send()
                .await
                .is_ok_and(|r| r.status() == reqwest::StatusCode::OK);
            if ok {
                return Ok(t.elapsed());
            }
            if t.elapsed() > timeout {
                self.kill();
                bail!(
                    "{} did not answer {health} within {timeout:?}; last lines of {}:\n{}",
                    self.name,
                    self.log.display(),
                    log_tail(&self.log, 20)
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// SIGKILL, like a power cut at the data centre.
    pub fn kill(&mut self) {
        if let Some(mut p) = self.proc.take() {
            p.kill();
        }
    }

    /// Fails if the process died on its own.
    pub fn check_alive(&mut self) -> Result<()> {
        if let Some(st) = self.proc.as_mut().and_then(Proc::exited) {
            self.proc = None;
            bail!(
                "{} died ({st}); last lines of {}:\n{}",
                self.name,
                self.log.display(),
                log_tail(&self.log, 20)
            );
        }
        Ok(())
    }
}

/// The CSRF token of the first form in a page (its hidden `_csrf` field).
pub fn form_token(html: &str) -> Option<String> {
    let at = html.find("name=\"_csrf\" value=\"")? + "name=\"_csrf\" value=\"".len();
    let len = html[at..].find('"')?;
    Some(html[at..at + len].to_string()).filter(|t| !t.is_empty())
}

/// The HTTP side of a test or simulation against real nodes: one `reqwest` client
/// (redirects not followed, so a login's `303` and `Set-Cookie` are seen).
#[derive(Clone)]
pub struct Client {
    pub http: reqwest::Client,
}

impl Default for Client {
    fn default() -> Self {
        Client::new()
    }
}

impl Client {
    pub fn new() -> Client {
        Client {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("HTTP client"),
        }
    }

    /// Waits until `GET {base}/api/v1/health` answers 200 (panics after `limit`).
    pub async fn wait_up(&self, base: &str, limit: Duration) {
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Ok(r) = self.http.get(format!("{base}/api/v1/health")).send().await {
                if r.status() == reqwest::StatusCode::OK {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("node at {base} did not come up within {limit:?}");
    }

    /// `POST /api/v1/login`; returns the bearer token (panics on failure).
    pub async fn login(&self, base: &str, username: &str, password: &str) -> String {
        let r = self
            .http
            .post(format!("{base}/api/v1/login"))
            .json(&serde_json::json!({"username": username, "password": password}))
            .send()
            .await
            .expect("login request");
        assert_eq!(r.status(), reqwest::StatusCode::OK, "login of {username}");
        let v: serde_json::Value = r.json().await.expect("login JSON");
        v["token"].as_str().expect("token").to_string()
    }

    /// A first visit to a page with a form (before login): returns the pre-session
    /// cookie (`name=value`) and the form's CSRF token.
    pub async fn pre_session(&self, url: &str) -> (String, String) {
        let r = self.http.get(url).send().await.expect("page request");
        let cookie = r
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("sidik_pra="))
            .map(|v| v.split(';').next().expect("cookie pair").to_string())
            .unwrap_or_default();
        let html = r.text().await.expect("page text");
        let token = form_token(&html).unwrap_or_default();
        (cookie, token)
    }

    /// Logs in through the officer page form (`GET` then `POST /masuk` with its
    /// token); returns the session cookie (`name=value`).
    pub async fn web_login(&self, base: &str, username: &str, password: &str) -> String {
        let (pra, token) = self.pre_session(&format!("{base}/masuk")).await;
        let r = self
            .http
            .post(format!("{base}/masuk"))
            .header("cookie", pra)
            .form(&[
                ("username", username),
                ("password", password),
                ("_csrf", token.as_str()),
            ])
            .send()
            .await
            .expect("login form");
        assert_eq!(
            r.status(),
            reqwest::StatusCode::SEE_OTHER,
            "login of {username}"
        );
        let cookie = r
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("sidik_sesi="))
            .expect("session cookie");
        cookie.split(';').next().expect("cookie pair").to_string()
    }

    /// The CSRF token of an officer's forms: from the page at `url` shown to the
    /// session `cookie` (empty if the page has none).
    pub async fn session_token(&self, url: &str, cookie: &str) -> String {
        form_token(&self.page(url, Some(cookie)).await).unwrap_or_default()
    }

    /// A citizen's status lookup as the page does it: `GET /status` for the form, then
    /// `POST /status` with the number, the NIK and the form's token. (status, HTML).
    pub async fn status_lookup(
        &self,
        base: &str,
        nomor: &str,
        nik: &str,
    ) -> (reqwest::StatusCode, String) {
        let (pra, token) = self.pre_session(&format!("{base}/status")).await;
        let r = self
            .http
            .post(format!("{base}/status"))
            .header("cookie", pra)
            .form(&[("nomor", nomor), ("nik", nik), ("_csrf", token.as_str())])
            .send()
            .await
            .expect("status lookup");
        let st = r.status();
        (st, r.text().await.expect("page text"))
    }

    /// The HTML of a page, with a session cookie or (a citizen) without one.
    pub async fn page(&self, url: &str, cookie: Option<&str>) -> String {
        let mut req = self.http.get(url);
        if let Some(c) = cookie {
            req = req.header("cookie", c);
        }
        req.send()
            .await
            .expect("page request")
            .text()
            .await
            .expect("page text")
    }

    /// `GET {base}{path}` with a bearer token, as JSON (`Null` if the body is not JSON).
    pub async fn get_json(&self, base: &str, token: &str, path: &str) -> serde_json::Value {
        self.http
            .get(format!("{base}{path}"))
            .bearer_auth(token)
            .send()
            .await
            .expect("GET request")
            .json()
            .await
            .unwrap_or(serde_json::Value::Null)
    }

    /// `GET {base}/metrics`, parsed: metric (with labels) → value.
    pub async fn metrics(&self, base: &str) -> HashMap<String, f64> {
        let text = self
            .http
            .get(format!("{base}/metrics"))
            .send()
            .await
            .expect("metrics request")
            .text()
            .await
            .expect("metrics text");
        parse_metrics(&text)
    }
}

/// Prometheus text → metric (with labels) → value; comments and unparsable lines are
/// skipped.
pub fn parse_metrics(text: &str) -> HashMap<String, f64> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.rsplit_once(' '))
        .filter_map(|(k, v)| Some((k.to_string(), v.parse().ok()?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn failing_command_reports_its_stderr() {
        let e = run_command(
            Path::new("sh"),
            &["-c".into(), "echo out; echo boom >&2; exit 3".into()],
            &[],
            Duration::from_secs(10),
        )
        .await
        .unwrap_err()
        .to_string();
        assert!(e.contains("boom") && e.contains("out"), "{e}");
        let ok = run_command(
            Path::new("sh"),
            &[
                "-c".into(),
                "echo \"$X\"; echo \"${SIDIK_DATA:-unset}\"".into(),
            ],
            &[("X", "hello")],
            Duration::from_secs(10),
        )
        .await
        .unwrap();
        assert_eq!(ok, "hello\nunset\n");
    }

    #[test]
    fn dropping_a_proc_kills_the_child() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("sleep.log");
        let p = Proc::spawn(Path::new("sleep"), &["30".into()], &log).unwrap();
        let pid = p.pid().unwrap();
        assert!(Path::new(&format!("/proc/{pid}")).exists());
        drop(p);
        // Reaped: no zombie left behind under that pid (unless the pid was reused).
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        assert!(!stat.contains("(sleep)"), "{stat}");
    }

    #[test]
    fn log_tail_returns_the_last_lines() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("x.log");
        std::fs::write(&log, "a\nb\nc\nd\n").unwrap();
        assert_eq!(log_tail(&log, 2), "c\nd");
        assert!(log_tail(&dir.path().join("none"), 2).contains("cannot read"));
    }
}
