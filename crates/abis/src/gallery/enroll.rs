//! Enrollment: inserting one person or a batch, deleting, and compacting the index.

use super::keys::index_cells;
use super::shard::{PosIndex, Shard};
use super::{Gallery, PersonRec, Slot, NORM_K, SHARDS, SHARD_SHIFT, TAG_BITS};
use crate::matcher::Prepared;
use crate::template::FingerView;
use rayon::prelude::*;
use std::collections::HashMap;

/// Postings of a batch insert waiting to be pushed: per position, (local finger number,
/// its index cells and minutia angles).
type Deferred = HashMap<u8, Vec<(u32, Vec<(u32, u16)>)>>;

/// A person's fingers with their index cells computed, ready for
/// [`Gallery::insert_prepared`]: the costly part of an insert, done without the gallery.
pub struct PreparedInsert {
    cells: Vec<Vec<(u32, u16)>>,
}

impl PreparedInsert {
    pub fn new(fingers: &[(u8, FingerView)]) -> Self {
        PreparedInsert {
            cells: fingers
                .iter()
                .map(|(_, v)| {
                    let mut cs = Vec::new();
                    index_cells(&Prepared::new(v), |c, a| cs.push((c as u32, a)));
                    cs
                })
                .collect(),
        }
    }
}

impl Gallery {
    /// Enrolls (or, if already present, replaces) a person's fingers.
    pub fn insert(&mut self, person: &str, fingers: &[(u8, FingerView)]) {
        self.insert_prepared(person, fingers, PreparedInsert::new(fingers));
    }

    /// [`Gallery::insert`] with the index cells computed beforehand (outside a lock);
    /// `prepared` must come from the same `fingers`.
    pub fn insert_prepared(
        &mut self,
        person: &str,
        fingers: &[(u8, FingerView)],
        prepared: PreparedInsert,
    ) {
        assert_eq!(
            prepared.cells.len(),
            fingers.len(),
            "prepared from other fingers"
        );
        self.insert_cells(person, fingers, prepared.cells, None);
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
                        shard.push_finger(*local, cs);
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
                    idx.shards[local as usize % SHARDS].push_finger(local, &cs);
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
}
