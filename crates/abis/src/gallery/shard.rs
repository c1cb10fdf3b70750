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
            self.lists.push(Vec::new());
            self.list_of_cell[cell] = l;
        }
        self.lists[l as usize].push(posting);
        self.postings += 1;
        self.recent += 1;
    }

    pub(super) fn wants_freeze(&self) -> bool {
        self.recent >= FREEZE_MIN.max(self.base.len() / FREEZE_FRACTION)
    }

    /// Merges the recent part into a new frozen part, keeping only postings for which
    /// `live` holds (all when `None`).
    pub(super) fn freeze(&mut self, live: Option<&dyn Fn(u32) -> bool>) {
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

    pub(super) fn heap_bytes(&self) -> usize {
        (self.base_off.capacity() + self.base.capacity() + self.list_of_cell.len()) * 4
            + self.lists.len() * std::mem::size_of::<Vec<u32>>()
            + self.lists.iter().map(|c| c.capacity() * 4).sum::<usize>()
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
