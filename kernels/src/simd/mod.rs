//! The f32 micro-kernel behind every matmul, one implementation per
//! instruction set, chosen once at first use by runtime feature detection:
//! AVX2+FMA on x86_64 (`x86.rs`), NEON on aarch64 (`aarch64.rs`), plain
//! Rust everywhere (`generic.rs`, also the reference the others are
//! tested against).
//!
//! Micro-kernel contract: `C[MR×NR] += A[MR×kc] · B[kc×NR]` where row `i`
//! of A starts at `a[i]` and steps by `cs` elements per k, B is packed
//! row-major `kc×NR`, and C has row stride `ldc`. All MR rows and NR
//! columns must be valid memory (the drivers pad edges).

#[cfg(target_arch = "aarch64")]
pub mod aarch64;
pub mod generic;
#[cfg(target_arch = "x86_64")]
pub mod x86;

use gguf::GgmlType;
use std::sync::OnceLock;

/// Rows of A (and C) per micro-tile.
pub const MR: usize = 6;
/// Columns of B (and C) per micro-tile.
pub const NR: usize = 16;

/// See the module doc for the contract.
///
/// # Safety
/// `a[i] + k·cs` for k < kc, `b[..kc·NR]` and the MR×NR tile of `c` with
/// stride `ldc` must all be valid; the CPU must support the kernel's ISA.
pub type MicroKernel =
    unsafe fn(kc: usize, a: &[*const f32; MR], cs: usize, b: *const f32, c: *mut f32, ldc: usize);

/// Decodes validated rows (`quant::dequantize_unchecked` compiled for the ISA).
pub type Dequantizer = fn(ty: GgmlType, src: &[u8], dst: &mut [f32]);

/// The kernels of one instruction set.
#[derive(Clone, Copy)]
pub struct Isa {
    pub name: &'static str,
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
    #[cfg(target_arch = "x86_64")]
    {
        if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
            return x86::ISA;
        }
    }
    #[cfg(target_arch = "aarch64")]
    {
        if std::arch::is_aarch64_feature_detected!("neon") {
            return aarch64::ISA;
        }
    }
    generic::ISA
}
