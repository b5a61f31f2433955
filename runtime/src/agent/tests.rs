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
