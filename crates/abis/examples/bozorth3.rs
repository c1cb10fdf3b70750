//! The BOZORTH3 yardstick of issue 16: Sidik and NIST BOZORTH3 (the `fprint-bozorth3`
//! port, a dev-dependency of `sidik-abis` used only by this example) scored on the same
//! pairs in the same run.
//!
//! ```sh
//! cargo run -p sidik-abis --example bozorth3 -- lodo data/fingerprints/fvc2002 [--baseline]
//! cargo run -p sidik-abis --example bozorth3 -- regimes
//! ```
//!
//! `lodo` prints `sidik abis eval --lodo` with a BOZORTH3 row under every Sidik row
//! (BOZORTH3 has nothing to tune; its scores are used as they come). `--baseline` freezes
//! the tunables added by issue 16 (the earlier matcher's search space). `regimes` scores
//! every synthetic regime of `abis::synth::Regime` with the shipped matcher and BOZORTH3.
use abis::eval::Sample;
use abis::lodo::{evaluate_fixed, lodo, Impostors, LodoOptions, Table};
use abis::synth::{window_overlap, Generator, Regime};
use abis::FingerView;
use std::time::Instant;

/// ISO minutiae (origin top-left, y down, angle counter-clockwise in 1/256 turn) to
/// NBIS xyt (origin bottom-left, y up, degrees counter-clockwise).
fn xyt(v: &FingerView) -> Vec<fprint_bozorth3::Minutia> {
    v.minutiae
        .iter()
        .map(|m| fprint_bozorth3::Minutia {
            x: m.x as i32,
            y: 480 - m.y as i32,
            theta: ((m.angle as i32 * 360 + 128) / 256) % 360,
        })
        .collect()
}

fn bozorth3(a: &Sample, b: &Sample) -> f32 {
    fprint_bozorth3::match_score(&xyt(&a.view), &xyt(&b.view)) as f32
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mode = args.first().map(String::as_str).unwrap_or("lodo");
    let t = Instant::now();
    match mode {
        "lodo" => {
            let dir = args
                .get(1)
                .cloned()
                .unwrap_or("data/fingerprints/fvc2002".into());
            let samples = abis::eval::load_fvc(std::path::Path::new(&dir))?;
            let mut opts = LodoOptions::FULL;
            if args.iter().any(|a| a == "--baseline") {
                opts.frozen = LodoOptions::ISSUE16_KNOBS;
            }
            if args.iter().any(|a| a == "--reduced") {
                opts = LodoOptions {
                    frozen: opts.frozen,
                    ..LodoOptions::REDUCED
                };
            }
            print!("{}", lodo(&samples, &opts, Some(("BOZORTH3", &bozorth3))));
        }
        "regimes" => {
            let opts = LodoOptions::FULL;
            for r in Regime::TUNABLE.iter().chain([&Regime::HOLDOUT]) {
                let samples = r.eval_samples(Regime::EVAL_FINGERS, Regime::EVAL_IMPRESSIONS);
                let g = Generator::new(r.seed);
                let mut ov: Vec<f64> = (0..Regime::EVAL_FINGERS)
                    .flat_map(|p| {
                        let f = g.finger(p, 2);
                        (0..Regime::EVAL_IMPRESSIONS)
                            .flat_map(move |i| {
                                (i + 1..Regime::EVAL_IMPRESSIONS).map(move |j| (i, j))
                            })
                            .map(move |(i, j)| window_overlap(r, &f, i, j))
                    })
                    .collect();
                ov.sort_by(f64::total_cmp);
                let q = |p: f64| ov[((ov.len() - 1) as f64 * p) as usize];
                let mean_n = samples.iter().map(|s| s.view.minutiae.len()).sum::<usize>() as f64
                    / samples.len() as f64;
                println!(
                    "\nregime {} (seed {}): {:.1} minutiae per impression; genuine window overlap min {:.0}% q10 {:.0}% q50 {:.0}%",
                    r.name,
                    r.seed,
                    mean_n,
                    q(0.0) * 100.0,
                    q(0.1) * 100.0,
                    q(0.5) * 100.0
                );
                let rows =
                    evaluate_fixed(&samples, Impostors::FirstImpression, &opts, Some(&bozorth3));
                print!(
                    "{}",
                    Table {
                        rows: &rows,
                        reference: Some("BOZORTH3"),
                        bootstrap: opts.bootstrap
                    }
                );
            }
        }
        other => anyhow::bail!("unknown mode {other} (lodo | regimes)"),
    }
    println!("({:.1} s)", t.elapsed().as_secs_f64());
    Ok(())
}
