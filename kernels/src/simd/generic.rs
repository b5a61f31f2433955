//! Portable scalar micro-kernel and dequantizer.

use super::{Int8Isa, Int8Rows, Isa, MR_MAX};
use gguf::GgmlType;

const MR: usize = 6;
const NR: usize = 16;

pub const ISA: Isa = Isa {
    name: "scalar",
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

const INT8_MR: usize = 4;
const INT8_NR: usize = 16;

pub const INT8: Int8Isa = Int8Isa {
    name: "scalar",
    mr: INT8_MR,
    nr: INT8_NR,
    micro: int8_micro_kernel,
    pack: crate::int8::pack_strip,
};

/// # Safety
/// See [`super::Int8MicroKernel`].
pub unsafe fn int8_micro_kernel(
    groups: usize,
    a: &Int8Rows,
    b: *const u8,
    sb: *const f32,
    ob: *const f32,
    c: *mut f32,
    ldc: usize,
) {
    const G: usize = crate::int8::GROUP;
    let mut acc = [[0.0f32; INT8_NR]; INT8_MR];
    for g in 0..groups {
        // SAFETY: the caller guarantees `groups` groups of A and of the strip.
        let (u, sbg, obg) = unsafe {
            (
                std::slice::from_raw_parts(b.add(g * G * INT8_NR), G * INT8_NR),
                std::slice::from_raw_parts(sb.add(g * INT8_NR), INT8_NR),
                std::slice::from_raw_parts(ob.add(g * INT8_NR), INT8_NR),
            )
        };
        for (i, row) in acc.iter_mut().enumerate() {
            let (q, sa, ss) = unsafe {
                (
                    std::slice::from_raw_parts(a.q[i].add(g * G), G),
                    *a.scale[i].add(g),
                    *a.scaled_sum[i].add(g),
                )
            };
            for (j, out) in row.iter_mut().enumerate() {
                let mut dot = 0i32;
                for (k, &qv) in q.iter().enumerate() {
                    dot += qv as i32 * u[(k / 4) * INT8_NR * 4 + j * 4 + k % 4] as i32;
                }
                *out += dot as f32 * (sbg[j] * sa) + obg[j] * ss;
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
