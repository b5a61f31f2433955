use std::path::PathBuf;

use argh::FromArgs;
use runtime::eval::run::{EvalOptions, Suite};
use runtime::train::TrainConfig;

use super::{existing, model_path, print_json, CliError};

/// Studies that chain training and evaluation: `samples` (train on
/// 10/50/100% of the data, evaluate each adapter), `quant` (one adapter
/// on differently quantized bases) and `methods` (SFT, DPO, GRPO side by
/// side).
#[derive(FromArgs)]
#[argh(subcommand, name = "study")]
pub struct StudyArgs {
    #[argh(subcommand)]
    kind: StudyKind,
}

#[derive(FromArgs)]
#[argh(subcommand)]
enum StudyKind {
    Samples(SamplesArgs),
    Quant(QuantArgs),
    Methods(MethodsArgs),
}

/// Training methods side by side on the same data: SFT (as --steps /
/// --epochs say), SFT->DPO on pairs sampled from the SFT adapter (`data
/// pairs`, --k answers per line), SFT->GRPO and GRPO from the base (--k
/// answers per prompt), the DPO/GRPO runs --rl-steps long, starting from
/// and referenced to the SFT adapter; then the base and every adapter on
/// the held-out suite. Writes DIR/study.md (score, train time, tok/s, peak
/// RSS per method), DIR/study.json, DIR/pairs.jsonl, one directory per
/// run and DIR/eval/ (report.html, charts).
#[derive(FromArgs)]
#[argh(subcommand, name = "methods")]
struct MethodsArgs {
    /// the GGUF model (default: the model fetched by `make model`)
    #[argh(option)]
    model: Option<PathBuf>,
    /// training data (JSONL conversations; their first assistant turn is
    /// what DPO's and GRPO's answers are judged against)
    #[argh(option)]
    data: PathBuf,
    /// training settings as in `train --config` (JSON or TOML); the flags below override it
    #[argh(option)]
    config: Option<PathBuf>,
    /// SFT optimizer steps (default: --epochs passes)
    #[argh(option)]
    steps: Option<usize>,
    /// SFT passes over the data (default 1)
    #[argh(option)]
    epochs: Option<usize>,
    /// SFT learning rate (default 2e-4)
    #[argh(option)]
    lr: Option<f32>,
    /// optimizer steps of each DPO and GRPO run (default 8)
    #[argh(option, default = "8")]
    rl_steps: usize,
    /// learning rate of the DPO and GRPO runs (default 5e-4)
    #[argh(option, default = "5e-4")]
    rl_lr: f32,
    /// answers per prompt for the pairs and the GRPO groups (default 4)
    #[argh(option, default = "4")]
    k: usize,
    /// prompts per GRPO batch (default 4)
    #[argh(option)]
    accum: Option<usize>,
    /// tokens per sampled answer in pairs and rollouts (default 256)
    #[argh(option)]
    max_new_tokens: Option<usize>,
    /// rank of the LoRA adapters (default 16)
    #[argh(option)]
    rank: Option<usize>,
    /// longest example in tokens (default 512)
    #[argh(option)]
    max_seq: Option<usize>,
    /// the suite to evaluate on: code (default), fc or bfcl[:categories]
    #[argh(option, default = "String::from(\"code\")")]
    suite: String,
    /// the suite's items (code / fc), e.g. the test part of `data split`
    #[argh(option)]
    test: Option<PathBuf>,
    /// items per suite (per category for bfcl; default all)
    #[argh(option)]
    limit: Option<usize>,
    /// tokens per answer in the evaluation (default 192)
    #[argh(option, default = "192")]
    max_tokens: usize,
    /// agent turns per item for the code suite and code rollouts (default 5)
    #[argh(option, default = "5")]
    max_turns: usize,
    /// threads (default: $AGENTCODER_THREADS, else all cores)
    #[argh(option)]
    threads: Option<i32>,
    /// output directory
    #[argh(option)]
    out: PathBuf,
    /// print the study as JSON
    #[argh(switch)]
    json: bool,
}

/// Sample efficiency: train one LoRA adapter per share of --data (nested,
/// stratified by category; same settings, each run --epochs passes over its
/// share unless --steps is given), then evaluate the base model and every
/// adapter on the held-out suite. Writes DIR/study.md, DIR/study.json,
/// DIR/train-<pct>/ and DIR/eval/.
#[derive(FromArgs)]
#[argh(subcommand, name = "samples")]
struct SamplesArgs {
    /// the GGUF model (default: the model fetched by `make model`)
    #[argh(option)]
    model: Option<PathBuf>,
    /// training data (JSONL conversations, e.g. the train part of `data split`)
    #[argh(option)]
    data: PathBuf,
    /// validation data (optional)
    #[argh(option)]
    val: Option<PathBuf>,
    /// shares of the data in percent (default 10,50,100)
    #[argh(option, default = "String::from(\"10,50,100\")")]
    fractions: String,
    /// training settings as in `train --config` (JSON or TOML); the flags below override it
    #[argh(option)]
    config: Option<PathBuf>,
    /// passes over each share (default 1)
    #[argh(option)]
    epochs: Option<usize>,
    /// optimizer steps per run instead of epochs
    #[argh(option)]
    steps: Option<usize>,
    /// learning rate (default 2e-4)
    #[argh(option)]
    lr: Option<f32>,
    /// rank of the LoRA adapters (default 16)
    #[argh(option)]
    rank: Option<usize>,
    /// alpha of the LoRA adapters (default 32)
    #[argh(option)]
    alpha: Option<f32>,
    /// tokens per micro-batch (default 512)
    #[argh(option)]
    batch_tokens: Option<usize>,
    /// longest example in tokens (default 512)
    #[argh(option)]
    max_seq: Option<usize>,
    #[argh(option, default = "String::from(\"code\")")]
    /// the suite to evaluate on: code (default), fc or bfcl[:categories]
    suite: String,
    /// the suite's items (code / fc), e.g. the test part of `data split`
    #[argh(option)]
    test: Option<PathBuf>,
    /// items per suite (per category for bfcl; default all)
    #[argh(option)]
    limit: Option<usize>,
    /// tokens per answer (default 192)
    #[argh(option, default = "192")]
    max_tokens: usize,
    /// agent turns per item for the code suite (default 5)
    #[argh(option, default = "5")]
    max_turns: usize,
    /// threads (default: $AGENTCODER_THREADS, else all cores)
    #[argh(option)]
    threads: Option<i32>,
    /// output directory
    #[argh(option)]
    out: PathBuf,
    /// print the study as JSON
    #[argh(switch)]
    json: bool,
}

/// Quantization: evaluate the same adapter, and no adapter, on the model
/// and on copies of it re-encoded to --types (written to DIR/base-<type>.gguf).
/// Re-encoding cannot add precision the model does not have: from a Q4_1
/// file a Q8_0 copy holds the same weights almost exactly.
#[derive(FromArgs)]
#[argh(subcommand, name = "quant")]
struct QuantArgs {
    /// the GGUF model (default: the model fetched by `make model`)
    #[argh(option)]
    model: Option<PathBuf>,
    /// the LoRA adapter GGUF
    #[argh(option)]
    lora: PathBuf,
    /// weight types of the extra bases (default q8_0,q4_0)
    #[argh(option, default = "String::from(\"q8_0,q4_0\")")]
    types: String,
    /// the suite: code (default), fc or bfcl[:categories]
    #[argh(option, default = "String::from(\"code\")")]
    suite: String,
    /// the suite's items (code / fc)
    #[argh(option)]
    data: Option<PathBuf>,
    /// items per suite (per category for bfcl; default all)
    #[argh(option)]
    limit: Option<usize>,
    /// tokens per answer (default 192)
    #[argh(option, default = "192")]
    max_tokens: usize,
    /// agent turns per item for the code suite (default 5)
    #[argh(option, default = "5")]
    max_turns: usize,
    /// threads (default: $AGENTCODER_THREADS, else all cores)
    #[argh(option)]
    threads: Option<i32>,
    /// output directory
    #[argh(option)]
    out: PathBuf,
    /// print the study as JSON
    #[argh(switch)]
    json: bool,
}

fn options(max_tokens: usize, max_turns: usize, threads: Option<i32>, json: bool) -> EvalOptions {
    EvalOptions {
        max_tokens,
        max_turns,
        threads: threads.unwrap_or_else(runtime::infer::default_threads),
        batch: runtime::eval::run::DEFAULT_BATCH,
        progress: !json,
    }
}

pub fn run(a: StudyArgs) -> Result<(), CliError> {
    match a.kind {
        StudyKind::Samples(s) => samples(s),
        StudyKind::Quant(q) => quant(q),
        StudyKind::Methods(m) => methods(m),
    }
}

fn methods(a: MethodsArgs) -> Result<(), CliError> {
    let model = model_path(a.model)?;
    existing(&a.data)?;
    let mut cfg = match &a.config {
        Some(p) => TrainConfig::from_file(p)?,
        None => serde_json::from_value(
            serde_json::json!({"model": "", "data": "", "out": "", "eval_every": 0, "accum": 4}),
        )
        .expect("defaults deserialize"),
    };
    cfg.model = model;
    cfg.data = a.data.clone();
    cfg.out = a.out.clone();
    cfg.max_turns = a.max_turns;
    macro_rules! set {
        ($($f:ident),*) => { $( if let Some(v) = a.$f { cfg.$f = v; } )* };
    }
    set!(epochs, lr, rank, max_seq, accum, max_new_tokens);
    if a.steps.is_some() {
        cfg.steps = a.steps;
    }
    if let Some(t) = a.threads {
        cfg.threads = Some(t.max(1) as usize);
    }
    let plan = runtime::study::MethodsPlan {
        steps: a.rl_steps,
        lr: a.rl_lr,
        k: a.k,
    };
    let rl = TrainConfig {
        method: runtime::train::Method::Grpo,
        steps: Some(plan.steps),
        lr: plan.lr,
        k: plan.k,
        ..cfg.clone()
    };
    rl.validate()?;
    let suite = Suite::load(&a.suite, "fc", a.test.as_deref(), a.limit)?;
    let study = runtime::study::methods(
        &cfg,
        plan,
        &a.suite,
        &suite,
        &options(a.max_tokens, a.max_turns, a.threads, a.json),
        &a.out,
    )?;
    if a.json {
        return print_json(
            &serde_json::json!({"runs": study.runs, "pairs": study.pairs, "summary": study.eval.summary, "code_scores": study.eval.code_scores, "fc_scores": study.eval.fc_scores}),
        );
    }
    print!("{}", runtime::study::methods_markdown(&study));
    println!(
        "\nwrote {}/{{study.md, study.json, pairs.jsonl, eval/, sft/, sft-dpo/, sft-grpo/, grpo/}}",
        a.out.display()
    );
    Ok(())
}

fn samples(a: SamplesArgs) -> Result<(), CliError> {
    let model = model_path(a.model)?;
    existing(&a.data)?;
    let fractions: Vec<f64> = a
        .fractions
        .split(',')
        .map(|f| match f.trim().trim_end_matches('%').parse::<f64>() {
            Ok(p) if p > 0.0 && p <= 100.0 => Ok(p / 100.0),
            _ => Err(CliError::usage(format!(
                "--fractions {f}: give percentages in (0, 100], e.g. 10,50,100"
            ))),
        })
        .collect::<Result<_, _>>()?;
    let mut cfg = match &a.config {
        Some(p) => TrainConfig::from_file(p)?,
        // Validation only at the end of each run: the study compares final adapters.
        None => serde_json::from_value(
            serde_json::json!({"model": "", "data": "", "out": "", "eval_every": 0}),
        )
        .expect("defaults deserialize"),
    };
    cfg.model = model.clone();
    cfg.data = a.data.clone();
    cfg.out = a.out.clone();
    if a.val.is_some() {
        cfg.val = a.val.clone();
    }
    macro_rules! set {
        ($($f:ident),*) => { $( if let Some(v) = a.$f { cfg.$f = v; } )* };
    }
    set!(epochs, lr, rank, alpha, batch_tokens, max_seq);
    if a.steps.is_some() {
        cfg.steps = a.steps;
    }
    if let Some(t) = a.threads {
        cfg.threads = Some(t.max(1) as usize);
    }
    let suite = Suite::load(&a.suite, "fc", a.test.as_deref(), a.limit)?;
    let study = runtime::study::samples(
        &cfg,
        &fractions,
        &a.suite,
        &suite,
        &options(a.max_tokens, a.max_turns, a.threads, a.json),
        &a.out,
    )?;
    if a.json {
        return print_json(
            &serde_json::json!({"runs": study.runs, "summary": study.eval.summary, "code_scores": study.eval.code_scores, "fc_scores": study.eval.fc_scores}),
        );
    }
    print!("{}", runtime::study::samples_markdown(&study));
    println!(
        "\nwrote {}/{{study.md, study.json, eval/, train-*/}}",
        a.out.display()
    );
    Ok(())
}

fn quant(a: QuantArgs) -> Result<(), CliError> {
    let model = model_path(a.model)?;
    existing(&a.lora)?;
    let types = a
        .types
        .split(',')
        .map(|t| {
            gguf::GgmlType::from_name(t.trim()).ok_or_else(|| {
                CliError::usage(format!(
                    "--types {t}: unknown type (choose from f32, f16, q8_0, q4_0, q4_1, q4_k, q6_k)"
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let suite = Suite::load(&a.suite, "fc", a.data.as_deref(), a.limit)?;
    let study = runtime::study::quant(
        &model,
        &a.lora,
        &types,
        &a.suite,
        &suite,
        &options(a.max_tokens, a.max_turns, a.threads, a.json),
        &a.out,
    )?;
    if a.json {
        return print_json(
            &serde_json::json!({"bases": study.bases, "summary": study.eval.summary, "code_scores": study.eval.code_scores, "fc_scores": study.eval.fc_scores}),
        );
    }
    print!("{}", runtime::study::quant_markdown(&study));
    println!(
        "\nwrote {}/{{study.md, study.json, eval/, base-*.gguf}}",
        a.out.display()
    );
    Ok(())
}
