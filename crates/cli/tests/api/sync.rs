//! Continuity: a central node and office nodes as real processes on loopback.
//! Outage then recovery, SIGKILL of the centre mid-sync and of an office mid-burst,
//! cross-office and same-office duplicates, tampered / unknown / replayed packets.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::Value;

use sidik_testkit::fixtures::{fingers, png};
use sidik_testkit::process;

const BIN: &str = env!("CARGO_BIN_EXE_sidik");
const PW: &str = "kata-sandi-sinkron-1";
const RESIDENTS: usize = 1_500;

fn run(args: &[&str], data: &Path) -> String {
    process::run_ok(
        Path::new(BIN),
        args,
        data,
        &[("SIDIK_PASSWORD", PW), ("SIDIK_LOG", "warn")],
    )
}

/// One node: its data folder, port and (when running) process.
struct Node {
    data: PathBuf,
    port: u16,
    args: Vec<String>,
    proc: Option<process::Proc>,
}

impl Node {
    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
    fn start(&mut self) {
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
    fn log(&self) -> PathBuf {
        self.data.join("node.log")
    }
    fn log_tail(&self) -> String {
        process::log_tail(&self.log(), 15)
    }
    /// SIGKILL.
    fn kill(&mut self) {
        if let Some(mut p) = self.proc.take() {
            p.kill();
        }
    }
}

struct Cluster {
    _dir: tempfile::TempDir,
    central: Node,
    offices: BTreeMap<String, Node>,
    http: reqwest::Client,
    client: process::Client,
}

impl Cluster {
    /// Provisions a centre and offices (keys, registration, residents, an admin each).
    /// Offices in `unregistered` get keys the centre never certified.
    fn new(codes: &[&str], unregistered: &[&str]) -> Cluster {
        let dir = tempfile::tempdir().unwrap();
        let cdata = dir.path().join("pusat");
        let centre_pub = run(&["central", "init"], &cdata);
        let centre_pub = PathBuf::from(centre_pub.trim());
        run(&["user", "add", "admin", "--role", "admin"], &cdata);
        let central = Node {
            data: cdata.clone(),
            port: process::free_port().unwrap(),
            args: vec!["--role".into(), "central".into()],
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
                    &[
                        "central",
                        "add-office",
                        "--office",
                        code,
                        "--public-key",
                        &key,
                    ],
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
                "--central".into(),
                base.clone(),
            ];
        }
        Cluster {
            _dir: dir,
            central,
            offices,
            http: reqwest::Client::new(),
            client: process::Client::new(),
        }
    }

    fn office(&mut self, code: &str) -> &mut Node {
        self.offices.get_mut(code).unwrap()
    }

    async fn wait_up(&self, base: &str) {
        self.client.wait_up(base, Duration::from_secs(120)).await
    }

    async fn login(&self, base: &str) -> String {
        self.client.login(base, "admin", PW).await
    }

    /// The HTML of a page (with a session cookie, or as a citizen without one).
    async fn page(&self, url: &str, cookie: Option<&str>) -> String {
        self.client.page(url, cookie).await
    }

    /// Logs in through the officer page form; returns the session cookie.
    async fn web_login(&self, base: &str) -> String {
        self.client.web_login(base, "admin", PW).await
    }

    async fn get(&self, base: &str, token: &str, path: &str) -> Value {
        self.client.get_json(base, token, path).await
    }

    async fn metrics(&self, base: &str) -> HashMap<String, f64> {
        self.client.metrics(base).await
    }
}

/// Adults of the demo population (as seeded by `demo seed`): (NIK, kelurahan).
fn adults() -> Vec<(String, String)> {
    let today = sidik_domain::tanggal::tanggal_wib(jiff::Timestamp::now());
    sidik_demo::population(2015, RESIDENTS, today)
        .into_iter()
        .filter(|p| p.wajib_ktp(today))
        .map(|p| (p.nik.to_string(), p.kelurahan))
        .collect()
}

fn form(nik: &str, kel: &str, person: u64, impression: u32) -> reqwest::multipart::Form {
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
async fn enroll_and_check(
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

/// Waits until every office has nothing waiting and has applied `decisions` decisions
/// in total (or panics after `limit`).
async fn wait_synced(c: &Cluster, codes: &[&str], decisions: u64, limit: Duration) {
    // Synced: nothing waits in the offices' outboxes, the centre has decided every
    // packet, and the offices have applied every decision the centre published for
    // them (at least `decisions`: one per packet, plus any revision of an earlier packet
    // by a later duplicate, whose number depends on how the centre batched them).
    let start = Instant::now();
    let centre = db(&c.central.data).await;
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
        let undecided: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM paket_masuk WHERE diputuskan IS NULL")
                .fetch_one(&centre)
                .await
                .unwrap_or(-1);
        let published: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM keputusan WHERE kantor IN ({list})"
        ))
        .fetch_one(&centre)
        .await
        .unwrap_or(-1);
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
async fn db(data: &Path) -> sqlx::SqlitePool {
    sqlx::SqlitePool::connect(&format!(
        "sqlite://{}?mode=ro",
        data.join("sidik.db").display()
    ))
    .await
    .unwrap()
}

/// Exactly-once at the centre: every acknowledged nomor recorded once, each with
/// exactly one first decision (sebab = its own packet id).
async fn assert_exactly_once_at_centre(data: &Path, acked: &HashSet<String>) {
    let pool = db(data).await;
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT p.nomor, (SELECT COUNT(*) FROM keputusan k WHERE k.nomor = p.nomor AND k.sebab = p.packet_id) FROM paket_masuk p",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
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
    pool.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn outage_then_recovery_decides_all_exactly_once_and_flags_duplicates() {
    let mut c = Cluster::new(&["317201", "317202"], &[]);
    let people = adults();
    for code in ["317201", "317202"] {
        c.office(code).start();
    }
    for code in ["317201", "317202"] {
        c.wait_up(&c.offices[code].base()).await;
    }
    let t1 = c.login(&c.offices["317201"].base()).await;
    let t2 = c.login(&c.offices["317202"].base()).await;
    let (b1, b2) = (c.offices["317201"].base(), c.offices["317202"].base());

    // The centre is down for the whole enrollment.
    const N: usize = 12;
    let mut nomor_of = HashMap::new();
    let mut i = 0;
    for (base, token) in [(&b1, &t1), (&b2, &t2)] {
        for _ in 0..N {
            let (nik, kel) = &people[i];
            let (nomor, status) =
                enroll_and_check(&c.http, base, token, nik, kel, 1000 + i as u64, 0).await;
            assert_eq!(status, "dikirim", "local check passes, centre decides");
            nomor_of.insert(nomor.clone(), (base.clone(), nik.clone()));
            i += 1;
        }
    }
    // Same person (synthetic person 7777) under two NIKs at two offices.
    let (nik_a, kel_a) = &people[i];
    let (nik_b, kel_b) = &people[i + 1];
    let (dup_a, s) = enroll_and_check(&c.http, &b1, &t1, nik_a, kel_a, 7777, 0).await;
    assert_eq!(s, "dikirim");
    let (dup_b, s) = enroll_and_check(&c.http, &b2, &t2, nik_b, kel_b, 7777, 1).await;
    assert_eq!(s, "dikirim", "different office: not visible locally");
    // Same person (8888) twice at one office: caught locally, before any sync.
    let (nik_c, kel_c) = &people[i + 2];
    let (nik_d, kel_d) = &people[i + 3];
    let (loc_c, s) = enroll_and_check(&c.http, &b1, &t1, nik_c, kel_c, 8888, 0).await;
    assert_eq!(s, "dikirim");
    let (loc_d, s) = enroll_and_check(&c.http, &b1, &t1, nik_d, kel_d, 8888, 1).await;
    assert_eq!(
        s, "ganda",
        "same-office duplicate caught by the local 1:N check"
    );
    let local: Value = c
        .get(&b1, &t1, &format!("/api/v1/applications/{loc_d}"))
        .await;
    assert!(local.to_string().contains(loc_c.as_str()), "{local}");
    for n in [&dup_a, &dup_b, &loc_c, &loc_d] {
        nomor_of.insert(n.clone(), (String::new(), String::new()));
    }
    let total = nomor_of.len();

    // Everything waits; officers and citizens are told the truth.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let st = c.get(&b1, &t1, "/api/v1/sync/status").await;
    assert_eq!(st["centre_up"], false, "{st}");
    assert!(st["down_since"].is_string(), "{st}");
    assert_eq!(st["waiting"], (N + 3) as u64, "{st}");
    let m = c.metrics(&b1).await;
    assert_eq!(m["sidik_centre_up"], 0.0);
    assert_eq!(m["sidik_outbox_waiting"], (N + 3) as f64);
    let (nomor0, (_, nik0)) = nomor_of.iter().find(|(_, (b, _))| *b == b1).unwrap();
    let page = c
        .page(&format!("{b1}/status?nomor={nomor0}&nik={nik0}"), None)
        .await;
    assert!(
        page.contains("Sistem pusat sedang gangguan sejak") && page.contains("WIB"),
        "{page}"
    );
    assert!(page.contains("tersimpan aman dan akan diproses otomatis"));
    // Another person's NIK with this number reveals nothing.
    let page = c
        .page(&format!("{b1}/status?nomor={nomor0}&nik={nik_a}"), None)
        .await;
    assert!(page.contains("Data tidak ditemukan"), "{page}");

    // The centre comes back.
    c.central.start();
    c.wait_up(&c.central.base()).await;
    // One first decision per packet (plus revisions of earlier packets by later
    // duplicates when the centre decides the two in different batches).
    wait_synced(
        &c,
        &["317201", "317202"],
        total as u64,
        Duration::from_secs(120),
    )
    .await;

    let status_of = |v: &Value| v["status"].as_str().unwrap().to_string();
    for (nomor, (base, _)) in &nomor_of {
        if base.is_empty() {
            continue;
        }
        let t = if *base == b1 { &t1 } else { &t2 };
        let v = c
            .get(base, t, &format!("/api/v1/applications/{nomor}"))
            .await;
        assert_eq!(status_of(&v), "siap_cetak", "{v}");
    }
    for (base, t, me, other) in [
        (&b1, &t1, &dup_a, &dup_b),
        (&b2, &t2, &dup_b, &dup_a),
        (&b1, &t1, &loc_c, &loc_d),
        (&b1, &t1, &loc_d, &loc_c),
    ] {
        let v = c.get(base, t, &format!("/api/v1/applications/{me}")).await;
        assert_eq!(status_of(&v), "ganda", "{v}");
        assert!(
            v.to_string().contains(other.as_str()),
            "{me} should name {other} as candidate: {v}"
        );
    }
    let m = c.metrics(&c.central.base()).await;
    assert_eq!(m["sidik_packets_received_total"], total as f64);
    assert_eq!(m["sidik_quarantine_total"], 0.0);
    let st = c.get(&b1, &t1, "/api/v1/sync/status").await;
    assert_eq!(st["centre_up"], true, "{st}");
    assert!(st["down_since"].is_null(), "{st}");
    assert_eq!(
        st["findings_on_issued_cards"],
        serde_json::json!([]),
        "{st}"
    );

    // A later finding on a card already out: office 1 prints the card of its first
    // applicant (synthetic person 1000), then the same person enrolls under another NIK
    // at office 2. The centre flags both; office 1 cannot un-print the card, so its
    // officers are shown the finding, on the sync page, in the API and in /metrics.
    let (printed, _) = nomor_of
        .iter()
        .find(|(_, (_, nik))| *nik == people[0].0)
        .expect("first applicant");
    let printed = printed.clone();
    let r = c
        .http
        .post(format!("{b1}/api/v1/applications/{printed}/actions/cetak"))
        .bearer_auth(&t1)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let (nik_e, kel_e) = &people[i + 4];
    let (dup_e, s) = enroll_and_check(&c.http, &b2, &t2, nik_e, kel_e, 1000, 1).await;
    assert_eq!(s, "dikirim");
    nomor_of.insert(dup_e.clone(), (String::new(), String::new()));
    // One more packet, and a revision of the printed one.
    wait_synced(
        &c,
        &["317201", "317202"],
        total as u64 + 2,
        Duration::from_secs(120),
    )
    .await;
    let v = c
        .get(&b2, &t2, &format!("/api/v1/applications/{dup_e}"))
        .await;
    assert_eq!(status_of(&v), "ganda", "{v}");
    let v = c
        .get(&b1, &t1, &format!("/api/v1/applications/{printed}"))
        .await;
    assert_eq!(
        status_of(&v),
        "dicetak",
        "a printed card stays printed: {v}"
    );
    let st = c.get(&b1, &t1, "/api/v1/sync/status").await;
    let f = &st["findings_on_issued_cards"];
    assert_eq!(f.as_array().map(Vec::len), Some(1), "{st}");
    assert_eq!(f[0]["nomor"], printed.as_str(), "{st}");
    assert_eq!(f[0]["hasil"], "ganda", "{st}");
    assert!(
        f[0]["kandidat"].to_string().contains(dup_e.as_str()),
        "{st}"
    );
    let m = c.metrics(&b1).await;
    assert_eq!(m["sidik_findings_on_issued_cards"], 1.0);
    let m = c.metrics(&b2).await;
    assert_eq!(m["sidik_findings_on_issued_cards"], 0.0);
    let cookie = c.web_login(&b1).await;
    let page = c.page(&format!("{b1}/sinkron"), Some(&cookie)).await;
    assert!(
        page.contains("Temuan pusat atas kartu yang sudah dicetak") && page.contains(&printed),
        "{page}"
    );

    c.central.kill();
    let acked: HashSet<String> = nomor_of.keys().cloned().collect();
    assert_exactly_once_at_centre(&c.central.data, &acked).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn centre_sigkilled_mid_sync_loses_and_duplicates_nothing() {
    let mut c = Cluster::new(&["317203"], &[]);
    let people = adults();
    c.office("317203").start();
    let b = c.offices["317203"].base();
    c.wait_up(&b).await;
    let t = c.login(&b).await;
    let mut acked = HashSet::new();
    for (i, (nik, kel)) in people.iter().take(60).enumerate() {
        let (nomor, _) = enroll_and_check(&c.http, &b, &t, nik, kel, 2000 + i as u64, 0).await;
        acked.insert(nomor);
    }
    c.central.start();
    let cb = c.central.base();
    c.wait_up(&cb).await;
    // Kill the centre as soon as part of the backlog has arrived.
    let start = Instant::now();
    loop {
        let m = c.metrics(&cb).await;
        if m["sidik_packets_received_total"] >= 5.0 {
            assert!(
                m["sidik_packets_received_total"] < 60.0,
                "backlog drained before the kill; the test needs a bigger backlog"
            );
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(60));
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    c.central.kill();
    tokio::time::sleep(Duration::from_millis(500)).await;
    c.central.start();
    c.wait_up(&cb).await;
    wait_synced(&c, &["317203"], 60, Duration::from_secs(120)).await;
    c.central.kill();
    assert_exactly_once_at_centre(&c.central.data, &acked).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn office_sigkilled_mid_burst_syncs_every_acknowledged_enrollment_once() {
    let mut c = Cluster::new(&["317204"], &[]);
    let people = Arc::new(adults());
    c.central.start();
    c.office("317204").start();
    let b = c.offices["317204"].base();
    c.wait_up(&c.central.base()).await;
    c.wait_up(&b).await;
    let t = c.login(&b).await;
    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let (http, b, t, acked, next, people) = (
            c.http.clone(),
            b.clone(),
            t.clone(),
            acked.clone(),
            next.clone(),
            people.clone(),
        );
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let Some((nik, kel)) = people.get(i) else {
                    return;
                };
                let r = http
                    .post(format!("{b}/api/v1/applications"))
                    .bearer_auth(&t)
                    .multipart(form(nik, kel, 3000 + i as u64, 0))
                    .send()
                    .await;
                match r {
                    Ok(r) if r.status() == StatusCode::CREATED => {
                        if let Ok(v) = r.json::<Value>().await {
                            acked
                                .lock()
                                .unwrap()
                                .push(v["nomor"].as_str().unwrap().to_string());
                        }
                    }
                    Ok(r) => panic!("unexpected {}: {:?}", r.status(), r.text().await),
                    Err(_) => return,
                }
            }
        }));
    }
    let start = Instant::now();
    while acked.lock().unwrap().len() < 40 && start.elapsed() < Duration::from_secs(120) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    c.office("317204").kill();
    for task in tasks {
        task.await.unwrap();
    }
    let acked: HashSet<String> = acked.lock().unwrap().iter().cloned().collect();
    assert!(acked.len() >= 40);
    c.office("317204").start();
    c.wait_up(&b).await;
    // Requests in flight at the kill may have committed without their reply: the office
    // database is the truth for what exists; every acknowledged one must be in it.
    let pool = db(&c.offices["317204"].data).await;
    let stored: Vec<(String,)> = sqlx::query_as("SELECT nomor FROM permohonan")
        .fetch_all(&pool)
        .await
        .unwrap();
    let packets: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM paket_keluar")
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    let stored: HashSet<String> = stored.into_iter().map(|(n,)| n).collect();
    assert!(acked.is_subset(&stored));
    assert_eq!(
        packets as usize,
        stored.len(),
        "one packet per enrollment, same transaction"
    );
    wait_synced(
        &c,
        &["317204"],
        stored.len() as u64,
        Duration::from_secs(120),
    )
    .await;
    c.central.kill();
    assert_exactly_once_at_centre(&c.central.data, &stored).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tampered_unknown_and_replayed_packets_are_handled_and_block_nothing() {
    let mut c = Cluster::new(&["317205"], &["317206"]);
    let people = adults();
    c.central.start();
    let cb = c.central.base();
    c.wait_up(&cb).await;
    // 317206 was never registered: its packets are quarantined at the centre and marked
    // refused at the office, while 317205 syncs normally.
    for code in ["317205", "317206"] {
        c.office(code).start();
    }
    let (b5, b6) = (c.offices["317205"].base(), c.offices["317206"].base());
    c.wait_up(&b5).await;
    c.wait_up(&b6).await;
    let (t5, t6) = (c.login(&b5).await, c.login(&b6).await);
    let (n6, _) = enroll_and_check(&c.http, &b6, &t6, &people[0].0, &people[0].1, 4000, 0).await;
    let mut good = HashSet::new();
    for (i, (nik, kel)) in people.iter().enumerate().take(4).skip(1) {
        let (n, _) = enroll_and_check(&c.http, &b5, &t5, nik, kel, 4000 + i as u64, 0).await;
        good.insert(n);
    }
    wait_synced(&c, &["317205"], 3, Duration::from_secs(60)).await;
    let start = Instant::now();
    loop {
        let st = c.get(&b6, &t6, "/api/v1/sync/status").await;
        if st["refused"] == 1 {
            let reason = st["refused_packets"][0]["reason"].as_str().unwrap();
            assert!(reason.starts_with("unknown_office"), "{st}");
            assert_eq!(st["refused_packets"][0]["nomor"], n6.as_str());
            assert_eq!(st["waiting"], 0);
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "{st}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Take a packet 317205 sent and replay it, then tamper with it.
    let pool = db(&c.offices["317205"].data).await;
    let (id, bytes): (String, Vec<u8>) =
        sqlx::query_as("SELECT packet_id, bytes FROM paket_keluar ORDER BY urut LIMIT 1")
            .fetch_one(&pool)
            .await
            .unwrap();
    pool.close().await;
    let put = |bytes: Vec<u8>| {
        c.http
            .put(format!("{cb}/api/v1/sync/packets/{id}"))
            .body(bytes)
            .send()
    };
    let r = put(bytes.clone()).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "replay is harmless");
    assert_eq!(r.json::<Value>().await.unwrap()["result"], "replay");
    let mut tampered = bytes.clone();
    let k = tampered.len() / 2;
    tampered[k] ^= 0x01;
    let r = put(tampered).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let v: Value = r.json().await.unwrap();
    assert!(
        ["hash_mismatch", "malformed", "bad_signature"].contains(&v["code"].as_str().unwrap()),
        "{v}"
    );
    // Garbage is refused too, and the same garbage is quarantined once.
    for _ in 0..2 {
        let r = put(b"not a packet".to_vec()).await.unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }

    // Sync goes on: a new enrollment at 317205 is decided.
    let (n, _) = enroll_and_check(&c.http, &b5, &t5, &people[5].0, &people[5].1, 4005, 0).await;
    good.insert(n);
    wait_synced(&c, &["317205"], 4, Duration::from_secs(60)).await;

    // The admin sees the quarantine with reasons; other roles do not.
    let ta = c.login(&cb).await;
    let q = c.get(&cb, &ta, "/api/v1/centre/quarantine").await;
    let codes: Vec<&str> = q
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes.len(), 3, "{q}");
    assert!(codes.contains(&"unknown_office"), "{q}");
    let m = c.metrics(&cb).await;
    assert_eq!(m["sidik_packets_received_total"], 4.0);
    assert_eq!(m["sidik_packets_replayed_total"], 1.0);
    // The feed is only for the office that signs for it.
    let r = c
        .http
        .get(format!("{cb}/api/v1/sync/decisions?after=0&limit=10"))
        .header("x-sidik-office", "317205")
        .header(
            "x-sidik-time",
            jiff::Timestamp::now().as_second().to_string(),
        )
        .header("x-sidik-signature", "00".repeat(64))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    c.central.kill();
    assert_exactly_once_at_centre(&c.central.data, &good).await;
}
