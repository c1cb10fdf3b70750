//! Stage 2 and the person-level result: full matches of the shortlisted fingers, the
//! fusion of each person's finger scores and the ranking of candidates.

use super::{Candidate, FingerScore, Gallery};
use crate::matcher::{match_prepared, Prepared};
use crate::template::FingerView;
use rayon::prelude::*;
use std::collections::HashMap;

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
}
