//! The lockout rule: how login attempts are counted and when a username locks. Pure
//! functions over the stored [`LoginGuard`]; the store runs them inside one transaction
//! (`Store::login_guard_update`), so concurrent attempts are counted one after the
//! other, never from the same reading.
//!
//! An attempt is counted BEFORE its password is checked, as if it failed ([`reserve`]).
//! Once [`MAX_FAILURES`] attempts count in the window (failures, and checks still
//! running), further attempts are refused without a check. When a counted attempt turns
//! out wrong and the count has reached the limit, the username locks for [`LOCKOUT`]
//! ([`settle`]; the lock is audited for existing accounts). A right password clears the
//! count, unless the username locked while it was being checked: then it is refused
//! too. Invalid usernames never get here.

use jiff::{SignedDuration, Timestamp};
use sidik_domain::audit::AuditDraft;
use sidik_store::{LoginGuard, LoginGuardChange};

/// Failed logins after which a username is locked for [`LOCKOUT`].
pub const MAX_FAILURES: u32 = 5;
/// How long a username stays locked, and how long a failure counts.
pub const LOCKOUT: SignedDuration = SignedDuration::from_mins(5);

/// What a checked password turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Right,
    Wrong,
    /// The check did not run (an internal error after the attempt was counted).
    Unchecked,
}

/// The count and the lock that still hold at `now`.
fn live(g: Option<&LoginGuard>, now: Timestamp) -> (u32, Option<Timestamp>) {
    let Some(g) = g else {
        return (0, None);
    };
    match g.terkunci_sampai.filter(|t| now < *t) {
        Some(t) => (g.gagal, Some(t)),
        None if now >= g.terakhir + LOCKOUT => (0, None),
        None => (g.gagal, None),
    }
}

/// Until when the username is locked, if it is.
pub(crate) fn locked_until(g: Option<&LoginGuard>, now: Timestamp) -> Option<Timestamp> {
    live(g, now).1
}

/// Until when a new attempt is refused without a check, if it is: the username is
/// locked, or the limit is taken by failures and checks still running.
pub(crate) fn refused_until(g: Option<&LoginGuard>, now: Timestamp) -> Option<Timestamp> {
    let (n, lock) = live(g, now);
    lock.or_else(|| (n >= MAX_FAILURES).then(|| g.map_or(now, |g| g.terakhir) + LOCKOUT))
}

fn next(g: LoginGuard) -> Option<LoginGuardChange> {
    Some(LoginGuardChange {
        next: Some(g),
        audits: vec![],
    })
}

/// Before a check: counts the attempt, or (see [`refused_until`]) changes nothing.
pub(crate) fn reserve(g: Option<&LoginGuard>, now: Timestamp) -> Option<LoginGuardChange> {
    if refused_until(g, now).is_some() {
        return None;
    }
    next(LoginGuard {
        gagal: live(g, now).0 + 1,
        terakhir: now,
        terkunci_sampai: None,
    })
}

/// After a check of an attempt [`reserve`] counted. `lock_audit` is the entry written
/// if this failure locks the username.
pub(crate) fn settle(
    g: Option<&LoginGuard>,
    now: Timestamp,
    outcome: Outcome,
    lock_audit: Option<&AuditDraft>,
) -> Option<LoginGuardChange> {
    let (n, lock) = live(g, now);
    if lock.is_some() {
        return None;
    }
    match outcome {
        // The count is cleared (a right password inside a lock was refused above).
        Outcome::Right => g.map(|_| LoginGuardChange {
            next: None,
            audits: vec![],
        }),
        // Counted already, unless the state was cleared meanwhile (a right password).
        Outcome::Wrong if n.max(1) >= MAX_FAILURES => Some(LoginGuardChange {
            next: Some(LoginGuard {
                gagal: n.max(1),
                terakhir: now,
                terkunci_sampai: Some(now + LOCKOUT),
            }),
            audits: lock_audit.cloned().into_iter().collect(),
        }),
        Outcome::Wrong if n == 0 => next(LoginGuard {
            gagal: 1,
            terakhir: now,
            terkunci_sampai: None,
        }),
        Outcome::Wrong => None,
        Outcome::Unchecked => g.filter(|_| n > 0).and_then(|g| {
            next(LoginGuard {
                gagal: n - 1,
                ..g.clone()
            })
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(sec: i64) -> Timestamp {
        Timestamp::from_second(1_700_000_000 + sec).unwrap()
    }

    /// Applies a rule's decision to a state, as the store does.
    fn apply(g: Option<LoginGuard>, c: Option<LoginGuardChange>) -> Option<LoginGuard> {
        match c {
            Some(c) => c.next,
            None => g,
        }
    }

    fn lock_audit() -> AuditDraft {
        AuditDraft {
            aktor: "sistem:akun".into(),
            aksi: "akun.kunci".into(),
            subjek: "user:x".into(),
            waktu: t(0),
            detail: String::new(),
        }
    }

    #[test]
    fn five_wrong_in_a_row_lock_and_the_sixth_is_refused_even_if_right() {
        let mut g = None;
        for i in 0..MAX_FAILURES as i64 {
            assert_eq!(refused_until(g.as_ref(), t(i)), None, "attempt {i}");
            g = apply(g.clone(), reserve(g.as_ref(), t(i)));
            let c = settle(g.as_ref(), t(i), Outcome::Wrong, Some(&lock_audit()));
            if i + 1 == MAX_FAILURES as i64 {
                assert_eq!(c.as_ref().unwrap().audits.len(), 1, "the lock is audited");
            } else {
                assert!(c.is_none(), "counted at reservation");
            }
            g = apply(g.clone(), c);
        }
        let until = t(4) + LOCKOUT;
        assert_eq!(locked_until(g.as_ref(), t(10)), Some(until));
        assert_eq!(refused_until(g.as_ref(), t(10)), Some(until));
        assert!(reserve(g.as_ref(), t(10)).is_none());
        // After the lock, a fresh window.
        assert_eq!(refused_until(g.as_ref(), until), None);
        let g2 = apply(g.clone(), reserve(g.as_ref(), until)).unwrap();
        assert_eq!((g2.gagal, g2.terkunci_sampai), (1, None));
    }

    #[test]
    fn attempts_in_flight_take_the_limit_and_a_right_one_clears_it() {
        let mut g = None;
        for i in 0..MAX_FAILURES {
            g = apply(g.clone(), reserve(g.as_ref(), t(i as i64)));
        }
        // Five checks running: a sixth attempt is refused without a check.
        assert!(refused_until(g.as_ref(), t(5)).is_some());
        assert!(reserve(g.as_ref(), t(5)).is_none());
        // One of them was right: the count is cleared.
        let c = settle(g.as_ref(), t(6), Outcome::Right, None).unwrap();
        assert_eq!(c.next, None);
        // A wrong one finishing after that counts again, from one.
        let g = settle(None, t(7), Outcome::Wrong, None)
            .unwrap()
            .next
            .unwrap();
        assert_eq!(g.gagal, 1);
    }

    #[test]
    fn a_right_password_checked_while_the_username_locked_is_refused() {
        let g = LoginGuard {
            gagal: MAX_FAILURES,
            terakhir: t(0),
            terkunci_sampai: Some(t(0) + LOCKOUT),
        };
        assert!(locked_until(Some(&g), t(1)).is_some());
        assert!(settle(Some(&g), t(1), Outcome::Right, None).is_none());
    }

    #[test]
    fn an_unchecked_attempt_gives_its_count_back_and_old_failures_expire() {
        let g = LoginGuard {
            gagal: 3,
            terakhir: t(0),
            terkunci_sampai: None,
        };
        let back = settle(Some(&g), t(1), Outcome::Unchecked, None).unwrap();
        assert_eq!(back.next.unwrap().gagal, 2);
        // Five minutes later the three failures no longer count.
        let later = t(0) + LOCKOUT;
        let g = apply(Some(g.clone()), reserve(Some(&g), later)).unwrap();
        assert_eq!(g.gagal, 1);
    }
}
