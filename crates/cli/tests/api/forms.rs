//! Issue 13, findings 3 and 4: the citizen status lookup cannot be scripted or read
//! from URLs, and no cookie-authenticated write can be forged by another site.
//!
//! - The lookup is a POST; a GET with the numbers in its query looks nothing up.
//! - Lookups are rate limited per connection address (429, in Indonesian), whatever
//!   `X-Forwarded-For` says, in bounded memory.
//! - The masked name shows no word lengths.
//! - Every state-changing form needs its CSRF token (403 and nothing changed without),
//!   cookie-only API writes need this server's Origin, bearer calls do not.
//! - Hostile or oversized form fields get a clear error and write nothing.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Instant;

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::*;

/// Lookups one address may make at once (`web::status::LOOKUP_BURST`).
const BURST: usize = 10;

/// Enrolls `p` (operator, bearer) and returns its registration number.
async fn enrolled(app: &TestApp, p: &sidik_domain::Penduduk, person: u64) -> String {
    let op = app.login("operator").await;
    let (st, body) = app.enroll(&op, &Enrol::new(p, person)).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    body["nomor"].as_str().unwrap().to_string()
}

/// Enrolls and checks `p`: an application ready to print.
async fn ready_to_print(app: &TestApp, p: &sidik_domain::Penduduk, person: u64) -> String {
    let nomor = enrolled(app, p, person).await;
    let ver = app.login("verifikator").await;
    let (st, body) = app
        .post(&ver, &format!("/api/v1/applications/{nomor}/check"), None)
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "siap_cetak");
    nomor
}

async fn status_of(app: &TestApp, nomor: &str) -> String {
    let op = app.login("operator").await;
    let (_, v) = app.get(&op, &format!("/api/v1/applications/{nomor}")).await;
    v["status"].as_str().unwrap().to_string()
}

/// A lookup from the loopback address `ip` with an already fetched cookie and token.
async fn lookup_from(
    ip: IpAddr,
    app: &TestApp,
    (pra, token): (&str, &str),
    (nomor, nik): (&str, &str),
) -> StatusCode {
    let http = reqwest::Client::builder()
        .local_address(ip)
        .build()
        .unwrap();
    http.post(app.url("/status"))
        .header("cookie", pra)
        .form(&[("nomor", nomor), ("nik", nik), ("_csrf", token)])
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn status_lookup_is_a_post_and_a_get_with_the_numbers_looks_nothing_up() {
    let app = TestApp::spawn().await;
    let p = adult(1301);
    app.add_residents(std::slice::from_ref(&p)).await;
    let nomor = enrolled(&app, &p, 1301).await;
    let nik = p.nik.to_string();

    // The form posts.
    let form = app.client().page(&app.url("/status"), None).await;
    assert!(
        form.contains(r#"<form method="post" action="/status""#),
        "{form}"
    );
    assert!(form.contains(r#"name="_csrf""#), "{form}");

    // The numbers in a GET query are neither looked up nor shown again.
    let r = app
        .http
        .get(app.url(&format!("/status?nomor={nomor}&nik={nik}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(!html.contains("hasil-status"), "no lookup: {html}");
    assert!(!html.contains("Direkam</strong>"), "{html}");
    assert!(!html.contains(&nomor) && !html.contains(&nik), "{html}");
    assert!(
        html.contains(r#"id="pemberitahuan""#) && html.contains("tidak ada pencarian"),
        "the citizen is told why: {html}"
    );

    // The POST looks it up.
    let (st, html) = app.status_lookup(&nomor, &nik).await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        html.contains("hasil-status") && html.contains("Direkam"),
        "{html}"
    );
}

#[tokio::test]
async fn the_masked_name_reveals_no_word_lengths() {
    let app = TestApp::spawn().await;
    let mut short = adult(1311);
    short.nama = "Budi Santoso".into();
    let mut long = adult(1312);
    long.nama = "Bambang Sutrisnowati".into();
    app.add_residents(&[short.clone(), long.clone()]).await;
    let mut shown = vec![];
    for (p, person) in [(&short, 1311), (&long, 1312)] {
        let nomor = enrolled(&app, p, person).await;
        let (st, html) = app.status_lookup(&nomor, &p.nik.to_string()).await;
        assert_eq!(st, StatusCode::OK, "{html}");
        let at = html.find("<dt>Nama</dt><dd>").expect("name shown") + 17;
        let name = html[at..].split("</dd>").next().unwrap().to_string();
        assert!(!name.contains("****"), "{name}");
        shown.push(name);
    }
    assert_eq!(shown[0], "B*** S***");
    assert_eq!(shown[0], shown[1], "names of other lengths look the same");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_wrong_lookups_gets_429_per_connection_address_in_bounded_memory() {
    let app = TestApp::spawn().await;
    let p = adult(1321);
    app.add_residents(std::slice::from_ref(&p)).await;
    let nomor = enrolled(&app, &p, 1321).await;
    let (pra, token) = app.pre_session("/status").await;
    let wrong_nik = "3172015505859999";

    // 300 wrong guesses from one connection address, each claiming another client in
    // X-Forwarded-For / X-Real-IP / Forwarded.
    let start = Instant::now();
    let mut answers = vec![];
    for i in 0..300u32 {
        let forged = format!("10.{}.{}.{}", i / 65536, (i / 256) % 256, i % 256);
        let r = app
            .http
            .post(app.url("/status"))
            .header("cookie", &pra)
            .header("x-forwarded-for", &forged)
            .header("x-real-ip", &forged)
            .header("forwarded", format!("for={forged}"))
            .form(&[
                ("nomor", nomor.as_str()),
                ("nik", wrong_nik),
                ("_csrf", token.as_str()),
            ])
            .send()
            .await
            .unwrap();
        let st = r.status();
        let retry = r.headers().get("retry-after").cloned();
        let html = r.text().await.unwrap();
        if st == StatusCode::OK {
            assert!(html.contains("Data tidak ditemukan"), "{html}");
        } else {
            assert_eq!(st, StatusCode::TOO_MANY_REQUESTS, "{html}");
            assert!(
                html.contains("Terlalu banyak permintaan cek status") && html.contains("detik"),
                "{html}"
            );
            assert!(retry.is_some(), "Retry-After is sent");
        }
        answers.push(st);
    }
    let allowed = answers.iter().filter(|s| **s == StatusCode::OK).count();
    let slack = (start.elapsed().as_secs() / 6) as usize + 1;
    assert!(
        answers[..BURST].iter().all(|s| *s == StatusCode::OK),
        "{answers:?}"
    );
    assert_eq!(answers[BURST], StatusCode::TOO_MANY_REQUESTS);
    assert!(allowed <= BURST + slack, "{allowed} lookups let through");

    // Another address is not affected, and the table of addresses stays bounded
    // however many addresses come (loopback is 127.0.0.0/8).
    let m = app.client().metrics(&app.base).await;
    let capacity = m["sidik_status_lookup_clients_capacity"] as u32;
    assert!(capacity >= 16, "{m:?}");
    let extra = 200;
    let mut tasks = tokio::task::JoinSet::new();
    let app = std::sync::Arc::new(app);
    for n in 0..capacity + extra {
        let app = app.clone();
        let (pra, token, nomor) = (pra.clone(), token.clone(), nomor.clone());
        tasks.spawn(async move {
            let ip = IpAddr::V4(Ipv4Addr::from(0x7f01_0000 + n));
            lookup_from(ip, &app, (&pra, &token), (&nomor, wrong_nik)).await
        });
        if tasks.len() >= 16 {
            assert_eq!(tasks.join_next().await.unwrap().unwrap(), StatusCode::OK);
        }
    }
    while let Some(st) = tasks.join_next().await {
        assert_eq!(st.unwrap(), StatusCode::OK);
    }
    let m = app.client().metrics(&app.base).await;
    let tracked = m["sidik_status_lookup_clients"] as u32;
    assert!(tracked <= capacity, "{tracked} > {capacity}");
    assert!(m["sidik_status_lookups_refused_total"] >= (300 - allowed) as f64);
    // The flooding address was not forgotten to make room for the others.
    let one = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let st = lookup_from(one, &app, (&pra, &token), (&nomor, wrong_nik)).await;
    assert_eq!(st, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn a_cross_origin_form_post_with_a_printer_cookie_moves_no_card() {
    let app = TestApp::spawn().await;
    let p = adult(1331);
    app.add_residents(std::slice::from_ref(&p)).await;
    let nomor = ready_to_print(&app, &p, 1331).await;
    let cetak = app.web_login("pencetak").await;
    let detail = format!("/permohonan/{nomor}");
    let aksi = app.url(&format!("{detail}/aksi"));
    let before = app.footprint().await;
    let post = |form: Vec<(&'static str, String)>, extra: Option<(&'static str, &'static str)>| {
        let mut req = app
            .http
            .post(&aksi)
            .header("cookie", &cetak)
            .header("origin", "http://127.0.0.1.attacker.example")
            .form(&form);
        if let Some((k, v)) = extra {
            req = req.header(k, v);
        }
        async move {
            let r = req.send().await.unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };
    // No token, a token of another session, the pre-session's token.
    let operator = app.web_login("operator").await;
    let other = app.session_token("/permohonan", &operator).await;
    let (_, pra_token) = app.pre_session("/masuk").await;
    for form in [
        vec![("aksi", "cetak".to_string())],
        vec![("aksi", "cetak".into()), ("_csrf", other)],
        vec![("aksi", "cetak".into()), ("_csrf", pra_token)],
        vec![("aksi", "cetak".into()), ("_csrf", String::new())],
    ] {
        let (st, html) = post(form, None).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{html}");
        assert!(
            html.contains("Formulir ditolak") && html.contains("token keamanan"),
            "{html}"
        );
        assert_eq!(status_of(&app, &nomor).await, "siap_cetak");
    }
    // The right token, but the browser says the form came from another site.
    let token = app.session_token(&detail, &cetak).await;
    assert_eq!(token.len(), 64, "the detail page's forms carry the token");
    let form = vec![("aksi", "cetak".into()), ("_csrf", token.clone())];
    let (st, _) = post(form.clone(), Some(("sec-fetch-site", "same-site"))).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    assert_eq!(status_of(&app, &nomor).await, "siap_cetak");
    assert_eq!(app.footprint().await, before, "nothing was written");

    // The page's own form, with its token, works.
    let r = app
        .http
        .post(&aksi)
        .header("cookie", &cetak)
        .header("sec-fetch-site", "same-origin")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(status_of(&app, &nomor).await, "dicetak");
}

/// Every other state-changing form refuses a post without its token, and changes
/// nothing: login, logout, enrollment, the uniqueness check, the status lookup.
#[tokio::test]
async fn every_state_changing_form_needs_its_token() {
    let app = TestApp::spawn().await;
    let (p, q) = (adult(1341), adult(1342));
    app.add_residents(&[p.clone(), q.clone()]).await;
    let nomor = enrolled(&app, &p, 1341).await;
    let ver = app.web_login("verifikator").await;
    let op = app.web_login("operator").await;
    let before = app.footprint().await;
    let refused = |r: reqwest::Response| async move {
        let st = r.status();
        let html = r.text().await.unwrap();
        assert_eq!(st, StatusCode::FORBIDDEN, "{html}");
        assert!(html.contains("Formulir ditolak"), "{html}");
    };
    let (pra, _) = app.pre_session("/masuk").await;
    let r = app.http.post(app.url("/masuk")).header("cookie", &pra);
    let r = r.form(&[("username", "operator"), ("password", PASSWORD)]);
    let r = r.send().await.unwrap();
    assert!(r.headers().get("set-cookie").is_none(), "no session");
    refused(r).await;
    let r = app.http.post(app.url("/keluar")).header("cookie", &op);
    refused(r.form(&[("x", "")]).send().await.unwrap()).await;
    let html = app.client().page(&app.url("/permohonan"), Some(&op)).await;
    assert!(html.contains("Daftar Permohonan"), "still logged in");
    let r = app
        .http
        .post(app.url("/permohonan/baru"))
        .header("cookie", &op);
    refused(
        r.multipart(Enrol::new(&q, 1342).form())
            .send()
            .await
            .unwrap(),
    )
    .await;
    let cek = app.url(&format!("/permohonan/{nomor}/cek"));
    let r = app.http.post(&cek).header("cookie", &ver);
    refused(r.form(&[("_csrf", "0".repeat(64))]).send().await.unwrap()).await;
    let (pra, _) = app.pre_session("/status").await;
    let nik = p.nik.to_string();
    let r = app.http.post(app.url("/status")).header("cookie", &pra);
    let r = r.form(&[("nomor", nomor.as_str()), ("nik", nik.as_str())]);
    refused(r.send().await.unwrap()).await;
    assert_eq!(app.footprint().await, before);
    assert_eq!(status_of(&app, &nomor).await, "direkam");
    // With their tokens they work.
    let token = app
        .session_token(&format!("/permohonan/{nomor}"), &ver)
        .await;
    let r = app.http.post(&cek).header("cookie", &ver);
    let r = r.form(&[("_csrf", token)]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(status_of(&app, &nomor).await, "siap_cetak");
    let token = app.session_token("/permohonan", &op).await;
    let r = app.http.post(app.url("/keluar")).header("cookie", &op);
    let r = r.form(&[("_csrf", token)]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = app.http.get(app.url("/permohonan")).header("cookie", &op);
    assert_eq!(r.send().await.unwrap().status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn cookie_only_api_writes_need_this_origin_and_bearer_calls_do_not() {
    let app = TestApp::spawn().await;
    let p = adult(1351);
    app.add_residents(std::slice::from_ref(&p)).await;
    let nomor = ready_to_print(&app, &p, 1351).await;
    let bearer = app.login("pencetak").await;
    let cookie = format!("sidik_sesi={bearer}");
    let cetak = app.url(&format!("/api/v1/applications/{nomor}/actions/cetak"));
    let port: u16 = app.base.rsplit(':').next().unwrap().parse().unwrap();
    let before = app.footprint().await;
    let foreign = [
        None,
        Some(("origin", "http://attacker.example".to_string())),
        Some(("origin", format!("http://127.0.0.1:{}", port + 1))),
        Some(("origin", "null".to_string())),
        Some(("referer", "http://attacker.example/halaman".to_string())),
    ];
    for h in foreign {
        let mut req = app.http.post(&cetak).header("cookie", &cookie);
        if let Some((k, v)) = &h {
            req = req.header(*k, v);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{h:?}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["code"], "cross_origin", "{body}");
    }
    assert_eq!(app.footprint().await, before, "nothing was written");
    assert_eq!(status_of(&app, &nomor).await, "siap_cetak");
    // Reads with the cookie alone are fine.
    let r = app
        .http
        .get(app.url("/api/v1/me"))
        .header("cookie", &cookie);
    assert_eq!(r.send().await.unwrap().status(), StatusCode::OK);
    // The same write with a bearer token works, whatever Origin says.
    let r = app
        .http
        .post(&cetak)
        .bearer_auth(&bearer)
        .header("origin", "http://attacker.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(status_of(&app, &nomor).await, "dicetak");
    // And a cookie write from this server's own origin (a same-origin script) too.
    let serahkan = app.url(&format!("/api/v1/applications/{nomor}/actions/serahkan"));
    let r = app
        .http
        .post(&serahkan)
        .header("cookie", &cookie)
        .header("origin", &app.base)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(status_of(&app, &nomor).await, "diserahkan");
}

#[tokio::test]
async fn the_signed_sync_endpoints_ignore_cookies_and_origins() {
    let (app, _, _) = TestApp::spawn_centre().await;
    let admin = app.login("admin").await;
    let r = app
        .http
        .put(app.url("/api/v1/sync/packets/317200-0000000001"))
        .header("cookie", format!("sidik_sesi={admin}"))
        .header("origin", "http://attacker.example")
        .body(vec![0u8; 64])
        .send()
        .await
        .unwrap();
    let st = r.status();
    let body: Value = r.json().await.unwrap_or(Value::Null);
    assert_ne!(body["code"], "cross_origin", "{st} {body}");
    assert_ne!(st, StatusCode::FORBIDDEN, "{body}");
}

#[tokio::test]
async fn hostile_or_oversized_form_fields_get_a_clear_error_and_write_nothing() {
    let app = TestApp::spawn().await;
    let (p, p2, q) = (adult(1361), adult(1362), adult(1363));
    app.add_residents(&[p.clone(), p2.clone(), q.clone()]).await;
    // A `ganda` case (the same fingers under another NIK): one a verifikator may reject.
    ready_to_print(&app, &p, 1361).await;
    let op = app.login("operator").await;
    let mut e = Enrol::new(&p2, 1361);
    e.fingers = fingers(1361, 1);
    let (_, body) = app.enroll(&op, &e).await;
    let nomor = body["nomor"].as_str().unwrap().to_string();
    let bearer = app.login("verifikator").await;
    let check = format!("/api/v1/applications/{nomor}/check");
    let (_, body) = app.post(&bearer, &check, None).await;
    assert_eq!(body["status"], "ganda", "{body}");
    let ver = app.web_login("verifikator").await;
    let detail = format!("/permohonan/{nomor}");
    let token = app.session_token(&detail, &ver).await;
    let aksi = app.url(&format!("{detail}/aksi"));
    let before = app.footprint().await;
    let send = |alasan: String| {
        let req = app.http.post(&aksi).header("cookie", &ver).form(&[
            ("aksi", "tolak".to_string()),
            ("alasan", alasan),
            ("_csrf", token.clone()),
        ]);
        async move {
            let r = req.send().await.unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };
    // A reason over 500 characters, or with control characters: refused by the rule.
    for alasan in ["x".repeat(501), "baris\u{0}kendali".into(), "a\nb".into()] {
        let (_, html) = send(alasan).await;
        assert!(html.contains("Alasan tidak sah"), "{html}");
    }
    // A form body over the limit: 413 before anything is parsed.
    let (st, html) = send("y".repeat(20 * 1024)).await;
    assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE, "{html}");
    assert!(html.contains("Formulir terlalu besar"), "{html}");
    // Not a urlencoded form (a cross-site form may send text/plain).
    let r = app
        .http
        .post(&aksi)
        .header("cookie", &ver)
        .header("content-type", "text/plain")
        .body(format!("aksi=tolak&alasan=x&_csrf={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Formulir tidak dapat diproses"));
    // The API applies the same rule.
    let (st, body) = app
        .post(
            &bearer,
            &format!("/api/v1/applications/{nomor}/actions/tolak"),
            Some(serde_json::json!({"alasan": "z".repeat(501)})),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["code"], "invalid_reason");
    // A 100 KB NIK in the enrollment form: a clear error, not echoed back.
    let op = app.web_login("operator").await;
    let token = app.session_token("/permohonan/baru", &op).await;
    let mut e = Enrol::new(&q, 1363);
    e.nik = "9".repeat(100 * 1024);
    let r = app
        .http
        .post(app.url("/permohonan/baru"))
        .header("cookie", &op)
        .multipart(e.form().text("_csrf", token))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let html = r.text().await.unwrap();
    assert!(html.contains("NIK tidak valid"), "{}", &html[..2000]);
    assert!(html.len() < 50 * 1024, "the field is not echoed back");
    // A 12 KB registration number in the status lookup.
    let (st, html) = app.status_lookup(&"1".repeat(12 * 1024), "1").await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("Nomor registrasi harus 27 angka"), "{html}");
    assert!(html.len() < 10 * 1024, "the field is not echoed back");
    assert_eq!(app.footprint().await, before, "nothing was written");
    assert_eq!(status_of(&app, &nomor).await, "ganda");
}
