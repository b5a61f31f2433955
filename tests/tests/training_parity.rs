//! Our training forward against llama.cpp's forward on the same GGUF, and
//! our tokenization path against llama.cpp's tokenizer.
//!
//! Tolerance: llama.cpp quantizes activations to the weight type's
//! vec_dot_type (Q8_0 / Q8_1 / Q8_K) before each quantized matmul; we
//! multiply f32 activations by exactly dequantized weights. So:
//! - with F32 weights (tiny models, and SmolLM2 dequantized to F32 by us)
//!   llama.cpp does no activation quantization and the logits agree to
//!   f32 accumulation-order noise (measured ≤ 6e-5; bound 1e-3);
//! - with quantized weights the gap is the activation rounding, which grows
//!   with depth (SmolLM2, 30 layers: measured max |Δlogit| 1.92 of a 72.5
//!   range; tiny Q8_0 0.27, Q4_K 0.41). Emulating llama.cpp's Q8_0 rounding
//!   of the activations in our forward makes the tiny Q8_0 model agree to
//!   1e-5, which shows the gap is that rounding and nothing else. Bounds are
//!   about 1.5-2× the measured values; top-1 may differ only at near-ties
//!   (llama.cpp's own margin between the two tokens below the logit bound).

use agentcoder_tests::argmax;
use agentcoder_tests::tiny::{write_tiny_model, TinySpec};
use agentcoder_tests::{nonzero_lora, smollm2, TempDir};
use gguf::{GgmlType, GgufFile};
use kernels::fd::max_abs_diff;
use runtime::infer::{Engine, EngineOptions};
use runtime::model::{Graph, LoraAdapter, Weights};

struct Parity {
    top1_agreement: f64,
    max_abs_diff: f32,
    logit_range: f32,
    /// For each position where the argmax differs: llama.cpp's logit of its
    /// top token minus its logit of our top token.
    disagreement_margins: Vec<f32>,
}

fn compare(
    path: &std::path::Path,
    text: &str,
    n_tokens: Option<usize>,
    lora: Option<(&LoraAdapter, &std::path::Path)>,
) -> Parity {
    let mut engine = Engine::load(
        path,
        EngineOptions {
            n_ctx: 256,
            threads: 2,
            exact: true,
        },
    )
    .unwrap();
    let mut ids = engine.tokenize(text, true);
    if let Some(n) = n_tokens {
        assert!(ids.len() >= n, "prompt has only {} tokens", ids.len());
        ids.truncate(n);
    }
    let handle = lora.map(|(_, p)| engine.load_lora(p).unwrap());
    let theirs = engine.logits_all(&ids, handle.map(|h| (h, 1.0))).unwrap();
    let file = GgufFile::open(path).unwrap();
    let graph = Graph::new(Weights::load(&file).unwrap());
    let ours = graph.forward_logits(&ids, lora.map(|(a, _)| a)).unwrap();
    let v = graph.w.cfg.n_vocab;
    assert_eq!(ours.len(), theirs.len());
    let mut agree = 0;
    let mut margins = Vec::new();
    let mut max_abs = 0f32;
    let (mut lo, mut hi) = (f32::MAX, f32::MIN);
    for (a, b) in ours.chunks_exact(v).zip(theirs.chunks_exact(v)) {
        let (ia, ib) = (argmax(a), argmax(b));
        if ia == ib {
            agree += 1;
        } else {
            margins.push(b[ib] - b[ia]);
        }
        for (x, y) in a.iter().zip(b) {
            max_abs = max_abs.max((x - y).abs());
            lo = lo.min(*y);
            hi = hi.max(*y);
        }
    }
    Parity {
        top1_agreement: agree as f64 / ids.len() as f64,
        max_abs_diff: max_abs,
        logit_range: hi - lo,
        disagreement_margins: margins,
    }
}

const PROMPT: &str = "The history of computing is a long story. Charles Babbage designed the analytical engine in the 1830s, \
and Ada Lovelace wrote what many call the first program for it. A century later, Alan Turing described a universal machine, \
and the first electronic computers filled entire rooms. Today a laptop runs language models offline.";

#[test]
fn smollm2_logits_match_llama_cpp() {
    let p = compare(&smollm2(), PROMPT, Some(64), None);
    eprintln!(
        "SmolLM2 Q4_1: top-1 agreement {:.3}, max |Δlogit| {:.4} (logit range {:.1}), near-tie margins {:?}",
        p.top1_agreement, p.max_abs_diff, p.logit_range, p.disagreement_margins
    );
    assert!(p.max_abs_diff < 3.0, "max |Δlogit| {}", p.max_abs_diff);
    assert!(
        p.top1_agreement >= 0.95,
        "top-1 agreement {}",
        p.top1_agreement
    );
    assert!(
        p.disagreement_margins.iter().all(|&m| m < p.max_abs_diff),
        "a top-1 flip is not a near-tie: {:?}",
        p.disagreement_margins
    );
}

/// SmolLM2 with every weight dequantized to F32 by our kernels and written
/// by our writer: llama.cpp then multiplies f32 by f32 like we do, so this
/// isolates the graph (and the Q4_1/Q8_0 dequantization) from llama.cpp's
/// activation rounding.
#[test]
fn smollm2_dequantized_to_f32_matches_llama_cpp_exactly() {
    let src = GgufFile::open(smollm2()).unwrap();
    let mut w = gguf::GgufWriter::new();
    for (k, v) in &src.header.metadata {
        w.set(k, v.clone());
    }
    for t in src.tensors() {
        let mut out = vec![0f32; t.n_elements() as usize];
        kernels::quant::dequantize_row(t.ty, src.data(t), &mut out).unwrap();
        w.add_f32(&t.name, &t.shape, &out).unwrap();
    }
    let dir = TempDir::new("smollm2-f32");
    let path = dir.path("smollm2-f32.gguf");
    w.write(&path).unwrap();
    drop(w);
    let mut engine = Engine::load(
        &path,
        EngineOptions {
            n_ctx: 256,
            threads: 2,
            exact: true,
        },
    )
    .unwrap();
    let mut ids = engine.tokenize(PROMPT, true);
    ids.truncate(64);
    let theirs = engine.logits_all(&ids, None).unwrap();
    // Our forward runs on the original quantized file.
    let graph = Graph::new(Weights::load(&src).unwrap());
    let ours = graph.forward_logits(&ids, None).unwrap();
    let max = max_abs_diff(&ours, &theirs);
    eprintln!(
        "SmolLM2 via F32: max |Δlogit| {max:.2e} over {} positions",
        ids.len()
    );
    assert!(max < 1e-3, "max |Δlogit| {max}");
}

fn tiny(spec: TinySpec, tag: &str) -> (TempDir, std::path::PathBuf) {
    let tok = GgufFile::open(smollm2()).unwrap();
    let dir = TempDir::new(tag);
    let path = dir.path("tiny.gguf");
    write_tiny_model(&spec, &tok, &path, &|ty, v| {
        let mut out = vec![0u8; ty.row_bytes(v.len() as u64).unwrap() as usize];
        kernels::quant::quantize_row(ty, v, &mut out).unwrap();
        out
    });
    (dir, path)
}

#[test]
fn tiny_models_match_llama_cpp() {
    let cases = [
        ("llama-f32-tied", TinySpec::llama(), 1e-3),
        ("qwen2-f32-bias-untied", TinySpec::qwen2(), 1e-3),
        (
            "llama-q8_0",
            TinySpec {
                weight_type: GgmlType::Q8_0,
                ..TinySpec::llama()
            },
            0.5,
        ),
        (
            "qwen2-q4_k",
            TinySpec {
                weight_type: GgmlType::Q4_K,
                n_embd: 256,
                n_ff: 512,
                ..TinySpec::qwen2()
            },
            0.8,
        ),
        (
            "llama-gqa-4-1",
            TinySpec {
                n_head: 4,
                n_head_kv: 1,
                tied: false,
                ..TinySpec::llama()
            },
            1e-3,
        ),
    ];
    for (tag, spec, tol) in cases {
        let (_dir, path) = tiny(spec, tag);
        let p = compare(&path, PROMPT, Some(48), None);
        eprintln!(
            "{tag}: top-1 {:.3}, max |Δlogit| {:.5} (range {:.1})",
            p.top1_agreement, p.max_abs_diff, p.logit_range
        );
        assert!(
            p.max_abs_diff <= tol,
            "{tag}: max |Δlogit| {} > {tol}",
            p.max_abs_diff
        );
        assert!(
            p.top1_agreement >= 0.95,
            "{tag}: top-1 {}",
            p.top1_agreement
        );
        assert!(
            p.disagreement_margins.iter().all(|&m| m < tol),
            "{tag}: flips beyond a near-tie: {:?}",
            p.disagreement_margins
        );
    }
}

#[test]
fn exported_adapter_in_llama_cpp_matches_our_forward_with_lora() {
    for (tag, spec) in [
        ("lora-llama", TinySpec::llama()),
        ("lora-qwen2", TinySpec::qwen2()),
    ] {
        let (dir, path) = tiny(spec, tag);
        let file = GgufFile::open(&path).unwrap();
        let cfg = Weights::load(&file).unwrap().cfg;
        let adapter = nonzero_lora(&cfg, 3, 9, 0.2);
        let lora_path = dir.path("adapter.gguf");
        adapter.save_gguf(&cfg.architecture, &lora_path).unwrap();
        assert_eq!(LoraAdapter::load_gguf(&lora_path, &cfg).unwrap(), adapter);
        let base = compare(&path, PROMPT, Some(32), None);
        let with = compare(&path, PROMPT, Some(32), Some((&adapter, &lora_path)));
        eprintln!(
            "{tag}: with LoRA max |Δlogit| {:.5} (base {:.5})",
            with.max_abs_diff, base.max_abs_diff
        );
        assert!(with.max_abs_diff < 1e-3, "{tag}: {}", with.max_abs_diff);
    }
}

#[test]
fn training_tokenization_is_llama_cpp_tokenization() {
    use dataset::prompt::{
        render_chatml, render_text, tokenize_segments, Conversation, Message, Role,
    };
    let tok = runtime::infer::Tokenizer::load(smollm2()).unwrap();
    let conv = Conversation {
        messages: vec![
            Message::new(Role::System, "You are a helpful assistant."),
            Message::new(Role::User, "What is 12345 * 67890? Use python."),
            Message::new(Role::Assistant, "<tool_call>\n{\"name\": \"python\", \"arguments\": {\"code\": \"print(12345 * 67890)\"}}\n</tool_call>"),
            Message::new(Role::Tool, "838102050"),
            Message::new(Role::Assistant, "12345 × 67890 = 838,102,050."),
        ],
        tools: vec![serde_json::json!({"name": "python", "description": "run code", "parameters": {"type": "object"}})],
    };
    let (ids, _) = tokenize_segments(&render_chatml(&conv, false), tok.bos(), &mut |s| {
        tok.tokenize(s)
    });
    let engine = Engine::load(
        smollm2(),
        EngineOptions {
            n_ctx: 512,
            threads: 2,
            exact: false,
        },
    )
    .unwrap();
    let whole = engine.tokenize(&render_text(&conv, false), true);
    assert_eq!(
        ids, whole,
        "segment-wise tokenization drifted from whole-text tokenization"
    );
}

/// GRPO's log-probabilities of sampled tokens: an answer sampled by
/// llama.cpp with an adapter, scored by llama.cpp and by our graph
/// (`grpo::token_logps`, what the importance ratio is made of) with the
/// same adapter. The gap is llama.cpp's activation rounding through 30
/// quantized layers (see the module doc): measured mean |Δ log p| 0.017,
/// max 0.164 over 39 tokens; bounds about 2× those.
#[test]
fn sampled_tokens_log_probs_match_llama_cpp_with_an_adapter() {
    use runtime::infer::SamplingParams;
    use runtime::train::data::Example;
    use runtime::train::grpo;
    let model = smollm2();
    let file = GgufFile::open(&model).unwrap();
    let graph = Graph::new(Weights::load(&file).unwrap());
    let adapter = nonzero_lora(&graph.w.cfg, 8, 4, 0.02);
    let dir = TempDir::new("grpo-logp");
    let lora_path = dir.path("adapter.gguf");
    adapter
        .save_gguf(&graph.w.cfg.architecture, &lora_path)
        .unwrap();
    let mut engine = Engine::load(
        &model,
        EngineOptions {
            n_ctx: 512,
            threads: 2,
            exact: true,
        },
    )
    .unwrap();
    let handle = engine.load_lora(&lora_path).unwrap();
    let prompt = "<|im_start|>user\nWrite a short Python function that adds two numbers.<|im_end|>\n<|im_start|>assistant\n";
    let params = SamplingParams {
        max_tokens: 40,
        temperature: 0.8,
        seed: 7,
        ..SamplingParams::default()
    };
    let g = engine
        .generate(prompt, &params, Some((handle, 1.0)), &mut |_| true)
        .unwrap();
    assert!(g.generated_tokens > 10, "{g:?}");
    let p_ids = engine.tokenize(prompt, true);
    let ids: Vec<i32> = p_ids
        .iter()
        .copied()
        .chain(engine.tokenize(&g.text, false))
        .collect();
    // Labels on the answer's tokens only.
    let labels: Vec<i32> = (0..ids.len())
        .map(|i| {
            if i + 1 >= p_ids.len() && i + 1 < ids.len() {
                ids[i + 1]
            } else {
                -1
            }
        })
        .collect();
    let ex = Example {
        ids: ids.clone(),
        labels: labels.clone(),
        line: 1,
    };
    let ours = grpo::token_logps(&graph, &ex, Some(&adapter)).unwrap();
    let theirs = engine.logits_all(&ids, Some((handle, 1.0))).unwrap();
    let v = graph.w.cfg.n_vocab;
    let mut diffs = Vec::new();
    for (i, &l) in labels.iter().enumerate() {
        if l < 0 {
            continue;
        }
        let row = &theirs[i * v..(i + 1) * v];
        let m = row.iter().cloned().fold(f32::MIN, f32::max) as f64;
        let lse = m + row.iter().map(|&x| (x as f64 - m).exp()).sum::<f64>().ln();
        diffs.push((ours[i] - (row[l as usize] as f64 - lse)).abs());
    }
    let mean = diffs.iter().sum::<f64>() / diffs.len() as f64;
    let max = diffs.iter().cloned().fold(0.0, f64::max);
    eprintln!(
        "{} sampled tokens: mean |Δ log p| {mean:.4}, max {max:.4} (ratio within e^±{max:.3})",
        diffs.len()
    );
    assert!(mean < 0.04 && max < 0.35, "mean {mean}, max {max}");
}
