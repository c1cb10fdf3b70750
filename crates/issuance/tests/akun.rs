//! Logins on their own (no HTTP), over the real SQLite store and a clock the test moves:
//! attempts are counted before their check, so parallel guesses cannot outrun the
//! limit; a lock holds against the right password, is audited for an existing
//! account, ends after five minutes; invalid names are never counted.

use std::sync::{Arc, Mutex};

use jiff::{SignedDuration, Timestamp};
use sidik_domain::{Peran, Username};
use sidik_issuance::akun::{Akun, CheckGate, LOCKOUT, MAX_FAILURES};
use sidik_issuance::{Clock, IssuanceError};
use sidik_store_sqlite::SqliteStore;

const PW: &str = "kata-sandi-benar-1";

struct TestClock(Mutex<Timestamp>);

impl Clock for TestClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap()
    }
}

impl TestClock {
    fn advance(&self, d: SignedDuration) {
        let mut t = self.0.lock().unwrap();
        *t += d;
    }
}

async fn akun(checks: usize) -> (tempfile::TempDir, Akun, Arc<TestClock>) {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open_dir(dir.path()).await.unwrap());
    let clock = Arc::new(TestClock(Mutex::new(Timestamp::now())));
    let akun = Akun {
        store,
        clock: clock.clone(),
        entropy: Arc::new(sidik_ports::OsEntropy),
        gate: Arc::new(CheckGate::new(checks)),
    };
    akun.create_user("test", "petugas", Peran::Operator, PW)
        .await
        .unwrap();
    (dir, akun, clock)
}

/// `n` logins at once: how many were checked and wrong, and how many refused unchecked.
async fn guesses(akun: &Akun, username: &str, n: usize) -> (usize, usize) {
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let (akun, username) = (akun.clone(), username.to_string());
            tokio::spawn(async move { akun.login(&username, "salah-salah-salah").await })
        })
        .collect();
    let (mut wrong, mut refused) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            Err(IssuanceError::Unauthorized(_)) => wrong += 1,
            Err(IssuanceError::LockedOut { retry_after_secs }) => {
                assert!((1..=300).contains(&retry_after_secs));
                refused += 1;
            }
            other => panic!("{:?}", other.map(|s| s.user)),
        }
    }
    (wrong, refused)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_guesses_get_at_most_the_limit_of_checks_and_the_lock_holds_five_minutes() {
    let (_dir, akun, clock) = akun(64).await;
    let (wrong, refused) = guesses(&akun, "petugas", 30).await;
    assert_eq!((wrong, refused), (MAX_FAILURES as usize, 25));
    // Locked: the right password too.
    assert!(matches!(
        akun.login("petugas", PW).await,
        Err(IssuanceError::LockedOut { .. })
    ));
    let entries = akun.store.audit_of_subject("user:petugas").await.unwrap();
    let locks: Vec<_> = entries.iter().filter(|e| e.aksi == "akun.kunci").collect();
    assert_eq!(locks.len(), 1, "{entries:?}");
    assert_eq!(locks[0].aktor, "sistem:akun");
    // Five minutes later it opens again, and a right password clears the count.
    clock.advance(LOCKOUT);
    akun.login("petugas", PW).await.unwrap();
    let name = Username::parse("petugas").unwrap();
    assert_eq!(akun.store.login_guard_get(&name).await.unwrap(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn unknown_usernames_lock_alike_without_an_audit_entry_and_invalid_ones_count_nothing() {
    let (_dir, akun, _clock) = akun(64).await;
    let (wrong, refused) = guesses(&akun, "tidak.ada", 12).await;
    assert_eq!((wrong, refused), (MAX_FAILURES as usize, 7));
    assert!(akun
        .store
        .audit_of_subject("user:tidak.ada")
        .await
        .unwrap()
        .is_empty());
    let before = akun.store.audit_page(0, 1000).await.unwrap().len();
    for name in ["x".repeat(100_000), "PETUGAS".into(), "pe".into()] {
        // More than the limit, and never locked: never counted.
        for _ in 0..MAX_FAILURES + 2 {
            assert!(matches!(
                akun.login(&name, "salah-salah-salah").await,
                Err(IssuanceError::Unauthorized(_))
            ));
        }
    }
    assert_eq!(akun.store.audit_page(0, 1000).await.unwrap().len(), before);
    akun.login("petugas", PW).await.unwrap();
}

/// The session token comes from the injected randomness, like every other random value
/// a use case draws: a broken source refuses the login instead of minting a weak token.
#[tokio::test]
async fn session_tokens_are_drawn_from_the_injected_entropy() {
    struct Broken;
    impl sidik_issuance::Entropy for Broken {
        fn fill(&self, _: &mut [u8]) -> Result<(), String> {
            Err("no entropy".into())
        }
    }
    let (_dir, mut akun, _) = akun(2).await;
    let s = akun.login("petugas", PW).await.unwrap();
    assert_eq!(s.token.len(), 64);
    akun.entropy = Arc::new(Broken);
    let e = akun.login("petugas", PW).await.unwrap_err();
    assert!(
        matches!(e, IssuanceError::Internal(ref m) if m.contains("no entropy")),
        "{e:?}"
    );
}
