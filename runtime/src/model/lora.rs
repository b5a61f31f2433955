//! LoRA adapter parameters: for each layer and target, A (r, in) and
//! B (out, r) row-major — the same bytes as llama.cpp's `lora_a`
//! (`ne = [in, r]`) and `lora_b` (`ne = [r, out]`). Applied as
//! `y += (alpha / r) · B·(A·x)`.

use kernels::adamw::{adamw_step, AdamWConfig, AdamWState};
use kernels::lora::{lora_init, LoraDims};
use kernels::rng::Rng;
use serde::{Deserialize, Serialize};

use super::config::{LoraTarget, ModelConfig};

/// One adapted projection.
#[derive(Clone, Debug, PartialEq)]
pub struct LoraPair {
    pub n_in: usize,
    pub n_out: usize,
    /// (r, n_in).
    pub a: Vec<f32>,
    /// (n_out, r).
    pub b: Vec<f32>,
}

impl LoraPair {
    pub fn rank(&self) -> usize {
        self.a.len() / self.n_in
    }
    pub fn dims(&self) -> LoraDims {
        LoraDims {
            n_in: self.n_in,
            n_out: self.n_out,
            rank: self.rank(),
        }
    }
}

/// Shape of an adapter: what it adapts and how strongly.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LoraSpec {
    pub rank: usize,
    pub alpha: f32,
    pub targets: Vec<LoraTarget>,
}

impl LoraSpec {
    /// `alpha / rank`, the multiplier of `B·A`.
    pub fn scale(&self) -> f32 {
        self.alpha / self.rank as f32
    }
}

/// Parameters (or, with the same layout, gradients) of a LoRA adapter.
#[derive(Clone, Debug, PartialEq)]
pub struct LoraAdapter {
    pub spec: LoraSpec,
    /// `layers[l][i]` is the pair of `spec.targets[i]` in layer l.
    pub layers: Vec<Vec<LoraPair>>,
}

impl LoraAdapter {
    /// All zeros (a gradient buffer, or B of a fresh adapter).
    pub fn zeros(cfg: &ModelConfig, spec: &LoraSpec) -> LoraAdapter {
        let layers = (0..cfg.n_layer)
            .map(|_| {
                spec.targets
                    .iter()
                    .map(|&t| {
                        let (n_in, n_out) = cfg.projection_shape(t);
                        LoraPair {
                            n_in,
                            n_out,
                            a: vec![0.0; spec.rank * n_in],
                            b: vec![0.0; n_out * spec.rank],
                        }
                    })
                    .collect()
            })
            .collect();
        LoraAdapter {
            spec: spec.clone(),
            layers,
        }
    }

    /// PEFT's initialisation: A ~ kaiming_uniform(a=√5) = U(−1/√in, 1/√in),
    /// B = 0, so the adapted model starts equal to the base.
    pub fn init(cfg: &ModelConfig, spec: &LoraSpec, seed: u64) -> LoraAdapter {
        let mut adapter = Self::zeros(cfg, spec);
        let mut rng = Rng::new(seed);
        for layer in &mut adapter.layers {
            for pair in layer.iter_mut() {
                let dims = pair.dims();
                lora_init(dims, &mut pair.a, &mut pair.b, &mut rng);
            }
        }
        adapter
    }

    /// The pair adapting `target` in `layer`, if adapted.
    pub fn pair(&self, layer: usize, target: LoraTarget) -> Option<&LoraPair> {
        let i = self.spec.targets.iter().position(|&t| t == target)?;
        self.layers.get(layer)?.get(i)
    }

    pub fn pair_mut(&mut self, layer: usize, target: LoraTarget) -> Option<&mut LoraPair> {
        let i = self.spec.targets.iter().position(|&t| t == target)?;
        self.layers.get_mut(layer)?.get_mut(i)
    }

    /// Every parameter tensor in a fixed order (layer, target, A then B).
    pub fn tensors(&self) -> Vec<&[f32]> {
        self.layers
            .iter()
            .flat_map(|l| l.iter().flat_map(|p| [p.a.as_slice(), p.b.as_slice()]))
            .collect()
    }

    pub fn tensors_mut(&mut self) -> Vec<&mut [f32]> {
        self.layers
            .iter_mut()
            .flat_map(|l| {
                l.iter_mut()
                    .flat_map(|p| [p.a.as_mut_slice(), p.b.as_mut_slice()])
            })
            .collect()
    }

    pub fn n_params(&self) -> usize {
        self.tensors().iter().map(|t| t.len()).sum()
    }

    /// Fresh AdamW moments, one per tensor in [`Self::tensors`] order.
    pub fn adamw_states(&self) -> Vec<AdamWState> {
        self.tensors()
            .iter()
            .map(|t| AdamWState::new(t.len()))
            .collect()
    }

    /// One AdamW update of every tensor with the gradients in `grads` (same
    /// layout); `step` counts from 1.
    pub fn adamw_update(
        &mut self,
        grads: &LoraAdapter,
        states: &mut [AdamWState],
        opt: &AdamWConfig,
        step: u64,
    ) {
        for ((p, g), st) in self
            .tensors_mut()
            .into_iter()
            .zip(grads.tensors())
            .zip(states.iter_mut())
        {
            adamw_step(opt, step, p, g, st);
        }
    }

    /// `self += s · other` (same layout).
    pub fn add_scaled(&mut self, other: &LoraAdapter, s: f32) {
        for (p, o) in self.tensors_mut().into_iter().zip(other.tensors()) {
            p.iter_mut().zip(o).for_each(|(p, o)| *p += s * o);
        }
    }

    /// Sets every value to zero (between optimizer steps).
    pub fn zero(&mut self) {
        for t in self.tensors_mut() {
            t.fill(0.0);
        }
    }
}
