//! Hostile programs: each must end with a structured error within its
//! limit, the host must not panic, and the next run must work normally.
//! Below the general attacks, one test per limit of `sandbox::limits`
//! (and its `guest` module), named after it: it drives a program just past
//! the limit and asserts the error documented there.

use sandbox::limits::{self, guest};
use sandbox::{Limit, Limits, Outcome, Sandbox, TRUNCATION_MARKER};
use std::time::Duration;

fn small() -> Limits {
    Limits {
        fuel: 500_000_000,
        memory_bytes: 48 << 20,
        output_bytes: 4096,
        recursion_depth: 200,
    }
}

fn expect_kind(sb: &Sandbox, code: &str, kinds: &[&str]) {
    let out = sb.run(code, &small());
    let kind = out
        .error
        .as_ref()
        .map(|e| e.kind.as_str())
        .unwrap_or("<none>");
    assert!(
        kinds.contains(&kind),
        "{:?}: got {:?} (stdout {:?})",
        code,
        out.error,
        out.stdout
    );
    assert!(
        out.wall_time < Duration::from_secs(20),
        "{:?} took {:?}",
        code,
        out.wall_time
    );
    // the next call is unaffected
    let ok = sb.run("print(6 * 7)", &small());
    assert_eq!(ok.stdout, "42\n");
    assert!(ok.error.is_none());
}

#[test]
fn infinite_loops_time_out() {
    let sb = Sandbox::new().expect("guest");
    expect_kind(&sb, "while True: pass", &["TimeoutError"]);
    expect_kind(&sb, "x = 0\nwhile True:\n    x += 1", &["TimeoutError"]);
    expect_kind(
        &sb,
        "def f():\n    while True:\n        pass\nf()",
        &["TimeoutError"],
    );
}

#[test]
fn deep_recursion_is_a_recursion_error() {
    let sb = Sandbox::new().expect("guest");
    expect_kind(&sb, "def f(n): return f(n + 1)\nf(0)", &["RecursionError"]);
    expect_kind(&sb, "f = lambda n: f(n)\nf(1)", &["RecursionError"]);
    // parser nesting is bounded too
    expect_kind(
        &sb,
        &format!("x = {}1{}", "(".repeat(5000), ")".repeat(5000)),
        &["SyntaxError"],
    );
    expect_kind(
        &sb,
        &format!("x = {}1", "-".repeat(100_000)),
        &["SyntaxError"],
    );
    // deep but legal recursion still works with a high limit
    let out = sb.run(
        "def s(n): return 0 if n == 0 else n + s(n - 1)\nprint(s(900))",
        &Limits {
            recursion_depth: 1000,
            ..Limits::default()
        },
    );
    assert_eq!(out.stdout, "405450\n", "{:?}", out.error);
}

#[test]
fn memory_bombs_are_memory_errors() {
    let sb = Sandbox::new().expect("guest");
    for code in [
        "x = [0] * 10**12",
        "x = 'a' * 10**10",
        "x = 10**10**10",
        "x = 2 ** (2 ** 40)",
        "x = 1 << 10**12",
        "x = list(range(10**12))",
        "s = 'ab' * 10**6\nt = s.replace('a', 'a' * 1000)",
        "import math\nmath.factorial(10**9)",
        "x = []\nwhile True:\n    x.append('y' * 100000)",
    ] {
        expect_kind(&sb, code, &["MemoryError"]);
    }
    // big but individually plausible allocations end one way or the other
    expect_kind(
        &sb,
        "x = [[1] * 10**6 for _ in range(1000)]",
        &["MemoryError", "TimeoutError"],
    );
    // quick rejection, not fuel burning
    let out = sb.run("x = 'a' * 10**10", &small());
    assert!(out.fuel_used < 10_000_000, "fuel {}", out.fuel_used);
}

#[test]
fn print_floods_are_truncated() {
    let sb = Sandbox::new().expect("guest");
    let out = sb.run("while True: print('spam' * 10)", &small());
    assert!(out.truncated);
    assert!(out.error.is_none(), "{:?}", out.error);
    assert!(out.stdout.ends_with(TRUNCATION_MARKER));
    assert!(out.stdout.len() <= 4096 + TRUNCATION_MARKER.len());
    let out = sb.run("print('x' * 100000)", &small());
    assert!(out.truncated);
}

#[test]
fn escapes_and_imports_are_refused() {
    let sb = Sandbox::new().expect("guest");
    expect_kind(&sb, "import os\nos.system('ls')", &["ImportError"]);
    expect_kind(&sb, "import subprocess", &["ImportError"]);
    expect_kind(&sb, "import sys", &["ImportError"]);
    expect_kind(&sb, "from os import path", &["ImportError"]);
    expect_kind(&sb, "open('/etc/passwd').read()", &["PermissionError"]);
    expect_kind(&sb, "__import__('os')", &["ImportError"]);
    expect_kind(
        &sb,
        "().__class__.__bases__[0].__subclasses__()",
        &["AttributeError"],
    );
    expect_kind(&sb, "(lambda: 0).__globals__", &["AttributeError"]);
    expect_kind(&sb, "eval('1+1')", &["NotImplementedError"]);
    expect_kind(&sb, "exec('x=1')", &["NotImplementedError"]);
    expect_kind(&sb, "print(globals())", &["NotImplementedError"]);
    expect_kind(&sb, "import time\ntime.time()", &["ImportError"]);
    expect_kind(&sb, "input()", &["EOFError"]);
    expect_kind(&sb, "class A: pass\nA().__dict__", &["AttributeError"]);
}

#[test]
fn pathological_string_ops_are_bounded() {
    let sb = Sandbox::new().expect("guest");
    expect_kind(
        &sb,
        "s = 'a' * 10**6\nfor i in range(10**6): s = s + s[:10]",
        &["TimeoutError", "MemoryError"],
    );
    expect_kind(&sb, "print(str(2 ** 100000))", &["ValueError"]);
    expect_kind(
        &sb,
        "x = 'ab' * 1000\nwhile True: x = x.upper().lower()",
        &["TimeoutError"],
    );
    expect_kind(
        &sb,
        "'{:>1000000000}'.format(1)",
        &["ValueError", "MemoryError"],
    );
    expect_kind(
        &sb,
        "x = 3 ** 100000\ny = x * x * x * x",
        &["TimeoutError", "MemoryError"],
    );
}

#[test]
fn state_does_not_leak_between_runs() {
    let sb = Sandbox::new().expect("guest");
    let a = sb.run("x = 41\nprint(x + 1)", &Limits::default());
    assert_eq!(a.stdout, "42\n");
    let b = sb.run("print(x)", &Limits::default());
    assert_eq!(b.error.map(|e| e.kind), Some("NameError".to_string()));
}

#[test]
fn fuel_is_deterministic_and_outcome_serializes() {
    let sb = Sandbox::new().expect("guest");
    let code = "print(sum(i * i for i in range(1000)))";
    let a = sb.run(code, &Limits::default());
    let b = sb.run(code, &Limits::default());
    assert_eq!(a.fuel_used, b.fuel_used);
    assert!(a.fuel_used > 0 && a.peak_memory > 0);
    let json = serde_json::to_value(&a).expect("serialize");
    assert!(json["wall_time_ms"].is_f64());
    assert_eq!(json["stdout"], "332833500\n");
    let e = sb.run("1/0", &Limits::default()).error.expect("error");
    assert_eq!(
        e.to_string(),
        "ZeroDivisionError: division by zero (line 1)"
    );
}

#[test]
fn garbage_input_never_panics() {
    let sb = Sandbox::new().expect("guest");
    for code in [
        "",
        "\0\0\0",
        "def",
        "((((",
        "'''",
        "f'{'",
        "\u{feff}print(1)",
        "x = = 1",
        "\t\tprint(1)",
        "if x:\nprint(1)",
    ] {
        let out = sb.run(code, &small());
        assert!(
            out.error
                .as_ref()
                .map(|e| e.kind != "InternalError")
                .unwrap_or(true),
            "{:?}: {:?}",
            code,
            out.error
        );
    }
}

// ------------------------------------------------ one test per named limit

/// The error an outcome ended with, as `(kind, message)`.
fn error_of(out: &Outcome) -> (&str, &str) {
    match &out.error {
        Some(e) => (e.kind.as_str(), e.message.as_str()),
        None => ("<none>", ""),
    }
}

/// `depth` lists nested in each other, bound to `name` (`x = [[...]]`).
fn nested_lists(name: &str, depth: usize) -> String {
    format!(
        "{} = []\nfor _ in range({}):\n    {} = [{}]\n",
        name,
        depth - 1,
        name,
        name
    )
}

#[test]
fn limit_fuel() {
    let sb = Sandbox::new().expect("guest");
    let limits = Limits {
        fuel: 50_000_000,
        ..Limits::default()
    };
    let out = sb.run("print('started')\nwhile True: pass", &limits);
    assert_eq!(
        error_of(&out),
        ("TimeoutError", "execution limit exceeded (fuel exhausted)")
    );
    assert_eq!(out.stopped_by, Some(Limit::Fuel));
    assert_eq!(out.stdout, "started\n", "output before the trap is kept");
    assert!(out.fuel_used <= limits.fuel, "fuel {}", out.fuel_used);
    assert_eq!(Limits::default().fuel, limits::DEFAULT_FUEL);
}

#[test]
fn limit_memory_bytes() {
    let sb = Sandbox::new().expect("guest");
    let limits = Limits {
        memory_bytes: 48 << 20,
        ..Limits::default()
    };
    // one allocation past the limit is refused up front
    let code = format!("x = 'a' * {}", limits.memory_bytes + 1);
    let out = sb.run(&code, &limits);
    assert_eq!(error_of(&out).0, "MemoryError", "{:?}", out.error);
    assert_eq!(out.stopped_by, Some(Limit::Memory));
    assert!(out.fuel_used < 10_000_000, "fuel {}", out.fuel_used);
    // growing memory step by step stops at the limit
    let out = sb.run("x = []\nwhile True:\n    x.append('y' * 100000)", &limits);
    assert_eq!(
        error_of(&out),
        ("MemoryError", "sandbox memory limit exceeded")
    );
    assert_eq!(out.stopped_by, Some(Limit::Memory));
    assert!(
        out.peak_memory <= limits.memory_bytes,
        "{}",
        out.peak_memory
    );
    // a limit below the interpreter's own initial memory
    let out = sb.run(
        "print(1)",
        &Limits {
            memory_bytes: 1 << 20,
            ..Limits::default()
        },
    );
    let (kind, message) = error_of(&out);
    assert_eq!(kind, "MemoryError");
    assert!(
        message.starts_with("sandbox memory limit too small"),
        "{}",
        message
    );
    assert_eq!(Limits::default().memory_bytes, limits::DEFAULT_MEMORY_BYTES);
}

#[test]
fn limit_output_bytes() {
    let sb = Sandbox::new().expect("guest");
    let limits = Limits {
        output_bytes: 1000,
        ..Limits::default()
    };
    let out = sb.run(
        &format!(
            "print('x' * {})\nprint('not reached')",
            limits.output_bytes + 1
        ),
        &limits,
    );
    assert_eq!(error_of(&out).0, "<none>");
    assert!(out.truncated);
    assert_eq!(out.stopped_by, Some(Limit::Output));
    assert_eq!(
        out.stdout,
        format!("{}{}", "x".repeat(limits.output_bytes), TRUNCATION_MARKER)
    );
    // exactly at the limit is not truncated
    let out = sb.run(
        &format!("print('x' * {})", limits.output_bytes - 1),
        &limits,
    );
    assert!(!out.truncated && out.stopped_by.is_none());
    assert_eq!(Limits::default().output_bytes, limits::DEFAULT_OUTPUT_BYTES);
}

#[test]
fn limit_recursion_depth() {
    let sb = Sandbox::new().expect("guest");
    let limits = Limits::default();
    assert_eq!(limits.recursion_depth, limits::DEFAULT_RECURSION_DEPTH);
    // f(n) makes n + 1 nested calls
    let code = |n: u32| {
        format!(
            "def f(n): return 0 if n == 0 else f(n - 1)\nprint(f({}))",
            n
        )
    };
    let out = sb.run(&code(limits.recursion_depth - 1), &limits);
    assert_eq!(out.stdout, "0\n", "{:?}", out.error);
    let out = sb.run(&code(limits.recursion_depth), &limits);
    assert_eq!(
        error_of(&out),
        ("RecursionError", "maximum recursion depth exceeded")
    );
}

/// With the guest's own call limit out of the way, deep recursion ends on
/// the wasm stack: `MAX_WASM_CALL_DEPTH` frames, `MAX_VALUE_STACK` cells or
/// the guest's 16 MiB shadow stack, whichever is first (each Python call
/// takes several wasm frames, so fewer than `MAX_WASM_CALL_DEPTH` Python
/// calls fit).
#[test]
fn limit_max_wasm_call_depth_and_max_value_stack() {
    let sb = Sandbox::new().expect("guest");
    let limits = Limits {
        recursion_depth: limits::MAX_WASM_CALL_DEPTH as u32,
        ..Limits::default()
    };
    let out = sb.run(
        &format!(
            "def f(n): return 0 if n == 0 else f(n - 1)\nprint(f({}))",
            limits::MAX_WASM_CALL_DEPTH
        ),
        &limits,
    );
    assert_eq!(
        error_of(&out),
        (
            "RecursionError",
            "maximum recursion depth exceeded (sandbox stack exhausted)"
        )
    );
    assert_eq!(limits::MAX_VALUE_STACK, 4 << 20);
    // the engine is unharmed
    let ok = sb.run("print(6 * 7)", &Limits::default());
    assert_eq!(ok.stdout, "42\n");
}

#[test]
fn limit_max_parse_depth() {
    let sb = Sandbox::new().expect("guest");
    // each unary operator is one parser level, the statement another
    let minus = |n: u32| format!("x = {}1\nprint(x)", "-".repeat(n as usize));
    let within = guest::MAX_PARSE_DEPTH - 1;
    let out = sb.run(&minus(within), &Limits::default());
    let want = if within % 2 == 1 { "-1\n" } else { "1\n" };
    assert_eq!(out.stdout, want, "{:?}", out.error);
    let out = sb.run(&minus(guest::MAX_PARSE_DEPTH + 1), &Limits::default());
    assert_eq!(
        error_of(&out),
        ("SyntaxError", "too many nested parentheses")
    );
    // a bracket pair takes two levels
    let n = guest::MAX_PARSE_DEPTH as usize / 2 + 1;
    let code = format!("x = {}1{}", "(".repeat(n), ")".repeat(n));
    let out = sb.run(&code, &Limits::default());
    assert_eq!(
        error_of(&out),
        ("SyntaxError", "too many nested parentheses")
    );
}

#[test]
fn limit_max_repr_depth() {
    let sb = Sandbox::new().expect("guest");
    // `depth` nested lists: how many `[` and `...` their repr shows, and ==
    let run = |depth: usize| {
        let code = format!(
            "{}{}s = repr(x)\nprint(s.count('['), s.count('...'), x == y)",
            nested_lists("x", depth),
            nested_lists("y", depth)
        );
        let out = sb.run(&code, &Limits::default());
        assert!(out.error.is_none(), "{:?}", out.error);
        out.stdout
    };
    // levels 0..=MAX_REPR_DEPTH print and compare
    let within = guest::MAX_REPR_DEPTH + 1;
    assert_eq!(run(within), format!("{} 0 True\n", within));
    // one level more: the innermost list prints as `...`, == says unequal
    assert_eq!(run(within + 1), format!("{} 1 False\n", within));
}

#[test]
fn limit_int_max_str_digits() {
    let sb = Sandbox::new().expect("guest");
    let digits = guest::INT_MAX_STR_DIGITS;
    let message = format!(
        "Exceeds the limit ({} digits) for integer string conversion",
        digits
    );
    // exactly the limit converts both ways
    let out = sb.run(
        &format!(
            "s = str(10 ** {})\nprint(len(s), int(s) == 10 ** {})",
            digits - 1,
            digits - 1
        ),
        &Limits::default(),
    );
    assert_eq!(out.stdout, format!("{} True\n", digits), "{:?}", out.error);
    // one digit more does not
    for code in [
        format!("print(10 ** {})", digits),
        format!("int('1' * {})", digits + 1),
    ] {
        let out = sb.run(&code, &Limits::default());
        let (kind, msg) = error_of(&out);
        assert_eq!(kind, "ValueError", "{}: {:?}", code, out.error);
        assert!(msg.starts_with(&message), "{}: {}", code, msg);
    }
}

#[test]
fn limit_int_digits_check_depth() {
    let sb = Sandbox::new().expect("guest");
    let big = format!("10 ** {}", guest::INT_MAX_STR_DIGITS);
    // an oversized int nested as deep as the check looks is refused
    let code = |depth: usize| {
        format!(
            "x = {}\nfor _ in range({}):\n    x = [x]\ns = str(x)\nprint(len(s))",
            big, depth
        )
    };
    let out = sb.run(&code(guest::INT_DIGITS_CHECK_DEPTH), &Limits::default());
    assert_eq!(error_of(&out).0, "ValueError", "{:?}", out.error);
    // deeper, it is printed unchecked (CPython would still refuse it)
    let depth = guest::INT_DIGITS_CHECK_DEPTH + 1;
    let out = sb.run(&code(depth), &Limits::default());
    let len = guest::INT_MAX_STR_DIGITS as usize + 1 + 2 * depth;
    assert_eq!(out.stdout, format!("{}\n", len), "{:?}", out.error);
}

#[test]
fn limit_max_json_depth() {
    let sb = Sandbox::new().expect("guest");
    let brackets = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    let within = guest::MAX_JSON_DEPTH;
    let code = format!(
        "import json\n{}y = json.loads('{}')\nprint(len(json.dumps(x)), len(json.dumps(y)))",
        nested_lists("x", within),
        brackets(within)
    );
    let out = sb.run(&code, &Limits::default());
    let len = 2 * within;
    assert_eq!(out.stdout, format!("{} {}\n", len, len), "{:?}", out.error);
    let past = guest::MAX_JSON_DEPTH + 2;
    let out = sb.run(
        &format!("import json\njson.loads('{}')", brackets(past)),
        &Limits::default(),
    );
    assert_eq!(
        error_of(&out),
        (
            "RecursionError",
            "maximum recursion depth exceeded while decoding a JSON document"
        )
    );
    let out = sb.run(
        &format!("import json\n{}json.dumps(x)", nested_lists("x", past)),
        &Limits::default(),
    );
    assert_eq!(
        error_of(&out),
        (
            "RecursionError",
            "maximum recursion depth exceeded while encoding a JSON object"
        )
    );
}
