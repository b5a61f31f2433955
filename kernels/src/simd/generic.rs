//! Portable scalar micro-kernel and dequantizer.

use super::{Isa, MR_MAX};
use gguf::GgmlType;

const MR: usize = 6;
const NR: usize = 16;

pub const ISA: Isa = Isa {
    name: "scalar",
    mr: MR,
    nr: NR,
    micro: micro_kernel,
    dequant,
};

fn dequant(ty: GgmlType, src: &[u8], dst: &mut [f32]) {
    crate::quant::dequantize_unchecked(ty, src, dst)
}

/// # Safety
/// See [`super::MicroKernel`].
pub unsafe fn micro_kernel(
    kc: usize,
    a: &[*const f32; MR_MAX],
    cs: usize,
    b: *const f32,
    c: *mut f32,
    ldc: usize,
) {
    let mut acc = [[0.0f32; NR]; MR];
    for k in 0..kc {
        // SAFETY: the caller guarantees kc rows of B and kc steps of A.
        let brow = unsafe { std::slice::from_raw_parts(b.add(k * NR), NR) };
        for (i, row) in acc.iter_mut().enumerate() {
            let av = unsafe { *a[i].add(k * cs) };
            for (acc, &bv) in row.iter_mut().zip(brow) {
                *acc += av * bv;
            }
        }
    }
    for (i, row) in acc.iter().enumerate() {
        for (j, v) in row.iter().enumerate() {
            // SAFETY: the caller guarantees the MR×NR tile of C.
            unsafe { *c.add(i * ldc + j) += v };
        }
    }
}
