use std::path::{Path, PathBuf};

use argh::FromArgs;
use runtime::agent::LlamaChat;
use runtime::eval::bfcl_data::load_category;
use runtime::eval::bfcl_run::{parse_categories, run_entry, ItemOutcome, Mode};
use runtime::eval::report::{bar_chart_svg, html, markdown, summarize, ItemStat, SummaryRow};
use runtime::infer::{Engine, EngineOptions, SamplingParams};

use super::{model_path, print_json, CliError};

/// Evaluate a model and adapters side by side (suite bfcl: the Berkeley
/// Function-Calling Leaderboard v4 AST categories, judged by our port of its
/// checker), or show a finished run.
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
    /// suite: bfcl or bfcl:cat1,cat2 (simple_python, multiple, parallel, parallel_multiple, irrelevance), or fc (needs --data)
    #[argh(option, default = "String::from(\"bfcl\")")]
    suite: String,
    /// modes for bfcl: prompt, fc or both (default both)
    #[argh(option, default = "String::from(\"prompt,fc\")")]
    modes: String,
    /// xLAM-format JSONL for --suite fc
    #[argh(option)]
    data: Option<PathBuf>,
    /// items per category (default all)
    #[argh(option)]
    limit: Option<usize>,
    /// tokens per answer (default 192)
    #[argh(option, default = "192")]
    max_tokens: usize,
    /// threads (default: all cores)
    #[argh(option)]
    threads: Option<i32>,
    /// output directory: results.json, report.md, accuracy.svg, report.html
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
    // `fc` reads xLAM-format items from --data; `bfcl[:cats]` reads the BFCL cache.
    let fc_items = match a.suite.as_str() {
        "fc" => {
            let data = a.data.as_ref().ok_or_else(|| CliError::usage("--suite fc needs --data FILE (xLAM-format JSONL, e.g. from `data synth --kind function-calling --format xlam`)"))?;
            let mut items = runtime::eval::fc::load(data)?;
            if let Some(n) = a.limit {
                items.truncate(n);
            }
            Some(items)
        }
        _ => None,
    };
    let cats = match a.suite.split_once(':') {
        _ if fc_items.is_some() => Vec::new(),
        Some(("bfcl", list)) => parse_categories(list).map_err(CliError::usage)?,
        None if a.suite == "bfcl" => parse_categories("").map_err(CliError::usage)?,
        _ => {
            return Err(CliError::usage(format!(
                "--suite {}: available suites are bfcl[:categories] and fc",
                a.suite
            )))
        }
    };
    let modes: Vec<Mode> = a
        .modes
        .split(',')
        .map(|m| match m.trim() {
            "prompt" => Ok(Mode::Prompt),
            "fc" => Ok(Mode::Fc),
            other => Err(CliError::usage(format!(
                "--modes {other}: choose prompt, fc"
            ))),
        })
        .collect::<Result<_, _>>()?;
    let dir = runtime::eval::bfcl_dir();
    let mut entries = Vec::new();
    for c in &cats {
        let mut e = load_category(&dir, *c).map_err(|e| CliError::usage(e.to_string()))?;
        if let Some(n) = a.limit {
            e.truncate(n);
        }
        entries.extend(e);
    }
    let path = model_path(a.model.clone())?;
    let threads = a.threads.unwrap_or_else(runtime::infer::default_threads);
    let mut engine = Engine::load(
        &path,
        EngineOptions {
            n_ctx: 4096,
            threads,
            exact: false,
        },
    )?;
    let labels: Vec<String> = if a.lora.is_empty() {
        vec!["base".into()]
    } else {
        a.lora.clone()
    };
    let mut adapters = Vec::new();
    for l in &labels {
        if l == "base" {
            adapters.push((l.clone(), None));
        } else {
            let p = Path::new(l);
            if !p.exists() {
                return Err(CliError::usage(format!("--lora {l}: no such file")));
            }
            adapters.push((
                p.file_stem()
                    .map_or(l.clone(), |s| s.to_string_lossy().into_owned()),
                Some((engine.load_lora(p)?, 1.0)),
            ));
        }
    }
    std::fs::create_dir_all(&a.out)
        .map_err(|e| CliError::usage(format!("{}: {e}", a.out.display())))?;
    let n_items = fc_items
        .as_ref()
        .map_or(modes.len() * entries.len(), Vec::len);
    let total = adapters.len() * n_items;
    let mut items: Vec<serde_json::Value> = Vec::with_capacity(total);
    let mut flat: Vec<ItemStat> = Vec::with_capacity(total);
    let mut fc_outcomes = Vec::new();
    for (label, lora) in &adapters {
        let mut model = LlamaChat {
            engine: &mut engine,
            lora: *lora,
            sampling: SamplingParams {
                temperature: 0.0,
                ..SamplingParams::default()
            },
        };
        if let Some(fc) = &fc_items {
            for it in fc {
                let o = runtime::eval::fc::run_item(&mut model, label, it, a.max_tokens)?;
                flat.push(ItemStat {
                    model: o.model.clone(),
                    mode: "fc".into(),
                    category: o.category.clone(),
                    valid: o.exact,
                    latency_ms: o.latency_ms,
                    tokens: o.generated_tokens,
                });
                items.push(serde_json::to_value(&o).map_err(|e| CliError::usage(e.to_string()))?);
                fc_outcomes.push(o);
                progress(a.json, flat.len(), total, label, "fc", &it.id);
            }
            continue;
        }
        for &mode in &modes {
            for e in &entries {
                let i: ItemOutcome = run_entry(&mut model, label, e, mode, a.max_tokens)?;
                flat.push(ItemStat {
                    model: i.model.clone(),
                    mode: i.mode.name().to_string(),
                    category: i.category.to_string(),
                    valid: i.valid,
                    latency_ms: i.latency_ms,
                    tokens: i.generated_tokens,
                });
                items.push(serde_json::to_value(&i).map_err(|e| CliError::usage(e.to_string()))?);
                progress(a.json, flat.len(), total, label, mode.name(), &e.id);
            }
        }
    }
    if !a.json {
        eprintln!();
    }
    let rows = summarize(&flat);
    let machine = runtime::bench::machine();
    let results = serde_json::json!({
        "suite": a.suite, "model": path.display().to_string(), "modes": a.modes, "limit": a.limit,
        "machine": machine, "summary": rows, "items": items,
        "fc_scores": runtime::eval::fc::scores(&fc_outcomes),
    });
    let write = |name: &str, text: &str| -> Result<(), CliError> {
        gguf::write_atomic(&a.out.join(name), text.as_bytes())
            .map_err(|e| CliError::usage(e.to_string()))
    };
    write(
        "results.json",
        &serde_json::to_string_pretty(&results).map_err(|e| CliError::usage(e.to_string()))?,
    )?;
    write("report.md", &markdown(&rows))?;
    write(
        "accuracy.svg",
        &bar_chart_svg("BFCL AST accuracy (%)", &rows),
    )?;
    let desc = format!("{} · {} threads · {}", machine.cpu, threads, path.display());
    write("report.html", &html("agentcoder eval", &rows, &desc))?;
    if a.json {
        return print_json(&rows);
    }
    print!("{}", markdown(&rows));
    for sc in runtime::eval::fc::scores(&fc_outcomes) {
        println!(
            "{}: exact match {:.1}%, function selection {:.1}%, parameter accuracy {:.1}%, multi-call {:.1}% ({} items)",
            sc.model, 100.0 * sc.exact_match, 100.0 * sc.function_selection, 100.0 * sc.parameter_accuracy, 100.0 * sc.multi_call_accuracy, sc.n
        );
    }
    println!(
        "\nwrote {}/{{results.json, report.md, accuracy.svg, report.html}}",
        a.out.display()
    );
    Ok(())
}

fn progress(quiet: bool, done: usize, total: usize, label: &str, mode: &str, id: &str) {
    if !quiet {
        eprint!("\r[{done}/{total}] {label} {mode} {id:<28}");
    }
}

fn show(dir: &Path, failures: bool, json: bool) -> Result<(), CliError> {
    let p = dir.join("results.json");
    let text = std::fs::read_to_string(&p)
        .map_err(|e| CliError::usage(format!("{}: {e}", p.display())))?;
    let v: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| CliError::usage(format!("{}: {e}", p.display())))?;
    let rows: Vec<SummaryRow> = serde_json::from_value(v["summary"].clone())
        .map_err(|e| CliError::usage(format!("{}: {e}", p.display())))?;
    let failed: Vec<&serde_json::Value> = v["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|i| i["valid"] == false)
        .collect();
    if json {
        return print_json(
            &serde_json::json!({"summary": rows, "failures": if failures { failed.clone() } else { vec![] }}),
        );
    }
    print!("{}", markdown(&rows));
    if failures {
        println!("\n{} failed items:", failed.len());
        for i in failed {
            println!(
                "- {} [{} {}] {}: {}",
                i["id"].as_str().unwrap_or(""),
                i["model"].as_str().unwrap_or(""),
                i["mode"].as_str().unwrap_or(""),
                i["error_type"].as_str().unwrap_or(""),
                i["raw"]
                    .as_str()
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
