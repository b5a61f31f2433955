//! Tiny random-weight models written with our own GGUF writer, with the
//! exact metadata llama.cpp expects for each architecture. They borrow the
//! tokenizer of a real model so llama.cpp can tokenize for them.

use std::path::Path;

use gguf::{GgmlType, GgufFile, GgufWriter, Value};
use kernels::rng::Rng;

/// Shape and options of a tiny model.
#[derive(Clone, Debug)]
pub struct TinySpec {
    pub arch: &'static str,
    pub n_layer: usize,
    pub n_embd: usize,
    pub n_head: usize,
    pub n_head_kv: usize,
    pub n_ff: usize,
    /// No `output.weight`; the head reuses `token_embd.weight`.
    pub tied: bool,
    /// Type of the 2-D projection weights (norms and biases stay F32).
    pub weight_type: GgmlType,
    pub seed: u64,
}

impl TinySpec {
    pub fn llama() -> TinySpec {
        TinySpec {
            arch: "llama",
            n_layer: 2,
            n_embd: 64,
            n_head: 4,
            n_head_kv: 2,
            n_ff: 128,
            tied: true,
            weight_type: GgmlType::F32,
            seed: 1,
        }
    }
    pub fn qwen2() -> TinySpec {
        TinySpec {
            arch: "qwen2",
            tied: false,
            seed: 2,
            ..TinySpec::llama()
        }
    }
}

/// `n` values uniform in `offset ± scale`, from the kernels' seeded RNG.
fn noise(rng: &mut Rng, n: usize, scale: f32, offset: f32) -> Vec<f32> {
    (0..n)
        .map(|_| rng.uniform(offset - scale, offset + scale))
        .collect()
}

/// Encodes f32 values as a tensor of `ty` (F32 only until the kernels'
/// quantizers are wired in by `quantize`).
pub type Quantize<'a> = &'a dyn Fn(GgmlType, &[f32]) -> Vec<u8>;

pub fn f32_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// Writes a tiny model to `out`, copying every `tokenizer.*` key of `tok`.
pub fn write_tiny_model(spec: &TinySpec, tok: &GgufFile, out: &Path, quantize: Quantize<'_>) {
    let a = spec.arch;
    let hd = spec.n_embd / spec.n_head;
    let n_vocab = match tok
        .header
        .metadata
        .iter()
        .find(|(k, _)| k == "tokenizer.ggml.tokens")
    {
        Some((_, Value::Array(_, items))) => items.len(),
        _ => panic!("tokenizer source has no tokenizer.ggml.tokens"),
    };
    let mut w = GgufWriter::new();
    let shape = runtime::model::ScratchShape {
        n_layer: spec.n_layer,
        n_embd: spec.n_embd,
        n_head: spec.n_head,
        n_head_kv: spec.n_head_kv,
        n_ff: spec.n_ff,
        context: 512,
    };
    runtime::model::write_hparams(&mut w, a, &format!("tiny-{a}"), &shape);
    for (k, v) in &tok.header.metadata {
        if k.starts_with("tokenizer.") {
            w.set(k, v.clone());
        }
    }
    let mut rng = Rng::new(spec.seed);
    let e = spec.n_embd as u64;
    let add = |w: &mut GgufWriter, name: &str, shape: &[u64], values: Vec<f32>, ty: GgmlType| {
        let bytes = if ty == GgmlType::F32 {
            f32_bytes(&values)
        } else {
            quantize(ty, &values)
        };
        w.add_tensor(name, ty, shape, bytes).unwrap();
    };
    let wt = spec.weight_type;
    let v = n_vocab as u64;
    add(
        &mut w,
        "token_embd.weight",
        &[e, v],
        noise(&mut rng, spec.n_embd * n_vocab, 0.5, 0.0),
        wt,
    );
    add(
        &mut w,
        "output_norm.weight",
        &[e],
        noise(&mut rng, spec.n_embd, 0.2, 1.0),
        GgmlType::F32,
    );
    if !spec.tied {
        add(
            &mut w,
            "output.weight",
            &[e, v],
            noise(&mut rng, spec.n_embd * n_vocab, 0.3, 0.0),
            wt,
        );
    }
    let q = (spec.n_head * hd) as u64;
    let kv = (spec.n_head_kv * hd) as u64;
    let f = spec.n_ff as u64;
    let proj = |rng: &mut Rng, i: u64, o: u64| {
        noise(rng, (i * o) as usize, 1.0 / (i as f32).sqrt() * 1.7, 0.0)
    };
    for l in 0..spec.n_layer {
        let n = |t: &str| format!("blk.{l}.{t}");
        add(
            &mut w,
            &n("attn_norm.weight"),
            &[e],
            noise(&mut rng, spec.n_embd, 0.2, 1.0),
            GgmlType::F32,
        );
        let pq = proj(&mut rng, e, q);
        add(&mut w, &n("attn_q.weight"), &[e, q], pq, wt);
        let pk = proj(&mut rng, e, kv);
        add(&mut w, &n("attn_k.weight"), &[e, kv], pk, wt);
        let pv = proj(&mut rng, e, kv);
        add(&mut w, &n("attn_v.weight"), &[e, kv], pv, wt);
        if a == "qwen2" {
            add(
                &mut w,
                &n("attn_q.bias"),
                &[q],
                noise(&mut rng, q as usize, 0.3, 0.0),
                GgmlType::F32,
            );
            add(
                &mut w,
                &n("attn_k.bias"),
                &[kv],
                noise(&mut rng, kv as usize, 0.3, 0.0),
                GgmlType::F32,
            );
            add(
                &mut w,
                &n("attn_v.bias"),
                &[kv],
                noise(&mut rng, kv as usize, 0.3, 0.0),
                GgmlType::F32,
            );
        }
        let po = proj(&mut rng, q, e);
        add(&mut w, &n("attn_output.weight"), &[q, e], po, wt);
        add(
            &mut w,
            &n("ffn_norm.weight"),
            &[e],
            noise(&mut rng, spec.n_embd, 0.2, 1.0),
            GgmlType::F32,
        );
        let pg = proj(&mut rng, e, f);
        add(&mut w, &n("ffn_gate.weight"), &[e, f], pg, wt);
        let pu = proj(&mut rng, e, f);
        add(&mut w, &n("ffn_up.weight"), &[e, f], pu, wt);
        let pd = proj(&mut rng, f, e);
        add(&mut w, &n("ffn_down.weight"), &[f, e], pd, wt);
    }
    w.write(out).unwrap();
}
