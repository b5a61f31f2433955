//! The LoRA training loop (SFT, DPO on preference pairs, or GRPO on
//! prompts): micro-batches of whole examples, gradient accumulation,
//! global-norm clipping, AdamW with warmup + schedule, validation,
//! `latest/` and `best/` checkpoints, metrics JSONL, progress.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use kernels::adamw::AdamWState;
use serde::Serialize;

use super::batches::{epoch_order, epoch_seed, next_step, total_steps};
use super::checkpoint::{save_checkpoint, Checkpoint, CheckpointMeta};
use super::config::{Method, TrainConfig};
use super::data::{self, Dataset, Example, Tokenizing};
use super::dpo::{self, Dpo, PairStats, RefLogps};
use super::grpo::{self, Grpo};
use super::out_dir::{self, OutDir};
use super::report::{self, StepProgress};
use super::rollouts::{self, Batch, RolloutStats, Sampling};
use super::step::{optimizer_step, BadSteps, StepOutcome};
use crate::model::{Graph, LoraAdapter, LoraSpec, Weights};
use crate::pairs::Item;
use crate::{memory, Error, Result};

/// One line of `metrics.jsonl`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct StepMetrics {
    pub step: usize,
    pub epoch: usize,
    pub loss: f64,
    pub lr: f32,
    pub grad_norm: f64,
    pub tokens: usize,
    pub tok_s: f64,
    pub rss_bytes: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub val_loss: Option<f64>,
    /// DPO: the step's mean reward margin z, share of pairs with z > 0,
    /// and the chosen and rejected answers' rewards (see [`PairStats`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub margin: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accuracy: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chosen_reward: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rejected_reward: Option<f64>,
    /// DPO: preference accuracy on the validation pairs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub val_accuracy: Option<f64>,
    /// GRPO: the mean reward of one greedy answer per validation prompt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub val_reward: Option<f64>,
    /// GRPO: the batch of rollouts this step trained on (the same batch
    /// for `--updates` steps in a row).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub rollouts: Option<RolloutStats>,
    /// GRPO: mean KL estimate to the reference per answer token (with
    /// --kl above 0), and the share of tokens whose ratio was clipped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kl: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clip_fraction: Option<f64>,
    /// The gradients were not finite; the adapter was left as it was.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub skipped: bool,
}

/// What a finished run reports.
#[derive(Clone, Debug, Serialize)]
pub struct TrainSummary {
    pub steps: usize,
    pub first_loss: f64,
    pub last_loss: f64,
    pub best_val_loss: Option<f64>,
    /// Validation loss of the base model before training (fresh runs).
    pub initial_val_loss: Option<f64>,
    /// DPO: preference accuracy on the validation pairs before training
    /// (fresh runs) and at the last validation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial_val_accuracy: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub val_accuracy: Option<f64>,
    /// GRPO: mean greedy reward on the validation prompts before training
    /// (fresh runs) and at the last validation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial_val_reward: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub val_reward: Option<f64>,
    /// GRPO: mean reward of the first and the last batch of rollouts, and
    /// the share of the run's time spent sampling them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_reward: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_reward: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sampling_share: Option<f64>,
    pub tokens_per_second: f64,
    pub peak_rss_bytes: u64,
    pub estimated_bytes: u64,
    pub adapter: PathBuf,
    pub skipped_lines: usize,
    /// Optimizer steps that changed nothing (whole run): non-finite
    /// gradients, or (GRPO) no group with different rewards.
    pub skipped_steps: usize,
    /// The matmul path ("f32" or "int8").
    pub compute: &'static str,
    /// Layers whose activations were kept (the others recomputed).
    pub kept_layers: usize,
    /// Frozen weights coded once for the int8 path (else on the fly).
    pub int8_coded: bool,
    pub n_layer: usize,
}

/// Mean loss over a dataset (no gradients), with an adapter or without
/// (a fully trained model).
pub fn evaluate(
    graph: &Graph<'_>,
    adapter: Option<&LoraAdapter>,
    examples: &[Example],
) -> Result<f64> {
    let (mut sum, mut n) = (0.0, 0usize);
    for ex in examples {
        let s = graph.loss(&ex.ids, &ex.labels, adapter, None, None, 0)?;
        sum += s.loss_sum;
        n += s.n_tokens;
    }
    Ok(if n == 0 { 0.0 } else { sum / n as f64 })
}

/// Trains into `cfg.out`; `existing` says what to do with an earlier run there
/// (see [`OutDir`]). `show_progress` draws a bar; without it (or without a
/// terminal) progress goes to stderr as plain lines.
pub fn train(cfg: &TrainConfig, existing: OutDir, show_progress: bool) -> Result<TrainSummary> {
    cfg.validate()?;
    out_dir::prepare(&cfg.out, existing)?;
    let resume = existing == OutDir::Resume;
    let file = crate::open_gguf(&cfg.model)?;
    let weights = Weights::load(&file)?;
    let model_cfg = weights.cfg.clone();
    // Before any worker thread starts (coding the weights uses rayon).
    host::share_one_heap();
    let limit = memory_limit(cfg);
    // Code the weights for int8 and keep as many layers' activations as
    // fit 3/4 of the free memory (or all of --max-memory, which the user
    // chose).
    let budget = match cfg.max_memory {
        Some(_) => limit,
        None => limit.map(memory::default_keep_budget),
    };
    let (size, rank, targets, seq) = (file.file_size(), cfg.rank, &cfg.targets, cfg.max_seq);
    let plan = memory::plan_step(
        &model_cfg,
        size,
        rank,
        targets,
        seq,
        cfg.compute,
        budget,
        cfg.keep_layers,
    );
    let kept_layers = plan.kept_layers;
    let estimate = memory::training_planned(&model_cfg, size, rank, targets, seq, plan);
    memory_guard(cfg, limit, estimate.total_bytes)?;
    let mut graph = Graph::new(weights).with_compute(cfg.compute);
    if plan.int8_coded {
        graph = graph.code_int8();
    }

    let vocab = crate::infer::Tokenizer::load(&cfg.model)?;
    let bos = vocab.bos();
    let mut tokenize = |s: &str| vocab.tokenize(s);
    let mut tok = Tokenizing {
        max_seq: cfg.max_seq,
        bos,
        tokenize: &mut tokenize,
    };
    // GRPO: the prompts, one placeholder example each for the batching.
    let prompts = |p: &Path| -> Result<(Vec<(usize, Item)>, Dataset)> {
        let crate::pairs::Items { items, skipped } = crate::pairs::read_items(p, None)?;
        if let (Some((n, why)), false) = (skipped.first(), cfg.skip_bad) {
            return Err(Error::Input(format!(
                "{}:{n}: {why} (use --skip-bad to skip bad lines)",
                p.display()
            )));
        }
        let examples = items
            .iter()
            .map(|&(line, _)| Example {
                ids: Vec::new(),
                labels: Vec::new(),
                line,
            })
            .collect();
        Ok((
            items,
            Dataset {
                examples,
                skipped,
                ..Dataset::default()
            },
        ))
    };
    let (prompt_items, ds, val_items, val) = match cfg.method {
        Method::Grpo => {
            let (items, ds) = prompts(&cfg.data)?;
            let (val_items, val) = match cfg.val.as_deref().map(prompts).transpose()? {
                Some((i, v)) => (i, Some(v)),
                None => (Vec::new(), None),
            };
            (items, ds, val_items, val)
        }
        Method::Sft | Method::Dpo => {
            let mut read = |p: &Path| match cfg.method {
                Method::Dpo => data::load_pairs(p, cfg.skip_bad, &mut tok),
                _ => data::load(p, cfg.mask_prompt, cfg.skip_bad, &mut tok),
            };
            let ds = read(&cfg.data)?;
            let val = cfg.val.as_deref().map(&mut read).transpose()?;
            (Vec::new(), ds, Vec::new(), val)
        }
    };
    std::fs::create_dir_all(&cfg.out).map_err(Error::io(&cfg.out))?;
    let out = cfg.out.clone();
    write_manifest(cfg, &model_cfg, &ds, estimate.total_bytes, plan)?;

    let init = match &cfg.init_lora {
        Some(p) => Some(LoraAdapter::load_gguf(p, &model_cfg)?),
        None => None,
    };
    let spec = match &init {
        Some(a) => a.spec.clone(),
        None => LoraSpec {
            rank: cfg.rank,
            alpha: cfg.alpha,
            targets: cfg.targets.clone(),
        },
    };
    let latest = out.join("latest").join("state.ckpt");
    let (mut adapter, mut states, mut meta) = if resume && latest.exists() {
        let ck = Checkpoint::load(&latest, &model_cfg)?;
        if ck.meta.spec != spec {
            return Err(Error::Input(format!(
                "{}: checkpoint has a different LoRA spec than this config",
                latest.display()
            )));
        }
        let states: Vec<AdamWState> =
            ck.m.into_iter()
                .zip(ck.v)
                .map(|(m, v)| AdamWState { m, v })
                .collect();
        (ck.adapter, states, ck.meta)
    } else {
        let adapter = init.unwrap_or_else(|| LoraAdapter::init(&model_cfg, &spec, cfg.seed));
        let states = adapter.adamw_states();
        let meta = CheckpointMeta {
            spec: spec.clone(),
            step: 0,
            epoch: 0,
            position: 0,
            epoch_seed: epoch_seed(cfg.seed, 0),
            best_val_loss: None,
            n_values: adapter.n_params(),
            skipped_steps: 0,
        };
        (adapter, states, meta)
    };
    let total = total_steps(cfg, &ds);

    let threads = cfg
        .threads
        .unwrap_or_else(|| crate::infer::default_threads() as usize);
    let pool = crate::infer::compute_pool(Some(threads))?;
    let mut progress = StepProgress::new(total, meta.step, show_progress);
    let metrics_path = out.join("metrics.jsonl");
    let mut metrics = out_dir::metrics_from(&metrics_path, meta.step)?;
    let mut grads = LoraAdapter::zeros(&model_cfg, &spec);
    // DPO: the reference's log-probabilities, once per run, and room for
    // each answer's gradient.
    let dpo = Dpo {
        beta: cfg.beta as f64,
        label_smoothing: cfg.label_smoothing as f64,
    };
    let reference = match (&cfg.ref_lora, cfg.method) {
        (Some(p), Method::Dpo | Method::Grpo) => Some(LoraAdapter::load_gguf(p, &model_cfg)?),
        _ => None,
    };
    let refs = |d: &Dataset| -> Result<Vec<RefLogps>> {
        match cfg.method {
            Method::Dpo => pool.install(|| dpo::reference(&graph, d, reference.as_ref())),
            _ => Ok(Vec::new()),
        }
    };
    let train_refs = refs(&ds)?;
    let val_refs = val.as_ref().map(refs).transpose()?.unwrap_or_default();
    let mut scratch = match cfg.method {
        Method::Dpo => Some([
            LoraAdapter::zeros(&model_cfg, &spec),
            LoraAdapter::zeros(&model_cfg, &spec),
        ]),
        _ => None,
    };
    // GRPO: how rollouts are sampled, and the batch being trained on.
    let grpo = Grpo {
        clip: cfg.clip_ratio as f64,
        kl: cfg.kl as f64,
    };
    let sampling = Sampling {
        model: &cfg.model,
        adapter_file: out.join("rollout-adapter.gguf"),
        arch: &model_cfg.architecture,
        k: cfg.k,
        temperature: cfg.temperature,
        max_new_tokens: cfg.max_new_tokens,
        max_turns: cfg.max_turns,
        reward: cfg.reward,
        threads,
        n_ctx: cfg.max_seq,
    };
    let val_prompts: Vec<(usize, &Item)> = val_items.iter().map(|(n, i)| (*n, i)).collect();
    let mut batch: Option<Batch> = None;
    let (mut first_reward, mut last_reward, mut sampling_s) = (None, None, 0.0);
    // Validation: the mean loss, DPO's preference accuracy, GRPO's greedy
    // reward.
    let validate = |adapter: &LoraAdapter, v: &Dataset| -> Result<ValScore> {
        match cfg.method {
            Method::Sft => Ok(ValScore {
                loss: Some(pool.install(|| evaluate(&graph, Some(adapter), &v.examples))?),
                ..ValScore::default()
            }),
            Method::Dpo => {
                let s = pool.install(|| dpo::evaluate(&dpo, &graph, adapter, v, &val_refs))?;
                Ok(ValScore {
                    loss: Some(s.loss),
                    accuracy: Some(s.accuracy),
                    reward: None,
                })
            }
            Method::Grpo => Ok(ValScore {
                reward: Some(rollouts::greedy_reward(&sampling, &val_prompts, adapter)?),
                ..ValScore::default()
            }),
        }
    };
    let (mut first_loss, mut last_loss) = (f64::NAN, f64::NAN);
    let (mut tokens_done, t_start) = (0usize, Instant::now());
    let mut initial_val_loss = None;
    let (mut initial_val_accuracy, mut last_val_accuracy) = (None, None);
    let (mut initial_val_reward, mut last_val_reward) = (None, None);
    let mut bad_steps = BadSteps::default();
    let mut order = epoch_order(ds.examples.len(), meta.epoch_seed);
    if meta.step == 0 {
        // The starting point: validation loss of the untouched base model.
        if let Some(v) = &val {
            let score = validate(&adapter, v)?;
            let mut line = serde_json::json!({"step": 0, "epoch": 0});
            for (k, x) in [
                ("val_loss", score.loss),
                ("val_accuracy", score.accuracy),
                ("val_reward", score.reward),
            ] {
                if let Some(x) = x {
                    line[k] = x.into();
                }
            }
            initial_val_accuracy = score.accuracy;
            initial_val_reward = score.reward;
            writeln!(metrics, "{line}").map_err(Error::io(&metrics_path))?;
            meta.best_val_loss = None;
            initial_val_loss = score.loss;
        }
    }

    while meta.step < total {
        if meta.position >= order.len() {
            meta.epoch += 1;
            meta.position = 0;
            meta.epoch_seed = epoch_seed(cfg.seed, meta.epoch);
            order = epoch_order(ds.examples.len(), meta.epoch_seed);
        }
        // GRPO trains --updates steps on each batch of rollouts: the same
        // prompts until a new batch is sampled.
        let new_batch = meta.step % cfg.updates == 0 || batch.is_none();
        let (micro, next_pos) = if cfg.method != Method::Grpo || new_batch {
            next_step(cfg, &ds, &order, meta.position)
        } else {
            (Vec::new(), meta.position)
        };
        let items: Vec<usize> = micro.iter().flatten().copied().collect();
        let mut n_tokens: usize = items.iter().map(|&i| ds.tokens(i)).sum();
        let t0 = Instant::now();
        grads.zero();
        let mut step_grpo = None;
        if cfg.method == Method::Grpo && new_batch {
            let chosen: Vec<(usize, &Item)> = items
                .iter()
                .map(|&i| (prompt_items[i].0, &prompt_items[i].1))
                .collect();
            let seed = (cfg.seed as u32) ^ (meta.step as u32).wrapping_mul(0x9E37_79B9);
            let mut b = rollouts::sample(&sampling, &chosen, &adapter, &mut tok, seed)?;
            for (line, why) in &b.failures {
                eprintln!("warning: {}:{line}: no rollouts: {why}", cfg.data.display());
            }
            if b.stats.failed_prompts == chosen.len() {
                return Err(Error::Input(format!(
                    "{}: every prompt of step {} failed to sample (first: {})",
                    cfg.data.display(),
                    meta.step + 1,
                    b.failures.first().map_or("", |f| f.1.as_str())
                )));
            }
            pool.install(|| -> Result<()> {
                for a in &mut b.answers {
                    if grpo.kl > 0.0 {
                        a.reference =
                            Some(grpo::token_logps(&graph, &a.example, reference.as_ref())?);
                    }
                    if cfg.updates > 1 {
                        a.old = Some(grpo::token_logps(&graph, &a.example, Some(&adapter))?);
                    }
                }
                Ok(())
            })?;
            sampling_s += b.stats.sampling_s;
            first_reward.get_or_insert(b.stats.reward);
            last_reward = Some(b.stats.reward);
            batch = Some(b);
        }
        let (loss, pairs) = pool.install(|| -> Result<(f64, Option<PairStats>)> {
            if let (Method::Grpo, Some(b)) = (cfg.method, &batch) {
                // The mean over answers of each answer's mean token loss.
                let w = 1.0 / b.answers.len().max(1) as f64;
                let (mut loss, mut kl, mut clipped, mut tokens) = (0.0, 0.0, 0, 0);
                for a in &b.answers {
                    let o = grpo.backward(&graph, a, &adapter, w, &mut grads, kept_layers)?;
                    loss += w * o.loss;
                    kl += o.kl_sum;
                    clipped += o.clipped;
                    tokens += o.tokens;
                }
                let t = tokens.max(1) as f64;
                step_grpo = Some((b.stats, kl / t, clipped as f64 / t));
                return Ok((loss, None));
            }
            let Some(scratch) = scratch.as_mut() else {
                let examples: Vec<&Example> = items.iter().map(|&i| &ds.examples[i]).collect();
                let n_targets: usize = examples.iter().map(|e| e.n_targets()).sum();
                let mut loss_sum = 0.0;
                for ex in &examples {
                    let scale = 1.0 / n_targets.max(1) as f32;
                    let s = graph.loss(
                        &ex.ids,
                        &ex.labels,
                        Some(&adapter),
                        Some(crate::model::Grads::Lora(&mut grads)),
                        Some(scale),
                        kept_layers,
                    )?;
                    loss_sum += s.loss_sum;
                }
                return Ok((loss_sum / n_targets.max(1) as f64, None));
            };
            // DPO: the mean loss over the step's pairs.
            let scale = 1.0 / items.len().max(1) as f32;
            let outcomes = items
                .iter()
                .map(|&i| {
                    let pair = (&ds.examples[i], &ds.rejected[i]);
                    let (r, g) = (train_refs[i], &mut grads);
                    dpo.backward(&graph, pair, &adapter, r, g, scale, scratch, kept_layers)
                })
                .collect::<Result<Vec<_>>>()?;
            let stats = PairStats::of(dpo.beta, &outcomes);
            Ok((stats.loss, Some(stats)))
        })?;
        if let Some(b) = &batch {
            n_tokens = b.answers.iter().map(|a| a.example.ids.len()).sum();
        }
        meta.step += 1;
        let lr = cfg.lr_at(meta.step, total);
        let updates = (meta.step - meta.skipped_steps) as u64;
        // A GRPO batch whose groups all had equal rewards has no gradient:
        // the adapter and AdamW's moments stay as they are.
        let idle =
            cfg.method == Method::Grpo && batch.as_ref().is_some_and(|b| b.answers.is_empty());
        let step = if idle {
            StepOutcome {
                grad_norm: 0.0,
                applied: false,
            }
        } else {
            optimizer_step(&mut adapter, &mut grads, &mut states, cfg, lr, updates)
        };
        meta.position = next_pos;
        tokens_done += n_tokens;
        if step.applied {
            if first_loss.is_nan() {
                first_loss = loss;
            }
            last_loss = loss;
        } else {
            meta.skipped_steps += 1;
        }
        let tok_s = n_tokens as f64 / t0.elapsed().as_secs_f64().max(1e-9);
        let score = match &val {
            Some(v)
                if (cfg.eval_every > 0 && meta.step % cfg.eval_every == 0)
                    || meta.step == total =>
            {
                Some(validate(&adapter, v)?)
            }
            _ => None,
        };
        let (val_loss, val_accuracy, val_reward) =
            score.map_or((None, None, None), |s| (s.loss, s.accuracy, s.reward));
        last_val_accuracy = val_accuracy.or(last_val_accuracy);
        last_val_reward = val_reward.or(last_val_reward);
        let rss = host::rss_bytes().0;
        let m = StepMetrics {
            step: meta.step,
            epoch: meta.epoch,
            loss,
            lr,
            grad_norm: step.grad_norm,
            tokens: n_tokens,
            tok_s,
            rss_bytes: rss,
            val_loss,
            margin: pairs.map(|p| p.margin),
            accuracy: pairs.map(|p| p.accuracy),
            chosen_reward: pairs.map(|p| p.chosen_reward),
            rejected_reward: pairs.map(|p| p.rejected_reward),
            val_accuracy,
            val_reward,
            rollouts: step_grpo.map(|g| g.0),
            kl: step_grpo.filter(|_| grpo.kl > 0.0).map(|g| g.1),
            clip_fraction: step_grpo.map(|g| g.2),
            skipped: !step.applied && !idle,
        };
        let line = serde_json::to_string(&m).map_err(Error::internal("cannot encode metrics"))?;
        writeln!(metrics, "{line}").map_err(Error::io(&metrics_path))?;
        progress.update(&m);
        // best/ by the validation loss, or (GRPO) minus the reward.
        let val_score = score.and_then(|s| s.loss.or(s.reward.map(|r| -r)));
        let improved = match (val_score, meta.best_val_loss) {
            (Some(v), Some(best)) => v < best,
            (Some(v), None) => v.is_finite(),
            _ => false,
        };
        if improved {
            meta.best_val_loss = val_score;
            save(
                &out.join("best"),
                &meta,
                &adapter,
                &states,
                &model_cfg.architecture,
            )?;
        }
        if meta.step == total || (cfg.save_every > 0 && meta.step % cfg.save_every == 0) {
            save(
                &out.join("latest"),
                &meta,
                &adapter,
                &states,
                &model_cfg.architecture,
            )?;
        }
        let recorded = if idle {
            Ok(())
        } else {
            bad_steps.record(meta.step, step, cfg.max_bad_steps)
        };
        if let Err(e) = recorded {
            progress.finish();
            // The adapter is still the last good one: keep it resumable.
            let latest = out.join("latest");
            save(&latest, &meta, &adapter, &states, &model_cfg.architecture)?;
            return Err(e);
        }
    }
    progress.finish();
    if cfg.method == Method::Grpo {
        // Only llama.cpp's copy of the adapter for sampling.
        let _ = std::fs::remove_file(&sampling.adapter_file);
    }
    let adapter_path = out.join("adapter.gguf");
    adapter.save_gguf(&model_cfg.architecture, &adapter_path)?;
    report::loss_curve_svg(&out.join("metrics.jsonl"), &out.join("loss.svg"))?;
    Ok(TrainSummary {
        steps: meta.step,
        first_loss,
        last_loss,
        best_val_loss: meta.best_val_loss.filter(|_| cfg.method != Method::Grpo),
        initial_val_loss,
        initial_val_accuracy,
        val_accuracy: last_val_accuracy,
        initial_val_reward,
        val_reward: last_val_reward,
        first_reward,
        last_reward,
        sampling_share: (cfg.method == Method::Grpo)
            .then(|| sampling_s / t_start.elapsed().as_secs_f64().max(1e-9)),
        tokens_per_second: tokens_done as f64 / t_start.elapsed().as_secs_f64().max(1e-9),
        peak_rss_bytes: host::rss_bytes().1,
        estimated_bytes: estimate.total_bytes,
        adapter: adapter_path,
        skipped_lines: ds.skipped.len(),
        skipped_steps: meta.skipped_steps,
        compute: cfg.compute.name(),
        kept_layers,
        int8_coded: plan.int8_coded,
        n_layer: model_cfg.n_layer,
    })
}

/// One validation: the mean loss (SFT, DPO), the preference accuracy
/// (DPO), the mean greedy reward (GRPO).
#[derive(Clone, Copy, Debug, Default)]
struct ValScore {
    loss: Option<f64>,
    accuracy: Option<f64>,
    reward: Option<f64>,
}

fn save(
    dir: &Path,
    meta: &CheckpointMeta,
    adapter: &LoraAdapter,
    states: &[AdamWState],
    arch: &str,
) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(Error::io(dir))?;
    let m: Vec<&[f32]> = states.iter().map(|s| s.m.as_slice()).collect();
    let v: Vec<&[f32]> = states.iter().map(|s| s.v.as_slice()).collect();
    save_checkpoint(&dir.join("state.ckpt"), meta, adapter, &m, &v)?;
    adapter.save_gguf(arch, &dir.join("adapter.gguf"))
}

/// The memory a run may use: `--max-memory` capped by the free memory,
/// or the free memory; `None` when neither is known.
fn memory_limit(cfg: &TrainConfig) -> Option<u64> {
    let available = host::available_bytes();
    match cfg.max_memory {
        Some(m) => Some(m.min(if available > 0 { available } else { u64::MAX })),
        None if available > 0 => Some(available),
        None => None,
    }
}

/// Refuses to start when the estimate exceeds the limit, suggesting
/// smaller settings.
fn memory_guard(cfg: &TrainConfig, limit: Option<u64>, estimate: u64) -> Result<()> {
    let Some(limit) = limit else {
        return Ok(());
    };
    if estimate > limit {
        return Err(Error::Input(format!(
            "training needs about {} but only {} is allowed/free; try --max-seq {} or --rank {}",
            host::human_bytes(estimate),
            host::human_bytes(limit),
            (cfg.max_seq / 2).max(8),
            (cfg.rank / 2).max(1)
        )));
    }
    Ok(())
}

/// `DIR/run.json`: the resolved config plus what is needed to replay it.
fn write_manifest(
    cfg: &TrainConfig,
    model: &crate::model::ModelConfig,
    ds: &Dataset,
    estimate: u64,
    plan: memory::StepPlan,
) -> Result<()> {
    let manifest = serde_json::json!({
        "config": cfg,
        "model": model,
        "agentcoder_version": env!("CARGO_PKG_VERSION"),
        "machine": crate::machine(),
        "examples": ds.examples.len(),
        "skipped_lines": ds.skipped,
        "truncated_examples": ds.truncated,
        "estimated_peak_bytes": estimate,
        "kept_layers": plan.kept_layers,
        "int8_coded": plan.int8_coded,
    });
    let path = cfg.out.join("run.json");
    let text = serde_json::to_string_pretty(&manifest)
        .map_err(Error::internal("cannot encode run.json"))?;
    gguf::write_atomic(&path, text.as_bytes()).map_err(Error::from)
}
