//! The citizen's side (issue 15): the status page's wording per state with the
//! office's details, contacts captured at enrollment, the notification outbox and its
//! channels (file, HTTP gateway with retries), regional notices on every surface, the
//! automatic outage notices, unsubscribing, and hostile input on the public pages.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;
use sidik_kabar::{Gateway, KabarConfig, Kantor, Pengantar};
use sidik_node::{NodeConfig, RoleConfig};
use sidik_store::{KabarStore, StatusKabar};

use crate::helpers::*;

const ALAMAT: &str = "Jl. Yos Sudarso No. 27-29, Koja, Jakarta Utara";
const JAM: &str = "Senin-Jumat 08.00-15.00 WIB";
const KONTAK: &str = "(021) 4390 1234, dukcapil@contoh.go.id";

async fn app() -> (TestApp, sidik_node::Node) {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = NodeConfig::new(dir.path(), kantor(), RoleConfig::Standalone);
    cfg.kabar.alamat = ALAMAT.into();
    cfg.kabar.jam = JAM.into();
    cfg.kabar.kontak = KONTAK.into();
    TestApp::serve(dir, cfg).await
}

/// Enrolls with extra form fields (the contact); (status, body).
async fn enroll_with(
    app: &TestApp,
    op: &str,
    e: &Enrol,
    extra: &[(&str, &str)],
) -> (StatusCode, Value) {
    let mut form = e.form();
    for (k, v) in extra {
        form = form.text(k.to_string(), v.to_string());
    }
    let r = app
        .http
        .post(app.url("/api/v1/applications"))
        .bearer_auth(op)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let st = r.status();
    (st, r.json().await.unwrap_or(Value::Null))
}

async fn act(app: &TestApp, token: &str, nomor: &str, path: &str, body: Option<Value>) -> Value {
    let (st, v) = app
        .post(token, &format!("/api/v1/applications/{nomor}/{path}"), body)
        .await;
    assert_eq!(st, StatusCode::OK, "{path}: {v}");
    v
}

/// The stage and the page of a lookup.
async fn lihat(app: &TestApp, nomor: &str, nik: &str) -> (String, String) {
    let (st, html) = app.status_lookup(nomor, nik).await;
    assert_eq!(st, StatusCode::OK);
    let at = html.find("data-tahap=\"").expect("a result") + 12;
    let tahap = html[at..at + html[at..].find('"').unwrap()].to_string();
    (tahap, html)
}

/// The page's content (the stylesheet's class names are not text).
fn tanpa_istilah_dalam(html: &str) {
    let main = &html[html.find("<main>").unwrap()..html.find("</main>").unwrap()];
    let kecil = main.to_lowercase();
    for w in ["ganda", "adjudikasi", "tunggal", "karantina"] {
        assert!(!kecil.contains(w), "citizen page shows {w:?}");
    }
}

#[tokio::test]
async fn status_page_tells_each_state_plainly_with_the_office_and_a_way_to_complain() {
    let (app, _node) = app().await;
    let people: Vec<_> = (701..704).map(adult).collect();
    app.add_residents(&people).await;
    let op = app.login("operator").await;
    let ver = app.login("verifikator").await;
    let cetak = app.login("pencetak").await;
    let nik = people[0].nik.to_string();

    let (st, body) = app.enroll(&op, &Enrol::new(&people[0], 71)).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    let nomor = body["nomor"].as_str().unwrap().to_string();

    // Recorded, not yet checked: never "being checked".
    let (tahap, html) = lihat(&app, &nomor, &nik).await;
    assert_eq!(tahap, "menunggu-pemeriksaan");
    assert!(html.contains("Menunggu pemeriksaan"));
    assert!(!html.contains("sedang diperiksa"));
    assert!(html.contains(ALAMAT) && html.contains(JAM) && html.contains(KONTAK));
    assert!(html.contains(&format!("href=\"/aspirasi/baru?permohonan={nomor}\"")));
    tanpa_istilah_dalam(&html);

    // Checked: in the print queue, with the Suket.
    act(&app, &ver, &nomor, "check", None).await;
    let (tahap, html) = lihat(&app, &nomor, &nik).await;
    assert_eq!(tahap, "antrean-cetak");
    assert!(html.contains("Lolos pemeriksaan, menunggu dicetak"));
    assert!(html.contains("Suket (surat keterangan pengganti KTP-el) Anda berlaku sampai"));
    tanpa_istilah_dalam(&html);

    // Printed: ready to collect, with what to bring.
    act(&app, &cetak, &nomor, "actions/cetak", None).await;
    let (tahap, html) = lihat(&app, &nomor, &nik).await;
    assert_eq!(tahap, "siap-diambil");
    assert!(html.contains("Kartu siap diambil"));
    assert!(html.contains("Yang perlu dibawa") && html.contains("Tanda terima perekaman (asli)"));

    // Collected.
    act(&app, &cetak, &nomor, "actions/serahkan", None).await;
    let (tahap, html) = lihat(&app, &nomor, &nik).await;
    assert_eq!(tahap, "sudah-diambil");
    assert!(html.contains("Suket Anda tidak berlaku lagi: KTP-el sudah diserahkan"));

    // A duplicate suspect: plain words, no "ganda".
    let (st, b1) = app.enroll(&op, &Enrol::new(&people[1], 72)).await;
    assert_eq!(st, StatusCode::CREATED, "{b1}");
    let first = b1["nomor"].as_str().unwrap().to_string();
    act(&app, &ver, &first, "check", None).await;
    let mut e = Enrol::new(&people[2], 72);
    e.fingers = fingers(72, 1);
    let (st, b2) = app.enroll(&op, &e).await;
    assert_eq!(st, StatusCode::CREATED, "{b2}");
    let second = b2["nomor"].as_str().unwrap().to_string();
    let v = act(&app, &ver, &second, "check", None).await;
    assert_eq!(v["status"], "ganda");
    let (tahap, html) = lihat(&app, &second, &people[2].nik.to_string()).await;
    assert_eq!(tahap, "pemeriksaan-lanjutan");
    assert!(html.contains("Perlu pemeriksaan lanjutan"));
    tanpa_istilah_dalam(&html);

    // Rejected: what to do and bring; the officer's reason (naming another
    // application) is not shown.
    let reason = format!("Sidik jari sama dengan permohonan {first}");
    act(
        &app,
        &ver,
        &second,
        "actions/tolak",
        Some(serde_json::json!({"alasan": reason})),
    )
    .await;
    let (tahap, html) = lihat(&app, &second, &people[2].nik.to_string()).await;
    assert_eq!(tahap, "tidak-dapat-diproses");
    assert!(html.contains("Tidak dapat diproses") && html.contains("Kartu Keluarga (asli)"));
    assert!(!html.contains(&first), "another application is never named");
    tanpa_istilah_dalam(&html);
}

fn pengantar(node: &sidik_node::Node, berkas: &std::path::Path) -> Pengantar {
    let mut c = KabarConfig::new(
        berkas,
        "http://sidik.contoh",
        Kantor {
            nama: "Suku Dinas Dukcapil Jakarta Utara".into(),
            alamat: ALAMAT.into(),
            jam: JAM.into(),
            kontak: KONTAK.into(),
        },
    );
    c.berkas = berkas.to_path_buf();
    c.jeda_dasar = Duration::from_millis(50);
    Pengantar::new(node.store.clone(), Arc::new(sidik_ports::SystemClock), c)
}

fn files(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".txt"))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[tokio::test]
async fn contacts_need_consent_and_every_change_is_delivered_once_through_the_outbox() {
    let (app, node) = app().await;
    let people: Vec<_> = (711..713).map(adult).collect();
    app.add_residents(&people).await;
    let op = app.login("operator").await;
    let ver = app.login("verifikator").await;
    let cetak = app.login("pencetak").await;

    // Without consent, or with a bad address: refused in Indonesian, nothing written.
    let before = app.footprint().await;
    let e = Enrol::new(&people[0], 81);
    let long = "a".repeat(300);
    for (extra, expect) in [
        (vec![("email", "warga@contoh.id")], "persetujuan"),
        (
            vec![("email", "warga@contoh..id"), ("setuju_kontak", "1")],
            "email tidak sah",
        ),
        (
            vec![("telepon", "021 555 1234"), ("setuju_kontak", "1")],
            "telepon tidak sah",
        ),
        (
            vec![("email", long.as_str()), ("setuju_kontak", "1")],
            "email tidak sah",
        ),
    ] {
        let (st, body) = enroll_with(&app, &op, &e, &extra).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["code"], "invalid_contact");
        assert!(body["message"].as_str().unwrap().contains(expect), "{body}");
    }
    assert_eq!(app.footprint().await, before);

    let (st, body) = enroll_with(
        &app,
        &op,
        &e,
        &[
            ("email", "warga@contoh.id"),
            ("telepon", "0812-3456-7890"),
            ("setuju_kontak", "1"),
        ],
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    let nomor = body["nomor"].as_str().unwrap().to_string();
    let (st, body) = app.enroll(&op, &Enrol::new(&people[1], 82)).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    let tanpa_kontak = body["nomor"].as_str().unwrap().to_string();

    act(&app, &ver, &nomor, "check", None).await;
    act(&app, &ver, &tanpa_kontak, "check", None).await;
    let q = app.store.kabar_of(&nomor).await.unwrap();
    // Approved and Suket issued, each by email and SMS, queued with the change.
    let mut jenis: Vec<_> = q
        .iter()
        .map(|r| (r.pesan.jenis.slug(), r.pesan.kanal.slug()))
        .collect();
    jenis.sort();
    assert_eq!(
        jenis,
        vec![
            ("disetujui", "email"),
            ("disetujui", "sms"),
            ("suket_terbit", "email"),
            ("suket_terbit", "sms")
        ]
    );
    assert!(app.store.kabar_of(&tanpa_kontak).await.unwrap().is_empty());

    let dir = tempfile::tempdir().unwrap();
    let p = pengantar(&node, dir.path());
    assert_eq!(p.putaran().await.unwrap(), 4);
    assert_eq!(p.putaran().await.unwrap(), 0, "nothing is sent twice");
    assert_eq!(files(dir.path()).len(), 4);
    act(&app, &cetak, &nomor, "actions/cetak", None).await;
    p.putaran().await.unwrap();
    let f = files(dir.path());
    assert_eq!(f.len(), 6, "{f:?}");
    let all: String = f
        .iter()
        .map(|n| std::fs::read_to_string(dir.path().join(n)).unwrap())
        .collect();
    assert_eq!(all.matches("Subjek: KTP-el: kartu siap diambil").count(), 2);
    assert!(all.contains(ALAMAT));
    assert!(
        !all.contains(&people[0].nik.to_string()),
        "no NIK in messages"
    );
    assert!(!all.contains(&nomor), "only the number's tail");
    assert!(all.contains("http://sidik.contoh/kabar/berhenti/"));
    let log = app.store.kabar_of(&nomor).await.unwrap();
    assert!(log
        .iter()
        .all(|r| r.status == StatusKabar::Terkirim && r.log.len() == 1));
    assert!(log.iter().all(|r| r.log[0].hasil == "terkirim via berkas"));

    // Collection is not notified (it happens at the desk).
    act(&app, &cetak, &nomor, "actions/serahkan", None).await;
    assert_eq!(p.putaran().await.unwrap(), 0);
}

/// A gateway on loopback that refuses the first `gagal` requests with 503 and
/// records every body and `Idempotency-Key`.
async fn gateway(gagal: usize) -> (String, Arc<std::sync::Mutex<Vec<(String, String)>>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/kirim", l.local_addr().unwrap());
    let seen: Arc<std::sync::Mutex<Vec<(String, String)>>> = Arc::default();
    let n = Arc::new(AtomicUsize::new(0));
    let s = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut c, _)) = l.accept().await else {
                return;
            };
            let (s, n) = (s.clone(), n.clone());
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    let k = c.read(&mut chunk).await.unwrap_or(0);
                    if k == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..k]);
                    let text = String::from_utf8_lossy(&buf).into_owned();
                    let Some(end) = text.find("\r\n\r\n") else {
                        continue;
                    };
                    let head = text[..end].to_ascii_lowercase();
                    let len: usize = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse().ok())
                        .unwrap_or(0);
                    if buf.len() < end + 4 + len {
                        continue;
                    }
                    let key = head
                        .lines()
                        .find_map(|l| l.strip_prefix("idempotency-key:"))
                        .unwrap_or("")
                        .trim()
                        .to_string();
                    s.lock().unwrap().push((key, text[end + 4..].to_string()));
                    let status = if n.fetch_add(1, Ordering::SeqCst) < gagal {
                        "503 Service Unavailable"
                    } else {
                        "200 OK"
                    };
                    let _ = c
                        .write_all(format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n").as_bytes())
                        .await;
                    return;
                }
            });
        }
    });
    (url, seen)
}

#[tokio::test]
async fn gateway_failures_are_retried_with_backoff_and_logged() {
    let (app, node) = app().await;
    let p0 = adult(721);
    app.add_residents(std::slice::from_ref(&p0)).await;
    let op = app.login("operator").await;
    let ver = app.login("verifikator").await;
    let (st, body) = enroll_with(
        &app,
        &op,
        &Enrol::new(&p0, 91),
        &[
            ("telepon", "+62 812 1111 2222"),
            ("whatsapp", "1"),
            ("setuju_kontak", "1"),
        ],
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    let nomor = body["nomor"].as_str().unwrap().to_string();
    act(&app, &ver, &nomor, "check", None).await;

    let (url, seen) = gateway(2).await;
    let dir = tempfile::tempdir().unwrap();
    let mut p = pengantar(&node, dir.path());
    p.config.gateway = Some(Gateway::new(&url, None).unwrap());
    // Two messages (approved, Suket), each refused twice then accepted: 6 requests.
    let start = std::time::Instant::now();
    loop {
        p.putaran().await.unwrap();
        let rows = app.store.kabar_of(&nomor).await.unwrap();
        if rows.iter().all(|r| r.status == StatusKabar::Terkirim) {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "{rows:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 4, "{seen:?}");
    let mut keys: Vec<_> = seen.iter().map(|(k, _)| k.clone()).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(
        keys.len(),
        2,
        "the same Idempotency-Key on every retry: {keys:?}"
    );
    let v: Value = serde_json::from_str(&seen[0].1).unwrap();
    assert_eq!(v["to"], "+6281211112222");
    assert_eq!(v["channel"], "whatsapp");
    for r in app.store.kabar_of(&nomor).await.unwrap() {
        let hasil: Vec<_> = r.log.iter().map(|l| l.hasil.as_str()).collect();
        assert_eq!(hasil.len(), 2, "{hasil:?}");
        assert!(
            hasil[0].starts_with("gagal: gateway menjawab 503"),
            "{hasil:?}"
        );
        assert_eq!(*hasil.last().unwrap(), "terkirim via gateway");
    }
    assert!(
        files(dir.path()).is_empty(),
        "no file when the gateway is configured"
    );
}
