//! The office's sync worker in one process, against an in-process centre through
//! [`LocalLink`] (no sockets): delivery and decisions, and that a failure of the
//! office's OWN database is not reported as a centre outage.

use std::sync::Arc;

use sidik_abis_gallery::{GalleryAbis, IsoTemplates};
use sidik_domain::audit::AuditDraft;
use sidik_domain::{KodeKantor, Peran, Status};
use sidik_issuance::{EnrollInput, Finality, Issuance, Uplink};
use sidik_packet::{CentreKeys, OfficeKeys};
use sidik_ports::{OsEntropy, SystemClock};
use sidik_store::{Created, Store};
use sidik_store_sqlite::SqliteStore;
use sidik_sync::centre::{Actor, HoldPolicy, LocalLink};
use sidik_sync::{Centre, Kesehatan, OfficeSync, SyncConfig, SyncError};
use sidik_testkit::fixtures::{fingers, officer, png, resident};

const OFFICE: &str = "317201";

struct World {
    _dirs: Vec<tempfile::TempDir>,
    centre: Arc<Centre>,
    centre_store: Arc<SqliteStore>,
    office_store: Arc<SqliteStore>,
    issuance: Issuance,
    worker: OfficeSync,
}

async fn store() -> (tempfile::TempDir, Arc<SqliteStore>) {
    let dir = tempfile::tempdir().unwrap();
    let s = Arc::new(SqliteStore::open_dir(dir.path()).await.unwrap());
    (dir, s)
}

async fn world() -> World {
    let (cd, centre_store) = store().await;
    let (od, office_store) = store().await;
    let centre_keys = CentreKeys::generate(&mut sidik_packet::rand_core::OsRng);
    let sealing = centre_keys.public().sealing;
    let mut centre = Centre::new(
        centre_store.clone(),
        centre_keys,
        Arc::new(GalleryAbis::default()),
        Arc::new(IsoTemplates),
        Arc::new(SystemClock),
    )
    .await
    .unwrap();
    centre.hold = HoldPolicy::NONE;
    let centre = Arc::new(centre);
    let kode = KodeKantor::parse(OFFICE).unwrap();
    let keys = Arc::new(OfficeKeys::generate(&mut sidik_packet::rand_core::OsRng));
    centre
        .register_office(Actor::Console, &kode, "Penjaringan", &keys.public_key())
        .await
        .unwrap();
    let wake = Arc::new(tokio::sync::Notify::new());
    let w = wake.clone();
    let issuance = Issuance {
        store: office_store.clone(),
        abis: Arc::new(GalleryAbis::default()),
        templates: Arc::new(IsoTemplates),
        clock: Arc::new(SystemClock),
        entropy: Arc::new(OsEntropy),
        kantor: kode,
        finality: Finality::Centre(Arc::new(Uplink {
            keys,
            centre: sealing,
            sync: office_store.clone(),
            wake: Box::new(move || w.notify_one()),
        })),
        suket: None,
        eta_cache: Default::default(),
    };
    let worker = OfficeSync {
        decisions: Arc::new(issuance.clone()),
        sync: office_store.clone(),
        link: Arc::new(LocalLink {
            centre: centre.clone(),
            kantor: OFFICE.into(),
        }),
        health: Kesehatan::load(office_store.clone()).await,
        clock: Arc::new(SystemClock),
        entropy: Arc::new(OsEntropy),
        config: SyncConfig::default(),
        wake,
    };
    World {
        _dirs: vec![cd, od],
        centre,
        centre_store,
        office_store,
        issuance,
        worker,
    }
}

/// Enrolls resident `n` with synthetic person `person`'s fingers and runs the local
/// check; returns the registration number.
async fn enroll(w: &World, n: u16, person: u64) -> String {
    let p = resident(n);
    w.office_store
        .residents_upsert(
            std::slice::from_ref(&p),
            AuditDraft {
                aktor: "test".into(),
                aksi: "penduduk.import".into(),
                subjek: "penduduk".into(),
                waktu: jiff::Timestamp::now(),
                detail: String::new(),
            },
        )
        .await
        .unwrap();
    let op = officer("operator", Peran::Operator);
    let input = EnrollInput {
        nik: p.nik.to_string(),
        kelurahan: p.kelurahan.clone(),
        jari: fingers(person, 0),
        foto: Some(png()),
        tanda_tangan: Some(png()),
        ..Default::default()
    };
    let Created::New(a) = w.issuance.enroll(&op, input).await.unwrap() else {
        panic!("a new application")
    };
    let checked = w.issuance.check(&op, a.nomor.as_str()).await.unwrap();
    assert_eq!(
        checked.status,
        Status::Dikirim,
        "the centre has the last word"
    );
    a.nomor.to_string()
}

async fn status(w: &World, nomor: &str) -> Status {
    w.office_store
        .application_get(nomor)
        .await
        .unwrap()
        .unwrap()
        .status
}

#[tokio::test]
async fn the_worker_delivers_packets_and_applies_the_centres_decisions() {
    let w = world().await;
    let a = enroll(&w, 1, 1).await;
    let b = enroll(&w, 2, 2).await;
    let round = w.worker.step().await.unwrap();
    assert_eq!(round.pushed, 2);
    assert_eq!(w.centre.decide_pending(128).await.unwrap(), 2);
    let round = w.worker.step().await.unwrap();
    assert_eq!(round.applied, 2);
    assert_eq!(status(&w, &a).await, Status::SiapCetak);
    assert_eq!(status(&w, &b).await, Status::SiapCetak);
    let h = w.worker.health.snapshot();
    assert_eq!(h.up, Some(true));
    assert_eq!(h.down_since, None);
    // A second round finds nothing new: exactly once.
    assert_eq!(w.worker.step().await.unwrap(), Default::default());
}

#[tokio::test]
async fn a_local_database_failure_is_not_a_centre_outage() {
    let w = world().await;
    enroll(&w, 1, 1).await;
    w.office_store.close().await;
    let e = w.worker.step().await.unwrap_err();
    assert!(matches!(e, SyncError::Local(_)), "{e:?}");
    let h = w.worker.health.snapshot();
    assert_eq!(h.down_since, None, "the centre is not reported down");
    assert_ne!(h.up, Some(false));
}

#[tokio::test]
async fn a_centre_failure_is_an_outage_since_the_first_failure() {
    let w = world().await;
    enroll(&w, 1, 1).await;
    w.centre_store.close().await;
    let e = w.worker.step().await.unwrap_err();
    assert!(matches!(e, SyncError::Link(_)), "{e:?}");
    let since = w.worker.health.snapshot().down_since.expect("down");
    assert!(w.worker.step().await.is_err());
    assert_eq!(
        w.worker.health.snapshot().down_since,
        Some(since),
        "since the FIRST failure"
    );
    // The packet is still waiting in the office's outbox: nothing is lost.
    let stats = sidik_store::SyncStore::sync_stats(w.office_store.as_ref())
        .await
        .unwrap();
    assert_eq!(stats.menunggu, 1);
}
