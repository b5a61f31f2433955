//! LoRA adapters as llama.cpp adapter GGUFs (src/llama-adapter.cpp):
//! `general.type = "adapter"`, `adapter.type = "lora"`,
//! `adapter.lora.alpha` (F32), and per adapted weight `<name>.lora_a`
//! (`ne = [in, r]`) and `<name>.lora_b` (`ne = [r, out]`), stored F32.
//! Our A (r, in) and B (out, r) row-major are exactly those bytes.

use std::path::Path;

use gguf::{GgmlType, GgufFile, GgufWriter, MetadataExt, Value};

use super::config::{LoraTarget, ModelConfig};
use super::lora::{LoraAdapter, LoraPair, LoraSpec};
use crate::{Error, Result};

impl LoraAdapter {
    /// The adapter as a llama.cpp LoRA GGUF for a base model of `arch`.
    pub fn to_gguf(&self, arch: &str) -> Result<GgufWriter> {
        let mut w = GgufWriter::new();
        w.set_str("general.architecture", arch)
            .set_str("general.type", "adapter")
            .set_str("adapter.type", "lora")
            .set_f32("adapter.lora.alpha", self.spec.alpha)
            .set_str("general.name", "agentcoder LoRA");
        for (l, layer) in self.layers.iter().enumerate() {
            for (&target, p) in self.spec.targets.iter().zip(layer) {
                let base = target.tensor_name(l);
                let r = p.rank() as u64;
                let (a_name, b_name) = (format!("{base}.lora_a"), format!("{base}.lora_b"));
                w.add_f32(&a_name, &[p.n_in as u64, r], &p.a)?;
                w.add_f32(&b_name, &[r, p.n_out as u64], &p.b)?;
            }
        }
        Ok(w)
    }

    /// Writes the adapter GGUF atomically.
    pub fn save_gguf(&self, arch: &str, path: &Path) -> Result<()> {
        self.to_gguf(arch)?.write(path).map_err(Error::from)
    }

    /// Reads an adapter GGUF written by us or another tool (F32, F16 or
    /// Q8_0 tensors), checking it against the base model's shapes.
    pub fn load_gguf(path: &Path, cfg: &ModelConfig) -> Result<LoraAdapter> {
        let f = crate::open_gguf(path)?;
        let bad = |reason: String| Error::Model {
            path: path.to_path_buf(),
            reason,
        };
        if f.get_value("adapter.type").and_then(Value::as_str) != Some("lora") {
            return Err(bad(
                "not a LoRA adapter (adapter.type is not \"lora\")".into()
            ));
        }
        let arch = f.require_str("general.architecture")?;
        if arch != cfg.architecture {
            return Err(bad(format!(
                "adapter is for architecture '{arch}', the model is '{}'",
                cfg.architecture
            )));
        }
        let alpha = f.require_f64("adapter.lora.alpha")? as f32;
        let mut targets = Vec::new();
        let mut rank = 0;
        for t in LoraTarget::ALL {
            if f.tensor(&format!("{}.lora_a", t.tensor_name(0))).is_some() {
                targets.push(t);
            }
        }
        if targets.is_empty() {
            return Err(bad("no blk.0.*.lora_a tensors".into()));
        }
        let mut layers = Vec::with_capacity(cfg.n_layer);
        for l in 0..cfg.n_layer {
            let mut pairs = Vec::new();
            for &t in &targets {
                let (n_in, n_out) = cfg.projection_shape(t);
                let base = t.tensor_name(l);
                let a = read_f32(&f, &format!("{base}.lora_a"), path)?;
                let b = read_f32(&f, &format!("{base}.lora_b"), path)?;
                let r = a.0.get(1).copied().unwrap_or(0) as usize;
                if a.0 != [n_in as u64, r as u64] || b.0 != [r as u64, n_out as u64] || r == 0 {
                    return Err(bad(format!(
                        "{base}: lora_a {:?} / lora_b {:?} do not fit a [{n_in}, {n_out}] weight",
                        a.0, b.0
                    )));
                }
                if rank == 0 {
                    rank = r;
                } else if rank != r {
                    return Err(bad(format!(
                        "{base}: rank {r} differs from {rank} elsewhere"
                    )));
                }
                pairs.push(LoraPair {
                    n_in,
                    n_out,
                    a: a.1,
                    b: b.1,
                });
            }
            layers.push(pairs);
        }
        Ok(LoraAdapter {
            spec: LoraSpec {
                rank,
                alpha,
                targets,
            },
            layers,
        })
    }
}

fn read_f32(f: &GgufFile, name: &str, path: &Path) -> Result<(Vec<u64>, Vec<f32>)> {
    let (t, data) = f.tensor_data(name).map_err(|_| Error::Model {
        path: path.to_path_buf(),
        reason: format!("tensor {name} is missing"),
    })?;
    if !matches!(t.ty, GgmlType::F32 | GgmlType::F16 | GgmlType::Q8_0) {
        return Err(Error::Model {
            path: path.to_path_buf(),
            reason: format!("{name}: unsupported type {}", t.ty),
        });
    }
    let mut out = vec![0.0; t.n_elements() as usize];
    kernels::quant::dequantize_row(t.ty, data, &mut out).map_err(|e| Error::Model {
        path: path.to_path_buf(),
        reason: format!("{name}: {e}"),
    })?;
    Ok((t.shape.clone(), out))
}
