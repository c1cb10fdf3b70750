//! Test helpers: an in-process Sidik node (built by `sidik_node::Node::build`, the one
//! composition function) on a random loopback port with a fresh SQLite database and
//! officer accounts of every role. Fixtures come from `sidik-testkit`.

use std::sync::Arc;

use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;
use serde_json::Value;
use sidik_domain::Peran;
use sidik_node::{Node, NodeConfig, RoleConfig};
use sidik_store::Store;
use sidik_store_sqlite::SqliteStore;

pub const PASSWORD: &str = "kata-sandi-uji-123";

pub struct TestApp {
    pub base: String,
    pub store: Arc<SqliteStore>,
    pub http: reqwest::Client,
    _dir: tempfile::TempDir,
}

/// The test office's code.
pub fn kantor() -> sidik_domain::KodeKantor {
    sidik_domain::KodeKantor::parse("317200").unwrap()
}

pub use sidik_testkit::fixtures::{fingers, minor, png, resident as adult};

/// Builder for an enrollment form.
pub struct Enrol {
    pub nik: String,
    pub kelurahan: String,
    pub fingers: Vec<(u8, Vec<u8>)>,
    pub exceptions: Vec<(u8, &'static str)>,
    pub foto: Vec<u8>,
    pub ttd: Vec<u8>,
}

impl Enrol {
    pub fn new(p: &sidik_domain::Penduduk, person: u64) -> Enrol {
        Enrol {
            nik: p.nik.to_string(),
            kelurahan: p.kelurahan.clone(),
            fingers: fingers(person, 0),
            exceptions: vec![],
            foto: png(),
            ttd: png(),
        }
    }

    pub fn form(&self) -> Form {
        let mut f = Form::new()
            .text("nik", self.nik.clone())
            .text("kelurahan", self.kelurahan.clone());
        for (pos, bytes) in &self.fingers {
            f = f.part(
                format!("jari_{pos}"),
                Part::bytes(bytes.clone()).file_name(format!("{pos}.iso")),
            );
        }
        for (pos, why) in &self.exceptions {
            f = f.text(format!("pengecualian_{pos}"), *why);
        }
        f.part("foto", Part::bytes(self.foto.clone()).file_name("foto.png"))
            .part(
                "tanda_tangan",
                Part::bytes(self.ttd.clone()).file_name("ttd.png"),
            )
    }
}

impl TestApp {
    /// A standalone office.
    /// A standalone office whose clock the test moves.
    pub async fn spawn_with_clock(clock: std::sync::Arc<dyn sidik_ports::Clock>) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = NodeConfig::new(dir.path(), kantor(), RoleConfig::Standalone);
        cfg.clock = clock;
        Self::serve(dir, cfg).await.0
    }

    pub async fn spawn() -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let cfg = NodeConfig::new(dir.path(), kantor(), RoleConfig::Standalone);
        Self::serve(dir, cfg).await.0
    }

    /// A central node (no hold) with its centre and a copy of its keys (for sealing).
    pub async fn spawn_centre() -> (TestApp, Arc<sidik_sync::Centre>, sidik_packet::CentreKeys) {
        let dir = tempfile::tempdir().unwrap();
        let keys = sidik_node::keys::provision_centre(dir.path()).unwrap();
        let mut cfg = NodeConfig::new(dir.path(), kantor(), RoleConfig::Centre);
        cfg.hold = sidik_sync::centre::HoldPolicy::NONE;
        let (app, node) = Self::serve(dir, cfg).await;
        (app, node.centre().unwrap().clone(), keys)
    }

    /// Builds the node (the one composition function), adds an officer of every role
    /// and serves it on a random loopback port. The node's background worker is not
    /// started: tests drive it.
    pub async fn serve(dir: tempfile::TempDir, cfg: NodeConfig) -> (TestApp, Node) {
        let node = Node::build(cfg).await.unwrap();
        for (name, peran) in [
            ("admin", Peran::Admin),
            ("operator", Peran::Operator),
            ("verifikator", Peran::Verifikator),
            ("pencetak", Peran::Pencetak),
        ] {
            node.state
                .akun
                .create_user("test", name, peran, PASSWORD)
                .await
                .unwrap();
        }
        if let Some(iss) = node.issuance() {
            // A printer and a box of blank cards: printing books a blank per card.
            let admin = node
                .state
                .akun
                .store
                .user_get("admin")
                .await
                .unwrap()
                .unwrap();
            iss.printer_save(&admin, "Printer uji", 1000, true)
                .await
                .unwrap();
            iss.blanko_receive(&admin, 10_000, None).await.unwrap();
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(sidik_http::serve(
            listener,
            node.router(),
            std::future::pending(),
        ));
        let app = TestApp {
            base: format!("http://{addr}"),
            store: node.store.clone(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            _dir: dir,
        };
        (app, node)
    }

    pub async fn add_residents(&self, people: &[sidik_domain::Penduduk]) {
        let audit = sidik_domain::audit::AuditDraft {
            aktor: "test".into(),
            aksi: "penduduk.import".into(),
            subjek: "penduduk".into(),
            waktu: jiff::Timestamp::now(),
            detail: String::new(),
        };
        self.store.residents_upsert(people, audit).await.unwrap();
    }

    /// The node's data folder (its key files).
    pub fn data_dir(&self) -> &std::path::Path {
        self._dir.path()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The test kit's HTTP client over this app's `reqwest` client.
    pub fn client(&self) -> sidik_testkit::process::Client {
        sidik_testkit::process::Client {
            http: self.http.clone(),
        }
    }

    /// Logs in through the officer page form (with its token); returns the session
    /// cookie.
    pub async fn web_login(&self, user: &str) -> String {
        self.client().web_login(&self.base, user, PASSWORD).await
    }

    /// The CSRF token of the session `cookie`'s forms, read from the page at `path`.
    pub async fn session_token(&self, path: &str, cookie: &str) -> String {
        self.client().session_token(&self.url(path), cookie).await
    }

    /// A first visit to the page at `path`: (pre-session cookie, form token).
    pub async fn pre_session(&self, path: &str) -> (String, String) {
        self.client().pre_session(&self.url(path)).await
    }

    /// A citizen's status lookup through the page form: (status, HTML).
    pub async fn status_lookup(&self, nomor: &str, nik: &str) -> (StatusCode, String) {
        self.client().status_lookup(&self.base, nomor, nik).await
    }

    pub async fn login(&self, user: &str) -> String {
        let r = self
            .http
            .post(self.url("/api/v1/login"))
            .json(&serde_json::json!({"username": user, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        r.json::<Value>().await.unwrap()["token"]
            .as_str()
            .unwrap()
            .to_string()
    }

    pub async fn enroll(&self, token: &str, e: &Enrol) -> (StatusCode, Value) {
        let r = self
            .http
            .post(self.url("/api/v1/applications"))
            .bearer_auth(token)
            .multipart(e.form())
            .send()
            .await
            .unwrap();
        let st = r.status();
        (st, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn post(&self, token: &str, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut req = self.http.post(self.url(path)).bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.unwrap();
        let st = r.status();
        (st, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn get(&self, token: &str, path: &str) -> (StatusCode, Value) {
        let r = self
            .http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let st = r.status();
        (st, r.json().await.unwrap_or(Value::Null))
    }

    /// (applications, audit entries, blobs) — to prove a rejected request wrote nothing.
    pub async fn footprint(&self) -> (i64, i64, i64) {
        let pool = self.store.writer_pool();
        let q = |sql: &'static str| async move { sqlx_count(pool, sql).await };
        (
            q("SELECT COUNT(*) FROM permohonan").await,
            // Reads of personal data are audited too; they change nothing.
            q("SELECT COUNT(*) FROM audit WHERE aksi NOT LIKE '%.baca'").await,
            q("SELECT COUNT(*) FROM blob").await,
        )
    }
}

async fn sqlx_count(pool: &sqlx::SqlitePool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

/// Verifies the whole audit chain through the storage trait.
pub async fn audit_intact(store: &dyn Store) -> u64 {
    let mut v = sidik_domain::audit::ChainVerifier::default();
    let mut after = 0;
    loop {
        let page = store.audit_page(after, 1000).await.unwrap();
        if page.is_empty() {
            return v.checked;
        }
        for e in &page {
            v.push(e).unwrap();
            after = e.seq;
        }
    }
}

/// A Suket QR with the last byte of its COSE_Sign1 (inside the signature) changed and
/// re-encoded: well-formed, with a signature that does not verify.
pub fn tamper_qr(qr: &str) -> String {
    use claim169_core::pipeline;
    let compressed = pipeline::base45_decode(qr).unwrap();
    let (mut cose, _) = pipeline::decompress(&compressed, 65_536).unwrap();
    let last = cose.len() - 1;
    cose[last] ^= 0x01;
    pipeline::base45_encode(&pipeline::compress_zlib(&cose))
}
