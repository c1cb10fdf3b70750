//! The ABIS worker pool on PostgreSQL (issue 17): the centre's side (`serve --abis-pool
//! K`, a [`Matcher`] over `sidik_abis_pool::PoolAbis`) and the worker's
//! (`sidik abis-worker`).

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use sidik_abis_pool::{PoolAbis, PoolOptions, Worker, WorkerOptions};
use sidik_store::AbisPoolStore;

use crate::{lease_holder, open_postgres, redact, Matcher};

/// How long the decider waits for every shard to answer a search before the batch is
/// undone and tried again.
pub const SEARCH_TIMEOUT: Duration = Duration::from_secs(60);

/// The centre's matcher: the national gallery held by `shards` worker processes
/// reached through the PostgreSQL database at `url`.
pub fn pool_matcher(url: &str, shards: u32, entropy: &dyn sidik_ports::Entropy) -> Result<Matcher> {
    let url = url.to_string();
    let open: sidik_abis_pool::adapter::StoreFactory = Box::new(move || {
        Box::pin(async move {
            let s: Arc<dyn AbisPoolStore> =
                open_postgres(&url).await.map_err(|e| format!("{e:#}"))?;
            Ok(s)
        })
    });
    let pool = PoolAbis::start(
        open,
        PoolOptions {
            shards,
            writer: lease_holder(entropy)?,
            timeout: SEARCH_TIMEOUT,
        },
    )
    .map_err(anyhow::Error::msg)?;
    Ok(Matcher::Given(Arc::new(pool)))
}

/// `sidik abis-worker`: serves shard `shard` of `of` from the database at `url` until
/// `stop` resolves.
pub async fn run_abis_worker(
    url: &str,
    shard: u32,
    of: u32,
    stop: impl std::future::Future<Output = ()>,
) -> Result<()> {
    let opts = WorkerOptions::new(shard, of).map_err(anyhow::Error::msg)?;
    let store = open_postgres(url).await?;
    println!(
        "Sidik ABIS worker: shard {shard} of {of}, database {}",
        redact(url)
    );
    Worker::new(store, opts)
        .run(stop)
        .await
        .map_err(anyhow::Error::msg)
        .with_context(|| format!("ABIS worker shard {shard} of {of}"))
}
