//! Scoring a spreading: consolidation of the minutiae left over, the overlap counts, the
//! raw score and its calibration to ≈ 10·log10(1/FMR).

use super::*;
use crate::calib::TAIL_SLOPE;

/// Pairs the minutiae left unpaired by a spreading (`pair_p`, `pair_c`, `paired`; mutual
/// nearest neighbours under the least-squares rigid fit of the pairs found) and returns
/// how many it added.
pub(super) fn consolidate(
    p: &Prepared,
    c: &Prepared,
    pair_p: &[u8],
    pair_c: &[u8],
    paired: &[(u8, u8)],
    prm: &Params,
) -> u32 {
    let k = paired.len();
    if k < 3 {
        return 0;
    }
    // Least-squares rotation and translation from probe to candidate (2-D Procrustes).
    let (mut px, mut py, mut cx, mut cy) = (0f32, 0f32, 0f32, 0f32);
    for &(a, b) in paired {
        let (q, r) = (p.pts[a as usize], c.pts[b as usize]);
        px += q.x;
        py += q.y;
        cx += r.x;
        cy += r.y;
    }
    let kf = k as f32;
    let (px, py, cx, cy) = (px / kf, py / kf, cx / kf, cy / kf);
    let (mut sxx, mut sxy) = (0f32, 0f32);
    for &(a, b) in paired {
        let (q, r) = (p.pts[a as usize], c.pts[b as usize]);
        let (ux, uy, vx, vy) = (q.x - px, q.y - py, r.x - cx, r.y - cy);
        sxx += ux * vx + uy * vy;
        sxy += ux * vy - uy * vx;
    }
    // v = R u with R = [[cos, -sin], [sin, cos]] in image coordinates.
    let th = sxy.atan2(sxx);
    let (sn, cs) = th.sin_cos();
    // The same rotation in minutia-angle units (counter-clockwise with y down = -th).
    let rot = ((-th) * (128.0 / std::f32::consts::PI)).round() as i32 as u8;
    let tol2 = prm.consolidate_tol * prm.consolidate_tol;
    // Nearest unpaired candidate of each unpaired probe minutia, and vice versa.
    let mut best_c: [(f32, u8); MAX_MINUTIAE] = [(f32::INFINITY, NONE); MAX_MINUTIAE];
    let mut best_p: [(f32, u8); MAX_MINUTIAE] = [(f32::INFINITY, NONE); MAX_MINUTIAE];
    // Unpaired candidate minutiae, 4 lanes per entry.
    let mut free = [0u32; MAX_MINUTIAE / 4];
    for (j, &pc) in pair_c.iter().enumerate() {
        if pc == NONE {
            free[j / 4] |= 1 << (j % 4);
        }
    }
    for (i, q) in p.pts.iter().enumerate() {
        if pair_p[i] != NONE {
            continue;
        }
        let (ux, uy) = (q.x - px, q.y - py);
        let tx = cx + ux * cs - uy * sn;
        let ty = cy + ux * sn + uy * cs;
        let qa = q.a.wrapping_add(rot);
        // Candidates within the distance, four lanes at a time; the rest in order of j.
        for (qd, (x4, y4)) in c.xs.chunks_exact(4).zip(c.ys.chunks_exact(4)).enumerate() {
            let (x4, y4) = (x4.try_into().unwrap(), y4.try_into().unwrap());
            let mut bits = lanes::near_mask4(x4, y4, tx, ty, tol2) & free[qd];
            while bits != 0 {
                let j = qd * 4 + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                let r = c.pts[j];
                let (ex, ey) = (r.x - tx, r.y - ty);
                let d2 = ex * ex + ey * ey;
                if d2 > tol2 || adiff(qa, r.a) > prm.g_angle {
                    continue;
                }
                if d2 < best_c[i].0 {
                    best_c[i] = (d2, j as u8);
                }
                if d2 < best_p[j].0 {
                    best_p[j] = (d2, i as u8);
                }
            }
        }
    }
    let mut extra = 0;
    for (i, &(_, j)) in best_c.iter().enumerate().take(p.pts.len()) {
        if j != NONE && best_p[j as usize].1 as usize == i {
            extra += 1;
        }
    }
    extra
}

/// Smallest minutia count taken as the shared area by the overlap normalisation.
const MIN_OVERLAP: u32 = 12;

/// Minutiae of each template with a minutia of the other within `r` pixels, after
/// aligning the probe on the candidate by the root pair `(rp, rc)`.
pub(super) fn overlap_counts(
    p: &Prepared,
    c: &Prepared,
    rp: usize,
    rc: usize,
    r: f32,
) -> (u32, u32) {
    let p0 = p.pts[rp];
    let c0 = c.pts[rc];
    let rot = c0.a.wrapping_sub(p0.a);
    let (sn, cs) = (rot as f32 * (std::f32::consts::PI / 128.0)).sin_cos();
    let r2 = r * r;
    let mut hit_c = [0u64; MAX_MINUTIAE.div_ceil(64)];
    let mut np = 0u32;
    for q in &p.pts {
        let dx = q.x - p0.x;
        let dy = q.y - p0.y;
        let tx = c0.x + dx * cs + dy * sn;
        let ty = c0.y - dx * sn + dy * cs;
        let mut hit = false;
        for (j, t) in c.pts.iter().enumerate() {
            let (ex, ey) = (t.x - tx, t.y - ty);
            if ex * ex + ey * ey <= r2 {
                hit = true;
                hit_c[j / 64] |= 1 << (j % 64);
            }
        }
        np += hit as u32;
    }
    (np, hit_c.iter().map(|w| w.count_ones()).sum())
}

/// Raw score from alignment features.
pub(super) fn raw_score(d: &MatchDetails, prm: &Params) -> f32 {
    if d.pairs < 3 {
        return 0.0;
    }
    let extra = d.extra as f32;
    let pairs = d.pairs as f32;
    let covered = pairs + extra;
    // Coverage of the shared area (the whole templates without overlap normalisation);
    // at least MIN_OVERLAP minutiae count as the area, so a sliver is not "fully covered".
    let np = d.overlap_probe.max(MIN_OVERLAP).min(d.n_probe.max(1)) as f32;
    let nc = d.overlap_cand.max(MIN_OVERLAP).min(d.n_cand.max(1)) as f32;
    let frac = ((covered / np) * (covered / nc)).min(1.0);
    let support = (d.support as f32).min(pairs * 4.0);
    pairs
        + prm.w_extra * extra
        + prm.w_support * support
        + prm.w_kind * d.same_kind as f32
        + prm.w_frac * frac.sqrt()
        - prm.offset
}

/// Calibration table: (raw score, -log10 FMR) knots. `Calibration::fit` on the 11,520
/// cross-finger impostor comparisons of FVC2002 DB_B with the shipped [`PARAMS`]
/// (empirical quantiles down to FMR 5e-4, at least 3 impostors above each knot); above the
/// last knot the tail is extrapolated with the conservative [`TAIL_SLOPE`] of 0.12 decade
/// per raw unit (the measured slope between FMR 1e-2 and 1e-3 is ~0.2).
const CALIB: &[(f32, f32)] = &[
    (0.0, 0.0),
    (7.79, 0.301),
    (9.82, 0.523),
    (11.11, 0.699),
    (13.17, 1.0),
    (15.04, 1.301),
    (17.42, 1.699),
    (19.17, 2.0),
    (20.85, 2.301),
    (23.13, 2.699),
    (24.88, 3.0),
    (28.24, 3.301),
];

/// Maps a raw score to ≈ 10·log10(1/FMR) (piecewise linear, extrapolated above the last
/// knot with [`TAIL_SLOPE`]).
pub fn calibrate(raw: f32) -> f32 {
    crate::calib::interpolate(CALIB, TAIL_SLOPE, raw)
}

/// The shipped calibration as a [`crate::calib::Calibration`].
pub fn shipped_calibration() -> crate::calib::Calibration {
    crate::calib::Calibration::from_table(CALIB, TAIL_SLOPE)
}

/// The false-match rate a calibrated score threshold stands for: `10^(-score/10)`.
pub fn score_to_fmr(score: f32) -> f64 {
    10f64.powf(-(score as f64) / 10.0)
}
