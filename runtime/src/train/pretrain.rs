//! Full-parameter training of a small llama model from scratch (or from a
//! model trained that way, `init`): every weight in f32 ([`FullModel`]),
//! AdamW on all of them, the warmup + schedule, clipping, validation,
//! checkpoints that resume bit-identically, metrics, loss curve and greedy
//! sample answers at intervals that show whether the model writes `<EXEC>`
//! code. The result is an F32 GGUF and its Q8_0 copy, both for llama.cpp.
//!
//! Data ([`super::corpus`]): documents are tokenized, joined with
//! `<|endoftext|>` and cut into windows of `seq` tokens; conversations are
//! one example each (ChatML, cut to `seq`), every token a target unless
//! `mask_prompt`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use kernels::adamw::{adamw_step, AdamWConfig, AdamWState};
use serde::{Deserialize, Serialize};

use super::batches::{epoch_order, epoch_seed};
use super::checkpoint::{bad_checkpoint, read_state, write_state};
use super::config::{config_from_file, lr_at, Schedule};
use super::corpus;
use super::data::{Example, Tokenizing};
use super::out_dir::{self, OutDir};
use super::report::{self, StepProgress};
use super::run::{evaluate, StepMetrics};
use super::step::{BadSteps, StepOutcome};
use crate::model::{write_scratch_model, FullModel, Grads, Graph, ScratchShape};
use crate::tokenizer::BpeVocab;
use crate::{Error, Result};

/// Skipped (non-finite) steps in a row that stop a run.
const MAX_BAD_STEPS: usize = 5;

/// Everything a pretraining run needs (`--config tiny.toml` plus flags).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PretrainConfig {
    /// The model to create (ignored with `init`).
    #[serde(flatten)]
    pub shape: ScratchShape,
    /// `tokenizer.json` for a new model (from `agentcoder tokenizer train`).
    pub tokenizer: Option<PathBuf>,
    /// Continue from this F32 GGUF (a model this command wrote) instead of
    /// a new one: fine-tuning it on agent data, say.
    pub init: Option<PathBuf>,
    pub data: Vec<PathBuf>,
    pub val: Vec<PathBuf>,
    pub out: PathBuf,
    /// Tokens per sequence.
    pub seq: usize,
    /// Tokens per optimizer step (whole sequences, at least one).
    pub batch_tokens: usize,
    pub steps: usize,
    pub lr: f32,
    pub warmup: usize,
    pub schedule: Schedule,
    /// AdamW weight decay on the 2-D weights (not on norms).
    pub weight_decay: f32,
    pub clip: f32,
    pub seed: u64,
    pub eval_every: usize,
    pub save_every: usize,
    /// Greedy answers to `sample_prompts` every this many steps (0: never).
    pub sample_every: usize,
    pub sample_prompts: Vec<String>,
    /// Train conversations on the assistant turns only.
    pub mask_prompt: bool,
    pub threads: Option<usize>,
}

impl Default for PretrainConfig {
    fn default() -> Self {
        PretrainConfig {
            shape: ScratchShape::default(),
            tokenizer: None,
            init: None,
            data: Vec::new(),
            val: Vec::new(),
            out: PathBuf::new(),
            seq: 256,
            batch_tokens: 4096,
            steps: 1000,
            lr: 2e-3,
            warmup: 50,
            schedule: Schedule::Cosine,
            weight_decay: 0.1,
            clip: 1.0,
            seed: 1,
            eval_every: 100,
            save_every: 100,
            sample_every: 200,
            sample_prompts: vec!["What is 12345 * 67890?".into()],
            mask_prompt: false,
            threads: None,
        }
    }
}

impl PretrainConfig {
    /// Reads a JSON or flat TOML config (a run.json too).
    pub fn from_file(path: &Path) -> Result<PretrainConfig> {
        config_from_file(path)
    }

    pub fn validate(&self) -> Result<()> {
        let bad = |m: &str| Err(Error::Input(m.to_string()));
        if self.data.is_empty() {
            return bad("--data: give the files or directories to train on");
        }
        if self.out.as_os_str().is_empty() {
            return bad("--out: give the output directory");
        }
        match (&self.init, &self.tokenizer) {
            (None, None) => {
                return bad("--tokenizer: a new model needs a tokenizer.json (agentcoder tokenizer train), or give --init")
            }
            (Some(_), Some(_)) => return bad("--tokenizer and --init exclude each other: an --init model has its own"),
            _ => {}
        }
        if self.init.is_none() {
            self.shape.check()?;
        }
        if self.seq < 2 || self.steps == 0 || self.batch_tokens == 0 {
            return bad("seq must be at least 2, steps and batch_tokens at least 1");
        }
        if !(self.lr > 0.0 && self.lr.is_finite() && self.clip > 0.0) {
            return bad("lr and clip must be above 0");
        }
        if self.save_every == 0 {
            return bad("save_every must be at least 1");
        }
        Ok(())
    }
}

/// Resumable state besides the weights and moments (checkpoint header).
#[derive(Clone, Debug, Serialize, Deserialize)]
struct PretrainMeta {
    step: usize,
    epoch: usize,
    position: usize,
    epoch_seed: u64,
    best_val_loss: Option<f64>,
    skipped_steps: usize,
    n_values: usize,
}

/// One greedy answer written at an interval.
#[derive(Clone, Debug, Serialize)]
pub struct Sample {
    pub step: usize,
    pub prompt: String,
    pub answer: String,
}

/// What a finished run reports.
#[derive(Clone, Debug, Serialize)]
pub struct PretrainSummary {
    pub steps: usize,
    pub n_params: usize,
    pub train_examples: usize,
    /// Conversations with nothing to learn within `seq` tokens (skipped).
    pub dropped_examples: usize,
    pub train_tokens: usize,
    pub first_loss: f64,
    pub last_loss: f64,
    pub initial_val_loss: Option<f64>,
    pub val_loss: Option<f64>,
    pub best_val_loss: Option<f64>,
    pub tokens_per_second: f64,
    pub seconds: f64,
    pub peak_rss_bytes: u64,
    pub estimated_bytes: u64,
    pub skipped_steps: usize,
    /// The last sample answers.
    pub samples: Vec<Sample>,
    /// The trained model, F32 and Q8_0.
    pub model: PathBuf,
    pub model_q8_0: PathBuf,
}

/// The data as examples, and how many conversations had nothing to learn
/// within `seq` tokens.
fn examples(
    c: &corpus::Corpus,
    cfg: &PretrainConfig,
    tok: &mut Tokenizing<'_>,
    end_of_text: i32,
) -> Result<(Vec<Example>, usize)> {
    let mut out = Vec::new();
    let mut stream: Vec<i32> = Vec::new();
    for d in &c.documents {
        stream.extend((tok.tokenize)(d));
        stream.push(end_of_text);
    }
    let seq = cfg.seq;
    for w in stream.chunks(seq + 1).filter(|w| w.len() >= 2) {
        out.push(Example {
            ids: w[..w.len() - 1].to_vec(),
            labels: w[1..].to_vec(),
            line: 0,
        });
    }
    // A conversation whose answer starts beyond `seq` has nothing to
    // learn (with mask_prompt): dropped and counted.
    let (mut truncated, mut dropped) = (0, 0);
    for (_, line, conv) in &c.conversations {
        match tok.example(conv, cfg.mask_prompt, *line, &mut truncated) {
            Ok(ex) => out.push(ex),
            Err(_) => dropped += 1,
        }
    }
    Ok((out, dropped))
}

/// Memory the run needs: weights, gradients and two moments in f32, and
/// one sequence's activations with every layer kept.
fn estimate_bytes(n_params: usize, cfg: &crate::model::ModelConfig, seq: usize) -> u64 {
    let per_layer = seq * (16 * cfg.n_embd + 4 * cfg.n_ff) + cfg.n_head * seq * seq * 2;
    let acts = cfg.n_layer * per_layer + seq * cfg.n_vocab.min(8192) * 2;
    (4 * n_params + acts) as u64 * 4 + (64 << 20)
}

/// Trains into `cfg.out` (see [`OutDir`] for an existing directory).
pub fn pretrain(
    cfg: &PretrainConfig,
    existing: OutDir,
    show_progress: bool,
) -> Result<PretrainSummary> {
    cfg.validate()?;
    // Everything the user named is read and checked before DIR is touched.
    let train_corpus = corpus::read(&cfg.data)?;
    let val_corpus = match cfg.val.is_empty() {
        true => None,
        false => Some(corpus::read(&cfg.val)?),
    };
    let new_vocab = match (&cfg.init, &cfg.tokenizer) {
        (None, Some(p)) => Some((p, BpeVocab::load(p)?)),
        _ => None,
    };
    if let Some(p) = &cfg.init {
        let file = crate::open_gguf(p)?;
        if let Some(t) = file.tensors().iter().find(|t| t.ty != gguf::GgmlType::F32) {
            return Err(Error::Input(format!(
                "{}: --init needs an all-F32 model (a model.gguf this command wrote), but {} is {}",
                p.display(),
                t.name,
                t.ty
            )));
        }
    }
    out_dir::prepare(&cfg.out, existing)?;
    std::fs::create_dir_all(&cfg.out).map_err(Error::io(&cfg.out))?;
    let out = cfg.out.clone();
    let latest = out.join("latest").join("state.ckpt");
    let resuming = existing == OutDir::Resume && latest.exists();
    // The starting weights: the --init model, or a new one written once to
    // DIR/init.gguf (a resumed run rebuilds its tensors from it).
    let start = match (&cfg.init, new_vocab) {
        (Some(p), _) => p.clone(),
        (None, vocab) => {
            let path = out.join("init.gguf");
            if let (false, Some((tok_path, vocab))) = (resuming, vocab) {
                std::fs::copy(tok_path, out.join("tokenizer.json")).map_err(Error::io(tok_path))?;
                let meta = vocab.gguf_metadata();
                write_scratch_model(&cfg.shape, &meta, vocab.tokens.len(), cfg.seed, &path)?;
            }
            path
        }
    };
    let mut model = FullModel::from_gguf(&crate::open_gguf(&start)?)?;
    let mcfg = model.cfg.clone();
    let n_params = model.n_params();
    let estimate = estimate_bytes(n_params, &mcfg, cfg.seq);
    let available = host::available_bytes();
    if available > 0 && estimate > available {
        return Err(Error::Input(format!(
            "pretraining needs about {} but only {} is free; try a smaller model or seq",
            host::human_bytes(estimate),
            host::human_bytes(available)
        )));
    }

    let vocab = crate::infer::Tokenizer::load(&start)?;
    let end_of_text = vocab.tokenize(crate::tokenizer::END_OF_TEXT);
    let end_of_text = match end_of_text.as_slice() {
        [id] => *id,
        _ => vocab.eos(),
    };
    let mut tokenize = |s: &str| vocab.tokenize(s);
    let mut tok = Tokenizing {
        max_seq: cfg.seq,
        bos: vocab.bos(),
        tokenize: &mut tokenize,
    };
    let (train_set, dropped) = examples(&train_corpus, cfg, &mut tok, end_of_text)?;
    let val_set = match &val_corpus {
        Some(c) => examples(c, cfg, &mut tok, end_of_text)?.0,
        None => Vec::new(),
    };
    if train_set.is_empty() {
        return Err(Error::Input(format!(
            "the training data holds no example with a token to learn within seq {}",
            cfg.seq
        )));
    }
    let train_tokens: usize = train_set.iter().map(|e| e.ids.len()).sum();
    write_manifest(
        cfg,
        &mcfg,
        n_params,
        train_set.len(),
        train_tokens,
        estimate,
    )?;

    let mut states: Vec<AdamWState> = model
        .tensors
        .iter()
        .map(|t| AdamWState::new(t.values.len()))
        .collect();
    let mut meta = PretrainMeta {
        step: 0,
        epoch: 0,
        position: 0,
        epoch_seed: epoch_seed(cfg.seed, 0),
        best_val_loss: None,
        skipped_steps: 0,
        n_values: n_params,
    };
    if resuming {
        meta = load_checkpoint(&latest, &mut model, &mut states)?;
    }
    let pool = crate::infer::compute_pool(cfg.threads)?;
    let metrics_path = out.join("metrics.jsonl");
    let mut metrics = out_dir::metrics_from(&metrics_path, meta.step)?;
    let samples_path = out.join("samples.jsonl");
    let mut samples = out_dir::metrics_from(&samples_path, meta.step)?;
    let mut grads = model.zeros_like();
    let validate = |m: &FullModel| -> Result<f64> {
        let graph = Graph::new(m.weights()?);
        pool.install(|| evaluate(&graph, None, &val_set))
    };
    let sample = |m: &FullModel, step: usize| -> Result<Vec<Sample>> {
        let graph = Graph::new(m.weights()?);
        cfg.sample_prompts
            .iter()
            .map(|p| {
                let prompt = agent_prompt(p);
                let ids = vocab.tokenize(&prompt);
                let answer = pool.install(|| greedy(&graph, &ids, 64, &|id| vocab.is_eog(id)))?;
                Ok(Sample {
                    step,
                    prompt: p.clone(),
                    answer: vocab.detokenize(&answer),
                })
            })
            .collect()
    };
    let mut initial_val_loss = None;
    if meta.step == 0 && !val_set.is_empty() {
        let v = validate(&model)?;
        initial_val_loss = Some(v);
        writeln!(
            metrics,
            "{}",
            serde_json::json!({"step": 0, "epoch": 0, "val_loss": v})
        )
        .map_err(Error::io(&metrics_path))?;
    }
    // After the first validation, so that the ETA counts training only.
    let mut progress = StepProgress::new(cfg.steps, meta.step, show_progress);
    let mut order = epoch_order(train_set.len(), meta.epoch_seed);
    let (mut first_loss, mut last_loss, mut last_val) = (f64::NAN, f64::NAN, None);
    let (mut tokens_done, t_start) = (0usize, Instant::now());
    let mut last_samples = Vec::new();
    let opt = AdamWConfig {
        weight_decay: cfg.weight_decay,
        ..AdamWConfig::default()
    };
    let mut bad_steps = BadSteps::default();
    while meta.step < cfg.steps {
        // The step's sequences: whole examples up to batch_tokens.
        let mut batch = Vec::new();
        let mut tokens = 0;
        while batch.is_empty()
            || tokens + train_set[order[meta.position]].ids.len() <= cfg.batch_tokens
        {
            let ex = &train_set[order[meta.position]];
            tokens += ex.ids.len();
            batch.push(ex);
            meta.position += 1;
            if meta.position >= order.len() {
                meta.epoch += 1;
                meta.position = 0;
                meta.epoch_seed = epoch_seed(cfg.seed, meta.epoch);
                order = epoch_order(train_set.len(), meta.epoch_seed);
                break;
            }
        }
        let t0 = Instant::now();
        let n_targets: usize = batch.iter().map(|e| e.n_targets()).sum();
        grads.zero();
        let loss = {
            let graph = Graph::new(model.weights()?);
            let kept = mcfg.n_layer;
            pool.install(|| -> Result<f64> {
                let mut sum = 0.0;
                for ex in &batch {
                    let s = graph.loss(
                        &ex.ids,
                        &ex.labels,
                        None,
                        Some(Grads::Full(&mut grads)),
                        Some(1.0 / n_targets.max(1) as f32),
                        kept,
                    )?;
                    sum += s.loss_sum;
                }
                Ok(sum / n_targets.max(1) as f64)
            })?
        };
        meta.step += 1;
        let lr = lr_at(cfg.lr, cfg.warmup, cfg.schedule, meta.step, cfg.steps);
        let mut views: Vec<&mut [f32]> = grads
            .tensors
            .iter_mut()
            .map(|t| t.values.as_mut_slice())
            .collect();
        let grad_norm = kernels::clip::clip_grad_norm(&mut views, cfg.clip as f64);
        let applied = grad_norm.is_finite();
        if applied {
            let t = (meta.step - meta.skipped_steps) as u64;
            pool.install(|| {
                use rayon::prelude::*;
                model
                    .tensors
                    .par_iter_mut()
                    .zip(grads.tensors.par_iter())
                    .zip(states.par_iter_mut())
                    .for_each(|((p, g), s)| {
                        let decay = if p.shape.len() == 2 {
                            opt.weight_decay
                        } else {
                            0.0
                        };
                        let o = AdamWConfig {
                            lr,
                            weight_decay: decay,
                            ..opt
                        };
                        adamw_step(&o, t, &mut p.values, &g.values, s);
                    });
            });
            if first_loss.is_nan() {
                first_loss = loss;
            }
            last_loss = loss;
        } else {
            meta.skipped_steps += 1;
        }
        tokens_done += tokens;
        let tok_s = tokens as f64 / t0.elapsed().as_secs_f64().max(1e-9);
        let val_loss = if !val_set.is_empty()
            && ((cfg.eval_every > 0 && meta.step.is_multiple_of(cfg.eval_every))
                || meta.step == cfg.steps)
        {
            Some(validate(&model)?)
        } else {
            None
        };
        last_val = val_loss.or(last_val);
        let m = StepMetrics {
            step: meta.step,
            epoch: meta.epoch,
            loss,
            lr,
            grad_norm,
            tokens,
            tok_s,
            rss_bytes: host::rss_bytes().0,
            val_loss,
            skipped: !applied,
            ..StepMetrics::default()
        };
        let line = serde_json::to_string(&m).map_err(Error::internal("cannot encode metrics"))?;
        writeln!(metrics, "{line}").map_err(Error::io(&metrics_path))?;
        progress.update(&m);
        if cfg.sample_every > 0
            && (meta.step.is_multiple_of(cfg.sample_every) || meta.step == cfg.steps)
        {
            last_samples = sample(&model, meta.step)?;
            for smp in &last_samples {
                let line = serde_json::to_string(smp)
                    .map_err(Error::internal("cannot encode a sample"))?;
                writeln!(samples, "{line}").map_err(Error::io(&samples_path))?;
            }
            for s in &last_samples {
                progress.println(&format!(
                    "step {} sample: {} -> {:?}",
                    s.step, s.prompt, s.answer
                ));
            }
        }
        if let (Some(v), best) = (val_loss, meta.best_val_loss) {
            if v.is_finite() && best.is_none_or(|b| v < b) {
                meta.best_val_loss = Some(v);
                let dir = out.join("best");
                std::fs::create_dir_all(&dir).map_err(Error::io(&dir))?;
                model.save_gguf(&dir.join("model.gguf"))?;
            }
        }
        if meta.step.is_multiple_of(cfg.save_every) || meta.step == cfg.steps {
            save_checkpoint(&latest, &meta, &model, &states)?;
        }
        let outcome = StepOutcome { grad_norm, applied };
        if let Err(e) = bad_steps.record(meta.step, outcome, MAX_BAD_STEPS) {
            progress.finish();
            // The weights are still the last good ones: keep them resumable.
            save_checkpoint(&latest, &meta, &model, &states)?;
            return Err(e);
        }
    }
    progress.finish();
    let model_path = out.join("model.gguf");
    model.save_gguf(&model_path)?;
    let q8 = out.join("model-q8_0.gguf");
    let f = crate::open_gguf(&model_path)?;
    crate::model::merge(&f, &mcfg, None, Some(gguf::GgmlType::Q8_0), &q8)?;
    report::loss_curve_svg(&metrics_path, &out.join("loss.svg"))?;
    let seconds = t_start.elapsed().as_secs_f64();
    Ok(PretrainSummary {
        steps: meta.step,
        n_params,
        train_examples: train_set.len(),
        dropped_examples: dropped,
        train_tokens,
        first_loss,
        last_loss,
        initial_val_loss,
        val_loss: last_val,
        best_val_loss: meta.best_val_loss,
        tokens_per_second: tokens_done as f64 / seconds.max(1e-9),
        seconds,
        peak_rss_bytes: host::rss_bytes().1,
        estimated_bytes: estimate,
        skipped_steps: meta.skipped_steps,
        samples: last_samples,
        model: model_path,
        model_q8_0: q8,
    })
}

/// The agent's prompt for a question in the EXEC format (what
/// `agentcoder agent --format exec` sends).
pub fn agent_prompt(question: &str) -> String {
    use dataset::prompt::{render_chatml, Conversation, Message, Role};
    let conv = Conversation {
        messages: vec![
            Message::new(Role::System, dataset::prompt::EXEC_INSTRUCTIONS),
            Message::new(Role::User, question),
        ],
        tools: vec![],
    };
    render_chatml(&conv, true)
        .into_iter()
        .map(|s| s.text)
        .collect()
}

/// Greedy continuation of `ids` by our graph (no cache: for short samples
/// of small models), up to `max_new` tokens or an end-of-generation token.
fn greedy(
    graph: &Graph<'_>,
    ids: &[i32],
    max_new: usize,
    eog: &dyn Fn(i32) -> bool,
) -> Result<Vec<i32>> {
    let (n_vocab, ctx) = (graph.w.cfg.n_vocab, graph.w.cfg.context_length);
    let mut seq = ids.to_vec();
    let mut out = Vec::new();
    while out.len() < max_new && seq.len() < ctx {
        let logits = graph.forward_logits(&seq, None)?;
        let last = &logits[(seq.len() - 1) * n_vocab..seq.len() * n_vocab];
        let next = last
            .iter()
            .enumerate()
            .fold(
                (0, f32::NEG_INFINITY),
                |b, (i, &x)| if x > b.1 { (i, x) } else { b },
            )
            .0 as i32;
        if eog(next) {
            break;
        }
        out.push(next);
        seq.push(next);
    }
    Ok(out)
}

fn save_checkpoint(
    path: &Path,
    meta: &PretrainMeta,
    model: &FullModel,
    states: &[AdamWState],
) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(Error::io(dir))?;
    let p: Vec<&[f32]> = model.tensors.iter().map(|t| t.values.as_slice()).collect();
    let m: Vec<&[f32]> = states.iter().map(|s| s.m.as_slice()).collect();
    let v: Vec<&[f32]> = states.iter().map(|s| s.v.as_slice()).collect();
    write_state(path, meta, &[&p, &m, &v])
}

fn load_checkpoint(
    path: &Path,
    model: &mut FullModel,
    states: &mut [AdamWState],
) -> Result<PretrainMeta> {
    let (meta, values): (PretrainMeta, Vec<f32>) = read_state(path)?;
    let n = model.n_params();
    if meta.n_values != n || values.len() != 3 * n {
        return Err(bad_checkpoint(path, "size does not match the model"));
    }
    let mut values = values.into_iter();
    for t in &mut model.tensors {
        t.values
            .iter_mut()
            .for_each(|x| *x = values.next().unwrap_or(0.0));
    }
    for s in states.iter_mut() {
        s.m.iter_mut()
            .for_each(|x| *x = values.next().unwrap_or(0.0));
    }
    for s in states.iter_mut() {
        s.v.iter_mut()
            .for_each(|x| *x = values.next().unwrap_or(0.0));
    }
    Ok(meta)
}

/// `DIR/run.json`: the config, the model, the data and the estimate.
fn write_manifest(
    cfg: &PretrainConfig,
    model: &crate::model::ModelConfig,
    n_params: usize,
    examples: usize,
    tokens: usize,
    estimate: u64,
) -> Result<()> {
    let manifest = serde_json::json!({
        "config": cfg,
        "model": model,
        "n_params": n_params,
        "agentcoder_version": env!("CARGO_PKG_VERSION"),
        "machine": crate::machine(),
        "examples": examples,
        "train_tokens": tokens,
        "estimated_peak_bytes": estimate,
    });
    let path = cfg.out.join("run.json");
    let text = serde_json::to_string_pretty(&manifest)
        .map_err(Error::internal("cannot encode run.json"))?;
    gguf::write_atomic(&path, text.as_bytes()).map_err(Error::from)
}
