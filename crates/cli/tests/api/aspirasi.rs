//! Aspirasi pages and Open311 GeoReport v2 against an in-process office: a citizen
//! files, an officer moderates, routes and answers, the citizen sees the answer; a
//! linked application's first answer; hostile input, forged origins, floods; the
//! Open311 endpoints in JSON and XML, and a stock Open311 client library (PyPI).

use reqwest::StatusCode;
use serde_json::Value;

use super::helpers::*;

/// The text of the element with `id` (up to the next tag).
fn by_id(html: &str, id: &str) -> Option<String> {
    let start = html.find(&format!("id=\"{id}\""))?;
    let rest = &html[start..];
    let open = rest.find('>')? + 1;
    let close = rest[open..].find('<')?;
    Some(rest[open..open + close].trim().to_string())
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(app.store.writer_pool())
        .await
        .unwrap()
}

/// Files an aspiration through the page form: (status, HTML).
async fn file(app: &TestApp, fields: &[(&str, &str)]) -> (StatusCode, String) {
    let (pra, token) = app.pre_session("/aspirasi/baru").await;
    let mut form: Vec<(&str, &str)> = fields.to_vec();
    form.push(("_csrf", token.as_str()));
    let r = app
        .http
        .post(app.url("/aspirasi/baru"))
        .header("cookie", pra)
        .form(&form)
        .send()
        .await
        .unwrap();
    let st = r.status();
    (st, r.text().await.unwrap())
}

const ISI: &str = "Saya rekam e-KTP bulan Agustus, NIK 3172011505850001, HP 081234567890, sampai sekarang belum jadi.";

async fn act(app: &TestApp, cookie: &str, nomor: &str, aksi: &str, isi: &str) -> StatusCode {
    let token = app
        .session_token(&format!("/aspirasi/petugas/{nomor}"), cookie)
        .await;
    app.http
        .post(app.url(&format!("/aspirasi/petugas/{nomor}/tindak")))
        .header("cookie", cookie)
        .form(&[("aksi", aksi), ("isi", isi), ("_csrf", token.as_str())])
        .send()
        .await
        .unwrap()
        .status()
}

async fn track(app: &TestApp, nomor: &str, kode: &str) -> (StatusCode, String) {
    let (pra, token) = app.pre_session("/aspirasi/lacak").await;
    let r = app
        .http
        .post(app.url("/aspirasi/lacak"))
        .header("cookie", pra)
        .form(&[("nomor", nomor), ("kode", kode), ("_csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    let st = r.status();
    (st, r.text().await.unwrap())
}

#[tokio::test]
async fn a_citizen_files_an_officer_answers_and_the_citizen_sees_the_answer() {
    let app = TestApp::spawn().await;
    let (st, html) = file(
        &app,
        &[
            ("judul", "E-ktp belum jadi sejak Agustus"),
            ("isi", ISI),
            ("kategori", "ktp-el"),
            ("kelurahan", "31.72.03.1001"),
            ("nama", "Budi Santoso"),
            ("telepon", "081234567890"),
        ],
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{html}");
    let nomor = by_id(&html, "nomor-aspirasi").unwrap();
    let kode = by_id(&html, "kode-akses").unwrap();
    assert!(nomor.starts_with("ASP-"), "{nomor}");
    assert_eq!(kode.len(), 32);

    // Not public before an officer moderates it.
    let r = app
        .http
        .get(app.url(&format!("/aspirasi/{nomor}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let list = app.client().page(&app.url("/aspirasi"), None).await;
    assert!(!list.contains(&nomor));

    let ver = app.web_login("verifikator").await;
    let officer_list = app
        .client()
        .page(&app.url("/aspirasi/petugas"), Some(&ver))
        .await;
    assert!(officer_list.contains(&nomor));
    assert_eq!(
        act(&app, &ver, &nomor, "tayang", "").await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        act(&app, &ver, &nomor, "teruskan", "Seksi Pendaftaran Penduduk").await,
        StatusCode::SEE_OTHER
    );
    // Skipping a step is refused and writes nothing.
    let audits = count(&app, "SELECT COUNT(*) FROM audit").await;
    assert_eq!(
        act(&app, &ver, &nomor, "selesai", "").await,
        StatusCode::CONFLICT
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM audit").await, audits);
    assert_eq!(
        act(&app, &ver, &nomor, "disposisi", "Petugas Rina").await,
        StatusCode::SEE_OTHER
    );
    let jawaban = "KTP-el Anda sudah dicetak dan dapat diambil di kantor Sudin Dukcapil.";
    assert_eq!(
        act(&app, &ver, &nomor, "jawab", jawaban).await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        act(&app, &ver, &nomor, "catatan", "Catatan internal petugas").await,
        StatusCode::SEE_OTHER
    );

    // The citizen tracks it: the answer, not the internal note.
    let (st, html) = track(&app, &nomor, &kode).await;
    assert_eq!(st, StatusCode::OK, "{html}");
    assert_eq!(by_id(&html, "status-aspirasi").as_deref(), Some("Proses"));
    assert!(html.contains(jawaban), "{html}");
    assert!(!html.contains("Catatan internal petugas"));
    // A wrong code answers like an unknown number.
    let (st, html) = track(&app, &nomor, "00000000000000000000000000000000").await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    assert!(html.contains("tidak cocok"), "{html}");

    // The public page: masked text, first name and initials, the answer, no contact.
    let page = app
        .client()
        .page(&app.url(&format!("/aspirasi/{nomor}")), None)
        .await;
    assert!(page.contains("Detail Aspirasi"));
    assert!(page.contains(jawaban));
    assert!(!page.contains("3172011505850001"), "NIK masked");
    assert!(page.contains("3172************"));
    assert!(!page.contains("081234567890"), "phone masked");
    assert!(page.contains("Budi S."));
    assert!(!page.contains("Santoso"));
    assert!(!page.contains("Catatan internal"));

    // Every act is in the audit chain under the aspiration's number.
    let log: Vec<String> =
        sqlx::query_scalar("SELECT aksi FROM audit WHERE subjek = ? ORDER BY seq")
            .bind(&nomor)
            .fetch_all(app.store.writer_pool())
            .await
            .unwrap();
    assert_eq!(
        log,
        [
            "aspirasi.ajukan",
            "aspirasi.moderasi",
            "aspirasi.teruskan",
            "aspirasi.disposisi",
            "aspirasi.jawab",
            "aspirasi.catatan"
        ]
    );
    assert!(audit_intact(app.store.as_ref()).await >= 6);

    // Closed: the citizen rates it once; support counts once per browser.
    assert_eq!(
        act(&app, &ver, &nomor, "selesai", "").await,
        StatusCode::SEE_OTHER
    );
    let (pra, token) = app.pre_session("/aspirasi/lacak").await;
    for (want, n) in [
        ("Terima kasih atas penilaian", "4"),
        ("hanya dapat diberikan sekali", "5"),
    ] {
        let html = app
            .http
            .post(app.url("/aspirasi/lacak/nilai"))
            .header("cookie", &pra)
            .form(&[
                ("nomor", nomor.as_str()),
                ("kode", kode.as_str()),
                ("nilai", n),
                ("_csrf", token.as_str()),
            ])
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains(want), "{html}");
    }
    let nilai: Option<i64> = sqlx::query_scalar("SELECT nilai FROM aspirasi WHERE nomor = ?")
        .bind(&nomor)
        .fetch_one(app.store.writer_pool())
        .await
        .unwrap();
    assert_eq!(nilai, Some(4));
}

#[tokio::test]
async fn support_is_counted_once_per_browser_and_roles_are_checked() {
    let app = TestApp::spawn().await;
    let (_, html) = file(
        &app,
        &[
            ("judul", "Antrean perekaman terlalu panjang"),
            (
                "isi",
                "Antrean di loket perekaman sampai sore, mohon ditambah petugas.",
            ),
            ("kategori", "pelayanan"),
        ],
    )
    .await;
    let nomor = by_id(&html, "nomor-aspirasi").unwrap();
    let cetak = app.web_login("pencetak").await;
    assert_eq!(
        act(&app, &cetak, &nomor, "tayang", "").await,
        StatusCode::FORBIDDEN
    );
    let op = app.web_login("operator").await;
    assert_eq!(
        act(&app, &op, &nomor, "tayang", "").await,
        StatusCode::FORBIDDEN
    );
    let admin = app.web_login("admin").await;
    assert_eq!(
        act(&app, &admin, &nomor, "tayang", "").await,
        StatusCode::SEE_OTHER
    );
    let (pra, token) = app.pre_session(&format!("/aspirasi/{nomor}")).await;
    for _ in 0..3 {
        let r = app
            .http
            .post(app.url(&format!("/aspirasi/{nomor}/dukung")))
            .header("cookie", &pra)
            .form(&[("_csrf", token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }
    let (pra2, token2) = app.pre_session(&format!("/aspirasi/{nomor}")).await;
    let html = app
        .http
        .post(app.url(&format!("/aspirasi/{nomor}/dukung")))
        .header("cookie", &pra2)
        .form(&[("_csrf", token2.as_str())])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(by_id(&html, "dukungan").as_deref(), Some("2"), "{html}");
}

#[tokio::test]
async fn a_linked_application_gets_its_state_and_eta_and_a_wrong_nik_writes_nothing() {
    let app = TestApp::spawn().await;
    let p = adult(301);
    app.add_residents(std::slice::from_ref(&p)).await;
    let op = app.login("operator").await;
    let (st, body) = app.enroll(&op, &Enrol::new(&p, 1)).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    let reg = body["nomor"].as_str().unwrap().to_string();
    let nik = p.nik.to_string();

    // The status page links here with the number; the NIK is never taken from a URL.
    let form = app
        .client()
        .page(
            &app.url(&format!("/aspirasi/baru?permohonan={reg}&nik={nik}")),
            None,
        )
        .await;
    assert!(form.contains(&format!("value=\"{reg}\"")));
    assert!(!form.contains(&nik));

    let before = (
        count(&app, "SELECT COUNT(*) FROM aspirasi").await,
        count(&app, "SELECT COUNT(*) FROM audit").await,
    );
    let mut wrong = nik.clone().into_bytes();
    wrong[15] = if wrong[15] == b'9' {
        b'0'
    } else {
        wrong[15] + 1
    };
    let wrong = String::from_utf8(wrong).unwrap();
    let fields = |n: &'static str| {
        vec![
            ("judul", "Kapan KTP-el saya jadi?"),
            (
                "isi",
                "Saya sudah rekam minggu lalu, kapan kartu saya selesai dicetak?",
            ),
            ("kategori", "ktp-el"),
            ("permohonan", n),
        ]
    };
    let reg_s: &'static str = Box::leak(reg.clone().into_boxed_str());
    let mut f = fields(reg_s);
    f.push(("nik", wrong.as_str()));
    let (st, html) = file(&app, &f).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("tidak cocok"), "{html}");
    assert!(!html.contains(&p.nama), "never names the applicant");
    assert_eq!(
        (
            count(&app, "SELECT COUNT(*) FROM aspirasi").await,
            count(&app, "SELECT COUNT(*) FROM audit").await
        ),
        before
    );
    let mut f = fields(reg_s);
    f.push(("nik", nik.as_str()));
    let (st, html) = file(&app, &f).await;
    assert_eq!(st, StatusCode::CREATED, "{html}");
    let awal = by_id(&html, "jawaban-awal").is_some();
    assert!(awal, "{html}");
    assert!(
        html.contains("Jawaban otomatis tentang permohonan Anda"),
        "{html}"
    );
    assert!(
        html.contains("verifikasi ketunggalan"),
        "the state of a recorded application: {html}"
    );
    // The automatic answer is private: never on the public page, even once published.
    let nomor = by_id(&html, "nomor-aspirasi").unwrap();
    let ver = app.web_login("verifikator").await;
    assert_eq!(
        act(&app, &ver, &nomor, "tayang", "").await,
        StatusCode::SEE_OTHER
    );
    let page = app
        .client()
        .page(&app.url(&format!("/aspirasi/{nomor}")), None)
        .await;
    assert!(!page.contains("Jawaban otomatis"), "{page}");
    assert!(!page.contains(&reg));
}

#[tokio::test]
async fn hostile_forms_are_refused_and_write_nothing() {
    let app = TestApp::spawn().await;
    let rows = || count(&app, "SELECT COUNT(*) FROM aspirasi");
    let good = [
        ("judul", "Judul aspirasi yang sah"),
        ("isi", "Isi aspirasi yang cukup panjang untuk diterima."),
        ("kategori", "lainnya"),
    ];
    let (pra, token) = app.pre_session("/aspirasi/baru").await;
    let post = |form: Vec<(&'static str, String)>, headers: Vec<(&'static str, &'static str)>| {
        let mut req = app
            .http
            .post(app.url("/aspirasi/baru"))
            .header("cookie", pra.clone())
            .form(&form);
        for (k, v) in headers {
            req = req.header(k, v);
        }
        req.send()
    };
    let with = |extra: &[(&'static str, String)]| {
        let mut f: Vec<(&'static str, String)> =
            good.iter().map(|(k, v)| (*k, v.to_string())).collect();
        for (k, v) in extra {
            f.retain(|(n, _)| n != k);
            f.push((k, v.clone()));
        }
        f.push(("_csrf", token.clone()));
        f
    };
    // No token; a token with a cross-site fetch and a forged Origin.
    let r = post(
        good.iter().map(|(k, v)| (*k, v.to_string())).collect(),
        vec![],
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = post(
        with(&[]),
        vec![
            ("sec-fetch-site", "cross-site"),
            ("origin", "http://evil.example"),
        ],
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Oversized and malformed fields: 422 with an Indonesian message.
    for (field, value, msg) in [
        ("isi", "x".repeat(4001), "paling banyak 4000"),
        ("judul", "x".repeat(151), "paling banyak 150"),
        ("judul", "ab\u{7}cd efgh".to_string(), "karakter kendali"),
        ("kategori", "bukan".to_string(), "Kategori tidak dikenal"),
        (
            "kelurahan",
            "99.99.99.9999".to_string(),
            "kelurahan tidak dikenal",
        ),
        ("telepon", "12ab".to_string(), "telepon"),
        ("email", "<script>@x".to_string(), "surel"),
        ("permohonan", "1".repeat(27), "tidak cocok"),
    ] {
        let r = post(with(&[(field, value)]), vec![]).await.unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        let html = r.text().await.unwrap();
        assert!(
            html.to_lowercase().contains(&msg.to_lowercase()),
            "{field}: {html}"
        );
        assert!(!html.contains("<script>@x"), "escaped");
    }
    // A body over 16 KiB: 413 before parsing.
    let r = post(with(&[("isi", "y".repeat(20_000))]), vec![])
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(rows().await, 0, "nothing written");
    // A flood from one address: after the burst, 429 with Retry-After; still bounded.
    let mut limited = 0;
    for _ in 0..25 {
        let r = post(with(&[]), vec![]).await.unwrap();
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            assert!(r.headers().contains_key("retry-after"));
            limited += 1;
        }
    }
    assert!(limited >= 10, "{limited}");
    assert!(rows().await <= 10, "at most the burst was recorded");
    // Hostile paths and queries never panic.
    for path in [
        "/aspirasi/ASP-99999999-000001",
        "/aspirasi/%00",
        "/aspirasi?halaman=-1",
        "/aspirasi?halaman=99999999999",
        "/aspirasi?kategori=%3Cscript%3E",
        "/aspirasi/petugas",
    ] {
        let r = app.http.get(app.url(path)).send().await.unwrap();
        assert!(
            r.status().is_client_error() || r.status().is_success() || r.status().is_redirection(),
            "{path}: {}",
            r.status()
        );
        let body = r.text().await.unwrap();
        assert!(!body.contains("<script>"), "{path}");
    }
}

async fn open311_key(app: &TestApp, name: &str) -> String {
    let admin = app.web_login("admin").await;
    let token = app.session_token("/aspirasi/petugas", &admin).await;
    let r = app
        .http
        .post(app.url("/aspirasi/petugas/open311"))
        .header("cookie", &admin)
        .form(&[("nama", name), ("_csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let html = r.text().await.unwrap();
    let start = html.find("class=\"mono\">").unwrap() + "class=\"mono\">".len();
    html[start..start + 48].to_string()
}

#[tokio::test]
async fn open311_services_and_errors_in_json_and_xml() {
    let app = TestApp::spawn().await;
    let get = |p: &str| app.http.get(app.url(&format!("/open311/v2/{p}"))).send();
    let services: Value = get("services.json").await.unwrap().json().await.unwrap();
    assert_eq!(services.as_array().unwrap().len(), 5);
    assert_eq!(services[0]["service_code"], "ktp-el");
    assert_eq!(services[0]["metadata"], false);
    assert_eq!(services[0]["type"], "blackbox");
    let xml = get("services.xml").await.unwrap().text().await.unwrap();
    assert!(xml.starts_with("<?xml"));
    assert!(xml.contains("<services><service>"), "{xml}");
    assert!(xml.contains("<service_code>ktp-el</service_code>"), "{xml}");
    assert_eq!(xml.matches("<service>").count(), 5, "{xml}");
    let def: Value = get("services/ktp-el.json")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(def["service_code"], "ktp-el");
    assert!(def["attributes"].as_array().unwrap().is_empty());

    // Errors in the standard format, with the same HTTP status.
    let r = get("services/tidak-ada.json").await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e[0]["code"], 404);
    let r = get("services.json?jurisdiction_id=lain").await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = get("services.xml?jurisdiction_id=lain").await.unwrap();
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("<errors><error><code>404</code>"));
    assert_eq!(
        get("services.json?jurisdiction_id=sidik-317200")
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    // Hostile resources: an unknown format or resource, a hostile id, never a 5xx.
    for p in [
        "services.html",
        "services",
        "requests/..%2f..%2fetc.json",
        "requests/ASP-1.json",
        "requests/%00.xml",
        "nothing.json",
    ] {
        let r = get(p).await.unwrap();
        assert!(r.status().is_client_error(), "{p}: {}", r.status());
    }
    // A flood from one address: after the burst, 429 in the error format with
    // Retry-After; the limiter's table is bounded.
    let mut limited = 0;
    for _ in 0..80 {
        let r = get("services.json").await.unwrap();
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            assert!(r.headers().contains_key("retry-after"));
            assert_eq!(r.json::<Value>().await.unwrap()[0]["code"], 429);
            limited += 1;
        }
    }
    assert!(limited >= 10, "{limited}");
}

/// An Open311 POST body as the specification names its fields.
fn open311_form(key: &str) -> Vec<(&'static str, String)> {
    [
        ("api_key", key),
        ("service_code", "ktp-el"),
        ("lat", "-6.1214"),
        ("long", "106.7741"),
        (
            "description",
            "KTP-el belum jadi sejak September, mohon kejelasan. Kontak saya 081234567890.",
        ),
        ("first_name", "Siti"),
        ("email", "siti@contoh.id"),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_string()))
    .collect()
}

#[tokio::test]
async fn open311_requests_are_posted_with_a_key_and_read_back() {
    let app = TestApp::spawn().await;
    let key = open311_key(&app, "aggregator-uji").await;
    let get = |p: &str| app.http.get(app.url(&format!("/open311/v2/{p}"))).send();
    let post = |body: Vec<(&'static str, String)>| {
        app.http
            .post(app.url("/open311/v2/requests.json"))
            .form(&body)
            .send()
    };
    let before = count(&app, "SELECT COUNT(*) FROM aspirasi").await;
    let r = post(open311_form("kunci-salah")).await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(r.json::<Value>().await.unwrap()[0]["code"], 403);
    let mut no_loc = open311_form(&key);
    no_loc.retain(|(k, _)| *k != "lat" && *k != "long");
    assert_eq!(
        post(no_loc).await.unwrap().status(),
        StatusCode::BAD_REQUEST
    );
    let mut long = open311_form(&key);
    long.push(("description", "z".repeat(5000)));
    long.retain(|(k, v)| *k != "description" || v.len() > 4000);
    let r = post(long).await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("4000"));
    let r = post(vec![
        ("api_key", key.clone()),
        ("description", "q".repeat(40_000)),
    ])
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM aspirasi").await,
        before,
        "nothing written"
    );

    let r = post(open311_form(&key)).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let created: Value = r.json().await.unwrap();
    let id = created[0]["service_request_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(created[0]["service_notice"]
        .as_str()
        .unwrap()
        .contains("hari kerja"));
    // Before moderation: the request is there, its text is not.
    let one: Value = get(&format!("requests/{id}.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(one[0]["service_request_id"], id.as_str());
    assert_eq!(one[0]["status"], "open");
    assert!(one[0]["description"].is_null());
    let list: Value = get("requests.json").await.unwrap().json().await.unwrap();
    assert!(list.as_array().unwrap().is_empty());

    let ver = app.web_login("verifikator").await;
    assert_eq!(
        act(&app, &ver, &id, "tayang", "").await,
        StatusCode::SEE_OTHER
    );
    let one: Value = get(&format!("requests/{id}.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let d = one[0]["description"].as_str().unwrap();
    assert!(
        d.contains("0812********") && !d.contains("081234567890"),
        "{d}"
    );
    assert_eq!(one[0]["lat"], -6.1214);
    let xml = get(&format!("requests/{id}.xml"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(xml.contains("<service_requests><request>"), "{xml}");
    assert!(
        xml.contains(&format!("<service_request_id>{id}</service_request_id>")),
        "{xml}"
    );
    let list: Value = get("requests.json?status=open&service_code=ktp-el")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    let list: Value = get("requests.json?status=closed")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(list.as_array().unwrap().is_empty());
    assert_eq!(
        get("requests.json?status=maybe").await.unwrap().status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        get("requests.json?start_date=2020-01-01T00:00:00Z&end_date=2021-01-01T00:00:00Z")
            .await
            .unwrap()
            .status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        get("requests.json?start_date=kemarin")
            .await
            .unwrap()
            .status(),
        StatusCode::BAD_REQUEST
    );
    let by_id_: Value = get(&format!(
        "requests.json?service_request_id={id},ASP-20150101-000999"
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(by_id_.as_array().unwrap().len(), 1);
    let log: Vec<String> =
        sqlx::query_scalar("SELECT aktor FROM audit WHERE subjek = ? ORDER BY seq")
            .bind(&id)
            .fetch_all(app.store.writer_pool())
            .await
            .unwrap();
    assert_eq!(log[0], "open311:aggregator-uji");
}

/// A stock Open311 client library from PyPI (`georeport`) against this node: list the
/// services, post a request, read it back (JSON and XML). `.ci/run` installs the
/// library and sets `SIDIK_REQUIRE_OPEN311_CLIENT=1`; without it, a machine lacking the
/// library skips with a notice.
#[tokio::test]
async fn open311_client_library_lists_posts_and_reads_back() {
    let required = std::env::var_os("SIDIK_REQUIRE_OPEN311_CLIENT").is_some();
    let has_lib = std::process::Command::new("python3")
        .args(["-c", "import georeport, requests, xmltodict"])
        .status()
        .is_ok_and(|s| s.success());
    if !has_lib {
        assert!(
            !required,
            "python3 with georeport is required (SIDIK_REQUIRE_OPEN311_CLIENT)"
        );
        eprintln!("NOTICE: python3 -m pip install georeport==0.3.1 to run the Open311 client test");
        return;
    }
    let app = TestApp::spawn().await;
    let key = open311_key(&app, "georeport-py").await;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../.ci/open311_client.py");
    let endpoint = app.url("/open311/v2");
    let out = tokio::process::Command::new("python3")
        .args([script, &endpoint, &key, "sidik-317200"])
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = stdout
        .lines()
        .find_map(|l| l.strip_prefix("posted "))
        .unwrap()
        .trim()
        .to_string();
    assert_eq!(count(&app, &format!("SELECT COUNT(*) FROM aspirasi WHERE nomor = '{id}' AND sumber = 'open311:georeport-py'")).await, 1);
}
