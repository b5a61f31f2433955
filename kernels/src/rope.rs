//! Rotary position embedding (ggml `ggml_rope_ext`, ggml-cpu/ops.cpp
//! `rope_yarn` with `ext_factor = 0`, `attn_factor = 1`), forward and
//! backward, in place.
//!
//! Shapes: x is (T, n_head, head_dim) row-major; positions is (T).
//! Only the first `n_rot` dims of each head rotate (partial rotary); the rest
//! pass through. Pair k (k < n_rot/2) rotates by
//! `angle = freq_scale · pos · theta_scale^k / freq_factors[k]` with
//! `theta_scale = base^(-2/n_rot)`:
//! - [`RopeMode::Norm`] (llama): pairs (2k, 2k+1);
//! - [`RopeMode::Neox`] (qwen2, gemma3): pairs (k, k + n_rot/2).
//!
//! `(a, b) → (a·cos − b·sin, a·sin + b·cos)`. The backward of a rotation is
//! the rotation by the negative angle. The angles are computed like ggml
//! (`theta *= theta_scale` in f32, `cosf`/`sinf`) so the forward matches
//! llama.cpp bit for bit up to libm; [`RopeCache`] keeps them per token.
//! YaRN extrapolation (`ext_factor ≠ 0`) is not implemented.

/// Which dims form a rotation pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RopeMode {
    /// Adjacent pairs (2k, 2k+1): llama (`LLAMA_ROPE_TYPE_NORM`).
    Norm,
    /// Split halves (k, k + n_rot/2): qwen2, gemma3 (`LLAMA_ROPE_TYPE_NEOX`).
    Neox,
}

/// Model-level RoPE parameters.
#[derive(Clone, Debug)]
pub struct RopeConfig {
    /// Rotated dims per head (`{arch}.rope.dimension_count`), even, ≤ head_dim.
    pub n_rot: usize,
    /// `{arch}.rope.freq_base` (10000 by default).
    pub base: f32,
    /// `1 / {arch}.rope.scaling.factor` for linear scaling, else 1.
    pub freq_scale: f32,
    pub mode: RopeMode,
    /// Optional per-pair divisors (`rope_freqs.weight`, n_rot/2 values).
    pub freq_factors: Option<Vec<f32>>,
}

impl RopeConfig {
    /// Plain RoPE: no scaling, no frequency factors.
    pub fn new(n_rot: usize, base: f32, mode: RopeMode) -> RopeConfig {
        RopeConfig {
            n_rot,
            base,
            freq_scale: 1.0,
            mode,
            freq_factors: None,
        }
    }
}

/// cos/sin of every (token, pair) angle: (T, n_rot/2) each. Build it once
/// per sequence and reuse it for Q and K of every layer, forward and back.
#[derive(Clone, Debug)]
pub struct RopeCache {
    n_rot: usize,
    mode: RopeMode,
    cos: Vec<f32>,
    sin: Vec<f32>,
}

impl RopeCache {
    /// Angles for `positions` (one per token), as ggml computes them.
    pub fn new(cfg: &RopeConfig, positions: &[i32]) -> RopeCache {
        assert!(
            cfg.n_rot.is_multiple_of(2) && cfg.n_rot > 0,
            "n_rot is even and positive"
        );
        let half = cfg.n_rot / 2;
        if let Some(ff) = &cfg.freq_factors {
            assert_eq!(ff.len(), half, "freq_factors has n_rot/2 entries");
        }
        let theta_scale = cfg.base.powf(-2.0 / cfg.n_rot as f32);
        let mut cos = Vec::with_capacity(positions.len() * half);
        let mut sin = Vec::with_capacity(positions.len() * half);
        for &p in positions {
            // ggml_rope_cache_init: theta starts at p and is multiplied by
            // theta_scale after each pair, in f32.
            let mut theta = p as f32;
            for k in 0..half {
                let ff = cfg.freq_factors.as_ref().map_or(1.0, |f| f[k]);
                let angle = cfg.freq_scale * (theta / ff);
                cos.push(angle.cos());
                sin.push(angle.sin());
                theta *= theta_scale;
            }
        }
        RopeCache {
            n_rot: cfg.n_rot,
            mode: cfg.mode,
            cos,
            sin,
        }
    }

    /// Tokens covered.
    pub fn len(&self) -> usize {
        self.cos.len() / (self.n_rot / 2)
    }

    pub fn is_empty(&self) -> bool {
        self.cos.is_empty()
    }
}

/// Rotates x (T, n_head, head_dim) in place by +angle (`sign` 1) or −angle.
fn rotate(cache: &RopeCache, x: &mut [f32], n_head: usize, head_dim: usize, sign: f32) {
    let t = cache.len();
    let half = cache.n_rot / 2;
    assert!(cache.n_rot <= head_dim, "n_rot ≤ head_dim");
    assert_eq!(x.len(), t * n_head * head_dim, "x is (T, n_head, head_dim)");
    for (i, row) in x.chunks_exact_mut(n_head * head_dim).enumerate() {
        let cos = &cache.cos[i * half..(i + 1) * half];
        let sin = &cache.sin[i * half..(i + 1) * half];
        for head in row.chunks_exact_mut(head_dim) {
            match cache.mode {
                RopeMode::Norm => {
                    for ((pair, &c), &s) in
                        head[..cache.n_rot].chunks_exact_mut(2).zip(cos).zip(sin)
                    {
                        let s = sign * s;
                        let (a, b) = (pair[0], pair[1]);
                        pair[0] = a * c - b * s;
                        pair[1] = a * s + b * c;
                    }
                }
                RopeMode::Neox => {
                    let (lo, hi) = head[..cache.n_rot].split_at_mut(half);
                    for (((a, b), &c), &s) in lo.iter_mut().zip(hi.iter_mut()).zip(cos).zip(sin) {
                        let s = sign * s;
                        let (x0, x1) = (*a, *b);
                        *a = x0 * c - x1 * s;
                        *b = x0 * s + x1 * c;
                    }
                }
            }
        }
    }
}

/// Applies RoPE in place to x (T, n_head, head_dim); T = `cache.len()`.
pub fn rope_forward(cache: &RopeCache, x: &mut [f32], n_head: usize, head_dim: usize) {
    rotate(cache, x, n_head, head_dim, 1.0);
}

/// Backward of [`rope_forward`], in place on the gradient: rotation by the
/// negative angle (the transpose of a rotation).
pub fn rope_backward(cache: &RopeCache, dx: &mut [f32], n_head: usize, head_dim: usize) {
    rotate(cache, dx, n_head, head_dim, -1.0);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fd::{assert_grad_close, max_abs_diff, numerical_grad, probe_loss, random_vec};
    use crate::rng::Rng;

    /// Direct formula in f64: angle = fs · p · base^(−2k/n_rot) / ff[k].
    fn reference(cfg: &RopeConfig, pos: &[i32], x: &[f32], n_head: usize, hd: usize) -> Vec<f32> {
        let mut y = x.to_vec();
        let half = cfg.n_rot / 2;
        for (i, &p) in pos.iter().enumerate() {
            for h in 0..n_head {
                let base = (i * n_head + h) * hd;
                for k in 0..half {
                    let ff = cfg.freq_factors.as_ref().map_or(1.0, |f| f[k] as f64);
                    let theta = (cfg.base as f64).powf(-2.0 * k as f64 / cfg.n_rot as f64);
                    let angle = cfg.freq_scale as f64 * p as f64 * theta / ff;
                    let (i0, i1) = match cfg.mode {
                        RopeMode::Norm => (2 * k, 2 * k + 1),
                        RopeMode::Neox => (k, k + half),
                    };
                    let (a, b) = (x[base + i0] as f64, x[base + i1] as f64);
                    y[base + i0] = (a * angle.cos() - b * angle.sin()) as f32;
                    y[base + i1] = (a * angle.sin() + b * angle.cos()) as f32;
                }
            }
        }
        y
    }

    fn configs() -> Vec<(RopeConfig, usize)> {
        let mut scaled = RopeConfig::new(8, 500_000.0, RopeMode::Norm);
        scaled.freq_scale = 0.25;
        scaled.freq_factors = Some(vec![1.0, 2.0, 4.0, 8.0]);
        vec![
            (RopeConfig::new(16, 10_000.0, RopeMode::Norm), 16),
            (RopeConfig::new(16, 1_000_000.0, RopeMode::Neox), 16),
            (RopeConfig::new(8, 10_000.0, RopeMode::Neox), 12), // partial rotary
            (RopeConfig::new(6, 10_000.0, RopeMode::Norm), 10), // partial rotary
            (scaled, 8),
        ]
    }

    #[test]
    fn forward_matches_direct_formula() {
        let mut rng = Rng::new(11);
        let pos = [0, 1, 7, 100, 511, 3];
        for (cfg, hd) in configs() {
            let n_head = 3;
            let x = random_vec(&mut rng, pos.len() * n_head * hd, 1.0);
            let cache = RopeCache::new(&cfg, &pos);
            let mut y = x.clone();
            rope_forward(&cache, &mut y, n_head, hd);
            let want = reference(&cfg, &pos, &x, n_head, hd);
            // f32 angles (ggml's iterated theta) at positions ≤ 511 differ
            // from f64 by a few ulp of the angle, ~1e-4 at worst.
            let err = max_abs_diff(&y, &want);
            assert!(err < 5e-4, "{cfg:?}: max diff {err}");
            // Dims beyond n_rot pass through untouched.
            for (i, (a, b)) in y.iter().zip(&x).enumerate() {
                if i % hd >= cfg.n_rot {
                    assert_eq!(a, b);
                }
            }
        }
    }

    #[test]
    fn neox_differs_from_norm() {
        let x: Vec<f32> = (0..16).map(|i| i as f32).collect();
        let pos = [5];
        let mut a = x.clone();
        let mut b = x.clone();
        rope_forward(
            &RopeCache::new(&RopeConfig::new(16, 1e4, RopeMode::Norm), &pos),
            &mut a,
            1,
            16,
        );
        rope_forward(
            &RopeCache::new(&RopeConfig::new(16, 1e4, RopeMode::Neox), &pos),
            &mut b,
            1,
            16,
        );
        assert!(max_abs_diff(&a, &b) > 0.1);
    }

    #[test]
    fn backward_matches_finite_differences_and_inverts() {
        let mut rng = Rng::new(12);
        let pos = [0, 3, 9];
        for (cfg, hd) in configs() {
            let n_head = 2;
            let cache = RopeCache::new(&cfg, &pos);
            let mut x = random_vec(&mut rng, pos.len() * n_head * hd, 1.0);
            let probe = random_vec(&mut rng, x.len(), 1.0);
            let mut dx = probe.clone();
            rope_backward(&cache, &mut dx, n_head, hd);
            let g = numerical_grad(&mut x, 1e-2, |x| {
                let mut y = x.to_vec();
                rope_forward(&cache, &mut y, n_head, hd);
                probe_loss(&y, &probe)
            });
            assert_grad_close("rope dx", &dx, &g, 1e-3);
            let mut y = x.clone();
            rope_forward(&cache, &mut y, n_head, hd);
            rope_backward(&cache, &mut y, n_head, hd);
            assert!(max_abs_diff(&y, &x) < 1e-6);
        }
    }
}
