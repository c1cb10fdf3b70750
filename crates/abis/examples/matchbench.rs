//! Matcher speed on the FVC2002 DB_B templates (issue 16).
//!
//! - `matchbench one N`: N comparisons on one thread (ordered pairs within each
//!   database, visited with a fixed stride so every run mixes the databases), for `valgrind --tool=callgrind`; the instructions of one
//!   comparison are the difference of two runs divided by the difference of their N.
//! - `matchbench prep N`: N template preparations (`Prepared::from_minutiae`) on one
//!   thread, same use.
//! - `matchbench rate N`: N comparisons many-to-many on 2 threads, comparisons/s.
//! - `matchbench digest`: the score-identity digests of `tests/matcher_identical.rs`.
#[path = "../tests/support/identity.rs"]
mod identity;

use abis::Prepared;
use std::time::Instant;

/// Ordered pairs of distinct templates within each database, as (set, i, j).
fn pairs(sets: &[Vec<Prepared>]) -> Vec<(usize, usize, usize)> {
    let mut out = Vec::new();
    for (s, set) in sets.iter().enumerate() {
        for i in 0..set.len() {
            for j in 0..set.len() {
                if i != j {
                    out.push((s, i, j));
                }
            }
        }
    }
    out
}

fn run(sets: &[Vec<Prepared>], pairs: &[(usize, usize, usize)], from: usize, n: usize) -> f64 {
    let mut acc = 0.0f64;
    for k in from..from + n {
        // A fixed stride coprime to the pair count: any run mixes all four databases.
        let (s, i, j) = pairs[k.wrapping_mul(7919) % pairs.len()];
        acc += abis::match_prepared(&sets[s][i], &sets[s][j]) as f64;
    }
    acc
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mode = args.get(1).map(String::as_str).unwrap_or("rate");
    let n: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(100_000);
    match mode {
        "digest" => {
            for (src, name, d, n) in identity::all_digests() {
                println!("{src:8} {name:8} 0x{d:016x} {n}");
            }
        }
        "prep" => {
            let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../data/fingerprints/fvc2002");
            let samples = abis::eval::load_fvc(&dir).expect("FVC2002 templates");
            let t = Instant::now();
            let mut total = 0usize;
            for k in 0..n {
                let p = Prepared::from_minutiae(&samples[k % samples.len()].view.minutiae);
                total += p.len();
            }
            let dt = t.elapsed().as_secs_f64();
            println!(
                "{n} preparations, {:.2} us each (1 thread), {total} minutiae",
                dt * 1e6 / n.max(1) as f64
            );
        }
        "one" => {
            let sets = identity::fvc_sets();
            let pairs = pairs(&sets);
            let t = Instant::now();
            let acc = run(&sets, &pairs, 0, n);
            let dt = t.elapsed().as_secs_f64();
            println!(
                "{n} comparisons, 1 thread: {:.0}/s, {:.2} us each (score sum {acc:.1})",
                n as f64 / dt,
                dt * 1e6 / n.max(1) as f64
            );
        }
        "rate" => {
            let sets = identity::fvc_sets();
            let pairs = pairs(&sets);
            let half = n / 2;
            let t = Instant::now();
            let acc: f64 = std::thread::scope(|sc| {
                let hs: Vec<_> = (0..2)
                    .map(|w| {
                        let (sets, pairs) = (&sets, &pairs);
                        sc.spawn(move || run(sets, pairs, w * half, half))
                    })
                    .collect();
                hs.into_iter().map(|h| h.join().unwrap()).sum()
            });
            let dt = t.elapsed().as_secs_f64();
            println!(
                "{} comparisons, 2 threads: {:.0}/s (score sum {acc:.1})",
                2 * half,
                (2 * half) as f64 / dt
            );
        }
        _ => eprintln!("usage: matchbench one N | prep N | rate N | digest"),
    }
}
