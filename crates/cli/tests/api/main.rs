//! API and page tests against an in-process server (one test binary, shared helpers).

mod aspirasi;
mod cluster;
mod dokumen;
mod forms;
mod hardening;
mod helpers;
mod kabar;
mod kabar_smtp;
mod ketunggalan;
mod lease;
mod login;
mod pengumuman;
mod pool;
mod process;
mod pusat;
mod suket_cli;
mod sync;
mod tls;
mod upload;

use helpers::*;
use reqwest::StatusCode;
use serde_json::Value;

#[tokio::test]
async fn full_flow_enroll_check_print_collect_with_timeline_and_audit() {
    let app = TestApp::spawn().await;
    let p = adult(101);
    app.add_residents(std::slice::from_ref(&p)).await;
    let op = app.login("operator").await;
    let ver = app.login("verifikator").await;
    let cetak = app.login("pencetak").await;

    let (st, body) = app.enroll(&op, &Enrol::new(&p, 1)).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    assert_eq!(body["status"], "direkam");
    let nomor = body["nomor"].as_str().unwrap().to_string();
    assert_eq!(nomor.len(), 27);
    assert!(nomor.starts_with("317200"));

    let (st, body) = app
        .post(&ver, &format!("/api/v1/applications/{nomor}/check"), None)
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "siap_cetak");
    assert_eq!(body["ketunggalan"]["biometrik"], true);
    assert!(body["ketunggalan"]["kandidat"]
        .as_array()
        .unwrap()
        .is_empty());

    let (st, body) = app
        .post(
            &cetak,
            &format!("/api/v1/applications/{nomor}/actions/cetak"),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "dicetak");
    let (st, body) = app
        .post(
            &cetak,
            &format!("/api/v1/applications/{nomor}/actions/serahkan"),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "diserahkan");

    // Timeline: every transition with actor and time.
    let (_, got) = app.get(&op, &format!("/api/v1/applications/{nomor}")).await;
    let steps: Vec<(&str, &str)> = got["riwayat"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["ke"].as_str().unwrap(), r["aktor"].as_str().unwrap()))
        .collect();
    assert_eq!(
        steps,
        vec![
            ("direkam", "user:operator"),
            ("dikirim", "user:verifikator"),
            ("tunggal", "sistem:ketunggalan"),
            ("siap_cetak", "sistem:ketunggalan"),
            ("dicetak", "user:pencetak"),
            ("diserahkan", "user:pencetak"),
        ]
    );
    assert!(got["riwayat"][0]["waktu_wib"]
        .as_str()
        .unwrap()
        .ends_with("WIB"));

    // Audit: one entry per step, chained.
    let (_, audit) = app
        .get(&op, &format!("/api/v1/applications/{nomor}/audit"))
        .await;
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["aksi"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        vec![
            "permohonan.rekam",
            "permohonan.kirim",
            "permohonan.hasil_tunggal",
            "permohonan.setujui",
            "suket.terbit",
            "permohonan.cetak",
            "permohonan.serahkan",
            "suket.cabut",
        ]
    );
    assert!(audit_intact(app.store.as_ref()).await >= 6);

    // A collected card blocks a new card for the same NIK at the check.
    let (st, body) = app.enroll(&op, &Enrol::new(&p, 1)).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    let again = body["nomor"].as_str().unwrap().to_string();
    let (_, body) = app
        .post(&ver, &format!("/api/v1/applications/{again}/check"), None)
        .await;
    assert_eq!(body["status"], "ditolak");
    assert!(
        body["riwayat"].as_array().unwrap().last().unwrap()["alasan"]
            .as_str()
            .unwrap()
            .contains("sudah memiliki KTP-el")
    );

    // Listing filters and counts.
    let (st, list) = app
        .get(
            &op,
            "/api/v1/applications?kecamatan=31.72.01&status=diserahkan",
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["counts"]["diserahkan"], 1);
    assert_eq!(list["counts"]["ditolak"], 1);
    let (_, list) = app
        .get(&op, "/api/v1/applications?kecamatan=31.72.02")
        .await;
    assert!(list["items"].as_array().unwrap().is_empty());
    let (st, err) = app
        .get(&op, "/api/v1/applications?kelurahan=31.72.01.9999")
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(err["code"], "bad_query");
}

async fn expect_rejected(app: &TestApp, token: &str, e: &Enrol, status: StatusCode, code: &str) {
    let before = app.footprint().await;
    let (st, body) = app.enroll(token, e).await;
    assert_eq!(st, status, "{code}: {body}");
    assert_eq!(body["code"], code, "{body}");
    assert!(!body["message"].as_str().unwrap().is_empty());
    assert_eq!(app.footprint().await, before, "{code} must write nothing");
}

#[tokio::test]
async fn bad_input_gets_a_clear_4xx_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let p = adult(201);
    let q = adult(202);
    let kid = minor(203);
    app.add_residents(&[p.clone(), q.clone(), kid.clone()])
        .await;
    let op = app.login("operator").await;

    let mut e = Enrol::new(&p, 10);
    e.nik = "31720155058".into();
    expect_rejected(&app, &op, &e, StatusCode::BAD_REQUEST, "invalid_nik").await;

    let mut e = Enrol::new(&p, 10);
    e.kelurahan = "31.72.01.1999".into();
    expect_rejected(
        &app,
        &op,
        &e,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown_kelurahan",
    )
    .await;

    let mut e = Enrol::new(&p, 10);
    e.nik = "3172015505859999".into();
    expect_rejected(
        &app,
        &op,
        &e,
        StatusCode::UNPROCESSABLE_ENTITY,
        "nik_not_registered",
    )
    .await;

    let e = Enrol::new(&kid, 11);
    expect_rejected(&app, &op, &e, StatusCode::UNPROCESSABLE_ENTITY, "under_age").await;

    // Truncated ISO template.
    let mut e = Enrol::new(&p, 10);
    let t = e.fingers[1].1.clone();
    e.fingers[1].1 = t[..t.len() - 3].to_vec();
    expect_rejected(
        &app,
        &op,
        &e,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_template",
    )
    .await;

    // Oversized ISO template.
    let mut e = Enrol::new(&p, 10);
    e.fingers[1].1 = vec![0u8; 5 * 1024];
    expect_rejected(&app, &op, &e, StatusCode::PAYLOAD_TOO_LARGE, "too_large").await;

    // Oversized photo (a PNG header followed by 600 KiB).
    let mut e = Enrol::new(&p, 10);
    let mut big = png();
    big.resize(600 * 1024, 0);
    e.foto = big;
    expect_rejected(&app, &op, &e, StatusCode::PAYLOAD_TOO_LARGE, "too_large").await;

    // Not an image.
    let mut e = Enrol::new(&p, 10);
    e.ttd = b"GIF89a....".to_vec();
    expect_rejected(
        &app,
        &op,
        &e,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_biometrics",
    )
    .await;

    // Missing left index finger (position 7) without an exception...
    let mut e = Enrol::new(&p, 10);
    e.fingers.retain(|(pos, _)| *pos != 7);
    expect_rejected(
        &app,
        &op,
        &e,
        StatusCode::UNPROCESSABLE_ENTITY,
        "index_finger_missing",
    )
    .await;
    // ...is fine with one.
    e.exceptions.push((7, "amputasi"));
    let (st, body) = app.enroll(&op, &e).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
}

#[tokio::test]
async fn duplicates_wrong_roles_and_bad_transitions_get_a_clear_4xx() {
    let app = TestApp::spawn().await;
    let p = adult(204);
    let q = adult(205);
    app.add_residents(&[p.clone(), q.clone()]).await;
    let op = app.login("operator").await;
    let (st, body) = app.enroll(&op, &Enrol::new(&p, 10)).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");

    // A second open application for the same NIK.
    let e = Enrol::new(&p, 10);
    expect_rejected(
        &app,
        &op,
        &e,
        StatusCode::CONFLICT,
        "open_application_exists",
    )
    .await;

    // Wrong role: a pencetak may not enroll.
    let cetak = app.login("pencetak").await;
    expect_rejected(
        &app,
        &cetak,
        &Enrol::new(&q, 12),
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;

    // No session / a made-up token.
    expect_rejected(
        &app,
        "",
        &Enrol::new(&q, 12),
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    expect_rejected(
        &app,
        "deadbeef",
        &Enrol::new(&q, 12),
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;

    // Wrong role on transitions too, and invalid transitions are 409.
    let (_, list) = app.get(&op, "/api/v1/applications").await;
    let nomor = list["items"][0]["nomor"].as_str().unwrap().to_string();
    let (st, body) = app
        .post(
            &op,
            &format!("/api/v1/applications/{nomor}/actions/cetak"),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{body}");
    let (st, body) = app
        .post(
            &cetak,
            &format!("/api/v1/applications/{nomor}/actions/cetak"),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "invalid_transition");
    let ver = app.login("verifikator").await;
    let (st, body) = app
        .post(
            &ver,
            &format!("/api/v1/applications/{nomor}/actions/tolak"),
            Some(serde_json::json!({})),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "{body}");

    // Wrong password.
    let r = app
        .http
        .post(app.url("/api/v1/login"))
        .json(&serde_json::json!({"username": "operator", "password": "salah-salah-salah"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn same_person_under_two_niks_is_flagged_ganda_and_adjudicated() {
    let app = TestApp::spawn().await;
    let a = adult(301);
    let b = adult(302);
    let c = adult(303);
    app.add_residents(&[a.clone(), b.clone(), c.clone()]).await;
    let op = app.login("operator").await;
    let ver = app.login("verifikator").await;

    let (_, first) = app.enroll(&op, &Enrol::new(&a, 42)).await;
    let first = first["nomor"].as_str().unwrap().to_string();
    let (_, body) = app
        .post(&ver, &format!("/api/v1/applications/{first}/check"), None)
        .await;
    assert_eq!(body["status"], "siap_cetak");

    // Same synthetic person (a different impression of the same fingers), other NIK.
    let mut e = Enrol::new(&b, 42);
    e.fingers = fingers(42, 1);
    let (_, second) = app.enroll(&op, &e).await;
    let second = second["nomor"].as_str().unwrap().to_string();
    let (_, body) = app
        .post(&ver, &format!("/api/v1/applications/{second}/check"), None)
        .await;
    assert_eq!(body["status"], "ganda", "{body}");
    let cand = &body["ketunggalan"]["kandidat"][0];
    assert_eq!(cand["permohonan"], first.as_str());
    assert_eq!(cand["nik"], a.nik.to_string());
    assert!(cand["jari_cocok"].as_u64().unwrap() >= 2, "{cand}");

    // A different person is not flagged.
    let (_, third) = app.enroll(&op, &Enrol::new(&c, 43)).await;
    let third = third["nomor"].as_str().unwrap().to_string();
    let (_, body) = app
        .post(&ver, &format!("/api/v1/applications/{third}/check"), None)
        .await;
    assert_eq!(body["status"], "siap_cetak", "{body}");

    // Adjudication: an operator may not, a verifikator may; rejection needs a reason.
    let (st, _) = app
        .post(
            &op,
            &format!("/api/v1/applications/{second}/actions/tolak"),
            Some(serde_json::json!({"alasan": "x"})),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, body) = app
        .post(
            &ver,
            &format!("/api/v1/applications/{second}/actions/tolak"),
            Some(serde_json::json!({"alasan": "Orang yang sama dengan NIK lain"})),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "ditolak");
}

#[tokio::test]
async fn officer_pages_login_list_enroll_and_detail() {
    let app = TestApp::spawn().await;
    let p = adult(401);
    app.add_residents(std::slice::from_ref(&p)).await;

    let home = app.http.get(app.url("/")).send().await.unwrap();
    assert_eq!(home.status(), StatusCode::OK);
    let html = home.text().await.unwrap();
    assert!(html.contains("Masuk Petugas"), "{html}");

    // Protected pages redirect to the login page.
    let r = app.http.get(app.url("/permohonan")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    let (pra, token) = app.pre_session("/masuk").await;
    let r = app
        .http
        .post(app.url("/masuk"))
        .header("cookie", &pra)
        .form(&[
            ("username", "operator"),
            ("password", "salah"),
            ("_csrf", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.text().await.unwrap().contains("kata sandi salah"));

    let r = app
        .http
        .post(app.url("/masuk"))
        .header("cookie", &pra)
        .form(&[
            ("username", "operator"),
            ("password", PASSWORD),
            ("_csrf", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
    let cookie = cookie.split(';').next().unwrap().to_string();

    let page = |path: &str| {
        let req = app.http.get(app.url(path)).header("cookie", cookie.clone());
        async move {
            let r = req.send().await.unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };
    let (st, html) = page("/permohonan").await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("Daftar Permohonan"));
    assert!(
        html.contains("Penjaringan"),
        "kecamatan filter lists the city's kecamatan"
    );

    // Enroll through the page form (multipart, cookie session, the form's token).
    let token = app.session_token("/permohonan/baru", &cookie).await;
    let r = app
        .http
        .post(app.url("/permohonan/baru"))
        .header("cookie", cookie.clone())
        .multipart(Enrol::new(&p, 5).form().text("_csrf", token))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    // The success view: the application's page with the notice.
    let detail = location
        .strip_suffix("?baru=1")
        .expect("redirected to the success view")
        .to_string();
    let (st, html) = page(&location).await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("Perekaman berhasil"), "{html}");
    assert!(html.contains("Riwayat") && html.contains("Perekaman biodata dan biometrik"));
    assert!(html.contains(" WIB"), "times are shown in WIB");
    assert!(html.contains("Jakarta, Rabu, 15 Mei 1985"), "{html}");

    // The face photo is served to officers only.
    let foto = format!("{detail}/gambar/foto");
    let r = app
        .http
        .get(app.url(&foto))
        .header("cookie", cookie.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(r.bytes().await.unwrap().to_vec(), png());
    let r = app.http.get(app.url(&foto)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    let (_, html) = page("/permohonan?status=direkam").await;
    assert!(html.contains(&p.nama));
    let (st, html) = page("/permohonan?nik=123").await;
    assert_eq!(
        st,
        StatusCode::BAD_REQUEST,
        "a bad filter is a 400, in Indonesian"
    );
    assert!(html.contains("Filter tidak valid"));
    let (st, html) = page("/penduduk?nik=3172015505859999").await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    assert!(html.contains("tidak terdaftar"));
}

#[tokio::test]
async fn openapi_document_describes_every_endpoint() {
    let app = TestApp::spawn().await;
    let r = app
        .http
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let doc: Value = r.json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    for path in [
        "/login",
        "/residents/{nik}",
        "/applications",
        "/applications/{nomor}",
        "/applications/{nomor}/check",
        "/applications/{nomor}/actions/{aksi}",
        "/applications/{nomor}/audit",
    ] {
        assert!(doc["paths"][path].is_object(), "missing {path}");
    }
    let r = app.http.get(app.url("/api/v1/nope")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["code"], "not_found");
}

#[tokio::test]
async fn resident_lookup_requires_a_session_and_valid_nik() {
    let app = TestApp::spawn().await;
    let p = adult(501);
    app.add_residents(std::slice::from_ref(&p)).await;
    let (st, _) = app.get("", &format!("/api/v1/residents/{}", p.nik)).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    let op = app.login("operator").await;
    let (st, body) = app.get(&op, &format!("/api/v1/residents/{}", p.nik)).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(body["nama"], p.nama.as_str());
    assert_eq!(body["kelurahan_nama"], "Pluit");
    let (st, body) = app.get(&op, "/api/v1/residents/12345").await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(body["code"], "invalid_nik");
}

#[tokio::test]
async fn idempotency_key_replays_the_first_enrollment() {
    let app = TestApp::spawn().await;
    let (p, q) = (adult(601), adult(602));
    app.add_residents(&[p.clone(), q.clone()]).await;
    let op = app.login("operator").await;
    let send = |e: Enrol, key: &'static str| {
        let req = app
            .http
            .post(app.url("/api/v1/applications"))
            .bearer_auth(&op)
            .header("Idempotency-Key", key)
            .multipart(e.form());
        async move {
            let r = req.send().await.unwrap();
            (r.status(), r.json::<Value>().await.unwrap())
        }
    };
    let (st, first) = send(Enrol::new(&p, 1), "kunci-1").await;
    assert_eq!(st, StatusCode::CREATED);
    let (st, again) = send(Enrol::new(&p, 1), "kunci-1").await;
    assert_eq!(
        st,
        StatusCode::OK,
        "a retry is answered with the first result"
    );
    assert_eq!(again["nomor"], first["nomor"]);
    let before = app.footprint().await;
    let (st, body) = send(Enrol::new(&q, 2), "kunci-1").await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert_eq!(body["code"], "idempotency_key_reused");
    assert_eq!(app.footprint().await, before);
}

#[tokio::test]
async fn repeated_wrong_passwords_lock_the_account_for_a_while() {
    let app = TestApp::spawn().await;
    let try_login = |pw: &'static str| {
        let req = app
            .http
            .post(app.url("/api/v1/login"))
            .json(&serde_json::json!({"username": "verifikator", "password": pw}));
        async move { req.send().await.unwrap().status() }
    };
    for _ in 0..5 {
        assert_eq!(
            try_login("salah-salah-salah").await,
            StatusCode::UNAUTHORIZED
        );
    }
    // Locked now, even with the right password.
    assert_eq!(try_login(PASSWORD).await, StatusCode::TOO_MANY_REQUESTS);
    // Other accounts are unaffected.
    app.login("operator").await;
    // Every response carries the security headers.
    let r = app.http.get(app.url("/masuk")).send().await.unwrap();
    assert_eq!(r.headers()["x-frame-options"], "DENY");
    assert!(r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("frame-ancestors 'none'"));
}

#[tokio::test]
async fn only_an_admin_creates_accounts() {
    let app = TestApp::spawn().await;
    let body = serde_json::json!({
        "username": "petugas.baru",
        "peran": "operator",
        "password": "kata-sandi-yang-panjang-1",
    });
    let before = app.footprint().await;
    for who in ["operator", "verifikator", "pencetak"] {
        let token = app.login(who).await;
        let (st, b) = app.post(&token, "/api/v1/users", Some(body.clone())).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{who}: {b}");
        assert_eq!(b["code"], "forbidden");
    }
    assert_eq!(app.footprint().await, before, "a refusal writes nothing");
    let admin = app.login("admin").await;
    let (st, b) = app.post(&admin, "/api/v1/users", Some(body)).await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    assert_eq!(b["peran"], "operator");
    let r = app
        .http
        .post(app.url("/api/v1/login"))
        .json(&serde_json::json!({"username": "petugas.baru", "password": "kata-sandi-yang-panjang-1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}
