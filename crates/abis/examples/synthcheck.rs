//! Development helper: genuine / impostor score statistics on synthetic fingers.
#![allow(clippy::needless_range_loop)]
use abis::{match_details, Prepared};
fn main() {
    let g = abis::synth::Generator::new(1);
    let n = 300u64;
    let a: Vec<Prepared> = (0..n)
        .map(|i| Prepared::new(&g.impression(i, 0, 0)))
        .collect();
    let b: Vec<Prepared> = (0..n)
        .map(|i| Prepared::new(&g.impression(i, 0, 1)))
        .collect();
    let mut gen: Vec<f32> = Vec::new();
    let mut pairs = Vec::new();
    for i in 0..n as usize {
        let d = match_details(&a[i], &b[i]);
        gen.push(d.score);
        pairs.push(d.pairs);
    }
    let mut imp: Vec<f32> = Vec::new();
    for i in 0..n as usize {
        for j in 0..n as usize {
            if i != j && (i + j) % 7 == 0 {
                imp.push(match_details(&a[i], &b[j]).score);
            }
        }
    }
    gen.sort_by(f32::total_cmp);
    imp.sort_by(f32::total_cmp);
    let q = |v: &Vec<f32>, p: f64| v[((v.len() - 1) as f64 * p) as usize];
    println!("n minutiae a0 {} b0 {}", a[0].len(), b[0].len());
    println!(
        "genuine q05 {:.1} q10 {:.1} q50 {:.1}",
        q(&gen, 0.05),
        q(&gen, 0.1),
        q(&gen, 0.5)
    );
    println!(
        "impostor q50 {:.1} q99 {:.1} q999 {:.1} max {:.1}",
        q(&imp, 0.5),
        q(&imp, 0.99),
        q(&imp, 0.999),
        imp[imp.len() - 1]
    );
    let r = abis::eval::rates(&gen, &imp);
    println!(
        "EER {:.2}% ZeroFMR {:.2}% (imp {})",
        r.eer * 100.0,
        r.zero_fmr * 100.0,
        imp.len()
    );
    pairs.sort();
    println!("genuine pairs q10 {} q50 {}", pairs[30], pairs[150]);
}
