//! The decider's lease (`CentreStore::decider_lease`) and the publication it fences
//! (`CentreStore::decisions_publish_batch` with a `LeaseFence`).

use std::time::Duration;

use sidik_domain::*;
use sidik_store::*;

use super::{audit, t};
use crate::fixtures::resident;

const TTL: Duration = Duration::from_secs(10);

/// Exactly one holder at a time: taken only if free, expired or already the taker's; the
/// epoch changes with the holder and never on a renewal; a publication fenced with a
/// lease that is no longer the holder's (another took it, or it expired) writes nothing.
pub async fn decider_lease<S: CentreStore>(s: &S) {
    let take = |holder: &'static str, sec: i64| s.decider_lease(holder, t(sec), TTL, None);
    // Free: A takes it (until 10); B cannot while it runs.
    let a1 = take("pusat-a", 0)
        .await
        .unwrap()
        .expect("a free lease is taken");
    assert_eq!(take("pusat-b", 1).await.unwrap(), None);
    // A renews (until 15): same epoch; B still cannot, up to the last instant.
    assert_eq!(take("pusat-a", 5).await.unwrap(), Some(a1));
    assert_eq!(take("pusat-b", 14).await.unwrap(), None);
    // Expired at 15: B takes it with a new epoch; A's renewal now fails.
    let b1 = take("pusat-b", 15)
        .await
        .unwrap()
        .expect("an expired lease is taken");
    assert_ne!(b1, a1);
    assert_eq!(take("pusat-a", 16).await.unwrap(), None);
    // A holder that re-takes its own expired lease keeps its epoch (nobody took it).
    assert_eq!(take("pusat-b", 40).await.unwrap(), Some(b1));

    // A packet to decide, and its decision.
    let kantor = KodeKantor::parse("317201").unwrap();
    let nomor = NomorRegistrasi::mint(&kantor, 90, t(30));
    let p = PaketMasuk {
        packet_id: "pk-lease".into(),
        nomor: nomor.clone(),
        kantor: kantor.clone(),
        nik: resident(95).nik,
        nama: "WARGA".into(),
        kelurahan: "3172011001".into(),
        operator: "op".into(),
        sha256: format!("{:064}", 9090),
        bytes: vec![9; 8],
        jari: vec![(1, vec![1, 2, 3])],
        diterima: t(31),
        direkam: t(30),
    };
    assert_eq!(
        s.packet_record(&p, audit("paket.terima", "pk-lease", 31))
            .await
            .unwrap(),
        Diterima::Baru
    );
    let item = PublishItem {
        decided: Some("pk-lease".into()),
        decisions: vec![KeputusanBaru {
            kantor: kantor.clone(),
            nomor: nomor.clone(),
            packet_id: "pk-lease".into(),
            sebab: "pk-lease".into(),
            hasil: Hasil::Tunggal,
            kandidat: vec![],
            catatan: "unik".into(),
            waktu: t(41),
        }],
        audits: vec![audit("keputusan.tunggal", nomor.as_str(), 41)],
    };
    let fence = |holder: &str, epoch, sec| LeaseFence {
        holder: holder.into(),
        epoch,
        now: t(sec),
    };
    let undecided = || async {
        s.packets_undecided(100, None, &Default::default())
            .await
            .unwrap()
            .iter()
            .any(|p| p.packet_id == "pk-lease")
    };
    // Refused, and nothing written: A lost the lease; B's lease expired by 50 (from 40);
    // B under an epoch it no longer has.
    for f in [
        fence("pusat-a", a1, 41),
        fence("pusat-b", b1, 50),
        fence("pusat-b", b1 + 1, 41),
    ] {
        let r = s
            .decisions_publish_batch(std::slice::from_ref(&item), Some(&f))
            .await;
        assert!(matches!(r, Err(StoreError::Stale(_))), "{f:?}: {r:?}");
        assert!(s.decisions_for(nomor.as_str()).await.unwrap().is_empty());
        assert!(undecided().await, "{f:?} wrote the packet's state");
    }
    // B, still holding it: published, and the packet is decided.
    assert_eq!(
        s.decisions_publish_batch(std::slice::from_ref(&item), Some(&fence("pusat-b", b1, 45)))
            .await
            .unwrap(),
        1
    );
    assert_eq!(s.decisions_for(nomor.as_str()).await.unwrap().len(), 1);
    assert!(!undecided().await);

    // Many takers of an expired lease at once: exactly one wins.
    let (r1, r2, r3, r4) = tokio::join!(
        take("pusat-c", 60),
        take("pusat-d", 60),
        take("pusat-e", 60),
        take("pusat-f", 60),
    );
    let won: Vec<i64> = [r1, r2, r3, r4]
        .into_iter()
        .filter_map(|r| r.unwrap())
        .collect();
    assert_eq!(won.len(), 1, "{won:?}");
    assert_ne!(won[0], b1);

    // A restart succeeds its dead predecessor at once, while its lease still runs; and
    // only once.
    let x1 = take("pusat-x", 80).await.unwrap().expect("expired at 70");
    let succeed =
        |holder: &'static str, sec: i64| s.decider_lease(holder, t(sec), TTL, Some("pusat-x"));
    let y1 = succeed("pusat-y", 81)
        .await
        .unwrap()
        .expect("succeeds pusat-x");
    assert_ne!(y1, x1);
    assert_eq!(succeed("pusat-z", 82).await.unwrap(), None);
    assert_eq!(take("pusat-x", 83).await.unwrap(), None);
    assert_eq!(take("pusat-y", 84).await.unwrap(), Some(y1));
}
