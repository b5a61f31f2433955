//! What the integration tests share: the list of formats they expect the
//! kernels to read, and the wrapper over ggml's graph API.

use gguf::GgmlType;

pub mod ggml_graph;

/// Every format the kernels must decode (and the matmuls read), written
/// out here rather than taken from `kernels::quant`, so the tests check
/// the table instead of repeating it.
pub const DEQUANT_TYPES: &[GgmlType] = &[
    GgmlType::F32,
    GgmlType::F16,
    GgmlType::BF16,
    GgmlType::Q4_0,
    GgmlType::Q4_1,
    GgmlType::Q5_0,
    GgmlType::Q5_1,
    GgmlType::Q8_0,
    GgmlType::Q2_K,
    GgmlType::Q3_K,
    GgmlType::Q4_K,
    GgmlType::Q5_K,
    GgmlType::Q6_K,
    GgmlType::Q8_K,
];
