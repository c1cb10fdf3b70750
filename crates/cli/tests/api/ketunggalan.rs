//! The symmetric-hit rule at a standalone office: when a later enrollment under another
//! NIK matches an earlier application's fingers, BOTH are flagged, each naming the other
//! (as the centre does), so the earlier card is not printed while the case is open.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::*;

async fn enroll_checked(app: &TestApp, op: &str, ver: &str, e: &Enrol) -> (String, Value) {
    let (st, body) = app.enroll(op, e).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    let nomor = body["nomor"].as_str().unwrap().to_string();
    let (st, body) = app
        .post(ver, &format!("/api/v1/applications/{nomor}/check"), None)
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    (nomor, body)
}

fn candidates(app: &Value) -> Vec<String> {
    app["ketunggalan"]["kandidat"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["permohonan"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_later_nik_with_the_same_fingers_flags_the_earlier_application_too() {
    let app = TestApp::spawn().await;
    let people: Vec<_> = (501..505).map(adult).collect();
    app.add_residents(&people).await;
    let op = app.login("operator").await;
    let ver = app.login("verifikator").await;
    let cetak = app.login("pencetak").await;

    let (first, body) = enroll_checked(&app, &op, &ver, &Enrol::new(&people[0], 42)).await;
    assert_eq!(body["status"], "siap_cetak");

    // The same synthetic person (another capture of the same fingers) under another NIK.
    let mut e = Enrol::new(&people[1], 42);
    e.fingers = fingers(42, 1);
    let (second, body) = enroll_checked(&app, &op, &ver, &e).await;
    assert_eq!(body["status"], "ganda", "{body}");
    assert_eq!(candidates(&body), vec![first.clone()]);

    // The first application is flagged too, naming the second, with its history.
    let (_, a) = app.get(&op, &format!("/api/v1/applications/{first}")).await;
    assert_eq!(a["status"], "ganda", "{a}");
    assert_eq!(candidates(&a), vec![second.clone()]);
    let last = a["riwayat"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["aksi"], "tandai_ganda", "{last}");
    assert!(last["alasan"].as_str().unwrap().contains(&second), "{last}");
    // ... so its card cannot be printed while the case is open.
    let (st, body) = app
        .post(
            &cetak,
            &format!("/api/v1/applications/{first}/actions/cetak"),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "{body}");
    // The officer's page of the first application names the second.
    let cookie = app.web_login("verifikator").await;
    let html = app
        .http
        .get(app.url(&format!("/permohonan/{first}")))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(&second),
        "the page names the later enrollment"
    );

    // Adjudication clears the first (different persons after all): printable again.
    let (st, body) = app
        .post(
            &ver,
            &format!("/api/v1/applications/{first}/actions/adjudikasi_tunggal"),
            Some(serde_json::json!({"alasan": "Kembar identik, diperiksa langsung"})),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "siap_cetak");
}

#[tokio::test]
async fn a_match_on_a_printed_card_is_recorded_without_moving_the_card() {
    let app = TestApp::spawn().await;
    let people: Vec<_> = (511..513).map(adult).collect();
    app.add_residents(&people).await;
    let op = app.login("operator").await;
    let ver = app.login("verifikator").await;
    let cetak = app.login("pencetak").await;

    let (first, _) = enroll_checked(&app, &op, &ver, &Enrol::new(&people[0], 77)).await;
    let (st, body) = app
        .post(
            &cetak,
            &format!("/api/v1/applications/{first}/actions/cetak"),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let mut e = Enrol::new(&people[1], 77);
    e.fingers = fingers(77, 1);
    let (second, body) = enroll_checked(&app, &op, &ver, &e).await;
    assert_eq!(body["status"], "ganda", "{body}");

    let (_, a) = app.get(&op, &format!("/api/v1/applications/{first}")).await;
    assert_eq!(a["status"], "dicetak", "a printed card stays printed");
    assert_eq!(candidates(&a), vec![second.clone()], "but names the match");
    let (_, audit) = app
        .get(&op, &format!("/api/v1/applications/{first}/audit"))
        .await;
    let finding = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["aksi"] == "permohonan.temuan_ganda")
        .cloned()
        .expect("the finding is in the audit chain");
    assert!(
        finding["detail"].as_str().unwrap().contains(&second),
        "{finding}"
    );
    assert!(audit_intact(app.store.as_ref()).await > 0);
}
