//! RMSNorm, forward and backward (ggml `ggml_rms_norm` followed by
//! `ggml_mul` with the norm weight, as llama/qwen2 graphs build it).
//!
//! Shapes: x, y, dy, dx are (T, E) row-major; w, dw are (E); rstd is (T).
//!
//! Forward per row: `r = 1 / sqrtf(mean(x²) + eps)` with the sum of squares
//! accumulated in f64 like ggml (`ggml_float sum`), then `y = (x·r)·w` in
//! that rounding order. The backward needs only `x`, `w` and the saved `r`:
//!
//! `dx_j = r·w_j·dy_j − (r³/E)·x_j·Σ_i dy_i·w_i·x_i`,  `dw_j += Σ_t dy_j·x_j·r`.

/// y[T,E] = x / sqrt(mean(x²) + eps) ⊙ w; writes the per-row `rstd` (T) the
/// backward needs.
pub fn rmsnorm_forward(
    x: &[f32],
    w: &[f32],
    y: &mut [f32],
    rstd: &mut [f32],
    n_embd: usize,
    eps: f32,
) {
    let t = rstd.len();
    assert_eq!(x.len(), t * n_embd, "x is (T, E)");
    assert_eq!(y.len(), t * n_embd, "y is (T, E)");
    assert_eq!(w.len(), n_embd, "w is (E)");
    for ((xr, yr), r) in x
        .chunks_exact(n_embd)
        .zip(y.chunks_exact_mut(n_embd))
        .zip(rstd.iter_mut())
    {
        // ops.cpp: `sum += (ggml_float)(x*x)`, the square rounded to f32 first.
        let sum: f64 = xr.iter().map(|&v| (v * v) as f64).sum();
        let mean = (sum / n_embd as f64) as f32;
        let scale = 1.0 / (mean + eps).sqrt();
        *r = scale;
        for ((yv, &xv), &wv) in yr.iter_mut().zip(xr).zip(w) {
            *yv = (xv * scale) * wv;
        }
    }
}

/// Backward of [`rmsnorm_forward`]: dx (T,E) is overwritten, or added to
/// when `accumulate` (the residual stream); `dw` (E), when given, is always
/// accumulated into (leave it `None` for frozen norms).
#[allow(clippy::too_many_arguments)]
pub fn rmsnorm_backward(
    dy: &[f32],
    x: &[f32],
    w: &[f32],
    rstd: &[f32],
    dx: &mut [f32],
    mut dw: Option<&mut [f32]>,
    n_embd: usize,
    accumulate: bool,
) {
    let t = rstd.len();
    assert_eq!(dy.len(), t * n_embd, "dy is (T, E)");
    assert_eq!(x.len(), t * n_embd, "x is (T, E)");
    assert_eq!(dx.len(), t * n_embd, "dx is (T, E)");
    assert_eq!(w.len(), n_embd, "w is (E)");
    if let Some(dw) = dw.as_deref() {
        assert_eq!(dw.len(), n_embd, "dw is (E)");
    }
    let rows = dy
        .chunks_exact(n_embd)
        .zip(x.chunks_exact(n_embd))
        .zip(dx.chunks_exact_mut(n_embd));
    for (((dyr, xr), dxr), &r) in rows.zip(rstd) {
        let dot: f64 = dyr
            .iter()
            .zip(w)
            .zip(xr)
            .map(|((&g, &wv), &xv)| (g * wv) as f64 * xv as f64)
            .sum();
        let c = (r as f64 * r as f64 * r as f64 * dot / n_embd as f64) as f32;
        for (((d, &g), &wv), &xv) in dxr.iter_mut().zip(dyr).zip(w).zip(xr) {
            let v = r * wv * g - c * xv;
            *d = if accumulate { *d + v } else { v };
        }
        if let Some(dw) = dw.as_deref_mut() {
            for ((d, &g), &xv) in dw.iter_mut().zip(dyr).zip(xr) {
                *d += g * xv * r;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fd::{assert_grad_close, numerical_grad, probe_loss, random_vec};
    use crate::rng::Rng;

    fn forward(x: &[f32], w: &[f32], e: usize) -> (Vec<f32>, Vec<f32>) {
        let t = x.len() / e;
        let (mut y, mut r) = (vec![0.0; t * e], vec![0.0; t]);
        rmsnorm_forward(x, w, &mut y, &mut r, e, 1e-5);
        (y, r)
    }

    #[test]
    fn forward_matches_f64_formula() {
        let mut rng = Rng::new(1);
        let (t, e) = (3, 37);
        let x = random_vec(&mut rng, t * e, 2.0);
        let w = random_vec(&mut rng, e, 1.5);
        let (y, _) = forward(&x, &w, e);
        for i in 0..t {
            let row = &x[i * e..(i + 1) * e];
            let ms: f64 = row.iter().map(|&v| (v as f64).powi(2)).sum::<f64>() / e as f64;
            let r = 1.0 / (ms + 1e-5).sqrt();
            for j in 0..e {
                let want = row[j] as f64 * r * w[j] as f64;
                assert!((y[i * e + j] as f64 - want).abs() < 1e-5 * (1.0 + want.abs()));
            }
        }
    }

    #[test]
    fn backward_matches_finite_differences() {
        let mut rng = Rng::new(2);
        let (t, e) = (3, 16);
        let mut x = random_vec(&mut rng, t * e, 1.0);
        let mut w = random_vec(&mut rng, e, 1.0);
        let probe = random_vec(&mut rng, t * e, 1.0);
        let (_, r) = forward(&x, &w, e);
        let mut dx = vec![0.0; t * e];
        let mut dw = vec![0.0; e];
        rmsnorm_backward(&probe, &x, &w, &r, &mut dx, Some(&mut dw), e, false);
        let wc = w.clone();
        let gx = numerical_grad(&mut x, 1e-2, |x| probe_loss(&forward(x, &wc, e).0, &probe));
        assert_grad_close("rmsnorm dx", &dx, &gx, 1e-3);
        let xc = x.clone();
        let gw = numerical_grad(&mut w, 1e-2, |w| probe_loss(&forward(&xc, w, e).0, &probe));
        assert_grad_close("rmsnorm dw", &dw, &gw, 1e-3);

        // accumulate adds to what is there, for dx and dw alike.
        let mut dx2 = vec![1.0; t * e];
        let mut dw2 = vec![1.0; e];
        rmsnorm_backward(&probe, &x, &w, &r, &mut dx2, Some(&mut dw2), e, true);
        assert!(dx2.iter().zip(&dx).all(|(a, b)| (a - 1.0 - b).abs() < 1e-6));
        assert!(dw2.iter().zip(&dw).all(|(a, b)| (a - 1.0 - b).abs() < 1e-6));
    }
}
