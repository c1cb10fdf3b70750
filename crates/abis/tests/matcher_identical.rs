//! The matcher's scores are bit-identical to those of the matcher before the issue-16
//! speed work (digests recorded from the unmodified matcher at commit 806c646): every
//! optimisation must leave every comparison's details unchanged.
#[path = "support/identity.rs"]
mod identity;

/// `(source, parameter set, FNV-1a 64 digest, comparisons)` from the unmodified matcher.
const EXPECTED: &[(&str, &str, u64, usize)] = &[
    ("fvc2002", "default", 0x8e032e743a187a4f, 25280),
    ("synth", "default", 0xa49c6c16d0e86317, 14280),
    ("fvc2002", "wide", 0x7e7f47cfa5a35b60, 25280),
    ("synth", "wide", 0x3d1b970e71dd943d, 14280),
    ("fvc2002", "narrow", 0x4879aaab7ea992ba, 25280),
    ("synth", "narrow", 0x6e9ec9c82d128418, 14280),
    ("fvc2002", "loose", 0xc1b417d596e89b8a, 25280),
    ("synth", "loose", 0xe4fca9f2db2c3a32, 14280),
];

#[test]
fn matcher_scores_bit_identical() {
    let got = identity::all_digests();
    for (src, name, d, n) in &got {
        println!("(\"{src}\", \"{name}\", 0x{d:016x}, {n}),");
    }
    assert_eq!(got.len(), EXPECTED.len(), "digest table size");
    for (g, e) in got.iter().zip(EXPECTED) {
        assert_eq!(g, e, "scores changed for {} / {}", e.0, e.1);
    }
}
