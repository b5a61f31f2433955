//! `agentcoder inspect`: what a GGUF file holds and what it will cost to run
//! and to train, read with our own reader (no llama.cpp needed).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

use gguf::{MetadataExt, Value};
use serde::Serialize;

use crate::memory::{self, MemoryEstimate};
use crate::model::{LoraTarget, ModelConfig};
use crate::Result;
use host::human_bytes;

#[derive(Debug, Serialize)]
pub struct TypeCount {
    pub tensors: usize,
    pub bytes: u64,
}

#[derive(Debug, Serialize)]
pub struct TokenizerInfo {
    pub model: Option<String>,
    pub pre: Option<String>,
    pub n_tokens: usize,
    pub n_merges: usize,
    pub bos_token_id: Option<u64>,
    pub eos_token_id: Option<u64>,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub path: String,
    pub file_size: u64,
    pub gguf_version: u32,
    pub name: Option<String>,
    pub architecture: String,
    pub config: Option<ModelConfig>,
    /// Why `config` is absent, if it is.
    pub config_error: Option<String>,
    pub n_tensors: usize,
    pub n_params: u64,
    pub tensor_types: BTreeMap<String, TypeCount>,
    pub tokenizer: TokenizerInfo,
    pub chat_template: Option<String>,
    pub n_metadata: usize,
    pub memory_context: usize,
    pub inference_memory: Option<MemoryEstimate>,
    pub training_rank: usize,
    pub training_memory: Option<MemoryEstimate>,
}

/// Reads a GGUF and estimates memory for inference at `n_ctx` and for LoRA
/// training (all targets, `rank`) at sequence length `n_ctx`.
pub fn inspect(path: &Path, n_ctx: usize, rank: usize) -> Result<Report> {
    let f = crate::open_gguf(path)?;
    let architecture = f.require_str("general.architecture")?.to_string();
    let (config, config_error) = match ModelConfig::describe(&f) {
        Ok(c) => (Some(c), None),
        Err(e) => (None, Some(e.to_string())),
    };
    let mut tensor_types: BTreeMap<String, TypeCount> = BTreeMap::new();
    let mut n_params = 0;
    for t in f.tensors() {
        let e = tensor_types
            .entry(t.ty.name().to_string())
            .or_insert(TypeCount {
                tensors: 0,
                bytes: 0,
            });
        e.tensors += 1;
        e.bytes += t.n_bytes;
        n_params += t.n_elements();
    }
    let str_of = |k: &str| f.get_value(k).and_then(Value::as_str).map(str::to_string);
    let len_of = |k: &str| {
        f.get_value(k)
            .and_then(Value::as_array)
            .map_or(0, <[Value]>::len)
    };
    let tokenizer = TokenizerInfo {
        model: str_of("tokenizer.ggml.model"),
        pre: str_of("tokenizer.ggml.pre"),
        n_tokens: len_of("tokenizer.ggml.tokens"),
        n_merges: len_of("tokenizer.ggml.merges"),
        bos_token_id: f
            .get_value("tokenizer.ggml.bos_token_id")
            .and_then(Value::as_u64),
        eos_token_id: f
            .get_value("tokenizer.ggml.eos_token_id")
            .and_then(Value::as_u64),
    };
    let size = f.file_size();
    let inference_memory = config.as_ref().map(|c| memory::inference(c, size, n_ctx));
    let training_memory = config
        .as_ref()
        .map(|c| memory::training(c, size, rank, &LoraTarget::ALL, n_ctx));
    Ok(Report {
        path: path.display().to_string(),
        file_size: size,
        gguf_version: f.header.version,
        name: str_of("general.name"),
        architecture,
        config,
        config_error,
        n_tensors: f.tensors().len(),
        n_params,
        tensor_types,
        tokenizer,
        chat_template: str_of("tokenizer.chat_template"),
        n_metadata: f.header.metadata.len(),
        memory_context: n_ctx,
        inference_memory,
        training_rank: rank,
        training_memory,
    })
}

impl Report {
    /// The human-readable rendering.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "file          {} ({}, GGUF v{})",
            self.path,
            human_bytes(self.file_size),
            self.gguf_version
        );
        if let Some(n) = &self.name {
            let _ = writeln!(s, "name          {n}");
        }
        let _ = writeln!(s, "architecture  {}", self.architecture);
        let _ = writeln!(
            s,
            "parameters    {:.1} M in {} tensors",
            self.n_params as f64 / 1e6,
            self.n_tensors
        );
        if let Some(c) = &self.config {
            let _ = writeln!(s, "layers        {}", c.n_layer);
            let _ = writeln!(s, "embedding     {}", c.n_embd);
            let _ = writeln!(
                s,
                "heads         {} (kv {}, head dim {})",
                c.n_head, c.n_head_kv, c.head_dim
            );
            let _ = writeln!(s, "ffn           {}", c.n_ff);
            let _ = writeln!(s, "vocab         {}", c.n_vocab);
            let _ = writeln!(s, "context       {}", c.context_length);
            let _ = writeln!(
                s,
                "rope          {:?}, base {}, dims {}, scale {}",
                c.rope_layout, c.rope_freq_base, c.rope_dims, c.rope_freq_scale
            );
            let _ = writeln!(s, "rms eps       {:e}", c.rms_eps);
            let _ = writeln!(
                s,
                "output head   {}",
                if c.tied_embeddings {
                    "tied to token_embd"
                } else {
                    "output.weight"
                }
            );
        } else if let Some(e) = &self.config_error {
            let _ = writeln!(s, "hyperparams   unavailable: {e}");
        }
        let t = &self.tokenizer;
        let _ = writeln!(
            s,
            "tokenizer     {} (pre {}), {} tokens, {} merges, bos {}, eos {}",
            t.model.as_deref().unwrap_or("?"),
            t.pre.as_deref().unwrap_or("-"),
            t.n_tokens,
            t.n_merges,
            t.bos_token_id.map_or("-".into(), |v| v.to_string()),
            t.eos_token_id.map_or("-".into(), |v| v.to_string())
        );
        match &self.chat_template {
            Some(tpl) => {
                let first: String = tpl
                    .chars()
                    .take(70)
                    .collect::<String>()
                    .replace('\n', "\\n");
                let _ = writeln!(s, "chat template {} chars: {first}…", tpl.chars().count());
            }
            None => {
                let _ = writeln!(s, "chat template none");
            }
        }
        let _ = writeln!(s, "tensor types");
        for (ty, c) in &self.tensor_types {
            let _ = writeln!(
                s,
                "  {ty:<8} {:>4} tensors  {:>10}",
                c.tensors,
                human_bytes(c.bytes)
            );
        }
        if let Some(m) = &self.inference_memory {
            let _ = writeln!(
                s,
                "memory        inference at ctx {}: ~{} (weights {}, KV cache {}, compute {})",
                self.memory_context,
                human_bytes(m.total_bytes),
                human_bytes(m.weights_bytes),
                human_bytes(m.cache_bytes),
                human_bytes(m.scratch_bytes)
            );
        }
        if let Some(m) = &self.training_memory {
            let _ = writeln!(
                s,
                "              LoRA training r={} all targets, seq {}: ~{} (adapter+AdamW {}, checkpoints {}, scratch {})",
                self.training_rank,
                self.memory_context,
                human_bytes(m.total_bytes),
                human_bytes(m.adapter_bytes),
                human_bytes(m.cache_bytes),
                human_bytes(m.scratch_bytes)
            );
        }
        s
    }
}
