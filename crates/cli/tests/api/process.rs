//! Tests that run the real `sidik` binary as child processes: kill -9 during a burst of
//! enrollments, and tampering with the audit log in the database file.

use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use sidik_testkit::fixtures::{fingers, png};
use sidik_testkit::process;

const BIN: &str = env!("CARGO_BIN_EXE_sidik");
const PW: &str = "kata-sandi-proses-1";

fn sidik(data: &Path, args: &[&str]) -> std::process::Output {
    process::run(
        Path::new(BIN),
        args,
        data,
        &[("SIDIK_PASSWORD", PW), ("SIDIK_LOG", "warn")],
    )
}

fn spawn_server(data: &Path, port: u16) -> process::Proc {
    let args: Vec<std::ffi::OsString> = vec![
        "serve".into(),
        "--listen".into(),
        format!("127.0.0.1:{port}").into(),
        "--data".into(),
        data.as_os_str().into(),
    ];
    process::Proc::spawn_env(
        Path::new(BIN),
        &args,
        &[("SIDIK_LOG", "warn")],
        &data.join("serve.log"),
    )
    .expect("spawn sidik serve")
}

async fn wait_up(http: &reqwest::Client, base: &str) {
    process::Client { http: http.clone() }
        .wait_up(base, Duration::from_secs(60))
        .await
}

async fn login(http: &reqwest::Client, base: &str) -> String {
    process::Client { http: http.clone() }
        .login(base, "petugas", PW)
        .await
}

fn setup(data: &Path, residents: usize) -> Vec<(String, String)> {
    let env = [("SIDIK_PASSWORD", PW), ("SIDIK_LOG", "warn")];
    let bin = Path::new(BIN);
    process::run_ok(
        bin,
        &["demo", "seed", "--residents", &residents.to_string()],
        data,
        &env,
    );
    process::run_ok(
        bin,
        &["user", "add", "petugas", "--role", "operator"],
        data,
        &env,
    );
    let today = sidik_domain::tanggal::tanggal_wib(jiff::Timestamp::now());
    sidik_demo::population(2015, residents, today)
        .into_iter()
        .filter(|p| p.wajib_ktp(today))
        .map(|p| (p.nik.to_string(), p.kelurahan))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_during_enrollment_burst_loses_nothing_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let adults = setup(data, 3_000);
    let port = process::free_port().unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let mut child = spawn_server(data, port);
    wait_up(&http, &base).await;
    let token = login(&http, &base).await;

    let acked: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let adults = Arc::new(adults);
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (http, base, token, acked, next, adults) = (
            http.clone(),
            base.clone(),
            token.clone(),
            acked.clone(),
            next.clone(),
            adults.clone(),
        );
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let Some((nik, kel)) = adults.get(i) else {
                    return;
                };
                let mut form = reqwest::multipart::Form::new()
                    .text("nik", nik.clone())
                    .text("kelurahan", kel.clone());
                for (pos, t) in fingers(i as u64, 0) {
                    form = form.part(
                        format!("jari_{pos}"),
                        reqwest::multipart::Part::bytes(t).file_name("f.iso"),
                    );
                }
                form = form
                    .part(
                        "foto",
                        reqwest::multipart::Part::bytes(png()).file_name("f.png"),
                    )
                    .part(
                        "tanda_tangan",
                        reqwest::multipart::Part::bytes(png()).file_name("t.png"),
                    );
                let r = http
                    .post(format!("{base}/api/v1/applications"))
                    .bearer_auth(&token)
                    .multipart(form)
                    .send()
                    .await;
                match r {
                    Ok(r) if r.status().is_success() => {
                        let body: Result<Value, _> = r.json().await;
                        if let Ok(b) = body {
                            let nomor = b["nomor"].as_str().unwrap().to_string();
                            acked.lock().unwrap().push((nik.clone(), nomor));
                        }
                    }
                    Ok(r) => panic!("unexpected {}: {:?}", r.status(), r.text().await),
                    Err(_) => return, // server gone: not acknowledged
                }
            }
        }));
    }
    // Let the burst run, then SIGKILL the server mid-flight.
    let start = Instant::now();
    while acked.lock().unwrap().len() < 60 && start.elapsed() < Duration::from_secs(120) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill(); // SIGKILL, reaped
    for t in tasks {
        t.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 60, "burst produced {} acks", acked.len());

    // Restart on the same data and check every acknowledged enrollment exactly once.
    let mut child = spawn_server(data, port);
    wait_up(&http, &base).await;
    let token = login(&http, &base).await;
    for (nik, nomor) in &acked {
        let r: Value = http
            .get(format!("{base}/api/v1/applications?nik={nik}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let items = r["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "NIK {nik}: {r}");
        assert_eq!(items[0]["nomor"], nomor.as_str());
    }
    let all: Value = http
        .get(format!("{base}/api/v1/applications?limit=1000"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let n = all["items"].as_array().unwrap().len();
    // Requests in flight at the kill may have committed without their reply arriving.
    assert!(
        n >= acked.len() && n <= acked.len() + 8,
        "{n} stored, {} acked",
        acked.len()
    );
    child.kill();

    let out = sidik(data, &["audit", "verify"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[tokio::test]
async fn audit_verify_names_an_entry_edited_in_the_database_file() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    setup(data, 100);
    let out = sidik(data, &["audit", "verify"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("intact: 2 entries"));

    // Edit entry #2 directly in the file, as an attacker with disk access would.
    let db = data.join("sidik.db");
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    let refused = sqlx::query("UPDATE audit SET detail = 'x' WHERE seq = 2")
        .execute(&pool)
        .await;
    assert!(
        refused.is_err(),
        "the append-only trigger refuses plain edits"
    );
    sqlx::query("DROP TRIGGER audit_no_update")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("UPDATE audit SET aktor = 'user:penyusup' WHERE seq = 2")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;

    let out = sidik(data, &["audit", "verify"]);
    assert!(!out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("BROKEN at entry #2"), "{stdout}");
}

#[tokio::test]
async fn resident_import_keeps_good_rows_and_reports_bad_ones() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let today = sidik_domain::tanggal::tanggal_wib(jiff::Timestamp::now());
    let people = sidik_demo::population(77, 50, today);
    let mut csv = String::from(sidik_domain::csv::HEADER);
    csv.push('\n');
    for p in &people {
        csv.push_str(&sidik_domain::csv::to_row(p));
        csv.push('\n');
    }
    // Line 52: malformed NIK; line 53: unknown kelurahan; line 54: a repeated NIK.
    let bad_nik =
        sidik_domain::csv::to_row(&people[0]).replacen(people[0].nik.as_str(), "12345", 1);
    let bad_kel =
        sidik_domain::csv::to_row(&people[1]).replace(&people[1].kelurahan, "31.72.01.1999");
    csv.push_str(&format!(
        "{bad_nik}\n{bad_kel}\n{}\n",
        sidik_domain::csv::to_row(&people[2])
    ));
    let file = data.join("penduduk.csv");
    std::fs::write(&file, csv).unwrap();
    let report = data.join("laporan.txt");

    let out = Command::new(BIN)
        .args(["resident", "import"])
        .arg(&file)
        .arg("--report")
        .arg(&report)
        .arg("--data")
        .arg(data)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("imported 50 residents; 3 row(s) rejected"),
        "{stdout}"
    );
    let report = std::fs::read_to_string(report).unwrap();
    let lines: Vec<&str> = report.lines().collect();
    assert_eq!(lines.len(), 3, "{report}");
    assert!(lines[0].starts_with("line 52: column nik"), "{report}");
    assert!(
        lines[1].starts_with("line 53:") && lines[1].contains("kelurahan"),
        "{report}"
    );
    assert!(
        lines[2].starts_with("line 54:") && lines[2].contains("appears again"),
        "{report}"
    );

    let store = sidik_store_sqlite::SqliteStore::open_dir(data)
        .await
        .unwrap();
    use sidik_store::Store;
    assert_eq!(store.resident_count().await.unwrap(), 50);
    assert_eq!(
        store.resident_get(&people[7].nik).await.unwrap().as_ref(),
        Some(&people[7])
    );

    // A file with the wrong header imports nothing.
    std::fs::write(&file, "nik,nama\n3172015505850003,Siti\n").unwrap();
    let out = Command::new(BIN)
        .args(["resident", "import"])
        .arg(&file)
        .arg("--data")
        .arg(data)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("header"));
}

#[test]
fn former_command_spellings_still_work() {
    // `central` became `centre`, `--kantor` `--office`, `--central` `--centre`; the
    // former spellings are accepted (deployed scripts keep working).
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("pusat");
    let out = sidik(&data, &["central", "init"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(data.join("centre.pub").exists());
    let help = Command::new(BIN)
        .args(["serve", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.contains("--centre") && help.contains("--office"),
        "{help}"
    );
    let out = Command::new(BIN)
        .args(["serve", "--role", "central", "--kantor", "31720x", "--data"])
        .arg(dir.path().join("x"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("31720x"),
        "parsed the former spellings and refused only the bad office code: {err}"
    );
}
