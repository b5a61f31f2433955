//! Finite-difference gradient checking, shared by the kernel tests and by
//! model-level checks in `runtime`.
//!
//! The pattern: pick a random probe `p` with the shape of an op's output,
//! define the scalar `L(x) = Σ p ⊙ f(x)` (summed in f64), and compare the
//! op's backward called with `dy = p` against central differences of `L`.
//! The kernels compute in f32, so the step is large-ish (≈1e-2) and the
//! comparison is norm-wise relative error, which is what f32 round-off
//! allows (≈1e-5…1e-4 for well-conditioned ops).

/// `Σ probe ⊙ out` in f64: the scalar whose gradient w.r.t. `out` is `probe`.
pub fn probe_loss(out: &[f32], probe: &[f32]) -> f64 {
    assert_eq!(
        out.len(),
        probe.len(),
        "output and probe have the same shape"
    );
    out.iter()
        .zip(probe)
        .map(|(&o, &p)| o as f64 * p as f64)
        .sum()
}

/// Central-difference gradient of `loss` w.r.t. every element of `x`.
///
/// `x` is perturbed in place and restored. The denominator is the actual
/// f32 difference `(x+h) - (x-h)`, not `2h`, so rounding of the perturbed
/// input does not bias the estimate.
pub fn numerical_grad(x: &mut [f32], h: f32, mut loss: impl FnMut(&[f32]) -> f64) -> Vec<f64> {
    let mut g = vec![0.0f64; x.len()];
    for i in 0..x.len() {
        let orig = x[i];
        let (xp, xm) = (orig + h, orig - h);
        x[i] = xp;
        let lp = loss(x);
        x[i] = xm;
        let lm = loss(x);
        x[i] = orig;
        g[i] = (lp - lm) / (xp as f64 - xm as f64);
    }
    g
}

/// ‖a − b‖₂ / max(‖b‖₂, 1e-12): norm-wise relative error of an analytic
/// gradient `a` against a reference `b`.
pub fn rel_error(a: &[f32], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len(), "compared gradients have the same shape");
    let (mut num, mut den) = (0.0f64, 0.0f64);
    for (&x, &y) in a.iter().zip(b) {
        num += (x as f64 - y) * (x as f64 - y);
        den += y * y;
    }
    num.sqrt() / den.sqrt().max(1e-12)
}

/// Panics with a readable message when `rel_error(analytic, reference)`
/// exceeds `tol`; returns the error otherwise.
pub fn assert_grad_close(name: &str, analytic: &[f32], reference: &[f64], tol: f64) -> f64 {
    let err = rel_error(analytic, reference);
    assert!(
        err < tol,
        "{name}: relative error {err:.3e} >= {tol:.1e}\n analytic {:?}\n reference {:?}",
        &analytic[..analytic.len().min(8)],
        &reference[..reference.len().min(8)]
    );
    err
}

/// Max absolute difference of two f32 slices (for forward comparisons).
pub fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len(), "compared tensors have the same shape");
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

/// Uniform values in [-scale, scale) from a seeded [`crate::rng::Rng`].
pub fn random_vec(rng: &mut crate::rng::Rng, n: usize, scale: f32) -> Vec<f32> {
    (0..n).map(|_| rng.uniform(-scale, scale)).collect()
}

/// Runs `f` on a fresh rayon pool of `threads` workers (thread-count
/// independence tests, timings).
pub fn with_threads<R: Send>(threads: usize, f: impl FnOnce() -> R + Send) -> R {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build();
    pool.expect("a rayon pool of a few threads can be built")
        .install(f)
}

/// Mean wall time of `f` in milliseconds over `reps` runs.
pub fn time_ms(reps: usize, mut f: impl FnMut()) -> f64 {
    let start = std::time::Instant::now();
    for _ in 0..reps {
        f();
    }
    start.elapsed().as_secs_f64() * 1e3 / reps.max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numerical_grad_of_a_known_function() {
        // L(x) = Σ x³ ⇒ dL/dx = 3x²; the check must also fail for a wrong one.
        let mut x = vec![0.5f32, -1.0, 2.0];
        let g = numerical_grad(&mut x, 1e-2, |x| {
            x.iter().map(|&v| (v as f64).powi(3)).sum()
        });
        let exact: Vec<f32> = x.iter().map(|v| 3.0 * v * v).collect();
        assert!(rel_error(&exact, &g) < 1e-4);
        let wrong: Vec<f32> = x.iter().map(|v| 3.0 * v).collect();
        assert!(rel_error(&wrong, &g) > 0.1);
        assert_eq!(x, vec![0.5, -1.0, 2.0], "input restored");
    }
}
