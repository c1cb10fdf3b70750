//! Development helper: stage-1 rank of mated fingers, split by genuine score.
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
    gal.set_shortlist(512);
    for k in 0..40 {
        let id = (k * 7919) % n;
        let p = g.impression(id as u64, 0, 1);
        let (a, b) = gal.stage_ranks(0, &p, &format!("p{id}"));
        let s = abis::match_score(&p, &g.impression(id as u64, 0, 0));
        if b.is_none_or(|b| b >= 512) {
            println!("p{id}: score {s:.1} stage-1 rank {a:?} hough rank {b:?}");
        }
    }
    let res: Vec<(usize, f32)> = (0..300)
        .map(|k| {
            let id = (k * 7919) % n;
            let p = g.impression(id as u64, 0, 1);
            let s = abis::match_score(&p, &g.impression(id as u64, 0, 0));
            (gal.stage1_rank(0, &p, &format!("p{id}")).unwrap_or(n), s)
        })
        .collect();
    for (name, lo, hi) in [
        ("all", -1.0, 1e9),
        ("score<30", -1.0, 30.0),
        ("score>=30", 30.0, 1e9),
    ] {
        let mut ranks: Vec<usize> = res
            .iter()
            .filter(|r| r.1 >= lo && r.1 < hi)
            .map(|r| r.0)
            .collect();
        if ranks.is_empty() {
            continue;
        }
        ranks.sort();
        let q = |p: f64| ranks[((ranks.len() - 1) as f64 * p) as usize];
        println!(
            "gallery {n} {name} ({}): stage-1 rank q50 {} q90 {} q95 {} q99 {} max {}",
            ranks.len(),
            q(0.5),
            q(0.9),
            q(0.95),
            q(0.99),
            q(1.0)
        );
    }
}
