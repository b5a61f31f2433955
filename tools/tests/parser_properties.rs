//! Property tests for every tool-call format: render -> parse round-trips,
//! and truncated or corrupted model output never panics.

use crate::util::Rng;
use serde_json::json;
use tools::parse::{exec, hermes, pythonic, xlam};
use tools::{CallFormat, ToolCall};

const CASES: usize = 300;

fn exec_calls(rng: &mut Rng) -> Vec<ToolCall> {
    (0..rng.below(4))
        .map(|_| ToolCall::new("python", json!({"code": crate::util::code(rng)})))
        .collect()
}

/// A named renderer, the parser that reads it back, and a generator of the
/// calls it can express.
type Case = (
    &'static str,
    fn(&[ToolCall]) -> String,
    CallFormat,
    fn(&mut Rng) -> Vec<ToolCall>,
);

fn formats() -> Vec<Case> {
    vec![
        (
            "exec",
            |c| exec::render(c).expect("generated EXEC calls are renderable"),
            CallFormat::Exec,
            exec_calls,
        ),
        (
            "hermes",
            hermes::render,
            CallFormat::Hermes,
            crate::util::calls,
        ),
        (
            "hermes-list",
            hermes::render_list,
            CallFormat::Hermes,
            crate::util::calls,
        ),
        ("xlam", xlam::render, CallFormat::Xlam, crate::util::calls),
        (
            "pythonic",
            |c| pythonic::render(c).expect("generated names are identifiers"),
            CallFormat::Pythonic,
            crate::util::calls,
        ),
    ]
}

#[test]
fn render_then_parse_round_trips() {
    for (name, render, format, generate) in formats() {
        let mut rng = Rng::new(0x5EED ^ name.len() as u64);
        for case in 0..CASES {
            let calls = generate(&mut rng);
            let text = render(&calls);
            let parsed = format
                .parse(&text)
                .unwrap_or_else(|e| panic!("{name} case {case}: {e}\n{text}"));
            assert_eq!(parsed, calls, "{name} case {case}:\n{text}");
            // Surrounding prose does not change the calls (except for xLAM and
            // pythonic, whose whole answer is the call list).
            if matches!(format, CallFormat::Exec | CallFormat::Hermes) {
                let wrapped = format!("Let me do that.\n{text}\nDone.");
                assert_eq!(format.parse(&wrapped).unwrap(), calls, "{name} case {case}");
            }
        }
    }
}

#[test]
fn truncated_output_never_panics() {
    for (name, render, format, generate) in formats() {
        let mut rng = Rng::new(7 + name.len() as u64);
        for _ in 0..40 {
            let text = render(&generate(&mut rng));
            for cut in (0..=text.len()).filter(|&i| text.is_char_boundary(i)) {
                let prefix = &text[..cut];
                if let Err(e) = format.parse(prefix) {
                    assert!(e.offset <= prefix.len(), "{name}: offset past the end: {e}");
                    assert!(!e.to_string().is_empty());
                }
            }
        }
    }
}

#[test]
fn corrupted_output_never_panics() {
    for (name, render, format, generate) in formats() {
        let mut rng = Rng::new(99 + name.len() as u64);
        for _ in 0..CASES {
            let mut bytes = render(&generate(&mut rng)).into_bytes();
            if bytes.is_empty() {
                continue;
            }
            for _ in 0..1 + rng.below(4) {
                let at = rng.below(bytes.len());
                match rng.below(3) {
                    0 => bytes[at] ^= 1 << rng.below(8),
                    1 => bytes[at] = *rng.pick(b"[](){}\"',=:\\<>/.-0e"),
                    _ => {
                        bytes.remove(at);
                        if bytes.is_empty() {
                            break;
                        }
                    }
                }
            }
            let text = String::from_utf8_lossy(&bytes);
            // Any result is fine; a panic or a hang is not.
            if let Err(e) = format.parse(&text) {
                assert!(e.offset <= text.len(), "{name}: {e}");
            }
        }
    }
}

#[test]
fn hostile_inputs_get_errors_not_crashes() {
    let deep_json = format!("<tool_call>{}</tool_call>", "[".repeat(100_000));
    assert!(hermes::parse(&deep_json).is_err());
    let deep_args = format!(
        r#"{{"tool_calls": [{{"name": "f", "arguments": {{"x": {}1{}}}}}]}}"#,
        "[".repeat(5_000),
        "]".repeat(5_000)
    );
    assert!(xlam::parse(&deep_args)
        .unwrap_err()
        .message
        .contains("recursion"));
    assert!(pythonic::parse(&format!("f(x={})", "{".repeat(100_000))).is_err());

    // 10 MB arguments parse in linear time.
    let big = "x".repeat(10 << 20);
    let start = std::time::Instant::now();
    let calls = [ToolCall::new("f", json!({"s": big}))];
    for format in [CallFormat::Hermes, CallFormat::Xlam, CallFormat::Pythonic] {
        let text = format.render(&calls).unwrap();
        assert_eq!(format.parse(&text).unwrap(), calls);
    }
    let code = [ToolCall::new("python", json!({"code": big}))];
    assert_eq!(exec::parse(&exec::render(&code).unwrap()).unwrap(), code);
    assert!(start.elapsed().as_secs() < 10, "{:?}", start.elapsed());
}
