//! The importable modules: `math`, `json`, `string`, `functools` (reduce).
//! Everything else is refused with a clear error (no os, sys, io, socket).

use crate::bigint::BigInt;
use crate::interp::{err, Interp, R};
use crate::value::*;
use std::rc::Rc;

const BLOCKED: &[&str] = &[
    "os",
    "sys",
    "subprocess",
    "socket",
    "io",
    "shutil",
    "pathlib",
    "ctypes",
    "builtins",
    "importlib",
    "threading",
    "multiprocessing",
    "signal",
    "time",
    "datetime",
    "urllib",
    "http",
    "requests",
    "pickle",
    "marshal",
    "inspect",
    "gc",
    "resource",
    "platform",
    "tempfile",
    "glob",
    "asyncio",
    "code",
    "pty",
];

pub fn import(path: &str) -> R<Value> {
    match path {
        "math" => Ok(Value::Module("math")),
        "json" => Ok(Value::Module("json")),
        "string" => Ok(Value::Module("string")),
        "functools" => Ok(Value::Module("functools")),
        p if BLOCKED.contains(&p.split('.').next().unwrap_or("")) => err(
            "ImportError",
            format!("module '{}' is not available in the sandbox", p),
        ),
        p => err("ModuleNotFoundError", format!("No module named '{}'", p)),
    }
}

named_enum! {
    /// The functions of the `math` module (`math_fn`).
    pub enum MathFn {
        Factorial = "factorial",
        Gcd = "gcd",
        Lcm = "lcm",
        Sqrt = "sqrt",
        Isqrt = "isqrt",
        Comb = "comb",
        Perm = "perm",
        Floor = "floor",
        Ceil = "ceil",
        Trunc = "trunc",
        Log = "log",
        Log2 = "log2",
        Log10 = "log10",
        Log1p = "log1p",
        Exp = "exp",
        Expm1 = "expm1",
        Pow = "pow",
        Fabs = "fabs",
        Sin = "sin",
        Cos = "cos",
        Tan = "tan",
        Asin = "asin",
        Acos = "acos",
        Atan = "atan",
        Atan2 = "atan2",
        Sinh = "sinh",
        Cosh = "cosh",
        Tanh = "tanh",
        Hypot = "hypot",
        Degrees = "degrees",
        Radians = "radians",
        Isclose = "isclose",
        Isfinite = "isfinite",
        Isinf = "isinf",
        Isnan = "isnan",
        Fsum = "fsum",
        Prod = "prod",
        Copysign = "copysign",
        Fmod = "fmod",
        Modf = "modf",
        Dist = "dist",
    }
}

pub fn module_attr(m: &'static str, name: &str) -> R<Value> {
    let f = |v: f64| Ok(Value::Float(v));
    match (m, name) {
        ("math", "pi") => return f(std::f64::consts::PI),
        ("math", "e") => return f(std::f64::consts::E),
        ("math", "tau") => return f(std::f64::consts::TAU),
        ("math", "inf") => return f(f64::INFINITY),
        ("math", "nan") => return f(f64::NAN),
        ("string", "ascii_lowercase") => return Ok(Value::str("abcdefghijklmnopqrstuvwxyz")),
        ("string", "ascii_uppercase") => return Ok(Value::str("ABCDEFGHIJKLMNOPQRSTUVWXYZ")),
        ("string", "ascii_letters") => {
            return Ok(Value::str(
                "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
            ))
        }
        ("string", "digits") => return Ok(Value::str("0123456789")),
        ("string", "hexdigits") => return Ok(Value::str("0123456789abcdefABCDEF")),
        ("string", "punctuation") => return Ok(Value::str("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")),
        ("string", "whitespace") => return Ok(Value::str(" \t\n\r\x0b\x0c")),
        ("json", "JSONDecodeError") => return Ok(Value::Type("JSONDecodeError")),
        _ => {}
    }
    let ok = match m {
        "math" => MathFn::from_name(name).is_some(),
        "json" => matches!(name, "dumps" | "loads"),
        "functools" => name == "reduce",
        _ => false,
    };
    if ok {
        return Ok(Value::Method(Rc::new((Value::Module(m), Rc::from(name)))));
    }
    err(
        "AttributeError",
        format!("module '{}' has no attribute '{}'", m, name),
    )
}

fn num(v: &Value) -> R<f64> {
    match v {
        Value::Float(f) => Ok(*f),
        v if v.is_int() => {
            let f = v.to_big().unwrap_or_else(BigInt::zero).to_f64();
            if f.is_infinite() {
                return err("OverflowError", "int too large to convert to float");
            }
            Ok(f)
        }
        o => err(
            "TypeError",
            format!("must be real number, not {}", o.type_name()),
        ),
    }
}

fn int_arg(v: &Value, fname: &str) -> R<BigInt> {
    match v {
        v if v.is_int() => Ok(v.to_big().unwrap_or_else(BigInt::zero)),
        Value::Float(_) if fname == "factorial" => err(
            "TypeError",
            "'float' object cannot be interpreted as an integer",
        ),
        o => err(
            "TypeError",
            format!(
                "'{}' object cannot be interpreted as an integer",
                o.type_name()
            ),
        ),
    }
}

fn gcd(a: BigInt, b: BigInt) -> BigInt {
    let (mut a, mut b) = (a.abs(), b.abs());
    while !b.is_zero() {
        let r = a.divmod(&b).map(|x| x.1).unwrap_or_else(BigInt::zero);
        a = b;
        b = r;
    }
    a
}

fn isqrt(n: &BigInt) -> BigInt {
    if n.is_zero() {
        return BigInt::zero();
    }
    // Newton from a power of two above the root
    let mut x = BigInt::from_i64(1).shl((n.bits() as usize + 1) / 2 + 1);
    loop {
        let y = x
            .add(&n.divmod(&x).map(|q| q.0).unwrap_or_else(BigInt::zero))
            .shr(1);
        if y.cmp(&x) != std::cmp::Ordering::Less {
            return x;
        }
        x = y;
    }
}

fn domain() -> R<Value> {
    err("ValueError", "math domain error")
}

/// log of a positive int of any size.
fn big_ln(b: &BigInt) -> f64 {
    let bits = b.bits();
    if bits < 1000 {
        return b.to_f64().ln();
    }
    let shift = bits - 60;
    b.shr(shift as usize).to_f64().ln() + shift as f64 * std::f64::consts::LN_2
}

pub fn mod_pow(a: &Value, b: &Value, m: &Value) -> R<Value> {
    let (a, b, m) = match (a.to_big(), b.to_big(), m.to_big()) {
        (Some(a), Some(b), Some(m)) => (a, b, m),
        _ => {
            return err(
                "TypeError",
                "pow() 3rd argument not allowed unless all arguments are integers",
            )
        }
    };
    if m.is_zero() {
        return err("ValueError", "pow() 3rd argument cannot be 0");
    }
    if b.neg {
        return err("ValueError", "base is not invertible for the given modulus");
    }
    let md = |x: &BigInt| x.divmod(&m).map(|r| r.1).unwrap_or_else(BigInt::zero);
    let mut base = md(&a);
    let mut acc = md(&BigInt::from_i64(1));
    let nbits = b.bits();
    for i in 0..nbits {
        let bit = (b.mag[(i / 32) as usize] >> (i % 32)) & 1;
        if bit == 1 {
            acc = md(&acc.mul(&base));
        }
        base = md(&base.mul(&base));
    }
    Ok(Value::from_bigint(acc))
}

pub fn call_module_fn(
    it: &mut Interp,
    m: &str,
    name: &str,
    args: Vec<Value>,
    kw: Vec<(Rc<str>, Value)>,
) -> R<Value> {
    match m {
        "math" => match MathFn::from_name(name) {
            Some(func) => math_fn(it, func, args),
            None => err(
                "AttributeError",
                format!("module 'math' has no attribute '{}'", name),
            ),
        },
        "json" => match name {
            "dumps" => crate::json::dumps(it, &args, &kw),
            _ => crate::json::loads(it, &args),
        },
        "functools" => {
            if args.len() < 2 {
                return err(
                    "TypeError",
                    format!("reduce expected at least 2 arguments, got {}", args.len()),
                );
            }
            let mut st = it.make_iter(&args[1])?;
            let mut acc = match args.get(2) {
                Some(v) => v.clone(),
                None => match it.iter_next(&mut st)? {
                    Some(v) => v,
                    None => {
                        return err(
                            "TypeError",
                            "reduce() of empty iterable with no initial value",
                        )
                    }
                },
            };
            while let Some(x) = it.iter_next(&mut st)? {
                acc = it.call(&args[0], vec![acc, x], Vec::new())?;
            }
            Ok(acc)
        }
        _ => err(
            "AttributeError",
            format!("module '{}' has no attribute '{}'", m, name),
        ),
    }
}

fn math_fn(it: &mut Interp, func: MathFn, args: Vec<Value>) -> R<Value> {
    let name = func.name();
    let a0 = args.first().cloned().unwrap_or(Value::None);
    let fl = |v: f64| -> R<Value> {
        if v.is_nan() {
            return domain();
        }
        Ok(Value::Float(v))
    };
    let unary = |f: fn(f64) -> f64| -> R<Value> {
        let x = num(&a0)?;
        let r = f(x);
        if r.is_nan() && !x.is_nan() {
            return domain();
        }
        if r.is_infinite() && x.is_finite() {
            return err("OverflowError", "math range error");
        }
        Ok(Value::Float(r))
    };
    match func {
        MathFn::Factorial => {
            let n = int_arg(&a0, name)?;
            if n.neg {
                return err("ValueError", "factorial() not defined for negative values");
            }
            let n = match n.to_i64() {
                Some(n) => n,
                None => {
                    return err(
                        "OverflowError",
                        "factorial() argument should not exceed 9223372036854775807",
                    )
                }
            };
            // bits of n! < n * log2(n) + 1
            let est = (n as f64) * ((n.max(2)) as f64).log2() / 8.0;
            it.check_alloc(est as u128)?;
            let mut acc = BigInt::from_i64(1);
            let mut small: u64 = 1;
            for i in 2..=n as u64 {
                match small.checked_mul(i) {
                    Some(p) if p < (1 << 32) => small = p,
                    _ => {
                        acc = acc.mul(&BigInt::from_i64(small as i64));
                        small = i;
                    }
                }
            }
            Ok(Value::from_bigint(acc.mul(&BigInt::from_i64(small as i64))))
        }
        MathFn::Gcd | MathFn::Lcm => {
            let mut acc = if func == MathFn::Gcd {
                BigInt::zero()
            } else {
                BigInt::from_i64(1)
            };
            for a in args.iter() {
                let b = int_arg(a, name)?;
                acc = if func == MathFn::Gcd {
                    gcd(acc, b)
                } else if acc.is_zero() || b.is_zero() {
                    BigInt::zero()
                } else {
                    let g = gcd(acc.clone(), b.clone());
                    acc.mul(&b)
                        .abs()
                        .divmod(&g)
                        .map(|x| x.0)
                        .unwrap_or_else(BigInt::zero)
                };
            }
            Ok(Value::from_bigint(acc))
        }
        MathFn::Isqrt => {
            let n = int_arg(&a0, name)?;
            if n.neg {
                return err("ValueError", "isqrt() argument must be nonnegative");
            }
            Ok(Value::from_bigint(isqrt(&n)))
        }
        MathFn::Comb | MathFn::Perm => {
            let n = int_arg(&a0, name)?;
            let k = match args.get(1) {
                Some(v) => int_arg(v, name)?,
                None if func == MathFn::Perm => n.clone(),
                None => return err("TypeError", "comb expected 2 arguments, got 1"),
            };
            if n.neg {
                return err("ValueError", "n must be a non-negative integer");
            }
            if k.neg {
                return err("ValueError", "k must be a non-negative integer");
            }
            if k.cmp(&n) == std::cmp::Ordering::Greater {
                return Ok(Value::Int(0));
            }
            let (n, mut k) = match (n.to_i64(), k.to_i64()) {
                (Some(n), Some(k)) => (n, k),
                _ => return err("OverflowError", "argument too large"),
            };
            if func == MathFn::Comb && k > n - k {
                k = n - k;
            }
            it.check_alloc((k as u128) * 64 / 8)?;
            let mut acc = BigInt::from_i64(1);
            for i in 0..k {
                acc = acc.mul(&BigInt::from_i64(n - i));
                if func == MathFn::Comb {
                    acc = acc
                        .divmod(&BigInt::from_i64(i + 1))
                        .map(|x| x.0)
                        .unwrap_or_else(BigInt::zero);
                }
            }
            Ok(Value::from_bigint(acc))
        }
        MathFn::Floor | MathFn::Ceil | MathFn::Trunc => match &a0 {
            Value::Float(f) => {
                if !f.is_finite() {
                    return err(
                        if f.is_nan() {
                            "ValueError"
                        } else {
                            "OverflowError"
                        },
                        if f.is_nan() {
                            "cannot convert float NaN to integer"
                        } else {
                            "cannot convert float infinity to integer"
                        },
                    );
                }
                let r = match func {
                    MathFn::Floor => f.floor(),
                    MathFn::Ceil => f.ceil(),
                    _ => f.trunc(),
                };
                Ok(Value::from_bigint(BigInt::from_f64(r)))
            }
            v if v.is_int() => Ok(Value::from_bigint(v.to_big().unwrap_or_else(BigInt::zero))),
            o => err(
                "TypeError",
                format!("must be real number, not {}", o.type_name()),
            ),
        },
        MathFn::Sqrt => {
            let x = num(&a0)?;
            if x < 0.0 {
                return domain();
            }
            fl(x.sqrt())
        }
        MathFn::Log | MathFn::Log2 | MathFn::Log10 => {
            let ln = match &a0 {
                v if v.is_int() => {
                    let b = v.to_big().unwrap_or_else(BigInt::zero);
                    if b.neg || b.is_zero() {
                        return domain();
                    }
                    big_ln(&b)
                }
                v => {
                    let x = num(v)?;
                    if x <= 0.0 {
                        return domain();
                    }
                    if func == MathFn::Log2 {
                        return Ok(Value::Float(x.log2()));
                    }
                    if func == MathFn::Log10 {
                        return Ok(Value::Float(x.log10()));
                    }
                    x.ln()
                }
            };
            if let (true, Some(x)) = (
                func != MathFn::Log,
                a0.to_big().filter(|b| b.bits() < 1000).map(|b| b.to_f64()),
            ) {
                return Ok(Value::Float(if func == MathFn::Log2 {
                    x.log2()
                } else {
                    x.log10()
                }));
            }
            let r = match (func, args.get(1)) {
                (MathFn::Log2, _) => ln / std::f64::consts::LN_2,
                (MathFn::Log10, _) => ln / std::f64::consts::LN_10,
                (_, Some(b)) => {
                    let bl = match b {
                        v if v.is_int() => big_ln(&v.to_big().unwrap_or_else(BigInt::zero)),
                        v => num(v)?.ln(),
                    };
                    if bl == 0.0 {
                        return err("ZeroDivisionError", "float division by zero");
                    }
                    ln / bl
                }
                _ => ln,
            };
            fl(r)
        }
        MathFn::Log1p => unary(f64::ln_1p),
        MathFn::Exp => unary(f64::exp),
        MathFn::Expm1 => unary(f64::exp_m1),
        MathFn::Fabs => unary(f64::abs),
        MathFn::Sin => unary(f64::sin),
        MathFn::Cos => unary(f64::cos),
        MathFn::Tan => unary(f64::tan),
        MathFn::Asin => unary(f64::asin),
        MathFn::Acos => unary(f64::acos),
        MathFn::Atan => unary(f64::atan),
        MathFn::Sinh => unary(f64::sinh),
        MathFn::Cosh => unary(f64::cosh),
        MathFn::Tanh => unary(f64::tanh),
        MathFn::Degrees => unary(f64::to_degrees),
        MathFn::Radians => unary(f64::to_radians),
        MathFn::Atan2 => fl(num(&a0)?.atan2(num(&args.get(1).cloned().unwrap_or(Value::None))?)),
        MathFn::Copysign => {
            fl(num(&a0)?.copysign(num(&args.get(1).cloned().unwrap_or(Value::None))?))
        }
        MathFn::Fmod => {
            let y = num(&args.get(1).cloned().unwrap_or(Value::None))?;
            if y == 0.0 {
                return domain();
            }
            fl(num(&a0)? % y)
        }
        MathFn::Modf => {
            let x = num(&a0)?;
            Ok(Value::tuple(vec![
                Value::Float(x.fract()),
                Value::Float(x.trunc()),
            ]))
        }
        MathFn::Pow => {
            let (x, y) = (
                num(&a0)?,
                num(&args.get(1).cloned().unwrap_or(Value::None))?,
            );
            if x == 0.0 && y < 0.0 {
                return domain();
            }
            let r = x.powf(y);
            if r.is_nan() {
                return domain();
            }
            if r.is_infinite() && x.is_finite() {
                return err("OverflowError", "math range error");
            }
            Ok(Value::Float(r))
        }
        MathFn::Hypot => {
            let mut acc = 0.0f64;
            for a in args.iter() {
                let x = num(a)?;
                acc = acc.hypot(x);
            }
            Ok(Value::Float(acc))
        }
        MathFn::Dist => {
            let p = it.collect(&a0)?;
            let q = it.collect(&args.get(1).cloned().unwrap_or(Value::None))?;
            let mut acc = 0.0f64;
            for (a, b) in p.iter().zip(q.iter()) {
                acc = acc.hypot(num(a)? - num(b)?);
            }
            Ok(Value::Float(acc))
        }
        MathFn::Isfinite => Ok(Value::Bool(num(&a0)?.is_finite())),
        MathFn::Isinf => Ok(Value::Bool(num(&a0)?.is_infinite())),
        MathFn::Isnan => Ok(Value::Bool(num(&a0)?.is_nan())),
        MathFn::Isclose => {
            let (a, b) = (
                num(&a0)?,
                num(&args.get(1).cloned().unwrap_or(Value::None))?,
            );
            let rel = 1e-9;
            Ok(Value::Bool(
                a == b || (a - b).abs() <= rel * a.abs().max(b.abs()),
            ))
        }
        MathFn::Fsum => {
            // Neumaier compensated sum (exact for typical inputs)
            let items = it.collect(&a0)?;
            let (mut s, mut c) = (0.0f64, 0.0f64);
            for x in items.iter() {
                let x = num(x)?;
                let t = s + x;
                if s.abs() >= x.abs() {
                    c += (s - t) + x;
                } else {
                    c += (x - t) + s;
                }
                s = t;
            }
            Ok(Value::Float(s + c))
        }
        MathFn::Prod => {
            let items = it.collect(&a0)?;
            let mut acc = Value::Int(1);
            for x in items.iter() {
                acc = it.binop(crate::ast::BinOp::Mul, &acc, x)?;
            }
            Ok(acc)
        }
    }
}
