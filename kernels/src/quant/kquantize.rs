//! Quantizers for Q4_K, Q6_K and Q8_K, ports of ggml-quants.c
//! `quantize_row_q4_K_ref`, `quantize_row_q6_K_ref`, `quantize_row_q8_K_ref`
//! with their helpers `make_qkx2_quants` and `make_qx_quants`.
//!
//! ggml's C is compiled with GCC's default `-ffp-contract=fast` for an FMA
//! target, so every `a·b + c` it contains (including the `+ 12582912` inside
//! an inlined `nearest_int(a·b)`) is a fused multiply-add. We write those
//! fusions out explicitly so the oracle tests can compare bit for bit; which
//! operand of `a·b − c·d` GCC fuses was read off the object code.

use super::half::{read_f16, write_f16};
use super::kquants::{scale_min_k4, BlockQ4K, BlockQ6K, BlockQ8K};
use super::QuantizeBlock;

const MAGIC: f32 = 12582912.0; // 1.5·2^23: adding it rounds to an integer
const GROUP_MAX_EPS: f32 = 1e-15;

/// Round to nearest (ties to even) via the float-magic trick.
#[inline]
fn nearest_bits(val: f32) -> i32 {
    (val.to_bits() & 0x007f_ffff) as i32 - 0x0040_0000
}

/// `nearest_int(f)` for an `f` that is not a product.
#[inline]
fn nearest_int(f: f32) -> i32 {
    nearest_bits(f + MAGIC)
}

/// `nearest_int(a*b)`, fused as ggml's compiled code does.
#[inline]
fn nearest_int_mul(a: f32, b: f32) -> i32 {
    nearest_bits(a.mul_add(b, MAGIC))
}

/// Scale and (negated) min for `n` values quantized to 0..=nmax with
/// weights, searching `nstep+1` candidate scales (make_qkx2_quants).
#[allow(clippy::too_many_arguments)]
fn make_qkx2_quants(
    nmax: i32,
    x: &[f32],
    weights: &[f32],
    l_out: &mut [u8],
    rmin: f32,
    rdelta: f32,
    nstep: i32,
) -> (f32, f32) {
    let n = x.len();
    let (mut min, mut max) = (x[0], x[0]);
    let mut sum_w = weights[0];
    let mut sum_x = sum_w * x[0];
    for i in 1..n {
        min = if x[i] < min { x[i] } else { min };
        max = if x[i] > max { x[i] } else { max };
        sum_w += weights[i];
        sum_x = weights[i].mul_add(x[i], sum_x);
    }
    if min > 0.0 {
        min = 0.0;
    }
    if max == min {
        l_out.fill(0);
        return (0.0, -min);
    }
    let mut iscale = nmax as f32 / (max - min);
    let mut scale = 1.0 / iscale;
    let mut best_error = 0.0f32;
    for i in 0..n {
        let l = nearest_int_mul(iscale, x[i] - min).clamp(0, nmax);
        l_out[i] = l as u8;
        let diff = scale.mul_add(l as f32, min) - x[i];
        best_error = weights[i].mul_add(diff * diff, best_error);
    }
    let mut aux = [0u8; 32];
    for is in 0..=nstep {
        iscale = (rdelta.mul_add(is as f32, rmin) + nmax as f32) / (max - min);
        let (mut sum_l, mut sum_l2, mut sum_xl) = (0.0f32, 0.0f32, 0.0f32);
        for i in 0..n {
            let l = nearest_int_mul(iscale, x[i] - min).clamp(0, nmax);
            aux[i] = l as u8;
            let (w, lf) = (weights[i], l as f32);
            sum_l += w * lf; // not fused in ggml's build (checked with objdump)
            sum_l2 = (w * lf).mul_add(lf, sum_l2);
            sum_xl = (w * lf).mul_add(x[i], sum_xl);
        }
        let d = sum_w.mul_add(sum_l2, -(sum_l * sum_l));
        if d > 0.0 {
            let mut this_scale = (-sum_x).mul_add(sum_l, sum_w * sum_xl) / d;
            let mut this_min = sum_l2.mul_add(sum_x, -(sum_l * sum_xl)) / d;
            if this_min > 0.0 {
                this_min = 0.0;
                this_scale = sum_xl / sum_l2;
            }
            let mut cur_error = 0.0f32;
            for i in 0..n {
                let diff = this_scale.mul_add(aux[i] as f32, this_min) - x[i];
                cur_error = weights[i].mul_add(diff * diff, cur_error);
            }
            if cur_error < best_error {
                l_out[..n].copy_from_slice(&aux[..n]);
                best_error = cur_error;
                scale = this_scale;
                min = this_min;
            }
        }
    }
    (scale, -min)
}

/// Signed scale for `n` values quantized to −nmax..nmax−1 with weights x²
/// (make_qx_quants with rmse_type 1 and no importance matrix).
fn make_qx_quants(nmax: i32, x: &[f32], l_out: &mut [i8]) -> f32 {
    let (mut max, mut amax) = (0.0f32, 0.0f32);
    for &v in x {
        if v.abs() > amax {
            amax = v.abs();
            max = v;
        }
    }
    if amax < GROUP_MAX_EPS {
        l_out.fill(0);
        return 0.0;
    }
    let sums = |iscale: f32| {
        let (mut sumlx, mut suml2) = (0.0f32, 0.0f32);
        for &v in x {
            let l = nearest_int_mul(iscale, v).clamp(-nmax, nmax - 1) as f32;
            let w = v * v;
            sumlx = (w * v).mul_add(l, sumlx);
            suml2 = (w * l).mul_add(l, suml2);
        }
        (sumlx, suml2)
    };
    let fill = |iscale: f32, l_out: &mut [i8]| {
        for (o, &v) in l_out.iter_mut().zip(x) {
            *o = (nmax + nearest_int_mul(iscale, v).clamp(-nmax, nmax - 1)) as i8;
        }
    };
    let iscale = -(nmax as f32) / max;
    fill(iscale, l_out);
    let (sumlx, suml2) = sums(iscale);
    let mut scale = if suml2 != 0.0 { sumlx / suml2 } else { 0.0 };
    let mut best = scale * sumlx;
    for is in -9..=9 {
        if is == 0 {
            continue;
        }
        let iscale = -(0.1f32.mul_add(is as f32, nmax as f32)) / max;
        let (sumlx, suml2) = sums(iscale);
        if suml2 > 0.0 && sumlx * sumlx > best * suml2 {
            fill(iscale, l_out);
            scale = sumlx / suml2;
            best = scale * sumlx;
        }
    }
    scale
}

impl QuantizeBlock for BlockQ4K {
    fn quantize(x: &[f32]) -> Self {
        let mut l = [0u8; 256];
        let (mut scales, mut mins) = ([0f32; 8], [0f32; 8]);
        let (mut max_scale, mut max_min) = (0.0f32, 0.0f32);
        for j in 0..8 {
            let xs = &x[32 * j..32 * j + 32];
            // Not fused: GCC vectorizes the squares, then adds in order.
            let sum_x2 = xs.iter().fold(0.0f32, |s, &v| s + v * v);
            let av_x = (sum_x2 / 32.0).sqrt();
            let mut weights = [0f32; 32];
            for (w, &v) in weights.iter_mut().zip(xs) {
                *w = av_x + v.abs();
            }
            let (sc, mn) =
                make_qkx2_quants(15, xs, &weights, &mut l[32 * j..32 * j + 32], -1.0, 0.1, 20);
            (scales[j], mins[j]) = (sc, mn);
            max_scale = max_scale.max_keep(sc);
            max_min = max_min.max_keep(mn);
        }
        let inv_scale = if max_scale > 0.0 {
            63.0 / max_scale
        } else {
            0.0
        };
        let inv_min = if max_min > 0.0 { 63.0 / max_min } else { 0.0 };
        let mut b = BlockQ4K {
            d: write_f16(max_scale / 63.0),
            dmin: write_f16(max_min / 63.0),
            scales: [0; 12],
            qs: [0; 128],
        };
        for j in 0..8 {
            let ls = (nearest_int_mul(inv_scale, scales[j]) as u8).min(63);
            let lm = (nearest_int_mul(inv_min, mins[j]) as u8).min(63);
            if j < 4 {
                b.scales[j] = ls;
                b.scales[j + 4] = lm;
            } else {
                b.scales[j + 4] = (ls & 0xF) | ((lm & 0xF) << 4);
                b.scales[j - 4] |= (ls >> 4) << 6;
                b.scales[j] |= (lm >> 4) << 6;
            }
        }
        let (d_all, dmin_all) = (read_f16(b.d), read_f16(b.dmin));
        for j in 0..8 {
            let (sc, m) = scale_min_k4(j, &b.scales);
            let d = d_all * sc as f32;
            if d == 0.0 {
                continue;
            }
            let dm = dmin_all * m as f32;
            for ii in 0..32 {
                l[32 * j + ii] = nearest_int((x[32 * j + ii] + dm) / d).clamp(0, 15) as u8;
            }
        }
        for (j, q) in b.qs.chunks_exact_mut(32).enumerate() {
            for (i, q) in q.iter_mut().enumerate() {
                *q = l[64 * j + i] | (l[64 * j + i + 32] << 4);
            }
        }
        b
    }
}

impl QuantizeBlock for BlockQ6K {
    fn quantize(x: &[f32]) -> Self {
        let mut l = [0i8; 256];
        let mut scales = [0f32; 16];
        let (mut max_scale, mut max_abs_scale) = (0.0f32, 0.0f32);
        for ib in 0..16 {
            let scale =
                make_qx_quants(32, &x[16 * ib..16 * ib + 16], &mut l[16 * ib..16 * ib + 16]);
            scales[ib] = scale;
            if scale.abs() > max_abs_scale {
                max_abs_scale = scale.abs();
                max_scale = scale;
            }
        }
        let mut b = BlockQ6K {
            ql: [0; 128],
            qh: [0; 64],
            scales: [0; 16],
            d: [0; 2],
        };
        if max_abs_scale < GROUP_MAX_EPS {
            return b;
        }
        let iscale = -128.0 / max_scale;
        b.d = write_f16(1.0 / iscale);
        for (s, &sc) in b.scales.iter_mut().zip(&scales) {
            *s = nearest_int_mul(iscale, sc).min(127) as i8;
        }
        let d_all = read_f16(b.d);
        for j in 0..16 {
            let d = d_all * b.scales[j] as f32;
            if d == 0.0 {
                continue;
            }
            for ii in 0..16 {
                l[16 * j + ii] = (nearest_int(x[16 * j + ii] / d).clamp(-32, 31) + 32) as i8;
            }
        }
        for n in 0..2 {
            let (l, ql, qh) = (
                &l[128 * n..],
                &mut b.ql[64 * n..64 * n + 64],
                &mut b.qh[32 * n..32 * n + 32],
            );
            for i in 0..32 {
                let q = |k: usize| l[i + 32 * k] as u8;
                ql[i] = (q(0) & 0xF) | ((q(2) & 0xF) << 4);
                ql[i + 32] = (q(1) & 0xF) | ((q(3) & 0xF) << 4);
                qh[i] = (q(0) >> 4) | ((q(1) >> 4) << 2) | ((q(2) >> 4) << 4) | ((q(3) >> 4) << 6);
            }
        }
        b
    }
}

impl QuantizeBlock for BlockQ8K {
    fn quantize(x: &[f32]) -> Self {
        let mut b = BlockQ8K {
            d: [0; 4],
            qs: [0; 256],
            bsums: [0; 32],
        };
        let (mut max, mut amax) = (0.0f32, 0.0f32);
        for &v in x {
            if v.abs() > amax {
                amax = v.abs();
                max = v;
            }
        }
        if amax == 0.0 {
            return b;
        }
        let iscale = -127.0 / max;
        for (q, &v) in b.qs.iter_mut().zip(x) {
            *q = nearest_int_mul(iscale, v).min(127) as i8;
        }
        for (j, s) in b.bsums.chunks_exact_mut(2).enumerate() {
            let sum: i32 = b.qs[16 * j..16 * j + 16].iter().map(|&q| q as i32).sum();
            s.copy_from_slice(&(sum as i16).to_le_bytes());
        }
        b.d = (1.0 / iscale).to_le_bytes();
        b
    }
}

/// `if (v > m) m = v` (unlike `f32::max`, keeps `m` when `v` is NaN).
trait MaxKeep {
    fn max_keep(self, v: f32) -> f32;
}

impl MaxKeep for f32 {
    fn max_keep(self, v: f32) -> f32 {
        if v > self {
            v
        } else {
            self
        }
    }
}
