//! Seeded random generators shared by the integration tests (no external
//! crate): SplitMix64 and random JSON values / tool calls; and the python3
//! oracle runner.
#![allow(dead_code)]

use serde_json::{Map, Number, Value};
use tools::ToolCall;

/// SplitMix64 (Steele, Lea, Flood 2014).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// A Python identifier, sometimes with non-ASCII letters.
pub fn identifier(rng: &mut Rng) -> String {
    const FIRST: &[&str] = &["a", "b", "city", "_x", "n", "é", "Zeta", "get", "unit"];
    const REST: &[&str] = &["", "1", "_", "name", "ß", "2x", "Val"];
    let mut name = rng.pick(FIRST).to_string();
    for _ in 0..rng.below(3) {
        name.push_str(rng.pick::<&str>(REST));
    }
    name
}

/// A dotted function name such as `math.factorial`.
pub fn function_name(rng: &mut Rng) -> String {
    let mut name = identifier(rng);
    while rng.chance(25) {
        name.push('.');
        name.push_str(&identifier(rng));
    }
    name
}

/// A string with quotes, escapes, control characters and non-ASCII text.
pub fn text(rng: &mut Rng) -> String {
    const PIECES: &[&str] = &[
        "a",
        "Paris",
        " ",
        "\"",
        "'",
        "\\",
        "\n",
        "\t",
        "\r",
        "\u{1}",
        "\u{7f}",
        "é",
        "日本",
        "🙂",
        "{",
        "}",
        "[",
        "]",
        ",",
        "=",
        ":",
        "<tool_call>",
        "</tool_call>",
        "</EXEC",
        "\\n",
        "\\u0041",
        "None",
        "True",
        "1e5",
        "-",
        "#",
    ];
    (0..rng.below(8)).map(|_| *rng.pick(PIECES)).collect()
}

/// A random JSON value of at most `depth` nesting levels; object keys are
/// identifiers when `identifier_keys`.
pub fn value(rng: &mut Rng, depth: usize) -> Value {
    let kinds = if depth == 0 { 6 } else { 8 };
    match rng.below(kinds) {
        0 => Value::Null,
        1 => Value::Bool(rng.chance(50)),
        2 => {
            let n = rng.next_u64();
            match rng.below(4) {
                0 => Value::from(n),
                1 => Value::from(n as i64),
                _ => Value::from((n % 2001) as i64 - 1000),
            }
        }
        3 => {
            let x = match rng.below(4) {
                0 => f64::from_bits(rng.next_u64()),
                1 => (rng.below(2000) as f64 - 1000.0) / 8.0,
                2 => (rng.below(100) as f64) * 1e-9,
                _ => rng.below(1000) as f64,
            };
            Number::from_f64(x).map_or(Value::Null, Value::Number)
        }
        4 | 5 => Value::String(text(rng)),
        6 => Value::Array((0..rng.below(4)).map(|_| value(rng, depth - 1)).collect()),
        _ => {
            let mut map = Map::new();
            for _ in 0..rng.below(4) {
                let key = if rng.chance(50) {
                    identifier(rng)
                } else {
                    text(rng)
                };
                map.insert(key, value(rng, depth - 1));
            }
            Value::Object(map)
        }
    }
}

/// A call with identifier argument names (valid in every format).
pub fn call(rng: &mut Rng) -> ToolCall {
    let mut arguments = Map::new();
    for _ in 0..rng.below(5) {
        arguments.insert(identifier(rng), value(rng, 3));
    }
    ToolCall::new(&function_name(rng), Value::Object(arguments))
}

pub fn calls(rng: &mut Rng) -> Vec<ToolCall> {
    (0..rng.below(4)).map(|_| call(rng)).collect()
}

/// Python source text for the EXEC format (never contains the tags).
pub fn code(rng: &mut Rng) -> String {
    const LINES: &[&str] = &[
        "print(1)",
        "x = [1, 2]",
        "  y = x",
        "",
        "s = '<EXE'",
        "# é 🙂",
        "for i in range(3):",
        "\tpass",
    ];
    (0..rng.below(5))
        .map(|_| *rng.pick(LINES))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether this run is CI's (`CI=true`, as CI services set it).
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.as_str(), "" | "0" | "false"))
}

/// Runs the oracle `python3 -c script` with `input` on stdin and returns its
/// stdout. Without python3 it returns `None` with a note, except in CI,
/// where a skipped comparison would pass unseen: there it fails. An oracle
/// that exits non-zero always fails the test.
pub fn python3(script: &str, input: &str) -> Option<String> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let child = Command::new("python3")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) if in_ci() => {
            panic!("python3 cannot be started in CI ({e}): the oracle is required")
        }
        Err(e) => {
            eprintln!(
                "SKIPPED: python3 cannot be started ({e}); the oracle comparison did not run"
            );
            return None;
        }
    };
    // A write error (the oracle exited early) shows in its status below.
    let written = child
        .stdin
        .take()
        .expect("stdin was piped")
        .write_all(input.as_bytes());
    let out = child.wait_with_output().expect("python3 was started");
    assert!(
        out.status.success() && written.is_ok(),
        "the python3 oracle failed ({}, stdin {written:?}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8(out.stdout).expect("python3 prints UTF-8"))
}
