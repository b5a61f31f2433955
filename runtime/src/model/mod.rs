//! Model graphs: configuration from GGUF metadata, weight views over the
//! memory map, LoRA parameters, and the llama / qwen2 training forward and
//! backward.

mod adapter_file;
mod config;
mod full;
mod graph;
mod lora;
mod merge;
pub mod profile;
mod weights;

pub use config::{LoraTarget, ModelConfig, RopeLayout, SUPPORTED_ARCHITECTURES};
pub use full::{write_hparams, write_scratch_model, FullModel, OwnedTensor, ScratchShape};
pub use graph::{Grads, Graph};
pub use lora::{LoraAdapter, LoraPair, LoraSpec};
pub use merge::merge;
pub use weights::{LayerWeights, Linear, TensorSource, Weights};
