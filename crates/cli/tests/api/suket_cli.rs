//! `sidik trust fetch` and `sidik verify` as a bank teller would use them: the trust
//! folder filled from a running office, then every verdict offline — valid (QR text and
//! a photo of the QR), expired, forged, unknown key, malformed, revoked after the card
//! is handed over — and `sidik plan print`.

use std::process::Command;

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

fn sidik(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_sidik"))
        .args(args)
        .output()
        .expect("run sidik");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

/// The standalone office's root: its own public key.
fn root_hex(app: &TestApp) -> String {
    let text = std::fs::read_to_string(app.data_dir().join("office.key")).unwrap();
    let keys = sidik_packet::OfficeKeys::from_text(&text).unwrap();
    hex::encode(keys.signing_key().verifying_key().to_bytes())
}

/// A PNG photo of a QR code holding `text` (4 px per module, quiet zone).
fn qr_png(text: &str) -> Vec<u8> {
    let code = qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::M).unwrap();
    let w = code.width();
    let scale = 4;
    let side = ((w + 8) * scale) as u32;
    let mut img = image::GrayImage::from_pixel(side, side, image::Luma([255]));
    for y in 0..w {
        for x in 0..w {
            if code[(x, y)] == qrcode::Color::Dark {
                for dy in 0..scale {
                    for dx in 0..scale {
                        let px = ((x + 4) * scale + dx) as u32;
                        let py = ((y + 4) * scale + dy) as u32;
                        img.put_pixel(px, py, image::Luma([0]));
                    }
                }
            }
        }
    }
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn verdict(out: &str) -> &str {
    out.lines()
        .find_map(|l| l.strip_prefix("verdict: "))
        .and_then(|v| v.split_whitespace().next())
        .unwrap_or("?")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_verdict_offline_from_a_fetched_trust_folder() {
    let app = TestApp::spawn().await;
    let p = adult(1);
    app.add_residents(std::slice::from_ref(&p)).await;
    let op = app.login("operator").await;
    let (st, body) = app.enroll(&op, &Enrol::new(&p, 1)).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    let nomor = body["nomor"].as_str().unwrap().to_string();
    let ver = app.login("verifikator").await;
    let (st, _) = app
        .post(&ver, &format!("/api/v1/applications/{nomor}/check"), None)
        .await;
    assert_eq!(st, StatusCode::OK);
    let (_, list) = app
        .get(&op, &format!("/api/v1/applications/{nomor}/suket"))
        .await;
    let qr = list["items"][0]["qr"].as_str().unwrap().to_string();

    let dir = tempfile::tempdir().unwrap();
    let trust = dir.path().join("trust");
    let trust_s = trust.to_str().unwrap();
    let root = root_hex(&app);
    let (code, out) = sidik(&[
        "trust", "fetch", "--from", &app.base, "--root", &root, "--out", trust_s,
    ]);
    assert_eq!(code, 0, "{out}");

    let (code, out) = sidik(&["verify", &qr, "--trust", trust_s]);
    assert_eq!((code, verdict(&out)), (0, "valid"), "{out}");
    assert!(out.contains(&p.nik.to_string()), "{out}");
    // A photo of the QR says the same.
    let png = dir.path().join("qr.png");
    std::fs::write(&png, qr_png(&qr)).unwrap();
    let (code, out) = sidik(&["verify", png.to_str().unwrap(), "--trust", trust_s]);
    assert_eq!((code, verdict(&out)), (0, "valid"), "{out}");
    // Seven months on, it has expired.
    let later = (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24 * 213)).to_string();
    let (code, out) = sidik(&["verify", &qr, "--trust", trust_s, "--now", &later]);
    assert_eq!((code, verdict(&out)), (3, "expired"), "{out}");
    // One byte of the signature changed.
    let (code, out) = sidik(&["verify", &tamper_qr(&qr), "--trust", trust_s]);
    assert_eq!((code, verdict(&out)), (3, "forged"), "{out}");
    // Signed by a key nobody certified.
    let stranger = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
    let claims = sidik_suket::SuketClaims {
        nomor_suket: format!("SKT-{nomor}-1"),
        nomor_registrasi: nomor.clone(),
        nik: p.nik.to_string(),
        nama: p.nama.clone(),
        tempat_lahir: String::new(),
        tanggal_lahir: p.tanggal_lahir,
        jenis_kelamin: sidik_suket::JenisKelaminClaim::Laki,
        alamat: "x".into(),
        kewarganegaraan: "IDN".into(),
        kantor: "317200".into(),
        diterbitkan: jiff::Timestamp::now().as_second(),
        berlaku_hingga: jiff::Timestamp::now().as_second() + 86_400,
    };
    let foreign = sidik_suket::encode(&claims, &stranger).unwrap();
    let (code, out) = sidik(&["verify", &foreign, "--trust", trust_s]);
    assert_eq!((code, verdict(&out)), (3, "unknown_key"), "{out}");
    let (code, out) = sidik(&["verify", "HELLO WORLD", "--trust", trust_s]);
    assert_eq!((code, verdict(&out)), (3, "malformed"), "{out}");

    // The card is printed and handed over: the office's own list revokes the Suket.
    let admin = app.login("admin").await;
    for aksi in ["cetak", "serahkan"] {
        let (st, b) = app
            .post(
                &admin,
                &format!("/api/v1/applications/{nomor}/actions/{aksi}"),
                Some(json!({})),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{aksi}: {b}");
    }
    // The old folder still says valid (offline, its list is older) ...
    let (_, out) = sidik(&["verify", &qr, "--trust", trust_s]);
    assert_eq!(verdict(&out), "valid", "{out}");
    // ... a fresh one says revoked, with the reason.
    let (code, out) = sidik(&[
        "trust", "fetch", "--from", &app.base, "--root", &root, "--out", trust_s,
    ]);
    assert_eq!(code, 0, "{out}");
    let (code, out) = sidik(&["verify", &qr, "--trust", trust_s, "--json"]);
    assert_eq!(code, 3, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["verdict"], "revoked", "{out}");
    assert_eq!(v["revocation_reason"], "diserahkan", "{out}");

    // A wrong root is refused outright.
    let (code, out) = sidik(&[
        "trust",
        "fetch",
        "--from",
        &app.base,
        "--root",
        &"11".repeat(32),
        "--out",
        trust_s,
    ]);
    assert_ne!(code, 0, "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_print_answers_cards_per_day_and_blanks_to_order() {
    let app = TestApp::spawn().await;
    let people: Vec<_> = (1..=3).map(adult).collect();
    app.add_residents(&people).await;
    let op = app.login("operator").await;
    let ver = app.login("verifikator").await;
    for (i, p) in people.iter().enumerate() {
        let (_, body) = app.enroll(&op, &Enrol::new(p, i as u64 * 7 + 10)).await;
        let nomor = body["nomor"].as_str().unwrap().to_string();
        app.post(&ver, &format!("/api/v1/applications/{nomor}/check"), None)
            .await;
    }
    let (_, status) = app.get(&op, "/api/v1/print/status").await;
    assert_eq!(status["antrean"], 3, "{status}");
    assert_eq!(status["suket"]["aktif"], 3, "{status}");
    let metrics = app
        .http
        .get(app.url("/metrics"))
        .bearer_auth(&op)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for line in [
        "sidik_print_queue 3",
        "sidik_suket{status=\"aktif\"} 3",
        "sidik_blanko{jenis=\"ada\"} 10000",
    ] {
        assert!(metrics.contains(line), "{line} in {metrics}");
    }
    let data = app.data_dir().to_str().unwrap().to_string();
    let by = (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24 * 30))
        .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::Offset::constant(7)))
        .date()
        .to_string();
    let (code, out) = sidik(&["plan", "print", "--clear-by", &by, "--data", &data]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("3 card(s) in the print queue"), "{out}");
    assert!(out.contains("card(s) per working day"), "{out}");
    let (code, out) = sidik(&["plan", "print", "--clear-by", "2000-01-01", "--data", &data]);
    assert_ne!(code, 0, "{out}");
    let (code, out) = sidik(&[
        "plan",
        "print",
        "--clear-by",
        &by,
        "--office",
        "999999",
        "--data",
        &data,
    ]);
    assert_ne!(code, 0, "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_public_verifier_and_trust_lists_take_hostile_input() {
    let app = TestApp::spawn().await;
    let post = |body: String, ct: &'static str| {
        let http = app.http.clone();
        let url = app.url("/api/v1/verify");
        async move {
            let r = http
                .post(url)
                .header("content-type", ct)
                .body(body)
                .send()
                .await
                .unwrap();
            let st = r.status();
            (st, r.json::<serde_json::Value>().await.unwrap_or_default())
        }
    };
    // Garbage is malformed, never a 500; a forged origin changes nothing (no cookie, no
    // write: the verifier only reads).
    let (st, v) = post(json!({"qr": "NOT*A*QR%%"}).to_string(), "application/json").await;
    assert_eq!(
        (st, v["verdict"].as_str()),
        (StatusCode::OK, Some("malformed")),
        "{v}"
    );
    let r = app
        .http
        .post(app.url("/api/v1/verify"))
        .header("origin", "https://evil.example")
        .json(&json!({"qr": "6BF"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // Oversized, not JSON, wrong type, a body far over the limit.
    let (st, v) = post(
        json!({"qr": "A".repeat(5000)}).to_string(),
        "application/json",
    )
    .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{v}");
    let (st, _) = post("{\"qr\": ".into(), "application/json").await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    let (st, _) = post(json!({"qr": 12}).to_string(), "application/json").await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    // The server answers 413 and closes the connection before reading the whole body:
    // sent on a client of its own, so that closed connection is never reused below.
    let lone = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let r = lone
        .post(app.url("/api/v1/verify"))
        .header("content-type", "application/json")
        .body("x".repeat(5 * 1024 * 1024))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // A flood from one address is cut off with 429 and Retry-After (bounded table).
    let mut limited = 0;
    for _ in 0..30 {
        let r = app
            .http
            .post(app.url("/api/v1/verify"))
            .json(&json!({"qr": "6BF"}))
            .send()
            .await
            .unwrap();
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            assert!(r.headers().contains_key("retry-after"));
            limited += 1;
        }
    }
    assert!(limited >= 15, "{limited} of 30 limited");
    // Trust lists: another office's list, an absurd office code, and no centre list on
    // a standalone office are plain 404s.
    for path in [
        "/api/v1/trust/revocations/999999".to_string(),
        format!("/api/v1/trust/revocations/{}", "9".repeat(5000)),
        "/api/v1/trust/revocations".to_string(),
    ] {
        let r = app.http.get(app.url(&path)).send().await.unwrap();
        assert!(
            matches!(r.status(), StatusCode::NOT_FOUND | StatusCode::URI_TOO_LONG),
            "{path}: {}",
            r.status()
        );
    }
    let r = app
        .http
        .get(app.url("/api/v1/trust/keys"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/cose");
    // Writes of the document desk need a login.
    for path in [
        "/api/v1/print/batches",
        "/api/v1/print/printers",
        "/api/v1/print/blanko/receive",
    ] {
        let r = app
            .http
            .post(app.url(path))
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{path}");
    }
}
