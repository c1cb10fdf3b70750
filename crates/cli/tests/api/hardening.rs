//! Issue 13's findings 5, 6 and 8, as an attacker (or a curious officer) would try
//! them against a real server: hostile dates and pages, who reads what of a resident,
//! idempotency keys across accounts, role-denied form posts, huge bodies, weak
//! passwords. Each of these failed on the code before the fix.

use reqwest::StatusCode;
use serde_json::Value;
use sidik_store::Store;

use crate::helpers::*;

#[tokio::test]
async fn hostile_dates_and_pages_get_a_400_and_the_worker_lives() {
    let app = TestApp::spawn().await;
    let op = app.login("operator").await;
    for q in [
        "sampai=9999-12-31",
        "dari=2263-01-01",
        "dari=-0001-01-01",
        "sampai=2015-02-30",
        "halaman=85899347",
        "limit=4294967296",
        "offset=-1",
    ] {
        let (st, body) = app.get(&op, &format!("/api/v1/applications?{q}")).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{q}: {body}");
        assert_eq!(body["code"], "bad_query", "{q}: {body}");
    }
    // The officers' page says so in Indonesian, with a 400.
    let cookie = app.web_login("operator").await;
    for q in ["sampai=9999-12-31", "halaman=85899347"] {
        let r = app
            .http
            .get(app.url(&format!("/permohonan?{q}")))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{q}");
        assert!(
            r.text().await.unwrap().contains("Filter tidak valid"),
            "{q}"
        );
    }
    // Nothing panicked: the same worker pool still answers.
    let (st, _) = app.get(&op, "/api/v1/applications?sampai=2200-12-31").await;
    assert_eq!(st, StatusCode::OK);
}

#[tokio::test]
async fn the_printer_sees_what_goes_on_the_card_and_every_read_is_audited() {
    let app = TestApp::spawn().await;
    let p = adult(601);
    app.add_residents(std::slice::from_ref(&p)).await;
    let path = format!("/api/v1/residents/{}", p.nik);
    let reads = || async {
        app.store
            .audit_of_subject(p.nik.as_str())
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.aksi == "penduduk.baca")
            .collect::<Vec<_>>()
    };
    let cetak = app.login("pencetak").await;
    let (st, r) = app.get(&cetak, &path).await;
    assert_eq!(st, StatusCode::OK, "{r}");
    assert_eq!(r["nama"], p.nama.as_str());
    for hidden in ["nomor_kk", "nama_ibu_kandung", "hubungan"] {
        assert!(r.get(hidden).is_none(), "{hidden} shown to pencetak: {r}");
    }
    assert!(!r.to_string().contains(&p.nama_ibu_kandung));
    let op = app.login("operator").await;
    let (_, r) = app.get(&op, &path).await;
    assert_eq!(r["nomor_kk"], p.nomor_kk.to_string());
    assert_eq!(r["nama_ibu_kandung"], p.nama_ibu_kandung.as_str());
    // Two reads, two audit entries naming the reader.
    let audit = reads().await;
    assert_eq!(audit.len(), 2, "{audit:?}");
    assert_eq!(audit[0].aktor, "user:pencetak");
    assert!(audit[0].detail.contains("biodata kartu"), "{:?}", audit[0]);
    assert_eq!(audit[1].aktor, "user:operator");
    // The page shows the printer no family data either, and is audited too.
    let cookie = app.web_login("pencetak").await;
    let html = app
        .http
        .get(app.url(&format!("/penduduk?nik={}", p.nik)))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(&p.nama), "{html}");
    assert!(!html.contains(&p.nama_ibu_kandung) && !html.contains("No. KK"));
    assert_eq!(reads().await.len(), 3);
}

#[tokio::test]
async fn biometric_images_are_read_on_the_record() {
    let app = TestApp::spawn().await;
    let p = adult(611);
    app.add_residents(std::slice::from_ref(&p)).await;
    let op = app.login("operator").await;
    let (_, a) = app.enroll(&op, &Enrol::new(&p, 61)).await;
    let nomor = a["nomor"].as_str().unwrap().to_string();
    let cookie = app.web_login("pencetak").await;
    let r = app
        .http
        .get(app.url(&format!("/permohonan/{nomor}/gambar/foto")))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let audit = app.store.audit_of_subject(&nomor).await.unwrap();
    let read = audit
        .iter()
        .find(|e| e.aksi == "biometrik.baca")
        .expect("the read is audited");
    assert_eq!(read.aktor, "user:pencetak");
    assert_eq!(read.detail, "foto");
}

#[tokio::test]
async fn idempotency_keys_belong_to_the_account_that_sent_them() {
    let app = TestApp::spawn().await;
    let (p, q) = (adult(621), adult(622));
    app.add_residents(&[p.clone(), q.clone()]).await;
    let (op, admin) = (app.login("operator").await, app.login("admin").await);
    let send = |token: String, e: Enrol| {
        let req = app
            .http
            .post(app.url("/api/v1/applications"))
            .bearer_auth(token)
            .header("idempotency-key", "kunci-1")
            .multipart(e.form());
        async move {
            let r = req.send().await.unwrap();
            (r.status(), r.json::<Value>().await.unwrap())
        }
    };
    let (st, first) = send(op.clone(), Enrol::new(&p, 62)).await;
    assert_eq!(st, StatusCode::CREATED, "{first}");
    // Another officer's same key is another request, not a conflict or a replay.
    let (st, other) = send(admin.clone(), Enrol::new(&q, 63)).await;
    assert_eq!(st, StatusCode::CREATED, "{other}");
    assert_ne!(other["nomor"], first["nomor"]);
    // The owner's retry is a replay.
    let (st, again) = send(op, Enrol::new(&p, 62)).await;
    assert_eq!(st, StatusCode::OK, "{again}");
    assert_eq!(again["nomor"], first["nomor"]);
    // A hostile key is refused and writes nothing.
    let before = app.footprint().await;
    let r = app
        .http
        .post(app.url("/api/v1/applications"))
        .bearer_auth(&admin)
        .header("idempotency-key", "k".repeat(4000))
        .multipart(Enrol::new(&adult(623), 64).form())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(app.footprint().await, before);
}

#[tokio::test]
async fn a_role_denied_form_post_answers_403_in_indonesian() {
    let app = TestApp::spawn().await;
    let p = adult(631);
    app.add_residents(std::slice::from_ref(&p)).await;
    let op = app.login("operator").await;
    let (_, a) = app.enroll(&op, &Enrol::new(&p, 71)).await;
    let nomor = a["nomor"].as_str().unwrap().to_string();
    let cookie = app.web_login("pencetak").await;
    let token = app
        .session_token(&format!("/permohonan/{nomor}"), &cookie)
        .await;
    let r = app
        .http
        .post(app.url(&format!("/permohonan/{nomor}/cek")))
        .header("cookie", &cookie)
        .form(&[("_csrf", token)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("tidak berwenang"));
    let (_, a) = app.get(&op, &format!("/api/v1/applications/{nomor}")).await;
    assert_eq!(a["status"], "direkam", "nothing moved");
}

#[tokio::test]
async fn a_huge_body_is_413_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let p = adult(641);
    app.add_residents(std::slice::from_ref(&p)).await;
    let op = app.login("operator").await;
    let before = app.footprint().await;
    let mut e = Enrol::new(&p, 81);
    e.foto = vec![0x89; 50 * 1024 * 1024];
    let (st, body) = app.enroll(&op, &e).await;
    assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    let admin = app.login("admin").await;
    let big = serde_json::json!({"username": "x".repeat(50 * 1024 * 1024), "peran": "operator", "password": "x"});
    let (st, _) = app.post(&admin, "/api/v1/users", Some(big)).await;
    assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(app.footprint().await, before);
}

#[tokio::test]
async fn weak_passwords_are_refused_for_new_accounts() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    for (i, weak) in ["aaaaaaaaaaaa", "123456789012", "password1234"]
        .iter()
        .enumerate()
    {
        let body = serde_json::json!({"username": format!("baru{i}"), "peran": "operator", "password": weak});
        let (st, b) = app.post(&admin, "/api/v1/users", Some(body)).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{weak}: {b}");
        assert_eq!(b["code"], "weak_password");
    }
}

#[tokio::test]
async fn each_node_documents_only_the_endpoints_it_serves() {
    let paths =
        |doc: Value| -> Vec<String> { doc["paths"].as_object().unwrap().keys().cloned().collect() };
    let office = TestApp::spawn().await;
    let doc: Value = office
        .http
        .get(office.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let p = paths(doc.clone());
    assert!(p.iter().any(|k| k == "/applications"), "{p:?}");
    assert!(
        !p.iter()
            .any(|k| k.starts_with("/centre") || k.starts_with("/pusat")),
        "{p:?}"
    );
    assert!(!p.iter().any(|k| k == "/sync/decisions"), "{p:?}");
    // Success bodies have real schemas.
    let ok = &doc["paths"]["/applications/{nomor}"]["get"]["responses"]["200"];
    assert_eq!(
        ok["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/Permohonan"
    );
    let (centre, _, _) = TestApp::spawn_centre().await;
    let doc: Value = centre
        .http
        .get(centre.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let p = paths(doc);
    assert!(p.iter().any(|k| k == "/centre/quarantine"), "{p:?}");
    assert!(!p.iter().any(|k| k.starts_with("/applications")), "{p:?}");
}
