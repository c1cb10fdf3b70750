use super::angle_u8;

#[test]
fn lane_masks_match_scalar_fallback() {
    use super::{lanes, Prepared, PARAMS};
    let g = crate::synth::Generator::new(7);
    let ps: Vec<Prepared> = (0..12u64)
        .map(|i| Prepared::new(&g.impression(i / 2, 1, (i % 2) as u32)))
        .collect();
    for t in [-1, 0, 1, 6, 8, 12, 64, 127, 128, 300] {
        let prm = super::Params {
            angle_tol: t,
            ..PARAMS
        };
        for (a, b) in ps.iter().zip(ps.iter().rev()) {
            for ip in 0..a.len() {
                for ic in 0..b.len() {
                    let np = (a.start[ip + 1] - a.start[ip]) as usize;
                    let (pb, cb) = (&a.blocks[ip], &b.blocks[ic]);
                    assert_eq!(
                        lanes::edge_masks(pb, np, cb, &prm),
                        lanes::edge_masks_scalar(pb, np, cb, &prm),
                        "angle_tol {t}"
                    );
                }
            }
        }
    }
    for (a, b) in ps.iter().zip(ps.iter().skip(1)) {
        for q in &b.pts {
            for tol2 in [0.0f32, 25.0, 196.0, 1e4] {
                for (x4, y4) in a.xs.chunks_exact(4).zip(a.ys.chunks_exact(4)) {
                    let (x4, y4) = (x4.try_into().unwrap(), y4.try_into().unwrap());
                    assert_eq!(
                        lanes::near_mask4(x4, y4, q.x, q.y, tol2),
                        lanes::near_mask4_scalar(x4, y4, q.x, q.y, tol2)
                    );
                }
            }
        }
    }
    let v: Vec<u16> = (0..203u32).map(|k| ((k * 7919) % 5) as u16).collect();
    for min in 0..6u16 {
        let mut got = Vec::new();
        lanes::for_each_at_least(&v, min, |k| got.push(k));
        let want: Vec<usize> = (0..v.len()).filter(|&k| v[k] >= min).collect();
        assert_eq!(got, want, "min {min}");
    }
}

#[test]
fn fast_atan2_matches_std() {
    for k in 0..3600 {
        let a = k as f32 * std::f32::consts::PI / 1800.0;
        for r in [1.0f32, 7.5, 180.0] {
            let (dx, dy) = (r * a.cos(), -r * a.sin());
            let want = ((-dy).atan2(dx) * 128.0 / std::f32::consts::PI).round() as i32 & 255;
            let got = angle_u8(dx, dy) as i32;
            let d = ((got - want + 128).rem_euclid(256)) - 128;
            assert!(d.abs() <= 1, "angle {a}: {got} vs {want}");
        }
    }
}
