//! Hostile programs: each must end with a structured error within its
//! limit, the host must not panic, and the next run must work normally.

use sandbox::{Limits, Sandbox, TRUNCATION_MARKER};
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
