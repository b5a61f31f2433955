//! CPU math for training and running quantized models: every GGUF quant
//! format, the fused dequant-GEMM forward and the quantized backward (dX
//! through frozen quantized weights), dense f32 GEMMs, LoRA, RMSNorm, RoPE,
//! causal GQA attention, SwiGLU, chunked cross-entropy and AdamW.
//!
//! Not for: files (that is `gguf`) or model structure (that is `runtime`).
//! Each op keeps its `forward` and `backward` side by side in one file, with
//! a plain scalar reference that SIMD and threaded versions are tested
//! against, and backward passes checked by finite differences.
//!
//! ```
//! // Y[T,out] = X[T,in] · W[out,in]ᵀ with f32 weights.
//! use kernels::gemm::{matmul_xwt, Dims};
//! let dims = Dims { t: 2, n_in: 3, n_out: 2 };
//! let x = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
//! let w = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0];
//! let mut y = [0.0; 4];
//! matmul_xwt(&x, &w, &mut y, dims, false);
//! assert_eq!(y, [1.0, 2.0, 4.0, 5.0]);
//! ```

pub mod adamw;
pub mod attention;
pub mod clip;
pub mod cross_entropy;
pub mod embedding;
pub mod fastexp;
/// Finite-difference checking for tests (here and in `runtime`'s tests);
/// not part of the library proper.
#[cfg(any(test, feature = "test-support"))]
pub mod fd;
pub mod gemm;
pub mod int8;
pub mod lora;
pub mod qmatmul;
pub mod quant;
pub mod rmsnorm;
pub mod rng;
pub mod rope;
pub mod simd;
pub mod swiglu;
