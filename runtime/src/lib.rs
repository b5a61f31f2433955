//! The agentcoder runtime: model graphs (llama, qwen2), LoRA trainer,
//! inference through llama.cpp (`llama-cpp-2`), prompt formats, the agent
//! loop, evaluation and benchmarks. It is the only crate that talks to
//! llama.cpp; the `agentcoder` binary (`runtime/cli`) only
//! parses arguments and calls into it.
//!
//! ```no_run
//! use runtime::infer::{Engine, EngineOptions, SamplingParams};
//! let mut engine = Engine::load("SmolLM2-135M-Instruct.Q4_1.gguf", EngineOptions::default())?;
//! let g = engine.generate("The capital of France is", &SamplingParams::default(), None, &mut |t| {
//!     print!("{t}");
//!     true
//! })?;
//! println!("\n{:.1} tok/s", g.decode_tok_s);
//! # Ok::<(), runtime::Error>(())
//! ```

pub mod agent;
pub mod backend;
pub mod bench;
mod error;
pub mod eval;
pub mod infer;
pub mod inspect;
pub mod memory;
pub mod model;
pub mod pairs;
pub mod serve;
pub mod study;
pub mod tokenizer;
pub mod train;

pub use error::{Error, Result};

/// Opens a GGUF with our reader; errors name the file.
pub fn open_gguf(path: &std::path::Path) -> Result<gguf::GgufFile> {
    gguf::GgufFile::open(path).map_err(|e| match e {
        gguf::Error::Io { path, source } => Error::Io { path, source },
        other => Error::Model {
            path: path.to_path_buf(),
            reason: other.to_string(),
        },
    })
}

/// What this binary is and what it runs on.
#[derive(Debug, serde::Serialize)]
pub struct BuildInfo {
    pub version: &'static str,
    pub git_commit: &'static str,
    /// The `-C target-cpu` level the binary and llama.cpp were built for.
    pub target_cpu: &'static str,
    pub cpu_model: String,
    pub cpu_threads: usize,
    pub llama_system_info: String,
}

pub fn build_info() -> BuildInfo {
    BuildInfo {
        version: env!("CARGO_PKG_VERSION"),
        git_commit: env!("AGENTCODER_GIT_COMMIT"),
        target_cpu: env!("AGENTCODER_TARGET_CPU"),
        cpu_model: host::cpu_model(),
        cpu_threads: host::cpu_threads(),
        llama_system_info: backend::system_info().trim().to_string(),
    }
}

/// The machine a result was measured on.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Machine {
    pub cpu: String,
    pub threads_available: usize,
    pub memory_bytes: u64,
    pub target_cpu: &'static str,
    pub llama_system_info: String,
    pub git_commit: &'static str,
    pub date_unix: u64,
}

pub fn machine() -> Machine {
    let info = build_info();
    Machine {
        cpu: info.cpu_model,
        threads_available: info.cpu_threads,
        memory_bytes: host::total_memory_bytes(),
        target_cpu: info.target_cpu,
        llama_system_info: info.llama_system_info,
        git_commit: info.git_commit,
        date_unix: host::unix_time(),
    }
}
