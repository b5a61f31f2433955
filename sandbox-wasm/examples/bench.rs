//! Sandbox benchmark; prints one JSON object (and writes it with `--out`).
//! `cargo run --release -p sandbox --example bench [-- --iters N] [--reps R] [--out FILE]`
//! - per-call overhead (fresh instance each call) for `print(12345 * 67890)`,
//! - a 100k-iteration loop and recursive fib(20), median and best of
//!   `--reps` runs,
//! - more workloads (generator sum, comprehension, dict counting, method
//!   calls) with their fuel, and whether `sum(x for x in range(10**6))` fits
//!   the default fuel,
//! - the same programs under the machine's `python3`, measured in this run
//!   (compile + exec inside one process, stdout captured, same reps), and a
//!   fresh `python3 -c` per call next to the per-call overhead; the loop and
//!   fib targets are 5x CPython's median. Without `python3` these are null,
//! - fuel determinism (same code -> same fuel),
//! - the 1-minute load average before and after (the machine may be shared).

use sandbox::{Limits, Sandbox};
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Instant;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

struct Timing {
    median_ms: f64,
    best_ms: f64,
    fuel: u64,
    ok: bool,
}

fn time_ms(sb: &Sandbox, code: &str, reps: usize) -> Timing {
    let mut ms = Vec::with_capacity(reps);
    let mut fuel = 0;
    let mut ok = true;
    for _ in 0..reps.max(1) {
        let t = Instant::now();
        let out = sb.run(code, &Limits::default());
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
        fuel = out.fuel_used;
        ok &= out.error.is_none();
    }
    ms.sort_by(|a, b| a.total_cmp(b));
    Timing {
        median_ms: percentile(&ms, 0.5),
        best_ms: ms[0],
        fuel,
        ok,
    }
}

/// Times the program read from stdin `reps` times in one CPython process
/// (compile + exec, stdout captured) and prints the median and best in ms.
const CPYTHON_HARNESS: &str = r#"
import contextlib, io, json, sys, time
code, reps, ms = sys.stdin.read(), int(sys.argv[1]), []
for _ in range(reps):
    t = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(code, "<bench>", "exec"), {})
    ms.append((time.perf_counter() - t) * 1000.0)
ms.sort()
print(json.dumps({"median_ms": ms[round((len(ms) - 1) * 0.5)], "best_ms": ms[0]}))
"#;

/// `code` under CPython (see [`CPYTHON_HARNESS`]), or `None` when python3
/// is missing or fails (said on stderr).
fn cpython_ms(code: &str, reps: usize) -> Option<serde_json::Value> {
    let run = || -> Result<serde_json::Value, String> {
        let mut child = Command::new("python3")
            .args(["-c", CPYTHON_HARNESS, &reps.max(1).to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| e.to_string())?;
        child
            .stdin
            .take()
            .expect("stdin is piped")
            .write_all(code.as_bytes())
            .map_err(|e| e.to_string())?;
        let out = child.wait_with_output().map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).into_owned());
        }
        serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())
    };
    run().map_err(|e| eprintln!("bench: python3: {e}")).ok()
}

/// Median wall time of a fresh `python3 -c code`, `n` times (start-up
/// included, the cost a subprocess tool would pay per call).
fn cpython_process_ms(code: &str, n: usize) -> Option<f64> {
    let mut ms = Vec::with_capacity(n);
    for _ in 0..n.max(1) {
        let t = Instant::now();
        let ok = Command::new("python3")
            .args(["-c", code])
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            return None;
        }
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    ms.sort_by(|a, b| a.total_cmp(b));
    Some(percentile(&ms, 0.5))
}

fn python3_version() -> Option<String> {
    let out = Command::new("python3").arg("--version").output().ok()?;
    Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

fn arg<T: std::str::FromStr>(name: &str) -> Option<T> {
    std::env::args()
        .skip_while(|a| a != name)
        .nth(1)
        .and_then(|v| v.parse().ok())
}

const LOOP: &str = "s = 0\nfor i in range(100000):\n    s += i*i\nprint(s)";
const FIB: &str = "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\nprint(fib(20))";
const WORKLOADS: &[(&str, &str)] = &[
    ("gen_sum_100k", "print(sum(x for x in range(10**5)))"),
    ("listcomp_100k", "print(len([x * 2 for x in range(10**5) if x % 3]))"),
    (
        "dict_count_100k",
        "d = {}\nfor i in range(10**5):\n    k = i % 100\n    d[k] = d.get(k, 0) + 1\nprint(len(d))",
    ),
    (
        "method_calls_10k",
        "class P:\n    def __init__(self, x):\n        self.x = x\n    def get(self):\n        return self.x\np = P(3)\ns = 0\nfor i in range(10**4):\n    s += p.get() + p.x\nprint(s)",
    ),
    (
        "list_index_100k",
        "a = list(range(100))\ns = 0\nfor i in range(10**5):\n    s += a[i % 100]\nprint(s)",
    ),
];

fn main() {
    let iters: usize = arg("--iters").unwrap_or(300);
    let reps: usize = arg("--reps").unwrap_or(5);
    let out_path: Option<String> = arg("--out");
    let load_before = load_average();
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
    let lp = time_ms(&sb, LOOP, reps);
    let fib = time_ms(&sb, FIB, reps);
    let fuels: Vec<u64> = (0..3)
        .map(|_| sb.run(FIB, &Limits::default()).fuel_used)
        .collect();
    let mut workloads = serde_json::Map::new();
    for (name, code) in WORKLOADS {
        let t = time_ms(&sb, code, reps.min(3));
        workloads.insert(
            name.to_string(),
            serde_json::json!({
                "median_ms": t.median_ms, "fuel": t.fuel, "ok": t.ok,
                "cpython": cpython_ms(code, reps.min(3)),
            }),
        );
    }
    let cpy_loop = cpython_ms(LOOP, reps);
    let cpy_fib = cpython_ms(FIB, reps);
    let median = |v: &Option<serde_json::Value>| v.as_ref().and_then(|v| v["median_ms"].as_f64());
    let target = |v: &Option<serde_json::Value>| median(v).map(|m| 5.0 * m);
    let big_gen = sb.run("print(sum(x for x in range(10**6)))", &Limits::default());
    let result = serde_json::json!({
        "date_unix_s": std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
        "load_average_1m": {"before": load_before, "after": load_average()},
        "cpus": std::thread::available_parallelism().map_or(0, |n| n.get()),
        "python3": python3_version(),
        "module_compile_ms": compile_ms,
        "per_call_ms": {"p50": percentile(&calls, 0.5), "p99": percentile(&calls, 0.99), "n": iters},
        "cpython_process_per_call_ms": cpython_process_ms("print(12345 * 67890)", iters.min(20)),
        "reps": reps,
        "loop_100k_ms": lp.median_ms, "loop_100k_best_ms": lp.best_ms,
        "loop_100k_fuel": lp.fuel, "loop_ok": lp.ok,
        "loop_100k_cpython": cpy_loop, "loop_100k_target_ms": target(&cpy_loop),
        "fib20_ms": fib.median_ms, "fib20_best_ms": fib.best_ms,
        "fib20_fuel": fib.fuel, "fib_ok": fib.ok,
        "fib20_cpython": cpy_fib, "fib20_target_ms": target(&cpy_fib),
        "fuel_deterministic": fuels.windows(2).all(|w| w[0] == w[1]),
        "workloads": workloads,
        "gen_sum_1e6": {
            "ok": big_gen.error.is_none(),
            "fuel": big_gen.fuel_used,
            "ms": big_gen.wall_time.as_secs_f64() * 1000.0,
            "default_fuel": Limits::default().fuel,
        },
    });
    let text = serde_json::to_string_pretty(&result).unwrap_or_default();
    println!("{}", text);
    if let Some(p) = out_path {
        if let Err(e) = std::fs::write(&p, text + "\n") {
            eprintln!("bench: cannot write {}: {}", p, e);
            std::process::exit(1);
        }
    }
}
