//! Accuracy regression guard on the real FVC2002 DB_B templates (repo copy).
use std::path::PathBuf;

#[test]
fn fvc2002_pooled_eer_under_target() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/fingerprints/fvc2002");
    let report = abis::eval::evaluate(&dir).unwrap();
    println!("{report}");
    let (fvc, all) = report.pooled();
    assert_eq!(fvc.genuine, 1120);
    assert_eq!(fvc.impostor, 180);
    assert_eq!(all.impostor, 4 * (80 * 79 / 2 - 280));
    // Target of issue 3: pooled EER <= 5% under the FVC protocol.
    assert!(fvc.eer <= 0.05, "pooled EER {:.2}%", fvc.eer * 100.0);
    assert!(
        all.eer <= 0.05,
        "pooled EER (all impostors) {:.2}%",
        all.eer * 100.0
    );
}

#[test]
fn eer_definition() {
    // Perfect separation.
    let r = abis::eval::rates(&[10.0, 11.0], &[1.0, 2.0]);
    assert_eq!(r.eer, 0.0);
    assert_eq!(r.zero_fmr, 0.0);
    // Complete overlap.
    let r = abis::eval::rates(&[1.0, 1.0], &[1.0, 1.0]);
    assert!(r.eer >= 0.5 - 1e-9);
    // One of four impostors above one of four genuines.
    let r = abis::eval::rates(&[5.0, 6.0, 7.0, 2.5], &[1.0, 2.0, 3.0, 0.0]);
    assert!((r.eer - 0.25).abs() < 1e-9, "{}", r.eer);
}
