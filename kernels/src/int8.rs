//! The int8 compute path of the matmuls: activations quantized to i8 per
//! row and per [`GROUP`] values along K, weights re-coded panel by panel
//! to 7-bit codes with a scale and an offset per group and column, and the
//! products summed as integer dot products (`vpdpbusd`, `vpmaddubsw`) with
//! one float epilogue per group. See [`crate::simd::Int8MicroKernel`] for
//! the formula.
//!
//! - A (M, K) → [`QuantizedRows`]: symmetric, `scale = max|x| / 127`, codes
//!   in −127..=127 (never −128, so `vpmaddubsw` pair sums cannot saturate).
//! - B (K, N) → the f32 panel the f32 driver packs, then coded strip by
//!   strip ([`pack_strip`] and its SIMD versions): affine codes
//!   `w ≈ sb·u + ob`, `u` in 0..=127, per group of `GROUP` K values and
//!   per column. The same code serves the forward (K along the weight's
//!   quantized rows) and the backward dX (K across rows). A Q4/Q5 block spanning its full range maps
//!   its levels onto this grid with at most half a step of the finer grid
//!   (1/254 of the group's range) of error; Q8_0's 255 levels lose one bit.
//!
//! The error against the f32 path is bounded and tested in
//! `tests/gemm_qmatmul.rs`; the training loss over several steps is
//! compared with the f32 path in the runtime's training tests.

use crate::quant::AffineCoder;
use rayon::prelude::*;

/// Below this many values the activations are quantized on the calling thread.
const PARALLEL_MIN_VALUES: usize = 1 << 16;

/// Values of K that share one activation scale and one weight scale/offset.
pub const GROUP: usize = 32;
/// Largest weight code: codes stay in 0..=127 so that `vpmaddubsw` (u8·i8
/// pairs summed into i16) cannot saturate: 2·127·127 < 32767.
const CODE_MAX: f32 = 127.0;

/// A (M, K) quantized per row and per group: `x[i][k] ≈ scale[i][k/G]·q[i][k]`.
#[derive(Default)]
pub struct QuantizedRows {
    /// K rounded up to a whole number of groups (padding codes are 0).
    pub k_pad: usize,
    /// M × k_pad codes.
    pub q: Vec<i8>,
    /// M × groups.
    pub scale: Vec<f32>,
    /// `scale · Σ q` over the group, M × groups (multiplies B's offsets).
    pub scaled_sum: Vec<f32>,
}

impl QuantizedRows {
    pub fn groups(&self) -> usize {
        self.k_pad / GROUP
    }

    /// Quantizes M rows of K values, row `i` at `a[i·rs..i·rs+k]`, into
    /// this value's buffers (the matmuls keep one per thread: allocating
    /// per call fragments the heap of a long training run).
    pub fn quantize_into(&mut self, a: &[f32], m: usize, k: usize, rs: usize) {
        let k_pad = k.div_ceil(GROUP) * GROUP;
        let groups = k_pad / GROUP;
        let out = self;
        out.k_pad = k_pad;
        out.q.clear();
        out.q.resize(m * k_pad, 0);
        out.scale.clear();
        out.scale.resize(m * groups, 0.0);
        out.scaled_sum.clear();
        out.scaled_sum.resize(m * groups, 0.0);
        let quantize_row =
            |i: usize, (q_row, (scale, scaled_sum)): (&mut [i8], (&mut [f32], &mut [f32]))| {
                let row = &a[i * rs..i * rs + k];
                for g in 0..groups {
                    let x = &row[g * GROUP..((g + 1) * GROUP).min(k)];
                    let (s, sum) = quantize_group(x, &mut q_row[g * GROUP..g * GROUP + x.len()]);
                    scale[g] = s;
                    scaled_sum[g] = s * sum as f32;
                }
            };
        if k_pad == 0 {
            return;
        }
        let (q, scale, scaled_sum) = (&mut out.q, &mut out.scale, &mut out.scaled_sum);
        if m * k >= PARALLEL_MIN_VALUES {
            q.par_chunks_mut(k_pad)
                .zip(
                    scale
                        .par_chunks_mut(groups)
                        .zip(scaled_sum.par_chunks_mut(groups)),
                )
                .enumerate()
                .for_each(|(i, r)| quantize_row(i, r));
        } else {
            q.chunks_mut(k_pad)
                .zip(scale.chunks_mut(groups).zip(scaled_sum.chunks_mut(groups)))
                .enumerate()
                .for_each(|(i, r)| quantize_row(i, r));
        }
    }
}

/// Symmetric i8 codes of one group; returns (scale, Σ codes). Written as
/// plain loops over the group so the compiler vectorizes them.
#[inline]
fn quantize_group(x: &[f32], q: &mut [i8]) -> (f32, i32) {
    // max |x| as bits: an integer max vectorizes without a float chain,
    // and bits at or above +inf's mean the group holds an inf or a NaN.
    let bits = x.iter().fold(0u32, |m, v| m.max(v.to_bits() & 0x7FFF_FFFF));
    if bits == 0 || bits >= 0x7F80_0000 {
        // A non-finite group keeps its NaN visible through a NaN scale, as
        // the f32 path would.
        q.fill(0);
        return (if bits == 0 { 0.0 } else { f32::NAN }, 0);
    }
    let amax = f32::from_bits(bits);
    let inv = 127.0 / amax;
    let mut sum = 0;
    for (qv, &v) in q.iter_mut().zip(x) {
        // SAFETY: |v·inv| ≤ 127 (finite v, amax ≥ |v|), so the value fits.
        let c: i32 = unsafe { (v * inv).round_ties_even().to_int_unchecked() };
        *qv = c as i8;
        sum += c;
    }
    (amax / 127.0, sum)
}

/// One packed strip of B: `nr` columns × `groups` groups, in the layout of
/// [`crate::simd::Int8MicroKernel`].
#[derive(Default)]
pub struct Int8Strip {
    pub codes: Vec<u8>,
    pub scale: Vec<f32>,
    pub offset: Vec<f32>,
}

impl Int8Strip {
    /// Sizes the strip for `groups` groups of `nr` columns; the contents
    /// are stale until the packer writes every column.
    pub fn reset(&mut self, groups: usize, nr: usize) {
        self.codes.resize(groups * GROUP * nr, 0);
        self.scale.resize(groups * nr, 0.0);
        self.offset.resize(groups * nr, 0.0);
    }

    /// Codes one group of column `j` (`w` holds up to GROUP values; the
    /// rest of the group is zero) at group `g`.
    #[inline]
    fn put(&mut self, g: usize, j: usize, nr: usize, w: &[f32]) {
        let (mut lo, mut hi) = (0.0f32, 0.0f32);
        if w.len() == GROUP {
            (lo, hi) = (w[0], w[0]);
        }
        for &v in w {
            lo = lo.min(v);
            hi = hi.max(v);
        }
        let range = hi - lo;
        let (sb, inv) = if range > 0.0 {
            (range / CODE_MAX, CODE_MAX / range)
        } else {
            (0.0, 0.0)
        };
        self.scale[g * nr + j] = sb;
        self.offset[g * nr + j] = lo;
        let base = g * GROUP * nr;
        for k in 0..GROUP {
            let v = w.get(k).copied().unwrap_or(0.0);
            let u = ((v - lo) * inv).round_ties_even().clamp(0.0, CODE_MAX) as u8;
            self.codes[base + (k / 4) * nr * 4 + j * 4 + k % 4] = u;
        }
    }
}

/// Codes a strip from a row-major f32 panel `panel[kk·nr + j]` of `kc`
/// rows (K) × `nr` columns, as the f32 driver packs it: the scalar
/// reference of [`crate::simd::Int8Isa::pack`] (the SIMD versions
/// produce the same bytes).
pub fn pack_strip(panel: &[f32], kc: usize, nr: usize, strip: &mut Int8Strip) {
    let groups = kc.div_ceil(GROUP);
    strip.reset(groups, nr);
    let mut col = [0.0f32; GROUP];
    for g in 0..groups {
        let k1 = ((g + 1) * GROUP).min(kc);
        let n = k1 - g * GROUP;
        for j in 0..nr {
            for (kk, v) in col[..n].iter_mut().enumerate() {
                *v = panel[(g * GROUP + kk) * nr + j];
            }
            strip.put(g, j, nr, &col[..n]);
        }
    }
}

/// Buffers for one weight row's codes in [`pack_strip_coded`].
#[derive(Default)]
pub struct RowCodes {
    codes: Vec<u8>,
    scale: Vec<f32>,
    offset: Vec<f32>,
}

/// Codes a strip straight from weight rows in an affine format
/// ([`crate::quant::affine_coder`]: 4-bit formats, whose levels are the
/// codes): column j < `cols` is `row(j)`, the bytes of `kc` values of one
/// weight row. Exact, and no f32 decode; columns past `cols` stay zero.
pub fn pack_strip_coded<'a>(
    coder: AffineCoder,
    cols: usize,
    row: impl Fn(usize) -> &'a [u8],
    kc: usize,
    nr: usize,
    strip: &mut Int8Strip,
    buf: &mut RowCodes,
) {
    assert!(
        kc.is_multiple_of(GROUP),
        "whole blocks of at least {GROUP} values"
    );
    let groups = kc / GROUP;
    strip.reset(groups, nr);
    buf.codes.resize(kc, 0);
    buf.scale.resize(groups, 0.0);
    buf.offset.resize(groups, 0.0);
    // Columns past `cols` read as zero weights.
    for j in 0..nr {
        if j < cols {
            coder(row(j), &mut buf.codes, &mut buf.scale, &mut buf.offset);
        } else if j == cols {
            buf.codes.fill(0);
            buf.scale.fill(0.0);
            buf.offset.fill(0.0);
        }
        for g in 0..groups {
            strip.scale[g * nr + j] = buf.scale[g];
            strip.offset[g * nr + j] = buf.offset[g];
            for quad in 0..GROUP / 4 {
                let src = &buf.codes[g * GROUP + quad * 4..][..4];
                strip.codes[g * GROUP * nr + quad * nr * 4 + j * 4..][..4].copy_from_slice(src);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn activations_round_trip_within_half_a_step() {
        let x: Vec<f32> = (0..70)
            .map(|i| ((i * 37 % 23) as f32 - 11.0) * 0.3)
            .collect();
        let mut qr = QuantizedRows::default();
        qr.quantize_into(&x, 2, 35, 35);
        assert_eq!(qr.k_pad, 64);
        for i in 0..2 {
            for k in 0..35 {
                let s = qr.scale[i * 2 + k / GROUP];
                let got = s * qr.q[i * 64 + k] as f32;
                assert!((got - x[i * 35 + k]).abs() <= 0.5 * s + 1e-6);
            }
            assert_eq!(qr.q[i * 64 + 35..(i + 1) * 64], [0; 29]);
        }
        assert!(qr.q.iter().all(|&q| q != i8::MIN));
    }

    #[test]
    fn q4_levels_are_coded_within_the_finer_grid() {
        // 16 levels spanning the group: 127 = 15·8.47, so each level lands
        // within half a code step of its exact value.
        let (d, m, nr) = (0.013f32, -0.1f32, 16);
        let w: Vec<f32> = (0..GROUP).map(|k| d * (k % 16) as f32 + m).collect();
        let mut panel = vec![0.0; GROUP * nr];
        for (k, &v) in w.iter().enumerate() {
            panel[k * nr] = v;
        }
        let mut strip = Int8Strip::default();
        pack_strip(&panel, GROUP, nr, &mut strip);
        let (sb, ob) = (strip.scale[0], strip.offset[0]);
        for (k, &v) in w.iter().enumerate() {
            let u = strip.codes[(k / 4) * nr * 4 + k % 4];
            assert!(u <= 127);
            assert!((sb * u as f32 + ob - v).abs() <= 0.5 * sb + 1e-7, "k={k}");
        }
        // An all-zero column codes to zeros with a zero scale.
        assert_eq!((strip.scale[1], strip.offset[1]), (0.0, 0.0));
    }

    #[test]
    fn affine_formats_code_their_exact_values() {
        use crate::quant::{affine_coder, dequantize_row, quantize_row};
        use gguf::GgmlType;
        let x: Vec<f32> = (0..512)
            .map(|i| ((i * 37 % 101) as f32 - 50.0) * 0.013)
            .collect();
        for ty in [GgmlType::Q4_0, GgmlType::Q4_1, GgmlType::Q4_K] {
            let mut q = vec![0u8; 512 / ty.block_size() * ty.type_size()];
            quantize_row(ty, &x, &mut q).unwrap();
            let mut w = vec![0.0; 512];
            dequantize_row(ty, &q, &mut w).unwrap();
            let (mut strip, mut buf) = (Int8Strip::default(), RowCodes::default());
            let coder = affine_coder(ty).unwrap();
            pack_strip_coded(coder, 1, |_| &q, 512, 16, &mut strip, &mut buf);
            for (k, &v) in w.iter().enumerate() {
                let g = k / GROUP;
                let u = strip.codes[g * GROUP * 16 + (k % GROUP / 4) * 64 + k % 4];
                assert!(u <= 127, "{ty}");
                let got = strip.scale[g * 16] * u as f32 + strip.offset[g * 16];
                assert!(
                    (got - v).abs() <= 1e-6 * v.abs().max(1.0),
                    "{ty} k={k}: {got} vs {v}"
                );
            }
            assert!(
                strip.scale[1..16].iter().all(|&s| s == 0.0),
                "{ty}: padding columns"
            );
        }
    }

    #[test]
    fn simd_packers_write_the_scalar_bytes() {
        for isa in crate::simd::available_int8() {
            let nr = isa.nr;
            for kc in [1, 31, 32, 45, 128] {
                let panel: Vec<f32> = (0..kc * nr)
                    .map(|i| {
                        (((i * 7919) % 101) as f32 - 50.0) * 0.01
                            + if i % 97 == 0 { 3.0 } else { 0.0 }
                    })
                    .collect();
                let (mut a, mut b) = (Int8Strip::default(), Int8Strip::default());
                pack_strip(&panel, kc, nr, &mut a);
                (isa.pack)(&panel, kc, nr, &mut b);
                assert!(a.codes == b.codes, "{} kc={kc}: codes differ", isa.name);
                assert_eq!(a.scale, b.scale, "{} kc={kc}", isa.name);
                assert_eq!(a.offset, b.offset, "{} kc={kc}", isa.name);
            }
        }
    }
}
