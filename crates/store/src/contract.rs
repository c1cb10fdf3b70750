//! Contract tests: behaviour every [`Store`] backend must show.
//!
//! A backend's test suite calls [`run_all`] with a fresh, migrated, empty store.

use jiff::civil::date;
use jiff::Timestamp;
use sidik_domain::audit::{AuditDraft, ChainVerifier};
use sidik_domain::biometrik::{AlasanPengecualian, Biometrik, PosisiJari};
use sidik_domain::permohonan::{HasilKetunggalan, Kandidat};
use sidik_domain::*;

use crate::*;

fn t(sec: i64) -> Timestamp {
    Timestamp::from_second(1_441_778_400 + sec).unwrap()
}

fn audit(aksi: &str, subjek: &str, sec: i64) -> AuditDraft {
    AuditDraft {
        aktor: "user:contract".into(),
        aksi: aksi.into(),
        subjek: subjek.into(),
        waktu: t(sec),
        detail: String::new(),
    }
}

/// A valid resident with serial `n`.
pub fn resident(n: u16) -> Penduduk {
    let lahir = date(1985, 5, 15);
    Penduduk {
        nik: Nik::from_parts("317201", lahir, JenisKelamin::Perempuan, n).unwrap(),
        nomor_kk: NomorKk::parse("3172010905150012").unwrap(),
        hubungan: Hubungan::Istri,
        nama: format!("Siti Rahmawati {n}"),
        tempat_lahir: "Jakarta".into(),
        tanggal_lahir: lahir,
        jenis_kelamin: JenisKelamin::Perempuan,
        golongan_darah: GolonganDarah::OPlus,
        alamat: "Jl. Pluit Karang Indah No. 12".into(),
        rt_rw: RtRw::parse("005/009").unwrap(),
        kelurahan: "31.72.01.1005".into(),
        agama: Agama::Islam,
        status_perkawinan: StatusPerkawinan::Kawin,
        pekerjaan: "Karyawan Swasta".into(),
        kewarganegaraan: Kewarganegaraan::Wni,
        nama_ibu_kandung: "Aminah".into(),
    }
}

fn bio(seed: u8) -> Biometrik {
    let jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0, seed];
    Biometrik::new(
        vec![
            (PosisiJari::new(2).unwrap(), vec![seed, 2]),
            (PosisiJari::new(7).unwrap(), vec![seed, 7]),
        ],
        vec![(PosisiJari::new(1).unwrap(), AlasanPengecualian::Cedera)],
        Some(jpeg.clone()),
        Some(jpeg),
        |_| Ok(()),
    )
    .unwrap()
}

fn new_app(p: &Penduduk, key: Option<&str>, sec: i64) -> NewPermohonan {
    NewPermohonan {
        nik: p.nik.clone(),
        kantor: KodeKantor::parse("317201").unwrap(),
        kelurahan: p.kelurahan.clone(),
        nama: p.nama.clone(),
        aktor: "user:contract".into(),
        waktu: t(sec),
        idempotency_key: key.map(str::to_string),
    }
}

async fn verify_chain(s: &dyn Store) -> u64 {
    let mut v = ChainVerifier::default();
    let mut after = 0;
    loop {
        let page = s.audit_page(after, 100).await.unwrap();
        if page.is_empty() {
            break;
        }
        for e in &page {
            v.push(e).expect("audit chain intact");
            after = e.seq;
        }
    }
    v.checked
}

/// Runs every contract test in sequence on one store.
pub async fn run_all(s: &dyn Store) {
    users_and_sessions(s).await;
    residents(s).await;
    applications(s).await;
}

pub async fn users_and_sessions(s: &dyn Store) {
    let u = User {
        username: Username::parse("petugas1").unwrap(),
        peran: Peran::Operator,
        password_hash: "$argon2id$fake".into(),
        dibuat: t(0),
    };
    s.user_create(&u, audit("user.create", "petugas1", 0))
        .await
        .unwrap();
    assert!(matches!(
        s.user_create(&u, audit("user.create", "petugas1", 0)).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(s.user_get("petugas1").await.unwrap(), Some(u.clone()));
    assert_eq!(s.user_get("nobody").await.unwrap(), None);
    s.session_create("tok", "petugas1", t(100)).await.unwrap();
    assert_eq!(s.session_user("tok", t(50)).await.unwrap(), Some(u.clone()));
    assert_eq!(
        s.session_user("tok", t(101)).await.unwrap(),
        None,
        "expired"
    );
    s.session_delete("tok").await.unwrap();
    assert_eq!(s.session_user("tok", t(50)).await.unwrap(), None);
    // A new password ends existing sessions.
    s.session_create("tok2", "petugas1", t(100)).await.unwrap();
    s.user_set_password(
        "petugas1",
        "$argon2id$new",
        audit("user.password", "petugas1", 1),
    )
    .await
    .unwrap();
    assert_eq!(s.session_user("tok2", t(50)).await.unwrap(), None);
    assert_eq!(
        s.user_get("petugas1").await.unwrap().unwrap().password_hash,
        "$argon2id$new"
    );
    assert!(matches!(
        s.user_set_password("nobody", "x", audit("user.password", "nobody", 1))
            .await,
        Err(StoreError::NotFound(_))
    ));
}

pub async fn residents(s: &dyn Store) {
    let before = s.resident_count().await.unwrap();
    let batch: Vec<_> = (1..=3).map(resident).collect();
    assert_eq!(
        s.residents_upsert(&batch, audit("penduduk.import", "batch", 1))
            .await
            .unwrap(),
        3
    );
    assert_eq!(s.resident_count().await.unwrap(), before + 3);
    let got = s.resident_get(&batch[1].nik).await.unwrap().unwrap();
    assert_eq!(got, batch[1]);
    // Upsert replaces.
    let mut changed = batch[1].clone();
    changed.alamat = "Jl. Baru".into();
    s.residents_upsert(&[changed.clone()], audit("penduduk.import", "batch", 2))
        .await
        .unwrap();
    assert_eq!(
        s.resident_get(&batch[1].nik).await.unwrap().unwrap(),
        changed
    );
    assert_eq!(s.resident_count().await.unwrap(), before + 3);
    assert_eq!(s.residents_in("31.72.01.1005", 10).await.unwrap().len(), 3);
}

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
    // Outbox: one row per create and per transition.
    assert!(s.outbox_pending(100).await.unwrap().len() >= 4);
}

/// Centre decisions recorded at an office ([`SyncStore`]): a run of decisions is all or
/// nothing, and a decision already recorded is a no-op.
pub async fn decision_batches<S: Store + SyncStore>(s: &S) {
    use sidik_domain::keputusan::{terapkan_keputusan, Penerapan};
    let (p, q) = (resident(40), resident(41));
    s.residents_upsert(&[p.clone(), q.clone()], audit("penduduk.import", "d", 1))
        .await
        .unwrap();
    let mut apps = Vec::new();
    for (r, sec) in [(&p, 2), (&q, 3)] {
        let Created::New(a) = s
            .application_create(
                &new_app(r, None, sec),
                &bio(sec as u8),
                audit("permohonan.rekam", "?", sec),
            )
            .await
            .unwrap()
        else {
            panic!("new application")
        };
        apps.push(a);
    }
    let decision = |seq: i64, a: &Permohonan, hasil: Hasil| Keputusan {
        seq,
        nomor: a.nomor.clone(),
        packet_id: format!("pk-{seq}"),
        hasil,
        kandidat: vec![],
        catatan: "Verifikasi ketunggalan nasional".into(),
        waktu: t(50),
    };
    let plan = |k: Keputusan, a: &Permohonan| {
        let mut a = a.clone();
        let from = a.status;
        let Penerapan::Berubah { mulai, .. } = terapkan_keputusan(&mut a, &k, t(60)).unwrap()
        else {
            panic!("the decision moves the application")
        };
        let entries = a.riwayat[mulai..].to_vec();
        let audits = entries
            .iter()
            .map(|_| audit("permohonan.keputusan", a.nomor.as_str(), 60))
            .collect();
        RencanaKeputusan {
            keputusan: k,
            from,
            entries,
            audits,
        }
    };
    let status = |a: &Permohonan| {
        let nomor = a.nomor.to_string();
        async move { s.application_get(&nomor).await.unwrap().unwrap().status }
    };
    let good = plan(decision(1, &apps[0], Hasil::Tunggal), &apps[0]);
    // Planned from a state the application is no longer in.
    let mut stale = plan(decision(2, &apps[1], Hasil::Tunggal), &apps[1]);
    stale.from = Status::SiapCetak;
    let audits_before = verify_chain(s).await;
    assert!(matches!(
        s.decision_record_batch(&[good.clone(), stale]).await,
        Err(StoreError::Stale(_))
    ));
    // Nothing of the run was written, not even the good decision before the stale one.
    assert_eq!(verify_chain(s).await, audits_before);
    assert!(s
        .decisions_of(apps[0].nomor.as_str())
        .await
        .unwrap()
        .is_empty());
    assert_eq!(status(&apps[0]).await, Status::Direkam);
    assert_eq!(s.sync_stats().await.unwrap().kursor, 0);

    let fresh = plan(decision(2, &apps[1], Hasil::Ganda), &apps[1]);
    assert_eq!(
        s.decision_record_batch(&[good.clone(), fresh.clone()])
            .await
            .unwrap(),
        vec![true, true]
    );
    assert_eq!(status(&apps[0]).await, Status::SiapCetak);
    assert_eq!(status(&apps[1]).await, Status::Ganda);
    assert_eq!(s.sync_stats().await.unwrap().kursor, 2);
    // The same run again (a feed page fetched twice) records nothing.
    let audits_after = verify_chain(s).await;
    assert_eq!(
        s.decision_record_batch(&[good, fresh]).await.unwrap(),
        vec![false, false]
    );
    assert_eq!(verify_chain(s).await, audits_after);
    assert_eq!(
        s.decisions_of(apps[1].nomor.as_str()).await.unwrap().len(),
        1
    );
}

/// The centre's undecided queue: enrollment order, and the hold filters before any
/// template is read (a packet waits unless enrolled before `from` or received long ago).
pub async fn undecided_queue_and_hold<S: CentralStore>(s: &S) {
    // (packet, enrolled at, received at); received out of enrollment order.
    let packets = [("pk-c", 30, 100), ("pk-a", 10, 101), ("pk-b", 20, 102)];
    for (i, (id, direkam, diterima)) in packets.into_iter().enumerate() {
        let p = PaketMasuk {
            packet_id: id.into(),
            kantor: "3172010".into(),
            nomor: format!("3172010-{i}"),
            nik: format!("317201150585{:04}", i + 1),
            nama: "WARGA".into(),
            kelurahan: "3172011001".into(),
            operator: "op".into(),
            sha256: format!("{i:064}"),
            bytes: vec![i as u8; 8],
            jari: vec![(1, vec![1, 2, 3]), (6, vec![4, 5, 6])],
            diterima: t(diterima),
            direkam: t(direkam),
        };
        assert_eq!(
            s.packet_record(&p, audit("paket.terima", id, diterima))
                .await
                .unwrap(),
            Diterima::Baru
        );
    }
    let ids = |v: Vec<PaketTunggu>| v.into_iter().map(|p| p.packet_id).collect::<Vec<_>>();
    let none = std::collections::HashSet::new();
    assert_eq!(
        ids(s.packets_undecided(10, None, &none).await.unwrap()),
        ["pk-a", "pk-b", "pk-c"]
    );
    let all = s.packets_undecided(1, None, &none).await.unwrap();
    assert_eq!(all[0].jari, vec![(1, vec![1, 2, 3]), (6, vec![4, 5, 6])]);
    // Held from t(20): only pk-a goes, ...
    let hold = |from, received_by| Tahan {
        from: t(from),
        received_by: t(received_by),
    };
    assert_eq!(
        ids(s
            .packets_undecided(10, Some(hold(20, 0)), &none)
            .await
            .unwrap()),
        ["pk-a"]
    );
    // ... and pk-c too once it has waited long enough (received at or before 100).
    assert_eq!(
        ids(s
            .packets_undecided(10, Some(hold(20, 100)), &none)
            .await
            .unwrap()),
        ["pk-a", "pk-c"]
    );
    // The limit counts packets that pass the hold only.
    assert_eq!(
        ids(s
            .packets_undecided(1, Some(hold(15, 102)), &none)
            .await
            .unwrap()),
        ["pk-a"]
    );
    // Packets being decided already are skipped, and the limit counts the others.
    let skip: std::collections::HashSet<String> = ["pk-a".to_string()].into();
    assert_eq!(
        ids(s.packets_undecided(1, None, &skip).await.unwrap()),
        ["pk-b"]
    );
    assert_eq!(
        ids(s.packets_undecided(10, None, &skip).await.unwrap()),
        ["pk-b", "pk-c"]
    );
    assert!(s
        .packets_undecided(10, Some(hold(5, 99)), &none)
        .await
        .unwrap()
        .is_empty());
}
