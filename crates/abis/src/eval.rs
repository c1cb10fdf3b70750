//! Accuracy evaluation on FVC-named template folders (`DBn_X/FFF_I.iso`).

use crate::matcher::{MatchDetails, Prepared};
use crate::template::parse_any;
/// Why an FVC folder could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("reading {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("parsing {path}: {source}")]
    Template {
        path: PathBuf,
        source: crate::TemplateError,
    },
    #[error("{0}: no finger view")]
    NoView(PathBuf),
    #[error("no FVC-named templates (DBn_X/FFF_I.iso) under {0}")]
    Empty(PathBuf),
}

type Result<T> = std::result::Result<T, LoadError>;

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> LoadError + '_ {
    move |source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    }
}
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One impression: database name, finger id, impression number.
#[derive(Clone, Debug)]
pub struct Sample {
    pub db: String,
    pub finger: u32,
    pub impression: u32,
    pub prepared: Prepared,
    /// The view itself (for reference matchers that need raw minutiae).
    pub view: crate::template::FingerView,
}

/// Loads every `DB*/FFF_I.iso` (or `.ist`/`.ansi`) under `dir`, sorted.
pub fn load_fvc(dir: &Path) -> Result<Vec<Sample>> {
    let mut out = Vec::new();
    let mut dbs: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io(dir))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dbs.sort();
    for db in dbs {
        let dbname = db
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let mut files: Vec<PathBuf> = std::fs::read_dir(&db)
            .map_err(io(&db))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        files.sort();
        for f in files {
            let stem = f
                .file_stem()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let Some((a, b)) = stem.split_once('_') else {
                continue;
            };
            let (Ok(finger), Ok(impression)) = (a.parse::<u32>(), b.parse::<u32>()) else {
                continue;
            };
            let bytes = std::fs::read(&f).map_err(io(&f))?;
            let t = parse_any(&bytes).map_err(|source| LoadError::Template {
                path: f.clone(),
                source,
            })?;
            let Some(view) = t.views.first() else {
                return Err(LoadError::NoView(f));
            };
            out.push(Sample {
                db: dbname.clone(),
                finger,
                impression,
                prepared: Prepared::new(view),
                view: view.clone(),
            });
        }
    }
    if out.is_empty() {
        return Err(LoadError::Empty(dir.to_path_buf()));
    }
    Ok(out)
}

/// Error rates of one score set, in fractions (0.05 = 5%).
#[derive(Clone, Copy, Debug, Default)]
pub struct Rates {
    pub eer: f64,
    pub fmr100: f64,
    pub fmr1000: f64,
    /// FNMR at FMR ≤ 1e-4 (with fewer than 10,000 impostors: at zero false matches).
    pub fmr10000: f64,
    pub zero_fmr: f64,
    /// Threshold at the EER crossing.
    pub eer_threshold: f32,
    pub genuine: usize,
    pub impostor: usize,
}

/// FVC-style rates. A comparison is accepted when `score >= t`.
pub fn rates(genuine: &[f32], impostor: &[f32]) -> Rates {
    let mut g = genuine.to_vec();
    let mut im = impostor.to_vec();
    g.sort_by(f32::total_cmp);
    im.sort_by(f32::total_cmp);
    let ng = g.len().max(1) as f64;
    let ni = im.len().max(1) as f64;
    // Candidate thresholds: every distinct score, plus +inf.
    let mut ts: Vec<f32> = g.iter().chain(im.iter()).copied().collect();
    ts.push(f32::INFINITY);
    ts.sort_by(f32::total_cmp);
    ts.dedup();
    let fmr = |t: f32| (im.len() - im.partition_point(|&s| s < t)) as f64 / ni;
    let fnmr = |t: f32| g.partition_point(|&s| s < t) as f64 / ng;
    let mut r = Rates {
        genuine: genuine.len(),
        impostor: impostor.len(),
        fmr100: 1.0,
        fmr1000: 1.0,
        fmr10000: 1.0,
        zero_fmr: 1.0,
        ..Default::default()
    };
    // FVC EER: t1 = last threshold with FNMR <= FMR, t2 = first with FNMR >= FMR.
    let mut t1 = None;
    let mut t2 = None;
    for &t in &ts {
        let (a, b) = (fmr(t), fnmr(t));
        if b <= a {
            t1 = Some(t);
        }
        if b >= a && t2.is_none() {
            t2 = Some(t);
        }
        if a <= 0.01 {
            r.fmr100 = r.fmr100.min(b);
        }
        if a <= 0.001 {
            r.fmr1000 = r.fmr1000.min(b);
        }
        if a <= 0.0001 {
            r.fmr10000 = r.fmr10000.min(b);
        }
        if a == 0.0 {
            r.zero_fmr = r.zero_fmr.min(b);
        }
    }
    let (t1, t2) = (t1.unwrap_or(ts[0]), t2.unwrap_or(f32::INFINITY));
    let (l, h, t) = if fnmr(t1) + fmr(t1) <= fmr(t2) + fnmr(t2) {
        (fnmr(t1), fmr(t1), t1)
    } else {
        (fmr(t2), fnmr(t2), t2)
    };
    r.eer = (l + h) / 2.0;
    r.eer_threshold = t;
    r
}

/// Scores of one database or of the pool.
#[derive(Clone, Debug, Default)]
pub struct ScoreSet {
    pub genuine: Vec<f32>,
    /// FVC protocol impostors: impression 1 of two different fingers.
    pub impostor_fvc: Vec<f32>,
    /// Every cross-finger pair.
    pub impostor_all: Vec<f32>,
}

/// A comparison with its labels (for tuning and diagnostics).
#[derive(Clone, Debug)]
pub struct Comparison {
    pub db: String,
    pub a: (u32, u32),
    pub b: (u32, u32),
    pub genuine: bool,
    pub details: MatchDetails,
}

/// Runs every within-database comparison (i<j), in parallel.
pub fn compare_all(samples: &[Sample]) -> Vec<Comparison> {
    compare_all_with(samples, &crate::matcher::PARAMS)
}

/// [`compare_all`] with explicit matcher parameters (experiments).
#[doc(hidden)]
pub fn compare_all_with(samples: &[Sample], prm: &crate::matcher::Params) -> Vec<Comparison> {
    let mut pairs = Vec::new();
    for i in 0..samples.len() {
        for j in i + 1..samples.len() {
            if samples[i].db == samples[j].db {
                pairs.push((i, j));
            }
        }
    }
    pairs
        .par_iter()
        .map(|&(i, j)| {
            let (a, b) = (&samples[i], &samples[j]);
            Comparison {
                db: a.db.clone(),
                a: (a.finger, a.impression),
                b: (b.finger, b.impression),
                genuine: a.finger == b.finger,
                details: crate::matcher::match_details_with(&a.prepared, &b.prepared, prm),
            }
        })
        .collect()
}

/// Groups comparisons into per-database score sets (key "pooled" for all).
pub fn score_sets(cmps: &[Comparison]) -> BTreeMap<String, ScoreSet> {
    let mut m: BTreeMap<String, ScoreSet> = BTreeMap::new();
    for c in cmps {
        let s = c.details.score;
        for key in [c.db.as_str(), "pooled"] {
            let set = m.entry(key.to_string()).or_default();
            if c.genuine {
                set.genuine.push(s);
            } else {
                set.impostor_all.push(s);
                if c.a.1 == 1 && c.b.1 == 1 {
                    set.impostor_fvc.push(s);
                }
            }
        }
    }
    m
}

/// Evaluation report as printed by `sidik abis eval`.
pub struct Report {
    pub rows: Vec<(String, Rates, Rates)>,
    /// Pooled (FMR, FNMR) at [`crate::DEFAULT_THRESHOLD`], all cross-finger impostors.
    pub at_default: (f64, f64),
}

impl Report {
    pub fn pooled(&self) -> (Rates, Rates) {
        self.rows
            .iter()
            .find(|r| r.0 == "pooled")
            .map(|r| (r.1, r.2))
            .unwrap_or_default()
    }
}

/// Loads, compares and summarises an FVC folder.
pub fn evaluate(dir: &Path) -> Result<Report> {
    let samples = load_fvc(dir)?;
    let cmps = compare_all(&samples);
    let sets = score_sets(&cmps);
    let mut rows = Vec::new();
    for (k, s) in &sets {
        if k == "pooled" {
            continue;
        }
        rows.push((
            k.clone(),
            rates(&s.genuine, &s.impostor_fvc),
            rates(&s.genuine, &s.impostor_all),
        ));
    }
    let mut at_default = (0.0, 0.0);
    if let Some(s) = sets.get("pooled") {
        let t = crate::DEFAULT_THRESHOLD;
        at_default = (
            s.impostor_all.iter().filter(|&&x| x >= t).count() as f64
                / s.impostor_all.len().max(1) as f64,
            s.genuine.iter().filter(|&&x| x < t).count() as f64 / s.genuine.len().max(1) as f64,
        );
        rows.push((
            "pooled".into(),
            rates(&s.genuine, &s.impostor_fvc),
            rates(&s.genuine, &s.impostor_all),
        ));
    }
    Ok(Report { rows, at_default })
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let pct = |x: f64| format!("{:6.2}%", x * 100.0);
        writeln!(f, "FVC protocol (genuine: impressions i<j of a finger; impostor: impression 1 of two fingers)")?;
        writeln!(
            f,
            "{:<8} {:>6} {:>6}  {:>7} {:>7} {:>7} {:>7}  {:>7}",
            "db", "gen", "imp", "EER", "FMR100", "FMR1000", "ZeroFMR", "thr@EER"
        )?;
        for (k, a, _) in &self.rows {
            writeln!(
                f,
                "{:<8} {:>6} {:>6}  {} {} {} {}  {:7.1}",
                k,
                a.genuine,
                a.impostor,
                pct(a.eer),
                pct(a.fmr100),
                pct(a.fmr1000),
                pct(a.zero_fmr),
                a.eer_threshold
            )?;
        }
        writeln!(f)?;
        writeln!(f, "All cross-finger pairs as impostors")?;
        writeln!(
            f,
            "{:<8} {:>6} {:>6}  {:>7} {:>7} {:>7} {:>7}  {:>7}",
            "db", "gen", "imp", "EER", "FMR100", "FMR1000", "ZeroFMR", "thr@EER"
        )?;
        for (k, _, b) in &self.rows {
            writeln!(
                f,
                "{:<8} {:>6} {:>6}  {} {} {} {}  {:7.1}",
                k,
                b.genuine,
                b.impostor,
                pct(b.eer),
                pct(b.fmr100),
                pct(b.fmr1000),
                pct(b.zero_fmr),
                b.eer_threshold
            )?;
        }
        writeln!(
            f,
            "\nAt DEFAULT_THRESHOLD {:.0} (nominal FMR {:.0e}), pooled, all impostors: FMR {:.3}%, FNMR {:.2}%",
            crate::DEFAULT_THRESHOLD,
            crate::score_to_fmr(crate::DEFAULT_THRESHOLD),
            self.at_default.0 * 100.0,
            self.at_default.1 * 100.0
        )?;
        Ok(())
    }
}
