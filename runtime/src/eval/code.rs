//! The `code` suite: held-out `data synth --kind code` items run through
//! the agent loop with the `python` tool (the format the adapters are
//! trained on), scored for
//! - correctness: the final answer states the ground truth
//!   ([`answer_matches`]: the last number stated, by value; the last
//!   `True`/`False`; other text as whole words),
//! - tool selection: the first tool called (or `none`) against the item's
//!   `optimal_tool`, with precision / recall / F1 per tool and for `none`,
//! - unnecessary calls: calls made on items whose optimal tool is `none`,
//! - error recovery: of the `multi_step` items where a call failed or could
//!   not be parsed, the share that still ended with the right answer,
//! - tokens generated per item, latency per item, peak RSS.

use std::path::Path;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use tools::{CallFormat, Registry};

use super::report::{count_of, fraction, share_cell};
use crate::agent::{run_agent, AgentConfig, ChatModel, Trajectory};
use crate::{Error, Result};
use dataset::answer::answer_matches;
use dataset::prompt::Role;
use dataset::stats::percentile;
use dataset::synth_code::CodeSample;

/// One held-out item: the question and what a good run looks like.
#[derive(Clone, Debug)]
pub struct CodeItem {
    pub id: String,
    pub category: String,
    pub difficulty: String,
    pub optimal_tool: String,
    pub ground_truth: String,
    pub question: String,
}

/// Reads `data synth --kind code` JSONL (or its `data split` test part);
/// errors name file:line.
pub fn load(path: &Path) -> Result<Vec<CodeItem>> {
    let text = std::fs::read_to_string(path).map_err(Error::io(path))?;
    let mut items = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let bad = |m: String| Error::Input(format!("{}:{}: {m}", path.display(), i + 1));
        let s: CodeSample = serde_json::from_str(line).map_err(|e| {
            bad(format!(
                "{e} (expected a `data synth --kind code` line with category, difficulty, optimal_tool, ground_truth)"
            ))
        })?;
        let item = CodeItem::from_sample((i + 1).to_string(), s)
            .ok_or_else(|| bad("no user message".into()))?;
        items.push(item);
    }
    Ok(items)
}

impl CodeItem {
    /// The item of one `data synth --kind code` sample: its first user
    /// message is the question (None without one).
    pub fn from_sample(id: String, s: CodeSample) -> Option<CodeItem> {
        let question = s
            .conversation
            .messages
            .iter()
            .find(|m| m.role == Role::User)?
            .content
            .clone();
        Some(CodeItem {
            id,
            category: s.category,
            difficulty: s.difficulty,
            optimal_tool: s.optimal_tool,
            ground_truth: s.ground_truth,
            question,
        })
    }

    /// Whether a run ended with a final answer that holds the ground truth.
    pub fn answered(&self, traj: &Trajectory) -> bool {
        traj.final_answer
            .as_deref()
            .is_some_and(|a| answer_matches(a, &self.ground_truth, &self.question))
    }
}

/// The registry the suite offers: `python` alone, as in the training data.
pub fn registry() -> Registry {
    let mut reg = Registry::new();
    reg.register(Box::new(tools::builtin::Python::default()))
        .expect("one tool registers");
    reg
}

/// What happened on one item.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CodeOutcome {
    pub id: String,
    pub category: String,
    pub difficulty: String,
    pub model: String,
    pub optimal_tool: String,
    /// The first tool called, or `none`.
    pub chosen_tool: String,
    pub ground_truth: String,
    pub final_answer: Option<String>,
    pub correct: bool,
    pub tool_calls: usize,
    /// Calls that returned an error plus replies whose call did not parse.
    pub errors: usize,
    pub unnecessary_calls: usize,
    pub turns: usize,
    pub generated_tokens: usize,
    pub latency_ms: f64,
    /// The whole run (raw replies, calls, outputs).
    pub trajectory: serde_json::Value,
}

/// Runs one item through the agent loop and judges it.
pub fn run_item(
    model: &mut dyn ChatModel,
    registry: &Registry,
    label: &str,
    item: &CodeItem,
    max_tokens: usize,
    max_turns: usize,
) -> Result<CodeOutcome> {
    let config = AgentConfig {
        format: CallFormat::Hermes,
        max_turns,
        max_tokens,
        system: None,
    };
    let t0 = Instant::now();
    let traj = run_agent(model, registry, &config, &item.question, &mut |_| {})?;
    let latency_ms = t0.elapsed().as_secs_f64() * 1e3;
    Ok(judge(item, label, &traj, latency_ms))
}

/// Scores a finished trajectory (separate from running it, for tests).
pub fn judge(item: &CodeItem, label: &str, traj: &Trajectory, latency_ms: f64) -> CodeOutcome {
    let calls: Vec<_> = traj.turns.iter().flat_map(|t| &t.calls).collect();
    let errors = calls.iter().filter(|c| !c.ok).count()
        + traj
            .turns
            .iter()
            .filter(|t| t.parse_error.is_some())
            .count();
    let chosen_tool = calls
        .first()
        .map_or_else(|| "none".to_string(), |c| c.name.clone());
    let correct = item.answered(traj);
    CodeOutcome {
        id: item.id.clone(),
        category: item.category.clone(),
        difficulty: item.difficulty.clone(),
        model: label.to_string(),
        optimal_tool: item.optimal_tool.clone(),
        chosen_tool,
        ground_truth: item.ground_truth.clone(),
        final_answer: traj.final_answer.clone(),
        correct,
        tool_calls: calls.len(),
        errors,
        unnecessary_calls: if item.optimal_tool == "none" {
            calls.len()
        } else {
            0
        },
        turns: traj.turns.len(),
        generated_tokens: traj.turns.iter().map(|t| t.generated_tokens).sum(),
        latency_ms,
        trajectory: serde_json::to_value(traj).unwrap_or_default(),
    }
}

/// Precision, recall and F1 of one label (a tool name or `none`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct LabelScores {
    pub tool: String,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// Items whose optimal tool is this one.
    pub support: usize,
}

/// Suite-level scores of one model.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CodeScores {
    pub model: String,
    pub n: usize,
    pub correctness: f64,
    pub tool_selection_accuracy: f64,
    pub per_tool: Vec<LabelScores>,
    pub unnecessary_calls: usize,
    /// Share of the `none` items on which the model called a tool.
    pub unnecessary_call_rate: f64,
    /// `multi_step` items with at least one error, and how many of them
    /// still ended correct; the rate is `None` when no such item occurred.
    pub error_items: usize,
    pub recovered: usize,
    pub error_recovery_rate: Option<f64>,
    pub mean_tokens: f64,
    pub mean_latency_ms: f64,
    pub p50_latency_ms: f64,
    pub p95_latency_ms: f64,
    /// The process's peak RSS while this model's items ran (on Linux the
    /// high-water mark is reset before each model; elsewhere, or where the
    /// reset is refused, it is the process's peak so far).
    pub peak_rss_bytes: u64,
}

impl CodeScores {
    /// Error recovery as every table shows it: (rate, recovered, items
    /// with an error) — a share of the items that had an error, not of all
    /// items; 0 of 0 when none had one.
    pub fn error_recovery(&self) -> (f64, usize, usize) {
        (
            self.error_recovery_rate.unwrap_or(0.0),
            self.recovered,
            self.error_items,
        )
    }
}

/// Per-label precision / recall / F1 over the labels that occur.
pub fn label_scores(pairs: &[(&str, &str)]) -> Vec<LabelScores> {
    let mut labels: Vec<&str> = pairs.iter().flat_map(|&(g, p)| [g, p]).collect();
    labels.sort_unstable();
    labels.dedup();
    labels
        .into_iter()
        .map(|l| {
            let tp = pairs.iter().filter(|&&(g, p)| g == l && p == l).count();
            let predicted = pairs.iter().filter(|&&(_, p)| p == l).count();
            let support = pairs.iter().filter(|&&(g, _)| g == l).count();
            let (precision, recall) = (fraction(tp, predicted), fraction(tp, support));
            let f1 = if precision + recall == 0.0 {
                0.0
            } else {
                2.0 * precision * recall / (precision + recall)
            };
            LabelScores {
                tool: l.to_string(),
                precision,
                recall,
                f1,
                support,
            }
        })
        .collect()
}

/// Scores of one model's outcomes.
pub fn scores(model: &str, outcomes: &[CodeOutcome], peak_rss_bytes: u64) -> CodeScores {
    let os: Vec<&CodeOutcome> = outcomes.iter().filter(|o| o.model == model).collect();
    let n = os.len();
    let pairs: Vec<(&str, &str)> = os
        .iter()
        .map(|o| (o.optimal_tool.as_str(), o.chosen_tool.as_str()))
        .collect();
    let none_items: Vec<&&CodeOutcome> = os.iter().filter(|o| o.optimal_tool == "none").collect();
    let err: Vec<&&CodeOutcome> = os
        .iter()
        .filter(|o| o.category == "multi_step" && o.errors > 0)
        .collect();
    let recovered = err.iter().filter(|o| o.correct).count();
    let mut lat: Vec<f64> = os.iter().map(|o| o.latency_ms).collect();
    lat.sort_by(f64::total_cmp);
    CodeScores {
        model: model.to_string(),
        n,
        correctness: fraction(os.iter().filter(|o| o.correct).count(), n),
        tool_selection_accuracy: fraction(pairs.iter().filter(|(g, p)| g == p).count(), n),
        per_tool: label_scores(&pairs),
        unnecessary_calls: os.iter().map(|o| o.unnecessary_calls).sum(),
        unnecessary_call_rate: fraction(
            none_items.iter().filter(|o| o.tool_calls > 0).count(),
            none_items.len(),
        ),
        error_items: err.len(),
        recovered,
        error_recovery_rate: (!err.is_empty()).then(|| fraction(recovered, err.len())),
        mean_tokens: os.iter().map(|o| o.generated_tokens as f64).sum::<f64>() / n.max(1) as f64,
        mean_latency_ms: lat.iter().sum::<f64>() / n.max(1) as f64,
        p50_latency_ms: percentile(&lat, 0.5),
        p95_latency_ms: percentile(&lat, 0.95),
        peak_rss_bytes,
    }
}

/// One row per model: the suite's headline numbers.
pub fn markdown(scores: &[CodeScores]) -> String {
    let mut s = String::from(
        "| model | n | correct | tool selection | F1 python | F1 none | unnecessary calls | error recovery | tokens/item | latency p50 | peak RSS |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    let f1 = |sc: &CodeScores, t: &str| {
        sc.per_tool
            .iter()
            .find(|l| l.tool == t)
            .map_or("–".to_string(), |l| format!("{:.2}", l.f1))
    };
    for sc in scores {
        let of_all = |rate: f64| share_cell(rate, count_of(rate, sc.n), sc.n);
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {:.0} | {:.0} ms | {} |\n",
            sc.model,
            sc.n,
            of_all(sc.correctness),
            of_all(sc.tool_selection_accuracy),
            f1(sc, "python"),
            f1(sc, "none"),
            sc.unnecessary_calls,
            {
                let (rate, recovered, n) = sc.error_recovery();
                share_cell(rate, recovered, n)
            },
            sc.mean_tokens,
            sc.p50_latency_ms,
            host::human_bytes(sc.peak_rss_bytes),
        ));
    }
    s
}

/// The metrics as chart rows (group = metric, bar = model), values in 0..1.
pub fn chart_rows(scores: &[CodeScores]) -> Vec<super::report::SummaryRow> {
    let mut rows = Vec::new();
    for sc in scores {
        // Only the rates of counted items, which have a count and an
        // interval; the F1 scores stay in the Markdown table.
        let of_all = |v: f64| (v, count_of(v, sc.n), sc.n);
        for (metric, (v, correct, n)) in [
            ("correct", of_all(sc.correctness)),
            ("tool selection", of_all(sc.tool_selection_accuracy)),
            ("error recovery", sc.error_recovery()),
        ] {
            rows.push(super::report::SummaryRow {
                model: sc.model.clone(),
                mode: "agent".into(),
                category: metric.into(),
                n,
                correct,
                accuracy: v,
                ci95: super::report::wilson(correct, n),
                mean_latency_ms: sc.mean_latency_ms,
                mean_tokens: sc.mean_tokens,
            });
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::ScriptedModel;
    use dataset::synth_code::{python_call_text, synth_code};

    fn item(category: &str, optimal_tool: &str, ground_truth: &str) -> CodeItem {
        CodeItem {
            id: "1".into(),
            category: category.into(),
            difficulty: "easy".into(),
            optimal_tool: optimal_tool.into(),
            ground_truth: ground_truth.into(),
            question: "q".into(),
        }
    }

    fn run(replies: &[&str], it: &CodeItem) -> CodeOutcome {
        let mut model = ScriptedModel::new(replies.iter().copied());
        run_item(&mut model, &registry(), "m", it, 64, 5).unwrap()
    }

    #[test]
    fn label_scores_by_hand() {
        // gold, predicted
        let pairs = [
            ("python", "python"),
            ("python", "none"),
            ("python", "python"),
            ("none", "python"),
            ("none", "none"),
        ];
        let s = label_scores(&pairs);
        let py = s.iter().find(|l| l.tool == "python").unwrap();
        // tp 2, predicted 3, support 3
        assert!((py.precision - 2.0 / 3.0).abs() < 1e-12 && (py.recall - 2.0 / 3.0).abs() < 1e-12);
        assert!((py.f1 - 2.0 / 3.0).abs() < 1e-12);
        let none = s.iter().find(|l| l.tool == "none").unwrap();
        // tp 1, predicted 2, support 2
        assert_eq!((none.precision, none.recall, none.support), (0.5, 0.5, 2));
    }

    #[test]
    fn a_run_through_the_real_sandbox_is_judged() {
        let call = python_call_text("print(9 * 6)");
        let o = run(&[&call, "9 * 6 = 54."], &item("ambiguous", "python", "54"));
        assert!(o.correct, "{o:?}");
        assert_eq!(
            (o.chosen_tool.as_str(), o.tool_calls, o.errors),
            ("python", 1, 0)
        );
        assert_eq!(o.turns, 2);

        // Answering from memory when the tool was optimal: right answer, wrong tool.
        let o = run(&["It is 54."], &item("ambiguous", "python", "54"));
        assert!(o.correct && o.chosen_tool == "none");

        // A tool call on a no-tool item is unnecessary.
        let o = run(&[&call, "54"], &item("ambiguous", "none", "54"));
        assert_eq!(o.unnecessary_calls, 1);
    }

    #[test]
    fn error_recovery_counts_multi_step_items_with_an_error() {
        let broken = python_call_text("print(undefined_name)");
        let fixed = python_call_text("print(sum([1, 2, 3]))");
        let multi = item("multi_step", "python", "6");
        let recovered = run(&[&broken, &fixed, "The sum is 6."], &multi);
        assert_eq!((recovered.errors, recovered.correct), (1, true));
        assert!(recovered.trajectory.to_string().contains("NameError"));
        let unparsable =
            "<tool_call>\n{\"name\": \"python\", \"arguments\": {\"code\": }\n</tool_call>";
        let gave_up = run(&[unparsable, "I could not compute it."], &multi);
        assert_eq!((gave_up.errors, gave_up.correct), (1, false));
        let clean = run(&[&fixed, "6"], &multi);
        let no_tool = run(&["6"], &item("pure_reasoning", "none", "6"));
        let outcomes = vec![recovered, gave_up, clean, no_tool];
        let sc = scores("m", &outcomes, 0);
        assert_eq!((sc.error_items, sc.recovered), (2, 1));
        assert_eq!(sc.error_recovery_rate, Some(0.5));
        assert_eq!(sc.n, 4);
        assert_eq!(sc.correctness, 0.75);
        // The unparsable call executed nothing: that item chose no tool.
        assert_eq!(sc.tool_selection_accuracy, 0.75);
        assert_eq!(sc.unnecessary_calls, 0);
        let md = markdown(std::slice::from_ref(&sc));
        assert!(
            md.contains("| m | 4 | 75.0% (3/4, CI 30–95) | 75.0% (3/4, CI 30–95) | 0.80 | 0.67 | 0 | 50.0% (1/2, CI 9–91) |"),
            "{md}"
        );
        let page = crate::eval::report::html("t", &chart_rows(&[sc]), "", &[]);
        assert!(
            page.contains("<tr><td>error recovery</td><td>50.0% (1/2, CI 9–91)</td></tr>"),
            "{page}"
        );
    }

    /// Error recovery is a share of the items that had an error: with none,
    /// the HTML page says what report.md says, not "0.0% (0/n)".
    #[test]
    fn no_error_items_read_the_same_in_markdown_and_html() {
        let multi = item("multi_step", "python", "6");
        let clean = run(&[&python_call_text("print(6)"), "6"], &multi);
        let sc = scores("m", &[clean], 0);
        assert_eq!((sc.error_items, sc.error_recovery_rate), (0, None));
        assert!(markdown(std::slice::from_ref(&sc)).contains("| – (0 items) |"));
        let rows = chart_rows(&[sc]);
        let page = crate::eval::report::html("t", &rows, "", &[]);
        assert!(
            page.contains("<tr><td>error recovery</td><td>– (0 items)</td></tr>"),
            "{page}"
        );
        // and the chart draws no 0% bar for it: the background, one legend
        // swatch and one bar per other metric (correct, tool selection).
        let svg = crate::eval::report::bar_chart_svg("m", &rows);
        assert_eq!(svg.matches("<rect").count(), 1 + 1 + 2, "{svg}");
    }

    /// The oracle: replaying each dataset conversation's own assistant turns
    /// through the agent loop runs the same code in the sandbox, picks the
    /// optimal tool and states the ground truth, on every category. A
    /// recovery conversation's failed first attempt (weight 0) really fails
    /// in the sandbox, and the next turn's fix still ends correct.
    #[test]
    fn replaying_the_reference_scores_perfectly() {
        let (samples, _) = synth_code(60, 11).unwrap();
        let tmp = test_support::TempDir::new("code-suite");
        let path = tmp.path("suite.jsonl");
        std::fs::write(&path, dataset::synth_code::to_jsonl(&samples)).unwrap();
        let items = load(&path).unwrap();
        assert_eq!(items.len(), samples.len());
        let reg = registry();
        let mut outcomes = Vec::new();
        let mut recoveries = 0;
        for (s, it) in samples.iter().zip(&items) {
            let replies: Vec<String> = s
                .conversation
                .messages
                .iter()
                .filter(|m| m.role == Role::Assistant)
                .map(|m| m.content.clone())
                .collect();
            let failed_attempts = s
                .conversation
                .messages
                .iter()
                .filter(|m| m.role == Role::Assistant && m.weight == 0)
                .count();
            recoveries += failed_attempts;
            let mut model = ScriptedModel::new(replies);
            let o = run_item(&mut model, &reg, "reference", it, 256, 6).unwrap();
            assert!(o.correct, "{}: {o:?}", it.question);
            assert_eq!(o.errors, failed_attempts, "{}: {o:?}", it.question);
            outcomes.push(o);
        }
        let sc = scores("reference", &outcomes, 0);
        assert_eq!((sc.correctness, sc.tool_selection_accuracy), (1.0, 1.0));
        assert_eq!(sc.unnecessary_calls, 0);
        let cats: std::collections::BTreeSet<&str> =
            items.iter().map(|i| i.category.as_str()).collect();
        assert_eq!(cats.len(), 4, "{cats:?}");
        assert!(recoveries > 0, "60 samples hold no recovery conversation");
    }

    #[test]
    fn load_names_the_bad_line() {
        let tmp = test_support::TempDir::new("code-bad");
        let path = tmp.path("bad.jsonl");
        std::fs::write(&path, "{\"messages\": []}\n").unwrap();
        let e = load(&path).unwrap_err().to_string();
        assert!(e.contains(":1:") && e.contains("optimal_tool"), "{e}");
    }
}
