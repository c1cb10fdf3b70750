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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn centre_page_shows_ganda_findings_and_adjudicates_from_a_form() {
    let (app, centre, centre_keys) = TestApp::spawn_centre().await;
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
    let first = deliver(&centre, &centre_keys, &a, &ka, 1, &p, (77, 0)).await;
    let second = deliver(&centre, &centre_keys, &b, &kb, 1, &q, (77, 1)).await;
    assert_eq!(centre.decide_pending(128).await.unwrap(), 2);

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

    let post = |cookie: &str, nomor: &str, form: &[(&str, &str)]| {
        let req = app
            .http
            .post(app.url(&format!("/pusat/permohonan/{nomor}/adjudikasi")))
            .header("cookie", cookie)
            .form(form);
        async move {
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
