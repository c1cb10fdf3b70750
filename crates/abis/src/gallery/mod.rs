//! 1:N identification gallery with an inverted triplet index.
//!
//! Every enrolled finger contributes a triplet for each minutia and each pair of its
//! [`INDEX_NEIGHBOURS`] nearest neighbours. The triplet's key (the two edge lengths and
//! the two edge angles relative to the minutia's direction, quantised) names an index
//! cell; its posting holds the finger, a 4-bit sub-key (each neighbour's direction
//! relative to its edge, in quadrants) and the minutia's absolute angle. A probe looks
//! up every cell within tolerance of each of its own triplets and votes per (finger,
//! rotation bin) for the postings whose sub-key is within tolerance too (stage 1, memory
//! passes, no geometry). The best-voted fingers go through a Hough check in their two
//! best rotation windows (stage 1.5); the best of those are compared with the full
//! matcher (stage 2). Per person, the best score of each probe finger is fused (see
//! [`fuse_scores`]); [`SearchProfile`] sets how wide each stage is.
//!
//! The index is split in shards (finger modulo `SHARDS`) searched in parallel with rayon;
//! fingers are partitioned by finger position (a probe of position `p` searches `p` and
//! the unknown position 0; a probe of position 0 searches everything).
//!
//! Layout: `keys` (triplet keys, index cells and postings), `shard` (the frozen and
//! recent posting storage of one index shard), `enroll` (inserts, deletes, compaction),
//! `stage1` (index votes), `shortlist` (the Hough check, stage 1.5) and `identify`
//! (full matching, stage 2, and person-level fusion).

mod enroll;
mod identify;
mod keys;
mod shard;
mod shortlist;
mod stage1;

pub use enroll::PreparedInsert;
pub use identify::fuse_scores;

use crate::template::Minutia;
use shard::PosIndex;
use std::collections::HashMap;

/// Edges per minutia put in the index.
pub const INDEX_NEIGHBOURS: usize = 5;
/// Length bins: 4 px up to 64 px, then 8 px up to 128 px.
const T_LEN_BINS: usize = 24;
const T_LEN_TOL: f32 = 5.0;
const T_ANG_SHIFT: u32 = 3;
const T_ANG_BINS: usize = 32;
const T_ANG_TOL: i32 = 10;
const T_NBR_TOL: i32 = 16;
const CELLS: usize = T_LEN_BINS * T_LEN_BINS * T_ANG_BINS * T_ANG_BINS;
/// Neighbour direction (relative to its edge) bins of the posting sub-key: 4 of 90°.
const T_NBR_SHIFT: u32 = 6;
const T_NBR_BINS: usize = 4;
/// Low bits of a posting below the finger number: sub-key (4) and minutia angle (8).
const TAG_BITS: u32 = 12;
const SHARDS: usize = 2;
const SHARD_SHIFT: u32 = 1;
const MIN_VOTES: u16 = 2;
const NORM_K: f32 = 40.0;
const IDF_SCALE: f32 = 2.0;
const IDF_MAX: f32 = 6.0;
/// Stage 1 keeps `max(shortlist × STAGE1_FACTOR, fingers / STAGE1_DIVISOR)` fingers for
/// the Hough check.
const STAGE1_FACTOR: usize = 8;
const STAGE1_DIVISOR: usize = 10;
const ROT_BINS: usize = 16;
/// Postings filtered by sub-key at a time before voting.
const FILTER_CHUNK: usize = 256;
const ROT_SHIFT: u32 = 4;

/// Score of one probe finger against the candidate's best finger of that position.
#[derive(Clone, Debug, PartialEq)]
pub struct FingerScore {
    /// Finger position of the probe finger.
    pub position: u8,
    /// Calibrated 1:1 score (≈ 10·log10(1/FMR)).
    pub score: f32,
}

/// One ranked identification candidate.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    pub person: String,
    /// Fused person-level score on the same scale as 1:1 scores (see [`fuse_scores`]).
    pub fused_score: f32,
    /// Per probe finger, in probe order.
    pub fingers: Vec<FingerScore>,
}

struct Slot {
    /// Number of index keys of this finger (vote normalisation).
    keys: u32,
    person: u32,
    position: u8,
    /// Position-local finger number in the index.
    local: u32,
    minutiae: Box<[Minutia]>,
}

struct PersonRec {
    name: String,
    slots: Vec<u32>,
}

/// An in-memory 1:N gallery. `Send + Sync`; mutate through `&mut` (wrap in a `RwLock`).
pub struct Gallery {
    by_name: HashMap<String, u32>,
    persons: Vec<Option<PersonRec>>,
    slots: Vec<Option<Slot>>,
    index: HashMap<u8, PosIndex>,
    live_fingers: usize,
    dead_slots: usize,
    shortlist: usize,
    stage1_divisor: usize,
    profile: SearchProfile,
}

/// How wide stage 1 casts its net. [`SearchProfile::THOROUGH`] (the default) is tuned
/// for single-finger rank-1 in galleries of a million fingers; [`SearchProfile::FAST`]
/// is for multi-finger dedup, where several probe fingers are fused and each one may
/// miss more often: it queries about an eighth of the index cells (narrower tolerances,
/// triplets among 4 instead of 5 neighbours), counts only triplets whose neighbours'
/// directions agree (the posting sub-key), sends a quarter as many fingers to the Hough
/// check and full-matches only the persons with the most Hough evidence over all probe
/// fingers (see BENCHMARKS.md for its miss and false-hit rates).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SearchProfile {
    /// Triplet edge-length tolerance of the index query (pixels).
    pub len_tol: f32,
    /// Triplet angle tolerance of the index query (1/256 circle).
    pub ang_tol: i32,
    /// Stage 1 keeps `shortlist × stage1_factor` fingers for the Hough check.
    pub stage1_factor: usize,
    /// Triplets of each probe minutia with its nearest `neighbours` (at most
    /// `INDEX_NEIGHBOURS`, which the index is built with).
    pub neighbours: usize,
    /// Tolerance on each neighbour's direction relative to its edge (1/256 circle; 128
    /// or more: any direction).
    pub nbr_tol: i32,
    /// Multi-finger probes: compare only this many persons, chosen by their Hough
    /// evidence summed over the probe fingers (0: full-match every finger's shortlist).
    pub persons: usize,
}

impl SearchProfile {
    pub const THOROUGH: SearchProfile = SearchProfile {
        len_tol: T_LEN_TOL,
        ang_tol: T_ANG_TOL,
        stage1_factor: STAGE1_FACTOR,
        neighbours: INDEX_NEIGHBOURS,
        nbr_tol: T_NBR_TOL,
        persons: 0,
    };
    pub const FAST: SearchProfile = SearchProfile {
        len_tol: 3.0,
        ang_tol: 5,
        stage1_factor: 2,
        neighbours: 4,
        nbr_tol: 8,
        persons: 8,
    };
}

impl Default for Gallery {
    fn default() -> Self {
        Self::new()
    }
}

impl Gallery {
    pub fn new() -> Self {
        Gallery {
            by_name: HashMap::new(),
            persons: Vec::new(),
            slots: Vec::new(),
            index: HashMap::new(),
            live_fingers: 0,
            dead_slots: 0,
            shortlist: 1024,
            stage1_divisor: STAGE1_DIVISOR,
            profile: SearchProfile::THOROUGH,
        }
    }

    /// Chooses how wide stage 1 searches (see [`SearchProfile`]).
    pub fn set_profile(&mut self, profile: SearchProfile) {
        self.profile = profile;
    }

    /// Number of fingers compared with the full matcher per probe finger (stage 2).
    pub fn set_shortlist(&mut self, n: usize) {
        self.shortlist = n.max(1);
    }

    /// Stage 1 keeps at least `fingers / divisor` candidates for the Hough check (0:
    /// only `shortlist × 8`). The proportional floor protects single-finger rank-1 in
    /// very large galleries; multi-finger dedup, which fuses several fingers, can turn
    /// it off to keep the per-probe cost flat as the gallery grows.
    pub fn set_stage1_divisor(&mut self, divisor: usize) {
        self.stage1_divisor = divisor;
    }

    /// Number of enrolled persons.
    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }

    /// Number of enrolled fingers.
    pub fn finger_count(&self) -> usize {
        self.live_fingers
    }

    /// Whether `person` is enrolled.
    pub fn contains(&self, person: &str) -> bool {
        self.by_name.contains_key(person)
    }

    fn positions_for(&self, probe_pos: u8) -> Vec<u8> {
        if probe_pos == 0 {
            self.index.keys().copied().collect()
        } else {
            [probe_pos, 0]
                .into_iter()
                .filter(|p| self.index.contains_key(p))
                .collect()
        }
    }

    fn compatible(probe_pos: u8, pos: u8) -> bool {
        probe_pos == 0 || pos == 0 || probe_pos == pos
    }

    /// Approximate heap bytes used (templates + index).
    pub fn memory_bytes(&self) -> usize {
        let mut b = self.slots.capacity() * std::mem::size_of::<Option<Slot>>();
        for s in self.slots.iter().flatten() {
            b += s.minutiae.len() * std::mem::size_of::<Minutia>();
        }
        for idx in self.index.values() {
            for sh in &idx.shards {
                b += sh.heap_bytes();
            }
        }
        b
    }
}
