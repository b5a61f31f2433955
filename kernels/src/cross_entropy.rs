//! Softmax cross-entropy over the vocabulary, computed a few tokens at a
//! time so the (T, V) logits matrix never exists.
//!
//! Shapes: hidden, d_hidden are (T, E) row-major (the output of the final
//! norm); labels is (T) with the target id of each position, negative =
//! ignored (prompt tokens, padding). The caller owns the output projection
//! (often a quantized, tied `token_embd`): it supplies `head_forward`
//! (hidden chunk (c,E) → logits (c,V)) and, for training,
//! `head_backward` (hidden chunk, dlogits (c,V) → d_hidden chunk (c,E)).
//!
//! Only unmasked positions are projected: they are gathered into chunks of
//! at most `chunk` rows, so masked prompt tokens cost nothing. Per row the
//! loss is `lse − logit[label]` with a max-subtracted log-sum-exp whose sum
//! is accumulated in f64; the gradient `dlogits = (softmax − onehot)·s` is
//! written over the logits buffer (s = 1/n_tokens for the mean loss).
//! Memory: c·(2E + V) floats. Rows are processed by rayon workers; results
//! do not depend on the thread count.

use crate::fastexp;
use rayon::prelude::*;
use std::fmt;

/// A label that is not a vocabulary id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LossError {
    LabelOutOfRange {
        position: usize,
        label: i32,
        n_vocab: usize,
    },
}

impl fmt::Display for LossError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LossError::LabelOutOfRange {
                position,
                label,
                n_vocab,
            } => {
                write!(f, "label {label} at position {position} is not a token id (vocabulary size {n_vocab})")
            }
        }
    }
}

impl std::error::Error for LossError {}

/// Totals of one pass: the mean loss is `loss_sum / n_tokens`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CrossEntropyStats {
    /// Σ over unmasked positions of −log p(label).
    pub loss_sum: f64,
    /// Unmasked positions.
    pub n_tokens: usize,
}

impl CrossEntropyStats {
    /// Mean loss per unmasked token (0 when there are none).
    pub fn mean(&self) -> f64 {
        if self.n_tokens == 0 {
            0.0
        } else {
            self.loss_sum / self.n_tokens as f64
        }
    }
}

/// The head's backward for one chunk: (hidden (c,E), dlogits (c,V),
/// d_hidden (c,E) to overwrite).
pub type HeadBackward<'a> = dyn FnMut(&[f32], &[f32], &mut [f32]) + 'a;

/// A per-token gradient factor from (position, −log p(label)).
pub type TokenScale<'a> = dyn Fn(usize, f64) -> f32 + Sync + 'a;

/// The factor s of a row's gradient (softmax − onehot)·s.
#[derive(Clone, Copy)]
pub enum GradScale<'a> {
    /// 1/n_tokens: the gradient of the mean.
    Mean,
    /// The same factor on every row: 1/total for gradient accumulation
    /// over micro-batches.
    Uniform(f32),
    /// `s = f(position, −log p(label))`, called once per labelled row once
    /// its loss is known: the gradient of Σ g_t(CE_t) with s = g_t'(CE_t),
    /// for objectives that weight each token by its own probability
    /// (policy gradients with clipped ratios, KL penalties).
    PerToken(&'a TokenScale<'a>),
}

/// What the backward pass needs.
pub struct LossGrad<'a> {
    /// (T, E), overwritten; masked rows become zero.
    pub d_hidden: &'a mut [f32],
    /// (hidden chunk (c,E), dlogits (c,V), d_hidden chunk (c,E) to overwrite).
    /// A trainable head can also accumulate its weight gradient here.
    pub head_backward: &'a mut HeadBackward<'a>,
    /// Multiplies (softmax − onehot).
    pub grad_scale: GradScale<'a>,
}

/// Loss of one row of logits; where `scale(loss)` gives a factor s the row
/// is replaced by `(softmax − onehot)·s`.
fn row_loss(row: &mut [f32], label: usize, scale: impl FnOnce(f64) -> Option<f32>) -> f64 {
    let max = fastexp::max(row);
    let target = row[label];
    let sum = fastexp::exp_shifted_sum(row, max);
    let loss = max as f64 + sum.ln() - target as f64;
    if let Some(s) = scale(loss) {
        let k = ((1.0 / sum) * s as f64) as f32;
        row.iter_mut().for_each(|x| *x *= k);
        row[label] -= s;
    }
    loss
}

/// Cross-entropy of `labels` under `head_forward(hidden)`, summed over the
/// unmasked positions; with `grad`, also d_hidden (see [`LossGrad`]); with
/// `per_token` (length T), each unmasked position's −log p(label) written
/// at its index (the others left as they are).
/// Fails, before any work, on a label ≥ n_vocab.
#[allow(clippy::too_many_arguments)]
pub fn chunked_cross_entropy(
    hidden: &[f32],
    labels: &[i32],
    n_embd: usize,
    n_vocab: usize,
    chunk: usize,
    head_forward: &mut dyn FnMut(&[f32], &mut [f32]),
    mut grad: Option<LossGrad<'_>>,
    mut per_token: Option<&mut [f64]>,
) -> Result<CrossEntropyStats, LossError> {
    let t = labels.len();
    if let Some(p) = per_token.as_deref() {
        assert_eq!(p.len(), t, "per_token has one value per position");
    }
    assert_eq!(hidden.len(), t * n_embd, "hidden is (T, E)");
    assert!(chunk > 0, "chunk is at least one token");
    let mut rows = Vec::new();
    for (position, &label) in labels.iter().enumerate() {
        if label >= 0 {
            if label as usize >= n_vocab {
                return Err(LossError::LabelOutOfRange {
                    position,
                    label,
                    n_vocab,
                });
            }
            rows.push(position);
        }
    }
    let n_tokens = rows.len();
    let scale = grad.as_ref().map(|g| match g.grad_scale {
        GradScale::Mean => GradScale::Uniform(1.0 / n_tokens.max(1) as f32),
        s => s,
    });
    if let Some(g) = grad.as_mut() {
        assert_eq!(g.d_hidden.len(), t * n_embd, "d_hidden is (T, E)");
        g.d_hidden.fill(0.0);
    }
    let c_max = chunk.min(n_tokens.max(1));
    let mut h = vec![0.0f32; c_max * n_embd];
    let mut logits = vec![0.0f32; c_max * n_vocab];
    let mut dh = vec![0.0f32; if grad.is_some() { c_max * n_embd } else { 0 }];
    let mut losses = vec![0.0f64; c_max];
    let mut loss_sum = 0.0f64;
    for ids in rows.chunks(chunk) {
        let c = ids.len();
        let (h, logits, losses) = (
            &mut h[..c * n_embd],
            &mut logits[..c * n_vocab],
            &mut losses[..c],
        );
        for (dst, &i) in h.chunks_exact_mut(n_embd).zip(ids) {
            dst.copy_from_slice(&hidden[i * n_embd..(i + 1) * n_embd]);
        }
        head_forward(h, logits);
        logits
            .par_chunks_mut(n_vocab)
            .zip(losses.par_iter_mut())
            .zip(ids.par_iter())
            .for_each(|((row, loss), &i)| {
                *loss = row_loss(row, labels[i] as usize, |l| match scale? {
                    GradScale::Mean => unreachable!("resolved to Uniform above"),
                    GradScale::Uniform(s) => Some(s),
                    GradScale::PerToken(f) => Some(f(i, l)),
                });
            });
        loss_sum += losses.iter().sum::<f64>();
        if let Some(p) = per_token.as_deref_mut() {
            for (&l, &i) in losses.iter().zip(ids) {
                p[i] = l;
            }
        }
        if let Some(g) = grad.as_mut() {
            let dh = &mut dh[..c * n_embd];
            (g.head_backward)(h, logits, dh);
            for (src, &i) in dh.chunks_exact(n_embd).zip(ids) {
                g.d_hidden[i * n_embd..(i + 1) * n_embd].copy_from_slice(src);
            }
        }
    }
    Ok(CrossEntropyStats { loss_sum, n_tokens })
}

/// Chunked cross-entropy against a dense f64 reference and finite
/// differences, with a dense f32 head W (V, E).
#[cfg(test)]
mod tests {
    use super::*;
    use crate::fd::{assert_grad_close, numerical_grad, random_vec, time_ms, with_threads};
    use crate::gemm::{matmul_dw, matmul_xw, matmul_xwt, Dims};
    use crate::rng::Rng;

    const E: usize = 6;
    const V: usize = 11;

    /// The LM head's products for `t` rows of hidden states.
    fn head(t: usize) -> Dims {
        Dims {
            t,
            n_in: E,
            n_out: V,
        }
    }

    /// Dense reference: mean over labelled rows of lse − logit[label], in f64.
    fn reference(hidden: &[f32], w: &[f32], labels: &[i32]) -> f64 {
        let (mut sum, mut n) = (0.0f64, 0);
        for (i, &l) in labels.iter().enumerate() {
            if l < 0 {
                continue;
            }
            let logits: Vec<f64> = (0..V)
                .map(|v| {
                    (0..E)
                        .map(|e| hidden[i * E + e] as f64 * w[v * E + e] as f64)
                        .sum()
                })
                .collect();
            let m = logits.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let lse = m + logits.iter().map(|x| (x - m).exp()).sum::<f64>().ln();
            sum += lse - logits[l as usize];
            n += 1;
        }
        sum / n as f64
    }

    /// Runs the chunked loss with a dense head; returns (stats, d_hidden, dW).
    fn run(
        hidden: &[f32],
        w: &[f32],
        labels: &[i32],
        chunk: usize,
        scale: GradScale<'_>,
    ) -> (CrossEntropyStats, Vec<f32>, Vec<f32>) {
        let mut fwd =
            |h: &[f32], logits: &mut [f32]| matmul_xwt(h, w, logits, head(h.len() / E), false);
        let mut dw = vec![0.0f32; V * E];
        let mut d_hidden = vec![7.0f32; hidden.len()];
        let mut bwd = |h: &[f32], dl: &[f32], dh: &mut [f32]| {
            let dims = head(h.len() / E);
            matmul_xw(dl, w, dh, dims, false);
            matmul_dw(dl, h, &mut dw, dims, true);
        };
        let grad = LossGrad {
            d_hidden: &mut d_hidden,
            head_backward: &mut bwd,
            grad_scale: scale,
        };
        let stats = chunked_cross_entropy(hidden, labels, E, V, chunk, &mut fwd, Some(grad), None)
            .expect("labels are valid");
        (stats, d_hidden, dw)
    }

    fn setup(seed: u64) -> (Vec<f32>, Vec<f32>, Vec<i32>) {
        let mut rng = Rng::new(seed);
        let labels = vec![3, -1, 0, 10, -1, 5, 5];
        let hidden = random_vec(&mut rng, labels.len() * E, 1.0);
        let w = random_vec(&mut rng, V * E, 2.0);
        (hidden, w, labels)
    }

    #[test]
    fn loss_matches_dense_reference_for_every_chunk_size() {
        let (hidden, w, labels) = setup(31);
        let want = reference(&hidden, &w, &labels);
        let (base, base_dh, base_dw) = run(&hidden, &w, &labels, 1, GradScale::Mean);
        assert_eq!(base.n_tokens, 5);
        assert!(
            (base.mean() - want).abs() < 1e-6,
            "{} vs {want}",
            base.mean()
        );
        for chunk in [2, 3, 5, 64] {
            let (s, dh, dw) = run(&hidden, &w, &labels, chunk, GradScale::Mean);
            assert!((s.loss_sum - base.loss_sum).abs() < 1e-9);
            assert!(crate::fd::max_abs_diff(&dh, &base_dh) < 1e-6);
            assert!(crate::fd::max_abs_diff(&dw, &base_dw) < 1e-6);
        }
        // Forward only gives the same loss.
        let mut fwd =
            |h: &[f32], logits: &mut [f32]| matmul_xwt(h, &w, logits, head(h.len() / E), false);
        let s = chunked_cross_entropy(&hidden, &labels, E, V, 4, &mut fwd, None, None)
            .expect("labels are valid");
        assert_eq!(s, base);
    }

    #[test]
    fn gradients_match_finite_differences() {
        let (mut hidden, mut w, labels) = setup(32);
        let (_, dh, dw) = run(&hidden, &w, &labels, 3, GradScale::Mean);
        let wc = w.clone();
        let gh = numerical_grad(&mut hidden, 1e-2, |h| reference(h, &wc, &labels));
        assert_grad_close("cross-entropy d_hidden", &dh, &gh, 1e-3);
        let hc = hidden.clone();
        let gw = numerical_grad(&mut w, 1e-2, |w| reference(&hc, w, &labels));
        assert_grad_close("cross-entropy dW", &dw, &gw, 1e-3);
        // Masked rows get no gradient.
        assert!(dh[E..2 * E]
            .iter()
            .chain(&dh[4 * E..5 * E])
            .all(|&x| x == 0.0));
        // A custom scale multiplies the gradient.
        let (_, dh2, _) = run(&hidden, &w, &labels, 3, GradScale::Uniform(0.5));
        let ratio = 0.5 * 5.0;
        assert!(dh2
            .iter()
            .zip(&dh)
            .all(|(a, b)| (a - ratio * b).abs() < 1e-5));
    }

    /// Dense reference of Σ_t c_t·p_t (p_t = exp(−CE_t), c_t by position):
    /// a nonlinear function of each token's loss, like a policy-gradient
    /// objective with ratio weights.
    fn prob_weighted(hidden: &[f32], w: &[f32], labels: &[i32]) -> f64 {
        let mut total = 0.0;
        for (i, &l) in labels.iter().enumerate() {
            if l >= 0 {
                let mut one = vec![-1; labels.len()];
                one[i] = l;
                let ce = reference(hidden, w, &one);
                total += (i as f64 - 2.5) * (-ce).exp();
            }
        }
        total
    }

    /// Per-token scales give the gradient of Σ g_t(CE_t) (here g_t = c_t·e^−CE,
    /// g_t' = −c_t·e^−CE), against finite differences; per_token holds
    /// each labelled row's loss.
    #[test]
    fn per_token_scales_give_the_gradient_of_a_weighted_objective() {
        let (mut hidden, w, labels) = setup(34);
        let f = |i: usize, ce: f64| (-(i as f64 - 2.5) * (-ce).exp()) as f32;
        let (stats, dh, _) = run(&hidden, &w, &labels, 2, GradScale::PerToken(&f));
        let wc = w.clone();
        let gh = numerical_grad(&mut hidden, 1e-2, |h| prob_weighted(h, &wc, &labels));
        assert_grad_close("per-token d_hidden", &dh, &gh, 1e-3);
        let mut per = vec![-7.0; labels.len()];
        let mut fwd =
            |h: &[f32], logits: &mut [f32]| matmul_xwt(h, &w, logits, head(h.len() / E), false);
        let s = chunked_cross_entropy(&hidden, &labels, E, V, 3, &mut fwd, None, Some(&mut per))
            .expect("labels are valid");
        assert!((s.loss_sum - stats.loss_sum).abs() < 1e-9);
        for (i, &l) in labels.iter().enumerate() {
            if l < 0 {
                assert_eq!(per[i], -7.0, "masked rows are left alone");
                continue;
            }
            let mut one = vec![-1; labels.len()];
            one[i] = l;
            let want = reference(&hidden, &w, &one);
            assert!(
                (per[i] - want).abs() < 1e-5,
                "row {i}: {} vs {want}",
                per[i]
            );
        }
    }

    #[test]
    fn stable_for_huge_logits() {
        let hidden = vec![1.0f32; E];
        let mut w = vec![0.0f32; V * E];
        w[2 * E] = 1000.0; // logit 1000 for token 2, 0 elsewhere
        let (s, dh, _) = run(&hidden, &w, &[2], 1, GradScale::Mean);
        assert!(s.loss_sum.abs() < 1e-6 && dh.iter().all(|x| x.is_finite()));
        let (s, _, _) = run(&hidden, &w, &[0], 1, GradScale::Mean);
        assert!((s.loss_sum - 1000.0).abs() < 1e-3, "{}", s.loss_sum);
    }

    #[test]
    fn all_masked_and_bad_labels() {
        let (hidden, w, _) = setup(33);
        let labels = vec![-1; 7];
        let mut calls = 0;
        let mut fwd = |_: &[f32], _: &mut [f32]| calls += 1;
        let s = chunked_cross_entropy(&hidden, &labels, E, V, 4, &mut fwd, None, None)
            .expect("all masked is fine");
        assert_eq!((s.n_tokens, s.mean(), calls), (0, 0.0, 0));
        let (_, dh, _) = run(&hidden, &w, &labels, 2, GradScale::Mean);
        assert!(dh.iter().all(|&x| x == 0.0));

        let bad = vec![1, 2, V as i32, 0, 0, 0, 0];
        let mut fwd = |_: &[f32], _: &mut [f32]| panic!("no work before validation");
        let err = chunked_cross_entropy(&hidden, &bad, E, V, 4, &mut fwd, None, None).unwrap_err();
        assert_eq!(
            err,
            LossError::LabelOutOfRange {
                position: 2,
                label: V as i32,
                n_vocab: V
            }
        );
    }

    /// Softmax/loss cost alone at SmolLM2 vocabulary size (V=49152, T=256), with
    /// a head that only writes the logits. `-- --ignored --nocapture`.
    #[test]
    #[ignore = "timing, not a check"]
    fn timing_softmax_at_vocab_size() {
        let (t, e, v) = (256, 8, 49152);
        let hidden = vec![0.1f32; t * e];
        let labels: Vec<i32> = (0..t as i32).map(|i| i * 37 % v as i32).collect();
        let pattern: Vec<f32> = (0..v).map(|j| ((j * 31) % 1000) as f32 / 100.0).collect();
        let mut fwd = |_: &[f32], logits: &mut [f32]| {
            logits
                .chunks_exact_mut(v)
                .for_each(|row| row.copy_from_slice(&pattern));
        };
        let mut d_hidden = vec![0.0f32; t * e];
        let mut bwd = |_: &[f32], _: &[f32], _: &mut [f32]| {};
        for threads in [1, 2] {
            let ms = with_threads(threads, || {
                time_ms(1, || {
                    let grad = LossGrad {
                        d_hidden: &mut d_hidden,
                        head_backward: &mut bwd,
                        grad_scale: GradScale::Mean,
                    };
                    chunked_cross_entropy(&hidden, &labels, e, v, 32, &mut fwd, Some(grad), None)
                        .expect("valid labels");
                })
            });
            println!("cross-entropy T={t} V={v} threads={threads}: {ms:.2} ms (incl. fake head)");
        }
    }
}
