//! Every bound on a sandboxed run, host side: the per-run [`Limits`] a
//! caller sets (fuel, memory, output, Python call depth) and the wasm stack
//! caps of the engine. The interpreter's own bounds (parser nesting, repr
//! depth, int digits, JSON nesting) are in [`guest`]: that is the guest's
//! limits module (`sandbox-wasm/guest/src/limits.rs`, built into the wasm
//! guest), compiled here as well so that host code and tests name the same
//! constants (the guest is built for wasm32 on its own and cannot depend on
//! this crate).
//!
//! | limit | default | bounds | the program sees |
//! |---|---|---|---|
//! | [`Limits::fuel`] | [`DEFAULT_FUEL`] | wasm instructions executed | `TimeoutError` |
//! | [`Limits::memory_bytes`] | [`DEFAULT_MEMORY_BYTES`] | guest linear memory | `MemoryError` |
//! | [`Limits::output_bytes`] | [`DEFAULT_OUTPUT_BYTES`] | stdout | no error: output cut, `truncated` |
//! | [`Limits::recursion_depth`] | [`DEFAULT_RECURSION_DEPTH`] | nested Python calls | `RecursionError` |
//! | [`MAX_WASM_CALL_DEPTH`] | fixed | nested wasm calls | `RecursionError` (sandbox stack exhausted) |
//! | [`MAX_VALUE_STACK`] | fixed | wasmi value stack | `RecursionError` (sandbox stack exhausted) |
//! | guest shadow stack | 16 MiB (`build-guest.sh`) | Rust stack of the interpreter | `RecursionError` (sandbox stack exhausted) |
//!
//! Each limit has a test `limit_<its name>` in `tests/attacks.rs` that
//! drives a program past it and checks the error above.

use serde::Serialize;

#[path = "../guest/src/limits.rs"]
pub mod guest;

/// Default [`Limits::fuel`]: 5e9 wasmi fuel units.
pub const DEFAULT_FUEL: u64 = 5_000_000_000;
/// Default [`Limits::memory_bytes`]: 128 MiB.
pub const DEFAULT_MEMORY_BYTES: usize = 128 << 20;
/// Default [`Limits::output_bytes`]: 64 KiB.
pub const DEFAULT_OUTPUT_BYTES: usize = 64 << 10;
/// Default [`Limits::recursion_depth`]: 500 nested Python calls.
pub const DEFAULT_RECURSION_DEPTH: u32 = 500;

/// Nested wasm calls the engine allows (the interpreter uses several per
/// Python call, so with a high [`Limits::recursion_depth`] this, the value
/// stack or the guest's 16 MiB shadow stack ends deep recursion first).
/// Past it: `RecursionError: maximum recursion depth exceeded (sandbox
/// stack exhausted)`.
pub const MAX_WASM_CALL_DEPTH: usize = 100_000;
/// wasmi value-stack cap in 8-byte cells (bounds host memory: 32 MiB). Past
/// it: the same `RecursionError` as [`MAX_WASM_CALL_DEPTH`].
pub const MAX_VALUE_STACK: usize = 4 << 20;
/// wasmi value-stack cells allocated up front (it grows to
/// [`MAX_VALUE_STACK`]); a size, not a bound.
pub const INITIAL_VALUE_STACK: usize = 1024;

/// Resource limits of one run (defaults: the `DEFAULT_*` constants).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Limits {
    /// wasmi fuel for the run: ≈ 2–5 s of interpretation at
    /// [`DEFAULT_FUEL`] in a default release build, less with LTO; roughly
    /// 10^6–10^7 simple Python operations: a `s += i*i` loop iteration
    /// costs ≈ 1,900 fuel, a Python function call ≈ 4,800,
    /// `sum(x for x in range(10**6))` ≈ 3.8e9. wasmi charges fuel per wasm
    /// instruction block on entry, so fuel is deterministic but not
    /// proportional to Python operations. Running out: `TimeoutError:
    /// execution limit exceeded (fuel exhausted)`, [`Limit::Fuel`].
    pub fuel: u64,
    /// Guest linear memory (includes the guest's fixed 16 MiB stack and
    /// ~1 MiB of code data). The guest also refuses up front any single
    /// allocation larger than this. Reaching it: `MemoryError`,
    /// [`Limit::Memory`]; a limit below the interpreter's initial memory:
    /// `MemoryError: sandbox memory limit too small: ...`.
    pub memory_bytes: usize,
    /// Bytes of stdout kept. Past it the program is stopped without a Python
    /// error: stdout is cut there, [`crate::TRUNCATION_MARKER`] appended,
    /// `truncated` set, [`Limit::Output`].
    pub output_bytes: usize,
    /// Nested Python calls (the guest counts them). One more:
    /// `RecursionError: maximum recursion depth exceeded`.
    pub recursion_depth: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            fuel: DEFAULT_FUEL,
            memory_bytes: DEFAULT_MEMORY_BYTES,
            output_bytes: DEFAULT_OUTPUT_BYTES,
            recursion_depth: DEFAULT_RECURSION_DEPTH,
        }
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
