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

/// The products of block (i0, i1) of one head with dimension `d`: queries
/// i0..i1 against keys (and values) 0..i1.
fn block_dims(i0: usize, i1: usize, d: usize) -> Dims {
    Dims {
        t: i1 - i0,
        n_in: d,
        n_out: i1,
    }
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
        let dims = block_dims(i0, i1, d);
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
        let dims = block_dims(i0, i1, d);
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

/// Attention against a naive f64 reference, finite differences and
/// thread-count independence.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::fd::{
        assert_grad_close, numerical_grad, probe_loss, random_vec, time_ms, with_threads,
    };
    use crate::rng::Rng;

    /// Straight from the definition, in f64: out (T,H,d), lse (H,T).
    fn reference(
        cfg: &AttentionConfig,
        t: usize,
        q: &[f32],
        k: &[f32],
        v: &[f32],
    ) -> (Vec<f64>, Vec<f64>) {
        let (nh, ng, d) = (cfg.n_head, cfg.n_head_kv, cfg.head_dim);
        let mut out = vec![0.0f64; t * nh * d];
        let mut lse = vec![0.0f64; nh * t];
        for h in 0..nh {
            let g = h / (nh / ng);
            for i in 0..t {
                let s: Vec<f64> = (0..=i)
                    .map(|j| {
                        let dot: f64 = (0..d)
                            .map(|c| {
                                q[(i * nh + h) * d + c] as f64 * k[(j * ng + g) * d + c] as f64
                            })
                            .sum();
                        dot * cfg.scale as f64
                    })
                    .collect();
                let m = s.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                let z: f64 = s.iter().map(|x| (x - m).exp()).sum();
                lse[h * t + i] = m + z.ln();
                for (j, sj) in s.iter().enumerate() {
                    let p = (sj - m).exp() / z;
                    for c in 0..d {
                        out[(i * nh + h) * d + c] += p * v[(j * ng + g) * d + c] as f64;
                    }
                }
            }
        }
        (out, lse)
    }

    fn inputs(
        seed: u64,
        cfg: &AttentionConfig,
        t: usize,
        scale: f32,
    ) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
        let mut rng = Rng::new(seed);
        let q = random_vec(&mut rng, t * cfg.n_head * cfg.head_dim, scale);
        let k = random_vec(&mut rng, t * cfg.n_head_kv * cfg.head_dim, scale);
        let v = random_vec(&mut rng, t * cfg.n_head_kv * cfg.head_dim, 1.0);
        (q, k, v)
    }

    fn forward(
        cfg: &AttentionConfig,
        t: usize,
        q: &[f32],
        k: &[f32],
        v: &[f32],
    ) -> (Vec<f32>, Vec<f32>) {
        let mut out = vec![0.0; q.len()];
        let mut lse = vec![0.0; cfg.n_head * t];
        attention_forward(cfg, t, q, k, v, &mut out, &mut lse, None);
        (out, lse)
    }

    #[test]
    fn forward_matches_naive_reference() {
        // Shapes cover: MHA, GQA groups of 2 and 3, MQA, one block and several
        // blocks with a ragged last one.
        for (i, &(nh, ng, d, t)) in [
            (2, 2, 8, 5),
            (4, 2, 16, 70),
            (3, 1, 4, 130),
            (6, 2, 8, 64),
            (1, 1, 3, 1),
        ]
        .iter()
        .enumerate()
        {
            let cfg = AttentionConfig::new(nh, ng, d);
            let (q, k, v) = inputs(i as u64, &cfg, t, 2.0);
            let (out, lse) = forward(&cfg, t, &q, &k, &v);
            let (want, want_lse) = reference(&cfg, t, &q, &k, &v);
            let err = out
                .iter()
                .zip(&want)
                .map(|(a, b)| (*a as f64 - b).abs())
                .fold(0.0, f64::max);
            assert!(
                err < 2e-5,
                "H={nh} Hkv={ng} d={d} T={t}: out max diff {err}"
            );
            let err = lse
                .iter()
                .zip(&want_lse)
                .map(|(a, b)| (*a as f64 - b).abs())
                .fold(0.0, f64::max);
            assert!(err < 2e-5, "lse max diff {err}");
        }
    }

    #[test]
    fn first_token_attends_only_to_itself() {
        let cfg = AttentionConfig::new(2, 1, 4);
        let (q, k, v) = inputs(9, &cfg, 3, 1.0);
        let (out, _) = forward(&cfg, 3, &q, &k, &v);
        assert_eq!(&out[0..4], &v[0..4]);
        assert_eq!(&out[4..8], &v[0..4]);
    }

    /// Forward then backward with d_out = probe; `keep_probs` selects the
    /// saved-probabilities path. Returns [out, lse, dq, dk, dv].
    fn forward_backward(
        cfg: &AttentionConfig,
        t: usize,
        (q, k, v): (&[f32], &[f32], &[f32]),
        probe: &[f32],
        keep_probs: bool,
    ) -> [Vec<f32>; 5] {
        let mut out = vec![0.0; q.len()];
        let mut lse = vec![0.0; cfg.n_head * t];
        let mut probs = vec![0.0; if keep_probs { probs_len(cfg, t) } else { 0 }];
        let p = keep_probs.then_some(&mut probs[..]);
        attention_forward(cfg, t, q, k, v, &mut out, &mut lse, p);
        let (mut dq, mut dk, mut dv) = (vec![0.0; q.len()], vec![0.0; k.len()], vec![0.0; v.len()]);
        let p = keep_probs.then_some(&probs[..]);
        attention_backward(cfg, t, q, k, v, &lse, p, probe, &mut dq, &mut dk, &mut dv);
        [out, lse, dq, dk, dv]
    }

    fn check_backward(nh: usize, ng: usize, d: usize, t: usize) {
        let cfg = AttentionConfig::new(nh, ng, d);
        let (mut q, mut k, mut v) = inputs(100 + t as u64, &cfg, t, 1.5);
        let probe = random_vec(&mut Rng::new(5), q.len(), 1.0);
        let (kc, vc) = (k.clone(), v.clone());
        let gq = numerical_grad(&mut q, 1e-2, |q| {
            probe_loss(&forward(&cfg, t, q, &kc, &vc).0, &probe)
        });
        let qc = q.clone();
        let gk = numerical_grad(&mut k, 1e-2, |k| {
            probe_loss(&forward(&cfg, t, &qc, k, &vc).0, &probe)
        });
        let gv = numerical_grad(&mut v, 1e-2, |v| {
            probe_loss(&forward(&cfg, t, &qc, &kc, v).0, &probe)
        });
        for keep_probs in [false, true] {
            let [_, _, dq, dk, dv] = forward_backward(&cfg, t, (&q, &k, &v), &probe, keep_probs);
            assert_grad_close("attention dq", &dq, &gq, 1e-3);
            assert_grad_close("attention dk", &dk, &gk, 1e-3);
            assert_grad_close("attention dv", &dv, &gv, 1e-3);
        }
    }

    #[test]
    fn backward_matches_finite_differences() {
        check_backward(2, 2, 4, 6);
        check_backward(4, 2, 3, 7); // GQA
        check_backward(3, 1, 2, 67); // MQA, three blocks, ragged last one
    }

    #[test]
    fn saved_probabilities_and_thread_count_do_not_change_results() {
        let cfg = AttentionConfig::new(6, 2, 16);
        let t = 100;
        let (q, k, v) = inputs(77, &cfg, t, 1.0);
        let probe = random_vec(&mut Rng::new(78), q.len(), 1.0);
        let run = |threads: usize, keep: bool| {
            with_threads(threads, || {
                forward_backward(&cfg, t, (&q, &k, &v), &probe, keep)
            })
        };
        let base = run(1, false);
        for (threads, keep) in [(2, false), (1, true), (2, true)] {
            for (a, b) in base.iter().zip(&run(threads, keep)) {
                let err = crate::fd::max_abs_diff(a, b);
                assert!(
                    err <= 1e-6,
                    "threads={threads} keep_probs={keep}: differ by {err}"
                );
            }
        }
    }

    /// SmolLM2-135M shapes (H=9, Hkv=3, d=64, T=256). Run with
    /// `cargo test -p kernels --release --lib timing -- --ignored --nocapture`.
    #[test]
    #[ignore = "timing, not a check"]
    fn timing_smollm2_shapes() {
        let cfg = AttentionConfig::new(9, 3, 64);
        let t = 256;
        let (q, k, v) = inputs(1, &cfg, t, 1.0);
        let probe = random_vec(&mut Rng::new(2), q.len(), 1.0);
        let (mut out, mut lse) = (vec![0.0; q.len()], vec![0.0; 9 * t]);
        let (mut dq, mut dk, mut dv) = (vec![0.0; q.len()], vec![0.0; k.len()], vec![0.0; v.len()]);
        let mut probs = vec![0.0; probs_len(&cfg, t)];
        for threads in [1, 2] {
            for keep in [false, true] {
                let fwd = with_threads(threads, || {
                    time_ms(10, || {
                        let p = keep.then_some(&mut probs[..]);
                        attention_forward(&cfg, t, &q, &k, &v, &mut out, &mut lse, p)
                    })
                });
                let bwd = with_threads(threads, || {
                    time_ms(10, || {
                        let p = keep.then_some(&probs[..]);
                        attention_backward(
                            &cfg, t, &q, &k, &v, &lse, p, &probe, &mut dq, &mut dk, &mut dv,
                        )
                    })
                });
                println!(
                    "attention T={t} threads={threads} keep_probs={keep}: forward {fwd:.2} ms, backward {bwd:.2} ms"
                );
            }
        }
    }
}
