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

use crate::hough::{self, HoughProbe};
use crate::matcher::{match_prepared, Prepared};
use crate::template::{FingerView, Minutia};
use rayon::prelude::*;
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

/// One shard of a position's inverted index: a frozen part in compressed-sparse-row
/// form (postings of all cells in cell order, found through an offset table) and a
/// recent part that takes inserts (cells map to posting lists through a compact u32
/// table so that empty cells cost 4 bytes). Queries read both. When the recent part
/// grows past a fraction of the frozen one, the two are merged into a new frozen part,
/// so inserts stay incremental (amortised O(1)) while almost every lookup is a forward
/// sweep through two flat arrays instead of three dependent cache misses.
struct Shard {
    /// `CELLS + 1` offsets into `base` (empty until the first freeze).
    base_off: Vec<u32>,
    base: Vec<u32>,
    list_of_cell: Vec<u32>,
    /// `lists[0]` stays empty.
    lists: Vec<Vec<u32>>,
    /// Postings in the recent part.
    recent: usize,
    /// Total postings (live and dead).
    postings: usize,
}

/// The recent part is merged into the frozen one when it exceeds this many postings and
/// `1 / FREEZE_FRACTION` of the frozen part.
const FREEZE_MIN: usize = 32_768;
const FREEZE_FRACTION: usize = 8;

impl Shard {
    fn new() -> Self {
        Shard {
            base_off: Vec::new(),
            base: Vec::new(),
            list_of_cell: vec![0; CELLS],
            lists: vec![Vec::new()],
            recent: 0,
            postings: 0,
        }
    }

    /// Frozen and recent postings of a cell.
    #[inline]
    fn get(&self, cell: usize) -> (&[u32], &[u32]) {
        let base = match self.base_off.get(cell..cell + 2) {
            Some(o) => &self.base[o[0] as usize..o[1] as usize],
            None => &[],
        };
        (base, &self.lists[self.list_of_cell[cell] as usize])
    }

    /// Non-empty cells of a query: (frozen range start, end, recent list, probe angle).
    fn spans(&self, cells: &[Query]) -> Vec<(u32, u32, u32, Query)> {
        let mut out = Vec::with_capacity(cells.len());
        let frozen = !self.base_off.is_empty();
        for (k, &q) in cells.iter().enumerate() {
            if let Some(a) = cells.get(k + 2 * PREFETCH_AHEAD) {
                let a = a.cell as usize;
                prefetch(self.base_off.as_ptr().wrapping_add(a));
                prefetch(self.list_of_cell.as_ptr().wrapping_add(a));
            }
            let c = q.cell as usize;
            let (s, e) = if frozen {
                (self.base_off[c], self.base_off[c + 1])
            } else {
                (0, 0)
            };
            let l = self.list_of_cell[c];
            if s != e || l != 0 {
                out.push((s, e, l, q));
            }
        }
        out
    }

    fn push(&mut self, cell: usize, posting: u32) {
        let mut l = self.list_of_cell[cell];
        if l == 0 {
            l = self.lists.len() as u32;
            self.lists.push(Vec::new());
            self.list_of_cell[cell] = l;
        }
        self.lists[l as usize].push(posting);
        self.postings += 1;
        self.recent += 1;
    }

    fn wants_freeze(&self) -> bool {
        self.recent >= FREEZE_MIN.max(self.base.len() / FREEZE_FRACTION)
    }

    /// Merges the recent part into a new frozen part, keeping only postings for which
    /// `live` holds (all when `None`).
    fn freeze(&mut self, live: Option<&dyn Fn(u32) -> bool>) {
        let mut off = Vec::with_capacity(CELLS + 1);
        let mut base = Vec::with_capacity(self.base.len() + self.recent);
        for cell in 0..CELLS {
            off.push(base.len() as u32);
            let (b, r) = self.get(cell);
            match live {
                Some(live) => base.extend(b.iter().chain(r).copied().filter(|&q| live(q))),
                // Plain copies (memcpy) when nothing is dropped.
                None => {
                    base.extend_from_slice(b);
                    base.extend_from_slice(r);
                }
            }
        }
        off.push(base.len() as u32);
        self.postings = base.len();
        self.base_off = off;
        self.base = base;
        self.list_of_cell.iter_mut().for_each(|l| *l = 0);
        self.lists = vec![Vec::new()];
        self.recent = 0;
    }

    fn heap_bytes(&self) -> usize {
        (self.base_off.capacity() + self.base.capacity() + self.list_of_cell.len()) * 4
            + self.lists.len() * std::mem::size_of::<Vec<u32>>()
            + self.lists.iter().map(|c| c.capacity() * 4).sum::<usize>()
    }
}

/// The index of one finger position. Postings name position-local finger numbers, so a
/// probe's vote table covers only the fingers of its position.
struct PosIndex {
    shards: Vec<Shard>,
    /// Gallery slot of each position-local finger (`local % SHARDS` is its shard).
    slot_of: Vec<u32>,
    /// Stage-1 vote weight of each position-local finger: random votes grow with the
    /// finger's key count, so votes are normalised by it; 0 once the finger is deleted.
    weight_of: Vec<f32>,
}

impl PosIndex {
    fn new() -> Self {
        PosIndex {
            shards: (0..SHARDS).map(|_| Shard::new()).collect(),
            slot_of: Vec::new(),
            weight_of: Vec::new(),
        }
    }
}

/// Postings of a batch insert waiting to be pushed: per position, (local finger number,
/// its index cells and minutia angles).
type Deferred = HashMap<u8, Vec<(u32, Vec<(u32, u16)>)>>;

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

/// Length bin of a triplet edge (`T_LEN_BINS` or more: not indexed).
#[inline]
fn len_bin(l: f32) -> usize {
    if l < 64.0 {
        (l / 4.0) as usize
    } else {
        16 + ((l - 64.0) / 8.0) as usize
    }
}

/// Index cell of a triplet key: edge lengths and angles relative to the central minutia.
#[inline]
fn tcell(l1: usize, a1: usize, l2: usize, a2: usize) -> usize {
    ((l1 * T_ANG_BINS + a1) * T_LEN_BINS + l2) * T_ANG_BINS + a2
}

/// Sub-key of a triplet, kept in its posting: each neighbour's own direction relative to
/// its edge, in `T_NBR_BINS` bins (two bits each).
#[inline]
fn sub_key(n1: u8, n2: u8) -> u32 {
    ((n1 >> T_NBR_SHIFT) as u32) << 2 | (n2 >> T_NBR_SHIFT) as u32
}

/// `f(cell, posting tag)` for every indexed triplet; the tag is the posting's low
/// `TAG_BITS` (sub-key and minutia angle, see [`posting`]).
fn index_cells(p: &Prepared, mut f: impl FnMut(usize, u16)) {
    p.for_each_triplet(INDEX_NEIGHBOURS, |_, e1, e2, abs| {
        // Canonical neighbour order: smaller angle first.
        let (e1, e2) = if e1.1 <= e2.1 { (e1, e2) } else { (e2, e1) };
        let b1 = len_bin(e1.0);
        let b2 = len_bin(e2.0);
        if b1 < T_LEN_BINS && b2 < T_LEN_BINS {
            f(
                tcell(
                    b1,
                    (e1.1 >> T_ANG_SHIFT) as usize,
                    b2,
                    (e2.1 >> T_ANG_SHIFT) as usize,
                ),
                ((sub_key(e1.2, e2.2) << 8) | abs as u32) as u16,
            );
        }
    });
}

/// Index posting: shard-local finger number within its position (20 bits), the
/// triplet's sub-key (4 bits) and the central minutia's absolute angle (8 bits).
#[inline]
fn posting(local: u32, tag: u16) -> u32 {
    ((local >> SHARD_SHIFT) << TAG_BITS) | tag as u32
}

/// One probe triplet's lookup: the cell, the probe minutia's angle and the sub-keys
/// (bit `k` of the mask: sub-key `k`) within tolerance.
#[derive(Clone, Copy)]
struct Query {
    cell: u32,
    abs: u8,
    subs: u16,
}

/// Sub-keys within `tol` of a pair of neighbour directions (all when `tol` ≥ 128).
fn sub_mask(n1: u8, n2: u8, tol: i32) -> u16 {
    if tol >= 128 {
        return u16::MAX;
    }
    let bins = |a: u8| {
        let lo = (a as i32 - tol) >> T_NBR_SHIFT;
        let hi = (a as i32 + tol) >> T_NBR_SHIFT;
        (lo..=hi).fold(0u32, |m, b| m | 1 << b.rem_euclid(T_NBR_BINS as i32))
    };
    let (m1, m2) = (bins(n1), bins(n2));
    let mut mask = 0u16;
    for x in 0..T_NBR_BINS {
        if m1 & 1 << x != 0 {
            mask |= (m2 as u16) << (x * T_NBR_BINS);
        }
    }
    mask
}

/// Cells within tolerance of each probe triplet (both neighbour orders).
fn query_cells(p: &Prepared, prof: &SearchProfile) -> Vec<Query> {
    let (len_tol, ang_tol) = (prof.len_tol, prof.ang_tol);
    let mut out = Vec::with_capacity(p.len() * 64);
    let lbins = |l: f32| {
        let lo = len_bin((l - len_tol).max(0.0));
        let hi = len_bin(l + len_tol).min(T_LEN_BINS - 1);
        (lo, hi)
    };
    let abins = |a: u8| {
        let lo = (a as i32 - ang_tol) >> T_ANG_SHIFT;
        let hi = (a as i32 + ang_tol) >> T_ANG_SHIFT;
        (lo, hi)
    };
    let wrap = |b: i32| b.rem_euclid(T_ANG_BINS as i32) as usize;
    p.for_each_triplet(prof.neighbours, |_, e1, e2, abs| {
        // Query the canonical order (smaller angle first), and the other one too when
        // noise within tolerance could flip it (close angles, or an angle near the wrap).
        let (e1, e2) = if e1.1 <= e2.1 { (e1, e2) } else { (e2, e1) };
        let near_wrap = |a: u8| (a as i32) < ang_tol || (a as i32) > 255 - ang_tol;
        let ambiguous =
            (e2.1 as i32 - e1.1 as i32) <= 2 * ang_tol || near_wrap(e1.1) || near_wrap(e2.1);
        let orders = [(e1, e2), (e2, e1)];
        for &(ea, eb) in &orders[..if ambiguous { 2 } else { 1 }] {
            let (p0, p1) = lbins(ea.0);
            let (q0, q1) = lbins(eb.0);
            if p0 >= T_LEN_BINS || q0 >= T_LEN_BINS {
                continue;
            }
            let (r0, r1) = abins(ea.1);
            let (s0, s1) = abins(eb.1);
            let subs = sub_mask(ea.2, eb.2, prof.nbr_tol);
            for x in p0..=p1 {
                for r in r0..=r1 {
                    for y in q0..=q1 {
                        for s in s0..=s1 {
                            out.push(Query {
                                cell: tcell(x, wrap(r), y, wrap(s)) as u32,
                                abs,
                                subs,
                            });
                        }
                    }
                }
            }
        }
    });
    out
}

thread_local! {
    /// Stage 1's vote table, kept between searches on each thread.
    static VOTES: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

/// How many cells ahead stage 1 prefetches postings.
const PREFETCH_AHEAD: usize = 8;

/// Hints the CPU to load the cache line at `p` (no effect on other targets). Never
/// dereferences `p`, so any address is sound.
#[inline(always)]
fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // SAFETY: SSE is part of the x86_64 baseline, and a prefetch never faults or
        // reads into the program: it is a cache hint, valid for any address.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(p.cast()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// The most votes in two adjacent rotation bins (written for auto-vectorisation).
#[inline]
fn best_window(bins: &[u8; ROT_BINS]) -> u16 {
    let mut best = 0u16;
    for b in 0..ROT_BINS {
        best = best.max(bins[b] as u16 + bins[(b + 1) % ROT_BINS] as u16);
    }
    best
}

/// Person-level fusion. Calibrated finger scores `s` satisfy P(impostor ≥ s) ≈ 10^(-s/10),
/// i.e. `s·ln10/10` is ~Exp(1) for impostors; the sum over `k` probe fingers of an impostor
/// is then ~Gamma(k, 1). The fused score is `10·log10(1/P(Gamma(k,1) ≥ x))` with
/// `x = Σs·ln10/10`: the same FMR meaning as a 1:1 score, for the whole person.
pub fn fuse_scores(scores: &[f32]) -> f32 {
    let k = scores.len();
    if k == 0 {
        return 0.0;
    }
    let x: f64 =
        scores.iter().map(|&s| s.max(0.0) as f64).sum::<f64>() * std::f64::consts::LN_10 / 10.0;
    // ln P(Gamma(k,1) >= x) = -x + ln(sum_{i<k} x^i / i!)
    let mut term = 1.0f64;
    let mut sum = 1.0f64;
    for i in 1..k {
        term *= x / i as f64;
        sum += term;
    }
    let ln_p = -x + sum.ln();
    (-(ln_p / std::f64::consts::LN_10) * 10.0).max(0.0) as f32
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

    /// Enrolls (or, if already present, replaces) a person's fingers.
    pub fn insert(&mut self, person: &str, fingers: &[(u8, FingerView)]) {
        let cells = fingers
            .iter()
            .map(|(_, v)| {
                let mut cs = Vec::new();
                index_cells(&Prepared::new(v), |c, a| cs.push((c as u32, a)));
                cs
            })
            .collect();
        self.insert_cells(person, fingers, cells, None);
    }

    /// Enrolls many persons at once (templates prepared in parallel): use this to rebuild
    /// the gallery at start. Same semantics as calling [`Gallery::insert`] in order.
    pub fn insert_batch(&mut self, persons: &[(String, Vec<(u8, FingerView)>)]) {
        let cells: Vec<Vec<Vec<(u32, u16)>>> = persons
            .par_iter()
            .map(|(_, fingers)| {
                fingers
                    .iter()
                    .map(|(_, v)| {
                        let mut cs = Vec::new();
                        index_cells(&Prepared::new(v), |c, a| cs.push((c as u32, a)));
                        cs
                    })
                    .collect()
            })
            .collect();
        // Slots are numbered in order; the postings are then pushed per position and
        // shard in parallel (each position's index is independent).
        let mut deferred: Deferred = HashMap::new();
        for ((name, fingers), cells) in persons.iter().zip(cells) {
            self.insert_cells(name, fingers, cells, Some(&mut deferred));
        }
        self.index.par_iter_mut().for_each(|(pos, idx)| {
            let Some(jobs) = deferred.get(pos) else {
                return;
            };
            idx.shards
                .par_iter_mut()
                .enumerate()
                .for_each(|(sh, shard)| {
                    for (local, cs) in jobs.iter().filter(|(l, _)| *l as usize % SHARDS == sh) {
                        for &(c, a) in cs {
                            shard.push(c as usize, posting(*local, a));
                        }
                    }
                });
        });
        self.freeze(false);
    }

    /// Merges recent postings into the frozen index: every shard (`all`, which also drops
    /// the postings of deleted fingers) or those whose recent part has grown enough.
    fn freeze(&mut self, all: bool) {
        let slots = &self.slots;
        self.index.par_iter_mut().for_each(|(_, idx)| {
            let slot_of = &idx.slot_of;
            idx.shards
                .par_iter_mut()
                .enumerate()
                .filter(|(_, sh)| {
                    if all {
                        sh.recent > 0 || sh.postings > 0
                    } else {
                        sh.wants_freeze()
                    }
                })
                .for_each(|(sh_id, sh)| {
                    // Checking liveness is a random access per posting: only `compact`
                    // (all) pays for it.
                    let live = |q: u32| {
                        let local = (((q >> TAG_BITS) << SHARD_SHIFT) as usize) | sh_id;
                        slots[slot_of[local] as usize].is_some()
                    };
                    sh.freeze(if all { Some(&live) } else { None })
                });
        });
    }

    fn insert_cells(
        &mut self,
        person: &str,
        fingers: &[(u8, FingerView)],
        cells: Vec<Vec<(u32, u16)>>,
        mut deferred: Option<&mut Deferred>,
    ) {
        self.delete(person);
        let pid = self.persons.len() as u32;
        let mut rec = PersonRec {
            name: person.to_string(),
            slots: Vec::with_capacity(fingers.len()),
        };
        for ((pos, view), cs) in fingers.iter().zip(cells) {
            let slot = self.slots.len() as u32;
            let idx = self.index.entry(*pos).or_insert_with(PosIndex::new);
            let local = idx.slot_of.len() as u32;
            idx.slot_of.push(slot);
            let keys = cs.len() as u32;
            idx.weight_of.push(65536.0 / (keys as f32 + NORM_K));
            match deferred.as_deref_mut() {
                Some(d) => d.entry(*pos).or_default().push((local, cs)),
                None => {
                    let shard = &mut idx.shards[local as usize % SHARDS];
                    for &(c, a) in &cs {
                        shard.push(c as usize, posting(local, a));
                    }
                }
            }
            self.slots.push(Some(Slot {
                keys,
                person: pid,
                position: *pos,
                local,
                minutiae: view.minutiae.clone().into_boxed_slice(),
            }));
            rec.slots.push(slot);
            self.live_fingers += 1;
        }
        self.persons.push(Some(rec));
        self.by_name.insert(person.to_string(), pid);
        if deferred.is_none()
            && self
                .index
                .values()
                .any(|idx| idx.shards.iter().any(Shard::wants_freeze))
        {
            self.freeze(false);
        }
    }

    /// Removes a person; returns whether it was enrolled.
    pub fn delete(&mut self, person: &str) -> bool {
        let Some(pid) = self.by_name.remove(person) else {
            return false;
        };
        if let Some(rec) = self.persons[pid as usize].take() {
            for s in rec.slots {
                if let Some(slot) = self.slots[s as usize].take() {
                    if let Some(idx) = self.index.get_mut(&slot.position) {
                        idx.weight_of[slot.local as usize] = 0.0;
                    }
                    self.live_fingers -= 1;
                    self.dead_slots += 1;
                }
            }
        }
        if self.dead_slots > 1024 && self.dead_slots > self.live_fingers / 2 {
            self.compact();
        }
        true
    }

    /// Drops index postings of deleted fingers.
    pub fn compact(&mut self) {
        self.freeze(true);
        self.dead_slots = 0;
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

    /// (stage-1 rank, Hough rank) of the fingers of `person` for a probe finger, with the
    /// default pipeline sizes (diagnostics).
    #[doc(hidden)]
    pub fn stage_ranks(
        &self,
        probe_pos: u8,
        view: &FingerView,
        person: &str,
    ) -> (Option<usize>, Option<usize>) {
        let Some(&pid) = self.by_name.get(person) else {
            return (None, None);
        };
        let p = Prepared::new(view);
        let keep = self
            .shortlist
            .saturating_mul(STAGE1_FACTOR)
            .max(self.live_fingers / STAGE1_DIVISOR);
        let is = |s: u32| self.slots[s as usize].as_ref().map(|x| x.person) == Some(pid);
        let first = self.stage1(probe_pos, &p, usize::MAX);
        let r1 = first.iter().position(|x| is(x.1));
        if std::env::var_os("ABIS_TRACE").is_some_and(|v| !v.is_empty()) {
            if let Some(r) = r1 {
                let s = first[r].1 as usize;
                eprintln!(
                    "stage1: mate norm {} (keys {}), top {:?}, at keep {:?}",
                    first[r].0,
                    self.slots[s].as_ref().map_or(0, |x| x.keys),
                    &first[..3.min(first.len())],
                    first.get(keep).map(|x| x.0)
                );
            }
        }
        let list = self.shortlist_for(probe_pos, &p, view, keep, None);
        (r1, list.iter().position(|&s| is(s)))
    }

    /// Stage-1 rank (0 = best) of the fingers of `person` for a probe finger (diagnostics).
    #[doc(hidden)]
    pub fn stage1_rank(&self, probe_pos: u8, view: &FingerView, person: &str) -> Option<usize> {
        let pid = *self.by_name.get(person)?;
        let list = self.shortlist_for(
            probe_pos,
            &Prepared::new(view),
            view,
            self.shortlist.max(1) * 64,
            None,
        );
        list.iter()
            .position(|&s| self.slots[s as usize].as_ref().map(|x| x.person) == Some(pid))
    }

    /// Stage 1 (index votes) then stage 1.5 (Hough) for one probe finger: the `want`
    /// most promising live slots, best first.
    fn shortlist_for(
        &self,
        probe_pos: u8,
        p: &Prepared,
        view: &FingerView,
        want: usize,
        except: Option<u32>,
    ) -> Vec<u32> {
        self.shortlist_scored(probe_pos, p, view, want, except)
            .into_iter()
            .map(|(_, s)| s)
            .collect()
    }

    /// [`Gallery::shortlist_for`] with each slot's Hough score (higher is better).
    fn shortlist_scored(
        &self,
        probe_pos: u8,
        p: &Prepared,
        view: &FingerView,
        want: usize,
        except: Option<u32>,
    ) -> Vec<(u32, u32)> {
        let keep = want.saturating_mul(self.profile.stage1_factor).max(
            self.live_fingers
                .checked_div(self.stage1_divisor)
                .unwrap_or(0),
        );
        let t0 = std::time::Instant::now();
        let first = self.stage1(probe_pos, p, keep);
        let t1 = t0.elapsed();
        let hp = HoughProbe::new(&view.minutiae);
        let mut scored: Vec<(u32, u32)> = first
            .par_iter()
            .with_min_len(256)
            .filter_map(|&(_, s, rots)| {
                let slot = self.slots[s as usize].as_ref()?;
                if Some(slot.person) == except {
                    return None;
                }
                // Stage 1's rotation estimate is noisy: try its two best windows.
                let h = [rots & 15, rots >> 4]
                    .iter()
                    .map(|&b| hough::score(&hp, &slot.minutiae, b << ROT_SHIFT))
                    .max()
                    .unwrap_or(0);
                // Random peaks grow with the candidate's minutiae count: rank by
                // peak / sqrt(n + 5) (kept as the integer peak² / (n + 5)).
                let h = (h * h * 1024) / (slot.minutiae.len() as u32 + 5);
                Some((h, s))
            })
            .collect();
        if scored.len() > want {
            scored.select_nth_unstable_by(want, |a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            scored.truncate(want);
        }
        scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        if std::env::var_os("ABIS_TRACE").is_some_and(|v| !v.is_empty()) {
            eprintln!(
                "stage1 {:?} ({} kept), hough {:?}",
                t1,
                first.len(),
                t0.elapsed() - t1
            );
        }
        scored
    }

    /// Stage 1: best-voted live slots, with their best rotation bin.
    fn stage1(&self, probe_pos: u8, p: &Prepared, want: usize) -> Vec<(u32, u32, u8)> {
        // Probing cells in index order turns random offset lookups into a forward sweep
        // (the votes are order-independent sums).
        let mut cells = query_cells(p, &self.profile);
        cells.sort_unstable_by_key(|c| c.cell);
        let trace = std::env::var_os("ABIS_TRACE").is_some_and(|v| !v.is_empty());
        let jobs: Vec<(&PosIndex, usize)> = self
            .positions_for(probe_pos)
            .into_iter()
            .flat_map(|pos| (0..SHARDS).map(move |sh| (&self.index[&pos], sh)))
            .filter(|(idx, sh)| idx.shards[*sh].postings > 0)
            .collect();
        let per_shard: Vec<Vec<(u32, u32, u8)>> = jobs
            .into_par_iter()
            .map(|(idx, sh)| {
                let shard = &idx.shards[sh];
                let n_local = idx.slot_of.len().div_ceil(SHARDS);
                // Votes per (finger, rotation bin): a probe triplet and a gallery triplet
                // that agree also imply a rotation; a mated finger's votes pile up in one bin.
                // The table is reused per thread: a fresh one of this size would come
                // from the kernel (page faults, zeroed pages) on every search.
                let mut votes = VOTES.with(|v| v.take());
                votes.clear();
                votes.resize(n_local * ROT_BINS, 0);
                // Rare local structures are worth more than common ones (IDF-like).
                let avg = (shard.postings as f32 / CELLS as f32).max(0.25);
                // Two passes so that the memory loads of different cells overlap: first
                // the cells' posting ranges (independent loads), then the postings.
                let spans = shard.spans(&cells);
                if trace {
                    let visited: usize = spans
                        .iter()
                        .map(|&(a, b, l, _)| (b - a) as usize + shard.lists[l as usize].len())
                        .sum();
                    eprintln!(
                        "shard: {} cells, {} non-empty, {} postings visited, {} fingers, {} postings",
                        cells.len(),
                        spans.len(),
                        visited,
                        n_local,
                        shard.postings
                    );
                }
                let mut buf = [0u32; FILTER_CHUNK];
                for (k, &(start, end, list, Query { abs: pabs, subs, .. })) in
                    spans.iter().enumerate()
                {
                    // The postings of a cell a few spans ahead are requested now, so
                    // that their cache misses overlap this cell's work.
                    // The recent part's lists take two steps: their headers first,
                    // then (once a header is likely cached) their postings.
                    if let Some(&(s, _, l, _)) = spans.get(k + PREFETCH_AHEAD) {
                        prefetch(shard.base.as_ptr().wrapping_add(s as usize));
                        if l != 0 {
                            prefetch(shard.lists[l as usize].as_ptr());
                        }
                    }
                    if let Some(&(_, _, l, _)) = spans.get(k + 2 * PREFETCH_AHEAD) {
                        if l != 0 {
                            prefetch(shard.lists.as_ptr().wrapping_add(l as usize));
                        }
                    }
                    let base = &shard.base[start as usize..end as usize];
                    let recent = &shard.lists[list as usize];
                    let n = base.len() + recent.len();
                    // Rounded to nearest (`+ 0.5` then truncation: the value is
                    // positive, and `f32::round` is a libm call in this hot loop).
                    let w = ((IDF_SCALE * (avg / n as f32).sqrt() + 0.5) as u8)
                        .clamp(1, IDF_MAX as u8);
                    for list in [base, recent] {
                        for chunk in list.chunks(FILTER_CHUNK) {
                            // Only triplets whose neighbours point the same way vote:
                            // filter without branches first (most postings fail), then
                            // vote.
                            let mut n = 0;
                            for &q in chunk {
                                buf[n] = q;
                                n += (subs >> ((q >> 8) & 15) & 1) as usize;
                            }
                            for &q in &buf[..n] {
                                let rot = ((q as u8).wrapping_sub(pabs) >> ROT_SHIFT) as usize;
                                let v = &mut votes[(q >> TAG_BITS) as usize * ROT_BINS + rot];
                                *v = v.saturating_add(w);
                            }
                        }
                    }
                }
                // Pass 1: each finger's best rotation window (two bins), normalised.
                let mut top: Vec<(u32, u32)> = Vec::new();
                for (i, bins) in votes.chunks_exact(ROT_BINS).enumerate() {
                    let raw: [u8; ROT_BINS] = bins.try_into().expect("ROT_BINS bytes");
                    // Most fingers got no vote at all: skip them with one compare.
                    if u128::from_ne_bytes(raw) == 0 {
                        continue;
                    }
                    let best = best_window(&raw);
                    if best < MIN_VOTES {
                        continue;
                    }
                    let Some(&wgt) = idx.weight_of.get((i << SHARD_SHIFT) | sh) else {
                        continue;
                    };
                    let norm = (best as f32 * wgt) as u32;
                    if norm > 0 {
                        top.push((norm, i as u32));
                    }
                }
                if top.len() > want {
                    top.select_nth_unstable_by(want, |a, b| b.0.cmp(&a.0));
                    top.truncate(want);
                }
                // Pass 2, kept fingers only: the best and second-best non-overlapping
                // rotation windows, for the Hough check.
                let top: Vec<(u32, u32, u8)> = top
                    .into_iter()
                    .filter_map(|(norm, i)| {
                        let bins = &votes[i as usize * ROT_BINS..][..ROT_BINS];
                        let win = |b: usize| bins[b] as u16 + bins[(b + 1) % ROT_BINS] as u16;
                        let mut best = 0u16;
                        let mut best_b = 0usize;
                        for b in 0..ROT_BINS {
                            if win(b) > best {
                                best = win(b);
                                best_b = b;
                            }
                        }
                        let mut second = 0u16;
                        let mut second_b = (best_b + ROT_BINS / 2) % ROT_BINS;
                        for b in 0..ROT_BINS {
                            let d = (b + ROT_BINS - best_b) % ROT_BINS;
                            if (2..=ROT_BINS - 2).contains(&d) && win(b) > second {
                                second = win(b);
                                second_b = b;
                            }
                        }
                        let s = *idx.slot_of.get(((i as usize) << SHARD_SHIFT) | sh)?;
                        Some((norm, s, (best_b | (second_b << 4)) as u8))
                    })
                    .collect();
                VOTES.with(|v| v.replace(votes));
                top
            })
            .collect();
        let mut all: Vec<(u32, u32, u8)> = per_shard.into_iter().flatten().collect();
        if all.len() > want {
            all.select_nth_unstable_by(want, |a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            all.truncate(want);
        }
        all.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        all
    }

    /// Every live slot compatible with the probe position (the exhaustive oracle).
    fn all_slots_for(&self, probe_pos: u8) -> Vec<u32> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| {
                s.as_ref()
                    .filter(|s| Self::compatible(probe_pos, s.position))
                    .map(|_| i as u32)
            })
            .collect()
    }

    /// Ranked candidates for a probe (several fingers of one person), using the index.
    pub fn identify(&self, probe: &[(u8, FingerView)], max_candidates: usize) -> Vec<Candidate> {
        self.identify_impl(probe, max_candidates, false, None)
    }

    /// [`Gallery::identify`] leaving out one enrolled person at every stage: the probe's
    /// own enrollment when it is already in the gallery (dedup inserts a batch before
    /// searching it), so that it takes no place in any shortlist and costs no match.
    pub fn identify_excluding(
        &self,
        probe: &[(u8, FingerView)],
        max_candidates: usize,
        except: &str,
    ) -> Vec<Candidate> {
        let except = self.by_name.get(except).copied();
        self.identify_impl(probe, max_candidates, false, except)
    }

    /// Same as [`Gallery::identify`] but compares every compatible finger with the full
    /// matcher: the correctness oracle for the index.
    pub fn identify_exhaustive(
        &self,
        probe: &[(u8, FingerView)],
        max_candidates: usize,
    ) -> Vec<Candidate> {
        self.identify_impl(probe, max_candidates, true, None)
    }

    fn identify_impl(
        &self,
        probe: &[(u8, FingerView)],
        max_candidates: usize,
        exhaustive: bool,
        except: Option<u32>,
    ) -> Vec<Candidate> {
        if probe.is_empty() || max_candidates == 0 {
            return Vec::new();
        }
        let t_all = std::time::Instant::now();
        let prepared: Vec<(u8, Prepared)> = probe
            .iter()
            .map(|(pos, v)| (*pos, Prepared::new(v)))
            .collect();
        if std::env::var_os("ABIS_TRACE").is_some_and(|v| !v.is_empty()) {
            eprintln!("prepare {:?}", t_all.elapsed());
        }
        if !exhaustive && self.profile.persons > 0 && prepared.len() >= 2 {
            return self.identify_by_person(probe, &prepared, max_candidates, except);
        }
        // Stage 1 + 2 per probe finger: best score per (person, probe finger).
        // Probe fingers are searched in parallel (each search is itself parallel inside;
        // rayon balances the two levels).
        let per_finger: Vec<Vec<(u32, f32)>> = prepared
            .par_iter()
            .enumerate()
            .map(|(fi, (pos, p))| {
                let slots = if exhaustive {
                    self.all_slots_for(*pos)
                } else {
                    self.shortlist_for(*pos, p, &probe[fi].1, self.shortlist, except)
                };
                let t2 = std::time::Instant::now();
                let r = slots
                    .par_iter()
                    .filter_map(|&s| {
                        let slot = self.slots[s as usize].as_ref()?;
                        let c = Prepared::from_minutiae(&slot.minutiae);
                        Some((slot.person, match_prepared(p, &c)))
                    })
                    .collect();
                if std::env::var_os("ABIS_TRACE").is_some_and(|v| !v.is_empty()) {
                    eprintln!("stage2 {:?}", t2.elapsed());
                }
                r
            })
            .collect();
        let mut best: HashMap<u32, Vec<Option<f32>>> = HashMap::new();
        for (fi, scored) in per_finger.into_iter().enumerate() {
            for (person, score) in scored {
                let e = best
                    .entry(person)
                    .or_insert_with(|| vec![None; prepared.len()]);
                e[fi] = Some(e[fi].map_or(score, |b: f32| b.max(score)));
            }
        }
        let t_complete = std::time::Instant::now();
        // Keep the persons with the best partial evidence, then complete the fingers they
        // were not shortlisted for so the fusion sees every finger.
        let mut partial: Vec<(f32, u32)> = best
            .iter()
            .map(|(&pid, v)| {
                let s: Vec<f32> = v.iter().map(|x| x.unwrap_or(0.0)).collect();
                (fuse_scores(&s), pid)
            })
            .filter(|&(f, _)| f > 0.0)
            .collect();
        partial.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        partial.truncate(max_candidates.saturating_mul(2).max(8));
        let out: Vec<Candidate> = partial
            .par_iter()
            .map(|&(_, pid)| self.score_person(pid, &prepared, Some(&best[&pid])))
            .collect();
        let out = Self::rank(out, max_candidates);
        if std::env::var_os("ABIS_TRACE").is_some_and(|v| !v.is_empty()) {
            eprintln!("completion {:?}", t_complete.elapsed());
        }
        out
    }

    /// A person's candidate record: every probe finger scored against the person's
    /// compatible fingers (`have` holds scores already computed, per probe finger).
    fn score_person(
        &self,
        pid: u32,
        prepared: &[(u8, Prepared)],
        have: Option<&Vec<Option<f32>>>,
    ) -> Candidate {
        let rec = self.persons[pid as usize].as_ref().expect("live person");
        let fingers: Vec<FingerScore> = prepared
            .iter()
            .enumerate()
            .map(|(fi, (pos, p))| {
                let known = have.and_then(|h| h[fi]);
                let score = known.unwrap_or_else(|| {
                    rec.slots
                        .iter()
                        .filter_map(|&s| self.slots[s as usize].as_ref())
                        .filter(|s| Self::compatible(*pos, s.position))
                        .map(|s| match_prepared(p, &Prepared::from_minutiae(&s.minutiae)))
                        .fold(0.0f32, f32::max)
                });
                FingerScore {
                    position: *pos,
                    score,
                }
            })
            .collect();
        let scores: Vec<f32> = fingers.iter().map(|f| f.score).collect();
        Candidate {
            person: rec.name.clone(),
            fused_score: fuse_scores(&scores),
            fingers,
        }
    }

    fn rank(mut out: Vec<Candidate>, max_candidates: usize) -> Vec<Candidate> {
        out.sort_by(|a, b| {
            b.fused_score
                .total_cmp(&a.fused_score)
                .then_with(|| a.person.cmp(&b.person))
        });
        out.truncate(max_candidates);
        out
    }

    /// Multi-finger search that selects persons before any full match: each probe
    /// finger's Hough shortlist gives its persons evidence (their Hough score relative to
    /// that finger's best), the evidence is summed per person, and only the
    /// `profile.persons` best persons are compared, on every probe finger. A mate usually
    /// shows up in the shortlists of several fingers, an impostor in one.
    fn identify_by_person(
        &self,
        probe: &[(u8, FingerView)],
        prepared: &[(u8, Prepared)],
        max_candidates: usize,
        except: Option<u32>,
    ) -> Vec<Candidate> {
        let lists: Vec<Vec<(u32, u32)>> = prepared
            .par_iter()
            .enumerate()
            .map(|(fi, (pos, p))| {
                self.shortlist_scored(*pos, p, &probe[fi].1, self.shortlist, except)
            })
            .collect();
        let mut evidence: HashMap<u32, f32> = HashMap::new();
        for list in &lists {
            let top = list.first().map_or(1, |x| x.0.max(1)) as f32;
            let mut per_person: HashMap<u32, f32> = HashMap::new();
            for &(h, s) in list {
                if let Some(slot) = self.slots[s as usize].as_ref() {
                    let e = per_person.entry(slot.person).or_insert(0.0);
                    *e = e.max(h as f32 / top);
                }
            }
            for (pid, e) in per_person {
                *evidence.entry(pid).or_insert(0.0) += e;
            }
        }
        let mut persons: Vec<(f32, u32)> = evidence.into_iter().map(|(p, e)| (e, p)).collect();
        persons.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        persons.truncate(self.profile.persons.max(max_candidates));
        let out: Vec<Candidate> = persons
            .par_iter()
            .map(|&(_, pid)| self.score_person(pid, prepared, None))
            .collect();
        Self::rank(out, max_candidates)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every neighbour-direction pair within tolerance of the probe's has its sub-key in
    /// the probe's mask, and a pair a half-turn away never does.
    #[test]
    fn sub_mask_covers_the_tolerance() {
        for tol in [0, 8, 16, 40] {
            for n1 in (0..=255u8).step_by(3) {
                for n2 in (0..=255u8).step_by(5) {
                    let mask = sub_mask(n1, n2, tol);
                    for d1 in -tol..=tol {
                        for d2 in [-tol, 0, tol] {
                            let g1 = (n1 as i32 + d1).rem_euclid(256) as u8;
                            let g2 = (n2 as i32 + d2).rem_euclid(256) as u8;
                            assert!(
                                mask >> sub_key(g1, g2) & 1 == 1,
                                "tol {tol}: ({n1},{n2}) misses ({g1},{g2})"
                            );
                        }
                    }
                    let far = sub_key(n1.wrapping_add(128), n2.wrapping_add(128));
                    assert_eq!(mask >> far & 1, 0, "tol {tol}: ({n1},{n2})");
                }
            }
        }
        assert_eq!(sub_mask(17, 200, 128), u16::MAX);
    }
}
