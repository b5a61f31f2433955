//! One internal schema type for tool parameters, read from two source styles:
//! OpenAI/BFCL JSON schema ([`json_schema`]) and xLAM's flat Python-typed
//! map ([`xlam`]); arguments are checked against it by [`validate`].
//!
//! `FunctionSpec::from_json` picks the style: JSON schema when
//! `parameters.type` is a string or `parameters.properties` is a map of
//! schemas, the flat style otherwise.

pub mod json_schema;
pub mod validate;
pub mod xlam;

use serde_json::Value;
use std::fmt;

/// A value's expected shape.
#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    pub kind: SchemaKind,
    pub description: Option<String>,
    /// Allowed values (`enum`); numbers compare by value (1 == 1.0).
    pub enum_values: Option<Vec<Value>>,
    /// Documented default, kept as written (xLAM often writes `"2"` for an
    /// int); never used to fill in arguments.
    pub default: Option<Value>,
}

/// The type part of a [`Schema`].
#[derive(Debug, Clone, PartialEq)]
pub enum SchemaKind {
    String,
    Integer,
    /// `number` / `float`: accepts integers too (Python int -> float).
    Number,
    Boolean,
    /// `array` / `list`; `tuple` marks BFCL's `tuple` (a JSON list too).
    Array {
        items: Option<Box<Schema>>,
        tuple: bool,
    },
    Object(ObjectSchema),
    Any,
}

/// An object's declared properties. With no properties declared (plain
/// `dict`), any keys are allowed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ObjectSchema {
    /// In declaration order (the order the model sees in its prompt).
    pub properties: Vec<Property>,
    /// Keys outside `properties` are allowed.
    pub additional_properties: bool,
}

/// One named property of an object.
#[derive(Debug, Clone, PartialEq)]
pub struct Property {
    pub name: String,
    pub schema: Schema,
    pub required: bool,
}

/// A callable function as shown to the model.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionSpec {
    /// May contain dots (`math.factorial`).
    pub name: String,
    pub description: String,
    pub parameters: ObjectSchema,
}

impl Schema {
    /// A schema of `kind` with no description, enum or default.
    pub fn new(kind: SchemaKind) -> Self {
        Schema {
            kind,
            description: None,
            enum_values: None,
            default: None,
        }
    }

    /// Builder: set the description.
    pub fn describe(mut self, description: &str) -> Self {
        self.description = Some(description.to_string());
        self
    }

    /// Builder: restrict to these values.
    pub fn one_of(mut self, values: &[&str]) -> Self {
        self.enum_values = Some(values.iter().map(|v| Value::from(*v)).collect());
        self
    }
}

impl ObjectSchema {
    /// Builder: add a property.
    pub fn with(mut self, name: &str, schema: Schema, required: bool) -> Self {
        self.properties.push(Property {
            name: name.to_string(),
            schema,
            required,
        });
        self
    }

    /// The property called `name`, if declared.
    pub fn property(&self, name: &str) -> Option<&Property> {
        self.properties.iter().find(|p| p.name == name)
    }
}

impl FunctionSpec {
    /// Reads `{"name", "description", "parameters"}` (optionally wrapped as
    /// `{"type": "function", "function": {...}}`) in either parameter style.
    pub fn from_json(value: &Value) -> Result<FunctionSpec, crate::Error> {
        json_schema::parse_function(value)
    }

    /// `{"name", "description", "parameters": <JSON schema>}`: the shape
    /// BFCL and Hermes/Qwen prompts list tools in.
    pub fn to_json(&self) -> Value {
        serde_json::json!({
            "name": self.name,
            "description": self.description,
            "parameters": json_schema::object_to_json(&self.parameters),
        })
    }

    /// `{"type": "function", "function": {...}}` (OpenAI tools list).
    pub fn to_openai_json(&self) -> Value {
        serde_json::json!({ "type": "function", "function": self.to_json() })
    }

    /// `{"name", "description", "parameters": {<flat xLAM map>}}`.
    pub fn to_xlam_json(&self) -> Value {
        serde_json::json!({
            "name": self.name,
            "description": self.description,
            "parameters": xlam::parameters_to_json(&self.parameters),
        })
    }

    /// Checks call arguments; the error is a message for the model.
    pub fn validate(&self, args: &Value) -> Result<(), String> {
        validate::validate_arguments(self, args)
    }

    /// `weather(city: string, unit?: string)`: the short signature used in
    /// error messages.
    pub fn signature(&self) -> String {
        let params: Vec<String> = self
            .parameters
            .properties
            .iter()
            .map(|p| {
                let mark = if p.required { "" } else { "?" };
                format!("{}{mark}: {}", p.name, p.schema.kind)
            })
            .collect();
        format!("{}({})", self.name, params.join(", "))
    }
}

impl fmt::Display for SchemaKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SchemaKind::String => f.write_str("string"),
            SchemaKind::Integer => f.write_str("integer"),
            SchemaKind::Number => f.write_str("number"),
            SchemaKind::Boolean => f.write_str("boolean"),
            SchemaKind::Array { items, tuple } => {
                f.write_str(if *tuple { "tuple" } else { "array" })?;
                match items {
                    Some(items) => write!(f, "[{}]", items.kind),
                    None => Ok(()),
                }
            }
            SchemaKind::Object(_) => f.write_str("object"),
            SchemaKind::Any => f.write_str("any"),
        }
    }
}
