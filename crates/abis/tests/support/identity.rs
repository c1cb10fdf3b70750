//! Score-identity digests for the matcher (issue 16, speed work): every ordered pair of
//! distinct templates within each FVC2002 DB_B database (4 × 80 × 79 = 25,280
//! comparisons) and of 120 synthetic impressions (14,280), under several parameter
//! sets. Each digest is FNV-1a (64-bit) over the little-endian bytes of every
//! comparison's `MatchDetails` (score and raw as f32 bits, then the counts) in a fixed
//! order. Shared by `tests/matcher_identical.rs` and `examples/matchbench.rs`.
#![allow(dead_code)]

use abis::matcher::{match_details_with, Params, PARAMS};
use abis::{MatchDetails, Prepared};
use rayon::prelude::*;
use std::path::PathBuf;

/// Named parameter sets: the shipped one and variants that move every tunable the
/// leave-one-database-out fit may touch (tolerances, roots, overlap, consolidation).
pub fn param_sets() -> Vec<(&'static str, Params)> {
    let wide = Params {
        dist_base: 4.0,
        dist_rel: 0.15,
        angle_tol: 10,
        g_angle: 20,
        g_base: 16.0,
        g_rel: 0.30,
        n_roots: 24,
        w_support: 1.0,
        w_kind: 0.6,
        w_frac: 30.0,
        overlap_r: 30.0,
        w_extra: 0.0,
        ..PARAMS
    };
    let narrow = Params {
        dist_base: 3.0,
        dist_rel: 0.08,
        angle_tol: 6,
        g_angle: 36,
        g_base: 28.0,
        g_rel: 0.15,
        n_roots: 8,
        w_support: 0.25,
        w_kind: 0.0,
        w_frac: 10.0,
        overlap_r: 40.0,
        w_extra: 1.0,
        consolidate_tol: 10.0,
        min_votes: 2,
        ..PARAMS
    };
    let loose = Params {
        dist_base: 8.0,
        dist_rel: 0.18,
        angle_tol: 12,
        g_angle: 28,
        g_base: 22.0,
        g_rel: 0.22,
        n_roots: 16,
        overlap_r: 25.0,
        w_extra: 0.5,
        ..PARAMS
    };
    vec![
        ("default", PARAMS),
        ("wide", wide),
        ("narrow", narrow),
        ("loose", loose),
    ]
}

/// The FVC2002 DB_B templates, grouped by database.
pub fn fvc_sets() -> Vec<Vec<Prepared>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/fingerprints/fvc2002");
    let samples = abis::eval::load_fvc(&dir).expect("FVC2002 templates");
    let mut sets: Vec<(String, Vec<Prepared>)> = Vec::new();
    for s in samples {
        match sets.last_mut() {
            Some((db, v)) if *db == s.db => v.push(s.prepared),
            _ => sets.push((s.db.clone(), vec![s.prepared])),
        }
    }
    sets.into_iter().map(|(_, v)| v).collect()
}

/// 120 synthetic impressions (60 fingers × 2), fixed seed.
pub fn synth_set() -> Vec<Prepared> {
    let g = abis::synth::Generator::new(16);
    (0..120u64)
        .map(|i| Prepared::new(&g.impression(i / 2, (i % 10) as u8, (i % 2) as u32)))
        .collect()
}

pub struct Fnv(u64);

impl Fnv {
    pub fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
    pub fn bytes(&mut self, b: &[u8]) {
        for &x in b {
            self.0 ^= x as u64;
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
    pub fn details(&mut self, d: &MatchDetails) {
        self.bytes(&d.score.to_bits().to_le_bytes());
        self.bytes(&d.raw.to_bits().to_le_bytes());
        for v in [
            d.pairs,
            d.support,
            d.same_kind,
            d.n_probe,
            d.n_cand,
            d.overlap_probe,
            d.overlap_cand,
            d.extra,
        ] {
            self.bytes(&v.to_le_bytes());
        }
    }
}

/// Digest of every ordered pair of distinct templates within each set.
pub fn digest(sets: &[Vec<Prepared>], prm: &Params) -> (u64, usize) {
    let mut h = Fnv::new();
    let mut n = 0;
    for set in sets {
        // Rows in parallel, hashed in order.
        let rows: Vec<Vec<MatchDetails>> = (0..set.len())
            .into_par_iter()
            .map(|i| {
                (0..set.len())
                    .filter(|&j| j != i)
                    .map(|j| match_details_with(&set[i], &set[j], prm))
                    .collect()
            })
            .collect();
        for d in rows.iter().flatten() {
            h.details(d);
            n += 1;
        }
    }
    (h.0, n)
}

/// `(source, parameter set, digest, comparisons)` for everything the identity test covers.
pub fn all_digests() -> Vec<(&'static str, &'static str, u64, usize)> {
    let fvc = fvc_sets();
    let synth = vec![synth_set()];
    let mut out = Vec::new();
    for (name, prm) in param_sets() {
        let (d, n) = digest(&fvc, &prm);
        out.push(("fvc2002", name, d, n));
        let (d, n) = digest(&synth, &prm);
        out.push(("synth", name, d, n));
    }
    out
}
