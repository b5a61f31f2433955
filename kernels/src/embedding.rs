//! Token embedding: gather rows of a (possibly quantized) table, and the
//! scatter-add backward for full fine-tuning of f32 tables.
//!
//! Shapes: the table is (V, E) row-major in ggml bytes (`token_embd.weight`,
//! `ne = [E, V]`, each row `row_bytes(E)` long); ids is (T); out, d_out are
//! (T, E); d_table is (V, E) f32. Token ids come from tokenizers and
//! datasets, so an id outside the table is an error, not a panic.

use crate::quant::KernelError;
use gguf::GgmlType;
use std::fmt;

/// Why a gather could not run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EmbeddingError {
    /// `ids[position]` is negative or ≥ the table's row count.
    TokenOutOfRange {
        position: usize,
        token: i32,
        n_vocab: usize,
    },
    /// The table is not a whole number of rows of `n_embd` elements.
    TableShape {
        ty: GgmlType,
        n_embd: usize,
        bytes: usize,
    },
    /// No dequantizer for this type.
    UnsupportedType(GgmlType),
}

impl fmt::Display for EmbeddingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EmbeddingError::TokenOutOfRange {
                position,
                token,
                n_vocab,
            } => {
                write!(f, "token id {token} at position {position} is outside the embedding table ({n_vocab} rows)")
            }
            EmbeddingError::TableShape { ty, n_embd, bytes } => {
                write!(
                    f,
                    "{bytes} bytes of {ty} are not whole rows of {n_embd} elements"
                )
            }
            EmbeddingError::UnsupportedType(ty) => {
                write!(f, "embedding tables of type {ty} are not supported")
            }
        }
    }
}

impl std::error::Error for EmbeddingError {}

/// Bytes per row and number of rows of a (V, E) table of type `ty`.
fn table_rows(ty: GgmlType, n_embd: usize, bytes: usize) -> Result<(usize, usize), EmbeddingError> {
    let shape_err = || EmbeddingError::TableShape { ty, n_embd, bytes };
    let row = ty.row_bytes(n_embd as u64).ok_or_else(shape_err)? as usize;
    if row == 0 || !bytes.is_multiple_of(row) {
        return Err(shape_err());
    }
    Ok((row, bytes / row))
}

/// Checks every id against the table size.
fn check_ids(ids: &[i32], n_vocab: usize) -> Result<(), EmbeddingError> {
    match ids.iter().position(|&id| id < 0 || id as usize >= n_vocab) {
        Some(position) => Err(EmbeddingError::TokenOutOfRange {
            position,
            token: ids[position],
            n_vocab,
        }),
        None => Ok(()),
    }
}

/// One table row to f32 through the quant dispatch (`crate::quant`).
fn dequantize_row(ty: GgmlType, src: &[u8], dst: &mut [f32]) -> Result<(), EmbeddingError> {
    crate::quant::dequantize_row(ty, src, dst).map_err(|e| match e {
        KernelError::Unsupported(ty) | KernelError::NotQuantizable(ty) => {
            EmbeddingError::UnsupportedType(ty)
        }
        KernelError::Length { ty, bytes, .. } => EmbeddingError::TableShape {
            ty,
            n_embd: dst.len(),
            bytes,
        },
    })
}

/// out (T, E) = table[ids]; each row dequantized on its own, so a
/// quantized table is never expanded as a whole.
pub fn embedding_forward(
    ty: GgmlType,
    table: &[u8],
    n_embd: usize,
    ids: &[i32],
    out: &mut [f32],
) -> Result<(), EmbeddingError> {
    assert_eq!(out.len(), ids.len() * n_embd, "out is (T, E)");
    let (row, n_vocab) = table_rows(ty, n_embd, table.len())?;
    check_ids(ids, n_vocab)?;
    for (dst, &id) in out.chunks_exact_mut(n_embd).zip(ids) {
        let id = id as usize;
        dequantize_row(ty, &table[id * row..(id + 1) * row], dst)?;
    }
    Ok(())
}

/// d_table (V, E) += scatter of d_out (T, E) by ids (repeated ids add up).
pub fn embedding_backward(
    ids: &[i32],
    d_out: &[f32],
    d_table: &mut [f32],
    n_embd: usize,
) -> Result<(), EmbeddingError> {
    assert_eq!(d_out.len(), ids.len() * n_embd, "d_out is (T, E)");
    assert!(
        n_embd > 0 && d_table.len().is_multiple_of(n_embd),
        "d_table is (V, E)"
    );
    check_ids(ids, d_table.len() / n_embd)?;
    for (src, &id) in d_out.chunks_exact(n_embd).zip(ids) {
        let id = id as usize;
        let dst = &mut d_table[id * n_embd..(id + 1) * n_embd];
        dst.iter_mut().zip(src).for_each(|(d, s)| *d += s);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fd::{assert_grad_close, numerical_grad, probe_loss, random_vec};
    use crate::rng::Rng;

    fn bytes(v: &[f32]) -> Vec<u8> {
        v.iter().flat_map(|x| x.to_le_bytes()).collect()
    }

    #[test]
    fn gathers_rows_and_rejects_bad_ids() {
        let (v, e) = (5, 3);
        let table: Vec<f32> = (0..v * e).map(|i| i as f32).collect();
        let mut out = vec![0.0; 3 * e];
        embedding_forward(GgmlType::F32, &bytes(&table), e, &[4, 0, 4], &mut out)
            .expect("valid ids");
        assert_eq!(out, [12.0, 13.0, 14.0, 0.0, 1.0, 2.0, 12.0, 13.0, 14.0]);
        for bad in [5, -1] {
            let err = embedding_forward(GgmlType::F32, &bytes(&table), e, &[0, bad, 1], &mut out)
                .unwrap_err();
            assert_eq!(
                err,
                EmbeddingError::TokenOutOfRange {
                    position: 1,
                    token: bad,
                    n_vocab: 5
                }
            );
        }
        let err = embedding_forward(GgmlType::F32, &bytes(&table)[..7], e, &[0], &mut out[..e])
            .unwrap_err();
        assert!(matches!(err, EmbeddingError::TableShape { .. }));
        let err =
            embedding_forward(GgmlType::Q4_0, &[0u8; 18], 30, &[0], &mut [0.0; 30]).unwrap_err();
        assert!(
            matches!(err, EmbeddingError::TableShape { .. }),
            "30 is not a multiple of 32"
        );
    }

    #[test]
    fn gathers_rows_of_a_q8_0_table() {
        // ggml-common.h block_q8_0: f16 d, then 32 i8 quants; value = q·d.
        // Row r (64 elements = 2 blocks) holds q = (j − 32 + r) with d = 0.5
        // (f16 0x3800) in block 0 and d = 2 (f16 0x4000) in block 1.
        let (n_vocab, e) = (3, 64);
        let mut table = Vec::new();
        for r in 0..n_vocab {
            for (blk, d) in [(0, [0x00u8, 0x38]), (1, [0x00, 0x40])] {
                table.extend_from_slice(&d);
                table.extend((0..32).map(|j| (blk * 32 + j - 32 + r) as i8 as u8));
            }
        }
        let mut out = vec![0.0; 2 * e];
        embedding_forward(GgmlType::Q8_0, &table, e, &[2, 0], &mut out).expect("valid ids");
        for (i, r) in [2i32, 0].into_iter().enumerate() {
            for j in 0..e as i32 {
                let d = if j < 32 { 0.5 } else { 2.0 };
                assert_eq!(out[i * e + j as usize], (j - 32 + r) as f32 * d);
            }
        }
        let err = embedding_forward(GgmlType::Q8_0, &table, e, &[3], &mut out[..e]).unwrap_err();
        assert!(matches!(
            err,
            EmbeddingError::TokenOutOfRange { n_vocab: 3, .. }
        ));
    }

    #[test]
    fn backward_matches_finite_differences() {
        let (v, e) = (6, 4);
        let ids = [2, 5, 2, 0];
        let mut rng = Rng::new(51);
        let mut table = random_vec(&mut rng, v * e, 1.0);
        let probe = random_vec(&mut rng, ids.len() * e, 1.0);
        let mut d_table = vec![0.0; v * e];
        embedding_backward(&ids, &probe, &mut d_table, e).expect("valid ids");
        let g = numerical_grad(&mut table, 1e-2, |t| {
            let mut out = vec![0.0; ids.len() * e];
            embedding_forward(GgmlType::F32, &bytes(t), e, &ids, &mut out).expect("valid ids");
            probe_loss(&out, &probe)
        });
        assert_grad_close("embedding d_table", &d_table, &g, 1e-3);
        assert!(embedding_backward(&[6], &probe[..e], &mut d_table, e).is_err());
    }
}
