//! LoRA gradients of the whole llama / qwen2 graph against central finite
//! differences, and checkpointed vs kept activations.

use agentcoder_tests::tiny::{write_tiny_model, TinySpec};
use agentcoder_tests::{smollm2, TempDir};
use gguf::GgufFile;
use runtime::model::{Grads, Graph, LoraAdapter, LoraSpec, LoraTarget, Weights};

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
        .loss(ids, labels, Some(a), None, None, true)
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
        .loss(
            &ids,
            &labels,
            Some(&a),
            Some(Grads::Lora(&mut g)),
            None,
            true,
        )
        .unwrap();

    // Without checkpointing: the same gradients, bit for bit.
    let mut g2 = LoraAdapter::zeros(&graph.w.cfg, &a.spec);
    graph
        .loss(
            &ids,
            &labels,
            Some(&a),
            Some(Grads::Lora(&mut g2)),
            None,
            false,
        )
        .unwrap();
    assert_eq!(g, g2, "{tag}: checkpointing changed the gradients");

    // Directional derivative along the gradient: (L(θ+εu) − L(θ−εu)) / 2ε = |g|.
    let flat: Vec<f32> = g.tensors().iter().flat_map(|t| t.iter().copied()).collect();
    let norm = flat.iter().map(|&x| (x as f64).powi(2)).sum::<f64>().sqrt();
    assert!(norm > 1e-4, "{tag}: gradient is ~0 ({norm})");
    let eps = 1e-2f64;
    let shifted = |sign: f64| {
        let mut b = a.clone();
        for (p, gt) in b.tensors_mut().into_iter().zip(g.tensors()) {
            for (x, &gi) in p.iter_mut().zip(gt) {
                *x += (sign * eps * gi as f64 / norm) as f32;
            }
        }
        loss(&graph, &b, &ids, &labels)
    };
    let fd = (shifted(1.0) - shifted(-1.0)) / (2.0 * eps);
    let rel = (fd - norm).abs() / norm;
    eprintln!("{tag}: |g| = {norm:.6}, finite difference {fd:.6}, relative error {rel:.2e}");
    assert!(rel < 1e-3, "{tag}: relative error {rel}");

    // And element-wise on the largest entries of A and B of a few projections.
    let mut worst = 0f64;
    for (l, t) in [(0usize, 0usize), (1, 3), (0, 6), (1, 4)] {
        for which in 0..2 {
            let gt = if which == 0 {
                &g.layers[l][t].a
            } else {
                &g.layers[l][t].b
            };
            let i = gt
                .iter()
                .enumerate()
                .fold(
                    (0, 0f32),
                    |m, (i, &x)| if x.abs() > m.1 { (i, x.abs()) } else { m },
                )
                .0;
            let eval = |d: f32| {
                let mut b = a.clone();
                let p = if which == 0 {
                    &mut b.layers[l][t].a
                } else {
                    &mut b.layers[l][t].b
                };
                p[i] += d;
                loss(&graph, &b, &ids, &labels)
            };
            let h = 1e-2f32;
            let fd = (eval(h) - eval(-h)) / (2.0 * h as f64);
            let an = gt[i] as f64;
            let rel = (fd - an).abs() / an.abs().max(1e-3);
            worst = worst.max(rel);
        }
    }
    eprintln!("{tag}: worst element-wise relative error {worst:.2e}");
    assert!(worst < 2e-2, "{tag}: element-wise relative error {worst}");
}

#[test]
fn llama_lora_gradients_match_finite_differences() {
    check(TinySpec::llama(), "grad-llama");
}

#[test]
fn qwen2_lora_gradients_match_finite_differences() {
    check(TinySpec::qwen2(), "grad-qwen2");
}
