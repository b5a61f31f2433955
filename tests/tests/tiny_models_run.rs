//! Models written from scratch by our GGUF writer load and run in llama.cpp.

use agentcoder_tests::tiny::{write_tiny_model, TinySpec};
use agentcoder_tests::{smollm2, TempDir};
use gguf::GgufFile;
use runtime::infer::{Engine, EngineOptions, SamplingParams};

fn run(spec: TinySpec) {
    let tok = GgufFile::open(smollm2()).unwrap();
    let dir = TempDir::new(spec.arch);
    let path = dir.path("tiny.gguf");
    write_tiny_model(&spec, &tok, &path, &|_, _| unreachable!("F32 only"));
    let opts = EngineOptions {
        n_ctx: 128,
        threads: 2,
        exact: true,
    };
    let mut engine = Engine::load(&path, opts).expect("llama.cpp loads our file");
    let ids = engine.tokenize("The quick brown fox", false);
    let logits = engine.logits_all(&ids, None).unwrap();
    let n_vocab = engine.n_vocab();
    assert_eq!(logits.len(), ids.len() * n_vocab);
    assert!(logits.iter().all(|x| x.is_finite()));
    // Random weights give varied logits, different at each position.
    let row = |i: usize| &logits[i * n_vocab..(i + 1) * n_vocab];
    let spread = row(0).iter().cloned().fold(f32::MIN, f32::max)
        - row(0).iter().cloned().fold(f32::MAX, f32::min);
    assert!(spread > 1e-2, "logits are flat: {spread}");
    assert_ne!(row(0), row(1));
    let p = SamplingParams {
        max_tokens: 8,
        temperature: 0.0,
        ..Default::default()
    };
    let a = engine.generate("Hello", &p, None, &mut |_| true).unwrap();
    let b = engine.generate("Hello", &p, None, &mut |_| true).unwrap();
    assert_eq!(a.text, b.text);
    assert!(a.generated_tokens > 0);
}

#[test]
fn tiny_llama_written_by_us_runs_in_llama_cpp() {
    run(TinySpec::llama());
}

#[test]
fn tiny_qwen2_with_biases_and_untied_head_runs_in_llama_cpp() {
    run(TinySpec::qwen2());
}
