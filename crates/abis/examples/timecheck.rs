//! Development helper: identify latency on a synthetic gallery.
use rayon::prelude::*;
fn main() {
    let g = abis::synth::Generator::new(1);
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(20000);
    let sl: usize = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(512);
    let mut gal = abis::Gallery::new();
    let batch: Vec<(String, Vec<(u8, abis::FingerView)>)> = (0..n)
        .into_par_iter()
        .map(|i| (format!("p{i}"), vec![(0u8, g.impression(i as u64, 0, 0))]))
        .collect();
    let t = std::time::Instant::now();
    gal.insert_batch(&batch);
    println!("insert {:?}", t.elapsed());
    gal.set_shortlist(sl);
    let mut hits = 0;
    let t = std::time::Instant::now();
    let q = 50;
    for k in 0..q {
        let id = (k * 7919) % n;
        let c = gal.identify(&[(0u8, g.impression(id as u64, 0, 1))], 3);
        hits += (c.first().map(|c| c.person == format!("p{id}")) == Some(true)) as usize;
    }
    println!(
        "{n} fingers, shortlist {sl}: {:?} per search, rank-1 {hits}/{q}",
        t.elapsed() / q as u32
    );
}
