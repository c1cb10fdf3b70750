//! Continuity: a central node and office nodes as real processes on loopback.
//! Outage then recovery, SIGKILL of the centre mid-sync and of an office mid-burst,
//! cross-office and same-office duplicates, tampered / unknown / replayed packets.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::Value;

use crate::cluster::*;

/// During the outage everything waits, and officers and citizens are told the truth.
async fn assert_outage_is_told(
    c: &Cluster,
    b1: &str,
    t1: &str,
    nomor_of: &HashMap<String, (String, String)>,
    nik_a: &str,
) {
    const N: usize = 12;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let st = c.get(b1, t1, "/api/v1/sync/status").await;
    assert_eq!(st["centre_up"], false, "{st}");
    assert!(st["down_since"].is_string(), "{st}");
    assert_eq!(st["waiting"], (N + 3) as u64, "{st}");
    let m = c.metrics(b1).await;
    assert_eq!(m["sidik_centre_up"], 0.0);
    assert_eq!(m["sidik_outbox_waiting"], (N + 3) as f64);
    let (nomor0, (_, nik0)) = nomor_of.iter().find(|(_, (b, _))| b == b1).unwrap();
    let page = c.status_lookup(b1, nomor0, nik0).await;
    assert!(
        page.contains("Sistem pusat sedang gangguan sejak") && page.contains("WIB"),
        "{page}"
    );
    assert!(page.contains("tersimpan aman dan akan diproses otomatis"));
    // Its packet waits in the office's outbox: the citizen is told it is not sent yet.
    assert!(page.contains("data-tahap=\"belum-dikirim\""), "{page}");
    // Another person's NIK with this number reveals nothing.
    let page = c.status_lookup(b1, nomor0, nik_a).await;
    assert!(page.contains("Data tidak ditemukan"), "{page}");
}

/// A later finding on a card already out: office 1 prints the card of its first
/// applicant, then the same person enrolls under another NIK at office 2. The centre
/// flags both; office 1 cannot un-print the card, so its officers are shown the
/// finding, on the sync page, in the API and in /metrics. Returns the new enrollment.
async fn assert_a_finding_on_a_printed_card_is_shown(
    c: &Cluster,
    [(b1, t1), (b2, t2)]: [(&str, &str); 2],
    nomor_of: &HashMap<String, (String, String)>,
    first_nik: &str,
    (nik_e, kel_e): (&str, &str),
    total: usize,
) -> String {
    let status_of = |v: &Value| v["status"].as_str().unwrap().to_string();
    let (printed, _) = nomor_of
        .iter()
        .find(|(_, (_, nik))| nik == first_nik)
        .expect("first applicant");
    let printed = printed.clone();
    for (path, body) in [
        (
            "print/printers",
            serde_json::json!({"nama": "Printer 1", "kapasitas_harian": 200}),
        ),
        ("print/blanko/receive", serde_json::json!({"jumlah": 10})),
    ] {
        let r = c
            .http
            .post(format!("{b1}/api/v1/{path}"))
            .bearer_auth(t1)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    }
    let r = c
        .http
        .post(format!("{b1}/api/v1/applications/{printed}/actions/cetak"))
        .bearer_auth(t1)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let (dup_e, s) = enroll_and_check(&c.http, b2, t2, nik_e, kel_e, 1000, 1).await;
    assert_eq!(s, "dikirim");
    // One more packet, and a revision of the printed one.
    wait_synced(
        c,
        &["317201", "317202"],
        total as u64 + 2,
        Duration::from_secs(120),
    )
    .await;
    let v = c
        .get(b2, t2, &format!("/api/v1/applications/{dup_e}"))
        .await;
    assert_eq!(status_of(&v), "ganda", "{v}");
    let v = c
        .get(b1, t1, &format!("/api/v1/applications/{printed}"))
        .await;
    assert_eq!(
        status_of(&v),
        "dicetak",
        "a printed card stays printed: {v}"
    );
    let st = c.get(b1, t1, "/api/v1/sync/status").await;
    let f = &st["findings_on_issued_cards"];
    assert_eq!(f.as_array().map(Vec::len), Some(1), "{st}");
    assert_eq!(f[0]["nomor"], printed.as_str(), "{st}");
    assert_eq!(f[0]["hasil"], "ganda", "{st}");
    assert!(
        f[0]["kandidat"].to_string().contains(dup_e.as_str()),
        "{st}"
    );
    let m = c.metrics(b1).await;
    assert_eq!(m["sidik_findings_on_issued_cards"], 1.0);
    let m = c.metrics(b2).await;
    assert_eq!(m["sidik_findings_on_issued_cards"], 0.0);
    let cookie = c.web_login(b1).await;
    let page = c.page(&format!("{b1}/sinkron"), Some(&cookie)).await;
    assert!(
        page.contains("Temuan pusat atas kartu yang sudah dicetak") && page.contains(&printed),
        "{page}"
    );

    dup_e
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

    assert_outage_is_told(&c, &b1, &t1, &nomor_of, nik_a).await;

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

    let (nik_e, kel_e) = &people[i + 4];
    let offices = [(b1.as_str(), t1.as_str()), (b2.as_str(), t2.as_str())];
    let dup_e = assert_a_finding_on_a_printed_card_is_shown(
        &c,
        offices,
        &nomor_of,
        &people[0].0,
        (nik_e, kel_e),
        total,
    )
    .await;
    nomor_of.insert(dup_e, (String::new(), String::new()));

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

/// The same continuity on a centre running on PostgreSQL (`serve --db postgres://…`,
/// a throwaway cluster of the test kit): an office's backlog reaches it exactly once,
/// through a SIGKILL of the centre mid-sync. Skips without PostgreSQL installed (unless
/// `SIDIK_REQUIRE_POSTGRES=1`).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn centre_on_postgres_sigkilled_mid_sync_loses_and_duplicates_nothing() {
    let Some(pg) = sidik_testkit::postgres::Cluster::start() else {
        return;
    };
    let url = pg.database();
    let mut c = Cluster::with_centre_db(&["317205"], &[], Some(&url));
    let people = adults();
    c.office("317205").start();
    let b = c.offices["317205"].base();
    c.wait_up(&b).await;
    let t = c.login(&b).await;
    let mut acked = HashSet::new();
    for (i, (nik, kel)) in people.iter().take(40).enumerate() {
        let (nomor, _) = enroll_and_check(&c.http, &b, &t, nik, kel, 5000 + i as u64, 0).await;
        acked.insert(nomor);
    }
    c.central.start();
    let cb = c.central.base();
    c.wait_up(&cb).await;
    let start = Instant::now();
    while c.metrics(&cb).await["sidik_packets_received_total"] < 5.0 {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{}",
            c.central.log_tail()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    c.central.kill();
    tokio::time::sleep(Duration::from_millis(500)).await;
    c.central.start();
    c.wait_up(&cb).await;
    wait_synced(&c, &["317205"], 40, Duration::from_secs(120)).await;
    c.central.kill();
    assert_exactly_once_at_pg_centre(&url, &acked).await;
}
