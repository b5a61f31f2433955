//! OpenAI / BFCL JSON-schema style: `{"type": "dict"|"object", "properties":
//! {...}, "required": [...]}` with types string, integer, number, float,
//! boolean, array, tuple, dict, object, any (BFCL v4 `function` entries).

use super::{xlam, ObjectSchema, Property, Schema, SchemaKind};
use crate::schema::FunctionSpec;
use crate::Error;
use serde_json::{Map, Value};

/// Nesting deeper than this in a schema is refused (guards the recursion).
const MAX_SCHEMA_DEPTH: usize = 32;

/// Reads one function entry, in either parameter style.
pub fn parse_function(value: &Value) -> Result<FunctionSpec, Error> {
    let unnamed = |path: &str, message: &str| Error::Schema {
        function: "?".into(),
        path: path.into(),
        message: message.into(),
    };
    let mut entry = value
        .as_object()
        .ok_or_else(|| unnamed("", "a function must be a JSON object"))?;
    // OpenAI tools list: {"type": "function", "function": {...}}.
    if let Some(inner) = entry.get("function").and_then(Value::as_object) {
        entry = inner;
    }
    let name = entry
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| unnamed("name", "missing string 'name'"))?;
    if name.is_empty() {
        return Err(unnamed("name", "empty function name"));
    }
    let description = match entry.get("description") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(schema_error(name, "description", "must be a string")),
    };
    let parameters = match entry.get("parameters") {
        None | Some(Value::Null) => ObjectSchema::default(),
        Some(Value::Object(params)) if is_json_schema_style(params) => {
            let schema = parse_schema(name, "parameters", &Value::Object(params.clone()), 0)?;
            match schema.kind {
                // Top level: only declared arguments unless said otherwise.
                SchemaKind::Object(mut object) => {
                    if !params.contains_key("additionalProperties") {
                        object.additional_properties = false;
                    }
                    object
                }
                _ => return Err(schema_error(name, "parameters", "must be an object schema")),
            }
        }
        Some(Value::Object(params)) => xlam::parse_parameters(name, params)?,
        Some(_) => return Err(schema_error(name, "parameters", "must be an object")),
    };
    Ok(FunctionSpec {
        name: name.to_string(),
        description,
        parameters,
    })
}

/// JSON-schema style when `type` is a string, or `properties` holds schemas
/// (in the flat style a parameter named `type` maps to an object).
fn is_json_schema_style(params: &Map<String, Value>) -> bool {
    if params.get("type").is_some_and(Value::is_string) {
        return true;
    }
    match params.get("properties") {
        Some(Value::Object(props)) => !props.get("type").is_some_and(Value::is_string),
        _ => false,
    }
}

pub(crate) fn schema_error(function: &str, path: &str, message: &str) -> Error {
    Error::Schema {
        function: function.to_string(),
        path: path.to_string(),
        message: message.to_string(),
    }
}

/// Reads one schema node at `path` (for error messages).
pub fn parse_schema(
    function: &str,
    path: &str,
    value: &Value,
    depth: usize,
) -> Result<Schema, Error> {
    if depth > MAX_SCHEMA_DEPTH {
        return Err(schema_error(function, path, "schema nested too deeply"));
    }
    let node = value
        .as_object()
        .ok_or_else(|| schema_error(function, path, "a schema must be a JSON object"))?;
    let type_name = match node.get("type") {
        Some(Value::String(s)) => Some(s.as_str()),
        // ["string", "null"]: the first non-null type.
        Some(Value::Array(types)) => types
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null"),
        None | Some(Value::Null) => None,
        Some(_) => return Err(schema_error(function, path, "'type' must be a string")),
    };
    let kind = match type_name {
        Some(name) => kind_from_name(function, path, name)?,
        None if node.contains_key("properties") => SchemaKind::Object(ObjectSchema::default()),
        None if node.contains_key("items") => SchemaKind::Array {
            items: None,
            tuple: false,
        },
        None => SchemaKind::Any,
    };
    let kind = match kind {
        SchemaKind::Array { tuple, .. } => {
            let items = match node.get("items") {
                Some(items @ Value::Object(_)) => Some(Box::new(parse_schema(
                    function,
                    &format!("{path}.items"),
                    items,
                    depth + 1,
                )?)),
                _ => None,
            };
            SchemaKind::Array { items, tuple }
        }
        SchemaKind::Object(_) => SchemaKind::Object(parse_object(function, path, node, depth)?),
        other => other,
    };
    let description = node
        .get("description")
        .and_then(Value::as_str)
        .map(str::to_string);
    let enum_values = match node.get("enum") {
        None | Some(Value::Null) => None,
        Some(Value::Array(values)) => Some(values.clone()),
        Some(_) => {
            return Err(schema_error(
                function,
                &format!("{path}.enum"),
                "must be a list",
            ))
        }
    };
    Ok(Schema {
        kind,
        description,
        enum_values,
        default: node.get("default").cloned(),
    })
}

fn kind_from_name(function: &str, path: &str, name: &str) -> Result<SchemaKind, Error> {
    Ok(match name {
        "string" | "str" => SchemaKind::String,
        "integer" | "int" => SchemaKind::Integer,
        "number" | "float" | "double" => SchemaKind::Number,
        "boolean" | "bool" => SchemaKind::Boolean,
        "array" | "list" => SchemaKind::Array {
            items: None,
            tuple: false,
        },
        "tuple" => SchemaKind::Array {
            items: None,
            tuple: true,
        },
        "object" | "dict" => SchemaKind::Object(ObjectSchema::default()),
        "any" | "null" => SchemaKind::Any,
        other => {
            return Err(schema_error(
                function,
                &format!("{path}.type"),
                &format!("unknown type '{}'", crate::error::preview(other, 40)),
            ))
        }
    })
}

fn parse_object(
    function: &str,
    path: &str,
    node: &Map<String, Value>,
    depth: usize,
) -> Result<ObjectSchema, Error> {
    let required: Vec<&str> = match node.get("required") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(names)) => names.iter().filter_map(Value::as_str).collect(),
        Some(_) => {
            return Err(schema_error(
                function,
                &format!("{path}.required"),
                "must be a list of names",
            ))
        }
    };
    let mut properties = Vec::new();
    match node.get("properties") {
        None | Some(Value::Null) => {}
        Some(Value::Object(props)) => {
            for (name, schema) in props {
                let schema = parse_schema(
                    function,
                    &format!("{path}.properties.{name}"),
                    schema,
                    depth + 1,
                )?;
                properties.push(Property {
                    name: name.clone(),
                    schema,
                    // Names in `required` that are not declared are ignored:
                    // the model cannot be asked for what it was never shown.
                    required: required.contains(&name.as_str()),
                });
            }
        }
        Some(_) => {
            return Err(schema_error(
                function,
                &format!("{path}.properties"),
                "must be an object",
            ))
        }
    }
    let additional_properties = match node.get("additionalProperties") {
        Some(Value::Bool(allowed)) => *allowed,
        Some(Value::Object(_)) => true,
        _ => properties.is_empty(),
    };
    Ok(ObjectSchema {
        properties,
        additional_properties,
    })
}

/// Renders a schema node as JSON schema (standard type names: number,
/// object, array; BFCL's tuple is kept as `tuple`).
pub fn schema_to_json(schema: &Schema) -> Value {
    let mut node = match &schema.kind {
        SchemaKind::Object(object) => match object_to_json(object) {
            Value::Object(map) => map,
            _ => Map::new(),
        },
        kind => {
            let mut map = Map::new();
            map.insert("type".into(), Value::from(type_name(kind)));
            if let SchemaKind::Array {
                items: Some(items), ..
            } = kind
            {
                map.insert("items".into(), schema_to_json(items));
            }
            map
        }
    };
    if let Some(description) = &schema.description {
        node.insert("description".into(), Value::from(description.as_str()));
    }
    if let Some(values) = &schema.enum_values {
        node.insert("enum".into(), Value::Array(values.clone()));
    }
    if let Some(default) = &schema.default {
        node.insert("default".into(), default.clone());
    }
    Value::Object(node)
}

fn type_name(kind: &SchemaKind) -> &'static str {
    match kind {
        SchemaKind::String => "string",
        SchemaKind::Integer => "integer",
        SchemaKind::Number => "number",
        SchemaKind::Boolean => "boolean",
        SchemaKind::Array { tuple: true, .. } => "tuple",
        SchemaKind::Array { .. } => "array",
        SchemaKind::Object(_) => "object",
        SchemaKind::Any => "any",
    }
}

/// `{"type": "object", "properties": {...}, "required": [...]}`.
pub fn object_to_json(object: &ObjectSchema) -> Value {
    let properties: Map<String, Value> = object
        .properties
        .iter()
        .map(|p| (p.name.clone(), schema_to_json(&p.schema)))
        .collect();
    let required: Vec<Value> = object
        .properties
        .iter()
        .filter(|p| p.required)
        .map(|p| Value::from(p.name.as_str()))
        .collect();
    let mut map = Map::new();
    map.insert("type".into(), Value::from("object"));
    map.insert("properties".into(), Value::Object(properties));
    map.insert("required".into(), Value::Array(required));
    // Only spell out the non-default case so round trips are exact.
    if object.additional_properties != object.properties.is_empty() {
        map.insert(
            "additionalProperties".into(),
            Value::Bool(object.additional_properties),
        );
    }
    Value::Object(map)
}
