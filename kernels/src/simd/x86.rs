//! x86_64 micro-kernels: AVX-512F 8×32 (sixteen zmm accumulators) and
//! AVX2+FMA 6×16 (twelve ymm accumulators), and the dequantizers compiled
//! with FMA so their fused multiply-adds are single instructions.

use super::{Int8Isa, Int8Rows, Isa, MR_MAX};
use crate::int8::Int8Strip;
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

/// Only handed out by `super::available_int8` after checking avx512f,
/// avx512bw and avx512vnni.
pub const INT8_VNNI: Int8Isa = Int8Isa {
    name: "avx512vnni",
    mr: 6,
    nr: 32,
    micro: int8_micro_vnni,
    pack: int8_pack_avx512,
};

/// Only handed out by `super::available_int8` after checking avx2 and fma.
pub const INT8_AVX2: Int8Isa = Int8Isa {
    name: "avx2",
    mr: 4,
    nr: 16,
    micro: int8_micro_avx2,
    pack: int8_pack_avx2,
};

const G: usize = crate::int8::GROUP;

/// 6×32 tile: per group, 8 `vpdpbusd` steps of 4 K values into twelve
/// int32 accumulators, then one scale-and-offset epilogue into twelve f32
/// accumulators.
///
/// # Safety
/// See [`super::Int8MicroKernel`] (tile 6×32); the CPU must have
/// avx512f, avx512bw and avx512vnni.
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
// Indexed loops over the tile's rows: the register tile reads best so.
#[allow(clippy::needless_range_loop)]
pub unsafe fn int8_micro_vnni(
    groups: usize,
    a: &Int8Rows,
    b: *const u8,
    sb: *const f32,
    ob: *const f32,
    c: *mut f32,
    ldc: usize,
) {
    const MR: usize = 6;
    const NR: usize = 32;
    let mut accf = [[_mm512_setzero_ps(); 2]; MR];
    let mut bp = b;
    for g in 0..groups {
        let mut acci = [[_mm512_setzero_si512(); 2]; MR];
        for quad in 0..G / 4 {
            let b0 = _mm512_loadu_si512(bp.cast());
            let b1 = _mm512_loadu_si512(bp.add(64).cast());
            for i in 0..MR {
                let av =
                    _mm512_set1_epi32(a.q[i].add(g * G + quad * 4).cast::<i32>().read_unaligned());
                acci[i][0] = _mm512_dpbusd_epi32(acci[i][0], b0, av);
                acci[i][1] = _mm512_dpbusd_epi32(acci[i][1], b1, av);
            }
            bp = bp.add(4 * NR);
        }
        let sb0 = _mm512_loadu_ps(sb.add(g * NR));
        let sb1 = _mm512_loadu_ps(sb.add(g * NR + 16));
        let ob0 = _mm512_loadu_ps(ob.add(g * NR));
        let ob1 = _mm512_loadu_ps(ob.add(g * NR + 16));
        for i in 0..MR {
            let sa = _mm512_set1_ps(*a.scale[i].add(g));
            let ss = _mm512_set1_ps(*a.scaled_sum[i].add(g));
            let d0 = _mm512_cvtepi32_ps(acci[i][0]);
            let d1 = _mm512_cvtepi32_ps(acci[i][1]);
            accf[i][0] = _mm512_fmadd_ps(d0, _mm512_mul_ps(sb0, sa), accf[i][0]);
            accf[i][1] = _mm512_fmadd_ps(d1, _mm512_mul_ps(sb1, sa), accf[i][1]);
            accf[i][0] = _mm512_fmadd_ps(ob0, ss, accf[i][0]);
            accf[i][1] = _mm512_fmadd_ps(ob1, ss, accf[i][1]);
        }
    }
    for (i, row) in accf.iter().enumerate() {
        let cp = c.add(i * ldc);
        _mm512_storeu_ps(cp, _mm512_add_ps(_mm512_loadu_ps(cp), row[0]));
        _mm512_storeu_ps(
            cp.add(16),
            _mm512_add_ps(_mm512_loadu_ps(cp.add(16)), row[1]),
        );
    }
}

/// 4×16 tile: `vpmaddubsw` (u8·i8 pairs to i16; codes ≤ 127 keep the pair
/// sums below i16 overflow) then `vpmaddwd` by ones into int32, per group,
/// then the same epilogue as the VNNI kernel.
///
/// # Safety
/// See [`super::Int8MicroKernel`] (tile 4×16); the CPU must have avx2 and fma.
#[target_feature(enable = "avx2,fma")]
// Indexed loops over the tile's rows: the register tile reads best so.
#[allow(clippy::needless_range_loop)]
pub unsafe fn int8_micro_avx2(
    groups: usize,
    a: &Int8Rows,
    b: *const u8,
    sb: *const f32,
    ob: *const f32,
    c: *mut f32,
    ldc: usize,
) {
    const MR: usize = 4;
    const NR: usize = 16;
    let ones = _mm256_set1_epi16(1);
    let mut accf = [[_mm256_setzero_ps(); 2]; MR];
    let mut bp = b;
    for g in 0..groups {
        let mut acci = [[_mm256_setzero_si256(); 2]; MR];
        for quad in 0..G / 4 {
            let b0 = _mm256_loadu_si256(bp.cast());
            let b1 = _mm256_loadu_si256(bp.add(32).cast());
            for i in 0..MR {
                let av =
                    _mm256_set1_epi32(a.q[i].add(g * G + quad * 4).cast::<i32>().read_unaligned());
                let p0 = _mm256_madd_epi16(_mm256_maddubs_epi16(b0, av), ones);
                let p1 = _mm256_madd_epi16(_mm256_maddubs_epi16(b1, av), ones);
                acci[i][0] = _mm256_add_epi32(acci[i][0], p0);
                acci[i][1] = _mm256_add_epi32(acci[i][1], p1);
            }
            bp = bp.add(4 * NR);
        }
        let sb0 = _mm256_loadu_ps(sb.add(g * NR));
        let sb1 = _mm256_loadu_ps(sb.add(g * NR + 8));
        let ob0 = _mm256_loadu_ps(ob.add(g * NR));
        let ob1 = _mm256_loadu_ps(ob.add(g * NR + 8));
        for i in 0..MR {
            let sa = _mm256_set1_ps(*a.scale[i].add(g));
            let ss = _mm256_set1_ps(*a.scaled_sum[i].add(g));
            let d0 = _mm256_cvtepi32_ps(acci[i][0]);
            let d1 = _mm256_cvtepi32_ps(acci[i][1]);
            accf[i][0] = _mm256_fmadd_ps(d0, _mm256_mul_ps(sb0, sa), accf[i][0]);
            accf[i][1] = _mm256_fmadd_ps(d1, _mm256_mul_ps(sb1, sa), accf[i][1]);
            accf[i][0] = _mm256_fmadd_ps(ob0, ss, accf[i][0]);
            accf[i][1] = _mm256_fmadd_ps(ob1, ss, accf[i][1]);
        }
    }
    for (i, row) in accf.iter().enumerate() {
        let cp = c.add(i * ldc);
        _mm256_storeu_ps(cp, _mm256_add_ps(_mm256_loadu_ps(cp), row[0]));
        _mm256_storeu_ps(cp.add(8), _mm256_add_ps(_mm256_loadu_ps(cp.add(8)), row[1]));
    }
}

fn int8_pack_avx512(panel: &[f32], kc: usize, nr: usize, strip: &mut Int8Strip) {
    assert!(nr == 32 && panel.len() >= kc * nr, "a kc×32 panel strip");
    // SAFETY: INT8_VNNI is only selected when the CPU has avx512f/bw.
    unsafe { int8_pack_avx512_impl(panel, kc, strip) }
}

/// [`crate::int8::pack_strip`] for nr = 32, sixteen columns per vector:
/// the same float operations in the same order, so the same bytes.
#[target_feature(enable = "avx512f,avx512bw")]
unsafe fn int8_pack_avx512_impl(panel: &[f32], kc: usize, strip: &mut Int8Strip) {
    const NR: usize = 32;
    let groups = kc.div_ceil(G);
    strip.reset(groups, NR);
    let p = panel.as_ptr();
    let zero = _mm512_setzero_ps();
    let cmax = _mm512_set1_ps(127.0);
    for g in 0..groups {
        let n = (kc - g * G).min(G);
        for h in 0..2 {
            let row = |kk: usize| {
                if kk < n {
                    _mm512_loadu_ps(p.add((g * G + kk) * NR + 16 * h))
                } else {
                    zero
                }
            };
            let (mut lo, mut hi) = if n == G {
                (row(0), row(0))
            } else {
                (zero, zero)
            };
            for kk in 0..n {
                lo = _mm512_min_ps(lo, row(kk));
                hi = _mm512_max_ps(hi, row(kk));
            }
            let range = _mm512_sub_ps(hi, lo);
            let pos = _mm512_cmp_ps_mask::<_CMP_GT_OQ>(range, zero);
            let sb = _mm512_maskz_div_ps(pos, range, cmax);
            let inv = _mm512_maskz_div_ps(pos, cmax, range);
            _mm512_storeu_ps(strip.scale.as_mut_ptr().add(g * NR + 16 * h), sb);
            _mm512_storeu_ps(strip.offset.as_mut_ptr().add(g * NR + 16 * h), lo);
            for quad in 0..G / 4 {
                let mut word = _mm512_setzero_si512();
                for r in 0..4 {
                    let v = _mm512_mul_ps(_mm512_sub_ps(row(4 * quad + r), lo), inv);
                    let v = _mm512_roundscale_ps::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(
                        v,
                    );
                    let u = _mm512_cvttps_epi32(_mm512_min_ps(_mm512_max_ps(v, zero), cmax));
                    word = _mm512_or_si512(
                        word,
                        _mm512_sllv_epi32(u, _mm512_set1_epi32(8 * r as i32)),
                    );
                }
                let dst = strip
                    .codes
                    .as_mut_ptr()
                    .add(g * G * NR + quad * NR * 4 + 16 * h * 4);
                _mm512_storeu_si512(dst.cast(), word);
            }
        }
    }
}

fn int8_pack_avx2(panel: &[f32], kc: usize, nr: usize, strip: &mut Int8Strip) {
    assert!(nr == 16 && panel.len() >= kc * nr, "a kc×16 panel strip");
    // SAFETY: INT8_AVX2 is only selected when the CPU has avx2 and fma.
    unsafe { int8_pack_avx2_impl(panel, kc, strip) }
}

/// [`crate::int8::pack_strip`] for nr = 16, eight columns per vector.
#[target_feature(enable = "avx2,fma")]
unsafe fn int8_pack_avx2_impl(panel: &[f32], kc: usize, strip: &mut Int8Strip) {
    const NR: usize = 16;
    let groups = kc.div_ceil(G);
    strip.reset(groups, NR);
    let p = panel.as_ptr();
    let zero = _mm256_setzero_ps();
    let cmax = _mm256_set1_ps(127.0);
    for g in 0..groups {
        let n = (kc - g * G).min(G);
        for h in 0..2 {
            let row = |kk: usize| {
                if kk < n {
                    _mm256_loadu_ps(p.add((g * G + kk) * NR + 8 * h))
                } else {
                    zero
                }
            };
            let (mut lo, mut hi) = if n == G {
                (row(0), row(0))
            } else {
                (zero, zero)
            };
            for kk in 0..n {
                lo = _mm256_min_ps(lo, row(kk));
                hi = _mm256_max_ps(hi, row(kk));
            }
            let range = _mm256_sub_ps(hi, lo);
            let pos = _mm256_cmp_ps::<_CMP_GT_OQ>(range, zero);
            let sb = _mm256_and_ps(_mm256_div_ps(range, cmax), pos);
            let inv = _mm256_and_ps(_mm256_div_ps(cmax, range), pos);
            _mm256_storeu_ps(strip.scale.as_mut_ptr().add(g * NR + 8 * h), sb);
            _mm256_storeu_ps(strip.offset.as_mut_ptr().add(g * NR + 8 * h), lo);
            for quad in 0..G / 4 {
                let mut word = _mm256_setzero_si256();
                for r in 0..4 {
                    let v = _mm256_mul_ps(_mm256_sub_ps(row(4 * quad + r), lo), inv);
                    let v = _mm256_round_ps::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(v);
                    let u = _mm256_cvttps_epi32(_mm256_min_ps(_mm256_max_ps(v, zero), cmax));
                    word = _mm256_or_si256(
                        word,
                        _mm256_sllv_epi32(u, _mm256_set1_epi32(8 * r as i32)),
                    );
                }
                let dst = strip
                    .codes
                    .as_mut_ptr()
                    .add(g * G * NR + quad * NR * 4 + 8 * h * 4);
                _mm256_storeu_si256(dst.cast(), word);
            }
        }
    }
}
