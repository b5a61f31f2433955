//! The runtime's error type: each variant says what failed and where.

use std::fmt;
use std::path::PathBuf;

#[derive(Debug)]
pub enum Error {
    /// A model or adapter file could not be used.
    Model {
        path: PathBuf,
        reason: String,
    },
    /// llama.cpp failed at run time (context, decode, sampling).
    Llama(String),
    /// Bad user input (empty prompt, bad option value).
    Input(String),
    /// The prompt does not fit the context window.
    ContextFull {
        prompt_tokens: usize,
        n_ctx: u32,
    },
    /// The model's architecture or metadata is not supported.
    Unsupported(String),
    /// An I/O failure on `path`: reading the user's file, or writing
    /// results (the CLI tells the two apart by the error's kind).
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    Gguf(gguf::Error),
    /// A failure of the program or the machine, not of the input (results
    /// that cannot be encoded, threads that cannot start).
    Internal(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Model { path, reason } => write!(f, "{}: {reason}", path.display()),
            Error::Llama(m) => write!(f, "llama.cpp: {m}"),
            Error::Input(m) => f.write_str(m),
            Error::ContextFull {
                prompt_tokens,
                n_ctx,
            } => write!(
                f,
                "the prompt has {prompt_tokens} tokens but the context holds {n_ctx}; raise --ctx or shorten the prompt"
            ),
            Error::Unsupported(m) => f.write_str(m),
            Error::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Error::Gguf(e) => write!(f, "{e}"),
            Error::Internal(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Error {}

impl Error {
    /// For `map_err`: an I/O failure on `path`.
    pub fn io(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
        move |source| Error::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// An I/O failure stays an I/O failure (its kind decides the exit code);
/// the rest is a bad file.
impl Error {
    /// For `map_err`: a failure of the program or machine while doing
    /// `what` (encoding results, starting threads), not of the input.
    pub fn internal<E: fmt::Display>(what: &str) -> impl FnOnce(E) -> Error + '_ {
        move |e| Error::Internal(format!("{what}: {e}"))
    }
}

impl From<gguf::Error> for Error {
    fn from(e: gguf::Error) -> Self {
        match e {
            gguf::Error::Io { path, source } => Error::Io { path, source },
            other => Error::Gguf(other),
        }
    }
}

/// The sandbox failing to start is the program's failure, not the input's.
impl From<sandbox::Error> for Error {
    fn from(e: sandbox::Error) -> Self {
        Error::Internal(e.to_string())
    }
}

pub type Result<T> = std::result::Result<T, Error>;
