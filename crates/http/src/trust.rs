//! Trust in Sukets: the signed lists a node publishes and the trust store it verifies
//! with.
//!
//! - The **centre** signs, with its certifying key, the set of office keys it certified
//!   (`/api/v1/trust/keys`) and its revocation list (`/api/v1/trust/revocations`: every
//!   registration it decided `ganda` or `ditolak`, so every Suket of it is void).
//! - An **office** serves the copies of both it last fetched from the centre (kept in
//!   its node state, so they are served while the centre is down), and its own list
//!   (`/api/v1/trust/revocations/{kantor}`), signed by its own key: the Sukets it revoked
//!   (card handed over, found `ganda`, rejected, or by an officer), current at once.
//! - A **standalone** office is its own root: its key set (its one key) is signed by
//!   its own key.
//!
//! Lists are COSE_Sign1 (EdDSA) over CBOR (`sidik-suket`), served as
//! `application/cose`.

use std::sync::Arc;

use ed25519_dalek::{SigningKey, VerifyingKey};
use sidik_domain::StatusPaket;
use sidik_store::{CentreStore, Store, SyncStore};
use sidik_suket::{KeyEntry, KeySet, Revocation, RevocationList, Subject, TrustStore};

/// Node-state keys of an office's copies of the centre's lists (hex of the bytes).
pub const STATE_KEYS: &str = "trust.keys";
pub const STATE_REVOCATIONS: &str = "trust.revocations";

/// Where a node's trust lists come from.
// One value per node, built once: the size difference does not matter.
#[allow(clippy::large_enum_variant)]
pub enum TrustSource {
    /// The centre: built from its records and signed with its certifying key.
    Centre {
        store: Arc<dyn CentreStore>,
        key: SigningKey,
    },
    /// An office: the centre's lists as last fetched.
    Office { sync: Arc<dyn SyncStore> },
    /// A standalone office: its own key is the root.
    Standalone,
}

/// The trust of one node.
pub struct Trust {
    /// The key the key set must be signed by (the centre's certifying key; a standalone
    /// office's own key).
    pub root: VerifyingKey,
    /// An office's own code and key (signs its own revocation list).
    pub own: Option<(String, SigningKey)>,
    pub source: TrustSource,
    pub clock: Arc<dyn sidik_ports::Clock>,
}

impl Trust {
    fn now(&self) -> i64 {
        self.clock.now().as_second()
    }

    /// The signed key set, if this node has one (an office that never reached the centre
    /// has none yet).
    pub async fn key_set(&self) -> Result<Option<Vec<u8>>, String> {
        match &self.source {
            TrustSource::Centre { store, key } => {
                let offices = store.offices().await.map_err(|e| e.to_string())?;
                let mut keys = Vec::new();
                for o in offices {
                    let Ok(bytes) = hex::decode(&o.public_key) else {
                        continue;
                    };
                    let Ok(public) = <[u8; 32]>::try_from(bytes.as_slice()) else {
                        continue;
                    };
                    let Ok(vk) = VerifyingKey::from_bytes(&public) else {
                        continue;
                    };
                    keys.push(KeyEntry {
                        kid: sidik_suket::key_id(&vk),
                        kantor: o.kode.to_string(),
                        public,
                        certified_at: o.dibuat.as_second(),
                        revoked_at: o.dicabut.map(|t| t.as_second()),
                    });
                }
                let now = self.now();
                Ok(Some(
                    KeySet {
                        issued_at: now,
                        sequence: now.max(0) as u64,
                        keys,
                    }
                    .sign(key),
                ))
            }
            TrustSource::Office { sync } => state_bytes(sync.as_ref(), STATE_KEYS).await,
            TrustSource::Standalone => {
                let Some((kantor, key)) = &self.own else {
                    return Ok(None);
                };
                let vk = key.verifying_key();
                Ok(Some(
                    KeySet {
                        issued_at: self.now(),
                        sequence: 1,
                        keys: vec![KeyEntry {
                            kid: sidik_suket::key_id(&vk),
                            kantor: kantor.clone(),
                            public: vk.to_bytes(),
                            certified_at: 0,
                            revoked_at: None,
                        }],
                    }
                    .sign(key),
                ))
            }
        }
    }

    /// The centre's signed revocation list (an office: its copy), if any.
    pub async fn centre_list(&self) -> Result<Option<Vec<u8>>, String> {
        match &self.source {
            TrustSource::Centre { store, key } => {
                let mut entries = Vec::new();
                for (status, reason) in [
                    (StatusPaket::Ganda, "ganda"),
                    (StatusPaket::Ditolak, "ditolak"),
                ] {
                    for p in store
                        .packets_with_status(status, u32::MAX)
                        .await
                        .map_err(|e| e.to_string())?
                    {
                        entries.push(Revocation {
                            subject: Subject::Registration(p.nomor.to_string()),
                            // The decision follows the packet's arrival; any Suket issued
                            // before it is void.
                            revoked_at: self.now(),
                            reason: reason.into(),
                        });
                    }
                }
                let now = self.now();
                Ok(Some(
                    RevocationList {
                        issuer: "pusat".into(),
                        issued_at: now,
                        sequence: now.max(0) as u64,
                        entries,
                    }
                    .sign(key),
                ))
            }
            TrustSource::Office { sync } => state_bytes(sync.as_ref(), STATE_REVOCATIONS).await,
            TrustSource::Standalone => Ok(None),
        }
    }

    /// This office's own signed list of the Sukets it revoked.
    pub async fn own_list(&self, store: &dyn Store) -> Result<Option<Vec<u8>>, String> {
        let Some((kantor, key)) = &self.own else {
            return Ok(None);
        };
        let revoked = store.suket_revoked().await.map_err(|e| e.to_string())?;
        let sequence = revoked
            .iter()
            .filter_map(|s| s.cabut_seq)
            .max()
            .unwrap_or(0)
            .max(0) as u64;
        let entries = revoked
            .iter()
            .map(|s| Revocation {
                subject: Subject::Suket(s.suket.nomor_suket.clone()),
                revoked_at: s.dicabut.map_or(0, |t| t.as_second()),
                reason: s.alasan.clone().unwrap_or_default(),
            })
            .collect();
        Ok(Some(
            RevocationList {
                issuer: kantor.clone(),
                issued_at: self.now(),
                sequence,
                entries,
            }
            .sign(key),
        ))
    }

    /// The trust store this node verifies with: its key set, the centre's list and
    /// (with `store`) its own list. `Err` if it holds no key set yet.
    pub async fn trust_store(&self, store: Option<&dyn Store>) -> Result<TrustStore, String> {
        let keys = self
            .key_set()
            .await?
            .ok_or("this office has not received the centre's key set yet")?;
        let keys = KeySet::open(&keys, &self.root).map_err(|e| e.to_string())?;
        let mut t = TrustStore::new(keys);
        if let Some(l) = self.centre_list().await? {
            if let Ok(l) = RevocationList::open(&l, &self.root) {
                t.add_centre_list(l);
            }
        }
        if let Some(store) = store {
            if let Some(own) = self.own_list(store).await? {
                t.add_office_list_signed(&own).map_err(|e| e.to_string())?;
            }
        }
        Ok(t)
    }
}

async fn state_bytes(sync: &dyn SyncStore, key: &str) -> Result<Option<Vec<u8>>, String> {
    let Some(h) = sync.state_get(key).await.map_err(|e| e.to_string())? else {
        return Ok(None);
    };
    hex::decode(h).map(Some).map_err(|e| e.to_string())
}

/// An office keeps the centre's lists current: checks them with the centre's key and
/// stores them in its node state. Returns whether both were stored.
pub async fn store_centre_lists(
    sync: &dyn SyncStore,
    root: &VerifyingKey,
    keys: &[u8],
    revocations: &[u8],
) -> Result<(), String> {
    KeySet::open(keys, root).map_err(|e| format!("key set: {e}"))?;
    RevocationList::open(revocations, root).map_err(|e| format!("revocation list: {e}"))?;
    sync.state_set(STATE_KEYS, Some(&hex::encode(keys)))
        .await
        .map_err(|e| e.to_string())?;
    sync.state_set(STATE_REVOCATIONS, Some(&hex::encode(revocations)))
        .await
        .map_err(|e| e.to_string())
}

/// Fetches the centre's two lists (the office's refresh task).
pub async fn fetch_centre_lists(centre_url: &str) -> Result<(Vec<u8>, Vec<u8>), String> {
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .map_err(|e| e.to_string())?;
    let base = centre_url.trim_end_matches('/');
    let mut out = Vec::new();
    for path in ["keys", "revocations"] {
        let r = client
            .get(format!("{base}/api/v1/trust/{path}"))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if !r.status().is_success() {
            return Err(format!("centre answered {} for {path}", r.status()));
        }
        let b = r.bytes().await.map_err(|e| e.to_string())?;
        if b.len() > sidik_suket::MAX_LIST_BYTES {
            return Err(format!("{path}: list too large"));
        }
        out.push(b.to_vec());
    }
    let revocations = out.pop().unwrap_or_default();
    let keys = out.pop().unwrap_or_default();
    Ok((keys, revocations))
}
