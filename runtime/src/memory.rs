//! Peak-memory estimates for inference and LoRA training, used by
//! `inspect` and by the trainer's memory guard. Weights are memory-mapped,
//! so they count once, at their file size.

use kernels::attention::{probs_len, AttentionConfig};
use kernels::qmatmul::{Compute, Int8Weight};
use serde::Serialize;

use crate::model::{LoraTarget, ModelConfig};

/// Fixed overhead of the process: code, allocator, thread stacks, tokenizer.
const PROCESS_OVERHEAD: u64 = 40 << 20;
/// Bytes of logits one chunk of the training loss may hold: the chunk is
/// as many tokens as fit (32 to 256), because each chunk decodes the whole
/// output matrix once and more rows per decode make the head's matmuls
/// compute-bound instead of decode-bound.
const LOSS_CHUNK_BYTES: usize = 32 << 20;

/// Tokens per chunk of the training loss for a vocabulary of `n_vocab`
/// (SmolLM2's 49,152: 170; Qwen2.5's 151,936: 55; at least 32).
pub fn loss_chunk_tokens(n_vocab: usize) -> usize {
    (LOSS_CHUNK_BYTES / (4 * n_vocab.max(1))).clamp(32, 256)
}

#[derive(Clone, Debug, Serialize)]
pub struct MemoryEstimate {
    /// The mapped file, plus the int8 codes of its weights when made.
    pub weights_bytes: u64,
    /// KV cache (inference) or checkpointed layer inputs (training).
    pub cache_bytes: u64,
    /// Scratch for one step: compute buffers, one layer's recomputed
    /// activations, a loss chunk.
    pub scratch_bytes: u64,
    /// LoRA parameters, gradients and AdamW moments.
    pub adapter_bytes: u64,
    pub total_bytes: u64,
}

impl MemoryEstimate {
    fn new(weights: u64, cache: u64, scratch: u64, adapter: u64) -> Self {
        MemoryEstimate {
            weights_bytes: weights,
            cache_bytes: cache,
            scratch_bytes: scratch,
            adapter_bytes: adapter,
            total_bytes: weights + cache + scratch + adapter + PROCESS_OVERHEAD,
        }
    }
}

/// llama.cpp inference with an F16 KV cache of `n_ctx` tokens.
pub fn inference(cfg: &ModelConfig, file_size: u64, n_ctx: usize) -> MemoryEstimate {
    let kv = 2 * cfg.n_layer * n_ctx * cfg.n_embd_kv() * 2;
    // llama.cpp's compute buffer: logits for a batch plus a few activation
    // rows per batch token (n_batch 512) and the attention scores.
    let n_batch = n_ctx.min(512);
    let scratch = cfg.n_vocab * 4 * n_batch / 8
        + n_batch * (4 * cfg.n_embd + 2 * cfg.n_ff) * 4
        + cfg.n_head * n_batch * n_ctx.min(n_batch) * 4;
    MemoryEstimate::new(file_size, kv as u64, scratch as u64, 0)
}

/// Number of LoRA parameters for a rank and target set.
pub fn lora_params(cfg: &ModelConfig, rank: usize, targets: &[LoraTarget]) -> u64 {
    let per_layer: usize = targets
        .iter()
        .map(|&t| {
            let (i, o) = cfg.projection_shape(t);
            rank * (i + o)
        })
        .sum();
    (per_layer * cfg.n_layer) as u64
}

/// One LoRA training step at sequence length `seq` with per-layer
/// activation checkpointing and a chunked loss.
pub fn training(
    cfg: &ModelConfig,
    file_size: u64,
    rank: usize,
    targets: &[LoraTarget],
    seq: usize,
) -> MemoryEstimate {
    let f = 4usize;
    // Parameter, gradient, AdamW m and v.
    let adapter = lora_params(cfg, rank, targets) * 4 * f as u64;
    // Each layer's input is kept, plus the final hidden state.
    let checkpoints = (cfg.n_layer + 1) * seq * cfg.n_embd * f;
    // One layer recomputed in full during backward: norms, q/k/v, rope'd
    // copies, attention output, gate/up/act, their gradients, the softmax
    // probabilities, and the X·Aᵀ saves of each adapted projection.
    let q = cfg.n_head * cfg.head_dim;
    let kv = cfg.n_embd_kv();
    let layer_acts = seq * (6 * cfg.n_embd + 3 * q + 4 * kv + 4 * cfg.n_ff) * f;
    let layer_grads = seq * (3 * cfg.n_embd + q + 2 * kv + 2 * cfg.n_ff) * f;
    let probs = cfg.n_head * seq * seq * f;
    let lora_saves = seq * rank * targets.len() * f;
    let loss = loss_chunk_tokens(cfg.n_vocab).min(seq) * cfg.n_vocab * f + seq * cfg.n_embd * f;
    let scratch = layer_acts + layer_grads + probs + lora_saves + loss;
    MemoryEstimate::new(file_size, checkpoints as u64, scratch as u64, adapter)
}

/// Bytes of one layer's activations kept from forward to backward
/// (`LayerActs` in the graph): norms and their rstd, q/k/v, attention
/// output, row log-sum-exps and causal probabilities, the residual,
/// gate/up/SwiGLU and the X·Aᵀ saves.
pub fn kept_layer_bytes(cfg: &ModelConfig, rank: usize, targets: &[LoraTarget], seq: usize) -> u64 {
    let q = cfg.n_head * cfg.head_dim;
    let per_token = 2
        + 3 * cfg.n_embd
        + 2 * q
        + 2 * cfg.n_embd_kv()
        + 3 * cfg.n_ff
        + cfg.n_head
        + rank * targets.len();
    let attn = AttentionConfig::new(cfg.n_head, cfg.n_head_kv, cfg.head_dim);
    ((seq * per_token + probs_len(&attn, seq)) * 4) as u64
}

/// Bytes of the int8 codes of every frozen projection and the output head
/// on this CPU (`Graph::code_int8`), about 2.5 per weight.
pub fn int8_coded_bytes(cfg: &ModelConfig) -> u64 {
    let per_layer: usize = LoraTarget::ALL
        .iter()
        .map(|&t| {
            let (n_in, n_out) = cfg.projection_shape(t);
            Int8Weight::bytes_for(n_in, n_out)
        })
        .sum();
    (per_layer * cfg.n_layer + Int8Weight::bytes_for(cfg.n_embd, cfg.n_vocab)) as u64
}

/// What a training step spends memory on beyond full recompute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StepPlan {
    /// Layers whose activations are kept (the others are recomputed).
    pub kept_layers: usize,
    /// Frozen weights coded once for the int8 path (int8 compute only).
    pub int8_coded: bool,
}

/// The step plan within `budget` bytes (`None`: no limit): with int8
/// compute, code the frozen weights first (their cost does not grow with
/// the sequence and saves re-coding them in every product), then keep as
/// many layers as the rest allows; `keep` fixes the layer count instead.
#[allow(clippy::too_many_arguments)]
pub fn plan_step(
    cfg: &ModelConfig,
    file_size: u64,
    rank: usize,
    targets: &[LoraTarget],
    seq: usize,
    compute: Compute,
    budget: Option<u64>,
    keep: Option<usize>,
) -> StepPlan {
    let base = training(cfg, file_size, rank, targets, seq).total_bytes;
    let fixed = keep.map_or(0, |k| {
        k.min(cfg.n_layer) as u64 * kept_layer_bytes(cfg, rank, targets, seq)
    });
    let coded = int8_coded_bytes(cfg);
    let int8_coded = compute == Compute::Int8 && budget.is_none_or(|b| base + fixed + coded <= b);
    let left = budget.map(|b| b.saturating_sub(if int8_coded { coded } else { 0 }));
    let kept_layers = keep
        .unwrap_or_else(|| {
            left.map_or(cfg.n_layer, |b| {
                kept_layers_within(cfg, file_size, rank, targets, seq, b)
            })
        })
        .min(cfg.n_layer);
    StepPlan {
        kept_layers,
        int8_coded,
    }
}

/// [`training`] under a [`StepPlan`]: the kept layers' activations and
/// the int8 codes come on top.
pub fn training_planned(
    cfg: &ModelConfig,
    file_size: u64,
    rank: usize,
    targets: &[LoraTarget],
    seq: usize,
    plan: StepPlan,
) -> MemoryEstimate {
    let base = training(cfg, file_size, rank, targets, seq);
    let kept = plan.kept_layers.min(cfg.n_layer) as u64 * kept_layer_bytes(cfg, rank, targets, seq);
    let coded = if plan.int8_coded {
        int8_coded_bytes(cfg)
    } else {
        0
    };
    MemoryEstimate::new(
        base.weights_bytes + coded,
        base.cache_bytes + kept,
        base.scratch_bytes,
        base.adapter_bytes,
    )
}

/// The most layers whose activations can be kept (no recompute) with the
/// whole step's estimate within `budget` bytes; 0 when even full
/// recompute does not fit (the caller's memory guard reports that).
pub fn kept_layers_within(
    cfg: &ModelConfig,
    file_size: u64,
    rank: usize,
    targets: &[LoraTarget],
    seq: usize,
    budget: u64,
) -> usize {
    let base = training(cfg, file_size, rank, targets, seq).total_bytes;
    let per_layer = kept_layer_bytes(cfg, rank, targets, seq).max(1);
    (budget.saturating_sub(base) / per_layer).min(cfg.n_layer as u64) as usize
}

/// The budget for keeping activations when the user set none: 3/4 of the
/// free memory, leaving room for the rest of the machine.
pub fn default_keep_budget(available: u64) -> u64 {
    available / 4 * 3
}
