//! Every bound the interpreter enforces itself. The per-run values come from
//! the host in [`GuestLimits`] (documented, with their defaults, in the host
//! crate's `sandbox::limits`, which also holds the bounds the host enforces:
//! fuel, memory growth, wasm stack); the fixed ones are the constants here.
//!
//! | limit | value | bounds | the program sees |
//! |---|---|---|---|
//! | [`GuestLimits::output_bytes`] | from the host | stdout | stopped, output cut (`truncated`) |
//! | [`GuestLimits::recursion_depth`] | from the host | nested Python calls | `RecursionError` |
//! | [`GuestLimits::memory_bytes`] | from the host | one allocation's size | `MemoryError` |
//! | [`MAX_PARSE_DEPTH`] | 200 | parser levels of nesting | `SyntaxError: too many nested parentheses` |
//! | [`MAX_REPR_DEPTH`] | 200 | nesting `repr`/`==` walk | no error: `...` / unequal |
//! | [`INT_MAX_STR_DIGITS`] | 4300 | int <-> decimal str digits | `ValueError: Exceeds the limit (4300 digits) ...` |
//! | [`INT_DIGITS_CHECK_DEPTH`] | 50 | containers searched for such ints | (the `ValueError` above, within it) |
//! | [`MAX_JSON_DEPTH`] | 500 | `json.loads`/`json.dumps` nesting | `RecursionError` |
//!
//! Each has a test `limit_<its name>` in the host crate's `tests/attacks.rs`
//! (which compiles this file as `sandbox::limits::guest`).

/// Limits of one run that the host chooses (`sandbox::Limits` passes them
/// through `sandbox_run`).
#[derive(Clone, Copy)]
pub struct GuestLimits {
    /// Bytes of stdout kept; the program is stopped (no Python error) when a
    /// write would pass it, and the run reports `truncated`.
    pub output_bytes: usize,
    /// Nested Python calls; one more raises `RecursionError: maximum
    /// recursion depth exceeded`.
    pub recursion_depth: u32,
    /// The memory limit: a single allocation (or `json.dumps` output) larger
    /// than this is refused up front with `MemoryError` instead of growing
    /// memory until the host stops it.
    pub memory_bytes: usize,
}

/// Deepest nesting the parser accepts, so hostile input cannot exhaust the
/// wasm stack. It counts parser levels: a statement or a unary operator
/// takes one, a bracket pair two (so about 100 nested parentheses, where
/// CPython allows 200). Past it: `SyntaxError: too many nested
/// parentheses`.
pub const MAX_PARSE_DEPTH: u32 = 200;

/// Deepest nesting `repr`/`str` print and `==` compares. Deeper parts print
/// as `...` and compare unequal (no error; CPython would recurse further).
pub const MAX_REPR_DEPTH: usize = 200;

/// Most decimal digits of an int converted to or from `str` (CPython 3.11's
/// `sys.get_int_max_str_digits()`). Past it: `ValueError: Exceeds the limit
/// (4300 digits) for integer string conversion...`.
pub const INT_MAX_STR_DIGITS: u64 = 4300;

/// How deep `str`/`repr`/`print` look into nested lists, tuples and dicts
/// for an int past [`INT_MAX_STR_DIGITS`] before formatting (the
/// `ValueError` above); deeper ints are printed unchecked.
pub const INT_DIGITS_CHECK_DEPTH: usize = 50;

/// Deepest nesting `json.loads` decodes and `json.dumps` encodes. Past it:
/// `RecursionError: maximum recursion depth exceeded while decoding a JSON
/// document` (`... while encoding a JSON object`).
pub const MAX_JSON_DEPTH: usize = 500;
