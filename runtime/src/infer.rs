//! Inference through llama.cpp (`llama-cpp-2`): load a GGUF, tokenize,
//! batch prefill, sample (greedy / temperature / top-k / top-p, seeded),
//! stop strings, streaming, optional LoRA adapters, timings; several
//! prompts decoded together in one context (`batch`, behind
//! [`Engine::generate_many`]) with the same texts as one at a time.
//!
//! This module and `crate::backend` are the only places that talk to
//! llama.cpp.

use std::num::NonZeroU32;
use std::path::{Path, PathBuf};

use llama_cpp_2::context::params::{KvCacheType, LlamaContextParams};
use llama_cpp_2::context::LlamaContext;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::params::LlamaModelParams;
use llama_cpp_2::model::{LlamaLoraAdapter, LlamaModel};
use llama_cpp_2::sampling::LlamaSampler;
use llama_cpp_2::token::LlamaToken;
use serde::Serialize;

mod batch;

pub use batch::MAX_PARALLEL;

use crate::backend::backend;
use crate::{Error, Result};

/// How to sample and when to stop.
#[derive(Clone, Debug, Serialize)]
pub struct SamplingParams {
    pub max_tokens: usize,
    /// 0 means greedy.
    pub temperature: f32,
    /// 0 disables top-k.
    pub top_k: i32,
    /// 1.0 disables top-p.
    pub top_p: f32,
    pub seed: u32,
    /// Generation stops before the first occurrence of any of these.
    pub stop: Vec<String>,
    /// A llama.cpp grammar (GBNF, root rule `root`) the generated text must
    /// follow, e.g. `tools::parse::grammar::hermes_calls`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grammar: Option<String>,
}

impl Default for SamplingParams {
    fn default() -> Self {
        SamplingParams {
            max_tokens: 128,
            temperature: 0.0,
            top_k: 40,
            top_p: 0.95,
            seed: 42,
            stop: Vec::new(),
            grammar: None,
        }
    }
}

/// Context settings shared by every call on an engine.
#[derive(Clone, Debug, Serialize)]
pub struct EngineOptions {
    pub n_ctx: u32,
    pub threads: i32,
    /// F32 KV cache and no flash attention: for numeric comparisons with our
    /// own forward (llama.cpp defaults to an F16 cache).
    pub exact: bool,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            n_ctx: 2048,
            threads: default_threads(),
            exact: false,
        }
    }
}

/// The rayon pool our own kernels run in: `threads`, or [`default_threads`].
pub fn compute_pool(threads: Option<usize>) -> Result<rayon::ThreadPool> {
    let n = threads.unwrap_or_else(|| default_threads() as usize);
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build()
        .map_err(Error::internal(&format!("cannot start {n} threads")))
}

/// Number of threads to use by default: `AGENTCODER_THREADS` when set to
/// a positive number, else every available core. Processes that run side by
/// side (the test suite runs two at a time) should share the cores this way:
/// two 2-thread llama.cpp processes on 2 cores decoded 21.6 tok/s each
/// against 57 each at one thread (their barriers wait on descheduled threads).
pub fn default_threads() -> i32 {
    std::env::var("AGENTCODER_THREADS")
        .ok()
        .and_then(|v| v.trim().parse::<i32>().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get() as i32)
                .unwrap_or(2)
        })
}

/// Why generation ended.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    EndOfText,
    StopString(String),
    MaxTokens,
    /// The streaming callback asked to stop.
    Cancelled,
}

/// The result of one generation.
#[derive(Clone, Debug, Serialize)]
pub struct Generation {
    pub text: String,
    pub prompt_tokens: usize,
    /// Prompt tokens whose cells a [`Session`] kept from the previous call
    /// (the common prefix), not computed again; in `prompt_tokens`.
    pub cached_tokens: usize,
    pub generated_tokens: usize,
    pub stop_reason: StopReason,
    pub prefill_ms: f64,
    pub decode_ms: f64,
    pub prefill_tok_s: f64,
    pub decode_tok_s: f64,
}

/// The tokenizer of a GGUF model, loaded by llama.cpp without the weights
/// (`vocab_only`): the one tokenizer training and inference share.
pub struct Tokenizer {
    model: LlamaModel,
}

impl Tokenizer {
    pub fn load(path: impl AsRef<Path>) -> Result<Tokenizer> {
        let path = path.as_ref().to_path_buf();
        crate::open_gguf(&path)?;
        let params = LlamaModelParams::default().with_vocab_only(true);
        let model =
            LlamaModel::load_from_file(backend(), &path, &params).map_err(|e| Error::Model {
                path: path.clone(),
                reason: format!("llama.cpp could not load its vocabulary: {e}"),
            })?;
        Ok(Tokenizer { model })
    }

    /// Token ids of `text`, special tokens parsed, no BOS added.
    pub fn tokenize(&self, text: &str) -> Vec<i32> {
        token_ids(&self.model, text, false)
    }

    /// BOS id when the model wants one prepended.
    pub fn bos(&self) -> Option<i32> {
        let v = self.model.vocab();
        v.should_add_bos().then(|| v.bos().0)
    }

    pub fn eos(&self) -> i32 {
        self.model.vocab().eos().0
    }

    /// Turns ids back into text (special tokens rendered).
    pub fn detokenize(&self, ids: &[i32]) -> String {
        detokenize(&self.model, ids)
    }

    /// Whether `id` ends a generation (end of text or of turn).
    pub fn is_eog(&self, id: i32) -> bool {
        self.model.vocab().is_eog(LlamaToken(id))
    }
}

fn detokenize(model: &LlamaModel, ids: &[i32]) -> String {
    if ids.is_empty() {
        return String::new(); // llama-cpp-2 misbehaves on an empty slice
    }
    let toks: Vec<LlamaToken> = ids.iter().map(|&i| LlamaToken(i)).collect();
    String::from_utf8_lossy(&model.vocab().detokenize(&toks, false, true)).into_owned()
}

/// A loaded adapter, by index into the engine's list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoraHandle(usize);

/// A model loaded in llama.cpp plus its adapters.
pub struct Engine {
    path: PathBuf,
    model: LlamaModel,
    adapters: Vec<(PathBuf, LlamaLoraAdapter)>,
    pub options: EngineOptions,
}

impl Engine {
    /// Loads a GGUF model (memory-mapped). The file is first checked with our
    /// own reader so a bad path or corrupt file gets a precise message
    /// instead of llama.cpp's generic failure.
    pub fn load(path: impl AsRef<Path>, options: EngineOptions) -> Result<Engine> {
        let path = path.as_ref().to_path_buf();
        crate::open_gguf(&path)?;
        let model = LlamaModel::load_from_file(backend(), &path, &LlamaModelParams::default())
            .map_err(|e| Error::Model {
                path: path.clone(),
                reason: format!("llama.cpp could not load it: {e}"),
            })?;
        Ok(Engine {
            path,
            model,
            adapters: Vec::new(),
            options,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn model(&self) -> &LlamaModel {
        &self.model
    }

    /// Loads a LoRA adapter GGUF; apply it per call with a scale.
    pub fn load_lora(&mut self, path: impl AsRef<Path>) -> Result<LoraHandle> {
        let path = path.as_ref().to_path_buf();
        crate::open_gguf(&path)?;
        let adapter = self.model.lora_adapter_init(&path).map_err(|e| Error::Model {
            path: path.clone(),
            reason: format!("llama.cpp rejected the LoRA adapter (architecture or tensor shapes do not match the model?): {e}"),
        })?;
        self.adapters.push((path, adapter));
        Ok(LoraHandle(self.adapters.len() - 1))
    }

    /// Tokenizes with the model's own tokenizer. `add_special` adds BOS when
    /// the model asks for it; special tokens in `text` are always parsed.
    pub fn tokenize(&self, text: &str, add_special: bool) -> Vec<i32> {
        token_ids(&self.model, text, add_special)
    }

    /// Turns ids back into text (special tokens rendered).
    pub fn detokenize(&self, ids: &[i32]) -> String {
        detokenize(&self.model, ids)
    }

    pub fn n_vocab(&self) -> usize {
        self.model.n_vocab().max(0) as usize
    }

    pub fn is_eog(&self, id: i32) -> bool {
        self.model.vocab().is_eog(LlamaToken(id))
    }

    /// Generates a continuation of `prompt` (already rendered; special
    /// tokens in it are parsed). `on_text` receives text as it is produced
    /// (never a partial stop string); returning `false` cancels. A context
    /// is made for the call; [`Engine::session`] keeps one across calls.
    pub fn generate(
        &mut self,
        prompt: &str,
        params: &SamplingParams,
        lora: Option<(LoraHandle, f32)>,
        on_text: &mut dyn FnMut(&str) -> bool,
    ) -> Result<Generation> {
        self.session().generate(prompt, params, lora, on_text)
    }

    /// Generates a continuation of each prompt, up to `parallel` of them at
    /// a time in one llama.cpp context (one sequence each; a finished
    /// sequence's place goes to the next prompt). With greedy sampling the
    /// texts are exactly those of [`Engine::generate`] one prompt at a time
    /// (`tests/tests/generate_many.rs`). A prompt that is empty or does not
    /// fit the context is that item's error (`Error::ContextFull`) and the
    /// others go on; a llama.cpp failure ends the call. `on_done(i)` is
    /// called as prompt `i` finishes (progress). Timings of a generation
    /// are its own wall-clock time, shared with the sequences beside it.
    pub fn generate_many(
        &mut self,
        prompts: &[String],
        parallel: usize,
        params: &SamplingParams,
        lora: Option<(LoraHandle, f32)>,
        on_done: &mut dyn FnMut(usize),
    ) -> Result<Vec<Result<Generation>>> {
        self.session()
            .generate_many(prompts, parallel, params, lora, on_done)
    }

    /// A context kept for many generations one after another (the
    /// server's), made once instead of per call (a context costs
    /// milliseconds to make). It holds one sequence and is made again,
    /// larger (in steps of 256 cells, at least 512, up to `n_ctx`), when a
    /// prompt and its answer need more cells: a cache far larger than the
    /// sequence decodes slower (4096 cells for a 50-token answer: 5-10%).
    /// Its texts are those of [`Engine::generate`].
    pub fn session(&mut self) -> Session<'_> {
        let Engine {
            model,
            adapters,
            options,
            ..
        } = self;
        Session {
            model,
            adapters,
            options,
            ctx: None,
            applied: None,
            cached: Vec::new(),
        }
    }

    /// Logits for every position of `ids` (row-major `[ids.len(), n_vocab]`),
    /// from one batched forward: the oracle our training forward is
    /// compared against. Use `EngineOptions { exact: true, .. }` for that.
    pub fn logits_all(&mut self, ids: &[i32], lora: Option<(LoraHandle, f32)>) -> Result<Vec<f32>> {
        if ids.is_empty() {
            return Err(Error::Input("no tokens".into()));
        }
        let n_vocab = self.n_vocab();
        let Engine {
            model,
            adapters,
            options,
            ..
        } = self;
        let n_ctx = (ids.len() as u32).max(options.n_ctx.min(ids.len() as u32 + 16));
        let mut ctx = new_context(model, options, n_ctx, 1, true)?;
        set_lora(&mut ctx, adapters, lora)?;
        let mut batch = LlamaBatch::new(ids.len(), 1);
        for (i, &id) in ids.iter().enumerate() {
            batch
                .add(LlamaToken(id), i as i32, &[0], true)
                .map_err(llama_err)?;
        }
        ctx.decode(&mut batch).map_err(llama_err)?;
        let mut out = Vec::with_capacity(ids.len() * n_vocab);
        for i in 0..ids.len() {
            out.extend_from_slice(&ctx.get_logits_ith(i as i32)[..n_vocab]);
        }
        Ok(out)
    }
}

/// llama.cpp's tokenization of `text` (special tokens parsed) as ids.
fn token_ids(model: &LlamaModel, text: &str, add_special: bool) -> Vec<i32> {
    model
        .vocab()
        .tokenize(text.as_bytes(), add_special, true)
        .into_iter()
        .map(|t| t.0)
        .collect()
}

fn llama_err(e: impl std::fmt::Display) -> Error {
    Error::Llama(e.to_string())
}

/// The tokens of a prompt, BOS added when the model wants it; an empty
/// prompt or one that leaves no room for a token in the context is refused.
fn prompt_ids(model: &LlamaModel, n_ctx: u32, prompt: &str) -> Result<Vec<i32>> {
    let ids = token_ids(model, prompt, true);
    if ids.is_empty() {
        return Err(Error::Input("the prompt is empty".into()));
    }
    if ids.len() + 1 > n_ctx as usize {
        return Err(Error::ContextFull {
            prompt_tokens: ids.len(),
            n_ctx,
        });
    }
    Ok(ids)
}

/// See [`Engine::session`].
pub struct Session<'e> {
    model: &'e LlamaModel,
    adapters: &'e mut [(PathBuf, LlamaLoraAdapter)],
    options: &'e EngineOptions,
    /// The context and its cells.
    ctx: Option<(LlamaContext<'e>, u32)>,
    /// The adapter set on the context.
    applied: Option<(LoraHandle, f32)>,
    /// The last prompt, whose cells (from 0) the context still holds.
    cached: Vec<i32>,
}

/// Cells of a session's first context.
const SESSION_MIN_CELLS: u32 = 512;

impl Session<'_> {
    /// Generates a continuation of `prompt`, as [`Engine::generate`].
    pub fn generate(
        &mut self,
        prompt: &str,
        params: &SamplingParams,
        lora: Option<(LoraHandle, f32)>,
        on_text: &mut dyn FnMut(&str) -> bool,
    ) -> Result<Generation> {
        let n_ctx = self.options.n_ctx;
        let ids = prompt_ids(self.model, n_ctx, prompt)?;
        let need = (ids.len() + params.max_tokens).min(n_ctx as usize) as u32;
        let ctx = match &mut self.ctx {
            Some((ctx, cells)) if *cells >= need => ctx,
            slot => {
                let cells = (need.div_ceil(256) * 256).max(SESSION_MIN_CELLS).min(n_ctx);
                let ctx = new_context(self.model, self.options, cells, 1, false)?;
                self.applied = None;
                self.cached.clear();
                &mut slot.insert((ctx, cells)).0
            }
        };
        if lora != self.applied {
            if let Some((_, adapter)) = self.adapters.first_mut() {
                // Clears every adapter (llama.cpp sets them all at once).
                ctx.lora_adapter_remove(adapter)
                    .map_err(|e| Error::Llama(format!("cannot remove LoRA: {e}")))?;
            }
            self.applied = None;
            self.cached.clear();
            set_lora(ctx, self.adapters, lora)?;
            self.applied = lora;
        }
        // The cells of the common prefix stay (run_sequences computes at
        // least the last prompt token again, for its logits).
        let keep = self
            .cached
            .iter()
            .zip(&ids)
            .take_while(|(a, b)| a == b)
            .count();
        self.cached.clear();
        let mut done = None;
        batch::run_sequences(
            ctx,
            self.model,
            n_ctx,
            vec![(0, ids.clone(), keep)],
            1,
            &|_| params,
            &mut |_, text| on_text(text),
            &mut |_, g| done = Some(g),
        )?;
        self.cached = ids;
        Ok(done.expect("run_sequences finishes every prompt it is given"))
    }

    /// As [`Engine::generate_many`].
    pub fn generate_many(
        &mut self,
        prompts: &[String],
        parallel: usize,
        params: &SamplingParams,
        lora: Option<(LoraHandle, f32)>,
        on_done: &mut dyn FnMut(usize),
    ) -> Result<Vec<Result<Generation>>> {
        let mut out: Vec<Option<Result<Generation>>> = (0..prompts.len()).map(|_| None).collect();
        self.decode_each(
            prompts.iter().map(String::as_str),
            parallel,
            &|_| params,
            lora,
            &mut |_, _| true,
            &mut |i, g| {
                out[i] = Some(g);
                on_done(i);
            },
        )?;
        Ok(out
            .into_iter()
            .map(|g| g.expect("every prompt is either refused or decoded"))
            .collect())
    }

    /// Each prompt with its own sampling, all at once in one context of
    /// their own (the session's kept cells stay), under one adapter:
    /// `on_text(i, text)` streams prompt `i`'s text (false cancels it) and
    /// `on_done(i, result)` gets its result; a prompt that does not fit is
    /// its own error. With greedy sampling each text is the one
    /// [`Session::generate`] gives alone.
    pub fn generate_each(
        &mut self,
        prompts: &[(String, SamplingParams)],
        lora: Option<(LoraHandle, f32)>,
        on_text: &mut dyn FnMut(usize, &str) -> bool,
        on_done: &mut dyn FnMut(usize, Result<Generation>),
    ) -> Result<()> {
        self.decode_each(
            prompts.iter().map(|(p, _)| p.as_str()),
            prompts.len(),
            &|i| &prompts[i].1,
            lora,
            on_text,
            on_done,
        )
    }

    /// `n` continuations of one prompt (a GRPO group), decoded together in
    /// a context of their own: the prompt is computed once and its cells
    /// copied to every sequence's stream, then sequence `i` samples with
    /// seed `params.seed + i`. Each text is the one [`Session::generate`]
    /// gives alone with that seed (tests/tests/generate_many.rs). A
    /// generation's `cached_tokens` counts the shared prompt tokens, its
    /// `prefill_ms` only its own last prompt token.
    pub fn generate_group(
        &mut self,
        prompt: &str,
        n: usize,
        params: &SamplingParams,
        lora: Option<(LoraHandle, f32)>,
    ) -> Result<Vec<Generation>> {
        let n_ctx = self.options.n_ctx;
        let ids = prompt_ids(self.model, n_ctx, prompt)?;
        let n = n.clamp(1, batch::MAX_PARALLEL);
        let per_seq = (ids.len() + params.max_tokens).min(n_ctx as usize) as u32;
        let mut ctx = new_context(self.model, self.options, per_seq, n as u32, false)?;
        set_lora(&mut ctx, self.adapters, lora)?;
        // The prompt but its last token, once, in sequence 0; copied to the
        // other streams before the next decode.
        let shared = ids.len() - 1;
        if shared > 0 {
            let mut b = LlamaBatch::new(shared, 1);
            for (i, &id) in ids[..shared].iter().enumerate() {
                b.add(LlamaToken(id), i as i32, &[0], i + 1 == shared)
                    .map_err(llama_err)?;
            }
            ctx.decode(&mut b).map_err(llama_err)?;
            for seq in 1..n {
                ctx.copy_kv_cache_seq(0, seq as i32, None, None)
                    .map_err(|e| Error::Llama(format!("cannot copy the prompt's cells: {e}")))?;
            }
        }
        let each: Vec<SamplingParams> = (0..n)
            .map(|i| SamplingParams {
                seed: params.seed.wrapping_add(i as u32),
                ..params.clone()
            })
            .collect();
        let mut out: Vec<Option<Generation>> = vec![None; n];
        batch::run_sequences(
            &mut ctx,
            self.model,
            n_ctx,
            (0..n).map(|i| (i, ids.clone(), shared)).collect(),
            n,
            &|i| &each[i],
            &mut |_, _| true,
            &mut |i, g| out[i] = Some(g),
        )?;
        Ok(out
            .into_iter()
            .map(|g| g.expect("run_sequences finishes every prompt it is given"))
            .collect())
    }

    #[allow(clippy::too_many_arguments)]
    fn decode_each<'p>(
        &mut self,
        prompts: impl Iterator<Item = &'p str>,
        parallel: usize,
        params: &dyn Fn(usize) -> &'p SamplingParams,
        lora: Option<(LoraHandle, f32)>,
        on_text: &mut dyn FnMut(usize, &str) -> bool,
        on_done: &mut dyn FnMut(usize, Result<Generation>),
    ) -> Result<()> {
        let mut runnable = Vec::new();
        for (i, p) in prompts.enumerate() {
            match prompt_ids(self.model, self.options.n_ctx, p) {
                Ok(ids) => runnable.push((i, ids)),
                Err(e) => on_done(i, Err(e)),
            }
        }
        batch::decode_sequences(
            self.model,
            self.adapters,
            self.options,
            runnable,
            parallel,
            params,
            lora,
            on_text,
            &mut |i, g| on_done(i, Ok(g)),
        )
    }
}

/// A context with room for `n_seq` sequences of up to `per_seq` tokens
/// each, every sequence in its own KV stream (llama.cpp's non-unified
/// cache: a sequence's cells start at 0 whatever runs beside it).
fn new_context<'m>(
    model: &'m LlamaModel,
    options: &EngineOptions,
    per_seq: u32,
    n_seq: u32,
    logits_all: bool,
) -> Result<LlamaContext<'m>> {
    let per_seq = per_seq.max(16);
    let n_batch = per_seq.max(n_seq);
    let mut p = LlamaContextParams::default()
        .with_n_ctx(NonZeroU32::new(per_seq * n_seq))
        .with_n_seq_max(n_seq)
        .with_kv_unified(false)
        .with_n_batch(n_batch)
        .with_n_ubatch(if logits_all {
            n_batch
        } else {
            n_batch.min(512)
        })
        .with_n_threads(options.threads)
        .with_n_threads_batch(options.threads)
        .with_no_perf(false);
    // Generation runs without flash attention: on the CPU it sums a lone
    // query over KV chunks split by thread and a batch of queries in one
    // pass, so a sequence decoded alone and beside others would differ in
    // the last bits. Plain attention computes each sequence's stream the
    // same way in both (`Engine::generate_many` relies on it).
    if options.exact || !logits_all {
        p = p.with_flash_attention_policy(llama_cpp_sys_2::LLAMA_FLASH_ATTN_TYPE_DISABLED);
    }
    if options.exact {
        p = p
            .with_type_k(KvCacheType::F32)
            .with_type_v(KvCacheType::F32);
    }
    model
        .new_context(backend(), p)
        .map_err(|e| Error::Llama(format!("cannot create a context: {e}")))
}

fn set_lora(
    ctx: &mut LlamaContext<'_>,
    adapters: &mut [(PathBuf, LlamaLoraAdapter)],
    lora: Option<(LoraHandle, f32)>,
) -> Result<()> {
    if let Some((LoraHandle(i), scale)) = lora {
        let (_, adapter) = adapters
            .get_mut(i)
            .ok_or_else(|| Error::Llama(format!("no adapter #{i}")))?;
        ctx.lora_adapter_set(adapter, scale)
            .map_err(|e| Error::Llama(format!("cannot apply LoRA: {e}")))?;
    }
    Ok(())
}

/// The sampler of one sequence; a grammar goes first so the draw only sees
/// the tokens it allows. (`LlamaSampler::sample` also accepts the token:
/// the grammar advances once per token.)
fn make_sampler(model: &LlamaModel, p: &SamplingParams) -> Result<LlamaSampler> {
    let mut chain = Vec::new();
    if let Some(grammar) = &p.grammar {
        chain.push(
            LlamaSampler::grammar(model, grammar, "root")
                .map_err(|e| Error::Input(format!("llama.cpp refused the grammar: {e}")))?,
        );
    }
    if p.temperature <= 0.0 {
        chain.push(LlamaSampler::greedy());
        return Ok(LlamaSampler::chain_simple(chain));
    }
    if p.top_k > 0 {
        chain.push(LlamaSampler::top_k(p.top_k));
    }
    if p.top_p < 1.0 {
        chain.push(LlamaSampler::top_p(p.top_p, 1));
    }
    chain.push(LlamaSampler::temp(p.temperature));
    chain.push(LlamaSampler::dist(p.seed));
    Ok(LlamaSampler::chain_simple(chain))
}

/// Accumulates generated bytes, finds stop strings, and releases only text
/// that can no longer become part of a stop string (or of a split UTF-8
/// character).
pub(crate) struct StopScanner<'a> {
    stops: &'a [String],
    bytes: Vec<u8>,
    emitted: usize,
}

pub(crate) enum Scan {
    Continue(String),
    Stopped(String, String),
}

impl<'a> StopScanner<'a> {
    pub(crate) fn new(stops: &'a [String]) -> Self {
        StopScanner {
            stops,
            bytes: Vec::new(),
            emitted: 0,
        }
    }

    pub(crate) fn push(&mut self, piece: &[u8]) -> Scan {
        let search_from = self.emitted;
        self.bytes.extend_from_slice(piece);
        // Earliest stop string occurrence in the not-yet-emitted tail.
        let hit = self
            .stops
            .iter()
            .filter(|s| !s.is_empty())
            .filter_map(|s| {
                find(&self.bytes[search_from..], s.as_bytes())
                    .map(|at| (search_from + at, s.clone()))
            })
            .min_by_key(|(at, _)| *at);
        if let Some((at, which)) = hit {
            self.bytes.truncate(at);
            let emit = String::from_utf8_lossy(&self.bytes[self.emitted..]).into_owned();
            self.emitted = self.bytes.len();
            return Scan::Stopped(emit, which);
        }
        // Hold back the longest suffix that is a prefix of a stop string.
        let hold = self
            .stops
            .iter()
            .map(|s| {
                let s = s.as_bytes();
                (1..s.len().min(self.bytes.len() - search_from + 1))
                    .rev()
                    .find(|&k| self.bytes.ends_with(&s[..k]))
                    .unwrap_or(0)
            })
            .max()
            .unwrap_or(0);
        let mut safe = self.bytes.len() - hold;
        // Never split a UTF-8 character.
        while safe > self.emitted
            && std::str::from_utf8(&self.bytes[self.emitted..safe]).is_err()
            && self.bytes.len() - safe < 4
        {
            safe -= 1;
        }
        let emit = String::from_utf8_lossy(&self.bytes[self.emitted..safe]).into_owned();
        self.emitted = safe;
        Scan::Continue(emit)
    }

    pub(crate) fn finish(&mut self) -> String {
        let emit = String::from_utf8_lossy(&self.bytes[self.emitted..]).into_owned();
        self.emitted = self.bytes.len();
        emit
    }

    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(stops: &[&str], pieces: &[&str]) -> (String, Option<String>, String) {
        let stops: Vec<String> = stops.iter().map(|s| s.to_string()).collect();
        let mut sc = StopScanner::new(&stops);
        let mut streamed = String::new();
        for p in pieces {
            match sc.push(p.as_bytes()) {
                Scan::Continue(e) => streamed.push_str(&e),
                Scan::Stopped(e, w) => {
                    streamed.push_str(&e);
                    return (streamed, Some(w), sc.text());
                }
            }
        }
        streamed.push_str(&sc.finish());
        (streamed, None, sc.text())
    }

    #[test]
    fn stop_string_split_across_pieces_is_never_streamed() {
        let (s, w, t) = run(&["</tool_call>"], &["ok <", "/tool", "_call> more"]);
        assert_eq!(s, "ok ");
        assert_eq!(t, "ok ");
        assert_eq!(w.as_deref(), Some("</tool_call>"));
    }

    #[test]
    fn false_prefix_is_released() {
        let (s, w, _) = run(&["</x>"], &["a <", "b"]);
        assert_eq!(s, "a <b");
        assert_eq!(w, None);
    }

    #[test]
    fn utf8_split_is_held_back() {
        let e = "é".as_bytes();
        let stops = vec![];
        let mut sc = StopScanner::new(&stops);
        let Scan::Continue(a) = sc.push(&e[..1]) else {
            panic!()
        };
        let Scan::Continue(b) = sc.push(&e[1..]) else {
            panic!()
        };
        assert_eq!(a, "");
        assert_eq!(b, "é");
    }
}
