//! Classic EXEC format: the model writes Python between `<EXEC>` and
//! `</EXEC>` (one or many blocks); each block becomes a call to the
//! `python` tool with `{"code": ...}`. One newline after `<EXEC>` and one
//! before `</EXEC>` belong to the tags; a Markdown fence around the whole
//! code is removed.

use super::{next_open_tag, strip_code_fence, ParseError, ToolCall};
use serde_json::{json, Value};

pub const FORMAT: &str = "exec";
/// The tool an EXEC block calls.
pub const TOOL: &str = "python";
const OPEN: &str = "<EXEC>";
const CLOSE: &str = "</EXEC>";

/// All `<EXEC>` blocks in `text`, in order; no block means no call.
pub fn parse(text: &str) -> Result<Vec<ToolCall>, ParseError> {
    let mut calls = Vec::new();
    let mut pos = 0;
    loop {
        let Some(open) = next_open_tag(text, pos, (OPEN, CLOSE), FORMAT)? else {
            return Ok(calls);
        };
        let body_start = open + OPEN.len();
        let Some(body_len) = text[body_start..].find(CLOSE) else {
            return Err(ParseError::new(
                FORMAT,
                text,
                open,
                "unterminated <EXEC> block: end the code with </EXEC>",
            ));
        };
        let body = &text[body_start..body_start + body_len];
        if let Some(nested) = body.find(OPEN) {
            return Err(ParseError::new(
                FORMAT,
                text,
                body_start + nested,
                "<EXEC> inside an open <EXEC> block: close the first block with </EXEC>",
            ));
        }
        calls.push(code_call(clean_code(body)));
        pos = body_start + body_len + CLOSE.len();
    }
}

fn code_call(code: &str) -> ToolCall {
    ToolCall::new(TOOL, json!({ "code": code }))
}

fn clean_code(body: &str) -> &str {
    let body = body
        .strip_prefix("\r\n")
        .or_else(|| body.strip_prefix('\n'))
        .unwrap_or(body);
    let body = body.strip_suffix('\n').unwrap_or(body);
    if body.trim_start().starts_with("```") {
        strip_code_fence(body).0.trim_matches('\n')
    } else {
        body
    }
}

/// `<EXEC>\ncode\n</EXEC>` per call; every call must be `python` with a
/// string `code` argument that does not contain the tags.
pub fn render(calls: &[ToolCall]) -> Result<String, crate::Error> {
    let err = |message: String| crate::Error::Render {
        format: FORMAT,
        message,
    };
    let mut out = Vec::with_capacity(calls.len());
    for call in calls {
        if call.name != TOOL {
            return Err(err(format!(
                "only '{TOOL}' calls can be EXEC blocks, got '{}'",
                call.name
            )));
        }
        let Some(Value::String(code)) = call.arguments.get("code") else {
            return Err(err("a python call needs a string 'code' argument".into()));
        };
        if code.contains(OPEN) || code.contains(CLOSE) {
            return Err(err("code contains <EXEC> or </EXEC>".into()));
        }
        out.push(format!("{OPEN}\n{code}\n{CLOSE}"));
    }
    Ok(out.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(text: &str) -> Vec<String> {
        parse(text)
            .unwrap()
            .into_iter()
            .map(|c| c.arguments["code"].as_str().unwrap().to_string())
            .collect()
    }

    #[test]
    fn reads_blocks_in_order() {
        let text = "Thought: compute.\n<EXEC>\nprint(1)\n</EXEC> then <EXEC>x = 2\nprint(x)</EXEC>";
        assert_eq!(codes(text), ["print(1)", "x = 2\nprint(x)"]);
        assert!(parse("The answer is 4.").unwrap().is_empty());
        assert_eq!(
            codes("<EXEC>\n```python\nprint(3)\n```\n</EXEC>"),
            ["print(3)"]
        );
        assert_eq!(parse("<EXEC></EXEC>").unwrap()[0].name, "python");
    }

    #[test]
    fn errors_say_where() {
        let e = parse("ok <EXEC>print(1)").unwrap_err();
        assert_eq!(e.offset, 3);
        assert!(e.message.contains("unterminated"), "{e}");
        let e = parse("print(1)</EXEC>").unwrap_err();
        assert_eq!(e.offset, 8);
        let e = parse("<EXEC>a<EXEC>b</EXEC>").unwrap_err();
        assert_eq!(e.offset, 7);
        assert!(
            e.to_string().contains("near `<EXEC>a<EXEC>b</EXEC>`"),
            "{e}"
        );
    }

    #[test]
    fn render_rejects_what_it_cannot_write() {
        assert!(render(&[ToolCall::new("calculator", json!({"code": "1"}))]).is_err());
        assert!(render(&[ToolCall::new("python", json!({"code": "</EXEC>"}))]).is_err());
        assert!(render(&[ToolCall::new("python", json!({}))]).is_err());
        let text = render(&[code_call("print(1)")]).unwrap();
        assert_eq!(text, "<EXEC>\nprint(1)\n</EXEC>");
    }
}
