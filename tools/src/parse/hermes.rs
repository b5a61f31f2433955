//! Hermes / Qwen2.5 format: `<tool_call>\n{"name": ..., "arguments": {...}}\n</tool_call>`
//! per call. Also read: a JSON list inside one tag (SmolLM2 style,
//! `<tool_call>[]</tool_call>` = no call), arguments given as a
//! JSON-encoded string, and a last tag left open at the end of the text
//! when what follows is complete JSON (generation often stops at the
//! closing tag).

use super::{
    call_to_json, calls_from_json, json_prefix_at, next_open_tag, to_json_text, ParseError,
    ToolCall,
};
use serde_json::Value;

pub const FORMAT: &str = "hermes";
const OPEN: &str = "<tool_call>";
const CLOSE: &str = "</tool_call>";

/// All calls in all `<tool_call>` tags, in order; no tag means no call.
pub fn parse(text: &str) -> Result<Vec<ToolCall>, ParseError> {
    let mut calls = Vec::new();
    let mut pos = 0;
    loop {
        let Some(open) = next_open_tag(text, pos, (OPEN, CLOSE), FORMAT)? else {
            return Ok(calls);
        };
        let mut json_start = skip_spaces(text, open + OPEN.len());
        // A Markdown fence inside the tag: skip its opening line.
        let fenced = text[json_start..].starts_with("```");
        if fenced {
            json_start = text[json_start..]
                .find('\n')
                .map_or(text.len(), |n| json_start + n + 1);
        }
        if text[json_start..].starts_with(CLOSE) {
            return Err(empty_tag(text, open));
        }
        let parsed = json_prefix_at(text, json_start, FORMAT).map_err(|mut e| {
            if !text[open..].contains(CLOSE) {
                e.message = format!(
                    "unterminated <tool_call> (close it with </tool_call>); {}",
                    e.message
                );
            }
            e
        })?;
        let Some((value, json_end)) = parsed else {
            return Err(empty_tag(text, open));
        };
        calls.extend(calls_from_json(&value, FORMAT, text, json_start)?);
        let mut after = skip_spaces(text, json_end);
        if fenced && text[after..].starts_with("```") {
            after = skip_spaces(text, after + 3);
        }
        // Generation often stops at the closing tag: a complete call at the
        // end of the text counts.
        let next = if after == text.len() {
            after
        } else if text[after..].starts_with(CLOSE) {
            after + CLOSE.len()
        } else {
            return Err(ParseError::new(
                FORMAT,
                text,
                after,
                "expected </tool_call> after the JSON call (one JSON value per tag)",
            ));
        };
        pos = next;
    }
}

fn skip_spaces(text: &str, from: usize) -> usize {
    let rest = &text[from..];
    from + rest.len() - rest.trim_start().len()
}

fn empty_tag(text: &str, open: usize) -> ParseError {
    ParseError::new(
        FORMAT,
        text,
        open,
        "empty <tool_call>: write {\"name\": ..., \"arguments\": {...}} inside",
    )
}

/// Qwen2.5 / Hermes: one tag per call, separated by newlines.
pub fn render(calls: &[ToolCall]) -> String {
    calls
        .iter()
        .map(|call| format!("{OPEN}\n{}\n{CLOSE}", to_json_text(&call_to_json(call))))
        .collect::<Vec<_>>()
        .join("\n")
}

/// SmolLM2 style: all calls as one JSON list in one tag (`[]` = no call).
pub fn render_list(calls: &[ToolCall]) -> String {
    let list = Value::Array(calls.iter().map(call_to_json).collect());
    format!("{OPEN}{}{CLOSE}", to_json_text(&list))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_qwen_smollm_and_string_arguments() {
        let qwen = "I'll check.\n<tool_call>\n{\"name\": \"weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>\n<tool_call>\n{\"name\": \"time\", \"arguments\": {}}\n</tool_call>";
        let calls = parse(qwen).unwrap();
        assert_eq!(calls.len(), 2);
        assert_eq!(calls[0], ToolCall::new("weather", json!({"city": "Paris"})));
        assert_eq!(calls[1], ToolCall::new("time", json!({})));

        let smol = r#"<tool_call>[{"name": "a", "arguments": {"x": 1}}, {"name": "b", "arguments": "{\"y\": [1, 2]}"}]</tool_call>"#;
        let calls = parse(smol).unwrap();
        assert_eq!(calls[1], ToolCall::new("b", json!({"y": [1, 2]})));
        assert!(parse("<tool_call>[]</tool_call>").unwrap().is_empty());
        assert!(parse("No tool is needed.").unwrap().is_empty());
        // Stopped at the closing tag: still one complete call.
        assert_eq!(parse("<tool_call>\n{\"name\": \"f\"}\n").unwrap().len(), 1);
        // Tags inside argument strings are just text.
        let tricky = r#"<tool_call>{"name": "f", "arguments": {"s": "</tool_call><tool_call>"}}</tool_call>"#;
        assert_eq!(
            parse(tricky).unwrap()[0].arguments["s"],
            "</tool_call><tool_call>"
        );
        let fenced = "<tool_call>\n```json\n{\"name\": \"f\"}\n```\n</tool_call>";
        assert_eq!(parse(fenced).unwrap()[0].name, "f");
    }

    #[test]
    fn errors_point_into_the_text() {
        let text = "<tool_call>\n{\"name\": \"f\", \"arguments\": {\"x\": }}\n</tool_call>";
        let e = parse(text).unwrap_err();
        assert_eq!(&text[e.offset..e.offset + 1], "}", "{e}");
        let e = parse("<tool_call>{\"name\": \"f\", \"argu").unwrap_err();
        assert!(e.message.contains("unterminated"), "{e}");
        let e = parse("<tool_call>{\"arguments\": {}}</tool_call>").unwrap_err();
        assert!(e.message.contains("no \"name\""), "{e}");
        let e =
            parse("<tool_call>{\"name\": \"f\", \"arguments\": \"[1]\"}</tool_call>").unwrap_err();
        assert!(e.message.contains("must be an object"), "{e}");
        assert!(parse("<tool_call></tool_call>").is_err());
        assert!(parse("x</tool_call>").is_err());
        let e = parse("<tool_call>{\"name\": \"f\"} {\"name\": \"g\"}</tool_call>").unwrap_err();
        assert_eq!(e.offset, 25, "{e}");
    }

    #[test]
    fn render_matches_qwen_template_spacing() {
        let calls = [ToolCall::new(
            "weather",
            json!({"city": "Paris", "days": 2}),
        )];
        assert_eq!(
            render(&calls),
            "<tool_call>\n{\"name\": \"weather\", \"arguments\": {\"city\": \"Paris\", \"days\": 2}}\n</tool_call>"
        );
        assert_eq!(render_list(&[]), "<tool_call>[]</tool_call>");
    }
}
