//! `agentcoder data ...` as a user runs it: synth -> split -> stats, and
//! the xLAM import with bad records.

use std::path::Path;

use crate::util::{agentcoder, model, ok, TempDir};

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn synth_split_stats_pipeline() {
    let tmp = TempDir::new("data-pipeline");
    let d = tmp.dir();
    let (a, b) = (d.join("a.jsonl"), d.join("b.jsonl"));
    for out in [&a, &b] {
        ok(&agentcoder(&[
            "data",
            "synth",
            "--kind",
            "code",
            "--n",
            "300",
            "--seed",
            "3",
            "--out",
            s(out),
        ]));
    }
    let text = std::fs::read(&a).unwrap();
    assert_eq!(text, std::fs::read(&b).unwrap(), "same seed, same bytes");
    assert_eq!(text.iter().filter(|&&c| c == b'\n').count(), 300);

    // Append 5 byte-identical copies: split keeps each line once.
    let text = String::from_utf8(text).unwrap();
    let with_copies = d.join("with-copies.jsonl");
    let copies: String = text.lines().take(5).map(|l| format!("{l}\n")).collect();
    std::fs::write(&with_copies, format!("{text}{copies}")).unwrap();
    let split_dir = d.join("split");
    let report = ok(&agentcoder(&[
        "data",
        "split",
        s(&with_copies),
        "--out-dir",
        s(&split_dir),
        "--json",
    ]));
    let report: serde_json::Value = serde_json::from_str(&report).unwrap();
    assert_eq!(report["duplicates"], 5, "{report}");
    // The synth can ask a question twice with different solutions (this
    // seed: a vowel count of a fixed sentence); each question sits in a
    // single part.
    assert!(
        report["repeated_questions"].as_u64().unwrap() > 0,
        "{report}"
    );
    let question = |line: &str| {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let user = &v["messages"][0];
        assert_eq!(user["role"], "user");
        let q = user["content"].as_str().unwrap().to_lowercase();
        q.split_whitespace().collect::<Vec<_>>().join(" ")
    };
    let mut part_of = std::collections::HashMap::new();
    let mut total = 0;
    for part in ["train", "val", "test"] {
        let text = std::fs::read_to_string(split_dir.join(format!("{part}.jsonl"))).unwrap();
        for line in text.lines() {
            total += 1;
            let prev = part_of.insert(question(line), part);
            assert!(
                prev.is_none() || prev == Some(part),
                "{:?} in {prev:?} and {part}",
                question(line)
            );
        }
    }
    assert_eq!(total, 300);
    let counted: u64 = report["per_category"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|v| v.as_array().unwrap().iter().map(|x| x.as_u64().unwrap()))
        .sum();
    assert_eq!(counted, 300);

    let st = ok(&agentcoder(&["data", "stats", s(&a), "--json"]));
    let st: serde_json::Value = serde_json::from_str(&st).unwrap();
    assert_eq!(st["records"], 300);
    if host::default_model().exists() {
        let t = &st["tokens"];
        assert!(
            t["p50"].as_u64() <= t["p90"].as_u64() && t["p90"].as_u64() <= t["max"].as_u64(),
            "{t}"
        );
    }

    let fc = d.join("fc.jsonl");
    let out = ok(&agentcoder(&[
        "data",
        "synth",
        "--kind",
        "function-calling",
        "--format",
        "xlam",
        "--n",
        "50",
        "--out",
        s(&fc),
    ]));
    assert!(out.contains("wrote 50 samples"), "{out}");
    // Our own xLAM output imports cleanly.
    let chat = d.join("fc-chat.jsonl");
    let out = ok(&agentcoder(&[
        "data",
        "import",
        "--format",
        "xlam",
        s(&fc),
        "--out",
        s(&chat),
    ]));
    assert!(out.contains("imported 50 of 50"), "{out}");
}

#[test]
fn import_reports_bad_records() {
    let tmp = TempDir::new("data-import");
    let d = tmp.dir();
    let file = d.join("x.json");
    let good = serde_json::json!({
        "id": 0, "query": "Square root of 16?",
        "tools": "[{\"name\": \"sqrt\", \"description\": \"Square root\", \"parameters\": {\"x\": {\"description\": \"n\", \"type\": \"float\"}, \"digits\": {\"description\": \"d\", \"type\": \"int, optional\", \"default\": \"2\"}}}]",
        "answers": "[{\"name\": \"sqrt\", \"arguments\": {\"x\": 16}}]"
    });
    let mut bad = good.clone();
    bad["answers"] = "[{\"name\": \"cbrt\", \"arguments\": {}}]".into();
    std::fs::write(&file, serde_json::json!([good, bad]).to_string()).unwrap();
    let out = d.join("out.jsonl");
    let import = |extra: &[&str]| {
        let mut args = vec![
            "data",
            "import",
            "--format",
            "xlam",
            s(&file),
            "--out",
            s(&out),
        ];
        args.extend(extra);
        agentcoder(&args)
    };
    let o = import(&[]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("record 1: answers[0] calls 'cbrt'"), "{err}");
    assert!(!out.exists());
    let msg = ok(&import(&["--skip-bad"]));
    assert!(msg.contains("imported 1 of 2"), "{msg}");
    let line = std::fs::read_to_string(&out).unwrap();
    let conv = dataset::prompt::parse_line(line.trim()).unwrap();
    assert_eq!(
        conv.messages[1].content,
        "<tool_call>\n{\"name\": \"sqrt\", \"arguments\": {\"x\": 16}}\n</tool_call>"
    );
}

#[test]
fn bfcl_import_counts_match_the_files() {
    let tmp = TempDir::new("bfcl-import");
    let out = tmp.path("bfcl.jsonl");
    let o = agentcoder(&[
        "data",
        "import",
        "--format",
        "bfcl",
        "all",
        "--out",
        out.to_str().unwrap(),
        "--json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let counts: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let expected = [
        ("simple_python", 400),
        ("simple_java", 100),
        ("simple_javascript", 50),
        ("multiple", 200),
        ("parallel", 200),
        ("parallel_multiple", 200),
        ("irrelevance", 240),
        ("live_simple", 258),
        ("live_multiple", 1053),
        ("live_parallel", 16),
        ("live_parallel_multiple", 24),
        ("live_irrelevance", 884),
        ("live_relevance", 16),
    ];
    for (c, n) in expected {
        assert_eq!(counts[c], n, "{c}");
    }
    let text = std::fs::read_to_string(&out).unwrap();
    assert_eq!(text.lines().count(), 3641);
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(v["messages"].as_array().is_some_and(|m| !m.is_empty()) && v["tools"].is_array());
        let category = v["category"].as_str().unwrap();
        assert_eq!(
            v["ground_truth"].is_array(),
            !category.contains("relevance")
        );
    }
    let _ = std::fs::remove_file(out);
}

/// BFCL is the exam, never the textbook: what `make train-agent` trains on
/// (`scripts/agent-data.sh`, run here as the Makefile runs it) holds no BFCL
/// question and no BFCL function description, and the function library
/// shares no description with BFCL.
#[test]
fn the_recipe_data_holds_nothing_from_bfcl() {
    let tmp = TempDir::new("agent-data");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/agent-data.sh");
    let o = std::process::Command::new(&script)
        .args([env!("CARGO_BIN_EXE_agentcoder"), s(tmp.dir())])
        .env("CODE_N", "300")
        .output()
        .unwrap();
    ok(&o);
    let train = std::fs::read_to_string(tmp.path("train.jsonl")).unwrap();
    let norm = |t: &str| {
        t.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    let mut user_texts = std::collections::HashSet::new();
    let mut descriptions = std::collections::HashSet::new();
    let mut lines = 0;
    for line in train.lines() {
        lines += 1;
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        for m in v["messages"].as_array().unwrap() {
            if m["role"] == "user" {
                user_texts.insert(norm(m["content"].as_str().unwrap()));
            }
        }
        for t in v["tools"].as_array().into_iter().flatten() {
            let d = t["description"].as_str().unwrap_or("");
            let d = d.split(" Note that the provided function").next().unwrap();
            descriptions.insert(norm(d));
        }
    }
    assert!(lines > 1500, "{lines} training lines");
    let all_user = user_texts.iter().cloned().collect::<Vec<_>>().join("\n");
    let (mut questions, mut functions) = (0, 0);
    for c in bfcl::data::Category::ALL {
        let data = bfcl::data::read_category(&host::bfcl_dir(), c).unwrap();
        for e in &data.entries {
            for turn in &e.question {
                for m in turn.iter().filter(|m| m.role == "user") {
                    let q = norm(&m.content);
                    questions += 1;
                    assert!(!user_texts.contains(&q), "BFCL question in train: {q}");
                    if q.len() >= 40 {
                        assert!(
                            !all_user.contains(&q),
                            "BFCL question inside a train turn: {q}"
                        );
                    }
                }
            }
            for f in &e.functions {
                functions += 1;
                let d = norm(f["description"].as_str().unwrap_or(""));
                assert!(
                    d.len() < 20 || !descriptions.contains(&d),
                    "BFCL function description in train: {d}"
                );
            }
        }
    }
    assert!(
        questions >= 1240 && functions >= 1240,
        "{questions} {functions}"
    );
}

/// `data pairs` on code and function-calling lines with the base model:
/// the counts add up, every pair's prompt is its source line's, its
/// rejected answer is a sample judged wrong and its chosen one a sample
/// judged right or the line's own answer; the sandbox's tool results in the
/// sampled runs are what CPython prints; the file trains with
/// `train --method dpo`. A line without a user turn is skipped by name.
#[test]
fn pairs_from_sampled_answers_train_with_dpo() {
    let tmp = TempDir::new("pairs");
    let d = tmp.dir();
    let mut lines = String::new();
    for kind in ["code", "function-calling"] {
        let out = d.join(format!("{kind}.jsonl"));
        ok(&agentcoder(&[
            "data",
            "synth",
            "--kind",
            kind,
            "--n",
            "4",
            "--seed",
            "5",
            "--out",
            s(&out),
        ]));
        lines += &std::fs::read_to_string(&out).unwrap();
    }
    lines += "{\"messages\":[{\"role\":\"system\",\"content\":\"s\"},{\"role\":\"assistant\",\"content\":\"a\"}]}\n";
    let data = d.join("data.jsonl");
    std::fs::write(&data, &lines).unwrap();
    let source: Vec<serde_json::Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let pairs = d.join("pairs.jsonl");
    let o = agentcoder(&[
        "data",
        "pairs",
        "--model",
        &model(),
        "--data",
        s(&data),
        "--out",
        s(&pairs),
        "--k",
        "3",
        "--max-tokens",
        "96",
        "--max-turns",
        "3",
        "--json",
    ]);
    ok(&o);
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["prompts"], 8, "{report}");
    assert_eq!(report["samples"], 24, "{report}");
    assert_eq!(report["skipped"][0][0], 9, "{report}");
    assert!(report["skipped"][0][1].as_str().unwrap().contains("user"));
    let written: Vec<serde_json::Value> = std::fs::read_to_string(&pairs)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let n = |k: &str| report[k].as_u64().unwrap() as usize;
    assert_eq!(written.len(), n("pairs"));
    assert_eq!(n("pairs") + n("all_correct"), 8, "{report}");
    assert!(n("pairs") > 0, "{report}");
    let mut from_reference = 0;
    for p in &written {
        let src = &source[p["line"].as_u64().unwrap() as usize - 1];
        let prompt = p["messages"].as_array().unwrap();
        let src_msgs = src["messages"].as_array().unwrap();
        assert_eq!(
            prompt.last().unwrap()["content"],
            src_msgs[prompt.len() - 1]["content"],
            "the prompt ends with the line's question: {p}"
        );
        let samples = p["samples"].as_array().unwrap();
        assert_eq!(samples.len(), 3);
        assert!(samples
            .iter()
            .any(|s| !s["correct"].as_bool().unwrap() && s["turns"] == p["rejected"]));
        if p["chosen_from"] == "reference" {
            from_reference += 1;
            assert!(samples.iter().all(|s| !s["correct"].as_bool().unwrap()));
            let reference = &src_msgs[prompt.len()..];
            assert_eq!(p["chosen"][0]["content"], reference[0]["content"], "{p}");
        } else {
            assert!(samples
                .iter()
                .any(|s| s["correct"].as_bool().unwrap() && s["turns"] == p["chosen"]));
        }
        // Every python result in a sampled run against CPython.
        for s in samples {
            let turns = s["turns"].as_array().unwrap();
            for w in turns.windows(2) {
                let (call, result) = (&w[0], &w[1]);
                let text = call["content"].as_str().unwrap();
                let Some(code) = single_python_call(text) else {
                    continue;
                };
                if result["content"].as_str().unwrap().starts_with("Error") {
                    continue;
                }
                let py = std::process::Command::new("python3")
                    .args(["-c", &code])
                    .output()
                    .unwrap();
                assert_eq!(
                    String::from_utf8_lossy(&py.stdout),
                    result["content"].as_str().unwrap(),
                    "{code}"
                );
            }
        }
    }
    assert_eq!(from_reference, n("chosen_from_reference"));

    let run = d.join("dpo");
    ok(&agentcoder(&[
        "train",
        "--method",
        "dpo",
        "--model",
        &model(),
        "--data",
        s(&pairs),
        "--out",
        s(&run),
        "--steps",
        "1",
        "--rank",
        "4",
        "--batch-tokens",
        "2048",
        "--max-seq",
        "2048",
    ]));
    assert!(run.join("adapter.gguf").exists());

    for bad in [["--k", "0"], ["--temperature", "0"]] {
        let o = agentcoder(
            &[
                &["data", "pairs", "--data", s(&data), "--out", s(&pairs)][..],
                &bad[..],
            ]
            .concat(),
        );
        assert_eq!(o.status.code(), Some(2), "{bad:?}");
    }
}

/// The code of a reply that is exactly one hermes `python` call.
fn single_python_call(text: &str) -> Option<String> {
    let inner = text
        .trim()
        .strip_prefix("<tool_call>")?
        .strip_suffix("</tool_call>")?;
    let v: serde_json::Value = serde_json::from_str(inner.trim()).ok()?;
    (v["name"] == "python").then(|| v["arguments"]["code"].as_str().map(str::to_string))?
}
