//! Port of `bfcl_eval/eval_checker/ast_eval/type_convertor/java_type_converter.py`
//! (`bfcl-eval==2026.3.23`) and of `JAVA_TYPE_CONVERSION`
//! (`bfcl_eval/constants/type_mappings.py`).
//!
//! A Java argument reaches the checker as the string of its Java source
//! (`"new int[]{1, 2}"`, `"5L"`); [`convert`] turns it into the Python value
//! the checker compares, or leaves it a string where it does not parse, as
//! the Python converter does ("default to string"). The regular expressions
//! are Python's; where Python's `$` also matches before a final newline, the
//! scalar rules drop that newline before matching (the same outcome, since
//! `int()`/`float()` ignore it). `\w` and `\s` are the regex crate's Unicode
//! classes, which differ from Python's on a few rare characters (combining
//! marks, U+001C..U+001F).

use crate::py::{py_int_value, PyException, PyResult, PyType};
use crate::py_text::{is_digits, py_float, py_inner, py_int, py_strip};
use regex::Regex;
use serde_json::{Map, Value};
use std::sync::LazyLock;

/// `JAVA_TYPE_CONVERSION[java_type]`: the Python type a converted value has.
pub fn type_conversion(java_type: &str) -> Option<PyType> {
    let t = match java_type {
        "byte" | "short" | "integer" | "long" => PyType::Int,
        "float" | "double" => PyType::Float,
        "boolean" => PyType::Bool,
        "char" | "String" | "any" => PyType::Str,
        "Array" | "ArrayList" | "Queue" | "Stack" => PyType::List,
        "Set" => PyType::Set,
        "HashMap" | "Hashtable" => PyType::Dict,
        _ => return None,
    };
    Some(t)
}

fn value_error(what: String) -> PyException {
    PyException(format!("ValueError: {what}"))
}

fn not_implemented(what: &str) -> PyException {
    PyException(format!(
        "NotImplementedError: {what} conversion is not implemented"
    ))
}

/// `s` without the one final newline Python's `$` may stand before.
fn before_final_newline(s: &str) -> &str {
    s.strip_suffix('\n').unwrap_or(s)
}

/// `-?\d+` over the whole of `s`.
fn is_integer_literal(s: &str) -> bool {
    is_digits(s.strip_prefix('-').unwrap_or(s))
}

/// `-?\d+(\.\d+)?([eE][+-]?\d+)?` over the whole of `s`.
fn is_decimal_literal(s: &str) -> bool {
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some((int, frac)) => is_integer_literal(int) && is_digits(frac),
        None => is_integer_literal(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| is_digits(e.strip_prefix(['+', '-']).unwrap_or(e)));
    mantissa_ok && exponent_ok
}

/// The regex `^-?\d+(\.\d+)?([eE][+-]?\d+)?[fF]$`: the literal without its `f`.
fn float_literal(s: &str) -> Option<&str> {
    let body = before_final_newline(s).strip_suffix(['f', 'F'])?;
    is_decimal_literal(body).then_some(body)
}

/// The regex `^-?\d+[lL]$`: the literal without its `L`.
fn long_literal(s: &str) -> Option<&str> {
    let body = before_final_newline(s).strip_suffix(['l', 'L'])?;
    is_integer_literal(body).then_some(body)
}

/// `float(text)` of a literal the regexes accepted (always parses).
fn to_float(text: &str) -> PyResult<Value> {
    py_float(text).ok_or_else(|| value_error(format!("could not convert string to float: {text}")))
}

/// Port of `java_type_converter(value, expected_type, nested_type)`.
pub fn convert(value: &str, expected_type: &str, nested_type: Option<&str>) -> PyResult<Value> {
    if type_conversion(expected_type).is_none() {
        return Err(value_error(format!("Unsupported type: {expected_type}")));
    }
    let text = || Value::String(value.to_owned());
    Ok(match expected_type {
        "byte" | "short" | "integer" => {
            let s = before_final_newline(value);
            if !is_integer_literal(s) {
                return Ok(text());
            }
            py_int_value(s)
        }
        "float" => match float_literal(value) {
            Some(body) => to_float(body)?,
            None => text(),
        },
        "double" => {
            let s = before_final_newline(value);
            if !is_decimal_literal(s) {
                return Ok(text());
            }
            to_float(s)?
        }
        "long" => match long_literal(value) {
            Some(body) => py_int_value(body),
            None => text(),
        },
        "boolean" => match value {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => text(),
        },
        // The Python pattern `^\'.$\'` can never match: a char stays a string.
        "char" | "String" | "any" => text(),
        "Array" => parse_array(value, nested_type)?,
        "ArrayList" => parse_arraylist(value, nested_type)?,
        "HashMap" => parse_hashmap(value),
        // Python's message for Hashtable names Set too.
        "Set" | "Hashtable" => return Err(not_implemented("Set")),
        other => return Err(not_implemented(other)),
    })
}

/// One element of a collection: `java_type_converter(s, nested_type)`, or
/// `parse_java_value(s)` without a nested type.
fn convert_element(s: &str, nested_type: Option<&str>) -> PyResult<Value> {
    match nested_type {
        Some(t) if !t.is_empty() => convert(s, t, None),
        _ => Ok(parse_java_value(s)),
    }
}

/// An ArrayList element: chars and Strings lose their quotes, the rest
/// converts as its nested type.
fn arraylist_element(s: &str, nested_type: Option<&str>) -> PyResult<Value> {
    match nested_type {
        Some("char" | "String") => Ok(Value::String(py_inner(s).to_owned())),
        _ => convert_element(s, nested_type),
    }
}

static AS_LIST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"new\s+ArrayList<\w*>\(Arrays\.asList\((.+?)\)\)")
        .expect("the asList pattern compiles")
});
static ADD_BLOCK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?s)new\s+ArrayList<\w*>\(\)\s*\{\{\s*(.+?)\s*\}\}")
        .expect("the add-block pattern compiles")
});
static ADD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"add\((.+?)\)").expect("the add pattern compiles"));
static EMPTY_LIST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"new\s+ArrayList<\w*>\(\)").expect("the empty ArrayList pattern compiles")
});
static ARRAY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"new\s+\w+\[\]\s*\{(.*?)\}").expect("the array pattern compiles"));
static HASHMAP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?s)new\s+HashMap<.*?>\s*\(\)\s*\{\s*\{?\s*(.*?)\s*\}?\s*\}")
        .expect("the HashMap pattern compiles")
});
static PUT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"put\("(.*?)",\s*(.*?)\)"#).expect("the put pattern compiles"));
static EMPTY_MAP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"new\s+HashMap<.*?>\s*\(\)").expect("the empty HashMap pattern compiles")
});

/// Port of `parse_arraylist`.
fn parse_arraylist(input: &str, nested_type: Option<&str>) -> PyResult<Value> {
    if let Some(m) = AS_LIST.captures(input) {
        let elements = m[1]
            .split(',')
            .map(|e| arraylist_element(py_strip(e), nested_type))
            .collect::<PyResult<_>>()?;
        return Ok(Value::Array(elements));
    }
    if let Some(m) = ADD_BLOCK.captures(input) {
        let elements = ADD
            .captures_iter(&m[1])
            .map(|a| arraylist_element(py_strip(&a[1]), nested_type))
            .collect::<PyResult<_>>()?;
        return Ok(Value::Array(elements));
    }
    if EMPTY_LIST.is_match(input) {
        return Ok(Value::Array(Vec::new()));
    }
    Ok(Value::String(input.to_owned()))
}

/// Port of `parse_array`: `new T[]{a, b}`; empty elements are skipped.
fn parse_array(input: &str, nested_type: Option<&str>) -> PyResult<Value> {
    let Some(m) = ARRAY.captures(input) else {
        return Ok(Value::String(input.to_owned()));
    };
    let elements = m[1]
        .split(',')
        .map(py_strip)
        .filter(|x| !x.is_empty())
        .map(|x| convert_element(x, nested_type))
        .collect::<PyResult<_>>()?;
    Ok(Value::Array(elements))
}

/// Port of `parse_hashmap`: `new HashMap<..>() {{ put("k", v); }}`.
fn parse_hashmap(input: &str) -> Value {
    if let Some(m) = HASHMAP.captures(input) {
        let mut elements = Map::new();
        let puts = &m[1];
        if !py_strip(puts).is_empty() {
            for p in PUT.captures_iter(puts) {
                elements.insert(p[1].to_owned(), parse_java_value(py_strip(&p[2])));
            }
        }
        return Value::Object(elements);
    }
    if EMPTY_MAP.is_match(input) {
        return Value::Object(Map::new());
    }
    Value::String(input.to_owned())
}

/// Port of `parse_java_value`: a literal of unknown type (`s` is stripped,
/// so it has no final newline).
fn parse_java_value(s: &str) -> Value {
    if s == "true" {
        return Value::Bool(true);
    }
    if s == "false" {
        return Value::Bool(false);
    }
    if s.starts_with('"') && s.ends_with('"') {
        return Value::String(py_inner(s).to_owned());
    }
    if let Some(body) = long_literal(s) {
        return py_int_value(body);
    }
    if let Some(f) = float_literal(s).and_then(py_float) {
        return f;
    }
    py_int(s)
        .or_else(|| py_float(s))
        .unwrap_or_else(|| Value::String(s.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::py::py_repr;
    use serde_json::json;

    fn conv(value: &str, t: &str) -> Value {
        convert(value, t, None).expect("converts")
    }

    /// The asserts of `test_java_type_converter` in the Python module.
    #[test]
    fn python_module_examples() {
        assert_eq!(conv("true", "boolean"), json!(true));
        assert_eq!(conv("-123", "integer"), json!(-123));
        assert_eq!(conv("1.25f", "float"), json!(1.25));
        assert_eq!(conv("-1.25", "double"), json!(-1.25));
        assert_eq!(conv("-123L", "long"), json!(-123));
        assert_eq!(conv("a", "char"), json!("a"));
        assert_eq!(conv("new int[]{1, 2, 3}", "Array"), json!([1, 2, 3]));
        assert_eq!(
            conv(r#"new ArrayList<>(Arrays.asList("a", "b"))"#, "ArrayList"),
            json!(["a", "b"])
        );
        assert_eq!(
            conv(
                r#"new HashMap<String, String>() {{ put("key", "value"); }}"#,
                "HashMap"
            ),
            json!({"key": "value"})
        );
        assert_eq!(conv("3e-3F", "float"), json!(3e-3));
        assert_eq!(conv("3.14e2", "double"), json!(314.0));
        assert_eq!(conv("-9223372036854775808L", "long"), json!(i64::MIN));
        assert_eq!(conv("123", "any"), json!("123"));
        assert_eq!(conv("new int[] { }", "Array"), json!([]));
        assert_eq!(conv("new ArrayList<>()", "ArrayList"), json!([]));
        for empty in [
            "new HashMap<>()",
            "new HashMap<>() {}",
            "new HashMap<>() {{ }}",
        ] {
            assert_eq!(conv(empty, "HashMap"), json!({}), "{empty}");
        }
        assert_eq!(
            conv(r#"new Object[]{1, "abc", true}"#, "Array"),
            json!([1, "abc", true])
        );
        assert_eq!(
            conv(
                r#"new HashMap<String, Object>() {{ put("key1", 1); put("key2", "value"); put("key3", true); }}"#,
                "HashMap"
            ),
            json!({"key1": 1, "key2": "value", "key3": true})
        );
        let long = |s| parse_array(s, Some("long")).expect("converts");
        assert_eq!(long("new long[]{1L, 2, 3L}"), json!([1, "2", 3]));
        assert_eq!(long("new long[]{1L, 2.0, 3L}"), json!([1, "2.0", 3]));
        let list = |s, t| parse_arraylist(s, t).expect("converts");
        assert_eq!(
            list(
                "new ArrayList<Float>() {{ add(1.0f); add(2.0f); }}",
                Some("float")
            ),
            json!([1.0, 2.0])
        );
        assert_eq!(
            list(
                "new ArrayList<Character>() {{ add('a'); add('b'); }}",
                Some("char")
            ),
            json!(["a", "b"])
        );
        assert_eq!(
            list(r#"new ArrayList<String>() {{ add("x"); add("y"); }}"#, None),
            json!(["x", "y"])
        );
    }

    #[test]
    fn unparsed_values_stay_strings() {
        assert_eq!(conv("12abc", "integer"), json!("12abc"));
        assert_eq!(conv("3.14", "float"), json!("3.14"));
        assert_eq!(conv("3.14f", "double"), json!("3.14f"));
        assert_eq!(conv("5", "long"), json!("5"));
        assert_eq!(conv("True", "boolean"), json!("True"));
        assert_eq!(conv("'a'", "char"), json!("'a'"));
        assert_eq!(conv("[1, 2]", "Array"), json!("[1, 2]"));
        assert_eq!(conv("{a=1}", "HashMap"), json!("{a=1}"));
        // Python's `$` matches before a final newline.
        assert_eq!(conv("7\n", "integer"), json!(7));
        assert_eq!(conv("7L\n", "long"), json!(7));
        // Numbers JSON cannot hold keep Python's type and repr.
        let big = conv("123456789012345678901234567890", "integer");
        assert_eq!(PyType::of(&big), PyType::Int);
        assert_eq!(py_repr(&conv("1e999", "double")), "inf");
    }

    #[test]
    fn unsupported_types_raise() {
        assert!(convert("x", "int", None)
            .unwrap_err()
            .0
            .starts_with("ValueError"));
        for t in ["Set", "Hashtable", "Queue", "Stack"] {
            let e = convert("x", t, None).unwrap_err().0;
            assert!(e.starts_with("NotImplementedError"), "{t}: {e}");
        }
        // An element of an unsupported nested type raises too.
        assert!(convert("new int[]{1}", "Array", Some("Queue")).is_err());
        assert_eq!(
            convert("new int[]{}", "Array", Some("Queue")),
            Ok(json!([]))
        );
    }
}
