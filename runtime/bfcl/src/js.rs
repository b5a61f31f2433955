//! Port of `bfcl_eval/eval_checker/ast_eval/type_convertor/js_type_converter.py`
//! (`bfcl-eval==2026.3.23`) and of `JS_TYPE_CONVERSION`
//! (`bfcl_eval/constants/type_mappings.py`).
//!
//! A JavaScript argument reaches the checker as the string of its source
//! (`"[1, 2]"`, `"{a: 1}"`, `"5n"`); [`convert`] turns it into the Python
//! value the checker compares, or leaves it a string where it does not
//! parse ("default to string"). As in [`crate::java`], Python's `$` before a
//! final newline is kept where it changes the outcome (`"5n\n"` for a
//! Bigint raises, as `int("5n")` does).

use crate::py::{py_int_value, PyException, PyResult, PyType};
use crate::py_text::{is_digits, py_float, py_inner, py_int, py_isspace, py_strip};
use regex::Regex;
use serde_json::{Map, Value};
use std::sync::LazyLock;

/// `JS_TYPE_CONVERSION[js_type]`: the Python type a converted value has.
pub fn type_conversion(js_type: &str) -> Option<PyType> {
    let t = match js_type {
        "String" | "any" => PyType::Str,
        "integer" | "Bigint" => PyType::Int,
        "float" => PyType::Float,
        "Boolean" => PyType::Bool,
        "dict" => PyType::Dict,
        "array" => PyType::List,
        _ => return None,
    };
    Some(t)
}

fn value_error(what: String) -> PyException {
    PyException(format!("ValueError: {what}"))
}

/// `^-?\d+$` / `^-?\d+(\.\d+)?$` (Python's `$` may stand before a final newline).
fn is_number_literal(s: &str, fraction_allowed: bool) -> bool {
    let s = s.strip_suffix('\n').unwrap_or(s);
    let s = s.strip_prefix('-').unwrap_or(s);
    match s.split_once('.') {
        Some((int, frac)) => fraction_allowed && is_digits(int) && is_digits(frac),
        None => is_digits(s),
    }
}

/// Port of `js_type_converter(value, expected_type, nested_type)`.
pub fn convert(value: &str, expected_type: &str, nested_type: Option<&str>) -> PyResult<Value> {
    if type_conversion(expected_type).is_none() {
        return Err(value_error(format!("Unsupported type: {expected_type}")));
    }
    let text = || Value::String(value.to_owned());
    let parse_error = |s: &str| value_error(format!("invalid literal for int(): {s:?}"));
    Ok(match expected_type {
        "String" => {
            let quoted = (value.starts_with('"') && value.ends_with('"'))
                || (value.starts_with('\'') && value.ends_with('\''));
            if quoted {
                Value::String(py_inner(value).to_owned())
            } else {
                text()
            }
        }
        "integer" => {
            if !is_number_literal(value, false) {
                return Ok(text());
            }
            py_int(value).ok_or_else(|| parse_error(value))?
        }
        "float" => {
            if !is_number_literal(value, true) {
                return Ok(text());
            }
            py_float(value).ok_or_else(|| parse_error(value))?
        }
        "Bigint" => {
            let s = value.strip_suffix('\n').unwrap_or(value);
            let Some(digits) = s.strip_suffix('n') else {
                return Ok(text());
            };
            if !is_number_literal(digits, false) {
                return Ok(text());
            }
            // Python's `int(value[:-1])`: with a final newline that drops
            // the newline, not the `n`, and int() raises.
            let cut = &value[..value.len() - 1];
            if cut != digits {
                return Err(parse_error(cut));
            }
            py_int_value(digits)
        }
        "Boolean" => match value {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => text(),
        },
        "dict" => parse_dict(py_strip(value)),
        "array" => parse_array(py_strip(value), nested_type),
        _ => text(), // "any"
    })
}

static ARRAY_2D: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:\[\s*\[.*?\]\s*(?:,\s*\[.*?\]\s*)*\]|\bnew\s+Array\(\s*\[.*?\]\s*(?:,\s*\[.*?\]\s*)*\))",
    )
    .expect("the 2D array pattern compiles")
});
static INNER_ARRAY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\[(.*?)\]").expect("the inner array pattern compiles"));
static ARRAY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:\[(.*?)\]|\bnew\s+Array\((.*?)\))").expect("the array pattern compiles")
});
static DICT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\{(.*?)\}").expect("the dict pattern compiles"));

/// The array branch of `parse_js_collection` on stripped `code`: a 2D
/// array, else a 1D one, else the code itself (also when converting an
/// element raises: Python's bare `except`).
fn parse_array(code: &str, nested_type: Option<&str>) -> Value {
    if let Some(m) = ARRAY_2D.find(code) {
        let rows = INNER_ARRAY
            .captures_iter(m.as_str())
            .enumerate()
            .map(|(idx, inner)| {
                let mut row = py_strip(&inner[1]);
                if idx == 0 {
                    row = row.strip_prefix('[').unwrap_or(row);
                }
                Value::Array(row.split(',').map(parse_js_value).collect())
            })
            .collect();
        return Value::Array(rows);
    }
    let Some(m) = ARRAY.captures(code) else {
        return Value::String(code.to_owned());
    };
    let inside = py_strip(m.get(1).or_else(|| m.get(2)).map_or("", |g| g.as_str()));
    let elements: Vec<&str> = if inside.is_empty() {
        Vec::new()
    } else {
        inside.split(',').map(py_strip).collect()
    };
    let converted: PyResult<Vec<Value>> = elements
        .iter()
        .map(|e| match nested_type {
            Some(t) if !t.is_empty() => {
                let quoted = e.starts_with('\'') || e.starts_with('"');
                convert(e, t, quoted.then_some("String"))
            }
            _ => Ok(parse_js_value(e)),
        })
        .collect();
    converted.map_or_else(|_| Value::String(code.to_owned()), Value::Array)
}

/// The dict branch of `parse_js_collection` on stripped `code`:
/// `{key: value, ...}` up to the first `}`.
fn parse_dict(code: &str) -> Value {
    if code == "{}" {
        return Value::Object(Map::new());
    }
    let Some(m) = DICT.captures(code) else {
        return Value::String(code.to_owned());
    };
    let mut dict = Map::new();
    for (key, value) in dict_pairs(&m[1]) {
        let key = py_strip(key).trim_matches(['\'', '"']);
        let value = py_strip(value);
        let parsed = if value.starts_with('[') && value.ends_with(']') {
            parse_array(value, None)
        } else if value.starts_with('{') && value.ends_with('}') {
            parse_dict(value)
        } else {
            parse_js_value(value.trim_matches(['\'', '"']))
        };
        dict.insert(key.to_owned(), parsed);
    }
    Value::Object(dict)
}

/// `re.findall(r"([^:]+):\s*(.*?)(?:,\s*(?=[^,]+:)|$)", content)` (the regex
/// crate has no lookahead). `content` holds no newline (it was matched by
/// `.*?`), so `$` is the end and `.` any character.
fn dict_pairs(content: &str) -> Vec<(&str, &str)> {
    let chars: Vec<(usize, char)> = content.char_indices().collect();
    let n = chars.len();
    let offset = |i: usize| chars.get(i).map_or(content.len(), |c| c.0);
    // `(?=[^,]+:)` at i: a ':' after i with no ',' from i on before it.
    let lookahead = |i: usize| {
        for (k, &(_, c)) in chars.iter().enumerate().skip(i) {
            if c == ',' {
                return false;
            }
            if c == ':' && k > i {
                return true;
            }
        }
        false
    };
    let skip_space = |mut i: usize| {
        while i < n && py_isspace(chars[i].1) {
            i += 1;
        }
        i
    };
    let mut pairs = Vec::new();
    let mut pos = 0;
    // Each match starts at the first character from `pos` on that is not a
    // ':' (`[^:]+` takes everything up to the next ':', which must exist).
    while let Some(start) = (pos..n).find(|&i| chars[i].1 != ':') {
        let Some(colon) = (start..n).find(|&i| chars[i].1 == ':') else {
            break;
        };
        let value_start = skip_space(colon + 1);
        // `(.*?)` as short as possible: stop at the first `,\s*` that the
        // lookahead accepts (with `\s*` giving back spaces), or at the end.
        let (stop, end) = (value_start..=n)
            .find_map(|stop| {
                if stop == n {
                    return Some((n, n));
                }
                if chars[stop].1 != ',' {
                    return None;
                }
                (stop + 1..=skip_space(stop + 1))
                    .rev()
                    .find(|&i| lookahead(i))
                    .map(|end| (stop, end))
            })
            .unwrap_or((n, n));
        pairs.push((
            &content[offset(start)..offset(colon)],
            &content[offset(value_start)..offset(stop)],
        ));
        pos = end;
    }
    pairs
}

/// Port of `parse_js_value`: a literal of unknown type.
fn parse_js_value(s: &str) -> Value {
    let s = py_strip(s);
    if s == "true" {
        return Value::Bool(true);
    }
    if s == "false" {
        return Value::Bool(false);
    }
    if (s.starts_with('"') && s.ends_with('"')) || (s.starts_with('\'') && s.ends_with('\'')) {
        return Value::String(py_inner(s).to_owned());
    }
    py_int(s)
        .or_else(|| py_float(s))
        .unwrap_or_else(|| Value::String(s.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn conv(value: &str, t: &str, nested: Option<&str>) -> Value {
        convert(value, t, nested).expect("converts")
    }

    /// The asserts of the test functions in the Python module.
    #[test]
    fn python_module_examples() {
        assert_eq!(conv("true", "Boolean", None), json!(true));
        assert_eq!(conv("123", "integer", None), json!(123));
        assert_eq!(conv("-1.25", "float", None), json!(-1.25));
        assert_eq!(conv("123n", "Bigint", None), json!(123));
        assert_eq!(conv("abc", "String", None), json!("abc"));
        assert_eq!(conv("[1, 2, 3]", "array", None), json!([1, 2, 3]));
        assert_eq!(conv("new Array(1, 2, 3)", "array", None), json!([1, 2, 3]));
        assert_eq!(
            conv("{'key': 'value'}", "dict", None),
            json!({"key": "value"})
        );
        assert_eq!(conv("{'key': true}", "dict", None), json!({"key": true}));
        assert_eq!(conv("[]", "array", None), json!([]));
        assert_eq!(conv("{}", "dict", None), json!({}));
        assert_eq!(
            conv("[1, 'two', true]", "array", None),
            json!([1, "two", true])
        );
        assert_eq!(
            conv(
                "{'key1': 123, 'key2': 'value', 'key3': false}",
                "dict",
                None
            ),
            json!({"key1": 123, "key2": "value", "key3": false})
        );
        assert_eq!(
            conv("new Array(4n, 5n)", "array", Some("Bigint")),
            json!([4, 5])
        );
        assert_eq!(
            conv(r#"["hello", "world", "!"]"#, "array", Some("String")),
            json!(["hello", "world", "!"])
        );
        assert_eq!(
            conv(" [ [ 1, 2 ], [ 3,   4], [5, 6]]", "array", Some("array")),
            json!([[1, 2], [3, 4], [5, 6]])
        );
        assert_eq!(
            conv("new Array([1, 2], [3, 4])", "array", Some("array")),
            json!([[1, 2], [3, 4]])
        );
        let complex = conv(
            r#"{"initialState": initialStateObject, "reducers": reducersMap, "middlewares": ["loggerMiddleware"], "enhancers": ["applyMiddleware", "myMiddleWare"]}"#,
            "dict",
            None,
        );
        assert_eq!(
            complex,
            json!({"initialState": "initialStateObject", "reducers": "reducersMap",
                   "middlewares": ["loggerMiddleware"],
                   "enhancers": ["applyMiddleware", "myMiddleWare"]})
        );
    }

    #[test]
    fn python_quirks() {
        // The lazy value stops at a comma only when a `key:` follows.
        assert_eq!(
            conv("{a: 1, 2, b: x}", "dict", None),
            json!({"a": "1, 2", "b": "x"})
        );
        // The dict ends at the first '}'.
        assert_eq!(
            conv("{a: {b: 1}, c: 2}", "dict", None),
            json!({"a": "{b: 1"})
        );
        // Elements that do not parse stay strings; one whose conversion
        // raises leaves the whole (stripped) array a string.
        assert_eq!(conv("[1, 5n]", "array", Some("Bigint")), json!(["1", 5]));
        assert_eq!(conv(" [1, x] ", "array", Some("nope")), json!("[1, x]"));
        assert_eq!(conv("[1,\n2]", "array", None), json!("[1,\n2]"));
        assert_eq!(conv("[[]]", "array", None), json!([[""]]));
        assert_eq!(conv("'a\"", "String", None), json!("'a\""));
        assert_eq!(conv("1.5\n", "float", None), json!(1.5));
        assert!(convert("5n\n", "Bigint", None).is_err());
        assert!(convert("5", "int", None).is_err());
    }
}
