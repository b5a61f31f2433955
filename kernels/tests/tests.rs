//! kernels' integration tests, in one binary (each test binary links
//! llama.cpp, so one is quicker to build than several), laid out as
//! ripgrep's `tests/tests.rs`: one module per subject, shared helpers in
//! `support`.
//!
//! - `gemm_qmatmul`: the tuned GEMM and quantized matmuls against their
//!   scalar references, on every instruction set this CPU runs.
//! - `ggml_oracle`: the quant formats and matmuls against the linked ggml.

mod gemm_qmatmul;
mod ggml_oracle;
mod support;
