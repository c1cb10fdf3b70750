//! The document desk's pages: the receipt and Suket PDFs, the public Suket checker
//! (`/verifikasi`) before and after the card is handed over, the print desk and the
//! batch's card PDF at ID-1 size, priorities at enrollment, and hostile input on the
//! checker (no token, oversized text and image, not an image, garbage, a flood).

use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

/// `GET path` with the session cookie: (status, content type, body).
async fn fetch(app: &TestApp, cookie: &str, path: &str) -> (StatusCode, String, Vec<u8>) {
    let r = app
        .http
        .get(app.url(path))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    let st = r.status();
    let ct = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (st, ct, r.bytes().await.unwrap().to_vec())
}

/// Runs a poppler tool (`pdftotext`, `pdfinfo`) on a PDF; its standard output. `None`
/// (the checks are skipped, with a notice) where poppler-utils is not installed, unless
/// `SIDIK_REQUIRE_POPPLER` is set (CI installs it and sets it).
fn poppler(tool: &str, pdf: &[u8]) -> Option<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, pdf).unwrap();
    let mut cmd = std::process::Command::new(tool);
    cmd.arg(&path);
    if tool == "pdftotext" {
        cmd.arg("-");
    }
    let out = match cmd.output() {
        Ok(out) => out,
        Err(e) if std::env::var_os("SIDIK_REQUIRE_POPPLER").is_none() => {
            eprintln!("SKIPPED the {tool} checks: poppler-utils is not installed ({e})");
            return None;
        }
        Err(e) => panic!("{tool} is required (SIDIK_REQUIRE_POPPLER is set): {e}"),
    };
    assert!(out.status.success(), "{tool} failed: {out:?}");
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A PDF download of an officer: 200, `application/pdf`, `%PDF`.
async fn pdf(app: &TestApp, cookie: &str, path: &str) -> Vec<u8> {
    let (st, ct, body) = fetch(app, cookie, path).await;
    assert_eq!(
        st,
        StatusCode::OK,
        "{path}: {}",
        String::from_utf8_lossy(&body)
    );
    assert_eq!(ct, "application/pdf", "{path}");
    assert!(body.starts_with(b"%PDF"), "{path}");
    body
}

/// A check on `/verifikasi` (pre-session cookie and token, multipart): (status, HTML).
async fn verifikasi(app: &TestApp, form: Form, with_token: bool) -> (StatusCode, String) {
    let (pra, token) = app.pre_session("/verifikasi").await;
    let form = if with_token {
        form.text("_csrf", token)
    } else {
        form
    };
    let r = app
        .http
        .post(app.url("/verifikasi"))
        .header("cookie", pra)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let st = r.status();
    (st, r.text().await.unwrap())
}

async fn qr_verdict(app: &TestApp, qr: &str) -> String {
    let (st, html) = verifikasi(app, Form::new().text("teks", qr.to_string()), true).await;
    assert_eq!(st, StatusCode::OK, "{html}");
    html
}

#[tokio::test]
async fn receipt_suket_verification_print_and_handover() {
    let app = TestApp::spawn().await;
    let p = adult(1401);
    app.add_residents(std::slice::from_ref(&p)).await;
    let (op, ver, cetak, admin) = (
        app.login("operator").await,
        app.login("verifikator").await,
        app.login("pencetak").await,
        app.login("admin").await,
    );
    let (st, body) = app.enroll(&op, &Enrol::new(&p, 1401)).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    let nomor = body["nomor"].as_str().unwrap().to_string();
    let (st, body) = app
        .post(&ver, &format!("/api/v1/applications/{nomor}/check"), None)
        .await;
    assert_eq!(body["status"], "siap_cetak", "{st} {body}");
    let (_, sukets) = app
        .get(&op, &format!("/api/v1/applications/{nomor}/suket"))
        .await;
    let suket = &sukets["items"][0];
    assert_eq!(suket["status"], "aktif", "{sukets}");
    let qr = suket["qr"].as_str().unwrap().to_string();

    // The application page: the success notice, the Suket, the ETA.
    let cookie = app.web_login("operator").await;
    let (st, _, page) = fetch(&app, &cookie, &format!("/permohonan/{nomor}?baru=1")).await;
    let page = String::from_utf8(page).unwrap();
    assert_eq!(st, StatusCode::OK);
    for want in [
        "Perekaman berhasil",
        "Cetak tanda terima",
        "Cetak Suket (PDF)",
        "id=\"perkiraan\"",
        "Perkiraan kartu selesai",
        suket["nomor_suket"].as_str().unwrap(),
    ] {
        assert!(page.contains(want), "{want} missing");
    }

    // The receipt and the Suket.
    let nik = p.nik.to_string();
    let masked = format!("{}********{}", &nik[..4], &nik[12..]);
    let receipt = pdf(
        &app,
        &cookie,
        &format!("/permohonan/{nomor}/tanda-terima.pdf"),
    )
    .await;
    if let Some(text) = poppler("pdftotext", &receipt) {
        assert!(text.contains(&nomor), "{text}");
        assert!(text.contains(&masked), "{text}");
        assert!(
            !text.contains(&nik),
            "the receipt never shows the whole NIK"
        );
        assert!(text.contains("/status"), "{text}");
    }
    let surat = pdf(&app, &cookie, &format!("/permohonan/{nomor}/suket.pdf")).await;
    if let Some(text) = poppler("pdftotext", &surat) {
        assert!(text.contains(&nomor), "{text}");
    }
    let (st, _, _) = fetch(
        &app,
        &cookie,
        "/permohonan/317200999999999999999999999/suket.pdf",
    )
    .await;
    assert_eq!(st, StatusCode::NOT_FOUND);

    // The checker says valid.
    let html = qr_verdict(&app, &qr).await;
    assert!(html.contains(r#"data-verdict="valid""#), "{html}");
    assert!(html.contains(&p.nama), "the claims are shown");
    assert!(html.contains("menit yang lalu"), "{html}");

    // Print: a printer, blanks, a batch; the cards at ID-1 size and the sheet.
    let (st, printer) = app
        .post(
            &admin,
            "/api/v1/print/printers",
            Some(json!({"nama": "Mesin A", "kapasitas_harian": 100})),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{printer}");
    let (st, b) = app
        .post(
            &admin,
            "/api/v1/print/blanko/receive",
            Some(json!({"jumlah": 20})),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let (st, batch) = app
        .post(
            &cetak,
            "/api/v1/print/batches",
            Some(json!({"printer_id": printer["id"], "maks": 10})),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{batch}");
    let nb = batch["nomor_batch"].as_str().unwrap().to_string();
    let kartu = pdf(&app, &cookie, &format!("/cetak/batch/{nb}/kartu.pdf")).await;
    if let Some(info) = poppler("pdfinfo", &kartu) {
        let size: Vec<f64> = info
            .lines()
            .find_map(|l| l.strip_prefix("Page size:"))
            .unwrap()
            .split_whitespace()
            .filter_map(|w| w.parse().ok())
            .collect();
        assert!(
            (size[0] - 242.65).abs() < 0.01 && (size[1] - 153.01).abs() < 0.01,
            "ID-1 is 242.65 x 153.01 pts: {info}"
        );
    }
    pdf(&app, &cookie, &format!("/cetak/batch/{nb}/lembar.pdf")).await;
    let (st, _, desk) = fetch(&app, &cookie, "/cetak").await;
    let desk = String::from_utf8(desk).unwrap();
    assert_eq!(st, StatusCode::OK);
    assert!(desk.contains(&nb) && desk.contains("Seimbang") && desk.contains("Mesin A"));

    // Handed over: the same QR is now revoked, and the citizen is told.
    let (st, body) = app
        .post(
            &cetak,
            &format!("/api/v1/applications/{nomor}/actions/serahkan"),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let html = qr_verdict(&app, &qr).await;
    assert!(html.contains(r#"data-verdict="revoked""#), "{html}");
    assert!(html.contains("KTP-el sudah diserahkan"), "{html}");
    let (_, html) = app.status_lookup(&nomor, &nik).await;
    assert!(html.contains("Suket Anda tidak berlaku lagi"), "{html}");
}

#[tokio::test]
async fn priority_fields_at_enrollment_and_the_spoiled_print_returns_to_the_queue() {
    let app = TestApp::spawn().await;
    let (p, q) = (adult(1411), adult(1412));
    app.add_residents(&[p.clone(), q.clone()]).await;
    let op = app.login("operator").await;
    // JSON API: the three optional fields.
    let perlu = jiff::Zoned::now()
        .date()
        .saturating_add(jiff::ToSpan::days(10));
    let r = app
        .http
        .post(app.url("/api/v1/applications"))
        .bearer_auth(&op)
        .multipart(
            Enrol::new(&p, 1411)
                .form()
                .text("keperluan", "sim")
                .text("tanggal_perlu", perlu.to_string())
                .text("disabilitas", "true"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let nomor = r.json::<Value>().await.unwrap()["nomor"]
        .as_str()
        .unwrap()
        .to_string();
    let ver = app.login("verifikator").await;
    app.post(&ver, &format!("/api/v1/applications/{nomor}/check"), None)
        .await;
    let (_, queue) = app.get(&op, "/api/v1/print/queue").await;
    assert_eq!(queue["items"][0]["keperluan"], "sim", "{queue}");
    assert_eq!(queue["items"][0]["disabilitas"], true, "{queue}");

    // The page form: a success redirect with the notice.
    let cookie = app.web_login("operator").await;
    let token = app.session_token("/permohonan/baru", &cookie).await;
    let r = app
        .http
        .post(app.url("/permohonan/baru"))
        .header("cookie", &cookie)
        .multipart(
            Enrol::new(&q, 1412)
                .form()
                .text("keperluan", "")
                .text("tanggal_perlu", "")
                .text("disabilitas", "1")
                .text("_csrf", token),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert!(to.ends_with("?baru=1"), "{to}");
    let (_, _, page) = fetch(&app, &cookie, &to).await;
    let page = String::from_utf8(page).unwrap();
    assert!(page.contains("Perekaman berhasil") && page.contains("Penyandang disabilitas"));

    // The print desk: print, then book the card spoiled; it is queued again.
    let admin = app.web_login("admin").await;
    let token = app.session_token("/cetak", &admin).await;
    let post = |path: String, form: Vec<(&'static str, String)>| {
        let (admin, token) = (admin.clone(), token.clone());
        let app = &app;
        async move {
            let mut form = form;
            form.push(("_csrf", token));
            let r = app
                .http
                .post(app.url(&path))
                .header("cookie", admin)
                .form(&form)
                .send()
                .await
                .unwrap();
            (
                r.status(),
                r.headers()
                    .get("location")
                    .map(|l| l.to_str().unwrap().to_string()),
            )
        }
    };
    let (st, _) = post(
        "/cetak/printer".into(),
        vec![
            ("nama", "Mesin B".into()),
            ("kapasitas", "50".into()),
            ("aktif", "1".into()),
        ],
    )
    .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let (st, _) = post(
        "/cetak/blanko/terima".into(),
        vec![("jumlah", "5".into()), ("kiriman", String::new())],
    )
    .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let (_, status) = app.get(&op, "/api/v1/print/status").await;
    let pid = status["printers"][0]["id"].to_string();
    let (st, to) = post(
        "/cetak/batch".into(),
        vec![("printer_id", pid), ("maks", "1".into())],
    )
    .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let nb = to.unwrap().split("batch=").nth(1).unwrap().to_string();
    let (st, _) = post(
        format!("/cetak/batch/{nb}/rusak"),
        vec![("nomor", nomor.clone()), ("alasan", "Tinta luntur".into())],
    )
    .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let (_, queue) = app.get(&op, "/api/v1/print/queue").await;
    assert_eq!(queue["items"][0]["nomor"], nomor.as_str(), "{queue}");
    let (_, _, desk) = fetch(&app, &admin, "/cetak").await;
    let desk = String::from_utf8(desk).unwrap();
    assert!(
        desk.contains("Mendesak: SIM") && desk.contains("Seimbang"),
        "{desk}"
    );
}

#[tokio::test]
async fn the_checker_refuses_hostile_input_without_a_500() {
    let app = TestApp::spawn().await;
    // No token: 403.
    let (st, _) = verifikasi(&app, Form::new().text("teks", "HC1:ABC"), false).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    // Text over 4096 characters: refused.
    let (st, html) = verifikasi(&app, Form::new().text("teks", "A".repeat(5000)), true).await;
    assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(html.contains("Teks QR terlalu panjang"), "{html}");
    // An image over 4 MiB: 413 in Indonesian.
    let big = Part::bytes(vec![0u8; 5 * 1024 * 1024]).file_name("qr.png");
    let (st, html) = verifikasi(&app, Form::new().part("foto", big), true).await;
    assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(html.contains("Foto QR terlalu besar"), "{html}");
    // Not an image: unreadable.
    let junk = Part::bytes(b"this is not an image at all".to_vec()).file_name("qr.png");
    let (st, html) = verifikasi(&app, Form::new().part("foto", junk), true).await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains(r#"data-verdict="malformed""#) && html.contains("Tidak terbaca"));
    // Garbage text: malformed.
    let html = qr_verdict(&app, "HC1:!!!bukan-suket!!!").await;
    assert!(html.contains(r#"data-verdict="malformed""#), "{html}");
    // A flood from one client: 429 with Retry-After, in Indonesian.
    let (pra, token) = app.pre_session("/verifikasi").await;
    let mut limited = 0;
    for _ in 0..30 {
        let r = app
            .http
            .post(app.url("/verifikasi"))
            .header("cookie", &pra)
            .multipart(Form::new().text("teks", "XYZ").text("_csrf", token.clone()))
            .send()
            .await
            .unwrap();
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            assert!(r.headers().get("retry-after").is_some());
            assert!(r
                .text()
                .await
                .unwrap()
                .contains("Terlalu banyak pemeriksaan"));
            limited += 1;
        } else {
            assert_eq!(r.status(), StatusCode::OK);
        }
    }
    assert!(limited >= 15, "{limited} of 30 limited");
}

#[tokio::test]
async fn the_centre_serves_the_checker_too() {
    let (app, _, _) = TestApp::spawn_centre().await;
    let (pra, token) = app.pre_session("/verifikasi").await;
    assert!(!pra.is_empty() && !token.is_empty());
    let (st, html) = verifikasi(&app, Form::new().text("teks", "bukan QR"), true).await;
    // Verified against the centre's own lists, or an honest 503 before it has any.
    assert!(
        st == StatusCode::OK && html.contains(r#"data-verdict="malformed""#)
            || st == StatusCode::SERVICE_UNAVAILABLE,
        "{st} {html}"
    );
}

/// A clock the test moves.
struct Jam(std::sync::Mutex<jiff::Timestamp>);

impl sidik_ports::Clock for Jam {
    fn now(&self) -> jiff::Timestamp {
        *self.0.lock().unwrap()
    }
}

#[tokio::test]
async fn the_checker_page_names_every_verdict() {
    let jam = std::sync::Arc::new(Jam(std::sync::Mutex::new(jiff::Timestamp::now())));
    let app = TestApp::spawn_with_clock(jam.clone()).await;
    let p = adult(1501);
    app.add_residents(std::slice::from_ref(&p)).await;
    let op = app.login("operator").await;
    let (_, body) = app.enroll(&op, &Enrol::new(&p, 1501)).await;
    let nomor = body["nomor"].as_str().unwrap().to_string();
    app.post(&op, &format!("/api/v1/applications/{nomor}/check"), None)
        .await;
    let (_, sukets) = app
        .get(&op, &format!("/api/v1/applications/{nomor}/suket"))
        .await;
    let qr = sukets["items"][0]["qr"].as_str().unwrap().to_string();
    let verdict = |html: &str| {
        html.split("data-verdict=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .unwrap_or("?")
            .to_string()
    };
    assert_eq!(verdict(&qr_verdict(&app, &qr).await), "valid");
    // One byte of the signature changed: forged.
    let forged = tamper_qr(&qr);
    let html = qr_verdict(&app, &forged).await;
    assert_eq!(verdict(&html), "forged", "{html}");
    assert!(html.contains("Palsu"), "{html}");
    // Signed by a key this office never certified: unknown key.
    let stranger = ed25519_dalek::SigningKey::from_bytes(&[9u8; 32]);
    let claims = sidik_suket::SuketClaims {
        nomor_suket: format!("SKT-{nomor}-1"),
        nomor_registrasi: nomor.clone(),
        nik: p.nik.to_string(),
        nama: p.nama.clone(),
        tempat_lahir: String::new(),
        tanggal_lahir: p.tanggal_lahir,
        jenis_kelamin: sidik_suket::JenisKelaminClaim::Perempuan,
        alamat: "x".into(),
        kewarganegaraan: "IDN".into(),
        kantor: "317200".into(),
        diterbitkan: jiff::Timestamp::now().as_second(),
        berlaku_hingga: jiff::Timestamp::now().as_second() + 86_400,
    };
    let html = qr_verdict(&app, &sidik_suket::encode(&claims, &stranger).unwrap()).await;
    assert_eq!(verdict(&html), "unknown_key", "{html}");
    let html = qr_verdict(&app, "BUKAN QR").await;
    assert_eq!(verdict(&html), "malformed", "{html}");
    // Seven months later the office's own Suket has expired (not yet renewed).
    *jam.0.lock().unwrap() = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24 * 213);
    let html = qr_verdict(&app, &qr).await;
    assert_eq!(verdict(&html), "expired", "{html}");
    assert!(html.contains("Kedaluwarsa"), "{html}");
    // Revoked by a verifikator: revoked, with the reason in Indonesian.
    let ver = app.login("verifikator").await;
    let (st, b) = app
        .post(
            &ver,
            &format!("/api/v1/suket/SKT-{nomor}-1/revoke"),
            Some(json!({"alasan": "Foto tertukar"})),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let html = qr_verdict(&app, &qr).await;
    assert_eq!(verdict(&html), "revoked", "{html}");
    assert!(html.contains("Dicabut oleh petugas"), "{html}");
}

/// Suket QRs issued by a real office node, for the interoperability check with the
/// PyPI `claim169` package (`.ci/claim169_interop.py`): a valid one, one with a byte of
/// the signature changed, one issued eight months ago (expired). With
/// `SIDIK_INTEROP_DIR` set (CI) the files are written there; the test checks the same
/// verdicts through the node's own verifier either way.
#[tokio::test]
async fn node_issued_sukets_for_the_claim169_interop_check() {
    let then = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24 * 240);
    let jam = std::sync::Arc::new(Jam(std::sync::Mutex::new(jiff::Timestamp::now())));
    let app = TestApp::spawn_with_clock(jam.clone()).await;
    let (old, p) = (adult(1601), adult(1602));
    app.add_residents(&[old.clone(), p.clone()]).await;
    let op = app.login("operator").await;
    // Eight months ago: the first applicant's Suket.
    *jam.0.lock().unwrap() = then;
    let issue = |who: &sidik_domain::Penduduk, seed: u64| {
        let (app, op, who) = (&app, op.clone(), who.clone());
        async move {
            let (st, body) = app.enroll(&op, &Enrol::new(&who, seed)).await;
            let nomor = body["nomor"]
                .as_str()
                .unwrap_or_else(|| panic!("{st} {body}"))
                .to_string();
            app.post(&op, &format!("/api/v1/applications/{nomor}/check"), None)
                .await;
            let (_, l) = app
                .get(&op, &format!("/api/v1/applications/{nomor}/suket"))
                .await;
            l["items"][0].clone()
        }
    };
    let expired = issue(&old, 1601).await;
    *jam.0.lock().unwrap() = jiff::Timestamp::now();
    let valid = issue(&p, 1602).await;
    let qr = valid["qr"].as_str().unwrap().to_string();
    let tampered = tamper_qr(&qr);
    let verdict = |html: String| {
        html.split("data-verdict=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .unwrap_or("?")
            .to_string()
    };
    assert_eq!(verdict(qr_verdict(&app, &qr).await), "valid");
    assert_eq!(verdict(qr_verdict(&app, &tampered).await), "forged");
    let expired_qr = expired["qr"].as_str().unwrap();
    assert_eq!(verdict(qr_verdict(&app, expired_qr).await), "expired");
    let Some(dir) = std::env::var_os("SIDIK_INTEROP_DIR") else {
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    std::fs::create_dir_all(&dir).unwrap();
    let key = std::fs::read_to_string(app.data_dir().join("office.key")).unwrap();
    let public = sidik_packet::OfficeKeys::from_text(&key)
        .unwrap()
        .signing_key()
        .verifying_key();
    let secs = |v: &Value| {
        v.as_str()
            .unwrap()
            .parse::<jiff::Timestamp>()
            .unwrap()
            .as_second()
    };
    let expected = json!({
        "nik": p.nik.to_string(),
        "nama": p.nama,
        "exp": secs(&valid["berlaku_hingga"]),
        "iat": secs(&valid["diterbitkan"]),
        "iss": "sidik:kantor:317200",
        "sub": valid["nomor_suket"],
        "date_of_birth": p.tanggal_lahir.strftime("%Y%m%d").to_string(),
        "gender": if p.jenis_kelamin == sidik_domain::JenisKelamin::Perempuan { 2 } else { 1 },
        "kid": hex::encode(sidik_suket::key_id(&public)),
        "expired_exp": secs(&expired["berlaku_hingga"]),
    });
    std::fs::write(dir.join("valid.txt"), &qr).unwrap();
    std::fs::write(dir.join("tampered.txt"), &tampered).unwrap();
    std::fs::write(dir.join("expired.txt"), expired_qr).unwrap();
    std::fs::write(dir.join("public_key.hex"), hex::encode(public.as_bytes())).unwrap();
    std::fs::write(dir.join("expected.json"), expected.to_string()).unwrap();
}
