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
