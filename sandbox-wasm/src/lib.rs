//! Host side of the Python sandbox: runs the guest interpreter (compiled to
//! wasm32, embedded with `include_bytes!`) in `wasmi` with fuel, memory and
//! output limits, a fresh instance per call. Not for: the interpreter itself
//! (that is `sandbox-wasm/guest`, crate `pyguest`).
//!
//! ```no_run
//! let sb = sandbox::Sandbox::new().expect("guest module compiles");
//! let out = sb.run("print(12345 * 67890)", &sandbox::Limits::default());
//! assert_eq!(out.stdout, "838102050\n");
//! assert!(out.error.is_none());
//! ```
//!
//! Failure modes map to Python-style errors in [`Outcome::error`]:
//! fuel exhausted -> `TimeoutError`, memory limit -> `MemoryError`, wasm
//! stack exhausted -> `RecursionError`, an interpreter bug (guest panic) ->
//! `InternalError`. Output beyond `output_bytes` is cut and
//! [`TRUNCATION_MARKER`] appended (`truncated = true`). A run stopped by a
//! limit names it in [`Outcome::stopped_by`]. The host never panics on any
//! program. Every limit, with its value and the error it raises, is listed
//! in [`limits`].

mod engine;
pub mod limits;

pub use engine::Sandbox;
pub use limits::{Limit, Limits};
use serde::Serialize;
use std::fmt;
use std::time::Duration;

/// Appended to stdout when the output limit cut it.
pub const TRUNCATION_MARKER: &str = "\n[output truncated: output limit reached]\n";

/// A Python exception (or limit) that ended the program.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PyError {
    /// CPython exception type name (`ZeroDivisionError`, `TimeoutError`, ...).
    pub kind: String,
    pub message: String,
    /// 1-based source line where the exception surfaced, when known.
    pub line: Option<u32>,
}

impl fmt::Display for PyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() {
            write!(f, "{}", self.kind)?;
        } else {
            write!(f, "{}: {}", self.kind, self.message)?;
        }
        if let Some(l) = self.line {
            write!(f, " (line {})", l)?;
        }
        Ok(())
    }
}

/// Result of one run. Serializes `wall_time` as `wall_time_ms` (f64 milliseconds).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    pub stdout: String,
    pub error: Option<PyError>,
    pub fuel_used: u64,
    #[serde(rename = "wall_time_ms", serialize_with = "duration_ms")]
    pub wall_time: Duration,
    /// Guest linear memory size at the end of the run (it never shrinks).
    pub peak_memory: usize,
    pub truncated: bool,
    /// The limit that stopped the program, if one did (`null` in JSON when
    /// the program ran to its end or stopped on its own error).
    pub stopped_by: Option<Limit>,
}

fn duration_ms<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64() * 1000.0)
}

/// Host-side failures (not Python errors).
#[derive(Debug)]
pub enum Error {
    /// The embedded guest module failed to compile or link.
    Module(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Module(m) => write!(f, "sandbox guest module: {}", m),
        }
    }
}

impl std::error::Error for Error {}
