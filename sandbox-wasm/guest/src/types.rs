//! Constructors of builtin types: `int(x, base)`, `float(s)`, `str(x)`,
//! `list(it)`, `dict(...)`, `range(...)`, exception types, `type(x)`.

use crate::bigint::BigInt;
use crate::builtins::to_int_i64;
use crate::interp::{err, Interp, R};
use crate::limits::INT_MAX_STR_DIGITS;
use crate::value::*;
use std::cell::RefCell;
use std::rc::Rc;

/// Parse a Python int literal string (`int("  -12_3 ")`, base 0 = prefix).
pub fn parse_int(s: &str, base: u32) -> Option<BigInt> {
    let t = s.trim();
    let (neg, t) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let lower = t.to_ascii_lowercase();
    let (base, digits) = match (base, lower.get(..2)) {
        (0 | 16, Some("0x")) => (16, &t[2..]),
        (0 | 8, Some("0o")) => (8, &t[2..]),
        (0 | 2, Some("0b")) => (2, &t[2..]),
        (0, _) => {
            if t.len() > 1 && t.starts_with('0') && t.chars().any(|c| c != '0' && c != '_') {
                return None;
            }
            (10, t)
        }
        (b, _) => (b, t),
    };
    if digits.starts_with('_') || digits.ends_with('_') || digits.contains("__") {
        return None;
    }
    let clean: String = digits.chars().filter(|c| *c != '_').collect();
    let v = BigInt::parse_digits(&clean, base)?;
    Some(if neg { v.neg() } else { v })
}

pub fn parse_float(s: &str) -> Option<f64> {
    let t = s.trim().to_ascii_lowercase();
    let t = t.replace('_', "");
    match t.trim_start_matches(['+', '-']) {
        "inf" | "infinity" => {
            return Some(if t.starts_with('-') {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            })
        }
        "nan" => return Some(f64::NAN),
        _ => {}
    }
    if t.is_empty() || !t.chars().all(|c| c.is_ascii_digit() || "+-.e".contains(c)) {
        return None;
    }
    t.parse().ok()
}

fn float_to_int(f: f64) -> R<Value> {
    if f.is_nan() {
        return err("ValueError", "cannot convert float NaN to integer");
    }
    if f.is_infinite() {
        return err("OverflowError", "cannot convert float infinity to integer");
    }
    Ok(Value::from_bigint(BigInt::from_f64(f)))
}

impl Interp {
    #[inline(never)]
    pub fn construct(
        &mut self,
        name: &str,
        args: Vec<Value>,
        kw: Vec<(Rc<str>, Value)>,
    ) -> R<Value> {
        if crate::classes::is_exception_type(name) {
            let t = crate::builtins::BuiltinType::from_name(name)
                .map(|t| t.name())
                .unwrap_or("Exception");
            return Ok(Value::Exc(Rc::new(Exc {
                typ: Value::Type(t),
                args,
                attrs: RefCell::new(Vec::new()),
            })));
        }
        let a0 = args.first().cloned();
        match name {
            "int" => {
                let base = args
                    .get(1)
                    .cloned()
                    .or_else(|| kw.iter().find(|(k, _)| &**k == "base").map(|x| x.1.clone()));
                match (a0, base) {
                    (None, _) => Ok(Value::Int(0)),
                    (Some(Value::Str(s)), b) => {
                        let base = match b {
                            Some(b) => to_int_i64(&b, "")?,
                            None => 10,
                        };
                        if base != 0 && !(2..=36).contains(&base) {
                            return err("ValueError", "int() base must be >= 2 and <= 36, or 0");
                        }
                        let digits = s.trim().len() as u64;
                        if base == 10 && digits > INT_MAX_STR_DIGITS {
                            return err("ValueError", format!("Exceeds the limit ({} digits) for integer string conversion: value has {} digits; use sys.set_int_max_str_digits() to increase the limit", INT_MAX_STR_DIGITS, digits));
                        }
                        match parse_int(&s, base as u32) {
                            Some(v) => Ok(Value::from_bigint(v)),
                            None => err(
                                "ValueError",
                                format!("invalid literal for int() with base {}: {}", base, str_repr(&s)),
                            ),
                        }
                    }
                    (Some(_), Some(_)) => err("TypeError", "int() can't convert non-string with explicit base"),
                    (Some(Value::Float(f)), None) => float_to_int(f),
                    (Some(v), None) if v.is_int() => Ok(Value::from_bigint(v.to_big().unwrap_or_else(BigInt::zero))),
                    (Some(v), None) => err(
                        "TypeError",
                        format!(
                            "int() argument must be a string, a bytes-like object or a real number, not '{}'",
                            v.type_name()
                        ),
                    ),
                }
            }
            "float" => match a0 {
                None => Ok(Value::Float(0.0)),
                Some(Value::Float(f)) => Ok(Value::Float(f)),
                Some(Value::Str(s)) => match parse_float(&s) {
                    Some(f) => Ok(Value::Float(f)),
                    None => err(
                        "ValueError",
                        format!("could not convert string to float: {}", str_repr(&s)),
                    ),
                },
                Some(v) if v.is_int() => {
                    let f = v.to_big().unwrap_or_else(BigInt::zero).to_f64();
                    if f.is_infinite() {
                        return err("OverflowError", "int too large to convert to float");
                    }
                    Ok(Value::Float(f))
                }
                Some(v) => err(
                    "TypeError",
                    format!(
                        "float() argument must be a string or a real number, not '{}'",
                        v.type_name()
                    ),
                ),
            },
            "str" => match a0 {
                None => Ok(Value::str("")),
                Some(v) => Ok(Value::str(&self.to_str(&v)?)),
            },
            "bool" => match a0 {
                None => Ok(Value::Bool(false)),
                Some(v) => Ok(Value::Bool(self.truthy(&v)?)),
            },
            "list" => match a0 {
                None => Ok(Value::list(Vec::new())),
                Some(v) => Ok(Value::list(self.collect(&v)?)),
            },
            "tuple" => match a0 {
                None => Ok(Value::tuple(Vec::new())),
                Some(Value::Tuple(t)) => Ok(Value::Tuple(t)),
                Some(v) => Ok(Value::tuple(self.collect(&v)?)),
            },
            "set" | "frozenset" => {
                let mut d = Dict::new();
                if let Some(v) = a0 {
                    for x in self.collect(&v)? {
                        self.set_add(&mut d, x)?;
                    }
                }
                let d = Rc::new(RefCell::new(d));
                Ok(if name == "set" {
                    Value::Set(d)
                } else {
                    Value::FrozenSet(d)
                })
            }
            "dict" => {
                let mut d = Dict::new();
                if let Some(v) = a0 {
                    self.dict_update(&mut d, &v)?;
                }
                for (k, v) in kw {
                    d.insert(HKey::Str(k.clone()), Value::Str(k), v);
                }
                Ok(Value::Dict(Rc::new(RefCell::new(d))))
            }
            "range" => {
                let ints: Vec<i64> = args
                    .iter()
                    .map(|a| to_int_i64(a, ""))
                    .collect::<R<Vec<i64>>>()?;
                let (start, stop, step) = match ints.len() {
                    1 => (0, ints[0], 1),
                    2 => (ints[0], ints[1], 1),
                    3 => (ints[0], ints[1], ints[2]),
                    0 => return err("TypeError", "range expected at least 1 argument, got 0"),
                    n => {
                        return err(
                            "TypeError",
                            format!("range expected at most 3 arguments, got {}", n),
                        )
                    }
                };
                if step == 0 {
                    return err("ValueError", "range() arg 3 must not be zero");
                }
                Ok(Value::Range(Rc::new(Range { start, stop, step })))
            }
            "type" => match args.len() {
                1 => Ok(crate::classes::type_of(&args[0])),
                _ => err(
                    "TypeError",
                    "type() with 3 arguments is not supported in the sandbox",
                ),
            },
            "slice" => {
                let mut a = args.clone();
                while a.len() < 3 {
                    a.push(Value::None);
                }
                if args.len() == 1 {
                    a = vec![Value::None, args[0].clone(), Value::None];
                }
                Ok(Value::Slice(Rc::new((
                    a[0].clone(),
                    a[1].clone(),
                    a[2].clone(),
                ))))
            }
            "object" => Ok(Value::Instance(Rc::new(Instance {
                class: Rc::new(Class {
                    name: Rc::from("object"),
                    bases: Vec::new(),
                    attrs: RefCell::new(Vec::new()),
                }),
                attrs: RefCell::new(Vec::new()),
            }))),
            "bytes" | "complex" => err(
                "NotImplementedError",
                format!("{} is not supported in the sandbox", name),
            ),
            _ => err("TypeError", format!("cannot create '{}' instances", name)),
        }
    }

    #[inline(never)]
    pub fn dict_update(&mut self, d: &mut Dict, v: &Value) -> R<()> {
        if let Value::Dict(src) = v {
            for (k, x) in src.borrow().items() {
                let h = self.hash(&k)?;
                d.insert(h, k, x);
            }
            return Ok(());
        }
        for (i, item) in self.collect(v)?.into_iter().enumerate() {
            let pair = self.collect(&item).or_else(|_| {
                err(
                    "TypeError",
                    format!(
                        "cannot convert dictionary update sequence element #{} to a sequence",
                        i
                    ),
                )
            })?;
            if pair.len() != 2 {
                return err(
                    "ValueError",
                    format!(
                        "dictionary update sequence element #{} has length {}; 2 is required",
                        i,
                        pair.len()
                    ),
                );
            }
            let mut it = pair.into_iter();
            let k = it.next().unwrap_or(Value::None);
            let x = it.next().unwrap_or(Value::None);
            let h = self.hash(&k)?;
            d.insert(h, k, x);
        }
        Ok(())
    }
}
