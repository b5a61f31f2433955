//! AdamW with decoupled weight decay, PyTorch `torch.optim.AdamW`
//! semantics (single-tensor path, `amsgrad=False`, `maximize=False`).
//!
//! Shapes: p, g, m, v are the same length (one parameter tensor, any
//! layout). Per step t (1-based):
//! ```text
//! p ← p·(1 − lr·wd)
//! m ← β₁·m + (1 − β₁)·g          v ← β₂·v + (1 − β₂)·g²
//! p ← p − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + eps)
//! ```
//! The bias corrections are computed in f64 and applied in f32, like the
//! order of operations in PyTorch's `_single_tensor_adamw`.

/// Hyper-parameters of one step (the trainer updates `lr` per step).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamWConfig {
    pub lr: f32,
    pub beta1: f32,
    pub beta2: f32,
    pub eps: f32,
    pub weight_decay: f32,
}

impl Default for AdamWConfig {
    /// PyTorch defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, wd 1e-2.
    fn default() -> AdamWConfig {
        AdamWConfig {
            lr: 1e-3,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 1e-2,
        }
    }
}

/// First and second moments of one parameter tensor, zero-initialised.
#[derive(Clone, Debug, Default)]
pub struct AdamWState {
    pub m: Vec<f32>,
    pub v: Vec<f32>,
}

impl AdamWState {
    pub fn new(n: usize) -> AdamWState {
        AdamWState {
            m: vec![0.0; n],
            v: vec![0.0; n],
        }
    }
}

/// One AdamW update of `p` with gradient `g`; `step` counts from 1.
pub fn adamw_step(cfg: &AdamWConfig, step: u64, p: &mut [f32], g: &[f32], state: &mut AdamWState) {
    assert!(step >= 1, "AdamW steps count from 1");
    let n = p.len();
    assert!(
        g.len() == n && state.m.len() == n && state.v.len() == n,
        "p, g, m, v have the same length"
    );
    let t = step.min(i32::MAX as u64) as i32;
    let bc1 = 1.0 - (cfg.beta1 as f64).powi(t);
    let bc2 = 1.0 - (cfg.beta2 as f64).powi(t);
    let step_size = (cfg.lr as f64 / bc1) as f32;
    let bc2_sqrt = bc2.sqrt() as f32;
    let decay = 1.0 - cfg.lr * cfg.weight_decay;
    let (b1, b2) = (cfg.beta1, cfg.beta2);
    for (((pv, &gv), mv), vv) in p
        .iter_mut()
        .zip(g)
        .zip(state.m.iter_mut())
        .zip(state.v.iter_mut())
    {
        *pv *= decay;
        *mv = b1 * *mv + (1.0 - b1) * gv;
        *vv = b2 * *vv + (1.0 - b2) * gv * gv;
        let denom = vv.sqrt() / bc2_sqrt + cfg.eps;
        *pv -= step_size * *mv / denom;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The PyTorch update written out in f64.
    fn reference(cfg: &AdamWConfig, p0: &[f64], grads: &[Vec<f64>]) -> Vec<f64> {
        let (lr, b1, b2, eps, wd) = (
            cfg.lr as f64,
            cfg.beta1 as f64,
            cfg.beta2 as f64,
            cfg.eps as f64,
            cfg.weight_decay as f64,
        );
        let mut p = p0.to_vec();
        let mut m = vec![0.0; p.len()];
        let mut v = vec![0.0; p.len()];
        for (k, g) in grads.iter().enumerate() {
            let t = (k + 1) as i32;
            for i in 0..p.len() {
                p[i] *= 1.0 - lr * wd;
                m[i] = b1 * m[i] + (1.0 - b1) * g[i];
                v[i] = b2 * v[i] + (1.0 - b2) * g[i] * g[i];
                let mhat = m[i] / (1.0 - b1.powi(t));
                let vhat = v[i] / (1.0 - b2.powi(t));
                p[i] -= lr * mhat / (vhat.sqrt() + eps);
            }
        }
        p
    }

    #[test]
    fn matches_pytorch_formula_over_several_steps() {
        let cfg = AdamWConfig {
            lr: 0.01,
            beta1: 0.8,
            beta2: 0.95,
            eps: 1e-6,
            weight_decay: 0.1,
        };
        let p0 = [0.5f32, -1.5, 2.0, 0.0, 1e-3];
        let grads: Vec<Vec<f32>> = (0..6)
            .map(|k| {
                p0.iter()
                    .enumerate()
                    .map(|(i, _)| ((i * 7 + k * 3) % 5) as f32 - 2.0 + 0.1 * k as f32)
                    .collect()
            })
            .collect();
        let mut p = p0.to_vec();
        let mut st = AdamWState::new(p.len());
        for (k, g) in grads.iter().enumerate() {
            adamw_step(&cfg, k as u64 + 1, &mut p, g, &mut st);
        }
        let g64: Vec<Vec<f64>> = grads
            .iter()
            .map(|g| g.iter().map(|&x| x as f64).collect())
            .collect();
        let want = reference(&cfg, &p0.map(|x| x as f64), &g64);
        for (a, b) in p.iter().zip(&want) {
            assert!((*a as f64 - b).abs() < 1e-6, "{a} vs {b}");
        }
    }

    #[test]
    fn closed_forms() {
        // First step without decay moves every coordinate by ≈ lr·sign(g).
        let cfg = AdamWConfig {
            weight_decay: 0.0,
            ..AdamWConfig::default()
        };
        let mut p = vec![1.0f32, 1.0, 1.0];
        adamw_step(&cfg, 1, &mut p, &[3.0, -0.01, 0.0], &mut AdamWState::new(3));
        assert!(
            (p[0] - (1.0 - 1e-3)).abs() < 1e-7 && (p[1] - (1.0 + 1e-3)).abs() < 1e-6 && p[2] == 1.0
        );
        // Zero gradient: pure decoupled decay, p·(1 − lr·wd)ᵗ.
        let cfg = AdamWConfig {
            lr: 0.1,
            weight_decay: 0.5,
            ..AdamWConfig::default()
        };
        let mut p = vec![2.0f32];
        let mut st = AdamWState::new(1);
        for t in 1..=3 {
            adamw_step(&cfg, t, &mut p, &[0.0], &mut st);
        }
        assert!((p[0] - 2.0 * 0.95f32.powi(3)).abs() < 1e-6);
    }
}
