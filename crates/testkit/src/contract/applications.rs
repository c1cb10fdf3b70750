//! `Store`: applications.

use sidik_domain::biometrik::{AlasanPengecualian, PosisiJari};
use sidik_domain::permohonan::{HasilKetunggalan, Kandidat};
use sidik_domain::*;
use sidik_store::*;

use super::{audit, bio, new_app, t, two_applications, verify_chain};
use crate::fixtures::resident;

/// Applications: creation (idempotency, one open per NIK), biometrics, transitions
/// with optimistic concurrency, listing, audit.
pub async fn applications(s: &dyn Store) {
    let p = resident(10);
    let q = resident(11);
    s.residents_upsert(&[p.clone(), q.clone()], audit("penduduk.import", "b", 3))
        .await
        .unwrap();
    let audit_before = verify_chain(s).await;

    let created = s
        .application_create(
            &new_app(&p, Some("k1"), 10),
            &bio(1),
            audit("permohonan.rekam", "?", 10),
        )
        .await
        .unwrap();
    let Created::New(a) = created else {
        panic!("first create is new")
    };
    assert_eq!(a.status, Status::Direkam);
    assert_eq!(a.nomor.kantor(), "317201");
    assert_eq!(a.riwayat.len(), 1);

    // Idempotent replay returns the same application.
    let again = s
        .application_create(
            &new_app(&p, Some("k1"), 11),
            &bio(1),
            audit("permohonan.rekam", "?", 11),
        )
        .await
        .unwrap();
    assert_eq!(again, Created::Replayed(a.clone()));
    // The same key for a different request is a conflict, not a replay.
    assert!(matches!(
        s.application_create(
            &new_app(&q, Some("k1"), 11),
            &bio(1),
            audit("permohonan.rekam", "?", 11)
        )
        .await,
        Err(StoreError::KeyReused(_))
    ));
    // A second open application for the same NIK is refused and writes nothing.
    let audits_mid = verify_chain(s).await;
    assert!(matches!(
        s.application_create(
            &new_app(&p, Some("k2"), 12),
            &bio(2),
            audit("permohonan.rekam", "?", 12)
        )
        .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(verify_chain(s).await, audits_mid);
    assert_eq!(s.applications_of_nik(&p.nik).await.unwrap().len(), 1);

    // Registration numbers differ per application (office sequence).
    let Created::New(b) = s
        .application_create(
            &new_app(&q, None, 13),
            &bio(3),
            audit("permohonan.rekam", "?", 13),
        )
        .await
        .unwrap()
    else {
        panic!()
    };
    assert_ne!(a.nomor, b.nomor);

    transitions_and_listing(s, audit_before, &a, &b, &q).await;
}

async fn transitions_and_listing(
    s: &dyn Store,
    audit_before: u64,
    a: &Permohonan,
    b: &Permohonan,
    q: &Penduduk,
) {
    // Biometrics are content-addressed.
    let r = s.biometrik_ref(a.nomor.as_str()).await.unwrap().unwrap();
    assert_eq!(r.jari.len(), 2);
    assert_eq!(
        r.pengecualian,
        vec![(PosisiJari::new(1).unwrap(), AlasanPengecualian::Cedera)]
    );
    assert_eq!(
        s.blob_get(&r.jari[0].sha256).await.unwrap(),
        Some(vec![1, 2])
    );
    assert_eq!(s.gallery_templates().await.unwrap().len(), 4);

    // Transitions with optimistic concurrency.
    let mut a2 = a.clone();
    a2.terapkan(Aksi::Kirim, "user:contract".into(), t(20), None)
        .unwrap();
    let entry = a2.riwayat.last().unwrap().clone();
    s.application_transition(
        a.nomor.as_str(),
        Status::Direkam,
        std::slice::from_ref(&entry),
        None,
        vec![audit("permohonan.kirim", a.nomor.as_str(), 20)],
    )
    .await
    .unwrap();
    assert!(matches!(
        s.application_transition(
            a.nomor.as_str(),
            Status::Direkam,
            &[entry],
            None,
            vec![audit("permohonan.kirim", a.nomor.as_str(), 20)]
        )
        .await,
        Err(StoreError::Stale(_))
    ));
    a2.terapkan(Aksi::HasilGanda, "sistem:abis".into(), t(21), None)
        .unwrap();
    let hasil = HasilKetunggalan {
        biometrik: true,
        catatan: "1 kandidat".into(),
        kandidat: vec![Kandidat {
            permohonan: b.nomor.to_string(),
            nik: q.nik.to_string(),
            skor: 87.5,
            jari_cocok: 2,
        }],
    };
    s.application_transition(
        a.nomor.as_str(),
        Status::Dikirim,
        &a2.riwayat[2..],
        Some(&hasil),
        vec![audit("permohonan.hasil_ganda", a.nomor.as_str(), 21)],
    )
    .await
    .unwrap();
    let got = s.application_get(a.nomor.as_str()).await.unwrap().unwrap();
    assert_eq!(got.status, Status::Ganda);
    assert_eq!(got.riwayat, a2.riwayat);
    assert_eq!(got.ketunggalan, Some(hasil));
    assert!(s
        .application_transition("nope", Status::Direkam, &a2.riwayat[1..2], None, vec![])
        .await
        .is_err());

    // Listing and counts.
    let f = ListFilter {
        kecamatan: Some("31.72.01".into()),
        limit: 50,
        ..Default::default()
    };
    assert_eq!(s.application_list(&f).await.unwrap().len(), 2);
    let f2 = ListFilter {
        status: Some(Status::Ganda),
        limit: 50,
        ..Default::default()
    };
    assert_eq!(s.application_list(&f2).await.unwrap().len(), 1);
    let f3 = ListFilter {
        kecamatan: Some("31.72.02".into()),
        limit: 50,
        ..Default::default()
    };
    assert!(s.application_list(&f3).await.unwrap().is_empty());
    let counts = s.application_counts(&f).await.unwrap();
    assert!(counts.contains(&(Status::Ganda, 1)));
    assert!(counts.contains(&(Status::Direkam, 1)));
    let f4 = ListFilter {
        dari: Some(t(13)),
        limit: 50,
        ..Default::default()
    };
    assert_eq!(s.application_list(&f4).await.unwrap().len(), 1);

    // Audit: two creates + two transitions were chained, and each names its subject.
    assert_eq!(verify_chain(s).await, audit_before + 4);
    assert_eq!(s.audit_of_subject(a.nomor.as_str()).await.unwrap().len(), 3);
}

/// Several applications' changes commit together or not at all: a stale one among
/// them rolls back the others, audit entries included. A change without timeline
/// entries updates the check result only, if the application is still in `from`.
pub async fn applications_transition_is_all_or_nothing(s: &dyn Store) {
    let (apps, q) = two_applications(s, 60).await;
    let kirim = |a: &Permohonan| {
        let mut a = a.clone();
        a.terapkan(Aksi::Kirim, "user:contract".into(), t(30), None)
            .unwrap();
        Transisi {
            nomor: a.nomor.to_string(),
            from: Status::Direkam,
            entries: a.riwayat[1..].to_vec(),
            hasil: None,
            audits: vec![audit("permohonan.kirim", a.nomor.as_str(), 30)],
            suket: None,
        }
    };
    let mut stale = kirim(&apps[1]);
    stale.from = Status::Dikirim;
    let before = verify_chain(s).await;
    assert!(matches!(
        s.applications_transition(&[kirim(&apps[0]), stale]).await,
        Err(StoreError::Stale(_))
    ));
    assert_eq!(verify_chain(s).await, before, "no audit entry of the run");
    let status = |a: &Permohonan| {
        let nomor = a.nomor.to_string();
        async move { s.application_get(&nomor).await.unwrap().unwrap().status }
    };
    assert_eq!(status(&apps[0]).await, Status::Direkam, "rolled back");
    s.applications_transition(&[kirim(&apps[0]), kirim(&apps[1])])
        .await
        .unwrap();
    assert_eq!(status(&apps[0]).await, Status::Dikirim);
    assert_eq!(status(&apps[1]).await, Status::Dikirim);
    assert_eq!(verify_chain(s).await, before + 2);
    // Only the check result changes: stored if still in `from`, refused otherwise.
    let hasil = HasilKetunggalan {
        biometrik: true,
        catatan: "temuan".into(),
        kandidat: vec![Kandidat {
            permohonan: apps[1].nomor.to_string(),
            nik: q.nik.to_string(),
            skor: 90.0,
            jari_cocok: 4,
        }],
    };
    let only_hasil = |from| Transisi {
        nomor: apps[0].nomor.to_string(),
        from,
        entries: vec![],
        hasil: Some(hasil.clone()),
        audits: vec![audit("permohonan.temuan_ganda", apps[0].nomor.as_str(), 31)],
        suket: None,
    };
    assert!(matches!(
        s.applications_transition(&[only_hasil(Status::Direkam)])
            .await,
        Err(StoreError::Stale(_))
    ));
    s.applications_transition(&[only_hasil(Status::Dikirim)])
        .await
        .unwrap();
    let got = s
        .application_get(apps[0].nomor.as_str())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.status, Status::Dikirim);
    assert_eq!(got.ketunggalan, Some(hasil));
    assert_eq!(got.riwayat.len(), 2, "no timeline entry");
    assert_eq!(verify_chain(s).await, before + 3);
}
