//! Typed errors for reading and writing GGUF files.

use std::fmt;
use std::path::PathBuf;

/// Everything that can go wrong with a GGUF file. Parse errors carry the
/// byte offset where the problem was found and what was being read.
#[derive(Debug)]
pub enum Error {
    /// Opening, mapping or writing a file failed.
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The first four bytes are not `GGUF`.
    NotGguf { found: [u8; 4] },
    /// A version other than 2 or 3.
    UnsupportedVersion { version: u32 },
    /// The file ends inside `what`, which starts at `offset`.
    Truncated { what: String, offset: u64 },
    /// A value is present but not acceptable (bad type id, non-UTF-8 key,
    /// impossible count, misaligned offset, ...).
    Invalid {
        what: String,
        offset: u64,
        reason: String,
    },
    /// A metadata key is missing or of the wrong type (for typed getters).
    Metadata { key: String, reason: String },
    /// Writer misuse: duplicate names, data size not matching the shape, ...
    Write { reason: String },
}

impl Error {
    pub(crate) fn invalid(what: impl Into<String>, offset: u64, reason: impl Into<String>) -> Self {
        Error::Invalid {
            what: what.into(),
            offset,
            reason: reason.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { path, source } => write!(f, "{}: {}", path.display(), source),
            Error::NotGguf { found } => write!(
                f,
                "not a GGUF file: magic bytes are {:?}, expected \"GGUF\"",
                String::from_utf8_lossy(found)
            ),
            Error::UnsupportedVersion { version } => {
                write!(f, "unsupported GGUF version {version} (supported: 2, 3)")
            }
            Error::Truncated { what, offset } => {
                write!(
                    f,
                    "file is truncated: {what} at byte offset {offset} runs past the end"
                )
            }
            Error::Invalid {
                what,
                offset,
                reason,
            } => {
                write!(f, "invalid {what} at byte offset {offset}: {reason}")
            }
            Error::Metadata { key, reason } => write!(f, "metadata key '{key}': {reason}"),
            Error::Write { reason } => write!(f, "cannot write GGUF: {reason}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

pub type Result<T> = std::result::Result<T, Error>;
