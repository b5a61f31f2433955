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
//! program.

mod engine;

pub use engine::Sandbox;
use serde::Serialize;
use std::fmt;
use std::time::Duration;

/// Resource limits of one run. Defaults:
/// - `fuel` = 5_000_000_000 wasmi fuel units (≈ 2–5 s of interpretation in
///   a default release build, less with LTO; roughly 10^6–10^7 simple
///   Python operations: a `s += i*i` loop iteration costs ≈ 1,900 fuel, a
///   Python function call ≈ 4,800, `sum(x for x in range(10**6))` ≈ 3.8e9.
///   wasmi charges fuel per Wasm instruction block on entry, so fuel is
///   deterministic but not proportional to Python operations),
/// - `memory_bytes` = 128 MiB of guest linear memory (includes the guest's
///   fixed 16 MiB stack and ~1 MiB of code data),
/// - `output_bytes` = 64 KiB of stdout,
/// - `recursion_depth` = 500 nested Python calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Limits {
    pub fuel: u64,
    pub memory_bytes: usize,
    pub output_bytes: usize,
    pub recursion_depth: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            fuel: 5_000_000_000,
            memory_bytes: 128 << 20,
            output_bytes: 64 << 10,
            recursion_depth: 500,
        }
    }
}

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

/// The limit that stopped a run before the program finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Limit {
    /// `output_bytes` of stdout were written; the program was stopped
    /// there (no Python error: `truncated` is set instead).
    Output,
    /// The fuel ran out (`TimeoutError`).
    Fuel,
    /// The memory limit was reached (`MemoryError`: the guest's memory
    /// could not grow, an allocation check refused a size beyond
    /// `memory_bytes`, or the limit is below the interpreter's initial
    /// memory). A `MemoryError` the program raises itself reads the same.
    Memory,
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
