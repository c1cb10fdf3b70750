//! Contract tests: behaviour every storage backend must show, for each trait
//! (`Store`, `SyncStore`, `CentreStore`).
//!
//! A backend's test suite calls [`run_all`] with a fresh, migrated, empty store; the
//! parts are public for a backend to run one alone while debugging.

use jiff::Timestamp;
use sidik_domain::audit::{AuditDraft, ChainVerifier};
use sidik_domain::biometrik::{AlasanPengecualian, Biometrik, PosisiJari};

use sidik_domain::*;

use sidik_store::*;

use crate::fixtures::resident;

mod applications;
mod aspirasi;
mod cetak;
mod kabar;
mod lease;
mod login;
mod sync;

pub use applications::{applications, applications_transition_is_all_or_nothing};
pub use aspirasi::aspirasi_records;
pub use cetak::{blank_ledger_and_batches, suket_records};
pub use kabar::notifications_and_notices;
pub use lease::decider_lease;
pub use login::login_guards;
pub use sync::{decision_batches, undecided_queue_and_hold};

pub(crate) fn t(sec: i64) -> Timestamp {
    Timestamp::from_second(1_441_778_400 + sec).unwrap()
}

pub(crate) fn audit(aksi: &str, subjek: &str, sec: i64) -> AuditDraft {
    AuditDraft {
        aktor: "user:contract".into(),
        aksi: aksi.into(),
        subjek: subjek.into(),
        waktu: t(sec),
        detail: String::new(),
    }
}

pub(crate) fn bio(seed: u8) -> Biometrik {
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

pub(crate) fn new_app(p: &Penduduk, key: Option<&str>, sec: i64) -> NewPermohonan {
    NewPermohonan {
        prioritas: None,
        nik: p.nik.clone(),
        kantor: KodeKantor::parse("317201").unwrap(),
        kelurahan: p.kelurahan.clone(),
        nama: p.nama.clone(),
        aktor: "user:contract".into(),
        waktu: t(sec),
        idempotency_key: key.map(str::to_string),
        kontak: None,
    }
}

pub(crate) async fn verify_chain(s: &dyn Store) -> u64 {
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

/// Residents `n` and `n + 1`, each with a new application; returns the applications
/// and the second resident.
pub(crate) async fn two_applications(s: &dyn Store, n: u16) -> (Vec<Permohonan>, Penduduk) {
    let (p, q) = (resident(n), resident(n + 1));
    s.residents_upsert(&[p.clone(), q.clone()], audit("penduduk.import", "t", 1))
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
    (apps, q)
}

/// Runs every contract test in sequence on one fresh store: accounts, failed logins,
/// registry and applications (`Store`), decisions recorded at an office (`SyncStore`),
/// the centre's queue, hold and decider lease (`CentreStore`).
pub async fn run_all<S: Store + SyncStore + CentreStore>(s: &S) {
    users_and_sessions(s).await;
    login_guards(s).await;
    residents(s).await;
    applications(s).await;
    applications_transition_is_all_or_nothing(s).await;
    suket_records(s).await;
    blank_ledger_and_batches(s).await;
    notifications_and_notices(s).await;
    decision_batches(s).await;
    undecided_queue_and_hold(s).await;
    decider_lease(s).await;
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
