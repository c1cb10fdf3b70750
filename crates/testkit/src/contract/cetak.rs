//! The document desk's storage contract: Suket records (issued with a transition,
//! revoked by the transition that ends them, one active at a time, renewal), the blank
//! ledger (never negative, always balanced, every movement recorded), the print queue's
//! order (urgent need by date, then elderly or disabled, then enrollment order) and a
//! batch (capacity, blanks, all or nothing, a spoiled print back in its place).

use jiff::civil::date;
use sidik_domain::suket::StatusSuket;

use super::*;

fn suket(nomor: &str, ke: u32, sec: i64) -> SuketBaru {
    SuketBaru {
        nomor_suket: format!("SKT-{nomor}-{ke}"),
        nomor: nomor.to_string(),
        ke,
        kid: "00".repeat(8),
        diterbitkan: t(sec),
        berlaku_hingga: t(sec + 1000),
        qr: format!("QR{ke}"),
    }
}

/// Moves an application along `path` (already valid in the domain), recording `s`
/// with the first step.
async fn go(st: &dyn Store, p: &mut Permohonan, path: &[Aksi], s: Option<SuketBaru>, sec: i64) {
    let from = p.status;
    let start = p.riwayat.len();
    for a in path {
        let alasan = (*a == Aksi::Tolak).then(|| "x".to_string());
        p.terapkan(*a, "user:contract".into(), t(sec), alasan)
            .unwrap();
    }
    st.applications_transition(&[Transisi {
        nomor: p.nomor.to_string(),
        from,
        entries: p.riwayat[start..].to_vec(),
        hasil: None,
        audits: vec![audit("permohonan.x", p.nomor.as_str(), sec)],
        suket: s,
    }])
    .await
    .unwrap();
}

pub async fn suket_records(s: &dyn Store) {
    let (mut apps, _) = two_applications(s, 300).await;
    let (a, b) = (apps[0].nomor.to_string(), apps[1].nomor.to_string());
    go(
        s,
        &mut apps[0],
        &[Aksi::Kirim, Aksi::HasilTunggal, Aksi::Setujui],
        Some(suket(&a, 1, 10)),
        10,
    )
    .await;
    let held = s.suket_of(&a).await.unwrap();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].status, StatusSuket::Aktif);
    assert_eq!(
        s.suket_get(&format!("SKT-{a}-1"))
            .await
            .unwrap()
            .unwrap()
            .suket
            .qr,
        "QR1"
    );
    // One active Suket per application.
    assert!(matches!(
        s.suket_issue(&suket(&a, 2, 11), None, audit("suket.terbit", &a, 11))
            .await,
        Err(StoreError::Conflict(_))
    ));
    // A renewal replaces it; a stale renewal is refused.
    s.suket_issue(
        &suket(&a, 2, 12),
        Some(&format!("SKT-{a}-1")),
        audit("suket.perpanjang", &a, 12),
    )
    .await
    .unwrap();
    assert!(matches!(
        s.suket_issue(
            &suket(&a, 3, 13),
            Some(&format!("SKT-{a}-1")),
            audit("suket.perpanjang", &a, 13)
        )
        .await,
        Err(StoreError::Stale(_))
    ));
    let held = s.suket_of(&a).await.unwrap();
    assert_eq!(
        held.iter().map(|x| x.status).collect::<Vec<_>>(),
        vec![StatusSuket::Diganti, StatusSuket::Aktif]
    );
    assert_eq!(s.suket_expiring(t(2000), 10).await.unwrap().len(), 1);
    // The citizen's lookup reads the same facts at once: the application without its
    // timeline, the resident's RT/RW, the latest Suket, the queue ahead.
    let l = s.status_lookup(&a).await.unwrap().unwrap();
    let full = s.application_get(&a).await.unwrap().unwrap();
    assert_eq!(l.permohonan.nomor, full.nomor);
    assert_eq!(l.permohonan.nik, full.nik);
    assert_eq!(l.permohonan.status, Status::SiapCetak);
    assert_eq!(l.permohonan.dibuat, full.dibuat);
    assert!(l.permohonan.riwayat.is_empty());
    assert_eq!(l.rt_rw, Some(crate::fixtures::resident(300).rt_rw));
    let latest = l.suket.expect("the latest Suket");
    assert_eq!(latest.suket.nomor_suket, format!("SKT-{a}-2"));
    assert_eq!(latest.status, StatusSuket::Aktif);
    assert_eq!(l.didahului, s.print_queue_ahead(&a).await.unwrap());
    assert!(l.didahului.is_some());
    let lb = s.status_lookup(&b).await.unwrap().unwrap();
    assert!(lb.suket.is_none());
    assert_eq!(lb.didahului, s.print_queue_ahead(&b).await.unwrap());
    assert!(s.status_lookup("nope").await.unwrap().is_none());
    assert!(s.suket_expiring(t(100), 10).await.unwrap().is_empty());
    // b is rejected after the check: no Suket to revoke, nothing breaks.
    go(s, &mut apps[1], &[Aksi::Kirim, Aksi::Tolak], None, 14).await;
    // a is flagged ganda by the centre: revoked in the same transaction, with a reason.
    go(s, &mut apps[0], &[Aksi::TandaiGanda], None, 15).await;
    let held = s.suket_of(&a).await.unwrap();
    assert_eq!(held[1].status, StatusSuket::Dicabut);
    assert_eq!(held[1].alasan.as_deref(), Some("ganda"));
    assert_eq!(held[1].dicabut, Some(t(15)));
    // An officer's revocation of a revoked one is refused; an unknown one is not found.
    assert!(matches!(
        s.suket_revoke(
            &format!("SKT-{a}-2"),
            "petugas",
            Some("x"),
            t(16),
            audit("suket.cabut", &a, 16)
        )
        .await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        s.suket_revoke(
            "SKT-nope-1",
            "petugas",
            None,
            t(16),
            audit("suket.cabut", "x", 16)
        )
        .await,
        Err(StoreError::NotFound(_))
    ));
    let revoked = s.suket_revoked().await.unwrap();
    assert_eq!(revoked.len(), 1);
    assert!(s.suket_of(&b).await.unwrap().is_empty());
    let stats = s.suket_stats().await.unwrap();
    assert_eq!((stats.aktif, stats.dicabut, stats.diganti), (0, 1, 1));
    verify_chain(s).await;
}

pub async fn blank_ledger_and_batches(s: &dyn Store) {
    // Three applications ready to print: the third declared an urgent need, the
    // second is elderly.
    let (mut first, _) = two_applications(s, 320).await;
    let (mut second, _) = two_applications(s, 330).await;
    let mut apps: Vec<Permohonan> = first.drain(..1).chain(second.drain(..1)).collect();
    for (i, p) in apps.iter_mut().enumerate() {
        go(
            s,
            p,
            &[Aksi::Kirim, Aksi::HasilTunggal, Aksi::Setujui],
            None,
            20 + i as i64,
        )
        .await;
    }
    let queue = s.print_queue(10, 0).await.unwrap();
    let mine: Vec<_> = queue
        .iter()
        .filter(|i| apps.iter().any(|a| a.nomor.as_str() == i.nomor))
        .map(|i| i.nomor.clone())
        .collect();
    assert_eq!(
        mine,
        vec![apps[0].nomor.to_string(), apps[1].nomor.to_string()]
    );
    assert_eq!(
        s.print_queue_position(apps[1].nomor.as_str())
            .await
            .unwrap(),
        queue
            .iter()
            .position(|i| i.nomor == apps[1].nomor.as_str())
            .map(|p| p as u64)
    );
    // Cards before each: the queue ahead and what still waits for the decision.
    let ahead = |i: usize| {
        let nomor = apps[i].nomor.to_string();
        async move { s.print_queue_ahead(&nomor).await.unwrap().unwrap() }
    };
    assert_eq!(ahead(1).await.pasti, ahead(0).await.pasti + 1);
    assert!(ahead(1).await.menyusul.is_empty());
    assert_eq!(s.decisions_received_since(t(0)).await.unwrap(), 0);
    assert_eq!(s.print_queue_ahead("nope").await.unwrap(), None);
    // The ledger: receive, refuse what is not there, never unbalanced.
    assert_eq!(s.blanko().await.unwrap(), BukuBlanko::default());
    assert!(matches!(
        s.blanko_spoil_stock(1, t(30), audit("blanko.rusak_stok", "blanko", 30))
            .await,
        Err(StoreError::Conflict(_))
    ));
    let l = s
        .blanko_receive(2, None, t(31), audit("blanko.terima", "blanko", 31))
        .await
        .unwrap();
    assert_eq!((l.diterima, l.ada()), (2, 2));
    let k = s
        .blanko_schedule(date(2015, 10, 1), 50, audit("blanko.jadwal", "blanko", 32))
        .await
        .unwrap();
    assert_eq!(s.blanko_deliveries().await.unwrap()[0].jumlah, 50);
    // A batch: a printer of capacity 5, but only two blanks.
    let printer = s
        .printer_save("P1", 5, true, audit("cetak.printer", "P1", 33))
        .await
        .unwrap();
    let rule = |ps: &[Permohonan]| -> std::result::Result<Vec<Transisi>, String> {
        Ok(ps
            .iter()
            .map(|p| {
                let mut p = p.clone();
                let start = p.riwayat.len();
                p.terapkan(Aksi::Cetak, "user:contract".into(), t(34), None)
                    .unwrap();
                Transisi {
                    nomor: p.nomor.to_string(),
                    from: Status::SiapCetak,
                    entries: p.riwayat[start..].to_vec(),
                    hasil: None,
                    audits: vec![audit("permohonan.cetak", p.nomor.as_str(), 34)],
                    suket: None,
                }
            })
            .collect())
    };
    let req = |n: &str| PermintaanBatch {
        nomor_batch: n.into(),
        printer_id: printer,
        maks: 10,
        waktu: t(34),
        tanggal: date(2015, 9, 9),
        aktor: "user:contract".into(),
        hanya: None,
    };
    let b = s.print_batch(&req("B1"), &rule).await.unwrap().unwrap();
    assert_eq!(b.item.len(), 2, "two blanks, two cards");
    let l = s.blanko().await.unwrap();
    assert_eq!((l.diterima, l.dipakai, l.rusak, l.ada()), (2, 2, 0, 0));
    assert!(
        s.print_batch(&req("B2"), &rule).await.unwrap().is_none(),
        "no blanks left"
    );
    s.blanko_receive(50, Some(k), t(35), audit("blanko.terima", "blanko", 35))
        .await
        .unwrap();
    // A spoiled print: the blank moves from used to spoiled, the card back to the head.
    let (nomor, _) = &b.item[0];
    let mut p = s.application_get(nomor).await.unwrap().unwrap();
    let start = p.riwayat.len();
    p.terapkan(Aksi::CetakRusak, "user:contract".into(), t(36), None)
        .unwrap();
    let back = Transisi {
        nomor: nomor.clone(),
        from: Status::Dicetak,
        entries: p.riwayat[start..].to_vec(),
        hasil: None,
        audits: vec![audit("permohonan.cetak_rusak", nomor, 36)],
        suket: None,
    };
    s.print_spoil("B1", &back).await.unwrap();
    assert!(s.print_spoil("B1", &back).await.is_err(), "spoiled once");
    let l = s.blanko().await.unwrap();
    assert_eq!((l.diterima, l.dipakai, l.rusak, l.ada()), (52, 1, 1, 50));
    assert_eq!(s.print_queue(1, 0).await.unwrap()[0].nomor, *nomor);
    // A refusing rule writes nothing.
    let refuse =
        |_: &[Permohonan]| -> std::result::Result<Vec<Transisi>, String> { Err("no".into()) };
    assert!(s.print_batch(&req("B3"), &refuse).await.is_err());
    assert_eq!(s.blanko().await.unwrap(), l);
    assert!(s.batch_get("B3").await.unwrap().is_none());
    // The day's capacity: 5, of which 2 used; the next batch prints at most 3.
    let printers = s.printers(date(2015, 9, 9)).await.unwrap();
    assert_eq!(
        printers.iter().find(|p| p.id == printer).unwrap().terpakai,
        2
    );
    assert_eq!(s.batch_of(nomor).await.unwrap().as_deref(), Some("B1"));
    assert_eq!(s.batches_recent(10).await.unwrap()[0].nomor_batch, "B1");
    let moves = s.blanko_movements(100).await.unwrap();
    assert_eq!(moves.len(), 4, "receive, use, receive, spoil: {moves:?}");
    verify_chain(s).await;
}
