//! Development helper (issue 16): EER of the matcher with overridden parameters on the
//! tunable synthetic regimes and on FVC2002 (pooled, all impostors). Never run on the
//! hold-out regime. `P=at=12,ga=36 cargo run -p sidik-abis --example regime_tune`
use abis::eval::{rates, Sample};
use abis::matcher::{match_details_with, Params, PARAMS};
use abis::synth::Regime;
use rayon::prelude::*;

fn params() -> Params {
    let mut prm = PARAMS;
    if let Ok(v) = std::env::var("P") {
        for kv in v.split(',').filter(|s| !s.is_empty()) {
            let (k, x) = kv.split_once('=').expect("k=v");
            let f: f32 = x.parse().expect("number");
            match k {
                "db" => prm.dist_base = f,
                "dr" => prm.dist_rel = f,
                "at" => prm.angle_tol = f as i32,
                "ga" => prm.g_angle = f as i32,
                "gb" => prm.g_base = f,
                "gr" => prm.g_rel = f,
                "nr" => prm.n_roots = f as usize,
                "ws" => prm.w_support = f,
                "wk" => prm.w_kind = f,
                "wf" => prm.w_frac = f,
                "or" => prm.overlap_r = f,
                "we" => prm.w_extra = f,
                "ct" => prm.consolidate_tol = f,
                "mv" => prm.min_votes = f as u16,
                _ => panic!("unknown parameter {k}"),
            }
        }
    }
    prm
}

fn eer(samples: &[Sample], fvc_style: bool, prm: &Params) -> f64 {
    let mut pairs = Vec::new();
    for i in 0..samples.len() {
        for j in i + 1..samples.len() {
            let (a, b) = (&samples[i], &samples[j]);
            if a.db != b.db {
                continue;
            }
            if a.finger != b.finger && fvc_style && (a.impression != 1 || b.impression != 1) {
                continue;
            }
            pairs.push((i, j, a.finger == b.finger));
        }
    }
    let s: Vec<(f32, bool)> = pairs
        .par_iter()
        .map(|&(i, j, g)| {
            (
                match_details_with(&samples[i].prepared, &samples[j].prepared, prm).raw,
                g,
            )
        })
        .collect();
    let g: Vec<f32> = s.iter().filter(|x| x.1).map(|x| x.0).collect();
    let i: Vec<f32> = s.iter().filter(|x| !x.1).map(|x| x.0).collect();
    rates(&g, &i).eer
}

fn main() {
    let prm = params();
    let t = std::time::Instant::now();
    let fvc = abis::eval::load_fvc(std::path::Path::new("data/fingerprints/fvc2002")).unwrap();
    if std::env::var("CALIB").is_ok() {
        // The calibration table of these parameters, fitted on every cross-finger FVC pair.
        let mut imp = Vec::new();
        for i in 0..fvc.len() {
            for j in i + 1..fvc.len() {
                if fvc[i].db == fvc[j].db && fvc[i].finger != fvc[j].finger {
                    imp.push(match_details_with(&fvc[i].prepared, &fvc[j].prepared, &prm).raw);
                }
            }
        }
        println!(
            "{} impostors: {:?}",
            imp.len(),
            abis::calib::Calibration::fit(&imp)
        );
        return;
    }
    let mut line = format!("fvc-pooled {:5.2}%", eer(&fvc, false, &prm) * 100.0);
    for db in ["DB1_B", "DB2_B", "DB3_B", "DB4_B"] {
        let s: Vec<Sample> = fvc.iter().filter(|s| s.db == db).cloned().collect();
        line += &format!(" {} {:5.2}%", &db[..3], eer(&s, false, &prm) * 100.0);
    }
    for r in Regime::TUNABLE {
        let s = r.eval_samples(Regime::EVAL_FINGERS, Regime::EVAL_IMPRESSIONS);
        line += &format!(" | {} {:5.2}%", r.name, eer(&s, true, &prm) * 100.0);
    }
    let pairs: Vec<(usize, usize)> = (0..fvc.len())
        .flat_map(|i| (i + 1..fvc.len()).map(move |j| (i, j)))
        .collect();
    let mut best = 0f64;
    for _ in 0..3 {
        let t = std::time::Instant::now();
        let s: f32 = pairs
            .par_iter()
            .map(|&(i, j)| match_details_with(&fvc[i].prepared, &fvc[j].prepared, &prm).raw)
            .sum();
        std::hint::black_box(s);
        best = best.max(pairs.len() as f64 / t.elapsed().as_secs_f64());
    }
    println!(
        "{line} | FVC {best:.0}/s  ({:.1} s)",
        t.elapsed().as_secs_f64()
    );
}
