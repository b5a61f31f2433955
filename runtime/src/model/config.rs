//! Model hyperparameters read from GGUF metadata (`{arch}.*` keys, see
//! llama-arch.cpp), for the architectures our training graph supports.

use gguf::{GgufFile, MetadataExt, Value};
use serde::Serialize;

use crate::{Error, Result};

/// Architectures the training graph implements.
pub const SUPPORTED_ARCHITECTURES: &[&str] = &["llama", "qwen2"];

/// How RoPE pairs dimensions (llama.cpp `LLAMA_ROPE_TYPE_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RopeLayout {
    /// Adjacent pairs (2k, 2k+1): llama.
    Norm,
    /// Halves (k, k + n_rot/2): qwen2, gemma3, phi3.
    Neox,
}

#[derive(Clone, Debug, Serialize)]
pub struct ModelConfig {
    pub architecture: String,
    pub n_layer: usize,
    pub n_embd: usize,
    pub n_head: usize,
    pub n_head_kv: usize,
    pub head_dim: usize,
    pub n_ff: usize,
    pub n_vocab: usize,
    pub context_length: usize,
    pub rms_eps: f32,
    pub rope_layout: RopeLayout,
    pub rope_freq_base: f32,
    pub rope_freq_scale: f32,
    pub rope_dims: usize,
    /// No `output.weight`: the head reuses `token_embd.weight`.
    pub tied_embeddings: bool,
    /// q/k/v biases (qwen2).
    pub qkv_bias: bool,
}

impl ModelConfig {
    /// Reads the config of a supported architecture; names what is missing.
    pub fn from_gguf(f: &GgufFile) -> Result<ModelConfig> {
        let arch = f.require_str("general.architecture")?.to_string();
        let rope_layout = match arch.as_str() {
            "llama" => RopeLayout::Norm,
            "qwen2" => RopeLayout::Neox,
            other => {
                return Err(Error::Unsupported(format!(
                    "architecture '{other}' is not supported for training (supported: {})",
                    SUPPORTED_ARCHITECTURES.join(", ")
                )))
            }
        };
        let cfg = Self::read(f, arch, rope_layout)?;
        cfg.check_rope()?;
        Ok(cfg)
    }

    /// RoPE rotates `rope_dims` of each head's `head_dim` values in pairs:
    /// an odd, zero or too large count is a broken file, said here rather
    /// than by a kernel assertion mid-training.
    fn check_rope(&self) -> Result<()> {
        let n = self.rope_dims;
        if n == 0 || !n.is_multiple_of(2) || n > self.head_dim {
            return Err(Error::Unsupported(format!(
                "{}.rope.dimension_count = {n}: must be even and between 2 and the head \
                 size {}",
                self.architecture, self.head_dim
            )));
        }
        Ok(())
    }

    /// Reads the generic `{arch}.*` hyperparameters of any architecture
    /// (used by `inspect`); the RoPE layout is a best guess for unknown ones.
    pub fn describe(f: &GgufFile) -> Result<ModelConfig> {
        let arch = f.require_str("general.architecture")?.to_string();
        let layout = match arch.as_str() {
            "llama" | "mistral" | "deepseek" => RopeLayout::Norm,
            _ => RopeLayout::Neox,
        };
        Self::read(f, arch, layout)
    }

    fn read(f: &GgufFile, arch: String, rope_layout: RopeLayout) -> Result<ModelConfig> {
        let key = |k: &str| format!("{arch}.{k}");
        let u = |k: &str| f.require_u64(&key(k)).map(|v| v as usize);
        let n_embd = u("embedding_length")?;
        let n_head = u("attention.head_count")?;
        if n_head == 0 || n_embd % n_head != 0 {
            return Err(Error::Unsupported(format!(
                "{arch}.attention.head_count = {n_head} does not divide embedding_length {n_embd}"
            )));
        }
        let n_head_kv = f
            .require_u64(&key("attention.head_count_kv"))
            .map(|v| v as usize)
            .unwrap_or(n_head);
        if n_head_kv == 0 || n_head % n_head_kv != 0 {
            return Err(Error::Unsupported(format!(
                "head_count_kv {n_head_kv} does not divide head_count {n_head}"
            )));
        }
        let head_dim = f
            .require_u64(&key("attention.key_length"))
            .map(|v| v as usize)
            .unwrap_or(n_embd / n_head);
        let embd = f
            .tensor("token_embd.weight")
            .ok_or_else(|| Error::Unsupported("tensor token_embd.weight is missing".into()))?;
        let n_vocab = match f.get_value("tokenizer.ggml.tokens") {
            Some(Value::Array(_, items)) => items.len(),
            _ => embd.shape.get(1).copied().unwrap_or(0) as usize,
        };
        let rms_eps = f
            .require_f64(&key("attention.layer_norm_rms_epsilon"))
            .unwrap_or(1e-5) as f32;
        let rope_freq_scale = match f.require_f64(&key("rope.scaling.factor")) {
            Ok(factor) if factor > 0.0 => (1.0 / factor) as f32,
            _ => 1.0,
        };
        Ok(ModelConfig {
            n_layer: u("block_count")?,
            n_embd,
            n_head,
            n_head_kv,
            head_dim,
            n_ff: u("feed_forward_length")?,
            n_vocab,
            context_length: u("context_length").unwrap_or(2048),
            rms_eps,
            rope_layout,
            rope_freq_base: f.require_f64(&key("rope.freq_base")).unwrap_or(10000.0) as f32,
            rope_freq_scale,
            rope_dims: f
                .require_u64(&key("rope.dimension_count"))
                .map(|v| v as usize)
                .unwrap_or(head_dim),
            tied_embeddings: f.tensor("output.weight").is_none(),
            qkv_bias: f.tensor("blk.0.attn_q.bias").is_some(),
            architecture: arch,
        })
    }

    /// Width of the K and V projections.
    pub fn n_embd_kv(&self) -> usize {
        self.n_head_kv * self.head_dim
    }

    /// (input, output) width of each LoRA-able projection.
    pub fn projection_shape(&self, target: LoraTarget) -> (usize, usize) {
        let q = self.n_head * self.head_dim;
        match target {
            LoraTarget::Q => (self.n_embd, q),
            LoraTarget::K | LoraTarget::V => (self.n_embd, self.n_embd_kv()),
            LoraTarget::O => (q, self.n_embd),
            LoraTarget::Gate | LoraTarget::Up => (self.n_embd, self.n_ff),
            LoraTarget::Down => (self.n_ff, self.n_embd),
        }
    }
}

/// A projection LoRA can adapt.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoraTarget {
    Q,
    K,
    V,
    O,
    Gate,
    Up,
    Down,
}

/// One `T` per LoRA target, indexed by the target itself, so what one
/// pass stores per target and what another reads back cannot disagree on
/// a position.
#[derive(Clone, Debug, Default)]
pub struct PerTarget<T>([T; 7]);

impl<T> std::ops::Index<LoraTarget> for PerTarget<T> {
    type Output = T;
    fn index(&self, t: LoraTarget) -> &T {
        &self.0[t as usize]
    }
}

impl<T> std::ops::IndexMut<LoraTarget> for PerTarget<T> {
    fn index_mut(&mut self, t: LoraTarget) -> &mut T {
        &mut self.0[t as usize]
    }
}

// `PerTarget` indexes by discriminant: it must be the position in `ALL`.
const _: () = {
    let mut i = 0;
    while i < LoraTarget::ALL.len() {
        assert!(LoraTarget::ALL[i] as usize == i);
        i += 1;
    }
};

impl LoraTarget {
    pub const ALL: [LoraTarget; 7] = [
        LoraTarget::Q,
        LoraTarget::K,
        LoraTarget::V,
        LoraTarget::O,
        LoraTarget::Gate,
        LoraTarget::Up,
        LoraTarget::Down,
    ];

    /// The GGUF tensor name of this projection in layer `layer`.
    pub fn tensor_name(self, layer: usize) -> String {
        let t = match self {
            LoraTarget::Q => "attn_q",
            LoraTarget::K => "attn_k",
            LoraTarget::V => "attn_v",
            LoraTarget::O => "attn_output",
            LoraTarget::Gate => "ffn_gate",
            LoraTarget::Up => "ffn_up",
            LoraTarget::Down => "ffn_down",
        };
        format!("blk.{layer}.{t}.weight")
    }

    pub fn short_name(self) -> &'static str {
        match self {
            LoraTarget::Q => "q",
            LoraTarget::K => "k",
            LoraTarget::V => "v",
            LoraTarget::O => "o",
            LoraTarget::Gate => "gate",
            LoraTarget::Up => "up",
            LoraTarget::Down => "down",
        }
    }

    /// Parses `q,k,v,o,gate,up,down` (or `all`).
    pub fn parse_list(s: &str) -> Result<Vec<LoraTarget>> {
        if s.trim() == "all" {
            return Ok(Self::ALL.to_vec());
        }
        let mut out = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let t = Self::ALL
                .iter()
                .copied()
                .find(|t| t.short_name() == part)
                .ok_or_else(|| {
                    Error::Input(format!(
                        "unknown LoRA target '{part}' (choose from q,k,v,o,gate,up,down or all)"
                    ))
                })?;
            if !out.contains(&t) {
                out.push(t);
            }
        }
        if out.is_empty() {
            return Err(Error::Input("no LoRA targets given".into()));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gguf::GgufWriter;

    /// A llama GGUF with head_dim 16 and `rope.dimension_count` = `rope`
    /// (metadata and the embedding only: enough for the config).
    fn config_with_rope_dims(rope: u32) -> Result<ModelConfig> {
        let mut w = GgufWriter::new();
        w.set_str("general.architecture", "llama")
            .set_u32("llama.embedding_length", 64)
            .set_u32("llama.attention.head_count", 4)
            .set_u32("llama.block_count", 1)
            .set_u32("llama.feed_forward_length", 128)
            .set_u32("llama.rope.dimension_count", rope);
        w.add_f32("token_embd.weight", &[64, 8], &[0.0; 64 * 8])
            .expect("a valid f32 tensor");
        let tmp = test_support::TempDir::new("rope");
        let path = tmp.path(&format!("rope-{rope}.gguf"));
        w.write(&path).expect("temp dir is writable");
        let file = gguf::GgufFile::open(&path).expect("just written");
        ModelConfig::from_gguf(&file)
    }

    #[test]
    fn rope_dimension_count_must_be_even_and_fit_a_head() {
        assert_eq!(config_with_rope_dims(16).unwrap().rope_dims, 16);
        assert_eq!(config_with_rope_dims(8).unwrap().rope_dims, 8);
        for bad in [0, 15, 32] {
            let e = config_with_rope_dims(bad).unwrap_err().to_string();
            assert!(
                e.contains("rope.dimension_count") && e.contains(&bad.to_string()),
                "{bad}: {e}"
            );
        }
    }
}
