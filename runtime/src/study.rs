//! Studies that chain training and evaluation:
//! - [`samples`]: train on nested, category-stratified shares of the data
//!   (10/50/100% by default) with the same settings and evaluate every
//!   adapter, and the base model, on one held-out suite;
//! - [`quant`]: evaluate the same adapter on differently quantized bases
//!   (the model itself and copies re-encoded to other types, e.g. Q8_0 and
//!   Q4_0), with and without the adapter;
//! - [`methods`]: SFT, SFT→DPO (pairs sampled from the SFT adapter),
//!   SFT→GRPO and GRPO from the base on the same data, then the base and
//!   every adapter on one held-out suite.
//!
//! Both write `study.json` and `study.md` next to an ordinary eval
//! directory (`eval/`: results.json, report.md, charts, report.html).

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;

use crate::eval::report::{count_of, share_cell, wilson};
use crate::eval::run::{evaluate, Adapter, EvalOptions, EvalRun, Suite};
use crate::train::TrainConfig;
use crate::{Error, Result};

/// One training run of the sample-efficiency study.
#[derive(Clone, Debug, Serialize)]
pub struct SampleRun {
    pub label: String,
    pub fraction: f64,
    pub examples: usize,
    pub steps: usize,
    pub train_seconds: f64,
    /// Over the whole run, validation passes included.
    pub tokens_per_second: f64,
    /// Validation loss of the adapter evaluated (the run's last step; the
    /// trainer always validates there), from the run's `metrics.jsonl`.
    pub final_val_loss: Option<f64>,
    /// Lowest validation loss of the run (its `best/` checkpoint, which is
    /// not the adapter evaluated).
    pub best_val_loss: Option<f64>,
    pub adapter: PathBuf,
}

#[derive(Clone, Debug, Serialize)]
pub struct SampleStudy {
    pub runs: Vec<SampleRun>,
    pub eval: EvalRun,
}

/// Trains one adapter per fraction of `base.data` into `out/train-<pct>`
/// (every other setting from `base`; with `base.steps` unset each run does
/// `base.epochs` passes over its own share) and evaluates them all with
/// the base model on `suite`.
pub fn samples(
    base: &TrainConfig,
    fractions: &[f64],
    suite_name: &str,
    suite: &Suite,
    opts: &EvalOptions,
    out: &Path,
) -> Result<SampleStudy> {
    let text = std::fs::read_to_string(&base.data).map_err(Error::io(&base.data))?;
    let lines: Vec<&str> = text.lines().collect();
    std::fs::create_dir_all(out).map_err(Error::io(out))?;
    let mut runs = Vec::new();
    for &f in fractions {
        let label = format!("{}%", (f * 100.0).round());
        let pct = (f * 100.0).round() as u32;
        let idx = dataset::split::subset(&lines, f, base.seed)
            .map_err(|e| Error::Input(format!("{}: {e}", base.data.display())))?;
        let data = out.join(format!("data-{pct}.jsonl"));
        gguf::write_atomic(&data, dataset::split::part_text(&lines, &idx).as_bytes())?;
        let cfg = TrainConfig {
            data,
            out: out.join(format!("train-{pct}")),
            ..base.clone()
        };
        // A fresh run each time: an old directory would be resumed otherwise.
        if cfg.out.exists() {
            std::fs::remove_dir_all(&cfg.out).map_err(Error::io(&cfg.out))?;
        }
        if opts.progress {
            eprintln!("training on {label} of the data ({} examples)", idx.len());
        }
        let t0 = Instant::now();
        let s = crate::train::train(&cfg, crate::train::OutDir::New, opts.progress)?;
        runs.push(SampleRun {
            label,
            fraction: f,
            examples: idx.len(),
            steps: s.steps,
            train_seconds: t0.elapsed().as_secs_f64(),
            tokens_per_second: s.tokens_per_second,
            final_val_loss: last_val_loss(&cfg.out.join("metrics.jsonl"))?,
            best_val_loss: s.best_val_loss,
            adapter: s.adapter,
        });
    }
    let trained = runs.iter().map(|r| (&r.label, &r.adapter));
    let eval = evaluate_with_base(&base.model, trained, suite_name, suite, opts, out)?;
    let study = SampleStudy { runs, eval };
    write_study(out, &study, &samples_markdown(&study))?;
    Ok(study)
}

/// The `val_loss` of the last line of a run's `metrics.jsonl` that has
/// one, or `None` when no line does.
fn last_val_loss(metrics: &Path) -> Result<Option<f64>> {
    let text = std::fs::read_to_string(metrics).map_err(Error::io(metrics))?;
    Ok(text
        .lines()
        .rev()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find_map(|v| v.get("val_loss").and_then(serde_json::Value::as_f64)))
}

/// The base model and each (label, adapter) on `suite`, written to
/// `out/eval/`.
fn evaluate_with_base<'r>(
    model: &Path,
    trained: impl Iterator<Item = (&'r String, &'r PathBuf)>,
    suite_name: &str,
    suite: &Suite,
    opts: &EvalOptions,
    out: &Path,
) -> Result<EvalRun> {
    let mut adapters = vec![Adapter::base()];
    adapters.extend(trained.map(|(label, path)| Adapter {
        label: label.clone(),
        path: Some(path.clone()),
    }));
    let eval = evaluate(model, &adapters, suite_name, suite, opts)?;
    eval.write(&out.join("eval"))?;
    Ok(eval)
}

fn write_study<T: Serialize>(out: &Path, study: &T, md: &str) -> Result<()> {
    let json =
        serde_json::to_string_pretty(study).map_err(Error::internal("cannot encode the study"))?;
    gguf::write_atomic(&out.join("study.json"), json.as_bytes())?;
    gguf::write_atomic(&out.join("study.md"), md.as_bytes())?;
    Ok(())
}

/// A headline score with its count and 95% Wilson interval.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Score {
    pub rate: f64,
    pub correct: usize,
    pub n: usize,
    pub ci95: [f64; 2],
}

impl Score {
    fn new(rate: f64, correct: usize, n: usize) -> Score {
        Score {
            rate,
            correct,
            n,
            ci95: wilson(correct, n),
        }
    }

    /// The table cell: `34.0% (17/50, CI 22–48)`.
    fn cell(&self) -> String {
        share_cell(self.rate, self.correct, self.n)
    }
}

/// The headline score of a model in a run: correctness (code), exact match
/// (fc) or accuracy over all items (bfcl).
fn headline(eval: &EvalRun, model: &str) -> Score {
    let of = |rate: f64, n: usize| Score::new(rate, count_of(rate, n), n);
    if let Some(c) = eval.code_scores.iter().find(|c| c.model == model) {
        return of(c.correctness, c.n);
    }
    if let Some(f) = eval.fc_scores.iter().find(|f| f.model == model) {
        return of(f.exact_match, f.n);
    }
    let rows = eval.summary.iter().filter(|r| r.model == model);
    let (c, n) = rows.fold((0, 0), |(c, n), r| (c + r.correct, n + r.n));
    Score::new(c as f64 / n.max(1) as f64, c, n)
}

pub fn samples_markdown(s: &SampleStudy) -> String {
    let loss = |v: Option<f64>| v.map_or("–".to_string(), |v| format!("{v:.3}"));
    let mut md = String::from(
        "| data | examples | steps | train time | tok/s | val loss (final) | val loss (best) | score |\n|---|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    md.push_str(&format!(
        "| base (no training) | 0 | 0 | – | – | – | – | {} |\n",
        headline(&s.eval, "base").cell()
    ));
    for r in &s.runs {
        md.push_str(&format!(
            "| {} | {} | {} | {:.0} s | {:.0} | {} | {} | {} |\n",
            r.label,
            r.examples,
            r.steps,
            r.train_seconds,
            r.tokens_per_second,
            loss(r.final_val_loss),
            loss(r.best_val_loss),
            headline(&s.eval, &r.label).cell()
        ));
    }
    md.push_str(&format!(
        "\nscore = {} on suite {}\n\n{}",
        score_name(&s.eval),
        s.eval.suite,
        s.eval.markdown()
    ));
    md
}

fn score_name(eval: &EvalRun) -> &'static str {
    if !eval.code_scores.is_empty() {
        "correct answers"
    } else if !eval.fc_scores.is_empty() {
        "exact match"
    } else {
        "AST accuracy over all items"
    }
}

/// One training run of the methods study.
#[derive(Clone, Debug, Serialize)]
pub struct MethodRun {
    pub label: String,
    pub method: crate::train::Method,
    pub steps: usize,
    /// Wall time of the run (for DPO, sampling the pairs included).
    pub train_seconds: f64,
    pub tokens_per_second: f64,
    /// Peak RSS, reset before the run; memory that earlier runs left in
    /// the process heap is counted again.
    pub peak_rss_bytes: u64,
    /// GRPO: mean reward of the first and last batch of rollouts.
    pub first_reward: Option<f64>,
    pub last_reward: Option<f64>,
    pub adapter: PathBuf,
}

#[derive(Clone, Debug, Serialize)]
pub struct MethodStudy {
    pub runs: Vec<MethodRun>,
    /// DPO: the preference pairs sampled from the SFT adapter.
    pub pairs: crate::pairs::PairsReport,
    pub eval: EvalRun,
}

/// The preference and RL runs' settings (SFT runs as `base` says).
#[derive(Clone, Copy, Debug)]
pub struct MethodsPlan {
    /// Optimizer steps and learning rate of the DPO and GRPO runs.
    pub steps: usize,
    pub lr: f32,
    /// Answers per prompt: the pairs' samples and GRPO's groups.
    pub k: usize,
}

/// Trains `out/sft` on `base.data`; samples preference pairs from it
/// (`out/pairs.jsonl`) and trains `out/sft-dpo` on them; trains
/// `out/sft-grpo` and `out/grpo` (from the base) with rewards on the same
/// data; every DPO and GRPO run starts from and is referenced to the SFT
/// adapter (`grpo`: the base). Then evaluates the base and the four
/// adapters on `suite`. A method that cannot run (no pair could be made)
/// is left out of the table with the reason on stderr.
pub fn methods(
    base: &TrainConfig,
    plan: MethodsPlan,
    suite_name: &str,
    suite: &Suite,
    opts: &EvalOptions,
    out: &Path,
) -> Result<MethodStudy> {
    use crate::train::{Method, OutDir};
    std::fs::create_dir_all(out).map_err(Error::io(out))?;
    let mut runs = Vec::new();
    let mut train = |label: &str, cfg: TrainConfig, extra_s: f64| -> Result<PathBuf> {
        if opts.progress {
            eprintln!("training {label}");
        }
        host::reset_peak_rss();
        let t0 = Instant::now();
        let s = crate::train::train(&cfg, OutDir::Overwrite, opts.progress)?;
        runs.push(MethodRun {
            label: label.to_string(),
            method: cfg.method,
            steps: s.steps,
            train_seconds: t0.elapsed().as_secs_f64() + extra_s,
            tokens_per_second: s.tokens_per_second,
            peak_rss_bytes: s.peak_rss_bytes,
            first_reward: s.first_reward,
            last_reward: s.last_reward,
            adapter: s.adapter.clone(),
        });
        Ok(s.adapter)
    };
    let sft = train(
        "sft",
        TrainConfig {
            method: Method::Sft,
            out: out.join("sft"),
            ..base.clone()
        },
        0.0,
    )?;
    let rl = |method: Method, dir: &str, data: PathBuf, from: Option<&PathBuf>| TrainConfig {
        method,
        data,
        out: out.join(dir),
        steps: Some(plan.steps),
        lr: plan.lr,
        k: plan.k,
        init_lora: from.cloned(),
        ref_lora: from.cloned(),
        // Preference and reward runs validate nothing: the suite judges.
        val: None,
        ..base.clone()
    };
    // DPO's pairs: K answers per line from the SFT adapter.
    let t0 = Instant::now();
    let mut engine = crate::infer::Engine::load(
        &base.model,
        crate::infer::EngineOptions {
            n_ctx: base.max_seq.max(512) as u32,
            threads: opts.threads,
            exact: false,
        },
    )?;
    let handle = engine.load_lora(&sft)?;
    let (pairs, jsonl) = crate::pairs::make_pairs(
        &mut engine,
        Some((handle, 1.0)),
        &base.data,
        &crate::pairs::PairsOptions {
            k: plan.k,
            temperature: base.temperature,
            seed: base.seed as u32,
            max_tokens: base.max_new_tokens,
            max_turns: base.max_turns,
            limit: None,
        },
        &mut |_, _| {},
    )?;
    drop(engine);
    let pairs_path = out.join("pairs.jsonl");
    gguf::write_atomic(&pairs_path, jsonl.as_bytes())?;
    let sampling_s = t0.elapsed().as_secs_f64();
    if pairs.pairs == 0 {
        eprintln!(
            "sft-dpo left out: every sampled answer of the SFT adapter was right ({} prompts), so there is no pair to learn from",
            pairs.prompts
        );
    } else {
        train(
            "sft-dpo",
            rl(Method::Dpo, "sft-dpo", pairs_path, Some(&sft)),
            sampling_s,
        )?;
    }
    let data = base.data.clone();
    train(
        "sft-grpo",
        rl(Method::Grpo, "sft-grpo", data.clone(), Some(&sft)),
        0.0,
    )?;
    train("grpo", rl(Method::Grpo, "grpo", data, None), 0.0)?;
    let trained = runs.iter().map(|r| (&r.label, &r.adapter));
    let eval = evaluate_with_base(&base.model, trained, suite_name, suite, opts, out)?;
    let study = MethodStudy { runs, pairs, eval };
    write_study(out, &study, &methods_markdown(&study))?;
    Ok(study)
}

pub fn methods_markdown(s: &MethodStudy) -> String {
    let mut md = String::from(
        "| method | steps | train time | tok/s | peak RSS | rollout reward (first → last) | score |\n|---|---:|---:|---:|---:|---:|---:|\n",
    );
    md.push_str(&format!(
        "| base (no training) | 0 | – | – | – | – | {} |\n",
        headline(&s.eval, "base").cell()
    ));
    for r in &s.runs {
        let reward = match (r.first_reward, r.last_reward) {
            (Some(a), Some(b)) => format!("{a:.2} → {b:.2}"),
            _ => "–".to_string(),
        };
        md.push_str(&format!(
            "| {} | {} | {:.0} s | {:.0} | {} | {reward} | {} |\n",
            r.label,
            r.steps,
            r.train_seconds,
            r.tokens_per_second,
            host::human_bytes(r.peak_rss_bytes),
            headline(&s.eval, &r.label).cell()
        ));
    }
    md.push_str(&format!(
        "\nDPO pairs sampled from the SFT adapter: {} of {} prompts gave a pair ({}/{} samples right).\n",
        s.pairs.pairs, s.pairs.prompts, s.pairs.correct_samples, s.pairs.samples
    ));
    md.push_str(&format!(
        "\nscore = {} on suite {}\n\n{}",
        score_name(&s.eval),
        s.eval.suite,
        s.eval.markdown()
    ));
    md
}

/// One base of the quantization study.
#[derive(Clone, Debug, Serialize)]
pub struct QuantBase {
    /// The weight type (`q4_1 (original)` for the model itself).
    pub label: String,
    pub path: PathBuf,
    pub file_bytes: u64,
    pub score_base: Score,
    pub score_adapter: Score,
}

#[derive(Clone, Debug, Serialize)]
pub struct QuantStudy {
    pub adapter: PathBuf,
    pub bases: Vec<QuantBase>,
    pub eval: EvalRun,
}

/// The weight type most of the model's 2-D tensors have.
fn main_type(file: &gguf::GgufFile) -> String {
    let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
    for t in file.tensors().iter().filter(|t| t.shape.len() == 2) {
        *counts.entry(t.ty.to_string()).or_default() += 1;
    }
    counts
        .into_iter()
        .max_by_key(|&(_, n)| n)
        .map_or_else(|| "?".into(), |(t, _)| t.to_lowercase())
}

/// Evaluates `adapter` (and no adapter) on `model` and on copies of it
/// re-encoded to each of `types` (written to `out/base-<type>.gguf`).
pub fn quant(
    model: &Path,
    adapter: &Path,
    types: &[gguf::GgmlType],
    suite_name: &str,
    suite: &Suite,
    opts: &EvalOptions,
    out: &Path,
) -> Result<QuantStudy> {
    if !adapter.exists() {
        return Err(Error::Input(format!(
            "--lora {}: no such file",
            adapter.display()
        )));
    }
    std::fs::create_dir_all(out).map_err(Error::io(out))?;
    let file = crate::open_gguf(model)?;
    let cfg = crate::model::ModelConfig::from_gguf(&file)?;
    let mut bases = vec![(
        format!("{} (original)", main_type(&file)),
        model.to_path_buf(),
    )];
    for &ty in types {
        let name = ty.to_string().to_lowercase();
        let path = out.join(format!("base-{name}.gguf"));
        if opts.progress {
            eprintln!(
                "writing {} ({name} copy of {})",
                path.display(),
                model.display()
            );
        }
        crate::model::merge(&file, &cfg, None, Some(ty), &path)?;
        bases.push((name, path));
    }
    let mut combined: Option<EvalRun> = None;
    let mut rows = Vec::new();
    let adapters = [
        Adapter::base(),
        Adapter {
            label: "lora".into(),
            path: Some(adapter.to_path_buf()),
        },
    ];
    for (label, path) in bases {
        let mut run = evaluate(&path, &adapters, suite_name, suite, opts)?;
        rows.push(QuantBase {
            file_bytes: std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0),
            score_base: headline(&run, "base"),
            score_adapter: headline(&run, "lora"),
            label: label.clone(),
            path,
        });
        relabel(&mut run, &label);
        match &mut combined {
            None => combined = Some(run),
            Some(c) => {
                c.summary.extend(run.summary);
                c.code_scores.extend(run.code_scores);
                c.fc_scores.extend(run.fc_scores);
                c.items.extend(run.items);
            }
        }
    }
    let mut eval = combined.ok_or_else(|| Error::Input("no bases to evaluate".into()))?;
    eval.model = format!("{} and {} re-encoded copies", model.display(), types.len());
    eval.write(&out.join("eval"))?;
    let study = QuantStudy {
        adapter: adapter.to_path_buf(),
        bases: rows,
        eval,
    };
    write_study(out, &study, &quant_markdown(&study))?;
    Ok(study)
}

/// Model names become `<base type> base` / `<base type> lora`.
fn relabel(run: &mut EvalRun, base: &str) {
    let name = |m: &str| format!("{base} {m}");
    for r in &mut run.summary {
        r.model = name(&r.model);
    }
    for c in &mut run.code_scores {
        c.model = name(&c.model);
    }
    for f in &mut run.fc_scores {
        f.model = name(&f.model);
    }
    for i in &mut run.items {
        if let Some(m) = i.get("model").and_then(|m| m.as_str()).map(name) {
            i["model"] = m.into();
        }
    }
}

pub fn quant_markdown(s: &QuantStudy) -> String {
    let mut md = String::from(
        "| base weights | file size | score without adapter | score with adapter |\n|---|---:|---:|---:|\n",
    );
    for b in &s.bases {
        md.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            b.label,
            host::human_bytes(b.file_bytes),
            b.score_base.cell(),
            b.score_adapter.cell()
        ));
    }
    md.push_str(&format!(
        "\nadapter {}; score = {} on suite {}\n\n{}",
        s.adapter.display(),
        score_name(&s.eval),
        s.eval.suite,
        s.eval.markdown()
    ));
    md
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The evaluated adapter is the last step's, so its loss is the last
    /// validation in the metrics, not the lowest.
    #[test]
    fn final_val_loss_is_the_last_validation_not_the_best() {
        let tmp = test_support::TempDir::new("study-unit");
        let dir = tmp.dir();
        let metrics = dir.join("metrics.jsonl");
        let lines = [
            r#"{"step":0,"epoch":0,"val_loss":2.0}"#,
            r#"{"step":1,"loss":1.9,"val_loss":1.2}"#,
            r#"{"step":2,"loss":1.1,"val_loss":null}"#,
            r#"{"step":3,"loss":0.9,"val_loss":1.5}"#,
            r#"{"step":4,"loss":0.8}"#,
            "",
        ];
        std::fs::write(&metrics, lines.join("\n")).unwrap();
        assert_eq!(last_val_loss(&metrics).unwrap(), Some(1.5));
        std::fs::write(&metrics, lines[4]).unwrap();
        assert_eq!(last_val_loss(&metrics).unwrap(), None);
        assert!(last_val_loss(&dir.join("missing.jsonl")).is_err());
    }
}
