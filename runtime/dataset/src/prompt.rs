//! Prompt formats: the ONE renderer used by training and inference, so the
//! two never drift. A conversation renders to segments, each marked as
//! trained-on (assistant output) or not (everything the model is given);
//! tokenizing the segments one by one gives the per-token loss mask.
//!
//! Formats: ChatML (SmolLM2's and Qwen's own template); with tools it
//! follows Qwen2.5 / Hermes: the tool schemas go in the system turn inside
//! `<tools></tools>`, the assistant answers with `<tool_call>{json}</tool_call>`,
//! and results come back in a user turn inside `<tool_response>`.

use serde::{Deserialize, Serialize};

/// Who said a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    System,
    User,
    Assistant,
    Tool,
}

/// One message of a conversation (the JSONL `messages` entries).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub role: Role,
    #[serde(default)]
    pub content: String,
    /// An assistant message with weight 0 is shown but not trained on
    /// (OpenAI's fine-tuning field): a failed first attempt the model
    /// should learn to recover from, not to write.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub weight: u8,
}

fn one() -> u8 {
    1
}

fn is_one(w: &u8) -> bool {
    *w == 1
}

impl Message {
    /// A message with weight 1.
    pub fn new(role: Role, content: impl Into<String>) -> Message {
        Message {
            role,
            content: content.into(),
            weight: 1,
        }
    }
}

/// A conversation with the tools available in it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    pub messages: Vec<Message>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<serde_json::Value>,
}

/// A piece of rendered text and whether the loss is computed on it.
#[derive(Clone, Debug, PartialEq)]
pub struct Segment {
    pub text: String,
    pub train: bool,
}

const IM_START: &str = "<|im_start|>";
const IM_END: &str = "<|im_end|>";

/// The system text that introduces tools (Qwen2.5 / Hermes wording).
fn tools_block(tools: &[serde_json::Value]) -> String {
    let mut s = String::from(
        "# Tools\n\nYou may call one or more functions to assist with the user query.\n\n\
         You are provided with function signatures within <tools></tools> XML tags:\n<tools>",
    );
    for t in tools {
        // `tool | tojson` in the Qwen2.5 template: json.dumps separators.
        s.push('\n');
        s.push_str(&tools::parse::to_json_text(t));
    }
    s.push_str(
        "\n</tools>\n\nFor each function call, return a json object with function name and arguments \
         within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call>",
    );
    s
}

/// Renders a conversation in ChatML. Assistant contents (and their closing
/// `<|im_end|>`) are the trained segments. With `add_generation_prompt`,
/// ends with an open assistant turn for inference.
pub fn render_chatml(conv: &Conversation, add_generation_prompt: bool) -> Vec<Segment> {
    let mut out: Vec<Segment> = Vec::new();
    let mut push = |text: String, train: bool| match out.last_mut() {
        Some(last) if last.train == train => last.text.push_str(&text),
        _ => out.push(Segment { text, train }),
    };
    let mut messages = conv.messages.iter().peekable();
    if !conv.tools.is_empty() {
        let system = match messages.peek() {
            Some(m) if m.role == Role::System => messages
                .next()
                .map(|m| m.content.clone())
                .unwrap_or_default(),
            _ => String::new(),
        };
        let sep = if system.is_empty() { "" } else { "\n\n" };
        push(
            format!(
                "{IM_START}system\n{system}{sep}{}{IM_END}\n",
                tools_block(&conv.tools)
            ),
            false,
        );
    }
    for m in messages {
        match m.role {
            Role::System => push(format!("{IM_START}system\n{}{IM_END}\n", m.content), false),
            Role::User => push(format!("{IM_START}user\n{}{IM_END}\n", m.content), false),
            Role::Tool => push(
                format!(
                    "{IM_START}user\n<tool_response>\n{}\n</tool_response>{IM_END}\n",
                    m.content
                ),
                false,
            ),
            Role::Assistant => {
                push(format!("{IM_START}assistant\n"), false);
                push(format!("{}{IM_END}", m.content), m.weight > 0);
                push("\n".into(), false);
            }
        }
    }
    if add_generation_prompt {
        push(format!("{IM_START}assistant\n"), false);
    }
    out
}

/// The whole rendered text (inference prompt).
pub fn render_text(conv: &Conversation, add_generation_prompt: bool) -> String {
    render_chatml(conv, add_generation_prompt)
        .into_iter()
        .map(|s| s.text)
        .collect()
}

/// A ChatML user turn followed by the opening of the assistant turn.
pub fn chatml_user_turn(user: &str) -> String {
    render_text(
        &Conversation {
            messages: vec![Message::new(Role::User, user)],
            tools: vec![],
        },
        true,
    )
}

/// Tokens and their loss mask: `tokenize` is the model's tokenizer (the
/// llama.cpp one of the same GGUF). BOS, when given, starts the sequence.
pub fn tokenize_segments(
    segments: &[Segment],
    bos: Option<i32>,
    tokenize: &mut dyn FnMut(&str) -> Vec<i32>,
) -> (Vec<i32>, Vec<bool>) {
    let mut ids = Vec::new();
    let mut mask = Vec::new();
    if let Some(b) = bos {
        ids.push(b);
        mask.push(false);
    }
    for s in segments {
        let t = tokenize(&s.text);
        mask.extend(std::iter::repeat_n(s.train, t.len()));
        ids.extend(t);
    }
    (ids, mask)
}

/// Next-token labels: `labels[i] = ids[i+1]` where token i+1 is trained on,
/// else -1 (ignored); the last position has no target.
pub fn labels_from_mask(ids: &[i32], train: &[bool]) -> Vec<i32> {
    (0..ids.len())
        .map(|i| {
            if i + 1 < ids.len() && train[i + 1] {
                ids[i + 1]
            } else {
                -1
            }
        })
        .collect()
}

/// Parses one JSONL line into a conversation, or says why not.
pub fn parse_line(line: &str) -> Result<Conversation, String> {
    let conv: Conversation = serde_json::from_str(line).map_err(|e| e.to_string())?;
    if conv.messages.is_empty() {
        return Err("\"messages\" is empty".into());
    }
    if !conv.messages.iter().any(|m| m.role == Role::Assistant) {
        return Err("no assistant message to learn from".into());
    }
    Ok(conv)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conv() -> Conversation {
        Conversation {
            messages: vec![
                Message::new(Role::User, "What is 2+2?"),
                Message::new(Role::Assistant, "4"),
            ],
            tools: vec![],
        }
    }

    #[test]
    fn chatml_marks_only_assistant_text() {
        let segs = render_chatml(&conv(), false);
        assert_eq!(
            segs.iter()
                .filter(|s| s.train)
                .map(|s| s.text.as_str())
                .collect::<Vec<_>>(),
            ["4<|im_end|>"]
        );
        assert_eq!(
            render_text(&conv(), false),
            "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n4<|im_end|>\n"
        );
    }

    #[test]
    fn tools_go_in_the_system_turn() {
        let mut c = conv();
        c.tools = vec![serde_json::json!({"name": "python", "parameters": {"type": "dict"}})];
        let t = render_text(&c, true);
        assert!(t.starts_with("<|im_start|>system\n# Tools"));
        // json.dumps spacing, as the Qwen2.5 template's `tojson` writes it.
        assert!(t.contains(
            "<tools>\n{\"name\": \"python\", \"parameters\": {\"type\": \"dict\"}}\n</tools>"
        ));
        assert!(t.ends_with("<|im_start|>assistant\n"));
    }

    #[test]
    fn weight_zero_turns_are_shown_not_trained() {
        let line = r#"{"messages": [{"role": "user", "content": "q"},
            {"role": "assistant", "content": "BROKEN", "weight": 0},
            {"role": "tool", "content": "Error"},
            {"role": "assistant", "content": "FIXED"}]}"#;
        let conv = parse_line(line).unwrap();
        assert_eq!(conv.messages[1].weight, 0);
        assert_eq!(conv.messages[3].weight, 1);
        let segs = render_chatml(&conv, false);
        let trained: String = segs
            .iter()
            .filter(|s| s.train)
            .map(|s| s.text.as_str())
            .collect();
        let shown: String = segs.iter().map(|s| s.text.as_str()).collect();
        assert!(shown.contains("BROKEN") && !trained.contains("BROKEN"));
        assert!(trained.contains("FIXED"));
        let back = serde_json::to_string(&conv).unwrap();
        assert!(back.contains(r#""weight":0"#) && back.matches("weight").count() == 1);
    }

    #[test]
    fn labels_follow_the_mask() {
        let (ids, mask) = tokenize_segments(
            &[
                Segment {
                    text: "ab".into(),
                    train: false,
                },
                Segment {
                    text: "cd".into(),
                    train: true,
                },
            ],
            Some(1),
            &mut |s| s.bytes().map(|b| b as i32).collect(),
        );
        assert_eq!(ids, [1, 97, 98, 99, 100]);
        assert_eq!(labels_from_mask(&ids, &mask), [-1, -1, 99, 100, -1]);
    }
}

// ---- xLAM and classic EXEC formats (issue 8) ----

/// xLAM's task instruction (Salesforce xLAM model card).
pub const XLAM_TASK_INSTRUCTION: &str = "You are an expert in composing functions. You are given a question and a set of possible functions. \n\
Based on the question, you will need to make one or more function/tool calls to achieve the purpose. \n\
If none of the functions can be used, point it out and refuse to answer. \n\
If the given question lacks the parameters required by the function, also point it out.";

/// xLAM's format instruction: answer with `{"tool_calls": [...]}` only.
pub const XLAM_FORMAT_INSTRUCTION: &str = "The output MUST strictly adhere to the following JSON format, and NO other text MUST be included.\n\
The example format is as follows. Please make sure the parameter type is correct. If no function call is needed, please make tool_calls an empty list '[]'.\n\
```\n{\n    \"tool_calls\": [\n    {\"name\": \"func_name1\", \"arguments\": {\"argument1\": \"value1\", \"argument2\": \"value2\"}},\n    ... (more tool calls as required)\n    ]\n}\n```";

/// The single user turn of xLAM's bracketed prompt: task instruction,
/// tools (as `json.dumps` writes them), format instruction, query.
pub fn xlam_prompt(tools: &[serde_json::Value], query: &str) -> String {
    let tools = tools::parse::to_json_text(&serde_json::Value::Array(tools.to_vec()));
    format!(
        "[BEGIN OF TASK INSTRUCTION]\n{XLAM_TASK_INSTRUCTION}\n[END OF TASK INSTRUCTION]\n\n\
         [BEGIN OF AVAILABLE TOOLS]\n{tools}\n[END OF AVAILABLE TOOLS]\n\n\
         [BEGIN OF FORMAT INSTRUCTION]\n{XLAM_FORMAT_INSTRUCTION}\n[END OF FORMAT INSTRUCTION]\n\n\
         [BEGIN OF QUERY]\n{query}\n[END OF QUERY]\n\n"
    )
}

/// An xLAM-format training conversation: the bracketed prompt as the user
/// turn (no tools in a system turn) and `{"tool_calls": [...]}` as the
/// answer.
pub fn xlam_conversation(
    tools: &[serde_json::Value],
    query: &str,
    calls: &[tools::ToolCall],
) -> Conversation {
    Conversation {
        messages: vec![
            Message::new(Role::User, xlam_prompt(tools, query)),
            Message::new(Role::Assistant, tools::parse::xlam::render(calls)),
        ],
        tools: vec![],
    }
}

/// System instructions of the EXEC format (the agent's `--format exec`).
pub const EXEC_INSTRUCTIONS: &str =
    "To compute something, write Python code inside <EXEC></EXEC> tags; print what you need. \
The output comes back in <tool_response>. When you know the answer, reply without tags.";

/// A Hermes conversation whose calls are all `python` rewritten for the
/// EXEC format: no tool list, [`EXEC_INSTRUCTIONS`] in the system turn,
/// each `<tool_call>` block replaced by `<EXEC>\ncode\n</EXEC>` (text
/// before it is kept as the thought). `Err` when a call is not python.
pub fn to_exec_format(conv: &Conversation) -> Result<Conversation, String> {
    let mut messages = Vec::with_capacity(conv.messages.len() + 1);
    let mut rest = conv.messages.iter().peekable();
    let system = match rest.peek() {
        Some(m) if m.role == Role::System => {
            let s = rest.next().map(|m| m.content.as_str()).unwrap_or_default();
            format!("{s}\n\n{EXEC_INSTRUCTIONS}")
        }
        _ => EXEC_INSTRUCTIONS.to_string(),
    };
    messages.push(Message::new(Role::System, system));
    for m in rest {
        let mut m = m.clone();
        if m.role == Role::Assistant {
            let calls = tools::parse::hermes::parse(&m.content).map_err(|e| e.to_string())?;
            if !calls.is_empty() {
                let thought = m.content[..m.content.find("<tool_call>").unwrap_or(0)].trim_end();
                let exec = tools::parse::exec::render(&calls).map_err(|e| e.to_string())?;
                m.content = if thought.is_empty() {
                    exec
                } else {
                    format!("{thought}\n{exec}")
                };
            }
        }
        messages.push(m);
    }
    Ok(Conversation {
        messages,
        tools: vec![],
    })
}

/// The classic plain-text EXEC transcript of an EXEC-format conversation:
/// `Question:`, then per assistant turn `Thought:` / `Action: <EXEC>..`
/// (or `Answer:` for a turn without code), tool output as `Result:`.
/// Assistant text is the trained part, as in [`render_chatml`].
pub fn render_exec_transcript(conv: &Conversation) -> Vec<Segment> {
    let mut out: Vec<Segment> = Vec::new();
    let mut push = |text: String, train: bool| match out.last_mut() {
        Some(last) if last.train == train => last.text.push_str(&text),
        _ => out.push(Segment { text, train }),
    };
    for m in &conv.messages {
        match m.role {
            Role::System => {}
            Role::User => push(format!("Question: {}\n", m.content), false),
            Role::Tool => push(format!("Result: {}\n", m.content.trim_end()), false),
            Role::Assistant => match m.content.find("<EXEC>") {
                Some(at) => {
                    let thought = m.content[..at].trim();
                    if !thought.is_empty() {
                        push("Thought: ".into(), false);
                        push(format!("{thought}\n"), true);
                    }
                    push("Action: ".into(), false);
                    push(format!("{}\n", m.content[at..].trim_end()), true);
                }
                None => {
                    push("Answer: ".into(), false);
                    push(format!("{}\n", m.content.trim_end()), true);
                }
            },
        }
    }
    out
}

#[cfg(test)]
mod format_tests {
    use super::*;
    use serde_json::json;

    fn python_conv() -> Conversation {
        let m = |role, content: &str| Message::new(role, content);
        Conversation {
            messages: vec![
                m(Role::User, "What is 2**10?"),
                m(
                    Role::Assistant,
                    "<tool_call>\n{\"name\": \"python\", \"arguments\": {\"code\": \"print(2**10)\"}}\n</tool_call>",
                ),
                m(Role::Tool, "1024\n"),
                m(Role::Assistant, "2^10 = 1024."),
            ],
            tools: vec![json!({"name": "python"})],
        }
    }

    #[test]
    fn xlam_prompt_has_the_four_blocks_in_order() {
        let tools = [json!({"name": "f", "parameters": {"x": {"type": "int"}}})];
        let c = xlam_conversation(
            &tools,
            "Call f",
            &[tools::ToolCall::new("f", json!({"x": 1}))],
        );
        let p = &c.messages[0].content;
        let at = |s: &str| p.find(s).unwrap();
        assert!(at("[BEGIN OF TASK INSTRUCTION]") < at("[BEGIN OF AVAILABLE TOOLS]"));
        assert!(at("[BEGIN OF AVAILABLE TOOLS]") < at("[BEGIN OF FORMAT INSTRUCTION]"));
        assert!(at("[END OF FORMAT INSTRUCTION]") < at("[BEGIN OF QUERY]\nCall f\n[END OF QUERY]"));
        assert!(p.contains("[{\"name\": \"f\", \"parameters\": {\"x\": {\"type\": \"int\"}}}]"));
        assert_eq!(
            c.messages[1].content,
            "{\"tool_calls\": [{\"name\": \"f\", \"arguments\": {\"x\": 1}}]}"
        );
        assert!(!render_text(&c, false).contains("<tools>"));
    }

    #[test]
    fn exec_format_round_trips_through_the_exec_parser() {
        let e = to_exec_format(&python_conv()).unwrap();
        assert_eq!(e.messages[0].content, EXEC_INSTRUCTIONS);
        assert_eq!(e.messages[2].content, "<EXEC>\nprint(2**10)\n</EXEC>");
        let calls = tools::parse::exec::parse(&e.messages[2].content).unwrap();
        assert_eq!(calls[0].arguments["code"], "print(2**10)");
        assert!(e.tools.is_empty());
        let mut bad = python_conv();
        bad.messages[1].content =
            "<tool_call>\n{\"name\": \"calc\", \"arguments\": {}}\n</tool_call>".into();
        assert!(to_exec_format(&bad).is_err());
        let t: String = render_exec_transcript(&e)
            .into_iter()
            .map(|s| s.text)
            .collect();
        assert_eq!(
            t,
            "Question: What is 2**10?\nAction: <EXEC>\nprint(2**10)\n</EXEC>\nResult: 1024\nAnswer: 2^10 = 1024.\n"
        );
        let trained: Vec<String> = render_exec_transcript(&e)
            .into_iter()
            .filter(|s| s.train)
            .map(|s| s.text)
            .collect();
        assert_eq!(
            trained,
            ["<EXEC>\nprint(2**10)\n</EXEC>\n", "2^10 = 1024.\n"]
        );
    }
}
