//! Development helper: stage-1 and Hough ranks of mated fingers.
use rayon::prelude::*;
fn main() {
    let g = abis::synth::Generator::new(1);
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(20000);
    let q: usize = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(100);
    let mut gal = abis::Gallery::new();
    let batch: Vec<(String, Vec<(u8, abis::FingerView)>)> = (0..n)
        .into_par_iter()
        .map(|i| (format!("p{i}"), vec![(0u8, g.impression(i as u64, 0, 0))]))
        .collect();
    gal.insert_batch(&batch);
    let mut r1 = Vec::new();
    let mut r2 = Vec::new();
    for k in 0..q {
        let id = (k * 7919) % n;
        let p = g.impression(id as u64, 0, 1);
        let (a, b) = gal.stage_ranks(0, &p, &format!("p{id}"));
        r1.push(a.unwrap_or(n));
        r2.push(b.unwrap_or(n));
    }
    for (name, mut v) in [("stage-1", r1), ("hough", r2)] {
        v.sort();
        let qq = |p: f64| v[((v.len() - 1) as f64 * p) as usize];
        println!(
            "gallery {n} {name} rank: q50 {} q80 {} q90 {} q95 {} q99 {}  (keep {})",
            qq(0.5),
            qq(0.8),
            qq(0.9),
            qq(0.95),
            qq(0.99),
            (n / 10).max(8192)
        );
    }
}
