//! The agent loop: render the conversation with the one prompt renderer,
//! generate until a stop, parse tool calls, execute them (sandbox /
//! registry), append the results, repeat until a final answer or the turn
//! limit. Malformed calls and tool errors go back to the model as tool
//! messages so it can correct itself. Every run yields a [`Trajectory`].

pub mod actions;
mod model;
mod trajectory;

use std::time::Instant;

use tools::{CallFormat, Registry, ToolCall, ToolContext};

pub use model::{ChatModel, Completion, LlamaChat, ScriptedModel};
pub use trajectory::{CallRecord, Trajectory, TrajectoryEnd, Turn};

use crate::Result;
use dataset::prompt::{render_text, Conversation, Message, Role};

/// How the agent talks to the model.
#[derive(Clone, Debug)]
pub struct AgentConfig {
    pub format: CallFormat,
    pub max_turns: usize,
    /// Tokens per model reply.
    pub max_tokens: usize,
    /// Extra system instructions (the tool list is added by the renderer).
    pub system: Option<String>,
}

impl Default for AgentConfig {
    fn default() -> Self {
        AgentConfig {
            format: CallFormat::Hermes,
            max_turns: 6,
            max_tokens: 256,
            system: None,
        }
    }
}

/// Instructions for formats whose tools are not listed by the renderer.
fn format_instructions(format: CallFormat) -> Option<&'static str> {
    match format {
        CallFormat::Exec => Some(dataset::prompt::EXEC_INSTRUCTIONS),
        CallFormat::Pythonic => Some(
            "To call functions, reply with a Python list of calls only, e.g. [f(a=1), g(b=\"x\")]. \
             Results come back in <tool_response>. When you know the answer, reply without calls.",
        ),
        CallFormat::Xlam => Some(
            "To call functions, reply with JSON {\"tool_calls\": [{\"name\": ..., \"arguments\": {...}}]}. \
             Results come back in <tool_response>. When you know the answer, reply with {\"tool_calls\": []} followed by the answer.",
        ),
        CallFormat::Hermes => None,
    }
}

/// Where generation should stop for a format: after the first call block,
/// so the model does not imagine the tool's answer.
fn stop_strings(format: CallFormat) -> (Vec<String>, &'static str) {
    match format {
        CallFormat::Hermes => (vec!["</tool_call>".into()], "</tool_call>"),
        CallFormat::Exec => (vec!["</EXEC>".into()], "</EXEC>"),
        _ => (vec!["<tool_response>".into()], ""),
    }
}

/// Runs the loop for one question.
pub fn run_agent(
    model: &mut dyn ChatModel,
    registry: &Registry,
    config: &AgentConfig,
    question: &str,
    on_turn: &mut dyn FnMut(&Turn),
) -> Result<Trajectory> {
    let started = Instant::now();
    let mut ctx = ToolContext::default();
    // The EXEC format lists no tools (its instructions say how to run
    // code), as `dataset::prompt::to_exec_format` trains it.
    let tools = match config.format {
        CallFormat::Exec => Vec::new(),
        _ => registry
            .schemas_json()
            .as_array()
            .cloned()
            .unwrap_or_default(),
    };
    let mut conv = Conversation {
        messages: Vec::new(),
        tools,
    };
    let mut system = config.system.clone().unwrap_or_default();
    if let Some(extra) = format_instructions(config.format) {
        system = if system.is_empty() {
            extra.to_string()
        } else {
            format!("{system}\n\n{extra}")
        };
    }
    if !system.is_empty() {
        conv.messages.push(Message::new(Role::System, system));
    }
    conv.messages
        .push(Message::new(Role::User, question.to_string()));
    let (stops, closer) = stop_strings(config.format);
    let mut traj = Trajectory::new(question, config.format.name());
    for index in 0..config.max_turns {
        let prompt = render_text(&conv, true);
        let t0 = Instant::now();
        let c = match model.complete(&prompt, &stops, config.max_tokens) {
            Err(crate::Error::ContextFull { .. }) => {
                traj.end = TrajectoryEnd::ContextFull;
                break;
            }
            other => other?,
        };
        let gen_ms = t0.elapsed().as_secs_f64() * 1e3;
        // Put the closing tag back: the model wrote it, generation stopped on it.
        let raw = match &c.stopped_at {
            Some(s) if s == closer => format!("{}{closer}", c.text),
            _ => c.text.clone(),
        };
        let mut turn = Turn {
            index,
            raw: raw.clone(),
            prompt_tokens: c.prompt_tokens,
            generated_tokens: c.generated_tokens,
            gen_ms,
            ..Turn::default()
        };
        conv.messages
            .push(Message::new(Role::Assistant, raw.trim_end().to_string()));
        let calls = match parse_calls(config.format, &raw) {
            Ok(calls) => calls,
            Err(e) => {
                let msg = format!("Error: your tool call could not be parsed: {e}");
                turn.parse_error = Some(e.to_string());
                conv.messages.push(Message::new(Role::Tool, msg));
                on_turn(&turn);
                traj.turns.push(turn);
                continue;
            }
        };
        if calls.is_empty() {
            traj.final_answer = Some(final_text(config.format, &raw));
            traj.end = TrajectoryEnd::Answered;
            on_turn(&turn);
            traj.turns.push(turn);
            break;
        }
        for call in calls {
            let record = execute(registry, &mut ctx, call);
            conv.messages
                .push(Message::new(Role::Tool, record.output.clone()));
            turn.calls.push(record);
        }
        on_turn(&turn);
        traj.turns.push(turn);
    }
    traj.total_ms = started.elapsed().as_secs_f64() * 1e3;
    traj.conversation = conv;
    Ok(traj)
}

fn execute(registry: &Registry, ctx: &mut ToolContext, call: ToolCall) -> CallRecord {
    let t0 = Instant::now();
    let result = registry.call(&call, ctx);
    let ms = t0.elapsed().as_secs_f64() * 1e3;
    match result {
        Ok(out) => CallRecord {
            name: call.name,
            arguments: call.arguments,
            ok: true,
            output: out.text,
            ms,
        },
        Err(e) => CallRecord {
            name: call.name,
            arguments: call.arguments,
            ok: false,
            output: format!("Error: {e}"),
            ms,
        },
    }
}

/// The calls in a reply. For the formats without tags (pythonic, JSON) a
/// reply that does not even start like a call is a plain answer, not a
/// malformed call.
fn parse_calls(
    format: CallFormat,
    raw: &str,
) -> std::result::Result<Vec<ToolCall>, tools::ParseError> {
    let t = raw.trim_start();
    let looks_like_call = match format {
        CallFormat::Pythonic => {
            t.starts_with('[') || {
                let ident = t
                    .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
                    .unwrap_or(t.len());
                ident > 0 && t[ident..].starts_with('(')
            }
        }
        CallFormat::Xlam => t.starts_with('{') || t.starts_with('['),
        CallFormat::Hermes | CallFormat::Exec => true,
    };
    if looks_like_call {
        format.parse(raw)
    } else {
        Ok(Vec::new())
    }
}

/// The answer part of a reply with no calls.
fn final_text(format: CallFormat, raw: &str) -> String {
    let t = raw.trim();
    if format == CallFormat::Xlam {
        if let Some(rest) = t.strip_prefix("{\"tool_calls\": []}") {
            return rest.trim().to_string();
        }
    }
    t.to_string()
}

#[cfg(test)]
mod tests {
    //! The loop's control flow, exactly, with a scripted model.

    use super::*;

    fn registry() -> Registry {
        tools::builtin::registry(None)
    }

    fn cfg(format: CallFormat, max_turns: usize) -> AgentConfig {
        AgentConfig {
            format,
            max_turns,
            ..AgentConfig::default()
        }
    }

    #[test]
    fn tool_result_is_fed_back_and_final_answer_ends() {
        let mut m = ScriptedModel::new([
            "<tool_call>\n{\"name\": \"python\", \"arguments\": {\"code\": \"print(12345 * 67890)\"}}\n</tool_call> and the model keeps talking",
            "The answer is 838102050.",
        ]);
        let t = run_agent(
            &mut m,
            &registry(),
            &cfg(CallFormat::Hermes, 4),
            "What is 12345*67890?",
            &mut |_| {},
        )
        .unwrap();
        assert_eq!(t.end, TrajectoryEnd::Answered);
        assert_eq!(t.turns.len(), 2);
        let call = &t.turns[0].calls[0];
        assert!(call.ok, "{}", call.output);
        assert_eq!(call.output.trim(), "838102050");
        // Generation stopped at the closing tag; nothing after it was kept.
        assert!(t.turns[0].raw.ends_with("</tool_call>"));
        assert!(m.prompts[1].contains("<tool_response>\n838102050"));
        assert_eq!(t.final_answer.as_deref(), Some("The answer is 838102050."));
    }

    #[test]
    fn malformed_calls_and_tool_errors_go_back_to_the_model() {
        let mut m = ScriptedModel::new([
            "<tool_call>{\"name\": \"python\", \"arguments\": {\"code\": </tool_call>",
            "<tool_call>{\"name\": \"nope\", \"arguments\": {}}</tool_call>",
            "<EXEC>print(1)</EXEC>",
            "<tool_call>{\"name\": \"python\", \"arguments\": {\"code\": \"1/0\"}}</tool_call>",
            "Sorry.",
        ]);
        let t = run_agent(
            &mut m,
            &registry(),
            &cfg(CallFormat::Hermes, 8),
            "q",
            &mut |_| {},
        )
        .unwrap();
        assert!(t.turns[0].parse_error.is_some());
        assert!(m.prompts[1].contains("could not be parsed"));
        assert!(!t.turns[1].calls[0].ok);
        assert!(t.turns[1].calls[0].output.contains("nope"));
        // Text in another format is not a call in this one: it is the answer.
        assert_eq!(t.turns.len(), 3);
        assert_eq!(t.end, TrajectoryEnd::Answered);
    }

    #[test]
    fn python_errors_are_reported_and_max_turns_stops() {
        let script = std::iter::repeat_n("<EXEC>\nprint(1/0)\n</EXEC>", 3);
        let mut m = ScriptedModel::new(script);
        let t = run_agent(
            &mut m,
            &registry(),
            &cfg(CallFormat::Exec, 3),
            "q",
            &mut |_| {},
        )
        .unwrap();
        assert_eq!(t.end, TrajectoryEnd::MaxTurns);
        assert_eq!(t.turns.len(), 3);
        assert!(t
            .turns
            .iter()
            .all(|tr| tr.calls.len() == 1 && !tr.calls[0].ok));
        assert!(
            t.turns[0].calls[0].output.contains("ZeroDivisionError"),
            "{}",
            t.turns[0].calls[0].output
        );
        assert!(t.final_answer.is_none());
        let line = t.to_json_line();
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["end"], "max_turns");
        assert_eq!(v["turns"].as_array().unwrap().len(), 3);
    }

    #[test]
    fn pythonic_format_calls_registry_tools() {
        let mut m = ScriptedModel::new(["[calculator(expression=\"2**10\")]", "1024"]);
        let t = run_agent(
            &mut m,
            &registry(),
            &cfg(CallFormat::Pythonic, 3),
            "q",
            &mut |_| {},
        )
        .unwrap();
        assert_eq!(t.turns[0].calls[0].output, "1024");
        assert_eq!(t.final_answer.as_deref(), Some("1024"));
    }

    #[test]
    fn an_overfull_context_ends_the_run_instead_of_failing_it() {
        let mut m = ScriptedModel::new(["<EXEC>\nprint('x' * 5000)\n</EXEC>", "done"]);
        m.context_bytes = Some(4000);
        let t = run_agent(
            &mut m,
            &registry(),
            &cfg(CallFormat::Exec, 4),
            "q",
            &mut |_| {},
        )
        .unwrap();
        assert_eq!(t.end, TrajectoryEnd::ContextFull);
        assert_eq!((t.turns.len(), m.prompts.len()), (1, 2));
        assert!(t.final_answer.is_none());
    }
}
