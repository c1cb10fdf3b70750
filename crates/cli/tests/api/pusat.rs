//! The centre's page: `ganda` cases with their finding, and adjudication from a form.

use reqwest::StatusCode;
use sidik_domain::biometrik::{Biometrik, PosisiJari};
use sidik_domain::{KodeKantor, NomorRegistrasi, Penduduk};
use sidik_packet::{OfficeKeys, Packet, PacketBody};
use sidik_sync::Receipt;

use crate::helpers::*;

/// Seals and delivers one enrollment of `who` with synthetic person `person`'s fingers
/// (person, impression).
async fn deliver(
    centre: &sidik_sync::Centre,
    sealing: &sidik_packet::CentreKeys,
    kode: &KodeKantor,
    keys: &OfficeKeys,
    seq: u64,
    who: &Penduduk,
    (person, impression): (u64, u32),
) -> String {
    let jari = fingers(person, impression)
        .into_iter()
        .map(|(p, t)| (PosisiJari::new(p).unwrap(), t))
        .collect();
    let bio = Biometrik::new(
        jari,
        vec![],
        Some(b"\xFF\xD8\xFF\xE0\0\x10JFIF\0".to_vec()),
        Some(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec()),
        |_| Ok(()),
    )
    .unwrap();
    let now = jiff::Timestamp::now();
    let nomor = NomorRegistrasi::mint(kode, seq, now);
    let body = PacketBody::new(
        kode,
        "operator",
        seq,
        now.as_nanosecond() as i64,
        &nomor,
        who,
        &bio,
    );
    let packet = Packet::seal(
        &body,
        keys,
        &sealing.public().sealing,
        &mut sidik_packet::rand_core::OsRng,
    )
    .unwrap();
    assert_eq!(
        centre
            .receive(packet.packet_id(), &packet.to_bytes())
            .await
            .unwrap(),
        Receipt::Accepted
    );
    nomor.to_string()
}

/// A centre with two registered offices and one person enrolled under two NIKs, one
/// at each; both decided. Returns (the centre, first nomor, second nomor, the two
/// residents).
async fn one_person_two_niks(
    centre: &sidik_sync::Centre,
    centre_keys: &sidik_packet::CentreKeys,
) -> (
    String,
    String,
    sidik_domain::Penduduk,
    sidik_domain::Penduduk,
) {
    let (a, b) = (
        KodeKantor::parse("317201").unwrap(),
        KodeKantor::parse("317202").unwrap(),
    );
    let (ka, kb) = (
        OfficeKeys::generate(&mut sidik_packet::rand_core::OsRng),
        OfficeKeys::generate(&mut sidik_packet::rand_core::OsRng),
    );
    for (k, keys) in [(&a, &ka), (&b, &kb)] {
        centre
            .register_office(
                sidik_sync::centre::Actor::Console,
                k,
                k.as_str(),
                &keys.public_key(),
            )
            .await
            .unwrap();
    }
    // One person enrolls under two NIKs at two offices.
    let (p, q) = (adult(501), adult(502));
    let first = deliver(centre, centre_keys, &a, &ka, 1, &p, (77, 0)).await;
    let second = deliver(centre, centre_keys, &b, &kb, 1, &q, (77, 1)).await;
    assert_eq!(centre.decide_pending(128).await.unwrap(), 2);

    (first, second, p, q)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn centre_page_shows_ganda_findings_and_refuses_bad_adjudications() {
    let (app, centre, centre_keys) = TestApp::spawn_centre().await;
    let (first, second, p, q) = one_person_two_niks(&centre, &centre_keys).await;
    let verifikator = app.web_login("verifikator").await;
    let get = |cookie: &str| {
        let req = app.http.get(app.url("/pusat")).header("cookie", cookie);
        async move {
            let r = req.send().await.unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };
    let (st, html) = get(&verifikator).await;
    assert_eq!(st, StatusCode::OK);
    // Both cases are listed, each naming the other NIK as candidate.
    for (nomor, other) in [(&first, &q), (&second, &p)] {
        assert!(html.contains(nomor.as_str()), "{html}");
        assert!(
            html.contains(&format!("NIK {}", other.nik)),
            "{nomor} names {}: {html}",
            other.nik
        );
    }
    assert!(html.contains("/pusat/permohonan/"), "the form is there");

    let app_ = &app;
    let post = |cookie: &str, nomor: &str, form: &[(&str, &str)]| {
        let cookie = cookie.to_string();
        let url = app_.url(&format!("/pusat/permohonan/{nomor}/adjudikasi"));
        let mut form: Vec<(String, String)> = form
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        async move {
            // The form's token, as the page gives it to this session.
            form.push(("_csrf".into(), app_.session_token("/pusat", &cookie).await));
            let req = app_.http.post(url).header("cookie", cookie).form(&form);
            let r = req.send().await.unwrap();
            let loc = r
                .headers()
                .get("location")
                .map(|v| v.to_str().unwrap().to_string());
            (r.status(), loc, r.text().await.unwrap())
        }
    };
    // Without a reason: refused in Indonesian, nothing published.
    let before = centre.store.decisions_for(&second).await.unwrap().len();
    let (st, _, html) = post(
        &verifikator,
        &second,
        &[("hasil", "tolak"), ("alasan", " ")],
    )
    .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(html.contains("wajib diisi"), "{html}");
    assert_eq!(
        centre.store.decisions_for(&second).await.unwrap().len(),
        before
    );
    // A reason over 500 characters: refused, nothing published.
    let long = "x".repeat(501);
    let (st, _, html) = post(
        &verifikator,
        &second,
        &[("hasil", "tolak"), ("alasan", &long)],
    )
    .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(html.contains("Alasan adjudikasi tidak sah"), "{html}");
    // Without the form's token (another site's form): 403, nothing published.
    let r = app
        .http
        .post(app.url(&format!("/pusat/permohonan/{second}/adjudikasi")))
        .header("cookie", &verifikator)
        .header("origin", "http://attacker.example")
        .form(&[("hasil", "tunggal"), ("alasan", "palsu")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("Formulir ditolak"));
    assert_eq!(
        centre.store.decisions_for(&second).await.unwrap().len(),
        before
    );
    // An operator may not adjudicate.
    let operator = app.web_login("operator").await;
    let (st, _, html) = post(
        &operator,
        &second,
        &[("hasil", "tolak"), ("alasan", "sidik jari sama")],
    )
    .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    assert!(html.contains("tidak berwenang"), "{html}");
    // Without a session: to the login page.
    let r = app
        .http
        .post(app.url(&format!("/pusat/permohonan/{second}/adjudikasi")))
        .form(&[("hasil", "tolak"), ("alasan", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        centre.store.decisions_for(&second).await.unwrap().len(),
        before
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn centre_adjudicates_from_a_form_once() {
    let (app, centre, centre_keys) = TestApp::spawn_centre().await;
    let (first, second, _, _) = one_person_two_niks(&centre, &centre_keys).await;
    let verifikator = app.web_login("verifikator").await;
    let get = |cookie: &str| {
        let req = app.http.get(app.url("/pusat")).header("cookie", cookie);
        async move {
            let r = req.send().await.unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };
    let app_ = &app;
    let post = |cookie: &str, nomor: &str, form: &[(&str, &str)]| {
        let cookie = cookie.to_string();
        let url = app_.url(&format!("/pusat/permohonan/{nomor}/adjudikasi"));
        let mut form: Vec<(String, String)> = form
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        async move {
            // The form's token, as the page gives it to this session.
            form.push(("_csrf".into(), app_.session_token("/pusat", &cookie).await));
            let req = app_.http.post(url).header("cookie", cookie).form(&form);
            let r = req.send().await.unwrap();
            let loc = r
                .headers()
                .get("location")
                .map(|v| v.to_str().unwrap().to_string());
            (r.status(), loc, r.text().await.unwrap())
        }
    };
    // The verifikator rejects the later enrollment and lets the first one go on.
    let (st, loc, _) = post(
        &verifikator,
        &second,
        &[
            ("hasil", "tolak"),
            ("alasan", "Orang yang sama dengan NIK pertama"),
        ],
    )
    .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    assert_eq!(
        loc.as_deref(),
        Some(format!("/pusat?selesai={second}").as_str())
    );
    let (st, _, _) = post(
        &verifikator,
        &first,
        &[("hasil", "tunggal"), ("alasan", "Perekaman pertama, sah")],
    )
    .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let last = |nomor: String| {
        let store = centre.store.clone();
        async move {
            store
                .decisions_for(&nomor)
                .await
                .unwrap()
                .last()
                .unwrap()
                .hasil
        }
    };
    assert_eq!(last(second.clone()).await, sidik_domain::Hasil::Ditolak);
    assert_eq!(
        last(first.clone()).await,
        sidik_domain::Hasil::AdjudikasiTunggal
    );
    // Adjudicated twice: refused, nothing new.
    let (st, _, html) = post(
        &verifikator,
        &second,
        &[("hasil", "tunggal"), ("alasan", "berubah pikiran")],
    )
    .await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert!(html.contains("bukan kasus ganda"), "{html}");
    let (_, html) = get(&verifikator).await;
    assert!(html.contains("Tidak ada kasus ganda"), "{html}");
    let page = app
        .http
        .get(app.url(&format!("/pusat?selesai={second}")))
        .header("cookie", &verifikator)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("tercatat"), "{page}");
}

#[tokio::test]
async fn centre_api_checks_roles_in_the_use_case_and_redirects_the_old_paths() {
    let (app, centre, centre_keys) = TestApp::spawn_centre().await;
    let (first, _, _, _) = one_person_two_niks(&centre, &centre_keys).await;
    let (op, ver, admin) = (
        app.login("operator").await,
        app.login("verifikator").await,
        app.login("admin").await,
    );
    for (token, path, want) in [
        (&op, "/api/v1/centre/quarantine", StatusCode::FORBIDDEN),
        (&ver, "/api/v1/centre/quarantine", StatusCode::FORBIDDEN),
        (&admin, "/api/v1/centre/quarantine", StatusCode::OK),
        (&op, "/api/v1/centre/duplicates", StatusCode::FORBIDDEN),
        (&ver, "/api/v1/centre/duplicates", StatusCode::OK),
        (&ver, "/api/v1/centre/offices", StatusCode::FORBIDDEN),
        (&admin, "/api/v1/centre/offices", StatusCode::OK),
        (&op, "/api/v1/centre/status", StatusCode::OK),
        (
            &String::new(),
            "/api/v1/centre/status",
            StatusCode::UNAUTHORIZED,
        ),
    ] {
        let (st, body) = app.get(token, path).await;
        assert_eq!(st, want, "{path}: {body}");
    }
    // An operator may not adjudicate; nothing is published.
    let path = format!("/api/v1/centre/applications/{first}/adjudication");
    let before = centre.store.decisions_for(&first).await.unwrap().len();
    let body = serde_json::json!({"result": "tolak", "reason": "sidik jari sama"});
    let (st, body_) = app.post(&op, &path, Some(body.clone())).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{body_}");
    assert_eq!(body_["code"], "forbidden");
    // Nor register an office key.
    let key = OfficeKeys::generate(&mut sidik_packet::rand_core::OsRng).public_key();
    let (st, _) = app
        .post(
            &ver,
            "/api/v1/centre/offices",
            Some(serde_json::json!({"office": "317203", "public_key": key.to_string()})),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    assert_eq!(centre.store.offices().await.unwrap().len(), 2);
    assert_eq!(
        centre.store.decisions_for(&first).await.unwrap().len(),
        before
    );

    // The former Indonesian JSON paths answer 308 to their new names.
    for (old, new) in [
        (
            "/api/v1/pusat/karantina",
            "/api/v1/centre/quarantine".to_string(),
        ),
        (
            "/api/v1/pusat/ganda",
            "/api/v1/centre/duplicates".to_string(),
        ),
        ("/api/v1/pusat/kantor", "/api/v1/centre/offices".to_string()),
        ("/api/v1/pusat/status", "/api/v1/centre/status".to_string()),
    ] {
        let r = app.http.get(app.url(old)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::PERMANENT_REDIRECT, "{old}");
        assert_eq!(r.headers()["location"], new.as_str());
    }
    let old = format!("/api/v1/pusat/permohonan/{first}/adjudikasi");
    let r = app
        .http
        .post(app.url(&old))
        .bearer_auth(&ver)
        .json(&serde_json::json!({"hasil": "tunggal", "alasan": "beda orang"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(r.headers()["location"], path.as_str());
    let r = app
        .http
        .get(app.url("/api/v1/pusat/../../etc/passwd"))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());
    // Followed, the redirect adjudicates with the former field names.
    let follow = reqwest::Client::new();
    let r = follow
        .post(app.url(&old))
        .bearer_auth(&ver)
        .json(&serde_json::json!({"hasil": "tunggal", "alasan": "beda orang"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
}
