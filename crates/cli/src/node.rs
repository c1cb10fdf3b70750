//! Node roles and their provisioning: key files, office registration, and the
//! services each role runs.
//!
//! Files in a node's data folder:
//! - central: `centre.key` (secret, 0600), `centre.pub` (distributed to offices);
//! - office: `office.key` (secret, 0600), `centre.pub` (copied at `office init`).

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use sidik_packet::{CentreKeys, CentrePublic, OfficeKeys};
use sidik_store::SyncStore;
use sidik_store_sqlite::SqliteStore;

pub const CENTRE_KEY: &str = "centre.key";
pub const CENTRE_PUB: &str = "centre.pub";
pub const OFFICE_KEY: &str = "office.key";

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Role {
    /// One office whose own 1:N check is final (demo, small deployments).
    Standalone,
    /// A district office that syncs with a centre.
    Office,
    /// The central data centre.
    Central,
}

fn write_secret(path: &Path, text: &str) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("creating {} (it must not exist yet)", path.display()))?;
    f.write_all(text.as_bytes())?;
    f.sync_all()?;
    Ok(())
}

fn pub_text(p: &CentrePublic) -> String {
    format!(
        "# Sidik centre public keys: give this file to every office (`sidik office init --centre-pub`).\nverifying {}\nsealing {}\n",
        p.verifying, p.sealing
    )
}

pub fn read_centre_pub(path: &Path) -> Result<CentrePublic> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let field = |name: &str| {
        text.lines()
            .filter_map(|l| l.trim().strip_prefix(name))
            .map(str::trim)
            .next()
            .with_context(|| format!("{}: no `{name}` line", path.display()))
    };
    Ok(CentrePublic {
        verifying: field("verifying ")?
            .parse()
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?,
        sealing: field("sealing ")?
            .parse()
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?,
    })
}

/// `sidik central init`
pub async fn central_init(data: &Path) -> Result<()> {
    std::fs::create_dir_all(data)?;
    let keys = CentreKeys::generate(&mut sidik_packet::rand_core::OsRng);
    write_secret(&data.join(CENTRE_KEY), &keys.to_text())?;
    std::fs::write(data.join(CENTRE_PUB), pub_text(&keys.public()))?;
    let store = SqliteStore::open_dir(data).await?;
    store.close().await;
    println!("{}", data.join(CENTRE_PUB).display());
    Ok(())
}

/// `sidik office init`: prints the office's public key (hex) on the last line.
pub async fn office_init(data: &Path, office: &str, centre_pub: &Path) -> Result<()> {
    sidik_domain::KodeKantor::parse(office).map_err(anyhow::Error::msg)?;
    let public = read_centre_pub(centre_pub)?;
    std::fs::create_dir_all(data)?;
    let keys = OfficeKeys::generate(&mut sidik_packet::rand_core::OsRng);
    write_secret(&data.join(OFFICE_KEY), &keys.to_text())?;
    std::fs::write(data.join(CENTRE_PUB), pub_text(&public))?;
    std::fs::write(data.join("office.code"), office)?;
    let store = SqliteStore::open_dir(data).await?;
    store.close().await;
    eprintln!(
        "office {office} initialised in {}; register this public key at the centre:\n  sidik central add-office --office {office} --public-key <key below>",
        data.display()
    );
    println!("{}", keys.public_key());
    Ok(())
}

pub fn load_centre_keys(data: &Path) -> Result<CentreKeys> {
    let p = data.join(CENTRE_KEY);
    let text = zeroize::Zeroizing::new(std::fs::read_to_string(&p).with_context(|| {
        format!(
            "reading {} (run `sidik central init --data {}` first)",
            p.display(),
            data.display()
        )
    })?);
    CentreKeys::from_text(&text).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))
}

pub fn load_office_keys(data: &Path) -> Result<OfficeKeys> {
    let p = data.join(OFFICE_KEY);
    let text = zeroize::Zeroizing::new(std::fs::read_to_string(&p).with_context(|| {
        format!(
            "reading {} (run `sidik office init --data {} ...` first)",
            p.display(),
            data.display()
        )
    })?);
    OfficeKeys::from_text(&text).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))
}

/// The centre's services over its store.
pub async fn centre(store: Arc<SqliteStore>, data: &Path) -> Result<Arc<sidik_sync::Centre>> {
    centre_with_keys(store, load_centre_keys(data)?).await
}

pub async fn centre_with_keys(
    store: Arc<SqliteStore>,
    keys: CentreKeys,
) -> Result<Arc<sidik_sync::Centre>> {
    centre_with_abis(
        store,
        keys,
        Arc::new(sidik_issuance::GalleryAbis::default()),
        Default::default(),
    )
    .await
}

pub async fn centre_with_abis(
    store: Arc<SqliteStore>,
    keys: CentreKeys,
    abis: Arc<dyn sidik_issuance::Abis>,
    hold: sidik_sync::centre::HoldPolicy,
) -> Result<Arc<sidik_sync::Centre>> {
    let mut c =
        sidik_sync::Centre::new(store, keys, abis, Arc::new(sidik_issuance::SystemClock)).await?;
    c.hold = hold;
    Ok(Arc::new(c))
}

/// `sidik central add-office`
pub async fn add_office(data: &Path, office: &str, public_key: &str, name: &str) -> Result<()> {
    let kode = sidik_domain::KodeKantor::parse(office).map_err(anyhow::Error::msg)?;
    let pk: sidik_packet::OfficePublicKey = public_key
        .trim()
        .parse()
        .map_err(|e| anyhow::anyhow!("--public-key: {e}"))?;
    let store = Arc::new(SqliteStore::open_dir(data).await?);
    let c = centre(store.clone(), data).await?;
    if c.store
        .offices()
        .await?
        .iter()
        .any(|k| k.kode == kode.as_str() && k.public_key == pk.to_string())
    {
        bail!("office {kode} is already registered with this key");
    }
    let name = if name.is_empty() {
        crate::demo::nama_kantor(&kode)
    } else {
        name.to_string()
    };
    c.register_office("cli", &kode, &name, &pk).await?;
    store.close().await;
    println!("office {kode} ({name}) registered with key {pk}");
    Ok(())
}

/// `sidik central revoke-office`
pub async fn revoke_office(data: &Path, office: &str, public_key: &str) -> Result<()> {
    let store = Arc::new(SqliteStore::open_dir(data).await?);
    let c = centre(store.clone(), data).await?;
    let done = c.revoke_office("cli", office, public_key.trim()).await?;
    store.close().await;
    if !done {
        bail!("no active key {public_key} for office {office}");
    }
    println!("key {public_key} of office {office} revoked");
    Ok(())
}

/// The office's sync wiring: returns the sender for the pipeline and the worker.
pub struct OfficeWiring {
    pub pengirim: Arc<sidik_issuance::Pengirim>,
    pub health: Arc<sidik_sync::Kesehatan>,
    pub wake: Arc<tokio::sync::Notify>,
    pub keys: Arc<OfficeKeys>,
}

pub async fn office_wiring(store: Arc<SqliteStore>, data: &Path) -> Result<OfficeWiring> {
    let keys = Arc::new(load_office_keys(data)?);
    let public = read_centre_pub(&data.join(CENTRE_PUB))?;
    let wake = Arc::new(tokio::sync::Notify::new());
    let sync: Arc<dyn SyncStore> = store;
    let w = wake.clone();
    let pengirim = Arc::new(sidik_issuance::Pengirim {
        keys: keys.clone(),
        centre: public.sealing,
        sync: sync.clone(),
        wake: Box::new(move || w.notify_one()),
    });
    let health = sidik_sync::Kesehatan::load(sync).await;
    Ok(OfficeWiring {
        pengirim,
        health,
        wake,
        keys,
    })
}
