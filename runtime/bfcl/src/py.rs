//! The bits of Python semantics the BFCL AST checker depends on, over JSON
//! values as `json.loads` would produce them: `type(v)`, `==` (with
//! `1 == 1.0 == True`), `in`, `repr` (for identical error messages) and
//! `standardize_string`.
//!
//! JSON numbers written without a fraction or exponent are Python `int`,
//! others `float` (serde_json keeps the same distinction).

use serde_json::Value;

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
}

impl PyType {
    pub fn of(v: &Value) -> PyType {
        match v {
            Value::String(_) => PyType::Str,
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
    Float(f64),
}

fn as_num(v: &Value) -> Option<PyNum> {
    match v {
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
    match (container, item) {
        (Value::Array(xs), _) => Ok(py_in_list(item, xs)),
        (Value::Object(m), Value::String(k)) => Ok(m.contains_key(k)),
        (Value::Object(_), _) => Ok(false),
        (Value::String(s), Value::String(sub)) => Ok(s.contains(sub.as_str())),
        (Value::String(_), _) => Err(type_error("'in <string>' requires string as left operand")),
        (other, _) => Err(type_error(&format!(
            "argument of type '{}' is not iterable",
            PyType::of(other).name()
        ))),
    }
}

/// The elements `for x in v` / `v[i] for i in range(len(v))` would visit:
/// list items, or a string's characters. Anything else raises.
pub fn py_items(v: &Value) -> PyResult<Vec<Value>> {
    match v {
        Value::Array(xs) => Ok(xs.clone()),
        Value::String(s) => Ok(s.chars().map(|c| Value::String(c.to_string())).collect()),
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
        Value::String(s) => Value::String(standardize_string(s)),
        other => other.clone(),
    }
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
            c if (c as u32) < 0x20 || (0x7f..0xa0).contains(&(c as u32)) => {
                out.push_str(&format!("\\x{:02x}", c as u32));
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
        Value::String(s) => repr_str(s),
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
