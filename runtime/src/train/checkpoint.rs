//! Training checkpoints: adapter, AdamW moments, step, data position and
//! the shuffle RNG state, zstd-compressed, written atomically (temporary
//! file + rename) so a kill at any moment leaves the previous checkpoint
//! whole.
//!
//! Layout before compression: `ACKPT1\n`, u64 LE length of a JSON header,
//! the header ([`CheckpointMeta`]), then the f32 LE values of every adapter
//! tensor, then every first moment, then every second moment, in
//! `LoraAdapter::tensors()` order.

use std::io::Write;
use std::path::Path;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::model::{LoraAdapter, ModelConfig};
use crate::{Error, Result};

const MAGIC: &[u8] = b"ACKPT1\n";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CheckpointMeta {
    pub spec: crate::model::LoraSpec,
    /// Optimizer steps done.
    pub step: usize,
    pub epoch: usize,
    /// Index into this epoch's order of the next example.
    pub position: usize,
    /// Seed of the current epoch's shuffle.
    pub epoch_seed: u64,
    pub best_val_loss: Option<f64>,
    pub n_values: usize,
    /// Steps skipped for non-finite gradients so far; AdamW counts only
    /// the others. Absent in checkpoints from before it was kept.
    #[serde(default)]
    pub skipped_steps: usize,
}

pub struct Checkpoint {
    pub meta: CheckpointMeta,
    pub adapter: LoraAdapter,
    pub m: Vec<Vec<f32>>,
    pub v: Vec<Vec<f32>>,
}

/// Writes a checkpoint without copying the adapter or the moments.
pub fn save_checkpoint(
    path: &Path,
    meta: &CheckpointMeta,
    adapter: &LoraAdapter,
    m: &[&[f32]],
    v: &[&[f32]],
) -> Result<()> {
    write_state(path, meta, &[adapter.tensors().as_slice(), m, v])
}

/// Writes a checkpoint file: `header`, then the values of every tensor of
/// every group in order (the layout of the module doc).
pub(super) fn write_state<H: Serialize>(
    path: &Path,
    header: &H,
    groups: &[&[&[f32]]],
) -> Result<()> {
    let header = serde_json::to_vec(header)
        .map_err(Error::internal("cannot encode the checkpoint header"))?;
    gguf::write_atomic_with(path, |w| {
        let mut z = zstd::Encoder::new(w, 3)?;
        z.write_all(MAGIC)?;
        z.write_all(&(header.len() as u64).to_le_bytes())?;
        z.write_all(&header)?;
        let mut buf = Vec::with_capacity(1 << 16);
        for group in groups {
            for t in group.iter() {
                for chunk in t.chunks(1 << 14) {
                    buf.clear();
                    buf.extend(chunk.iter().flat_map(|x| x.to_le_bytes()));
                    z.write_all(&buf)?;
                }
            }
        }
        z.finish()?;
        Ok(())
    })
    .map_err(Error::from)
}

/// Reads a checkpoint file written by [`write_state`]: its header and all
/// values; the caller checks the count against what it expects.
pub(super) fn read_state<H: DeserializeOwned>(path: &Path) -> Result<(H, Vec<f32>)> {
    let packed = std::fs::read(path).map_err(Error::io(path))?;
    let raw = zstd::decode_all(&packed[..]).map_err(|e| bad_checkpoint(path, &e.to_string()))?;
    if !raw.starts_with(MAGIC) || raw.len() < MAGIC.len() + 8 {
        return Err(bad_checkpoint(path, "bad magic"));
    }
    let mut len = [0u8; 8];
    len.copy_from_slice(&raw[MAGIC.len()..MAGIC.len() + 8]);
    let hlen = u64::from_le_bytes(len) as usize;
    let body_at = MAGIC.len().saturating_add(8).saturating_add(hlen);
    let header = raw
        .get(MAGIC.len() + 8..body_at)
        .ok_or_else(|| bad_checkpoint(path, "truncated header"))?;
    let header: H =
        serde_json::from_slice(header).map_err(|e| bad_checkpoint(path, &e.to_string()))?;
    if !(raw.len() - body_at).is_multiple_of(4) {
        return Err(bad_checkpoint(path, "truncated values"));
    }
    let values = raw[body_at..]
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    Ok((header, values))
}

pub(super) fn bad_checkpoint(path: &Path, reason: &str) -> Error {
    Error::Model {
        path: path.to_path_buf(),
        reason: format!("not a usable checkpoint: {reason}"),
    }
}

impl Checkpoint {
    pub fn load(path: &Path, cfg: &ModelConfig) -> Result<Checkpoint> {
        let (meta, values): (CheckpointMeta, Vec<f32>) = read_state(path)?;
        let mut adapter = LoraAdapter::zeros(cfg, &meta.spec);
        let n = adapter.n_params();
        if meta.n_values != n || values.len() != 3 * n {
            return Err(bad_checkpoint(
                path,
                "size does not match the model and adapter spec",
            ));
        }
        let mut values = values.into_iter();
        for t in adapter.tensors_mut() {
            t.iter_mut().for_each(|x| *x = values.next().unwrap_or(0.0));
        }
        let shapes: Vec<usize> = adapter.tensors().iter().map(|t| t.len()).collect();
        let mut take = |shapes: &[usize]| -> Vec<Vec<f32>> {
            shapes
                .iter()
                .map(|&k| values.by_ref().take(k).collect())
                .collect()
        };
        let m = take(&shapes);
        let v = take(&shapes);
        Ok(Checkpoint {
            meta,
            adapter,
            m,
            v,
        })
    }
}
