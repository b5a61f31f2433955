//! SwiGLU gate, forward and backward (ggml `ggml_swiglu_split`:
//! `silu(gate) ⊙ up` with `silu(x) = x / (1 + exp(−x))`, exp from
//! [`crate::fastexp`], ≤ 2 ulp, as ggml uses `ggml_v_silu` on AVX2).
//!
//! Shapes: gate, up, h and their gradients are all (T, F) row-major; the
//! ops are elementwise, so only the lengths matter. With σ = sigmoid(g):
//! `dgate = dh·up·σ·(1 + g·(1 − σ))`, `dup = dh·silu(g)`.
//! Large inputs are split over rayon workers in fixed chunks; results do not
//! depend on the thread count.

use crate::fastexp;
use rayon::prelude::*;

/// Elements per parallel work item.
const CHUNK: usize = 1 << 14;

fn silu(x: f32) -> f32 {
    x / (1.0 + fastexp::exp(-x))
}

/// h = silu(gate) ⊙ up.
pub fn swiglu_forward(gate: &[f32], up: &[f32], h: &mut [f32]) {
    assert_eq!(gate.len(), up.len(), "gate and up have the same shape");
    assert_eq!(gate.len(), h.len(), "h has the shape of gate");
    h.par_chunks_mut(CHUNK)
        .zip(gate.par_chunks(CHUNK))
        .zip(up.par_chunks(CHUNK))
        .for_each(|((h, g), u)| {
            for ((hv, &gv), &uv) in h.iter_mut().zip(g).zip(u) {
                *hv = silu(gv) * uv;
            }
        });
}

/// Backward of [`swiglu_forward`]: overwrites d_gate and d_up.
pub fn swiglu_backward(dh: &[f32], gate: &[f32], up: &[f32], d_gate: &mut [f32], d_up: &mut [f32]) {
    let n = dh.len();
    assert!(
        gate.len() == n && up.len() == n,
        "dh, gate, up have the same shape"
    );
    assert!(
        d_gate.len() == n && d_up.len() == n,
        "d_gate, d_up have the shape of dh"
    );
    let outs = d_gate.par_chunks_mut(CHUNK).zip(d_up.par_chunks_mut(CHUNK));
    let ins = dh
        .par_chunks(CHUNK)
        .zip(gate.par_chunks(CHUNK))
        .zip(up.par_chunks(CHUNK));
    outs.zip(ins).for_each(|((dg, du), ((dh, g), u))| {
        for ((((dgv, duv), &d), &gv), &uv) in dg.iter_mut().zip(du.iter_mut()).zip(dh).zip(g).zip(u)
        {
            let sig = 1.0 / (1.0 + fastexp::exp(-gv));
            *duv = d * gv * sig;
            *dgv = d * uv * sig * (1.0 + gv * (1.0 - sig));
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fd::{assert_grad_close, numerical_grad, probe_loss, random_vec};
    use crate::rng::Rng;

    fn forward(g: &[f32], u: &[f32]) -> Vec<f32> {
        let mut h = vec![0.0; g.len()];
        swiglu_forward(g, u, &mut h);
        h
    }

    #[test]
    fn forward_matches_formula() {
        let g = [-20.0f32, -1.0, 0.0, 0.5, 3.0, 30.0];
        let u = [1.0f32, 2.0, 3.0, -4.0, 0.5, 1.0];
        let h = forward(&g, &u);
        for i in 0..g.len() {
            let x = g[i] as f64;
            let want = x / (1.0 + (-x).exp()) * u[i] as f64;
            assert!(
                (h[i] as f64 - want).abs() < 1e-6 * (1.0 + want.abs()),
                "{i}: {} vs {want}",
                h[i]
            );
        }
    }

    #[test]
    fn backward_matches_finite_differences() {
        let mut rng = Rng::new(21);
        let n = 40;
        let mut g = random_vec(&mut rng, n, 4.0);
        let mut u = random_vec(&mut rng, n, 2.0);
        let probe = random_vec(&mut rng, n, 1.0);
        let (mut dg, mut du) = (vec![0.0; n], vec![0.0; n]);
        swiglu_backward(&probe, &g, &u, &mut dg, &mut du);
        let uc = u.clone();
        let ng = numerical_grad(&mut g, 1e-2, |g| probe_loss(&forward(g, &uc), &probe));
        let gc = g.clone();
        let nu = numerical_grad(&mut u, 1e-2, |u| probe_loss(&forward(&gc, u), &probe));
        assert_grad_close("swiglu d_gate", &dg, &ng, 1e-3);
        assert_grad_close("swiglu d_up", &du, &nu, 1e-3);
    }

    #[test]
    fn large_inputs_match_small_chunks() {
        // Crosses several parallel chunks; every element must equal the
        // single-element computation.
        let mut rng = Rng::new(22);
        let n = 3 * CHUNK + 17;
        let g = random_vec(&mut rng, n, 5.0);
        let u = random_vec(&mut rng, n, 1.0);
        let h = forward(&g, &u);
        for i in (0..n).step_by(997) {
            assert_eq!(h[i], forward(&g[i..i + 1], &u[i..i + 1])[0]);
        }
    }
}

#[cfg(test)]
mod timing {
    use super::*;
    use crate::fd::{time_ms, with_threads};

    /// SmolLM2-135M FFN (T=256, F=1536). `-- --ignored --nocapture`.
    #[test]
    #[ignore = "timing, not a check"]
    fn timing_smollm2_shapes() {
        let n = 256 * 1536;
        let g: Vec<f32> = (0..n).map(|i| ((i % 97) as f32 - 48.0) / 10.0).collect();
        let (mut h, mut dg, mut du) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
        for threads in [1, 2] {
            let fwd = with_threads(threads, || time_ms(20, || swiglu_forward(&g, &g, &mut h)));
            let bwd = with_threads(threads, || {
                time_ms(20, || swiglu_backward(&h, &g, &g, &mut dg, &mut du))
            });
            println!("swiglu n={n} threads={threads}: forward {fwd:.3} ms, backward {bwd:.3} ms");
        }
    }
}
