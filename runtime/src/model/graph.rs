//! The llama / qwen2 forward and backward over memory-mapped quantized
//! weights, with LoRA, per-layer activation checkpointing and a chunked
//! vocabulary loss (src/models/llama.cpp and qwen2.cpp in llama.cpp):
//!
//! ```text
//! x = token_embd[ids]
//! per layer:  h = RMSNorm(x)·attn_norm;  q,k,v = W·h (+LoRA) (+bias);  RoPE(q,k)
//!             x = x + Wo·Attn(q,k,v) (+LoRA)
//!             h = RMSNorm(x)·ffn_norm;   x = x + Wdown·(silu(Wgate·h) ⊙ Wup·h) (+LoRA)
//! logits = output · (RMSNorm(x)·output_norm)
//! ```
//!
//! Shapes: T tokens, E = n_embd, Q = n_head·head_dim, KV = n_head_kv·head_dim,
//! F = n_ff; activations are row-major (T, width).

use std::sync::Mutex;

use kernels::attention::{attention_backward, attention_forward, probs_len, AttentionConfig};
use kernels::cross_entropy::{
    chunked_cross_entropy, CrossEntropyStats, GradScale, LossGrad, TokenScale,
};
use kernels::embedding::{embedding_backward, embedding_forward};
use kernels::gemm::{matmul_dw, Dims};
use kernels::lora::{lora_backward, lora_forward};
use kernels::qmatmul::{
    qmatmul_backward_dx_in, qmatmul_forward_in, Compute, Int8Weight, Path, QWeight,
};
use kernels::rmsnorm::{rmsnorm_backward, rmsnorm_forward};
use kernels::rope::{rope_backward, rope_forward, RopeCache, RopeConfig, RopeMode};
use kernels::swiglu::{swiglu_backward, swiglu_forward};

use super::config::{LoraTarget, PerTarget, RopeLayout};
use super::full::FullModel;
use super::lora::{LoraAdapter, LoraPair};
use super::profile::{self, Op};
use super::weights::{Linear, Weights};
use crate::memory::loss_chunk_tokens;
use crate::{Error, Result};

/// Everything one layer's backward needs, produced by its forward.
#[derive(Default)]
struct LayerActs {
    rstd1: Vec<f32>,
    /// RMSNorm(x)·attn_norm (T,E).
    xn1: Vec<f32>,
    /// After RoPE: q (T,Q), k (T,KV); v (T,KV).
    q: Vec<f32>,
    k: Vec<f32>,
    v: Vec<f32>,
    /// Attention output before Wo (T,Q) and its row log-sum-exps (H,T).
    att: Vec<f32>,
    lse: Vec<f32>,
    /// Causal attention probabilities (about H·T²/2), so the backward does
    /// not recompute QKᵀ and the softmax.
    probs: Vec<f32>,
    /// Residual after attention (T,E).
    x1: Vec<f32>,
    rstd2: Vec<f32>,
    xn2: Vec<f32>,
    gate: Vec<f32>,
    up: Vec<f32>,
    /// silu(gate)·up (T,F).
    h: Vec<f32>,
    /// s·X·Aᵀ (T,r) of each adapted projection.
    xa: PerTarget<Vec<f32>>,
}

/// What a backward pass accumulates gradients into.
pub enum Grads<'g> {
    /// LoRA A/B only; the base stays frozen.
    Lora(&'g mut LoraAdapter),
    /// Every weight of a small f32 model (no LoRA).
    Full(&'g mut FullModel),
}

/// A model ready to run forward/backward: weights plus RoPE/attention setup.
pub struct Graph<'a> {
    pub w: Weights<'a>,
    rope: RopeConfig,
    attn: AttentionConfig,
    /// How matmuls through the frozen weights compute (f32 by default).
    compute: Compute,
    /// The frozen weights coded once for the int8 path (see
    /// [`Graph::code_int8`]).
    coded: Option<CodedWeights>,
    /// Kept layers' activation buffers from the last backward, reused by
    /// the next step instead of allocated, zeroed and faulted in again.
    spare: Mutex<Vec<LayerActs>>,
}

/// Every frozen projection and the output head, coded for the int8 path.
struct CodedWeights {
    layers: Vec<PerTarget<Int8Weight>>,
    output: Int8Weight,
}

impl<'a> Graph<'a> {
    pub fn new(w: Weights<'a>) -> Graph<'a> {
        let c = &w.cfg;
        let mode = match c.rope_layout {
            RopeLayout::Norm => RopeMode::Norm,
            RopeLayout::Neox => RopeMode::Neox,
        };
        let mut rope = RopeConfig::new(c.rope_dims, c.rope_freq_base, mode);
        rope.freq_scale = c.rope_freq_scale;
        let attn = AttentionConfig::new(c.n_head, c.n_head_kv, c.head_dim);
        Graph {
            w,
            rope,
            attn,
            compute: Compute::F32,
            coded: None,
            spare: Mutex::new(Vec::new()),
        }
    }

    /// The same graph with matmuls through the frozen weights on `compute`
    /// (the int8 path trades a bounded error for speed; see `kernels::int8`).
    pub fn with_compute(mut self, compute: Compute) -> Graph<'a> {
        self.compute = compute;
        self
    }

    /// With int8 compute, codes every frozen weight for the int8 path once
    /// ([`memory::int8_coded_bytes`](crate::memory::int8_coded_bytes) of
    /// memory) so the products stop re-coding them; the results do not
    /// change. Nothing to do with f32 compute.
    pub fn code_int8(mut self) -> Graph<'a> {
        if self.compute == Compute::Int8 {
            let layers = self
                .w
                .layers
                .iter()
                .map(|lw| {
                    let mut c = PerTarget::<Int8Weight>::default();
                    for tg in LoraTarget::ALL {
                        c[tg] = Int8Weight::new(lw.linear(tg).w);
                    }
                    c
                })
                .collect();
            let output = Int8Weight::new(self.w.output);
            self.coded = Some(CodedWeights { layers, output });
        }
        self
    }

    /// Whether [`Graph::code_int8`] coded the weights.
    pub fn int8_coded(&self) -> bool {
        self.coded.is_some()
    }

    /// The path of a product through a frozen weight: its codes when
    /// made (`pick` chooses them), else the compute choice.
    fn path(&self, pick: impl FnOnce(&CodedWeights) -> &Int8Weight) -> Path<'_> {
        match &self.coded {
            Some(c) => Path::Int8Coded(pick(c)),
            None => self.compute.into(),
        }
    }

    fn check_ids(&self, ids: &[i32]) -> Result<()> {
        if ids.is_empty() {
            return Err(Error::Input("empty token sequence".into()));
        }
        let v = self.w.cfg.n_vocab;
        if let Some((i, id)) = ids
            .iter()
            .enumerate()
            .find(|(_, &id)| id < 0 || id as usize >= v)
        {
            return Err(Error::Input(format!(
                "token {id} at position {i} is outside the vocabulary (size {v})"
            )));
        }
        Ok(())
    }

    /// x (T,E) = rows of token_embd.
    fn embed(&self, ids: &[i32]) -> Vec<f32> {
        let te = &self.w.token_embd;
        let mut x = vec![0.0; ids.len() * self.w.cfg.n_embd];
        embedding_forward(te.ty, te.data, te.n_in, ids, &mut x)
            .expect("ids were checked against the vocabulary and token_embd's type when mapped");
        x
    }

    /// Logits (T,V) for every position: for parity tests and evaluation.
    pub fn forward_logits(&self, ids: &[i32], lora: Option<&LoraAdapter>) -> Result<Vec<f32>> {
        self.check_ids(ids)?;
        let t = ids.len();
        let cache = RopeCache::new(&self.rope, &(0..t as i32).collect::<Vec<_>>());
        let mut x = self.embed(ids);
        let mut acts = LayerActs::default();
        let mut next = vec![0.0; x.len()];
        for l in 0..self.w.cfg.n_layer {
            self.layer_forward(l, &x, t, &cache, lora, &mut acts, &mut next);
            std::mem::swap(&mut x, &mut next);
        }
        let (xf, _) = self.final_norm(&x, t);
        let mut logits = vec![0.0; t * self.w.cfg.n_vocab];
        let path = self.path(|c| &c.output);
        qmatmul_forward_in(path, &xf, self.w.output, &mut logits, t, false);
        Ok(logits)
    }

    fn final_norm(&self, x: &[f32], t: usize) -> (Vec<f32>, Vec<f32>) {
        let e = self.w.cfg.n_embd;
        let mut xf = vec![0.0; t * e];
        let mut rstd = vec![0.0; t];
        profile::timed(Op::Elementwise, || {
            rmsnorm_forward(
                x,
                &self.w.output_norm,
                &mut xf,
                &mut rstd,
                e,
                self.w.cfg.rms_eps,
            )
        });
        (xf, rstd)
    }

    /// Mean cross-entropy over positions whose label is ≥ 0 (`labels[i]` is
    /// the target after `ids[..=i]`), and, with `grads`, the gradients (LoRA
    /// or every weight) accumulated into it (scaled by `grad_scale`,
    /// default 1/n_tokens).
    /// The backward keeps the activations of the last `kept_layers`
    /// layers from the forward and recomputes the others from their saved
    /// inputs: 0 uses the least memory, `n_layer` (or more) skips the
    /// recompute entirely (same result either way; see
    /// `memory::training_planned` for what each choice costs).
    pub fn loss(
        &self,
        ids: &[i32],
        labels: &[i32],
        lora: Option<&LoraAdapter>,
        grads: Option<Grads<'_>>,
        grad_scale: Option<f32>,
        kept_layers: usize,
    ) -> Result<CrossEntropyStats> {
        let scale = grad_scale.map_or(GradScale::Mean, GradScale::Uniform);
        self.loss_scaled(ids, labels, lora, grads, scale, kept_layers, None)
    }

    /// Each position's cross-entropy −log p(label) (NaN where the label is
    /// masked), and, with `grad`, the gradient of Σ g_t(CE_t) accumulated
    /// into its `Grads`, where the function gives g_t'(CE_t) from (position,
    /// CE_t): policy-gradient objectives, whose token weights depend on the
    /// token's own probability (see `kernels::cross_entropy::GradScale`).
    pub fn token_losses(
        &self,
        ids: &[i32],
        labels: &[i32],
        lora: Option<&LoraAdapter>,
        grad: Option<(Grads<'_>, &TokenScale<'_>)>,
        kept_layers: usize,
    ) -> Result<Vec<f64>> {
        let mut per = vec![f64::NAN; ids.len()];
        let (grads, scale) = match grad {
            Some((g, f)) => (Some(g), GradScale::PerToken(f)),
            None => (None, GradScale::Mean),
        };
        self.loss_scaled(ids, labels, lora, grads, scale, kept_layers, Some(&mut per))?;
        Ok(per)
    }

    #[allow(clippy::too_many_arguments)]
    fn loss_scaled(
        &self,
        ids: &[i32],
        labels: &[i32],
        lora: Option<&LoraAdapter>,
        grads: Option<Grads<'_>>,
        grad_scale: GradScale<'_>,
        kept_layers: usize,
        mut per_token: Option<&mut [f64]>,
    ) -> Result<CrossEntropyStats> {
        self.check_ids(ids)?;
        if labels.len() != ids.len() {
            return Err(Error::Input(format!(
                "{} labels for {} tokens",
                labels.len(),
                ids.len()
            )));
        }
        let cfg = &self.w.cfg;
        let (t, e, v) = (ids.len(), cfg.n_embd, cfg.n_vocab);
        let cache = RopeCache::new(&self.rope, &(0..t as i32).collect::<Vec<_>>());
        // Layer inputs x_0..x_L (checkpoints).
        let mut xs: Vec<Vec<f32>> = Vec::with_capacity(cfg.n_layer + 1);
        xs.push(self.embed(ids));
        // Layers from `first_kept` on keep their activations for backward.
        let first_kept = cfg.n_layer.saturating_sub(kept_layers);
        let mut kept: Vec<LayerActs> = Vec::new();
        let mut acts = LayerActs::default();
        for l in 0..cfg.n_layer {
            let mut next = vec![0.0; t * e];
            self.layer_forward(l, &xs[l], t, &cache, lora, &mut acts, &mut next);
            xs.push(next);
            if grads.is_some() && l >= first_kept {
                let reused = self.spare.lock().ok().and_then(|mut s| s.pop());
                kept.push(std::mem::replace(&mut acts, reused.unwrap_or_default()));
            }
        }
        let (xf, rstd_f) = self.final_norm(&xs[cfg.n_layer], t);
        let (output, head) = (self.w.output, self.path(|c| &c.output));
        let mut head_forward = |h: &[f32], logits: &mut [f32]| {
            qmatmul_forward_in(head, h, output, logits, h.len() / e, false)
        };
        let Some(mut grads) = grads else {
            return profile::timed(Op::Loss, || {
                chunked_cross_entropy(
                    &xf,
                    labels,
                    e,
                    v,
                    loss_chunk_tokens(v),
                    &mut head_forward,
                    None,
                    per_token.as_deref_mut(),
                )
            })
            .map_err(|err| Error::Input(err.to_string()));
        };
        let mut d_xf = vec![0.0; t * e];
        let head_name = if cfg.tied_embeddings {
            "token_embd.weight"
        } else {
            "output.weight"
        };
        let mut d_head = match &mut grads {
            Grads::Full(g) => g.get_mut(head_name),
            Grads::Lora(_) => None,
        };
        let mut head_backward = |h: &[f32], dlogits: &[f32], dh: &mut [f32]| {
            let c = dh.len() / e;
            qmatmul_backward_dx_in(head, dlogits, output, dh, c, false);
            if let Some(dw) = d_head.as_deref_mut() {
                let dims = Dims {
                    t: c,
                    n_in: e,
                    n_out: v,
                };
                matmul_dw(dlogits, h, dw, dims, true);
            }
        };
        let stats = profile::timed(Op::Loss, || {
            chunked_cross_entropy(
                &xf,
                labels,
                e,
                v,
                loss_chunk_tokens(v),
                &mut head_forward,
                Some(LossGrad {
                    d_hidden: &mut d_xf,
                    head_backward: &mut head_backward,
                    grad_scale,
                }),
                per_token,
            )
        })
        .map_err(|err| Error::Input(err.to_string()))?;
        let mut dx = vec![0.0; t * e];
        profile::timed(Op::Elementwise, || {
            rmsnorm_backward(
                &d_xf,
                &xs[cfg.n_layer],
                &self.w.output_norm,
                &rstd_f,
                &mut dx,
                full_grad(&mut grads, "output_norm.weight"),
                e,
                false,
            )
        });
        let mut dx_prev = vec![0.0; t * e];
        for l in (0..cfg.n_layer).rev() {
            let acts = if l < first_kept {
                let mut scratch = vec![0.0; t * e];
                self.layer_forward(l, &xs[l], t, &cache, lora, &mut acts, &mut scratch);
                &acts
            } else {
                &kept[l - first_kept]
            };
            self.layer_backward(
                l,
                &xs[l],
                t,
                &cache,
                acts,
                lora,
                &mut grads,
                &dx,
                &mut dx_prev,
            );
            std::mem::swap(&mut dx, &mut dx_prev);
        }
        if let Ok(mut spare) = self.spare.lock() {
            spare.extend(kept);
        }
        if let Some(table) = full_grad(&mut grads, "token_embd.weight") {
            embedding_backward(ids, &dx, table, e).map_err(|err| Error::Input(err.to_string()))?;
        }
        Ok(stats)
    }

    /// One transformer block: `out = layer(x)`, saving what backward needs.
    #[allow(clippy::too_many_arguments)]
    fn layer_forward(
        &self,
        l: usize,
        x: &[f32],
        t: usize,
        cache: &RopeCache,
        lora: Option<&LoraAdapter>,
        a: &mut LayerActs,
        out: &mut [f32],
    ) {
        let c = &self.w.cfg;
        let lw = &self.w.layers[l];
        let (e, qd, kvd, f) = (c.n_embd, c.n_head * c.head_dim, c.n_embd_kv(), c.n_ff);
        resize(&mut a.rstd1, t);
        resize(&mut a.xn1, t * e);
        profile::timed(Op::Elementwise, || {
            rmsnorm_forward(x, &lw.attn_norm, &mut a.xn1, &mut a.rstd1, e, c.rms_eps)
        });
        let scale = lora.map_or(0.0, |ad| ad.spec.scale());
        // One adapted projection: y = W·x (+bias) (+LoRA), saving xa[tg].
        let forward =
            |tg: LoraTarget, x_in: &[f32], y: &mut Vec<f32>, xa: &mut PerTarget<Vec<f32>>| {
                let pair = lora.and_then(|ad| ad.pair(l, tg));
                linear_forward(
                    self.path(|c| &c.layers[l][tg]),
                    lw.linear(tg),
                    pair,
                    scale,
                    x_in,
                    t,
                    y,
                    &mut xa[tg],
                )
            };
        forward(LoraTarget::Q, &a.xn1, &mut a.q, &mut a.xa);
        forward(LoraTarget::K, &a.xn1, &mut a.k, &mut a.xa);
        forward(LoraTarget::V, &a.xn1, &mut a.v, &mut a.xa);
        profile::timed(Op::Elementwise, || {
            rope_forward(cache, &mut a.q, c.n_head, c.head_dim)
        });
        profile::timed(Op::Elementwise, || {
            rope_forward(cache, &mut a.k, c.n_head_kv, c.head_dim)
        });
        resize(&mut a.att, t * qd);
        resize(&mut a.lse, c.n_head * t);
        resize(&mut a.probs, probs_len(&self.attn, t));
        profile::timed(Op::Attention, || {
            attention_forward(
                &self.attn,
                t,
                &a.q,
                &a.k,
                &a.v,
                &mut a.att,
                &mut a.lse,
                Some(&mut a.probs),
            )
        });
        let _ = kvd;
        let mut o = Vec::new();
        forward(LoraTarget::O, &a.att, &mut o, &mut a.xa);
        resize(&mut a.x1, t * e);
        for ((x1, xi), oi) in a.x1.iter_mut().zip(x).zip(&o) {
            *x1 = xi + oi;
        }
        resize(&mut a.rstd2, t);
        resize(&mut a.xn2, t * e);
        profile::timed(Op::Elementwise, || {
            rmsnorm_forward(&a.x1, &lw.ffn_norm, &mut a.xn2, &mut a.rstd2, e, c.rms_eps)
        });
        forward(LoraTarget::Gate, &a.xn2, &mut a.gate, &mut a.xa);
        forward(LoraTarget::Up, &a.xn2, &mut a.up, &mut a.xa);
        resize(&mut a.h, t * f);
        profile::timed(Op::Elementwise, || swiglu_forward(&a.gate, &a.up, &mut a.h));
        forward(LoraTarget::Down, &a.h, &mut o, &mut a.xa);
        for ((y, x1), d) in out.iter_mut().zip(&a.x1).zip(&o) {
            *y = x1 + d;
        }
    }

    /// Backward of one block: from d_out (T,E) to dx (T,E), accumulating
    /// LoRA gradients. The base weights are frozen.
    #[allow(clippy::too_many_arguments)]
    fn layer_backward(
        &self,
        l: usize,
        x: &[f32],
        t: usize,
        cache: &RopeCache,
        a: &LayerActs,
        lora: Option<&LoraAdapter>,
        grads: &mut Grads<'_>,
        d_out: &[f32],
        dx: &mut [f32],
    ) {
        let c = &self.w.cfg;
        let lw = &self.w.layers[l];
        let (e, qd, kvd, f) = (c.n_embd, c.n_head * c.head_dim, c.n_embd_kv(), c.n_ff);
        let scale = lora.map_or(0.0, |ad| ad.spec.scale());
        let back = |grads: &mut Grads<'_>,
                    tg: LoraTarget,
                    x_in: &[f32],
                    dy: &[f32],
                    dx_acc: &mut [f32]| {
            linear_grads(
                self.path(|c| &c.layers[l][tg]),
                grads,
                lora,
                l,
                tg,
                lw.linear(tg),
                scale,
                x_in,
                &a.xa[tg],
                dy,
                t,
                dx_acc,
            )
        };
        // FFN: out = x1 + down(h)
        let mut dh = vec![0.0; t * f];
        back(grads, LoraTarget::Down, &a.h, d_out, &mut dh);
        let mut dgate = vec![0.0; t * f];
        let mut dup = vec![0.0; t * f];
        profile::timed(Op::Elementwise, || {
            swiglu_backward(&dh, &a.gate, &a.up, &mut dgate, &mut dup)
        });
        drop(dh);
        let mut dxn2 = vec![0.0; t * e];
        back(grads, LoraTarget::Gate, &a.xn2, &dgate, &mut dxn2);
        back(grads, LoraTarget::Up, &a.xn2, &dup, &mut dxn2);
        drop((dgate, dup));
        let mut dx1 = d_out.to_vec();
        profile::timed(Op::Elementwise, || {
            rmsnorm_backward(
                &dxn2,
                &a.x1,
                &lw.ffn_norm,
                &a.rstd2,
                &mut dx1,
                full_grad(grads, &format!("blk.{l}.ffn_norm.weight")),
                e,
                true,
            )
        });
        // Attention: x1 = x + o(att)
        let mut datt = vec![0.0; t * qd];
        back(grads, LoraTarget::O, &a.att, &dx1, &mut datt);
        let mut dq = vec![0.0; t * qd];
        let mut dk = vec![0.0; t * kvd];
        let mut dv = vec![0.0; t * kvd];
        profile::timed(Op::Attention, || {
            attention_backward(
                &self.attn,
                t,
                &a.q,
                &a.k,
                &a.v,
                &a.lse,
                Some(&a.probs),
                &datt,
                &mut dq,
                &mut dk,
                &mut dv,
            )
        });
        profile::timed(Op::Elementwise, || {
            rope_backward(cache, &mut dq, c.n_head, c.head_dim)
        });
        profile::timed(Op::Elementwise, || {
            rope_backward(cache, &mut dk, c.n_head_kv, c.head_dim)
        });
        let mut dxn1 = vec![0.0; t * e];
        back(grads, LoraTarget::Q, &a.xn1, &dq, &mut dxn1);
        back(grads, LoraTarget::K, &a.xn1, &dk, &mut dxn1);
        back(grads, LoraTarget::V, &a.xn1, &dv, &mut dxn1);
        dx.copy_from_slice(&dx1);
        profile::timed(Op::Elementwise, || {
            rmsnorm_backward(
                &dxn1,
                x,
                &lw.attn_norm,
                &a.rstd1,
                dx,
                full_grad(grads, &format!("blk.{l}.attn_norm.weight")),
                e,
                true,
            )
        });
    }
}

/// Backward of one projection: dx += dy·W (+ LoRA's part), and the
/// gradients of whatever is trainable (LoRA A/B, or W and its bias).
#[allow(clippy::too_many_arguments)]
fn linear_grads(
    path: Path<'_>,
    grads: &mut Grads<'_>,
    lora: Option<&LoraAdapter>,
    l: usize,
    tg: LoraTarget,
    lin: &Linear<'_>,
    scale: f32,
    x_in: &[f32],
    xa: &[f32],
    dy: &[f32],
    t: usize,
    dx_acc: &mut [f32],
) {
    match grads {
        Grads::Lora(g) => {
            let p = lora.and_then(|ad| ad.pair(l, tg));
            linear_backward(
                path,
                lin.w,
                p,
                g.pair_mut(l, tg),
                scale,
                x_in,
                xa,
                dy,
                t,
                dx_acc,
            );
        }
        Grads::Full(g) => {
            linear_backward(path, lin.w, None, None, scale, x_in, xa, dy, t, dx_acc);
            let (n_in, n_out) = (lin.w.n_in, lin.w.n_out);
            if let Some(dw) = g.get_mut(&tg.tensor_name(l)) {
                matmul_dw(dy, x_in, dw, Dims { t, n_in, n_out }, true);
            }
            if lin.bias.is_some() {
                if let Some(db) = g.get_mut(&tg.tensor_name(l).replace(".weight", ".bias")) {
                    for row in dy.chunks_exact(n_out) {
                        db.iter_mut().zip(row).for_each(|(d, r)| *d += r);
                    }
                }
            }
        }
    }
}

/// The gradient buffer of a named weight in full-parameter mode.
fn full_grad<'a>(grads: &'a mut Grads<'_>, name: &str) -> Option<&'a mut [f32]> {
    match grads {
        Grads::Full(g) => g.get_mut(name),
        Grads::Lora(_) => None,
    }
}

/// Sizes an activation buffer. Every buffer sized here is then written
/// whole by its producer (a product with `accumulate` off, a norm, RoPE,
/// attention, SwiGLU), so a reused buffer of the right size is not zeroed
/// first: at seq 256 that zeroing was 4% of a training step.
fn resize(v: &mut Vec<f32>, n: usize) {
    if v.len() != n {
        v.clear();
        v.resize(n, 0.0);
    }
}

/// y (T,out) = W·x (+bias) + s·B·(A·x); saves xa = s·A·x (T,r).
#[allow(clippy::too_many_arguments)]
fn linear_forward(
    path: Path<'_>,
    lin: &Linear<'_>,
    pair: Option<&LoraPair>,
    s: f32,
    x: &[f32],
    t: usize,
    y: &mut Vec<f32>,
    xa: &mut Vec<f32>,
) {
    let w = lin.w;
    resize(y, t * w.n_out);
    profile::timed(Op::QMatmulForward, || {
        qmatmul_forward_in(path, x, w, y, t, false)
    });
    if let Some(b) = &lin.bias {
        for row in y.chunks_exact_mut(w.n_out) {
            for (yi, bi) in row.iter_mut().zip(b) {
                *yi += bi;
            }
        }
    }
    if let Some(p) = pair {
        resize(xa, t * p.rank());
        profile::timed(Op::Lora, || {
            lora_forward(p.dims(), t, x, &p.a, &p.b, s, xa, y)
        });
    }
}

/// dx (T,in) += dy·W + s·(dy·B)·A; dA += s·(dy·B)ᵀ·x, dB += s·dyᵀ·xa.
#[allow(clippy::too_many_arguments)]
fn linear_backward(
    path: Path<'_>,
    w: QWeight<'_>,
    pair: Option<&LoraPair>,
    grad: Option<&mut LoraPair>,
    s: f32,
    x: &[f32],
    xa: &[f32],
    dy: &[f32],
    t: usize,
    dx: &mut [f32],
) {
    profile::timed(Op::QMatmulBackward, || {
        qmatmul_backward_dx_in(path, dy, w, dx, t, true)
    });
    if let (Some(p), Some(g)) = (pair, grad) {
        profile::timed(Op::Lora, || {
            lora_backward(
                p.dims(),
                t,
                dy,
                x,
                &p.a,
                &p.b,
                s,
                xa,
                &mut g.a,
                &mut g.b,
                Some(dx),
            )
        });
    }
}
