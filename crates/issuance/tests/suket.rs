//! A Suket's life at the office: issued with the check that lets the application go on
//! (never to a local `ganda`), revoked when the earlier side of a hit is flagged, when
//! the card is handed over, or by a verifikator with a reason (nobody else); issued
//! again on request; renewed a week before it ends while the card is not ready; every
//! step in the audit chain. The signer here is a stand-in (the Claim 169 codec has its
//! own tests in `sidik-suket` and the API tests use the real one): this is about when.

use std::sync::{Arc, Mutex};

use jiff::Timestamp;
use sidik_abis_gallery::{GalleryAbis, IsoTemplates};
use sidik_domain::audit::AuditDraft;
use sidik_domain::suket::{KlaimSuket, StatusSuket};
use sidik_domain::{Aksi, KodeKantor, Peran, Status};
use sidik_issuance::{Clock, EnrollInput, Finality, Issuance, IssuanceError, SuketSigner};
use sidik_ports::OsEntropy;
use sidik_store::{Created, Store};
use sidik_store_sqlite::SqliteStore;
use sidik_testkit::fixtures::{fingers, officer, png, resident};

/// A clock the test moves.
struct Jam(Mutex<Timestamp>);

impl Clock for Jam {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap()
    }
}

/// Signs nothing: writes the claims that matter where a QR would be.
struct Penanda;

impl SuketSigner for Penanda {
    fn kid(&self) -> String {
        "00".repeat(8)
    }
    fn sign(&self, k: &KlaimSuket) -> Result<String, String> {
        Ok(format!("{}|{}|{}", k.nomor_suket, k.nik, k.berlaku_hingga))
    }
}

async fn office(clock: Arc<Jam>) -> (tempfile::TempDir, Arc<SqliteStore>, Issuance) {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open_dir(dir.path()).await.unwrap());
    let people: Vec<_> = (1..=4).map(resident).collect();
    let audit = AuditDraft {
        aktor: "test".into(),
        aksi: "penduduk.import".into(),
        subjek: "penduduk".into(),
        waktu: Timestamp::now(),
        detail: String::new(),
    };
    store.residents_upsert(&people, audit).await.unwrap();
    let iss = Issuance {
        store: store.clone(),
        abis: Arc::new(GalleryAbis::default()),
        templates: Arc::new(IsoTemplates),
        clock,
        entropy: Arc::new(OsEntropy),
        kantor: KodeKantor::parse("317201").unwrap(),
        finality: Finality::Local,
        suket: Some(Arc::new(Penanda)),
        eta_cache: Default::default(),
    };
    (dir, store, iss)
}

async fn enroll_and_check(iss: &Issuance, n: u16, person: u64, impression: u32) -> String {
    let op = officer("operator", Peran::Operator);
    let p = resident(n);
    let input = EnrollInput {
        nik: p.nik.to_string(),
        kelurahan: p.kelurahan.clone(),
        jari: fingers(person, impression),
        foto: Some(png()),
        tanda_tangan: Some(png()),
        ..Default::default()
    };
    let Created::New(a) = iss.enroll(&op, input).await.unwrap() else {
        panic!("new")
    };
    iss.check(&op, a.nomor.as_str()).await.unwrap();
    a.nomor.to_string()
}

async fn audit_actions(store: &SqliteStore, nomor: &str) -> Vec<String> {
    store
        .audit_of_subject(nomor)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.aksi)
        .collect()
}

#[tokio::test]
async fn issued_with_the_check_revoked_by_a_hit_never_given_to_a_duplicate() {
    let jam = Arc::new(Jam(Mutex::new(Timestamp::now())));
    let (_dir, store, iss) = office(jam).await;
    let a = enroll_and_check(&iss, 1, 5, 0).await;
    let s = iss
        .suket_aktif(&a)
        .await
        .unwrap()
        .expect("a Suket the same day");
    assert_eq!(s.suket.nomor_suket, format!("SKT-{a}-1"));
    assert!(s.suket.qr.contains(&resident(1).nik.to_string()));
    // The same person under another NIK: a local ganda gets none, and the earlier
    // side's Suket is revoked in the same transaction.
    let b = enroll_and_check(&iss, 2, 5, 1).await;
    assert_eq!(iss.get(&b).await.unwrap().status, Status::Ganda);
    assert!(iss.suket_of(&b).await.unwrap().is_empty());
    let s = &iss.suket_of(&a).await.unwrap()[0];
    assert_eq!(s.status, StatusSuket::Dicabut);
    assert_eq!(s.alasan.as_deref(), Some("ganda"));
    assert!(audit_actions(&store, &a)
        .await
        .contains(&"suket.cabut".to_string()));
    // Nor can it be issued by hand while ganda.
    let ver = officer("verifikator", Peran::Verifikator);
    assert!(matches!(
        iss.suket_issue(&ver, &b).await,
        Err(IssuanceError::Conflict { .. })
    ));
}

#[tokio::test]
async fn revoked_by_a_verifikator_with_a_reason_reissued_then_revoked_at_hand_over() {
    let jam = Arc::new(Jam(Mutex::new(Timestamp::now())));
    let (_dir, store, iss) = office(jam).await;
    let a = enroll_and_check(&iss, 1, 7, 0).await;
    let first = iss
        .suket_aktif(&a)
        .await
        .unwrap()
        .unwrap()
        .suket
        .nomor_suket;
    let op = officer("operator", Peran::Operator);
    let ver = officer("verifikator", Peran::Verifikator);
    // An operator may not revoke; a verifikator must give a reason.
    assert!(matches!(
        iss.suket_revoke(&op, &first, "salah cetak").await,
        Err(IssuanceError::Forbidden { .. })
    ));
    assert!(iss.suket_revoke(&ver, &first, "  ").await.is_err());
    assert!(iss.suket_revoke(&ver, &first, "a\u{7}b").await.is_err());
    assert!(
        iss.suket_aktif(&a).await.unwrap().is_some(),
        "refusals change nothing"
    );
    let r = iss
        .suket_revoke(&ver, &first, "Foto tertukar")
        .await
        .unwrap();
    assert_eq!(r.status, StatusSuket::Dicabut);
    assert_eq!(r.keterangan.as_deref(), Some("Foto tertukar"));
    assert!(iss.suket_revoke(&ver, &first, "lagi").await.is_err());
    // Issued again on request: number 2.
    let again = iss.suket_issue(&op, &a).await.unwrap();
    assert_eq!(again.suket.nomor_suket, format!("SKT-{a}-2"));
    // Printed (a batch of one through the ledger) and handed over: revoked.
    let admin = officer("admin", Peran::Admin);
    iss.printer_save(&admin, "P", 10, true).await.unwrap();
    iss.blanko_receive(&admin, 1, None).await.unwrap();
    iss.transition(&admin, &a, Aksi::Cetak, None).await.unwrap();
    assert_eq!(iss.blanko().await.unwrap().dipakai, 1);
    iss.transition(&admin, &a, Aksi::Serahkan, None)
        .await
        .unwrap();
    let all = iss.suket_of(&a).await.unwrap();
    assert!(all.iter().all(|s| s.status == StatusSuket::Dicabut));
    assert_eq!(all[1].alasan.as_deref(), Some("diserahkan"));
    let revoked = iss.suket_revoked().await.unwrap();
    assert_eq!(
        revoked.len(),
        2,
        "both in the office's revocation list, in order"
    );
    assert!(revoked[0].cabut_seq < revoked[1].cabut_seq);
    let acts = audit_actions(&store, &a).await;
    assert_eq!(acts.iter().filter(|a| *a == "suket.cabut").count(), 2);
    assert_eq!(acts.iter().filter(|a| *a == "suket.terbit").count(), 2);
}

#[tokio::test]
async fn renewed_a_week_before_it_ends_while_the_card_is_not_ready() {
    let start = Timestamp::now();
    let jam = Arc::new(Jam(Mutex::new(start)));
    let (_dir, _store, iss) = office(jam.clone()).await;
    let a = enroll_and_check(&iss, 1, 9, 0).await;
    let b = enroll_and_check(&iss, 2, 10, 0).await;
    // b's card is printed and handed over: nothing to renew there.
    let admin = officer("admin", Peran::Admin);
    iss.printer_save(&admin, "P", 10, true).await.unwrap();
    iss.blanko_receive(&admin, 1, None).await.unwrap();
    iss.transition(&admin, &b, Aksi::Cetak, None).await.unwrap();
    iss.transition(&admin, &b, Aksi::Serahkan, None)
        .await
        .unwrap();
    assert_eq!(iss.suket_renew_due().await.unwrap(), 0, "nothing due yet");
    let ends = iss
        .suket_aktif(&a)
        .await
        .unwrap()
        .unwrap()
        .suket
        .berlaku_hingga;
    *jam.0.lock().unwrap() = ends - jiff::SignedDuration::from_hours(24 * 3);
    assert_eq!(iss.suket_renew_due().await.unwrap(), 1);
    let all = iss.suket_of(&a).await.unwrap();
    assert_eq!(all[0].status, StatusSuket::Diganti);
    assert_eq!(all[1].status, StatusSuket::Aktif);
    assert!(all[1].suket.berlaku_hingga > ends);
    assert_eq!(iss.suket_renew_due().await.unwrap(), 0, "renewed once");
    assert!(iss.suket_of(&b).await.unwrap().len() == 1);
}
