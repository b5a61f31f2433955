//! Argument checks against a [`FunctionSpec`], with messages a model can act
//! on: `missing required argument 'city' for weather(city: string)`,
//! `argument 'n' of factorial must be integer, got string "5"`.
//!
//! Rules follow the BFCL AST checker: exact types except that an integer is
//! accepted where a number (float) is declared; a float is not an integer
//! and a boolean is not a number. `null` for an optional argument counts as
//! leaving it out.

use super::{FunctionSpec, ObjectSchema, Schema, SchemaKind};
use crate::error::preview;
use serde_json::{Map, Value};

/// Checks `args` (a JSON object; `null` counts as `{}`) against `spec`.
pub fn validate_arguments(spec: &FunctionSpec, args: &Value) -> Result<(), String> {
    let empty = Map::new();
    let map = match args {
        Value::Object(map) => map,
        Value::Null => &empty,
        other => {
            return Err(format!(
                "arguments of {} must be a JSON object of name: value pairs, got {}",
                spec.signature(),
                describe(other)
            ))
        }
    };
    let context = Context {
        function: &spec.name,
        signature: spec.signature(),
    };
    check_object(&spec.parameters, map, None, &context)
}

struct Context<'a> {
    function: &'a str,
    signature: String,
}

/// `at` is None for the top-level argument list, else the argument path.
fn check_object(
    object: &ObjectSchema,
    map: &Map<String, Value>,
    at: Option<&str>,
    cx: &Context,
) -> Result<(), String> {
    for p in object.properties.iter().filter(|p| p.required) {
        if map.get(&p.name).is_none_or(Value::is_null) {
            return Err(match at {
                None => format!(
                    "missing required argument '{}' for {}",
                    p.name, cx.signature
                ),
                Some(path) => format!(
                    "missing required key '{}' in argument '{path}' of {}",
                    p.name, cx.function
                ),
            });
        }
    }
    for (key, value) in map {
        let path = match at {
            None => key.clone(),
            Some(path) => format!("{path}.{key}"),
        };
        match object.property(key) {
            Some(p) if value.is_null() && !p.required => {}
            Some(p) => check_value(&p.schema, value, &path, cx)?,
            None if object.additional_properties => {}
            None => return Err(unknown_key(object, key, at, cx)),
        }
    }
    Ok(())
}

fn unknown_key(object: &ObjectSchema, key: &str, at: Option<&str>, cx: &Context) -> String {
    let names: Vec<&str> = object.properties.iter().map(|p| p.name.as_str()).collect();
    let expected = if names.is_empty() {
        "it takes none".to_string()
    } else {
        format!("expected one of: {}", names.join(", "))
    };
    let key = preview(key, 60);
    match at {
        None => format!("unknown argument '{key}' for {}; {expected}", cx.signature),
        Some(path) => format!(
            "unknown key '{key}' in argument '{path}' of {}; {expected}",
            cx.function
        ),
    }
}

fn check_value(schema: &Schema, value: &Value, path: &str, cx: &Context) -> Result<(), String> {
    let type_ok = match &schema.kind {
        SchemaKind::String => value.is_string(),
        SchemaKind::Integer => value.is_i64() || value.is_u64(),
        SchemaKind::Number => value.is_number(),
        SchemaKind::Boolean => value.is_boolean(),
        SchemaKind::Array { .. } => value.is_array(),
        SchemaKind::Object(_) => value.is_object(),
        SchemaKind::Any => true,
    };
    if !type_ok {
        return Err(format!(
            "argument '{path}' of {} must be {}, got {}",
            cx.function,
            schema.kind,
            describe(value)
        ));
    }
    if let Some(allowed) = &schema.enum_values {
        if !allowed.iter().any(|a| same_value(a, value)) {
            let list: Vec<String> = allowed
                .iter()
                .map(|a| preview(&a.to_string(), 40))
                .collect();
            return Err(format!(
                "argument '{path}' of {} must be one of {}, got {}",
                cx.function,
                list.join(", "),
                describe(value)
            ));
        }
    }
    match (&schema.kind, value) {
        (
            SchemaKind::Array {
                items: Some(items), ..
            },
            Value::Array(values),
        ) => {
            for (i, item) in values.iter().enumerate() {
                check_value(items, item, &format!("{path}[{i}]"), cx)?;
            }
            Ok(())
        }
        (SchemaKind::Object(object), Value::Object(map)) => {
            check_object(object, map, Some(path), cx)
        }
        _ => Ok(()),
    }
}

/// JSON equality, except numbers compare by value (enum `[1, 2]` takes 1.0).
fn same_value(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) if a.is_number() && b.is_number() => x == y,
        _ => a == b,
    }
}

/// `string "5"`, `integer 5`, `number 1.5`, `boolean true`, `null`,
/// `array of 3 items`, `object with keys a, b` (long text shortened).
pub fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("boolean {b}"),
        Value::Number(n) if n.is_f64() => format!("number {n}"),
        Value::Number(n) => format!("integer {n}"),
        Value::String(s) => format!("string {}", Value::from(preview(s, 40))),
        Value::Array(items) => format!("array of {} items", items.len()),
        Value::Object(map) => {
            let keys: Vec<&str> = map.keys().take(5).map(String::as_str).collect();
            format!("object with keys {}", preview(&keys.join(", "), 60))
        }
    }
}
