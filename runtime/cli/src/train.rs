use std::path::PathBuf;

use argh::FromArgs;
use runtime::model::LoraTarget;
use runtime::train::rollouts::Reward;
use runtime::train::{Method, OutDir, Schedule, TrainConfig};

use super::{print_json, CliError};

/// Train a LoRA adapter on a chat JSONL dataset (CPU, frozen quantized
/// base): supervised (sft), dpo on preference pairs, or grpo on prompts
/// (answers sampled from the adapter being trained through llama.cpp and
/// rewarded by what they do, as `data pairs` judges them).
/// Writes DIR/run.json, metrics.jsonl, loss.svg, latest/ and best/
/// checkpoints and DIR/adapter.gguf (loadable by `generate --lora` and by
/// llama.cpp). A non-empty DIR is refused unless --resume or --overwrite.
/// Without a terminal, progress is a plain line on stderr about every 5% of
/// the run or 30 seconds.
#[derive(FromArgs)]
#[argh(subcommand, name = "train")]
pub struct TrainArgs {
    /// the base GGUF model
    #[argh(option)]
    model: Option<PathBuf>,
    /// training data: JSONL, one {"messages": [...], "tools": [...]} per
    /// line; for dpo also "chosen" and "rejected" (an assistant message, a
    /// list of turns, or the assistant's text) after the prompt messages;
    /// for grpo the prompt is every turn before the first assistant turn,
    /// which is the reference answers are judged against (`data synth
    /// --kind code` lines: by their ground truth, through the agent loop)
    #[argh(option)]
    data: Option<PathBuf>,
    /// sft (default); dpo: -log sigmoid(beta * the chosen answer's
    /// log-ratio to the reference minus the rejected one's); grpo: --k
    /// answers per prompt, advantages normalised within the group, clipped
    /// ratio and a KL penalty to the base
    #[argh(option)]
    method: Option<String>,
    /// grpo: answers sampled per prompt, 2 to 64 (default 4); --accum
    /// prompts make one batch of rollouts
    #[argh(option)]
    k: Option<usize>,
    /// grpo: weight of the KL penalty to the base (default 0.04; 0 skips
    /// the reference forward)
    #[argh(option)]
    kl: Option<f32>,
    /// grpo: how far the probability ratio may leave 1 (default 0.2)
    #[argh(option)]
    clip_ratio: Option<f32>,
    /// grpo: optimizer steps per batch of rollouts (default 1)
    #[argh(option)]
    updates: Option<usize>,
    /// grpo: sampling temperature (default 0.8)
    #[argh(option)]
    temperature: Option<f32>,
    /// grpo: tokens per sampled reply (default 256)
    #[argh(option)]
    max_new_tokens: Option<usize>,
    /// grpo: agent turns per rollout of a code item (default 5)
    #[argh(option)]
    max_turns: Option<usize>,
    /// grpo: binary (1 when correct, default) or graded (0.7 correct + 0.2
    /// right tool or none + 0.1 calls that parse)
    #[argh(option)]
    reward: Option<String>,
    /// dpo: beta (default 0.1)
    #[argh(option)]
    beta: Option<f32>,
    /// dpo: share of pairs taken as mislabelled, 0 to below 0.5 (default 0)
    #[argh(option)]
    label_smoothing: Option<f32>,
    /// start from this adapter (e.g. an SFT run's adapter.gguf); its rank,
    /// alpha and targets are used
    #[argh(option)]
    init_lora: Option<PathBuf>,
    /// dpo, grpo: the reference is the base with this frozen adapter
    /// (default: the base alone); e.g. the SFT adapter grpo starts from
    #[argh(option)]
    ref_lora: Option<PathBuf>,
    /// validation data (same format)
    #[argh(option)]
    val: Option<PathBuf>,
    /// output directory DIR (new or empty, unless --resume or --overwrite)
    #[argh(option)]
    out: Option<PathBuf>,
    /// read every option from a JSON or TOML file (command-line options override it)
    #[argh(option)]
    config: Option<PathBuf>,
    /// rerun a previous run exactly from its DIR/run.json, into a new --out
    #[argh(option)]
    replay: Option<PathBuf>,
    /// continue the run in --out from its latest checkpoint
    #[argh(switch)]
    resume: bool,
    /// replace the earlier run in --out (its metrics, checkpoints, adapter)
    #[argh(switch)]
    overwrite: bool,
    /// rank of the adapter (default 16)
    #[argh(option)]
    rank: Option<usize>,
    /// adapter alpha; scale = alpha/rank (default 32)
    #[argh(option)]
    alpha: Option<f32>,
    /// projections to adapt: q,k,v,o,gate,up,down or all (default all)
    #[argh(option)]
    targets: Option<String>,
    /// peak learning rate (default 2e-4)
    #[argh(option)]
    lr: Option<f32>,
    /// passes over the data (default 1)
    #[argh(option)]
    epochs: Option<usize>,
    /// optimizer steps (overrides --epochs)
    #[argh(option)]
    steps: Option<usize>,
    /// tokens per micro-batch (default 512)
    #[argh(option)]
    batch_tokens: Option<usize>,
    /// micro-batches per optimizer step (default 1)
    #[argh(option)]
    accum: Option<usize>,
    /// warmup steps (default 10)
    #[argh(option)]
    warmup: Option<usize>,
    /// cosine, linear or constant (default cosine)
    #[argh(option)]
    schedule: Option<String>,
    /// truncate examples to this many tokens (default 512)
    #[argh(option)]
    max_seq: Option<usize>,
    /// random seed (default 42)
    #[argh(option)]
    seed: Option<u64>,
    /// threads (default: $AGENTCODER_THREADS, else all cores)
    #[argh(option)]
    threads: Option<usize>,
    /// validate every N steps (default 50)
    #[argh(option)]
    eval_every: Option<usize>,
    /// checkpoint every N steps (default 50)
    #[argh(option)]
    save_every: Option<usize>,
    /// refuse to start above this much memory, e.g. 6GB; also the budget
    /// for keeping activations (default: the available memory)
    #[argh(option)]
    max_memory: Option<String>,
    /// matmuls through the frozen weights: int8 (default; activations and
    /// weights coded to 8/7 bits per 32 values, faster) or f32 (exact)
    #[argh(option)]
    compute: Option<kernels::qmatmul::Compute>,
    /// layers whose activations are kept instead of recomputed in backward:
    /// a number, all, or auto (default: as many as fit the memory budget)
    #[argh(option)]
    keep_layers: Option<String>,
    /// also train on prompt tokens (default: assistant tokens only)
    #[argh(switch)]
    no_mask_prompt: bool,
    /// skip malformed dataset lines (counted in run.json) instead of stopping
    #[argh(switch)]
    skip_bad: bool,
    /// print the summary as JSON
    #[argh(switch)]
    json: bool,
}

fn resolve(a: &TrainArgs) -> Result<TrainConfig, CliError> {
    if a.replay.is_some() && a.out.is_none() {
        // The original run stays as it is, to compare the replay with.
        return Err(CliError::usage(
            "--replay needs --out: a new directory for the rerun",
        ));
    }
    let base = match (&a.replay, &a.config) {
        (Some(p), _) | (None, Some(p)) => Some(TrainConfig::from_file(p)?),
        _ => None,
    };
    let need = |v: Option<PathBuf>, from: Option<PathBuf>, flag: &str| {
        v.or(from.filter(|p| !p.as_os_str().is_empty()))
            .ok_or_else(|| CliError::usage(format!("--{flag} is required (or give --config FILE)")))
    };
    let model = match (&a.model, &base) {
        (None, None) => Some(super::model_path(None)?),
        (m, _) => m.clone(),
    };
    let mut c = TrainConfig {
        model: need(model, base.as_ref().map(|b| b.model.clone()), "model")?,
        data: need(
            a.data.clone(),
            base.as_ref().map(|b| b.data.clone()),
            "data",
        )?,
        out: need(a.out.clone(), base.as_ref().map(|b| b.out.clone()), "out")?,
        ..base.clone().unwrap_or_else(|| {
            serde_json::from_value(serde_json::json!({"model": "", "data": "", "out": ""}))
                .expect("defaults deserialize")
        })
    };
    if a.val.is_some() {
        c.val = a.val.clone();
    }
    macro_rules! set {
        ($($f:ident),*) => { $( if let Some(v) = a.$f.clone() { c.$f = v; } )* };
    }
    set!(
        beta,
        label_smoothing,
        rank,
        alpha,
        lr,
        epochs,
        batch_tokens,
        accum,
        warmup,
        max_seq,
        seed,
        eval_every,
        save_every,
        k,
        kl,
        clip_ratio,
        updates,
        temperature,
        max_new_tokens,
        max_turns
    );
    if a.steps.is_some() {
        c.steps = a.steps;
    }
    if a.threads.is_some() {
        c.threads = a.threads;
    }
    if a.init_lora.is_some() {
        c.init_lora = a.init_lora.clone();
    }
    if a.ref_lora.is_some() {
        c.ref_lora = a.ref_lora.clone();
    }
    if let Some(m) = &a.method {
        c.method = match m.as_str() {
            "sft" => Method::Sft,
            "dpo" => Method::Dpo,
            "grpo" => Method::Grpo,
            other => {
                return Err(CliError::usage(format!(
                    "--method {other}: choose sft, dpo or grpo"
                )))
            }
        };
    }
    if let Some(r) = &a.reward {
        c.reward = match r.as_str() {
            "binary" => Reward::Binary,
            "graded" => Reward::Graded,
            other => {
                return Err(CliError::usage(format!(
                    "--reward {other}: choose binary or graded"
                )))
            }
        };
    }
    if let Some(t) = &a.targets {
        c.targets = LoraTarget::parse_list(t)?;
    }
    if let Some(s) = &a.schedule {
        c.schedule = match s.as_str() {
            "cosine" => Schedule::Cosine,
            "linear" => Schedule::Linear,
            "constant" => Schedule::Constant,
            other => {
                return Err(CliError::usage(format!(
                    "--schedule {other}: choose cosine, linear or constant"
                )))
            }
        };
    }
    if let Some(m) = &a.max_memory {
        c.max_memory =
            Some(host::parse_bytes(m).ok_or_else(|| {
                CliError::usage(format!("--max-memory {m}: use e.g. 6GB or 800MB"))
            })?);
    }
    if let Some(compute) = a.compute {
        c.compute = compute;
    }
    match a.keep_layers.as_deref() {
        None => {}
        Some("auto") => c.keep_layers = None,
        Some("all") => c.keep_layers = Some(usize::MAX),
        Some(n) => {
            c.keep_layers = Some(n.parse().map_err(|_| {
                CliError::usage(format!("--keep-layers {n}: a number, all or auto"))
            })?)
        }
    }
    if a.no_mask_prompt {
        c.mask_prompt = false;
    }
    if a.skip_bad {
        c.skip_bad = true;
    }
    let optional = [(&c.init_lora, "init-lora"), (&c.ref_lora, "ref-lora")];
    let given = optional
        .iter()
        .filter_map(|(p, flag)| p.as_ref().map(|p| (p, *flag)));
    for (p, flag) in [(&c.model, "model"), (&c.data, "data")]
        .into_iter()
        .chain(given)
    {
        if !p.exists() {
            return Err(CliError::usage(format!(
                "--{flag} {}: no such file",
                p.display()
            )));
        }
    }
    c.validate()?;
    Ok(c)
}

pub fn run(a: TrainArgs) -> Result<(), CliError> {
    let existing = OutDir::from_flags(a.resume, a.overwrite)?;
    let cfg = resolve(&a)?;
    let show = !a.json && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let summary = runtime::train::train(&cfg, existing, show)?;
    if a.json {
        return print_json(&summary);
    }
    let losses = if summary.first_loss.is_nan() {
        "no step changed the adapter".to_string()
    } else {
        format!("loss {:.4} -> {:.4}", summary.first_loss, summary.last_loss)
    };
    println!(
        "trained {} steps: {losses}{}, {:.0} tok/s, peak RSS {} (estimate {})",
        summary.steps,
        summary
            .best_val_loss
            .map(|v| format!(", best val {v:.4}"))
            .unwrap_or_default(),
        summary.tokens_per_second,
        host::human_bytes(summary.peak_rss_bytes),
        host::human_bytes(summary.estimated_bytes)
    );
    if let (Some(before), Some(after)) = (summary.initial_val_accuracy, summary.val_accuracy) {
        println!(
            "preference accuracy on the validation pairs: {:.1}% -> {:.1}%",
            100.0 * before,
            100.0 * after
        );
    }
    if let (Some(first), Some(last)) = (summary.first_reward, summary.last_reward) {
        println!(
            "mean reward of the rollouts {first:.3} -> {last:.3} (first and last batch); {:.0}% of the time sampling",
            100.0 * summary.sampling_share.unwrap_or(0.0)
        );
    }
    if let (Some(before), Some(after)) = (summary.initial_val_reward, summary.val_reward) {
        println!("greedy reward on the validation prompts: {before:.3} -> {after:.3}");
    }
    if summary.skipped_steps > 0 {
        println!(
            "skipped {} steps (NaN or infinite gradients{})",
            summary.skipped_steps,
            if cfg.method == Method::Grpo {
                ", or no group whose rewards differed"
            } else {
                ""
            }
        );
    }
    println!(
        "compute {}{}, activations of {}/{} layers kept ({})",
        summary.compute,
        if summary.int8_coded {
            " (weights coded once)"
        } else {
            ""
        },
        summary.kept_layers,
        summary.n_layer,
        if summary.kept_layers >= summary.n_layer {
            "no recompute"
        } else {
            "the rest recomputed in backward"
        }
    );
    println!("adapter: {}", summary.adapter.display());
    Ok(())
}
