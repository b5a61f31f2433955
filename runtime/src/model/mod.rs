//! Model graphs: configuration from GGUF metadata (and, later, the llama /
//! qwen2 training forward and backward).

mod config;

pub use config::{LoraTarget, ModelConfig, RopeLayout, SUPPORTED_ARCHITECTURES};
