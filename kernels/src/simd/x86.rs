//! AVX2 + FMA micro-kernel (6×16: twelve ymm accumulators) and the
//! dequantizers compiled with the same features.

use super::{Isa, MR, NR};
use gguf::GgmlType;
use std::arch::x86_64::*;

const _: () = assert!(MR == 6 && NR == 16);

/// Only handed out by `super::detect` after checking avx2 and fma.
pub const ISA: Isa = Isa {
    name: "avx2+fma",
    micro: micro_kernel,
    dequant,
};

fn dequant(ty: GgmlType, src: &[u8], dst: &mut [f32]) {
    // SAFETY: ISA is only selected when the CPU has avx2 and fma.
    unsafe { dequant_fma(ty, src, dst) }
}

#[target_feature(enable = "avx2,fma")]
unsafe fn dequant_fma(ty: GgmlType, src: &[u8], dst: &mut [f32]) {
    crate::quant::dequantize_unchecked(ty, src, dst)
}

/// # Safety
/// See [`super::MicroKernel`]; the CPU must have avx2 and fma.
#[target_feature(enable = "avx2,fma")]
pub unsafe fn micro_kernel(
    kc: usize,
    a: &[*const f32; MR],
    cs: usize,
    b: *const f32,
    c: *mut f32,
    ldc: usize,
) {
    let mut acc = [[_mm256_setzero_ps(); 2]; MR];
    let mut ap = *a;
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
        bp = bp.add(NR);
    }
    for (i, row) in acc.iter().enumerate() {
        let cp = c.add(i * ldc);
        _mm256_storeu_ps(cp, _mm256_add_ps(_mm256_loadu_ps(cp), row[0]));
        _mm256_storeu_ps(cp.add(8), _mm256_add_ps(_mm256_loadu_ps(cp.add(8)), row[1]));
    }
}
