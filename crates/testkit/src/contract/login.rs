//! The failed-login state behind the lockout: `Store::login_guard_get` and
//! `Store::login_guard_update` (atomic read-decide-write, its audit entries in the same
//! transaction, forgetting idle states).

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

use jiff::Timestamp;
use sidik_domain::Username;
use sidik_store::{LoginGuard, LoginGuardChange, Store};

use super::{audit, t, verify_chain};

/// Polls every future together on this task (the store's own tasks do the rest).
async fn join_all<F: Future>(futs: Vec<F>) -> Vec<F::Output> {
    let mut futs: Vec<Pin<Box<F>>> = futs.into_iter().map(Box::pin).collect();
    let mut out: Vec<Option<F::Output>> = futs.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (f, o) in futs.iter_mut().zip(out.iter_mut()) {
            if o.is_none() {
                match f.as_mut().poll(cx) {
                    Poll::Ready(v) => *o = Some(v),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    out.into_iter().map(|o| o.expect("ready")).collect()
}

fn guard(gagal: u32, terakhir: Timestamp, terkunci_sampai: Option<Timestamp>) -> LoginGuard {
    LoginGuard {
        gagal,
        terakhir,
        terkunci_sampai,
    }
}

/// One more attempt at `now`, as a rule.
fn bump(now: Timestamp) -> impl Fn(Option<&LoginGuard>) -> Option<LoginGuardChange> + Send + Sync {
    move |g| {
        Some(LoginGuardChange {
            next: Some(guard(g.map_or(0, |g| g.gagal) + 1, now, None)),
            audits: vec![],
        })
    }
}

pub async fn login_guards(s: &dyn Store) {
    let name = Username::parse("penebak").unwrap();
    let other = Username::parse("penebak.lain").unwrap();
    assert_eq!(s.login_guard_get(&name).await.unwrap(), None);
    // A rule that decides nothing writes nothing.
    let seen = s.login_guard_update(&name, t(0), &|_| None).await.unwrap();
    assert_eq!(seen, None);
    assert_eq!(s.login_guard_get(&name).await.unwrap(), None);

    // The rule sees the state before its change; the change is stored.
    let seen = s
        .login_guard_update(&name, t(0), &bump(t(10)))
        .await
        .unwrap();
    assert_eq!(seen, None);
    assert_eq!(
        s.login_guard_get(&name).await.unwrap(),
        Some(guard(1, t(10), None))
    );

    // Twenty updates at once are counted one after the other.
    let rule = bump(t(20));
    let seen = join_all(
        (0..20)
            .map(|_| s.login_guard_update(&name, t(0), &rule))
            .collect(),
    )
    .await;
    let mut counts: Vec<u32> = seen
        .into_iter()
        .map(|g| g.unwrap().unwrap().gagal)
        .collect();
    counts.sort();
    assert_eq!(
        counts,
        (1..=20).collect::<Vec<_>>(),
        "each saw a different count"
    );
    assert_eq!(s.login_guard_get(&name).await.unwrap().unwrap().gagal, 21);

    // A lock and its audit entry go together.
    let audits_before = s.audit_of_subject("user:penebak").await.unwrap().len();
    let locked = guard(21, t(100), Some(t(400)));
    let lock = LoginGuardChange {
        next: Some(locked.clone()),
        audits: vec![audit("akun.kunci", "user:penebak", 100)],
    };
    s.login_guard_update(&name, t(0), &|_| Some(lock.clone()))
        .await
        .unwrap();
    assert_eq!(
        s.login_guard_get(&name).await.unwrap(),
        Some(locked.clone())
    );
    let entries = s.audit_of_subject("user:penebak").await.unwrap();
    assert_eq!(entries.len(), audits_before + 1);
    assert_eq!(entries.last().unwrap().aksi, "akun.kunci");
    verify_chain(s).await;

    // Forgetting: an idle, unlocked state goes; a state still locked stays.
    s.login_guard_update(&other, t(0), &bump(t(10)))
        .await
        .unwrap();
    let seen = s
        .login_guard_update(&name, t(200), &|_| None)
        .await
        .unwrap();
    assert_eq!(seen, Some(locked), "locked until t(400): kept");
    assert_eq!(s.login_guard_get(&other).await.unwrap(), None, "forgotten");
    let seen = s
        .login_guard_update(&name, t(500), &|_| None)
        .await
        .unwrap();
    assert_eq!(
        seen, None,
        "window and lock over: forgotten before the rule runs"
    );

    // `next: None` forgets the username.
    s.login_guard_update(&other, t(0), &bump(t(600)))
        .await
        .unwrap();
    s.login_guard_update(&other, t(0), &|_| {
        Some(LoginGuardChange {
            next: None,
            audits: vec![],
        })
    })
    .await
    .unwrap();
    assert_eq!(s.login_guard_get(&other).await.unwrap(), None);
}
