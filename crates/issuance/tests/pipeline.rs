//! The issuance use cases on their own (no HTTP): role checks, the standalone and
//! office finality, the symmetric-hit rule, the injected randomness of sealing, and
//! applying the centre's decisions exactly once. Storage is the real SQLite backend.

use std::sync::Arc;

use sidik_abis_gallery::{GalleryAbis, IsoTemplates};
use sidik_domain::audit::AuditDraft;
use sidik_domain::{Aksi, Hasil, Keputusan, KodeKantor, Peran, Status};
use sidik_issuance::{EnrollInput, Entropy, Finality, Issuance, IssuanceError, Uplink};
use sidik_packet::{CentreKeys, OfficeKeys};
use sidik_ports::{OsEntropy, SystemClock};
use sidik_store::{Created, Store, SyncStore};
use sidik_store_sqlite::SqliteStore;
use sidik_testkit::fixtures::{fingers, officer, png, resident};

struct Office {
    _dir: tempfile::TempDir,
    store: Arc<SqliteStore>,
    iss: Issuance,
}

/// An office over a fresh database with residents 1..=8; `centre`: answers to a
/// centre (packets sealed with `entropy`), else standalone.
async fn office(centre: bool, entropy: Arc<dyn Entropy>) -> Office {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open_dir(dir.path()).await.unwrap());
    let people: Vec<_> = (1..=8).map(resident).collect();
    store
        .residents_upsert(
            &people,
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
    let finality = if centre {
        let centre_keys = CentreKeys::generate(&mut sidik_packet::rand_core::OsRng);
        Finality::Centre(Arc::new(Uplink {
            keys: Arc::new(OfficeKeys::generate(&mut sidik_packet::rand_core::OsRng)),
            centre: centre_keys.public().sealing,
            sync: store.clone(),
            wake: Box::new(|| {}),
        }))
    } else {
        Finality::Local
    };
    let iss = Issuance {
        store: store.clone(),
        abis: Arc::new(GalleryAbis::default()),
        templates: Arc::new(IsoTemplates),
        clock: Arc::new(SystemClock),
        entropy,
        kantor: KodeKantor::parse("317201").unwrap(),
        finality,
        suket: None,
        eta_cache: Default::default(),
    };
    Office {
        _dir: dir,
        store,
        iss,
    }
}

fn input(n: u16, person: u64, impression: u32) -> EnrollInput {
    let p = resident(n);
    EnrollInput {
        nik: p.nik.to_string(),
        kelurahan: p.kelurahan.clone(),
        jari: fingers(person, impression),
        foto: Some(png()),
        tanda_tangan: Some(png()),
        ..Default::default()
    }
}

async fn enroll(o: &Office, n: u16, person: u64, impression: u32) -> String {
    let op = officer("operator", Peran::Operator);
    match o
        .iss
        .enroll(&op, input(n, person, impression))
        .await
        .unwrap()
    {
        Created::New(a) => a.nomor.to_string(),
        Created::Replayed(_) => panic!("a new application"),
    }
}

async fn audit_len(o: &Office) -> usize {
    o.store.audit_page(0, 10_000).await.unwrap().len()
}

#[tokio::test]
async fn roles_are_checked_in_the_use_case_and_a_refusal_writes_nothing() {
    let o = office(false, Arc::new(OsEntropy)).await;
    let before = audit_len(&o).await;
    let cetak = officer("pencetak", Peran::Pencetak);
    let e = o.iss.enroll(&cetak, input(1, 1, 0)).await.unwrap_err();
    assert!(matches!(e, IssuanceError::Forbidden { .. }), "{e:?}");
    assert_eq!(audit_len(&o).await, before);
    let nomor = enroll(&o, 1, 1, 0).await;
    let e = o.iss.check(&cetak, &nomor).await.unwrap_err();
    assert!(matches!(e, IssuanceError::Forbidden { .. }), "{e:?}");
    let op = officer("operator", Peran::Operator);
    let e = o
        .iss
        .transition(&op, &nomor, Aksi::Cetak, None)
        .await
        .unwrap_err();
    assert!(matches!(e, IssuanceError::Forbidden { .. }), "{e:?}");
}

#[tokio::test]
async fn a_standalone_check_is_final_and_a_hit_flags_both_sides_in_one_step() {
    let o = office(false, Arc::new(OsEntropy)).await;
    let ver = officer("verifikator", Peran::Verifikator);
    let a = enroll(&o, 1, 5, 0).await;
    assert_eq!(
        o.iss.check(&ver, &a).await.unwrap().status,
        Status::SiapCetak
    );
    let b = enroll(&o, 2, 5, 1).await;
    let checked = o.iss.check(&ver, &b).await.unwrap();
    assert_eq!(checked.status, Status::Ganda);
    let first = o.iss.get(&a).await.unwrap();
    assert_eq!(
        first.status,
        Status::Ganda,
        "the earlier side is flagged too"
    );
    let named: Vec<_> = first
        .ketunggalan
        .unwrap()
        .kandidat
        .into_iter()
        .map(|k| k.permohonan)
        .collect();
    assert_eq!(named, vec![b]);
    // A different person stays clear.
    let c = enroll(&o, 3, 6, 0).await;
    assert_eq!(
        o.iss.check(&ver, &c).await.unwrap().status,
        Status::SiapCetak
    );
}

#[tokio::test]
async fn an_office_seals_every_enrollment_in_its_transaction_and_waits_for_the_centre() {
    let o = office(true, Arc::new(OsEntropy)).await;
    let ver = officer("verifikator", Peran::Verifikator);
    let a = enroll(&o, 1, 7, 0).await;
    let waiting = o.store.outbox_waiting(10).await.unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0].nomor, a);
    assert_eq!(
        o.iss.check(&ver, &a).await.unwrap().status,
        Status::Dikirim,
        "the centre has the last word"
    );
    // Approval is the centre's on an office node.
    let e = o
        .iss
        .transition(&ver, &a, Aksi::Setujui, None)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "decided_by_centre");
}

/// An entropy source that has failed.
struct Broken;

impl Entropy for Broken {
    fn fill(&self, _: &mut [u8]) -> Result<(), String> {
        Err("no entropy".into())
    }
}

#[tokio::test]
async fn sealing_draws_its_randomness_from_the_injected_source() {
    let o = office(true, Arc::new(Broken)).await;
    let before = audit_len(&o).await;
    let op = officer("operator", Peran::Operator);
    let e = o.iss.enroll(&op, input(1, 1, 0)).await.unwrap_err();
    assert!(e.to_string().contains("no entropy"), "{e}");
    assert_eq!(audit_len(&o).await, before, "nothing written");
    assert!(o.store.outbox_waiting(10).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_centre_decision_is_applied_once_however_often_it_arrives() {
    let o = office(true, Arc::new(OsEntropy)).await;
    let ver = officer("verifikator", Peran::Verifikator);
    let a = enroll(&o, 1, 8, 0).await;
    o.iss.check(&ver, &a).await.unwrap();
    let k = Keputusan {
        seq: 1,
        nomor: sidik_domain::NomorRegistrasi::parse(&a).unwrap(),
        packet_id: "317201-0000000001".into(),
        hasil: Hasil::Tunggal,
        kandidat: vec![],
        catatan: "Verifikasi ketunggalan nasional: tidak ada kecocokan".into(),
        waktu: jiff::Timestamp::now(),
    };
    assert_eq!(
        o.iss
            .apply_decisions(&[k.clone(), k.clone()])
            .await
            .unwrap(),
        1
    );
    assert_eq!(o.iss.apply_decisions(&[k]).await.unwrap(), 0);
    assert_eq!(o.iss.get(&a).await.unwrap().status, Status::SiapCetak);
}
