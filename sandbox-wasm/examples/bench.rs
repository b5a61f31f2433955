//! Sandbox benchmark; prints one JSON object.
//! `cargo run --release -p sandbox --example bench [-- --iters N]`
//! - per-call overhead (fresh instance each call) for `print(12345 * 67890)`,
//! - a 100k-iteration loop and recursive fib(20) (CPython: ~20 ms / ~4.6 ms),
//! - fuel determinism (same code -> same fuel).

use sandbox::{Limits, Sandbox};
use std::time::Instant;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn time_ms(sb: &Sandbox, code: &str, reps: usize) -> (f64, u64, bool) {
    let mut best = f64::MAX;
    let mut fuel = 0;
    let mut ok = true;
    for _ in 0..reps {
        let t = Instant::now();
        let out = sb.run(code, &Limits::default());
        best = best.min(t.elapsed().as_secs_f64() * 1000.0);
        fuel = out.fuel_used;
        ok &= out.error.is_none();
    }
    (best, fuel, ok)
}

fn main() {
    let iters: usize = std::env::args()
        .skip_while(|a| a != "--iters")
        .nth(1)
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let t0 = Instant::now();
    let sb = Sandbox::new().expect("guest module compiles");
    let compile_ms = t0.elapsed().as_secs_f64() * 1000.0;
    let mut calls = Vec::with_capacity(iters);
    for _ in 0..iters {
        let t = Instant::now();
        let out = sb.run("print(12345 * 67890)", &Limits::default());
        calls.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(out.stdout, "838102050\n");
    }
    calls.sort_by(|a, b| a.total_cmp(b));
    let loop_code = "s = 0\nfor i in range(100000):\n    s += i*i\nprint(s)";
    let fib_code =
        "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\nprint(fib(20))";
    let (loop_ms, loop_fuel, loop_ok) = time_ms(&sb, loop_code, 3);
    let (fib_ms, fib_fuel, fib_ok) = time_ms(&sb, fib_code, 3);
    let fuels: Vec<u64> = (0..3)
        .map(|_| sb.run(fib_code, &Limits::default()).fuel_used)
        .collect();
    let result = serde_json::json!({
        "module_compile_ms": compile_ms,
        "per_call_ms": {"p50": percentile(&calls, 0.5), "p99": percentile(&calls, 0.99), "n": iters},
        "loop_100k_ms": loop_ms, "loop_100k_fuel": loop_fuel, "loop_ok": loop_ok,
        "loop_100k_cpython_ref_ms": 20.0,
        "fib20_ms": fib_ms, "fib20_fuel": fib_fuel, "fib_ok": fib_ok,
        "fib20_cpython_ref_ms": 4.6,
        "fuel_deterministic": fuels.windows(2).all(|w| w[0] == w[1]),
    });
    println!(
        "{}",
        serde_json::to_string_pretty(&result).unwrap_or_default()
    );
}
