//! GGUF v3 writer producing files llama.cpp's `gguf.cpp` accepts: tensor
//! data in info order, each padded to the alignment, offsets the running sum.

use std::io::Write;
use std::path::Path;

use crate::reader::{align_up, DEFAULT_ALIGNMENT, MAGIC, MAX_DIMS};
use crate::value::{Value, ValueType};
use crate::{Error, GgmlType, Result};

struct PendingTensor {
    name: String,
    ty: GgmlType,
    shape: Vec<u64>,
    data: Vec<u8>,
}

/// Builds a GGUF file in memory, then writes it atomically.
#[derive(Default)]
pub struct GgufWriter {
    metadata: Vec<(String, Value)>,
    tensors: Vec<PendingTensor>,
}

impl GgufWriter {
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a metadata value, replacing an earlier value of the same key.
    pub fn set(&mut self, key: &str, value: Value) -> &mut Self {
        if let Some(slot) = self.metadata.iter_mut().find(|(k, _)| k == key) {
            slot.1 = value;
        } else {
            self.metadata.push((key.to_string(), value));
        }
        self
    }

    pub fn set_str(&mut self, key: &str, v: &str) -> &mut Self {
        self.set(key, Value::String(v.to_string()))
    }
    pub fn set_u32(&mut self, key: &str, v: u32) -> &mut Self {
        self.set(key, Value::U32(v))
    }
    pub fn set_f32(&mut self, key: &str, v: f32) -> &mut Self {
        self.set(key, Value::F32(v))
    }

    /// Adds a tensor; `data` must hold exactly the bytes its type and shape need.
    pub fn add_tensor(
        &mut self,
        name: &str,
        ty: GgmlType,
        shape: &[u64],
        data: Vec<u8>,
    ) -> Result<&mut Self> {
        if self.tensors.iter().any(|t| t.name == name) {
            return Err(Error::Write {
                reason: format!("duplicate tensor name '{name}'"),
            });
        }
        if shape.is_empty() || shape.len() > MAX_DIMS as usize || shape.contains(&0) {
            return Err(Error::Write {
                reason: format!("tensor '{name}': bad shape {shape:?}"),
            });
        }
        let row = ty.row_bytes(shape[0]).ok_or_else(|| Error::Write {
            reason: format!(
                "tensor '{name}': ne[0]={} is not a multiple of {ty} block size {}",
                shape[0],
                ty.block_size()
            ),
        })?;
        let want = row * shape[1..].iter().product::<u64>();
        if want != data.len() as u64 {
            return Err(Error::Write {
                reason: format!(
                    "tensor '{name}': {ty} {shape:?} needs {want} bytes, got {}",
                    data.len()
                ),
            });
        }
        self.tensors.push(PendingTensor {
            name: name.to_string(),
            ty,
            shape: shape.to_vec(),
            data,
        });
        Ok(self)
    }

    /// Convenience: an F32 tensor from values.
    pub fn add_f32(&mut self, name: &str, shape: &[u64], values: &[f32]) -> Result<&mut Self> {
        let bytes = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        self.add_tensor(name, GgmlType::F32, shape, bytes)
    }

    fn alignment(&self) -> Result<u64> {
        match self.metadata.iter().find(|(k, _)| k == "general.alignment") {
            None => Ok(DEFAULT_ALIGNMENT),
            Some((_, Value::U32(a))) if a.is_power_of_two() => Ok(*a as u64),
            Some((_, v)) => Err(Error::Write {
                reason: format!("general.alignment must be a u32 power of two, got {v:?}"),
            }),
        }
    }

    /// The metadata set so far, in order.
    pub fn metadata_pairs(&self) -> &[(String, Value)] {
        &self.metadata
    }

    /// (name, type, shape, bytes) of each tensor added so far.
    pub fn tensor_parts(&self) -> Vec<(String, GgmlType, Vec<u64>, Vec<u8>)> {
        self.tensors
            .iter()
            .map(|t| (t.name.clone(), t.ty, t.shape.clone(), t.data.clone()))
            .collect()
    }

    /// Serializes the whole file.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        self.write_to(&mut out).map_err(|e| Error::Write {
            reason: e.to_string(),
        })?;
        Ok(out)
    }

    /// Streams the file to `out`: header, tensor infos, padded data.
    pub fn write_to(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let align = self
            .alignment()
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e.to_string()))?;
        let mut head = Vec::new();
        head.extend_from_slice(MAGIC);
        head.extend_from_slice(&3u32.to_le_bytes());
        head.extend_from_slice(&(self.tensors.len() as u64).to_le_bytes());
        head.extend_from_slice(&(self.metadata.len() as u64).to_le_bytes());
        for (k, v) in &self.metadata {
            write_string(&mut head, k);
            head.extend_from_slice(&(v.value_type() as u32).to_le_bytes());
            write_value(&mut head, v).map_err(|e| {
                std::io::Error::new(std::io::ErrorKind::InvalidInput, e.to_string())
            })?;
        }
        let mut offset = 0u64;
        for t in &self.tensors {
            write_string(&mut head, &t.name);
            head.extend_from_slice(&(t.shape.len() as u32).to_le_bytes());
            for d in &t.shape {
                head.extend_from_slice(&d.to_le_bytes());
            }
            head.extend_from_slice(&t.ty.id().to_le_bytes());
            head.extend_from_slice(&offset.to_le_bytes());
            offset += align_up(t.data.len() as u64, align);
        }
        head.resize(align_up(head.len() as u64, align) as usize, 0);
        out.write_all(&head)?;
        let zeros = vec![0u8; align as usize];
        for t in &self.tensors {
            out.write_all(&t.data)?;
            let pad = align_up(t.data.len() as u64, align) as usize - t.data.len();
            out.write_all(&zeros[..pad])?;
        }
        Ok(())
    }

    /// Writes to `path` atomically: a temporary file beside it, then rename.
    pub fn write(&self, path: impl AsRef<Path>) -> Result<()> {
        self.alignment()?;
        write_atomic_with(path.as_ref(), |w| self.write_to(w))
    }
}

/// Writes `bytes` to a temporary file next to `path`, syncs it, and renames
/// it over `path`: readers see either the old file or the whole new one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// Like [`write_atomic`], streaming: `fill` writes the content (buffered)
/// to the temporary file, so nothing needs to be held in memory whole.
pub fn write_atomic_with(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let file_name = path.file_name().ok_or_else(|| Error::Write {
        reason: format!("{} has no file name", path.display()),
    })?;
    let tmp = dir.join(format!(
        ".{}.tmp{}",
        file_name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let mut f = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&tmp)?);
        fill(&mut f)?;
        let f = f.into_inner().map_err(|e| e.into_error())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(io)
}

fn write_string(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u64).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

fn write_value(out: &mut Vec<u8>, v: &Value) -> Result<()> {
    match v {
        Value::U8(x) => out.push(*x),
        Value::I8(x) => out.push(*x as u8),
        Value::U16(x) => out.extend_from_slice(&x.to_le_bytes()),
        Value::I16(x) => out.extend_from_slice(&x.to_le_bytes()),
        Value::U32(x) => out.extend_from_slice(&x.to_le_bytes()),
        Value::I32(x) => out.extend_from_slice(&x.to_le_bytes()),
        Value::F32(x) => out.extend_from_slice(&x.to_le_bytes()),
        Value::U64(x) => out.extend_from_slice(&x.to_le_bytes()),
        Value::I64(x) => out.extend_from_slice(&x.to_le_bytes()),
        Value::F64(x) => out.extend_from_slice(&x.to_le_bytes()),
        Value::Bool(x) => out.push(*x as u8),
        Value::String(s) => write_string(out, s),
        Value::Array(elem, items) => {
            out.extend_from_slice(&(*elem as u32).to_le_bytes());
            out.extend_from_slice(&(items.len() as u64).to_le_bytes());
            for item in items {
                if item.value_type() != *elem {
                    return Err(Error::Write {
                        reason: format!(
                            "array of {} holds a {}",
                            elem.name(),
                            item.value_type().name()
                        ),
                    });
                }
                write_value(out, item)?;
            }
        }
    }
    Ok(())
}

/// Builds an array value of strings.
pub fn string_array<S: AsRef<str>>(items: &[S]) -> Value {
    Value::Array(
        ValueType::String,
        items
            .iter()
            .map(|s| Value::String(s.as_ref().to_string()))
            .collect(),
    )
}
