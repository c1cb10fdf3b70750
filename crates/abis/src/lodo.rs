//! Leave-one-database-out (LODO) evaluation on FVC-named folders, with bootstrap
//! intervals and an optional reference matcher scored on the same pairs.
//!
//! For each database D (a *fold*), every tunable of the matcher — the tolerances and
//! score weights of [`Params`] and the calibration table — is fitted on the other
//! databases only, then D is scored with the fitted model. Nothing of D is seen while
//! fitting. The pooled figure concatenates the four held-out score sets, each calibrated
//! by its own fold's table, so it also tests whether the calibration carries over.
//!
//! Fitting is a coordinate descent over fixed per-parameter grids, starting from the
//! shipped [`PARAMS`], minimising the pooled EER (all cross-finger impostors) of the
//! tuning databases plus a tenth of their FMR1000. Calibration knots are read off the
//! tuning databases' impostor scores ([`Calibration::fit`]).
//!
//! Intervals: 95% percentile bootstrap, resampling *fingers* with replacement within each
//! database (a finger's genuine pairs and its impostor pairs move together), which is
//! the unit that makes FVC's 10-finger databases noisy.

use crate::calib::Calibration;
use crate::eval::{rates, Rates, Sample};
use crate::matcher::{match_details_with, Params, PARAMS};
use crate::synth::Rng;
use rayon::prelude::*;
use std::collections::BTreeMap;

/// A reference matcher (e.g. BOZORTH3 in an example) scored on the same pairs; any
/// monotone score, higher = more similar.
pub type Reference<'a> = &'a (dyn Fn(&Sample, &Sample) -> f32 + Sync);

/// How much fitting and resampling to do.
#[derive(Clone, Copy, Debug)]
pub struct LodoOptions {
    /// Coordinate-descent passes over the tunables per fold.
    pub passes: usize,
    /// Use the reduced grid (two or three values per tunable) instead of the full one.
    pub reduced: bool,
    /// Bootstrap replicates for the 95% intervals (0: no intervals).
    pub bootstrap: usize,
    /// Seed of the bootstrap draws.
    pub seed: u64,
    /// Tunables left at their shipped value (e.g. `["n_roots", "overlap_r"]` for the
    /// matcher as it was before issue 16).
    pub frozen: &'static [&'static str],
}

impl LodoOptions {
    /// The protocol of `sidik abis eval --lodo`: full grids, two passes, 1,000 replicates.
    pub const FULL: LodoOptions = LodoOptions {
        passes: 2,
        reduced: false,
        bootstrap: 1000,
        seed: 16,
        frozen: &[],
    };
    /// The fixed, cheaper protocol of the regression test: reduced grids, one pass.
    pub const REDUCED: LodoOptions = LodoOptions {
        passes: 1,
        reduced: true,
        bootstrap: 200,
        seed: 16,
        frozen: &[],
    };
    /// The tunables added by issue 16 (frozen: the earlier matcher's search space).
    pub const ISSUE16_KNOBS: &'static [&'static str] = &["n_roots", "overlap_r", "w_extra"];
}

/// One tunable: its name, grids and setter.
struct Knob {
    name: &'static str,
    full: &'static [f32],
    reduced: &'static [f32],
    set: fn(&mut Params, f32),
    get: fn(&Params) -> f32,
}

const KNOBS: &[Knob] = &[
    Knob {
        name: "dist_base",
        full: &[3.0, 4.0, 5.0, 6.0, 8.0],
        reduced: &[4.0, 6.0],
        set: |p, v| p.dist_base = v,
        get: |p| p.dist_base,
    },
    Knob {
        name: "dist_rel",
        full: &[0.08, 0.10, 0.12, 0.15, 0.18],
        reduced: &[0.10, 0.15],
        set: |p, v| p.dist_rel = v,
        get: |p| p.dist_rel,
    },
    Knob {
        name: "angle_tol",
        full: &[6.0, 8.0, 10.0, 12.0],
        reduced: &[6.0, 10.0],
        set: |p, v| p.angle_tol = v as i32,
        get: |p| p.angle_tol as f32,
    },
    Knob {
        name: "g_angle",
        full: &[20.0, 28.0, 36.0],
        reduced: &[20.0, 36.0],
        set: |p, v| p.g_angle = v as i32,
        get: |p| p.g_angle as f32,
    },
    Knob {
        name: "g_base",
        full: &[16.0, 22.0, 28.0],
        reduced: &[16.0, 28.0],
        set: |p, v| p.g_base = v,
        get: |p| p.g_base,
    },
    Knob {
        name: "g_rel",
        full: &[0.15, 0.22, 0.30],
        reduced: &[0.15, 0.30],
        set: |p, v| p.g_rel = v,
        get: |p| p.g_rel,
    },
    Knob {
        name: "w_support",
        full: &[0.25, 0.5, 0.75, 1.0],
        reduced: &[0.25, 1.0],
        set: |p, v| p.w_support = v,
        get: |p| p.w_support,
    },
    Knob {
        name: "w_kind",
        full: &[0.0, 0.3, 0.6],
        reduced: &[0.0, 0.6],
        set: |p, v| p.w_kind = v,
        get: |p| p.w_kind,
    },
    Knob {
        name: "n_roots",
        full: &[8.0, 16.0, 24.0],
        reduced: &[8.0, 16.0],
        set: |p, v| p.n_roots = v as usize,
        get: |p| p.n_roots as f32,
    },
    Knob {
        name: "w_extra",
        full: &[0.0, 0.5, 1.0],
        reduced: &[0.0, 0.5],
        set: |p, v| p.w_extra = v,
        get: |p| p.w_extra,
    },
    Knob {
        name: "overlap_r",
        full: &[0.0, 25.0, 40.0],
        reduced: &[0.0, 30.0],
        set: |p, v| p.overlap_r = v,
        get: |p| p.overlap_r,
    },
    Knob {
        name: "w_frac",
        full: &[10.0, 20.0, 30.0, 40.0],
        reduced: &[10.0, 30.0],
        set: |p, v| p.w_frac = v,
        get: |p| p.w_frac,
    },
];

/// One comparison of a score set: sample indices, finger indices within its set, and
/// whether it is an FVC-protocol impostor (impression 1 of two fingers).
#[derive(Clone, Copy, Debug)]
struct Pair {
    a: u32,
    b: u32,
    fa: u16,
    fb: u16,
    fvc_imp: bool,
}

/// The comparisons of one database: every within-database pair (genuine: same finger).
struct PairSet {
    name: String,
    fingers: usize,
    pairs: Vec<Pair>,
}

/// Which cross-finger pairs are impostors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Impostors {
    /// Every cross-finger pair (FVC2002: 2,880 per database).
    All,
    /// Only the first impression of each finger against the others' (FVC protocol).
    FirstImpression,
}

fn pair_sets(samples: &[Sample], impostors: Impostors) -> Vec<PairSet> {
    let mut by_db: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, s) in samples.iter().enumerate() {
        by_db.entry(s.db.as_str()).or_default().push(i);
    }
    let first = |s: &Sample, db: &[usize]| {
        db.iter()
            .filter(|&&k| samples[k].finger == s.finger)
            .map(|&k| samples[k].impression)
            .min()
            == Some(s.impression)
    };
    by_db
        .into_iter()
        .map(|(name, idx)| {
            let mut fingers: Vec<u32> = idx.iter().map(|&i| samples[i].finger).collect();
            fingers.sort_unstable();
            fingers.dedup();
            let fi = |f: u32| fingers.binary_search(&f).unwrap_or(0) as u16;
            let firsts: Vec<bool> = idx.iter().map(|&i| first(&samples[i], &idx)).collect();
            let mut pairs = Vec::new();
            for x in 0..idx.len() {
                for y in x + 1..idx.len() {
                    let (a, b) = (&samples[idx[x]], &samples[idx[y]]);
                    let fvc_imp = a.finger != b.finger && firsts[x] && firsts[y];
                    if a.finger != b.finger && impostors == Impostors::FirstImpression && !fvc_imp {
                        continue;
                    }
                    pairs.push(Pair {
                        a: idx[x] as u32,
                        b: idx[y] as u32,
                        fa: fi(a.finger),
                        fb: fi(b.finger),
                        fvc_imp,
                    });
                }
            }
            PairSet {
                name: name.to_string(),
                fingers: fingers.len(),
                pairs,
            }
        })
        .collect()
}

fn raw_scores(samples: &[Sample], set: &PairSet, prm: &Params) -> Vec<f32> {
    set.pairs
        .par_iter()
        .map(|p| {
            let (a, b) = (&samples[p.a as usize], &samples[p.b as usize]);
            match_details_with(&a.prepared, &b.prepared, prm).raw
        })
        .collect()
}

fn split(set: &PairSet, scores: &[f32], fvc_only: bool) -> (Vec<f32>, Vec<f32>) {
    let (mut g, mut i) = (Vec::new(), Vec::new());
    for (p, &s) in set.pairs.iter().zip(scores) {
        if p.fa == p.fb {
            g.push(s);
        } else if !fvc_only || p.fvc_imp {
            i.push(s);
        }
    }
    (g, i)
}

fn objective(r: &Rates) -> f64 {
    r.eer + 0.1 * r.fmr1000
}

/// A fitted model: tolerances, weights and calibration.
#[derive(Clone, Debug)]
pub struct Fold {
    pub held_out: String,
    pub params: Params,
    pub calibration: Calibration,
    /// Pooled EER (all cross-finger impostors) of the tuning databases with the fit.
    pub tuning_eer: f64,
    /// Parameter sets evaluated while fitting.
    pub evaluations: usize,
}

fn fit(
    samples: &[Sample],
    tuning: &[&PairSet],
    opts: &LodoOptions,
) -> (Params, Calibration, f64, usize) {
    let eval = |prm: &Params| -> (Rates, Vec<f32>) {
        let (mut g, mut i) = (Vec::new(), Vec::new());
        for set in tuning {
            let s = raw_scores(samples, set, prm);
            let (sg, si) = split(set, &s, false);
            g.extend(sg);
            i.extend(si);
        }
        (rates(&g, &i), i)
    };
    let mut best = PARAMS;
    let (r, _) = eval(&best);
    let mut best_obj = objective(&r);
    let mut evaluations = 1;
    for _ in 0..opts.passes {
        for k in KNOBS.iter().filter(|k| !opts.frozen.contains(&k.name)) {
            let grid = if opts.reduced { k.reduced } else { k.full };
            for &v in grid {
                if ((k.get)(&best) - v).abs() < 1e-6 {
                    continue;
                }
                let mut p = best;
                (k.set)(&mut p, v);
                let (r, _) = eval(&p);
                evaluations += 1;
                let o = objective(&r);
                if o < best_obj - 1e-9 {
                    best = p;
                    best_obj = o;
                }
            }
        }
    }
    let (r, imp) = eval(&best);
    (best, Calibration::fit(&imp), r.eer, evaluations)
}

/// Rates with 95% bootstrap intervals.
#[derive(Clone, Copy, Debug, Default)]
pub struct Summary {
    /// Every cross-finger pair as an impostor.
    pub all: Rates,
    /// FVC protocol EER (impression-1 impostors only).
    pub fvc_eer: f64,
    pub ci_eer: (f64, f64),
    pub ci_fmr1000: (f64, f64),
    pub ci_fmr10000: (f64, f64),
}

/// Per-set scores grouped by finger for resampling.
struct Grouped {
    fingers: usize,
    genuine: Vec<Vec<f32>>,
    /// `impostor[fa * fingers + fb]`, fa < fb.
    impostor: Vec<Vec<f32>>,
}

fn group(set: &PairSet, scores: &[f32]) -> Grouped {
    let f = set.fingers;
    let mut g = Grouped {
        fingers: f,
        genuine: vec![Vec::new(); f],
        impostor: vec![Vec::new(); f * f],
    };
    for (p, &s) in set.pairs.iter().zip(scores) {
        let (a, b) = (p.fa.min(p.fb) as usize, p.fa.max(p.fb) as usize);
        if a == b {
            g.genuine[a].push(s);
        } else {
            g.impostor[a * f + b].push(s);
        }
    }
    g
}

fn percentile(v: &mut [f64], q: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    v[((v.len() - 1) as f64 * q).round() as usize]
}

/// Rates of the union of `sets` (with their scores), with intervals from resampling the
/// fingers of each set independently.
fn summarize(sets: &[(&PairSet, &[f32])], bootstrap: usize, seed: u64) -> Summary {
    let (mut g, mut i, mut fi) = (Vec::new(), Vec::new(), Vec::new());
    for (set, s) in sets {
        let (a, b) = split(set, s, false);
        g.extend(a);
        i.extend(b);
        fi.extend(split(set, s, true).1);
    }
    let mut out = Summary {
        all: rates(&g, &i),
        fvc_eer: rates(&g, &fi).eer,
        ..Default::default()
    };
    if bootstrap == 0 {
        return out;
    }
    let grouped: Vec<Grouped> = sets.iter().map(|(set, s)| group(set, s)).collect();
    let reps: Vec<Rates> = (0..bootstrap)
        .into_par_iter()
        .map(|r| {
            let mut rng = Rng::keyed(&[seed, r as u64, 0xB007]);
            let (mut g, mut i) = (Vec::new(), Vec::new());
            for gr in &grouped {
                let f = gr.fingers;
                let draw: Vec<usize> = (0..f)
                    .map(|_| (rng.next_u64() % f as u64) as usize)
                    .collect();
                for (x, &a) in draw.iter().enumerate() {
                    g.extend_from_slice(&gr.genuine[a]);
                    for &b in &draw[x + 1..] {
                        if a != b {
                            i.extend_from_slice(&gr.impostor[a.min(b) * f + a.max(b)]);
                        }
                    }
                }
            }
            rates(&g, &i)
        })
        .collect();
    let ci = |f: fn(&Rates) -> f64| {
        let mut v: Vec<f64> = reps.iter().map(f).collect();
        (percentile(&mut v, 0.025), percentile(&mut v, 0.975))
    };
    out.ci_eer = ci(|r| r.eer);
    out.ci_fmr1000 = ci(|r| r.fmr1000);
    out.ci_fmr10000 = ci(|r| r.fmr10000);
    out
}

/// One row of a report: a database (or "pooled"), Sidik and the reference matcher.
#[derive(Clone, Debug)]
pub struct Row {
    pub db: String,
    pub sidik: Summary,
    pub reference: Option<Summary>,
}

/// The LODO report printed by `sidik abis eval --lodo`.
#[derive(Clone, Debug)]
pub struct LodoReport {
    pub folds: Vec<Fold>,
    pub rows: Vec<Row>,
    /// Pooled held-out (FMR, FNMR) at [`crate::DEFAULT_THRESHOLD`], all impostors.
    pub at_default: (f64, f64),
    pub reference_name: Option<String>,
    pub bootstrap: usize,
    pub protocol: &'static str,
}

impl LodoReport {
    /// The pooled row.
    pub fn pooled(&self) -> &Row {
        self.rows
            .iter()
            .find(|r| r.db == "pooled")
            .unwrap_or(&self.rows[self.rows.len() - 1])
    }
}

fn reference_scores(samples: &[Sample], set: &PairSet, r: Reference<'_>) -> Vec<f32> {
    set.pairs
        .par_iter()
        .map(|p| r(&samples[p.a as usize], &samples[p.b as usize]))
        .collect()
}

/// Fits the model of the fold that holds `held_out` out: only the other databases of
/// `samples` are compared while fitting.
pub fn fit_fold(samples: &[Sample], held_out: &str, opts: &LodoOptions) -> Fold {
    let sets = pair_sets(samples, Impostors::All);
    let tuning: Vec<&PairSet> = sets.iter().filter(|s| s.name != held_out).collect();
    let (params, calibration, tuning_eer, evaluations) = fit(samples, &tuning, opts);
    Fold {
        held_out: held_out.to_string(),
        params,
        calibration,
        tuning_eer,
        evaluations,
    }
}

/// Leave-one-database-out over the databases of `samples` (at least two).
pub fn lodo(
    samples: &[Sample],
    opts: &LodoOptions,
    reference: Option<(&str, Reference<'_>)>,
) -> LodoReport {
    let sets = pair_sets(samples, Impostors::All);
    let mut folds = Vec::new();
    let mut held: Vec<Vec<f32>> = Vec::new();
    for set in &sets {
        let fold = fit_fold(samples, &set.name, opts);
        let raw = raw_scores(samples, set, &fold.params);
        held.push(raw.iter().map(|&r| fold.calibration.apply(r)).collect());
        folds.push(fold);
    }
    let refs: Option<Vec<Vec<f32>>> = reference.map(|(_, r)| {
        sets.iter()
            .map(|s| reference_scores(samples, s, r))
            .collect()
    });
    let rows = report_rows(&sets, &held, refs.as_deref(), opts);
    let t = crate::DEFAULT_THRESHOLD;
    let (mut fa, mut ni, mut fr, mut ng) = (0usize, 0usize, 0usize, 0usize);
    for (set, s) in sets.iter().zip(&held) {
        let (g, i) = split(set, s, false);
        fa += i.iter().filter(|&&x| x >= t).count();
        ni += i.len();
        fr += g.iter().filter(|&&x| x < t).count();
        ng += g.len();
    }
    LodoReport {
        folds,
        rows,
        at_default: (fa as f64 / ni.max(1) as f64, fr as f64 / ng.max(1) as f64),
        reference_name: reference.map(|(n, _)| n.to_string()),
        bootstrap: opts.bootstrap,
        protocol: if opts.reduced { "reduced" } else { "full" },
    }
}

fn report_rows(
    sets: &[PairSet],
    sidik: &[Vec<f32>],
    reference: Option<&[Vec<f32>]>,
    opts: &LodoOptions,
) -> Vec<Row> {
    let mut rows = Vec::new();
    for (k, set) in sets.iter().enumerate() {
        rows.push(Row {
            db: set.name.clone(),
            sidik: summarize(&[(set, &sidik[k][..])], opts.bootstrap, opts.seed),
            reference: reference.map(|r| summarize(&[(set, &r[k][..])], opts.bootstrap, opts.seed)),
        });
    }
    let all: Vec<(&PairSet, &[f32])> = sets.iter().zip(sidik).map(|(s, v)| (s, &v[..])).collect();
    rows.push(Row {
        db: "pooled".into(),
        sidik: summarize(&all, opts.bootstrap, opts.seed),
        reference: reference.map(|r| {
            let all: Vec<(&PairSet, &[f32])> =
                sets.iter().zip(r).map(|(s, v)| (s, &v[..])).collect();
            summarize(&all, opts.bootstrap, opts.seed)
        }),
    });
    rows
}

/// Evaluates fixed scoring (the shipped matcher, no fitting) on every set of `samples`
/// (e.g. the synthetic regimes), with the reference matcher on the same pairs.
pub fn evaluate_fixed(
    samples: &[Sample],
    impostors: Impostors,
    opts: &LodoOptions,
    reference: Option<Reference<'_>>,
) -> Vec<Row> {
    let sets = pair_sets(samples, impostors);
    let calib = crate::matcher::shipped_calibration();
    let sidik: Vec<Vec<f32>> = sets
        .iter()
        .map(|s| {
            raw_scores(samples, s, &PARAMS)
                .into_iter()
                .map(|r| calib.apply(r))
                .collect()
        })
        .collect();
    let refs: Option<Vec<Vec<f32>>> = reference.map(|r| {
        sets.iter()
            .map(|s| reference_scores(samples, s, r))
            .collect()
    });
    let mut rows = report_rows(&sets, &sidik, refs.as_deref(), opts);
    if sets.len() < 2 {
        rows.pop();
    }
    rows
}

fn pct(x: f64) -> String {
    format!("{:.2}%", x * 100.0)
}

fn with_ci(x: f64, ci: (f64, f64), b: usize) -> String {
    if b == 0 {
        return pct(x);
    }
    format!("{} [{:.1}–{:.1}]", pct(x), ci.0 * 100.0, ci.1 * 100.0)
}

/// Writes the rows as a table (Sidik, then the reference, then the EER ratio).
pub fn write_rows(
    f: &mut std::fmt::Formatter<'_>,
    rows: &[Row],
    reference: Option<&str>,
    b: usize,
) -> std::fmt::Result {
    writeln!(
        f,
        "{:<10} {:>5} {:>6}  {:<22} {:<22} {:<22} {:>8}",
        "set", "gen", "imp", "EER [95%]", "FMR1000 [95%]", "FMR10000 [95%]", "FVC-EER"
    )?;
    for r in rows {
        let s = &r.sidik;
        writeln!(
            f,
            "{:<10} {:>5} {:>6}  {:<22} {:<22} {:<22} {:>8}",
            r.db,
            s.all.genuine,
            s.all.impostor,
            with_ci(s.all.eer, s.ci_eer, b),
            with_ci(s.all.fmr1000, s.ci_fmr1000, b),
            with_ci(s.all.fmr10000, s.ci_fmr10000, b),
            pct(s.fvc_eer)
        )?;
        if let (Some(x), Some(name)) = (&r.reference, reference) {
            let ratio = if x.all.eer > 0.0 {
                format!("{:.2}", s.all.eer / x.all.eer)
            } else {
                "n/a".into()
            };
            writeln!(
                f,
                "{:<10} {:>5} {:>6}  {:<22} {:<22} {:<22} {:>8}   Sidik/{name} EER ratio {ratio}",
                format!("  {name}"),
                "",
                "",
                with_ci(x.all.eer, x.ci_eer, b),
                with_ci(x.all.fmr1000, x.ci_fmr1000, b),
                with_ci(x.all.fmr10000, x.ci_fmr10000, b),
                pct(x.fvc_eer)
            )?;
        }
    }
    Ok(())
}

impl std::fmt::Display for LodoReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "Leave-one-database-out ({} protocol): each database scored by a model fitted on the others only",
        self.protocol)?;
        for fold in &self.folds {
            let p = &fold.params;
            writeln!(
                f,
                "fold {:<6} tuning EER {:5.2}% ({} fits): dist {}+{}·len, angle {}, global {}° {}+{}·d, w_support {}, w_kind {}, w_frac {}, roots {}, overlap r {}, w_extra {}; {} calibration knots, last {:.1} → FMR 1e-{:.1}",
                fold.held_out,
                fold.tuning_eer * 100.0,
                fold.evaluations,
                p.dist_base,
                p.dist_rel,
                p.angle_tol,
                p.g_angle,
                p.g_base,
                p.g_rel,
                p.w_support,
                p.w_kind,
                p.w_frac,
                p.n_roots,
                p.overlap_r,
                p.w_extra,
                fold.calibration.knots.len(),
                fold.calibration.knots.last().map(|k| k.0).unwrap_or(0.0),
                fold.calibration.knots.last().map(|k| k.1).unwrap_or(0.0),
            )?;
        }
        writeln!(f)?;
        writeln!(
            f,
            "Held-out results: all cross-finger pairs as impostors; 95% bootstrap intervals over fingers (B = {}); FVC-EER: impression-1 impostors",
            self.bootstrap
        )?;
        write_rows(
            f,
            &self.rows,
            self.reference_name.as_deref(),
            self.bootstrap,
        )?;
        writeln!(
            f,
            "\nAt DEFAULT_THRESHOLD {:.0} (nominal FMR {:.0e}), pooled held-out scores, all impostors: FMR {:.3}%, FNMR {:.2}%",
            crate::DEFAULT_THRESHOLD,
            crate::score_to_fmr(crate::DEFAULT_THRESHOLD),
            self.at_default.0 * 100.0,
            self.at_default.1 * 100.0
        )
    }
}

/// Rows as a printable table (see [`write_rows`]).
pub struct Table<'a> {
    pub rows: &'a [Row],
    pub reference: Option<&'a str>,
    pub bootstrap: usize,
}

impl std::fmt::Display for Table<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write_rows(f, self.rows, self.reference, self.bootstrap)
    }
}
