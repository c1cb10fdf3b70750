//! Users, sessions and the failed-login state (lockout): the bodies of the account
//! methods of [`sidik_store::Store`].

use jiff::Timestamp;
use sidik_domain::audit::AuditDraft;
use sidik_domain::{Peran, Username};
use sidik_store::{LoginGuard, LoginRule, Result, StoreError, User};
use sqlx::postgres::PgRow;
use sqlx::Row;

use crate::audit::append_audit;
use crate::{be, corrupt, ns, ts, PgStore};

fn user_from(r: &PgRow) -> Result<User> {
    Ok(User {
        username: Username::parse(r.get("username")).map_err(|e| corrupt("username", e))?,
        peran: Peran::parse(r.get("peran")).map_err(|e| corrupt("peran", e))?,
        password_hash: r.get("password_hash"),
        dibuat: ts(r.get("dibuat")),
    })
}

pub(crate) async fn user_create(store: &PgStore, user: &User, audit: AuditDraft) -> Result<()> {
    let mut tx = store.begin_write().await?;
    sqlx::query("INSERT INTO users (username, peran, password_hash, dibuat) VALUES ($1,$2,$3,$4)")
        .bind(user.username.as_str())
        .bind(user.peran.slug())
        .bind(&user.password_hash)
        .bind(ns(user.dibuat))
        .execute(&mut *tx)
        .await
        .map_err(|e| match be(e) {
            StoreError::Conflict(_) => {
                StoreError::Conflict(format!("user {} already exists", user.username))
            }
            other => other,
        })?;
    append_audit(&mut tx, vec![audit]).await?;
    tx.commit().await.map_err(be)
}

pub(crate) async fn user_get(store: &PgStore, username: &str) -> Result<Option<User>> {
    sqlx::query("SELECT * FROM users WHERE username = $1")
        .bind(username)
        .fetch_optional(&store.reader)
        .await
        .map_err(be)?
        .as_ref()
        .map(user_from)
        .transpose()
}

pub(crate) async fn user_set_password(
    store: &PgStore,
    username: &str,
    password_hash: &str,
    audit: AuditDraft,
) -> Result<()> {
    let mut tx = store.begin_write().await?;
    let n = sqlx::query("UPDATE users SET password_hash = $1 WHERE username = $2")
        .bind(password_hash)
        .bind(username)
        .execute(&mut *tx)
        .await
        .map_err(be)?
        .rows_affected();
    if n == 0 {
        return Err(StoreError::NotFound(format!("user {username}")));
    }
    sqlx::query("DELETE FROM sessions WHERE username = $1")
        .bind(username)
        .execute(&mut *tx)
        .await
        .map_err(be)?;
    append_audit(&mut tx, vec![audit]).await?;
    tx.commit().await.map_err(be)
}

pub(crate) async fn user_count(store: &PgStore) -> Result<u64> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&store.reader)
        .await
        .map_err(be)?;
    Ok(n as u64)
}

pub(crate) async fn session_create(
    store: &PgStore,
    token_hash: &str,
    username: &str,
    expires: Timestamp,
) -> Result<()> {
    let mut tx = store.begin_write().await?;
    sqlx::query("INSERT INTO sessions (token_hash, username, expires) VALUES ($1,$2,$3)")
        .bind(token_hash)
        .bind(username)
        .bind(ns(expires))
        .execute(&mut *tx)
        .await
        .map_err(be)?;
    tx.commit().await.map_err(be)
}

pub(crate) async fn session_user(
    store: &PgStore,
    token_hash: &str,
    now: Timestamp,
) -> Result<Option<User>> {
    sqlx::query(
        "SELECT u.* FROM sessions s JOIN users u ON u.username = s.username WHERE s.token_hash = $1 AND s.expires > $2",
    )
    .bind(token_hash)
    .bind(ns(now))
    .fetch_optional(&store.reader)
    .await
    .map_err(be)?
    .as_ref()
    .map(user_from)
    .transpose()
}

pub(crate) async fn session_delete(store: &PgStore, token_hash: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(&store.writer)
        .await
        .map_err(be)?;
    Ok(())
}

fn guard_from(r: &PgRow) -> LoginGuard {
    LoginGuard {
        gagal: r.get::<i64, _>("gagal").clamp(0, u32::MAX as i64) as u32,
        terakhir: ts(r.get("terakhir")),
        terkunci_sampai: r.get::<Option<i64>, _>("terkunci_sampai").map(ts),
    }
}

pub(crate) async fn login_guard_get(
    store: &PgStore,
    username: &Username,
) -> Result<Option<LoginGuard>> {
    Ok(sqlx::query("SELECT * FROM login_guard WHERE username = $1")
        .bind(username.as_str())
        .fetch_optional(&store.reader)
        .await
        .map_err(be)?
        .as_ref()
        .map(guard_from))
}

pub(crate) async fn login_guard_update(
    store: &PgStore,
    username: &Username,
    forget_before: Timestamp,
    rule: LoginRule<'_>,
) -> Result<Option<LoginGuard>> {
    let mut tx = store.begin_write().await?;
    sqlx::query(
        "DELETE FROM login_guard WHERE terakhir < $1 AND COALESCE(terkunci_sampai, 0) < $1",
    )
    .bind(ns(forget_before))
    .execute(&mut *tx)
    .await
    .map_err(be)?;
    let before = sqlx::query("SELECT * FROM login_guard WHERE username = $1")
        .bind(username.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(be)?
        .as_ref()
        .map(guard_from);
    if let Some(change) = rule(before.as_ref()) {
        match &change.next {
            Some(g) => sqlx::query(
                "INSERT INTO login_guard (username, gagal, terakhir, terkunci_sampai) VALUES ($1,$2,$3,$4)
                 ON CONFLICT(username) DO UPDATE SET gagal = excluded.gagal,
                     terakhir = excluded.terakhir, terkunci_sampai = excluded.terkunci_sampai",
            )
            .bind(username.as_str())
            .bind(g.gagal as i64)
            .bind(ns(g.terakhir))
            .bind(g.terkunci_sampai.map(ns)),
            None => {
                sqlx::query("DELETE FROM login_guard WHERE username = $1").bind(username.as_str())
            }
        }
        .execute(&mut *tx)
        .await
        .map_err(be)?;
        append_audit(&mut tx, change.audits).await?;
    }
    tx.commit().await.map_err(be)?;
    Ok(before)
}
