//! The officer JSON API of an office node, driven over HTTP like a service counter would.

use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;
use serde_json::Value;

use crate::prom::Metrics;

/// Face and signature image of every synthetic applicant.
pub const PNG: &[u8] = include_bytes!("../../cli/assets/demo-foto.png");

const ATTEMPTS: u32 = 5;

/// An HTTP client suitable for every node of the simulation.
pub fn http_client() -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(120))
        .connect_timeout(Duration::from_secs(5))
        .pool_max_idle_per_host(16)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .context("building the HTTP client")
}

/// Scrapes `GET /metrics` of a node.
pub async fn metrics(http: &reqwest::Client, base: &str) -> Result<Metrics> {
    let r = http
        .get(format!("{base}/metrics"))
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .with_context(|| format!("GET {base}/metrics"))?;
    let st = r.status();
    let body = r.text().await?;
    if st != StatusCode::OK {
        bail!("GET {base}/metrics answered {st}: {}", snippet(&body));
    }
    Ok(Metrics::parse(&body))
}

fn snippet(s: &str) -> String {
    let t = s.trim();
    if t.len() > 300 {
        let mut end = 300;
        while !t.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}…", &t[..end])
    } else {
        t.to_string()
    }
}

/// An enrollment as the counter sends it.
pub struct Enrollment {
    pub nik: String,
    pub kelurahan: String,
    pub fingers: Vec<(u8, Vec<u8>)>,
    pub idempotency_key: String,
}

impl Enrollment {
    fn form(&self) -> Form {
        let mut f = Form::new()
            .text("nik", self.nik.clone())
            .text("kelurahan", self.kelurahan.clone());
        for (pos, bytes) in &self.fingers {
            f = f.part(
                format!("jari_{pos}"),
                Part::bytes(bytes.clone()).file_name(format!("{pos}.iso")),
            );
        }
        f.part("foto", Part::bytes(PNG).file_name("foto.png"))
            .part("tanda_tangan", Part::bytes(PNG).file_name("ttd.png"))
    }
}

/// `nomor` and `status` of an application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppState {
    pub nomor: String,
    pub status: String,
}

fn app_state(v: &Value) -> Result<AppState> {
    let s = |k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| anyhow!("response has no {k:?}: {}", snippet(&v.to_string())))
    };
    Ok(AppState {
        nomor: s("nomor")?,
        status: s("status")?,
    })
}

/// A logged-in officer at one office.
#[derive(Clone)]
pub struct Office {
    pub kode: String,
    pub base: String,
    http: reqwest::Client,
    token: String,
}

/// Outcome of one HTTP attempt: done, or worth retrying (transport error, 5xx, 429).
enum Attempt<T> {
    Done(T),
    Retry(anyhow::Error),
}

async fn with_retries<T, F, Fut>(what: &str, mut f: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<Attempt<T>>>,
{
    let mut last = None;
    for i in 0..ATTEMPTS {
        if i > 0 {
            tokio::time::sleep(Duration::from_millis(200 << i)).await;
        }
        match f().await? {
            Attempt::Done(t) => return Ok(t),
            Attempt::Retry(e) => last = Some(e),
        }
    }
    Err(last
        .unwrap_or_else(|| anyhow!("no attempt"))
        .context(format!("{what}: gave up after {ATTEMPTS} attempts")))
}

/// Sends a request; transport errors, 5xx and 429 are retryable, the rest is returned.
async fn send(req: reqwest::RequestBuilder) -> Result<Attempt<(StatusCode, Value)>> {
    match req.send().await {
        Err(e) => Ok(Attempt::Retry(e.into())),
        Ok(r) => {
            let st = r.status();
            let body = r.text().await.unwrap_or_default();
            if st.is_server_error() || st == StatusCode::TOO_MANY_REQUESTS {
                return Ok(Attempt::Retry(anyhow!("{st}: {}", snippet(&body))));
            }
            let v = serde_json::from_str(&body).unwrap_or(Value::String(body));
            Ok(Attempt::Done((st, v)))
        }
    }
}

impl Office {
    pub async fn login(
        http: reqwest::Client,
        kode: &str,
        base: &str,
        user: &str,
        password: &str,
    ) -> Result<Office> {
        let url = format!("{base}/api/v1/login");
        let body = serde_json::json!({"username": user, "password": password});
        let (st, v) = with_retries("login", || {
            let req = http.post(&url).json(&body);
            async move { send(req).await }
        })
        .await?;
        if st != StatusCode::OK {
            bail!("login at office {kode} answered {st}: {v}");
        }
        let token = v["token"]
            .as_str()
            .ok_or_else(|| anyhow!("login at office {kode}: no token in {v}"))?
            .to_string();
        Ok(Office {
            kode: kode.to_string(),
            base: base.to_string(),
            http,
            token,
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `POST /api/v1/applications` (multipart). Retries are safe: the idempotency key
    /// makes the office return the first application.
    pub async fn enroll(&self, e: &Enrollment) -> Result<AppState> {
        let url = self.url("/api/v1/applications");
        let (st, v) = with_retries("enroll", || {
            let req = self
                .http
                .post(&url)
                .bearer_auth(&self.token)
                .header("Idempotency-Key", &e.idempotency_key)
                .multipart(e.form());
            async move { send(req).await }
        })
        .await?;
        if st != StatusCode::CREATED && st != StatusCode::OK {
            bail!("enrollment of NIK {} answered {st}: {v}", e.nik);
        }
        app_state(&v)
    }

    /// `GET /api/v1/applications/{nomor}`.
    pub async fn get(&self, nomor: &str) -> Result<AppState> {
        let url = self.url(&format!("/api/v1/applications/{nomor}"));
        let (st, v) = with_retries("get application", || {
            let req = self.http.get(&url).bearer_auth(&self.token);
            async move { send(req).await }
        })
        .await?;
        if st != StatusCode::OK {
            bail!("GET application {nomor} answered {st}: {v}");
        }
        app_state(&v)
    }

    /// `POST /api/v1/applications/{nomor}/check`. If a retried check finds the
    /// application already checked (409), its current state is returned.
    pub async fn check(&self, nomor: &str) -> Result<AppState> {
        let url = self.url(&format!("/api/v1/applications/{nomor}/check"));
        let (st, v) = with_retries("check", || {
            let req = self.http.post(&url).bearer_auth(&self.token);
            async move { send(req).await }
        })
        .await?;
        match st {
            StatusCode::OK => app_state(&v),
            StatusCode::CONFLICT => {
                let now = self.get(nomor).await?;
                if now.status == "direkam" {
                    bail!("check of {nomor} answered {st}: {v}");
                }
                Ok(now)
            }
            _ => bail!("check of {nomor} answered {st}: {v}"),
        }
    }

    /// `GET path` with the officer's token: the status and the JSON body (retried on
    /// transport errors, 5xx and 429).
    pub async fn get_json(&self, path: &str) -> Result<(StatusCode, Value)> {
        let url = self.url(path);
        with_retries(path, || {
            let req = self.http.get(&url).bearer_auth(&self.token);
            async move { send(req).await }
        })
        .await
    }

    /// `POST path` with a JSON body and the officer's token. Only for requests that are
    /// safe to retry or whose retry is harmless to the measurement.
    pub async fn post_json(&self, path: &str, body: &Value) -> Result<(StatusCode, Value)> {
        let url = self.url(path);
        with_retries(path, || {
            let req = self.http.post(&url).bearer_auth(&self.token).json(body);
            async move { send(req).await }
        })
        .await
    }

    /// `GET path`, which must answer 200.
    pub async fn get_ok(&self, path: &str) -> Result<Value> {
        let (st, v) = self.get_json(path).await?;
        if st != StatusCode::OK {
            bail!(
                "GET {path} at office {} answered {st}: {}",
                self.kode,
                snippet(&v.to_string())
            );
        }
        Ok(v)
    }

    /// `POST path`, which must answer 200 or 201.
    pub async fn post_ok(&self, path: &str, body: &Value) -> Result<Value> {
        let (st, v) = self.post_json(path, body).await?;
        if st != StatusCode::OK && st != StatusCode::CREATED {
            bail!(
                "POST {path} at office {} answered {st}: {}",
                self.kode,
                snippet(&v.to_string())
            );
        }
        Ok(v)
    }

    /// Every application of this office (optionally of one status), paged through
    /// `GET /api/v1/applications`.
    pub async fn list(&self, status: Option<&str>) -> Result<Vec<AppState>> {
        const PAGE: usize = 1000;
        let mut out = Vec::new();
        loop {
            let mut url = self.url(&format!(
                "/api/v1/applications?limit={PAGE}&offset={}",
                out.len()
            ));
            if let Some(s) = status {
                url.push_str(&format!("&status={s}"));
            }
            let (st, v) = with_retries("list applications", || {
                let req = self.http.get(&url).bearer_auth(&self.token);
                async move { send(req).await }
            })
            .await?;
            if st != StatusCode::OK {
                bail!("GET {url} answered {st}: {v}");
            }
            let items = v["items"]
                .as_array()
                .ok_or_else(|| anyhow!("GET {url}: no items in {}", snippet(&v.to_string())))?;
            for it in items {
                out.push(app_state(it)?);
            }
            if items.len() < PAGE {
                return Ok(out);
            }
        }
    }
}
