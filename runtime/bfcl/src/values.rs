//! Per-parameter rules of the BFCL AST checker: the language branch that
//! types (and for Java/JS converts) a value, the type check and the value
//! checks for strings, lists, dicts and lists of dicts. Each function
//! ports the Python function of the same name in
//! `bfcl_eval/eval_checker/ast_eval/ast_checker.py` (`bfcl-eval==2026.3.23`)
//! statement by statement, including its quirks (a failed nested type check
//! falls through to the simple one; `""` in a list of candidates means an
//! empty list to `list_checker`; `dict_checker` reports on the last
//! candidate).

use crate::ast::{field, Verdict};
use crate::data::Language;
use crate::py::{
    py_contains, py_eq, py_in_list, py_items, py_repr, py_repr_list, repr_str, standardize_string,
    standardize_value, PyException, PyResult, PyType,
};
use crate::{java, js};
use serde_json::Value;

/// `PYTHON_TYPE_MAPPING[description]`.
pub fn python_type(description: &Value) -> PyResult<PyType> {
    let t = match description.as_str() {
        Some("string") | Some("any") => PyType::Str,
        Some("integer") => PyType::Int,
        Some("float") => PyType::Float,
        Some("boolean") => PyType::Bool,
        Some("array") | Some("tuple") => PyType::List,
        Some("dict") => PyType::Dict,
        _ => return Err(PyException(format!("KeyError: {}", py_repr(description)))),
    };
    Ok(t)
}

/// A parameter's value as the rules compare it, with the Python type its
/// declared type maps to and, for arrays, the type of its elements.
pub struct Typed {
    pub value: Value,
    pub expected: PyType,
    pub nested: Option<PyType>,
}

/// `JAVA_TYPE_CONVERSION` or `JS_TYPE_CONVERSION`: a declared type's Python type.
type Conversion = fn(&str) -> Option<PyType>;

/// `java_type_converter` or `js_type_converter`: (source, type, element type).
type Converter = fn(&str, &str, Option<&str>) -> PyResult<Value>;

/// The language branch of `simple_function_checker` for one parameter:
/// Python maps the declared type (`PYTHON_TYPE_MAPPING`) and widens an int
/// to a declared float; Java and JavaScript require a string and convert it
/// (`java_type_converter` / `js_type_converter`). `Err(verdict)` when the
/// value is not a string of source text.
pub fn typed_value(
    language: Language,
    param: &str,
    details: &Value,
    type_description: &Value,
    value: &Value,
) -> PyResult<Result<Typed, Verdict>> {
    let description = type_description.as_str();
    let item_type = || field(field(details, "items")?, "type");
    let key_error = |v: &Value| PyException(format!("KeyError: {}", py_repr(v)));
    if language == Language::Python {
        let expected = python_type(type_description)?;
        let nested = if matches!(description, Some("array" | "tuple")) {
            Some(python_type(item_type()?)?)
        } else {
            None
        };
        // Allow Python's auto conversion from int to float (not bool).
        let value = if description == Some("float") && PyType::of(value) == PyType::Int {
            Value::from(value.as_f64().unwrap_or_default())
        } else {
            value.clone()
        };
        return Ok(Ok(Typed {
            value,
            expected,
            nested,
        }));
    }
    let (conversion, convert, error_type): (Conversion, Converter, &str) = match language {
        Language::Java => (java::type_conversion, java::convert, "type_error:java"),
        _ => (js::type_conversion, js::convert, "type_error:js"),
    };
    let (Some(t), Some(expected)) = (description, description.and_then(conversion)) else {
        return Err(key_error(type_description));
    };
    let Value::String(source) = value else {
        let msg = format!(
            "Incorrect type for parameter {}. Expected type String, got {}. Parameter value: {}.",
            repr_str(param),
            PyType::of(value).name(),
            py_repr(value)
        );
        return Ok(Err(Verdict::invalid(error_type, vec![msg])));
    };
    let (value, nested) = if matches!(t, "Array" | "ArrayList" | "array") {
        let nested_type = item_type()?;
        let n = nested_type.as_str();
        let (Some(n), Some(nested)) = (n, n.and_then(conversion)) else {
            return Err(key_error(nested_type));
        };
        (convert(source, t, Some(n))?, Some(nested))
    } else {
        (convert(source, t, None)?, None)
    };
    Ok(Ok(Typed {
        value,
        expected,
        nested,
    }))
}

/// Result of `type_checker`: the verdict plus its `is_variable` flag.
pub struct TypeCheck {
    pub verdict: Verdict,
    pub is_variable: bool,
}

/// Port of `get_possible_answer_type`: the type of the first candidate that
/// is not `""`.
fn possible_answer_type(possible_answer: &[Value]) -> Option<PyType> {
    possible_answer
        .iter()
        .find(|a| !py_eq(a, &Value::String(String::new())))
        .map(PyType::of)
}

fn incorrect_type(param: &str, value: &Value, expected_description: &str) -> String {
    format!(
        "Incorrect type for parameter {}. Expected type {expected_description}, got {}. Parameter value: {}.",
        repr_str(param),
        PyType::of(value).name(),
        py_repr(value)
    )
}

/// Port of `type_checker` (nested check one level deep, as in Python).
pub fn type_checker(
    param: &str,
    value: &Value,
    possible_answer: &[Value],
    expected_description: &str,
    expected: PyType,
    nested: Option<PyType>,
) -> TypeCheck {
    // `None` until a nested check fails (Python's `result` is still valid).
    let mut nested_failure: Option<Verdict> = None;
    let pa_type = possible_answer_type(possible_answer);
    // A candidate of another type than declared marks a "variable" answer.
    let is_variable = pa_type.is_some_and(|t| t != expected);

    if PyType::of(value) == expected {
        let Some(inner) = nested else {
            return TypeCheck {
                verdict: Verdict::valid(),
                is_variable,
            };
        };
        let items = value.as_array().map(Vec::as_slice).unwrap_or_default();
        for candidate in possible_answer {
            let mut flag = true;
            if let Value::Array(candidate_items) = candidate {
                for item in items {
                    let r = type_checker(
                        param,
                        item,
                        candidate_items,
                        &inner.class_str(),
                        inner,
                        None,
                    );
                    if !r.verdict.valid {
                        flag = false;
                        break;
                    }
                }
            }
            if flag {
                return TypeCheck {
                    verdict: Verdict::valid(),
                    is_variable,
                };
            }
        }
        let msg = format!(
            "Nested type checking failed for parameter {}. Expected outer type {expected_description} with inner type {}. Parameter value: {}.",
            repr_str(param),
            inner.class_str(),
            py_repr(value)
        );
        nested_failure = Some(Verdict::invalid("type_error:nested", vec![msg]));
    }

    // Python falls through here after a failed nested check too.
    if pa_type == Some(PyType::of(value)) {
        return TypeCheck {
            verdict: nested_failure.unwrap_or_else(Verdict::valid),
            is_variable: true,
        };
    }
    let mut errors = nested_failure.map(|v| v.errors).unwrap_or_default();
    errors.push(incorrect_type(param, value, expected_description));
    TypeCheck {
        verdict: Verdict::invalid("type_error:simple", errors),
        is_variable: false,
    }
}

/// Port of `string_checker`: membership after `standardize_string` on both sides.
pub fn string_checker(param: &str, model_output: &str, possible_answer: &[Value]) -> Verdict {
    let out = standardize_string(model_output);
    let found = possible_answer
        .iter()
        .filter_map(Value::as_str)
        .any(|a| standardize_string(a) == out);
    if found {
        return Verdict::valid();
    }
    let msg = format!(
        "Invalid value for parameter {}: {}. Expected one of {}. Case insensitive.",
        repr_str(param),
        repr_str(model_output),
        py_repr_list(possible_answer)
    );
    Verdict::invalid("value_error:string", vec![msg])
}

/// Port of `list_checker`: the standardized list must equal one standardized
/// candidate, order included.
pub fn list_checker(
    param: &str,
    model_output: &[Value],
    possible_answer: &[Value],
) -> PyResult<Verdict> {
    let out = Value::Array(model_output.iter().map(standardize_value).collect());
    let mut candidates = Vec::with_capacity(possible_answer.len());
    for a in possible_answer {
        let items = py_items(a)?;
        candidates.push(Value::Array(items.iter().map(standardize_value).collect()));
    }
    if py_in_list(&out, &candidates) {
        return Ok(Verdict::valid());
    }
    let msg = format!(
        "Invalid value for parameter {}: {}. Expected one of {}.",
        repr_str(param),
        py_repr_list(model_output),
        py_repr_list(possible_answer)
    );
    Ok(Verdict::invalid("value_error:list/tuple", vec![msg]))
}

/// Python `d[key]` for a candidate that should be a dict.
fn getitem<'a>(d: &'a Value, key: &str) -> PyResult<&'a Value> {
    match d {
        Value::Object(m) => m
            .get(key)
            .ok_or_else(|| PyException(format!("KeyError: {}", repr_str(key)))),
        other => Err(PyException(format!(
            "TypeError: {} indices must be integers",
            PyType::of(other).name()
        ))),
    }
}

fn as_dict(v: &Value) -> PyResult<&serde_json::Map<String, Value>> {
    v.as_object().ok_or_else(|| {
        PyException(format!(
            "AttributeError: '{}' object has no attribute 'items'",
            PyType::of(v).name()
        ))
    })
}

/// Port of `dict_checker`: every key of the model's dict must be a key of a
/// candidate with an allowed (standardized) value, and every candidate key
/// must be present unless `""` is allowed. The verdict of the last candidate
/// tried is returned on failure.
pub fn dict_checker(
    _param: &str,
    model_output: &Value,
    possible_answers: &[Value],
) -> PyResult<Verdict> {
    let empty = Value::String(String::new());
    let mut result = Verdict::invalid("dict_checker:unclear", Vec::new());
    for candidate in possible_answers {
        if py_eq(candidate, &empty) {
            continue;
        }
        result = Verdict::invalid("dict_checker:unclear", Vec::new());
        let mut flag = true;
        for (key, value) in as_dict(model_output)? {
            if !py_contains(candidate, &Value::String(key.clone()))? {
                result
                    .errors
                    .push(format!("Unexpected dict key parameter: '{key}'."));
                result.error_type = Some("value_error:dict_key".into());
                flag = false;
                break;
            }
            let std_value = standardize_value(value);
            let allowed: Vec<Value> = py_items(getitem(candidate, key)?)?
                .iter()
                .map(standardize_value)
                .collect();
            if !py_in_list(&std_value, &allowed) {
                result.errors.push(format!(
                    "Invalid value for parameter {}: {}. Expected one of {}.",
                    repr_str(key),
                    py_repr(value),
                    py_repr_list(&allowed)
                ));
                result.error_type = Some("value_error:dict_value".into());
                flag = false;
                break;
            }
        }
        let model_keys = as_dict(model_output)?;
        for (key, value) in as_dict(candidate)? {
            if !model_keys.contains_key(key) && !py_contains(value, &empty)? {
                result
                    .errors
                    .push(format!("Missing dict key parameter: '{key}'."));
                result.error_type = Some("value_error:dict_key".into());
                flag = false;
                break;
            }
        }
        if flag {
            return Ok(Verdict::valid());
        }
    }
    Ok(result)
}

/// Python `len(v)`.
fn py_len(v: &Value) -> PyResult<usize> {
    match v {
        Value::Object(m) => Ok(m.len()),
        other => py_items(other).map(|xs| xs.len()),
    }
}

/// Python `v[i]` for an int index.
fn py_index(v: &Value, i: usize) -> PyResult<Value> {
    match v {
        Value::Object(_) => Err(PyException(format!("KeyError: {i}"))),
        other => py_items(other)?
            .get(i)
            .cloned()
            .ok_or_else(|| PyException("IndexError: list index out of range".into())),
    }
}

/// Port of `list_dict_checker`: same length as a candidate, and each dict
/// passes `dict_checker` against the candidate's dict at the same index.
pub fn list_dict_checker(
    param: &str,
    model_output: &[Value],
    possible_answers: &[Value],
) -> PyResult<Verdict> {
    let mut result = Verdict::invalid("list_dict_checker:unclear", Vec::new());
    for candidate in possible_answers {
        let mut flag = true;
        if model_output.len() != py_len(candidate)? {
            result = Verdict::invalid(
                "value_error:list_dict_count",
                vec!["Wrong number of dictionaries in the list.".into()],
            );
            continue;
        }
        for (i, item) in model_output.iter().enumerate() {
            result = dict_checker(param, item, &[py_index(candidate, i)?])?;
            if !result.valid {
                flag = false;
                break;
            }
        }
        if flag {
            return Ok(Verdict::valid());
        }
    }
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn int_list_for_float_items_fails_nested_check() {
        // type_checker does not widen items: [1, 2] for array<float> against
        // float candidates is a nested type error (as in Python).
        let cands = [json!([1.0, 2.0])];
        let v = json!([1, 2]);
        let r = type_checker("xs", &v, &cands, "array", PyType::List, Some(PyType::Float));
        assert_eq!(r.verdict.error_type.as_deref(), Some("type_error:nested"));
        // `""` among the candidates short-circuits the nested check.
        let cands = [json!(""), json!([1.0, 2.0])];
        let r = type_checker("xs", &v, &cands, "array", PyType::List, Some(PyType::Float));
        assert!(r.verdict.valid);
    }

    #[test]
    fn malformed_candidates_raise() {
        // A string candidate for a dict parameter: Python's `possible_answer[key]`
        // on a str raises TypeError.
        let r = dict_checker("d", &json!({"a": 1}), &[json!("a")]);
        assert!(r.unwrap_err().0.starts_with("TypeError"));
        // A number among list candidates: `len(3)` raises.
        assert!(list_checker("l", &[json!(1)], &[json!(3)]).is_err());
        // A non-dict model element reaching dict_checker raises AttributeError.
        let r = list_dict_checker("l", &[json!("x")], &[json!([{"a": [1]}])]);
        assert!(r.unwrap_err().0.starts_with("AttributeError"));
        assert!(python_type(&json!("object")).is_err());
    }

    #[test]
    fn empty_string_candidate_is_empty_list_for_list_checker() {
        assert!(
            list_checker("l", &[], &[json!(""), json!(["a"])])
                .unwrap()
                .valid
        );
        let r = dict_checker("d", &json!({}), &[json!("")]).unwrap();
        assert_eq!(r.error_type.as_deref(), Some("dict_checker:unclear"));
    }
}
