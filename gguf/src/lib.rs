//! GGUF v3 container: a zero-copy reader over `memmap2` and a writer whose
//! files llama.cpp loads.
//!
//! This crate knows the file layout and the ggml type table (block sizes,
//! bytes per block) and nothing about the math: dequantization lives in
//! `kernels`, model semantics in `runtime`.
//!
//! ```no_run
//! use gguf::{GgufFile, MetadataExt};
//! let f = GgufFile::open("model.gguf")?;
//! let arch = f.require_str("general.architecture")?;
//! for t in f.tensors() {
//!     println!("{arch} {} {} {:?} {} bytes", t.name, t.ty, t.shape, f.data(t).len());
//! }
//! # Ok::<(), gguf::Error>(())
//! ```
//!
//! Untrusted input is the normal case: every parse error names the field and
//! byte offset, and no count read from a file can cause an allocation beyond
//! what the file really holds: arrays are walked before they are allocated,
//! so the largest allocation is a complete array's `Value`s (at most 4× its
//! bytes on disk, for arrays of empty strings).

mod error;
mod reader;
mod types;
mod value;
mod writer;

pub use error::{Error, Result};
pub use reader::{GgufFile, Header, TensorInfo, DEFAULT_ALIGNMENT};
pub use types::{GgmlType, TypeInfo, TYPES};
pub use value::{MetadataExt, Value, ValueType};
pub use writer::{string_array, write_atomic, write_atomic_with, GgufWriter};
