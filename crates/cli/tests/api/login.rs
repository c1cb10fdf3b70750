//! The login attack surface (issue 13, findings 1 and 2), tested from outside: a flood
//! of huge or made-up usernames must not grow the server's memory, the number of
//! password checks running at once is capped (a full gate answers 503 at once), parallel
//! guesses are counted before they are checked, and a lockout survives a restart and is
//! in the audit chain.
//!
//! The process tests run the real `sidik serve`; `SIDIK_LOGIN_CHECKS` sets the number
//! of concurrent password checks (default: the machine's cores).

use std::ffi::OsString;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};
use sidik_testkit::process;

use crate::helpers::*;

const BIN: &str = env!("CARGO_BIN_EXE_sidik");
const PW: &str = "kata-sandi-proses-1";
const WRONG: &str = "salah-salah-salah";
/// Failed logins after which a username is locked (`akun::MAX_FAILURES`).
const LIMIT: usize = 5;

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap()
}

/// A data folder with the officers `petugas` and `petugas2` (password [`PW`]).
fn setup(data: &Path) {
    for name in ["petugas", "petugas2"] {
        process::run_ok(
            Path::new(BIN),
            &["user", "add", name, "--role", "operator"],
            data,
            &[("SIDIK_PASSWORD", PW), ("SIDIK_LOG", "warn")],
        );
    }
}

/// A `sidik serve` node on `data`, with `SIDIK_LOGIN_CHECKS` if given.
fn node(data: &Path, checks: Option<usize>) -> process::Node {
    let port = process::free_port().unwrap();
    let args: Vec<OsString> = vec![
        "serve".into(),
        "--listen".into(),
        format!("127.0.0.1:{port}").into(),
        "--data".into(),
        data.as_os_str().into(),
    ];
    let n = process::Node::new("sidik", Path::new(BIN), args, port, data.join("serve.log"))
        .with_env(&[("SIDIK_LOG", "warn")]);
    match checks {
        Some(c) => n.with_env(&[("SIDIK_LOGIN_CHECKS", &c.to_string())]),
        None => n,
    }
}

async fn start(n: &mut process::Node) {
    n.start(&http(), Duration::from_secs(60)).await.unwrap();
}

/// `POST /api/v1/login`: status, `Retry-After` (seconds) and JSON body.
async fn api_login(
    http: &reqwest::Client,
    base: &str,
    username: &str,
    password: &str,
) -> reqwest::Result<(StatusCode, Option<u64>, Value)> {
    let r = http
        .post(format!("{base}/api/v1/login"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await?;
    let st = r.status();
    let retry = retry_after(&r);
    Ok((st, retry, r.json().await.unwrap_or(Value::Null)))
}

/// `POST /masuk` (the officer form): status, `Retry-After` and the page.
async fn form_login(
    http: &reqwest::Client,
    base: &str,
    username: &str,
    password: &str,
) -> (StatusCode, Option<u64>, String) {
    // The login form carries its CSRF token, bound to the pre-session cookie.
    let client = sidik_testkit::process::Client { http: http.clone() };
    let (pra, token) = client.pre_session(&format!("{base}/masuk")).await;
    let r = http
        .post(format!("{base}/masuk"))
        .header("cookie", pra)
        .form(&[
            ("username", username),
            ("password", password),
            ("_csrf", token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    let st = r.status();
    let retry = retry_after(&r);
    (st, retry, r.text().await.unwrap())
}

fn retry_after(r: &reqwest::Response) -> Option<u64> {
    r.headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok()?.parse().ok())
}

/// (VmRSS, VmHWM) of a process, in MiB.
fn memory_mib(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .unwrap_or_else(|| panic!("{name} in /proc/{pid}/status"))
            / 1024.0
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Largest growth of the server's resident memory the floods below may cause. Measured
/// on the code before the fix: +1.3 GiB for 400 huge usernames, 2-3.9 GiB for 100
/// simultaneous checks.
const RSS_GROWTH_MAX_MIB: f64 = 150.0;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn login_floods_leave_memory_flat_and_the_right_login_still_works() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    setup(data);
    let mut n = node(data, None);
    start(&mut n).await;
    let pid = n.pid().unwrap();
    let http = http();
    let base = n.base.clone();
    // One real check first, so the baseline includes the first argon2 run's memory.
    assert_eq!(
        api_login(&http, &base, "petugas", PW).await.unwrap().0,
        StatusCode::OK
    );
    let (rss0, _) = memory_mib(pid);

    // 200 wrong logins, each with a different 1-3 MB username, 8 at a time. The server
    // may cut such a request off while it is still being sent: no connection is kept
    // for reuse.
    let flood = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap();
    let next = Arc::new(AtomicUsize::new(0));
    let seen: Arc<Mutex<Vec<Option<StatusCode>>>> = Arc::default();
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (http, base, next, seen) = (flood.clone(), base.clone(), next.clone(), seen.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= 200 {
                    return;
                }
                let size = (1 << 20) + (i * 7919 % 2) * (1 << 20) + i * 997;
                let name = format!("{i:04}{}", "a".repeat(size));
                let st = api_login(&http, &base, &name, WRONG)
                    .await
                    .ok()
                    .map(|r| r.0);
                seen.lock().unwrap().push(st);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 200);
    for st in seen.iter().flatten() {
        assert!(
            [StatusCode::UNAUTHORIZED, StatusCode::PAYLOAD_TOO_LARGE].contains(st),
            "a huge username is refused: {st}"
        );
    }
    let refused = seen.iter().flatten().count();
    n.check_alive().unwrap();
    let (rss1, _) = memory_mib(pid);

    // 100 simultaneous wrong logins with valid-looking, made-up usernames.
    let burst: Vec<_> = (0..100)
        .map(|i| {
            let (http, base) = (http.clone(), base.clone());
            tokio::spawn(async move {
                api_login(&http, &base, &format!("tamu.{i:03}"), WRONG)
                    .await
                    .expect("answered")
            })
        })
        .collect();
    let mut busy = 0;
    for t in burst {
        let (st, retry, body) = t.await.unwrap();
        match st {
            StatusCode::UNAUTHORIZED => {}
            StatusCode::SERVICE_UNAVAILABLE => {
                busy += 1;
                assert!(retry.is_some_and(|s| s >= 1), "503 carries Retry-After");
                assert_eq!(body["code"], "busy", "{body}");
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    n.check_alive().unwrap();
    let (rss2, hwm) = memory_mib(pid);
    eprintln!(
        "login flood RSS: {rss0:.1} MiB at start, {rss1:.1} after 200 huge usernames \
         ({refused} answered, the others cut off while sending), {rss2:.1} after 100 \
         simultaneous logins ({busy} answered 503); peak {hwm:.1} MiB"
    );
    assert!(
        rss1 - rss0 < RSS_GROWTH_MAX_MIB,
        "huge usernames grew RSS from {rss0:.1} to {rss1:.1} MiB"
    );
    assert!(
        rss2 - rss0 < RSS_GROWTH_MAX_MIB,
        "simultaneous checks grew RSS from {rss0:.1} to {rss2:.1} MiB"
    );
    // The server still serves a correct login.
    let (st, _, body) = api_login(&http, &base, "petugas", PW).await.unwrap();
    assert_eq!(st, StatusCode::OK, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_guesses_are_counted_before_checking_and_the_lock_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    setup(data);
    // Room for every guess at once: what stops them here is the count, not the gate.
    let mut n = node(data, Some(64));
    start(&mut n).await;
    let http = http();
    let base = n.base.clone();

    // 30 wrong passwords at once; the right one goes out as soon as the first guess
    // is refused, while the others are still being checked.
    let refused = Arc::new(tokio::sync::Notify::new());
    let guesses: Vec<_> = (0..30)
        .map(|_| {
            let (http, base, refused) = (http.clone(), base.clone(), refused.clone());
            tokio::spawn(async move {
                let (st, _, body) = api_login(&http, &base, "petugas", WRONG)
                    .await
                    .expect("answered");
                if st != StatusCode::UNAUTHORIZED {
                    refused.notify_one();
                }
                (st, body)
            })
        })
        .collect();
    let all_done = async {
        let mut out = Vec::new();
        for g in guesses {
            out.push(g.await.unwrap());
        }
        out
    };
    tokio::pin!(all_done);
    let right = tokio::select! {
        _ = refused.notified() => api_login(&http, &base, "petugas", PW).await.unwrap(),
        out = &mut all_done => {
            panic!("no guess was refused: {:?}", out.iter().map(|o| o.0).collect::<Vec<_>>())
        }
    };
    let out = all_done.await;
    let checked = out
        .iter()
        .filter(|(st, _)| *st == StatusCode::UNAUTHORIZED)
        .count();
    for (st, body) in &out {
        assert!(
            [StatusCode::UNAUTHORIZED, StatusCode::TOO_MANY_REQUESTS].contains(st),
            "{st}: {body}"
        );
    }
    // With room for all 30 at once, exactly the limit got a check.
    assert_eq!(
        checked, LIMIT,
        "{checked} of 30 parallel guesses were checked (limit {LIMIT})"
    );
    assert_eq!(
        right.0,
        StatusCode::TOO_MANY_REQUESTS,
        "the right password inside the burst: {}",
        right.2
    );

    // Locked: the right password is refused, with a Retry-After, on the API and the page.
    let (st, retry, body) = api_login(&http, &base, "petugas", PW).await.unwrap();
    assert_eq!(st, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["code"], "too_many_attempts");
    assert!(retry.is_some_and(|s| (1..=300).contains(&s)), "{retry:?}");
    let (st, _, page) = form_login(&http, &base, "petugas", PW).await;
    assert_eq!(st, StatusCode::TOO_MANY_REQUESTS);
    assert!(page.contains("Terlalu banyak percobaan masuk"), "{page}");
    // Another officer is not affected.
    let (st, _, _) = api_login(&http, &base, "petugas2", PW).await.unwrap();
    assert_eq!(st, StatusCode::OK);

    // A restart does not clear the lock.
    n.kill();
    start(&mut n).await;
    let (st, _, body) = api_login(&http, &base, "petugas", PW).await.unwrap();
    assert_eq!(st, StatusCode::TOO_MANY_REQUESTS, "after a restart: {body}");
    n.kill();

    // The lockout is in the audit chain, once, and the chain verifies.
    let out = process::run_ok(Path::new(BIN), &["audit", "verify"], data, &[]);
    assert!(out.contains("intact"), "{out}");
    let store = sidik_store_sqlite::SqliteStore::open_dir(data)
        .await
        .unwrap();
    use sidik_store::Store;
    let entries = store.audit_of_subject("user:petugas").await.unwrap();
    let locks: Vec<_> = entries.iter().filter(|e| e.aksi == "akun.kunci").collect();
    assert_eq!(locks.len(), 1, "{entries:?}");
    assert_eq!(locks[0].aktor, "sistem:akun");
}

/// A password hash that takes long to check (argon2id, t=40: about 20 times the
/// default) and matches nothing: it keeps the check gate full for a while.
const SLOW_HASH: &str = "$argon2id$v=19$m=19456,t=40,p=1$c2FsdHNhbHRzYWx0c2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_full_check_gate_answers_503_at_once_and_the_server_stays_responsive() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    setup(data);
    // 80 officers whose checks are slow, written into the database directly.
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", data.join("sidik.db").display()))
        .await
        .unwrap();
    for i in 0..80 {
        sqlx::query("INSERT INTO users (username, peran, password_hash, dibuat) VALUES (?, 'operator', ?, 0)")
            .bind(format!("lambat{i:02}"))
            .bind(SLOW_HASH)
            .execute(&pool)
            .await
            .unwrap();
    }
    pool.close().await;
    // One check at a time.
    let mut n = node(data, Some(1));
    start(&mut n).await;
    let http = http();
    let base = n.base.clone();

    // 40 API logins and 40 form logins at once, each for a slow account.
    let api: Vec<_> = (0..40)
        .map(|i| {
            let (http, base) = (http.clone(), base.clone());
            tokio::spawn(async move {
                api_login(&http, &base, &format!("lambat{i:02}"), WRONG)
                    .await
                    .expect("answered")
            })
        })
        .collect();
    let form: Vec<_> = (40..80)
        .map(|i| {
            let (http, base) = (http.clone(), base.clone());
            tokio::spawn(
                async move { form_login(&http, &base, &format!("lambat{i:02}"), WRONG).await },
            )
        })
        .collect();
    // Meanwhile the server answers other requests.
    let health = http
        .get(format!("{base}/api/v1/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    let page = http.get(format!("{base}/masuk")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);

    let mut busy_api = 0;
    for t in api {
        let (st, retry, body) = t.await.unwrap();
        match st {
            StatusCode::UNAUTHORIZED => {}
            StatusCode::SERVICE_UNAVAILABLE => {
                busy_api += 1;
                assert!(retry.is_some_and(|s| s >= 1), "Retry-After on 503");
                assert_eq!(body["code"], "busy", "{body}");
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    let mut busy_form = 0;
    for t in form {
        let (st, retry, page) = t.await.unwrap();
        match st {
            StatusCode::UNAUTHORIZED => {}
            StatusCode::SERVICE_UNAVAILABLE => {
                busy_form += 1;
                assert!(retry.is_some_and(|s| s >= 1), "Retry-After on 503");
                assert!(page.contains("sedang sibuk"), "{page}");
            }
            other => panic!("unexpected {other}: {page}"),
        }
    }
    // One check running and a few waiting: nearly all of the 80 were turned away.
    assert!(
        busy_api >= 30 && busy_form >= 30,
        "503 answers: {busy_api} of 40 API logins, {busy_form} of 40 form logins"
    );
    n.check_alive().unwrap();
    let (st, _, body) = api_login(&http, &base, "petugas", PW).await.unwrap();
    assert_eq!(st, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn invalid_usernames_are_refused_like_a_wrong_password_and_never_counted() {
    let app = TestApp::spawn().await;
    let login = |name: String| {
        let req = app
            .http
            .post(app.url("/api/v1/login"))
            .json(&json!({"username": name, "password": WRONG}));
        async move {
            let r = req.send().await.unwrap();
            (r.status(), r.json::<Value>().await.unwrap())
        }
    };
    let (st, wrong) = login("operator".into()).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    let invalid = [
        format!("operator{}", "x".repeat(30)),
        "x".repeat(10_000),
        "OPERATOR".into(),
        "op erator".into(),
        "ab".into(),
        String::new(),
        "opérateur".into(),
        "operator\u{0}".into(),
    ];
    for name in invalid {
        // More than the limit: an invalid name is never counted, so never locked.
        for _ in 0..LIMIT + 2 {
            let (st, body) = login(name.clone()).await;
            assert_eq!(st, StatusCode::UNAUTHORIZED, "{:.40}: {body}", name);
            assert_eq!(body, wrong, "the same answer as a wrong password");
        }
    }
    // A body far larger than any username and password is refused before parsing.
    let r = app
        .http
        .post(app.url("/api/v1/login"))
        .json(&json!({"username": "y".repeat(20_000), "password": WRONG}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "too_large");
    let r = app
        .http
        .post(app.url("/masuk"))
        .form(&[("username", "y".repeat(20_000)), ("password", WRONG.into())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.text().await.unwrap().contains("terlalu besar"));
    // Only the valid, wrong login left a trace in the lockout table.
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM login_guard")
        .fetch_one(app.store.writer_pool())
        .await
        .unwrap();
    assert_eq!(rows, 1);
    app.login("operator").await;
}

#[tokio::test]
async fn openapi_documents_how_a_login_is_refused() {
    let app = TestApp::spawn().await;
    let doc: Value = app
        .http
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let responses = &doc["paths"]["/login"]["post"]["responses"];
    for code in ["200", "401", "413", "429", "503"] {
        assert!(responses[code].is_object(), "/login {code}: {responses}");
    }
    for code in ["429", "503"] {
        assert_eq!(
            responses[code]["headers"]["Retry-After"]["$ref"], "#/components/headers/RetryAfter",
            "{code}"
        );
    }
    assert!(doc["components"]["headers"]["RetryAfter"].is_object());
    assert!(responses["401"]["description"]
        .as_str()
        .unwrap()
        .contains("3-32 characters"));
}
