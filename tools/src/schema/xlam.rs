//! xLAM's flat parameter style: `{"x": {"type": "int, optional", "default":
//! "2", "description": ...}}` with Python-style type strings (`str`, `int`,
//! `float`, `bool`, `List`, `List[int]`, `Dict`, `Tuple`, `Any`, `Optional[T]`,
//! `Union[...]`). Optional exactly when the type says `, optional` or is
//! `Optional[T]`. Unrecognised type names (`datetime`, `Callable`) become
//! `Any`: the dataset is large and loose, and rejecting a whole tool for one
//! odd annotation would lose more than it protects.

use super::json_schema::schema_error;
use super::{ObjectSchema, Property, Schema, SchemaKind};
use crate::Error;
use serde_json::{Map, Value};

const MAX_TYPE_DEPTH: usize = 16;

/// Reads a flat parameter map.
pub fn parse_parameters(
    function: &str,
    params: &Map<String, Value>,
) -> Result<ObjectSchema, Error> {
    let mut properties = Vec::with_capacity(params.len());
    for (name, entry) in params {
        let path = format!("parameters.{name}");
        let entry = entry
            .as_object()
            .ok_or_else(|| schema_error(function, &path, "a parameter must be a JSON object"))?;
        let (kind, optional) = match entry.get("type") {
            None | Some(Value::Null) => (SchemaKind::Any, false),
            Some(Value::String(text)) => parse_type_string(text)
                .map_err(|message| schema_error(function, &format!("{path}.type"), &message))?,
            Some(_) => {
                return Err(schema_error(
                    function,
                    &format!("{path}.type"),
                    "must be a string",
                ))
            }
        };
        let schema = Schema {
            kind,
            description: entry
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_string),
            enum_values: entry.get("enum").and_then(Value::as_array).cloned(),
            default: entry.get("default").cloned(),
        };
        properties.push(Property {
            name: name.clone(),
            schema,
            required: !optional,
        });
    }
    Ok(ObjectSchema {
        properties,
        additional_properties: false,
    })
}

/// `"List[int], optional"` -> (array of integer, optional = true).
pub fn parse_type_string(text: &str) -> Result<(SchemaKind, bool), String> {
    let lower = text.to_ascii_lowercase();
    let (body, mut optional) = match lower.find(", optional") {
        Some(cut) => (text[..cut].trim(), true),
        None => (text.trim(), false),
    };
    let mut parser = TypeParser {
        text: body.as_bytes(),
        pos: 0,
    };
    let (kind, inner_optional) = parser.union(0)?;
    parser.skip_spaces();
    if parser.pos != parser.text.len() {
        return Err(format!(
            "unexpected '{}' in type '{}'",
            &body[parser.pos..],
            crate::error::preview(text, 60)
        ));
    }
    optional |= inner_optional;
    Ok((kind.unwrap_or(SchemaKind::Any), optional))
}

struct TypeParser<'a> {
    text: &'a [u8],
    pos: usize,
}

impl TypeParser<'_> {
    fn skip_spaces(&mut self) {
        while self.text.get(self.pos).is_some_and(u8::is_ascii_whitespace) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> bool {
        self.skip_spaces();
        if self.text.get(self.pos) == Some(&byte) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// `T | U` or `T or U`: one non-None member -> that member, optional.
    fn union(&mut self, depth: usize) -> Result<(Option<SchemaKind>, bool), String> {
        let mut members = vec![self.single(depth)?];
        loop {
            self.skip_spaces();
            let rest = &self.text[self.pos..];
            if rest.starts_with(b"|") {
                self.pos += 1;
            } else if rest.len() > 3 && rest[..3].eq_ignore_ascii_case(b"or ") {
                self.pos += 3;
            } else {
                break;
            }
            members.push(self.single(depth)?);
        }
        if members.len() == 1 {
            return Ok(members.remove(0));
        }
        let (kind, optional) = merge_union(members);
        Ok((Some(kind), optional))
    }

    /// `name` or `name[args]`; returns (kind, optional) where kind `None`
    /// is Python's `None` itself.
    fn single(&mut self, depth: usize) -> Result<(Option<SchemaKind>, bool), String> {
        if depth > MAX_TYPE_DEPTH {
            return Err("type nested too deeply".into());
        }
        self.skip_spaces();
        let start = self.pos;
        while self
            .text
            .get(self.pos)
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'.')
        {
            self.pos += 1;
        }
        if start == self.pos {
            return Err(format!("expected a type name at column {}", self.pos + 1));
        }
        let raw = String::from_utf8_lossy(&self.text[start..self.pos]).to_ascii_lowercase();
        let name = raw.strip_prefix("typing.").unwrap_or(&raw).to_string();
        let mut args = Vec::new();
        // `List[]` is read as `List`.
        if self.eat(b'[') && !self.eat(b']') {
            loop {
                args.push(self.union(depth + 1)?);
                if self.eat(b']') {
                    break;
                }
                if !self.eat(b',') {
                    return Err(format!("expected ',' or ']' at column {}", self.pos + 1));
                }
            }
        }
        let first = args
            .first()
            .map(|(kind, _)| kind.clone().unwrap_or(SchemaKind::Any));
        let items = first.clone().map(|kind| Box::new(Schema::new(kind)));
        Ok(match name.as_str() {
            "none" | "nonetype" => (None, true),
            "optional" => (Some(first.unwrap_or(SchemaKind::Any)), true),
            "union" => {
                let (kind, optional) = merge_union(args);
                (Some(kind), optional)
            }
            _ => (Some(kind_from_python_name(&name, items)), false),
        })
    }
}

fn kind_from_python_name(name: &str, items: Option<Box<Schema>>) -> SchemaKind {
    match name {
        "str" | "string" => SchemaKind::String,
        "int" | "integer" => SchemaKind::Integer,
        "float" | "number" | "double" => SchemaKind::Number,
        "bool" | "boolean" => SchemaKind::Boolean,
        "list" | "array" | "sequence" | "set" | "iterable" => SchemaKind::Array {
            items,
            tuple: false,
        },
        "tuple" => SchemaKind::Array { items, tuple: true },
        "dict" | "mapping" | "object" => SchemaKind::Object(ObjectSchema {
            properties: Vec::new(),
            additional_properties: true,
        }),
        _ => SchemaKind::Any,
    }
}

/// Union members: None (or an optional member) makes it optional; exactly
/// one other member is kept, several become `Any`.
fn merge_union(members: Vec<(Option<SchemaKind>, bool)>) -> (SchemaKind, bool) {
    let optional = members.iter().any(|(_, optional)| *optional);
    let mut real: Vec<SchemaKind> = members.into_iter().filter_map(|(kind, _)| kind).collect();
    let kind = if real.len() == 1 {
        real.remove(0)
    } else {
        SchemaKind::Any
    };
    (kind, optional)
}

/// Renders parameters in the flat style (nested properties are dropped: the
/// flat style cannot express them).
pub fn parameters_to_json(object: &ObjectSchema) -> Value {
    let mut map = Map::new();
    for p in &object.properties {
        let mut entry = Map::new();
        if let Some(description) = &p.schema.description {
            entry.insert("description".into(), Value::from(description.as_str()));
        }
        let optional = if p.required { "" } else { ", optional" };
        entry.insert(
            "type".into(),
            Value::from(format!("{}{optional}", python_type(&p.schema.kind))),
        );
        if let Some(values) = &p.schema.enum_values {
            entry.insert("enum".into(), Value::Array(values.clone()));
        }
        if let Some(default) = &p.schema.default {
            entry.insert("default".into(), default.clone());
        }
        map.insert(p.name.clone(), Value::Object(entry));
    }
    Value::Object(map)
}

fn python_type(kind: &SchemaKind) -> String {
    match kind {
        SchemaKind::String => "str".into(),
        SchemaKind::Integer => "int".into(),
        SchemaKind::Number => "float".into(),
        SchemaKind::Boolean => "bool".into(),
        SchemaKind::Array { items, tuple } => {
            let outer = if *tuple { "Tuple" } else { "List" };
            match items {
                Some(items) => format!("{outer}[{}]", python_type(&items.kind)),
                None => outer.into(),
            }
        }
        SchemaKind::Object(_) => "Dict".into(),
        SchemaKind::Any => "Any".into(),
    }
}
