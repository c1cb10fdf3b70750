//! Officer accounts: argon2id password hashes and opaque session tokens.
//!
//! A session token is 32 random bytes (hex); only its SHA-256 is stored, so a copy of the
//! database does not yield live sessions. Tokens and passwords are never logged.

use std::sync::Arc;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
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

use crate::{Clock, IssuanceError, Result};

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

fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
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

/// Failed logins in a row after which a username is locked for [`LOCKOUT`].
pub const MAX_FAILURES: u32 = 5;
/// How long a username stays locked after too many failures.
pub const LOCKOUT: SignedDuration = SignedDuration::from_mins(5);

/// Consecutive login failures per username (in memory: a restart forgets them).
#[derive(Default)]
pub struct Throttle(std::sync::Mutex<std::collections::HashMap<String, (u32, Timestamp)>>);

/// Account service.
#[derive(Clone)]
pub struct Akun {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub throttle: Arc<Throttle>,
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
    /// wrong password, so the response does not reveal which accounts exist.
    pub async fn login(&self, username: &str, password: &str) -> Result<Sesi> {
        let name = username.trim().to_string();
        let now = self.clock.now();
        {
            let t = self.throttle.0.lock().expect("throttle lock");
            if let Some((n, last)) = t.get(&name) {
                if *n >= MAX_FAILURES && now < *last + LOCKOUT {
                    return Err(IssuanceError::Throttled(format!(
                        "too many failed logins for {name}; try again in {} minutes",
                        LOCKOUT.as_mins()
                    )));
                }
            }
        }
        let user = self.store.user_get(&name).await?;
        let phc = match &user {
            Some(u) => u.password_hash.clone(),
            None => dummy_hash()?,
        };
        let pw = password.to_string();
        let ok = tokio::task::spawn_blocking(move || verify_password(&pw, &phc))
            .await
            .map_err(|e| IssuanceError::Internal(e.to_string()))?;
        let (true, Some(user)) = (ok, user) else {
            let mut t = self.throttle.0.lock().expect("throttle lock");
            let e = t.entry(name.clone()).or_insert((0, now));
            if now >= e.1 + LOCKOUT {
                e.0 = 0;
            }
            e.0 += 1;
            e.1 = now;
            if e.0 == MAX_FAILURES {
                tracing::warn!(username = %name, "login locked after {MAX_FAILURES} failures");
            }
            return Err(IssuanceError::Unauthorized(
                "wrong username or password".into(),
            ));
        };
        self.throttle.0.lock().expect("throttle lock").remove(&name);
        let token = hex::encode(random_bytes::<32>()?);
        let expires = self.clock.now() + SESSION_TTL;
        self.store
            .session_create(&token_hash(&token), user.username.as_str(), expires)
            .await?;
        Ok(Sesi {
            token,
            user,
            expires,
        })
    }

    /// The user behind a session token, if the session is live.
    pub async fn authenticate(&self, token: &str) -> Result<Option<User>> {
        Ok(self
            .store
            .session_user(&token_hash(token), self.clock.now())
            .await?)
    }

    pub async fn logout(&self, token: &str) -> Result<()> {
        Ok(self.store.session_delete(&token_hash(token)).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::check_password;

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
}
