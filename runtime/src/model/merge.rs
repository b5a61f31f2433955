//! Merging a LoRA adapter into its base model: `W' = W + (alpha/r)·B·A` for
//! every adapted weight, written as a standalone GGUF. Rows are
//! dequantized, updated and requantized one at a time, so memory stays at
//! one row plus the output file's tensors.

use std::path::Path;

use gguf::{GgmlType, GgufFile, GgufWriter};

use super::config::{LoraTarget, ModelConfig};
use super::lora::LoraAdapter;
use crate::{Error, Result};

/// Writes `base` + `adapter` to `out` (with no adapter: `base` re-encoded).
/// `ty` sets the type of every 2-D weight (projections, embeddings, head);
/// `None` keeps each tensor's own type. Other tensors (norms, biases) are
/// copied unchanged.
pub fn merge(
    base: &GgufFile,
    cfg: &ModelConfig,
    adapter: Option<&LoraAdapter>,
    ty: Option<GgmlType>,
    out: &Path,
) -> Result<()> {
    if let Some(t) = ty {
        if t != GgmlType::F32 && !kernels::quant::is_quantizable(t) {
            return Err(Error::Input(format!("--type {t}: cannot write this type (choose f32, f16, q8_0, q4_0, q4_1, q4_k, q6_k)")));
        }
    }
    let scale = adapter.map_or(0.0, |a| a.spec.scale());
    let mut w = GgufWriter::new();
    for (k, v) in &base.header.metadata {
        w.set(k, v.clone());
    }
    for t in base.tensors() {
        let data = base.data(t);
        let adapted = LoraTarget::ALL
            .iter()
            .flat_map(|&tg| (0..cfg.n_layer).map(move |l| (l, tg)))
            .find(|&(l, tg)| tg.tensor_name(l) == t.name)
            .and_then(|(l, tg)| adapter?.pair(l, tg));
        let out_ty = match ty {
            Some(wanted) if t.shape.len() == 2 => wanted,
            _ => t.ty,
        };
        if adapted.is_none() && out_ty == t.ty {
            w.add_tensor(&t.name, t.ty, &t.shape, data.to_vec())?;
            continue;
        }
        if out_ty != GgmlType::F32 && !kernels::quant::is_quantizable(out_ty) {
            return Err(Error::Unsupported(format!(
                "tensor {} is {}, which cannot be re-encoded; pass --type",
                t.name, t.ty
            )));
        }
        let n_in = t.shape[0] as usize;
        let rows = t.n_rows() as usize;
        let in_row_bytes = data.len() / rows;
        let out_row_bytes = out_ty.row_bytes(n_in as u64).ok_or_else(|| {
            Error::Unsupported(format!(
                "tensor {}: width {n_in} is not a multiple of the {out_ty} block size",
                t.name
            ))
        })? as usize;
        let mut bytes = vec![0u8; out_row_bytes * rows];
        let mut row = vec![0f32; n_in];
        for o in 0..rows {
            kernels::quant::dequantize_row(
                t.ty,
                &data[o * in_row_bytes..(o + 1) * in_row_bytes],
                &mut row,
            )
            .map_err(|e| Error::Unsupported(format!("{}: {e}", t.name)))?;
            if let Some(p) = adapted {
                let r = p.rank();
                for k in 0..r {
                    let b = scale * p.b[o * r + k];
                    for (x, a) in row.iter_mut().zip(&p.a[k * n_in..(k + 1) * n_in]) {
                        *x += b * a;
                    }
                }
            }
            let dst = &mut bytes[o * out_row_bytes..(o + 1) * out_row_bytes];
            if out_ty == GgmlType::F32 {
                for (d, x) in dst.chunks_exact_mut(4).zip(&row) {
                    d.copy_from_slice(&x.to_le_bytes());
                }
            } else {
                kernels::quant::quantize_row(out_ty, &row, dst)
                    .map_err(|e| Error::Unsupported(format!("{}: {e}", t.name)))?;
            }
        }
        w.add_tensor(&t.name, out_ty, &t.shape, bytes)?;
    }
    w.write(out).map_err(Error::from)
}
