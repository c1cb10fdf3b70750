//! Officer accounts: argon2id password hashes and opaque session tokens.
//!
//! A session token is 32 random bytes (hex); only its SHA-256 is stored, so a copy of the
//! database does not yield live sessions. Tokens and passwords are never logged.
//!
//! A login is checked in this order, so that nothing an outsider sends can grow memory
//! or get more than [`MAX_FAILURES`] password checks per username in a window: a name
//! that is not a valid [`Username`] is refused like a wrong password, before anything
//! is stored or hashed; a locked username is refused without a check; the login takes a
//! seat at the [`CheckGate`] (or is refused at once); the attempt is counted in the
//! store before the password is checked ([`lockout`]); the check waits for its turn.

use std::sync::Arc;

use argon2::password_hash::{Output, PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use jiff::{SignedDuration, Timestamp};
use sha2::{Digest, Sha256};
use sidik_domain::audit::AuditDraft;
use sidik_domain::user::check_password as check_length;

/// Lowest zxcvbn score (0-4) a password must reach: 3 is "safely unguessable:
/// moderate protection from offline slow-hash scenario" (argon2id here).
const MIN_PASSWORD_SCORE: u8 = 3;
/// Longest password accepted (a passphrase fits; a flood of megabytes does not).
const MAX_PASSWORD_BYTES: usize = 256;

/// The password rules for officer accounts: the domain's length rule, then a strength
/// estimate (zxcvbn: dictionaries of passwords leaked in breaches, common words and
/// names, keyboard patterns, repeats, sequences, dates), with the account's own name
/// and this system's words counted as known to an attacker.
pub fn check_password(password: &str, username: &str) -> std::result::Result<(), String> {
    check_length(password)?;
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(format!(
            "password must be at most {MAX_PASSWORD_BYTES} bytes"
        ));
    }
    // zxcvbn's cost grows with the length: it looks at the first 100 characters
    // (enough to judge strength).
    let head: String = password.chars().take(100).collect();
    let known = [
        username, "sidik", "dukcapil", "ktp", "e-ktp", "kata", "sandi", "password",
    ];
    let score = zxcvbn::zxcvbn(&head, &known).score() as u8;
    if score < MIN_PASSWORD_SCORE {
        return Err(
            "password is too easy to guess (a common or leaked password, a pattern, a repeat or a sequence); use a longer passphrase of unrelated words"
                .into(),
        );
    }
    Ok(())
}
use sidik_domain::{Peran, Username};
use sidik_store::{Store, StoreError, User};

use crate::{Clock, Entropy, IssuanceError, Result};

mod gate;
mod lockout;

pub use gate::{CheckGate, BUSY_RETRY_AFTER_SECS, WAITING_PER_CHECK};
use lockout::Outcome;
pub use lockout::{LOCKOUT, MAX_FAILURES};

/// Who locks a username, in the audit chain.
const SISTEM_AKUN: &str = "sistem:akun";

/// How long a login lasts.
pub const SESSION_TTL: SignedDuration = SignedDuration::from_hours(12);

fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| IssuanceError::Internal(format!("OS RNG: {e}")))?;
    Ok(b)
}

/// Hashes a password with argon2id and a random salt (PHC string).
pub fn hash_password(password: &str) -> Result<String> {
    let salt_bytes = random_bytes::<16>()?;
    let salt =
        SaltString::encode_b64(&salt_bytes).map_err(|e| IssuanceError::Internal(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| IssuanceError::Internal(e.to_string()))
}

/// Checks `password` against a PHC string in the caller's argon2 memory (`memory`,
/// sized to the hash's parameters): the computation and constant-time comparison of
/// `PasswordVerifier::verify_password`, without allocating 19 MiB per check.
fn verify_password(password: &str, phc: &str, memory: &mut Vec<Block>) -> bool {
    let Ok(hash) = PasswordHash::new(phc) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (hash.salt, hash.hash) else {
        return false;
    };
    let (Ok(params), Ok(algorithm)) =
        (Params::try_from(&hash), Algorithm::try_from(hash.algorithm))
    else {
        return false;
    };
    let Ok(version) = hash.version.map(Version::try_from).transpose() else {
        return false;
    };
    let mut salt_buf = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buf) else {
        return false;
    };
    memory.resize(params.block_count(), Block::default());
    let mut out = vec![0u8; expected.len()];
    Argon2::new(algorithm, version.unwrap_or_default(), params)
        .hash_password_into_with_memory(password.as_bytes(), salt, &mut out, &mut memory[..])
        .is_ok()
        && Output::new(&out).is_ok_and(|computed| computed == expected)
}

/// SHA-256 of a session token, as stored.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A random password for generated accounts (demo admin): 20 characters.
pub fn generate_password() -> Result<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    Ok(random_bytes::<20>()?
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect())
}

/// A hash of a random password, computed once: verifying against it costs the same as
/// a real verification and never succeeds.
fn dummy_hash() -> Result<String> {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    if let Some(h) = H.get() {
        return Ok(h.clone());
    }
    let h = hash_password(&generate_password()?)?;
    Ok(H.get_or_init(|| h).clone())
}

/// Account service.
#[derive(Clone)]
pub struct Akun {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    /// Randomness for session tokens.
    pub entropy: Arc<dyn Entropy>,
    /// The cap on concurrent password checks.
    pub gate: Arc<CheckGate>,
}

fn wrong_login() -> IssuanceError {
    IssuanceError::Unauthorized("wrong username or password".into())
}

fn locked_out(until: Timestamp, now: Timestamp) -> IssuanceError {
    let secs = until.duration_since(now).as_secs_f64().ceil().max(1.0) as u64;
    IssuanceError::LockedOut {
        retry_after_secs: secs,
    }
}

/// A fresh login.
#[derive(Debug, Clone)]
pub struct Sesi {
    pub token: String,
    pub user: User,
    pub expires: Timestamp,
}

impl Akun {
    /// An officer creates an account: only an admin may.
    pub async fn create_user_by(
        &self,
        officer: &User,
        username: &str,
        peran: Peran,
        password: &str,
    ) -> Result<User> {
        if officer.peran != Peran::Admin {
            return Err(IssuanceError::Forbidden {
                peran: officer.peran,
                what: "create accounts".into(),
            });
        }
        self.create_user(
            &format!("user:{}", officer.username),
            username,
            peran,
            password,
        )
        .await
    }

    /// Creates an account. `by` names who did it (`user:admin`, `cli`).
    pub async fn create_user(
        &self,
        by: &str,
        username: &str,
        peran: Peran,
        password: &str,
    ) -> Result<User> {
        let username = Username::parse(username).map_err(|m| IssuanceError::Invalid {
            code: "invalid_username",
            message: m,
        })?;
        check_password(password, username.as_str()).map_err(|m| IssuanceError::Invalid {
            code: "weak_password",
            message: m,
        })?;
        let pw = password.to_string();
        let password_hash = tokio::task::spawn_blocking(move || hash_password(&pw))
            .await
            .map_err(|e| IssuanceError::Internal(e.to_string()))??;
        let now = self.clock.now();
        let user = User {
            username: username.clone(),
            peran,
            password_hash,
            dibuat: now,
        };
        let audit = AuditDraft {
            aktor: by.to_string(),
            aksi: "user.create".into(),
            subjek: format!("user:{username}"),
            waktu: now,
            detail: format!("peran={peran}"),
        };
        self.store
            .user_create(&user, audit)
            .await
            .map_err(|e| match e {
                StoreError::Conflict(m) => IssuanceError::Conflict {
                    code: "user_exists",
                    message: m,
                },
                other => other.into(),
            })?;
        Ok(user)
    }

    /// Sets a new password (e.g. the demo admin's one-time password at each start).
    pub async fn set_password(&self, by: &str, username: &str, password: &str) -> Result<()> {
        check_password(password, username).map_err(|m| IssuanceError::Invalid {
            code: "weak_password",
            message: m,
        })?;
        let pw = password.to_string();
        let hash = tokio::task::spawn_blocking(move || hash_password(&pw))
            .await
            .map_err(|e| IssuanceError::Internal(e.to_string()))??;
        let audit = AuditDraft {
            aktor: by.to_string(),
            aksi: "user.password".into(),
            subjek: format!("user:{username}"),
            waktu: self.clock.now(),
            detail: String::new(),
        };
        Ok(self.store.user_set_password(username, &hash, audit).await?)
    }

    /// Verifies a password and opens a session. Unknown users cost the same time as a
    /// wrong password, and invalid names get the same answer, so the response does not
    /// reveal which accounts exist. See the module for the order of the checks.
    pub async fn login(&self, username: &str, password: &str) -> Result<Sesi> {
        let Ok(name) = Username::parse(username) else {
            return Err(wrong_login());
        };
        let now = self.clock.now();
        let guard = self.store.login_guard_get(&name).await?;
        if let Some(until) = lockout::refused_until(guard.as_ref(), now) {
            return Err(locked_out(until, now));
        }
        let seat = self.gate.seat()?;
        let seen = self
            .store
            .login_guard_update(&name, now - LOCKOUT, &|g| lockout::reserve(g, now))
            .await?;
        if let Some(until) = lockout::refused_until(seen.as_ref(), now) {
            return Err(locked_out(until, now));
        }
        let checked = async {
            let user = self.store.user_get(name.as_str()).await?;
            let phc = user.as_ref().map(|u| u.password_hash.clone());
            let pw = password.to_string();
            let mut turn = seat.turn().await?;
            let mut memory = std::mem::take(&mut turn.memory);
            let (ok, memory) = tokio::task::spawn_blocking(move || {
                // An unknown user costs a check all the same (made once, on a turn).
                let ok = match phc.map_or_else(dummy_hash, Ok) {
                    Ok(phc) => verify_password(&pw, &phc, &mut memory),
                    Err(_) => false,
                };
                (ok, memory)
            })
            .await
            .map_err(|e| IssuanceError::Internal(e.to_string()))?;
            turn.memory = memory;
            Ok::<_, IssuanceError>((ok, user))
        }
        .await;
        let (outcome, user) = match checked {
            Ok((true, Some(u))) => (Outcome::Right, Some(u)),
            Ok((_, u)) => (Outcome::Wrong, u),
            Err(e) => {
                let _ = self.settle(&name, Outcome::Unchecked, false).await;
                return Err(e);
            }
        };
        self.settle(&name, outcome, user.is_some()).await?;
        drop(seat);
        let (Outcome::Right, Some(user)) = (outcome, user) else {
            return Err(wrong_login());
        };
        let mut bytes = [0u8; 32];
        self.entropy
            .fill(&mut bytes)
            .map_err(IssuanceError::Internal)?;
        let token = hex::encode(bytes);
        // Sessions expire in real time, even on a node running a simulated clock.
        let expires = self.clock.real_now() + SESSION_TTL;
        self.store
            .session_create(&token_hash(&token), user.username.as_str(), expires)
            .await?;
        Ok(Sesi {
            token,
            user,
            expires,
        })
    }

    /// Records a checked attempt's outcome ([`lockout::settle`]); a lock of an existing
    /// account is audited in the same transaction. A right password fails with
    /// `LockedOut` if the username locked while it was checked. Returns the time it
    /// settled at.
    async fn settle(&self, name: &Username, outcome: Outcome, exists: bool) -> Result<Timestamp> {
        let now = self.clock.now();
        let audit = exists.then(|| AuditDraft {
            aktor: SISTEM_AKUN.into(),
            aksi: "akun.kunci".into(),
            subjek: format!("user:{name}"),
            waktu: now,
            detail: format!(
                "{MAX_FAILURES} failed logins; locked until {}",
                now + LOCKOUT
            ),
        });
        let rule = |g: Option<&_>| lockout::settle(g, now, outcome, audit.as_ref());
        let seen = self
            .store
            .login_guard_update(name, now - LOCKOUT, &rule)
            .await?;
        if let Some(until) = lockout::locked_until(seen.as_ref(), now) {
            if outcome == Outcome::Right {
                return Err(locked_out(until, now));
            }
        }
        let locks = rule(seen.as_ref())
            .is_some_and(|c| c.next.is_some_and(|g| g.terkunci_sampai.is_some()));
        if locks {
            tracing::warn!(username = %name, "login locked after {MAX_FAILURES} failures");
        }
        Ok(now)
    }

    /// The user behind a session token, if the session is live.
    pub async fn authenticate(&self, token: &str) -> Result<Option<User>> {
        Ok(self
            .store
            .session_user(&token_hash(token), self.clock.real_now())
            .await?)
    }

    pub async fn logout(&self, token: &str) -> Result<()> {
        Ok(self.store.session_delete(&token_hash(token)).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_passwords_are_refused_and_passphrases_pass() {
        for weak in [
            "aaaaaaaaaaaa",
            "123456789012",
            "password1234",
            "qwertyuiop123",
            "petugas12345",
            "dukcapil2015!",
            "abcdefghijkl",
        ] {
            assert!(check_password(weak, "petugas").is_err(), "{weak} accepted");
        }
        assert!(check_password("short", "x").is_err());
        for strong in [
            "kata-sandi-uji-123",
            "kata-sandi-yang-panjang-1",
            "Kali Ciliwung banjir lagi 27",
            "bench-password-123",
        ] {
            assert!(
                check_password(strong, "petugas").is_ok(),
                "{strong} refused"
            );
        }
        // Generated one-time passwords pass.
        for _ in 0..20 {
            let p = super::generate_password().unwrap();
            assert!(check_password(&p, "admin").is_ok(), "{p}");
        }
        // A huge password is refused before any estimate.
        assert!(check_password(&"x9!".repeat(100_000), "a").is_err());
        assert!(check_password(&"x9!".repeat(100), "a").is_err(), "a repeat");
    }

    #[test]
    fn verify_password_agrees_with_the_argon2_crate() {
        use argon2::password_hash::PasswordVerifier;
        let phc = hash_password("kata-sandi-benar-1").unwrap();
        let mut memory = Vec::new();
        assert!(verify_password("kata-sandi-benar-1", &phc, &mut memory));
        assert!(!verify_password("kata-sandi-salah-1", &phc, &mut memory));
        assert_eq!(memory.len(), Params::default().block_count());
        // Other parameters and algorithms, as the argon2 crate writes them.
        for (alg, m, t) in [(Algorithm::Argon2id, 64, 3), (Algorithm::Argon2i, 32, 2)] {
            let ctx = Argon2::new(alg, Version::V0x13, Params::new(m, t, 1, None).unwrap());
            let salt = SaltString::encode_b64(b"garam-garam-garam").unwrap();
            let phc = ctx
                .hash_password(b"rahasia-1234", &salt)
                .unwrap()
                .to_string();
            let parsed = PasswordHash::new(&phc).unwrap();
            assert!(Argon2::default()
                .verify_password(b"rahasia-1234", &parsed)
                .is_ok());
            assert!(verify_password("rahasia-1234", &phc, &mut memory), "{phc}");
            assert!(!verify_password("rahasia-12345", &phc, &mut memory));
        }
        assert!(!verify_password("x", "not a hash", &mut memory));
        assert!(!verify_password(
            "x",
            "$argon2id$v=19$m=19456,t=2,p=1",
            &mut memory
        ));
    }
}
