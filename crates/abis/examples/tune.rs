//! Development helper: prints the FVC evaluation and dumps raw features.
#![allow(clippy::needless_range_loop)]
use std::io::Write;
fn main() -> anyhow::Result<()> {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or("data/fingerprints/fvc2002".into());
    let t = std::time::Instant::now();
    let samples = abis::eval::load_fvc(std::path::Path::new(&dir))?;
    let mut prm = abis::matcher::PARAMS;
    if let Ok(v) = std::env::var("P") {
        for kv in v.split(',') {
            let (k, x) = kv.split_once('=').unwrap();
            let f: f32 = x.parse().unwrap();
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
                _ => panic!("{k}"),
            }
        }
    }
    let cmps = abis::eval::compare_all_with(&samples, &prm);
    eprintln!("{} comparisons in {:?}", cmps.len(), t.elapsed());
    if let Some(out) = std::env::args().nth(2) {
        let mut f = std::io::BufWriter::new(std::fs::File::create(out)?);
        for c in &cmps {
            let d = c.details;
            writeln!(
                f,
                "{} {} {} {} {} {} {} {} {} {} {} {}",
                c.db,
                c.a.0,
                c.a.1,
                c.b.0,
                c.b.1,
                c.genuine as u8,
                d.pairs,
                d.support,
                d.same_kind,
                d.n_probe,
                d.n_cand,
                d.raw
            )?;
        }
    }
    let sets = abis::eval::score_sets(&cmps);
    for (k, s) in &sets {
        let a = abis::eval::rates(&s.genuine, &s.impostor_fvc);
        let b = abis::eval::rates(&s.genuine, &s.impostor_all);
        println!("{k:8} EER {:5.2}% FMR100 {:5.2}% zero {:5.2}% | all-imp EER {:5.2}% FMR100 {:5.2}% FMR1000 {:5.2}%", a.eer*100.0, a.fmr100*100.0, a.zero_fmr*100.0, b.eer*100.0, b.fmr100*100.0, b.fmr1000*100.0);
    }
    Ok(())
}
