//! `sidik verify` (a Suket QR, offline, against a trust folder), `sidik trust fetch`
//! (fill such a folder from a node) and `sidik plan print` (cards per day and blanks to
//! clear the queue by a date).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use clap::Subcommand;
use ed25519_dalek::VerifyingKey;
use sidik_suket::{KeySet, RevocationList, TrustStore, Verdict};

/// Files of a trust folder.
const ROOT: &str = "root.pub";
const KEYS: &str = "keys.cose";
const CENTRE_LIST: &str = "revocations.cose";
const OFFICE_LIST_PREFIX: &str = "revocations-";

#[derive(Subcommand)]
pub enum TrustCmd {
    /// Download a node's published key set and revocation lists into a folder, for
    /// `sidik verify --trust` without network. The root key comes from `centre.pub`
    /// (its `verifying` line) or, for a standalone office, `--root HEX`.
    Fetch {
        /// Base URL of an office or the centre, e.g. http://127.0.0.1:8080
        #[arg(long)]
        from: String,
        #[arg(long)]
        out: PathBuf,
        /// The centre's public key file (`centre.pub`).
        #[arg(long, conflicts_with = "root")]
        centre_pub: Option<PathBuf>,
        /// The root verifying key in hex (a standalone office's own key).
        #[arg(long)]
        root: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum PlanCmd {
    /// How many cards a day and how many blanks clear the office's print queue by a date.
    Print {
        /// The date to clear the queue by (YYYY-MM-DD).
        #[arg(long)]
        clear_by: jiff::civil::Date,
        /// The office code (checked against the data folder's office).
        #[arg(long)]
        office: Option<String>,
        #[command(flatten)]
        data: crate::DataArg,
    },
}

/// A trust folder: the root key, the key set and whatever lists are there.
fn load_trust(dir: &Path) -> Result<TrustStore> {
    let root_hex = std::fs::read_to_string(dir.join(ROOT))
        .with_context(|| format!("reading {}", dir.join(ROOT).display()))?;
    let root = parse_root(root_hex.trim())?;
    let keys = std::fs::read(dir.join(KEYS))
        .with_context(|| format!("reading {}", dir.join(KEYS).display()))?;
    let keys = KeySet::open(&keys, &root).map_err(|e| anyhow::anyhow!("{KEYS}: {e}"))?;
    let mut t = TrustStore::new(keys);
    if let Ok(b) = std::fs::read(dir.join(CENTRE_LIST)) {
        t.add_centre_list(
            RevocationList::open(&b, &root).map_err(|e| anyhow::anyhow!("{CENTRE_LIST}: {e}"))?,
        );
    }
    for e in std::fs::read_dir(dir)? {
        let p = e?.path();
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if name.starts_with(OFFICE_LIST_PREFIX) && name.ends_with(".cose") {
            let b = std::fs::read(&p)?;
            t.add_office_list_signed(&b)
                .map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
        }
    }
    Ok(t)
}

fn parse_root(text: &str) -> Result<VerifyingKey> {
    let b = hex::decode(text.trim()).context("root key: hex expected")?;
    let b: [u8; 32] = b
        .as_slice()
        .try_into()
        .map_err(|_| anyhow::anyhow!("root key: 32 bytes expected"))?;
    VerifyingKey::from_bytes(&b).map_err(|e| anyhow::anyhow!("root key: {e}"))
}

/// The QR text: the argument itself, or the content of a file (a text file, or a
/// photo of the QR).
fn qr_input(input: &str) -> Result<String> {
    let p = Path::new(input);
    if input.len() < 4096 && p.is_file() {
        let bytes = std::fs::read(p).with_context(|| format!("reading {input}"))?;
        if let Ok(text) = sidik_suket::qr_text_from_image(&bytes) {
            return Ok(text);
        }
        return String::from_utf8(bytes)
            .map(|s| s.trim().to_string())
            .map_err(|_| anyhow::anyhow!("{input}: neither an image with a QR code nor text"));
    }
    Ok(input.trim().to_string())
}

/// `sidik verify`: prints the verdict and the claims; exit status 0 only for `valid`.
pub fn verify(input: &str, trust: &Path, now: Option<jiff::Timestamp>, json: bool) -> Result<bool> {
    let t = load_trust(trust)?;
    let now = now.unwrap_or_else(jiff::Timestamp::now).as_second();
    let v = sidik_suket::verify(&qr_input(input)?, &t, now);
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&sidik_http::verification_json(&v, now))?
        );
    } else {
        println!("verdict: {} ({})", v.verdict.slug(), v.verdict.label_id());
        if !v.detail.is_empty() {
            println!("detail: {}", v.detail);
        }
        if let Verdict::Revoked { reason, at } = &v.verdict {
            println!(
                "revoked: {reason} at {}",
                jiff::Timestamp::from_second(*at)?
            );
        }
        if let Some(c) = &v.claims {
            println!(
                "suket: {} (registration {})",
                c.nomor_suket, c.nomor_registrasi
            );
            println!(
                "nik: {}  name: {}  born: {}",
                c.nik, c.nama, c.tanggal_lahir
            );
            println!(
                "issued by office {} at {}, valid until {}",
                c.kantor,
                jiff::Timestamp::from_second(c.diterbitkan)?,
                jiff::Timestamp::from_second(c.berlaku_hingga)?
            );
        }
        match v.list_age_secs {
            Some(s) => println!("revocation lists: {} minute(s) old", s / 60),
            None => println!("revocation lists: none held"),
        }
    }
    Ok(v.verdict == Verdict::Valid)
}

pub async fn trust(cmd: TrustCmd) -> Result<()> {
    let TrustCmd::Fetch {
        from,
        out,
        centre_pub,
        root,
    } = cmd;
    let root = match (centre_pub, root) {
        (Some(p), _) => {
            let public = sidik_node::keys::read_centre_pub(&p)?;
            hex::encode(public.verifying.to_bytes())
        }
        (None, Some(h)) => h,
        (None, None) => bail!("give the root key: --centre-pub FILE or --root HEX"),
    };
    let root_key = parse_root(&root)?;
    std::fs::create_dir_all(&out)?;
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(20))
        .build()?;
    let base = from.trim_end_matches('/');
    let get = |path: String| {
        let client = client.clone();
        async move {
            let r = client.get(&path).send().await?;
            anyhow::Ok((r.status(), r.bytes().await?.to_vec()))
        }
    };
    let (st, keys) = get(format!("{base}/api/v1/trust/keys")).await?;
    if !st.is_success() {
        bail!("{base}: the key set answered {st}");
    }
    let set = KeySet::open(&keys, &root_key).map_err(|e| anyhow::anyhow!("key set: {e}"))?;
    std::fs::write(out.join(ROOT), format!("{root}\n"))?;
    std::fs::write(out.join(KEYS), &keys)?;
    let (st, list) = get(format!("{base}/api/v1/trust/revocations")).await?;
    if st.is_success() {
        std::fs::write(out.join(CENTRE_LIST), &list)?;
    }
    let mut offices: Vec<&str> = set.keys.iter().map(|k| k.kantor.as_str()).collect();
    offices.dedup();
    let mut n = 0;
    for kantor in offices {
        let (st, list) = get(format!("{base}/api/v1/trust/revocations/{kantor}")).await?;
        if st.is_success() {
            std::fs::write(
                out.join(format!("{OFFICE_LIST_PREFIX}{kantor}.cose")),
                &list,
            )?;
            n += 1;
        }
    }
    println!(
        "{}: key set of {} key(s), centre list {}, {n} office list(s)",
        out.display(),
        set.keys.len(),
        if out.join(CENTRE_LIST).exists() {
            "yes"
        } else {
            "no"
        }
    );
    Ok(())
}

pub async fn plan(cmd: PlanCmd) -> Result<()> {
    let PlanCmd::Print {
        clear_by,
        office,
        data,
    } = cmd;
    let store = crate::open(&data.data).await?;
    let kantor = match std::fs::read_to_string(data.data.join("office.code")) {
        Ok(k) => k.trim().to_string(),
        // A standalone node: the office its applications were enrolled at.
        Err(_) => {
            use sidik_store::Store;
            let any = store
                .application_list(&sidik_store::ListFilter {
                    limit: 1,
                    ..Default::default()
                })
                .await?;
            any.first()
                .map(|p| p.kantor.to_string())
                .or_else(|| office.clone())
                .unwrap_or_else(|| crate::DEFAULT_OFFICE.to_string())
        }
    };
    if let Some(o) = &office {
        if *o != kantor {
            bail!("{} is office {kantor}, not {o}", data.data.display());
        }
    }
    let iss = sidik_issuance::Issuance {
        store: store.clone(),
        abis: Arc::new(sidik_ports::DemographicOnly),
        templates: Arc::new(sidik_abis_gallery::IsoTemplates),
        clock: Arc::new(sidik_ports::SystemClock),
        entropy: Arc::new(sidik_ports::OsEntropy),
        kantor: sidik_domain::KodeKantor::parse(&kantor).map_err(anyhow::Error::msg)?,
        finality: sidik_issuance::Finality::Local,
        suket: None,
        eta_cache: Default::default(),
    };
    let kap = iss.kapasitas().await?;
    let antrean = iss.print_queue_len().await?;
    println!(
        "office {kantor}: {antrean} card(s) in the print queue; printers {} card(s)/day ({} left today); blanks on hand {}, scheduled {}",
        kap.per_hari,
        kap.sisa_hari_ini,
        kap.blanko_ada,
        kap.kiriman.iter().map(|k| k.jumlah).sum::<u64>()
    );
    match iss.rencana(clear_by).await? {
        Ok(r) => {
            println!(
                "to clear it by {clear_by}: {} working day(s), {} card(s) per working day ({}), {} more blank(s) to order",
                r.hari_kerja,
                r.kartu_per_hari,
                if r.cukup_kapasitas {
                    "the printers suffice"
                } else {
                    "MORE THAN THE PRINTERS' CAPACITY"
                },
                r.blanko_kurang
            );
            Ok(())
        }
        Err(e) => bail!("{e}"),
    }
}
