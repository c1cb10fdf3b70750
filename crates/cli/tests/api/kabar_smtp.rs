//! Notifications by email through a real SMTP server on loopback (`aiosmtpd` from PyPI,
//! `smtp_sink.py`), across a kill -9 of `sidik serve` in the middle of an SMTP session:
//! exactly one message per event.
//!
//! Without aiosmtpd the test skips with a notice, unless `SIDIK_REQUIRE_SMTP` is set
//! (CI installs it and sets it), where its absence fails the test.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sidik_store::{KabarStore, StatusKabar};
use sidik_testkit::fixtures::{fingers, png};
use sidik_testkit::process;

const BIN: &str = env!("CARGO_BIN_EXE_sidik");
const PW: &str = "kata-sandi-surel-1";

/// Whether aiosmtpd can be imported (skip, or fail when required).
fn aiosmtpd() -> bool {
    let ok = std::process::Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        if std::env::var_os("SIDIK_REQUIRE_SMTP").is_some() {
            panic!("aiosmtpd is required (SIDIK_REQUIRE_SMTP is set): pip install aiosmtpd");
        }
        eprintln!(
            "NOTICE: aiosmtpd (PyPI) is not installed: the SMTP notification test is skipped"
        );
    }
    ok
}

struct Sink {
    child: std::process::Child,
    out: PathBuf,
    hold: PathBuf,
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn sink(dir: &Path, port: u16) -> Sink {
    use std::io::BufRead;
    let out = dir.join("mail");
    std::fs::create_dir_all(&out).unwrap();
    let hold = dir.join("hold");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/api/smtp_sink.py");
    let mut child = std::process::Command::new("python3")
        .arg(script)
        .arg(&out)
        .arg(port.to_string())
        .arg(&hold)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "ready");
    Sink { child, out, hold }
}

fn mails(out: &Path) -> Vec<String> {
    let mut names: Vec<_> = std::fs::read_dir(out)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    names.sort();
    names
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect()
}

/// The subject lines of the received messages, sorted.
fn subjects(out: &Path) -> Vec<String> {
    let mut s: Vec<String> = mails(out)
        .iter()
        .filter_map(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("Subject: "))
                .map(str::to_string)
        })
        .collect();
    s.sort();
    s
}

async fn wait_for(what: &str, limit: Duration, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn serve(data: &Path, port: u16, smtp: u16) -> process::Proc {
    let args: Vec<std::ffi::OsString> = [
        "serve".to_string(),
        "--listen".into(),
        format!("127.0.0.1:{port}"),
        "--data".into(),
        data.display().to_string(),
        "--smtp".into(),
        format!("127.0.0.1:{smtp}"),
        "--smtp-from".into(),
        "kabar@dukcapil.contoh.go.id".into(),
        "--notify-retry-ms".into(),
        "200".into(),
    ]
    .into_iter()
    .map(Into::into)
    .collect();
    process::Proc::spawn_env(
        Path::new(BIN),
        &args,
        &[("SIDIK_LOG", "warn")],
        &data.join("serve.log"),
    )
    .expect("spawn sidik serve")
}

/// Enrolls `p` with an email contact; returns the registration number.
async fn enroll(
    client: &process::Client,
    base: &str,
    op: &str,
    p: &sidik_domain::Penduduk,
) -> String {
    let mut form = reqwest::multipart::Form::new()
        .text("nik", p.nik.to_string())
        .text("kelurahan", p.kelurahan.clone())
        .text("email", "warga@contoh.id")
        .text("setuju_kontak", "1");
    for (pos, t) in fingers(5, 0) {
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
    let r = client
        .http
        .post(format!("{base}/api/v1/applications"))
        .bearer_auth(op)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::CREATED);
    r.json::<serde_json::Value>().await.unwrap()["nomor"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smtp_gets_exactly_one_message_per_event_across_a_kill_9_mid_session() {
    if !aiosmtpd() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("node");
    let env = [("SIDIK_PASSWORD", PW), ("SIDIK_LOG", "warn")];
    let bin = Path::new(BIN);
    process::run_ok(bin, &["demo", "seed", "--residents", "400"], &data, &env);
    for (u, r) in [
        ("petugas", "operator"),
        ("verif", "verifikator"),
        ("cetak", "pencetak"),
        ("kepala", "admin"),
    ] {
        process::run_ok(bin, &["user", "add", u, "--role", r], &data, &env);
    }
    let today = sidik_domain::tanggal::tanggal_wib(jiff::Timestamp::now());
    let p = sidik_demo::population(2015, 400, today)
        .into_iter()
        .find(|p| p.wajib_ktp(today))
        .unwrap();

    let smtp_port = process::free_port().unwrap();
    let mail = sink(dir.path(), smtp_port);
    let port = process::free_port().unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let client = process::Client::new();
    let mut node = serve(&data, port, smtp_port);
    client.wait_up(&base, Duration::from_secs(60)).await;
    let op = client.login(&base, "petugas", PW).await;
    let ver = client.login(&base, "verif", PW).await;
    let cetak = client.login(&base, "cetak", PW).await;
    // A printer and blanks: printing books a blank per card.
    let admin = client.login(&base, "kepala", PW).await;
    for (path, body) in [
        (
            "/api/v1/print/printers",
            serde_json::json!({"nama": "Printer 1", "kapasitas_harian": 100}),
        ),
        (
            "/api/v1/print/blanko/receive",
            serde_json::json!({"jumlah": 10}),
        ),
    ] {
        let r = client
            .http
            .post(format!("{base}{path}"))
            .bearer_auth(&admin)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), reqwest::StatusCode::OK, "{path}");
    }

    let nomor = enroll(&client, &base, &op, &p).await;
    let post = |token: String, path: String| {
        let http = client.http.clone();
        let url = format!("{base}{path}");
        async move {
            let r = http.post(url).bearer_auth(token).send().await.unwrap();
            assert_eq!(r.status(), reqwest::StatusCode::OK);
        }
    };

    // Approved, with a Suket: two events, two messages.
    post(ver.clone(), format!("/api/v1/applications/{nomor}/check")).await;
    wait_for("two messages", Duration::from_secs(30), || {
        mails(&mail.out).len() == 2
    })
    .await;

    // Printed: the SMTP session is held after RCPT TO, and Sidik is killed in it.
    std::fs::write(&mail.hold, b"").unwrap();
    post(
        cetak.clone(),
        format!("/api/v1/applications/{nomor}/actions/cetak"),
    )
    .await;
    wait_for("a held session", Duration::from_secs(30), || {
        mail.out.join("held").exists()
    })
    .await;
    node.kill();
    std::fs::remove_file(&mail.hold).unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        mails(&mail.out).len(),
        2,
        "the killed session delivered nothing"
    );

    // Restarted: the message goes out once; nothing already sent is repeated.
    let mut node = serve(&data, port, smtp_port);
    client.wait_up(&base, Duration::from_secs(60)).await;
    wait_for("the third message", Duration::from_secs(30), || {
        mails(&mail.out).len() == 3
    })
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        subjects(&mail.out),
        vec![
            "KTP-el: Suket Anda terbit",
            "KTP-el: kartu siap diambil",
            "KTP-el: lolos pemeriksaan, menunggu dicetak",
        ]
    );
    let all = mails(&mail.out).join("\n");
    assert_eq!(all.matches("X-Rcpt: warga@contoh.id").count(), 3);
    assert!(!all.contains(&p.nik.to_string()));
    node.kill();

    // The delivery log: each message sent once, over SMTP.
    let store = sidik_store_sqlite::SqliteStore::open_dir(&data)
        .await
        .unwrap();
    let rows = store.kabar_of(&nomor).await.unwrap();
    assert_eq!(rows.len(), 3);
    for r in rows {
        assert_eq!(r.status, StatusKabar::Terkirim, "{r:?}");
        assert_eq!(r.log.last().unwrap().hasil, "terkirim via smtp");
        assert_eq!(
            r.log
                .iter()
                .filter(|l| l.hasil.starts_with("terkirim"))
                .count(),
            1
        );
    }
    store.close().await;
}
