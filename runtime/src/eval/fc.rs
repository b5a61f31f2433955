//! The `fc` suite: xLAM-format items (`query`, `tools`, `answers`), the
//! model asked through the Hermes `<tool_call>` template, and four scores:
//! exact match (every call, names and arguments, order-free), function
//! selection (the multiset of names), parameter accuracy given the right
//! function, and multi-call accuracy (exact match on items with 2+ calls).

use std::path::Path;
use std::time::Instant;

use serde::Serialize;
use serde_json::Value;
use tools::parse::hermes;
use tools::{FunctionSpec, ToolCall};

use super::report::fraction;
use crate::agent::{ChatModel, Completion};
use crate::{Error, Result};
use dataset::prompt::{render_text, Conversation, Message, Role};
use dataset::xlam::{read_answers, read_tools};

pub struct FcItem {
    pub id: String,
    pub category: String,
    pub query: String,
    pub tools: Vec<FunctionSpec>,
    pub answers: Vec<ToolCall>,
}

/// Reads xLAM-format JSONL (as written by `data synth --kind
/// function-calling --format xlam`); errors name file:line.
pub fn load(path: &Path) -> Result<Vec<FcItem>> {
    let text = std::fs::read_to_string(path).map_err(Error::io(path))?;
    let mut items = Vec::new();
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let bad = |m: String| Error::Input(format!("{}:{}: {m}", path.display(), i + 1));
        let v: Value = serde_json::from_str(line).map_err(|e| bad(e.to_string()))?;
        let field = |k: &str| -> Result<Value> {
            match v.get(k) {
                Some(Value::String(s)) if k != "query" => {
                    serde_json::from_str(s).map_err(|e| bad(format!("{k}: {e}")))
                }
                Some(x) => Ok(x.clone()),
                None => Err(bad(format!("missing \"{k}\""))),
            }
        };
        let tools = read_tools(&field("tools")?).map_err(bad)?;
        let answers = read_answers(&field("answers")?, &tools).map_err(bad)?;
        let query = v
            .get("query")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("missing \"query\"".into()))?
            .to_string();
        let category = v.get("category").and_then(Value::as_str).map_or_else(
            || dataset::xlam::category(&answers, tools.len()).to_string(),
            str::to_string,
        );
        let id = v.get("id").map_or_else(
            || (i + 1).to_string(),
            |x| x.to_string().trim_matches('"').to_string(),
        );
        items.push(FcItem {
            id,
            category,
            query,
            tools,
            answers,
        });
    }
    Ok(items)
}

/// The prompt: tools in the system turn, the query as the user turn.
pub fn prompt(item: &FcItem) -> String {
    let conv = Conversation {
        messages: vec![Message::new(Role::User, item.query.clone())],
        tools: item.tools.iter().map(FunctionSpec::to_json).collect(),
    };
    render_text(&conv, true)
}

#[derive(Clone, Debug, Serialize)]
pub struct FcOutcome {
    pub id: String,
    pub category: String,
    pub model: String,
    pub raw: String,
    pub calls: Vec<ToolCall>,
    pub parse_error: Option<String>,
    pub exact: bool,
    pub names_match: bool,
    /// Calls whose name matched an expected call, and how many of those had
    /// exactly the expected arguments.
    pub matched_calls: usize,
    pub correct_params: usize,
    pub n_expected: usize,
    pub latency_ms: f64,
    pub generated_tokens: usize,
}

/// JSON equality with numbers compared by value (1 == 1.0).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// Scores `got` against `want`, matching calls order-free (each expected
/// call takes the first unused call with the same name and arguments, then
/// by name alone for the parameter score).
pub fn score(got: &[ToolCall], want: &[ToolCall]) -> (bool, bool, usize, usize) {
    let mut names_got: Vec<&str> = got.iter().map(|c| c.name.as_str()).collect();
    let mut names_want: Vec<&str> = want.iter().map(|c| c.name.as_str()).collect();
    names_got.sort_unstable();
    names_want.sort_unstable();
    let names_match = names_got == names_want;
    let mut used = vec![false; got.len()];
    let mut exact_hits = 0;
    for w in want {
        if let Some(i) = (0..got.len())
            .find(|&i| !used[i] && got[i].name == w.name && same(&got[i].arguments, &w.arguments))
        {
            used[i] = true;
            exact_hits += 1;
        }
    }
    let exact = names_match && exact_hits == want.len() && got.len() == want.len();
    // Parameter accuracy: among expected calls whose function was called.
    let mut used = vec![false; got.len()];
    let (mut matched, mut correct) = (0, 0);
    for w in want {
        let pick = (0..got.len())
            .find(|&i| !used[i] && got[i].name == w.name && same(&got[i].arguments, &w.arguments))
            .or_else(|| (0..got.len()).find(|&i| !used[i] && got[i].name == w.name));
        if let Some(i) = pick {
            used[i] = true;
            matched += 1;
            correct += same(&got[i].arguments, &w.arguments) as usize;
        }
    }
    (exact, names_match, matched, correct)
}

pub fn run_item(
    model: &mut dyn ChatModel,
    label: &str,
    item: &FcItem,
    max_tokens: usize,
) -> Result<FcOutcome> {
    let t0 = Instant::now();
    let reply = model.complete(&prompt(item), &[], max_tokens);
    judge(label, item, reply, t0.elapsed().as_secs_f64() * 1e3)
}

/// Asks the model about every item, up to `batch` at a time
/// ([`ChatModel::complete_many`]), and scores each answer; `on_done(i)` as
/// item `i` is answered. An item's latency is its own generation time
/// (shared with the items beside it) plus scoring.
pub fn run_items(
    model: &mut dyn ChatModel,
    label: &str,
    items: &[FcItem],
    max_tokens: usize,
    batch: usize,
    on_done: &mut dyn FnMut(usize),
) -> Result<Vec<FcOutcome>> {
    let prompts: Vec<String> = items.iter().map(prompt).collect();
    let replies = model.complete_many(&prompts, &[], max_tokens, batch, on_done)?;
    items
        .iter()
        .zip(replies)
        .map(|(it, reply)| {
            let gen_ms = reply.as_ref().map_or(0.0, |c| c.prefill_ms + c.decode_ms);
            judge(label, it, reply, gen_ms)
        })
        .collect()
}

/// Scores the model's reply to an item; `gen_ms` is the time the reply
/// took, scoring is added to it.
fn judge(label: &str, item: &FcItem, reply: Result<Completion>, gen_ms: f64) -> Result<FcOutcome> {
    let t0 = Instant::now();
    // A prompt over the context is one failed item (no calls, the reason
    // as its parse error); the run goes on.
    let (text, generated_tokens, run_error) = match reply {
        Ok(c) => (c.text, c.generated_tokens, None),
        Err(e @ Error::ContextFull { .. }) => (String::new(), 0, Some(e.to_string())),
        Err(e) => return Err(e),
    };
    let not_run = run_error.is_some();
    let (calls, parse_error) = match run_error {
        Some(reason) => (Vec::new(), Some(reason)),
        None => match hermes::parse(&text) {
            Ok(calls) => (calls, None),
            Err(e) => (Vec::new(), Some(e.to_string())),
        },
    };
    let (exact, names_match, matched_calls, correct_params) = score(&calls, &item.answers);
    // Not even an item that wants no call passes when it was not run.
    let (exact, names_match) = (exact && !not_run, names_match && !not_run);
    Ok(FcOutcome {
        id: item.id.clone(),
        category: item.category.clone(),
        model: label.to_string(),
        raw: text,
        calls,
        parse_error,
        exact,
        names_match,
        matched_calls,
        correct_params,
        n_expected: item.answers.len(),
        latency_ms: gen_ms + t0.elapsed().as_secs_f64() * 1e3,
        generated_tokens,
    })
}

/// Suite-level scores of one model.
#[derive(Clone, Debug, Serialize)]
pub struct FcScores {
    pub model: String,
    pub n: usize,
    pub exact_match: f64,
    pub function_selection: f64,
    pub parameter_accuracy: f64,
    pub multi_call_accuracy: f64,
}

pub fn scores(outcomes: &[FcOutcome]) -> Vec<FcScores> {
    let mut models: Vec<String> = Vec::new();
    for o in outcomes {
        if !models.contains(&o.model) {
            models.push(o.model.clone());
        }
    }
    models
        .into_iter()
        .map(|m| {
            let os: Vec<&FcOutcome> = outcomes.iter().filter(|o| o.model == m).collect();
            let multi: Vec<&&FcOutcome> = os.iter().filter(|o| o.n_expected > 1).collect();
            FcScores {
                n: os.len(),
                exact_match: fraction(os.iter().filter(|o| o.exact).count(), os.len()),
                function_selection: fraction(os.iter().filter(|o| o.names_match).count(), os.len()),
                parameter_accuracy: fraction(
                    os.iter().map(|o| o.correct_params).sum(),
                    os.iter().map(|o| o.matched_calls).sum(),
                ),
                multi_call_accuracy: fraction(
                    multi.iter().filter(|o| o.exact).count(),
                    multi.len(),
                ),
                model: m,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn call(n: &str, a: Value) -> ToolCall {
        ToolCall::new(n, a)
    }

    #[test]
    fn scoring_is_order_free_and_numeric() {
        let want = [call("f", json!({"x": 1})), call("g", json!({"y": "a"}))];
        let got = [call("g", json!({"y": "a"})), call("f", json!({"x": 1.0}))];
        assert_eq!(score(&got, &want), (true, true, 2, 2));
        let wrong_arg = [call("g", json!({"y": "b"})), call("f", json!({"x": 1}))];
        assert_eq!(score(&wrong_arg, &want), (false, true, 2, 1));
        let missing = [call("f", json!({"x": 1}))];
        assert_eq!(score(&missing, &want), (false, false, 1, 1));
        assert_eq!(score(&[], &[]), (true, true, 0, 0));
        assert_eq!(score(&missing, &[]), (false, false, 0, 0));
    }

    /// An item whose prompt does not fit the context fails with the
    /// reason, even one that wants no call; the run goes on.
    #[test]
    fn a_prompt_over_the_context_is_a_failed_item() {
        struct Full;
        impl ChatModel for Full {
            fn complete(
                &mut self,
                _: &str,
                _: &[String],
                _: usize,
            ) -> Result<crate::agent::Completion> {
                Err(Error::ContextFull {
                    prompt_tokens: 5000,
                    n_ctx: 4096,
                })
            }
        }
        let item = FcItem {
            id: "1".into(),
            category: "irrelevance".into(),
            query: "Hi".into(),
            tools: Vec::new(),
            answers: Vec::new(),
        };
        let o = run_item(&mut Full, "base", &item, 32).unwrap();
        assert!(!o.exact && !o.names_match);
        assert!(o.parse_error.unwrap().contains("4096"));
    }
}
