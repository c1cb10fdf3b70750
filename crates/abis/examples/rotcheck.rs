//! Development helper: rotation votes and Hough per window for a few mated pairs.
fn main() {
    let g = abis::synth::Generator::new(11);
    for id in [1408u64, 654, 1710, 0, 1] {
        let a = g.impression(id, 0, 0);
        let b = g.impression(id, 0, 1);
        let (v, h) = abis::gallery::debug_rotation(&b, &a);
        println!(
            "{id}: score {:.1}\n  votes {:?}\n  hough {:?}",
            abis::match_score(&b, &a),
            v,
            h
        );
    }
}
