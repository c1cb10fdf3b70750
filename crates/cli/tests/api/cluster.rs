//! The harness of the continuity tests: a centre and offices as real `sidik`
//! processes on loopback (built on the test kit's process harness), and what the tests
//! do with them (enroll, wait for the sync, read the databases).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::Value;

use sidik_testkit::fixtures::{fingers, png};
use sidik_testkit::process;

pub const BIN: &str = env!("CARGO_BIN_EXE_sidik");
pub const PW: &str = "kata-sandi-sinkron-1";
pub const RESIDENTS: usize = 1_500;

pub fn run(args: &[&str], data: &Path) -> String {
    process::run_ok(
        Path::new(BIN),
        args,
        data,
        &[("SIDIK_PASSWORD", PW), ("SIDIK_LOG", "warn")],
    )
}

/// One node: its data folder, port and (when running) process.
pub struct Node {
    pub data: PathBuf,
    pub port: u16,
    pub args: Vec<String>,
    pub proc: Option<process::Proc>,
}

impl Node {
    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
    pub fn start(&mut self) {
        assert!(self.proc.is_none());
        std::fs::create_dir_all(&self.data).unwrap();
        let mut args: Vec<std::ffi::OsString> = vec!["serve".into()];
        args.extend(self.args.iter().map(Into::into));
        args.extend([
            "--listen".into(),
            format!("127.0.0.1:{}", self.port).into(),
            "--data".into(),
            self.data.clone().into_os_string(),
        ]);
        // Warnings and errors of every run go to node.log.
        let env = [("SIDIK_LOG", "warn")];
        self.proc =
            Some(process::Proc::spawn_env(Path::new(BIN), &args, &env, &self.log()).unwrap());
    }
    pub fn log(&self) -> PathBuf {
        self.data.join("node.log")
    }
    pub fn log_tail(&self) -> String {
        process::log_tail(&self.log(), 15)
    }
    /// SIGKILL.
    pub fn kill(&mut self) {
        if let Some(mut p) = self.proc.take() {
            p.kill();
        }
    }
}

pub struct Cluster {
    pub _dir: tempfile::TempDir,
    /// The centre's PostgreSQL URL (`None`: SQLite in its data folder).
    pub centre_db: Option<String>,
    pub central: Node,
    pub offices: BTreeMap<String, Node>,
    pub http: reqwest::Client,
    pub client: process::Client,
}

impl Cluster {
    /// Provisions a centre and offices (keys, registration, residents, an admin each).
    /// Offices in `unregistered` get keys the centre never certified.
    pub fn new(codes: &[&str], unregistered: &[&str]) -> Cluster {
        Cluster::with_centre_db(codes, unregistered, None)
    }

    /// [`Cluster::new`] with the centre's database at `centre_db` (a `postgres://`
    /// URL; `None`: SQLite in its data folder).
    pub fn with_centre_db(
        codes: &[&str],
        unregistered: &[&str],
        centre_db: Option<&str>,
    ) -> Cluster {
        let dir = tempfile::tempdir().unwrap();
        let cdata = dir.path().join("pusat");
        let db: Vec<&str> = centre_db.map(|u| vec!["--db", u]).unwrap_or_default();
        fn with<'a>(args: &[&'a str], db: &[&'a str]) -> Vec<&'a str> {
            [args, db].concat()
        }
        let centre_pub = run(&["centre", "init"], &cdata);
        let centre_pub = PathBuf::from(centre_pub.trim());
        run(
            &with(&["user", "add", "admin", "--role", "admin"], &db),
            &cdata,
        );
        let central = Node {
            data: cdata.clone(),
            port: process::free_port().unwrap(),
            args: with(&["--role", "centre"], &db)
                .into_iter()
                .map(String::from)
                .collect(),
            proc: None,
        };
        let mut offices = BTreeMap::new();
        for code in codes.iter().chain(unregistered) {
            let odata = dir.path().join(format!("kantor-{code}"));
            let out = run(
                &[
                    "office",
                    "init",
                    "--office",
                    code,
                    "--centre-pub",
                    centre_pub.to_str().unwrap(),
                ],
                &odata,
            );
            let key = out.lines().last().unwrap().trim().to_string();
            if !unregistered.contains(code) {
                run(
                    &with(
                        &[
                            "centre",
                            "add-office",
                            "--office",
                            code,
                            "--public-key",
                            &key,
                        ],
                        &db,
                    ),
                    &cdata,
                );
            }
            run(
                &["demo", "seed", "--residents", &RESIDENTS.to_string()],
                &odata,
            );
            run(&["user", "add", "admin", "--role", "admin"], &odata);
            offices.insert(
                code.to_string(),
                Node {
                    data: odata,
                    port: process::free_port().unwrap(),
                    args: vec![],
                    proc: None,
                },
            );
        }
        let base = central.base();
        for (code, o) in offices.iter_mut() {
            o.args = vec![
                "--role".into(),
                "office".into(),
                "--office".into(),
                code.clone(),
                "--centre".into(),
                base.clone(),
            ];
        }
        Cluster {
            _dir: dir,
            centre_db: centre_db.map(str::to_string),
            central,
            offices,
            http: reqwest::Client::new(),
            client: process::Client::new(),
        }
    }

    pub fn office(&mut self, code: &str) -> &mut Node {
        self.offices.get_mut(code).unwrap()
    }

    pub async fn wait_up(&self, base: &str) {
        self.client.wait_up(base, Duration::from_secs(120)).await
    }

    pub async fn login(&self, base: &str) -> String {
        self.client.login(base, "admin", PW).await
    }

    /// The HTML of a page (with a session cookie, or as a citizen without one).
    pub async fn page(&self, url: &str, cookie: Option<&str>) -> String {
        self.client.page(url, cookie).await
    }

    /// A citizen's status lookup through the page form (POST): the page's HTML.
    pub async fn status_lookup(&self, base: &str, nomor: &str, nik: &str) -> String {
        self.client.status_lookup(base, nomor, nik).await.1
    }

    /// Logs in through the officer page form; returns the session cookie.
    pub async fn web_login(&self, base: &str) -> String {
        self.client.web_login(base, "admin", PW).await
    }

    pub async fn get(&self, base: &str, token: &str, path: &str) -> Value {
        self.client.get_json(base, token, path).await
    }

    pub async fn metrics(&self, base: &str) -> HashMap<String, f64> {
        self.client.metrics(base).await
    }
}

/// Adults of the demo population (as seeded by `demo seed`): (NIK, kelurahan).
pub fn adults() -> Vec<(String, String)> {
    let today = sidik_domain::tanggal::tanggal_wib(jiff::Timestamp::now());
    sidik_demo::population(2015, RESIDENTS, today)
        .into_iter()
        .filter(|p| p.wajib_ktp(today))
        .map(|p| (p.nik.to_string(), p.kelurahan))
        .collect()
}

pub fn form(nik: &str, kel: &str, person: u64, impression: u32) -> reqwest::multipart::Form {
    let mut f = reqwest::multipart::Form::new()
        .text("nik", nik.to_string())
        .text("kelurahan", kel.to_string());
    for (pos, t) in fingers(person, impression) {
        f = f.part(
            format!("jari_{pos}"),
            reqwest::multipart::Part::bytes(t).file_name("f.iso"),
        );
    }
    f.part(
        "foto",
        reqwest::multipart::Part::bytes(png()).file_name("f.png"),
    )
    .part(
        "tanda_tangan",
        reqwest::multipart::Part::bytes(png()).file_name("t.png"),
    )
}

/// Enrolls and runs the local check; returns (nomor, status after the check).
pub async fn enroll_and_check(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    nik: &str,
    kel: &str,
    person: u64,
    impression: u32,
) -> (String, String) {
    let r = http
        .post(format!("{base}/api/v1/applications"))
        .bearer_auth(token)
        .multipart(form(nik, kel, person, impression))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let b: Value = r.json().await.unwrap();
    let nomor = b["nomor"].as_str().unwrap().to_string();
    let r = http
        .post(format!("{base}/api/v1/applications/{nomor}/check"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let st = r.status();
    let b: Value = r.json().await.unwrap();
    assert_eq!(st, StatusCode::OK, "{b}");
    (nomor, b["status"].as_str().unwrap().to_string())
}

/// The centre's database, SQLite or PostgreSQL, for counting what it holds.
enum CentreDb {
    Sqlite(sqlx::SqlitePool),
    Postgres(sidik_store_postgres::PgStore),
}

impl CentreDb {
    async fn open(c: &Cluster) -> CentreDb {
        match &c.centre_db {
            Some(url) => {
                CentreDb::Postgres(sidik_store_postgres::PgStore::connect(url).await.unwrap())
            }
            None => CentreDb::Sqlite(db(&c.central.data).await),
        }
    }

    /// The one number `sql` selects (-1 if it cannot be read).
    async fn count(&self, sql: &str) -> i64 {
        match self {
            CentreDb::Sqlite(p) => sqlx::query_scalar(sql).fetch_one(p).await,
            CentreDb::Postgres(s) => sqlx::query_scalar(sql).fetch_one(s.pool()).await,
        }
        .unwrap_or(-1)
    }

    async fn close(self) {
        match self {
            CentreDb::Sqlite(p) => p.close().await,
            CentreDb::Postgres(s) => s.close().await,
        }
    }
}

/// Waits until every office has nothing waiting and has applied `decisions` decisions
/// in total (or panics after `limit`).
pub async fn wait_synced(c: &Cluster, codes: &[&str], decisions: u64, limit: Duration) {
    // Synced: nothing waits in the offices' outboxes, the centre has decided every
    // packet, and the offices have applied every decision the centre published for
    // them (at least `decisions`: one per packet, plus any revision of an earlier packet
    // by a later duplicate, whose number depends on how the centre batched them).
    let start = Instant::now();
    let centre = CentreDb::open(c).await;
    let list = codes
        .iter()
        .map(|k| format!("'{k}'"))
        .collect::<Vec<_>>()
        .join(",");
    loop {
        let mut waiting = 0.0;
        let mut applied = 0.0;
        let mut centre_up = Vec::new();
        for code in codes {
            let m = c.metrics(&c.offices[*code].base()).await;
            waiting += m["sidik_outbox_waiting"];
            applied += m["sidik_decisions_applied_total"];
            centre_up.push(m.get("sidik_centre_up").copied().unwrap_or(-1.0));
        }
        let undecided = centre
            .count("SELECT COUNT(*) FROM paket_masuk WHERE diputuskan IS NULL")
            .await;
        let published = centre
            .count(&format!(
                "SELECT COUNT(*) FROM keputusan WHERE kantor IN ({list})"
            ))
            .await;
        if waiting == 0.0
            && undecided == 0
            && applied >= decisions as f64
            && applied == published as f64
        {
            centre.close().await;
            return;
        }
        if start.elapsed() >= limit {
            let health = c
                .http
                .get(format!("{}/api/v1/health", c.central.base()))
                .send()
                .await
                .map(|r| r.status());
            panic!(
                "not synced after {limit:?}: {waiting} waiting, {undecided} undecided at the centre, {applied}/{published} decisions applied (at least {decisions} expected); offices see the centre up: {centre_up:?}; centre health: {health:?}\ncentre log:\n{}\noffice logs:\n{}",
                c.central.log_tail(),
                codes
                    .iter()
                    .map(|k| format!("{k}:\n{}", c.offices[*k].log_tail()))
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Opens a node's database read-only (after its process is stopped or alongside it).
pub async fn db(data: &Path) -> sqlx::SqlitePool {
    sqlx::SqlitePool::connect(&format!(
        "sqlite://{}?mode=ro",
        data.join("sidik.db").display()
    ))
    .await
    .unwrap()
}

/// Per packet at the centre: its nomor and how many first decisions it has.
const FIRST_DECISIONS: &str = "SELECT p.nomor, (SELECT COUNT(*) FROM keputusan k WHERE k.nomor = p.nomor AND k.sebab = p.packet_id) FROM paket_masuk p";

/// Exactly-once at the centre: every acknowledged nomor recorded once, each with
/// exactly one first decision (sebab = its own packet id).
pub async fn assert_exactly_once_at_centre(data: &Path, acked: &HashSet<String>) {
    let pool = db(data).await;
    let rows: Vec<(String, i64)> = sqlx::query_as(FIRST_DECISIONS)
        .fetch_all(&pool)
        .await
        .unwrap();
    pool.close().await;
    assert_exactly_once(rows, acked);
}

/// [`assert_exactly_once_at_centre`] for a centre on PostgreSQL at `url`.
pub async fn assert_exactly_once_at_pg_centre(url: &str, acked: &HashSet<String>) {
    let store = sidik_store_postgres::PgStore::connect(url).await.unwrap();
    let rows: Vec<(String, i64)> = sqlx::query_as(FIRST_DECISIONS)
        .fetch_all(store.pool())
        .await
        .unwrap();
    store.close().await;
    assert_exactly_once(rows, acked);
}

fn assert_exactly_once(rows: Vec<(String, i64)>, acked: &HashSet<String>) {
    let at_centre: HashSet<String> = rows.iter().map(|(n, _)| n.clone()).collect();
    assert_eq!(rows.len(), at_centre.len(), "a nomor recorded twice");
    let lost: Vec<_> = acked.difference(&at_centre).collect();
    assert!(
        lost.is_empty(),
        "acknowledged but never reached the centre: {lost:?}"
    );
    for (nomor, first) in &rows {
        assert_eq!(*first, 1, "{nomor} has {first} first decisions");
    }
}
