//! Attention against a naive f64 reference, finite differences and
//! thread-count independence.

use super::*;
use crate::fd::{assert_grad_close, numerical_grad, probe_loss, random_vec, time_ms, with_threads};
use crate::rng::Rng;

/// Straight from the definition, in f64: out (T,H,d), lse (H,T).
fn reference(
    cfg: &AttentionConfig,
    t: usize,
    q: &[f32],
    k: &[f32],
    v: &[f32],
) -> (Vec<f64>, Vec<f64>) {
    let (nh, ng, d) = (cfg.n_head, cfg.n_head_kv, cfg.head_dim);
    let mut out = vec![0.0f64; t * nh * d];
    let mut lse = vec![0.0f64; nh * t];
    for h in 0..nh {
        let g = h / (nh / ng);
        for i in 0..t {
            let s: Vec<f64> = (0..=i)
                .map(|j| {
                    let dot: f64 = (0..d)
                        .map(|c| q[(i * nh + h) * d + c] as f64 * k[(j * ng + g) * d + c] as f64)
                        .sum();
                    dot * cfg.scale as f64
                })
                .collect();
            let m = s.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let z: f64 = s.iter().map(|x| (x - m).exp()).sum();
            lse[h * t + i] = m + z.ln();
            for (j, sj) in s.iter().enumerate() {
                let p = (sj - m).exp() / z;
                for c in 0..d {
                    out[(i * nh + h) * d + c] += p * v[(j * ng + g) * d + c] as f64;
                }
            }
        }
    }
    (out, lse)
}

fn inputs(
    seed: u64,
    cfg: &AttentionConfig,
    t: usize,
    scale: f32,
) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let mut rng = Rng::new(seed);
    let q = random_vec(&mut rng, t * cfg.n_head * cfg.head_dim, scale);
    let k = random_vec(&mut rng, t * cfg.n_head_kv * cfg.head_dim, scale);
    let v = random_vec(&mut rng, t * cfg.n_head_kv * cfg.head_dim, 1.0);
    (q, k, v)
}

fn forward(
    cfg: &AttentionConfig,
    t: usize,
    q: &[f32],
    k: &[f32],
    v: &[f32],
) -> (Vec<f32>, Vec<f32>) {
    let mut out = vec![0.0; q.len()];
    let mut lse = vec![0.0; cfg.n_head * t];
    attention_forward(cfg, t, q, k, v, &mut out, &mut lse, None);
    (out, lse)
}

#[test]
fn forward_matches_naive_reference() {
    // Shapes cover: MHA, GQA groups of 2 and 3, MQA, one block and several
    // blocks with a ragged last one.
    for (i, &(nh, ng, d, t)) in [
        (2, 2, 8, 5),
        (4, 2, 16, 70),
        (3, 1, 4, 130),
        (6, 2, 8, 64),
        (1, 1, 3, 1),
    ]
    .iter()
    .enumerate()
    {
        let cfg = AttentionConfig::new(nh, ng, d);
        let (q, k, v) = inputs(i as u64, &cfg, t, 2.0);
        let (out, lse) = forward(&cfg, t, &q, &k, &v);
        let (want, want_lse) = reference(&cfg, t, &q, &k, &v);
        let err = out
            .iter()
            .zip(&want)
            .map(|(a, b)| (*a as f64 - b).abs())
            .fold(0.0, f64::max);
        assert!(
            err < 2e-5,
            "H={nh} Hkv={ng} d={d} T={t}: out max diff {err}"
        );
        let err = lse
            .iter()
            .zip(&want_lse)
            .map(|(a, b)| (*a as f64 - b).abs())
            .fold(0.0, f64::max);
        assert!(err < 2e-5, "lse max diff {err}");
    }
}

#[test]
fn first_token_attends_only_to_itself() {
    let cfg = AttentionConfig::new(2, 1, 4);
    let (q, k, v) = inputs(9, &cfg, 3, 1.0);
    let (out, _) = forward(&cfg, 3, &q, &k, &v);
    assert_eq!(&out[0..4], &v[0..4]);
    assert_eq!(&out[4..8], &v[0..4]);
}

/// Forward then backward with d_out = probe; `keep_probs` selects the
/// saved-probabilities path. Returns [out, lse, dq, dk, dv].
fn forward_backward(
    cfg: &AttentionConfig,
    t: usize,
    (q, k, v): (&[f32], &[f32], &[f32]),
    probe: &[f32],
    keep_probs: bool,
) -> [Vec<f32>; 5] {
    let mut out = vec![0.0; q.len()];
    let mut lse = vec![0.0; cfg.n_head * t];
    let mut probs = vec![0.0; if keep_probs { probs_len(cfg, t) } else { 0 }];
    let p = keep_probs.then_some(&mut probs[..]);
    attention_forward(cfg, t, q, k, v, &mut out, &mut lse, p);
    let (mut dq, mut dk, mut dv) = (vec![0.0; q.len()], vec![0.0; k.len()], vec![0.0; v.len()]);
    let p = keep_probs.then_some(&probs[..]);
    attention_backward(cfg, t, q, k, v, &lse, p, probe, &mut dq, &mut dk, &mut dv);
    [out, lse, dq, dk, dv]
}

fn check_backward(nh: usize, ng: usize, d: usize, t: usize) {
    let cfg = AttentionConfig::new(nh, ng, d);
    let (mut q, mut k, mut v) = inputs(100 + t as u64, &cfg, t, 1.5);
    let probe = random_vec(&mut Rng::new(5), q.len(), 1.0);
    let (kc, vc) = (k.clone(), v.clone());
    let gq = numerical_grad(&mut q, 1e-2, |q| {
        probe_loss(&forward(&cfg, t, q, &kc, &vc).0, &probe)
    });
    let qc = q.clone();
    let gk = numerical_grad(&mut k, 1e-2, |k| {
        probe_loss(&forward(&cfg, t, &qc, k, &vc).0, &probe)
    });
    let gv = numerical_grad(&mut v, 1e-2, |v| {
        probe_loss(&forward(&cfg, t, &qc, &kc, v).0, &probe)
    });
    for keep_probs in [false, true] {
        let [_, _, dq, dk, dv] = forward_backward(&cfg, t, (&q, &k, &v), &probe, keep_probs);
        assert_grad_close("attention dq", &dq, &gq, 1e-3);
        assert_grad_close("attention dk", &dk, &gk, 1e-3);
        assert_grad_close("attention dv", &dv, &gv, 1e-3);
    }
}

#[test]
fn backward_matches_finite_differences() {
    check_backward(2, 2, 4, 6);
    check_backward(4, 2, 3, 7); // GQA
    check_backward(3, 1, 2, 67); // MQA, three blocks, ragged last one
}

#[test]
fn saved_probabilities_and_thread_count_do_not_change_results() {
    let cfg = AttentionConfig::new(6, 2, 16);
    let t = 100;
    let (q, k, v) = inputs(77, &cfg, t, 1.0);
    let probe = random_vec(&mut Rng::new(78), q.len(), 1.0);
    let run = |threads: usize, keep: bool| {
        with_threads(threads, || {
            forward_backward(&cfg, t, (&q, &k, &v), &probe, keep)
        })
    };
    let base = run(1, false);
    for (threads, keep) in [(2, false), (1, true), (2, true)] {
        for (a, b) in base.iter().zip(&run(threads, keep)) {
            let err = crate::fd::max_abs_diff(a, b);
            assert!(
                err <= 1e-6,
                "threads={threads} keep_probs={keep}: differ by {err}"
            );
        }
    }
}

/// SmolLM2-135M shapes (H=9, Hkv=3, d=64, T=256). Run with
/// `cargo test -p kernels --release --lib timing -- --ignored --nocapture`.
#[test]
#[ignore = "timing, not a check"]
fn timing_smollm2_shapes() {
    let cfg = AttentionConfig::new(9, 3, 64);
    let t = 256;
    let (q, k, v) = inputs(1, &cfg, t, 1.0);
    let probe = random_vec(&mut Rng::new(2), q.len(), 1.0);
    let (mut out, mut lse) = (vec![0.0; q.len()], vec![0.0; 9 * t]);
    let (mut dq, mut dk, mut dv) = (vec![0.0; q.len()], vec![0.0; k.len()], vec![0.0; v.len()]);
    let mut probs = vec![0.0; probs_len(&cfg, t)];
    for threads in [1, 2] {
        for keep in [false, true] {
            let fwd = with_threads(threads, || {
                time_ms(10, || {
                    let p = keep.then_some(&mut probs[..]);
                    attention_forward(&cfg, t, &q, &k, &v, &mut out, &mut lse, p)
                })
            });
            let bwd = with_threads(threads, || {
                time_ms(10, || {
                    let p = keep.then_some(&probs[..]);
                    attention_backward(
                        &cfg, t, &q, &k, &v, &lse, p, &probe, &mut dq, &mut dk, &mut dv,
                    )
                })
            });
            println!(
                "attention T={t} threads={threads} keep_probs={keep}: forward {fwd:.2} ms, backward {bwd:.2} ms"
            );
        }
    }
}
