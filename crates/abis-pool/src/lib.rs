//! The ABIS as a pool of worker processes (issue 17, point 2).
//!
//! The national gallery is sharded by person (a hash of the application number) over
//! K matcher workers (`sidik abis-worker --shard I --of K`). The deciding centre
//! process reaches them through [`PoolAbis`], an implementation of the pipeline's
//! `Abis` port: every gallery operation is appended to a log in the centre's database
//! (`sidik_store::AbisPoolStore`, PostgreSQL); each [`Worker`] replays that log into its
//! shard and answers each search with its shard's candidates, which [`PoolAbis`] merges
//! (the fused score is a property of a probe and one person, so a person's score is
//! the same whichever shard holds it; the best [`MAX_CANDIDATES`] of the union are the
//! best of the whole gallery).
//!
//! **Architecture invariant:** a worker's gallery is a pure function of the log. A
//! worker that starts — or restarts after a SIGKILL mid-batch — rebuilds its shard by
//! replaying the log from the database and then answers the searches its shard has not
//! answered; the decider only waits a little longer. Only the writer of the latest
//! `clear` is obeyed: a decider that lost its lease cannot change the gallery its
//! successor rebuilt (its searches are refused, so it cannot decide either).

pub mod adapter;
pub mod codec;
mod worker;

pub use adapter::{PoolAbis, PoolOptions};
pub use worker::{Worker, WorkerOptions};

/// Candidates reported per search (as the in-process gallery).
pub const MAX_CANDIDATES: usize = 5;

/// The shard (of `of`) that holds an application: FNV-1a over its number. Stable
/// across processes, versions and platforms (it decides where a person lives).
pub fn shard_of(permohonan: &str, of: u32) -> u32 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in permohonan.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    (h % u64::from(of.max(1))) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_are_stable_and_spread() {
        // Fixed values: changing the hash would move every person to another shard.
        assert_eq!(shard_of("3172011-000001", 4), shard_of("3172011-000001", 4));
        let mut counts = [0usize; 4];
        for i in 0..4000 {
            counts[shard_of(&format!("317201-{i:06}"), 4) as usize] += 1;
        }
        for c in counts {
            assert!((800..1200).contains(&c), "uneven shards: {counts:?}");
        }
        assert_eq!(shard_of("anything", 1), 0);
    }
}
