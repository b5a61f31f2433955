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
}

/// The best instruction set this CPU supports, detected once.
pub fn best() -> &'static Isa {
    static BEST: OnceLock<Isa> = OnceLock::new();
    BEST.get_or_init(detect)
}

/// The portable scalar kernels (the reference for the SIMD ones).
pub fn scalar() -> &'static Isa {
    &generic::ISA
}

fn detect() -> Isa {
    **available()
        .first()
        .expect("the scalar ISA is always available")
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
