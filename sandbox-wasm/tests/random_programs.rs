//! Grammar-based random programs (seeded), compared with CPython.
//! Normal run: a fixed seed budget (~10 s). Longer: `SANDBOX_FUZZ_PROGRAMS=N`
//! with the ignored test `random_programs_long` (`make fuzz-sandbox`).
//! Skipped with a note when python3 is not on PATH, except in CI
//! (`tests/util.rs`).

use sandbox::{Limits, Sandbox};
use serde_json::Value;

/// Small deterministic PRNG (xorshift64*).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len() as u64) as usize]
    }
}

const VARS: [&str; 4] = ["a", "b", "c", "d"];

fn int_expr(r: &mut Rng, depth: u32) -> String {
    if depth == 0 || r.below(3) == 0 {
        return match r.below(4) {
            0 => format!("{}", r.below(20) as i64 - 5),
            1 => r.pick(&VARS).to_string(),
            2 => format!("{}", r.next() % 1_000_000_007),
            _ => format!("len({})", str_expr(r, depth.saturating_sub(1))),
        };
    }
    let a = int_expr(r, depth - 1);
    let b = int_expr(r, depth - 1);
    match r.below(11) {
        0 => format!("({} + {})", a, b),
        1 => format!("({} - {})", a, b),
        2 => format!("({} * {})", a, b),
        3 => format!("({} // {})", a, b),
        4 => format!("({} % {})", a, b),
        5 => format!("({} ** {})", a, r.below(4)),
        6 => format!("abs({})", a),
        7 => format!("max({}, {})", a, b),
        8 => format!("({} if {} else {})", a, bool_expr(r, depth - 1), b),
        9 => format!("sum([{}, {}])", a, b),
        _ => format!("({} ^ {})", a, b),
    }
}

fn float_expr(r: &mut Rng, depth: u32) -> String {
    match r.below(5) {
        0 => format!("{}.{}", r.below(100), r.below(1000)),
        1 => format!("({} / {})", int_expr(r, depth), int_expr(r, depth)),
        2 => format!("({} * 0.1)", int_expr(r, depth)),
        3 => format!("round({} / 7, {})", int_expr(r, depth), r.below(4)),
        _ => format!("float({})", int_expr(r, depth)),
    }
}

fn str_expr(r: &mut Rng, depth: u32) -> String {
    match r.below(7) {
        0 => format!("'{}'", r.pick(&["abc", "Hello", "x y z", "", "a,b,c"])),
        1 => format!("str({})", int_expr(r, depth)),
        2 => format!("('ab' * ({} % 5))", int_expr(r, depth)),
        3 => format!("{}.upper()", str_expr(r, depth.saturating_sub(1))),
        4 => {
            let (x, y) = (r.pick(&VARS), r.pick(&VARS));
            let spec = r.pick(&[">6", "<4", "^7", "+d", ",", "05d", "x"]);
            format!("f'{{{}:{}}}|{{{} / 7:.3f}}|{{{} * 1.5:g}}'", x, spec, y, x)
        }
        5 => format!(
            "'-'.join(str(x) for x in range({} % 6))",
            int_expr(r, depth)
        ),
        _ => format!("{}[::-1]", str_expr(r, depth.saturating_sub(1))),
    }
}

fn bool_expr(r: &mut Rng, depth: u32) -> String {
    let a = int_expr(r, depth);
    let b = int_expr(r, depth);
    match r.below(4) {
        0 => format!("{} < {}", a, b),
        1 => format!("{} == {}", a, b),
        2 => format!("not {} >= {}", a, b),
        _ => format!("({} > 0 and {} != 3)", a, b),
    }
}

fn stmt(r: &mut Rng, out: &mut String, indent: usize, depth: u32) {
    let pad = " ".repeat(indent);
    match r.below(if depth == 0 { 4 } else { 7 }) {
        0 | 1 => out.push_str(&format!("{}{} = {}\n", pad, r.pick(&VARS), int_expr(r, 2))),
        2 => {
            let e = match r.below(4) {
                0 => int_expr(r, 2),
                1 => float_expr(r, 1),
                2 => str_expr(r, 1),
                _ => format!("[{}, {}]", int_expr(r, 1), float_expr(r, 1)),
            };
            out.push_str(&format!("{}print({})\n", pad, e))
        }
        3 => out.push_str(&format!(
            "{}{} {}= {}\n",
            pad,
            r.pick(&VARS),
            r.pick(&["+", "-", "*"]),
            int_expr(r, 1)
        )),
        4 => {
            out.push_str(&format!("{}if {}:\n", pad, bool_expr(r, 1)));
            stmt(r, out, indent + 4, depth - 1);
            out.push_str(&format!("{}else:\n", pad));
            stmt(r, out, indent + 4, depth - 1);
        }
        5 => {
            out.push_str(&format!(
                "{}for {} in range({}):\n",
                pad,
                r.pick(&VARS),
                r.below(6)
            ));
            stmt(r, out, indent + 4, depth - 1);
        }
        _ => {
            out.push_str(&format!(
                "{}def f(x, y=2):\n{}    return {}\n",
                pad, pad, "x * y + len(str(x))"
            ));
            out.push_str(&format!(
                "{}print(f({}), f({}, y={}))\n",
                pad,
                int_expr(r, 1),
                int_expr(r, 1),
                int_expr(r, 1)
            ));
        }
    }
}

fn program(seed: u64) -> String {
    let mut r = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let mut out = String::from("a, b, c, d = 1, 2, 3, 4\n");
    for _ in 0..(3 + r.below(8)) {
        stmt(&mut r, &mut out, 0, 2);
    }
    out
}

fn run_batch(seeds: std::ops::Range<u64>) {
    let progs: Vec<String> = seeds.clone().map(program).collect();
    let tmp = test_support::TempDir::new(&format!("sandbox-random-{}", seeds.start));
    let dir = tmp.dir();
    let file = dir.join("progs.json");
    std::fs::write(&file, serde_json::to_string(&progs).expect("json")).expect("write programs");
    let out = crate::util::regen_expected(&["--run".as_ref(), file.as_os_str()]);
    let Some(out) = out else {
        return;
    };
    let expected: Vec<Value> = serde_json::from_slice(&out).expect("the oracle prints a JSON list");
    assert_eq!(
        expected.len(),
        progs.len(),
        "the oracle answered {} of {} programs",
        expected.len(),
        progs.len()
    );
    let sb = Sandbox::new().expect("guest");
    let mut failures = Vec::new();
    for (i, (src, want)) in progs.iter().zip(expected.iter()).enumerate() {
        let got = sb.run(src, &Limits::default());
        let got_err = got
            .error
            .as_ref()
            .map(|e| serde_json::json!({"kind": e.kind, "message": e.message, "line": e.line}));
        let got_err = got_err.unwrap_or(Value::Null);
        if got.stdout != want["stdout"].as_str().unwrap_or("") || got_err != want["error"] {
            failures.push(format!(
                "seed {}:\n{}\n want {} / {}\n got  {:?} / {}",
                seeds.start + i as u64,
                src,
                want["stdout"],
                want["error"],
                got.stdout,
                got_err
            ));
        }
    }
    for f in failures.iter().take(10) {
        eprintln!("{}", f);
    }
    assert!(
        failures.is_empty(),
        "{} of {} random programs differ from CPython",
        failures.len(),
        progs.len()
    );
}

#[test]
fn random_programs_match_cpython() {
    run_batch(0..1200);
}

#[test]
#[ignore]
fn random_programs_long() {
    let n: u64 = std::env::var("SANDBOX_FUZZ_PROGRAMS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let mut start = 1_000_000;
    while start < 1_000_000 + n {
        let end = (start + 1000).min(1_000_000 + n);
        run_batch(start..end);
        start = end;
    }
}
