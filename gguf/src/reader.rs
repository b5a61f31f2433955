//! GGUF v3 reader: parses the header, metadata and tensor infos from a byte
//! slice (usually a memory map) and hands out zero-copy tensor views.
//!
//! Every count read from the file is checked against the bytes that remain
//! before anything is allocated, so a corrupt file can never make us
//! allocate more than its own size.

use std::path::{Path, PathBuf};

use memmap2::Mmap;

use crate::value::{MetadataExt, Value, ValueType};
use crate::{Error, GgmlType, Result};

pub const MAGIC: &[u8; 4] = b"GGUF";
pub const DEFAULT_ALIGNMENT: u64 = 32;
/// ggml's GGML_MAX_DIMS.
pub const MAX_DIMS: u32 = 4;
/// Nested arrays deeper than this are rejected (guards recursion).
const MAX_ARRAY_DEPTH: u32 = 8;

/// Where a tensor lives and what it is.
#[derive(Clone, Debug, PartialEq)]
pub struct TensorInfo {
    pub name: String,
    pub ty: GgmlType,
    /// `shape[0]` is the contiguous dimension (ggml `ne`).
    pub shape: Vec<u64>,
    /// Offset relative to the start of the data section.
    pub offset: u64,
    /// Size in bytes.
    pub n_bytes: u64,
}

impl TensorInfo {
    pub fn n_elements(&self) -> u64 {
        self.shape.iter().product()
    }
    /// Rows = product of every dimension but the first.
    pub fn n_rows(&self) -> u64 {
        self.shape.iter().skip(1).product()
    }
}

/// Parsed header of a GGUF file (everything but the tensor bytes).
#[derive(Clone, Debug)]
pub struct Header {
    pub version: u32,
    pub metadata: Vec<(String, Value)>,
    pub tensors: Vec<TensorInfo>,
    pub alignment: u64,
    /// Absolute offset of the data section.
    pub data_offset: u64,
}

impl MetadataExt for Header {
    fn get_value(&self, key: &str) -> Option<&Value> {
        self.metadata.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
}

impl Header {
    pub fn tensor(&self, name: &str) -> Option<&TensorInfo> {
        self.tensors.iter().find(|t| t.name == name)
    }

    /// Parses a whole GGUF image and checks that every tensor's bytes lie
    /// inside it.
    pub fn parse(bytes: &[u8]) -> Result<Header> {
        let mut r = Cursor { bytes, pos: 0 };
        let magic = r.take(4, "magic")?;
        if magic != MAGIC {
            let mut found = [0u8; 4];
            found.copy_from_slice(magic);
            return Err(Error::NotGguf { found });
        }
        let version = r.u32("version")?;
        if version != 2 && version != 3 {
            return Err(Error::UnsupportedVersion { version });
        }
        let n_tensors_at = r.pos as u64;
        let n_tensors = r.u64("tensor count")?;
        let n_kv_at = r.pos as u64;
        let n_kv = r.u64("metadata count")?;
        // Each KV needs at least 8 (key len) + 4 (type) + 1 bytes; each tensor info 8+4+4+8.
        r.check_count(n_kv, 13, "metadata count", n_kv_at)?;
        r.check_count(n_tensors, 24, "tensor count", n_tensors_at)?;

        let mut metadata = Vec::with_capacity((n_kv as usize).min(1024));
        for i in 0..n_kv {
            let key_at = r.pos as u64;
            let key = r.string(&format!("key of metadata entry {i}"))?;
            if metadata.iter().any(|(k, _): &(String, Value)| *k == key) {
                return Err(Error::invalid(
                    format!("metadata key '{key}'"),
                    key_at,
                    "duplicate key",
                ));
            }
            let ty_at = r.pos as u64;
            let ty = r.u32(&format!("type of '{key}'"))?;
            let ty = ValueType::from_id(ty).ok_or_else(|| {
                Error::invalid(
                    format!("type of '{key}'"),
                    ty_at,
                    format!("unknown value type {ty}"),
                )
            })?;
            let value = r.value(ty, &key, 0)?;
            metadata.push((key, value));
        }

        let alignment = match metadata.iter().find(|(k, _)| k == "general.alignment") {
            None => DEFAULT_ALIGNMENT,
            Some((_, Value::U32(a))) if a.is_power_of_two() => *a as u64,
            Some((_, v)) => {
                return Err(Error::Metadata {
                    key: "general.alignment".into(),
                    reason: format!("must be a u32 power of two, found {v:?}"),
                })
            }
        };

        let mut tensors: Vec<TensorInfo> = Vec::with_capacity((n_tensors as usize).min(4096));
        for i in 0..n_tensors {
            let name_at = r.pos as u64;
            let name = r.string(&format!("name of tensor {i}"))?;
            if tensors.iter().any(|t| t.name == name) {
                return Err(Error::invalid(
                    format!("tensor '{name}'"),
                    name_at,
                    "duplicate tensor name",
                ));
            }
            let dims_at = r.pos as u64;
            let n_dims = r.u32(&format!("n_dims of '{name}'"))?;
            if n_dims == 0 || n_dims > MAX_DIMS {
                return Err(Error::invalid(
                    format!("n_dims of tensor '{name}'"),
                    dims_at,
                    format!("{n_dims} dimensions (must be 1..={MAX_DIMS})"),
                ));
            }
            let mut shape = Vec::with_capacity(n_dims as usize);
            for d in 0..n_dims {
                let at = r.pos as u64;
                let ne = r.u64(&format!("dimension {d} of '{name}'"))?;
                if ne == 0 || ne > i64::MAX as u64 {
                    return Err(Error::invalid(
                        format!("dimension {d} of tensor '{name}'"),
                        at,
                        format!("{ne} elements"),
                    ));
                }
                shape.push(ne);
            }
            let ty_at = r.pos as u64;
            let ty_id = r.u32(&format!("type of tensor '{name}'"))?;
            let ty = GgmlType::from_id(ty_id).ok_or_else(|| {
                Error::invalid(
                    format!("type of tensor '{name}'"),
                    ty_at,
                    format!("unknown ggml type id {ty_id}"),
                )
            })?;
            let off_at = r.pos as u64;
            let offset = r.u64(&format!("offset of tensor '{name}'"))?;
            let n_elements = shape
                .iter()
                .try_fold(1u64, |acc, &d| acc.checked_mul(d))
                .ok_or_else(|| {
                    Error::invalid(
                        format!("shape of tensor '{name}'"),
                        dims_at,
                        "element count overflows",
                    )
                })?;
            let row = ty.row_bytes(shape[0]).ok_or_else(|| {
                Error::invalid(
                    format!("shape of tensor '{name}'"),
                    dims_at,
                    format!(
                        "ne[0] = {} is not a multiple of the {ty} block size {}",
                        shape[0],
                        ty.block_size()
                    ),
                )
            })?;
            let n_bytes = row.checked_mul(n_elements / shape[0]).ok_or_else(|| {
                Error::invalid(
                    format!("shape of tensor '{name}'"),
                    dims_at,
                    "byte size overflows",
                )
            })?;
            if offset % alignment != 0 {
                return Err(Error::invalid(
                    format!("offset of tensor '{name}'"),
                    off_at,
                    format!("{offset} is not a multiple of the alignment {alignment}"),
                ));
            }
            tensors.push(TensorInfo {
                name,
                ty,
                shape,
                offset,
                n_bytes,
            });
        }

        let data_offset = align_up(r.pos as u64, alignment);
        let len = bytes.len() as u64;
        for t in &tensors {
            let end = data_offset
                .checked_add(t.offset)
                .and_then(|s| s.checked_add(t.n_bytes));
            match end {
                Some(end) if end <= len => {}
                _ => {
                    return Err(Error::Truncated {
                        what: format!("data of tensor '{}' ({} bytes)", t.name, t.n_bytes),
                        offset: data_offset.saturating_add(t.offset),
                    })
                }
            }
        }
        Ok(Header {
            version,
            metadata,
            tensors,
            alignment,
            data_offset,
        })
    }
}

pub(crate) fn align_up(x: u64, a: u64) -> u64 {
    x.div_ceil(a) * a
}

struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn remaining(&self) -> u64 {
        (self.bytes.len() - self.pos) as u64
    }

    fn take(&mut self, n: u64, what: &str) -> Result<&'a [u8]> {
        if n > self.remaining() {
            return Err(Error::Truncated {
                what: what.into(),
                offset: self.pos as u64,
            });
        }
        let n = n as usize;
        let s = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N]> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N as u64, what)?);
        Ok(a)
    }

    fn u32(&mut self, what: &str) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array(what)?))
    }

    fn u64(&mut self, what: &str) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array(what)?))
    }

    fn check_count(&self, count: u64, min_each: u64, what: &str, at: u64) -> Result<()> {
        if count
            .checked_mul(min_each)
            .is_none_or(|need| need > self.remaining())
        {
            return Err(Error::invalid(
                what,
                at,
                format!(
                    "{count} entries cannot fit in the {} bytes left",
                    self.remaining()
                ),
            ));
        }
        Ok(())
    }

    fn string(&mut self, what: &str) -> Result<String> {
        let at = self.pos as u64;
        let len = self.u64(what)?;
        let raw = self.take(len, what)?;
        String::from_utf8(raw.to_vec())
            .map_err(|e| Error::invalid(what, at, format!("not UTF-8: {e}")))
    }

    /// Steps over one value, checking it is complete, without allocating.
    fn skip(&mut self, ty: ValueType, key: &str, depth: u32) -> Result<()> {
        let what = || format!("value of '{key}'");
        match ty {
            ValueType::String => {
                let len = self.u64(&what())?;
                self.take(len, &what())?;
            }
            ValueType::Array => {
                if depth >= MAX_ARRAY_DEPTH {
                    return Err(Error::invalid(
                        what(),
                        self.pos as u64,
                        "arrays nested too deeply",
                    ));
                }
                let ty_at = self.pos as u64;
                let elem = self.u32(&what())?;
                let elem = ValueType::from_id(elem).ok_or_else(|| {
                    Error::invalid(what(), ty_at, format!("unknown array element type {elem}"))
                })?;
                let count_at = self.pos as u64;
                let count = self.u64(&what())?;
                self.check_count(
                    count,
                    elem.min_encoded_size(),
                    &format!("array length of '{key}'"),
                    count_at,
                )?;
                for _ in 0..count {
                    self.skip(elem, key, depth + 1)?;
                }
            }
            other => {
                self.take(other.min_encoded_size(), &what())?;
            }
        }
        Ok(())
    }

    fn value(&mut self, ty: ValueType, key: &str, depth: u32) -> Result<Value> {
        let what = || format!("value of '{key}'");
        Ok(match ty {
            ValueType::U8 => Value::U8(self.array::<1>(&what())?[0]),
            ValueType::I8 => Value::I8(self.array::<1>(&what())?[0] as i8),
            ValueType::U16 => Value::U16(u16::from_le_bytes(self.array(&what())?)),
            ValueType::I16 => Value::I16(i16::from_le_bytes(self.array(&what())?)),
            ValueType::U32 => Value::U32(u32::from_le_bytes(self.array(&what())?)),
            ValueType::I32 => Value::I32(i32::from_le_bytes(self.array(&what())?)),
            ValueType::F32 => Value::F32(f32::from_le_bytes(self.array(&what())?)),
            ValueType::U64 => Value::U64(u64::from_le_bytes(self.array(&what())?)),
            ValueType::I64 => Value::I64(i64::from_le_bytes(self.array(&what())?)),
            ValueType::F64 => Value::F64(f64::from_le_bytes(self.array(&what())?)),
            ValueType::Bool => {
                let at = self.pos as u64;
                match self.array::<1>(&what())?[0] {
                    0 => Value::Bool(false),
                    1 => Value::Bool(true),
                    b => return Err(Error::invalid(what(), at, format!("bool byte {b}"))),
                }
            }
            ValueType::String => Value::String(self.string(&what())?),
            ValueType::Array => {
                if depth >= MAX_ARRAY_DEPTH {
                    return Err(Error::invalid(
                        what(),
                        self.pos as u64,
                        "arrays nested too deeply",
                    ));
                }
                let ty_at = self.pos as u64;
                let elem = self.u32(&what())?;
                let elem = ValueType::from_id(elem).ok_or_else(|| {
                    Error::invalid(what(), ty_at, format!("unknown array element type {elem}"))
                })?;
                let count_at = self.pos as u64;
                let count = self.u64(&what())?;
                self.check_count(
                    count,
                    elem.min_encoded_size(),
                    &format!("array length of '{key}'"),
                    count_at,
                )?;
                // Walk the whole array first without allocating: a truncated
                // or lying array fails here, and the Vec below is sized once.
                let start = self.pos;
                for _ in 0..count {
                    self.skip(elem, key, depth + 1)?;
                }
                self.pos = start;
                let mut items = Vec::with_capacity(count as usize);
                for _ in 0..count {
                    items.push(self.value(elem, key, depth + 1)?);
                }
                Value::Array(elem, items)
            }
        })
    }
}

/// A GGUF file opened through a read-only memory map. Tensor data is never
/// copied: [`GgufFile::data`] returns slices of the map.
pub struct GgufFile {
    path: PathBuf,
    map: Mmap,
    pub header: Header,
}

impl GgufFile {
    pub fn open(path: impl AsRef<Path>) -> Result<GgufFile> {
        let path = path.as_ref().to_path_buf();
        let io = |source| Error::Io {
            path: path.clone(),
            source,
        };
        let file = std::fs::File::open(&path).map_err(io)?;
        let meta = file.metadata().map_err(io)?;
        if meta.is_dir() {
            return Err(Error::Io {
                path,
                source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "is a directory"),
            });
        }
        // SAFETY: the map is read-only; we assume the file is not truncated
        // by another process while mapped (same assumption as llama.cpp).
        let map = unsafe { Mmap::map(&file) }.map_err(io)?;
        let header = Header::parse(&map)?;
        Ok(GgufFile { path, map, header })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn file_size(&self) -> u64 {
        self.map.len() as u64
    }

    pub fn tensors(&self) -> &[TensorInfo] {
        &self.header.tensors
    }

    pub fn tensor(&self, name: &str) -> Option<&TensorInfo> {
        self.header.tensor(name)
    }

    /// The bytes of a tensor (bounds were checked at open).
    pub fn data(&self, t: &TensorInfo) -> &[u8] {
        let start = (self.header.data_offset + t.offset) as usize;
        &self.map[start..start + t.n_bytes as usize]
    }

    /// The bytes of a tensor by name, with an error naming it if absent.
    pub fn tensor_data(&self, name: &str) -> Result<(&TensorInfo, &[u8])> {
        let t = self.tensor(name).ok_or_else(|| Error::Metadata {
            key: name.into(),
            reason: format!("tensor not found in {}", self.path.display()),
        })?;
        Ok((t, self.data(t)))
    }
}

impl MetadataExt for GgufFile {
    fn get_value(&self, key: &str) -> Option<&Value> {
        self.header.get_value(key)
    }
}
