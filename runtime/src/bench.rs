//! `agentcoder bench`: inference (prefill/decode through llama.cpp),
//! LoRA training steps (tokens/s and a per-kernel breakdown) and sandbox
//! call latency, each with peak RSS, as JSON with the machine description.

use std::path::Path;
use std::time::Instant;

use kernels::adamw::AdamWConfig;
use serde::Serialize;

use crate::infer::{Engine, EngineOptions, SamplingParams};
use crate::model::{profile, Graph, LoraAdapter, LoraSpec, LoraTarget, Weights};
use crate::train::rss_bytes;
use crate::{memory, Error, Result};

/// The machine a result was measured on.
#[derive(Clone, Debug, Serialize)]
pub struct Machine {
    pub cpu: String,
    pub threads_available: usize,
    pub memory_bytes: u64,
    pub target_cpu: &'static str,
    pub llama_system_info: String,
    pub git_commit: &'static str,
    pub date_unix: u64,
}

pub fn machine() -> Machine {
    let info = crate::build_info();
    let mut sys = sysinfo::System::new();
    sys.refresh_memory();
    Machine {
        cpu: info.cpu_model,
        threads_available: info.cpu_threads,
        memory_bytes: sys.total_memory(),
        target_cpu: info.target_cpu,
        llama_system_info: info.llama_system_info,
        git_commit: info.git_commit,
        date_unix: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    }
}

/// Text used to make prompts of a given length.
const FILLER: &str = "The quick brown fox jumps over the lazy dog while the tired engineer measures tokens per second on a small laptop. ";

fn ids_of_len(tokenize: &dyn Fn(&str) -> Vec<i32>, n: usize) -> Vec<i32> {
    let one = tokenize(FILLER);
    one.iter().copied().cycle().take(n).collect()
}

#[derive(Clone, Debug, Serialize)]
pub struct InferBench {
    pub threads: i32,
    pub prompt_tokens: usize,
    pub generated_tokens: usize,
    pub prefill_tok_s: f64,
    pub decode_tok_s: f64,
    pub peak_rss_bytes: u64,
}

pub fn infer(
    model: &Path,
    prompt_tokens: usize,
    gen_tokens: usize,
    threads: i32,
) -> Result<InferBench> {
    let mut engine = Engine::load(
        model,
        EngineOptions {
            n_ctx: (prompt_tokens + gen_tokens + 16) as u32,
            threads,
            exact: false,
        },
    )?;
    let ids = ids_of_len(&|s| engine.tokenize(s, false), prompt_tokens);
    let prompt = engine.detokenize(&ids);
    // Greedy decoding that never stops early: no stop strings; EOS is unlikely in filler text.
    let params = SamplingParams {
        max_tokens: gen_tokens,
        temperature: 0.0,
        ..SamplingParams::default()
    };
    engine.generate(
        &prompt,
        &SamplingParams {
            max_tokens: 4,
            ..params.clone()
        },
        None,
        &mut |_| true,
    )?; // warm-up
    let g = engine.generate(&prompt, &params, None, &mut |_| true)?;
    Ok(InferBench {
        threads,
        prompt_tokens: g.prompt_tokens,
        generated_tokens: g.generated_tokens,
        prefill_tok_s: g.prefill_tok_s,
        decode_tok_s: g.decode_tok_s,
        peak_rss_bytes: rss_bytes().1,
    })
}

#[derive(Clone, Debug, Serialize)]
pub struct TrainBench {
    pub threads: usize,
    pub seq: usize,
    pub rank: usize,
    pub targets: Vec<LoraTarget>,
    pub steps: usize,
    pub tokens_per_second: f64,
    pub step_ms: f64,
    /// Seconds per kernel family per step, and the share of the step.
    pub breakdown: Vec<(String, f64, f64)>,
    pub peak_rss_bytes: u64,
    pub estimated_bytes: u64,
}

/// LoRA training steps (forward + checkpointed backward + AdamW) on a
/// sequence of `seq` tokens, every position trained.
pub fn train(
    model: &Path,
    seq: usize,
    rank: usize,
    steps: usize,
    threads: usize,
) -> Result<TrainBench> {
    let file = crate::open_gguf(model)?;
    let graph = Graph::new(Weights::load(&file)?);
    let cfg = graph.w.cfg.clone();
    let tok = crate::infer::Tokenizer::load(model)?;
    let ids = ids_of_len(&|s| tok.tokenize(s), seq);
    let labels: Vec<i32> = ids.iter().skip(1).copied().chain([-1]).collect();
    let spec = LoraSpec {
        rank,
        alpha: 2.0 * rank as f32,
        targets: LoraTarget::ALL.to_vec(),
    };
    let mut adapter = LoraAdapter::init(&cfg, &spec, 1);
    let mut grads = LoraAdapter::zeros(&cfg, &spec);
    let mut states = adapter.adamw_states();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::Input(e.to_string()))?;
    let mut step = |i: usize| -> Result<()> {
        grads.zero();
        pool.install(|| {
            graph.loss(
                &ids,
                &labels,
                Some(&adapter),
                Some(crate::model::Grads::Lora(&mut grads)),
                None,
                true,
            )
        })?;
        let opt = AdamWConfig {
            lr: 1e-4,
            ..AdamWConfig::default()
        };
        adapter.adamw_update(&grads, &mut states, &opt, i as u64 + 1);
        Ok(())
    };
    step(0)?; // warm-up: page in the weights, size the buffers
    profile::enable(true);
    let t0 = Instant::now();
    for i in 1..=steps {
        step(i)?;
    }
    let secs = t0.elapsed().as_secs_f64();
    let spent = profile::snapshot();
    profile::enable(false);
    let step_s = secs / steps as f64;
    let mut breakdown: Vec<(String, f64, f64)> = spent
        .iter()
        .map(|(n, s)| (n.to_string(), s / steps as f64, s / steps as f64 / step_s))
        .collect();
    let accounted: f64 = breakdown.iter().map(|b| b.1).sum();
    breakdown.push((
        "other".into(),
        (step_s - accounted).max(0.0),
        ((step_s - accounted) / step_s).max(0.0),
    ));
    Ok(TrainBench {
        threads,
        seq,
        rank,
        targets: spec.targets.clone(),
        steps,
        tokens_per_second: seq as f64 / step_s,
        step_ms: step_s * 1e3,
        breakdown,
        peak_rss_bytes: rss_bytes().1,
        estimated_bytes: memory::training(&cfg, file.file_size(), rank, &spec.targets, seq)
            .total_bytes,
    })
}

#[derive(Clone, Debug, Serialize)]
pub struct AgentBench {
    pub runs: usize,
    pub turns: usize,
    pub total_ms: f64,
    pub generation_ms: f64,
    pub tool_ms: f64,
    /// Everything else: rendering, tokenizing the prompt, parsing, bookkeeping.
    pub overhead_ms: f64,
    pub overhead_fraction: f64,
    pub peak_rss_bytes: u64,
}

/// The agent loop on the real model (EXEC format, python tool), timing
/// what the loop itself adds to generation and tool execution.
pub fn agent(model: &Path, threads: i32, runs: usize) -> Result<AgentBench> {
    use crate::agent::{run_agent, AgentConfig, LlamaChat};
    let mut engine = Engine::load(
        model,
        EngineOptions {
            n_ctx: 2048,
            threads,
            exact: false,
        },
    )?;
    let mut registry = tools::Registry::new();
    registry
        .register(Box::new(tools::builtin::Python::default()))
        .map_err(|e| Error::Input(e.to_string()))?;
    let config = AgentConfig {
        format: tools::CallFormat::Exec,
        max_turns: 3,
        max_tokens: 64,
        system: None,
    };
    let mut chat = LlamaChat {
        engine: &mut engine,
        lora: None,
        sampling: SamplingParams {
            temperature: 0.0,
            ..SamplingParams::default()
        },
    };
    let (mut turns, mut total, mut gen, mut tool) = (0, 0.0, 0.0, 0.0);
    for _ in 0..runs.max(1) {
        let t = run_agent(
            &mut chat,
            &registry,
            &config,
            "What is 12345 * 67890? Compute it with Python.",
            &mut |_| {},
        )?;
        turns += t.turns.len();
        total += t.total_ms;
        gen += t.turns.iter().map(|x| x.gen_ms).sum::<f64>();
        tool += t
            .turns
            .iter()
            .flat_map(|x| x.calls.iter())
            .map(|c| c.ms)
            .sum::<f64>();
    }
    let overhead = (total - gen - tool).max(0.0);
    Ok(AgentBench {
        runs: runs.max(1),
        turns,
        total_ms: total,
        generation_ms: gen,
        tool_ms: tool,
        overhead_ms: overhead,
        overhead_fraction: overhead / total.max(1e-9),
        peak_rss_bytes: rss_bytes().1,
    })
}

#[derive(Clone, Debug, Serialize)]
pub struct SandboxBench {
    pub calls: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub peak_rss_bytes: u64,
}

/// Per-call latency of `print(12345 * 67890)`, a fresh instance per call.
pub fn sandbox(calls: usize) -> Result<SandboxBench> {
    let sb = sandbox::Sandbox::new().map_err(|e| Error::Input(e.to_string()))?;
    let limits = sandbox::Limits::default();
    let mut ms: Vec<f64> = (0..calls.max(1))
        .map(|_| {
            let t = Instant::now();
            let _ = sb.run("print(12345 * 67890)", &limits);
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    ms.sort_by(f64::total_cmp);
    let pct = |p: f64| ms[((ms.len() - 1) as f64 * p).round() as usize];
    Ok(SandboxBench {
        calls: ms.len(),
        p50_ms: pct(0.5),
        p99_ms: pct(0.99),
        peak_rss_bytes: rss_bytes().1,
    })
}

/// Ratios new/old for every number both JSON documents have at the same path.
pub fn compare(new: &serde_json::Value, old: &serde_json::Value) -> Vec<(String, f64, f64, f64)> {
    fn walk(
        path: String,
        a: &serde_json::Value,
        b: &serde_json::Value,
        out: &mut Vec<(String, f64, f64, f64)>,
    ) {
        match (a, b) {
            (serde_json::Value::Object(x), serde_json::Value::Object(y)) => {
                for (k, v) in x {
                    if let Some(w) = y.get(k) {
                        walk(
                            if path.is_empty() {
                                k.clone()
                            } else {
                                format!("{path}.{k}")
                            },
                            v,
                            w,
                            out,
                        );
                    }
                }
            }
            (serde_json::Value::Number(x), serde_json::Value::Number(y)) => {
                if let (Some(x), Some(y)) = (x.as_f64(), y.as_f64()) {
                    if y != 0.0 && !path.contains("date") {
                        out.push((path, x, y, x / y));
                    }
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(String::new(), new, old, &mut out);
    out
}
