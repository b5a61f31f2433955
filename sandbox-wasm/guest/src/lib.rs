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

#[macro_use]
mod names;

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
pub mod limits;
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

use interp::{Ctrl, Interp};
pub use limits::GuestLimits;
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
mod tests {
    // Unit tests of the interpreter run natively (the CPython differential
    // corpus lives in the host crate's tests).
    use super::*;

    fn run(src: &str) -> crate::RunResult {
        let src = src.to_string();
        // deep recursion needs more native stack than the test harness gives
        std::thread::Builder::new()
            .stack_size(256 << 20)
            .spawn(move || {
                run_source(
                    &src,
                    GuestLimits {
                        output_bytes: 1 << 20,
                        recursion_depth: 1000,
                        memory_bytes: 256 << 20,
                    },
                )
            })
            .expect("spawn test thread")
            .join()
            .expect("interpreter thread panicked")
    }

    fn out(src: &str) -> String {
        let r = run(src);
        assert!(
            r.error.is_none(),
            "unexpected error {:?} for {}",
            r.error,
            src
        );
        r.stdout
    }

    #[test]
    fn arithmetic_and_printing() {
        assert_eq!(out("print(12345 * 67890)"), "838102050\n");
        assert_eq!(
            out("print(0.1 + 0.2, 1e16, 1/3, -7 // 2, -7 % 3, 2**100)"),
            "0.30000000000000004 1e+16 0.3333333333333333 -4 2 1267650600228229401496703205376\n"
        );
        assert_eq!(
            out("x = [i*i for i in range(5)]\nprint(x, sum(x), x[::-1], x[1:3])"),
            "[0, 1, 4, 9, 16] 30 [16, 9, 4, 1, 0] [1, 4]\n"
        );
    }

    #[test]
    fn errors_carry_kind_message_and_line() {
        let r = run("x = 1\ny = x / 0\n");
        assert_eq!(
            r.error,
            Some((
                "ZeroDivisionError".into(),
                "division by zero".into(),
                Some(2)
            ))
        );
        let r = run("print(undefined_name)");
        assert_eq!(
            r.error,
            Some((
                "NameError".into(),
                "name 'undefined_name' is not defined".into(),
                Some(1)
            ))
        );
    }

    #[test]
    fn functions_closures_and_classes() {
        let src = "def make(n):\n    def add(x):\n        return x + n\n    return add\nprint(make(3)(4))\n\
    class A:\n    def __init__(self, v):\n        self.v = v\n    def __repr__(self):\n        return f'A({self.v})'\nprint([A(1), A(2)])\n";
        assert_eq!(out(src), "7\n[A(1), A(2)]\n");
    }
}
