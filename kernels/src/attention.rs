//! Causal grouped-query attention, forward and backward, threaded over heads.
//!
//! Shapes (row-major): q, out, dq are (T, H, d); k, v, dk, dv are
//! (T, Hkv, d); lse is (H, T). Query head h reads KV head `h / (H / Hkv)`
//! (llama.cpp GQA). `out_i = Σ_j softmax_j(scale · q_i·k_j, j ≤ i) · v_j`,
//! scale = 1/√d by default; the softmax follows ggml `soft_max_ext`
//! (max-subtracted exp — [`crate::fastexp`], ≤ 2 ulp like ggml's
//! `ggml_v_expf` —, sum in f64, multiply by `1/sum`).
//!
//! Memory: the forward always saves the log-sum-exp of each score row (H·T
//! floats); by default the backward recomputes the probabilities from q, k
//! and lse (one extra QKᵀ and exp per head). A caller that runs the backward
//! right after the forward (a checkpointed layer) can instead let the
//! forward keep the probabilities, [`probs_len`] floats (≈ H·T²/2 in the
//! blocked causal layout), and skip that work. Work is done in
//! blocks of [`BLOCK`] query rows against keys `0..end of block`, so roughly
//! half of the causal triangle's zeros are never computed; QKᵀ, P·V and the
//! backward products go through [`crate::gemm`]. Temporaries per call:
//! head-major copies of k, v (2·Hkv·T·d), per-head outputs (H·T·d forward,
//! 3·H·T·d backward) and per worker 2·T·d + 2·BLOCK·T floats.
//!
//! Results do not depend on the number of rayon threads: each head is
//! computed by one worker and the GQA reduction over heads is sequential.

use crate::fastexp;
use crate::gemm::{matmul_dw, matmul_xw, matmul_xwt, Dims};
use rayon::prelude::*;

/// Query rows per block.
pub const BLOCK: usize = 32;

/// Query blocks of a head: (first row, end row), keys `0..end`.
fn blocks(t: usize) -> impl Iterator<Item = (usize, usize)> {
    (0..t)
        .step_by(BLOCK)
        .map(move |i0| (i0, (i0 + BLOCK).min(t)))
}

/// Floats of one head's saved probabilities: each block (b, end) packed.
fn head_probs_len(t: usize) -> usize {
    blocks(t).map(|(i0, i1)| (i1 - i0) * i1).sum()
}

/// Length of the optional `probs` buffer of [`attention_forward`] /
/// [`attention_backward`] for T tokens.
pub fn probs_len(cfg: &AttentionConfig, t: usize) -> usize {
    cfg.n_head * head_probs_len(t)
}

/// Per-head views of an optional (H, head_probs_len) buffer.
fn split_probs<T>(
    probs: Option<T>,
    n_head: usize,
    split: impl FnOnce(T) -> Vec<T>,
) -> Vec<Option<T>> {
    match probs {
        Some(p) => split(p).into_iter().map(Some).collect(),
        None => (0..n_head).map(|_| None).collect(),
    }
}

/// Head layout and score scale.
#[derive(Clone, Copy, Debug)]
pub struct AttentionConfig {
    pub n_head: usize,
    pub n_head_kv: usize,
    pub head_dim: usize,
    /// Multiplies q·k before the softmax (`kq_scale`, 1/√head_dim).
    pub scale: f32,
}

impl AttentionConfig {
    /// `scale = 1/√head_dim` (llama, qwen2).
    pub fn new(n_head: usize, n_head_kv: usize, head_dim: usize) -> AttentionConfig {
        assert!(
            n_head_kv > 0 && n_head.is_multiple_of(n_head_kv),
            "n_head is a multiple of n_head_kv"
        );
        AttentionConfig {
            n_head,
            n_head_kv,
            head_dim,
            scale: 1.0 / (head_dim as f32).sqrt(),
        }
    }

    fn kv_head(&self, h: usize) -> usize {
        h / (self.n_head / self.n_head_kv)
    }
}

/// Copies head `h` of x (T, n, d) into dst (T, d).
fn gather_head(x: &[f32], h: usize, n: usize, d: usize, dst: &mut [f32]) {
    for (dr, xr) in dst.chunks_exact_mut(d).zip(x.chunks_exact(n * d)) {
        dr.copy_from_slice(&xr[h * d..(h + 1) * d]);
    }
}

/// (T, n, d) → (n, T, d).
fn to_head_major(x: &[f32], t: usize, n: usize, d: usize) -> Vec<f32> {
    let mut out = vec![0.0; t * n * d];
    for (h, dst) in out.chunks_exact_mut(t * d).enumerate() {
        gather_head(x, h, n, d, dst);
    }
    out
}

/// (n, T, d) → (T, n, d).
fn from_head_major(src: &[f32], t: usize, n: usize, d: usize, dst: &mut [f32]) {
    for (h, sh) in src.chunks_exact(t * d).enumerate() {
        for (i, row) in sh.chunks_exact(d).enumerate() {
            dst[(i * n + h) * d..(i * n + h + 1) * d].copy_from_slice(row);
        }
    }
}

fn check_shapes(cfg: &AttentionConfig, t: usize, q: &[f32], k: &[f32], v: &[f32], lse: &[f32]) {
    let (h, g, d) = (cfg.n_head, cfg.n_head_kv, cfg.head_dim);
    assert!(
        g > 0 && h.is_multiple_of(g),
        "n_head is a multiple of n_head_kv"
    );
    assert_eq!(q.len(), t * h * d, "q is (T, H, d)");
    assert_eq!(k.len(), t * g * d, "k is (T, Hkv, d)");
    assert_eq!(v.len(), t * g * d, "v is (T, Hkv, d)");
    assert_eq!(lse.len(), h * t, "lse is (H, T)");
}

/// Turns scaled scores `row[..n]` into probabilities in place (ggml softmax
/// rounding), zeroes the masked tail, returns the log-sum-exp.
fn softmax_causal_row(row: &mut [f32], n: usize, scale: f32) -> f32 {
    let (valid, masked) = row.split_at_mut(n);
    valid.iter_mut().for_each(|x| *x *= scale);
    let max = fastexp::max(valid);
    let sum = fastexp::exp_shifted_sum(valid, max);
    let inv = (1.0 / sum) as f32;
    valid.iter_mut().for_each(|x| *x *= inv);
    masked.fill(0.0);
    max + sum.ln() as f32
}

/// One head: q, o are (T, d); k, v are (T, d); lse (T); s is ≥ BLOCK·T scratch.
#[allow(clippy::too_many_arguments)]
fn head_forward(
    t: usize,
    d: usize,
    scale: f32,
    q: &[f32],
    k: &[f32],
    v: &[f32],
    o: &mut [f32],
    lse: &mut [f32],
    s: &mut [f32],
    mut probs: Option<&mut [f32]>,
) {
    let mut off = 0;
    for (i0, i1) in blocks(t) {
        let b = i1 - i0;
        // Q·Kᵀ, P·V: queries i0..i1 against keys 0..i1.
        let dims = Dims {
            t: b,
            n_in: d,
            n_out: i1,
        };
        let s = &mut s[..b * i1];
        matmul_xwt(&q[i0 * d..i1 * d], &k[..i1 * d], s, dims, false);
        for (r, row) in s.chunks_exact_mut(i1).enumerate() {
            lse[i0 + r] = softmax_causal_row(row, i0 + r + 1, scale);
        }
        if let Some(p) = probs.as_deref_mut() {
            p[off..off + b * i1].copy_from_slice(s);
            off += b * i1;
        }
        matmul_xw(s, &v[..i1 * d], &mut o[i0 * d..i1 * d], dims, false);
    }
}

/// out (T,H,d) = causal GQA attention of q (T,H,d), k, v (T,Hkv,d); writes
/// lse (H,T) for [`attention_backward`], and with `probs`
/// ([`probs_len`] floats) also the probabilities.
#[allow(clippy::too_many_arguments)]
pub fn attention_forward(
    cfg: &AttentionConfig,
    t: usize,
    q: &[f32],
    k: &[f32],
    v: &[f32],
    out: &mut [f32],
    lse: &mut [f32],
    probs: Option<&mut [f32]>,
) {
    check_shapes(cfg, t, q, k, v, lse);
    if let Some(p) = probs.as_deref() {
        assert_eq!(p.len(), probs_len(cfg, t), "probs has probs_len floats");
    }
    let (nh, d) = (cfg.n_head, cfg.head_dim);
    assert_eq!(out.len(), t * nh * d, "out is (T, H, d)");
    if t == 0 {
        return;
    }
    let kh = to_head_major(k, t, cfg.n_head_kv, d);
    let vh = to_head_major(v, t, cfg.n_head_kv, d);
    let mut oh = vec![0.0f32; t * nh * d];
    let mut ph = split_probs(probs, nh, |p| p.chunks_mut(head_probs_len(t)).collect());
    let init = || (vec![0.0f32; t * d], vec![0.0f32; BLOCK.min(t) * t]);
    oh.par_chunks_mut(t * d)
        .zip(lse.par_chunks_mut(t))
        .zip(ph.par_iter_mut())
        .enumerate()
        .for_each_init(init, |(qs, s), (h, ((o, l), p))| {
            gather_head(q, h, nh, d, qs);
            let g = cfg.kv_head(h);
            let (kg, vg) = (
                &kh[g * t * d..(g + 1) * t * d],
                &vh[g * t * d..(g + 1) * t * d],
            );
            head_forward(t, d, cfg.scale, qs, kg, vg, o, l, s, p.take());
        });
    from_head_major(&oh, t, nh, d, out);
}

/// Per-head gradient buffers, each (T, d).
struct HeadGrads<'a> {
    dq: &'a mut [f32],
    dk: &'a mut [f32],
    dv: &'a mut [f32],
}

/// Per-worker scratch for the backward.
struct BackScratch {
    q: Vec<f32>,
    dout: Vec<f32>,
    p: Vec<f32>,
    dp: Vec<f32>,
}

/// One head's backward; grads.dk/dv must start at zero (they accumulate
/// over query blocks).
#[allow(clippy::too_many_arguments)]
fn head_backward(
    t: usize,
    d: usize,
    scale: f32,
    k: &[f32],
    v: &[f32],
    lse: &[f32],
    probs: Option<&[f32]>,
    sc: &mut BackScratch,
    gr: HeadGrads,
) {
    let (q, dout) = (&sc.q[..], &sc.dout[..]);
    let mut off = 0;
    for (i0, i1) in blocks(t) {
        let b = i1 - i0;
        // Every product here: queries i0..i1 against keys 0..i1.
        let dims = Dims {
            t: b,
            n_in: d,
            n_out: i1,
        };
        let (qb, db) = (&q[i0 * d..i1 * d], &dout[i0 * d..i1 * d]);
        let dp = &mut sc.dp[..b * i1];
        let p: &[f32] = match probs {
            Some(saved) => &saved[off..off + b * i1],
            None => {
                let p = &mut sc.p[..b * i1];
                matmul_xwt(qb, &k[..i1 * d], p, dims, false);
                for (r, row) in p.chunks_exact_mut(i1).enumerate() {
                    let (valid, masked) = row.split_at_mut(i0 + r + 1);
                    let l = lse[i0 + r];
                    valid
                        .iter_mut()
                        .for_each(|x| *x = fastexp::exp(*x * scale - l));
                    masked.fill(0.0);
                }
                p
            }
        };
        off += b * i1;
        // dV += Pᵀ·dO ; dP = dO·Vᵀ
        matmul_dw(p, db, &mut gr.dv[..i1 * d], dims, true);
        matmul_xwt(db, &v[..i1 * d], dp, dims, false);
        // dS = P ⊙ (dP − rowsum(P ⊙ dP)) · scale, written over dP.
        for (pr, dr) in p.chunks_exact(i1).zip(dp.chunks_exact_mut(i1)) {
            let dot: f64 = pr
                .iter()
                .zip(dr.iter())
                .map(|(&a, &b)| a as f64 * b as f64)
                .sum();
            let dot = dot as f32;
            for (g, &pv) in dr.iter_mut().zip(pr) {
                *g = pv * (*g - dot) * scale;
            }
        }
        // dQ = dS·K ; dK += dSᵀ·Q
        matmul_xw(dp, &k[..i1 * d], &mut gr.dq[i0 * d..i1 * d], dims, false);
        matmul_dw(dp, qb, &mut gr.dk[..i1 * d], dims, true);
    }
}

/// Backward of [`attention_forward`]: from d_out (T,H,d) and the saved lse
/// (and probs, when the forward kept them), writes (overwrites) dq (T,H,d),
/// dk and dv (T,Hkv,d).
#[allow(clippy::too_many_arguments)]
pub fn attention_backward(
    cfg: &AttentionConfig,
    t: usize,
    q: &[f32],
    k: &[f32],
    v: &[f32],
    lse: &[f32],
    probs: Option<&[f32]>,
    d_out: &[f32],
    dq: &mut [f32],
    dk: &mut [f32],
    dv: &mut [f32],
) {
    check_shapes(cfg, t, q, k, v, lse);
    let (nh, ng, d) = (cfg.n_head, cfg.n_head_kv, cfg.head_dim);
    assert_eq!(d_out.len(), t * nh * d, "d_out is (T, H, d)");
    assert_eq!(dq.len(), t * nh * d, "dq is (T, H, d)");
    assert_eq!(dk.len(), t * ng * d, "dk is (T, Hkv, d)");
    assert_eq!(dv.len(), t * ng * d, "dv is (T, Hkv, d)");
    if let Some(p) = probs {
        assert_eq!(p.len(), probs_len(cfg, t), "probs has probs_len floats");
    }
    if t == 0 {
        return;
    }
    let kh = to_head_major(k, t, ng, d);
    let vh = to_head_major(v, t, ng, d);
    let n = t * d;
    let mut dqh = vec![0.0f32; nh * n];
    let mut dkh = vec![0.0f32; nh * n];
    let mut dvh = vec![0.0f32; nh * n];
    let init = || BackScratch {
        q: vec![0.0; n],
        dout: vec![0.0; n],
        p: vec![0.0; BLOCK.min(t) * t],
        dp: vec![0.0; BLOCK.min(t) * t],
    };
    let heads = dqh
        .par_chunks_mut(n)
        .zip(dkh.par_chunks_mut(n))
        .zip(dvh.par_chunks_mut(n))
        .zip(split_probs(probs, nh, |p| {
            p.chunks(head_probs_len(t)).collect()
        }))
        .enumerate();
    heads.for_each_init(init, |sc, (h, (((dq, dk), dv), p))| {
        gather_head(q, h, nh, d, &mut sc.q);
        gather_head(d_out, h, nh, d, &mut sc.dout);
        let g = cfg.kv_head(h);
        let (kg, vg) = (&kh[g * n..(g + 1) * n], &vh[g * n..(g + 1) * n]);
        head_backward(
            t,
            d,
            cfg.scale,
            kg,
            vg,
            &lse[h * t..(h + 1) * t],
            p,
            sc,
            HeadGrads { dq, dk, dv },
        );
    });
    from_head_major(&dqh, t, nh, d, dq);
    // GQA: the KV gradient is the sum over the query heads of its group.
    let group = nh / ng;
    let mut sum = vec![0.0f32; ng * n];
    for (src, dst) in [(&dkh, &mut *dk), (&dvh, &mut *dv)] {
        for (g, sg) in sum.chunks_exact_mut(n).enumerate() {
            sg.copy_from_slice(&src[g * group * n..(g * group + 1) * n]);
            for h in g * group + 1..(g + 1) * group {
                sg.iter_mut()
                    .zip(&src[h * n..(h + 1) * n])
                    .for_each(|(a, b)| *a += b);
            }
        }
        from_head_major(&sum, t, ng, d, dst);
    }
}

#[cfg(test)]
#[path = "attention_tests.rs"]
mod tests;
