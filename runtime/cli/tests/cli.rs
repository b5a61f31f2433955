//! The `agentcoder` binary as a user runs it: real model, real output.

use crate::util::{agentcoder, agentcoder_stdin, command, model, TempDir};
use std::process::Output;

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn inspect_reports_smollm2_hyperparameters() {
    let o = agentcoder(&["inspect", &model(), "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["architecture"], "llama");
    let c = &v["config"];
    assert_eq!(
        (c["n_layer"].as_u64(), c["n_embd"].as_u64()),
        (Some(30), Some(576))
    );
    assert_eq!(
        (c["n_head"].as_u64(), c["n_head_kv"].as_u64()),
        (Some(9), Some(3))
    );
    assert_eq!(c["n_vocab"].as_u64(), Some(49152));
    assert_eq!(c["tied_embeddings"], true);
    assert_eq!(v["n_tensors"].as_u64(), Some(272));
    assert_eq!(v["tensor_types"]["Q4_1"]["tensors"].as_u64(), Some(210));
    assert!(v["chat_template"].as_str().unwrap().contains("im_start"));
    let inf = v["inference_memory"]["total_bytes"].as_u64().unwrap();
    let file = v["file_size"].as_u64().unwrap();
    assert!(
        inf > file && inf < 4 * file,
        "inference estimate {inf} vs file {file}"
    );

    let text = stdout(&agentcoder(&["inspect", &model()]));
    for needle in [
        "architecture  llama",
        "layers        30",
        "embedding     576",
        "9 (kv 3",
        "vocab         49152",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
}

#[test]
fn generate_is_deterministic_for_a_seed() {
    let m = model();
    let args = [
        "generate",
        "--model",
        &m,
        "--chat",
        "--prompt",
        "Name three colors.",
        "--max-tokens",
        "24",
        "--temperature",
        "0.8",
        "--seed",
        "7",
        "--json",
    ];
    let a = agentcoder(&args);
    assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
    let b = agentcoder(&args);
    let va: serde_json::Value = serde_json::from_slice(&a.stdout).unwrap();
    let vb: serde_json::Value = serde_json::from_slice(&b.stdout).unwrap();
    let text = va["text"].as_str().unwrap();
    assert!(!text.trim().is_empty());
    assert_eq!(text, vb["text"].as_str().unwrap());
    assert!(va["decode_tok_s"].as_f64().unwrap() > 0.0);
    assert!(va["generated_tokens"].as_u64().unwrap() <= 24);

    // A different seed gives a different sample (at temperature 0.8 over 24 tokens).
    let mut other = args.to_vec();
    other[11] = "8";
    let c: serde_json::Value = serde_json::from_slice(&agentcoder(&other).stdout).unwrap();
    assert_ne!(text, c["text"].as_str().unwrap());
}

#[test]
fn stop_strings_end_generation() {
    let m = model();
    let o = agentcoder(&[
        "generate",
        "--model",
        &m,
        "--prompt",
        "1, 2, 3, 4, 5,",
        "--max-tokens",
        "40",
        "--stop",
        "8",
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["stop_reason"]["stop_string"], "8", "{v}");
    assert!(!v["text"].as_str().unwrap().contains('8'));
}

#[test]
fn bad_paths_and_files_give_one_line_and_exit_2() {
    let tmp = TempDir::new("cli");
    let dir = tmp.dir();
    let not_gguf = dir.join("notes.txt");
    std::fs::write(&not_gguf, "hello, not a model").unwrap();
    let nf = not_gguf.display().to_string();
    for args in [
        vec!["inspect", "/no/such/model.gguf"],
        vec!["inspect", nf.as_str()],
        vec![
            "generate",
            "--model",
            "/no/such/model.gguf",
            "--prompt",
            "hi",
        ],
        vec!["generate", "--model", nf.as_str(), "--prompt", "hi"],
    ] {
        let o = agentcoder(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("error: "), "{err}");
    }
    let err = String::from_utf8_lossy(&agentcoder(&["inspect", &nf]).stderr).into_owned();
    assert!(
        err.contains("notes.txt") && err.contains("not a GGUF file"),
        "{err}"
    );
}

#[test]
fn linked_llama_cpp_uses_the_chosen_simd_level() {
    let o = agentcoder(&["info", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let sys = v["llama_system_info"].as_str().unwrap();
    if v["target_cpu"] == "x86-64-v3" {
        // x86-64-v3: AVX2, FMA, F16C, BMI2 — and no AVX-512 even on hosts that have it.
        for f in ["AVX2 = 1", "FMA = 1", "F16C = 1", "BMI2 = 1"] {
            assert!(sys.contains(f), "{f} missing from {sys}");
        }
        assert!(!sys.contains("AVX512 = 1"), "{sys}");
    }
}

#[test]
fn agent_loop_runs_on_smollm2_and_writes_a_trajectory() {
    let tmp = TempDir::new("agent");
    let dir = tmp.dir();
    let traj = dir.join("t.jsonl");
    let m = model();
    let o = agentcoder(&[
        "agent",
        "--model",
        &m,
        "--format",
        "exec",
        "--max-turns",
        "2",
        "--max-tokens",
        "48",
        "--trajectory",
        traj.to_str().unwrap(),
        "--json",
        "What is 12345 * 67890? Use Python.",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let t = &v[0]["trajectory"];
    let turns = t["turns"].as_array().unwrap();
    assert!(!turns.is_empty() && turns.len() <= 2);
    for turn in turns {
        assert!(turn["generated_tokens"].as_u64().unwrap() > 0);
        assert!(turn["prompt_tokens"].as_u64().unwrap() > 0);
        assert!(turn["raw"].is_string());
    }
    match t["end"].as_str().unwrap() {
        "answered" => assert!(t["final_answer"].is_string()),
        "max_turns" => assert_eq!(turns.len(), 2),
        other => panic!("end {other}"),
    }
    let line = std::fs::read_to_string(&traj).unwrap();
    let again: serde_json::Value = serde_json::from_str(line.trim()).unwrap();
    assert_eq!(again["question"], "What is 12345 * 67890? Use Python.");
}

#[test]
fn eval_bfcl_writes_results_report_and_chart() {
    let tmp = TempDir::new("eval");
    let dir = tmp.path("out");
    let out = dir.to_str().unwrap();
    let m = model();
    let o = agentcoder(&[
        "eval",
        "--model",
        &m,
        "--suite",
        "bfcl:simple_python,irrelevance",
        "--modes",
        "prompt",
        "--limit",
        "2",
        "--max-tokens",
        "48",
        "--out",
        out,
        "--json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let printed: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(printed["summary"].as_array().unwrap().len(), 2);
    let speed = &printed["throughput"][0];
    assert_eq!(
        (speed["items"].as_u64(), speed["batch"].as_u64()),
        (Some(4), Some(4))
    );
    assert!(speed["items_per_s"].as_f64().unwrap() > 0.0, "{speed}");
    let results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("results.json")).unwrap()).unwrap();
    let items = results["items"].as_array().unwrap();
    assert_eq!(items.len(), 4);
    for i in items {
        assert!(
            i["raw"].is_string()
                && i["valid"].is_boolean()
                && i["latency_ms"].as_f64().unwrap() > 0.0
        );
        // Every invalid verdict carries the checker's error type.
        assert!(i["valid"] == true || i["error_type"].is_string());
    }
    for f in ["report.md", "accuracy.svg", "report.html"] {
        assert!(dir.join(f).exists(), "{f}");
    }
    let show = agentcoder(&["eval", "show", "--out", out, "--failures"]);
    let shown = String::from_utf8_lossy(&show.stdout);
    assert!(shown.contains("| simple_python |"));
    assert!(shown.contains("items/s (batch 4)"), "{shown}");
}

/// A BFCL entry that cannot be read is one failed item of the run, with
/// its file:line in results.json and counted in the summary.
#[test]
fn eval_bfcl_counts_an_unreadable_entry_as_a_failed_item() {
    let tmp = TempDir::new("evalbad");
    let cache = tmp.dir();
    std::fs::create_dir_all(cache.join("bfcl")).unwrap();
    let good = r#"{"id": "irrelevance_0", "question": [[{"role": "user", "content": "What is the capital of France?"}]], "function": [{"name": "get_weather", "description": "Weather of a city", "parameters": {"type": "dict", "properties": {"city": {"type": "string"}}, "required": ["city"]}}]}"#;
    let bad = r#"{"id": "irrelevance_1", "question": "not a list"}"#;
    std::fs::write(
        cache.join("bfcl/BFCL_v4_irrelevance.json"),
        format!("{good}\n{bad}\n"),
    )
    .unwrap();
    let out = tmp.path("out");
    let o = command()
        .env("AGENTCODER_CACHE", cache)
        .args(["eval", "--model", &model(), "--suite", "bfcl:irrelevance"])
        .args(["--modes", "fc", "--max-tokens", "16", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    let items = results["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    let bad_item = items.iter().find(|i| i["id"] == "irrelevance_1").unwrap();
    assert_eq!(bad_item["valid"], false);
    assert_eq!(bad_item["error_type"], "data:unreadable_entry");
    let why = bad_item["errors"][0].as_str().unwrap();
    assert!(why.contains("BFCL_v4_irrelevance.json:2:"), "{why}");
    assert_eq!(results["summary"][0]["n"], 2);
}

#[test]
fn eval_fc_scores_synthesized_items() {
    let tmp = TempDir::new("evalfc");
    let dir = tmp.dir();
    let data = dir.join("fc.jsonl");
    let o = agentcoder(&[
        "data",
        "synth",
        "--kind",
        "function-calling",
        "--format",
        "xlam",
        "--n",
        "3",
        "--seed",
        "4",
        "--out",
        data.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = dir.join("run");
    let o = agentcoder(&[
        "eval",
        "--model",
        &model(),
        "--suite",
        "fc",
        "--data",
        data.to_str().unwrap(),
        "--max-tokens",
        "48",
        "--out",
        out.to_str().unwrap(),
        "--json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    assert_eq!(results["items"].as_array().unwrap().len(), 3);
    let sc = &results["fc_scores"][0];
    for k in [
        "exact_match",
        "function_selection",
        "parameter_accuracy",
        "multi_call_accuracy",
    ] {
        let v = sc[k].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&v), "{k} {v}");
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn exec_reads_the_code_from_stdin_given_a_lone_dash() {
    // As `exec --help` documents it; argh used to reject it
    // ("Unrecognized argument: -").
    let o = agentcoder_stdin(&["exec", "-"], "print(6 * 7)\n");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "42\n");
    let o = agentcoder_stdin(&["exec", "--json", "-", "--fuel", "100000000"], "print(1)");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["stdout"], "1\n");
    // The old spelling still works.
    let o = agentcoder_stdin(&["exec", "--", "-"], "print(2)");
    assert_eq!(stdout(&o), "2\n");
}

#[test]
fn exec_stopped_by_a_limit_exits_1_and_says_which() {
    let flood = r#"while True: print("x" * 1000)"#;
    let o = agentcoder(&["exec", flood]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).ends_with(sandbox::TRUNCATION_MARKER));
    let err = stderr(&o);
    assert!(err.contains("output limit"), "{err}");
    for (args, limit) in [
        (vec!["exec", flood, "--json"], "output"),
        (
            vec!["exec", "while True: pass", "--fuel", "1000000", "--json"],
            "fuel",
        ),
        (
            vec!["exec", "x = 'a' * (1 << 40)", "--memory-mb", "32", "--json"],
            "memory",
        ),
    ] {
        let o = agentcoder(&args);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["stopped_by"], limit, "{args:?}: {v}");
    }
    let o = agentcoder(&["exec", "print(1)", "--json"]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["stopped_by"].is_null(), "{v}");
}

#[test]
fn exec_memory_beyond_the_guest_is_a_usage_error() {
    // 99999999999 MiB used to be shifted into bytes unchecked.
    for mb in ["99999999999", "17592186044416", "4097"] {
        let o = agentcoder(&["exec", "print(1)", "--memory-mb", mb]);
        assert_eq!(o.status.code(), Some(2), "{mb}");
        let err = stderr(&o);
        assert!(
            err.starts_with("error: --memory-mb") && err.trim().lines().count() == 1,
            "{err}"
        );
    }
}

/// Failing to write the results (here: a full disk) is a failure while
/// running (exit 1), not bad input (exit 2), and not a panic.
#[test]
fn a_full_disk_while_running_exits_1() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        return; // not Linux
    };
    let o = command()
        .args(["exec", "print(1)", "--json"])
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.starts_with("error: stdout:"), "{err}");
    // A trajectory file on the full disk: the same.
    let m = model();
    let o = agentcoder(&[
        "agent",
        "--model",
        &m,
        "--max-turns",
        "1",
        "--max-tokens",
        "4",
        "--trajectory",
        "/dev/full",
        "--json",
        "Hi",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).starts_with("error: /dev/full:"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn eval_rejects_an_adapter_given_twice() {
    let o = agentcoder(&[
        "eval",
        "--lora",
        "runs/sft/adapter.gguf",
        "--lora",
        "runs/sft/adapter.gguf",
        "--suite",
        "code",
        "--out",
        "/nonexistent/out",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("given twice"), "{err}");
}

#[test]
fn eval_rejects_a_batch_of_zero() {
    let o = agentcoder(&["eval", "--batch", "0", "--out", "/nonexistent/out"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("--batch 0: choose 1 to 64"), "{err}");
}
