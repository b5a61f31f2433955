//! The 256-element "k-quant" super-blocks: Q2_K, Q3_K, Q4_K, Q5_K, Q6_K,
//! Q8_K (ggml-common.h `block_q2_K` ... `block_q8_K`; ggml-quants.c
//! `dequantize_row_*`). Quantizers live in `kquantize.rs`.
//!
//! As in `legacy.rs`, `d·q − m` is a fused multiply-add, matching ggml's
//! C as compiled for FMA targets.

use super::half::read_f16;
use super::{AffineCodes, QuantBlock};
use gguf::GgmlType;

/// 16 sub-blocks of 16: x = d·(sc&15)·q − dmin·(sc>>4), q of 2 bits.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct BlockQ2K {
    pub scales: [u8; 16],
    pub qs: [u8; 64],
    pub d: [u8; 2],
    pub dmin: [u8; 2],
}

/// 16 sub-blocks of 16: x = d·(sc−32)·(q − 4·!hbit), 6-bit scales.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct BlockQ3K {
    pub hmask: [u8; 32],
    pub qs: [u8; 64],
    pub scales: [u8; 12],
    pub d: [u8; 2],
}

/// 8 sub-blocks of 32: x = d·sc·q − dmin·m, 6-bit sc and m packed in 12 B.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct BlockQ4K {
    pub d: [u8; 2],
    pub dmin: [u8; 2],
    pub scales: [u8; 12],
    pub qs: [u8; 128],
}

/// As Q4_K with a fifth bit per element in `qh`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct BlockQ5K {
    pub d: [u8; 2],
    pub dmin: [u8; 2],
    pub scales: [u8; 12],
    pub qh: [u8; 32],
    pub qs: [u8; 128],
}

/// 16 sub-blocks of 16: x = d·sc·(q − 32), q of 6 bits, sc an i8.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct BlockQ6K {
    pub ql: [u8; 128],
    pub qh: [u8; 64],
    pub scales: [i8; 16],
    pub d: [u8; 2],
}

/// x = d·q with an f32 d; `bsums` are sums of 16 quants (for dot products).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct BlockQ8K {
    pub d: [u8; 4],
    pub qs: [i8; 256],
    pub bsums: [u8; 32],
}

const _: () = assert!(size_of::<BlockQ2K>() == 84);
const _: () = assert!(size_of::<BlockQ3K>() == 110);
const _: () = assert!(size_of::<BlockQ4K>() == 144);
const _: () = assert!(size_of::<BlockQ5K>() == 176);
const _: () = assert!(size_of::<BlockQ6K>() == 210);
const _: () = assert!(size_of::<BlockQ8K>() == 292);

/// 6-bit scale and min of sub-block `j` (ggml-quants.c `get_scale_min_k4`).
#[inline(always)]
pub(crate) fn scale_min_k4(j: usize, q: &[u8; 12]) -> (u8, u8) {
    if j < 4 {
        (q[j] & 63, q[j + 4] & 63)
    } else {
        (
            (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4),
            (q[j + 4] >> 4) | ((q[j] >> 6) << 4),
        )
    }
}

// SAFETY (all impls here): repr(C) structs of byte arrays, alignment 1,
// every bit pattern valid.
unsafe impl QuantBlock for BlockQ2K {
    const TYPE: GgmlType = GgmlType::Q2_K;
    const BLOCK: usize = 256;
    #[inline(always)]
    fn dequantize(&self, y: &mut [f32]) {
        let (d, min) = (read_f16(self.d), read_f16(self.dmin));
        let mut is = 0;
        let mut out = 0;
        for n in 0..2 {
            let q = &self.qs[32 * n..32 * n + 32];
            for shift in [0, 2, 4, 6] {
                for half in 0..2 {
                    let sc = self.scales[is];
                    is += 1;
                    let (dl, ml) = (d * (sc & 0xF) as f32, min * (sc >> 4) as f32);
                    for &b in &q[16 * half..16 * half + 16] {
                        y[out] = dl.mul_add(((b >> shift) & 3) as f32, -ml);
                        out += 1;
                    }
                }
            }
        }
    }
}

unsafe impl QuantBlock for BlockQ3K {
    const TYPE: GgmlType = GgmlType::Q3_K;
    const BLOCK: usize = 256;
    #[inline(always)]
    fn dequantize(&self, y: &mut [f32]) {
        let d_all = read_f16(self.d);
        let scales = q3k_scales(&self.scales);
        let mut is = 0;
        let mut out = 0;
        let mut m = 1u8;
        for n in 0..2 {
            let q = &self.qs[32 * n..32 * n + 32];
            for shift in [0, 2, 4, 6] {
                for half in 0..2 {
                    let dl = d_all * (scales[is] as i32 - 32) as f32;
                    is += 1;
                    let range = 16 * half..16 * half + 16;
                    for (&qb, &hb) in q[range.clone()].iter().zip(&self.hmask[range]) {
                        let low = ((qb >> shift) & 3) as i32;
                        let sub = if hb & m != 0 { 0 } else { 4 };
                        y[out] = dl * (low - sub) as f32;
                        out += 1;
                    }
                }
                m <<= 1;
            }
        }
    }
}

/// The sixteen 6-bit Q3_K scales (unbiased by 32 later), unpacked from 12 B.
#[inline(always)]
fn q3k_scales(s: &[u8; 12]) -> [u8; 16] {
    let mut out = [0u8; 16];
    for j in 0..16 {
        let low = if j < 8 { s[j] & 0xF } else { s[j - 8] >> 4 };
        let high = (s[8 + j % 4] >> (2 * (j / 4))) & 3;
        out[j] = low | (high << 4);
    }
    out
}

unsafe impl QuantBlock for BlockQ4K {
    const TYPE: GgmlType = GgmlType::Q4_K;
    const BLOCK: usize = 256;
    #[inline(always)]
    fn dequantize(&self, y: &mut [f32]) {
        let (d, min) = (read_f16(self.d), read_f16(self.dmin));
        for j in 0..4 {
            let (sc1, m1) = scale_min_k4(2 * j, &self.scales);
            let (sc2, m2) = scale_min_k4(2 * j + 1, &self.scales);
            let (d1, m1) = (d * sc1 as f32, min * m1 as f32);
            let (d2, m2) = (d * sc2 as f32, min * m2 as f32);
            let q = &self.qs[32 * j..32 * j + 32];
            let (lo, hi) = y[64 * j..64 * j + 64].split_at_mut(32);
            for l in 0..32 {
                lo[l] = d1.mul_add((q[l] & 0xF) as f32, -m1);
                hi[l] = d2.mul_add((q[l] >> 4) as f32, -m2);
            }
        }
    }
}

impl AffineCodes for BlockQ4K {
    fn affine_codes(&self, codes: &mut [u8], scale: &mut [f32], offset: &mut [f32]) {
        let (d, min) = (read_f16(self.d), read_f16(self.dmin));
        for j in 0..8 {
            let (sc, m) = scale_min_k4(j, &self.scales);
            (scale[j], offset[j]) = (d * sc as f32, -(min * m as f32));
            let q = &self.qs[32 * (j / 2)..32 * (j / 2) + 32];
            for (c, &b) in codes[32 * j..32 * j + 32].iter_mut().zip(q) {
                *c = if j % 2 == 0 { b & 0xF } else { b >> 4 };
            }
        }
    }
}

unsafe impl QuantBlock for BlockQ5K {
    const TYPE: GgmlType = GgmlType::Q5_K;
    const BLOCK: usize = 256;
    #[inline(always)]
    fn dequantize(&self, y: &mut [f32]) {
        let (d, min) = (read_f16(self.d), read_f16(self.dmin));
        for j in 0..4 {
            let (sc1, m1) = scale_min_k4(2 * j, &self.scales);
            let (sc2, m2) = scale_min_k4(2 * j + 1, &self.scales);
            let (d1, m1) = (d * sc1 as f32, min * m1 as f32);
            let (d2, m2) = (d * sc2 as f32, min * m2 as f32);
            let (u1, u2) = (1u8 << (2 * j), 2u8 << (2 * j));
            let ql = &self.qs[32 * j..32 * j + 32];
            let (lo, hi) = y[64 * j..64 * j + 64].split_at_mut(32);
            for l in 0..32 {
                let h1 = if self.qh[l] & u1 != 0 { 16 } else { 0 };
                let h2 = if self.qh[l] & u2 != 0 { 16 } else { 0 };
                lo[l] = d1.mul_add(((ql[l] & 0xF) + h1) as f32, -m1);
                hi[l] = d2.mul_add(((ql[l] >> 4) + h2) as f32, -m2);
            }
        }
    }
}

unsafe impl QuantBlock for BlockQ6K {
    const TYPE: GgmlType = GgmlType::Q6_K;
    const BLOCK: usize = 256;
    #[inline(always)]
    fn dequantize(&self, y: &mut [f32]) {
        let d = read_f16(self.d);
        for n in 0..2 {
            let ql = &self.ql[64 * n..64 * n + 64];
            let qh = &self.qh[32 * n..32 * n + 32];
            let sc = &self.scales[8 * n..8 * n + 8];
            let y = &mut y[128 * n..128 * n + 128];
            for l in 0..32 {
                let is = l / 16;
                let q1 = ((ql[l] & 0xF) | ((qh[l] & 3) << 4)) as i32 - 32;
                let q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) as i32 - 32;
                let q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) as i32 - 32;
                let q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) as i32 - 32;
                y[l] = d * sc[is] as f32 * q1 as f32;
                y[l + 32] = d * sc[is + 2] as f32 * q2 as f32;
                y[l + 64] = d * sc[is + 4] as f32 * q3 as f32;
                y[l + 96] = d * sc[is + 6] as f32 * q4 as f32;
            }
        }
    }
}

unsafe impl QuantBlock for BlockQ8K {
    const TYPE: GgmlType = GgmlType::Q8_K;
    const BLOCK: usize = 256;
    #[inline(always)]
    fn dequantize(&self, y: &mut [f32]) {
        let d = f32::from_le_bytes(self.d);
        for (o, &q) in y.iter_mut().zip(&self.qs) {
            *o = d * q as f32;
        }
    }
}
