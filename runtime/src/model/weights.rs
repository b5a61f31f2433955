//! Borrowed views of a model's weights inside the memory-mapped GGUF: the
//! quantized matrices are never copied; only the small norm vectors and
//! biases are read into f32.

use gguf::{GgmlType, GgufFile, TensorInfo};
use kernels::qmatmul::QWeight;

use super::config::{LoraTarget, ModelConfig};
use crate::{Error, Result};

/// A projection `y = W·x (+ b)`; W has `ne = [n_in, n_out]`.
pub struct Linear<'a> {
    pub w: QWeight<'a>,
    pub bias: Option<Vec<f32>>,
}

pub struct LayerWeights<'a> {
    pub attn_norm: Vec<f32>,
    pub q: Linear<'a>,
    pub k: Linear<'a>,
    pub v: Linear<'a>,
    pub o: Linear<'a>,
    pub ffn_norm: Vec<f32>,
    pub gate: Linear<'a>,
    pub up: Linear<'a>,
    pub down: Linear<'a>,
}

impl<'a> LayerWeights<'a> {
    pub fn linear(&self, t: LoraTarget) -> &Linear<'a> {
        match t {
            LoraTarget::Q => &self.q,
            LoraTarget::K => &self.k,
            LoraTarget::V => &self.v,
            LoraTarget::O => &self.o,
            LoraTarget::Gate => &self.gate,
            LoraTarget::Up => &self.up,
            LoraTarget::Down => &self.down,
        }
    }
}

pub struct Weights<'a> {
    pub cfg: ModelConfig,
    /// (n_vocab rows of n_embd).
    pub token_embd: QWeight<'a>,
    pub output_norm: Vec<f32>,
    /// `output.weight`, or `token_embd.weight` when tied.
    pub output: QWeight<'a>,
    pub layers: Vec<LayerWeights<'a>>,
}

impl<'a> Weights<'a> {
    /// Maps every tensor the llama / qwen2 graph needs, checking shapes.
    pub fn load(f: &'a GgufFile) -> Result<Weights<'a>> {
        Self::from_source(ModelConfig::from_gguf(f)?, f)
    }

    /// The same from any [`TensorSource`] (a GGUF file, or the owned f32
    /// parameters of full-parameter training).
    pub fn from_source(cfg: ModelConfig, f: &'a dyn TensorSource) -> Result<Weights<'a>> {
        let e = cfg.n_embd;
        let q_dim = cfg.n_head * cfg.head_dim;
        let kv = cfg.n_embd_kv();
        let token_embd = matrix(f, "token_embd.weight", e, cfg.n_vocab)?;
        let output = if cfg.tied_embeddings {
            token_embd
        } else {
            matrix(f, "output.weight", e, cfg.n_vocab)?
        };
        let output_norm = vector(f, "output_norm.weight", e)?;
        let mut layers = Vec::with_capacity(cfg.n_layer);
        for l in 0..cfg.n_layer {
            let n = |s: &str| format!("blk.{l}.{s}");
            let bias = |s: &str, len: usize| -> Result<Option<Vec<f32>>> {
                if cfg.qkv_bias {
                    vector(f, &n(s), len).map(Some)
                } else {
                    Ok(None)
                }
            };
            layers.push(LayerWeights {
                attn_norm: vector(f, &n("attn_norm.weight"), e)?,
                q: Linear {
                    w: matrix(f, &n("attn_q.weight"), e, q_dim)?,
                    bias: bias("attn_q.bias", q_dim)?,
                },
                k: Linear {
                    w: matrix(f, &n("attn_k.weight"), e, kv)?,
                    bias: bias("attn_k.bias", kv)?,
                },
                v: Linear {
                    w: matrix(f, &n("attn_v.weight"), e, kv)?,
                    bias: bias("attn_v.bias", kv)?,
                },
                o: Linear {
                    w: matrix(f, &n("attn_output.weight"), q_dim, e)?,
                    bias: None,
                },
                ffn_norm: vector(f, &n("ffn_norm.weight"), e)?,
                gate: Linear {
                    w: matrix(f, &n("ffn_gate.weight"), e, cfg.n_ff)?,
                    bias: None,
                },
                up: Linear {
                    w: matrix(f, &n("ffn_up.weight"), e, cfg.n_ff)?,
                    bias: None,
                },
                down: Linear {
                    w: matrix(f, &n("ffn_down.weight"), cfg.n_ff, e)?,
                    bias: None,
                },
            });
        }
        Ok(Weights {
            cfg,
            token_embd,
            output_norm,
            output,
            layers,
        })
    }
}

/// Where weights come from: name → (type, shape, bytes).
pub trait TensorSource {
    fn tensor_bytes(&self, name: &str) -> Option<(GgmlType, &[u64], &[u8])>;
    /// For error messages.
    fn describe(&self) -> String;
}

impl TensorSource for GgufFile {
    fn tensor_bytes(&self, name: &str) -> Option<(GgmlType, &[u64], &[u8])> {
        let t: &TensorInfo = self.tensor(name)?;
        Some((t.ty, &t.shape, self.data(t)))
    }
    fn describe(&self) -> String {
        self.path().display().to_string()
    }
}

fn tensor<'a>(f: &'a dyn TensorSource, name: &str) -> Result<(GgmlType, &'a [u64], &'a [u8])> {
    f.tensor_bytes(name).ok_or_else(|| {
        Error::Unsupported(format!("tensor '{name}' is missing from {}", f.describe()))
    })
}

fn matrix<'a>(
    f: &'a dyn TensorSource,
    name: &str,
    n_in: usize,
    n_out: usize,
) -> Result<QWeight<'a>> {
    let (ty, shape, data) = tensor(f, name)?;
    if shape != [n_in as u64, n_out as u64] {
        return Err(Error::Unsupported(format!(
            "tensor '{name}' has shape {shape:?}, expected [{n_in}, {n_out}]"
        )));
    }
    if !kernels::quant::is_supported(ty) {
        return Err(Error::Unsupported(format!(
            "tensor '{name}' has type {ty} which the kernels cannot dequantize"
        )));
    }
    Ok(QWeight {
        ty,
        data,
        n_in,
        n_out,
    })
}

fn vector(f: &dyn TensorSource, name: &str, len: usize) -> Result<Vec<f32>> {
    let (ty, shape, data) = tensor(f, name)?;
    if shape != [len as u64] {
        return Err(Error::Unsupported(format!(
            "tensor '{name}' has shape {shape:?}, expected [{len}]"
        )));
    }
    let mut out = vec![0.0; len];
    kernels::quant::dequantize_row(ty, data, &mut out)
        .map_err(|e| Error::Unsupported(format!("tensor '{name}' ({ty}): {e}")))?;
    Ok(out)
}
