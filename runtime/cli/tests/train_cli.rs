//! `agentcoder train` end to end on SmolLM2: it learns, the adapter works in
//! llama.cpp, a killed run resumes to the same losses, memory stays near
//! the estimate, and bad data is reported with file:line.

use std::path::Path;

use crate::util::{command as bin, model, TempDir};
use std::process::{Output, Stdio};

fn run<S: AsRef<std::ffi::OsStr> + std::fmt::Debug>(args: &[S]) -> Output {
    let o = bin().args(args).output().expect("the binary runs");
    assert!(
        o.status.success(),
        "{args:?} failed:\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

fn synth(dir: &TempDir, name: &str, n: usize, seed: u64) -> String {
    let p = dir.arg(name);
    run(&[
        "data",
        "synth",
        "--kind",
        "arith",
        "--n",
        &n.to_string(),
        "--seed",
        &seed.to_string(),
        "--out",
        &p,
    ]);
    p
}

fn losses(metrics: &Path) -> Vec<(u64, f64)> {
    let text = std::fs::read_to_string(metrics).unwrap();
    let mut by_step = std::collections::BTreeMap::new();
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        if let Some(l) = v["loss"].as_f64() {
            by_step.insert(v["step"].as_u64().unwrap(), l); // a redone step keeps its last value
        }
    }
    by_step.into_iter().collect()
}

#[test]
fn lora_learns_the_format_and_llama_cpp_applies_it() {
    let d = TempDir::new("train-learn");
    let (train, val) = (
        synth(&d, "train.jsonl", 160, 1),
        synth(&d, "val.jsonl", 24, 2),
    );
    let out = d.arg("run");
    let o = run(&[
        "train",
        "--model",
        &model(),
        "--data",
        &train,
        "--val",
        &val,
        "--out",
        &out,
        "--steps",
        "24",
        "--lr",
        "1e-3",
        "--warmup",
        "3",
        "--batch-tokens",
        "256",
        "--eval-every",
        "12",
        "--rank",
        "8",
        "--alpha",
        "16",
        "--json",
    ]);
    let s: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let (before, after) = (
        s["initial_val_loss"].as_f64().unwrap(),
        s["best_val_loss"].as_f64().unwrap(),
    );
    eprintln!("validation loss {before:.3} -> {after:.3}");
    assert!(after < 0.5 * before, "validation loss {before} -> {after}");
    for f in [
        "run.json",
        "metrics.jsonl",
        "loss.svg",
        "adapter.gguf",
        "best/state.ckpt",
        "latest/state.ckpt",
    ] {
        assert!(Path::new(&out).join(f).exists(), "{f} missing");
    }
    // Through llama.cpp: the base model does not use the format, the adapter does.
    let adapter = format!("{out}/adapter.gguf");
    let gen = |lora: Option<&str>| {
        let mut args = vec![
            "generate",
            "--model",
            Box::leak(model().into_boxed_str()),
            "--chat",
            "--prompt",
            "What is 321 plus 123?",
            "--max-tokens",
            "16",
            "--json",
        ];
        if let Some(l) = lora {
            args.extend(["--lora", l]);
        }
        let v: serde_json::Value = serde_json::from_slice(&run(&args).stdout).unwrap();
        v["text"].as_str().unwrap().to_string()
    };
    let (base, tuned) = (gen(None), gen(Some(&adapter)));
    eprintln!("base: {base:?}\ntuned: {tuned:?}");
    assert!(!base.starts_with("<answer>"), "{base}");
    assert!(
        tuned.starts_with("<answer>") && tuned.contains("</answer>"),
        "{tuned}"
    );
    // export-lora writes the same adapter from the checkpoint.
    let exported = d.arg("exported.gguf");
    run(&[
        "export-lora",
        &out,
        "--out",
        &exported,
        "--checkpoint",
        "latest",
    ]);
    assert_eq!(
        std::fs::read(&exported).unwrap(),
        std::fs::read(&adapter).unwrap()
    );
}

#[test]
fn killed_run_resumes_to_the_same_losses() {
    let d = TempDir::new("train-resume");
    let train = synth(&d, "train.jsonl", 48, 3);
    let common = |out: &str| -> Vec<String> {
        [
            "train",
            "--model",
            &model(),
            "--data",
            &train,
            "--out",
            out,
            "--steps",
            "8",
            "--batch-tokens",
            "96",
            "--save-every",
            "2",
            "--eval-every",
            "0",
            "--seed",
            "5",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let full = d.arg("full");
    run(&common(&full).iter().map(String::as_str).collect::<Vec<_>>());
    let expected = losses(&Path::new(&full).join("metrics.jsonl"));
    assert_eq!(expected.len(), 8);

    let cut = d.arg("cut");
    let mut child = bin()
        .args(common(&cut))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let metrics = Path::new(&cut).join("metrics.jsonl");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while losses_or_empty(&metrics).len() < 5 {
        assert!(
            std::time::Instant::now() < deadline,
            "training made no progress"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(
        losses_or_empty(&metrics).len() < 8,
        "the run finished before it was killed"
    );
    // The checkpoint on disk is whole and usable.
    run(&[
        "export-lora",
        &cut,
        "--out",
        &d.arg("mid.gguf"),
        "--checkpoint",
        "latest",
    ]);
    let mut args = common(&cut);
    args.push("--resume".into());
    run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let resumed = losses(&metrics);
    assert_eq!(
        resumed, expected,
        "resumed losses differ from an uninterrupted run"
    );
}

fn losses_or_empty(p: &Path) -> Vec<(u64, f64)> {
    if p.exists() {
        let text = std::fs::read_to_string(p).unwrap_or_default();
        text.lines()
            .filter(|l| l.contains("\"loss\""))
            .map(|_| (0, 0.0))
            .collect()
    } else {
        Vec::new()
    }
}

#[test]
fn peak_memory_is_within_15_percent_of_the_estimate() {
    let d = TempDir::new("train-mem");
    let text: String = (0..6)
        .map(|i| {
            let words: Vec<String> = (0..300).map(|j| format!("w{}", (i * 7 + j * 13) % 97)).collect();
            serde_json::json!({"messages": [{"role": "user", "content": "Say words."}, {"role": "assistant", "content": words.join(" ")}]}).to_string() + "\n"
        })
        .collect();
    let data = d.arg("long.jsonl");
    std::fs::write(&data, text).unwrap();
    // Recomputing every layer (least memory) on the f32 path, then keeping
    // all 30 layers' activations on the int8 path, whose weights are coded
    // once when memory allows (here it does): the estimate follows.
    for (i, (compute, keep, kept)) in [("f32", "0", 0), ("int8", "all", 30)]
        .into_iter()
        .enumerate()
    {
        let out = d.arg(&format!("run{i}"));
        let o = run(&[
            "train",
            "--model",
            &model(),
            "--data",
            &data,
            "--out",
            &out,
            "--steps",
            "2",
            "--max-seq",
            "256",
            "--batch-tokens",
            "256",
            "--rank",
            "16",
            "--no-mask-prompt",
            "--eval-every",
            "0",
            "--compute",
            compute,
            "--keep-layers",
            keep,
            "--json",
        ]);
        let s: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let (peak, est) = (
            s["peak_rss_bytes"].as_f64().unwrap(),
            s["estimated_bytes"].as_f64().unwrap(),
        );
        eprintln!(
            "{compute}, {kept} layers kept: peak RSS {:.1} MB, estimate {:.1} MB, {:.0} tok/s",
            peak / 1e6,
            est / 1e6,
            s["tokens_per_second"].as_f64().unwrap()
        );
        assert_eq!(
            (s["compute"].as_str(), s["kept_layers"].as_u64()),
            (Some(compute), Some(kept))
        );
        let manifest: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(format!("{out}/run.json")).unwrap())
                .unwrap();
        assert_eq!(manifest["config"]["compute"], compute);
        assert_eq!(manifest["kept_layers"], kept);
        assert_eq!(s["int8_coded"], compute == "int8");
        assert_eq!(manifest["int8_coded"], compute == "int8");
        assert!(
            (peak - est).abs() <= 0.15 * est,
            "{compute}, {kept} kept: peak {peak} vs estimate {est}"
        );
    }
}

#[test]
fn malformed_data_names_file_and_line() {
    let d = TempDir::new("train-bad");
    let data = d.arg("bad.jsonl");
    std::fs::write(&data, "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\",\"content\":\"yo\"}]}\n{oops\n").unwrap();
    let o = bin()
        .args([
            "train",
            "--model",
            &model(),
            "--data",
            &data,
            "--out",
            &d.arg("run"),
            "--steps",
            "1",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("bad.jsonl:2:") && err.contains("--skip-bad"),
        "{err}"
    );
    let o = bin()
        .args([
            "train",
            "--model",
            &model(),
            "--data",
            &data,
            "--out",
            &d.arg("run"),
            "--steps",
            "1",
            "--skip-bad",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(s["skipped_lines"], 1);
}

/// `train` arguments for a short run on `data` into `out`.
fn short_run(data: &str, out: &str, steps: usize, extra: &[&str]) -> Vec<String> {
    let steps = steps.to_string();
    let base = [
        "train",
        "--data",
        data,
        "--out",
        out,
        "--steps",
        &steps,
        "--batch-tokens",
        "96",
        "--eval-every",
        "0",
    ];
    let model = model();
    let mut args: Vec<String> = base.iter().map(|s| s.to_string()).collect();
    args.extend(["--model".to_string(), model]);
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

/// Runs the binary expecting exit code 2; returns stderr.
fn refused(args: &[String]) -> String {
    let o = bin().args(args).output().expect("the binary runs");
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
    err
}

#[test]
fn an_earlier_run_is_kept_unless_overwritten_and_logs_show_progress() {
    let d = TempDir::new("train-outdir");
    let data = synth(&d, "train.jsonl", 24, 4);
    let out = d.arg("run");
    let metrics = Path::new(&out).join("metrics.jsonl");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(&metrics, "{\"step\":99,\"loss\":9.0}\n").unwrap();

    let err = refused(&short_run(&data, &out, 6, &[]));
    assert!(
        err.contains("not empty") && err.contains("--overwrite"),
        "{err}"
    );
    assert_eq!(losses(&metrics), [(99, 9.0)], "the earlier run was touched");

    // Replaced; stderr is a pipe here, so progress comes as plain lines.
    let o = run(&short_run(&data, &out, 6, &["--overwrite"]));
    assert_eq!(
        losses(&metrics).iter().map(|s| s.0).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5, 6]
    );
    let log = String::from_utf8_lossy(&o.stderr);
    for step in 1..=6 {
        let line = log
            .lines()
            .find(|l| l.starts_with(&format!("step {step}/6 loss ")))
            .unwrap_or_else(|| panic!("no line for step {step} in:\n{log}"));
        assert!(
            line.contains(" tok/s ETA ") && line.contains(" RSS "),
            "{line}"
        );
    }

    // A replay goes into a new directory and leaves the original alone.
    let manifest = format!("{out}/run.json");
    let before = std::fs::read(&metrics).unwrap();
    let err = refused(&["train".into(), "--replay".into(), manifest.clone()]);
    assert!(err.contains("--replay needs --out"), "{err}");
    let replay = |out: &str| -> Vec<String> {
        ["train", "--replay", &manifest, "--out", out, "--steps", "1"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    };
    assert!(refused(&replay(&out)).contains("not empty"));
    let again = d.arg("replay");
    run(&replay(&again));
    assert_eq!(losses(&Path::new(&again).join("metrics.jsonl")).len(), 1);
    assert_eq!(std::fs::read(&metrics).unwrap(), before);

    for (flag, value) in [("--alpha", "0"), ("--alpha", "NaN"), ("--lr", "NaN")] {
        let err = refused(&short_run(&data, &d.arg("bad"), 1, &[flag, value]));
        assert!(err.contains(flag), "{flag} {value}: {err}");
    }
}

#[test]
fn diverged_training_stops_and_keeps_a_finite_adapter() {
    let d = TempDir::new("train-nan");
    let data = synth(&d, "train.jsonl", 24, 6);
    let out = d.arg("run");
    // A learning rate this large overflows the adapter after one step:
    // every later gradient is NaN or infinite.
    let args = short_run(
        &data,
        &out,
        10,
        &["--lr", "1e30", "--warmup", "0", "--json"],
    );
    let o = bin().args(&args).output().expect("the binary runs");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "a diverged run succeeded:\n{err}");
    assert!(
        err.contains("NaN or infinite") && err.contains("5 steps in a row"),
        "{err}"
    );
    let text = std::fs::read_to_string(Path::new(&out).join("metrics.jsonl")).unwrap();
    let skipped = text
        .lines()
        .filter(|l| l.contains("\"skipped\":true"))
        .count();
    assert_eq!(skipped, 5, "{text}");
    // latest/ is saved on the way out and holds the last finite adapter.
    let file = runtime::open_gguf(Path::new(&model())).unwrap();
    let cfg = runtime::model::ModelConfig::from_gguf(&file).unwrap();
    let ck =
        runtime::train::Checkpoint::load(&Path::new(&out).join("latest/state.ckpt"), &cfg).unwrap();
    assert_eq!((ck.meta.step, ck.meta.skipped_steps), (6, 5));
    let finite = |t: &[f32]| t.iter().all(|x| x.is_finite());
    assert!(
        ck.adapter.tensors().into_iter().all(finite) && ck.m.iter().chain(&ck.v).all(|t| finite(t)),
        "a NaN reached the checkpoint"
    );
}

/// Preference pairs for a skill, not a template: the chosen call copies the
/// question's city, the rejected one names another city.
fn weather_pairs(cities: &[&str], shift: usize) -> String {
    let tool = serde_json::json!({"type": "function", "function": {"name": "get_weather",
        "description": "Current weather in a city", "parameters": {"type": "object",
        "properties": {"city": {"type": "string"}}, "required": ["city"]}}});
    let call = |c: &str| {
        format!("<tool_call>\n{{\"name\": \"get_weather\", \"arguments\": {{\"city\": \"{c}\"}}}}\n</tool_call>")
    };
    let lines: Vec<String> = cities
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let wrong = cities[(i + shift) % cities.len()];
            serde_json::json!({"messages": [{"role": "user", "content": format!("What is the weather in {c}?")}],
                "tools": [tool], "chosen": call(c), "rejected": call(wrong)})
            .to_string()
        })
        .collect();
    lines.join("\n") + "\n"
}

/// DPO on SmolLM2: held-out pairs (cities never trained on) go from no
/// preference (the policy starts as the reference: loss log 2, margin 0)
/// to preferring the chosen call; a run that starts from that adapter with
/// it as the reference starts at log 2 again (both files are read).
#[test]
fn dpo_learns_to_prefer_the_chosen_answer_on_held_out_pairs() {
    let d = TempDir::new("dpo");
    let train = [
        "Paris", "Tokyo", "Lima", "Oslo", "Cairo", "Denver", "Hanoi", "Quito", "Dakar", "Perth",
        "Bergen", "Split",
    ];
    let val = ["Nairobi", "Santiago", "Kyoto", "Munich", "Boston", "Madrid"];
    std::fs::write(d.path("train.jsonl"), weather_pairs(&train, 5)).unwrap();
    std::fs::write(d.path("val.jsonl"), weather_pairs(&val, 2)).unwrap();
    let out = d.arg("run");
    let common = [
        "train",
        "--method",
        "dpo",
        "--model",
        &model(),
        "--data",
        &d.arg("train.jsonl"),
        "--val",
        &d.arg("val.jsonl"),
        "--rank",
        "8",
        "--alpha",
        "16",
        "--batch-tokens",
        "1024",
    ];
    let o = run(&[
        &common[..],
        &[
            "--out",
            &out,
            "--steps",
            "8",
            "--lr",
            "2e-3",
            "--warmup",
            "2",
            "--eval-every",
            "4",
            "--json",
        ],
    ]
    .concat());
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let ln2 = std::f64::consts::LN_2;
    assert!(
        (summary["initial_val_loss"].as_f64().unwrap() - ln2).abs() < 1e-9,
        "{summary}"
    );
    assert_eq!(summary["initial_val_accuracy"], 0.0, "{summary}");
    assert!(
        summary["val_accuracy"].as_f64().unwrap() >= 5.0 / 6.0,
        "{summary}"
    );
    assert!(
        summary["best_val_loss"].as_f64().unwrap() < 0.45,
        "{summary}"
    );
    let metrics = std::fs::read_to_string(Path::new(&out).join("metrics.jsonl")).unwrap();
    let steps: Vec<serde_json::Value> = metrics
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|v: &serde_json::Value| v["loss"].is_number())
        .collect();
    assert_eq!(steps.len(), 8);
    assert!(
        (steps[0]["loss"].as_f64().unwrap() - ln2).abs() < 1e-9,
        "{:?}",
        steps[0]
    );
    assert_eq!(steps[0]["margin"], 0.0);
    let last = &steps[7];
    assert!(last["margin"].as_f64().unwrap() > 0.5, "{last}");
    assert!(
        last["chosen_reward"].as_f64().unwrap() > last["rejected_reward"].as_f64().unwrap(),
        "{last}"
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(Path::new(&out).join("run.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["config"]["method"], "dpo");

    let adapter = format!("{out}/adapter.gguf");
    let again = d.arg("again");
    run(&[
        &common[..],
        &[
            "--out",
            &again,
            "--steps",
            "1",
            "--init-lora",
            &adapter,
            "--ref-lora",
            &adapter,
        ],
    ]
    .concat());
    let first = losses(&Path::new(&again).join("metrics.jsonl"));
    assert!((first[0].1 - ln2).abs() < 1e-9, "{first:?}");
    // --ref-lora belongs to DPO.
    let sft = short_run(
        &d.arg("train.jsonl"),
        &d.arg("x"),
        1,
        &["--ref-lora", &adapter],
    );
    assert!(refused(&sft).contains("--method dpo"));
}
