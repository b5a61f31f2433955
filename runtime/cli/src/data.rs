use std::path::{Path, PathBuf};

use argh::FromArgs;
use dataset::{split, stats, synth, synth_code, synth_fc, xlam};

use super::{print_json, CliError};

/// Make and manage datasets.
#[derive(FromArgs)]
#[argh(subcommand, name = "data")]
pub struct DataArgs {
    #[argh(subcommand)]
    command: DataCommand,
}

#[derive(FromArgs)]
#[argh(subcommand)]
enum DataCommand {
    Synth(SynthArgs),
    Import(ImportArgs),
    Split(SplitArgs),
    Stats(StatsArgs),
    Pairs(PairsArgs),
}

/// Write a synthetic dataset (JSONL), deterministic for a seed. Code and
/// function-calling answers are executed and checked; failures are dropped
/// and counted.
#[derive(FromArgs)]
#[argh(subcommand, name = "synth")]
struct SynthArgs {
    /// arith (answers in <answer></answer> tags), code (python tool use:
    /// execution_required, pure_reasoning, ambiguous, multi_step) or
    /// function-calling (simple, multiple, parallel, parallel_multiple,
    /// no_call)
    #[argh(option)]
    kind: String,
    /// output format: chat (default; Hermes tool calls), exec (code only:
    /// <EXEC> blocks), xlam (function-calling only: query/tools/answers
    /// records) or xlam-prompt (function-calling only: xLAM's bracketed
    /// prompt as a chat)
    #[argh(option, default = "String::from(\"chat\")")]
    format: String,
    /// number of samples (default 200)
    #[argh(option, default = "200")]
    n: usize,
    /// random seed (default 42)
    #[argh(option, default = "42")]
    seed: u64,
    /// output JSONL file
    #[argh(option)]
    out: PathBuf,
    /// print the run report as JSON
    #[argh(switch)]
    json: bool,
}

/// Convert an outside dataset to our chat JSONL.
#[derive(FromArgs)]
#[argh(subcommand, name = "import")]
struct ImportArgs {
    /// source format: xlam (xlam-function-calling-60k: a JSON array, tools and
    /// answers JSON-encoded in strings; JSONL accepted) or bfcl (BFCL v4 from
    /// `make bfcl`; FILE is a category name or "all")
    #[argh(option)]
    format: String,
    /// the file to read (for bfcl: the category)
    #[argh(positional)]
    file: PathBuf,
    /// output JSONL file
    #[argh(option)]
    out: PathBuf,
    /// skip bad records (listed on stderr) instead of failing
    #[argh(switch)]
    skip_bad: bool,
    /// print the import report as JSON
    #[argh(switch)]
    json: bool,
}

/// Split a JSONL file 80/10/10 into train/val/test (stratified by
/// "category"), deterministic for a seed. Records asking the same question
/// (first user turn, case and spacing ignored) go to the same part;
/// byte-identical lines are kept once.
#[derive(FromArgs)]
#[argh(subcommand, name = "split")]
struct SplitArgs {
    /// the JSONL file
    #[argh(positional)]
    file: PathBuf,
    /// directory for train.jsonl, val.jsonl and test.jsonl
    #[argh(option)]
    out_dir: PathBuf,
    /// random seed (default 42)
    #[argh(option, default = "42")]
    seed: u64,
    /// print the counts as JSON
    #[argh(switch)]
    json: bool,
}

/// Counts per category, difficulty and tool, and token-length percentiles
/// with the model's tokenizer.
#[derive(FromArgs)]
#[argh(subcommand, name = "stats")]
struct StatsArgs {
    /// the JSONL file (chat or xLAM records)
    #[argh(positional)]
    file: PathBuf,
    /// GGUF model whose tokenizer counts tokens (default: the default model;
    /// without one, only counts are printed)
    #[argh(option)]
    model: Option<PathBuf>,
    /// print as JSON
    #[argh(switch)]
    json: bool,
}

/// Preference pairs for `train --method dpo` from the model's own answers.
/// For each conversation the prompt is everything before its first
/// assistant turn; K answers are sampled and judged by what they do. Code
/// items (`data synth --kind code` lines) run through the agent loop and
/// the sandbox and are correct when the final answer holds the ground
/// truth; other lines are judged on one reply against the line's first
/// assistant turn: the same tool calls in any order (python calls by what
/// their code prints in the sandbox), or no call where it makes none. A
/// pair is a correct answer (a sample, else the reference) against a wrong
/// sample; each line keeps every sample and its verdict.
#[derive(FromArgs)]
#[argh(subcommand, name = "pairs")]
struct PairsArgs {
    /// the GGUF model (default: the model fetched by `make model`)
    #[argh(option)]
    model: Option<PathBuf>,
    /// a LoRA adapter GGUF to sample with (e.g. the SFT adapter)
    #[argh(option)]
    lora: Option<PathBuf>,
    /// chat JSONL whose first assistant turns are the references
    #[argh(option)]
    data: PathBuf,
    /// output JSONL of pairs
    #[argh(option)]
    out: PathBuf,
    /// answers sampled per prompt (default 4, at most 64)
    #[argh(option, default = "4")]
    k: usize,
    /// sampling temperature, > 0 (default 0.8)
    #[argh(option, default = "0.8")]
    temperature: f32,
    /// random seed; prompt p's answers use seed + p*k + i (default 42)
    #[argh(option, default = "42")]
    seed: u32,
    /// maximum tokens per reply (default 256)
    #[argh(option, default = "256")]
    max_tokens: usize,
    /// agent turns per answer to a code item (default 5)
    #[argh(option, default = "5")]
    max_turns: usize,
    /// use the first N conversations only
    #[argh(option)]
    limit: Option<usize>,
    /// context size in tokens (default 2048)
    #[argh(option, default = "2048")]
    ctx: u32,
    /// threads (default: $AGENTCODER_THREADS, else all cores)
    #[argh(option)]
    threads: Option<i32>,
    /// print the report as JSON
    #[argh(switch)]
    json: bool,
}

pub fn run(a: DataArgs) -> Result<(), CliError> {
    match a.command {
        DataCommand::Synth(s) => run_synth(s),
        DataCommand::Import(i) => run_import(i),
        DataCommand::Split(s) => run_split(s),
        DataCommand::Stats(s) => run_stats(s),
        DataCommand::Pairs(p) => run_pairs(p),
    }
}

fn write(path: &Path, text: &str) -> Result<(), CliError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| CliError::io(dir.display(), &e))?;
    }
    Ok(gguf::write_atomic(path, text.as_bytes())?)
}

fn read(path: &Path) -> Result<String, CliError> {
    std::fs::read_to_string(path).map_err(|e| CliError::io(path.display(), &e))
}

fn bad_format(kind: &str, format: &str, known: &str) -> CliError {
    CliError::usage(format!(
        "--format {format} does not apply to --kind {kind} (use {known})"
    ))
}

/// One line per map entry: `  key: n`.
fn show_counts(title: &str, map: &std::collections::BTreeMap<String, usize>) {
    if map.is_empty() {
        return;
    }
    println!("{title}:");
    for (k, v) in map {
        println!("  {k}: {v}");
    }
}

fn run_synth(s: SynthArgs) -> Result<(), CliError> {
    let (text, written, report) = match (s.kind.as_str(), s.format.as_str()) {
        ("arith", "chat") => {
            let convs = synth::arith(s.n, s.seed);
            (
                synth::to_jsonl(&convs),
                convs.len(),
                serde_json::Value::Null,
            )
        }
        ("arith", f) => return Err(bad_format("arith", f, "chat")),
        ("code", f @ ("chat" | "exec")) => {
            let (mut samples, report) = synth_code::synth_code(s.n, s.seed)?;
            if f == "exec" {
                for x in &mut samples {
                    x.conversation = dataset::prompt::to_exec_format(&x.conversation)
                        .map_err(|e| CliError::usage(format!("exec format: {e}")))?;
                }
            }
            let json = serde_json::to_value(&report).unwrap_or_default();
            (synth_code::to_jsonl(&samples), samples.len(), json)
        }
        ("code", f) => return Err(bad_format("code", f, "chat or exec")),
        ("function-calling", f @ ("chat" | "xlam" | "xlam-prompt")) => {
            let (samples, report) = synth_fc::synth_fc(s.n, s.seed).map_err(CliError::failure)?;
            let text = match f {
                "xlam" => synth_code::to_jsonl(&samples),
                _ => {
                    let mut chats = Vec::with_capacity(samples.len());
                    for x in &samples {
                        let mut c = synth_fc::sample_to_chat(x).map_err(CliError::usage)?;
                        if f == "xlam-prompt" {
                            let calls = tools::parse::xlam::parse(&c.ground_truth)
                                .map_err(|e| CliError::usage(e.to_string()))?;
                            c.conversation =
                                dataset::prompt::xlam_conversation(&x.tools, &x.query, &calls);
                        }
                        chats.push(c);
                    }
                    synth_code::to_jsonl(&chats)
                }
            };
            let json = serde_json::to_value(&report).unwrap_or_default();
            (text, samples.len(), json)
        }
        ("function-calling", f) => {
            return Err(bad_format(
                "function-calling",
                f,
                "chat, xlam or xlam-prompt",
            ))
        }
        (other, _) => {
            return Err(CliError::usage(format!(
                "--kind {other}: known kinds are arith, code, function-calling"
            )))
        }
    };
    write(&s.out, &text)?;
    if s.json {
        return print_json(&report);
    }
    println!("wrote {written} samples to {}", s.out.display());
    if let Some(r) = report.as_object() {
        let counts = |k: &str| -> std::collections::BTreeMap<String, usize> {
            serde_json::from_value(r.get(k).cloned().unwrap_or_default()).unwrap_or_default()
        };
        println!("attempts: {}", r.get("attempts").unwrap_or(&0.into()));
        show_counts("per category", &counts("per_category"));
        show_counts("dropped", &counts("dropped"));
    }
    Ok(())
}

fn run_import(i: ImportArgs) -> Result<(), CliError> {
    if i.format == "bfcl" {
        return import_bfcl(&i);
    }
    if i.format != "xlam" {
        return Err(CliError::usage(format!(
            "--format {}: known import formats are xlam, bfcl",
            i.format
        )));
    }
    let text = read(&i.file)?;
    let (samples, report) = xlam::import(&text).map_err(|e| CliError::in_file(&i.file, e))?;
    for (index, reason) in report.bad.iter().take(20) {
        eprintln!("{}: record {index}: {reason}", i.file.display());
    }
    if report.bad.len() > 20 {
        eprintln!("... and {} more bad records", report.bad.len() - 20);
    }
    if !report.bad.is_empty() && !i.skip_bad {
        return Err(CliError::usage(format!(
            "{} of {} records are bad (use --skip-bad to skip them)",
            report.bad.len(),
            report.records
        )));
    }
    write(&i.out, &synth_code::to_jsonl(&samples))?;
    if i.json {
        return print_json(&report);
    }
    println!(
        "imported {} of {} records to {} ({} skipped)",
        report.written,
        report.records,
        i.out.display(),
        report.bad.len()
    );
    Ok(())
}

/// BFCL entries and possible answers as our eval JSONL: one line per entry
/// with `id`, `category`, the question as chat `messages`, the functions as
/// `tools`, and `ground_truth` (absent for irrelevance and relevance).
fn import_bfcl(i: &ImportArgs) -> Result<(), CliError> {
    use bfcl::data::{load_category, Category};
    let name = i.file.to_string_lossy();
    let cats: Vec<Category> = if name == "all" {
        Category::ALL.to_vec()
    } else {
        vec![Category::from_name(&name).ok_or_else(|| {
            CliError::usage(format!("{name}: not a BFCL category (simple_python, simple_java, simple_javascript, multiple, parallel, parallel_multiple, irrelevance, live_simple, live_multiple, live_parallel, live_parallel_multiple, live_irrelevance, live_relevance, or all)"))
        })?]
    };
    let mut out = String::new();
    let mut counts = serde_json::Map::new();
    for c in cats {
        let entries = load_category(&host::bfcl_dir(), c).map_err(runtime::Error::from)?;
        for e in &entries {
            let messages: Vec<serde_json::Value> = e
                .question
                .first()
                .into_iter()
                .flatten()
                .map(|m| serde_json::json!({"role": m.role, "content": m.content}))
                .collect();
            let mut line = serde_json::json!({"id": e.id, "category": c.name(), "messages": messages, "tools": e.functions});
            if let Some(gt) = &e.ground_truth {
                line["ground_truth"] = serde_json::Value::Array(gt.clone());
            }
            out.push_str(&line.to_string());
            out.push('\n');
        }
        counts.insert(c.name().to_string(), entries.len().into());
    }
    write(&i.out, &out)?;
    if i.json {
        return print_json(&counts);
    }
    println!(
        "wrote {} to {}",
        serde_json::Value::Object(counts),
        i.out.display()
    );
    Ok(())
}

fn run_split(s: SplitArgs) -> Result<(), CliError> {
    let text = read(&s.file)?;
    let lines: Vec<&str> = text.lines().collect();
    let parts = split::split(&lines, s.seed).map_err(|e| CliError::in_file(&s.file, e))?;
    for (name, idx) in [
        ("train", &parts.train),
        ("val", &parts.val),
        ("test", &parts.test),
    ] {
        write(
            &s.out_dir.join(format!("{name}.jsonl")),
            &split::part_text(&lines, idx),
        )?;
    }
    if s.json {
        return print_json(&serde_json::json!({
            "per_category": parts.per_category,
            "duplicates": parts.duplicates.len(),
            "questions": parts.questions,
            "repeated_questions": parts.repeated_questions,
        }));
    }
    println!(
        "train {} / val {} / test {} -> {}",
        parts.train.len(),
        parts.val.len(),
        parts.test.len(),
        s.out_dir.display()
    );
    for (cat, [tr, va, te]) in &parts.per_category {
        let name = if cat.is_empty() { "(no category)" } else { cat };
        println!("  {name}: {tr} / {va} / {te}");
    }
    println!(
        "{} distinct questions ({} asked more than once, each kept in one part); {} duplicate lines dropped",
        parts.questions,
        parts.repeated_questions,
        parts.duplicates.len()
    );
    Ok(())
}

fn run_stats(s: StatsArgs) -> Result<(), CliError> {
    let text = read(&s.file)?;
    let model = match s.model {
        Some(m) => Some(super::model_path(Some(m))?),
        None => Some(host::default_model()).filter(|p| p.exists()),
    };
    let tokenizer = model.map(runtime::infer::Tokenizer::load).transpose()?;
    let mut tok = |t: &str| tokenizer.as_ref().map_or_else(Vec::new, |k| k.tokenize(t));
    let st = stats::compute(
        &text,
        tokenizer.as_ref().map(|_| &mut tok as stats::Tokenize),
    )
    .map_err(|e| CliError::in_file(&s.file, e))?;
    if s.json {
        return print_json(&st);
    }
    println!("records: {}", st.records);
    show_counts("per category", &st.per_category);
    show_counts("per difficulty", &st.per_difficulty);
    show_counts("calls per tool", &st.per_tool);
    match (&st.tokens, &st.trained_tokens) {
        (Some(t), Some(tr)) => {
            println!(
                "tokens per conversation: p50 {} p90 {} p99 {} max {} (mean {:.1}, total {})",
                t.p50, t.p90, t.p99, t.max, t.mean, t.total
            );
            println!(
                "trained tokens:          p50 {} p90 {} p99 {} max {} (mean {:.1}, total {})",
                tr.p50, tr.p90, tr.p99, tr.max, tr.mean, tr.total
            );
        }
        _ => println!("tokens: no model (give --model or run `make model`)"),
    }
    Ok(())
}

fn run_pairs(a: PairsArgs) -> Result<(), CliError> {
    use runtime::infer::{Engine, EngineOptions};
    use runtime::pairs::{make_pairs, PairsOptions};
    if a.k == 0 || a.k > runtime::infer::MAX_PARALLEL {
        return Err(CliError::usage(format!(
            "--k {}: sample between 1 and {} answers per prompt",
            a.k,
            runtime::infer::MAX_PARALLEL
        )));
    }
    if !(a.temperature.is_finite() && a.temperature > 0.0) {
        return Err(CliError::usage(
            "--temperature must be > 0 (at 0 every sample is the same answer)",
        ));
    }
    super::existing(&a.data)?;
    let path = super::model_path(a.model)?;
    let options = EngineOptions {
        n_ctx: a.ctx,
        threads: a.threads.unwrap_or_else(runtime::infer::default_threads),
        exact: false,
    };
    let mut engine = Engine::load(&path, options)?;
    let lora = super::load_lora(&mut engine, a.lora.as_deref(), 1.0)?;
    let opts = PairsOptions {
        k: a.k,
        temperature: a.temperature,
        seed: a.seed,
        max_tokens: a.max_tokens,
        max_turns: a.max_turns,
        limit: a.limit,
    };
    let bar = host::progress_bar(0, 0, !a.json, "prompts");
    let (report, jsonl) = make_pairs(&mut engine, lora, &a.data, &opts, &mut |done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    })?;
    bar.finish_and_clear();
    write(&a.out, &jsonl)?;
    for (line, why) in &report.skipped {
        eprintln!("{}:{line}: skipped: {why}", a.data.display());
    }
    if a.json {
        return print_json(&report);
    }
    println!(
        "{} prompts, {} pairs ({} chosen from the reference), {} all correct; {}/{} samples correct",
        report.prompts,
        report.pairs,
        report.chosen_from_reference,
        report.all_correct,
        report.correct_samples,
        report.samples
    );
    println!("wrote {}", a.out.display());
    Ok(())
}
