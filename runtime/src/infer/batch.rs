//! Decoding several prompts in one llama.cpp context: each prompt is a
//! sequence with its own KV stream, sampler and stop-string scanner; a
//! `decode` call advances every running sequence by one token, and a
//! sequence that finishes hands its place to the next prompt (continuous
//! batching). [`Engine::generate`] is the one-sequence case, so single and
//! batched generation share every step.
//!
//! Exactness: a prompt is prefilled alone (its own `decode` calls, split
//! into the same ubatches as when it runs alone), its cells start at 0 of
//! its own stream, and attention runs without flash attention (see
//! `new_context`), so with greedy sampling the batched texts equal the
//! one-at-a-time texts.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use llama_cpp_2::context::LlamaContext;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::{LlamaLoraAdapter, LlamaModel};
use llama_cpp_2::sampling::LlamaSampler;
use llama_cpp_2::token::LlamaToken;

use super::{
    llama_err, make_sampler, new_context, set_lora, EngineOptions, Generation, LoraHandle,
    SamplingParams, Scan, StopReason, StopScanner,
};
use crate::Result;

/// Most sequences one context runs at once (llama.cpp allows 256 streams;
/// past a few dozen a CPU gains nothing).
pub const MAX_PARALLEL: usize = 64;

/// One prompt being generated.
struct Sequence<'s> {
    /// Index of the prompt in the caller's list.
    item: usize,
    prompt_tokens: usize,
    /// Prompt tokens whose cells were kept, not computed.
    cached_tokens: usize,
    params: &'s SamplingParams,
    sampler: LlamaSampler,
    out: StopScanner<'s>,
    n_gen: usize,
    /// Position of the next token fed.
    pos: i32,
    /// The sampled token to feed in the next decode.
    next: LlamaToken,
    /// Where its logits are in the last decoded batch.
    logits_idx: i32,
    prefill: Duration,
    decode_start: Instant,
}

impl<'s> Sequence<'s> {
    /// Samples its next token from the last decode and decides whether it
    /// goes on (`None`: `next` is to be fed) or why it stopped.
    fn advance(
        &mut self,
        ctx: &LlamaContext<'_>,
        model: &LlamaModel,
        n_ctx: u32,
        on_text: &mut dyn FnMut(usize, &str) -> bool,
    ) -> Option<StopReason> {
        let params = self.params;
        if self.n_gen >= params.max_tokens || self.pos as u32 >= n_ctx {
            return Some(StopReason::MaxTokens);
        }
        let tok = self.sampler.sample(ctx, self.logits_idx);
        if model.vocab().is_eog(tok) {
            return Some(StopReason::EndOfText);
        }
        self.n_gen += 1;
        let piece = model.vocab().token_to_piece(tok, false, None);
        match self.out.push(&piece) {
            Scan::Continue(emit) => {
                if !emit.is_empty() && !on_text(self.item, &emit) {
                    return Some(StopReason::Cancelled);
                }
            }
            Scan::Stopped(emit, which) => {
                if !emit.is_empty() {
                    on_text(self.item, &emit);
                }
                return Some(StopReason::StopString(which));
            }
        }
        // The last token allowed is never fed: its logits would go unused.
        if self.n_gen >= params.max_tokens {
            return Some(StopReason::MaxTokens);
        }
        self.next = tok;
        None
    }

    fn finish(
        mut self,
        stop_reason: StopReason,
        on_text: &mut dyn FnMut(usize, &str) -> bool,
    ) -> Generation {
        if !matches!(stop_reason, StopReason::StopString(_)) {
            let rest = self.out.finish();
            if !rest.is_empty() {
                on_text(self.item, &rest);
            }
        }
        let decode = self.decode_start.elapsed();
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        let rate = |n: usize, d: Duration| {
            if d.as_secs_f64() > 0.0 {
                n as f64 / d.as_secs_f64()
            } else {
                0.0
            }
        };
        Generation {
            text: self.out.text(),
            prompt_tokens: self.prompt_tokens,
            cached_tokens: self.cached_tokens,
            generated_tokens: self.n_gen,
            stop_reason,
            prefill_ms: ms(self.prefill),
            decode_ms: ms(decode),
            prefill_tok_s: rate(self.prompt_tokens - self.cached_tokens, self.prefill),
            decode_tok_s: rate(self.n_gen, decode),
        }
    }
}

/// Generates a continuation of every `(item, prompt tokens)`, at most
/// `parallel` at a time, in one context. Each prompt must already fit
/// (`prompt_ids`). `on_text(item, text)` streams text (returning
/// `false` cancels that item); `on_done(item, generation)` receives each
/// result as it finishes.
#[allow(clippy::too_many_arguments)]
pub(super) fn decode_sequences<'p>(
    model: &LlamaModel,
    adapters: &mut [(PathBuf, LlamaLoraAdapter)],
    options: &EngineOptions,
    prompts: Vec<(usize, Vec<i32>)>,
    parallel: usize,
    params: &dyn Fn(usize) -> &'p SamplingParams,
    lora: Option<(LoraHandle, f32)>,
    on_text: &mut dyn FnMut(usize, &str) -> bool,
    on_done: &mut dyn FnMut(usize, Generation),
) -> Result<()> {
    // Room for the longest prompt and answer (less than `n_ctx` when that
    // is all it needs: a smaller cache to clear, the same numbers, as
    // attention only ever spans the cells in use).
    let Some(longest) = prompts
        .iter()
        .map(|(i, ids)| ids.len().saturating_add(params(*i).max_tokens))
        .max()
    else {
        return Ok(());
    };
    let n_ctx = options.n_ctx;
    let parallel = parallel.clamp(1, MAX_PARALLEL).min(prompts.len());
    let per_seq = longest.min(n_ctx as usize) as u32;
    let mut ctx = new_context(model, options, per_seq, parallel as u32, false)?;
    set_lora(&mut ctx, adapters, lora)?;
    run_sequences(
        &mut ctx,
        model,
        n_ctx,
        prompts.into_iter().map(|(i, ids)| (i, ids, 0)).collect(),
        parallel,
        params,
        on_text,
        on_done,
    )
}

/// [`decode_sequences`] in a context already made (with room for `parallel`
/// sequences of each prompt and its answer) and its adapter already set.
/// Prompts are `(item, ids, kept)`: the first `kept` ids are already in the
/// cells from 0 of the stream the prompt gets (a [`super::Session`]'s
/// common prefix, with one stream), so only the rest is computed.
/// `params(item)` is the sampling of each prompt.
#[allow(clippy::too_many_arguments)]
pub(super) fn run_sequences<'p>(
    ctx: &mut LlamaContext<'_>,
    model: &LlamaModel,
    n_ctx: u32,
    prompts: Vec<(usize, Vec<i32>, usize)>,
    parallel: usize,
    params: &dyn Fn(usize) -> &'p SamplingParams,
    on_text: &mut dyn FnMut(usize, &str) -> bool,
    on_done: &mut dyn FnMut(usize, Generation),
) -> Result<()> {
    let longest = prompts
        .iter()
        .map(|(_, ids, _)| ids.len())
        .max()
        .unwrap_or(0);
    let mut batch = LlamaBatch::new(longest.max(parallel), 1);
    let mut queue = prompts.into_iter();
    let mut slots: Vec<Option<Sequence>> = (0..parallel).map(|_| None).collect();
    loop {
        // Fill every free slot: prefill a prompt alone in the slot's
        // stream, then sample its first token.
        for (seq, slot) in slots.iter_mut().enumerate() {
            while slot.is_none() {
                let Some((item, ids, kept)) = queue.next() else {
                    break;
                };
                let kept = kept.min(ids.len() - 1);
                let t0 = Instant::now();
                ctx.clear_kv_cache_seq(Some(seq as u32), Some(kept as u32), None)
                    .map_err(llama_err)?;
                batch.clear();
                let last = ids.len() - 1;
                for (i, &id) in ids.iter().enumerate().skip(kept) {
                    batch
                        .add(LlamaToken(id), i as i32, &[seq as i32], i == last)
                        .map_err(llama_err)?;
                }
                ctx.decode(&mut batch).map_err(llama_err)?;
                let params = params(item);
                let mut s = Sequence {
                    item,
                    prompt_tokens: ids.len(),
                    cached_tokens: kept,
                    params,
                    sampler: make_sampler(model, params)?,
                    out: StopScanner::new(&params.stop),
                    n_gen: 0,
                    pos: ids.len() as i32,
                    next: LlamaToken(0),
                    logits_idx: (last - kept) as i32,
                    prefill: t0.elapsed(),
                    decode_start: Instant::now(),
                };
                match s.advance(ctx, model, n_ctx, on_text) {
                    None => *slot = Some(s),
                    Some(reason) => on_done(item, s.finish(reason, on_text)),
                }
            }
        }
        if slots.iter().all(Option::is_none) {
            return Ok(());
        }
        // One token for every running sequence, in sequence order (llama.cpp
        // puts consecutive sequence ids in one ubatch).
        batch.clear();
        for (seq, s) in slots.iter_mut().enumerate() {
            if let Some(s) = s {
                s.logits_idx = batch.n_tokens();
                batch
                    .add(s.next, s.pos, &[seq as i32], true)
                    .map_err(llama_err)?;
                s.pos += 1;
            }
        }
        ctx.decode(&mut batch).map_err(llama_err)?;
        for slot in slots.iter_mut() {
            let Some(s) = slot else { continue };
            if let Some(reason) = s.advance(ctx, model, n_ctx, on_text) {
                let s = slot.take().expect("the slot was just matched as running");
                on_done(s.item, s.finish(reason, on_text));
            }
        }
    }
}
