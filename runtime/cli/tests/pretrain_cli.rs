//! `agentcoder tokenizer train` and `agentcoder pretrain` end to end on a
//! tiny model: loss falls, checkpoints resume bit-identically after
//! SIGKILL, the F32 model's logits in llama.cpp equal ours, the Q8_0 copy
//! runs, `--init` continues a model, and bad input is refused by name.

use std::path::Path;
use std::process::Stdio;

use crate::util::{agentcoder, command, ok, TempDir};

const CONFIG: &str = "\
n_layer = 2
n_embd = 64
n_head = 4
n_head_kv = 2
n_ff = 128
context = 256
seq = 128
batch_tokens = 600
steps = 8
lr = 3e-3
warmup = 2
eval_every = 4
save_every = 1
sample_every = 4
threads = 1
seed = 3
";

/// Agent data, a text document, a trained tokenizer and a config in `d`.
fn setup(d: &TempDir) -> (String, String, String, String) {
    let data = d.arg("agent.jsonl");
    ok(&agentcoder(&[
        "data", "synth", "--kind", "code", "--format", "exec", "--n", "40", "--seed", "1", "--out",
        &data,
    ]));
    let val = d.arg("val.jsonl");
    ok(&agentcoder(&[
        "data", "synth", "--kind", "code", "--format", "exec", "--n", "8", "--seed", "2", "--out",
        &val,
    ]));
    let doc = d.arg("notes.txt");
    std::fs::write(
        &doc,
        "def factorial(n):\n    return 1 if n < 2 else n * factorial(n - 1)\n\nprint(factorial(10))\n"
            .repeat(20),
    )
    .unwrap();
    let tok = d.arg("tok.json");
    let o = ok(&agentcoder(&[
        "tokenizer",
        "train",
        "--vocab",
        "400",
        "--out",
        &tok,
        "--json",
        &data,
        &doc,
    ]));
    let v: serde_json::Value = serde_json::from_str(&o).unwrap();
    assert_eq!(v["vocab"], 400, "{v}");
    assert_eq!(v["conversations"], 40, "{v}");
    let cfg = d.arg("tiny.toml");
    std::fs::write(&cfg, CONFIG).unwrap();
    (data, val, tok, cfg)
}

/// A new model trained on `data` and the document `doc`.
fn args<'a>(
    cfg: &'a str,
    data: &'a str,
    doc: &'a str,
    val: &'a str,
    tok: &'a str,
    out: &'a str,
) -> Vec<&'a str> {
    vec![
        "pretrain",
        "--config",
        cfg,
        "--data",
        data,
        "--data",
        doc,
        "--val",
        val,
        "--tokenizer",
        tok,
        "--out",
        out,
    ]
}

fn steps_done(metrics: &Path) -> usize {
    std::fs::read_to_string(metrics)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains("\"loss\""))
        .count()
}

#[test]
fn pretrain_learns_resumes_bit_identically_and_exports_for_llama_cpp() {
    let d = TempDir::new("pretrain-cli");
    let (data, val, tok, cfg) = setup(&d);
    let doc = d.arg("notes.txt");
    let full = d.arg("full");
    let mut a = args(&cfg, &data, &doc, &val, &tok, &full);
    a.push("--json");
    let o = ok(&agentcoder(&a));
    let s: serde_json::Value = serde_json::from_str(&o).unwrap();
    eprintln!("{s:#}");
    assert_eq!(s["steps"], 8);
    assert!(
        s["last_loss"].as_f64().unwrap() < s["first_loss"].as_f64().unwrap() - 0.3,
        "{s}"
    );
    assert!(
        s["val_loss"].as_f64().unwrap() < s["initial_val_loss"].as_f64().unwrap(),
        "{s}"
    );
    let full_dir = Path::new(&full);
    for f in [
        "run.json",
        "metrics.jsonl",
        "loss.svg",
        "samples.jsonl",
        "init.gguf",
        "tokenizer.json",
        "latest/state.ckpt",
        "best/model.gguf",
    ] {
        assert!(full_dir.join(f).exists(), "{f} missing");
    }
    let samples = std::fs::read_to_string(full_dir.join("samples.jsonl")).unwrap();
    assert_eq!(samples.lines().count(), 2, "{samples}");

    // Killed after a few steps and resumed: the same model, byte for byte.
    let cut = d.arg("cut");
    let mut child = command()
        .args(args(&cfg, &data, &doc, &val, &tok, &cut))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let metrics = Path::new(&cut).join("metrics.jsonl");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while steps_done(&metrics) < 4 {
        assert!(
            std::time::Instant::now() < deadline,
            "pretraining made no progress"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(
        steps_done(&metrics) < 8,
        "the run finished before it was killed"
    );
    let mut resume = args(&cfg, &data, &doc, &val, &tok, &cut);
    resume.push("--resume");
    ok(&agentcoder(&resume));
    let model = |dir: &str| std::fs::read(Path::new(dir).join("model.gguf")).unwrap();
    assert!(
        model(&cut) == model(&full),
        "the resumed run ended with a different model"
    );
    let losses = |dir: &str| -> Vec<String> {
        std::fs::read_to_string(Path::new(dir).join("metrics.jsonl"))
            .unwrap()
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                format!("{} {} {}", v["step"], v["loss"], v["val_loss"])
            })
            .collect()
    };
    assert_eq!(losses(&cut), losses(&full));

    // llama.cpp runs the F32 model with our logits, and the Q8_0 copy.
    let path = full_dir.join("model.gguf");
    let file = gguf::GgufFile::open(&path).unwrap();
    let ours_model = runtime::model::FullModel::from_gguf(&file).unwrap();
    let graph = runtime::model::Graph::new(ours_model.weights().unwrap());
    let mut engine =
        runtime::infer::Engine::load(&path, runtime::infer::EngineOptions::default()).unwrap();
    let ids = engine.tokenize(
        &runtime::train::pretrain::agent_prompt("What is 2 to the power of 10?"),
        false,
    );
    assert!(ids.len() > 20, "{ids:?}");
    let theirs = engine.logits_all(&ids, None).unwrap();
    let ours = graph.forward_logits(&ids, None).unwrap();
    let worst = ours
        .iter()
        .zip(&theirs)
        .map(|(a, b)| (a - b).abs())
        .fold(0f32, f32::max);
    eprintln!(
        "max |logit difference| over {} positions: {worst:.2e}",
        ids.len()
    );
    assert!(worst < 1e-3, "llama.cpp and our logits differ by {worst}");
    let q8 = full_dir.join("model-q8_0.gguf");
    let o = ok(&agentcoder(&[
        "generate",
        "--model",
        q8.to_str().unwrap(),
        "--max-tokens",
        "8",
        "--ctx",
        "256",
        "--json",
        "--prompt",
        "def f",
    ]));
    let g: serde_json::Value = serde_json::from_str(&o).unwrap();
    assert!(g["generated_tokens"].as_u64().unwrap() > 0, "{g}");
    let o = ok(&agentcoder(&["inspect", q8.to_str().unwrap()]));
    assert!(o.contains("llama") && o.contains("Q8_0"), "{o}");

    // --init continues the model (its tokenizer inside) on the agent data.
    // Its config names no shape: the model's own is used.
    let tuned = d.arg("tuned");
    let tune_cfg = d.arg("tune.toml");
    std::fs::write(
        &tune_cfg,
        "seq = 128\nlr = 1e-3\nthreads = 1\nsample_every = 0\n",
    )
    .unwrap();
    let o = ok(&agentcoder(&[
        "pretrain",
        "--config",
        &tune_cfg,
        "--init",
        path.to_str().unwrap(),
        "--data",
        &data,
        "--mask-prompt",
        "--steps",
        "3",
        "--out",
        &tuned,
        "--json",
    ]));
    let t: serde_json::Value = serde_json::from_str(&o).unwrap();
    assert_eq!(t["steps"], 3, "{t}");
    assert!(Path::new(&tuned).join("model.gguf").exists());
}

#[test]
fn pretrain_refuses_bad_settings_and_data() {
    let d = TempDir::new("pretrain-bad");
    let (data, val, tok, cfg) = setup(&d);
    let out = d.arg("out");
    let run = |extra: &[&str]| {
        let mut a = vec!["pretrain", "--config", cfg.as_str(), "--out", out.as_str()];
        a.extend(extra);
        let o = agentcoder(&a);
        assert_eq!(o.status.code(), Some(2), "{extra:?} was accepted");
        String::from_utf8_lossy(&o.stderr).into_owned()
    };
    let e = run(&["--data", &data]);
    assert!(e.contains("--tokenizer"), "{e}");
    let e = run(&["--data", &data, "--tokenizer", &tok, "--init", &tok]);
    assert!(e.contains("exclude"), "{e}");
    let bad = d.arg("bad.jsonl");
    let line = std::fs::read_to_string(&val)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string();
    std::fs::write(&bad, format!("{line}\n{{\"messages\": 3}}\n")).unwrap();
    let e = run(&["--data", &bad, "--tokenizer", &tok]);
    assert!(e.contains("bad.jsonl:2"), "{e}");
    let e = run(&["--data", &data, "--tokenizer", &data]);
    assert!(e.contains("agent.jsonl") && e.contains("JSON"), "{e}");
    let shape = d.arg("shape.toml");
    std::fs::write(&shape, CONFIG.replace("n_embd = 64", "n_embd = 72")).unwrap();
    let o = agentcoder(&[
        "pretrain",
        "--config",
        &shape,
        "--data",
        &data,
        "--tokenizer",
        &tok,
        "--out",
        &d.arg("o2"),
    ]);
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("n_embd 72"), "{e}");
    let o = agentcoder(&[
        "tokenizer",
        "train",
        "--vocab",
        "50",
        "--out",
        &d.arg("t.json"),
        &data,
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--vocab 50"));
    // A quantized model cannot be trained in full.
    let e = run(&["--data", &data, "--init", &crate::util::model()]);
    assert!(e.contains("all-F32"), "{e}");
}
