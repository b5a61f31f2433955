//! LoRA (low-rank adapter) on a linear layer, forward and backward, plus
//! PEFT-style initialisation.
//!
//! Shapes (row-major): x, dx are (T, in); y, dy are (T, out); A, dA are
//! (r, in); B, dB are (out, r); xa is (T, r). These are the bytes of the
//! llama.cpp adapter GGUF: `lora_a` has ggml `ne = [in, r]` and `lora_b`
//! `ne = [r, out]`, i.e. row-major (r, in) and (out, r).
//!
//! Forward: `Y += s·(X·Aᵀ)·Bᵀ` with `s = alpha / r` (times the adapter
//! scale). The forward saves `xa = s·X·Aᵀ` (already scaled, T·r floats),
//! which the backward uses for dB:
//! `dB += dYᵀ·xa`, `G = s·dY·B` (T, r), `dA += Gᵀ·X`, `dX += G·A`.

use crate::gemm::{matmul_dw, matmul_xw, matmul_xwt, Dims};
use crate::rng::Rng;

/// Sizes of one adapted projection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoraDims {
    pub n_in: usize,
    pub n_out: usize,
    pub rank: usize,
}

impl LoraDims {
    fn check(&self, t: usize, x: &[f32], a: &[f32], b: &[f32], xa: &[f32]) {
        assert_eq!(x.len(), t * self.n_in, "x is (T, in)");
        assert_eq!(a.len(), self.rank * self.n_in, "A is (r, in)");
        assert_eq!(b.len(), self.n_out * self.rank, "B is (out, r)");
        assert_eq!(xa.len(), t * self.rank, "xa is (T, r)");
    }

    /// The products through A (r, in): x (T, in) to xa (T, r).
    fn through_a(&self, t: usize) -> Dims {
        Dims {
            t,
            n_in: self.n_in,
            n_out: self.rank,
        }
    }

    /// The products through B (out, r): xa (T, r) to y (T, out).
    fn through_b(&self, t: usize) -> Dims {
        Dims {
            t,
            n_in: self.rank,
            n_out: self.n_out,
        }
    }
}

/// y (T,out) += scale·(x·Aᵀ)·Bᵀ; writes `xa = scale·x·Aᵀ` (T, r) for
/// [`lora_backward`].
#[allow(clippy::too_many_arguments)]
pub fn lora_forward(
    dims: LoraDims,
    t: usize,
    x: &[f32],
    a: &[f32],
    b: &[f32],
    scale: f32,
    xa: &mut [f32],
    y: &mut [f32],
) {
    dims.check(t, x, a, b, xa);
    assert_eq!(y.len(), t * dims.n_out, "y is (T, out)");
    matmul_xwt(x, a, xa, dims.through_a(t), false);
    xa.iter_mut().for_each(|v| *v *= scale);
    matmul_xwt(xa, b, y, dims.through_b(t), true);
}

/// Gradients of [`lora_forward`]: accumulates into dA (r,in) and dB (out,r)
/// and, when given, adds the adapter's contribution to dx (T,in) (the base
/// layer's dX is computed elsewhere).
#[allow(clippy::too_many_arguments)]
pub fn lora_backward(
    dims: LoraDims,
    t: usize,
    dy: &[f32],
    x: &[f32],
    a: &[f32],
    b: &[f32],
    scale: f32,
    xa: &[f32],
    da: &mut [f32],
    db: &mut [f32],
    dx: Option<&mut [f32]>,
) {
    dims.check(t, x, a, b, xa);
    let LoraDims { n_in, n_out, rank } = dims;
    assert_eq!(dy.len(), t * n_out, "dy is (T, out)");
    assert_eq!(da.len(), a.len(), "dA is (r, in)");
    assert_eq!(db.len(), b.len(), "dB is (out, r)");
    matmul_dw(dy, xa, db, dims.through_b(t), true);
    let mut g = vec![0.0f32; t * rank];
    matmul_xw(dy, b, &mut g, dims.through_b(t), false);
    g.iter_mut().for_each(|v| *v *= scale);
    matmul_dw(&g, x, da, dims.through_a(t), true);
    if let Some(dx) = dx {
        assert_eq!(dx.len(), t * n_in, "dx is (T, in)");
        matmul_xw(&g, a, dx, dims.through_a(t), true);
    }
}

/// PEFT initialisation: A ~ U(−1/√in, 1/√in) (`kaiming_uniform_(a=√5)` on
/// an (r, in) weight), B = 0, so the adapter starts as the identity change.
pub fn lora_init(dims: LoraDims, a: &mut [f32], b: &mut [f32], rng: &mut Rng) {
    assert_eq!(a.len(), dims.rank * dims.n_in, "A is (r, in)");
    assert_eq!(b.len(), dims.n_out * dims.rank, "B is (out, r)");
    let bound = 1.0 / (dims.n_in as f32).sqrt();
    rng.fill_uniform(a, -bound, bound);
    b.fill(0.0);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fd::{assert_grad_close, numerical_grad, probe_loss, random_vec};

    const D: LoraDims = LoraDims {
        n_in: 7,
        n_out: 5,
        rank: 3,
    };
    const T: usize = 4;
    const S: f32 = 1.7;

    fn forward(x: &[f32], a: &[f32], b: &[f32]) -> Vec<f32> {
        let mut y = vec![0.25; T * D.n_out];
        let mut xa = vec![0.0; T * D.rank];
        lora_forward(D, T, x, a, b, S, &mut xa, &mut y);
        y
    }

    fn inputs() -> (Vec<f32>, Vec<f32>, Vec<f32>, Vec<f32>) {
        let mut rng = Rng::new(41);
        let x = random_vec(&mut rng, T * D.n_in, 1.0);
        let a = random_vec(&mut rng, D.rank * D.n_in, 1.0);
        let b = random_vec(&mut rng, D.n_out * D.rank, 1.0);
        let probe = random_vec(&mut rng, T * D.n_out, 1.0);
        (x, a, b, probe)
    }

    #[test]
    fn forward_matches_direct_sum() {
        let (x, a, b, _) = inputs();
        let y = forward(&x, &a, &b);
        for i in 0..T {
            for o in 0..D.n_out {
                let mut want = 0.25f64;
                for k in 0..D.rank {
                    let xa: f64 = (0..D.n_in)
                        .map(|j| x[i * D.n_in + j] as f64 * a[k * D.n_in + j] as f64)
                        .sum();
                    want += S as f64 * xa * b[o * D.rank + k] as f64;
                }
                assert!((y[i * D.n_out + o] as f64 - want).abs() < 1e-5);
            }
        }
    }

    #[test]
    fn backward_matches_finite_differences() {
        let (mut x, mut a, mut b, probe) = inputs();
        let mut xa = vec![0.0; T * D.rank];
        let mut y = vec![0.0; T * D.n_out];
        lora_forward(D, T, &x, &a, &b, S, &mut xa, &mut y);
        // Start the accumulators at 1 to check that they accumulate.
        let mut da = vec![1.0; a.len()];
        let mut db = vec![1.0; b.len()];
        let mut dx = vec![1.0; x.len()];
        lora_backward(
            D,
            T,
            &probe,
            &x,
            &a,
            &b,
            S,
            &xa,
            &mut da,
            &mut db,
            Some(&mut dx),
        );
        let sub1 = |v: &[f32]| v.iter().map(|x| x - 1.0).collect::<Vec<_>>();
        let (ac, bc) = (a.clone(), b.clone());
        let gx = numerical_grad(&mut x, 1e-2, |x| probe_loss(&forward(x, &ac, &bc), &probe));
        let xc = x.clone();
        let ga = numerical_grad(&mut a, 1e-2, |a| probe_loss(&forward(&xc, a, &bc), &probe));
        let gb = numerical_grad(&mut b, 1e-2, |b| probe_loss(&forward(&xc, &ac, b), &probe));
        assert_grad_close("lora dx", &sub1(&dx), &gx, 1e-3);
        assert_grad_close("lora dA", &sub1(&da), &ga, 1e-3);
        assert_grad_close("lora dB", &sub1(&db), &gb, 1e-3);
    }

    #[test]
    fn init_is_seeded_kaiming_uniform_with_zero_b() {
        let dims = LoraDims {
            n_in: 64,
            n_out: 8,
            rank: 16,
        };
        let mut a = vec![0.0; 16 * 64];
        let mut b = vec![9.0; 8 * 16];
        lora_init(dims, &mut a, &mut b, &mut Rng::new(5));
        let bound = 1.0 / 8.0;
        assert!(a.iter().all(|v| v.abs() <= bound));
        assert!(a.iter().cloned().fold(0.0f32, f32::max) > 0.9 * bound);
        assert!(b.iter().all(|&v| v == 0.0));
        let mut a2 = vec![0.0; a.len()];
        lora_init(dims, &mut a2, &mut b, &mut Rng::new(5));
        assert_eq!(a, a2);
        // B = 0 ⇒ the forward adds nothing.
        let x = vec![1.0; 2 * 64];
        let mut y = vec![0.5; 2 * 8];
        let mut xa = vec![0.0; 2 * 16];
        lora_forward(dims, 2, &x, &a, &b, 2.0, &mut xa, &mut y);
        assert!(y.iter().all(|&v| v == 0.5));
    }
}
