//! Rotation-constrained generalised Hough transform over minutia pairs: a cheap global
//! consistency check between the 1:N index (stage 1) and the full matcher (stage 2).
//!
//! Every (probe, gallery) minutia pair whose direction difference `δ` lies in the rotation
//! window proposed by stage 1 votes for the translation that would bring the probe's
//! centroid onto the gallery after rotating by `δ`. Votes land in a (rotation sub-bin ×
//! 16-px translation) accumulator; the score is the best 2×2×2 window. Mated fingers pile
//! up a dozen or more consistent votes; unrelated fingers rarely more than three or four.

use crate::template::Minutia;
use std::cell::RefCell;
use std::sync::OnceLock;

const SUB_SHIFT: u32 = 3; // 8 units (11.25°) per rotation sub-bin
const SUBS: usize = 4;
const GRID: usize = 64;
const T_SHIFT: u32 = 4; // 16 px translation bins

fn trig() -> &'static [(f32, f32); 256] {
    static T: OnceLock<[(f32, f32); 256]> = OnceLock::new();
    T.get_or_init(|| {
        let mut t = [(0.0, 0.0); 256];
        for (i, e) in t.iter_mut().enumerate() {
            let a = i as f32 * std::f32::consts::PI / 128.0;
            *e = (a.cos(), a.sin());
        }
        t
    })
}

/// Probe minutiae, centred on their centroid, sorted by angle and listed twice so that
/// any circular angle range is one contiguous slice.
#[derive(Clone, Debug)]
pub struct HoughProbe {
    pts: Vec<(f32, f32, u8)>,
    /// `first[a]`: index of the first point with angle >= a (0..=256).
    first: Vec<u16>,
    n: usize,
}

impl HoughProbe {
    pub fn new(ms: &[Minutia]) -> Self {
        let n = ms.len().max(1) as f32;
        let cx = ms.iter().map(|m| m.x as f32).sum::<f32>() / n;
        let cy = ms.iter().map(|m| m.y as f32).sum::<f32>() / n;
        let mut pts: Vec<(f32, f32, u8)> = ms
            .iter()
            .map(|m| (m.x as f32 - cx, m.y as f32 - cy, m.angle))
            .collect();
        pts.sort_by_key(|p| p.2);
        let n = pts.len();
        let first = (0..=256usize)
            .map(|a| pts.partition_point(|p| (p.2 as usize) < a) as u16)
            .collect();
        let doubled = pts.iter().chain(pts.iter()).copied().collect();
        HoughProbe {
            pts: doubled,
            first,
            n,
        }
    }

    /// Probe points whose angle lies in the circular range `[lo, lo + len)`.
    #[inline]
    fn range(&self, lo: u8, len: u16) -> &[(f32, f32, u8)] {
        let a = self.first[lo as usize] as usize;
        let hi = lo as u16 + len;
        let b = if hi <= 256 {
            self.first[hi as usize] as usize
        } else {
            self.n + self.first[(hi - 256) as usize] as usize
        };
        &self.pts[a..b.max(a)]
    }
}

struct Acc {
    cells: Vec<u8>,
    touched: Vec<u32>,
}

thread_local! {
    static ACC: RefCell<Acc> = RefCell::new(Acc { cells: vec![0; SUBS * GRID * GRID], touched: Vec::new() });
}

/// Hough peak for gallery minutiae `g` against the probe, rotations `δ = θg − θp` in
/// `[start, start + 32)` (1/256-circle units).
pub fn score(p: &HoughProbe, g: &[Minutia], start: u8) -> u32 {
    let trig = trig();
    ACC.with(|acc| {
        let acc = &mut *acc.borrow_mut();
        for gm in g {
            let (gx, gy) = (gm.x as f32, gm.y as f32);
            // δ = θg − θp in [start, start + 32)  <=>  θp in (θg − start − 32, θg − start].
            let lo = gm.angle.wrapping_sub(start).wrapping_sub(31);
            for &(px, py, pa) in p.range(lo, 32) {
                let d = gm.angle.wrapping_sub(pa);
                let off = d.wrapping_sub(start);
                debug_assert!(off < 32);
                let (c, s) = trig[d as usize];
                // Rotate counter-clockwise on screen (y down).
                let rx = px * c + py * s;
                let ry = -px * s + py * c;
                let tx = ((gx - rx) as i32 >> T_SHIFT) as usize & (GRID - 1);
                let ty = ((gy - ry) as i32 >> T_SHIFT) as usize & (GRID - 1);
                let idx = ((off >> SUB_SHIFT) as usize * GRID + ty) * GRID + tx;
                let v = &mut acc.cells[idx];
                if *v == 0 {
                    acc.touched.push(idx as u32);
                }
                *v = v.saturating_add(1);
            }
        }
        let mut best = 0u32;
        for &idx in &acc.touched {
            let idx = idx as usize;
            let sub = idx / (GRID * GRID);
            let ty = (idx / GRID) % GRID;
            let tx = idx % GRID;
            let mut sum = 0u32;
            for ds in 0..2 {
                let s = sub + ds;
                if s >= SUBS {
                    continue;
                }
                for dy in 0..2 {
                    for dx in 0..2 {
                        let j = (s * GRID + (ty + dy) % GRID) * GRID + (tx + dx) % GRID;
                        sum += acc.cells[j] as u32;
                    }
                }
            }
            best = best.max(sum);
        }
        for &idx in &acc.touched {
            acc.cells[idx as usize] = 0;
        }
        acc.touched.clear();
        best
    })
}
