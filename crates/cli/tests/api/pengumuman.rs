//! Regional notices (issue 15): an officer's notice on the status page, the area page,
//! the kelurahan's Atom feed and to the area's subscribers; the refusals (role, area,
//! size, token); the automatic outage and recovery notices; unsubscribing; hostile
//! paths on the public pages.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::StatusCode;
use sidik_kabar::pantau::Pantau;
use sidik_store::KabarStore;

use crate::helpers::*;

/// Posts the notice form as `cookie`; (status, HTML).
async fn tulis(app: &TestApp, cookie: &str, fields: &[(&str, &str)]) -> (StatusCode, String) {
    let token = app.session_token("/pengumuman/tulis", cookie).await;
    let mut form: Vec<(&str, &str)> = fields.to_vec();
    form.push(("_csrf", &token));
    let r = app
        .http
        .post(app.url("/pengumuman/tulis"))
        .header("cookie", cookie)
        .form(&form)
        .send()
        .await
        .unwrap();
    let st = r.status();
    (st, r.text().await.unwrap())
}

async fn count(app: &TestApp, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(app.store.writer_pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn an_officers_notice_reaches_every_surface_and_the_areas_subscribers() {
    let app = TestApp::spawn().await;
    let warga = adult(801);
    app.add_residents(std::slice::from_ref(&warga)).await;
    let op = app.login("operator").await;
    let r = app
        .http
        .post(app.url("/api/v1/applications"))
        .bearer_auth(&op)
        .multipart(
            Enrol::new(&warga, 61)
                .form()
                .text("email", "warga@contoh.id")
                .text("setuju_kontak", "1"),
        );
    let body: serde_json::Value = r.send().await.unwrap().json().await.unwrap();
    let nomor = body["nomor"].as_str().unwrap().to_string();
    let kel = warga.kelurahan.clone();
    let rw = warga.rt_rw.rw.to_string();
    let rt = warga.rt_rw.rt.to_string();

    let admin = app.web_login("admin").await;
    let judul = "Perekaman Sabtu <b>&</b> Minggu";
    let (st, html) = tulis(
        &app,
        &admin,
        &[
            ("wilayah", kel.as_str()),
            ("rw", rw.as_str()),
            ("rt", rt.as_str()),
            ("judul", judul),
            ("isi", "Baris satu.\nBaris dua."),
        ],
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{html}");
    assert!(html.contains("id=\"sukses\""), "{html}");
    // Another RT of the same RW: not this resident's.
    let lain = (warga.rt_rw.rt % 999 + 1).to_string();
    let (st, _) = tulis(
        &app,
        &admin,
        &[
            ("wilayah", kel.as_str()),
            ("rw", rw.as_str()),
            ("rt", lain.as_str()),
            ("judul", "RT lain"),
            ("isi", "Bukan untuk Anda."),
        ],
    )
    .await;
    assert_eq!(st, StatusCode::OK);

    // On the status page (escaped), not the other RT's.
    let (_, html) = app.status_lookup(&nomor, &warga.nik.to_string()).await;
    assert!(html.contains("Pengumuman untuk wilayah Anda"));
    assert!(
        html.contains("Perekaman Sabtu &#60;b&#62;&#38;&#60;/b&#62; Minggu"),
        "{html}"
    );
    assert!(!html.contains("RT lain"));
    // On the area page, both (with their RT), and in the kelurahan's Atom feed.
    let page = app
        .client()
        .page(&app.url(&format!("/pengumuman/wilayah/{kel}")), None)
        .await;
    assert!(page.contains("RT lain") && page.contains("Perekaman Sabtu &#60;b&#62;"));
    let r = app
        .http
        .get(app.url(&format!("/pengumuman/wilayah/{kel}/atom")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.headers()["content-type"],
        "application/atom+xml; charset=utf-8"
    );
    let atom = r.text().await.unwrap();
    assert!(atom.starts_with(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\""
    ));
    assert_eq!(atom.matches("<entry>").count(), 2);
    assert!(atom.contains("<title>Perekaman Sabtu &lt;b&gt;&amp;&lt;/b&gt; Minggu</title>"));
    assert!(!atom.contains("<b>"));
    // The index lists the kota's kelurahan.
    let idx = app.client().page(&app.url("/pengumuman"), None).await;
    assert!(idx.contains(&format!("href=\"/pengumuman/wilayah/{kel}\"")));
    // To the subscriber: exactly one message for this notice, none for the other RT's.
    let q = app.store.kabar_of(&nomor).await.unwrap();
    let notices: Vec<_> = q
        .iter()
        .filter(|r| r.pesan.jenis.slug() == "pengumuman")
        .collect();
    assert_eq!(notices.len(), 1, "{q:?}");

    refusals_write_nothing(&app, &admin).await;
}

/// Refusals write nothing: another kota, an unknown area, too long, a bad RW, a
/// printer's account, no token, an oversized form.
async fn refusals_write_nothing(app: &TestApp, admin: &str) {
    let admin = admin.to_string();
    let pencetak = app.web_login("pencetak").await;
    let before = count(app, "SELECT COUNT(*) FROM pengumuman").await;
    let audit_before = count(app, "SELECT COUNT(*) FROM audit").await;
    let panjang = "x".repeat(2001);
    for (fields, status, text) in [
        (
            vec![("wilayah", "31.73"), ("judul", "J"), ("isi", "I")],
            StatusCode::UNPROCESSABLE_ENTITY,
            "bukan wilayah kantor ini",
        ),
        (
            vec![("wilayah", "31.72.99"), ("judul", "J"), ("isi", "I")],
            StatusCode::UNPROCESSABLE_ENTITY,
            "tidak dikenal",
        ),
        (
            vec![
                ("wilayah", "31.72"),
                ("judul", "J"),
                ("isi", panjang.as_str()),
            ],
            StatusCode::UNPROCESSABLE_ENTITY,
            "paling banyak 2000",
        ),
        (
            vec![
                ("wilayah", "31.72"),
                ("rw", "abc"),
                ("judul", "J"),
                ("isi", "I"),
            ],
            StatusCode::UNPROCESSABLE_ENTITY,
            "RW harus angka",
        ),
    ] {
        let (st, html) = tulis(app, &admin, &fields).await;
        assert_eq!(st, status, "{fields:?}: {html}");
        assert!(html.contains(text), "{text}: {html}");
        assert!(!html.contains("Rincian"));
    }
    let (st, html) = tulis(
        app,
        &pencetak,
        &[("wilayah", "31.72"), ("judul", "J"), ("isi", "I")],
    )
    .await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{html}");
    assert!(html.contains("Peran Anda tidak berwenang"));
    let r = app
        .http
        .post(app.url("/pengumuman/tulis"))
        .header("cookie", &admin)
        .form(&[("wilayah", "31.72"), ("judul", "J"), ("isi", "I")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "no CSRF token");
    // A 64 KiB form is refused before the handler.
    let besar = "x".repeat(64 * 1024);
    let (st, _) = tulis(
        app,
        &admin,
        &[
            ("wilayah", "31.72"),
            ("judul", "J"),
            ("isi", besar.as_str()),
        ],
    )
    .await;
    assert!(
        st == StatusCode::PAYLOAD_TOO_LARGE || st == StatusCode::BAD_REQUEST,
        "{st}"
    );
    assert_eq!(count(app, "SELECT COUNT(*) FROM pengumuman").await, before);
    assert_eq!(count(app, "SELECT COUNT(*) FROM audit").await, audit_before);
}

#[tokio::test]
async fn unsubscribing_asks_first_then_stops_every_message() {
    let app = TestApp::spawn().await;
    let warga = adult(811);
    app.add_residents(std::slice::from_ref(&warga)).await;
    let op = app.login("operator").await;
    let ver = app.login("verifikator").await;
    let r = app
        .http
        .post(app.url("/api/v1/applications"))
        .bearer_auth(&op)
        .multipart(
            Enrol::new(&warga, 62)
                .form()
                .text("telepon", "081299998888")
                .text("email", "warga@contoh.id")
                .text("setuju_kontak", "1"),
        );
    let body: serde_json::Value = r.send().await.unwrap().json().await.unwrap();
    let nomor = body["nomor"].as_str().unwrap().to_string();
    let token: String = sqlx::query_scalar("SELECT token FROM kontak WHERE nomor = ?")
        .bind(&nomor)
        .fetch_one(app.store.writer_pool())
        .await
        .unwrap();
    let path = format!("/kabar/berhenti/{token}");

    // The link only asks; the contact is shown masked.
    let html = app.client().page(&app.url(&path), None).await;
    assert!(
        html.contains("+62812****888") && html.contains("w***@contoh.id"),
        "{html}"
    );
    assert!(!html.contains("081299998888") && !html.contains("warga@contoh.id"));
    assert!(app
        .store
        .kontak_by_token(&token)
        .await
        .unwrap()
        .unwrap()
        .berhenti
        .is_none());
    // Without the form token: refused.
    let r = app
        .http
        .post(app.url(&path))
        .form(&[("x", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let (pra, t) = app.pre_session(&path).await;
    let r = app
        .http
        .post(app.url(&path))
        .header("cookie", &pra)
        .form(&[("_csrf", t.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = app.client().page(&app.url(&path), None).await;
    assert!(html.contains("id=\"berhenti-selesai\""));
    // Later changes queue nothing.
    let (st, _) = app
        .post(&ver, &format!("/api/v1/applications/{nomor}/check"), None)
        .await;
    assert_eq!(st, StatusCode::OK);
    assert!(app.store.kabar_of(&nomor).await.unwrap().is_empty());

    // Unknown, malformed, oversized tokens: the same Indonesian 404.
    for bad in [
        "0".repeat(32),
        "zz".into(),
        "a".repeat(5000),
        "..%2F..%2Fetc".into(),
    ] {
        let r = app
            .http
            .get(app.url(&format!("/kabar/berhenti/{bad}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{bad}");
        assert!(r.text().await.unwrap().contains("Tautan tidak berlaku"));
    }
}

#[tokio::test]
async fn hostile_area_paths_are_a_plain_404_and_a_flood_grows_nothing() {
    let app = TestApp::spawn().await;
    for bad in [
        "31",
        "99.99",
        "31.72.01.1005.1",
        "%00",
        "31.72%2F..",
        &"9".repeat(10_000),
        "%3Cscript%3E",
    ] {
        for suffix in ["", "/atom"] {
            let r = app
                .http
                .get(app.url(&format!("/pengumuman/wilayah/{bad}{suffix}")))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::NOT_FOUND, "{bad}{suffix}");
            let html = r.text().await.unwrap();
            assert!(!html.contains("<script>"));
        }
    }
    // The Atom feed is for a kelurahan only.
    let r = app
        .http
        .get(app.url("/pengumuman/wilayah/31.72/atom"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // A bounded flood of the public pages: all answered, nothing stored.
    let tasks: Vec<_> = (0..400)
        .map(|i| {
            let (http, url) = (
                app.http.clone(),
                app.url(&format!("/pengumuman/wilayah/31.72.01.100{}", i % 9)),
            );
            tokio::spawn(async move { http.get(url).send().await.map(|r| r.status()) })
        })
        .collect();
    for t in tasks {
        let st = t.await.unwrap().unwrap();
        assert!(st == StatusCode::OK || st == StatusCode::NOT_FOUND, "{st}");
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM pengumuman").await, 0);
}

#[tokio::test]
async fn the_centre_outage_and_its_recovery_are_announced_once_each() {
    let app = TestApp::spawn().await;
    let warga = adult(821);
    app.add_residents(std::slice::from_ref(&warga)).await;
    let op = app.login("operator").await;
    let (st, body) = app.enroll(&op, &Enrol::new(&warga, 63)).await;
    assert_eq!(st, StatusCode::CREATED);
    let nomor = body["nomor"].as_str().unwrap().to_string();
    let putus: Arc<Mutex<Option<jiff::Timestamp>>> = Arc::default();
    let p = putus.clone();
    let pantau = Pantau {
        store: app.store.clone(),
        clock: Arc::new(sidik_ports::SystemClock),
        putus: Arc::new(move || *p.lock().unwrap()),
        kota: "31.72".into(),
        kantor: "Suku Dinas Dukcapil Jakarta Utara".into(),
        setelah: Duration::from_secs(300),
        ukur: Duration::from_millis(10),
        per_jam_bawaan: 600,
        interval: Duration::from_millis(10),
    };
    let sejak = jiff::Timestamp::now() - jiff::SignedDuration::from_mins(2);
    *putus.lock().unwrap() = Some(sejak);
    pantau.langkah().await.unwrap();
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM pengumuman").await,
        0,
        "a 2-minute blip is not announced"
    );
    let sejak = jiff::Timestamp::now() - jiff::SignedDuration::from_mins(10);
    *putus.lock().unwrap() = Some(sejak);
    pantau.langkah().await.unwrap();
    pantau.langkah().await.unwrap();
    assert_eq!(count(&app, "SELECT COUNT(*) FROM pengumuman").await, 1);
    let g = app
        .store
        .pengumuman_otomatis_terakhir("31.72")
        .await
        .unwrap()
        .unwrap();
    assert!(
        g.isi.starts_with(&format!(
            "Sejak {}",
            sidik_domain::tanggal::waktu_wib(sejak)
        )),
        "{}",
        g.isi
    );
    assert!(g.isi.contains("1 data perekaman menunggu"), "{}", g.isi);
    let (_, html) = app.status_lookup(&nomor, &warga.nik.to_string()).await;
    assert!(html.contains("Gangguan pusat data kependudukan"));

    *putus.lock().unwrap() = None;
    pantau.langkah().await.unwrap();
    pantau.langkah().await.unwrap();
    assert_eq!(count(&app, "SELECT COUNT(*) FROM pengumuman").await, 2);
    let p = app
        .store
        .pengumuman_otomatis_terakhir("31.72")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p.judul, "Pusat data kependudukan kembali terhubung");
    // One waiting enrollment at the default 600 an hour: within the hour.
    assert!(
        p.isi.contains("1 data perekaman yang tertunda"),
        "{}",
        p.isi
    );
    let area = app
        .client()
        .page(
            &app.url(&format!("/pengumuman/wilayah/{}", warga.kelurahan)),
            None,
        )
        .await;
    assert!(area.contains("kembali terhubung") && area.contains("pemberitahuan otomatis"));
}
