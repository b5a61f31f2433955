//! LoRA gradients of the whole llama / qwen2 graph against central finite
//! differences, and checkpointed vs kept activations.

use agentcoder_tests::tiny::{write_tiny_model, TinySpec};
use agentcoder_tests::{smollm2, TempDir};
use gguf::GgufFile;
use runtime::model::{Grads, Graph, LoraAdapter, LoraPair, LoraSpec, LoraTarget, Weights};

fn setup(spec: TinySpec, tag: &str) -> (TempDir, std::path::PathBuf) {
    let tok = GgufFile::open(smollm2()).unwrap();
    let dir = TempDir::new(tag);
    let path = dir.path("tiny.gguf");
    write_tiny_model(&spec, &tok, &path, &|_, _| unreachable!("F32 only"));
    (dir, path)
}

fn adapter(graph: &Graph<'_>) -> LoraAdapter {
    let spec = LoraSpec {
        rank: 2,
        alpha: 4.0,
        targets: LoraTarget::ALL.to_vec(),
    };
    let mut a = LoraAdapter::init(&graph.w.cfg, &spec, 5);
    let mut rng = kernels::rng::Rng::new(11);
    for layer in &mut a.layers {
        for p in layer.iter_mut() {
            rng.fill_uniform(&mut p.b, -0.3, 0.3);
        }
    }
    a
}

fn loss(graph: &Graph<'_>, a: &LoraAdapter, ids: &[i32], labels: &[i32]) -> f64 {
    graph
        .loss(ids, labels, Some(a), None, None, 0)
        .unwrap()
        .mean()
}

fn check(spec: TinySpec, tag: &str) {
    let (_dir, path) = setup(spec, tag);
    let file = GgufFile::open(&path).unwrap();
    let graph = Graph::new(Weights::load(&file).unwrap());
    let ids: Vec<i32> = vec![1, 504, 3000, 77, 12, 9001, 250, 4, 300, 42, 8, 15000];
    let labels: Vec<i32> = ids
        .iter()
        .skip(1)
        .copied()
        .chain([-1])
        .enumerate()
        .map(|(i, l)| if i < 3 { -1 } else { l })
        .collect();
    let a = adapter(&graph);
    let mut g = LoraAdapter::zeros(&graph.w.cfg, &a.spec);
    graph
        .loss(&ids, &labels, Some(&a), Some(Grads::Lora(&mut g)), None, 0)
        .unwrap();

    // Keeping some or all layers' activations instead of recomputing
    // them: the same gradients, bit for bit.
    for kept in [1, usize::MAX] {
        let mut g2 = LoraAdapter::zeros(&graph.w.cfg, &a.spec);
        graph
            .loss(
                &ids,
                &labels,
                Some(&a),
                Some(Grads::Lora(&mut g2)),
                None,
                kept,
            )
            .unwrap();
        assert_eq!(g, g2, "{tag}: keeping {kept} layers changed the gradients");
    }
    // The graph reuses the kept layers' buffers in the next call without
    // zeroing them: a shorter sequence in between (other sizes, stale
    // values) changes nothing either.
    let mut scratch = LoraAdapter::zeros(&graph.w.cfg, &a.spec);
    let grads = Some(Grads::Lora(&mut scratch));
    graph
        .loss(&ids[..7], &labels[..7], Some(&a), grads, None, usize::MAX)
        .unwrap();
    let mut g3 = LoraAdapter::zeros(&graph.w.cfg, &a.spec);
    let grads = Some(Grads::Lora(&mut g3));
    graph
        .loss(&ids, &labels, Some(&a), grads, None, usize::MAX)
        .unwrap();
    assert_eq!(
        g, g3,
        "{tag}: reused activation buffers changed the gradients"
    );

    // Directional derivative along the whole gradient:
    // (L(θ+εu) − L(θ−εu)) / 2ε = |g| for u = g/|g|. This cannot see a
    // block whose gradient is missing (the others still line up), hence
    // check_each_block.
    let norm = g.tensors().iter().map(|t| dot(t, t)).sum::<f64>().sqrt();
    assert!(norm > 1e-4, "{tag}: gradient is ~0 ({norm})");
    let mut along_g = g.clone();
    scale(&mut along_g, 1.0 / norm);
    let f = |b: &LoraAdapter| loss(&graph, b, &ids, &labels);
    let fd = loss_slope(&f, &a, &along_g);
    let rel = (fd - norm).abs() / norm;
    eprintln!("{tag}: |g| = {norm:.6}, finite difference {fd:.6}, relative error {rel:.2e}");
    assert!(rel < 1e-3, "{tag}: relative error {rel}");

    check_each_block(&graph, &a, &g, &f, tag);
}

/// Every block on its own, so that a missing or mis-scaled block cannot
/// hide behind the others as it can along g: A and B of each of the seven
/// targets in each layer, along the axis of the block's largest gradient
/// entry and along random unit directions u inside the block. Over those
/// directions, |fd − g·u| / max(|fd|, |g·u|) must stay under
/// BLOCK_TOLERANCE; a zeroed block scores 1.
fn check_each_block(
    graph: &Graph<'_>,
    a: &LoraAdapter,
    g: &LoraAdapter,
    loss: &dyn Fn(&LoraAdapter) -> f64,
    tag: &str,
) {
    assert_eq!(a.spec.targets, LoraTarget::ALL, "{tag}: every target");
    let mut rng = kernels::rng::Rng::new(29);
    let mut worst = (0f64, String::new());
    for l in 0..g.layers.len() {
        for (ti, target) in a.spec.targets.iter().enumerate() {
            for factor in [Factor::A, Factor::B] {
                let gb = factor.of(&g.layers[l][ti]);
                let (mut analytic, mut fd) = (Vec::new(), Vec::new());
                for d in 0..DIRECTIONS_PER_BLOCK {
                    let mut u = LoraAdapter::zeros(&graph.w.cfg, &a.spec);
                    let ub = factor.of_mut(&mut u.layers[l][ti]);
                    if d == 0 {
                        ub[argmax_abs(gb)] = 1.0;
                    } else {
                        ub.iter_mut().for_each(|x| *x = rng.normal());
                        let n = dot(ub, ub).sqrt();
                        ub.iter_mut().for_each(|x| *x = (*x as f64 / n) as f32);
                    }
                    analytic.push(dot(gb, factor.of(&u.layers[l][ti])));
                    fd.push(loss_slope(loss, a, &u));
                }
                let diff: f64 = analytic.iter().zip(&fd).map(|(x, y)| (x - y).powi(2)).sum();
                let size = sum_sq(&analytic).max(sum_sq(&fd));
                let rel = (diff / size).sqrt();
                let block = format!("layer {l} {target:?}.{factor:?}");
                assert!(
                    rel < BLOCK_TOLERANCE,
                    "{tag}: {block}: analytic {analytic:.5?} vs finite differences {fd:.5?} (relative error {rel:.2e})"
                );
                if rel > worst.0 {
                    worst = (rel, block);
                }
            }
        }
    }
    eprintln!(
        "{tag}: worst per-block relative error {:.2e} ({})",
        worst.0, worst.1
    );
}

/// Directions checked in each A or B block: its largest entry's axis, then
/// random ones.
const DIRECTIONS_PER_BLOCK: usize = 3;

/// Per-block relative error allowed. Measured: at most 4.5e-4 (f32 loss
/// noise over 2ε, ε = 1e-2); a zeroed block scores 1 and a block off by 1%
/// about 1e-2, both fail.
const BLOCK_TOLERANCE: f64 = 2e-3;

fn argmax_abs(xs: &[f32]) -> usize {
    (0..xs.len())
        .max_by(|&i, &j| xs[i].abs().total_cmp(&xs[j].abs()))
        .expect("a LoRA block is never empty")
}

#[derive(Debug, Clone, Copy)]
enum Factor {
    A,
    B,
}

impl Factor {
    fn of(self, p: &LoraPair) -> &[f32] {
        match self {
            Factor::A => &p.a,
            Factor::B => &p.b,
        }
    }
    fn of_mut(self, p: &mut LoraPair) -> &mut [f32] {
        match self {
            Factor::A => &mut p.a,
            Factor::B => &mut p.b,
        }
    }
}

fn dot(x: &[f32], y: &[f32]) -> f64 {
    x.iter().zip(y).map(|(&a, &b)| a as f64 * b as f64).sum()
}

fn sum_sq(x: &[f64]) -> f64 {
    x.iter().map(|v| v * v).sum()
}

fn scale(u: &mut LoraAdapter, s: f64) {
    for t in u.tensors_mut() {
        t.iter_mut().for_each(|x| *x = (*x as f64 * s) as f32);
    }
}

/// Central difference of `loss` at `a` along `u` (a unit vector with
/// the adapter's shape): (L(a+εu) − L(a−εu)) / 2ε, ε = 1e-2.
fn loss_slope(loss: &dyn Fn(&LoraAdapter) -> f64, a: &LoraAdapter, u: &LoraAdapter) -> f64 {
    slope_at(loss, a, u, 1e-2)
}

fn slope_at(loss: &dyn Fn(&LoraAdapter) -> f64, a: &LoraAdapter, u: &LoraAdapter, eps: f64) -> f64 {
    let shifted = |sign: f64| {
        let mut b = a.clone();
        for (p, ut) in b.tensors_mut().into_iter().zip(u.tensors()) {
            for (x, &ui) in p.iter_mut().zip(ut) {
                *x += (sign * eps * ui as f64) as f32;
            }
        }
        loss(&b)
    };
    (shifted(1.0) - shifted(-1.0)) / (2.0 * eps)
}

#[test]
fn llama_lora_gradients_match_finite_differences() {
    check(TinySpec::llama(), "grad-llama");
}

#[test]
fn qwen2_lora_gradients_match_finite_differences() {
    check(TinySpec::qwen2(), "grad-qwen2");
}

/// A fixed prompt followed by `answer`, with targets on the answer's
/// tokens only (the shape of a DPO or GRPO answer).
fn example(answer: &[i32]) -> runtime::train::data::Example {
    let prompt = [1, 504, 3000, 77, 12];
    let ids: Vec<i32> = prompt.iter().chain(answer).copied().collect();
    let labels = (0..ids.len())
        .map(|i| {
            if i + 1 >= prompt.len() && i + 1 < ids.len() {
                ids[i + 1]
            } else {
                -1
            }
        })
        .collect();
    runtime::train::data::Example {
        ids,
        labels,
        line: 1,
    }
}

/// The DPO loss of one pair through the whole graph: its LoRA gradient
/// against finite differences (along the gradient and block by block),
/// with a reference adapter of its own and label smoothing so that every
/// term is live; and the loss is exactly log 2 when the policy is the
/// reference.
#[test]
fn dpo_gradients_match_finite_differences() {
    use runtime::train::data::Dataset;
    use runtime::train::dpo::{self, Dpo};
    let (_dir, path) = setup(TinySpec::llama(), "grad-dpo");
    let file = GgufFile::open(&path).unwrap();
    let graph = Graph::new(Weights::load(&file).unwrap());
    // One prompt, two answers.
    let ds = Dataset {
        examples: vec![example(&[9001, 250, 4, 300])],
        rejected: vec![example(&[42, 8, 15000])],
        ..Dataset::default()
    };
    let pair = (&ds.examples[0], &ds.rejected[0]);
    let d = Dpo {
        beta: 0.1,
        label_smoothing: 0.1,
    };

    // Policy = reference (B = 0, the reference the base): z = 0, L = log 2.
    let fresh = LoraAdapter::init(&graph.w.cfg, &adapter(&graph).spec, 3);
    let base_refs = dpo::reference(&graph, &ds, None).unwrap();
    let plain = Dpo {
        beta: 0.1,
        label_smoothing: 0.0,
    };
    let at_start = plain.forward(&graph, pair, &fresh, base_refs[0]).unwrap();
    assert!(
        (at_start.loss - std::f64::consts::LN_2).abs() < 1e-9 && at_start.z.abs() < 1e-9,
        "{at_start:?}"
    );

    let a = adapter(&graph);
    let mut reference = LoraAdapter::init(&graph.w.cfg, &a.spec, 8);
    let mut rng = kernels::rng::Rng::new(13);
    for layer in &mut reference.layers {
        for p in layer.iter_mut() {
            rng.fill_uniform(&mut p.b, -0.3, 0.3);
        }
    }
    let refs = dpo::reference(&graph, &ds, Some(&reference)).unwrap();
    let mut g = LoraAdapter::zeros(&graph.w.cfg, &a.spec);
    let mut scratch = [g.clone(), g.clone()];
    let out = d
        .backward(&graph, pair, &a, refs[0], &mut g, 1.0, &mut scratch, 0)
        .unwrap();
    assert_eq!(out, d.forward(&graph, pair, &a, refs[0]).unwrap());
    assert!(out.z.abs() > 1e-3, "a margin away from 0: {out:?}");
    let f = |b: &LoraAdapter| d.forward(&graph, pair, b, refs[0]).unwrap().loss;
    check_along_gradient_and_per_block(&graph, &a, &g, &f, "dpo");
}

/// The slope of `loss` along the unit gradient against |g| (relative error
/// below 1e-3), then [`check_each_block`]. The sigmoid (DPO) and the
/// exponentials (GRPO's ratio and KL) bend the loss along g: ε = 4e-3
/// keeps the central difference's O(ε²) error near 1e-4 (DPO: 8e-4 at 1e-2).
fn check_along_gradient_and_per_block(
    graph: &Graph<'_>,
    a: &LoraAdapter,
    g: &LoraAdapter,
    loss: &dyn Fn(&LoraAdapter) -> f64,
    tag: &str,
) {
    let norm = g.tensors().iter().map(|t| dot(t, t)).sum::<f64>().sqrt();
    assert!(norm > 1e-4, "{tag}: gradient is ~0 ({norm})");
    let mut along_g = g.clone();
    scale(&mut along_g, 1.0 / norm);
    let fd = slope_at(loss, a, &along_g, 4e-3);
    let rel = (fd - norm).abs() / norm;
    eprintln!("{tag}: |g| = {norm:.6}, finite difference {fd:.6}, relative error {rel:.2e}");
    assert!(rel < 1e-3, "{tag}: relative error {rel}");
    check_each_block(graph, a, g, loss, tag);
}

/// The int8 compute path against the f32 path on the real model: the
/// gradients of one step point the same way (cosine ≥ 0.98: dX flows back
/// through 30 layers of int8 matmuls), and 20 AdamW steps from the same
/// start give per-step losses within 3% (or 0.01) of the f32 run's while
/// both fall. The tolerance is the int8 path's bounded quantization error
/// (activations per 32 values to i8, weights to 7-bit codes, see
/// `kernels::int8`), not float noise; the learning rate is low enough that
/// neither run spikes (a spike would amplify any difference).
#[test]
fn int8_training_follows_the_f32_run() {
    use kernels::adamw::AdamWConfig;
    use kernels::qmatmul::Compute;
    let model = smollm2();
    let file = GgufFile::open(&model).unwrap();
    let tok = runtime::infer::Tokenizer::load(&model).unwrap();
    let ids = tok.tokenize(
        "def mean(xs):\n    return sum(xs) / len(xs)\n\nprint(mean([1, 2, 3, 4]))  # 2.5\n",
    );
    let labels: Vec<i32> = ids.iter().skip(1).copied().chain([-1]).collect();
    let spec = LoraSpec {
        rank: 4,
        alpha: 8.0,
        targets: LoraTarget::ALL.to_vec(),
    };
    let run = |compute: Compute, coded: bool| {
        let mut graph = Graph::new(Weights::load(&file).unwrap()).with_compute(compute);
        if coded {
            graph = graph.code_int8();
            assert!(graph.int8_coded());
        }
        let mut a = LoraAdapter::init(&graph.w.cfg, &spec, 3);
        let mut states = a.adamw_states();
        let opt = AdamWConfig {
            lr: 2e-4,
            ..AdamWConfig::default()
        };
        let (mut losses, mut first_grads) = (Vec::new(), None);
        for step in 1..=20u64 {
            let mut g = LoraAdapter::zeros(&graph.w.cfg, &spec);
            let s = graph
                .loss(&ids, &labels, Some(&a), Some(Grads::Lora(&mut g)), None, 0)
                .unwrap();
            losses.push(s.mean());
            a.adamw_update(&g, &mut states, &opt, step);
            first_grads.get_or_insert(g);
        }
        (losses, first_grads.unwrap())
    };
    let (l32, g32) = run(Compute::F32, false);
    let (l8, g8) = run(Compute::Int8, false);
    // Weights coded once give the very numbers of coding them per product.
    let (l8c, g8c) = run(Compute::Int8, true);
    assert_eq!(l8, l8c, "losses with the weights coded once");
    assert!(
        g8.tensors() == g8c.tensors(),
        "gradients with the weights coded once"
    );
    let flat = |g: &LoraAdapter| -> Vec<f64> {
        g.tensors()
            .iter()
            .flat_map(|t| t.iter().map(|&x| x as f64))
            .collect()
    };
    let (a, b) = (flat(&g32), flat(&g8));
    let dot: f64 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
    let cos = dot
        / (a.iter().map(|x| x * x).sum::<f64>().sqrt()
            * b.iter().map(|x| x * x).sum::<f64>().sqrt());
    eprintln!("int8 vs f32: gradient cosine {cos:.5}");
    eprintln!("f32 losses  {l32:.4?}\nint8 losses {l8:.4?}");
    assert!(
        cos >= 0.98,
        "int8 gradients diverge from f32 (cosine {cos})"
    );
    for (i, (x, y)) in l32.iter().zip(&l8).enumerate() {
        let tol = (0.03 * x.abs()).max(0.01);
        assert!(
            (x - y).abs() <= tol,
            "step {}: f32 loss {x} vs int8 {y}",
            i + 1
        );
    }
    assert!(
        l32[19] < 0.8 * l32[0] && l8[19] < 0.8 * l8[0],
        "the losses did not fall"
    );
}

/// The GRPO objective of one group through the whole graph: its LoRA
/// gradient against finite differences (along the gradient and block by
/// block), with a sampling policy of its own so that ratios differ from 1
/// and some tokens are clipped, and a KL penalty to the base; with every
/// advantage 0 and no KL the gradient is exactly zero; at ρ = 1 with
/// A = −1 and no KL it is minus the SFT gradient of the answer.
#[test]
fn grpo_gradients_match_finite_differences() {
    use runtime::train::grpo::{self, Answer, Grpo};
    let (_dir, path) = setup(TinySpec::llama(), "grad-grpo");
    let file = GgufFile::open(&path).unwrap();
    let graph = Graph::new(Weights::load(&file).unwrap());
    let examples = [
        example(&[9001, 250, 4, 300]),
        example(&[42, 8, 15000]),
        example(&[9001, 8, 4, 4, 300]),
    ];
    let adv = grpo::advantages(&[0.0, 1.0, 0.3]).unwrap();
    let a = adapter(&graph);
    // The policy that sampled: another adapter, so ratios move off 1.
    let mut sampler = LoraAdapter::init(&graph.w.cfg, &a.spec, 8);
    let mut rng = kernels::rng::Rng::new(17);
    for layer in &mut sampler.layers {
        for p in layer.iter_mut() {
            rng.fill_uniform(&mut p.b, -0.3, 0.3);
        }
    }
    let answers: Vec<Answer> = examples
        .iter()
        .zip(&adv)
        .map(|(e, &advantage)| Answer {
            example: e.clone(),
            advantage,
            old: Some(grpo::token_logps(&graph, e, Some(&sampler)).unwrap()),
            reference: Some(grpo::token_logps(&graph, e, None).unwrap()),
        })
        .collect();
    let g_obj = Grpo { clip: 0.2, kl: 0.1 };
    let w = 1.0 / answers.len() as f64;
    let mut g = LoraAdapter::zeros(&graph.w.cfg, &a.spec);
    let (mut clipped, mut tokens) = (0, 0);
    for ans in &answers {
        let o = g_obj.backward(&graph, ans, &a, w, &mut g, 0).unwrap();
        assert_eq!(
            o,
            g_obj.forward(&graph, ans, &a).unwrap(),
            "backward reports what forward computes"
        );
        clipped += o.clipped;
        tokens += o.tokens;
    }
    eprintln!("grpo: {clipped} of {tokens} tokens clipped");
    assert!(
        clipped > 0 && clipped < tokens,
        "both branches of the min are live"
    );
    let f = |b: &LoraAdapter| -> f64 {
        answers
            .iter()
            .map(|ans| w * g_obj.forward(&graph, ans, b).unwrap().loss)
            .sum()
    };
    check_along_gradient_and_per_block(&graph, &a, &g, &f, "grpo");

    // Equal rewards: no advantage, and without KL no gradient at all.
    let flat = Grpo { clip: 0.2, kl: 0.0 };
    let mut zero = LoraAdapter::zeros(&graph.w.cfg, &a.spec);
    for ans in &answers {
        let equal = Answer {
            example: ans.example.clone(),
            advantage: 0.0,
            old: ans.old.clone(),
            reference: None,
        };
        flat.backward(&graph, &equal, &a, w, &mut zero, 0).unwrap();
    }
    assert!(zero.tensors().iter().all(|t| t.iter().all(|&x| x == 0.0)));
    assert_eq!(grpo::advantages(&[0.5; 4]), None);

    // ρ = 1, A = −1, no KL: ∇ mean ℓ = ∇ mean log π = −∇ mean CE.
    let e = &examples[0];
    let push_down = Answer {
        example: e.clone(),
        advantage: -1.0,
        old: None,
        reference: None,
    };
    let mut pg = LoraAdapter::zeros(&graph.w.cfg, &a.spec);
    flat.backward(&graph, &push_down, &a, 1.0, &mut pg, 0)
        .unwrap();
    let mut sft = LoraAdapter::zeros(&graph.w.cfg, &a.spec);
    graph
        .loss(
            &e.ids,
            &e.labels,
            Some(&a),
            Some(Grads::Lora(&mut sft)),
            None,
            0,
        )
        .unwrap();
    for (x, y) in pg.tensors().iter().zip(sft.tensors()) {
        for (p, q) in x.iter().zip(y) {
            assert!((p + q).abs() <= 1e-6 * q.abs().max(1e-3), "{p} vs -{q}");
        }
    }
}
