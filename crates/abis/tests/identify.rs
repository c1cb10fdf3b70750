//! 1:N identification: indexed search agrees with the exhaustive oracle; synthetic data
//! is deterministic; insert/delete are incremental.
use abis::synth::Generator;
use abis::{FingerView, Gallery};

#[test]
fn indexed_agrees_with_exhaustive() {
    let gen = Generator::new(11);
    let a = agreement(5000, &|i, k| gen.impression(i, 0, k));
    // Issue 3 acceptance: same top candidate for >= 99% of mated probes, counted at the
    // decision threshold (a probe whose best exhaustive score is below the threshold is a
    // "no hit" for both). Raw top-1 agreement also counts below-threshold noise (an
    // impostor at score 20 outranking a weak mate) and must stay >= 95%.
    assert!(a.decision * 100 >= a.probes * 99, "{a:?}");
    assert!(a.top1 * 100 >= a.probes * 95, "{a:?}");
}

/// Issue 16: the same agreement on a hard regime (the never-tuned hold-out regime:
/// plastic distortion, ±40° rotations, partial windows, a poor extractor).
#[test]
fn indexed_agrees_with_exhaustive_on_a_hard_regime() {
    let gen = Generator::new(12);
    let r = abis::synth::Regime::HOLDOUT;
    let a = agreement(5000, &|i, k| gen.finger(i, 0).impression_in(&r, k));
    // Decision level as above. Raw top-1 agreement is not asserted here: on this regime
    // most probes' best exhaustive candidate is below the threshold (noise whose order
    // the index need not keep); instead, when the exhaustive search ranks the mate first,
    // the index must too.
    assert!(a.decision * 100 >= a.probes * 99, "{a:?}");
    // Measured (issue 16, with the matcher before its step 3): the index keeps 44 of the
    // 47 mates the exhaustive search ranks first (94%); the guard sits just below.
    assert!(a.mate_both * 100 >= a.mate_exhaustive * 90, "{a:?}");
}

#[derive(Debug)]
struct Agreement {
    probes: usize,
    top1: usize,
    decision: usize,
    mate_exhaustive: usize,
    mate_both: usize,
}

fn agreement(n: usize, impression: &(dyn Fn(u64, u32) -> FingerView + Sync)) -> Agreement {
    let batch: Vec<(String, Vec<(u8, FingerView)>)> = (0..n)
        .map(|i| (format!("p{i}"), vec![(0u8, impression(i as u64, 0))]))
        .collect();
    let mut g = Gallery::new();
    g.insert_batch(&batch);
    // Default pipeline: at this size stage 1 keeps every voted finger for the Hough check
    // (max(8 x 1024, 10%)), which passes 1024 (20%) to the full matcher. At 1M fingers the
    // same defaults keep 10% and pass 0.1%: rank-1 there is measured by `sidik abis bench`.
    g.set_shortlist(1024);
    let probes = 100;
    let thr = abis::DEFAULT_THRESHOLD;
    let mut agree = 0;
    let mut agree_decision = 0;
    let mut hits = 0;
    let (mut mate_exhaustive, mut mate_both) = (0, 0);
    for k in 0..probes {
        let id = (k * 7919) % n;
        let probe = vec![(0u8, impression(id as u64, 1))];
        let a = g.identify(&probe, 3);
        let b = g.identify_exhaustive(&probe, 3);
        // Decision level: the top candidate at or above the 1:1 threshold (or none).
        let top = |c: &[abis::Candidate]| {
            c.first()
                .filter(|c| c.fused_score >= thr)
                .map(|c| c.person.clone())
        };
        if top(&a) == top(&b) {
            agree_decision += 1;
        }
        if a.first().map(|c| &c.person) == b.first().map(|c| &c.person) {
            agree += 1;
        } else {
            println!(
                "p{id}: indexed {:?} exhaustive {:?} shortlist rank {:?}",
                a.first(),
                b.first(),
                g.stage_ranks(0, &probe[0].1, &format!("p{id}"))
            );
        }
        let mate =
            |c: &[abis::Candidate]| c.first().map(|c| c.person == format!("p{id}")) == Some(true);
        hits += mate(&a) as usize;
        if mate(&b) {
            mate_exhaustive += 1;
            mate_both += mate(&a) as usize;
        }
    }
    println!("top-1 agree {agree}/{probes}, decision agree {agree_decision}/{probes}, rank-1 {hits}/{probes}");
    Agreement {
        probes,
        top1: agree,
        decision: agree_decision,
        mate_exhaustive,
        mate_both,
    }
}

#[test]
fn multi_finger_fusion_and_incremental_updates() {
    let gen = Generator::new(5);
    let mut g = Gallery::new();
    for i in 0..50u64 {
        let p = gen.person(i);
        let fingers: Vec<(u8, FingerView)> = p
            .enrollment(0)
            .into_iter()
            .filter(|(pos, _)| *pos == 2 || *pos == 7)
            .collect();
        g.insert(&format!("nik{i}"), &fingers);
    }
    assert_eq!(g.len(), 50);
    assert_eq!(g.finger_count(), 100);
    let probe: Vec<(u8, FingerView)> =
        vec![(2, gen.impression(17, 2, 1)), (7, gen.impression(17, 7, 1))];
    let c = g.identify(&probe, 5);
    assert_eq!(c[0].person, "nik17");
    assert_eq!(c[0].fingers.len(), 2);
    assert!(
        c[0].fused_score >= abis::DEFAULT_IDENTIFY_THRESHOLD,
        "{:?}",
        c[0]
    );
    assert!(c.windows(2).all(|w| w[0].fused_score >= w[1].fused_score));
    assert!(g.delete("nik17"));
    assert!(!g.delete("nik17"));
    assert_eq!(g.len(), 49);
    let c = g.identify(&probe, 5);
    assert!(c.iter().all(|c| c.person != "nik17"));
    if let Some(top) = c.first() {
        assert!(
            top.fused_score < abis::DEFAULT_IDENTIFY_THRESHOLD,
            "{top:?}"
        );
    }
    // Re-insert replaces.
    g.insert("nik17", &[(2, gen.impression(17, 2, 0))]);
    g.insert("nik17", &[(2, gen.impression(17, 2, 0))]);
    assert_eq!(g.len(), 50);
    assert_eq!(g.identify(&probe, 1)[0].person, "nik17");
}

#[test]
fn synth_is_deterministic_and_plausible() {
    let a = Generator::new(3).impression_iso(9, 4, 2);
    let b = Generator::new(3).impression_iso(9, 4, 2);
    assert_eq!(a, b);
    assert_ne!(a, Generator::new(4).impression_iso(9, 4, 2));
    let t = abis::iso19794::parse(&a).unwrap();
    assert_eq!(t.views[0].position, 4);
    let mut total = 0;
    let mut bif = 0;
    for i in 0..100 {
        let v = Generator::new(3).impression(i, 1, 0);
        total += v.minutiae.len();
        bif += v
            .minutiae
            .iter()
            .filter(|m| m.kind == abis::MinutiaKind::Bifurcation)
            .count();
    }
    let mean = total as f64 / 100.0;
    assert!((20.0..70.0).contains(&mean), "mean minutiae {mean}");
    let frac = bif as f64 / total as f64;
    assert!((0.25..0.55).contains(&frac), "bifurcation fraction {frac}");
    let p = Generator::new(3).person(1);
    assert_eq!(p.enrollment(0).len(), 10);
    let rec = abis::iso19794::parse(&p.enrollment_iso(0)).unwrap();
    assert_eq!(rec.views.len(), 10);
}

#[test]
fn fusion_is_calibrated() {
    assert_eq!(abis::fuse_scores(&[]), 0.0);
    assert!((abis::fuse_scores(&[40.0]) - 40.0).abs() < 1e-3);
    // Two fingers at 40 each are much stronger than one, weaker than 80.
    let f = abis::fuse_scores(&[40.0, 40.0]);
    assert!(f > 60.0 && f < 80.0, "{f}");
    // Zeros on extra fingers cost a little.
    assert!(abis::fuse_scores(&[40.0, 0.0]) < 40.0);
}

fn _send_sync<T: Send + Sync>() {}
#[test]
fn gallery_is_send_sync() {
    _send_sync::<Gallery>();
}

/// The dedup profile (four probe fingers, narrow index query with the neighbour-direction
/// sub-key, person-level selection) finds every mated person above the identification
/// threshold, no non-mated one, and never a deleted person.
#[test]
fn fast_profile_dedup_finds_mates_and_honours_deletes() {
    let gen = Generator::new(23);
    let persons = 400u64;
    let batch: Vec<(String, Vec<(u8, FingerView)>)> = (0..persons)
        .map(|i| {
            (
                format!("nik{i}"),
                (1..=10u8)
                    .map(|pos| (pos, gen.impression(i, pos, 0)))
                    .collect(),
            )
        })
        .collect();
    let mut g = Gallery::new();
    g.set_profile(abis::SearchProfile::FAST);
    g.set_shortlist(16);
    g.insert_batch(&batch);
    let thr = abis::DEFAULT_IDENTIFY_THRESHOLD;
    let probe = |id: u64| -> Vec<(u8, FingerView)> {
        [1u8, 2, 6, 7]
            .into_iter()
            .map(|pos| (pos, gen.impression(id, pos, 1)))
            .collect()
    };
    let mut missed = Vec::new();
    for id in (0..persons).step_by(5) {
        let c = g.identify(&probe(id), 5);
        if c.first().map(|c| (c.person.clone(), c.fused_score >= thr))
            != Some((format!("nik{id}"), true))
        {
            missed.push((id, c.first().cloned()));
        }
    }
    assert!(missed.is_empty(), "mated probes missed: {missed:?}");
    // Persons never enrolled: nobody above the threshold.
    for id in 10_000..10_040u64 {
        let c = g.identify(&probe(id), 5);
        assert!(
            c.first().is_none_or(|c| c.fused_score < thr),
            "false hit for non-mated {id}: {:?}",
            c.first()
        );
    }
    // Deleted persons are never candidates, and their slots no longer vote.
    for id in 0..20u64 {
        assert!(g.delete(&format!("nik{id}")));
    }
    for id in 0..20u64 {
        let c = g.identify(&probe(id), 5);
        assert!(
            c.iter().all(|c| c.person != format!("nik{id}")),
            "deleted nik{id} returned"
        );
    }
    assert_eq!(g.identify(&probe(20), 1)[0].person, "nik20");
}
