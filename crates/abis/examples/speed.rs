//! Development helper: single-thread cost of preparation and matching.
#![allow(clippy::needless_range_loop)]
use abis::Prepared;
use std::time::Instant;
fn main() {
    let g = abis::synth::Generator::new(1);
    let views: Vec<_> = (0..400u64)
        .map(|i| g.impression(i / 2, 0, (i % 2) as u32))
        .collect();
    let t = Instant::now();
    let mut ps = Vec::new();
    for _ in 0..10 {
        ps = views.iter().map(Prepared::new).collect::<Vec<_>>();
    }
    println!(
        "prepare: {:.2} us",
        t.elapsed().as_secs_f64() * 1e6 / 4000.0
    );
    let t = Instant::now();
    let mut n = 0;
    let mut acc = 0.0;
    for i in 0..ps.len() {
        for j in (i + 1..ps.len()).step_by(3) {
            acc += abis::match_prepared(&ps[i], &ps[j]);
            n += 1;
        }
    }
    println!(
        "match: {:.2} us ({n} pairs, {acc:.0})",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
    let hp: Vec<_> = views
        .iter()
        .map(|v| abis::hough::HoughProbe::new(&v.minutiae))
        .collect();
    let t = Instant::now();
    let mut n = 0;
    let mut acc = 0u32;
    for i in 0..hp.len() {
        for j in 0..views.len() {
            acc += abis::hough::score(&hp[i], &views[j].minutiae, (j as u8).wrapping_mul(16));
            n += 1;
        }
    }
    println!(
        "hough window: {:.2} us ({acc})",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
}
