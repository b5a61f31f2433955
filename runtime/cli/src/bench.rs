use std::path::PathBuf;
use std::process::Command;

use argh::FromArgs;
use kernels::qmatmul::Compute;

use super::{model_path, print_json, CliError};

/// Measure inference (prefill/decode tok/s via llama.cpp), LoRA training
/// (tok/s, per-kernel step breakdown), sandbox call latency, the agent
/// loop's overhead and the server under concurrent clients on loopback
/// (`serve`: latency p50/p99, errors, overhead per request, decode tok/s
/// against `generate`), each with peak RSS. `all` runs each in its own
/// process so peak RSS is per part.
#[derive(FromArgs)]
#[argh(subcommand, name = "bench")]
pub struct BenchArgs {
    /// infer, train, sandbox, agent, serve or all
    #[argh(positional)]
    what: String,
    /// the GGUF model (default: the model fetched by `make model`)
    #[argh(option)]
    model: Option<PathBuf>,
    /// threads (default: $AGENTCODER_THREADS, else all cores)
    #[argh(option)]
    threads: Option<usize>,
    /// training sequence length / inference prompt length (default 256)
    #[argh(option, default = "256")]
    seq: usize,
    /// rank of the LoRA adapter in the training bench (default 16)
    #[argh(option, default = "16")]
    rank: usize,
    /// measured training steps (default 3)
    #[argh(option, default = "3")]
    steps: usize,
    /// training matmuls through the frozen weights: int8 or f32 (default
    /// int8, as in training)
    #[argh(option, default = "Compute::Int8")]
    compute: Compute,
    /// layers whose activations the training bench keeps instead of
    /// recomputing: a number, `all`, or `auto` (default: as many as fit
    /// in 3/4 of the available memory)
    #[argh(option, default = "String::from(\"auto\")")]
    keep_layers: String,
    /// serve bench: concurrent clients (default 32)
    #[argh(option, default = "32")]
    clients: usize,
    /// serve bench: requests per client (default 20)
    #[argh(option, default = "20")]
    requests: usize,
    /// serve bench: max_tokens of each request (default 16)
    #[argh(option, default = "16")]
    max_tokens: usize,
    /// also write the JSON to this file
    #[argh(option)]
    out: Option<PathBuf>,
    /// print ratios against an earlier result JSON
    #[argh(option)]
    compare: Option<PathBuf>,
    /// print JSON only
    #[argh(switch)]
    json: bool,
}

pub fn run(a: BenchArgs) -> Result<(), CliError> {
    let path = model_path(a.model.clone())?;
    let threads = a
        .threads
        .unwrap_or_else(|| runtime::infer::default_threads() as usize);
    let result = match a.what.as_str() {
        "infer" => serde_json::to_value(runtime::bench::infer(&path, a.seq, 128, threads as i32)?),
        "train" => {
            let kept_layers = match a.keep_layers.as_str() {
                "auto" => None,
                "all" => Some(usize::MAX),
                n => Some(n.parse().map_err(|_| {
                    CliError::usage(format!("--keep-layers {n}: a number, all or auto"))
                })?),
            };
            let opts = runtime::bench::TrainBenchOptions {
                seq: a.seq,
                rank: a.rank,
                steps: a.steps,
                threads,
                compute: a.compute,
                kept_layers,
                budget: runtime::memory::default_keep_budget(host::available_bytes()),
            };
            serde_json::to_value(runtime::bench::train(&path, &opts)?)
        }
        "sandbox" => serde_json::to_value(runtime::bench::sandbox(300)?),
        "agent" => serde_json::to_value(runtime::bench::agent(&path, threads as i32, 3)?),
        "serve" => serde_json::to_value(runtime::bench::serve::run(
            &path,
            threads as i32,
            a.clients,
            a.requests,
            a.max_tokens,
        )?),
        "all" => {
            let mut parts = serde_json::Map::new();
            for part in ["infer", "train", "sandbox", "agent", "serve"] {
                let exe = std::env::current_exe().map_err(|e| CliError::failure(e.to_string()))?;
                let o = Command::new(exe)
                    .args(["bench", part, "--json", "--model"])
                    .arg(&path)
                    .args([
                        "--threads",
                        &threads.to_string(),
                        "--seq",
                        &a.seq.to_string(),
                        "--rank",
                        &a.rank.to_string(),
                        "--steps",
                        &a.steps.to_string(),
                        "--compute",
                        a.compute.name(),
                        "--keep-layers",
                        &a.keep_layers,
                        "--clients",
                        &a.clients.to_string(),
                        "--requests",
                        &a.requests.to_string(),
                        "--max-tokens",
                        &a.max_tokens.to_string(),
                    ])
                    .output()
                    .map_err(|e| CliError::failure(e.to_string()))?;
                if !o.status.success() {
                    return Err(CliError::failure(format!(
                        "bench {part} failed: {}",
                        String::from_utf8_lossy(&o.stderr).trim()
                    )));
                }
                let v: serde_json::Value = serde_json::from_slice(&o.stdout)
                    .map_err(|e| CliError::failure(e.to_string()))?;
                parts.insert(part.to_string(), v["result"].clone());
            }
            Ok(serde_json::Value::Object(parts))
        }
        other => {
            return Err(CliError::usage(format!(
                "bench {other}: choose infer, train, sandbox, agent, serve or all"
            )))
        }
    }
    .map_err(|e| CliError::failure(e.to_string()))?;
    let doc = serde_json::json!({ "bench": a.what, "machine": runtime::machine(), "threads": threads, "result": result });
    if let Some(out) = &a.out {
        let text = serde_json::to_string_pretty(&doc)
            .map_err(|e| CliError::failure(format!("cannot encode JSON: {e}")))?;
        gguf::write_atomic(out, text.as_bytes())?;
    }
    if a.json {
        return print_json(&doc);
    }
    print_summary(&a.what, &doc["result"]);
    if let Some(old) = &a.compare {
        let text = std::fs::read_to_string(old).map_err(|e| CliError::io(old.display(), &e))?;
        let old: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| CliError::in_file(old, e))?;
        println!(
            "\ncompared with {}:",
            a.compare
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        );
        for (path, new, was, ratio) in runtime::bench::compare(&doc["result"], &old["result"]) {
            println!("  {path:<40} {was:>12.2} -> {new:>12.2}  ×{ratio:.3}");
        }
    }
    Ok(())
}

fn print_summary(what: &str, r: &serde_json::Value) {
    let mb = |v: &serde_json::Value| v.as_f64().unwrap_or(0.0) / 1e6;
    let show = |part: &str, r: &serde_json::Value| {
        match part {
        "infer" => println!(
            "infer    prefill {:.1} tok/s, decode {:.1} tok/s ({} prompt, {} generated), peak RSS {:.1} MB\n         group of {} sampled continuations {:.0} ms vs one {:.0} ms (x{:.2})",
            r["prefill_tok_s"].as_f64().unwrap_or(0.0),
            r["decode_tok_s"].as_f64().unwrap_or(0.0),
            r["prompt_tokens"],
            r["generated_tokens"],
            mb(&r["peak_rss_bytes"]),
            r["group_size"],
            r["group_ms"].as_f64().unwrap_or(0.0),
            r["one_rollout_ms"].as_f64().unwrap_or(0.0),
            r["group_ratio"].as_f64().unwrap_or(0.0)
        ),
        "train" => {
            println!(
                "train    {:.1} tok/s, {:.0} ms/step (seq {}, rank {}, {} threads, {} compute{}, {}/{} layers kept), peak RSS {:.1} MB (estimate {:.1} MB)",
                r["tokens_per_second"].as_f64().unwrap_or(0.0),
                r["step_ms"].as_f64().unwrap_or(0.0),
                r["seq"],
                r["rank"],
                r["threads"],
                r["compute"].as_str().unwrap_or("?"),
                if r["int8_coded"] == true { ", weights coded once" } else { "" },
                r["kept_layers"],
                r["n_layer"],
                mb(&r["peak_rss_bytes"]),
                mb(&r["estimated_bytes"])
            );
            println!(
                "         f32 GEMM roofline {:.1} GFLOP/s; kernels {} (f32), {} (int8)",
                r["roofline_gflop_s"].as_f64().unwrap_or(0.0),
                r["kernels"][0].as_str().unwrap_or("?"),
                r["kernels"][1].as_str().unwrap_or("?")
            );
            for b in r["breakdown"].as_array().into_iter().flatten() {
                let rate = match (b["gflop_s"].as_f64(), b["of_roofline"].as_f64()) {
                    (Some(g), Some(f)) => format!("  {g:>6.1} GFLOP/s ({:.0}% of roofline)", f * 100.0),
                    _ => String::new(),
                };
                println!("         {:<22} {:>8.1} ms  {:>5.1}%{rate}", b["name"].as_str().unwrap_or(""), b["seconds"].as_f64().unwrap_or(0.0) * 1e3, b["share"].as_f64().unwrap_or(0.0) * 100.0);
            }
        }
        "agent" => println!(
            "agent    {} turns, {} tool calls in {} runs: {:.0} ms total, generation {:.0} ms, tools {:.1} ms, loop overhead {:.2} ms ({:.2}%)",
            r["turns"],
            r["tool_calls"],
            r["runs"],
            r["total_ms"].as_f64().unwrap_or(0.0),
            r["generation_ms"].as_f64().unwrap_or(0.0),
            r["tool_ms"].as_f64().unwrap_or(0.0),
            r["overhead_ms"].as_f64().unwrap_or(0.0),
            r["overhead_fraction"].as_f64().unwrap_or(0.0) * 100.0
        ),
        "serve" => println!(
            "serve    {} clients x {} requests ({} tokens each): {} errors, latency p50 {:.0} ms, p99 {:.0} ms, {:.1} completion tok/s, {:.2} req/s\n         one client: overhead p50 {:.2} ms, p99 {:.2} ms; decode {:.1} tok/s vs generate {:.1} tok/s (x{:.3})\n         {}-turn conversation: {} of {} prompt tokens kept from the turn before, prefill {:.0} ms vs {:.0} ms in fresh contexts (x{:.3})",
            r["clients"],
            r["requests_per_client"],
            r["max_tokens"],
            r["errors"],
            r["latency_p50_ms"].as_f64().unwrap_or(0.0),
            r["latency_p99_ms"].as_f64().unwrap_or(0.0),
            r["completion_tok_s"].as_f64().unwrap_or(0.0),
            r["requests_per_second"].as_f64().unwrap_or(0.0),
            r["overhead_p50_ms"].as_f64().unwrap_or(0.0),
            r["overhead_p99_ms"].as_f64().unwrap_or(0.0),
            r["serve_decode_tok_s"].as_f64().unwrap_or(0.0),
            r["generate_decode_tok_s"].as_f64().unwrap_or(0.0),
            r["decode_ratio"].as_f64().unwrap_or(0.0),
            r["conversation_turns"],
            r["conversation_cached_tokens"],
            r["conversation_prompt_tokens"],
            r["conversation_prefill_ms"].as_f64().unwrap_or(0.0),
            r["generate_conversation_prefill_ms"].as_f64().unwrap_or(0.0),
            r["conversation_prefill_ratio"].as_f64().unwrap_or(0.0)
        ),
        "sandbox" => println!(
            "sandbox  p50 {:.3} ms, p99 {:.3} ms per call ({} calls), peak RSS {:.1} MB",
            r["p50_ms"].as_f64().unwrap_or(0.0),
            r["p99_ms"].as_f64().unwrap_or(0.0),
            r["calls"],
            mb(&r["peak_rss_bytes"])
        ),
        _ => {}
    }
    };
    if what == "all" {
        for part in ["infer", "train", "sandbox", "agent", "serve"] {
            show(part, &r[part]);
        }
    } else {
        show(what, r);
    }
}
