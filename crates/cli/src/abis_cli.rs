//! `sidik abis ...` subcommands: match, eval, bench.

use abis::gallery::Gallery;
use abis::matcher::{match_prepared, score_to_fmr, Prepared, DEFAULT_THRESHOLD};
use abis::synth::{Generator, Rng};
use abis::template::{parse_any, FingerView};
use abis::DEFAULT_IDENTIFY_THRESHOLD;
use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The ABIS subcommands (wired as `sidik abis <command>`).
#[derive(clap::Subcommand, Debug, Clone)]
pub enum AbisCommand {
    /// Compare two finger minutiae templates (ISO 19794-2 or ANSI 378) and print the
    /// calibrated score and the decision.
    Match {
        /// First template file.
        a: PathBuf,
        /// Second template file.
        b: PathBuf,
        /// Decision threshold (calibrated score ≈ 10·log10(1/FMR)).
        #[arg(long, default_value_t = DEFAULT_THRESHOLD)]
        threshold: f32,
    },
    /// Evaluate accuracy on FVC-named templates (DBn_X/FFF_I.iso): EER, FMR100, FMR1000,
    /// ZeroFMR per database and pooled, FVC protocol and all cross-finger impostors.
    Eval {
        /// Folder holding DB1_B/, DB2_B/, ... (e.g. data/fingerprints/fvc2002).
        dir: PathBuf,
        /// Leave-one-database-out: fit every tunable (tolerances, weights, calibration)
        /// on the other databases and report each database held out, with 95%
        /// bootstrap intervals over fingers. (The BOZORTH3 column of the same run:
        /// `cargo run -p sidik-abis --example bozorth3 -- lodo DIR`.)
        #[arg(long)]
        lodo: bool,
        /// With --lodo: the reduced fitting protocol of the regression test.
        #[arg(long, requires = "lodo")]
        reduced: bool,
        /// With --lodo: bootstrap replicates.
        #[arg(long, default_value_t = 1000)]
        bootstrap: usize,
    },
    /// Speed and 1:N benchmark on synthetic fingers: 1:1 and 1:N comparisons/s, 1:N
    /// latency p50/p99, rank-1 hit rate per gallery size, a multi-finger dedup run with
    /// FPIR/FNIR, and peak memory.
    Bench {
        /// Gallery sizes in fingers (comma separated).
        #[arg(long, value_delimiter = ',', default_values_t = vec![10_000usize, 100_000, 1_000_000])]
        sizes: Vec<usize>,
        /// Worker threads (default: all cores).
        #[arg(long)]
        threads: Option<usize>,
        /// Generator seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Mated probes per gallery size.
        #[arg(long, default_value_t = 200)]
        probes: usize,
        /// Fingers compared with the full matcher per probe finger (stage 2).
        #[arg(long, default_value_t = 1024)]
        shortlist: usize,
        /// Persons in the multi-finger dedup run (0 to skip).
        #[arg(long, default_value_t = 100_000)]
        dedup_persons: usize,
        /// Fingers per person in the dedup run (right index, left index, then others).
        #[arg(long, default_value_t = 2)]
        dedup_fingers: usize,
        /// Mated and non-mated probes in the dedup run (each).
        #[arg(long, default_value_t = 200)]
        dedup_probes: usize,
        /// Stage-1 tolerance on the neighbours' directions of the single-finger runs
        /// (1/256 turn; 128 or more: not used). Default: the default profile's.
        #[arg(long)]
        nbr_tol: Option<i32>,
        /// FVC-named template folder for the 1:1 many-to-many speed on real templates
        /// (every pair of its templates); skipped if the folder does not exist.
        #[arg(long, default_value = "data/fingerprints/fvc2002")]
        fvc: PathBuf,
        /// Synthetic capture regime of the 1:N and dedup runs (`abis::synth::Regime`:
        /// distortion, rotation, partial, noisy, holdout-2016); default: the base model.
        #[arg(long)]
        regime: Option<String>,
        /// Search the dedup run as the centre's pipeline does (`GalleryAbis`: the fast
        /// profile, a Hough shortlist of 16 per probe finger) instead of the thorough
        /// single-finger profile with --shortlist.
        #[arg(long)]
        dedup_pipeline: bool,
    },
}

/// Runs one subcommand, printing to stdout.
pub fn run(cmd: AbisCommand) -> Result<()> {
    match cmd {
        AbisCommand::Match { a, b, threshold } => cmd_match(&a, &b, threshold),
        AbisCommand::Eval {
            dir,
            lodo,
            reduced,
            bootstrap,
        } => {
            let t = Instant::now();
            if lodo {
                let samples = abis::eval::load_fvc(&dir)?;
                let mut opts = if reduced {
                    abis::lodo::LodoOptions::REDUCED
                } else {
                    abis::lodo::LodoOptions::FULL
                };
                opts.bootstrap = bootstrap;
                print!("{}", abis::lodo::lodo(&samples, &opts, None));
                println!("({:.1} s)", t.elapsed().as_secs_f64());
                return Ok(());
            }
            let report = abis::eval::evaluate(&dir)?;
            print!("{report}");
            println!("({:.1} s)", t.elapsed().as_secs_f64());
            Ok(())
        }
        AbisCommand::Bench {
            sizes,
            threads,
            seed,
            probes,
            shortlist,
            dedup_persons,
            dedup_fingers,
            dedup_probes,
            nbr_tol,
            fvc,
            regime,
            dedup_pipeline,
        } => {
            let regime = match regime.as_deref() {
                None => None,
                Some(name) => match abis::synth::Regime::by_name(name) {
                    Some(r) => Some(r),
                    None => bail!("unknown regime {name}"),
                },
            };
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads.unwrap_or(0))
                .build()?;
            pool.install(|| {
                bench(BenchOpts {
                    sizes,
                    seed,
                    probes,
                    shortlist,
                    dedup_persons,
                    dedup_fingers,
                    dedup_probes,
                    nbr_tol,
                    fvc,
                    regime,
                    dedup_pipeline,
                })
            })
        }
    }
}

fn read_view(path: &PathBuf) -> Result<FingerView> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let t = parse_any(&bytes).with_context(|| format!("parsing {}", path.display()))?;
    match t.views.into_iter().next() {
        Some(v) => Ok(v),
        None => bail!("{}: record has no finger view", path.display()),
    }
}

fn cmd_match(a: &PathBuf, b: &PathBuf, threshold: f32) -> Result<()> {
    let va = read_view(a)?;
    let vb = read_view(b)?;
    let d = abis::matcher::match_details(&Prepared::new(&va), &Prepared::new(&vb));
    println!(
        "score {:.1} (≈ FMR {:.1e}; {} paired minutiae of {} / {})",
        d.score,
        score_to_fmr(d.score),
        d.pairs,
        d.n_probe,
        d.n_cand
    );
    println!(
        "decision: {} (threshold {:.1} ≈ FMR {:.1e})",
        if d.score >= threshold {
            "MATCH"
        } else {
            "NO MATCH"
        },
        threshold,
        score_to_fmr(threshold)
    );
    Ok(())
}

struct BenchOpts {
    sizes: Vec<usize>,
    seed: u64,
    probes: usize,
    shortlist: usize,
    dedup_persons: usize,
    dedup_fingers: usize,
    dedup_probes: usize,
    nbr_tol: Option<i32>,
    fvc: PathBuf,
    regime: Option<abis::synth::Regime>,
    dedup_pipeline: bool,
}

/// The synthetic fingers of the 1:N and dedup runs: the base model or a regime.
struct Fingers {
    gen: Generator,
    regime: Option<abis::synth::Regime>,
}

impl Fingers {
    fn impression(&self, person: u64, position: u8, k: u32) -> FingerView {
        match &self.regime {
            None => self.gen.impression(person, position, k),
            Some(r) => self.gen.finger(person, position).impression_in(r, k),
        }
    }
}

fn bar(len: u64, msg: &str) -> ProgressBar {
    let pb = ProgressBar::new(len);
    pb.set_style(
        ProgressStyle::with_template(
            "{msg:>24} [{elapsed_precise}] {wide_bar} {pos}/{len} ({eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    pb.set_message(msg.to_string());
    pb
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i]
}

/// Peak resident memory of this process (Linux `VmHWM`), in bytes.
pub fn peak_memory_bytes() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

fn bench(o: BenchOpts) -> Result<()> {
    let threads = rayon::current_num_threads();
    let gen = Generator::new(o.seed);
    println!("sidik abis bench: seed {}, {} threads", o.seed, threads);

    // 1:1, prepared templates, many-to-many.
    let n = 400u64;
    let views: Vec<Prepared> = (0..n)
        .into_par_iter()
        .map(|i| Prepared::new(&gen.impression(1_000_000_000 + i / 2, 0, (i % 2) as u32)))
        .collect();
    let pairs: Vec<(usize, usize)> = (0..views.len())
        .flat_map(|i| (i + 1..views.len()).map(move |j| (i, j)))
        .collect();
    let t = Instant::now();
    let one = pairs
        .iter()
        .take(20_000)
        .map(|&(i, j)| match_prepared(&views[i], &views[j]))
        .sum::<f32>();
    let single = 20_000f64.min(pairs.len() as f64) / t.elapsed().as_secs_f64();
    let t = Instant::now();
    let all = pairs
        .par_iter()
        .map(|&(i, j)| match_prepared(&views[i], &views[j]))
        .sum::<f32>();
    let multi = pairs.len() as f64 / t.elapsed().as_secs_f64();
    std::hint::black_box((one, all));
    println!(
        "1:1 (prepared templates): {:.0} comparisons/s on 1 thread, {:.0} comparisons/s many-to-many on {} threads",
        single, multi, threads
    );

    if o.fvc.is_dir() {
        bench_fvc(&o.fvc, threads)?;
    }
    let fingers = Fingers {
        gen,
        regime: o.regime,
    };
    if let Some(r) = &o.regime {
        println!("1:N and dedup on regime {}", r.name);
    }
    for &size in &o.sizes {
        bench_size(&fingers, size, &o)?;
    }
    if o.dedup_persons > 0 {
        bench_dedup(&fingers, &o)?;
    }
    if let Some(b) = peak_memory_bytes() {
        println!(
            "peak memory (VmHWM): {:.0} MiB",
            b as f64 / (1024.0 * 1024.0)
        );
    }
    Ok(())
}

/// 1:1 many-to-many on real templates: every pair of the folder's templates, in
/// parallel, best of three runs.
fn bench_fvc(dir: &std::path::Path, threads: usize) -> Result<()> {
    let samples = abis::eval::load_fvc(dir)?;
    let pairs: Vec<(usize, usize)> = (0..samples.len())
        .flat_map(|i| (i + 1..samples.len()).map(move |j| (i, j)))
        .collect();
    let mut best = 0f64;
    for _ in 0..3 {
        let t = Instant::now();
        let s = pairs
            .par_iter()
            .map(|&(i, j)| match_prepared(&samples[i].prepared, &samples[j].prepared))
            .sum::<f32>();
        std::hint::black_box(s);
        best = best.max(pairs.len() as f64 / t.elapsed().as_secs_f64());
    }
    println!(
        "1:1 on FVC templates ({}): {:.0} comparisons/s many-to-many on {} threads ({} pairs, best of 3)",
        dir.display(),
        best,
        threads,
        pairs.len()
    );
    Ok(())
}

fn bench_size(gen: &Fingers, size: usize, o: &BenchOpts) -> Result<()> {
    let mut g = Gallery::new();
    let thorough = abis::SearchProfile::THOROUGH;
    g.set_profile(abis::SearchProfile {
        nbr_tol: o.nbr_tol.unwrap_or(thorough.nbr_tol),
        ..thorough
    });
    g.set_shortlist(o.shortlist);
    let pb = bar(size as u64, &format!("gallery {size}"));
    let t = Instant::now();
    let chunk = 20_000usize;
    let mut done = 0usize;
    while done < size {
        let end = (done + chunk).min(size);
        let batch: Vec<(String, Vec<(u8, FingerView)>)> = (done..end)
            .into_par_iter()
            .map(|i| (format!("p{i}"), vec![(0u8, gen.impression(i as u64, 0, 0))]))
            .collect();
        g.insert_batch(&batch);
        pb.inc((end - done) as u64);
        done = end;
    }
    pb.finish_and_clear();
    let build = t.elapsed();

    let mut rng = Rng::keyed(&[o.seed, size as u64, 77]);
    let ids: Vec<u64> = (0..o.probes)
        .map(|_| rng.next_u64() % size as u64)
        .collect();
    let pb = bar(ids.len() as u64, &format!("search {size}"));
    let mut lat = Vec::with_capacity(ids.len());
    let mut hits = 0usize;
    let mut misses = Vec::new();
    for &id in &ids {
        let probe = vec![(0u8, gen.impression(id, 0, 1))];
        let t = Instant::now();
        let c = g.identify(&probe, 10);
        lat.push(t.elapsed());
        if c.first()
            .map(|c| c.person == format!("p{id}"))
            .unwrap_or(false)
        {
            hits += 1;
        } else {
            misses.push((id, c.first().map(|c| c.fused_score).unwrap_or(0.0), probe));
        }
        pb.inc(1);
    }
    pb.finish_and_clear();
    lat.sort();
    let mean = lat.iter().sum::<Duration>().as_secs_f64() / lat.len().max(1) as f64;
    println!(
        "1:N gallery {:>9} fingers: built in {:.1} s ({:.0} MiB est.), latency p50 {:.1} ms p99 {:.1} ms, \
         {:.0} fingers searched/s (indexed), rank-1 {:.2}% ({}/{})",
        size,
        build.as_secs_f64(),
        g.memory_bytes() as f64 / (1024.0 * 1024.0),
        percentile(&lat, 0.5).as_secs_f64() * 1e3,
        percentile(&lat, 0.99).as_secs_f64() * 1e3,
        size as f64 / mean,
        100.0 * hits as f64 / ids.len().max(1) as f64,
        hits,
        ids.len()
    );
    // Why the misses missed: the mate's own 1:1 score against the best candidate's.
    let below = misses
        .iter()
        .filter(|(id, top, probe)| {
            abis::match_score(&probe[0].1, &gen.impression(*id, 0, 0)) < *top
        })
        .count();
    if !misses.is_empty() {
        println!(
            "    misses: {} of {}; in {} of them the mate's own 1:1 score is below the top candidate's (matcher-limited, not the index)",
            misses.len(),
            ids.len(),
            below
        );
    }
    // Exhaustive 1:N rate (full matcher against every finger), on a few probes.
    if size <= 100_000 {
        let q = 3.min(ids.len());
        let t = Instant::now();
        for &id in ids.iter().take(q) {
            let probe = vec![(0u8, gen.impression(id, 0, 1))];
            std::hint::black_box(g.identify_exhaustive(&probe, 10));
        }
        let per = t.elapsed().as_secs_f64() / q.max(1) as f64;
        println!(
            "    exhaustive 1:N (full matcher on every finger): {:.0} comparisons/s, {:.0} ms per search",
            size as f64 / per,
            per * 1e3
        );
    }
    Ok(())
}

const DEDUP_POSITIONS: [u8; 10] = [2, 7, 1, 6, 3, 8, 4, 9, 5, 10];

fn bench_dedup(gen: &Fingers, o: &BenchOpts) -> Result<()> {
    let f = o.dedup_fingers.clamp(1, 10);
    let positions = &DEDUP_POSITIONS[..f];
    let mut g = Gallery::new();
    g.set_shortlist(o.shortlist);
    if o.dedup_pipeline {
        // As `sidik_abis_gallery::GalleryAbis` (the centre's and the ABIS workers').
        g.set_shortlist(sidik_abis_gallery::DEDUP_SHORTLIST);
        g.set_stage1_divisor(0);
        g.set_profile(abis::SearchProfile::FAST);
    }
    let persons = o.dedup_persons;
    let pb = bar(persons as u64, &format!("dedup {persons}x{f}"));
    let mut done = 0usize;
    let base = 5_000_000_000u64;
    while done < persons {
        let end = (done + 10_000).min(persons);
        let batch: Vec<(String, Vec<(u8, FingerView)>)> = (done..end)
            .into_par_iter()
            .map(|i| {
                let fingers = positions
                    .iter()
                    .map(|&p| (p, gen.impression(base + i as u64, p, 0)))
                    .collect();
                (format!("d{i}"), fingers)
            })
            .collect();
        g.insert_batch(&batch);
        pb.inc((end - done) as u64);
        done = end;
    }
    pb.finish_and_clear();
    let mut rng = Rng::keyed(&[o.seed, 99]);
    let thr = DEFAULT_IDENTIFY_THRESHOLD;
    let (mut fn_, mut fp) = (0usize, 0usize);
    let mut lat = Vec::new();
    let pb = bar(2 * o.dedup_probes as u64, "dedup probes");
    for k in 0..o.dedup_probes {
        // Mated: an enrolled person, new impressions.
        let id = rng.next_u64() % persons as u64;
        let probe: Vec<(u8, FingerView)> = positions
            .iter()
            .map(|&p| (p, gen.impression(base + id, p, 1)))
            .collect();
        let t = Instant::now();
        let c = g.identify(&probe, 5);
        lat.push(t.elapsed());
        let ok = c
            .first()
            .map(|c| c.person == format!("d{id}") && c.fused_score >= thr)
            .unwrap_or(false);
        if !ok {
            fn_ += 1;
        }
        // Non-mated: a person never enrolled.
        let probe: Vec<(u8, FingerView)> = positions
            .iter()
            .map(|&p| (p, gen.impression(base + persons as u64 + k as u64, p, 1)))
            .collect();
        let c = g.identify(&probe, 5);
        if c.first().map(|c| c.fused_score >= thr).unwrap_or(false) {
            fp += 1;
        }
        pb.inc(2);
    }
    pb.finish_and_clear();
    lat.sort();
    let np = o.dedup_probes.max(1) as f64;
    println!(
        "dedup {} persons x {} fingers (threshold {:.0}): FNIR {:.2}% ({}/{}), FPIR {:.2}% ({}/{}), latency p50 {:.1} ms p99 {:.1} ms",
        persons,
        f,
        thr,
        100.0 * fn_ as f64 / np,
        fn_,
        o.dedup_probes,
        100.0 * fp as f64 / np,
        fp,
        o.dedup_probes,
        percentile(&lat, 0.5).as_secs_f64() * 1e3,
        percentile(&lat, 0.99).as_secs_f64() * 1e3
    );
    Ok(())
}
