//! Index storage: the shards of each finger position's inverted index.

use super::keys::Query;
use super::stage1::{prefetch, PREFETCH_AHEAD};
use super::{CELLS, SHARDS};

/// One shard of a position's inverted index: a frozen part in compressed-sparse-row
/// form (postings of all cells in cell order, found through an offset table) and a
/// recent part that takes inserts (cells map to posting lists through a compact u32
/// table so that empty cells cost 4 bytes). Queries read both. When the recent part
/// grows past a fraction of the frozen one, the two are merged into a new frozen part,
/// so inserts stay incremental (amortised O(1)) while almost every lookup is a forward
/// sweep through two flat arrays instead of three dependent cache misses.
pub(super) struct Shard {
    /// `CELLS + 1` offsets into `base` (empty until the first freeze).
    base_off: Vec<u32>,
    pub(super) base: Vec<u32>,
    list_of_cell: Vec<u32>,
    /// `lists[0]` stays empty.
    pub(super) lists: Vec<Vec<u32>>,
    /// The cell of each list in `lists` (`cell_of_list[0]` is unused).
    cell_of_list: Vec<u32>,
    /// Emptied lists kept for reuse, so that a new recent cell rarely allocates.
    pool: Vec<Vec<u32>>,
    /// Postings in the recent part.
    pub(super) recent: usize,
    /// Total postings (live and dead).
    pub(super) postings: usize,
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
            cell_of_list: vec![0],
            pool: Vec::new(),
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
    pub(super) fn spans(&self, cells: &[Query]) -> Vec<(u32, u32, u32, Query)> {
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

    pub(super) fn push(&mut self, cell: usize, posting: u32) {
        let mut l = self.list_of_cell[cell];
        if l == 0 {
            l = self.lists.len() as u32;
            self.lists.push(self.pool.pop().unwrap_or_default());
            self.cell_of_list.push(cell as u32);
            self.list_of_cell[cell] = l;
        }
        self.lists[l as usize].push(posting);
        self.postings += 1;
        self.recent += 1;
    }

    /// Pushes one finger's postings (`(cell, tag)` pairs, as `posting(local, tag)`). The
    /// cells are scattered over a table of megabytes, so each push would wait for up to
    /// three dependent cache misses (the cell's list number, the list's header, its
    /// end); they are requested a few pushes ahead instead.
    pub(super) fn push_finger(&mut self, local: u32, cells: &[(u32, u16)]) {
        const A: usize = PREFETCH_AHEAD;
        for (i, &(c, tag)) in cells.iter().enumerate() {
            if let Some(&(c, _)) = cells.get(i + 3 * A) {
                prefetch(self.list_of_cell.as_ptr().wrapping_add(c as usize));
            }
            if let Some(&(c, _)) = cells.get(i + 2 * A) {
                let l = self.list_of_cell[c as usize];
                if l != 0 {
                    prefetch(self.lists.as_ptr().wrapping_add(l as usize));
                }
            }
            if let Some(&(c, _)) = cells.get(i + A) {
                let l = self.list_of_cell[c as usize];
                if l != 0 {
                    let list = &self.lists[l as usize];
                    prefetch(list.as_ptr().wrapping_add(list.len()));
                }
            }
            self.push(c as usize, super::keys::posting(local, tag));
        }
    }

    pub(super) fn wants_freeze(&self) -> bool {
        self.recent >= FREEZE_MIN.max(self.base.len() / FREEZE_FRACTION)
    }

    /// Merges the recent part into a new frozen part, keeping only postings for which
    /// `live` holds (all when `None`).
    pub(super) fn freeze(&mut self, live: Option<&dyn Fn(u32) -> bool>) {
        match live {
            Some(live) => self.rebuild(live),
            None => self.merge_recent(),
        }
        // Empty the recent part, keeping its lists' allocations for the next inserts.
        for (l, &c) in self.cell_of_list.iter().enumerate().skip(1) {
            self.list_of_cell[c as usize] = 0;
            let mut list = std::mem::take(&mut self.lists[l]);
            list.clear();
            self.pool.push(list);
        }
        self.lists.truncate(1);
        self.cell_of_list.truncate(1);
        self.recent = 0;
    }

    /// Frozen + recent, filtered by `live`: a pass over every cell (compaction only).
    fn rebuild(&mut self, live: &dyn Fn(u32) -> bool) {
        let mut off = Vec::with_capacity(CELLS + 1);
        let mut base = Vec::with_capacity(self.base.len() + self.recent);
        for cell in 0..CELLS {
            off.push(base.len() as u32);
            let (b, r) = self.get(cell);
            base.extend(b.iter().chain(r).copied().filter(|&q| live(q)));
        }
        off.push(base.len() as u32);
        self.postings = base.len();
        self.base_off = off;
        self.base = base;
    }

    /// Frozen + recent, nothing dropped: the frozen postings are copied in runs between
    /// the cells that have recent postings (in cell order), and the offsets shifted by
    /// the recent postings before each cell, so the cost is a copy of the frozen part
    /// and one pass over the offset table rather than a lookup per cell.
    fn merge_recent(&mut self) {
        let mut touched: Vec<(u32, u32)> = self
            .cell_of_list
            .iter()
            .enumerate()
            .skip(1)
            .map(|(l, &c)| (c, l as u32))
            .collect();
        touched.sort_unstable();
        let old_off = |c: usize| -> usize {
            if self.base_off.is_empty() {
                0
            } else {
                self.base_off[c] as usize
            }
        };
        let mut base = Vec::with_capacity(self.base.len() + self.recent);
        let mut from = 0usize;
        for &(c, l) in &touched {
            let end = old_off(c as usize + 1);
            base.extend_from_slice(&self.base[from..end]);
            base.extend_from_slice(&self.lists[l as usize]);
            from = end;
        }
        base.extend_from_slice(&self.base[from..]);
        let mut off = if self.base_off.is_empty() {
            vec![0u32; CELLS + 1]
        } else {
            std::mem::take(&mut self.base_off)
        };
        // Offset of cell c grows by the recent postings of the cells before it: one
        // shift per run of cells between two touched ones.
        let mut shift = 0u32;
        let mut from = 0usize;
        for &(c, l) in &touched {
            let c = c as usize;
            if shift > 0 {
                off[from..=c].iter_mut().for_each(|o| *o += shift);
            }
            from = c + 1;
            shift += self.lists[l as usize].len() as u32;
        }
        off[from..].iter_mut().for_each(|o| *o += shift);
        debug_assert_eq!(off[CELLS] as usize, base.len());
        self.postings = base.len();
        self.base_off = off;
        self.base = base;
    }

    pub(super) fn heap_bytes(&self) -> usize {
        (self.base_off.capacity() + self.base.capacity() + self.list_of_cell.len()) * 4
            + (self.lists.len() + self.pool.len()) * std::mem::size_of::<Vec<u32>>()
            + self.cell_of_list.capacity() * 4
            + self
                .lists
                .iter()
                .chain(&self.pool)
                .map(|c| c.capacity() * 4)
                .sum::<usize>()
    }
}

/// The index of one finger position. Postings name position-local finger numbers, so a
/// probe's vote table covers only the fingers of its position.
pub(super) struct PosIndex {
    pub(super) shards: Vec<Shard>,
    /// Gallery slot of each position-local finger (`local % SHARDS` is its shard).
    pub(super) slot_of: Vec<u32>,
    /// Stage-1 vote weight of each position-local finger: random votes grow with the
    /// finger's key count, so votes are normalised by it; 0 once the finger is deleted.
    pub(super) weight_of: Vec<f32>,
}

impl PosIndex {
    pub(super) fn new() -> Self {
        PosIndex {
            shards: (0..SHARDS).map(|_| Shard::new()).collect(),
            slot_of: Vec::new(),
            weight_of: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every cell's postings (frozen then recent), as a plain list per touched cell.
    fn contents(s: &Shard, cells: &[usize]) -> Vec<Vec<u32>> {
        cells
            .iter()
            .map(|&c| {
                let (b, r) = s.get(c);
                b.iter().chain(r).copied().collect()
            })
            .collect()
    }

    #[test]
    fn incremental_freezes_keep_every_posting_in_insert_order() {
        let mut s = Shard::new();
        let mut naive: Vec<Vec<u32>> = vec![Vec::new(); CELLS];
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut cells = std::collections::BTreeSet::new();
        for round in 0..5u32 {
            for i in 0..3_000u32 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                // A few hot cells and many cold ones, the first and last among them.
                let cell = match i % 4 {
                    0 => (x % 7) as usize,
                    1 => CELLS - 1 - (x % 3) as usize,
                    _ => (x % CELLS as u64) as usize,
                };
                let q = round * 10_000 + i;
                s.push(cell, q);
                naive[cell].push(q);
                cells.insert(cell);
            }
            let cells: Vec<usize> = cells.iter().copied().collect();
            let want: Vec<Vec<u32>> = cells.iter().map(|&c| naive[c].clone()).collect();
            assert_eq!(contents(&s, &cells), want, "before freeze {round}");
            s.freeze(None);
            assert_eq!(s.recent, 0);
            assert_eq!(s.postings, 3_000 * (round as usize + 1));
            assert_eq!(contents(&s, &cells), want, "after freeze {round}");
            assert_eq!(
                s.get(12_345).0.len() + s.get(12_345).1.len(),
                naive[12_345].len()
            );
        }
        // Compaction drops what `live` rejects and keeps the order of the rest.
        s.push(5, 7);
        s.freeze(Some(&|q: u32| q.is_multiple_of(2)));
        let cells: Vec<usize> = cells.iter().copied().collect();
        naive[5].push(7);
        let want: Vec<Vec<u32>> = cells
            .iter()
            .map(|&c| {
                naive[c]
                    .iter()
                    .copied()
                    .filter(|q| q.is_multiple_of(2))
                    .collect()
            })
            .collect();
        assert_eq!(contents(&s, &cells), want);
        assert_eq!(s.postings, want.iter().map(Vec::len).sum::<usize>());
    }
}
