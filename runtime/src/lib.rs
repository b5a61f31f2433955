//! The agentcoder runtime: model graphs (llama, qwen2), LoRA trainer,
//! inference through llama.cpp (`llama-cpp-2`), prompt formats, the agent
//! loop, evaluation and benchmarks. The only crate that talks to llama.cpp;
//! the `agentcoder` binary is a thin CLI over it.
