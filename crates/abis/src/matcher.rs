//! 1:1 minutiae matcher.
//!
//! The algorithm (own code, after the published ideas of pair/edge tables as in
//! SourceAFIS and BOZORTH, and local-structure root selection as in MCC):
//!
//! 1. **Preparation.** Each minutia gets its `K_NBR` nearest neighbours; every edge
//!    `i→j` is described rotation- and translation-invariantly by its length, the angle
//!    of the edge relative to the direction of `i` and relative to the direction of `j`.
//! 2. **Root pairs.** Short edges of both templates, sorted by length, are swept
//!    together; each compatible edge pair votes for the minutia pairs at both ends. The
//!    minutia pairs with most votes (their neighbourhoods agree) are the roots.
//! 3. **Spreading.** From each root, pairs grow along compatible edges in order of edge
//!    similarity (best first), one-to-one, and only while the new pair stays roughly
//!    consistent with the rigid alignment implied by the root (tolerance grows with
//!    distance to absorb elastic distortion). Edges whose both ends are already paired to
//!    each other count as support.
//! 4. **Score.** Paired minutiae, supporting edges and the fraction of each template
//!    covered give a raw score; a monotone table learned from impostor comparisons maps it
//!    to a calibrated score ≈ `10·log10(1/FMR)`.

use crate::template::{FingerView, Minutia};
use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Decision threshold on [`match_score`]: a calibrated score of 40 corresponds to a
/// false-match rate of about 1 in 10,000 (10·log10(1/FMR) = 40). Use 30 for FMR ≈ 0.1%,
/// 20 for FMR ≈ 1%. See [`score_to_fmr`].
pub const DEFAULT_THRESHOLD: f32 = 40.0;

/// Neighbours kept per minutia for spreading.
const K_NBR: usize = 9;
/// Neighbours per minutia used for root selection.
const K_ROOT: usize = 5;
/// Minutiae beyond this are dropped (u8 indices, bounded cost).
pub const MAX_MINUTIAE: usize = 160;
/// Roots tried per comparison.

#[derive(Clone, Copy, Debug)]
struct Pt {
    x: f32,
    y: f32,
    a: u8,
    kind: u8,
}

#[derive(Clone, Copy, Debug)]
struct Edge {
    len: f32,
    j: u8,
    ra: u8,
    na: u8,
}

#[derive(Clone, Copy, Debug)]
struct RootEdge {
    len: f32,
    i: u8,
    j: u8,
    ra: u8,
    na: u8,
}

/// The neighbour edges of one minutia in lane order for the SIMD tolerance checks:
/// lanes past the edge count have an infinite length (never within a tolerance).
#[derive(Clone, Copy, Debug)]
#[repr(C, align(16))]
struct EdgeBlock {
    len: [f32; 12],
    ra: [u8; 16],
    na: [u8; 16],
    j: [u8; 16],
}

/// A finger view prepared for fast repeated matching (neighbour tables computed once).
#[derive(Clone, Debug)]
pub struct Prepared {
    pts: Vec<Pt>,
    /// `nbr[start[i]..start[i+1]]` are the neighbour edges of minutia `i`.
    nbr: Vec<Edge>,
    start: Vec<u16>,
    /// The same edges per minutia, in SIMD lanes.
    blocks: Vec<EdgeBlock>,
    /// Minutia coordinates in SIMD lanes, padded to a multiple of 4 with infinity.
    xs: Vec<f32>,
    ys: Vec<f32>,
    /// Root edges sorted by cell (angle bins of `ra` and `na`, 16 units each:
    /// `(ra >> 4) * 16 + (na >> 4)`), then by length.
    roots: Vec<RootEdge>,
    /// `roots[cell_start[c]..cell_start[c + 1]]` are the root edges of cell `c`.
    cell_start: Box<[u16; 257]>,
    /// Bit `n` of `occupied[r]`: cell `r * 16 + n` holds root edges.
    occupied: [u16; 16],
}

/// Direction of the vector (dx, dy) in 1/256 circle, counter-clockwise with the image y
/// axis pointing down (like minutia angles). Polynomial atan2, error < 0.1 unit.
#[inline]
pub(crate) fn angle_u8(dx: f32, dy: f32) -> u8 {
    let (x, y) = (dx, -dy);
    let ax = x.abs();
    let ay = y.abs();
    let mx = ax.max(ay);
    if mx == 0.0 {
        return 0;
    }
    let a = ax.min(ay) / mx;
    let s = a * a;
    // atan(a) for a in [0, 1], in units of 1/256 circle.
    let mut r = ((-0.046_496_473 * s + 0.159_314_22) * s - 0.327_622_77) * s * a + a;
    r *= 128.0 / std::f32::consts::PI;
    if ay > ax {
        r = 64.0 - r;
    }
    if x < 0.0 {
        r = 128.0 - r;
    }
    if y < 0.0 {
        r = 256.0 - r;
    }
    (r.round() as i32 & 255) as u8
}

#[inline]
fn adiff(a: u8, b: u8) -> i32 {
    (a.wrapping_sub(b) as i8 as i32).abs()
}

impl Prepared {
    /// Prepares a finger view. Views with more than [`MAX_MINUTIAE`] minutiae keep the
    /// first ones (by quality when qualities are reported).
    pub fn new(view: &FingerView) -> Self {
        Self::from_minutiae(&view.minutiae)
    }

    /// Prepares a bare minutiae list (see [`Prepared::new`]).
    pub fn from_minutiae(minutiae: &[Minutia]) -> Self {
        let mut ms: Vec<_> = minutiae.iter().collect();
        if ms.len() > MAX_MINUTIAE {
            ms.sort_by_key(|m| Reverse(m.quality));
            ms.truncate(MAX_MINUTIAE);
        }
        let pts: Vec<Pt> = ms
            .iter()
            .map(|m| Pt {
                x: m.x as f32,
                y: m.y as f32,
                a: m.angle,
                kind: m.kind.code(),
            })
            .collect();
        let n = pts.len();
        let mut nbr = Vec::with_capacity(n * K_NBR);
        let mut start = Vec::with_capacity(n + 1);
        let mut roots = Vec::with_capacity(n * K_ROOT);
        // Nearest neighbours by insertion into a small sorted buffer.
        let mut best: [(f32, u8); K_NBR] = [(f32::INFINITY, 0); K_NBR];
        for i in 0..n {
            start.push(nbr.len() as u16);
            let mut k = 0usize;
            let (xi, yi) = (pts[i].x, pts[i].y);
            for (j, q) in pts.iter().enumerate() {
                if j == i {
                    continue;
                }
                let dx = q.x - xi;
                let dy = q.y - yi;
                let d2 = dx * dx + dy * dy;
                if k == K_NBR && d2 >= best[K_NBR - 1].0 {
                    continue;
                }
                let mut pos = if k < K_NBR { k } else { K_NBR - 1 };
                while pos > 0 && best[pos - 1].0 > d2 {
                    best[pos] = best[pos - 1];
                    pos -= 1;
                }
                best[pos] = (d2, j as u8);
                if k < K_NBR {
                    k += 1;
                }
            }
            for (rank, &(d2, j)) in best[..k].iter().enumerate() {
                let q = pts[j as usize];
                let ea = angle_u8(q.x - xi, q.y - yi);
                let e = Edge {
                    len: d2.sqrt(),
                    j,
                    ra: ea.wrapping_sub(pts[i].a),
                    na: ea.wrapping_sub(q.a),
                };
                nbr.push(e);
                if rank < K_ROOT {
                    roots.push(RootEdge {
                        len: e.len,
                        i: i as u8,
                        j: e.j,
                        ra: e.ra,
                        na: e.na,
                    });
                }
            }
        }
        start.push(nbr.len() as u16);
        // Root edges by cell (counting sort), then by length within each cell (cells are
        // small: insertion sort).
        let cell = |r: &RootEdge| (r.ra >> 4) as usize * 16 + (r.na >> 4) as usize;
        let mut cell_start = Box::new([0u16; 257]);
        for r in &roots {
            cell_start[cell(r) + 1] += 1;
        }
        for c in 0..256 {
            cell_start[c + 1] += cell_start[c];
        }
        let mut occupied = [0u16; 16];
        for c in 0..256 {
            if cell_start[c + 1] > cell_start[c] {
                occupied[c / 16] |= 1 << (c % 16);
            }
        }
        let mut fill = [0u16; 256];
        fill.copy_from_slice(&cell_start[..256]);
        let mut by_cell = roots.clone();
        for r in &roots {
            let c = cell(r);
            by_cell[fill[c] as usize] = *r;
            fill[c] += 1;
        }
        for c in 0..256 {
            let seg = &mut by_cell[cell_start[c] as usize..cell_start[c + 1] as usize];
            for a in 1..seg.len() {
                let mut b = a;
                while b > 0 && seg[b - 1].len.total_cmp(&seg[b].len).is_gt() {
                    seg.swap(b - 1, b);
                    b -= 1;
                }
            }
        }
        let roots = by_cell;
        let blocks = (0..n)
            .map(|i| {
                let mut b = EdgeBlock {
                    len: [f32::INFINITY; 12],
                    ra: [0; 16],
                    na: [0; 16],
                    j: [0; 16],
                };
                for (k, e) in nbr[start[i] as usize..start[i + 1] as usize]
                    .iter()
                    .enumerate()
                {
                    b.len[k] = e.len;
                    b.ra[k] = e.ra;
                    b.na[k] = e.na;
                    b.j[k] = e.j;
                }
                b
            })
            .collect();
        let padded = n.div_ceil(4) * 4;
        let mut xs: Vec<f32> = pts.iter().map(|p| p.x).collect();
        let mut ys: Vec<f32> = pts.iter().map(|p| p.y).collect();
        xs.resize(padded, f32::INFINITY);
        ys.resize(padded, f32::INFINITY);
        Prepared {
            pts,
            nbr,
            start,
            blocks,
            xs,
            ys,
            roots,
            cell_start,
            occupied,
        }
    }

    /// Number of minutiae used.
    pub fn len(&self) -> usize {
        self.pts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pts.is_empty()
    }

    /// `f(i, (len_ij, ra_ij, na_ij), (len_ik, ra_ik, na_ik), angle_i)` for every pair `j`
    /// before `k` among the `k` nearest neighbours of each minutia `i` (triplets for the
    /// 1:N index): edge length, edge angle relative to minutia `i`'s direction, and edge
    /// angle relative to the neighbour's direction.
    pub(crate) fn for_each_triplet(
        &self,
        k: usize,
        mut f: impl FnMut(usize, (f32, u8, u8), (f32, u8, u8), u8),
    ) {
        for i in 0..self.pts.len() {
            let a = self.pts[i].a;
            let es = self.edges(i);
            let es = &es[..es.len().min(k)];
            for (x, e1) in es.iter().enumerate() {
                for e2 in &es[x + 1..] {
                    f(i, (e1.len, e1.ra, e1.na), (e2.len, e2.ra, e2.na), a);
                }
            }
        }
    }

    #[inline]
    fn edges(&self, i: usize) -> &[Edge] {
        &self.nbr[self.start[i] as usize..self.start[i + 1] as usize]
    }
}

// Tolerances (pixels at ~500 dpi, angles in 1/256 circle).
/// Matcher tolerances and score weights (chosen on FVC2002 DB_B and the tunable synthetic
/// regimes, never the hold-out one; `sidik abis eval --lodo` refits them per fold).
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Params {
    pub dist_base: f32,
    pub dist_rel: f32,
    pub angle_tol: i32,
    pub g_angle: i32,
    pub g_base: f32,
    pub g_rel: f32,
    pub n_roots: usize,
    pub w_support: f32,
    pub w_kind: f32,
    pub w_frac: f32,
    pub offset: f32,
    /// Overlap normalisation radius (pixels; 0 = off): the coverage term counts only the
    /// minutiae that have a minutia of the other template within this distance under the
    /// best alignment, so a genuine pair that shares only part of the finger is not
    /// penalised for the minutiae outside the shared area.
    pub overlap_r: f32,
    /// Consolidation (0 = off): after the best alignment is found, minutiae left unpaired
    /// are paired by global consistency alone (least-squares rigid fit of the paired
    /// minutiae, then mutual nearest neighbours within `consolidate_tol` pixels and
    /// `g_angle`); each such pair adds `w_extra` to the raw score and counts in coverage.
    /// It recovers pairs whose neighbourhoods changed (missed and spurious minutiae).
    pub w_extra: f32,
    pub consolidate_tol: f32,
    /// Root pairs need at least this many agreeing root-edge votes.
    pub min_votes: u16,
}

#[doc(hidden)]
pub const PARAMS: Params = Params {
    dist_base: 5.0,
    dist_rel: 0.12,
    angle_tol: 8,
    g_angle: 28,
    g_base: 22.0,
    g_rel: 0.22,
    n_roots: 16,
    w_support: 0.5,
    w_kind: 0.3,
    w_frac: 20.0,
    offset: 3.0,
    overlap_r: 0.0,
    w_extra: 0.5,
    consolidate_tol: 14.0,
    min_votes: 1,
};

impl Params {
    #[inline]
    fn dist_tol(&self, len: f32) -> f32 {
        self.dist_base + self.dist_rel * len
    }
}

/// Raw features of the best alignment found between two templates.
#[derive(Clone, Copy, Debug, Default)]
pub struct MatchDetails {
    /// Paired minutiae (including the root pair).
    pub pairs: u32,
    /// Edges whose two ends were already paired to each other (consistency support).
    pub support: u32,
    /// Pairs whose minutia kinds agree.
    pub same_kind: u32,
    /// Minutiae in the probe / candidate.
    pub n_probe: u32,
    pub n_cand: u32,
    /// Minutiae of the probe / candidate inside the overlap of the best alignment
    /// (equal to `n_probe` / `n_cand` when overlap normalisation is off).
    pub overlap_probe: u32,
    pub overlap_cand: u32,
    /// Pairs added by consolidation (see `Params::w_extra`).
    pub extra: u32,
    /// Raw (uncalibrated) score.
    pub raw: f32,
    /// Calibrated score ≈ 10·log10(1/FMR).
    pub score: f32,
}

struct Scratch {
    votes: Vec<u16>,
    pair_p: Vec<u8>,
    pair_c: Vec<u8>,
    /// Spreading frontier: `err << 16 | probe << 8 | candidate`, smallest first.
    heap: BinaryHeap<Reverse<u64>>,
    roots: Vec<(u16, u8, u8)>,
    paired: Vec<(u8, u8)>,
    /// The pairing of the best root so far (for consolidation without a second spread).
    best_pair_p: Vec<u8>,
    best_pair_c: Vec<u8>,
    best_paired: Vec<(u8, u8)>,
    /// Per comparison, the compatible edge pairs of every expanded minutia pair:
    /// `memo_at[ip * m + ic]` is `start << 8 | count` in `memo`, or `u32::MAX`.
    memo_at: Vec<u32>,
    memo: Vec<u64>,
    /// The `memo_at` slots set in this comparison (reset to `u32::MAX` at its end).
    memo_slots: Vec<u32>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = const { RefCell::new(Scratch {
        votes: Vec::new(),
        pair_p: Vec::new(),
        pair_c: Vec::new(),
        heap: BinaryHeap::new(),
        roots: Vec::new(),
        paired: Vec::new(),
        best_pair_p: Vec::new(),
        best_pair_c: Vec::new(),
        best_paired: Vec::new(),
        memo_at: Vec::new(),
        memo: Vec::new(),
        memo_slots: Vec::new(),
    }) };
}

const NONE: u8 = u8::MAX;

/// Lane-parallel tolerance masks (`matcher/lanes.rs`).
mod lanes;

/// Compares two prepared views; symmetric up to root-selection ties.
pub fn match_prepared(p: &Prepared, c: &Prepared) -> f32 {
    match_details(p, c).score
}

/// Compares two finger views and returns the calibrated score (see [`DEFAULT_THRESHOLD`]).
/// For repeated comparisons prepare the views once with [`Prepared::new`] and call
/// [`match_prepared`].
pub fn match_score(a: &FingerView, b: &FingerView) -> f32 {
    match_prepared(&Prepared::new(a), &Prepared::new(b))
}

/// Full comparison with the raw features of the best alignment.
pub fn match_details(p: &Prepared, c: &Prepared) -> MatchDetails {
    match_details_with(p, c, &PARAMS)
}

/// [`match_details`] with explicit parameters (experiments).
#[doc(hidden)]
pub fn match_details_with(p: &Prepared, c: &Prepared, prm: &Params) -> MatchDetails {
    let n = p.pts.len();
    let m = c.pts.len();
    let mut best = MatchDetails {
        n_probe: n as u32,
        n_cand: m as u32,
        overlap_probe: n as u32,
        overlap_cand: m as u32,
        ..Default::default()
    };
    if n < 2 || m < 2 {
        return best;
    }
    SCRATCH.with(|s| {
        let s = &mut *s.borrow_mut();
        // Every slot is u32::MAX between comparisons.
        if s.memo_at.len() < n * m {
            s.memo_at.resize(n * m, u32::MAX);
        }
        s.memo.clear();
        find_roots(p, c, s, prm);
        let roots = std::mem::take(&mut s.roots);
        let mut best_raw = 0.0f32;
        let mut best_root = None;
        for &(_, rp, rc) in &roots {
            let d = spread(p, c, rp as usize, rc as usize, s, prm);
            if d.raw > best_raw {
                best_raw = d.raw;
                best = d;
                best_root = Some((rp as usize, rc as usize));
                if prm.w_extra > 0.0 {
                    // Keep this root's pairing for consolidation.
                    s.best_pair_p.clone_from(&s.pair_p);
                    s.best_pair_c.clone_from(&s.pair_c);
                    s.best_paired.clone_from(&s.paired);
                }
            }
        }
        s.roots = roots;
        for &slot in &s.memo_slots {
            s.memo_at[slot as usize] = u32::MAX;
        }
        s.memo_slots.clear();
        if let (Some(_), true) = (best_root, prm.w_extra > 0.0) {
            best.extra = consolidate(p, c, &s.best_pair_p, &s.best_pair_c, &s.best_paired, prm);
            best.raw = raw_score(&best, prm);
        }
        if let (Some((rp, rc)), true) = (best_root, prm.overlap_r > 0.0) {
            let (op, oc) = overlap_counts(p, c, rp, rc, prm.overlap_r);
            best.overlap_probe = op.max(best.pairs + best.extra);
            best.overlap_cand = oc.max(best.pairs + best.extra);
            best.raw = raw_score(&best, prm);
        }
    });
    best.score = calibrate(best.raw);
    best
}

fn find_roots(p: &Prepared, c: &Prepared, s: &mut Scratch, prm: &Params) {
    let m = c.pts.len();
    s.votes.clear();
    s.votes.resize(p.pts.len() * m, 0);
    let t = prm.angle_tol;
    if t < 0 {
        // No edge pair is within a negative tolerance.
        s.roots.clear();
        return;
    }
    let cs = &*c.cell_start;
    for e in &p.roots {
        let tol = prm.dist_tol(e.len);
        let (x, y) = (e.len - tol, e.len + tol);
        let (ei, ej) = (e.i as usize * m, e.j as usize * m);
        // Candidate edges have `ra` in the angle bin of ra - tol or of ra + tol: with
        // angle_tol > 8 a bin in between is skipped (kept as it was for identical scores).
        let b0 = ((e.ra as i32 - t) >> 4) & 15;
        let b1 = ((e.ra as i32 + t) >> 4) & 15;
        let n0 = (e.na as i32 - t) >> 4;
        // The `na` bins within the tolerance (all 16, once each, when it spans them).
        let nn = (((e.na as i32 + t) >> 4) - n0 + 1).min(16);
        // The wanted `na` bins as a 16-bit mask (rotated window), so empty cells are
        // skipped through the candidate's occupancy mask.
        let sb = (n0 & 15) as u32;
        let win = (1u32 << nn) - 1;
        let want = ((win << sb) | (win >> (16 - sb))) & 0xffff;
        for b in [b0, b1] {
            let row = b as usize * 16;
            let mut cells = want & c.occupied[b as usize] as u32;
            while cells != 0 {
                let cell = row + cells.trailing_zeros() as usize;
                cells &= cells - 1;
                for f in &c.roots[cs[cell] as usize..cs[cell + 1] as usize] {
                    if f.len < x {
                        continue;
                    }
                    if f.len > y {
                        break;
                    }
                    if adiff(e.ra, f.ra) <= t && adiff(e.na, f.na) <= t {
                        s.votes[ei + f.i as usize] += 1;
                        s.votes[ej + f.j as usize] += 1;
                    }
                }
            }
            if b0 == b1 {
                break;
            }
        }
    }
    s.roots.clear();
    let roots = &mut s.roots;
    lanes::for_each_at_least(&s.votes, prm.min_votes, |k| {
        roots.push((s.votes[k], (k / m) as u8, (k % m) as u8));
    });
    if s.roots.len() > prm.n_roots {
        s.roots
            .select_nth_unstable_by(prm.n_roots, |a, b| b.0.cmp(&a.0));
        s.roots.truncate(prm.n_roots);
    }
    s.roots.sort_by_key(|r| Reverse(r.0));
}

/// The rigid alignment implied by a root pair, for the global consistency check.
#[derive(Clone, Copy)]
struct Align {
    p0: Pt,
    c0: Pt,
    rot: u8,
    sn: f32,
    cs: f32,
}

impl Align {
    #[inline]
    fn new(p0: Pt, c0: Pt) -> Self {
        let rot = c0.a.wrapping_sub(p0.a);
        let phi = rot as f32 * (std::f32::consts::PI / 128.0);
        let (sn, cs) = phi.sin_cos();
        Align {
            p0,
            c0,
            rot,
            sn,
            cs,
        }
    }

    /// Whether pairing `q` with `r` is consistent with the root alignment (tolerance
    /// growing with the distance to the root).
    #[inline]
    fn consistent(&self, q: Pt, r: Pt, prm: &Params) -> bool {
        if adiff(r.a.wrapping_sub(q.a), self.rot) > prm.g_angle {
            return false;
        }
        let (p0, c0, sn, cs) = (self.p0, self.c0, self.sn, self.cs);
        let dx = q.x - p0.x;
        let dy = q.y - p0.y;
        let tx = c0.x + dx * cs + dy * sn;
        let ty = c0.y - dx * sn + dy * cs;
        let far = (dx * dx + dy * dy).sqrt();
        let ex = tx - r.x;
        let ey = ty - r.y;
        let tol = prm.g_base + prm.g_rel * far;
        ex * ex + ey * ey <= tol * tol
    }
}

/// Pushes the compatible edge pairs leaving the pair `(ip, ic)`. An edge pair whose ends
/// are already paired to each other counts as support at once; one whose ends can never
/// pair (one already paired elsewhere — pairings are final — or the pair inconsistent
/// with the root alignment) is dropped. Both would leave the frontier without effect,
/// so the pairing and the support count are those of pushing every compatible edge pair.
#[inline]
#[allow(clippy::too_many_arguments)]
fn push_edges(
    p: &Prepared,
    c: &Prepared,
    ip: usize,
    ic: usize,
    s: &mut Scratch,
    prm: &Params,
    al: &Align,
    support: &mut u32,
) {
    // The compatible edge pairs of (ip, ic) do not depend on the root: computed once per
    // comparison (about half of the expansions repeat one of an earlier root).
    let slot = ip * c.pts.len() + ic;
    let mut at = s.memo_at[slot];
    if at == u32::MAX {
        at = ((s.memo.len() as u32) << 8) | edge_pairs(p, c, ip, ic, prm, &mut s.memo);
        s.memo_at[slot] = at;
        s.memo_slots.push(slot as u32);
    }
    let (from, cnt) = ((at >> 8) as usize, (at & 255) as usize);
    for &key in &s.memo[from..from + cnt] {
        let (jp, jc) = ((key >> 8) as u8, key as u8);
        let cp = s.pair_p[jp as usize];
        if cp == jc {
            *support += 1;
            continue;
        }
        if cp != NONE
            || s.pair_c[jc as usize] != NONE
            || !al.consistent(p.pts[jp as usize], c.pts[jc as usize], prm)
        {
            continue;
        }
        s.heap.push(Reverse(key));
    }
}

/// Appends to `out` the frontier key (`err << 16 | probe << 8 | candidate`) of every
/// compatible pair of edges leaving `ip` and `ic`; returns how many.
#[inline]
fn edge_pairs(
    p: &Prepared,
    c: &Prepared,
    ip: usize,
    ic: usize,
    prm: &Params,
    out: &mut Vec<u64>,
) -> u32 {
    let pb = &p.blocks[ip];
    let cb = &c.blocks[ic];
    let np = (p.start[ip + 1] - p.start[ip]) as usize;
    let at = prm.angle_tol as f32;
    let before = out.len();
    let masks = lanes::edge_masks(pb, np, cb, prm);
    for (k, &mask) in masks.iter().enumerate().take(np) {
        let mut bits = mask as u32;
        if bits == 0 {
            continue;
        }
        let (len, ra, na, jp) = (pb.len[k], pb.ra[k], pb.na[k], pb.j[k]);
        let tol = prm.dist_tol(len);
        while bits != 0 {
            let l = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            let dl = (len - cb.len[l]).abs();
            let da = adiff(ra, cb.ra[l]);
            let db = adiff(na, cb.na[l]);
            let err = dl / tol + (da + db) as f32 / at;
            let key = (((err * 1000.0) as u32 as u64) << 16) | ((jp as u64) << 8) | cb.j[l] as u64;
            out.push(key);
        }
    }
    (out.len() - before) as u32
}

fn spread(
    p: &Prepared,
    c: &Prepared,
    rp: usize,
    rc: usize,
    s: &mut Scratch,
    prm: &Params,
) -> MatchDetails {
    let n = p.pts.len();
    let m = c.pts.len();
    s.pair_p.clear();
    s.pair_p.resize(n, NONE);
    s.pair_c.clear();
    s.pair_c.resize(m, NONE);
    s.heap.clear();
    s.paired.clear();

    let al = Align::new(p.pts[rp], c.pts[rc]);
    s.pair_p[rp] = rc as u8;
    s.pair_c[rc] = rp as u8;
    s.paired.push((rp as u8, rc as u8));
    let mut support = 0u32;
    push_edges(p, c, rp, rc, s, prm, &al, &mut support);
    while let Some(Reverse(key)) = s.heap.pop() {
        let (jp, jc) = ((key >> 8) as u8, key as u8);
        let cp = s.pair_p[jp as usize];
        if cp == jc {
            support += 1;
            continue;
        }
        if cp != NONE || s.pair_c[jc as usize] != NONE {
            continue;
        }
        // Consistent with the root alignment: checked when pushed.
        s.pair_p[jp as usize] = jc;
        s.pair_c[jc as usize] = jp;
        s.paired.push((jp, jc));
        push_edges(p, c, jp as usize, jc as usize, s, prm, &al, &mut support);
    }
    let pairs = s.paired.len() as u32;
    let same_kind = s
        .paired
        .iter()
        .filter(|&&(a, b)| p.pts[a as usize].kind == c.pts[b as usize].kind)
        .count() as u32;
    let mut d = MatchDetails {
        pairs,
        support,
        same_kind,
        n_probe: n as u32,
        n_cand: m as u32,
        overlap_probe: n as u32,
        overlap_cand: m as u32,
        extra: 0,
        raw: 0.0,
        score: 0.0,
    };
    d.raw = raw_score(&d, prm);
    d
}

mod score;
pub use score::{calibrate, score_to_fmr, shipped_calibration};
use score::{consolidate, overlap_counts, raw_score};

#[cfg(test)]
mod tests;
