//! Key files and provisioning: `central init`, `office init`, registering and
//! revoking office keys at the centre.
//!
//! Files in a node's data folder:
//! - central: `centre.key` (secret, 0600), `centre.pub` (distributed to offices);
//! - office: `office.key` (secret, 0600), `centre.pub` (copied at `office init`).

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use sidik_packet::{CentreKeys, CentrePublic, OfficeKeys};
use sidik_store_sqlite::SqliteStore;

use crate::Backend;
use sidik_sync::centre::Actor;

pub const CENTRE_KEY: &str = "centre.key";
pub const CENTRE_PUB: &str = "centre.pub";
pub const OFFICE_KEY: &str = "office.key";

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

/// Creates the centre's key files in `data` (which must not hold them yet) and returns
/// the keys.
pub fn provision_centre(data: &Path) -> Result<CentreKeys> {
    std::fs::create_dir_all(data)?;
    let keys = CentreKeys::generate(&mut sidik_packet::rand_core::OsRng);
    write_secret(&data.join(CENTRE_KEY), &keys.to_text())?;
    std::fs::write(data.join(CENTRE_PUB), pub_text(&keys.public()))?;
    Ok(keys)
}

/// `sidik central init`: key files and the database; prints the public key file's path.
pub async fn central_init(data: &Path) -> Result<()> {
    provision_centre(data)?;
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

/// The centre's services for a one-shot console command (no gallery: provisioning
/// never searches).
async fn console_centre<S: Backend>(store: Arc<S>, data: &Path) -> Result<sidik_sync::Centre> {
    Ok(sidik_sync::Centre::new(
        store,
        load_centre_keys(data)?,
        Arc::new(sidik_ports::DemographicOnly),
        Arc::new(sidik_abis_gallery::IsoTemplates),
        Arc::new(sidik_ports::SystemClock),
    )
    .await?)
}

/// `sidik central add-office` (the centre's SQLite database in `data`).
pub async fn add_office(data: &Path, office: &str, public_key: &str, name: &str) -> Result<()> {
    let store = Arc::new(SqliteStore::open_dir(data).await?);
    add_office_on(store, data, office, public_key, name).await
}

/// `sidik central add-office` on the centre's `store` (keys in `data`).
pub async fn add_office_on<S: Backend>(
    store: Arc<S>,
    data: &Path,
    office: &str,
    public_key: &str,
    name: &str,
) -> Result<()> {
    let kode = sidik_domain::KodeKantor::parse(office).map_err(anyhow::Error::msg)?;
    let pk: sidik_packet::OfficePublicKey = public_key
        .trim()
        .parse()
        .map_err(|e| anyhow::anyhow!("--public-key: {e}"))?;
    let c = console_centre(store.clone(), data).await?;
    if c.store
        .offices()
        .await?
        .iter()
        .any(|k| k.kode == kode && k.public_key == pk.to_string())
    {
        bail!("office {kode} is already registered with this key");
    }
    let name = if name.is_empty() {
        crate::nama_kantor(&kode)
    } else {
        name.to_string()
    };
    c.register_office(Actor::Console, &kode, &name, &pk).await?;
    store.close().await;
    println!("office {kode} ({name}) registered with key {pk}");
    Ok(())
}

/// `sidik central revoke-office` (the centre's SQLite database in `data`).
pub async fn revoke_office(data: &Path, office: &str, public_key: &str) -> Result<()> {
    let store = Arc::new(SqliteStore::open_dir(data).await?);
    revoke_office_on(store, data, office, public_key).await
}

/// `sidik central revoke-office` on the centre's `store` (keys in `data`).
pub async fn revoke_office_on<S: Backend>(
    store: Arc<S>,
    data: &Path,
    office: &str,
    public_key: &str,
) -> Result<()> {
    let kode = sidik_domain::KodeKantor::parse(office).map_err(anyhow::Error::msg)?;
    let c = console_centre(store.clone(), data).await?;
    let done = c
        .revoke_office(Actor::Console, &kode, public_key.trim())
        .await?;
    store.close().await;
    if !done {
        bail!("no active key {public_key} for office {office}");
    }
    println!("key {public_key} of office {office} revoked");
    Ok(())
}

/// A standalone office signs its Sukets with `office.key` too; it is created on the
/// first start (0600) and is its own trust root.
pub fn load_or_create_standalone_key(data: &Path) -> Result<OfficeKeys> {
    let p = data.join(OFFICE_KEY);
    if !p.exists() {
        std::fs::create_dir_all(data)?;
        let keys = OfficeKeys::generate(&mut sidik_packet::rand_core::OsRng);
        write_secret(&p, &keys.to_text())?;
    }
    load_office_keys(data)
}
