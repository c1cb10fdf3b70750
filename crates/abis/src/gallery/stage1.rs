//! Stage 1: index votes per (finger, rotation bin), the best-voted fingers kept.

use super::keys::{query_cells, Query};
use super::shard::PosIndex;
use super::{
    Gallery, CELLS, FILTER_CHUNK, IDF_MAX, IDF_SCALE, MIN_VOTES, ROT_BINS, ROT_SHIFT, SHARDS,
    SHARD_SHIFT, TAG_BITS,
};
use crate::matcher::Prepared;
use rayon::prelude::*;

thread_local! {
    /// Stage 1's vote table, kept between searches on each thread.
    static VOTES: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

/// How many cells ahead stage 1 prefetches postings.
pub(super) const PREFETCH_AHEAD: usize = 8;

/// Hints the CPU to load the cache line at `p` (no effect on other targets). Never
/// dereferences `p`, so any address is sound.
#[inline(always)]
pub(super) fn prefetch<T>(p: *const T) {
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

/// A finger's best rotation window and its best window that does not overlap it (two
/// adjacent bins each), for the Hough check: their first bins, packed as
/// `best | second << 4`.
#[inline]
fn rotation_windows(bins: &[u8]) -> u8 {
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
    (best_b | (second_b << 4)) as u8
}

impl Gallery {
    /// Stage 1: best-voted live slots, with their best rotation bin.
    pub(super) fn stage1(&self, probe_pos: u8, p: &Prepared, want: usize) -> Vec<(u32, u32, u8)> {
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
                        let rots = rotation_windows(&votes[i as usize * ROT_BINS..][..ROT_BINS]);
                        let s = *idx.slot_of.get(((i as usize) << SHARD_SHIFT) | sh)?;
                        Some((norm, s, rots))
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
}
