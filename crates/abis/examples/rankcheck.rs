//! Development helper: stage-1 rank of mated fingers.
#![allow(clippy::needless_range_loop)]
use rayon::prelude::*;
fn main() {
    let g = abis::synth::Generator::new(1);
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(20000);
    let mut gal = abis::Gallery::new();
    let batch: Vec<(String, Vec<(u8, abis::FingerView)>)> = (0..n)
        .into_par_iter()
        .map(|i| (format!("p{i}"), vec![(0u8, g.impression(i as u64, 0, 0))]))
        .collect();
    gal.insert_batch(&batch);
    let mut ranks: Vec<usize> = (0..200)
        .map(|k| {
            let id = (k * 7919) % n;
            gal.stage1_rank(0, &g.impression(id as u64, 0, 1), &format!("p{id}"))
                .unwrap_or(n)
        })
        .collect();
    ranks.sort();
    let q = |p: f64| ranks[((ranks.len() - 1) as f64 * p) as usize];
    println!(
        "gallery {n}: stage-1 rank q50 {} q90 {} q95 {} q99 {} max {}",
        q(0.5),
        q(0.9),
        q(0.95),
        q(0.99),
        q(1.0)
    );
}
