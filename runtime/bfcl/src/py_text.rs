//! Python's reading and writing of text, for the Java and JavaScript type
//! converters and the function-doc rewrite: `int()` and `float()` of a
//! string, `str.strip`, `s[1:-1]`, what the regex classes `\d` and `\s`
//! match, and `json.dumps`.
//!
//! Decimal digits are every Unicode character of category Nd, as for
//! Python (`\d`, `int("١٢")`); Unicode versions may differ on characters
//! assigned since Python's.

use crate::py::{py_float_value, py_int_value, py_repr};
use regex::Regex;
use serde_json::Value;
use std::sync::LazyLock;

/// Python `str.isspace` for one character (also what `\s` matches).
pub fn py_isspace(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python `s.strip()`.
pub fn py_strip(s: &str) -> &str {
    s.trim_matches(py_isspace)
}

/// Python `s[1:-1]`.
pub fn py_inner(s: &str) -> &str {
    let mut it = s.char_indices();
    match (it.next(), it.next_back()) {
        (Some((_, first)), Some((last, _))) => &s[first.len_utf8()..last],
        _ => "",
    }
}

static UNICODE_DIGIT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\d$").expect("the digit pattern compiles"));

/// The value of a decimal digit: any Unicode character of category Nd,
/// which is what Python's `\d` matches and `int()`/`float()` read.
pub fn decimal_value(c: char) -> Option<u32> {
    if c.is_ascii() {
        return c.to_digit(10);
    }
    let is_digit = |c: char| UNICODE_DIGIT.is_match(c.encode_utf8(&mut [0; 4]));
    if !is_digit(c) {
        return None;
    }
    // Unicode assigns Nd digits only in runs of ten, 0 to 9, so a digit's
    // value is its offset in the maximal run of digits mod 10.
    let mut start = c as u32;
    while let Some(prev) = start.checked_sub(1).and_then(char::from_u32) {
        if !is_digit(prev) {
            break;
        }
        start -= 1;
    }
    Some((c as u32 - start) % 10)
}

/// `\d+` over the whole of `s`.
pub fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| decimal_value(c).is_some())
}

/// `s` with every decimal digit written as its ASCII digit.
pub(crate) fn to_ascii_digits(s: &str) -> String {
    s.chars()
        .map(|c| match decimal_value(c) {
            Some(d) => char::from_digit(d, 10).expect("a decimal digit is below 10"),
            None => c,
        })
        .collect()
}

/// Python's digit part of a number literal: `digit (["_"] digit)*`.
fn is_digit_part(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('_')
        && !s.ends_with('_')
        && !s.contains("__")
        && s.chars().all(|c| c == '_' || decimal_value(c).is_some())
}

/// Python `int(s)` (base 10); `None` where Python raises ValueError.
pub fn py_int(s: &str) -> Option<Value> {
    let t = py_strip(s);
    let (neg, body) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if !is_digit_part(body) {
        return None;
    }
    let digits: String = body.chars().filter(|c| *c != '_').collect();
    Some(py_int_value(&if neg {
        format!("-{digits}")
    } else {
        digits
    }))
}

/// Python `float(s)`; `None` where Python raises ValueError.
pub fn py_float(s: &str) -> Option<Value> {
    let t = py_strip(s);
    let (sign, body) = match t.as_bytes().first() {
        Some(b'-') => (-1.0, &t[1..]),
        Some(b'+') => (1.0, &t[1..]),
        _ => (1.0, t),
    };
    let lower = body.to_ascii_lowercase();
    if lower == "inf" || lower == "infinity" {
        return Some(py_float_value(sign * f64::INFINITY));
    }
    if lower == "nan" {
        return Some(py_float_value(f64::NAN));
    }
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some((a, b)) => {
            (a.is_empty() || is_digit_part(a))
                && (b.is_empty() || is_digit_part(b))
                && !(a.is_empty() && b.is_empty())
        }
        None => is_digit_part(mantissa),
    };
    let exponent_ok =
        exponent.is_none_or(|e| is_digit_part(e.strip_prefix(['+', '-']).unwrap_or(e)));
    if !mantissa_ok || !exponent_ok {
        return None;
    }
    let clean: String = to_ascii_digits(body)
        .chars()
        .filter(|c| *c != '_')
        .collect();
    clean.parse::<f64>().ok().map(|f| py_float_value(sign * f))
}

/// Python `json.dumps(v)` with its defaults: `", "` and `": "` separators,
/// non-ASCII escaped as `\uXXXX`, floats as their `repr`.
pub fn py_json_dumps(v: &Value) -> String {
    let mut out = String::new();
    json_dumps_into(v, &mut out);
    out
}

fn json_dumps_into(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(_) => out.push_str(&py_repr(v)),
        Value::String(s) => {
            out.push('"');
            for c in s.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    '\u{8}' => out.push_str("\\b"),
                    '\u{c}' => out.push_str("\\f"),
                    ' '..='~' => out.push(c),
                    _ => {
                        let mut units = [0u16; 2];
                        for u in c.encode_utf16(&mut units) {
                            out.push_str(&format!("\\u{u:04x}"));
                        }
                    }
                }
            }
            out.push('"');
        }
        Value::Array(xs) => {
            out.push('[');
            for (i, x) in xs.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                json_dumps_into(x, out);
            }
            out.push(']');
        }
        Value::Object(m) => {
            out.push('{');
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                json_dumps_into(&Value::String(k.clone()), out);
                out.push_str(": ");
                json_dumps_into(x, out);
            }
            out.push('}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::py::{py_contains, py_eq, py_str, standardize_value, PyType};
    use serde_json::json;

    #[test]
    fn python_number_parsing() {
        // Expected values are CPython 3.11 `int(s)` / `float(s)`.
        assert_eq!(py_int(" 12 "), Some(json!(12)));
        assert_eq!(py_int("-0012"), Some(json!(-12)));
        assert_eq!(py_int("1_000"), Some(json!(1000)));
        assert_eq!(py_int("+7"), Some(json!(7)));
        for bad in ["1__0", "_1", "1_", "1.0", "", "-", "0x10", "1e3"] {
            assert_eq!(py_int(bad), None, "{bad}");
        }
        let big = py_int("123456789012345678901234567890123456789012").unwrap();
        assert_eq!(PyType::of(&big), PyType::Int);
        assert_eq!(py_repr(&big), "123456789012345678901234567890123456789012");
        assert!(py_eq(&big, &big.clone()));
        assert!(py_eq(&py_int("1").unwrap(), &json!(1.0)));
        assert!(py_eq(
            &py_int("18446744073709551616").unwrap(),
            &json!(1.8446744073709552e19)
        ));
        assert!(!py_eq(&big, &json!(1)));
        assert_eq!(py_float("1.5"), Some(json!(1.5)));
        assert_eq!(py_float(".5"), Some(json!(0.5)));
        assert_eq!(py_float("5."), Some(json!(5.0)));
        assert_eq!(py_float("1_0.2_5e1_0"), Some(json!(102500000000.0)));
        // Other Unicode decimal digits count (Arabic-Indic, mathematical).
        assert_eq!(py_int("-\u{661}\u{660}"), Some(json!(-10)));
        assert_eq!(py_float("\u{1D7D7}.5"), Some(json!(9.5)));
        assert_eq!(decimal_value('\u{1D7CE}'), Some(0));
        assert_eq!(decimal_value('\u{1D7FF}'), Some(9));
        assert_eq!(decimal_value('\u{B2}'), None); // superscript two is No, not Nd
        assert!(is_digits("12\u{669}") && !is_digits("") && !is_digits("1a"));
        for bad in [".", "e5", "1e", "1.2.3", "1_.5", "0x1p3", "infinit", ""] {
            assert_eq!(py_float(bad), None, "{bad}");
        }
        let inf = py_float("-Infinity").unwrap();
        assert_eq!(PyType::of(&inf), PyType::Float);
        assert_eq!(py_repr(&inf), "-inf");
        assert!(py_eq(&inf, &py_float("-inf").unwrap()));
        let nan = py_float("nan").unwrap();
        assert_eq!(py_repr(&nan), "nan");
        assert!(!py_eq(&nan, &nan.clone()));
        assert_eq!(py_repr(&py_float("1e400").unwrap()), "inf");
        // A tagged number is no string to `in` or to standardize_string.
        assert!(py_contains(&json!("abc"), &inf).is_err());
        assert!(py_contains(&inf, &json!("a")).is_err());
        assert_eq!(standardize_value(&inf), inf);
    }

    #[test]
    fn python_text_helpers() {
        assert_eq!(py_strip("\u{1c} a b\n"), "a b");
        assert_eq!(py_inner("\"ab\""), "ab");
        assert_eq!(py_inner("\""), "");
        assert_eq!(py_inner("é"), "");
        assert_eq!(py_str(&json!("x")), "x");
        assert_eq!(py_str(&json!([1, "x"])), "[1, 'x']");
        assert_eq!(
            py_json_dumps(&json!({"a": [1, 2.0, null, true], "é\"": "\u{1F600}\n"})),
            r#"{"a": [1, 2.0, null, true], "\u00e9\"": "\ud83d\ude00\n"}"#
        );
    }
}
