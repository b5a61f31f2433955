//! The bits of Python semantics the BFCL AST checker depends on, over JSON
//! values as `json.loads` would produce them: `type(v)`, `==` (with
//! `1 == 1.0 == True`), `in`, `repr` (for identical error messages) and
//! `standardize_string`. Reading text as Python does (`int()`, `float()`,
//! `str.strip`) is in `py_text`.
//!
//! JSON numbers written without a fraction or exponent are Python `int`,
//! others `float` (serde_json keeps the same distinction). Python numbers
//! that JSON cannot hold (`float("inf")`, `nan`, ints beyond 64 bits), which
//! the type converters can produce, are strings tagged with [`NUMBER_TAG`]
//! and behave as numbers everywhere here ([`py_float_value`], [`py_int_value`]).
use crate::py_text::to_ascii_digits;
use regex::Regex;
use serde_json::Value;
use std::sync::LazyLock;

/// A Python exception the checker would have raised (its class name and detail).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PyException(pub String);

pub type PyResult<T> = Result<T, PyException>;

fn type_error(what: &str) -> PyException {
    PyException(format!("TypeError: {what}"))
}

/// `type(value)` of a JSON-decoded Python value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PyType {
    Str,
    Int,
    Float,
    Bool,
    List,
    Dict,
    NoneType,
    /// Only as an expected type (Java `Set`); no JSON value is a set.
    Set,
}

impl PyType {
    pub fn of(v: &Value) -> PyType {
        match v {
            Value::String(s) => match tagged_number(s) {
                Some(PyNum::Float(_)) => PyType::Float,
                Some(_) => PyType::Int,
                None => PyType::Str,
            },
            Value::Number(n) if n.is_i64() || n.is_u64() => PyType::Int,
            Value::Number(_) => PyType::Float,
            Value::Bool(_) => PyType::Bool,
            Value::Array(_) => PyType::List,
            Value::Object(_) => PyType::Dict,
            Value::Null => PyType::NoneType,
        }
    }

    /// `type(v).__name__`.
    pub fn name(self) -> &'static str {
        match self {
            PyType::Str => "str",
            PyType::Int => "int",
            PyType::Float => "float",
            PyType::Bool => "bool",
            PyType::List => "list",
            PyType::Dict => "dict",
            PyType::NoneType => "NoneType",
            PyType::Set => "set",
        }
    }

    /// `str(t)`, e.g. `<class 'int'>`.
    pub fn class_str(self) -> String {
        format!("<class '{}'>", self.name())
    }
}

/// A number as Python sees it: bools are the ints 0 and 1.
enum PyNum {
    Int(i128),
    /// An int beyond i128: its decimal digits, `-` first when negative.
    Big(String),
    Float(f64),
}

/// Marks a string that stands for a Python number JSON cannot hold:
/// `NUMBER_TAG` + `int:<digits>` or `float:<inf|-inf|NaN>`. U+10FFFE is a
/// Unicode noncharacter, not found in text.
pub const NUMBER_TAG: char = '\u{10FFFE}';

fn tagged_number(s: &str) -> Option<PyNum> {
    let rest = s.strip_prefix(NUMBER_TAG)?;
    if let Some(digits) = rest.strip_prefix("int:") {
        Some(match digits.parse::<i128>() {
            Ok(i) => PyNum::Int(i),
            Err(_) => PyNum::Big(digits.to_owned()),
        })
    } else {
        rest.strip_prefix("float:")?.parse().ok().map(PyNum::Float)
    }
}

/// The value of Python's `float` `f`.
pub fn py_float_value(f: f64) -> Value {
    if f.is_finite() {
        Value::from(f)
    } else {
        Value::String(format!("{NUMBER_TAG}float:{f}"))
    }
}

/// The value of the Python `int` written `digits` (decimal digits, `-`
/// first when negative; leading zeros allowed).
pub fn py_int_value(digits: &str) -> Value {
    let (neg, body) = digits
        .strip_prefix('-')
        .map_or((false, digits), |b| (true, b));
    let body = to_ascii_digits(body);
    let body = body.trim_start_matches('0');
    let body = if body.is_empty() { "0" } else { body };
    let text = if neg && body != "0" {
        format!("-{body}")
    } else {
        body.to_owned()
    };
    if let Ok(i) = text.parse::<i64>() {
        Value::from(i)
    } else if let Ok(u) = text.parse::<u64>() {
        Value::from(u)
    } else {
        Value::String(format!("{NUMBER_TAG}int:{text}"))
    }
}

fn as_num(v: &Value) -> Option<PyNum> {
    match v {
        Value::String(s) => tagged_number(s),
        Value::Bool(b) => Some(PyNum::Int(i128::from(*b))),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Some(PyNum::Int(i128::from(i)))
            } else if let Some(u) = n.as_u64() {
                Some(PyNum::Int(i128::from(u)))
            } else {
                n.as_f64().map(PyNum::Float)
            }
        }
        _ => None,
    }
}

fn int_eq_float(i: i128, f: f64) -> bool {
    // Python compares int and float exactly.
    f.is_finite() && f.fract() == 0.0 && f.abs() < 1.7e38 && f as i128 == i
}

/// Python `a == b`.
pub fn py_eq(a: &Value, b: &Value) -> bool {
    if let (Some(x), Some(y)) = (as_num(a), as_num(b)) {
        return match (x, y) {
            (PyNum::Int(x), PyNum::Int(y)) => x == y,
            (PyNum::Float(x), PyNum::Float(y)) => x == y,
            (PyNum::Int(i), PyNum::Float(f)) | (PyNum::Float(f), PyNum::Int(i)) => {
                int_eq_float(i, f)
            }
            (PyNum::Big(x), PyNum::Big(y)) => x == y,
            (PyNum::Big(_), PyNum::Int(_)) | (PyNum::Int(_), PyNum::Big(_)) => false,
            (PyNum::Big(d), PyNum::Float(f)) | (PyNum::Float(f), PyNum::Big(d)) => {
                // `{:.0}` prints an integral f64 exactly.
                f.is_finite() && f.fract() == 0.0 && format!("{f:.0}") == d
            }
        };
    }
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| py_eq(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| py_eq(v, w)))
        }
        _ => false,
    }
}

/// Python `item in items` for a list.
pub fn py_in_list(item: &Value, items: &[Value]) -> bool {
    items.iter().any(|x| py_eq(item, x))
}

/// Python `item in container` for any container the checker may meet:
/// list membership, dict key, substring.
pub fn py_contains(container: &Value, item: &Value) -> PyResult<bool> {
    let item_type = PyType::of(item);
    match (container, PyType::of(container)) {
        (Value::Array(xs), _) => Ok(py_in_list(item, xs)),
        (Value::Object(m), _) => match item {
            Value::Array(_) | Value::Object(_) => Err(type_error(&format!(
                "unhashable type: '{}'",
                item_type.name()
            ))),
            Value::String(k) if item_type == PyType::Str => Ok(m.contains_key(k)),
            _ => Ok(false),
        },
        (Value::String(s), PyType::Str) => match item {
            Value::String(sub) if item_type == PyType::Str => Ok(s.contains(sub.as_str())),
            _ => Err(type_error(&format!(
                "'in <string>' requires string as left operand, not {}",
                item_type.name()
            ))),
        },
        (_, t) => Err(type_error(&format!(
            "argument of type '{}' is not iterable",
            t.name()
        ))),
    }
}

/// The elements `for x in v` / `v[i] for i in range(len(v))` would visit:
/// list items, or a string's characters. Anything else raises.
pub fn py_items(v: &Value) -> PyResult<Vec<Value>> {
    match v {
        Value::Array(xs) => Ok(xs.clone()),
        Value::String(s) if PyType::of(v) == PyType::Str => {
            Ok(s.chars().map(|c| Value::String(c.to_string())).collect())
        }
        other => Err(type_error(&format!(
            "object of type '{}' has no len()",
            PyType::of(other).name()
        ))),
    }
}

/// Port of `standardize_string`: drop ` ,./-_*^`, lowercase, `'` -> `"`.
pub fn standardize_string(s: &str) -> String {
    let kept: String = s
        .chars()
        .filter(|c| !matches!(c, ' ' | ',' | '.' | '/' | '-' | '_' | '*' | '^'))
        .collect();
    kept.to_lowercase().replace('\'', "\"")
}

/// `standardize_string` on strings, identity on anything else.
pub fn standardize_value(v: &Value) -> Value {
    match v {
        Value::String(s) if PyType::of(v) == PyType::Str => Value::String(standardize_string(s)),
        other => other.clone(),
    }
}

static NOT_PRINTABLE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[\p{C}\p{Z}]$").expect("the non-printable class compiles"));

/// Python `str.isprintable()` for one character: not in the Unicode
/// categories Other (Cc, Cf, Cs, Co, Cn) or Separator, the ASCII space aside.
fn is_printable(c: char) -> bool {
    if c.is_ascii() {
        return (' '..='~').contains(&c);
    }
    !NOT_PRINTABLE.is_match(c.encode_utf8(&mut [0; 4]))
}

/// Python `repr(s)` of a `str`.
pub fn repr_str(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if !is_printable(c) => {
                let cp = c as u32;
                out.push_str(&match cp {
                    0..=0xff => format!("\\x{cp:02x}"),
                    0x100..=0xffff => format!("\\u{cp:04x}"),
                    _ => format!("\\U{cp:08x}"),
                });
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Python `repr(f)` of a finite float (shortest round-trip digits; fixed
/// notation for exponents in [-4, 16), else `d.ddde+XX`).
pub fn repr_float(f: f64) -> String {
    if !f.is_finite() {
        return if f.is_nan() {
            "nan".into()
        } else if f > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    let sci = format!("{f:e}"); // e.g. "-1.2345e-5", shortest round-trip
    let (mant, exp) = sci.split_once('e').expect("{:e} always has an exponent");
    let exp: i32 = exp.parse().expect("{:e} exponent is an integer");
    let (sign, mant) = mant.strip_prefix('-').map_or(("", mant), |m| ("-", m));
    let digits: String = mant.chars().filter(|c| *c != '.').collect();
    if (-4..16).contains(&exp) {
        let n = digits.len() as i32;
        let body = if exp < 0 {
            format!("0.{}{}", "0".repeat((-exp - 1) as usize), digits)
        } else if n <= exp + 1 {
            format!("{}{}.0", digits, "0".repeat((exp + 1 - n) as usize))
        } else {
            let (a, b) = digits.split_at((exp + 1) as usize);
            format!("{a}.{b}")
        };
        format!("{sign}{body}")
    } else {
        let esign = if exp < 0 { '-' } else { '+' };
        format!("{sign}{mant}e{esign}{:02}", exp.abs())
    }
}

/// Python `repr(v)` of a JSON-decoded value (dicts in insertion order).
pub fn py_repr(v: &Value) -> String {
    match v {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(n) => match as_num(v) {
            Some(PyNum::Float(f)) => repr_float(f),
            _ => n.to_string(),
        },
        Value::String(s) => match tagged_number(s) {
            Some(PyNum::Float(f)) => repr_float(f),
            Some(PyNum::Int(i)) => i.to_string(),
            Some(PyNum::Big(d)) => d,
            None => repr_str(s),
        },
        Value::Array(xs) => {
            let parts: Vec<String> = xs.iter().map(py_repr).collect();
            format!("[{}]", parts.join(", "))
        }
        Value::Object(m) => {
            let parts: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{}: {}", repr_str(k), py_repr(v)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
    }
}

/// `repr` of a list of values.
pub fn py_repr_list(xs: &[Value]) -> String {
    py_repr(&Value::Array(xs.to_vec()))
}

/// Python `str(v)`: a string as is, anything else as its `repr`.
pub fn py_str(v: &Value) -> String {
    match v {
        Value::String(s) if PyType::of(v) == PyType::Str => s.clone(),
        other => py_repr(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn python_equality() {
        assert!(py_eq(&json!(1), &json!(1.0)));
        assert!(py_eq(&json!(true), &json!(1)));
        assert!(py_eq(&json!([1, "a"]), &json!([1.0, "a"])));
        assert!(py_eq(&json!({"a": 1, "b": 2}), &json!({"b": 2, "a": true})));
        assert!(!py_eq(&json!(1.5), &json!(1)));
        assert!(!py_eq(&json!("1"), &json!(1)));
        assert!(!py_eq(&json!(null), &json!(0)));
        assert!(!py_eq(&json!([1]), &json!([1, 1])));
    }

    #[test]
    fn python_repr() {
        // Expected strings are CPython 3.11 `repr` outputs.
        let cases = [
            (json!(1.0), "1.0"),
            (json!(0.1), "0.1"),
            (json!(1e-5), "1e-05"),
            (json!(0.0001), "0.0001"),
            (json!(1e16), "1e+16"),
            (json!(1.5e16), "1.5e+16"),
            (json!(123456789012345.6), "123456789012345.6"),
            (json!(-2.5), "-2.5"),
            (json!(1e15), "1000000000000000.0"),
            (json!("it's"), "\"it's\""),
            (json!("a'b\"c"), "'a\\'b\"c'"),
            (json!("tab\there\\"), "'tab\\there\\\\'"),
            (
                json!("\u{a0}é\u{2003}\u{7f}\u{ad}\u{E0001}😀"),
                "'\\xa0é\\u2003\\x7f\\xad\\U000e0001😀'",
            ),
            (
                json!({"k": [1, 2.0, null, true]}),
                "{'k': [1, 2.0, None, True]}",
            ),
        ];
        for (v, want) in cases {
            assert_eq!(py_repr(&v), want, "{v}");
        }
    }

    #[test]
    fn standardize() {
        assert_eq!(standardize_string("April 1, 2024"), "april12024");
        assert_eq!(standardize_string("New-York_City*^./"), "newyorkcity");
        assert_eq!(standardize_string("it's"), "it\"s");
    }

    #[test]
    fn membership() {
        assert_eq!(py_contains(&json!("abc"), &json!("")), Ok(true));
        assert_eq!(py_contains(&json!({"k": 1}), &json!("k")), Ok(true));
        assert!(py_contains(&json!(3), &json!("k")).is_err());
        assert_eq!(
            py_items(&json!("ab")).unwrap(),
            vec![json!("a"), json!("b")]
        );
        assert!(py_items(&json!(2)).is_err());
    }
}
