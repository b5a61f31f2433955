//! The function docs as BFCL shows them to a model: a port of
//! `_func_doc_language_specific_pre_processing` (`bfcl_eval/utils.py`,
//! `bfcl-eval==2026.3.23`), which `load_dataset_entry` applies to every
//! entry before inference (the checker keeps the docs as in the file).
//!
//! Every function's description gets the hint of its category's language
//! (" Note that the provided function is in Python 3 syntax." and so on).
//! In Java and JavaScript categories every parameter becomes a `string`
//! (the model writes the argument as source text, which the checker's type
//! converters parse back), with its original type, list element type and
//! dict schema moved into its description.

use crate::data::{Category, Language};
use crate::py::py_str;
use crate::py_text::py_json_dumps;
use serde_json::{Map, Value};

/// `_get_language_specific_hint`.
pub fn language_hint(language: Language) -> &'static str {
    match language {
        Language::Java => " Note that the provided function is in Java 8 SDK syntax.",
        Language::JavaScript => " Note that the provided function is in JavaScript syntax.",
        Language::Python => " Note that the provided function is in Python 3 syntax.",
    }
}

/// `_func_doc_language_specific_pre_processing(functions, category)` on a
/// copy. Fails, with the reason, where Python would raise (a missing or
/// non-string description, a Java/JS parameter without a type or an array
/// without an element type).
pub fn language_specific_pre_processing(
    functions: &[Value],
    category: Category,
) -> Result<Vec<Value>, String> {
    let language = category.language();
    let mut out = functions.to_vec();
    for item in &mut out {
        let name = py_str(item.get("name").unwrap_or(&Value::Null));
        let in_function = |e: String| format!("function {name}: {e}");
        let item = item
            .as_object_mut()
            .ok_or_else(|| in_function("not a dict".into()))?;
        append(item, "description", language_hint(language)).map_err(in_function)?;
        let properties = item
            .get_mut("parameters")
            .and_then(|p| p.get_mut("properties"))
            .ok_or_else(|| in_function("no parameters.properties".into()))?;
        if language == Language::Python {
            continue;
        }
        let properties = properties
            .as_object_mut()
            .ok_or_else(|| in_function("parameters.properties is not a dict".into()))?;
        for (key, value) in properties.iter_mut() {
            let param = value
                .as_object_mut()
                .ok_or_else(|| in_function(format!("parameter {key} is not a dict")))?;
            let in_param = |e: String| in_function(format!("parameter {key}: {e}"));
            match language {
                Language::Java => java_parameter(param).map_err(in_param)?,
                Language::JavaScript => js_parameter(param).map_err(in_param)?,
                Language::Python => {}
            }
        }
    }
    Ok(out)
}

/// Python `d[key] += text` on a string field.
fn append(d: &mut Map<String, Value>, key: &str, text: &str) -> Result<(), String> {
    match d.get_mut(key) {
        Some(Value::String(s)) => {
            s.push_str(text);
            Ok(())
        }
        Some(_) => Err(format!("{key} is not a string")),
        None => Err(format!("no {key}")),
    }
}

fn param_type(param: &Map<String, Value>) -> Result<Value, String> {
    param.get("type").cloned().ok_or_else(|| "no type".into())
}

/// `value['items']['type']`, removing `items` (`del value["items"]`).
fn take_item_type(param: &mut Map<String, Value>) -> Result<String, String> {
    let item_type = param
        .get("items")
        .and_then(|i| i.get("type"))
        .ok_or("an array without items.type")?;
    let item_type = py_str(item_type);
    param.shift_remove("items");
    Ok(item_type)
}

fn java_parameter(param: &mut Map<String, Value>) -> Result<(), String> {
    let t = param_type(param)?;
    if t == "any" {
        append(
            param,
            "description",
            " This parameter can be of any type of Java object in string representation.",
        )?;
    } else {
        let note = format!(
            " This is Java {} type parameter in string representation.",
            py_str(&t)
        );
        append(param, "description", &note)?;
    }
    if t == "ArrayList" || t == "Array" {
        let item_type = take_item_type(param)?;
        let note = format!(
            " The list elements are of type {item_type}; they are not in string representation."
        );
        append(param, "description", &note)?;
    }
    param.insert("type".into(), Value::String("string".into()));
    Ok(())
}

fn js_parameter(param: &mut Map<String, Value>) -> Result<(), String> {
    let t = param_type(param)?;
    if t == "any" {
        append(
            param,
            "description",
            " This parameter can be of any type of JavaScript object in string representation.",
        )?;
    } else {
        let note = format!(
            " This is JavaScript {} type parameter in string representation.",
            py_str(&t)
        );
        append(param, "description", &note)?;
    }
    if t == "array" {
        let item_type = take_item_type(param)?;
        let note = format!(
            " The list elements are of type {item_type}; they are not in string representation."
        );
        append(param, "description", &note)?;
    }
    if t == "dict" {
        if let Some(schema) = param.get("properties") {
            let note = format!(
                " The dictionary entries have the following schema; they are not in string representation. {}",
                py_json_dumps(schema)
            );
            append(param, "description", &note)?;
            param.shift_remove("properties");
        }
    }
    param.insert("type".into(), Value::String("string".into()));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn python_docs_get_the_hint_only() {
        let f = vec![
            json!({"name": "f", "description": "Adds.", "parameters": {"type": "dict",
            "properties": {"a": {"type": "integer"}}, "required": ["a"]}}),
        ];
        let out = language_specific_pre_processing(&f, Category::LiveSimple).unwrap();
        assert_eq!(
            out[0]["description"],
            "Adds. Note that the provided function is in Python 3 syntax."
        );
        assert_eq!(out[0]["parameters"], f[0]["parameters"]);
        assert!(language_specific_pre_processing(&[], Category::Irrelevance)
            .unwrap()
            .is_empty());
    }

    #[test]
    fn java_parameters_become_strings() {
        let f = vec![
            json!({"name": "C.m", "description": "M.", "parameters": {"type": "dict",
            "properties": {
                "ids": {"type": "ArrayList", "description": "Ids.", "items": {"type": "long"}, "x": 1},
                "obj": {"type": "any", "description": "Obj."},
                "n": {"type": "integer", "description": "N."}},
            "required": ["ids"]}}),
        ];
        let out = language_specific_pre_processing(&f, Category::SimpleJava).unwrap();
        let p = &out[0]["parameters"]["properties"];
        assert_eq!(
            p["ids"],
            json!({"type": "string", "description": "Ids. This is Java ArrayList type parameter in string representation. The list elements are of type long; they are not in string representation.", "x": 1})
        );
        assert_eq!(
            p["obj"]["description"],
            "Obj. This parameter can be of any type of Java object in string representation."
        );
        assert_eq!(p["n"]["type"], "string");
        assert!(out[0]["description"]
            .as_str()
            .unwrap()
            .ends_with("in Java 8 SDK syntax."));
        // The original is untouched (the checker needs it).
        assert_eq!(f[0]["parameters"]["properties"]["n"]["type"], "integer");
    }

    #[test]
    fn js_dict_schema_moves_into_the_description() {
        let f = vec![
            json!({"name": "g", "description": "G.", "parameters": {"type": "dict",
            "properties": {
                "opts": {"type": "dict", "description": "Opts.", "properties": {"é": {"type": "Boolean"}}},
                "xs": {"type": "array", "description": "Xs.", "items": {"type": "String"}}},
            "required": []}}),
        ];
        let out = language_specific_pre_processing(&f, Category::SimpleJavascript).unwrap();
        let p = &out[0]["parameters"]["properties"];
        assert_eq!(
            p["opts"],
            json!({"type": "string", "description": "Opts. This is JavaScript dict type parameter in string representation. The dictionary entries have the following schema; they are not in string representation. {\"\\u00e9\": {\"type\": \"Boolean\"}}"})
        );
        assert_eq!(p["xs"]["description"], "Xs. This is JavaScript array type parameter in string representation. The list elements are of type String; they are not in string representation.");
    }

    #[test]
    fn docs_python_cannot_process_are_errors() {
        let no_desc = vec![json!({"name": "f", "parameters": {"properties": {}}})];
        let e = language_specific_pre_processing(&no_desc, Category::Multiple).unwrap_err();
        assert!(e.contains("function f: no description"), "{e}");
        let no_param_desc = vec![json!({"name": "f", "description": "d",
            "parameters": {"properties": {"a": {"type": "integer"}}}})];
        assert!(language_specific_pre_processing(&no_param_desc, Category::Parallel).is_ok());
        let e = language_specific_pre_processing(&no_param_desc, Category::SimpleJava).unwrap_err();
        assert!(e.contains("parameter a: no description"), "{e}");
        let no_items = vec![json!({"name": "f", "description": "d",
            "parameters": {"properties": {"a": {"type": "array", "description": "A."}}}})];
        let e =
            language_specific_pre_processing(&no_items, Category::SimpleJavascript).unwrap_err();
        assert!(e.contains("items.type"), "{e}");
    }
}
