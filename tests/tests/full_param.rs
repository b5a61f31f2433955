//! Full-parameter training of a tiny f32 model: gradients of every kind of
//! weight against finite differences, AdamW steps lower the loss, and the
//! trained model saved as GGUF runs in llama.cpp with the same logits.

use agentcoder_tests::tiny::{write_tiny_model, TinySpec};
use agentcoder_tests::{smollm2, TempDir};
use gguf::GgufFile;
use kernels::adamw::{adamw_step, AdamWConfig, AdamWState};
use kernels::fd::max_abs_diff;
use runtime::infer::{Engine, EngineOptions};
use runtime::model::{FullModel, Grads, Graph};

fn tiny(spec: TinySpec, tag: &str) -> (TempDir, FullModel) {
    let tok = GgufFile::open(smollm2()).unwrap();
    let dir = TempDir::new(tag);
    let path = dir.path("tiny.gguf");
    write_tiny_model(&spec, &tok, &path, &|_, _| unreachable!("F32 only"));
    let m = FullModel::from_gguf(&GgufFile::open(&path).unwrap()).unwrap();
    (dir, m)
}

const IDS: [i32; 10] = [1, 504, 3000, 77, 12, 9001, 250, 4, 300, 42];

fn labels() -> Vec<i32> {
    IDS.iter().skip(1).copied().chain([-1]).collect()
}

fn loss(m: &FullModel) -> f64 {
    loss_on(m, &IDS)
}

fn loss_on(m: &FullModel, ids: &[i32]) -> f64 {
    let labels: Vec<i32> = ids.iter().skip(1).copied().chain([-1]).collect();
    let w = m.weights().unwrap();
    Graph::new(w)
        .loss(ids, &labels, None, None, None, 0)
        .unwrap()
        .mean()
}

fn check(spec: TinySpec, tag: &str, names: &[&str]) {
    check_on(spec, tag, names, &IDS, 0)
}

/// `kept` layers keep their activations from the forward (the others are
/// recomputed in the backward).
fn check_on(spec: TinySpec, tag: &str, names: &[&str], ids: &[i32], kept: usize) {
    let (_dir, mut m) = tiny(spec, tag);
    let mut g = m.zeros_like();
    let labels: Vec<i32> = ids.iter().skip(1).copied().chain([-1]).collect();
    Graph::new(m.weights().unwrap())
        .loss(ids, &labels, None, Some(Grads::Full(&mut g)), None, kept)
        .unwrap();
    let mut worst = 0f64;
    for name in names {
        let grad = g
            .get(name)
            .unwrap_or_else(|| panic!("no tensor {name}"))
            .to_vec();
        let (i, &gi) =
            grad.iter().enumerate().fold(
                (0, &0f32),
                |b, (i, x)| if x.abs() > b.1.abs() { (i, x) } else { b },
            );
        assert!(gi.abs() > 1e-6, "{tag} {name}: zero gradient");
        let h = 1e-2f32;
        let mut at = |d: f32| {
            m.get_mut(name).unwrap()[i] += d;
            let l = loss_on(&m, ids);
            m.get_mut(name).unwrap()[i] -= d;
            l
        };
        let fd = (at(h) - at(-h)) / (2.0 * h as f64);
        let rel = (fd - gi as f64).abs() / (gi as f64).abs().max(1e-3);
        eprintln!("{tag} {name}[{i}]: analytic {gi:.6} fd {fd:.6} rel {rel:.1e}");
        worst = worst.max(rel);
    }
    assert!(worst < 1e-3, "{tag}: worst relative error {worst}");
}

#[test]
fn every_weight_kind_has_correct_gradients() {
    let names = [
        "token_embd.weight",
        "output_norm.weight",
        "blk.0.attn_norm.weight",
        "blk.0.attn_q.weight",
        "blk.1.attn_k.weight",
        "blk.0.attn_v.weight",
        "blk.1.attn_output.weight",
        "blk.0.ffn_norm.weight",
        "blk.1.ffn_gate.weight",
        "blk.0.ffn_up.weight",
        "blk.1.ffn_down.weight",
    ];
    check(TinySpec::llama(), "full-llama", &names);
    let mut q = names.to_vec();
    q.extend([
        "output.weight",
        "blk.0.attn_q.bias",
        "blk.1.attn_k.bias",
        "blk.0.attn_v.bias",
    ]);
    check(TinySpec::qwen2(), "full-qwen2", &q);
}

/// A sequence longer than the attention kernels' blocks: the gradients of
/// the query, key and value weights (what lets a model look back and copy)
/// still match finite differences.
#[test]
fn attention_gradients_hold_on_a_long_sequence() {
    let mut rng = kernels::rng::Rng::new(11);
    let ids: Vec<i32> = (0..300).map(|_| rng.below(5000) as i32).collect();
    let names = [
        "blk.0.attn_q.weight",
        "blk.0.attn_k.weight",
        "blk.1.attn_q.weight",
        "blk.1.attn_k.weight",
        "blk.0.attn_v.weight",
        "token_embd.weight",
    ];
    check_on(TinySpec::llama(), "full-long", &names, &ids, 0);
    check_on(TinySpec::llama(), "full-long-kept", &names, &ids, 2);
    // Heads of 64 and 32 values, as the models pretrain makes.
    for (n_head, tag) in [(2, "full-long-hd64"), (4, "full-long-hd32")] {
        let spec = TinySpec {
            n_embd: 128,
            n_head,
            n_head_kv: n_head,
            n_ff: 256,
            ..TinySpec::llama()
        };
        check_on(spec, tag, &names, &ids, 2);
    }
}

#[test]
fn adamw_steps_lower_the_loss_and_llama_cpp_runs_the_result() {
    let (dir, mut m) = tiny(TinySpec::llama(), "full-train");
    let mut g = m.zeros_like();
    let mut states: Vec<AdamWState> = m
        .tensors
        .iter()
        .map(|t| AdamWState::new(t.values.len()))
        .collect();
    let first = loss(&m);
    for step in 1..=20 {
        g.zero();
        Graph::new(m.weights().unwrap())
            .loss(&IDS, &labels(), None, Some(Grads::Full(&mut g)), None, 0)
            .unwrap();
        let opt = AdamWConfig {
            lr: 3e-3,
            weight_decay: 0.0,
            ..AdamWConfig::default()
        };
        for ((p, gr), s) in m.tensors.iter_mut().zip(&g.tensors).zip(states.iter_mut()) {
            adamw_step(&opt, step, &mut p.values, &gr.values, s);
        }
    }
    let last = loss(&m);
    eprintln!("full-parameter loss {first:.3} -> {last:.3}");
    assert!(last < 0.5 * first, "{first} -> {last}");
    let path = dir.path("trained.gguf");
    m.save_gguf(&path).unwrap();
    let mut engine = Engine::load(
        &path,
        EngineOptions {
            n_ctx: 64,
            threads: 2,
            exact: true,
        },
    )
    .unwrap();
    let theirs = engine.logits_all(&IDS, None).unwrap();
    let ours = Graph::new(m.weights().unwrap())
        .forward_logits(&IDS, None)
        .unwrap();
    let max = max_abs_diff(&ours, &theirs);
    assert!(max < 1e-3, "trained model: max |Δlogit| {max} vs llama.cpp");
}

/// Two sequences' gradients accumulate: the batch gradient is the sum of
/// each sequence's (what a pretraining step of several sequences relies on).
#[test]
fn full_gradients_accumulate_over_sequences() {
    let (_dir, m) = tiny(TinySpec::llama(), "full-accum");
    let a: Vec<i32> = IDS.to_vec();
    let b: Vec<i32> = IDS.iter().rev().map(|&x| x + 1).collect();
    let labels = |ids: &[i32]| -> Vec<i32> { ids.iter().skip(1).copied().chain([-1]).collect() };
    let graph = Graph::new(m.weights().unwrap());
    let grad_of = |seqs: &[&[i32]]| {
        let mut g = m.zeros_like();
        for ids in seqs {
            graph
                .loss(
                    ids,
                    &labels(ids),
                    None,
                    Some(Grads::Full(&mut g)),
                    Some(1.0),
                    2,
                )
                .unwrap();
        }
        g
    };
    let (ga, gb, both) = (grad_of(&[&a]), grad_of(&[&b]), grad_of(&[&a, &b]));
    for ((x, y), z) in ga.tensors.iter().zip(&gb.tensors).zip(&both.tensors) {
        let sum: Vec<f32> = x.values.iter().zip(&y.values).map(|(p, q)| p + q).collect();
        let diff = max_abs_diff(&sum, &z.values);
        let scale = sum.iter().fold(0f32, |m, v| m.max(v.abs()));
        assert!(
            diff <= 1e-5 * scale.max(1.0),
            "{}: accumulated gradient off by {diff} (scale {scale})",
            z.name
        );
    }
}
