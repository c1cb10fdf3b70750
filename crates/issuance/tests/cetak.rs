//! The print desk under concurrency: two printers printing batches at once while blank
//! deliveries arrive and spoiled prints go back to the queue. The ledger is never
//! negative, always balances (received = used + spoiled + on hand), and every blank is
//! accounted for by a card that is out, a spoiled print or the stock. Storage is the
//! real SQLite backend.

use std::sync::Arc;

use sidik_domain::audit::AuditDraft;
use sidik_domain::{KodeKantor, Peran, Status};
use sidik_issuance::{EnrollInput, Finality, Issuance, IssuanceError};
use sidik_ports::{DemographicOnly, OsEntropy, SystemClock};
use sidik_store::{Created, ListFilter, Store};
use sidik_store_sqlite::SqliteStore;
use sidik_testkit::fixtures::{fingers, officer, png, resident};

const APPLICANTS: u16 = 40;

async fn desk() -> (tempfile::TempDir, Arc<SqliteStore>, Issuance) {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open_dir(dir.path()).await.unwrap());
    let people: Vec<_> = (1..=APPLICANTS).map(resident).collect();
    let audit = AuditDraft {
        aktor: "test".into(),
        aksi: "penduduk.import".into(),
        subjek: "penduduk".into(),
        waktu: jiff::Timestamp::now(),
        detail: String::new(),
    };
    store.residents_upsert(&people, audit).await.unwrap();
    let iss = Issuance {
        store: store.clone(),
        // Demographic checks only: this test is about printing, not matching.
        abis: Arc::new(DemographicOnly),
        templates: Arc::new(sidik_abis_gallery::IsoTemplates),
        clock: Arc::new(SystemClock),
        entropy: Arc::new(OsEntropy),
        kantor: KodeKantor::parse("317201").unwrap(),
        finality: Finality::Local,
        suket: None,
        eta_cache: Default::default(),
    };
    let op = officer("operator", Peran::Operator);
    for n in 1..=APPLICANTS {
        let p = resident(n);
        let input = EnrollInput {
            nik: p.nik.to_string(),
            kelurahan: p.kelurahan.clone(),
            jari: fingers(n as u64, 0),
            foto: Some(png()),
            tanda_tangan: Some(png()),
            ..Default::default()
        };
        let Created::New(a) = iss.enroll(&op, input).await.unwrap() else {
            panic!("new")
        };
        let p = iss.check(&op, a.nomor.as_str()).await.unwrap();
        assert_eq!(p.status, Status::SiapCetak);
    }
    (dir, store, iss)
}

async fn count(store: &SqliteStore, status: Status) -> u64 {
    store
        .application_counts(&ListFilter::default())
        .await
        .unwrap()
        .into_iter()
        .find(|(s, _)| *s == status)
        .map_or(0, |(_, n)| n)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_printers_and_deliveries_never_unbalance_the_ledger() {
    let (_dir, store, iss) = desk().await;
    let admin = officer("admin", Peran::Admin);
    let p1 = iss
        .printer_save(&admin, "Printer A", 1000, true)
        .await
        .unwrap();
    let p2 = iss
        .printer_save(&admin, "Printer B", 1000, true)
        .await
        .unwrap();
    iss.blanko_receive(&admin, 7, None).await.unwrap();

    let printer = |id: i64, spoil_every: usize| {
        let iss = iss.clone();
        let admin = admin.clone();
        tokio::spawn(async move {
            let mut printed = 0usize;
            let mut spoiled = 0usize;
            for round in 0..200 {
                match iss.print_batch(&admin, id, 3).await {
                    Ok(Some(b)) => {
                        printed += b.item.len();
                        if round % spoil_every == 0 {
                            let (nomor, _) = &b.item[0];
                            iss.print_spoil(&admin, &b.nomor_batch, nomor, Some("macet".into()))
                                .await
                                .unwrap();
                            spoiled += 1;
                        }
                    }
                    // Nothing printable now (no blanks yet): try again.
                    Ok(None) => tokio::task::yield_now().await,
                    Err(IssuanceError::Conflict { .. }) => {}
                    Err(e) => panic!("{e:?}"),
                }
                if iss.print_queue_len().await.unwrap() == 0 {
                    break;
                }
            }
            (printed, spoiled)
        })
    };
    let a = printer(p1, 3);
    let b = printer(p2, 5);
    let deliveries = {
        let iss = iss.clone();
        let admin = admin.clone();
        tokio::spawn(async move {
            for _ in 0..10 {
                iss.blanko_receive(&admin, 5, None).await.unwrap();
                // The ledger is balanced at every instant it can be read.
                let l = iss.blanko().await.unwrap();
                assert_eq!(l.diterima, l.dipakai + l.rusak + l.ada(), "{l:?}");
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
        })
    };
    let (pa, sa) = a.await.unwrap();
    let (pb, sb) = b.await.unwrap();
    deliveries.await.unwrap();

    let l = iss.blanko().await.unwrap();
    assert_eq!(l.diterima, 7 + 50);
    assert_eq!(l.diterima, l.dipakai + l.rusak + l.ada(), "{l:?}");
    // Every blank used is a card out; every spoiled one a print that went back.
    let dicetak = count(&store, Status::Dicetak).await;
    assert_eq!(l.dipakai, dicetak, "{l:?}");
    assert_eq!(l.rusak as usize, sa + sb);
    assert_eq!((pa + pb) as u64, l.dipakai + l.rusak);
    // Each card printed once, apart from the reprints of spoiled ones.
    assert_eq!(
        dicetak + count(&store, Status::SiapCetak).await,
        APPLICANTS as u64
    );
    for batch in store.batches_recent(1000).await.unwrap() {
        for (nomor, hasil) in batch.item {
            let p = iss.get(&nomor).await.unwrap();
            if hasil == "dicetak" {
                assert_eq!(p.status, Status::Dicetak, "{nomor}");
            }
        }
    }
    // The movements add up to the ledger.
    let moves = store.blanko_movements(10_000).await.unwrap();
    let sum = |jenis: &str| -> u64 {
        moves
            .iter()
            .filter(|m| m.jenis == jenis)
            .map(|m| m.jumlah)
            .sum()
    };
    assert_eq!(sum("terima"), l.diterima);
    assert_eq!(sum("pakai") - sum("rusak_cetak"), l.dipakai);
    assert_eq!(sum("rusak_cetak") + sum("rusak_stok"), l.rusak);
}

#[tokio::test]
async fn the_ledger_refuses_what_it_does_not_hold_and_writes_nothing() {
    let (_dir, store, iss) = desk().await;
    let admin = officer("admin", Peran::Admin);
    let pencetak = officer("pencetak", Peran::Pencetak);
    let p = iss
        .printer_save(&admin, "Printer A", 2, true)
        .await
        .unwrap();
    // A printer is an admin's to configure.
    assert!(iss.printer_save(&pencetak, "X", 5, true).await.is_err());
    // No blanks: nothing printed.
    assert!(iss.print_batch(&pencetak, p, 5).await.unwrap().is_none());
    iss.blanko_receive(&pencetak, 3, None).await.unwrap();
    // More damaged than on hand: refused, unchanged.
    let before = iss.blanko().await.unwrap();
    assert!(iss.blanko_spoil_stock(&pencetak, 4).await.is_err());
    assert_eq!(iss.blanko().await.unwrap(), before);
    // The printer's daily capacity (2) limits the batch, then the day is full.
    let b = iss.print_batch(&pencetak, p, 5).await.unwrap().unwrap();
    assert_eq!(b.item.len(), 2);
    assert!(iss.print_batch(&pencetak, p, 5).await.unwrap().is_none());
    let l = iss.blanko().await.unwrap();
    assert_eq!((l.diterima, l.dipakai, l.rusak, l.ada()), (3, 2, 0, 1));
    // A spoiled print goes back to its place: the head of the queue again.
    let (first, _) = &b.item[0];
    iss.print_spoil(&pencetak, &b.nomor_batch, first, None)
        .await
        .unwrap();
    let q = iss.print_queue(1, 0).await.unwrap();
    assert_eq!(&q[0].nomor, first);
    // Spoiled twice: refused (the item is already spoiled).
    assert!(iss
        .print_spoil(&pencetak, &b.nomor_batch, first, None)
        .await
        .is_err());
    let l = iss.blanko().await.unwrap();
    assert_eq!((l.diterima, l.dipakai, l.rusak, l.ada()), (3, 1, 1, 1));
    assert_eq!(store.blanko_movements(100).await.unwrap().len(), 3);
    // An operator cannot print.
    let op = officer("operator", Peran::Operator);
    assert!(matches!(
        iss.print_batch(&op, p, 1).await,
        Err(IssuanceError::Forbidden { .. })
    ));
}
