//! The BFCL AST checker: a port of
//! `bfcl_eval/eval_checker/ast_eval/ast_checker.py` (`bfcl-eval==2026.3.23`)
//! for Python, Java and JavaScript functions, plus the output-format and
//! (ir)relevance rules of `eval_runner.py`. Verdicts carry the same
//! `error_type` strings and error messages as the Python checker, so results
//! can be compared one to one (`tests/fixtures/verdicts.jsonl` holds the
//! official verdicts).
//!
//! Java and JavaScript arguments must be strings of source text; the type
//! converters ([`crate::java`], [`crate::js`]) turn them into the values the
//! rules compare.
//!
//! Where Python would raise (malformed ground truth or a model value that
//! slips past the type check into a checker that cannot handle it), the
//! verdict is invalid with `error_type` [`EXCEPTION`].

use crate::data::{BfclEntry, Category, Language};
use crate::py::{py_contains, py_items, py_repr, repr_str, PyException, PyResult, PyType};
use crate::values::{
    dict_checker, list_checker, list_dict_checker, string_checker, type_checker, typed_value,
};
use serde_json::{json, Map, Value};

/// `error_type` of a verdict where the Python checker would have raised.
pub const EXCEPTION: &str = "ast_checker:exception";

/// The checker's answer for one entry (Python's `{"valid", "error", "error_type"}`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub valid: bool,
    /// `None` when valid.
    pub error_type: Option<String>,
    pub errors: Vec<String>,
}

impl Verdict {
    pub fn valid() -> Verdict {
        Verdict {
            valid: true,
            error_type: None,
            errors: Vec::new(),
        }
    }

    pub fn invalid(error_type: &str, errors: Vec<String>) -> Verdict {
        Verdict {
            valid: false,
            error_type: Some(error_type.to_owned()),
            errors,
        }
    }

    fn exception(e: PyException) -> Verdict {
        Verdict::invalid(EXCEPTION, vec![e.0])
    }

    /// Verdict when the model output could not be decoded into calls
    /// (`eval_runner.py`): right for irrelevance, wrong everywhere else.
    pub fn decode_failed(category: Category, reason: &str) -> Verdict {
        if category.is_irrelevance() {
            return Verdict::valid();
        }
        if category.is_relevance() {
            return relevance_failed(reason);
        }
        let msg = format!("Invalid syntax. Failed to decode AST. {reason}");
        Verdict::invalid("ast_decoder:decoder_failed", vec![msg])
    }
}

/// A decoded model call: a function name and its arguments (a JSON object
/// for a well-formed call). Implemented for `(String, Value)`; the runtime
/// implements it for `tools::ToolCall`.
pub trait DecodedCall {
    fn name(&self) -> &str;
    fn arguments(&self) -> &Value;
}

impl DecodedCall for (String, Value) {
    fn name(&self) -> &str {
        &self.0
    }
    fn arguments(&self) -> &Value {
        &self.1
    }
}

/// Checker options that depend on the model handler.
#[derive(Clone, Copy, Debug, Default)]
pub struct CheckOptions {
    /// The model was shown `math_factorial` for `math.factorial`
    /// (`underscore_to_dot` in BFCL's model config; see `convert_func_name`).
    pub underscore_to_dot: bool,
}

/// What the checker needs besides the docs and calls: the category's
/// language (`language` of `ast_checker`) and the handler's options.
#[derive(Clone, Copy, Debug)]
struct Rules {
    language: Language,
    opts: CheckOptions,
}

/// One model call viewed as Python's `{name: {param: value}}`.
struct Call<'a> {
    name: &'a str,
    args: &'a Map<String, Value>,
}

impl Call<'_> {
    fn as_value(&self) -> Value {
        let mut m = Map::new();
        m.insert(self.name.to_owned(), Value::Object(self.args.clone()));
        Value::Object(m)
    }
}

/// Port of `is_function_calling_format_output` (`bfcl_eval/utils.py`) on
/// decoded calls: every call's arguments must be a dict.
fn as_python_calls<C: DecodedCall>(calls: &[C]) -> Option<Vec<Call<'_>>> {
    calls
        .iter()
        .map(|c| {
            c.arguments().as_object().map(|args| Call {
                name: c.name(),
                args,
            })
        })
        .collect()
}

/// Checks decoded model calls against a BFCL entry's functions and ground
/// truth (`_evaluate_single_ast_entry` / `_evaluate_single_relevance_entry`
/// of `eval_runner.py`, then `ast_checker`).
pub fn check<C: DecodedCall>(
    category: Category,
    functions: &[Value],
    ground_truth: Option<&[Value]>,
    calls: &[C],
    opts: CheckOptions,
) -> Verdict {
    if category.is_irrelevance() {
        return irrelevance_checker(calls);
    }
    if category.is_relevance() {
        return relevance_checker(calls);
    }
    let Some(calls) = as_python_calls(calls) else {
        let msg = "Did not output in the specified format. Note: the model_result is wrapped in a string to ensure json serializability.";
        return Verdict::invalid("ast_decoder:decoder_wrong_output_format", vec![msg.into()]);
    };
    let Some(gt) = ground_truth else {
        return Verdict::exception(PyException("no ground truth for this entry".into()));
    };
    let rules = Rules {
        language: category.language(),
        opts,
    };
    ast_checker(functions, &calls, gt, category, rules).unwrap_or_else(Verdict::exception)
}

/// [`check`] on a loaded entry.
pub fn check_entry<C: DecodedCall>(entry: &BfclEntry, calls: &[C], opts: CheckOptions) -> Verdict {
    let gt = entry.ground_truth.as_deref();
    check(entry.category, &entry.functions, gt, calls, opts)
}

/// `is_empty_output` (`bfcl_eval/utils.py`) on decoded calls.
fn is_empty_output<C: DecodedCall>(calls: &[C]) -> bool {
    match as_python_calls(calls) {
        None => true,
        Some(c) => c.is_empty(),
    }
}

/// Port of the irrelevance branch of `_evaluate_single_relevance_entry`:
/// passes when the output holds no call (`is_empty_output`). A decode
/// failure also passes; see [`Verdict::decode_failed`].
pub fn irrelevance_checker<C: DecodedCall>(calls: &[C]) -> Verdict {
    if is_empty_output(calls) {
        return Verdict::valid();
    }
    let msg = "Valid syntax. Successfully decode AST when it should not.";
    Verdict::invalid("irrelevance_error:decoder_success", vec![msg.into()])
}

/// Port of the relevance branch of `_evaluate_single_relevance_entry`:
/// passes when the output holds at least one call, whatever it is. A
/// decode failure fails; see [`Verdict::decode_failed`].
pub fn relevance_checker<C: DecodedCall>(calls: &[C]) -> Verdict {
    if is_empty_output(calls) {
        // Decoded, so Python's `decode_error` is still None.
        return relevance_failed("None");
    }
    Verdict::valid()
}

fn relevance_failed(decode_error: &str) -> Verdict {
    let msg = format!("Invalid syntax. Failed to decode AST when it should have. {decode_error}");
    Verdict::invalid("relevance_error:decoder_failed", vec![msg])
}

fn wrong_count(error_type: &str) -> Verdict {
    Verdict::invalid(error_type, vec!["Wrong number of functions.".into()])
}

/// Port of `ast_checker`: dispatch on the category name.
fn ast_checker(
    functions: &[Value],
    calls: &[Call<'_>],
    ground_truth: &[Value],
    category: Category,
    rules: Rules,
) -> PyResult<Verdict> {
    let name = category.name();
    if name.contains("parallel") {
        parallel_function_checker_no_order(functions, calls, ground_truth, rules)
    } else if name.contains("multiple") {
        multiple_function_checker(functions, calls, ground_truth, rules)
    } else {
        if calls.len() != 1 {
            return Ok(wrong_count("simple_function_checker:wrong_count"));
        }
        let fd = functions
            .first()
            .ok_or_else(|| PyException("IndexError: list index out of range".into()))?;
        let gt = ground_truth
            .first()
            .ok_or_else(|| PyException("IndexError: list index out of range".into()))?;
        simple_function_checker(Some(fd), &calls[0], gt, rules)
    }
}

/// Port of `find_description`.
fn find_description<'a>(functions: &'a [Value], name: &str) -> Option<&'a Value> {
    functions
        .iter()
        .find(|f| f.get("name").and_then(Value::as_str) == Some(name))
}

/// The function name and parameter dict of a ground-truth call `{fn: {...}}`
/// (`list(possible_answer.keys())[0]`, `list(possible_answer.values())[0]`).
fn expected_call(possible_answer: &Value) -> PyResult<(&str, &Map<String, Value>)> {
    let (name, params) = possible_answer
        .as_object()
        .and_then(|m| m.iter().next())
        .ok_or_else(|| PyException("IndexError: list index out of range".into()))?;
    let params = params.as_object().ok_or_else(|| {
        PyException("AttributeError: ground-truth parameters are not a dict".into())
    })?;
    Ok((name, params))
}

/// Python `d[key]` on a function description.
pub(crate) fn field<'a>(v: &'a Value, key: &str) -> PyResult<&'a Value> {
    v.get(key)
        .ok_or_else(|| PyException(format!("KeyError: {}", repr_str(key))))
}

/// Port of `convert_func_name`.
fn convert_func_name(name: &str, opts: CheckOptions) -> String {
    if name.contains('.') && opts.underscore_to_dot {
        name.replace('.', "_")
    } else {
        name.to_owned()
    }
}

/// Port of `simple_function_checker`.
fn simple_function_checker(
    func_description: Option<&Value>,
    call: &Call<'_>,
    possible_answer: &Value,
    rules: Rules,
) -> PyResult<Verdict> {
    let (_, possible_answer) = expected_call(possible_answer)?;
    let fd = func_description
        .ok_or_else(|| PyException("TypeError: 'NoneType' object is not subscriptable".into()))?;
    let func_name = field(fd, "name")?.as_str().unwrap_or_default();
    let parameters = field(fd, "parameters")?;
    let param_details = field(parameters, "properties")?;
    let required = py_items(field(parameters, "required")?)?;
    let func_name = convert_func_name(func_name, rules.opts);

    if call.name != func_name {
        let msg = format!(
            "Function name {} not found in model output.",
            repr_str(&func_name)
        );
        return Ok(Verdict::invalid(
            "simple_function_checker:wrong_func_name",
            vec![msg],
        ));
    }
    let model_params = call.args;

    for param in &required {
        let present = param.as_str().is_some_and(|p| model_params.contains_key(p));
        if !present {
            let msg = format!("Missing required parameter: {}.", py_repr(param));
            return Ok(Verdict::invalid(
                "simple_function_checker:missing_required",
                vec![msg],
            ));
        }
    }

    for (param, value) in model_params {
        let key = Value::String(param.clone());
        if !py_contains(param_details, &key)? || !possible_answer.contains_key(param) {
            let msg = format!("Unexpected parameter: {}.", repr_str(param));
            return Ok(Verdict::invalid(
                "simple_function_checker:unexpected_param",
                vec![msg],
            ));
        }
        let details = field(param_details, param)?;
        let type_description = field(details, "type")?;
        let description = type_description.as_str().unwrap_or_default();
        let typed = match typed_value(rules.language, param, details, type_description, value)? {
            Ok(typed) => typed,
            Err(verdict) => return Ok(verdict),
        };
        let (value, expected, nested) = (&typed.value, typed.expected, typed.nested);

        let allowed_value = &possible_answer[param];
        let allowed = py_items(allowed_value)?;
        let tc = type_checker(param, value, &allowed, description, expected, nested);
        if !tc.verdict.valid {
            return Ok(tc.verdict);
        }

        if !tc.is_variable {
            let special = match (expected, nested, value) {
                (PyType::Dict, _, _) => Some(dict_checker(param, value, &allowed)?),
                (PyType::List, Some(PyType::Dict), Value::Array(items)) => {
                    Some(list_dict_checker(param, items, &allowed)?)
                }
                (PyType::Str, _, Value::String(s)) => Some(string_checker(param, s, &allowed)),
                (PyType::List, _, Value::Array(items)) => {
                    Some(list_checker(param, items, &allowed)?)
                }
                _ => None,
            };
            if let Some(result) = special {
                if !result.valid {
                    return Ok(result);
                }
                continue;
            }
        }

        if !py_contains(allowed_value, value)? {
            let msg = format!(
                "Invalid value for parameter {}: {}. Expected one of {}.",
                repr_str(param),
                py_repr(value),
                py_repr(allowed_value)
            );
            return Ok(Verdict::invalid("value_error:others", vec![msg]));
        }
    }

    let empty = Value::String(String::new());
    for (param, allowed) in possible_answer {
        if !model_params.contains_key(param) && !py_contains(allowed, &empty)? {
            let msg = format!(
                "Optional parameter {} not provided and not marked as optional.",
                repr_str(param)
            );
            return Ok(Verdict::invalid(
                "simple_function_checker:missing_optional",
                vec![msg],
            ));
        }
    }
    Ok(Verdict::valid())
}

/// Port of `parallel_function_checker_no_order`: each ground-truth call, in
/// order, takes the first unmatched model call that passes.
fn parallel_function_checker_no_order(
    functions: &[Value],
    calls: &[Call<'_>],
    possible_answers: &[Value],
    rules: Rules,
) -> PyResult<Verdict> {
    if calls.len() != possible_answers.len() {
        return Ok(wrong_count(
            "parallel_function_checker_no_order:wrong_count",
        ));
    }
    let mut matched: Vec<usize> = Vec::new();
    let mut result = Verdict::valid();
    for (i, answer) in possible_answers.iter().enumerate() {
        let (expected_name, _) = expected_call(answer)?;
        let fd = find_description(functions, expected_name);
        let mut all_errors = Vec::new();
        for (index, call) in calls.iter().enumerate() {
            if matched.contains(&index) {
                continue;
            }
            result = simple_function_checker(fd, call, answer, rules)?;
            if result.valid {
                matched.push(index);
                break;
            }
            let entry = json!({
                format!("Model Result Index {index}"): {
                    "sub_error": result.errors,
                    "sub_error_type": result.error_type,
                    "model_output_item": call.as_value(),
                    "possible_answer_item": answer,
                }
            });
            all_errors.push(py_repr(&entry));
        }
        if !result.valid {
            let considered: Vec<String> = (0..calls.len())
                .filter(|j| !matched.contains(j))
                .map(|j| j.to_string())
                .collect();
            let head = format!(
                "Could not find a matching function among index [{}] of model output for index {i} of possible answers.",
                considered.join(", ")
            );
            all_errors.insert(0, head);
            return Ok(Verdict::invalid(
                "parallel_function_checker_no_order:cannot_find_match",
                all_errors,
            ));
        }
    }
    Ok(Verdict::valid())
}

/// Port of `multiple_function_checker`: one call, checked against the
/// function named by the single ground-truth call.
fn multiple_function_checker(
    functions: &[Value],
    calls: &[Call<'_>],
    possible_answers: &[Value],
    rules: Rules,
) -> PyResult<Verdict> {
    if calls.len() != possible_answers.len() {
        return Ok(wrong_count("multiple_function_checker:wrong_count"));
    }
    let (Some(call), Some(answer)) = (calls.first(), possible_answers.first()) else {
        return Err(PyException("IndexError: list index out of range".into()));
    };
    let (expected_name, _) = expected_call(answer)?;
    simple_function_checker(
        find_description(functions, expected_name),
        call,
        answer,
        rules,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn funcs() -> Vec<Value> {
        vec![json!({"name": "math.hypot", "parameters": {"type": "dict",
            "properties": {"x": {"type": "float"}, "y": {"type": "float"},
                           "mode": {"type": "string"}},
            "required": ["x", "y"]}})]
    }

    fn call(name: &str, args: Value) -> Vec<(String, Value)> {
        vec![(name.to_owned(), args)]
    }

    #[test]
    fn simple_rules() {
        let gt = vec![json!({"math.hypot": {"x": [3.0], "y": [4.0], "mode": ["Fast", ""]}})];
        let check1 = |name: &str, args: Value, opts| {
            check(
                Category::SimplePython,
                &funcs(),
                Some(&gt),
                &call(name, args),
                opts,
            )
        };
        let d = CheckOptions::default();
        assert!(check1("math.hypot", json!({"x": 3, "y": 4.0}), d).valid);
        assert!(!check1("math.hypot", json!({"x": 3, "y": 4, "mode": "FAST!"}), d).valid);
        assert!(check1("math.hypot", json!({"x": 3, "y": 4, "mode": "f-a_st"}), d).valid);
        let u = CheckOptions {
            underscore_to_dot: true,
        };
        assert!(check1("math_hypot", json!({"x": 3.0, "y": 4.0}), u).valid);
        let v = check1("math.hypot", json!({"x": true, "y": 4.0}), d);
        assert_eq!(v.error_type.as_deref(), Some("type_error:simple"));
        let v = check1("math.hypot", json!("x=3"), d);
        assert_eq!(
            v.error_type.as_deref(),
            Some("ast_decoder:decoder_wrong_output_format")
        );
    }

    #[test]
    fn malformed_docs_give_exception_verdicts() {
        let gt = vec![json!({"math.hypot": {"x": [3.0]}})];
        let mut f = funcs();
        f[0]["parameters"]
            .as_object_mut()
            .expect("parameters is an object")
            .remove("required");
        let v = check(
            Category::Multiple,
            &f,
            Some(&gt),
            &call("math.hypot", json!({})),
            CheckOptions::default(),
        );
        assert_eq!(v.error_type.as_deref(), Some(EXCEPTION));
        let v = check(
            Category::Parallel,
            &funcs(),
            None,
            &call("f", json!({})),
            CheckOptions::default(),
        );
        assert_eq!(v.error_type.as_deref(), Some(EXCEPTION));
    }

    #[test]
    fn irrelevance_passes_only_without_calls() {
        let none: Vec<(String, Value)> = Vec::new();
        assert!(irrelevance_checker(&none).valid);
        assert!(irrelevance_checker(&call("f", json!("not an object"))).valid);
        let v = irrelevance_checker(&call("f", json!({})));
        assert_eq!(
            v.error_type.as_deref(),
            Some("irrelevance_error:decoder_success")
        );
    }

    #[test]
    fn java_and_js_arguments_are_converted_source() {
        let java = vec![json!({"name": "C.m", "parameters": {"type": "dict",
            "properties": {"ids": {"type": "ArrayList", "items": {"type": "long"}},
                           "n": {"type": "integer"}, "s": {"type": "String"}},
            "required": ["ids"]}})];
        let gt = vec![json!({"C.m": {"ids": [[1, 2]], "n": [3, ""], "s": ["Ab", ""]}})];
        let run = |category, funcs: &[Value], args: Value| {
            check(
                category,
                funcs,
                Some(&gt),
                &call("C.m", args),
                CheckOptions::default(),
            )
        };
        let ok = json!({"ids": "new ArrayList<>(Arrays.asList(1L, 2L))", "n": "3", "s": "a b"});
        assert!(run(Category::SimpleJava, &java, ok).valid);
        let ids = "new ArrayList<Long>() {{ add(1L); add(2L); }}";
        let v = run(Category::SimpleJava, &java, json!({"ids": ids, "n": 3}));
        assert_eq!(v.error_type.as_deref(), Some("type_error:java"));
        assert_eq!(
            v.errors,
            ["Incorrect type for parameter 'n'. Expected type String, got int. Parameter value: 3."]
        );
        // An unparsed literal stays a string: a type error against ints.
        let v = run(Category::SimpleJava, &java, json!({"ids": ids, "n": "3L"}));
        assert_eq!(v.error_type.as_deref(), Some("type_error:simple"));
        // A Java type Python has no conversion for raises.
        let mut odd = java.clone();
        odd[0]["parameters"]["properties"]["n"]["type"] = json!("int");
        let v = run(Category::SimpleJava, &odd, json!({"ids": ids, "n": "3"}));
        assert_eq!(v.error_type.as_deref(), Some(EXCEPTION));

        let js = vec![json!({"name": "C.m", "parameters": {"type": "dict",
            "properties": {"ids": {"type": "array", "items": {"type": "integer"}},
                           "n": {"type": "integer"}, "s": {"type": "String"}},
            "required": ["ids"]}})];
        assert!(
            run(
                Category::SimpleJavascript,
                &js,
                json!({"ids": "[1, 2]", "s": "'ab'"})
            )
            .valid
        );
        let v = run(Category::SimpleJavascript, &js, json!({"ids": [1, 2]}));
        assert_eq!(v.error_type.as_deref(), Some("type_error:js"));
    }
}
