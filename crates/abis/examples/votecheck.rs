//! Development helper: stage-1 vote statistics.
#![allow(clippy::needless_range_loop)]
fn main() {
    let g = abis::synth::Generator::new(1);
    for id in [1919u64, 866, 1732, 0, 5, 7] {
        let a = g.impression(id, 0, 0);
        let b = g.impression(id, 0, 1);
        let imp: Vec<(u32, u32)> = (0..10)
            .map(|j| abis::gallery::debug_pair_votes(&b, &g.impression(3000 + j, 0, 0)))
            .collect();
        println!(
            "{id}: n {} {} mated {:?} score {:.1} impostors {:?}",
            a.minutiae.len(),
            b.minutiae.len(),
            abis::gallery::debug_pair_votes(&b, &a),
            abis::match_score(&a, &b),
            imp
        );
    }
}
