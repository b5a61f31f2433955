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
        s.push('\n');
        s.push_str(&t.to_string());
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
                push(format!("{}{IM_END}", m.content), true);
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
            messages: vec![Message {
                role: Role::User,
                content: user.into(),
            }],
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

#[cfg(test)]
mod tests {
    use super::*;

    fn conv() -> Conversation {
        Conversation {
            messages: vec![
                Message {
                    role: Role::User,
                    content: "What is 2+2?".into(),
                },
                Message {
                    role: Role::Assistant,
                    content: "4".into(),
                },
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
        c.tools = vec![serde_json::json!({"name": "python"})];
        let t = render_text(&c, true);
        assert!(t.starts_with("<|im_start|>system\n# Tools"));
        assert!(t.contains("<tools>\n{\"name\":\"python\"}\n</tools>"));
        assert!(t.ends_with("<|im_start|>assistant\n"));
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
