//! `agentcoder bench`: inference (prefill/decode through llama.cpp),
//! LoRA training steps (tokens/s and a per-kernel breakdown) and sandbox
//! call latency, each with peak RSS, and the server under load
//! ([`serve`]), as JSON with the machine description.

use std::path::Path;
use std::time::Instant;

use kernels::adamw::AdamWConfig;
use kernels::qmatmul::Compute;
use serde::Serialize;

use crate::agent::{ChatModel, Completion, ScriptedModel};
use crate::infer::{Engine, EngineOptions, SamplingParams};
use crate::model::{profile, Graph, LoraAdapter, LoraSpec, LoraTarget, Weights};
use crate::{memory, Error, Result};

pub mod serve;

/// The value at fraction `p` of `values` once sorted (0 when empty).
pub(crate) fn percentile(values: &mut [f64], p: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    values[((values.len() - 1) as f64 * p).round() as usize]
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
    /// A GRPO-style group: `group_size` sampled continuations of the prompt
    /// ([`crate::infer::Session::generate_group`]), wall time, against one
    /// sampled continuation alone (its prefill plus decode).
    pub group_size: usize,
    pub group_ms: f64,
    pub one_rollout_ms: f64,
    /// group / one rollout (the GRPO target is at most 1.3).
    pub group_ratio: f64,
    pub peak_rss_bytes: u64,
}

/// Continuations per group in the inference bench.
const GROUP: usize = 8;

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
    let sampled = SamplingParams {
        temperature: 1.0,
        ..params.clone()
    };
    let one = engine.generate(&prompt, &sampled, None, &mut |_| true)?;
    let one_rollout_ms = one.prefill_ms + one.decode_ms;
    let t = Instant::now();
    engine
        .session()
        .generate_group(&prompt, GROUP, &sampled, None)?;
    let group_ms = t.elapsed().as_secs_f64() * 1e3;
    Ok(InferBench {
        threads,
        prompt_tokens: g.prompt_tokens,
        generated_tokens: g.generated_tokens,
        prefill_tok_s: g.prefill_tok_s,
        decode_tok_s: g.decode_tok_s,
        group_size: GROUP,
        group_ms,
        one_rollout_ms,
        group_ratio: group_ms / one_rollout_ms,
        peak_rss_bytes: host::rss_bytes().1,
    })
}

/// What one training-bench run measures.
#[derive(Clone, Debug)]
pub struct TrainBenchOptions {
    pub seq: usize,
    pub rank: usize,
    pub steps: usize,
    pub threads: usize,
    pub compute: Compute,
    /// Layers whose activations are kept instead of recomputed; `None`
    /// keeps as many as fit `budget` (see `memory::plan_step`).
    pub kept_layers: Option<usize>,
    /// Memory budget in bytes for the automatic choice.
    pub budget: u64,
}

/// One kernel family's share of a training step.
#[derive(Clone, Debug, Serialize)]
pub struct StepPart {
    pub name: String,
    pub seconds: f64,
    pub share: f64,
    /// Floating-point work of the part per step (multiply-adds × 2), where
    /// it is a matmul; its rate, and that rate over the f32 GEMM roofline
    /// measured in the same run.
    pub gflop: Option<f64>,
    pub gflop_s: Option<f64>,
    pub of_roofline: Option<f64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct TrainBench {
    pub threads: usize,
    pub seq: usize,
    pub rank: usize,
    pub targets: Vec<LoraTarget>,
    pub steps: usize,
    pub compute: &'static str,
    /// Layers whose activations were kept (the rest recomputed in backward).
    pub kept_layers: usize,
    /// Frozen weights coded once for the int8 path (else on the fly).
    pub int8_coded: bool,
    /// The f32 and int8 kernels selected on this CPU (`AGENTCODER_KERNELS`
    /// caps them).
    pub kernels: [&'static str; 2],
    pub n_layer: usize,
    pub tokens_per_second: f64,
    pub step_ms: f64,
    /// Our f32 GEMM (T=256, 1024×1024) in GFLOP/s on the same threads,
    /// measured right before the steps: the roofline the parts compare to.
    pub roofline_gflop_s: f64,
    pub breakdown: Vec<StepPart>,
    pub peak_rss_bytes: u64,
    pub estimated_bytes: u64,
}

/// GFLOP/s of our f32 GEMM at T = 256 through a 1024×1024 weight: the
/// f32 roofline of this machine on these threads (the int8 path can pass it).
pub fn f32_roofline(pool: &rayon::ThreadPool) -> f64 {
    let (t, n) = (256, 1024);
    let x: Vec<f32> = (0..t * n).map(|i| ((i * 7) % 13) as f32 * 0.1).collect();
    let w: Vec<f32> = (0..n * n).map(|i| ((i * 5) % 11) as f32 * 0.1).collect();
    let mut y = vec![0.0; t * n];
    let dims = kernels::gemm::Dims {
        t,
        n_in: n,
        n_out: n,
    };
    let run = |y: &mut [f32]| pool.install(|| kernels::gemm::matmul_xwt(&x, &w, y, dims, false));
    run(&mut y);
    let reps = 8;
    let t0 = Instant::now();
    for _ in 0..reps {
        run(&mut y);
    }
    (2 * t * n * n * reps) as f64 / t0.elapsed().as_secs_f64() / 1e9
}

/// Multiply-adds × 2 of the frozen-weight matmuls of one step:
/// (forward including recomputed layers, backward dX, loss head fwd+bwd).
fn step_flops(cfg: &crate::model::ModelConfig, seq: usize, kept_layers: usize) -> (f64, f64, f64) {
    let per_layer: usize = LoraTarget::ALL
        .iter()
        .map(|&t| {
            let (i, o) = cfg.projection_shape(t);
            i * o
        })
        .sum();
    let recomputed = cfg.n_layer - kept_layers.min(cfg.n_layer);
    let fwd = 2.0 * seq as f64 * per_layer as f64 * (cfg.n_layer + recomputed) as f64;
    let bwd = 2.0 * seq as f64 * per_layer as f64 * cfg.n_layer as f64;
    let head = 2.0 * 2.0 * seq as f64 * (cfg.n_vocab * cfg.n_embd) as f64;
    (fwd, bwd, head)
}

/// LoRA training steps (forward + backward, recomputing the layers whose
/// activations are not kept, + AdamW) on a sequence of `seq` tokens,
/// every position trained.
pub fn train(model: &Path, o: &TrainBenchOptions) -> Result<TrainBench> {
    let (seq, rank, steps, threads) = (o.seq, o.rank, o.steps, o.threads);
    // Before any worker thread starts (coding the weights uses rayon).
    host::share_one_heap();
    let file = crate::open_gguf(model)?;
    let mut graph = Graph::new(Weights::load(&file)?).with_compute(o.compute);
    let cfg = graph.w.cfg.clone();
    let tok = crate::infer::Tokenizer::load(model)?;
    let ids = ids_of_len(&|s| tok.tokenize(s), seq);
    let labels: Vec<i32> = ids.iter().skip(1).copied().chain([-1]).collect();
    let spec = LoraSpec {
        rank,
        alpha: 2.0 * rank as f32,
        targets: LoraTarget::ALL.to_vec(),
    };
    let (size, targets) = (file.file_size(), &spec.targets);
    let plan = memory::plan_step(
        &cfg,
        size,
        rank,
        targets,
        seq,
        o.compute,
        Some(o.budget),
        o.kept_layers,
    );
    let kept_layers = plan.kept_layers;
    if plan.int8_coded {
        graph = graph.code_int8();
    }
    let mut adapter = LoraAdapter::init(&cfg, &spec, 1);
    let mut grads = LoraAdapter::zeros(&cfg, &spec);
    let mut states = adapter.adamw_states();
    let pool = crate::infer::compute_pool(Some(threads))?;
    let mut step = |i: usize| -> Result<()> {
        grads.zero();
        pool.install(|| {
            graph.loss(
                &ids,
                &labels,
                Some(&adapter),
                Some(crate::model::Grads::Lora(&mut grads)),
                None,
                kept_layers,
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
    let roofline = f32_roofline(&pool);
    profile::enable(true);
    let t0 = Instant::now();
    for i in 1..=steps {
        step(i)?;
    }
    let secs = t0.elapsed().as_secs_f64();
    let spent = profile::snapshot();
    profile::enable(false);
    let step_s = secs / steps as f64;
    let (fwd, bwd, head) = step_flops(&cfg, seq, kept_layers);
    let part = |name: &str, seconds: f64, flop: Option<f64>| StepPart {
        name: name.to_string(),
        seconds,
        share: seconds / step_s,
        gflop: flop.map(|f| f / 1e9),
        gflop_s: flop.map(|f| f / seconds / 1e9),
        of_roofline: flop.map(|f| f / seconds / 1e9 / roofline),
    };
    let mut breakdown: Vec<StepPart> = spent
        .iter()
        .map(|(n, s)| {
            let flop = match *n {
                "qmatmul_forward" => Some(fwd),
                "qmatmul_backward_dx" => Some(bwd),
                "loss" => Some(head),
                _ => None,
            };
            part(n, s / steps as f64, flop)
        })
        .collect();
    let accounted: f64 = breakdown.iter().map(|b| b.seconds).sum();
    breakdown.push(part("other", (step_s - accounted).max(0.0), None));
    Ok(TrainBench {
        threads,
        seq,
        rank,
        targets: spec.targets.clone(),
        steps,
        compute: o.compute.name(),
        kept_layers,
        int8_coded: plan.int8_coded,
        kernels: kernels::simd::selected().into(),
        n_layer: cfg.n_layer,
        tokens_per_second: seq as f64 / step_s,
        step_ms: step_s * 1e3,
        roofline_gflop_s: roofline,
        breakdown,
        peak_rss_bytes: host::rss_bytes().1,
        estimated_bytes: memory::training_planned(&cfg, size, rank, targets, seq, plan).total_bytes,
    })
}

#[derive(Clone, Debug, Serialize)]
pub struct AgentBench {
    pub runs: usize,
    pub turns: usize,
    /// Tool calls parsed, dispatched and run in the sandbox (all succeeded).
    pub tool_calls: usize,
    pub total_ms: f64,
    pub generation_ms: f64,
    pub tool_ms: f64,
    /// Everything else: rendering, tokenizing the prompt, parsing, bookkeeping.
    pub overhead_ms: f64,
    pub overhead_fraction: f64,
    /// Where the replies the loop acts on came from (see [`agent`]).
    pub replies: &'static str,
    pub peak_rss_bytes: u64,
}

/// The replies the loop acts on in each run of [`agent`], Hermes format as
/// the adapters are trained: two python calls, then the answer.
const AGENT_SCRIPT: [&str; 3] = [
    "<tool_call>\n{\"name\": \"python\", \"arguments\": {\"code\": \"print(12345 * 67890)\"}}\n</tool_call>",
    "<tool_call>\n{\"name\": \"python\", \"arguments\": {\"code\": \"print(sum(int(d) for d in str(838102050)))\"}}\n</tool_call>",
    "12345 * 67890 = 838102050, and its digits add up to 27.",
];
const AGENT_QUESTION: &str =
    "What is 12345 * 67890, and what do its digits add up to? Compute it with Python.";

/// A model that really generates (prefill and decode cost what they cost,
/// on prompts that grow with the tool output) but whose reply is replaced
/// by the script's next one, so every turn also parses a call, dispatches
/// it and runs the sandbox: the base model alone answers this question in
/// prose and the loop would time nothing but generation.
struct ScriptedReplies<'m> {
    model: &'m mut dyn ChatModel,
    script: ScriptedModel,
}

impl ChatModel for ScriptedReplies<'_> {
    fn complete(&mut self, prompt: &str, stop: &[String], max_tokens: usize) -> Result<Completion> {
        let generated = self.model.complete(prompt, stop, max_tokens)?;
        let scripted = self.script.complete(prompt, stop, max_tokens)?;
        Ok(Completion {
            text: scripted.text,
            stopped_at: scripted.stopped_at,
            ..generated
        })
    }
}

/// `runs` runs of [`AGENT_SCRIPT`] over `model`'s generation. `Err` when a
/// call failed or the script did not run to its answer: the numbers would
/// not time what they claim to.
fn agent_runs(model: &mut dyn ChatModel, runs: usize, max_tokens: usize) -> Result<AgentBench> {
    use crate::agent::{run_agent, AgentConfig, TrajectoryEnd};
    let mut registry = tools::Registry::new();
    registry
        .register(Box::new(tools::builtin::Python::default()))
        .map_err(Error::internal("cannot start the thread pool"))?;
    let config = AgentConfig {
        format: tools::CallFormat::Hermes,
        max_turns: AGENT_SCRIPT.len(),
        max_tokens,
        system: None,
    };
    let (mut turns, mut calls, mut total, mut gen, mut tool) = (0, 0, 0.0, 0.0, 0.0);
    for _ in 0..runs.max(1) {
        let mut chat = ScriptedReplies {
            model: &mut *model,
            script: ScriptedModel::new(AGENT_SCRIPT),
        };
        let t = run_agent(&mut chat, &registry, &config, AGENT_QUESTION, &mut |_| {})?;
        let records: Vec<_> = t.turns.iter().flat_map(|x| x.calls.iter()).collect();
        if t.end != TrajectoryEnd::Answered
            || records.len() != AGENT_SCRIPT.len() - 1
            || records.iter().any(|c| !c.ok)
        {
            return Err(Error::Input(format!(
                "agent bench: the scripted run did not call the tool as written: {:?}",
                t.turns
            )));
        }
        turns += t.turns.len();
        calls += records.len();
        total += t.total_ms;
        gen += t.turns.iter().map(|x| x.gen_ms).sum::<f64>();
        tool += records.iter().map(|c| c.ms).sum::<f64>();
    }
    let overhead = (total - gen - tool).max(0.0);
    Ok(AgentBench {
        runs: runs.max(1),
        turns,
        tool_calls: calls,
        total_ms: total,
        generation_ms: gen,
        tool_ms: tool,
        overhead_ms: overhead,
        overhead_fraction: overhead / total.max(1e-9),
        replies: "scripted: the model generates each reply, the loop acts on a fixed one (2 python calls, then the answer)",
        peak_rss_bytes: host::rss_bytes().1,
    })
}

/// The agent loop on the real model (Hermes format, python tool), timing
/// what the loop itself adds to generation and tool execution. The model
/// generates every reply, but the loop acts on scripted ones (two python
/// calls, then the answer), so parsing, dispatch and the sandbox run on
/// every turn but the last.
pub fn agent(model: &Path, threads: i32, runs: usize) -> Result<AgentBench> {
    let mut engine = Engine::load(
        model,
        EngineOptions {
            n_ctx: 2048,
            threads,
            exact: false,
        },
    )?;
    let mut chat = crate::agent::LlamaChat {
        session: engine.session(),
        lora: None,
        sampling: SamplingParams {
            temperature: 0.0,
            ..SamplingParams::default()
        },
    };
    agent_runs(&mut chat, runs, 64)
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
    let sb = sandbox::Sandbox::new()?;
    let limits = sandbox::Limits::default();
    let mut ms: Vec<f64> = (0..calls.max(1))
        .map(|_| {
            let t = Instant::now();
            let _ = sb.run("print(12345 * 67890)", &limits);
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    Ok(SandboxBench {
        calls: ms.len(),
        p50_ms: percentile(&mut ms, 0.5),
        p99_ms: percentile(&mut ms, 0.99),
        peak_rss_bytes: host::rss_bytes().1,
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

#[cfg(test)]
mod agent_tests {
    use super::*;

    /// A model that only ever answers in prose (as the base model does
    /// here) still gets the loop to parse, dispatch and run both calls of
    /// every run, and generation is timed around it.
    #[test]
    fn agent_bench_runs_the_tool_on_every_call_turn() {
        let prose = std::iter::repeat_n("I think it is about 800 million.", 3 * 4);
        let mut model = ScriptedModel::new(prose);
        let b = agent_runs(&mut model, 4, 16).unwrap();
        assert_eq!((b.runs, b.turns, b.tool_calls), (4, 12, 8));
        assert_eq!(model.prompts.len(), 12, "the model generated every turn");
        assert!(
            model.prompts[2].contains("<tool_response>\n27"),
            "{}",
            model.prompts[2]
        );
        assert!(b.tool_ms > 0.0 && b.total_ms >= b.tool_ms + b.generation_ms);
        // A model that fails mid-run gives an error, not a number.
        let mut short = ScriptedModel::new(["x"; 2]);
        assert!(agent_runs(&mut short, 1, 16).is_err());
    }
}
