//! Development helper: indexed vs exhaustive identification on a small synthetic gallery.
#![allow(clippy::needless_range_loop)]
fn main() {
    let g = abis::synth::Generator::new(1);
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(5000);
    let mut gal = abis::Gallery::new();
    let batch: Vec<(String, Vec<(u8, abis::FingerView)>)> = (0..n)
        .map(|i| (format!("p{i}"), vec![(0u8, g.impression(i as u64, 0, 0))]))
        .collect();
    gal.insert_batch(&batch);
    let (mut hi, mut he, mut agree) = (0, 0, 0);
    let q = 40;
    for k in 0..q {
        let id = (k * 7919) % n;
        let probe = vec![(0u8, g.impression(id as u64, 0, 1))];
        let a = gal.identify(&probe, 5);
        let b = gal.identify_exhaustive(&probe, 5);
        let want = format!("p{id}");
        hi += (a.first().map(|c| c.person == want) == Some(true)) as usize;
        he += (b.first().map(|c| c.person == want) == Some(true)) as usize;
        agree += (a.first().map(|c| &c.person) == b.first().map(|c| &c.person)) as usize;
        if a.first().map(|c| c.person == want) != Some(true) {
            println!(
                "miss {want}: stage1 rank {:?}",
                gal.stage1_rank(0, &probe[0].1, &want)
            );
        }
        if k < 2 {
            println!("{want}: idx {:?}\n      exh {:?}", a.first(), b.first());
        }
    }
    println!("indexed rank1 {hi}/{q} exhaustive rank1 {he}/{q} agree {agree}/{q}");
}
