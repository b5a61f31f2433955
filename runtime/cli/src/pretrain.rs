use std::path::PathBuf;

use argh::FromArgs;
use runtime::train::pretrain::PretrainConfig;
use runtime::train::OutDir;

use super::{print_json, CliError};

/// Train a small llama model from scratch (every weight, f32) on text,
/// source files and chat JSONL, or continue one (--init) on agent data.
/// Writes DIR/run.json, metrics.jsonl, loss.svg, samples.jsonl (greedy
/// answers to the sample prompts at intervals), latest/state.ckpt (resume
/// with --resume), best/model.gguf, and DIR/model.gguf (F32) plus
/// DIR/model-q8_0.gguf, both loadable by llama.cpp (`agentcoder agent
/// --model DIR/model.gguf --format exec`). A new model needs --tokenizer
/// from `agentcoder tokenizer train`.
#[derive(FromArgs)]
#[argh(subcommand, name = "pretrain")]
pub struct PretrainArgs {
    /// run settings as JSON or flat TOML, flags override them. Keys (with
    /// defaults): n_layer 4, n_embd 256, n_head 4, n_head_kv 4, n_ff 704,
    /// context 512 (the new model; ignored with --init), seq 256,
    /// batch_tokens 4096, steps 1000, lr 2e-3, warmup 50, schedule cosine
    /// (linear, constant), weight_decay 0.1, clip 1.0, seed 1, eval_every
    /// 100, save_every 100, sample_every 200, sample_prompts ["What is
    /// 12345 * 67890?"], mask_prompt false, threads, and data, val,
    /// tokenizer, init, out as the flags
    #[argh(option)]
    config: Option<PathBuf>,
    /// training data: files or directories (.py .txt .md .rs read as
    /// documents, .jsonl as one conversation per line); repeat the flag
    #[argh(option)]
    data: Vec<PathBuf>,
    /// validation data (same kinds); repeat the flag
    #[argh(option)]
    val: Vec<PathBuf>,
    /// tokenizer.json for a new model
    #[argh(option)]
    tokenizer: Option<PathBuf>,
    /// continue from this F32 GGUF (a model.gguf this command wrote)
    #[argh(option)]
    init: Option<PathBuf>,
    /// output directory DIR (new or empty, unless --resume or --overwrite)
    #[argh(option)]
    out: Option<PathBuf>,
    /// optimizer steps (default 1000)
    #[argh(option)]
    steps: Option<usize>,
    /// peak learning rate (default 2e-3)
    #[argh(option)]
    lr: Option<f32>,
    /// tokens per sequence (default 256)
    #[argh(option)]
    seq: Option<usize>,
    /// tokens per optimizer step, whole sequences (default 4096)
    #[argh(option)]
    batch_tokens: Option<usize>,
    /// learn conversations from the assistant turns only
    #[argh(switch)]
    mask_prompt: bool,
    /// continue the run in --out from latest/
    #[argh(switch)]
    resume: bool,
    /// replace an earlier run in --out
    #[argh(switch)]
    overwrite: bool,
    /// compute threads (default: all cores)
    #[argh(option)]
    threads: Option<usize>,
    /// print the summary as JSON
    #[argh(switch)]
    json: bool,
}

fn resolve(a: &PretrainArgs) -> Result<PretrainConfig, CliError> {
    let mut c = match &a.config {
        Some(p) => PretrainConfig::from_file(p)?,
        None => PretrainConfig::default(),
    };
    if !a.data.is_empty() {
        c.data = a.data.clone();
    }
    if !a.val.is_empty() {
        c.val = a.val.clone();
    }
    macro_rules! set {
        ($($f:ident),*) => {$(if let Some(v) = &a.$f { c.$f = v.clone(); })*};
    }
    set!(out, steps, lr, seq, batch_tokens);
    if a.tokenizer.is_some() {
        c.tokenizer = a.tokenizer.clone();
    }
    if a.init.is_some() {
        c.init = a.init.clone();
    }
    if a.threads.is_some() {
        c.threads = a.threads;
    }
    c.mask_prompt |= a.mask_prompt;
    let named = [(&c.tokenizer, "tokenizer"), (&c.init, "init")];
    for (p, flag) in named.iter().filter_map(|(p, f)| p.as_ref().map(|p| (p, f))) {
        if !p.exists() {
            return Err(CliError::usage(format!(
                "--{flag} {}: no such file",
                p.display()
            )));
        }
    }
    for p in c.data.iter().chain(&c.val) {
        if !p.exists() {
            return Err(CliError::usage(format!(
                "{}: no such file or directory",
                p.display()
            )));
        }
    }
    c.validate()?;
    Ok(c)
}

pub fn run(a: PretrainArgs) -> Result<(), CliError> {
    let existing = OutDir::from_flags(a.resume, a.overwrite)?;
    let cfg = resolve(&a)?;
    let show = !a.json && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let s = runtime::train::pretrain::pretrain(&cfg, existing, show)?;
    if a.json {
        return print_json(&s);
    }
    println!(
        "trained {} steps of a {:.1}M-parameter model on {} tokens: loss {:.4} -> {:.4}{}, {:.0} tok/s, {:.0} s, peak RSS {}",
        s.steps,
        s.n_params as f64 / 1e6,
        s.train_tokens,
        s.first_loss,
        s.last_loss,
        match (s.initial_val_loss, s.val_loss) {
            (Some(a), Some(b)) => format!(", val {a:.4} -> {b:.4}"),
            _ => String::new(),
        },
        s.tokens_per_second,
        s.seconds,
        host::human_bytes(s.peak_rss_bytes)
    );
    for smp in &s.samples {
        println!("sample: {} -> {:?}", smp.prompt, smp.answer);
    }
    println!(
        "model: {} (and {})",
        s.model.display(),
        s.model_q8_0.display()
    );
    Ok(())
}

/// Byte-level BPE tokenizers for models trained from scratch.
#[derive(FromArgs)]
#[argh(subcommand, name = "tokenizer")]
pub struct TokenizerArgs {
    #[argh(subcommand)]
    command: TokenizerCommand,
}

#[derive(FromArgs)]
#[argh(subcommand)]
enum TokenizerCommand {
    Train(TokenizerTrainArgs),
}

/// Train a byte-level BPE (Qwen2's pre-tokenizer: one token per digit)
/// with the special tokens the agent format needs (<|im_start|>,
/// <|im_end|>, <|endoftext|>, <EXEC>, </EXEC>, <tool_call>, ...) and save
/// it as tokenizer.json for `pretrain --tokenizer`; llama.cpp tokenizes
/// the model it ends up in exactly as this tokenizer does.
#[derive(FromArgs)]
#[argh(subcommand, name = "train")]
pub struct TokenizerTrainArgs {
    /// vocabulary size, special tokens included (default 4096)
    #[argh(option, default = "4096")]
    vocab: usize,
    /// where to write tokenizer.json
    #[argh(option)]
    out: PathBuf,
    /// print a JSON summary
    #[argh(switch)]
    json: bool,
    /// files or directories to learn from (.py .txt .md .rs documents,
    /// .jsonl conversations)
    #[argh(positional)]
    files: Vec<PathBuf>,
}

pub fn run_tokenizer(a: TokenizerArgs) -> Result<(), CliError> {
    let TokenizerCommand::Train(a) = a.command;
    if a.files.is_empty() {
        return Err(CliError::usage(
            "give the files or directories to learn from",
        ));
    }
    for p in &a.files {
        if !p.exists() {
            return Err(CliError::usage(format!(
                "{}: no such file or directory",
                p.display()
            )));
        }
    }
    let corpus = runtime::train::corpus::read(&a.files)?;
    let texts = corpus.texts();
    let tok = runtime::tokenizer::train(&texts, a.vocab)?;
    runtime::tokenizer::save(&tok, &a.out)?;
    let vocab = tok.get_vocab_size(true);
    let summary = serde_json::json!({
        "vocab": vocab,
        "files": corpus.files,
        "skipped_files": corpus.skipped_files,
        "bytes": corpus.bytes,
        "documents": corpus.documents.len(),
        "conversations": corpus.conversations.len(),
        "out": a.out,
    });
    if a.json {
        return print_json(&summary);
    }
    println!(
        "trained a {vocab}-token BPE on {} files ({}, {} documents, {} conversations): {}",
        corpus.files,
        host::human_bytes(corpus.bytes),
        corpus.documents.len(),
        corpus.conversations.len(),
        a.out.display()
    );
    Ok(())
}
