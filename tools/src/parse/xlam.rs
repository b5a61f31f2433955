//! xLAM format: the whole answer is JSON, `{"tool_calls": [{"name": ...,
//! "arguments": {...}}, ...]}` (empty list = no call). Also read: a bare
//! list of calls, a single call object, and a Markdown fence around it.

use super::{
    call_to_json, calls_from_json, json_at, strip_code_fence, to_json_text, ParseError, ToolCall,
};
use serde_json::{Map, Value};

pub const FORMAT: &str = "xlam";

/// The calls in an xLAM answer.
pub fn parse(text: &str) -> Result<Vec<ToolCall>, ParseError> {
    let (body, lead) = strip_code_fence(text);
    if body.trim().is_empty() {
        return Err(ParseError::new(
            FORMAT,
            text,
            0,
            "empty answer: write {\"tool_calls\": [...]} ({\"tool_calls\": []} for no call)",
        ));
    }
    let value = json_at(text, lead, lead + body.len(), FORMAT)?;
    match &value {
        Value::Object(map) if map.contains_key("tool_calls") => match &map["tool_calls"] {
            list @ Value::Array(_) => calls_from_json(list, FORMAT, text, lead),
            Value::Null => Ok(Vec::new()),
            _ => Err(ParseError::new(
                FORMAT,
                text,
                lead,
                "\"tool_calls\" must be a list of calls",
            )),
        },
        other => calls_from_json(other, FORMAT, text, lead),
    }
}

/// `{"tool_calls": [...]}` with Python's JSON spacing, as in xLAM's format
/// instruction.
pub fn render(calls: &[ToolCall]) -> String {
    let mut map = Map::new();
    map.insert(
        "tool_calls".into(),
        Value::Array(calls.iter().map(call_to_json).collect()),
    );
    to_json_text(&Value::Object(map))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_all_shapes() {
        let text = r#"{"tool_calls": [{"name": "a", "arguments": {"x": 1}}, {"name": "b", "arguments": {}}]}"#;
        assert_eq!(parse(text).unwrap().len(), 2);
        assert!(parse(r#"{"tool_calls": []}"#).unwrap().is_empty());
        let bare = r#"[{"name": "live_giveaways_by_type", "arguments": {"type": "beta"}}]"#;
        assert_eq!(parse(bare).unwrap()[0].arguments, json!({"type": "beta"}));
        assert_eq!(
            parse("```json\n{\"name\": \"f\"}\n```").unwrap()[0].name,
            "f"
        );
    }

    #[test]
    fn errors() {
        let e = parse(r#"{"tool_calls": [{"name": "a", "arguments": {"x": 1}}]} trailing"#)
            .unwrap_err();
        assert!(e.message.contains("trailing"), "{e}");
        assert!(parse("").is_err());
        assert!(parse(r#"{"tool_calls": {"name": "a"}}"#).is_err());
        assert!(parse(r#"[{"name": 3}]"#).is_err());
    }

    #[test]
    fn render_spacing() {
        let calls = [ToolCall::new("a", json!({"x": [1, 2]}))];
        assert_eq!(
            render(&calls),
            r#"{"tool_calls": [{"name": "a", "arguments": {"x": [1, 2]}}]}"#
        );
        assert_eq!(render(&[]), r#"{"tool_calls": []}"#);
    }
}
