//! GGUF tensor element formats: one `#[repr(C)]` block struct per format
//! (byte arrays only, so alignment is 1 and blocks are read straight from
//! the 32-byte-aligned, memory-mapped GGUF data), the [`QuantBlock`] /
//! [`QuantizeBlock`] / [`AffineCodes`] traits they implement, and one table
//! of formats (`format_table!`, ggml's `type_traits`) from which every
//! dispatch on [`GgmlType`] is generated: [`dequantize_row`],
//! [`quantize_row`], [`is_supported`], [`is_quantizable`], [`affine_coder`].
//!
//! Bit layouts follow ggml-common.h; results are compared bit for bit with
//! the linked ggml in `tests/ggml_oracle.rs`. Block and type sizes come
//! from `gguf`'s type table, never from a second table here.
//!
//! ```
//! use gguf::GgmlType;
//! let x: Vec<f32> = (0..32).map(|i| i as f32 - 16.0).collect();
//! let mut q = vec![0u8; 34];
//! kernels::quant::quantize_row(GgmlType::Q8_0, &x, &mut q).unwrap();
//! let mut y = vec![0.0; 32];
//! kernels::quant::dequantize_row(GgmlType::Q8_0, &q, &mut y).unwrap();
//! assert!(x.iter().zip(&y).all(|(a, b)| (a - b).abs() < 0.07));
//! ```

pub mod half;
mod kquantize;
pub mod kquants;
pub mod legacy;

use gguf::GgmlType;
use std::fmt;

// Every block struct, under `quant::` (the families' files hold nothing else public).
pub use kquants::*;
pub use legacy::*;

/// One quantized block of `BLOCK` elements.
///
/// # Safety
/// Implementors are `#[repr(C)]`, have alignment 1 and no padding, and every
/// bit pattern is a valid value, so `&[u8]` can be viewed as `&[Self]`.
pub unsafe trait QuantBlock: Copy + 'static {
    const TYPE: GgmlType;
    /// Elements per block (ggml `blck_size`).
    const BLOCK: usize;
    /// Writes the block's `BLOCK` values to `out[..BLOCK]`.
    fn dequantize(&self, out: &mut [f32]);
}

/// A format whose values are exactly `scale·u + offset` with codes `u` in
/// 0..=127 and one (scale, offset) per 32 values: the int8 matmul path
/// reads such blocks without decoding them to f32 (see `crate::int8`).
pub trait AffineCodes: QuantBlock {
    /// Writes the block's `BLOCK` codes in element order, and one scale
    /// and one offset per 32 of them.
    fn affine_codes(&self, codes: &mut [u8], scale: &mut [f32], offset: &mut [f32]);
}

/// Codes whole blocks of one format (see [`AffineCodes`]).
pub type AffineCoder = fn(src: &[u8], codes: &mut [u8], scale: &mut [f32], offset: &mut [f32]);

/// Codes whole blocks of `B` (see [`AffineCodes`]).
fn affine_blocks<B: AffineCodes>(
    src: &[u8],
    codes: &mut [u8],
    scale: &mut [f32],
    offset: &mut [f32],
) {
    let blocks = as_blocks::<B>(src).expect("length checked by the caller");
    let per = B::BLOCK / 32;
    for (i, b) in blocks.iter().enumerate() {
        b.affine_codes(
            &mut codes[i * B::BLOCK..(i + 1) * B::BLOCK],
            &mut scale[i * per..(i + 1) * per],
            &mut offset[i * per..(i + 1) * per],
        );
    }
}

/// A block format we can also produce from f32 (ggml `quantize_row_*_ref`).
pub trait QuantizeBlock: QuantBlock {
    /// Quantizes `src[..BLOCK]`.
    fn quantize(src: &[f32]) -> Self;
}

/// Errors of the kernels crate's format handling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KernelError {
    /// No dequantizer for this type.
    Unsupported(GgmlType),
    /// No quantizer for this type.
    NotQuantizable(GgmlType),
    /// `elements` is not a whole number of blocks, or the byte buffer does
    /// not hold exactly that many blocks.
    Length {
        ty: GgmlType,
        elements: usize,
        bytes: usize,
    },
}

impl fmt::Display for KernelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KernelError::Unsupported(ty) => write!(f, "tensor type {ty} is not supported by the kernels"),
            KernelError::NotQuantizable(ty) => write!(f, "quantizing to {ty} is not implemented"),
            KernelError::Length { ty, elements, bytes } => write!(
                f,
                "{elements} elements of {ty} (block {}, {} bytes per block) do not match a buffer of {bytes} bytes",
                ty.block_size(),
                ty.type_size()
            ),
        }
    }
}

impl std::error::Error for KernelError {}

/// Views bytes as blocks (no copy). `None` when the length is not a whole
/// number of blocks.
pub fn as_blocks<B: QuantBlock>(bytes: &[u8]) -> Option<&[B]> {
    const { assert!(align_of::<B>() == 1) };
    if !bytes.len().is_multiple_of(size_of::<B>()) {
        return None;
    }
    // SAFETY: QuantBlock guarantees alignment 1, no padding and that every
    // bit pattern is valid; the length is a whole number of blocks.
    Some(unsafe {
        std::slice::from_raw_parts(bytes.as_ptr().cast::<B>(), bytes.len() / size_of::<B>())
    })
}

fn as_blocks_mut<B: QuantBlock>(bytes: &mut [u8]) -> Option<&mut [B]> {
    const { assert!(align_of::<B>() == 1) };
    if !bytes.len().is_multiple_of(size_of::<B>()) {
        return None;
    }
    // SAFETY: as in `as_blocks`; the borrow is unique.
    Some(unsafe {
        std::slice::from_raw_parts_mut(bytes.as_mut_ptr().cast::<B>(), bytes.len() / size_of::<B>())
    })
}

/// Decodes whole blocks of `B` (the table's decoder for block formats).
#[inline(always)]
fn decode_blocks<B: QuantBlock>(src: &[u8], dst: &mut [f32]) {
    let blocks = as_blocks::<B>(src).expect("length checked by the caller");
    for (b, out) in blocks.iter().zip(dst.chunks_exact_mut(B::BLOCK)) {
        b.dequantize(out);
    }
}

/// Encodes whole blocks of `B`.
fn encode_blocks<B: QuantizeBlock>(src: &[f32], dst: &mut [u8]) {
    let blocks = as_blocks_mut::<B>(dst).expect("length checked by the caller");
    for (b, x) in blocks.iter_mut().zip(src.chunks_exact(B::BLOCK)) {
        *b = B::quantize(x);
    }
}

/// Generates every dispatch on [`GgmlType`] from the one list below: each
/// row is a GGML type, the function that decodes a row of it (ggml
/// `to_float`), and when we have them the one that encodes (ggml
/// `from_float_ref`) and the one that reads its blocks as affine codes.
macro_rules! format_table {
    ($($ty:ident => $decode:expr $(, encode: $encode:expr)? $(, affine: $affine:expr)?;)*) => {
        /// Can [`dequantize_row`] (and so the matmuls) read this type?
        pub fn is_supported(ty: GgmlType) -> bool {
            matches!(ty, $(GgmlType::$ty)|*)
        }

        /// Can [`quantize_row`] write this type?
        pub fn is_quantizable(ty: GgmlType) -> bool {
            match ty {
                $(GgmlType::$ty => format_table!(@some $($encode)?),)*
                _ => false,
            }
        }

        /// The dispatch itself, for callers that validated `ty` and the
        /// lengths; `#[inline(always)]` so a caller compiled with extra CPU
        /// features (the AVX2 matmul panels) gets a dequantizer compiled
        /// with them too, and the match is expanded where it is used.
        #[inline(always)]
        pub(crate) fn dequantize_unchecked(ty: GgmlType, src: &[u8], dst: &mut [f32]) {
            match ty {
                $(GgmlType::$ty => $decode(src, dst),)*
                _ => unreachable!("dequantize_unchecked called with unsupported type {ty}"),
            }
        }

        /// [`quantize_row`] after its checks (inlined there, as the match
        /// was before the table).
        #[inline(always)]
        fn quantize_unchecked(ty: GgmlType, src: &[f32], dst: &mut [u8]) {
            match ty {
                $($(GgmlType::$ty => $encode(src, dst),)?)*
                _ => unreachable!("quantize_row checked is_quantizable"),
            }
        }

        /// The formats whose blocks are affine codes (the 4-bit ones: their
        /// 16 levels are the codes, exactly).
        pub fn affine_coder(ty: GgmlType) -> Option<AffineCoder> {
            match ty {
                $($(GgmlType::$ty => Some($affine),)?)*
                _ => None,
            }
        }
    };
    (@some $encode:expr) => { true };
    (@some) => { false };
}

// The formats the kernels handle, once (ggml `type_traits`); sizes come
// from `gguf`'s type table.
format_table! {
    F32 => half::dequantize_f32, encode: half::quantize_f32;
    F16 => half::dequantize_f16, encode: half::quantize_f16;
    BF16 => half::dequantize_bf16, encode: half::quantize_bf16;
    Q4_0 => decode_blocks::<BlockQ4_0>, encode: encode_blocks::<BlockQ4_0>, affine: affine_blocks::<BlockQ4_0>;
    Q4_1 => decode_blocks::<BlockQ4_1>, encode: encode_blocks::<BlockQ4_1>, affine: affine_blocks::<BlockQ4_1>;
    Q5_0 => decode_blocks::<BlockQ5_0>, encode: encode_blocks::<BlockQ5_0>;
    Q5_1 => decode_blocks::<BlockQ5_1>, encode: encode_blocks::<BlockQ5_1>;
    Q8_0 => decode_blocks::<BlockQ8_0>, encode: encode_blocks::<BlockQ8_0>;
    Q2_K => decode_blocks::<BlockQ2K>;
    Q3_K => decode_blocks::<BlockQ3K>;
    Q4_K => decode_blocks::<BlockQ4K>, encode: encode_blocks::<BlockQ4K>, affine: affine_blocks::<BlockQ4K>;
    Q5_K => decode_blocks::<BlockQ5K>;
    Q6_K => decode_blocks::<BlockQ6K>, encode: encode_blocks::<BlockQ6K>;
    Q8_K => decode_blocks::<BlockQ8K>, encode: encode_blocks::<BlockQ8K>;
}

fn check_len(ty: GgmlType, elements: usize, bytes: usize) -> Result<(), KernelError> {
    let ok = elements.is_multiple_of(ty.block_size())
        && elements / ty.block_size() * ty.type_size() == bytes;
    if ok {
        Ok(())
    } else {
        Err(KernelError::Length {
            ty,
            elements,
            bytes,
        })
    }
}

/// Decodes `dst.len()` values of type `ty` from `src` (exactly that many
/// blocks' bytes, any alignment).
pub fn dequantize_row(ty: GgmlType, src: &[u8], dst: &mut [f32]) -> Result<(), KernelError> {
    if !is_supported(ty) {
        return Err(KernelError::Unsupported(ty));
    }
    check_len(ty, dst.len(), src.len())?;
    dequantize_unchecked(ty, src, dst);
    Ok(())
}

/// Encodes `src` as type `ty` into `dst` (exactly `src.len()/block` blocks),
/// bit-identical to ggml's `quantize_row_*_ref` (no importance matrix).
pub fn quantize_row(ty: GgmlType, src: &[f32], dst: &mut [u8]) -> Result<(), KernelError> {
    if !is_quantizable(ty) {
        return Err(KernelError::NotQuantizable(ty));
    }
    check_len(ty, src.len(), dst.len())?;
    quantize_unchecked(ty, src, dst);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_are_checked() {
        let mut out = [0.0f32; 32];
        assert!(dequantize_row(GgmlType::Q4_0, &[0u8; 17], &mut out).is_err());
        assert!(dequantize_row(GgmlType::Q4_0, &[0u8; 18], &mut out[..31]).is_err());
        assert!(dequantize_row(GgmlType::Q4_0, &[0u8; 18], &mut out).is_ok());
        assert_eq!(
            dequantize_row(GgmlType::IQ2_XXS, &[], &mut []),
            Err(KernelError::Unsupported(GgmlType::IQ2_XXS))
        );
        assert_eq!(
            quantize_row(GgmlType::Q3_K, &[], &mut []),
            Err(KernelError::NotQuantizable(GgmlType::Q3_K))
        );
    }

    #[test]
    fn unaligned_input_is_read() {
        let x: Vec<f32> = (0..32).map(|i| (i as f32 * 0.37).sin()).collect();
        let mut q = [0u8; 35];
        quantize_row(GgmlType::Q8_0, &x, &mut q[1..]).unwrap();
        let (mut a, mut b) = ([0.0; 32], [0.0; 32]);
        dequantize_row(GgmlType::Q8_0, &q[1..], &mut a).unwrap();
        let aligned = q[1..].to_vec();
        dequantize_row(GgmlType::Q8_0, &aligned, &mut b).unwrap();
        assert_eq!(a, b);
        assert!(x.iter().zip(&a).all(|(u, v)| (u - v).abs() < 0.01));
    }
}
