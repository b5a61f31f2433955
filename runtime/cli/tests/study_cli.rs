//! The code suite and the studies through the CLI, on SmolLM2 with
//! small settings: the files they write and the relations between them.

use crate::util::{agentcoder, model, ok, TempDir};
use serde_json::Value;
use std::path::Path;

fn json(p: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

/// `data synth --kind code` + `data split` into `dir`.
fn code_data(dir: &Path) {
    let all = dir.join("code.jsonl");
    ok(&agentcoder(&[
        "data",
        "synth",
        "--kind",
        "code",
        "--n",
        "60",
        "--seed",
        "3",
        "--out",
        all.to_str().unwrap(),
    ]));
    ok(&agentcoder(&[
        "data",
        "split",
        all.to_str().unwrap(),
        "--out-dir",
        dir.to_str().unwrap(),
    ]));
}

#[test]
fn eval_code_suite_scores_agent_runs() {
    let tmp = TempDir::new("evalcode");
    let dir = tmp.dir();
    code_data(dir);
    let out = dir.join("eval");
    let printed = ok(&agentcoder(&[
        "eval",
        "--model",
        &model(),
        "--suite",
        "code",
        "--data",
        dir.join("test.jsonl").to_str().unwrap(),
        "--limit",
        "4",
        "--max-tokens",
        "32",
        "--max-turns",
        "2",
        "--out",
        out.to_str().unwrap(),
    ]));
    assert!(
        printed.contains("| model | n | correct | tool selection |"),
        "{printed}"
    );
    let r = json(&out.join("results.json"));
    let items = r["items"].as_array().unwrap();
    assert_eq!(items.len(), 4);
    for i in items {
        assert!(i["correct"].is_boolean() && i["ground_truth"].is_string());
        assert!(i["latency_ms"].as_f64().unwrap() > 0.0);
        assert!(i["trajectory"]["turns"].as_array().unwrap().len() <= 2);
        // The chosen tool is what the trajectory executed first.
        let first = i["trajectory"]["turns"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|t| t["calls"].as_array().unwrap())
            .next()
            .map_or("none", |c| c["name"].as_str().unwrap());
        assert_eq!(i["chosen_tool"], first);
    }
    let sc = &r["code_scores"][0];
    assert_eq!(sc["n"], 4);
    assert!(sc["peak_rss_bytes"].as_u64().unwrap() > 100 << 20);
    let correct = items.iter().filter(|i| i["correct"] == true).count() as f64;
    assert_eq!(sc["correctness"].as_f64().unwrap(), correct / 4.0);
    for f in ["report.md", "accuracy.svg", "code.svg", "report.html"] {
        assert!(out.join(f).exists(), "{f}");
    }
    let show = ok(&agentcoder(&[
        "eval",
        "show",
        "--out",
        out.to_str().unwrap(),
        "--failures",
    ]));
    assert!(show.contains("tool selection"), "{show}");
}

#[test]
fn sample_and_quant_studies_train_evaluate_and_compare() {
    let tmp = TempDir::new("study");
    let dir = tmp.dir();
    code_data(dir);
    let train = dir.join("train.jsonl");
    let test = dir.join("test.jsonl");
    let out = dir.join("samples");
    let printed = ok(&agentcoder(&[
        "study",
        "samples",
        "--model",
        &model(),
        "--data",
        train.to_str().unwrap(),
        "--val",
        dir.join("val.jsonl").to_str().unwrap(),
        "--fractions",
        "25,100",
        "--steps",
        "2",
        "--batch-tokens",
        "256",
        "--max-seq",
        "384",
        "--rank",
        "4",
        "--test",
        test.to_str().unwrap(),
        "--limit",
        "2",
        "--max-tokens",
        "16",
        "--max-turns",
        "1",
        "--out",
        out.to_str().unwrap(),
    ]));
    assert!(
        printed.contains("| 25% |") && printed.contains("| 100% |"),
        "{printed}"
    );
    let s = json(&out.join("study.json"));
    let runs = s["runs"].as_array().unwrap();
    let n_train = std::fs::read_to_string(&train).unwrap().lines().count();
    assert_eq!(runs[1]["examples"], n_train);
    let quarter = runs[0]["examples"].as_u64().unwrap() as f64;
    assert!(
        (quarter / n_train as f64 - 0.25).abs() < 0.05,
        "{quarter} of {n_train}"
    );
    // The 25% data is a subset of the full data, line for line.
    let all = std::fs::read_to_string(&train).unwrap();
    let part = std::fs::read_to_string(out.join("data-25.jsonl")).unwrap();
    assert!(part.lines().all(|l| all.lines().any(|a| a == l)));
    for r in runs {
        assert_eq!(r["steps"], 2);
        assert!(Path::new(r["adapter"].as_str().unwrap()).exists());
        // The evaluated adapter is the last step's; its validation loss is
        // the last one in the run's metrics, and never below the best.
        let metrics = Path::new(r["adapter"].as_str().unwrap()).with_file_name("metrics.jsonl");
        let last = std::fs::read_to_string(metrics)
            .unwrap()
            .lines()
            .rev()
            .find_map(|l| serde_json::from_str::<Value>(l).unwrap()["val_loss"].as_f64());
        let (fin, best) = (r["final_val_loss"].as_f64(), r["best_val_loss"].as_f64());
        assert!(fin.is_some() && fin == last, "{r}");
        assert!(best.unwrap() <= fin.unwrap(), "{r}");
    }
    let models: Vec<&str> = s["eval"]["code_scores"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["model"].as_str().unwrap())
        .collect();
    assert_eq!(models, ["base", "25%", "100%"]);
    assert!(out.join("eval/code.svg").exists() && out.join("study.md").exists());

    let adapter = out.join("train-100/adapter.gguf");
    let qout = dir.join("quant");
    let printed = ok(&agentcoder(&[
        "study",
        "quant",
        "--model",
        &model(),
        "--lora",
        adapter.to_str().unwrap(),
        "--types",
        "q8_0",
        "--suite",
        "code",
        "--data",
        test.to_str().unwrap(),
        "--limit",
        "2",
        "--max-tokens",
        "16",
        "--max-turns",
        "1",
        "--out",
        qout.to_str().unwrap(),
    ]));
    assert!(
        printed.contains("| q4_1 (original) |") && printed.contains("| q8_0 |"),
        "{printed}"
    );
    // The re-encoded base really is Q8_0 in its 2-D weights, and bigger.
    let q8 = gguf::GgufFile::open(qout.join("base-q8_0.gguf")).unwrap();
    assert!(q8
        .tensors()
        .iter()
        .filter(|t| t.shape.len() == 2)
        .all(|t| t.ty == gguf::GgmlType::Q8_0));
    let q = json(&qout.join("study.json"));
    let bases = q["bases"].as_array().unwrap();
    assert_eq!(bases.len(), 2);
    assert!(bases[1]["file_bytes"].as_u64() > bases[0]["file_bytes"].as_u64());
    let labels: Vec<&str> = q["eval"]["code_scores"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["model"].as_str().unwrap())
        .collect();
    assert_eq!(
        labels,
        [
            "q4_1 (original) base",
            "q4_1 (original) lora",
            "q8_0 base",
            "q8_0 lora"
        ]
    );
}

/// `study methods` on function-calling data with the smallest settings:
/// every method trains on the same data, DPO on pairs sampled from the SFT
/// adapter (one per line of the data at most), the GRPO runs report their
/// rollout rewards, and the base and every adapter are scored on the same
/// suite.
#[test]
fn methods_study_trains_every_method_and_scores_them_together() {
    let tmp = TempDir::new("methods");
    let dir = tmp.dir();
    let arg = |p: &str| dir.join(p).to_str().unwrap().to_string();
    for (name, n, seed, format) in [
        ("train.jsonl", "16", "5", "chat"),
        ("test.jsonl", "4", "9", "xlam"),
    ] {
        ok(&agentcoder(&[
            "data",
            "synth",
            "--kind",
            "function-calling",
            "--format",
            format,
            "--n",
            n,
            "--seed",
            seed,
            "--out",
            &arg(name),
        ]));
    }
    let out = dir.join("methods");
    let printed = ok(&agentcoder(&[
        "study",
        "methods",
        "--model",
        &model(),
        "--data",
        &arg("train.jsonl"),
        "--steps",
        "2",
        "--rl-steps",
        "1",
        "--k",
        "2",
        "--accum",
        "2",
        "--max-new-tokens",
        "48",
        "--max-seq",
        "2048",
        "--rank",
        "4",
        "--suite",
        "fc",
        "--test",
        &arg("test.jsonl"),
        "--limit",
        "2",
        "--max-tokens",
        "48",
        "--out",
        out.to_str().unwrap(),
    ]));
    let s = json(&out.join("study.json"));
    let runs = s["runs"].as_array().unwrap();
    let labels: Vec<&str> = runs.iter().map(|r| r["label"].as_str().unwrap()).collect();
    let lines = std::fs::read_to_string(dir.join("train.jsonl"))
        .unwrap()
        .lines()
        .count();
    let pairs = &s["pairs"];
    assert_eq!(
        pairs["prompts"].as_u64().unwrap() as usize + pairs["skipped"].as_array().unwrap().len(),
        lines,
        "{pairs}"
    );
    let made = pairs["pairs"].as_u64().unwrap();
    let written = std::fs::read_to_string(out.join("pairs.jsonl"))
        .unwrap()
        .lines()
        .count();
    assert_eq!(made as usize, written);
    let want: &[&str] = if made > 0 {
        &["sft", "sft-dpo", "sft-grpo", "grpo"]
    } else {
        &["sft", "sft-grpo", "grpo"]
    };
    assert_eq!(labels, want, "{printed}");
    for r in runs {
        assert!(Path::new(r["adapter"].as_str().unwrap()).exists(), "{r}");
        assert!(r["peak_rss_bytes"].as_u64().unwrap() > 100 << 20, "{r}");
        let grpo = r["method"] == "grpo";
        assert_eq!(r["first_reward"].is_number(), grpo, "{r}");
        assert_eq!(r["steps"], if r["method"] == "sft" { 2 } else { 1 }, "{r}");
    }
    let models: Vec<&str> = s["eval"]["fc_scores"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["model"].as_str().unwrap())
        .collect();
    assert_eq!(models[0], "base");
    assert_eq!(&models[1..], want);
    for label in want {
        assert!(printed.contains(&format!("| {label} |")), "{printed}");
    }
    assert!(out.join("eval/report.html").exists() && out.join("study.md").exists());
}
