//! Full-parameter training of small models: every weight as an owned f32
//! tensor (dequantized once from the GGUF), the same layout for gradients,
//! and a writer back to an all-F32 GGUF that llama.cpp loads. For tiny
//! models trained from scratch; large models use LoRA on the frozen
//! quantized base instead.

use std::collections::HashMap;
use std::path::Path;

use gguf::{GgmlType, GgufFile, GgufWriter, Value};

use super::config::ModelConfig;
use super::weights::{TensorSource, Weights};
use crate::{Error, Result};

/// One owned tensor.
#[derive(Clone, Debug, PartialEq)]
pub struct OwnedTensor {
    pub name: String,
    /// ggml `ne` (shape[0] contiguous).
    pub shape: Vec<u64>,
    pub values: Vec<f32>,
}

/// All parameters of a model (or, with the same layout, their gradients).
#[derive(Clone, Debug)]
pub struct FullModel {
    pub cfg: ModelConfig,
    metadata: Vec<(String, Value)>,
    pub tensors: Vec<OwnedTensor>,
    index: HashMap<String, usize>,
}

impl FullModel {
    /// Copies every tensor of `f` into f32.
    pub fn from_gguf(f: &GgufFile) -> Result<FullModel> {
        let cfg = ModelConfig::from_gguf(f)?;
        let mut tensors = Vec::with_capacity(f.tensors().len());
        for t in f.tensors() {
            let mut values = vec![0f32; t.n_elements() as usize];
            kernels::quant::dequantize_row(t.ty, f.data(t), &mut values)
                .map_err(|e| Error::Unsupported(format!("tensor {}: {e}", t.name)))?;
            tensors.push(OwnedTensor {
                name: t.name.clone(),
                shape: t.shape.clone(),
                values,
            });
        }
        let index = tensors
            .iter()
            .enumerate()
            .map(|(i, t)| (t.name.clone(), i))
            .collect();
        Ok(FullModel {
            cfg,
            metadata: f.header.metadata.clone(),
            tensors,
            index,
        })
    }

    /// Same tensors, all zero: a gradient buffer.
    pub fn zeros_like(&self) -> FullModel {
        let mut z = self.clone();
        z.zero();
        z
    }

    pub fn zero(&mut self) {
        for t in &mut self.tensors {
            t.values.fill(0.0);
        }
    }

    pub fn get_mut(&mut self, name: &str) -> Option<&mut [f32]> {
        let i = *self.index.get(name)?;
        Some(&mut self.tensors[i].values)
    }

    pub fn get(&self, name: &str) -> Option<&[f32]> {
        self.index
            .get(name)
            .map(|&i| self.tensors[i].values.as_slice())
    }

    /// Weight views for the graph.
    pub fn weights(&self) -> Result<Weights<'_>> {
        Weights::from_source(self.cfg.clone(), self)
    }

    pub fn n_params(&self) -> usize {
        self.tensors.iter().map(|t| t.values.len()).sum()
    }

    /// Writes the model as an all-F32 GGUF with the original metadata.
    pub fn save_gguf(&self, path: &Path) -> Result<()> {
        let mut w = GgufWriter::new();
        for (k, v) in &self.metadata {
            w.set(k, v.clone());
        }
        for t in &self.tensors {
            w.add_f32(&t.name, &t.shape, &t.values)?;
        }
        w.write(path).map_err(Error::from)
    }
}

// f32 tensors are viewed as little-endian GGUF bytes.
#[cfg(target_endian = "little")]
impl TensorSource for FullModel {
    fn tensor_bytes(&self, name: &str) -> Option<(GgmlType, &[u64], &[u8])> {
        let t = &self.tensors[*self.index.get(name)?];
        // SAFETY: any f32 bit pattern is valid as bytes; the length covers
        // exactly the vector's initialized elements.
        let bytes = unsafe {
            std::slice::from_raw_parts(t.values.as_ptr().cast::<u8>(), t.values.len() * 4)
        };
        Some((GgmlType::F32, &t.shape, bytes))
    }
    fn describe(&self) -> String {
        "the in-memory model".into()
    }
}

/// The shape of a llama-architecture model trained from scratch.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct ScratchShape {
    pub n_layer: usize,
    pub n_embd: usize,
    pub n_head: usize,
    pub n_head_kv: usize,
    pub n_ff: usize,
    pub context: usize,
}

impl Default for ScratchShape {
    /// 4 layers of width 256: 4.2M parameters with a 4096-token vocabulary.
    fn default() -> Self {
        ScratchShape {
            n_layer: 4,
            n_embd: 256,
            n_head: 4,
            n_head_kv: 4,
            n_ff: 704,
            context: 512,
        }
    }
}

impl ScratchShape {
    /// Widths must split into heads and into ggml's 32-value blocks (the
    /// Q8_0 export).
    pub fn check(&self) -> Result<()> {
        let bad = |m: String| Err(Error::Input(m));
        if self.n_layer == 0 || self.n_head == 0 || self.n_head_kv == 0 || self.context < 8 {
            return bad(
                "n_layer, n_head and n_head_kv must be at least 1, context at least 8".into(),
            );
        }
        if !self.n_embd.is_multiple_of(self.n_head)
            || !(self.n_embd / self.n_head).is_multiple_of(2)
        {
            return bad(format!(
                "n_embd {} must split into n_head {} heads of an even width",
                self.n_embd, self.n_head
            ));
        }
        if !self.n_head.is_multiple_of(self.n_head_kv) {
            return bad(format!(
                "n_head {} must be a multiple of n_head_kv {}",
                self.n_head, self.n_head_kv
            ));
        }
        if !self.n_embd.is_multiple_of(32) || !self.n_ff.is_multiple_of(32) {
            return bad(format!(
                "n_embd {} and n_ff {} must be multiples of 32 (ggml's block size)",
                self.n_embd, self.n_ff
            ));
        }
        Ok(())
    }

    /// Parameters of the model with a vocabulary of `n_vocab` (tied head).
    pub fn n_params(&self, n_vocab: usize) -> usize {
        let (e, f) = (self.n_embd, self.n_ff);
        let kv = self.n_embd / self.n_head * self.n_head_kv;
        let layer = 2 * e + e * e * 2 + 2 * e * kv + 3 * e * f;
        n_vocab * e + e + self.n_layer * layer
    }
}

/// The architecture keys llama.cpp reads for a model of `shape` (RMS eps
/// 1e-5, RoPE base 10000 over the whole head).
pub fn write_hparams(w: &mut GgufWriter, arch: &str, name: &str, shape: &ScratchShape) {
    let a = arch;
    w.set_str("general.architecture", a)
        .set_str("general.name", name);
    w.set_u32(&format!("{a}.context_length"), shape.context as u32)
        .set_u32(&format!("{a}.embedding_length"), shape.n_embd as u32)
        .set_u32(&format!("{a}.block_count"), shape.n_layer as u32)
        .set_u32(&format!("{a}.feed_forward_length"), shape.n_ff as u32)
        .set_u32(&format!("{a}.attention.head_count"), shape.n_head as u32)
        .set_u32(
            &format!("{a}.attention.head_count_kv"),
            shape.n_head_kv as u32,
        )
        .set_f32(&format!("{a}.attention.layer_norm_rms_epsilon"), 1e-5)
        .set_f32(&format!("{a}.rope.freq_base"), 10000.0)
        .set_u32(
            &format!("{a}.rope.dimension_count"),
            (shape.n_embd / shape.n_head) as u32,
        );
}

/// Writes a freshly initialised all-F32 llama model of `shape` with the
/// `tokenizer` metadata: weights N(0, 0.02), the projections into the
/// residual stream (attn_output, ffn_down) N(0, 0.02/√(2·n_layer)) as in
/// GPT-2, norms 1, the head tied to the embedding.
pub fn write_scratch_model(
    shape: &ScratchShape,
    tokenizer: &[(String, Value)],
    n_vocab: usize,
    seed: u64,
    path: &Path,
) -> Result<()> {
    shape.check()?;
    let hd = shape.n_embd / shape.n_head;
    let mut w = GgufWriter::new();
    write_hparams(&mut w, "llama", "agentcoder-scratch", shape);
    w.set_u32("llama.vocab_size", n_vocab as u32);
    for (k, v) in tokenizer {
        w.set(k, v.clone());
    }
    let mut rng = kernels::rng::Rng::new(seed);
    let (e, f, v) = (shape.n_embd as u64, shape.n_ff as u64, n_vocab as u64);
    let kv = (hd * shape.n_head_kv) as u64;
    let residual = 0.02 / (2.0 * shape.n_layer as f32).sqrt();
    let mut add = |w: &mut GgufWriter, name: String, dims: &[u64], std: f32| -> Result<()> {
        let n = dims.iter().product::<u64>() as usize;
        let values: Vec<f32> = if std == 0.0 {
            vec![1.0; n]
        } else {
            (0..n).map(|_| std * rng.normal()).collect()
        };
        w.add_f32(&name, dims, &values)?;
        Ok(())
    };
    add(&mut w, "token_embd.weight".into(), &[e, v], 0.02)?;
    add(&mut w, "output_norm.weight".into(), &[e], 0.0)?;
    for l in 0..shape.n_layer {
        let n = |t: &str| format!("blk.{l}.{t}.weight");
        add(&mut w, n("attn_norm"), &[e], 0.0)?;
        add(&mut w, n("attn_q"), &[e, e], 0.02)?;
        add(&mut w, n("attn_k"), &[e, kv], 0.02)?;
        add(&mut w, n("attn_v"), &[e, kv], 0.02)?;
        add(&mut w, n("attn_output"), &[e, e], residual)?;
        add(&mut w, n("ffn_norm"), &[e], 0.0)?;
        add(&mut w, n("ffn_gate"), &[e, f], 0.02)?;
        add(&mut w, n("ffn_up"), &[e, f], 0.02)?;
        add(&mut w, n("ffn_down"), &[f, e], residual)?;
    }
    w.write(path).map_err(Error::from)
}
