//! xLAM records (`{"query", "tools", "answers"}`, Salesforce APIGen /
//! xlam-function-calling-60k) to training conversations.
//!
//! Reads the real file format: one JSON array whose `tools` and `answers`
//! are JSON *encoded as strings* (parsed twice); JSONL and already-decoded
//! arrays are accepted too. Tools are read by the tools crate (xLAM's flat
//! Python-typed style, `int, optional`, string defaults) and every answer is
//! format-checked against them: the function exists, the arguments
//! validate. A conversation lists the tools as JSON schema in the system
//! turn (what inference shows the model) and the assistant answers with
//! Hermes `<tool_call>` blocks, or a refusal when `answers` is empty.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tools::{CallFormat, FunctionSpec, ToolCall};

use crate::prompt::{Conversation, Message, Role};

/// A training conversation made from an xLAM record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FcChatSample {
    #[serde(flatten)]
    pub conversation: Conversation,
    /// `simple`, `multiple`, `parallel`, `parallel_multiple` or `no_call`.
    pub category: String,
    /// The called function names joined by `,`, or `none`.
    pub optimal_tool: String,
    /// The expected calls as xLAM JSON (`[{"name", "arguments"}]`).
    pub ground_truth: String,
}

/// Why a file could not be imported at all, or which records were bad.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ImportReport {
    pub records: usize,
    pub written: usize,
    /// (0-based record index, reason).
    pub bad: Vec<(usize, String)>,
}

/// The records of an xLAM file: a JSON array, or one object per line.
pub fn parse_records(text: &str) -> Result<Vec<Value>, String> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('[') {
        return match serde_json::from_str::<Value>(trimmed) {
            Ok(Value::Array(items)) => Ok(items),
            Ok(_) => Err("expected a JSON array of records".into()),
            Err(e) => Err(format!("not valid JSON: {e}")),
        };
    }
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| serde_json::from_str(l).map_err(|e| format!("line {}: {e}", i + 1)))
        .collect()
}

/// A field that is either JSON or JSON encoded in a string (xLAM-60k).
fn decoded(record: &Value, key: &str) -> Result<Value, String> {
    match record.get(key) {
        None => Err(format!("missing \"{key}\"")),
        Some(Value::String(s)) => {
            serde_json::from_str(s).map_err(|e| format!("\"{key}\" is a string but not JSON: {e}"))
        }
        Some(v) => Ok(v.clone()),
    }
}

/// Reads the tool list of a record.
pub fn read_tools(tools: &Value) -> Result<Vec<FunctionSpec>, String> {
    let list = tools.as_array().ok_or("\"tools\" must be a list")?;
    list.iter()
        .enumerate()
        .map(|(i, t)| FunctionSpec::from_json(t).map_err(|e| format!("tools[{i}]: {e}")))
        .collect()
}

/// Reads and format-checks the answers against the tools: every call names
/// a listed function and its arguments validate.
pub fn read_answers(answers: &Value, specs: &[FunctionSpec]) -> Result<Vec<ToolCall>, String> {
    let list = answers.as_array().ok_or("\"answers\" must be a list")?;
    let mut calls = Vec::with_capacity(list.len());
    for (i, a) in list.iter().enumerate() {
        let name = a
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("answers[{i}] has no string \"name\""))?;
        let arguments = match a.get("arguments") {
            None | Some(Value::Null) => Value::Object(Default::default()),
            Some(Value::String(s)) => serde_json::from_str(s)
                .map_err(|e| format!("answers[{i}].arguments is a string but not JSON: {e}"))?,
            Some(v) => v.clone(),
        };
        let spec = specs
            .iter()
            .find(|s| s.name == name)
            .ok_or_else(|| format!("answers[{i}] calls '{name}', which is not in the tools"))?;
        spec.validate(&arguments)
            .map_err(|e| format!("answers[{i}] ({name}): {e}"))?;
        calls.push(ToolCall::new(name, arguments));
    }
    Ok(calls)
}

/// `simple`, `multiple`, `parallel`, `parallel_multiple` or `no_call`,
/// the BFCL category names.
pub fn category(calls: &[ToolCall], n_tools: usize) -> &'static str {
    let first = calls.first().map(|c| c.name.as_str());
    match calls.len() {
        0 => "no_call",
        1 if n_tools == 1 => "simple",
        1 => "multiple",
        _ if calls.iter().all(|c| Some(c.name.as_str()) == first) => "parallel",
        _ => "parallel_multiple",
    }
}

/// The assistant's reply when no listed function fits.
pub fn no_call_reply(specs: &[FunctionSpec]) -> String {
    let names: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
    format!(
        "None of the available functions ({}) can help with this request, so I cannot answer it with a function call.",
        names.join(", ")
    )
}

/// The chat sample for a query, its tools (`shown`: the JSON the model
/// sees; `specs`: the same tools read back) and the checked calls.
pub fn to_chat(
    query: &str,
    shown: Vec<Value>,
    specs: &[FunctionSpec],
    calls: &[ToolCall],
) -> FcChatSample {
    let reply = if calls.is_empty() {
        no_call_reply(specs)
    } else {
        CallFormat::Hermes
            .render(calls)
            .expect("Hermes renders any call")
    };
    let names: Vec<&str> = calls.iter().map(|c| c.name.as_str()).collect();
    let truth: Vec<Value> = calls
        .iter()
        .map(|c| serde_json::json!({"name": c.name, "arguments": c.arguments}))
        .collect();
    FcChatSample {
        conversation: Conversation {
            messages: vec![
                Message::new(Role::User, query.to_string()),
                Message::new(Role::Assistant, reply),
            ],
            tools: shown,
        },
        category: category(calls, specs.len()).into(),
        optimal_tool: if names.is_empty() {
            "none".into()
        } else {
            names.join(",")
        },
        ground_truth: tools::parse::to_json_text(&Value::Array(truth)),
    }
}

/// One xLAM record to a chat sample, or why not.
pub fn record_to_chat(record: &Value) -> Result<FcChatSample, String> {
    let query = record
        .get("query")
        .and_then(Value::as_str)
        .filter(|q| !q.trim().is_empty())
        .ok_or("missing or empty \"query\"")?;
    let specs = read_tools(&decoded(record, "tools")?)?;
    let calls = read_answers(&decoded(record, "answers")?, &specs)?;
    let shown = specs.iter().map(FunctionSpec::to_json).collect();
    Ok(to_chat(query, shown, &specs, &calls))
}

/// Converts every record; bad ones are listed in the report (and the
/// caller decides whether that is fatal).
pub fn import(text: &str) -> Result<(Vec<FcChatSample>, ImportReport), String> {
    let records = parse_records(text)?;
    let mut report = ImportReport {
        records: records.len(),
        ..ImportReport::default()
    };
    let mut out = Vec::with_capacity(records.len());
    for (i, r) in records.iter().enumerate() {
        match record_to_chat(r) {
            Ok(s) => out.push(s),
            Err(reason) => report.bad.push((i, reason)),
        }
    }
    report.written = out.len();
    Ok((out, report))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Records shaped like xlam-function-calling-60k: `tools` and `answers`
    /// JSON-encoded in strings, `int, optional` types, defaults as strings.
    fn fixture() -> Vec<Value> {
        let tools = json!([
            {"name": "live_giveaways_by_type", "description": "Retrieve live giveaways.",
             "parameters": {"type": {"description": "Type of giveaways", "type": "str", "default": "game"}}},
            {"name": "calculate_grade", "description": "Weighted average grade.",
             "parameters": {"scores": {"description": "Scores", "type": "List[float]"},
                            "weights": {"description": "Weights", "type": "List[float]"},
                            "round_to": {"description": "Digits", "type": "int, optional", "default": "2"}}},
        ]);
        let enc = |v: &Value| Value::String(v.to_string());
        vec![
            // 0: simple, string-encoded, optional int left out.
            json!({"id": 1, "query": "Grade for 90, 80 weighted 0.6, 0.4?", "tools": enc(&json!([tools[1]])),
                   "answers": enc(&json!([{"name": "calculate_grade", "arguments": {"scores": [90, 80], "weights": [0.6, 0.4]}}]))}),
            // 1: parallel, optional int given, arguments as an encoded string.
            json!({"id": 2, "query": "Beta and game giveaways", "tools": enc(&tools),
                   "answers": enc(&json!([{"name": "live_giveaways_by_type", "arguments": "{\"type\": \"beta\"}"},
                                          {"name": "live_giveaways_by_type", "arguments": {"type": "game"}}]))}),
            // 2: empty answers: no call.
            json!({"id": 3, "query": "Tell me a joke", "tools": enc(&tools), "answers": "[]"}),
            // 3: unknown function.
            json!({"id": 4, "query": "q", "tools": enc(&tools), "answers": enc(&json!([{"name": "nope", "arguments": {}}]))}),
            // 4: tools not JSON.
            json!({"id": 5, "query": "q", "tools": "[{'name': 'x'}]", "answers": "[]"}),
            // 5: wrong type (string for an int).
            json!({"id": 6, "query": "q", "tools": enc(&tools),
                   "answers": enc(&json!([{"name": "calculate_grade", "arguments": {"scores": [1], "weights": [1], "round_to": "2"}}]))}),
            // 6: missing query.
            json!({"id": 7, "tools": enc(&tools), "answers": "[]"}),
            // 7: already-decoded JSON, multiple tools, one call with the optional int.
            json!({"query": "Grade with 3 digits", "tools": tools,
                   "answers": [{"name": "calculate_grade", "arguments": {"scores": [1.5], "weights": [1], "round_to": 3}}]}),
        ]
    }

    #[test]
    fn imports_tricky_records_and_reports_bad_ones() {
        let text = Value::Array(fixture()).to_string();
        let (samples, report) = import(&text).unwrap();
        let bad: Vec<usize> = report.bad.iter().map(|b| b.0).collect();
        assert_eq!(bad, [3, 4, 5, 6], "{report:?}");
        assert!(report.bad[0]
            .1
            .contains("'nope', which is not in the tools"));
        assert!(report.bad[2].1.contains("round_to"), "{}", report.bad[2].1);
        let cats: Vec<&str> = samples.iter().map(|s| s.category.as_str()).collect();
        assert_eq!(cats, ["simple", "parallel", "no_call", "multiple"]);
        let reply = &samples[1].conversation.messages[1].content;
        assert_eq!(
            reply,
            "<tool_call>\n{\"name\": \"live_giveaways_by_type\", \"arguments\": {\"type\": \"beta\"}}\n</tool_call>\n\
             <tool_call>\n{\"name\": \"live_giveaways_by_type\", \"arguments\": {\"type\": \"game\"}}\n</tool_call>"
        );
        // Tools go to the prompt as JSON schema: the optional int is not required.
        let grade = &samples[0].conversation.tools[0]["parameters"];
        assert_eq!(grade["required"], json!(["scores", "weights"]));
        assert!(samples[2].conversation.messages[1]
            .content
            .starts_with("None of the available functions"));
        assert_eq!(
            samples[1].optimal_tool,
            "live_giveaways_by_type,live_giveaways_by_type"
        );
        // JSONL gives the same result.
        let jsonl: String = fixture().iter().map(|r| r.to_string() + "\n").collect();
        assert_eq!(import(&jsonl).unwrap(), (samples, report));
    }

    #[test]
    fn broken_files_say_why() {
        assert!(import("[{\"query\": ")
            .unwrap_err()
            .contains("not valid JSON"));
        assert!(import("{\"a\": 1}\n{oops")
            .unwrap_err()
            .starts_with("line 2"));
        assert!(import("{}").unwrap().1.bad[0].1.contains("query"));
        let text = Value::Array(fixture()).to_string();
        for cut in (0..text.len()).step_by(97) {
            let _ = import(&text[..cut]); // never panics
        }
    }
}
