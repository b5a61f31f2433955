//! Unit tests of the interpreter run natively (the CPython differential
//! corpus lives in the host crate's tests).

use crate::{run_source, GuestLimits};

pub fn run(src: &str) -> crate::RunResult {
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
