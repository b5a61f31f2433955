//! x86_64 micro-kernels: AVX-512F 8×32 (sixteen zmm accumulators) and
//! AVX2+FMA 6×16 (twelve ymm accumulators), and the dequantizers compiled
//! with FMA so their fused multiply-adds are single instructions.

use super::{Isa, MR_MAX};
use gguf::GgmlType;
use std::arch::x86_64::*;

/// Only handed out by `super::available` after checking avx2 and fma.
pub const ISA_AVX2: Isa = Isa {
    name: "avx2+fma",
    mr: 6,
    nr: 16,
    micro: micro_avx2,
    dequant,
};

/// Only handed out by `super::available` after checking avx512f, avx2, fma.
pub const ISA_AVX512: Isa = Isa {
    name: "avx512f",
    mr: 8,
    nr: 32,
    micro: micro_avx512,
    dequant,
};

fn dequant(ty: GgmlType, src: &[u8], dst: &mut [f32]) {
    // SAFETY: both ISAs using this are only selected when the CPU has avx2 and fma.
    unsafe { dequant_fma(ty, src, dst) }
}

#[target_feature(enable = "avx2,fma")]
unsafe fn dequant_fma(ty: GgmlType, src: &[u8], dst: &mut [f32]) {
    crate::quant::dequantize_unchecked(ty, src, dst)
}

/// # Safety
/// See [`super::MicroKernel`] (tile 6×16); the CPU must have avx2 and fma.
#[target_feature(enable = "avx2,fma")]
pub unsafe fn micro_avx2(
    kc: usize,
    a: &[*const f32; MR_MAX],
    cs: usize,
    b: *const f32,
    c: *mut f32,
    ldc: usize,
) {
    const MR: usize = 6;
    let mut acc = [[_mm256_setzero_ps(); 2]; MR];
    let mut ap: [*const f32; MR] = std::array::from_fn(|i| a[i]);
    let mut bp = b;
    for _ in 0..kc {
        let b0 = _mm256_loadu_ps(bp);
        let b1 = _mm256_loadu_ps(bp.add(8));
        for i in 0..MR {
            let av = _mm256_broadcast_ss(&*ap[i]);
            acc[i][0] = _mm256_fmadd_ps(av, b0, acc[i][0]);
            acc[i][1] = _mm256_fmadd_ps(av, b1, acc[i][1]);
            ap[i] = ap[i].add(cs);
        }
        bp = bp.add(16);
    }
    for (i, row) in acc.iter().enumerate() {
        let cp = c.add(i * ldc);
        _mm256_storeu_ps(cp, _mm256_add_ps(_mm256_loadu_ps(cp), row[0]));
        _mm256_storeu_ps(cp.add(8), _mm256_add_ps(_mm256_loadu_ps(cp.add(8)), row[1]));
    }
}

/// # Safety
/// See [`super::MicroKernel`] (tile 8×32); the CPU must have avx512f.
#[target_feature(enable = "avx512f")]
pub unsafe fn micro_avx512(
    kc: usize,
    a: &[*const f32; MR_MAX],
    cs: usize,
    b: *const f32,
    c: *mut f32,
    ldc: usize,
) {
    const MR: usize = 8;
    let mut acc = [[_mm512_setzero_ps(); 2]; MR];
    let mut ap: [*const f32; MR] = std::array::from_fn(|i| a[i]);
    let mut bp = b;
    for _ in 0..kc {
        let b0 = _mm512_loadu_ps(bp);
        let b1 = _mm512_loadu_ps(bp.add(16));
        for i in 0..MR {
            let av = _mm512_set1_ps(*ap[i]);
            acc[i][0] = _mm512_fmadd_ps(av, b0, acc[i][0]);
            acc[i][1] = _mm512_fmadd_ps(av, b1, acc[i][1]);
            ap[i] = ap[i].add(cs);
        }
        bp = bp.add(32);
    }
    for (i, row) in acc.iter().enumerate() {
        let cp = c.add(i * ldc);
        _mm512_storeu_ps(cp, _mm512_add_ps(_mm512_loadu_ps(cp), row[0]));
        _mm512_storeu_ps(
            cp.add(16),
            _mm512_add_ps(_mm512_loadu_ps(cp.add(16)), row[1]),
        );
    }
}
