//! Stage 1.5: the Hough check of stage 1's fingers in their two best rotation windows,
//! and the per-stage rank diagnostics.

use super::{Gallery, ROT_SHIFT, STAGE1_DIVISOR, STAGE1_FACTOR};
use crate::hough::{self, HoughProbe};
use crate::matcher::Prepared;
use crate::template::FingerView;
use rayon::prelude::*;

impl Gallery {
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
    pub(super) fn shortlist_for(
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
    pub(super) fn shortlist_scored(
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
}
