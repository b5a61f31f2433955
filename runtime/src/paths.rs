//! Where agentcoder keeps downloaded models and data: outside git, in
//! `$AGENTCODER_CACHE` or `~/.cache/agentcoder`.

use std::path::PathBuf;

/// File name of the default model (SmolLM2-135M-Instruct, Q4_1).
pub const DEFAULT_MODEL_FILE: &str = "SmolLM2-135M-Instruct.Q4_1.gguf";

pub fn cache_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("AGENTCODER_CACHE") {
        return PathBuf::from(d);
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    home.join(".cache").join("agentcoder")
}

/// The default model as fetched by `make model`.
pub fn default_model() -> PathBuf {
    cache_dir().join("models").join(DEFAULT_MODEL_FILE)
}
