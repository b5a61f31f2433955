//! Tool-call parsers and renderers, one module per output format. Every
//! parser returns `Result<Vec<ToolCall>, ParseError>` (an empty list means
//! "no call"), never panics on model output, and has a renderer that writes
//! the text a model should produce for the same calls.
//!
//! - [`exec`]: `<EXEC>code</EXEC>` blocks (calls to the `python` tool)
//! - [`hermes`]: `<tool_call>{"name": ..., "arguments": ...}</tool_call>`
//!   (Hermes/Qwen2.5; also SmolLM2's JSON list inside one tag)
//! - [`xlam`]: `{"tool_calls": [...]}` or a bare JSON list
//! - [`pythonic`]: `[f(a=1, b="x"), g()]` (BFCL prompt mode)

pub mod exec;
pub mod grammar;
pub mod hermes;
pub mod pythonic;
pub mod xlam;

use crate::error::preview;
use serde_json::{Map, Value};
use std::fmt;

/// One call a model asked for. Serializes as `{"name", "arguments"}`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ToolCall {
    pub name: String,
    /// A JSON object of argument name -> value.
    pub arguments: Value,
}

impl ToolCall {
    pub fn new(name: &str, arguments: Value) -> Self {
        ToolCall {
            name: name.to_string(),
            arguments,
        }
    }
}

/// What was wrong with a model's tool-call text, and where. `Display` is
/// meant to be fed back to the model.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    /// `exec`, `hermes`, `xlam` or `pythonic`.
    pub format: &'static str,
    /// Byte offset into the text given to the parser.
    pub offset: usize,
    /// The text around `offset` (newlines shown as `\n`).
    pub snippet: String,
    pub message: String,
}

impl ParseError {
    pub(crate) fn new(
        format: &'static str,
        text: &str,
        offset: usize,
        message: impl Into<String>,
    ) -> Self {
        let offset = offset.min(text.len());
        ParseError {
            format,
            offset,
            snippet: snippet(text, offset),
            message: message.into(),
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "could not read the {} tool call at byte {} (near `{}`): {}",
            self.format, self.offset, self.snippet, self.message
        )
    }
}

impl std::error::Error for ParseError {}

/// Up to 24 bytes either side of `offset`, cut on character boundaries.
fn snippet(text: &str, offset: usize) -> String {
    let mut start = offset.saturating_sub(24);
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (offset + 24).min(text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    text[start..end].replace('\n', "\\n")
}

/// The output formats, for code that picks one at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallFormat {
    Exec,
    Hermes,
    Xlam,
    Pythonic,
}

impl CallFormat {
    pub fn name(self) -> &'static str {
        match self {
            CallFormat::Exec => exec::FORMAT,
            CallFormat::Hermes => hermes::FORMAT,
            CallFormat::Xlam => xlam::FORMAT,
            CallFormat::Pythonic => pythonic::FORMAT,
        }
    }

    pub fn parse(self, text: &str) -> Result<Vec<ToolCall>, ParseError> {
        match self {
            CallFormat::Exec => exec::parse(text),
            CallFormat::Hermes => hermes::parse(text),
            CallFormat::Xlam => xlam::parse(text),
            CallFormat::Pythonic => pythonic::parse(text),
        }
    }

    pub fn render(self, calls: &[ToolCall]) -> Result<String, crate::Error> {
        match self {
            CallFormat::Exec => exec::render(calls),
            CallFormat::Hermes => Ok(hermes::render(calls)),
            CallFormat::Xlam => Ok(xlam::render(calls)),
            CallFormat::Pythonic => pythonic::render(calls),
        }
    }
}

/// Reads `{"name": ..., "arguments": ...}` (also `"parameters"`); the
/// arguments may be a JSON-encoded string. `offset` is where the value
/// started, for the error.
pub(crate) fn call_from_json(
    value: &Value,
    format: &'static str,
    text: &str,
    offset: usize,
) -> Result<ToolCall, ParseError> {
    let err = |message: String| ParseError::new(format, text, offset, message);
    let entry = value.as_object().ok_or_else(|| {
        err(format!(
            "expected an object with \"name\" and \"arguments\", got {}",
            kind_of(value)
        ))
    })?;
    let name = match entry.get("name") {
        Some(Value::String(name)) if !name.trim().is_empty() => name.trim().to_string(),
        Some(other) => {
            return Err(err(format!(
                "\"name\" must be a non-empty string, got {}",
                kind_of(other)
            )))
        }
        None => return Err(err("the call has no \"name\"".into())),
    };
    let arguments = match entry.get("arguments").or_else(|| entry.get("parameters")) {
        None | Some(Value::Null) => Value::Object(Map::new()),
        Some(Value::Object(map)) => Value::Object(map.clone()),
        Some(Value::String(encoded)) if encoded.trim().is_empty() => Value::Object(Map::new()),
        Some(Value::String(encoded)) => match serde_json::from_str::<Value>(encoded) {
            Ok(Value::Object(map)) => Value::Object(map),
            Ok(other) => {
                return Err(err(format!(
                    "\"arguments\" of '{name}' must be an object, got {}",
                    kind_of(&other)
                )))
            }
            Err(e) => {
                return Err(err(format!(
                    "\"arguments\" of '{name}' is a string but not JSON: {e}"
                )))
            }
        },
        Some(other) => {
            return Err(err(format!(
                "\"arguments\" of '{name}' must be an object, got {}",
                kind_of(other)
            )))
        }
    };
    Ok(ToolCall { name, arguments })
}

/// Reads one or many calls from a JSON value: an object is one call, a list
/// holds calls (`[]` = none).
pub(crate) fn calls_from_json(
    value: &Value,
    format: &'static str,
    text: &str,
    offset: usize,
) -> Result<Vec<ToolCall>, ParseError> {
    match value {
        Value::Array(items) => items
            .iter()
            .map(|item| call_from_json(item, format, text, offset))
            .collect(),
        other => Ok(vec![call_from_json(other, format, text, offset)?]),
    }
}

/// Parses exactly one JSON value from `text[start..end]`; errors carry the
/// byte offset in `text`.
pub(crate) fn json_at(
    text: &str,
    start: usize,
    end: usize,
    format: &'static str,
) -> Result<Value, ParseError> {
    let slice = &text[start..end];
    serde_json::from_str(slice).map_err(|e| {
        let at = start + line_col_to_offset(slice, e.line(), e.column());
        ParseError::new(format, text, at, format!("invalid JSON: {e}"))
    })
}

/// Parses the first JSON value in `text[start..]` and returns it with the
/// byte offset just after it (what follows is left to the caller), or
/// `None` when only whitespace remains.
pub(crate) fn json_prefix_at(
    text: &str,
    start: usize,
    format: &'static str,
) -> Result<Option<(Value, usize)>, ParseError> {
    let slice = &text[start..];
    let mut stream = serde_json::Deserializer::from_str(slice).into_iter::<Value>();
    match stream.next() {
        None => Ok(None),
        Some(Ok(value)) => Ok(Some((value, start + stream.byte_offset()))),
        Some(Err(e)) => {
            let at = start + line_col_to_offset(slice, e.line(), e.column());
            Err(ParseError::new(
                format,
                text,
                at,
                format!("invalid JSON: {e}"),
            ))
        }
    }
}

/// serde_json's 1-based line/column -> byte offset in `text`.
fn line_col_to_offset(text: &str, line: usize, column: usize) -> usize {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    (line_start + column.saturating_sub(1)).min(text.len())
}

fn kind_of(value: &Value) -> String {
    match value {
        Value::String(s) => format!("the string {}", Value::from(preview(s, 30))),
        other => crate::schema::validate::describe(other),
    }
}

/// JSON text with Python's `json.dumps` separators (`", "`, `": "`), as the
/// Qwen/Hermes chat templates and xLAM's format instruction write it.
pub fn to_json_text(value: &Value) -> String {
    let mut out = String::new();
    write_nested(
        value,
        &mut out,
        &|scalar, out| out.push_str(&scalar.to_string()),
        &|key, out| out.push_str(&Value::from(key).to_string()),
    );
    out
}

/// Writes lists as `[a, b]` and maps as `{k: v}` with Python's separators;
/// `scalar` writes everything else and `key` writes map keys. Shared by the
/// JSON and the pythonic renderers.
pub(crate) fn write_nested(
    value: &Value,
    out: &mut String,
    scalar: &dyn Fn(&Value, &mut String),
    key: &dyn Fn(&str, &mut String),
) {
    match value {
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_nested(item, out, scalar, key);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (name, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                key(name, out);
                out.push_str(": ");
                write_nested(item, out, scalar, key);
            }
            out.push('}');
        }
        other => scalar(other, out),
    }
}

/// The next opening tag at or after `pos`, or `None` when no tag remains; a
/// closing tag before any opening one is an error.
pub(crate) fn next_open_tag(
    text: &str,
    pos: usize,
    (open, close): (&str, &str),
    format: &'static str,
) -> Result<Option<usize>, ParseError> {
    let open_at = text[pos..].find(open).map(|o| pos + o);
    let close_at = text[pos..].find(close).map(|c| pos + c);
    match (open_at, close_at) {
        (None, None) => Ok(None),
        (Some(o), None) => Ok(Some(o)),
        (Some(o), Some(c)) if o < c => Ok(Some(o)),
        (_, Some(c)) => Err(ParseError::new(
            format,
            text,
            c,
            format!("{close} without an opening {open}"),
        )),
    }
}

/// `{"name": ..., "arguments": {...}}` for one call.
pub(crate) fn call_to_json(call: &ToolCall) -> Value {
    let mut map = Map::new();
    map.insert("name".into(), Value::from(call.name.as_str()));
    map.insert("arguments".into(), call.arguments.clone());
    Value::Object(map)
}

/// Strips one surrounding Markdown code fence (```` ```json ... ``` ````).
pub(crate) fn strip_code_fence(text: &str) -> (&str, usize) {
    let trimmed = text.trim();
    let lead = text.len() - text.trim_start().len();
    if let Some(rest) = trimmed.strip_prefix("```") {
        if let Some(body) = rest.strip_suffix("```") {
            let newline = body.find('\n').unwrap_or(body.len());
            let tag = &body[..newline];
            if tag.chars().all(|c| c.is_ascii_alphanumeric()) {
                return (&body[newline..], lead + 3 + newline);
            }
        }
    }
    (trimmed, lead)
}
