//! The f32 micro-kernel behind every matmul, one implementation per
//! instruction set, chosen once at first use by runtime feature detection:
//! AVX-512F (8×32 tiles) or AVX2+FMA (6×16) on x86_64 (`x86.rs`), NEON on
//! aarch64 (`aarch64.rs`), plain
//! Rust everywhere (`generic.rs`, also the reference the others are
//! tested against).
//!
//! Micro-kernel contract, with the ISA's tile `mr×nr`:
//! `C[mr×nr] += A[mr×kc] · B[kc×nr]` where row `i` of A starts at `a[i]`
//! and steps by `cs` elements per k, B is packed row-major `kc×nr`, and C
//! has row stride `ldc`. All mr rows and nr columns must be valid memory
//! (the driver pads edges).

#[cfg(target_arch = "aarch64")]
pub mod aarch64;
pub mod generic;
#[cfg(target_arch = "x86_64")]
pub mod x86;

use gguf::GgmlType;
use std::sync::OnceLock;

/// Most rows of A (and C) of any ISA's micro-tile.
pub const MR_MAX: usize = 8;
/// Most columns of B (and C) of any ISA's micro-tile.
pub const NR_MAX: usize = 32;

/// See the module doc for the contract.
///
/// # Safety
/// `a[i] + k·cs` for k < kc, `b[..kc·nr]` and the mr×nr tile of `c` with
/// stride `ldc` must all be valid; the CPU must support the kernel's ISA.
pub type MicroKernel = unsafe fn(
    kc: usize,
    a: &[*const f32; MR_MAX],
    cs: usize,
    b: *const f32,
    c: *mut f32,
    ldc: usize,
);

/// The int8 micro-kernel contract, with the ISA's tile `mr×nr` and
/// [`crate::int8::GROUP`]-wide groups along K (see `crate::int8`):
///
/// `C[i][j] += Σ_g sa[i][g]·sb[g][j]·Σ_k qa[i][g·G+k]·u[g][k][j] + ss[i][g]·ob[g][j]`
///
/// where row `i` of A is `a.q[i]` (i8, `groups·G` values), `a.scale[i]` and
/// `a.scaled_sum[i]` (one f32 per group); B is one packed strip: u8 codes
/// (0..=127) laid out `[group][k/4][nr][4]`, and per group `nr` scales
/// `sb` and `nr` offsets `ob`.
///
/// # Safety
/// Every pointer must cover `groups` groups (A rows: `groups·G` bytes and
/// `groups` floats; B: `groups·G·nr` bytes, `groups·nr` floats each), the
/// mr×nr tile of C with stride `ldc` must be valid, and the CPU must
/// support the kernel's ISA.
pub type Int8MicroKernel = unsafe fn(
    groups: usize,
    a: &Int8Rows,
    b: *const u8,
    sb: *const f32,
    ob: *const f32,
    c: *mut f32,
    ldc: usize,
);

/// Pointers to `MR_MAX` quantized rows of A at the current group.
pub struct Int8Rows {
    pub q: [*const i8; MR_MAX],
    pub scale: [*const f32; MR_MAX],
    pub scaled_sum: [*const f32; MR_MAX],
}

/// The int8 kernels of one instruction set.
#[derive(Clone, Copy)]
pub struct Int8Isa {
    pub name: &'static str,
    /// Micro-tile rows (≤ MR_MAX) and columns (≤ NR_MAX).
    pub mr: usize,
    pub nr: usize,
    pub micro: Int8MicroKernel,
    /// Codes one strip of the f32 panel (`crate::int8::pack_strip`, the
    /// same bytes, compiled for the ISA).
    pub pack: Int8Packer,
}

/// Codes a `kc × nr` f32 panel strip into an int8 strip (see `crate::int8`).
pub type Int8Packer = fn(panel: &[f32], kc: usize, nr: usize, strip: &mut crate::int8::Int8Strip);

/// Decodes validated rows (`quant::dequantize_unchecked` compiled for the ISA).
pub type Dequantizer = fn(ty: GgmlType, src: &[u8], dst: &mut [f32]);

/// The kernels of one instruction set.
#[derive(Clone, Copy)]
pub struct Isa {
    pub name: &'static str,
    /// Micro-tile rows (≤ MR_MAX) and columns (≤ NR_MAX).
    pub mr: usize,
    pub nr: usize,
    pub micro: MicroKernel,
    pub dequant: Dequantizer,
    /// The kernels for products at most `narrow.nr` wide, where this
    /// ISA's tile would be mostly padding.
    pub narrow: Option<&'static Isa>,
}

/// The best instruction set this CPU supports, detected once (capped by
/// `AGENTCODER_KERNELS`, see [`cap`]).
pub fn best() -> &'static Isa {
    static BEST: OnceLock<Isa> = OnceLock::new();
    BEST.get_or_init(detect)
}

/// Instruction-set levels, lowest first, for `AGENTCODER_KERNELS`.
const LEVELS: [&str; 4] = ["scalar", "neon", "avx2", "avx512"];

/// The level of an ISA name ("avx2+fma" is avx2, "avx512vnni" avx512).
fn level(name: &str) -> usize {
    LEVELS
        .iter()
        .rposition(|l| name.starts_with(l))
        .unwrap_or(0)
}

/// The highest level the kernels may use: `AGENTCODER_KERNELS=scalar`,
/// `avx2` (or `neon`) caps the selection, e.g. to measure what an
/// AVX2-only laptop gets on an AVX-512 machine. Unset or unknown: no cap.
fn cap() -> usize {
    std::env::var("AGENTCODER_KERNELS")
        .ok()
        .and_then(|v| LEVELS.iter().position(|l| *l == v.trim()))
        .unwrap_or(LEVELS.len() - 1)
}

/// The names of the selected f32 and int8 kernels, for reports.
pub fn selected() -> (&'static str, &'static str) {
    (best().name, best_int8().name)
}

/// The portable scalar kernels (the reference for the SIMD ones).
pub fn scalar() -> &'static Isa {
    &generic::ISA
}

fn detect() -> Isa {
    **available()
        .iter()
        .find(|isa| level(isa.name) <= cap())
        .expect("the scalar ISA is always available")
}

/// The best int8 instruction set this CPU supports, detected once.
pub fn best_int8() -> &'static Int8Isa {
    static BEST: OnceLock<&'static Int8Isa> = OnceLock::new();
    BEST.get_or_init(|| {
        available_int8()
            .into_iter()
            .find(|isa| level(isa.name) <= cap())
            .expect("the scalar int8 ISA is always available")
    })
}

/// Every int8 instruction set this CPU can run, best first: AVX-512 VNNI
/// (`vpdpbusd`), AVX2 (`vpmaddubsw` + `vpmaddwd`), scalar.
pub fn available_int8() -> Vec<&'static Int8Isa> {
    let mut out: Vec<&'static Int8Isa> = Vec::new();
    #[cfg(target_arch = "x86_64")]
    {
        if is_x86_feature_detected!("avx512f")
            && is_x86_feature_detected!("avx512bw")
            && is_x86_feature_detected!("avx512vnni")
        {
            out.push(&x86::INT8_VNNI);
        }
        if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
            out.push(&x86::INT8_AVX2);
        }
    }
    out.push(&generic::INT8);
    out
}

/// Every instruction set this CPU can run, best first (tests run them all).
pub fn available() -> Vec<&'static Isa> {
    let mut out: Vec<&'static Isa> = Vec::new();
    #[cfg(target_arch = "x86_64")]
    {
        if is_x86_feature_detected!("avx512f")
            && is_x86_feature_detected!("avx2")
            && is_x86_feature_detected!("fma")
        {
            out.push(&x86::ISA_AVX512);
        }
        if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
            out.push(&x86::ISA_AVX2);
        }
    }
    #[cfg(target_arch = "aarch64")]
    {
        if std::arch::is_aarch64_feature_detected!("neon") {
            out.push(&aarch64::ISA);
        }
    }
    out.push(&generic::ISA);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_isa_has_its_level() {
        let names: Vec<&str> = available()
            .iter()
            .map(|i| i.name)
            .chain(available_int8().iter().map(|i| i.name))
            .collect();
        for name in names {
            assert!(
                LEVELS.iter().any(|l| name.starts_with(l)),
                "{name} has no level"
            );
        }
        let got: Vec<usize> = [
            "scalar",
            "neon",
            "avx2+fma",
            "avx2",
            "avx512f",
            "avx512vnni",
        ]
        .iter()
        .map(|n| level(n))
        .collect();
        assert_eq!(got, [0, 1, 2, 2, 3, 3]);
    }
}
