//! Running a model on BFCL entries in the two modes BFCL defines for
//! open models: prompt mode (functions listed in the system prompt, the
//! model answers with a Python list of calls, decoded by the pythonic
//! parser) and FC mode (our Hermes/Qwen tool template: functions in
//! `<tools>`, calls in `<tool_call>`, as BFCL's Qwen FC handler does, with
//! the docs as they are, not converted to OpenAPI). In both modes the
//! function docs are first rewritten as BFCL does when it loads an entry
//! (`bfcl::func_doc`: the language hint, Java/JS parameters as strings).
//! Each answer is judged by the AST checker port.

use std::time::Instant;

use serde::Serialize;
use tools::parse::{hermes, pythonic};
use tools::ToolCall;

use crate::agent::{ChatModel, Completion};
use crate::{Error, Result};
use bfcl::ast::{check_entry, CheckOptions, Verdict};
use bfcl::data::{BfclEntry, Category};
use bfcl::func_doc::language_specific_pre_processing;
use dataset::prompt::{render_text, Conversation, Message, Role};

/// How the functions are offered and the calls read back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// BFCL "prompt" mode: pythonic calls.
    Prompt,
    /// Native function calling through our `<tool_call>` template.
    Fc,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Prompt => "prompt",
            Mode::Fc => "fc",
        }
    }
}

/// BFCL's default system prompt for prompt mode
/// (`bfcl_eval/constants/default_prompts.py`, DEFAULT_SYSTEM_PROMPT).
const PROMPT_MODE_SYSTEM: &str = "You are an expert in composing functions. You are given a question and a set of possible functions. \
Based on the question, you will need to make one or more function/tool calls to achieve the purpose. \
If none of the functions can be used, point it out. If the given question lacks the parameters required by the function, also point it out.\n\n\
You should only return the function calls in your response.\n\n\
If you decide to invoke any of the function(s), you MUST put it in the format of \
[func_name1(params_name1=params_value1, params_name2=params_value2...), func_name2(params)]\n\n\
You SHOULD NOT include any other text in the response.\n\n\
Here is a list of functions in JSON format that you can invoke.\n";

/// The function docs a model is shown for an entry: BFCL's load-time
/// `_func_doc_language_specific_pre_processing`. Entries read by
/// `bfcl::data` were checked to allow it; for any other the docs are
/// shown as they are.
fn shown_functions(entry: &BfclEntry) -> Vec<serde_json::Value> {
    language_specific_pre_processing(&entry.functions, entry.category)
        .unwrap_or_else(|_| entry.functions.clone())
}

/// The prompt text for one entry.
pub fn prompt(entry: &BfclEntry, mode: Mode) -> String {
    let functions = shown_functions(entry);
    let turn = entry.question.first().cloned().unwrap_or_default();
    let mut messages: Vec<Message> = Vec::new();
    let mut system: Option<String> = None;
    for m in turn {
        match m.role.as_str() {
            "system" => system = Some(m.content),
            "assistant" => messages.push(Message::new(Role::Assistant, m.content)),
            _ => messages.push(Message::new(Role::User, m.content)),
        }
    }
    let conv = match mode {
        Mode::Prompt => {
            let functions = serde_json::to_string_pretty(&functions).unwrap_or_default();
            let mut text = format!("{PROMPT_MODE_SYSTEM}{functions}\n");
            if let Some(s) = system {
                text = format!("{s}\n\n{text}");
            }
            let mut all = vec![Message::new(Role::System, text)];
            all.extend(messages);
            Conversation {
                messages: all,
                tools: vec![],
            }
        }
        Mode::Fc => {
            let mut all = Vec::new();
            if let Some(s) = system {
                all.push(Message::new(Role::System, s));
            }
            all.extend(messages);
            Conversation {
                messages: all,
                tools: functions,
            }
        }
    };
    render_text(&conv, true)
}

/// One judged answer.
#[derive(Clone, Debug, Serialize)]
pub struct ItemOutcome {
    pub id: String,
    pub category: &'static str,
    pub mode: Mode,
    pub model: String,
    pub raw: String,
    pub calls: Vec<ToolCall>,
    pub valid: bool,
    pub error_type: Option<String>,
    pub errors: Vec<String>,
    pub latency_ms: f64,
    pub generated_tokens: usize,
}

/// Reads calls out of the model's text for a mode.
pub fn decode(mode: Mode, raw: &str) -> std::result::Result<Vec<ToolCall>, String> {
    match mode {
        Mode::Fc => hermes::parse(raw).map_err(|e| e.to_string()),
        Mode::Prompt => {
            let t = raw
                .trim()
                .trim_start_matches("```python")
                .trim_start_matches("```")
                .trim_end_matches("```")
                .trim();
            if t.is_empty() {
                return Ok(Vec::new());
            }
            pythonic::parse(t).map_err(|e| e.to_string())
        }
    }
}

/// Asks the model and judges its answer.
pub fn run_entry(
    model: &mut dyn ChatModel,
    label: &str,
    entry: &BfclEntry,
    mode: Mode,
    max_tokens: usize,
) -> Result<ItemOutcome> {
    let t0 = Instant::now();
    let reply = model.complete(&prompt(entry, mode), &[], max_tokens);
    judge(entry, mode, label, reply, ms_since(t0))
}

/// Asks the model about every entry in one mode, up to `batch` entries at
/// a time ([`ChatModel::complete_many`]), and judges each answer;
/// `on_done(i)` as entry `i` is answered. An item's latency is its own
/// generation time (shared with the entries beside it) plus judging.
pub fn run_entries(
    model: &mut dyn ChatModel,
    label: &str,
    entries: &[BfclEntry],
    mode: Mode,
    max_tokens: usize,
    batch: usize,
    on_done: &mut dyn FnMut(usize),
) -> Result<Vec<ItemOutcome>> {
    let prompts: Vec<String> = entries.iter().map(|e| prompt(e, mode)).collect();
    let replies = model.complete_many(&prompts, &[], max_tokens, batch, on_done)?;
    entries
        .iter()
        .zip(replies)
        .map(|(e, reply)| {
            let gen_ms = reply.as_ref().map_or(0.0, |c| c.prefill_ms + c.decode_ms);
            judge(e, mode, label, reply, gen_ms)
        })
        .collect()
}

fn ms_since(t0: Instant) -> f64 {
    t0.elapsed().as_secs_f64() * 1e3
}

/// Judges the model's reply to an entry; `gen_ms` is the time the reply
/// took, judging is added to it.
fn judge(
    entry: &BfclEntry,
    mode: Mode,
    label: &str,
    reply: Result<Completion>,
    gen_ms: f64,
) -> Result<ItemOutcome> {
    let t0 = Instant::now();
    let outcome =
        |raw: String, calls: Vec<ToolCall>, verdict: Verdict, generated_tokens| ItemOutcome {
            id: entry.id.clone(),
            category: entry.category.name(),
            mode,
            model: label.to_string(),
            raw,
            calls,
            valid: verdict.valid,
            error_type: verdict.error_type,
            errors: verdict.errors,
            latency_ms: gen_ms + ms_since(t0),
            generated_tokens,
        };
    let c = match reply {
        Ok(c) => c,
        // An entry whose prompt (question and function list) does not fit
        // the context is one failed item, counted and explained in
        // results.json; the run goes on.
        Err(e @ Error::ContextFull { .. }) => {
            let verdict = Verdict {
                valid: false,
                error_type: Some("run:context_full".into()),
                errors: vec![e.to_string()],
            };
            return Ok(outcome(String::new(), Vec::new(), verdict, 0));
        }
        Err(e) => return Err(e),
    };
    let (verdict, calls) = match decode(mode, &c.text) {
        Ok(calls) => {
            let pairs: Vec<(String, serde_json::Value)> = calls
                .iter()
                .map(|c| (c.name.clone(), c.arguments.clone()))
                .collect();
            (check_entry(entry, &pairs, CheckOptions::default()), calls)
        }
        Err(reason) => (Verdict::decode_failed(entry.category, &reason), Vec::new()),
    };
    Ok(outcome(c.text, calls, verdict, c.generated_tokens))
}

/// Categories named in `bfcl:simple_python,multiple` (all when empty).
pub fn parse_categories(spec: &str) -> std::result::Result<Vec<Category>, String> {
    if spec.trim().is_empty() {
        return Ok(Category::ALL.to_vec());
    }
    spec.split(',')
        .map(|s| {
            let s = s.trim();
            Category::from_name(s).ok_or_else(|| {
                let known: Vec<&str> = Category::ALL.iter().map(|c| c.name()).collect();
                format!("unknown BFCL category '{s}' (known: {})", known.join(", "))
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::{Completion, ScriptedModel};
    use bfcl::data::Message as BMsg;

    fn entry() -> BfclEntry {
        BfclEntry {
            id: "simple_python_x".into(),
            category: Category::SimplePython,
            question: vec![vec![BMsg {
                role: "user".into(),
                content: "Factorial of 5?".into(),
            }]],
            functions: vec![
                serde_json::json!({"name": "math.factorial", "description": "n!", "parameters": {"type": "dict", "properties": {"number": {"type": "integer"}}, "required": ["number"]}}),
            ],
            ground_truth: Some(vec![serde_json::json!({"math.factorial": {"number": [5]}})]),
        }
    }

    #[test]
    fn both_modes_are_judged_by_the_checker() {
        let e = entry();
        let mut m = ScriptedModel::new([
            "[math.factorial(number=5)]",
            "<tool_call>\n{\"name\": \"math.factorial\", \"arguments\": {\"number\": 5}}\n</tool_call>",
            "[math.factorial(number=5.5)]",
            "I cannot help",
        ]);
        assert!(
            run_entry(&mut m, "base", &e, Mode::Prompt, 64)
                .unwrap()
                .valid
        );
        assert!(run_entry(&mut m, "base", &e, Mode::Fc, 64).unwrap().valid);
        let wrong = run_entry(&mut m, "base", &e, Mode::Prompt, 64).unwrap();
        assert!(!wrong.valid);
        assert!(wrong.error_type.unwrap().contains("type_error"));
        let prose = run_entry(&mut m, "base", &e, Mode::Prompt, 64).unwrap();
        assert!(!prose.valid);
        assert!(prompt(&e, Mode::Prompt).contains("[func_name1(params_name1=params_value1"));
        assert!(prompt(&e, Mode::Fc).contains("<tools>"));
    }

    /// Both modes show the docs as BFCL pre-processes them: the language
    /// hint on every function, Java parameters as strings with their type
    /// in the description; the checker still judges against the raw docs.
    #[test]
    fn prompts_show_pre_processed_docs() {
        let hint = "n! Note that the provided function is in Python 3 syntax.";
        for mode in [Mode::Prompt, Mode::Fc] {
            assert!(prompt(&entry(), mode).contains(hint), "{mode:?}");
        }
        let mut java = entry();
        java.id = "simple_java_x".into();
        java.category = Category::SimpleJava;
        java.functions = vec![serde_json::json!({"name": "Math.fact", "description": "n!",
            "parameters": {"type": "dict", "properties": {"number": {"type": "long",
            "description": "N."}}, "required": ["number"]}})];
        java.ground_truth = Some(vec![serde_json::json!({"Math.fact": {"number": [5]}})]);
        for mode in [Mode::Prompt, Mode::Fc] {
            let p = prompt(&java, mode);
            assert!(p.contains("in Java 8 SDK syntax."), "{mode:?}");
            assert!(p.contains("N. This is Java long type parameter in string representation."));
            assert!(!p.contains("\"long\""), "{mode:?}: {p}");
        }
        let mut m = ScriptedModel::new([
            "<tool_call>\n{\"name\": \"Math.fact\", \"arguments\": {\"number\": \"5L\"}}\n</tool_call>",
            "<tool_call>\n{\"name\": \"Math.fact\", \"arguments\": {\"number\": 5}}\n</tool_call>",
        ]);
        assert!(
            run_entry(&mut m, "base", &java, Mode::Fc, 64)
                .unwrap()
                .valid
        );
        let v = run_entry(&mut m, "base", &java, Mode::Fc, 64).unwrap();
        assert_eq!(v.error_type.as_deref(), Some("type_error:java"));
    }

    /// A prompt longer than the context is one failed item, not the end
    /// of the run; other errors still stop it.
    #[test]
    fn a_prompt_over_the_context_is_a_failed_item() {
        struct Full(bool);
        impl ChatModel for Full {
            fn complete(&mut self, _: &str, _: &[String], _: usize) -> Result<Completion> {
                Err(if self.0 {
                    Error::ContextFull {
                        prompt_tokens: 5000,
                        n_ctx: 4096,
                    }
                } else {
                    Error::Llama("decode failed".into())
                })
            }
        }
        let o = run_entry(&mut Full(true), "base", &entry(), Mode::Fc, 64).unwrap();
        assert!(!o.valid);
        assert_eq!(o.error_type.as_deref(), Some("run:context_full"));
        assert!(o.errors[0].contains("4096"), "{:?}", o.errors);
        assert!(run_entry(&mut Full(false), "base", &entry(), Mode::Fc, 64).is_err());
    }

    /// Batched, each entry is judged as it would be alone.
    #[test]
    fn run_entries_judges_like_run_entry() {
        let replies = [
            "<tool_call>\n{\"name\": \"math.factorial\", \"arguments\": {\"number\": 5}}\n</tool_call>",
            "I cannot help",
        ];
        let entries = [entry(), entry()];
        let mut m = ScriptedModel::new(replies);
        let mut done = Vec::new();
        let batched = run_entries(&mut m, "base", &entries, Mode::Fc, 64, 2, &mut |i| {
            done.push(i)
        })
        .unwrap();
        assert_eq!(done, [0, 1]);
        let mut m = ScriptedModel::new(replies);
        for (b, e) in batched.iter().zip(&entries) {
            let alone = run_entry(&mut m, "base", e, Mode::Fc, 64).unwrap();
            assert_eq!(
                (b.valid, &b.error_type, &b.raw),
                (alone.valid, &alone.error_type, &alone.raw)
            );
        }
        assert!(batched[0].valid && !batched[1].valid);
    }

    #[test]
    fn categories_parse() {
        assert_eq!(
            parse_categories("multiple, parallel").unwrap(),
            vec![Category::Multiple, Category::Parallel]
        );
        assert!(parse_categories("nope")
            .unwrap_err()
            .contains("simple_python"));
        assert_eq!(parse_categories("").unwrap().len(), Category::ALL.len());
        assert_eq!(
            parse_categories("simple_java,live_relevance").unwrap(),
            vec![Category::SimpleJava, Category::LiveRelevance]
        );
    }
}
