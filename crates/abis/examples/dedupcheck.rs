//! Development helper: multi-finger dedup as the centre runs it (ten fingers stored per
//! person, four probe fingers, short stage-2 list). Prints time per identify and the
//! person-level miss / false-hit counts.
//!
//! `cargo run --release -p sidik-abis --example dedupcheck -- <persons> <probes> [shortlist]`
use rayon::prelude::*;
use std::time::Instant;

fn main() {
    let arg = |i: usize, d: usize| {
        std::env::args()
            .nth(i)
            .and_then(|s| s.parse().ok())
            .unwrap_or(d)
    };
    let n = arg(1, 5000);
    let q = arg(2, 200);
    let sl = arg(3, 32);
    let probe_pos: Vec<u8> = std::env::var("FINGERS")
        .unwrap_or_else(|_| "1,2,6,7".into())
        .split(',')
        .map(|x| x.parse().unwrap())
        .collect();
    let g = abis::synth::Generator::new(7);
    let t = Instant::now();
    let batch: Vec<(String, Vec<(u8, abis::FingerView)>)> = (0..n)
        .into_par_iter()
        .map(|i| {
            (
                format!("p{i}"),
                (1..=10u8)
                    .map(|pos| (pos, g.impression(i as u64, pos, 0)))
                    .collect(),
            )
        })
        .collect();
    let mut gal = abis::Gallery::new();
    gal.set_shortlist(sl);
    gal.set_stage1_divisor(0);
    let env = |k: &str| std::env::var(k).ok().and_then(|v| v.parse::<f32>().ok());
    let mut prof = abis::SearchProfile::FAST;
    if let Some(v) = env("LEN_TOL") {
        prof.len_tol = v;
    }
    if let Some(v) = env("ANG_TOL") {
        prof.ang_tol = v as i32;
    }
    if let Some(v) = env("FACTOR") {
        prof.stage1_factor = v as usize;
    }
    if let Some(v) = env("NBR_TOL") {
        prof.nbr_tol = v as i32;
    }
    if let Some(v) = env("NBRS") {
        prof.neighbours = v as usize;
    }
    if let Some(v) = env("PERSONS") {
        prof.persons = v as usize;
    }
    let maxc = env("MAXC").map_or(10, |v| v as usize);
    println!("profile {prof:?}, max candidates {maxc}");
    gal.set_profile(prof);
    gal.insert_batch(&batch);
    println!(
        "gallery {n} persons x 10 fingers built in {:?}",
        t.elapsed()
    );
    let probe = |person: u64, k: u32| -> Vec<(u8, abis::FingerView)> {
        probe_pos
            .iter()
            .map(|&p| (p, g.impression(person, p, k)))
            .collect()
    };
    let thr = abis::DEFAULT_IDENTIFY_THRESHOLD;
    let mut miss = 0;
    let mut fp = 0;
    let mut lat = Vec::new();
    for k in 0..q {
        let id = (k * 7919) % n;
        let pr = probe(id as u64, 1);
        let t = Instant::now();
        let c = gal.identify(&pr, maxc);
        lat.push(t.elapsed());
        if c.first()
            .map(|c| c.person == format!("p{id}") && c.fused_score >= thr)
            != Some(true)
        {
            miss += 1;
            let e = gal.identify_exhaustive(&pr, 1);
            println!(
                "miss p{id}: indexed top {:?}, exhaustive top {:?}",
                c.first().map(|c| (&c.person, c.fused_score)),
                e.first().map(|c| (&c.person, c.fused_score))
            );
        }
        let pr = probe((n + k) as u64, 1);
        let t = Instant::now();
        let c = gal.identify(&pr, maxc);
        lat.push(t.elapsed());
        if c.first().is_some_and(|c| c.fused_score >= thr) {
            fp += 1;
        }
    }
    lat.sort();
    let mean = lat.iter().sum::<std::time::Duration>() / lat.len() as u32;
    println!(
        "{n} persons, probe fingers {probe_pos:?}, shortlist {sl}: mean {:?} p50 {:?} p99 {:?} per identify; mated misses {miss}/{q}, false hits {fp}/{q}",
        mean,
        lat[lat.len() / 2],
        lat[lat.len() * 99 / 100]
    );
}
