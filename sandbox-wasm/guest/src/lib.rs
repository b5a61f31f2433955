//! Guest: a Python-subset interpreter in Rust that compiles with rustc 1.63
//! for wasm32-unknown-unknown (and natively for unit tests). No dependencies.
//!
//! Pipeline: `lexer` -> `parser` (AST in `ast`) -> `resolve` (names to frame
//! slots) -> `interp` (+ `eval`, `ops`, `seq`, `builtins`, `types`,
//! `methods`, `strmethods`, `classes`, `modules`, `json`). Integers are
//! arbitrary precision (`bigint`); floats print like CPython (`format`).
//!
//! Host protocol (wasm32 only, see `wasm`): the host writes the source into
//! a buffer from `sandbox_alloc`, calls `sandbox_run`, and reads the encoded
//! [`RunResult`] from the returned pointer.

// Clippy suggestions that need std APIs newer than rustc 1.63 (the guest
// must build with Debian's 1.63): is_multiple_of, repeat_n, div_ceil, inspect.
#![allow(
    clippy::manual_is_multiple_of,
    clippy::manual_repeat_n,
    clippy::manual_div_ceil,
    clippy::manual_inspect,
    clippy::needless_range_loop,
    clippy::type_complexity,
    clippy::should_implement_trait,
    clippy::len_without_is_empty
)]

pub mod ast;
pub mod bigint;
pub mod builtins;
pub mod classes;
pub mod eval;
pub mod fast;
pub mod format;
pub mod interp;
pub mod json;
pub mod lexer;
pub mod methods;
pub mod modules;
pub mod ops;
pub mod parser;
pub mod resolve;
pub mod seq;
pub mod setorder;
pub mod strmethods;
pub mod types;
pub mod value;
#[cfg(target_arch = "wasm32")]
mod wasm;

pub use interp::GuestLimits;
use interp::{Ctrl, Interp};
use value::Value;

/// Outcome of one program run inside the guest.
#[derive(Debug, Clone, PartialEq)]
pub struct RunResult {
    pub stdout: String,
    /// (exception type, message, line)
    pub error: Option<(String, String, Option<u32>)>,
    pub truncated: bool,
}

/// Parse and run `src` with the given limits.
pub fn run_source(src: &str, limits: GuestLimits) -> RunResult {
    let mut body = match parser::parse_program(src) {
        Ok(b) => b,
        Err(e) => {
            return RunResult {
                stdout: String::new(),
                error: Some((e.kind.to_string(), e.msg, Some(e.line))),
                truncated: false,
            }
        }
    };
    let names = match resolve::resolve_module(&mut body) {
        Ok(n) => n,
        Err(e) => {
            return RunResult {
                stdout: String::new(),
                error: Some((e.kind.to_string(), e.msg, Some(e.line))),
                truncated: false,
            }
        }
    };
    let mut it = Interp::new(names, limits);
    let r = it.run_module(&body);
    let error = match r {
        Ok(()) | Err(Ctrl::Abort) => None,
        Err(Ctrl::Exc(e)) => {
            let kind = e.val.type_name();
            let code = match &e.val {
                Value::Exc(x) => x.args.first().cloned(),
                _ => None,
            };
            if kind == "SystemExit"
                && matches!(code, None | Some(Value::None) | Some(Value::Int(0)))
            {
                None
            } else {
                let msg = match it.to_str(&e.val) {
                    Ok(m) => m,
                    Err(_) => value::to_str(&e.val),
                };
                Some((kind, msg, e.line))
            }
        }
        Err(Ctrl::Return(_)) => Some((
            "SyntaxError".into(),
            "'return' outside function".into(),
            None,
        )),
        Err(Ctrl::Break) | Err(Ctrl::Continue) => {
            Some(("SyntaxError".into(), "'break' outside loop".into(), None))
        }
    };
    RunResult {
        stdout: std::mem::take(&mut it.out),
        error,
        truncated: it.truncated,
    }
}

/// Serialize a result for the host: flags u8 (1 = error, 2 = truncated),
/// then length-prefixed (u32 LE) stdout, kind, message, then u32 line (0 = none).
pub fn encode_result(r: &RunResult) -> Vec<u8> {
    let mut out = Vec::with_capacity(r.stdout.len() + 64);
    let flags = (r.error.is_some() as u8) | ((r.truncated as u8) << 1);
    out.push(flags);
    let put = |out: &mut Vec<u8>, s: &str| {
        out.extend_from_slice(&(s.len() as u32).to_le_bytes());
        out.extend_from_slice(s.as_bytes());
    };
    put(&mut out, &r.stdout);
    let (k, m, l) = match &r.error {
        Some((k, m, l)) => (k.as_str(), m.as_str(), l.unwrap_or(0)),
        None => ("", "", 0),
    };
    put(&mut out, k);
    put(&mut out, m);
    out.extend_from_slice(&l.to_le_bytes());
    out
}

/// Record where the output buffer lives so the host can recover partial
/// output after a trap (fuel exhausted, memory limit).
#[cfg(target_arch = "wasm32")]
pub fn publish_output(out: &str) {
    wasm::publish_output(out)
}
#[cfg(not(target_arch = "wasm32"))]
pub fn publish_output(_out: &str) {}

#[cfg(test)]
mod tests;
