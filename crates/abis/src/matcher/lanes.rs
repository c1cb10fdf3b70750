//! Lane-parallel tolerance masks: SSE2 on x86_64 (part of its baseline, so no runtime
//! detection is needed), the same masks computed lane by lane elsewhere.

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::*;

/// Bit `k` (k < 4) is set when `(x[k] - tx)² + (y[k] - ty)² <= tol2`.
#[inline]
pub(super) fn near_mask4(x: &[f32; 4], y: &[f32; 4], tx: f32, ty: f32, tol2: f32) -> u32 {
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: SSE2 is in the x86_64 baseline; each unaligned 4-lane load reads
        // exactly one of the two 4-element arrays.
        unsafe {
            let ex = _mm_sub_ps(_mm_loadu_ps(x.as_ptr()), _mm_set1_ps(tx));
            let ey = _mm_sub_ps(_mm_loadu_ps(y.as_ptr()), _mm_set1_ps(ty));
            let d2 = _mm_add_ps(_mm_mul_ps(ex, ex), _mm_mul_ps(ey, ey));
            _mm_movemask_ps(_mm_cmple_ps(d2, _mm_set1_ps(tol2))) as u32
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    near_mask4_scalar(x, y, tx, ty, tol2)
}

/// [`near_mask4`] lane by lane (the fallback; tested against the SSE2 path).
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
pub(super) fn near_mask4_scalar(x: &[f32; 4], y: &[f32; 4], tx: f32, ty: f32, tol2: f32) -> u32 {
    let mut bits = 0;
    for k in 0..4 {
        let (ex, ey) = (x[k] - tx, y[k] - ty);
        if ex * ex + ey * ey <= tol2 {
            bits |= 1 << k;
        }
    }
    bits
}

/// For each of the first `np` edges `k` of `pb`, the lanes `l` of `cb` whose edge is
/// compatible: `|len_k - len_l| <= dist_tol(len_k)`, and both edge-relative angles
/// within `angle_tol`.
#[inline]
pub(super) fn edge_masks(
    pb: &super::EdgeBlock,
    np: usize,
    cb: &super::EdgeBlock,
    prm: &super::Params,
) -> [u16; 12] {
    #[cfg(target_arch = "x86_64")]
    if (0..=127).contains(&prm.angle_tol) {
        let t = prm.angle_tol;
        let mut out = [0u16; 12];
        // SAFETY: SSE2 is in the x86_64 baseline; the unaligned loads read
        // cb.len[0..4], [4..8], [8..12] and the 16-byte arrays cb.ra and cb.na, all
        // inside the block.
        unsafe {
            let sign = _mm_set1_ps(-0.0);
            let l0 = _mm_loadu_ps(cb.len.as_ptr());
            let l1 = _mm_loadu_ps(cb.len.as_ptr().add(4));
            let l2 = _mm_loadu_ps(cb.len.as_ptr().add(8));
            let cra = _mm_loadu_si128(cb.ra.as_ptr().cast());
            let cna = _mm_loadu_si128(cb.na.as_ptr().cast());
            let v2t = _mm_set1_epi8((2 * t) as u8 as i8);
            for (k, o) in out.iter_mut().enumerate().take(np) {
                let len = pb.len[k];
                let tol = prm.dist_tol(len);
                let (va, vt) = (_mm_set1_ps(len), _mm_set1_ps(tol));
                let d0 = _mm_andnot_ps(sign, _mm_sub_ps(va, l0));
                let d1 = _mm_andnot_ps(sign, _mm_sub_ps(va, l1));
                let d2 = _mm_andnot_ps(sign, _mm_sub_ps(va, l2));
                let lm = _mm_movemask_ps(_mm_cmple_ps(d0, vt))
                    | (_mm_movemask_ps(_mm_cmple_ps(d1, vt)) << 4)
                    | (_mm_movemask_ps(_mm_cmple_ps(d2, vt)) << 8);
                if lm == 0 {
                    continue;
                }
                // (c - p + t) mod 256 <= 2t  <=>  adiff(p, c) <= t (0 <= t <= 127);
                // the byte t - p is broadcast through a 32-bit lane.
                let ba = (t as u8).wrapping_sub(pb.ra[k]) as u32 * 0x0101_0101;
                let bn = (t as u8).wrapping_sub(pb.na[k]) as u32 * 0x0101_0101;
                let da = _mm_add_epi8(cra, _mm_set1_epi32(ba as i32));
                let dn = _mm_add_epi8(cna, _mm_set1_epi32(bn as i32));
                let ok = _mm_and_si128(
                    _mm_cmpeq_epi8(_mm_min_epu8(da, v2t), da),
                    _mm_cmpeq_epi8(_mm_min_epu8(dn, v2t), dn),
                );
                *o = (lm & _mm_movemask_epi8(ok)) as u16;
            }
        }
        return out;
    }
    edge_masks_scalar(pb, np, cb, prm)
}

/// [`edge_masks`] lane by lane (the fallback; tested against the SSE2 path).
pub(super) fn edge_masks_scalar(
    pb: &super::EdgeBlock,
    np: usize,
    cb: &super::EdgeBlock,
    prm: &super::Params,
) -> [u16; 12] {
    let t = prm.angle_tol;
    let mut out = [0u16; 12];
    for (k, o) in out.iter_mut().enumerate().take(np) {
        let len = pb.len[k];
        let tol = prm.dist_tol(len);
        for l in 0..12 {
            if (len - cb.len[l]).abs() <= tol
                && super::adiff(pb.ra[k], cb.ra[l]) <= t
                && super::adiff(pb.na[k], cb.na[l]) <= t
            {
                *o |= 1 << l;
            }
        }
    }
    out
}

/// Calls `f(k)` for every `k` with `v[k] >= min`, in increasing order.
#[inline]
pub(super) fn for_each_at_least(v: &[u16], min: u16, mut f: impl FnMut(usize)) {
    let full = v.len() / 8 * 8;
    #[cfg(target_arch = "x86_64")]
    {
        for c in (0..full).step_by(8) {
            // SAFETY: SSE2 is in the x86_64 baseline; the unaligned load reads
            // v[c..c + 8], inside `v` because c + 8 <= full <= v.len().
            let mut bits = unsafe {
                let x = _mm_loadu_si128(v.as_ptr().add(c).cast());
                // min - x saturates to 0 exactly when x >= min.
                let ge = _mm_cmpeq_epi16(
                    _mm_subs_epu16(_mm_set1_epi16(min as i16), x),
                    _mm_setzero_si128(),
                );
                (_mm_movemask_epi8(_mm_packs_epi16(ge, ge)) & 0xff) as u32
            };
            while bits != 0 {
                f(c + bits.trailing_zeros() as usize);
                bits &= bits - 1;
            }
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    for (k, &x) in v[..full].iter().enumerate() {
        if x >= min {
            f(k);
        }
    }
    for (k, &x) in v.iter().enumerate().skip(full) {
        if x >= min {
            f(k);
        }
    }
}
