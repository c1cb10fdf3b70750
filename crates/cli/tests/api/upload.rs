//! Resumable upload of a large packet, over real HTTP to an in-process centre.

use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::Value;
use sidik_domain::biometrik::{Biometrik, PosisiJari};
use sidik_domain::{KodeKantor, NomorRegistrasi};
use sidik_packet::{OfficeKeys, Packet, PacketBody};
use sidik_ports::SystemClock;
use sidik_store::CentreStore;
use sidik_sync::{CentreLink, PushOutcome};

use crate::helpers::*;

/// A sealed enrollment of `adult(serial)` with a 400 KiB photo: above the size at which
/// offices upload in chunks.
fn big_packet(
    kode: &KodeKantor,
    keys: &OfficeKeys,
    sealing: &sidik_packet::CentreKeys,
    serial: u16,
) -> Packet {
    let jari = fingers(serial as u64, 0)
        .into_iter()
        .map(|(p, t)| (PosisiJari::new(p).unwrap(), t))
        .collect();
    let mut foto = b"\xFF\xD8\xFF\xE0\0\x10JFIF\0".to_vec();
    foto.resize(400 * 1024, 0x5A);
    let ttd = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    let bio = Biometrik::new(jari, vec![], Some(foto), Some(ttd), |_| Ok(())).unwrap();
    let now = jiff::Timestamp::now();
    let nomor = NomorRegistrasi::mint(kode, serial as u64, now);
    let body = PacketBody::new(
        kode,
        "operator",
        serial as u64,
        now.as_nanosecond() as i64,
        &nomor,
        &adult(serial),
        &bio,
    );
    Packet::seal(
        &body,
        keys,
        &sealing.public().sealing,
        &mut sidik_packet::rand_core::OsRng,
    )
    .unwrap()
}

/// Chunks of one upload, sent by hand as office `kode` signing with `keys`.
struct Uploader<'a> {
    app: &'a TestApp,
    kode: &'a str,
    keys: &'a OfficeKeys,
    id: &'a str,
    total: u64,
}

impl Uploader<'_> {
    /// A chunk at `offset`, signed over `signed` and sending `body` (the same bytes,
    /// unless the test forges them).
    async fn put_as(&self, offset: u64, signed: &[u8], body: &[u8]) -> (StatusCode, Value) {
        let (id, total) = (self.id, self.total);
        let what = sidik_http::wire::upload_chunk_request(id, offset, total, signed);
        let now = jiff::Timestamp::now().as_second();
        let sig = sidik_packet::sign_request(self.keys, self.kode, now, &what);
        let r = self
            .app
            .http
            .put(format!(
                "{}/api/v1/sync/uploads/{id}?offset={offset}&total={total}",
                self.app.base
            ))
            .header("x-sidik-office", self.kode)
            .header("x-sidik-time", now.to_string())
            .header("x-sidik-signature", hex::encode(sig))
            .body(body.to_vec())
            .send()
            .await
            .unwrap();
        let st = r.status();
        (st, r.json().await.unwrap_or(Value::Null))
    }

    async fn put(&self, offset: u64, chunk: &[u8]) -> (StatusCode, Value) {
        self.put_as(offset, chunk, chunk).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_packet_resumes_after_a_broken_upload_and_is_recorded_once() {
    let (app, centre, centre_keys) = TestApp::spawn_centre().await;
    let kode = KodeKantor::parse("317201").unwrap();
    let keys = OfficeKeys::generate(&mut sidik_packet::rand_core::OsRng);
    centre
        .register_office(
            sidik_sync::centre::Actor::Console,
            &kode,
            "Koja",
            &keys.public_key(),
        )
        .await
        .unwrap();
    let packet = big_packet(&kode, &keys, &centre_keys, 1);
    let bytes = packet.to_bytes();
    let id = packet.packet_id().to_string();
    let total = bytes.len() as u64;
    assert!(bytes.len() > sidik_http::RESUMABLE_ABOVE);
    let chunk = sidik_http::UPLOAD_CHUNK;

    // The office sent two chunks, then the link broke.
    let office = Uploader {
        app: &app,
        kode: "317201",
        keys: &keys,
        id: &id,
        total,
    };
    let (st, v) = office.put(0, &bytes[..chunk]).await;
    assert_eq!(st, StatusCode::ACCEPTED, "{v}");
    assert_eq!(v["offset"], chunk as u64);
    let (st, _) = office.put(chunk as u64, &bytes[chunk..2 * chunk]).await;
    assert_eq!(st, StatusCode::ACCEPTED);
    // A chunk sent twice (its answer was lost) is refused with where to resume.
    let (st, v) = office.put(0, &bytes[..chunk]).await;
    assert_eq!(st, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["offset"], 2 * chunk as u64);
    // Nothing is recorded before the packet is complete.
    assert!(CentreStore::packet_get(&*centre.store, &id)
        .await
        .unwrap()
        .is_none());
    assert_eq!(
        centre.uploads.offset("317201", &id),
        Some((2 * chunk as u64, total))
    );

    // Unsigned, signed by another key, or a chunk whose bytes differ from what was
    // signed: refused, and the upload does not move.
    let third = &bytes[2 * chunk..3 * chunk];
    let r = app
        .http
        .put(format!(
            "{}/api/v1/sync/uploads/{id}?offset={}&total={total}",
            app.base,
            2 * chunk
        ))
        .body(third.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let stranger = OfficeKeys::generate(&mut sidik_packet::rand_core::OsRng);
    let impostor = Uploader {
        keys: &stranger,
        ..office
    };
    let (st, _) = impostor.put(2 * chunk as u64, third).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    let mut forged = third.to_vec();
    forged[7] ^= 1;
    let (st, _) = office.put_as(2 * chunk as u64, third, &forged).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    assert_eq!(
        centre.uploads.offset("317201", &id),
        Some((2 * chunk as u64, total))
    );

    // The sync worker's push asks where the centre's copy stops and sends the rest.
    let link = sidik_http::HttpCentreLink::new(
        &app.base,
        "317201",
        Arc::new(OfficeKeys::from_text(&keys.to_text()).unwrap()),
        Arc::new(SystemClock),
    )
    .unwrap();
    let mismatches = || {
        centre
            .uploads
            .offset_mismatches
            .load(std::sync::atomic::Ordering::Relaxed)
    };
    assert_eq!(mismatches(), 1, "the duplicate chunk above");
    assert_eq!(link.push(&id, &bytes).await.unwrap(), PushOutcome::Accepted);
    // It resumed where the centre's copy stopped: no chunk was sent at a wrong offset.
    assert_eq!(mismatches(), 1);
    let rec = CentreStore::packet_get(&*centre.store, &id)
        .await
        .unwrap()
        .expect("recorded");
    assert_eq!(rec.packet_id, id);
    assert_eq!(centre.uploads.offset("317201", &id), None);
    // Pushed again (the office crashed before marking it sent): a harmless replay.
    assert_eq!(link.push(&id, &bytes).await.unwrap(), PushOutcome::Replay);
    assert_eq!(
        centre
            .counters
            .accepted
            .load(std::sync::atomic::Ordering::Relaxed),
        1
    );
}
