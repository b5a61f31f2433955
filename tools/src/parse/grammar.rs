//! A llama.cpp grammar (GBNF) that admits only Hermes calls
//! (`<tool_call>\n{"name": ..., "arguments": {...}}\n</tool_call>`, one or
//! more, newline-separated) of the given functions, with arguments typed
//! by each function's schema: declared keys in declaration order, required
//! ones present, strings, numbers, booleans, enums, arrays and nested
//! objects as declared. Sampling under it forces a call (OpenAI's
//! `tool_choice: "required"` or a named function) that parses and
//! validates. Separators follow Python's `json.dumps` (`", "`, `": "`), the
//! spacing the chat templates teach; the space is optional.

use crate::parse::to_json_text;
use crate::schema::{FunctionSpec, ObjectSchema, Schema, SchemaKind};
use serde_json::Value;
use std::fmt::Write;

/// Shared rules: JSON scalars and any JSON value (for `Any` and free-form
/// objects).
const COMMON: &str = r#"sp ::= " "?
string ::= "\"" char* "\""
char ::= [^"\\\x00-\x1F\x7F] | "\\" (["\\/bfnrt] | "u" [0-9a-fA-F] [0-9a-fA-F] [0-9a-fA-F] [0-9a-fA-F])
integer ::= "-"? ("0" | [1-9] [0-9]*)
number ::= integer ("." [0-9]+)? ([eE] [-+]? [0-9]+)?
boolean ::= "true" | "false"
value ::= string | number | boolean | "null" | object | array
object ::= "{" sp (string ":" sp value ("," sp string ":" sp value)*)? "}"
array ::= "[" sp (value ("," sp value)*)? "]"
"#;

/// The grammar (root rule `root`) for 1 to `max_calls` calls of any of
/// `functions` (a model that has not learned to stop may otherwise repeat
/// calls until max_tokens).
pub fn hermes_calls(functions: &[&FunctionSpec], max_calls: usize) -> String {
    let mut g = Grammar::default();
    let alternatives: Vec<String> = functions
        .iter()
        .map(|f| {
            let args = g.object(&f.parameters);
            let head = format!(
                "{}, \"arguments\": ",
                to_json_text(&Value::from(f.name.as_str()))
            );
            format!("{} {args}", literal(&head))
        })
        .collect();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "root ::= call (\"\\n\" call){{0,{}}}",
        max_calls.max(1) - 1
    );
    let _ = writeln!(
        out,
        "call ::= \"<tool_call>\\n{{\\\"name\\\": \" ({}) \"}}\\n</tool_call>\"",
        alternatives.join(" | ")
    );
    for (name, body) in &g.rules {
        let _ = writeln!(out, "{name} ::= {body}");
    }
    out.push_str(COMMON);
    out
}

#[derive(Default)]
struct Grammar {
    rules: Vec<(String, String)>,
}

impl Grammar {
    fn rule(&mut self, body: String) -> String {
        let name = format!("r{}", self.rules.len());
        self.rules.push((name.clone(), body));
        name
    }

    /// An expression for a value of `schema`.
    fn value(&mut self, schema: &Schema) -> String {
        if let Some(values) = &schema.enum_values {
            let alternatives: Vec<String> =
                values.iter().map(|v| literal(&to_json_text(v))).collect();
            return format!("({})", alternatives.join(" | "));
        }
        match &schema.kind {
            SchemaKind::String => "string".into(),
            SchemaKind::Integer => "integer".into(),
            SchemaKind::Number => "number".into(),
            SchemaKind::Boolean => "boolean".into(),
            SchemaKind::Any => "value".into(),
            SchemaKind::Array { items: None, .. } => "array".into(),
            SchemaKind::Array {
                items: Some(items), ..
            } => {
                let item = self.value(items);
                let body = format!("\"[\" sp ({item} (\",\" sp {item})*)? \"]\"");
                self.rule(body)
            }
            SchemaKind::Object(object) => self.object(object),
        }
    }

    /// A rule for an object of `schema`: its declared keys in order, the
    /// required ones present (other keys are never written, even where
    /// allowed). No declared keys: any object where other keys are allowed,
    /// else `{}`.
    fn object(&mut self, schema: &ObjectSchema) -> String {
        if schema.properties.is_empty() {
            return if schema.additional_properties {
                "object".into()
            } else {
                "(\"{\" sp \"}\")".into()
            };
        }
        let pairs: Vec<(String, bool)> = schema
            .properties
            .iter()
            .map(|p| {
                let key = literal(&format!(
                    "{}: ",
                    to_json_text(&Value::from(p.name.as_str()))
                ));
                (format!("{key} {}", self.value(&p.schema)), p.required)
            })
            .collect();
        // rest[i][e]: the keys from i on, `e` = a key was written before
        // (so the next one needs a comma); None when nothing is left.
        let mut rest: Vec<[Option<String>; 2]> = vec![[None, None]; pairs.len() + 1];
        for i in (0..pairs.len()).rev() {
            let (pair, required) = &pairs[i];
            let after = |e: usize| rest[i + 1][e].clone().unwrap_or_default();
            let (next_first, next_more) = (after(0), after(1));
            let more = if *required {
                format!("\",\" sp {pair} {next_more}")
            } else {
                format!("(\",\" sp {pair})? {next_more}")
            };
            let first = if *required {
                format!("{pair} {next_more}")
            } else if next_first.is_empty() {
                format!("({pair})?")
            } else {
                format!("({pair} {next_more} | {next_first})")
            };
            rest[i] = [Some(self.rule(first)), Some(self.rule(more))];
        }
        let first = rest[0][0].clone().expect("one property at least");
        self.rule(format!("\"{{\" sp {first} \"}}\""))
    }
}

/// `text` as a GBNF string literal: GBNF reads JSON's string escapes.
fn literal(text: &str) -> String {
    Value::from(text).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_escape_quotes_backslashes_and_newlines() {
        assert_eq!(literal("a\"b\\c\nd\u{1}"), r#""a\"b\\c\nd\u0001""#);
    }

    #[test]
    fn an_object_lists_its_keys_in_order_with_optional_ones_skippable() {
        let spec = FunctionSpec::from_json(&serde_json::json!({
            "name": "f", "description": "",
            "parameters": {"type": "object", "properties": {
                "a": {"type": "string"},
                "b": {"type": "integer", "enum": [1, 2]}},
                "required": ["b"]}
        }))
        .unwrap();
        let g = hermes_calls(&[&spec], 3);
        assert!(g.starts_with("root ::= call (\"\\n\" call){0,2}\n"), "{g}");
        assert!(g.contains(r#""\"f\", \"arguments\": ""#), "{g}");
        assert!(g.contains(r#""\"a\": " string"#), "{g}");
        assert!(g.contains(r#"("1" | "2")"#), "{g}");
    }
}
