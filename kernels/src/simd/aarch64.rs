//! NEON micro-kernel (6×16: twenty-four q-register accumulators).
//! Compiled only on aarch64; not exercised by this repository's CI.

use super::{Isa, MR_MAX};
use gguf::GgmlType;
use std::arch::aarch64::*;

const MR: usize = 6;
const NR: usize = 16;

pub const ISA: Isa = Isa {
    name: "neon",
    mr: MR,
    nr: NR,
    micro: micro_kernel,
    dequant,
    narrow: None,
};

fn dequant(ty: GgmlType, src: &[u8], dst: &mut [f32]) {
    crate::quant::dequantize_unchecked(ty, src, dst)
}

/// # Safety
/// See [`super::MicroKernel`].
#[target_feature(enable = "neon")]
pub unsafe fn micro_kernel(
    kc: usize,
    a: &[*const f32; MR_MAX],
    cs: usize,
    b: *const f32,
    c: *mut f32,
    ldc: usize,
) {
    let mut acc = [[vdupq_n_f32(0.0); 4]; MR];
    let mut ap: [*const f32; MR] = std::array::from_fn(|i| a[i]);
    let mut bp = b;
    for _ in 0..kc {
        let bv = [
            vld1q_f32(bp),
            vld1q_f32(bp.add(4)),
            vld1q_f32(bp.add(8)),
            vld1q_f32(bp.add(12)),
        ];
        for i in 0..MR {
            let av = *ap[i];
            for j in 0..4 {
                acc[i][j] = vfmaq_n_f32(acc[i][j], bv[j], av);
            }
            ap[i] = ap[i].add(cs);
        }
        bp = bp.add(NR);
    }
    for (i, row) in acc.iter().enumerate() {
        for (j, v) in row.iter().enumerate() {
            let cp = c.add(i * ldc + 4 * j);
            vst1q_f32(cp, vaddq_f32(vld1q_f32(cp), *v));
        }
    }
}
