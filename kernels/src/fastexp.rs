//! A branch-free `expf` that the compiler vectorizes, and the softmax
//! building block on top of it (shared by attention, cross-entropy and
//! SwiGLU).
//!
//! libm `expf` is a scalar call (≈2 ns); the softmax over a 49k vocabulary,
//! the attention probabilities and the SwiGLU sigmoids call it ~80M times
//! per training step. This is the Cephes `expf` (range reduction by
//! `n = round(x·log2 e)` with ln 2 split in two, degree-6 polynomial,
//! scale by 2ⁿ through the exponent bits): ≤ 2 ulp on the normal range, like
//! ggml's own `ggml_v_expf` that llama.cpp uses for softmax and SiLU on
//! AVX2. Results below 2⁻¹²⁵ are flushed to zero.

const LOG2E: f32 = std::f32::consts::LOG2_E;
/// 1.5·2²³: adding it rounds to an integer kept in the low mantissa bits.
const ROUND_MAGIC: f32 = 12_582_912.0;
/// ln 2 = C1 + C2, with C1 exact in few bits (Cephes).
const C1: f32 = 0.693_359_4;
const C2: f32 = -2.121_944_4e-4;
/// Inputs above this overflow to +inf; below `MIN_X` the result is flushed to 0.
const MAX_X: f32 = 88.722_83;
const MIN_X: f32 = -86.5;

/// e^x to within 2 ulp; NaN in, NaN out; +inf above ≈88.72, 0 below −86.5.
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    let xc = x.clamp(MIN_X, MAX_X);
    let t = xc * LOG2E + ROUND_MAGIC;
    let n = t - ROUND_MAGIC;
    let ni = t.to_bits().wrapping_sub(ROUND_MAGIC.to_bits()) as i32; // n as an integer
    let r = xc - n * C1 - n * C2;
    let mut p = 1.987_569_1e-4f32;
    p = p * r + 1.398_199_9e-3;
    p = p * r + 8.333_452e-3;
    p = p * r + 4.166_579_6e-2;
    p = p * r + 1.666_666_5e-1;
    p = p * r + 0.5; // Cephes 5.0000001201e-1 rounds to 0.5 in f32
    let y = p * r * r + r + 1.0;
    // 2ⁿ as 2^(n−1)·2 so that n = 128 (x near MAX_X) still has an exponent field.
    let scale = f32::from_bits(((ni + 126) as u32) << 23);
    let y = y * scale * 2.0;
    if x > MAX_X {
        f32::INFINITY
    } else if x < MIN_X {
        0.0
    } else {
        y
    }
}

/// Replaces every `x` by `exp(x − shift)` and returns the sum of the new
/// values accumulated in f64 (ggml softmax: `ggml_float sum`).
pub fn exp_shifted_sum(xs: &mut [f32], shift: f32) -> f64 {
    xs.iter_mut().for_each(|x| *x = exp(*x - shift));
    // f32 partial sums over short runs (vectorizable), totalled in f64.
    xs.chunks(64).map(|c| c.iter().sum::<f32>() as f64).sum()
}

/// Largest element (−inf for an empty slice), in a vectorizable form.
pub fn max(xs: &[f32]) -> f32 {
    xs.iter().copied().fold(f32::NEG_INFINITY, f32::max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn within_two_ulp_of_f64_exp() {
        let mut worst = 0.0f64;
        let n = 2_000_000;
        for i in 0..=n {
            let x = MIN_X + (MAX_X - 0.01 - MIN_X) * i as f32 / n as f32;
            let want = (x as f64).exp();
            let got = exp(x) as f64;
            if want < f32::MIN_POSITIVE as f64 {
                continue;
            }
            // Relative error in units of f32 epsilon (1 ulp ≤ eps relative).
            worst = worst.max(((got - want) / want).abs() / f32::EPSILON as f64);
        }
        assert!(worst <= 2.0, "worst error {worst} ulp");
    }

    #[test]
    fn special_values() {
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(f32::NEG_INFINITY), 0.0);
        assert_eq!(exp(-100.0), 0.0);
        assert_eq!(exp(f32::INFINITY), f32::INFINITY);
        assert_eq!(exp(89.0), f32::INFINITY);
        assert!(exp(88.7).is_finite());
        assert!(exp(f32::NAN).is_nan());
        let mut xs = [1.0f32, 2.0, 3.0];
        let s = exp_shifted_sum(&mut xs, 3.0);
        let want = [(-2.0f64).exp(), (-1.0f64).exp(), 1.0];
        assert!((s - want.iter().sum::<f64>()).abs() < 1e-6);
        assert!(xs
            .iter()
            .zip(want)
            .all(|(a, b)| (*a as f64 - b).abs() < 1e-7));
        assert_eq!(max(&[1.0, 5.0, -2.0]), 5.0);
    }
}
