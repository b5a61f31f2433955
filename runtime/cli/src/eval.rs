use std::path::{Path, PathBuf};

use argh::FromArgs;
use runtime::eval::report::{markdown, SummaryRow};
use runtime::eval::run::{
    evaluate, throughput_lines, Adapter, EvalOptions, Suite, Throughput, DEFAULT_BATCH,
};
use runtime::infer::MAX_PARALLEL;

use super::{model_path, print_json, CliError};

/// Evaluate a model and adapters side by side, or show a finished run.
/// Suites: code (held-out `data synth --kind code` items run through the
/// agent loop with the python tool: correctness, tool selection P/R/F1,
/// unnecessary calls, error recovery, tokens, latency, peak RSS), fc
/// (xLAM-format items: exact match, function selection, parameter and
/// multi-call accuracy) and bfcl (BFCL v4 AST categories judged by our port
/// of its checker, in prompt and fc modes).
#[derive(FromArgs)]
#[argh(subcommand, name = "eval")]
pub struct EvalArgs {
    /// show: print a finished run in --out instead of evaluating
    #[argh(positional)]
    action: Option<String>,
    /// the GGUF model (default: the model fetched by `make model`)
    #[argh(option)]
    model: Option<PathBuf>,
    /// an adapter to compare; "base" means no adapter (repeatable; default: base)
    #[argh(option)]
    lora: Vec<String>,
    /// suite: code (needs --data), fc (needs --data), bfcl or bfcl:cat1,cat2 (simple_python, simple_java, simple_javascript, multiple, parallel, parallel_multiple, irrelevance, live_simple, live_multiple, live_parallel, live_parallel_multiple, live_irrelevance, live_relevance); default bfcl
    #[argh(option, default = "String::from(\"bfcl\")")]
    suite: String,
    /// modes for bfcl: prompt, fc or both (default both)
    #[argh(option, default = "String::from(\"prompt,fc\")")]
    modes: String,
    /// the items for --suite code (`data synth --kind code` JSONL) or --suite fc (xLAM-format JSONL)
    #[argh(option)]
    data: Option<PathBuf>,
    /// items per category (default all)
    #[argh(option)]
    limit: Option<usize>,
    /// tokens per answer (default 192)
    #[argh(option, default = "192")]
    max_tokens: usize,
    /// agent turns per item for --suite code (default 5)
    #[argh(option, default = "5")]
    max_turns: usize,
    /// threads (default: $AGENTCODER_THREADS, else all cores)
    #[argh(option)]
    threads: Option<i32>,
    /// bfcl and fc suites: items answered at a time in one llama.cpp context, same answers as one at a time (default 4)
    #[argh(option, default = "DEFAULT_BATCH")]
    batch: usize,
    /// output directory: results.json, report.md, accuracy.svg (+ code.svg), report.html
    #[argh(option)]
    out: PathBuf,
    /// with show: list the failed items
    #[argh(switch)]
    failures: bool,
    /// print the summary as JSON
    #[argh(switch)]
    json: bool,
}

pub fn run(a: EvalArgs) -> Result<(), CliError> {
    match a.action.as_deref() {
        Some("show") => return show(&a.out, a.failures, a.json),
        Some(other) => {
            return Err(CliError::usage(format!(
                "eval {other}: the only action is `show`"
            )))
        }
        None => {}
    }
    if !(1..=MAX_PARALLEL).contains(&a.batch) {
        return Err(CliError::usage(format!(
            "--batch {}: choose 1 to {MAX_PARALLEL}",
            a.batch
        )));
    }
    let adapters = Adapter::from_args(&a.lora)?;
    let suite = Suite::load(&a.suite, &a.modes, a.data.as_deref(), a.limit)?;
    let model = model_path(a.model.clone())?;
    let opts = EvalOptions {
        max_tokens: a.max_tokens,
        max_turns: a.max_turns,
        threads: a.threads.unwrap_or_else(runtime::infer::default_threads),
        batch: a.batch,
        progress: !a.json,
    };
    let run = evaluate(&model, &adapters, &a.suite, &suite, &opts)?;
    let files = run.write(&a.out)?;
    if a.json {
        return print_json(&serde_json::json!({
            "summary": run.summary, "code_scores": run.code_scores, "fc_scores": run.fc_scores,
            "throughput": run.throughput,
        }));
    }
    print!("{}", run.markdown());
    println!("\nwrote {}/{{{}}}", a.out.display(), files.join(", "));
    Ok(())
}

fn show(dir: &Path, failures: bool, json: bool) -> Result<(), CliError> {
    let p = dir.join("results.json");
    let text = std::fs::read_to_string(&p).map_err(|e| CliError::io(p.display(), &e))?;
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| CliError::in_file(&p, e))?;
    let rows: Vec<SummaryRow> =
        serde_json::from_value(v["summary"].clone()).map_err(|e| CliError::in_file(&p, e))?;
    let failed: Vec<&serde_json::Value> = v["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|i| i["valid"] == false || i["exact"] == false || i["correct"] == false)
        .collect();
    if json {
        return print_json(
            &serde_json::json!({"summary": rows, "failures": if failures { failed.clone() } else { vec![] }}),
        );
    }
    print!("{}", markdown(&rows));
    // Runs written before items/s was recorded have none.
    let throughput: Vec<Throughput> =
        serde_json::from_value(v["throughput"].clone()).unwrap_or_default();
    if !throughput.is_empty() {
        print!("\n{}", throughput_lines(&throughput));
    }
    if let Ok(code) =
        serde_json::from_value::<Vec<runtime::eval::code::CodeScores>>(v["code_scores"].clone())
    {
        if !code.is_empty() {
            print!("\n{}", runtime::eval::code::markdown(&code));
        }
    }
    if failures {
        println!("\n{} failed items:", failed.len());
        for i in failed {
            println!(
                "- {} [{} {}] {}: {}",
                i["id"].as_str().unwrap_or(""),
                i["model"].as_str().unwrap_or(""),
                i["mode"].as_str().or(i["category"].as_str()).unwrap_or(""),
                i["error_type"]
                    .as_str()
                    .or(i["parse_error"].as_str())
                    .map(str::to_string)
                    .or_else(|| i["ground_truth"]
                        .as_str()
                        .map(|t| format!("expected {t}, tools {}", i["tool_calls"])))
                    .unwrap_or_default(),
                i["raw"]
                    .as_str()
                    .or(i["final_answer"].as_str())
                    .unwrap_or("")
                    .chars()
                    .take(120)
                    .collect::<String>()
                    .replace('\n', "⏎")
            );
        }
    }
    Ok(())
}
