//! The composition root: ONE function, [`Node::build`], turns a [`NodeConfig`] into a
//! running Sidik node of one of three roles — a standalone office, an office that
//! answers to a centre, or the centre. `sidik serve`, `sidik bench enroll`, `sidik
//! bench centre`, the integration tests' `TestApp` and (through `sidik serve`) the
//! simulator's nodes all build their nodes here, so a role is wired one way only.
//!
//! Also here: the node's key files and their provisioning ([`keys`]).
//!
//! Architecture invariant: this crate chooses adapters (SQLite or PostgreSQL, the
//! gallery ABIS, HTTP link) and connects them to the use cases; it holds no rule of its
//! own. A node is generic over its storage backend ([`Backend`]): SQLite by default
//! ([`Node::build`]), or any other, e.g. PostgreSQL ([`Node::build_with`]).

pub mod kabar;
pub mod keys;
pub mod pool;
pub mod sim_clock;
pub mod suket;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use sidik_abis_gallery::{GalleryAbis, IsoTemplates};
use sidik_domain::KodeKantor;
use sidik_http::trust::{Trust, TrustSource};
use sidik_http::{AppState, DemoBiometrik, Info, Role};
use sidik_issuance::akun::{Akun, CheckGate};
use sidik_issuance::aspirasi::LayananAspirasi;
use sidik_issuance::{Finality, Issuance, Uplink};
use sidik_ports::{Abis, Clock, DemographicOnly, Entropy, OsEntropy, SystemClock};
use sidik_store::{AspirasiStore, CentreStore, KabarStore, Store, SyncStore};
use sidik_store_postgres::PgStore;
use sidik_store_sqlite::SqliteStore;
use sidik_sync::centre::HoldPolicy;
use sidik_sync::{Centre, OfficeSync, SyncConfig};

/// A storage backend a node can run on: every storage trait, and a way to close it.
pub trait Backend:
    Store + SyncStore + CentreStore + AspirasiStore + KabarStore + Send + Sync + 'static
{
    /// Closes the backend's connections (at shutdown).
    fn close(&self) -> impl std::future::Future<Output = ()> + Send;
}

impl Backend for SqliteStore {
    async fn close(&self) {
        SqliteStore::close(self).await
    }
}

impl Backend for PgStore {
    async fn close(&self) {
        PgStore::close(self).await
    }
}

/// Is `db` a PostgreSQL URL (`postgres://` or `postgresql://`)?
pub fn is_postgres_url(db: &str) -> bool {
    db.starts_with("postgres://") || db.starts_with("postgresql://")
}

/// Connects to the PostgreSQL database at `url` and applies pending migrations.
pub async fn open_postgres(url: &str) -> Result<Arc<PgStore>> {
    Ok(Arc::new(PgStore::connect(url).await.with_context(
        || format!("opening the PostgreSQL database {}", redact(url)),
    )?))
}

/// A database URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let cred = &url[s + 3..at];
            match cred.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &cred[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// What the node is, as configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleConfig {
    /// One office whose own 1:N check is final (demo, small deployments).
    Standalone,
    /// A district office that sends every enrollment to the centre at this base URL.
    Office { centre_url: String },
    /// The central data centre.
    Centre,
}

/// Which ABIS the node runs.
#[derive(Clone, Default)]
pub enum Matcher {
    /// Sidik's own matcher and indexed 1:N gallery (default).
    #[default]
    Gallery,
    /// No biometric matcher: the uniqueness step runs demographic checks only and says so.
    DemographicOnly,
    /// A given ABIS (benchmarks tune the gallery's shortlist and probe fingers).
    Given(Arc<dyn Abis>),
}

/// Everything a node is built from.
#[derive(Clone)]
pub struct NodeConfig {
    /// Data folder: the SQLite database and, for office and centre, the key files.
    pub data: PathBuf,
    /// The office code (standalone and office roles).
    pub kantor: KodeKantor,
    pub role: RoleConfig,
    pub matcher: Matcher,
    /// Centre: how long the decider waits for offices' earlier enrollments.
    pub hold: HoldPolicy,
    /// Office: tunables of the sync worker.
    pub sync: SyncConfig,
    /// Demo mode: officer pages offer synthetic biometrics from this generator.
    pub demo: Option<Arc<DemoBiometrik>>,
    /// Browsers reach the node over HTTPS (its own TLS or a TLS-terminating proxy):
    /// `Secure` cookies and HSTS.
    pub https: bool,
    /// Reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    pub clock: Arc<dyn Clock>,
    pub entropy: Arc<dyn Entropy>,
    /// Password checks that may run at once (default: the machine's cores); logins
    /// beyond the gate's seats are refused with 503.
    pub login_checks: usize,
    /// Notifications, notices and the office's details for citizens.
    pub kabar: kabar::KabarSetelan,
    /// Status lookups one client may make at once (load tests; default 10).
    pub status_burst: Option<u32>,
}

impl NodeConfig {
    /// A node of `role` over the data folder `data`, with every default.
    pub fn new(data: impl Into<PathBuf>, kantor: KodeKantor, role: RoleConfig) -> NodeConfig {
        NodeConfig {
            data: data.into(),
            kantor,
            role,
            matcher: Matcher::Gallery,
            hold: HoldPolicy::default(),
            sync: SyncConfig::default(),
            demo: None,
            https: false,
            trusted_proxies: Vec::new(),
            clock: Arc::new(SystemClock),
            entropy: Arc::new(OsEntropy),
            login_checks: CheckGate::cores(),
            kabar: kabar::KabarSetelan::default(),
            status_burst: None,
        }
    }
}

/// A background task the node runs once started.
enum Worker {
    None,
    Decider(Arc<Centre>),
    OfficeSync(Arc<OfficeSync>),
}

/// A built node: its store, the state its HTTP surface serves, and its background
/// worker (not running until [`Node::start`]).
pub struct Node<S: Backend = SqliteStore> {
    pub store: Arc<S>,
    pub state: AppState,
    worker: Worker,
    /// An office's centre (its trust lists are refreshed from there).
    centre_url: Option<String>,
    /// The data folder (the file channel writes under it).
    data: std::path::PathBuf,
    kabar: kabar::KabarSetelan,
}

/// Renews Sukets nearing their end while the card is not ready, once an hour.
async fn renew_sukets(iss: Issuance) {
    loop {
        match iss.suket_renew_due().await {
            Ok(0) => {}
            Ok(n) => tracing::info!("{n} Suket renewed"),
            Err(e) => tracing::warn!("Suket renewal: {e}"),
        }
        tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
    }
}

/// Closes answered aspirations the citizen did not reply to (LAPOR!'s 10 working
/// days), once an hour.
async fn close_aspirations(a: LayananAspirasi) {
    loop {
        match a.tutup_jatuh_tempo().await {
            Ok(0) => {}
            Ok(n) => tracing::info!("{n} aspirations closed after 10 working days"),
            Err(e) => tracing::warn!("closing aspirations: {e}"),
        }
        tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
    }
}

/// Keeps an office's copies of the centre's trust lists current: every 60 s, and kept
/// as they are while the centre is unreachable.
async fn refresh_trust<S: Backend>(url: String, trust: Arc<Trust>, store: Arc<S>) {
    loop {
        match sidik_http::trust::fetch_centre_lists(&url).await {
            Ok((keys, revocations)) => {
                if let Err(e) = sidik_http::trust::store_centre_lists(
                    store.as_ref(),
                    &trust.root,
                    &keys,
                    &revocations,
                )
                .await
                {
                    tracing::warn!("the centre's trust lists were refused: {e}");
                }
            }
            Err(e) => tracing::debug!("trust lists not refreshed: {e}"),
        }
        tokio::time::sleep(std::time::Duration::from_secs(60)).await;
    }
}

impl Node {
    /// Opens (and migrates) the node's SQLite database in its data folder, then
    /// [`Node::build_with`] it.
    pub async fn build(cfg: NodeConfig) -> Result<Node> {
        let store = Arc::new(
            SqliteStore::open_dir(&cfg.data)
                .await
                .with_context(|| format!("opening the database in {}", cfg.data.display()))?,
        );
        Node::build_with(cfg, store).await
    }
}

impl<S: Backend> Node<S> {
    /// Loads the node's keys (from its data folder), wires the use cases to their
    /// adapters for the configured role over `store` (opened and migrated), and
    /// rebuilds the ABIS gallery from storage.
    pub async fn build_with(cfg: NodeConfig, store: Arc<S>) -> Result<Node<S>> {
        let akun = Akun {
            store: store.clone(),
            clock: cfg.clock.clone(),
            entropy: cfg.entropy.clone(),
            gate: Arc::new(CheckGate::new(cfg.login_checks)),
        };
        let info = Info {
            demo: cfg.demo.is_some(),
            https: cfg.https,
            trusted_proxies: cfg.trusted_proxies.clone(),
            nama_kantor: match cfg.role {
                RoleConfig::Centre => "Pusat Data Kependudukan".into(),
                _ => nama_kantor(&cfg.kantor),
            },
            alamat_kantor: cfg.kabar.alamat.clone(),
            jam_layanan: cfg.kabar.jam.clone(),
            kontak_kantor: cfg.kabar.kontak.clone(),
            status_burst: cfg.status_burst,
        };
        let (role, worker, trust) = match &cfg.role {
            RoleConfig::Centre => {
                let centre = build_centre(&cfg, store.clone()).await?;
                let certifying = keys::load_centre_keys(&cfg.data)?.certifying;
                let trust = Trust {
                    root: certifying.signing_key().verifying_key(),
                    own: None,
                    source: TrustSource::Centre {
                        store: store.clone(),
                        key: certifying.signing_key().clone(),
                    },
                    clock: cfg.clock.clone(),
                };
                (Role::Centre(centre.clone()), Worker::Decider(centre), trust)
            }
            RoleConfig::Standalone => {
                let own = keys::load_or_create_standalone_key(&cfg.data)?;
                let mut issuance = issuance(&cfg, store.clone(), Finality::Local);
                issuance.suket = Some(suket::OfficeSuketSigner::new(own.signing_key()));
                rebuild_office_gallery(&issuance).await?;
                let trust = Trust {
                    root: own.signing_key().verifying_key(),
                    own: Some((cfg.kantor.to_string(), own.signing_key().clone())),
                    source: TrustSource::Standalone,
                    clock: cfg.clock.clone(),
                };
                (Role::Standalone(issuance), Worker::None, trust)
            }
            RoleConfig::Office { centre_url } => {
                let (issuance, view, worker, trust) =
                    build_office(&cfg, store.clone(), centre_url).await?;
                rebuild_office_gallery(&issuance).await?;
                (
                    Role::Office(issuance, view),
                    Worker::OfficeSync(worker),
                    trust,
                )
            }
        };
        let aspirasi = role.issuance().map(|i| LayananAspirasi {
            store: store.clone(),
            issuance: i.clone(),
        });
        let state = AppState {
            trust: Some(Arc::new(trust)),
            akun,
            aspirasi,
            clock: cfg.clock.clone(),
            info,
            demo_biometrik: cfg.demo.clone(),
            role,
        };
        Ok(Node {
            store,
            state,
            worker,
            centre_url: match &cfg.role {
                RoleConfig::Office { centre_url } => Some(centre_url.clone()),
                _ => None,
            },
            data: cfg.data.clone(),
            kabar: cfg.kabar.clone(),
        })
    }

    /// The issuance pipeline (standalone and office roles).
    pub fn issuance(&self) -> Option<&Issuance> {
        self.state.role.issuance()
    }

    /// The centre's services (centre role).
    pub fn centre(&self) -> Option<&Arc<Centre>> {
        self.state.role.centre()
    }

    /// The node's HTTP surface.
    pub fn router(&self) -> sidik_http::Router {
        sidik_http::router(self.state.clone())
    }

    /// Starts the role's background worker: the centre's decider, or the office's
    /// sync worker. Call once, inside a Tokio runtime.
    pub fn start(&self) {
        match &self.worker {
            Worker::None => {}
            Worker::Decider(c) => {
                tokio::spawn(c.clone().run_decider());
            }
            Worker::OfficeSync(w) => {
                tokio::spawn(w.clone().run());
            }
        }
        if let Some(iss) = self.issuance() {
            tokio::spawn(renew_sukets(iss.clone()));
        }
        if let Some(a) = &self.state.aspirasi {
            tokio::spawn(close_aspirations(a.clone()));
        }
        kabar::start(self);
        if let (Role::Office(..), Some(url), Some(t)) =
            (&self.state.role, &self.centre_url, &self.state.trust)
        {
            tokio::spawn(refresh_trust(url.clone(), t.clone(), self.store.clone()));
        }
    }
}

fn abis(m: &Matcher) -> Arc<dyn Abis> {
    match m {
        Matcher::Gallery => Arc::new(GalleryAbis::default()),
        Matcher::DemographicOnly => Arc::new(DemographicOnly),
        Matcher::Given(a) => a.clone(),
    }
}

fn issuance<S: Backend>(cfg: &NodeConfig, store: Arc<S>, finality: Finality) -> Issuance {
    Issuance {
        store,
        abis: abis(&cfg.matcher),
        templates: Arc::new(IsoTemplates),
        clock: cfg.clock.clone(),
        entropy: cfg.entropy.clone(),
        kantor: cfg.kantor.clone(),
        finality,
        suket: None,
        eta_cache: Default::default(),
    }
}

async fn build_centre<S: Backend>(cfg: &NodeConfig, store: Arc<S>) -> Result<Arc<Centre>> {
    let keys = keys::load_centre_keys(&cfg.data)?;
    let mut centre = Centre::new(
        store,
        keys,
        abis(&cfg.matcher),
        Arc::new(IsoTemplates),
        cfg.clock.clone(),
    )
    .await?;
    centre.hold = cfg.hold;
    centre.lease.holder = lease_holder(cfg.entropy.as_ref())?;
    centre.lease.predecessor = succession(&cfg.data, &centre.lease.holder);
    if centre.abis.is_shared() {
        // The pool's workers hold the gallery; the decider rebuilds it when it takes
        // the lease (see `Centre::run_decider`).
        tracing::info!("national gallery held by the ABIS worker pool");
    } else {
        let t = std::time::Instant::now();
        let n = centre.rebuild_gallery().await?;
        tracing::info!(
            "national gallery rebuilt: {n} enrollments in {:.1} s",
            t.elapsed().as_secs_f64()
        );
    }
    Ok(Arc::new(centre))
}

/// This process's name in the decider's lease: host, process id and a random part
/// (unique even when a process id is reused, or two hosts share a name).
pub(crate) fn lease_holder(entropy: &dyn sidik_ports::Entropy) -> Result<String> {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "host".into());
    let mut r = [0u8; 6];
    entropy.fill(&mut r).map_err(anyhow::Error::msg)?;
    let r: String = r.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("{host}:{}:{r}", std::process::id()))
}

/// The file in a centre's data folder naming the last process that ran there.
const LEASE_HOLDER_FILE: &str = "decider.holder";

/// The previous process of this data folder, if it ran on this host and is dead: its
/// decider's lease may be taken at once (a restart need not wait for it to lapse).
/// Records `holder` as the folder's process now. Without `/proc` (not Linux) nobody can
/// be known dead, and a restart waits for the lease to lapse.
fn succession(data: &std::path::Path, holder: &str) -> Option<String> {
    let file = data.join(LEASE_HOLDER_FILE);
    let previous = std::fs::read_to_string(&file).ok();
    if let Err(e) = std::fs::write(&file, holder) {
        tracing::warn!(
            "cannot record the decider's holder in {}: {e}",
            file.display()
        );
    }
    let previous = previous?.trim().to_string();
    let mut parts = previous.split(':');
    let (host, pid) = (parts.next()?, parts.next()?);
    let this_host = holder.split(':').next()?;
    let dead = host == this_host
        && std::path::Path::new("/proc/self").exists()
        && pid.parse::<u32>().is_ok()
        && !std::path::Path::new("/proc").join(pid).exists();
    dead.then_some(previous)
}

async fn build_office<S: Backend>(
    cfg: &NodeConfig,
    store: Arc<S>,
    centre_url: &str,
) -> Result<(Issuance, sidik_http::SyncView, Arc<OfficeSync>, Trust)> {
    if centre_url.trim().is_empty() {
        bail!("an office node needs the URL of its central node");
    }
    let office_keys = Arc::new(keys::load_office_keys(&cfg.data)?);
    let public = keys::read_centre_pub(&cfg.data.join(keys::CENTRE_PUB))?;
    let wake = Arc::new(tokio::sync::Notify::new());
    let w = wake.clone();
    let uplink = Arc::new(Uplink {
        keys: office_keys.clone(),
        centre: public.sealing,
        sync: store.clone(),
        wake: Box::new(move || w.notify_one()),
    });
    let mut issuance = issuance(cfg, store.clone(), Finality::Centre(uplink));
    issuance.suket = Some(suket::OfficeSuketSigner::new(office_keys.signing_key()));
    let trust = Trust {
        root: ed25519_dalek::VerifyingKey::from_bytes(&public.verifying.to_bytes())
            .context("the centre's verifying key in centre.pub")?,
        own: Some((cfg.kantor.to_string(), office_keys.signing_key().clone())),
        source: TrustSource::Office {
            sync: store.clone(),
        },
        clock: cfg.clock.clone(),
    };
    let health = sidik_sync::Kesehatan::load(store.clone()).await;
    let link = sidik_http::HttpCentreLink::new(
        centre_url,
        cfg.kantor.as_str(),
        office_keys,
        cfg.clock.clone(),
    )
    .map_err(anyhow::Error::msg)?;
    let worker = Arc::new(OfficeSync {
        decisions: Arc::new(issuance.clone()),
        sync: store.clone(),
        link: Arc::new(link),
        health: health.clone(),
        clock: cfg.clock.clone(),
        entropy: cfg.entropy.clone(),
        config: cfg.sync.clone(),
        wake,
    });
    tracing::info!("office {} syncing with {centre_url}", cfg.kantor);
    let view = sidik_http::SyncView {
        health,
        sync: store,
    };
    Ok((issuance, view, worker, trust))
}

async fn rebuild_office_gallery(issuance: &Issuance) -> Result<()> {
    let t = std::time::Instant::now();
    let n = issuance.rebuild_gallery().await?;
    tracing::info!(
        "ABIS gallery rebuilt from storage: {n} applications in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    Ok(())
}

/// "Suku Dinas Dukcapil Kota Administrasi Jakarta Utara" for office 3172xx.
pub fn nama_kantor(k: &KodeKantor) -> String {
    let kota = sidik_wilayah::dotted(&k.as_str()[0..4]).unwrap_or_default();
    match sidik_wilayah::Wilayah::get().region(&kota) {
        Some(r) => format!("Suku Dinas Dukcapil {}", r.nama),
        None => format!("Kantor Dukcapil {k}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A restart on this host succeeds a dead predecessor only; the folder then names
    /// the new process.
    #[test]
    fn a_restart_succeeds_only_a_dead_predecessor_of_this_host() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(LEASE_HOLDER_FILE);
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id();
        child.wait().unwrap();
        let alive = std::process::id();
        // The first process of a folder has no predecessor.
        assert_eq!(succession(dir.path(), "h1:1:aa"), None);
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "h1:1:aa");
        for (previous, expected) in [
            (format!("h1:{dead}:bb"), true),
            (format!("h1:{alive}:bb"), false),
            (format!("h2:{dead}:bb"), false),
            ("h1:not-a-pid:bb".to_string(), false),
        ] {
            std::fs::write(&file, &previous).unwrap();
            let got = succession(dir.path(), "h1:7:cc");
            assert_eq!(got, expected.then_some(previous.clone()), "{previous}");
            assert_eq!(std::fs::read_to_string(&file).unwrap(), "h1:7:cc");
        }
    }
}
