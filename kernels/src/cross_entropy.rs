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

/// What the backward pass needs.
pub struct LossGrad<'a> {
    /// (T, E), overwritten; masked rows become zero.
    pub d_hidden: &'a mut [f32],
    /// (hidden chunk (c,E), dlogits (c,V), d_hidden chunk (c,E) to overwrite).
    /// A trainable head can also accumulate its weight gradient here.
    pub head_backward: &'a mut HeadBackward<'a>,
    /// Multiplies (softmax − onehot). `None`: 1/n_tokens (gradient of the
    /// mean). Pass 1/total for gradient accumulation over micro-batches.
    pub grad_scale: Option<f32>,
}

/// Loss of one row of logits; with `scale` the row is replaced by
/// `(softmax − onehot)·scale`.
fn row_loss(row: &mut [f32], label: usize, scale: Option<f32>) -> f64 {
    let max = fastexp::max(row);
    let target = row[label];
    let sum = fastexp::exp_shifted_sum(row, max);
    if let Some(s) = scale {
        let k = ((1.0 / sum) * s as f64) as f32;
        row.iter_mut().for_each(|x| *x *= k);
        row[label] -= s;
    }
    max as f64 + sum.ln() - target as f64
}

/// Cross-entropy of `labels` under `head_forward(hidden)`, summed over the
/// unmasked positions; with `grad`, also d_hidden (see [`LossGrad`]).
/// Fails, before any work, on a label ≥ n_vocab.
pub fn chunked_cross_entropy(
    hidden: &[f32],
    labels: &[i32],
    n_embd: usize,
    n_vocab: usize,
    chunk: usize,
    head_forward: &mut dyn FnMut(&[f32], &mut [f32]),
    mut grad: Option<LossGrad<'_>>,
) -> Result<CrossEntropyStats, LossError> {
    let t = labels.len();
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
    let scale = grad
        .as_ref()
        .map(|g| g.grad_scale.unwrap_or(1.0 / n_tokens.max(1) as f32));
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
                *loss = row_loss(row, labels[i] as usize, scale);
            });
        loss_sum += losses.iter().sum::<f64>();
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

#[cfg(test)]
#[path = "cross_entropy_tests.rs"]
mod tests;
