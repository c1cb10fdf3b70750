//! The centre officers' acts check the officer's role in the use case (not in HTTP),
//! and a refused act writes nothing.

use std::sync::Arc;

use sidik_abis_gallery::{GalleryAbis, IsoTemplates};
use sidik_domain::{KodeKantor, Peran};
use sidik_packet::{CentreKeys, OfficeKeys};
use sidik_ports::SystemClock;
use sidik_store::CentreStore;
use sidik_store_sqlite::SqliteStore;
use sidik_sync::centre::{Actor, CentreError};
use sidik_sync::Centre;
use sidik_testkit::fixtures::officer;

#[tokio::test]
async fn each_act_needs_its_role_and_a_refusal_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open_dir(dir.path()).await.unwrap());
    let centre = Centre::new(
        store.clone(),
        CentreKeys::generate(&mut sidik_packet::rand_core::OsRng),
        Arc::new(GalleryAbis::default()),
        Arc::new(IsoTemplates),
        Arc::new(SystemClock),
    )
    .await
    .unwrap();
    let kode = KodeKantor::parse("317201").unwrap();
    let key = OfficeKeys::generate(&mut sidik_packet::rand_core::OsRng).public_key();
    let (op, ver, cetak, admin) = (
        officer("operator", Peran::Operator),
        officer("verifikator", Peran::Verifikator),
        officer("pencetak", Peran::Pencetak),
        officer("admin", Peran::Admin),
    );

    for u in [&op, &ver, &cetak] {
        assert!(forbidden(
            centre
                .register_office(Actor::Officer(u), &kode, "Penjaringan", &key)
                .await
        ));
        assert!(forbidden(
            centre
                .revoke_office(Actor::Officer(u), &kode, &key.to_string())
                .await
        ));
        assert!(forbidden(centre.quarantine(Actor::Officer(u), 10).await));
    }
    assert!(store.offices().await.unwrap().is_empty(), "nothing written");
    for u in [&op, &cetak] {
        assert!(forbidden(centre.ganda_cases(Actor::Officer(u), 10).await));
        assert!(forbidden(
            centre
                .adjudicate(Actor::Officer(u), "x", true, "alasan")
                .await
        ));
    }
    // The right roles get past the check (and meet the next rule).
    centre
        .register_office(Actor::Officer(&admin), &kode, "Penjaringan", &key)
        .await
        .unwrap();
    assert_eq!(store.offices().await.unwrap().len(), 1);
    assert!(centre.ganda_cases(Actor::Officer(&ver), 10).await.is_ok());
    assert!(matches!(
        centre
            .adjudicate(Actor::Officer(&ver), "x", true, " ")
            .await,
        Err(CentreError::Invalid {
            code: "reason_required",
            ..
        })
    ));
    assert!(matches!(
        centre
            .adjudicate(Actor::Officer(&ver), "x", true, "beda orang")
            .await,
        Err(CentreError::NotFound(_))
    ));
    // The audit chain names the officer.
    let audit = sidik_store::Store::audit_page(store.as_ref(), 0, 100)
        .await
        .unwrap();
    assert!(audit
        .iter()
        .any(|e| e.aktor == "user:admin" && e.aksi == "kantor.daftar"));
}

fn forbidden<T>(r: Result<T, CentreError>) -> bool {
    matches!(r, Err(CentreError::Forbidden { .. }))
}
