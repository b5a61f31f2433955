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
    narrow: None,
};

/// Only handed out by `super::available` after checking avx512f, avx2, fma.
pub const ISA_AVX512: Isa = Isa {
    name: "avx512f",
    mr: 8,
    nr: 32,
    micro: micro_avx512,
    dequant,
    narrow: Some(&ISA_AVX512_NARROW),
};

/// AVX-512F 8×16 for products at most 16 wide (LoRA's rank-16 side): the
/// 8×32 tile would spend half its multiply-adds on padding.
pub const ISA_AVX512_NARROW: Isa = Isa {
    name: "avx512f-narrow",
    mr: 8,
    nr: 16,
    micro: micro_avx512_narrow,
    dequant,
    narrow: None,
};

fn dequant(ty: GgmlType, src: &[u8], dst: &mut [f32]) {
    // SAFETY: both ISAs using this are only selected when the CPU has avx2 and fma.
    unsafe { dequant_fma(ty, src, dst) }
}

#[target_feature(enable = "avx2,fma")]
unsafe fn dequant_fma(ty: GgmlType, src: &[u8], dst: &mut [f32]) {
    crate::quant::dequantize_unchecked(ty, src, dst)
}

/// The f32 micro-kernel: an MR×(VECS·LANES) tile of accumulators, one
/// broadcast of A and VECS fused multiply-adds per row and k. `$ops` is
/// the module naming one vector width's intrinsics for the body.
macro_rules! f32_micro {
    (
        $(#[$attr:meta])*
        pub unsafe fn $name:ident;
        ops: $ops:ident, mr: $mr:literal, vecs: $vecs:literal $(,)?
    ) => {
        $(#[$attr])*
        pub unsafe fn $name(
            kc: usize,
            a: &[*const f32; MR_MAX],
            cs: usize,
            b: *const f32,
            c: *mut f32,
            ldc: usize,
        ) {
            use $ops::{add_ps, broadcast, fmadd_ps, loadu_ps, setzero_ps, storeu_ps, LANES};
            const MR: usize = $mr;
            const VECS: usize = $vecs;
            let mut acc = [[setzero_ps(); VECS]; MR];
            let mut ap: [*const f32; MR] = std::array::from_fn(|i| a[i]);
            let mut bp = b;
            for _ in 0..kc {
                let bv: [_; VECS] = std::array::from_fn(|v| loadu_ps(bp.add(v * LANES)));
                for i in 0..MR {
                    let av = broadcast(ap[i]);
                    for v in 0..VECS {
                        acc[i][v] = fmadd_ps(av, bv[v], acc[i][v]);
                    }
                    ap[i] = ap[i].add(cs);
                }
                bp = bp.add(VECS * LANES);
            }
            for (i, row) in acc.iter().enumerate() {
                let cp = c.add(i * ldc);
                for (v, r) in row.iter().enumerate() {
                    let p = cp.add(v * LANES);
                    storeu_ps(p, add_ps(loadu_ps(p), *r));
                }
            }
        }
    };
}

/// AVX2 (256-bit) intrinsics under the names [`f32_micro!`] uses.
mod avx2_ops {
    pub(super) use super::broadcast_avx2 as broadcast;
    pub(super) use std::arch::x86_64::{
        _mm256_add_ps as add_ps, _mm256_fmadd_ps as fmadd_ps, _mm256_loadu_ps as loadu_ps,
        _mm256_setzero_ps as setzero_ps, _mm256_storeu_ps as storeu_ps,
    };
    pub(super) const LANES: usize = 8;
}

/// AVX-512 (512-bit) intrinsics under the names [`f32_micro!`] uses.
mod avx512_ops {
    pub(super) use super::broadcast_avx512 as broadcast;
    pub(super) use std::arch::x86_64::{
        _mm512_add_ps as add_ps, _mm512_fmadd_ps as fmadd_ps, _mm512_loadu_ps as loadu_ps,
        _mm512_setzero_ps as setzero_ps, _mm512_storeu_ps as storeu_ps,
    };
    pub(super) const LANES: usize = 16;
}

f32_micro! {
    /// # Safety
    /// See [`super::MicroKernel`] (tile 6×16); the CPU must have avx2 and fma.
    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn micro_avx2;
    ops: avx2_ops, mr: 6, vecs: 2,
}

f32_micro! {
    /// # Safety
    /// See [`super::MicroKernel`] (tile 8×32); the CPU must have avx512f.
    #[target_feature(enable = "avx512f")]
    pub unsafe fn micro_avx512;
    ops: avx512_ops, mr: 8, vecs: 2,
}

f32_micro! {
    /// # Safety
    /// See [`super::MicroKernel`] (tile 8×16); the CPU must have avx512f.
    #[target_feature(enable = "avx512f")]
    pub unsafe fn micro_avx512_narrow;
    ops: avx512_ops, mr: 8, vecs: 1,
}

/// `*p` in every lane.
#[target_feature(enable = "avx")]
#[inline]
unsafe fn broadcast_avx2(p: *const f32) -> __m256 {
    _mm256_broadcast_ss(&*p)
}

/// `*p` in every lane.
#[target_feature(enable = "avx512f")]
#[inline]
unsafe fn broadcast_avx512(p: *const f32) -> __m512 {
    _mm512_set1_ps(*p)
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

/// The int8 micro-kernel at one vector width: per group, G/4 steps of 4 K
/// values into int32 accumulators (`$dot`: the width's u8·i8 dot
/// product), then one scale-and-offset epilogue into f32 accumulators.
/// `$op = $intrinsic` names the width's intrinsics for the body.
macro_rules! int8_micro {
    (
        $(#[$attr:meta])*
        pub unsafe fn $name:ident;
        mr: $mr:literal, lanes: $lanes:literal, dot: $dot:ident,
        $($op:ident = $intrinsic:ident),* $(,)?
    ) => {
        $(#[$attr])*
        // Indexed loops over the tile's rows: the register tile reads best so.
        #[allow(clippy::needless_range_loop)]
        pub unsafe fn $name(
            groups: usize,
            a: &Int8Rows,
            b: *const u8,
            sb: *const f32,
            ob: *const f32,
            c: *mut f32,
            ldc: usize,
        ) {
            $(use std::arch::x86_64::$intrinsic as $op;)*
            const MR: usize = $mr;
            const LANES: usize = $lanes;
            const NR: usize = 2 * LANES;
            let mut accf = [[setzero_ps(); 2]; MR];
            let mut bp = b;
            for g in 0..groups {
                let mut acci = [[setzero_si(); 2]; MR];
                for quad in 0..G / 4 {
                    let b0 = loadu_si(bp.cast());
                    let b1 = loadu_si(bp.add(4 * LANES).cast());
                    for i in 0..MR {
                        let av = set1_epi32(
                            a.q[i].add(g * G + quad * 4).cast::<i32>().read_unaligned(),
                        );
                        acci[i][0] = $dot(acci[i][0], b0, av);
                        acci[i][1] = $dot(acci[i][1], b1, av);
                    }
                    bp = bp.add(4 * NR);
                }
                let sb0 = loadu_ps(sb.add(g * NR));
                let sb1 = loadu_ps(sb.add(g * NR + LANES));
                let ob0 = loadu_ps(ob.add(g * NR));
                let ob1 = loadu_ps(ob.add(g * NR + LANES));
                for i in 0..MR {
                    let sa = set1_ps(*a.scale[i].add(g));
                    let ss = set1_ps(*a.scaled_sum[i].add(g));
                    let d0 = cvtepi32_ps(acci[i][0]);
                    let d1 = cvtepi32_ps(acci[i][1]);
                    accf[i][0] = fmadd_ps(d0, mul_ps(sb0, sa), accf[i][0]);
                    accf[i][1] = fmadd_ps(d1, mul_ps(sb1, sa), accf[i][1]);
                    accf[i][0] = fmadd_ps(ob0, ss, accf[i][0]);
                    accf[i][1] = fmadd_ps(ob1, ss, accf[i][1]);
                }
            }
            for (i, row) in accf.iter().enumerate() {
                let cp = c.add(i * ldc);
                storeu_ps(cp, add_ps(loadu_ps(cp), row[0]));
                storeu_ps(cp.add(LANES), add_ps(loadu_ps(cp.add(LANES)), row[1]));
            }
        }
    };
}

int8_micro! {
    /// 6×32 tile, the dot product one `vpdpbusd`.
    ///
    /// # Safety
    /// See [`super::Int8MicroKernel`] (tile 6×32); the CPU must have
    /// avx512f, avx512bw and avx512vnni.
    #[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
    pub unsafe fn int8_micro_vnni;
    mr: 6, lanes: 16, dot: dot_vnni,
    setzero_ps = _mm512_setzero_ps, setzero_si = _mm512_setzero_si512,
    loadu_si = _mm512_loadu_si512, set1_epi32 = _mm512_set1_epi32, loadu_ps = _mm512_loadu_ps,
    set1_ps = _mm512_set1_ps, cvtepi32_ps = _mm512_cvtepi32_ps, fmadd_ps = _mm512_fmadd_ps,
    mul_ps = _mm512_mul_ps, storeu_ps = _mm512_storeu_ps, add_ps = _mm512_add_ps,
}

int8_micro! {
    /// 4×16 tile, the dot product `vpmaddubsw` (u8·i8 pairs to i16; codes
    /// ≤ 127 keep the pair sums below i16 overflow) then `vpmaddwd` by ones
    /// into int32.
    ///
    /// # Safety
    /// See [`super::Int8MicroKernel`] (tile 4×16); the CPU must have avx2 and fma.
    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn int8_micro_avx2;
    mr: 4, lanes: 8, dot: dot_avx2,
    setzero_ps = _mm256_setzero_ps, setzero_si = _mm256_setzero_si256,
    loadu_si = _mm256_loadu_si256, set1_epi32 = _mm256_set1_epi32, loadu_ps = _mm256_loadu_ps,
    set1_ps = _mm256_set1_ps, cvtepi32_ps = _mm256_cvtepi32_ps, fmadd_ps = _mm256_fmadd_ps,
    mul_ps = _mm256_mul_ps, storeu_ps = _mm256_storeu_ps, add_ps = _mm256_add_ps,
}

/// acc + Σ of each 4 u8·i8 products (`vpdpbusd`).
#[target_feature(enable = "avx512f,avx512vnni")]
#[inline]
unsafe fn dot_vnni(acc: __m512i, b: __m512i, a: __m512i) -> __m512i {
    _mm512_dpbusd_epi32(acc, b, a)
}

/// acc + Σ of each 4 u8·i8 products (`vpmaddubsw`, `vpmaddwd` by ones).
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn dot_avx2(acc: __m256i, b: __m256i, a: __m256i) -> __m256i {
    let quads = _mm256_madd_epi16(_mm256_maddubs_epi16(b, a), _mm256_set1_epi16(1));
    _mm256_add_epi32(quads, acc)
}

fn int8_pack_avx512(panel: &[f32], kc: usize, nr: usize, strip: &mut Int8Strip) {
    assert!(nr == 32 && panel.len() >= kc * nr, "a kc×32 panel strip");
    // SAFETY: INT8_VNNI is only selected when the CPU has avx512f/bw.
    unsafe { int8_pack_avx512_impl(panel, kc, strip) }
}

fn int8_pack_avx2(panel: &[f32], kc: usize, nr: usize, strip: &mut Int8Strip) {
    assert!(nr == 16 && panel.len() >= kc * nr, "a kc×16 panel strip");
    // SAFETY: INT8_AVX2 is only selected when the CPU has avx2 and fma.
    unsafe { int8_pack_avx2_impl(panel, kc, strip) }
}

/// [`crate::int8::pack_strip`] compiled for one vector width: the same
/// float operations in the same order as the scalar packer, so the same
/// bytes. `$op = $intrinsic` names the width's intrinsics for the body;
/// `ratios` and `round` are the width's helpers where the two instruction
/// sets differ in form (a mask register vs. a mask vector).
macro_rules! int8_pack_impl {
    (
        $(#[$attr:meta])*
        unsafe fn $name:ident;
        nr: $nr:literal, lanes: $lanes:literal,
        ratios: $ratios:ident, round: $round:ident,
        $($op:ident = $intrinsic:ident),* $(,)?
    ) => {
        $(#[$attr])*
        unsafe fn $name(panel: &[f32], kc: usize, strip: &mut Int8Strip) {
            $(use std::arch::x86_64::$intrinsic as $op;)*
            const NR: usize = $nr;
            const LANES: usize = $lanes;
            let groups = kc.div_ceil(G);
            strip.reset(groups, NR);
            let p = panel.as_ptr();
            let zero = setzero_ps();
            let cmax = set1_ps(127.0);
            for g in 0..groups {
                let n = (kc - g * G).min(G);
                for h in 0..2 {
                    let row = |kk: usize| {
                        if kk < n {
                            loadu_ps(p.add((g * G + kk) * NR + LANES * h))
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
                        lo = min_ps(lo, row(kk));
                        hi = max_ps(hi, row(kk));
                    }
                    let (sb, inv) = $ratios(sub_ps(hi, lo), zero, cmax);
                    storeu_ps(strip.scale.as_mut_ptr().add(g * NR + LANES * h), sb);
                    storeu_ps(strip.offset.as_mut_ptr().add(g * NR + LANES * h), lo);
                    for quad in 0..G / 4 {
                        let mut word = setzero_si();
                        for r in 0..4 {
                            let v = $round(mul_ps(sub_ps(row(4 * quad + r), lo), inv));
                            let u = cvttps_epi32(min_ps(max_ps(v, zero), cmax));
                            word = or_si(word, sllv_epi32(u, set1_epi32(8 * r as i32)));
                        }
                        let dst = strip
                            .codes
                            .as_mut_ptr()
                            .add(g * G * NR + quad * NR * 4 + LANES * h * 4);
                        storeu_si(dst.cast(), word);
                    }
                }
            }
        }
    };
}

int8_pack_impl! {
    /// Sixteen columns per vector (nr = 32).
    #[target_feature(enable = "avx512f,avx512bw")]
    unsafe fn int8_pack_avx512_impl;
    nr: 32, lanes: 16, ratios: ratios_avx512, round: round_avx512,
    setzero_ps = _mm512_setzero_ps, set1_ps = _mm512_set1_ps, loadu_ps = _mm512_loadu_ps,
    storeu_ps = _mm512_storeu_ps, min_ps = _mm512_min_ps, max_ps = _mm512_max_ps,
    sub_ps = _mm512_sub_ps, mul_ps = _mm512_mul_ps, cvttps_epi32 = _mm512_cvttps_epi32,
    setzero_si = _mm512_setzero_si512, or_si = _mm512_or_si512, sllv_epi32 = _mm512_sllv_epi32,
    set1_epi32 = _mm512_set1_epi32, storeu_si = _mm512_storeu_si512,
}

int8_pack_impl! {
    /// Eight columns per vector (nr = 16).
    #[target_feature(enable = "avx2,fma")]
    unsafe fn int8_pack_avx2_impl;
    nr: 16, lanes: 8, ratios: ratios_avx2, round: round_avx2,
    setzero_ps = _mm256_setzero_ps, set1_ps = _mm256_set1_ps, loadu_ps = _mm256_loadu_ps,
    storeu_ps = _mm256_storeu_ps, min_ps = _mm256_min_ps, max_ps = _mm256_max_ps,
    sub_ps = _mm256_sub_ps, mul_ps = _mm256_mul_ps, cvttps_epi32 = _mm256_cvttps_epi32,
    setzero_si = _mm256_setzero_si256, or_si = _mm256_or_si256, sllv_epi32 = _mm256_sllv_epi32,
    set1_epi32 = _mm256_set1_epi32, storeu_si = _mm256_storeu_si256,
}

/// Per column of a group: the scale range/127 and its inverse, both 0
/// where the range is not positive (a mask register).
#[target_feature(enable = "avx512f")]
#[inline]
unsafe fn ratios_avx512(range: __m512, zero: __m512, cmax: __m512) -> (__m512, __m512) {
    let pos = _mm512_cmp_ps_mask::<_CMP_GT_OQ>(range, zero);
    (
        _mm512_maskz_div_ps(pos, range, cmax),
        _mm512_maskz_div_ps(pos, cmax, range),
    )
}

/// As [`ratios_avx512`], with the mask as a vector.
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn ratios_avx2(range: __m256, zero: __m256, cmax: __m256) -> (__m256, __m256) {
    let pos = _mm256_cmp_ps::<_CMP_GT_OQ>(range, zero);
    (
        _mm256_and_ps(_mm256_div_ps(range, cmax), pos),
        _mm256_and_ps(_mm256_div_ps(cmax, range), pos),
    )
}

/// Round to nearest even.
#[target_feature(enable = "avx512f")]
#[inline]
unsafe fn round_avx512(v: __m512) -> __m512 {
    _mm512_roundscale_ps::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(v)
}

/// Round to nearest even.
#[target_feature(enable = "avx")]
#[inline]
unsafe fn round_avx2(v: __m256) -> __m256 {
    _mm256_round_ps::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(v)
}
