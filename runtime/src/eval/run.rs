//! One evaluation run: a model, the adapters to compare ("base" = none),
//! a suite; every item judged, summarized and written as `results.json`
//! (per-item outcomes), `report.md`, SVG charts and `report.html`. The
//! `eval` command and the studies both go through [`evaluate`].

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

use super::bfcl_run::{parse_categories, run_entries, Mode};
use super::code::{CodeItem, CodeScores};
use super::fc::{FcItem, FcScores};
use super::report::{bar_chart_svg, html, markdown, summarize, ItemStat, SummaryRow};
use crate::agent::LlamaChat;
use crate::infer::{Engine, EngineOptions, SamplingParams};
use crate::{Error, Result};
use bfcl::data::{read_category, BfclEntry, Unreadable};

/// What to run, with its items loaded.
pub enum Suite {
    Bfcl {
        entries: Vec<BfclEntry>,
        modes: Vec<Mode>,
        /// Entries that could not be read: each is a failed item of every
        /// model and mode, with the reason (`--limit` does not cut them).
        unreadable: Vec<Unreadable>,
    },
    Fc(Vec<FcItem>),
    Code(Vec<CodeItem>),
}

pub const SUITES: &str =
    "code (needs --data), fc (needs --data), bfcl or bfcl:cat1,cat2 (simple_python, simple_java, simple_javascript, multiple, parallel, parallel_multiple, irrelevance, live_simple, live_multiple, live_parallel, live_parallel_multiple, live_irrelevance, live_relevance)";

impl Suite {
    /// Parses `--suite` and loads its items: `code` and `fc` from `data`,
    /// `bfcl[:categories]` from the cache of `make bfcl`. `limit` keeps the
    /// first N items (per category for bfcl).
    pub fn load(
        name: &str,
        modes: &str,
        data: Option<&Path>,
        limit: Option<usize>,
    ) -> Result<Suite> {
        let need_data = |what: &str| {
            data.ok_or_else(|| Error::Input(format!("--suite {name} needs --data FILE ({what})")))
        };
        let cut = |n: usize| limit.map_or(n, |l| l.min(n));
        match name
            .split_once(':')
            .map_or((name, None), |(a, b)| (a, Some(b)))
        {
            ("code", None) => {
                let mut items = super::code::load(need_data(
                    "`data synth --kind code` JSONL, e.g. the test part of `data split`",
                )?)?;
                items.truncate(cut(items.len()));
                Ok(Suite::Code(items))
            }
            ("fc", None) => {
                let mut items = super::fc::load(need_data(
                    "xLAM-format JSONL, e.g. from `data synth --kind function-calling --format xlam`",
                )?)?;
                items.truncate(cut(items.len()));
                Ok(Suite::Fc(items))
            }
            ("bfcl", cats) => {
                let cats = parse_categories(cats.unwrap_or("")).map_err(Error::Input)?;
                let modes = modes
                    .split(',')
                    .map(|m| match m.trim() {
                        "prompt" => Ok(Mode::Prompt),
                        "fc" => Ok(Mode::Fc),
                        other => Err(Error::Input(format!("--modes {other}: choose prompt, fc"))),
                    })
                    .collect::<Result<Vec<_>>>()?;
                let dir = host::bfcl_dir();
                let (mut entries, mut unreadable) = (Vec::new(), Vec::new());
                for c in cats {
                    let mut data = read_category(&dir, c)?;
                    data.entries.truncate(cut(data.entries.len()));
                    entries.extend(data.entries);
                    unreadable.extend(data.unreadable);
                }
                Ok(Suite::Bfcl {
                    entries,
                    modes,
                    unreadable,
                })
            }
            _ => Err(Error::Input(format!(
                "--suite {name}: available suites are {SUITES}"
            ))),
        }
    }

    fn len(&self) -> usize {
        match self {
            Suite::Bfcl {
                entries,
                modes,
                unreadable,
            } => (entries.len() + unreadable.len()) * modes.len(),
            Suite::Fc(items) => items.len(),
            Suite::Code(items) => items.len(),
        }
    }
}

/// An adapter to compare: a label and a file, or no file for the base model.
#[derive(Clone, Debug, Serialize)]
pub struct Adapter {
    pub label: String,
    pub path: Option<PathBuf>,
}

impl Adapter {
    pub fn base() -> Adapter {
        Adapter {
            label: "base".into(),
            path: None,
        }
    }

    /// The adapters of `--lora` arguments (none: the base model alone):
    /// `base`, or a file labelled by its name (by its directory's name for
    /// `DIR/adapter.gguf`, as `train` writes it). Adapters whose names
    /// collide are labelled by the shortest path suffix that tells them
    /// apart (`runs/a/sft` and `runs/b/sft` become `a/sft` and `b/sft`), so
    /// no two share a row of the report; one file (or `base`) given twice
    /// is an error.
    pub fn from_args(args: &[String]) -> Result<Vec<Adapter>> {
        if args.is_empty() {
            return Ok(vec![Adapter::base()]);
        }
        let mut seen: Vec<PathBuf> = Vec::new();
        for arg in args {
            let p = Path::new(arg);
            let id = p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
            if seen.contains(&id) {
                return Err(Error::Input(format!(
                    "--lora {arg} is given twice; each adapter is one row of the report"
                )));
            }
            seen.push(id);
        }
        let parts: Vec<Vec<String>> = args.iter().map(|a| label_parts(a)).collect();
        let label = |i: usize, k: usize| parts[i][parts[i].len() - k..].join("/");
        let mut k = vec![1; args.len()];
        loop {
            let labels: Vec<String> = (0..args.len()).map(|i| label(i, k[i])).collect();
            let collides = |i: usize| (0..args.len()).any(|j| j != i && labels[j] == labels[i]);
            let grow: Vec<usize> = (0..args.len())
                .filter(|&i| collides(i) && k[i] < parts[i].len())
                .collect();
            if grow.is_empty() {
                // Still alike with every component (`x.gguf` and `x.bin`):
                // the arguments themselves differ.
                return Ok(args
                    .iter()
                    .zip(&labels)
                    .enumerate()
                    .map(|(i, (arg, l))| Adapter {
                        label: if collides(i) { arg.clone() } else { l.clone() },
                        path: (arg != "base").then(|| PathBuf::from(arg)),
                    })
                    .collect());
            }
            for i in grow {
                k[i] += 1;
            }
        }
    }
}

/// The names an adapter argument can be labelled by, outermost first,
/// ending with its own name: `base`, or the path's directories and the
/// file's stem (the directories alone for `DIR/adapter.gguf`).
fn label_parts(arg: &str) -> Vec<String> {
    if arg == "base" {
        return vec![arg.to_string()];
    }
    let p = Path::new(arg);
    let mut parts: Vec<String> = p
        .parent()
        .into_iter()
        .flat_map(Path::components)
        .filter_map(|c| match c {
            std::path::Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    let stem = p
        .file_stem()
        .map_or_else(|| arg.to_string(), |s| s.to_string_lossy().into_owned());
    if stem != "adapter" || parts.is_empty() {
        parts.push(stem);
    }
    parts
}

/// How to run.
#[derive(Clone, Debug)]
pub struct EvalOptions {
    pub max_tokens: usize,
    /// Agent turns per item (code suite).
    pub max_turns: usize,
    pub threads: i32,
    /// Items answered at a time in one llama.cpp context (bfcl and fc
    /// suites; the code suite's agent loop runs one item at a time).
    pub batch: usize,
    pub progress: bool,
}

/// `--batch` when none is given: the fastest on a 2-core machine with the
/// default model (see `docs` of `agentcoder eval --batch`).
pub const DEFAULT_BATCH: usize = 4;

/// How fast one model went through the suite: every item, from loading
/// its adapter to judging its last answer.
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct Throughput {
    pub model: String,
    pub items: usize,
    pub seconds: f64,
    pub items_per_s: f64,
    pub batch: usize,
}

/// One line per model: `base: 40 items in 31.2 s, 1.28 items/s (batch 4)`.
pub fn throughput_lines(rows: &[Throughput]) -> String {
    rows.iter()
        .map(|t| {
            format!(
                "{}: {} items in {:.1} s, {:.2} items/s (batch {})\n",
                t.model, t.items, t.seconds, t.items_per_s, t.batch
            )
        })
        .collect()
}

/// Everything a run produced.
#[derive(Clone, Debug, Serialize)]
pub struct EvalRun {
    pub suite: String,
    pub model: String,
    pub threads: i32,
    pub machine: crate::Machine,
    pub summary: Vec<SummaryRow>,
    pub fc_scores: Vec<FcScores>,
    pub code_scores: Vec<CodeScores>,
    /// Items per second of each model.
    pub throughput: Vec<Throughput>,
    /// Per-item outcomes (failures can be inspected with `eval show`).
    pub items: Vec<Value>,
}

fn to_value<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// Runs every item of `suite` with each adapter on `model`.
pub fn evaluate(
    model: &Path,
    adapters: &[Adapter],
    suite_name: &str,
    suite: &Suite,
    opts: &EvalOptions,
) -> Result<EvalRun> {
    for a in adapters {
        if let Some(p) = a.path.as_deref().filter(|p| !p.exists()) {
            return Err(Error::Input(format!(
                "--lora {}: no such file",
                p.display()
            )));
        }
    }
    let mut engine = Engine::load(
        model,
        EngineOptions {
            n_ctx: 4096,
            threads: opts.threads,
            exact: false,
        },
    )?;
    let mut handles = Vec::new();
    for a in adapters {
        handles.push(match &a.path {
            Some(p) => Some((engine.load_lora(p)?, 1.0)),
            None => None,
        });
    }
    let bar = progress_bar((adapters.len() * suite.len()) as u64, opts.progress);
    let registry = super::code::registry();
    let (mut items, mut flat) = (Vec::new(), Vec::new());
    let (mut fc_outcomes, mut code_outcomes, mut code_scores) =
        (Vec::new(), Vec::new(), Vec::new());
    let mut throughput = Vec::new();
    for (a, lora) in adapters.iter().zip(handles) {
        let started = std::time::Instant::now();
        let items_before = items.len();
        let mut chat = LlamaChat {
            session: engine.session(),
            lora,
            sampling: SamplingParams {
                temperature: 0.0,
                ..SamplingParams::default()
            },
        };
        let label = a.label.as_str();
        // Each model's peak RSS is its own (where the kernel allows a reset).
        host::reset_peak_rss();
        let mut stat = |mode: &str, category: &str, valid: bool, latency_ms: f64, tokens: usize| {
            flat.push(ItemStat {
                model: label.to_string(),
                mode: mode.to_string(),
                category: category.to_string(),
                valid,
                latency_ms,
                tokens,
            });
        };
        match suite {
            Suite::Bfcl {
                entries,
                modes,
                unreadable,
            } => {
                for &mode in modes {
                    for u in unreadable {
                        stat(mode.name(), u.category.name(), false, 0.0, 0);
                        let id = u.id.clone().unwrap_or_default();
                        items.push(serde_json::json!({
                            "id": id, "category": u.category.name(), "mode": mode.name(),
                            "model": label, "valid": false,
                            "error_type": "data:unreadable_entry",
                            "errors": [u.error.to_string()],
                        }));
                        tick(&bar, label, &id);
                    }
                    let outcomes = run_entries(
                        &mut chat,
                        label,
                        entries,
                        mode,
                        opts.max_tokens,
                        opts.batch,
                        &mut |i| tick(&bar, label, &entries[i].id),
                    )?;
                    for o in outcomes {
                        stat(
                            mode.name(),
                            o.category,
                            o.valid,
                            o.latency_ms,
                            o.generated_tokens,
                        );
                        items.push(to_value(&o));
                    }
                }
            }
            Suite::Fc(fc) => {
                let outcomes = super::fc::run_items(
                    &mut chat,
                    label,
                    fc,
                    opts.max_tokens,
                    opts.batch,
                    &mut |i| tick(&bar, label, &fc[i].id),
                )?;
                for o in outcomes {
                    stat("fc", &o.category, o.exact, o.latency_ms, o.generated_tokens);
                    items.push(to_value(&o));
                    fc_outcomes.push(o);
                }
            }
            Suite::Code(code) => {
                for it in code {
                    let o = super::code::run_item(
                        &mut chat,
                        &registry,
                        label,
                        it,
                        opts.max_tokens,
                        opts.max_turns,
                    )?;
                    stat(
                        "agent",
                        &o.category,
                        o.correct,
                        o.latency_ms,
                        o.generated_tokens,
                    );
                    items.push(to_value(&o));
                    code_outcomes.push(o);
                    tick(&bar, label, &it.id);
                }
                let (_, peak) = host::rss_bytes();
                code_scores.push(super::code::scores(label, &code_outcomes, peak));
            }
        }
        let (n, seconds) = (items.len() - items_before, started.elapsed().as_secs_f64());
        throughput.push(Throughput {
            model: label.to_string(),
            items: n,
            seconds,
            items_per_s: if seconds > 0.0 {
                n as f64 / seconds
            } else {
                0.0
            },
            batch: match suite {
                Suite::Code(_) => 1,
                _ => opts.batch,
            },
        });
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    Ok(EvalRun {
        suite: suite_name.to_string(),
        model: model.display().to_string(),
        threads: opts.threads,
        machine: crate::machine(),
        summary: summarize(&flat),
        fc_scores: super::fc::scores(&fc_outcomes),
        code_scores,
        throughput,
        items,
    })
}

/// A bar on a terminal; on a pipe, a plain line every tenth of the run
/// (`None` when the run is quiet).
fn progress_bar(total: u64, show: bool) -> Option<indicatif::ProgressBar> {
    show.then(|| host::progress_bar(total, 0, true, "items"))
}

fn tick(bar: &Option<indicatif::ProgressBar>, label: &str, id: &str) {
    let Some(bar) = bar else { return };
    bar.set_message(format!("{label} {id}"));
    bar.inc(1);
    let (done, total) = (bar.position(), bar.length().unwrap_or(0));
    if bar.is_hidden() && (done % (total / 10).max(1) == 0 || done == total) {
        eprintln!(
            "[{done}/{total}] {label} {id} ({:.0} s)",
            bar.elapsed().as_secs_f64()
        );
    }
}

impl EvalRun {
    /// The tables: accuracy per category, then the suite's own scores.
    pub fn markdown(&self) -> String {
        let mut s = markdown(&self.summary);
        if !self.code_scores.is_empty() {
            s.push('\n');
            s.push_str(&super::code::markdown(&self.code_scores));
        }
        for sc in &self.fc_scores {
            s.push_str(&format!(
                "\n{}: exact match {:.1}%, function selection {:.1}%, parameter accuracy {:.1}%, multi-call {:.1}% ({} items)",
                sc.model, 100.0 * sc.exact_match, 100.0 * sc.function_selection, 100.0 * sc.parameter_accuracy, 100.0 * sc.multi_call_accuracy, sc.n
            ));
        }
        if !self.fc_scores.is_empty() {
            s.push('\n');
        }
        s.push('\n');
        s.push_str(&throughput_lines(&self.throughput));
        s
    }

    /// Writes results.json, report.md, accuracy.svg (+ code.svg for the
    /// code suite) and report.html into `out`; returns the file names.
    pub fn write(&self, out: &Path) -> Result<Vec<&'static str>> {
        std::fs::create_dir_all(out).map_err(Error::io(out))?;
        let write = |name: &str, text: &str| gguf::write_atomic(&out.join(name), text.as_bytes());
        let json =
            serde_json::to_string_pretty(self).map_err(Error::internal("cannot encode results"))?;
        write("results.json", &json)?;
        write("report.md", &self.markdown())?;
        let title = match self.suite.split(':').next() {
            Some("code") => "code suite: correct answers per category (%)",
            Some("fc") => "fc suite: exact match per category (%)",
            _ => "BFCL AST accuracy (%)",
        };
        write("accuracy.svg", &bar_chart_svg(title, &self.summary))?;
        let mut files = vec!["results.json", "report.md", "accuracy.svg", "report.html"];
        let mut page_rows = self.summary.clone();
        if !self.code_scores.is_empty() {
            let rows = super::code::chart_rows(&self.code_scores);
            write("code.svg", &bar_chart_svg("code suite metrics (%)", &rows))?;
            files.push("code.svg");
            page_rows.extend(rows);
        }
        let desc = format!(
            "{} · {} threads · {} · suite {}",
            self.machine.cpu, self.threads, self.model, self.suite
        );
        write(
            "report.html",
            &html("agentcoder eval", &page_rows, &desc, &self.items),
        )?;
        Ok(files)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(args: &[&str]) -> Result<Vec<String>> {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        Ok(Adapter::from_args(&args)?
            .into_iter()
            .map(|a| a.label)
            .collect())
    }

    #[test]
    fn adapters_are_labelled_by_name() {
        assert_eq!(labels(&[]).unwrap(), ["base"]);
        assert_eq!(
            labels(&["base", "runs/sft/adapter.gguf", "x/dpo.gguf"]).unwrap(),
            ["base", "sft", "dpo"]
        );
    }

    /// Two adapters in directories of the same name were one row of the
    /// report; now each is labelled by a path suffix that tells it apart.
    #[test]
    fn adapters_with_the_same_name_get_distinct_labels() {
        assert_eq!(
            labels(&[
                "runs/a/sft/adapter.gguf",
                "runs/b/sft/adapter.gguf",
                "c/rl/adapter.gguf"
            ])
            .unwrap(),
            ["a/sft", "b/sft", "rl"]
        );
        assert_eq!(
            labels(&["base", "runs/base/adapter.gguf"]).unwrap(),
            ["base", "runs/base"]
        );
        assert_eq!(
            labels(&["/tmp/x/a.gguf", "/srv/x/a.gguf"]).unwrap(),
            ["tmp/x/a", "srv/x/a"]
        );
        // Same stem and directory, different extension: the arguments.
        assert_eq!(
            labels(&["m/a.gguf", "m/a.bin"]).unwrap(),
            ["m/a.gguf", "m/a.bin"]
        );
    }

    #[test]
    fn an_adapter_given_twice_is_an_error() {
        for twice in [
            &["base", "base"][..],
            &["runs/sft/adapter.gguf", "runs/sft/adapter.gguf"],
        ] {
            let e = labels(twice).unwrap_err().to_string();
            assert!(e.contains("given twice"), "{e}");
        }
    }
}
