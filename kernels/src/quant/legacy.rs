//! The 32-element "legacy" formats: Q4_0, Q4_1, Q5_0, Q5_1, Q8_0
//! (ggml-common.h `block_q4_0` ... `block_q8_0`; ggml-quants.c
//! `dequantize_row_*`, `quantize_row_*_ref`).
//!
//! `x·d + m` is written as a fused multiply-add because that is what ggml's
//! C compiles to on every FMA target (GCC's default `-ffp-contract=fast`
//! with `-march=x86-64-v3`, and always on aarch64); the oracle tests compare
//! bit for bit against the linked ggml.

use super::half::{read_f16, write_f16};
use super::{AffineCodes, QuantBlock, QuantizeBlock};
use gguf::GgmlType;

/// x = (q − 8)·d; nibble j holds element j (low) and j+16 (high).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct BlockQ4_0 {
    pub d: [u8; 2],
    pub qs: [u8; 16],
}

/// x = q·d + m.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct BlockQ4_1 {
    pub d: [u8; 2],
    pub m: [u8; 2],
    pub qs: [u8; 16],
}

/// x = (q − 16)·d; bit j of `qh` is the fifth bit of element j.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct BlockQ5_0 {
    pub d: [u8; 2],
    pub qh: [u8; 4],
    pub qs: [u8; 16],
}

/// x = q·d + m, q of five bits.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct BlockQ5_1 {
    pub d: [u8; 2],
    pub m: [u8; 2],
    pub qh: [u8; 4],
    pub qs: [u8; 16],
}

/// x = q·d, q an i8.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct BlockQ8_0 {
    pub d: [u8; 2],
    pub qs: [i8; 32],
}

const _: () = assert!(size_of::<BlockQ4_0>() == 18);
const _: () = assert!(size_of::<BlockQ4_1>() == 20);
const _: () = assert!(size_of::<BlockQ5_0>() == 22);
const _: () = assert!(size_of::<BlockQ5_1>() == 24);
const _: () = assert!(size_of::<BlockQ8_0>() == 34);

/// Largest-magnitude value keeping its sign (ties keep the first).
fn signed_absmax(x: &[f32]) -> f32 {
    let (mut amax, mut max) = (0.0f32, 0.0f32);
    for &v in x {
        if amax < v.abs() {
            amax = v.abs();
            max = v;
        }
    }
    max
}

fn min_max(x: &[f32]) -> (f32, f32) {
    let (mut min, mut max) = (f32::MAX, -f32::MAX);
    for &v in x {
        if v < min {
            min = v;
        }
        if v > max {
            max = v;
        }
    }
    (min, max)
}

fn inverse(d: f32) -> f32 {
    if d != 0.0 {
        1.0 / d
    } else {
        0.0
    }
}

// SAFETY (all impls here): repr(C) structs of byte arrays, alignment 1,
// every bit pattern valid.
unsafe impl QuantBlock for BlockQ4_0 {
    const TYPE: GgmlType = GgmlType::Q4_0;
    const BLOCK: usize = 32;
    #[inline(always)]
    fn dequantize(&self, y: &mut [f32]) {
        let d = read_f16(self.d);
        for (j, &q) in self.qs.iter().enumerate() {
            y[j] = ((q & 0x0F) as i32 - 8) as f32 * d;
            y[j + 16] = ((q >> 4) as i32 - 8) as f32 * d;
        }
    }
}

/// Low nibbles are elements 0..16, high nibbles 16..32.
fn nibbles(qs: &[u8; 16], codes: &mut [u8]) {
    for (j, &q) in qs.iter().enumerate() {
        codes[j] = q & 0x0F;
        codes[j + 16] = q >> 4;
    }
}

impl AffineCodes for BlockQ4_0 {
    fn affine_codes(&self, codes: &mut [u8], scale: &mut [f32], offset: &mut [f32]) {
        let d = read_f16(self.d);
        nibbles(&self.qs, codes);
        (scale[0], offset[0]) = (d, -8.0 * d);
    }
}

impl QuantizeBlock for BlockQ4_0 {
    fn quantize(x: &[f32]) -> Self {
        let d = signed_absmax(x) / -8.0;
        let id = inverse(d);
        let mut b = BlockQ4_0 {
            d: write_f16(d),
            qs: [0; 16],
        };
        for j in 0..16 {
            let q0 = ((x[j].mul_add(id, 8.5) as i8).min(15)) as u8;
            let q1 = ((x[j + 16].mul_add(id, 8.5) as i8).min(15)) as u8;
            b.qs[j] = q0 | (q1 << 4);
        }
        b
    }
}

unsafe impl QuantBlock for BlockQ4_1 {
    const TYPE: GgmlType = GgmlType::Q4_1;
    const BLOCK: usize = 32;
    #[inline(always)]
    fn dequantize(&self, y: &mut [f32]) {
        let (d, m) = (read_f16(self.d), read_f16(self.m));
        for (j, &q) in self.qs.iter().enumerate() {
            y[j] = ((q & 0x0F) as f32).mul_add(d, m);
            y[j + 16] = ((q >> 4) as f32).mul_add(d, m);
        }
    }
}

impl AffineCodes for BlockQ4_1 {
    fn affine_codes(&self, codes: &mut [u8], scale: &mut [f32], offset: &mut [f32]) {
        nibbles(&self.qs, codes);
        (scale[0], offset[0]) = (read_f16(self.d), read_f16(self.m));
    }
}

impl QuantizeBlock for BlockQ4_1 {
    fn quantize(x: &[f32]) -> Self {
        let (min, max) = min_max(x);
        let d = (max - min) / 15.0;
        let id = inverse(d);
        let mut b = BlockQ4_1 {
            d: write_f16(d),
            m: write_f16(min),
            qs: [0; 16],
        };
        for j in 0..16 {
            let q0 = (((x[j] - min).mul_add(id, 0.5) as i8).min(15)) as u8;
            let q1 = (((x[j + 16] - min).mul_add(id, 0.5) as i8).min(15)) as u8;
            b.qs[j] = q0 | (q1 << 4);
        }
        b
    }
}

unsafe impl QuantBlock for BlockQ5_0 {
    const TYPE: GgmlType = GgmlType::Q5_0;
    const BLOCK: usize = 32;
    #[inline(always)]
    fn dequantize(&self, y: &mut [f32]) {
        let d = read_f16(self.d);
        let qh = u32::from_le_bytes(self.qh);
        for (j, &q) in self.qs.iter().enumerate() {
            let h0 = ((qh >> j) << 4) & 0x10;
            let h1 = (qh >> (j + 12)) & 0x10;
            y[j] = (((q & 0x0F) as u32 | h0) as i32 - 16) as f32 * d;
            y[j + 16] = (((q >> 4) as u32 | h1) as i32 - 16) as f32 * d;
        }
    }
}

impl QuantizeBlock for BlockQ5_0 {
    fn quantize(x: &[f32]) -> Self {
        let d = signed_absmax(x) / -16.0;
        let id = inverse(d);
        let mut b = BlockQ5_0 {
            d: write_f16(d),
            ..Default::default()
        };
        let mut qh = 0u32;
        for j in 0..16 {
            let q0 = ((x[j].mul_add(id, 16.5) as i8).min(31)) as u8;
            let q1 = ((x[j + 16].mul_add(id, 16.5) as i8).min(31)) as u8;
            b.qs[j] = (q0 & 0x0F) | ((q1 & 0x0F) << 4);
            qh |= ((q0 as u32 & 0x10) >> 4) << j;
            qh |= ((q1 as u32 & 0x10) >> 4) << (j + 16);
        }
        b.qh = qh.to_le_bytes();
        b
    }
}

unsafe impl QuantBlock for BlockQ5_1 {
    const TYPE: GgmlType = GgmlType::Q5_1;
    const BLOCK: usize = 32;
    #[inline(always)]
    fn dequantize(&self, y: &mut [f32]) {
        let (d, m) = (read_f16(self.d), read_f16(self.m));
        let qh = u32::from_le_bytes(self.qh);
        for (j, &q) in self.qs.iter().enumerate() {
            let h0 = ((qh >> j) << 4) & 0x10;
            let h1 = (qh >> (j + 12)) & 0x10;
            y[j] = (((q & 0x0F) as u32 | h0) as f32).mul_add(d, m);
            y[j + 16] = (((q >> 4) as u32 | h1) as f32).mul_add(d, m);
        }
    }
}

impl QuantizeBlock for BlockQ5_1 {
    fn quantize(x: &[f32]) -> Self {
        let (min, max) = min_max(x);
        let d = (max - min) / 31.0;
        let id = inverse(d);
        let mut b = BlockQ5_1 {
            d: write_f16(d),
            m: write_f16(min),
            ..Default::default()
        };
        let mut qh = 0u32;
        for j in 0..16 {
            let q0 = (x[j] - min).mul_add(id, 0.5) as u8;
            let q1 = (x[j + 16] - min).mul_add(id, 0.5) as u8;
            b.qs[j] = (q0 & 0x0F) | ((q1 & 0x0F) << 4);
            qh |= ((q0 as u32 & 0x10) >> 4) << j;
            qh |= ((q1 as u32 & 0x10) >> 4) << (j + 16);
        }
        b.qh = qh.to_le_bytes();
        b
    }
}

unsafe impl QuantBlock for BlockQ8_0 {
    const TYPE: GgmlType = GgmlType::Q8_0;
    const BLOCK: usize = 32;
    #[inline(always)]
    fn dequantize(&self, y: &mut [f32]) {
        let d = read_f16(self.d);
        for (o, &q) in y.iter_mut().zip(&self.qs) {
            *o = q as f32 * d;
        }
    }
}

impl QuantizeBlock for BlockQ8_0 {
    fn quantize(x: &[f32]) -> Self {
        let amax = x.iter().fold(0.0f32, |a, v| a.max(v.abs()));
        let d = amax / 127.0;
        let id = inverse(d);
        let mut qs = [0i8; 32];
        for (q, &v) in qs.iter_mut().zip(x) {
            *q = (v * id).round() as i8;
        }
        BlockQ8_0 {
            d: write_f16(d),
            qs,
        }
    }
}
