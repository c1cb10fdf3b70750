//! The JSON API under `/api/v1`.

use std::collections::HashMap;

use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use sidik_domain::tanggal::wib;
use sidik_domain::{Aksi, Nik, Peran, Status};
use sidik_store::{Created, ListFilter};

use crate::auth::{session_cookie, token_of, ApiUser, Desk};
use crate::views::{read_enroll_form, PendudukJson, PermohonanJson};
use crate::{openapi, ApiError, AppState, LOGIN_BODY_MAX};

/// Endpoints every node has: health, sessions and accounts.
pub fn account_routes() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi_doc))
        .route("/health", get(health))
        .route(
            "/login",
            post(login).layer(DefaultBodyLimit::max(LOGIN_BODY_MAX)),
        )
        .route("/logout", post(logout))
        .route("/me", get(me))
        .route("/users", post(create_user))
        .fallback(not_found)
}

/// The office's officer API (standalone and office roles).
pub fn routes() -> Router<AppState> {
    account_routes()
        .route("/residents/{nik}", get(resident))
        .route("/applications", post(enroll).get(list))
        .route("/applications/{nomor}", get(application))
        .route("/applications/{nomor}/check", post(check))
        .route("/applications/{nomor}/actions/{aksi}", post(action))
        .route("/applications/{nomor}/audit", get(audit))
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such endpoint")
}

async fn openapi_doc(State(st): State<AppState>) -> Json<serde_json::Value> {
    Json(openapi::document(match st.role {
        crate::Role::Standalone(_) => openapi::Node::Standalone,
        crate::Role::Office(..) => openapi::Node::Office,
        crate::Role::Centre(_) => openapi::Node::Centre,
    }))
}

async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({"status": "ok"}))
}

pub(crate) fn json_body<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    body.map(|Json(b)| b).map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", e.body_text())
        } else {
            ApiError::bad_request("bad_json", e.body_text())
        }
    })
}

#[derive(Deserialize)]
struct LoginBody {
    username: String,
    password: String,
}

async fn login(
    State(st): State<AppState>,
    body: Result<Json<LoginBody>, JsonRejection>,
) -> Result<Response, ApiError> {
    let b = match body {
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return Err(ApiError::new(
                e.status(),
                "too_large",
                format!("a login body is at most {LOGIN_BODY_MAX} bytes"),
            ))
        }
        other => json_body(other)?,
    };
    let s = st.akun.login(&b.username, &b.password).await?;
    let max_age = s.expires.duration_since(st.clock.now()).as_secs();
    Ok((
        [(header::SET_COOKIE, session_cookie(&s.token, max_age))],
        Json(serde_json::json!({
            "token": s.token,
            "expires": s.expires.to_string(),
            "username": s.user.username.as_str(),
            "peran": s.user.peran.slug(),
        })),
    )
        .into_response())
}

async fn logout(
    State(st): State<AppState>,
    ApiUser(_): ApiUser,
    req: axum::extract::Request,
) -> Result<StatusCode, ApiError> {
    let (parts, _) = req.into_parts();
    if let Some(t) = token_of(&parts) {
        st.akun.logout(&t).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

async fn me(ApiUser(u): ApiUser) -> Json<serde_json::Value> {
    Json(serde_json::json!({"username": u.username.as_str(), "peran": u.peran.slug()}))
}

#[derive(Deserialize)]
struct NewUserBody {
    username: String,
    peran: String,
    password: String,
}

async fn create_user(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    body: Result<Json<NewUserBody>, JsonRejection>,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    let b = json_body(body)?;
    let peran = Peran::parse(&b.peran).map_err(|m| ApiError::bad_request("invalid_role", m))?;
    let created = st
        .akun
        .create_user_by(&u, &b.username, peran, &b.password)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(
            serde_json::json!({"username": created.username.as_str(), "peran": created.peran.slug()}),
        ),
    ))
}

async fn resident(
    Desk(iss): Desk,
    ApiUser(u): ApiUser,
    Path(nik): Path<String>,
) -> Result<Json<PendudukJson>, ApiError> {
    let nik = Nik::parse(&nik).map_err(|e| ApiError::bad_request("invalid_nik", e.to_string()))?;
    let p = iss
        .resident(&u, &nik, "GET /api/v1/residents")
        .await?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("NIK {nik} is not in the population registry"),
            )
        })?;
    Ok(Json((&p).into()))
}

async fn enroll(
    Desk(iss): Desk,
    ApiUser(u): ApiUser,
    headers: HeaderMap,
    mp: Result<Multipart, MultipartRejection>,
) -> Result<(StatusCode, Json<PermohonanJson>), ApiError> {
    let mp = mp.map_err(|e| ApiError::new(e.status(), "bad_multipart", e.body_text()))?;
    let mut input = read_enroll_form(mp).await?.input;
    if let Some(k) = headers.get("idempotency-key").and_then(|v| v.to_str().ok()) {
        input.idempotency_key = Some(k.to_string());
    }
    match iss.enroll(&u, input).await? {
        Created::New(p) => Ok((StatusCode::CREATED, Json((&p).into()))),
        Created::Replayed(p) => Ok((StatusCode::OK, Json((&p).into()))),
    }
}

/// Dates a filter may name: wide enough for any registry record, narrow enough that
/// every instant (and the day after) is representable in storage (nanoseconds in i64
/// run out in 2262).
const YEARS: std::ops::RangeInclusive<i16> = 1900..=2200;
/// Highest page number of the officers' list.
pub const MAX_PAGE: u32 = 100_000;

/// Parses the filters of a page's form, where a field left blank is sent empty: blank
/// fields are no filter.
pub fn parse_form_filter(q: &HashMap<String, String>) -> Result<ListFilter, ApiError> {
    let filled: HashMap<String, String> = q
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    parse_filter(&filled)
}

/// Parses list filters; every bad value is a 400 naming the parameter, and no value
/// can make it panic or wrap around (see the proptest below).
pub fn parse_filter(q: &HashMap<String, String>) -> Result<ListFilter, ApiError> {
    let mut f = ListFilter {
        limit: 50,
        ..Default::default()
    };
    let bad = |k: &str, m: String| ApiError::bad_request("bad_query", format!("{k}: {m}"));
    let region = |k: &str, v: &str, want: sidik_wilayah::Tingkat| -> Result<String, ApiError> {
        let d = if v.contains('.') {
            v.to_string()
        } else {
            sidik_wilayah::dotted(v).unwrap_or_else(|| v.to_string())
        };
        match sidik_wilayah::Wilayah::get().region(&d) {
            Some(r) if r.tingkat == want => Ok(d),
            _ => Err(bad(k, format!("unknown {} code {v:?}", want.label()))),
        }
    };
    let date = |k: &str, v: &str| -> Result<jiff::Timestamp, ApiError> {
        let d: jiff::civil::Date = v
            .parse()
            .map_err(|_| bad(k, format!("{v:?} is not a date YYYY-MM-DD")))?;
        if !YEARS.contains(&d.year()) {
            return Err(bad(
                k,
                format!(
                    "{v:?} is out of range: years {} to {}",
                    YEARS.start(),
                    YEARS.end()
                ),
            ));
        }
        d.to_zoned(wib())
            .map(|z| z.timestamp())
            .map_err(|e| bad(k, e.to_string()))
    };
    for (k, v) in q {
        let v = v.trim();
        if v.is_empty() {
            return Err(bad(
                k,
                "empty value (leave the parameter out instead)".into(),
            ));
        }
        match k.as_str() {
            "status" => f.status = Some(Status::parse(v).map_err(|m| bad(k, m))?),
            "kecamatan" => f.kecamatan = Some(region(k, v, sidik_wilayah::Tingkat::Kecamatan)?),
            "kelurahan" => f.kelurahan = Some(region(k, v, sidik_wilayah::Tingkat::DesaKelurahan)?),
            "nik" => f.nik = Some(Nik::parse(v).map_err(|e| bad(k, e.to_string()))?),
            "dari" => f.dari = Some(date(k, v)?),
            "sampai" => {
                // Inclusive end date: everything before the next day.
                f.sampai = Some(
                    date(k, v)?
                        .checked_add(jiff::SignedDuration::from_hours(24))
                        .map_err(|e| bad(k, e.to_string()))?,
                )
            }
            "limit" => {
                f.limit = v
                    .parse::<u32>()
                    .ok()
                    .filter(|n| (1..=1000).contains(n))
                    .ok_or_else(|| bad(k, "must be 1-1000".into()))?
            }
            "offset" => {
                f.offset = v
                    .parse()
                    .map_err(|_| bad(k, "must be a non-negative number".into()))?
            }
            "halaman" => {
                v.parse::<u32>()
                    .ok()
                    .filter(|n| (1..=MAX_PAGE).contains(n))
                    .ok_or_else(|| bad(k, format!("must be 1-{MAX_PAGE}")))?;
            }
            other => return Err(bad(other, "unknown parameter".into())),
        }
    }
    Ok(f)
}

async fn list(
    Desk(iss): Desk,
    ApiUser(_): ApiUser,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let f = parse_filter(&q)?;
    let store = &iss.store;
    let err = sidik_issuance::IssuanceError::from;
    let items = store.application_list(&f).await.map_err(err)?;
    let counts = store.application_counts(&f).await.map_err(err)?;
    let items: Vec<PermohonanJson> = items.iter().map(Into::into).collect();
    let counts: serde_json::Map<String, serde_json::Value> = counts
        .into_iter()
        .map(|(s, n)| (s.slug().to_string(), n.into()))
        .collect();
    Ok(Json(serde_json::json!({"items": items, "counts": counts})))
}

async fn application(
    Desk(iss): Desk,
    ApiUser(_): ApiUser,
    Path(nomor): Path<String>,
) -> Result<Json<PermohonanJson>, ApiError> {
    Ok(Json((&iss.get(&nomor).await?).into()))
}

async fn check(
    Desk(iss): Desk,
    ApiUser(u): ApiUser,
    Path(nomor): Path<String>,
) -> Result<Json<PermohonanJson>, ApiError> {
    Ok(Json((&iss.check(&u, &nomor).await?).into()))
}

#[derive(Deserialize, Default)]
struct ActionBody {
    alasan: Option<String>,
}

async fn action(
    Desk(iss): Desk,
    ApiUser(u): ApiUser,
    Path((nomor, aksi)): Path<(String, String)>,
    body: Result<Json<ActionBody>, JsonRejection>,
) -> Result<Json<PermohonanJson>, ApiError> {
    let aksi = Aksi::parse(&aksi)
        .map_err(|m| ApiError::new(StatusCode::NOT_FOUND, "unknown_action", m))?;
    // The body is optional: none at all (no JSON content type) means no reason.
    let alasan = match body {
        Err(JsonRejection::MissingJsonContentType(_)) => None,
        other => json_body(other)?.alasan,
    };
    Ok(Json(
        (&iss.transition(&u, &nomor, aksi, alasan).await?).into(),
    ))
}

async fn audit(
    Desk(iss): Desk,
    ApiUser(_): ApiUser,
    Path(nomor): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let entries = iss
        .store
        .audit_of_subject(&nomor)
        .await
        .map_err(sidik_issuance::IssuanceError::from)?;
    let v: Vec<_> = entries
        .iter()
        .map(|e| {
            serde_json::json!({
                "seq": e.seq, "aktor": e.aktor, "aksi": e.aksi, "subjek": e.subjek,
                "waktu": e.waktu.to_string(), "detail": e.detail,
                "prev_hash": e.prev_hash, "hash": e.hash,
            })
        })
        .collect();
    Ok(Json(serde_json::json!({"entries": v})))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Every instant a filter yields fits the storage's i64 nanoseconds.
    fn representable(t: Option<jiff::Timestamp>) -> bool {
        t.is_none_or(|t| i64::try_from(t.as_nanosecond()).is_ok())
    }

    fn value() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "[0-9]{1,12}",
            (any::<i32>(), 0u8..20, 0u8..40).prop_map(|(y, m, d)| format!("{y}-{m:02}-{d:02}")),
            (-10000i32..20000).prop_map(|y| format!("{y:04}-12-31")),
            Just("9999-12-31".to_string()),
            Just("2263-01-01".to_string()),
            Just("85899347".to_string()),
            Just("4294967295".to_string()),
            Just("31.72.01.1005".to_string()),
        ]
    }

    fn key() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("status"),
            Just("kecamatan"),
            Just("kelurahan"),
            Just("nik"),
            Just("dari"),
            Just("sampai"),
            Just("limit"),
            Just("offset"),
            Just("halaman"),
            Just("other"),
        ]
        .prop_map(str::to_string)
    }

    proptest! {
        #[test]
        fn no_query_panics_or_wraps(q in proptest::collection::hash_map(key(), value(), 0..6)) {
            if let Ok(f) = parse_filter(&q) {
                prop_assert!(representable(f.dari) && representable(f.sampai));
                prop_assert!((1..=1000).contains(&f.limit));
            }
        }
    }

    #[test]
    fn the_reported_values_are_refused_with_a_reason() {
        for (k, v) in [
            ("sampai", "9999-12-31"),
            ("dari", "2263-01-01"),
            ("halaman", "85899347"),
            ("halaman", "0"),
        ] {
            let q = HashMap::from([(k.to_string(), v.to_string())]);
            let e = parse_filter(&q).unwrap_err();
            assert_eq!(e.status, StatusCode::BAD_REQUEST, "{k}={v}");
            assert!(e.message.starts_with(k), "{}", e.message);
        }
        let q = HashMap::from([("sampai".to_string(), "2200-12-31".to_string())]);
        assert!(parse_filter(&q).unwrap().sampai.is_some());
    }
}
