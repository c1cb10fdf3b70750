//! `SyncStore` (an office's decision inbox) and `CentreStore` (the centre's queue).

use sidik_domain::*;
use sidik_store::*;

use super::{audit, t, two_applications, verify_chain};
use crate::fixtures::resident;

/// Centre decisions recorded at an office ([`SyncStore`]): a run of decisions is all or
/// nothing, and a decision already recorded is a no-op.
pub async fn decision_batches<S: Store + SyncStore>(s: &S) {
    use sidik_domain::keputusan::{terapkan_keputusan, Penerapan};
    let (apps, _) = two_applications(s, 40).await;
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
pub async fn undecided_queue_and_hold<S: CentreStore>(s: &S) {
    // (packet, enrolled at, received at); received out of enrollment order.
    let packets = [("pk-c", 30, 100), ("pk-a", 10, 101), ("pk-b", 20, 102)];
    for (i, (id, direkam, diterima)) in packets.into_iter().enumerate() {
        let kantor = KodeKantor::parse("317201").unwrap();
        let p = PaketMasuk {
            packet_id: id.into(),
            nomor: NomorRegistrasi::mint(&kantor, i as u64 + 1, t(direkam)),
            kantor,
            nik: resident(80 + i as u16).nik,
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
