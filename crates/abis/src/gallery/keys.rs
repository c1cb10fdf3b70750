//! Triplet keys: the index cells and postings of an enrolled finger's triplets, and the
//! cells a probe's triplets look up (within the [`SearchProfile`] tolerances).

use super::{
    SearchProfile, INDEX_NEIGHBOURS, SHARD_SHIFT, TAG_BITS, T_ANG_BINS, T_ANG_SHIFT, T_LEN_BINS,
    T_NBR_BINS, T_NBR_SHIFT,
};
use crate::matcher::Prepared;

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
pub(super) fn index_cells(p: &Prepared, mut f: impl FnMut(usize, u16)) {
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
pub(super) fn posting(local: u32, tag: u16) -> u32 {
    ((local >> SHARD_SHIFT) << TAG_BITS) | tag as u32
}

/// One probe triplet's lookup: the cell, the probe minutia's angle and the sub-keys
/// (bit `k` of the mask: sub-key `k`) within tolerance.
#[derive(Clone, Copy)]
pub(super) struct Query {
    pub(super) cell: u32,
    pub(super) abs: u8,
    pub(super) subs: u16,
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
pub(super) fn query_cells(p: &Prepared, prof: &SearchProfile) -> Vec<Query> {
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
