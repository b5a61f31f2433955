//! Preference pairs from the model itself (`agentcoder data pairs`): for
//! each conversation of a chat dataset, the prompt is everything before the
//! first assistant turn; K answers are sampled from the model (optionally
//! with an adapter) and each is judged by what it does:
//!
//! - a `data synth --kind code` line (it has `ground_truth`): each answer
//!   runs through the agent loop with the sandboxed `python` tool (as the
//!   code suite of `eval` runs it) and is correct when its final answer
//!   holds the ground truth (the suite's rule); the answer is the whole run,
//!   replies and tool results;
//! - any other line, one reply judged against the line's first assistant
//!   turn (the reference): where it calls no tool, correct when the reply
//!   calls none; where it calls tools, correct when the reply makes the
//!   same calls in any order (name and arguments equal; a `python` call
//!   counts as the same when its code prints in the sandbox what the
//!   reference's code prints); a reply whose calls do not parse is wrong.
//!   The K replies share one prefill ([`crate::infer::Session::generate_group`]).
//!
//! A pair is a correct answer (a sample, else the reference) against a
//! wrong sample; a prompt whose samples are all correct gives none. Every
//! line keeps all samples with their verdicts.

use std::collections::HashMap;
use std::io::BufRead;
use std::path::Path;

use dataset::prompt::{parse_line, render_text, Conversation, Message, Role};
use dataset::synth_code::CodeSample;
use serde::Serialize;
use serde_json::{json, Value};
use tools::parse::hermes;
use tools::{CallFormat, Registry, ToolCall, ToolContext};

use crate::agent::{run_agent, AgentConfig, LlamaChat};
use crate::eval::code::CodeItem;
use crate::infer::{Engine, LoraHandle, SamplingParams};
use crate::{Error, Result};

/// How answers are sampled.
#[derive(Clone, Debug)]
pub struct PairsOptions {
    /// Answers per prompt.
    pub k: usize,
    pub temperature: f32,
    pub seed: u32,
    /// Tokens per reply.
    pub max_tokens: usize,
    /// Agent turns per answer to a code item.
    pub max_turns: usize,
    /// Use at most this many conversations.
    pub limit: Option<usize>,
}

/// What a run made.
#[derive(Clone, Debug, Default, Serialize)]
pub struct PairsReport {
    pub prompts: usize,
    /// Prompts that gave a pair.
    pub pairs: usize,
    /// Pairs whose chosen answer is the reference (no sample was correct).
    pub chosen_from_reference: usize,
    /// Prompts whose K samples were all correct (no pair).
    pub all_correct: usize,
    pub samples: usize,
    pub correct_samples: usize,
    /// Lines that are not a usable conversation: (line, reason).
    pub skipped: Vec<(usize, String)>,
}

/// One sample's judgement, with the parts a graded reward is made of.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Verdict {
    pub correct: bool,
    pub why: String,
    /// Every tool call in it parses.
    pub format: bool,
    /// It calls a tool where the reference does and none where it does
    /// not (code items: its first tool is the item's optimal tool).
    pub tool_choice: bool,
}

impl Verdict {
    fn right(why: impl Into<String>) -> Verdict {
        Verdict {
            correct: true,
            why: why.into(),
            format: true,
            tool_choice: true,
        }
    }
    fn wrong(why: impl Into<String>) -> Verdict {
        Verdict {
            correct: false,
            why: why.into(),
            format: true,
            tool_choice: true,
        }
    }
    fn with(mut self, format: bool, tool_choice: bool) -> Verdict {
        self.format = format;
        self.tool_choice = tool_choice;
        self
    }
}

/// Judges answers against one reference turn; runs python in the sandbox
/// (its outputs remembered per code text).
pub struct Judge {
    registry: Registry,
    ctx: ToolContext,
    outputs: HashMap<String, std::result::Result<String, String>>,
}

impl Default for Judge {
    fn default() -> Self {
        Self::new()
    }
}

impl Judge {
    pub fn new() -> Judge {
        Judge {
            registry: crate::eval::code::registry(),
            ctx: ToolContext::default(),
            outputs: HashMap::new(),
        }
    }

    /// What running `code` prints, or the error it stops with.
    fn run_python(&mut self, code: &str) -> std::result::Result<String, String> {
        if let Some(o) = self.outputs.get(code) {
            return o.clone();
        }
        let call = ToolCall::new(tools::builtin::python::NAME, json!({ "code": code }));
        let out = self
            .registry
            .call(&call, &mut self.ctx)
            .map(|o| o.text)
            .map_err(|e| e.to_string());
        self.outputs.insert(code.to_string(), out.clone());
        out
    }

    /// Whether `answer` does what `reference` does (see the module doc).
    pub fn judge(&mut self, answer: &str, reference: &str) -> Verdict {
        let want = match hermes::parse(reference) {
            Ok(c) => c,
            Err(e) => return Verdict::wrong(format!("the reference does not parse: {e}")),
        };
        let got = match hermes::parse(answer) {
            Ok(c) => c,
            Err(e) => {
                return Verdict::wrong(format!("the calls do not parse: {e}")).with(false, false)
            }
        };
        match (want.is_empty(), got.is_empty()) {
            (true, true) => return Verdict::right("no call, as the reference"),
            (true, false) => {
                return Verdict::wrong("called a tool where the reference does not")
                    .with(true, false)
            }
            (false, true) => {
                return Verdict::wrong("no call where the reference calls").with(true, false)
            }
            (false, false) => {}
        }
        if want.len() != got.len() {
            return Verdict::wrong(format!(
                "{} calls where the reference makes {}",
                got.len(),
                want.len()
            ));
        }
        // Each reference call matched by a distinct answer call.
        let mut free: Vec<&ToolCall> = got.iter().collect();
        for w in &want {
            let Some(i) = (0..free.len()).find(|&i| self.same_call(w, free[i])) else {
                return Verdict::wrong(format!("no call matches the reference's {}", w.name));
            };
            free.remove(i);
        }
        Verdict::right("the reference's calls")
    }

    fn same_call(&mut self, want: &ToolCall, got: &ToolCall) -> bool {
        if want.name != got.name {
            return false;
        }
        if want.name != tools::builtin::python::NAME {
            return want.arguments == got.arguments;
        }
        let code = |c: &ToolCall| {
            c.arguments
                .get("code")
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        match (code(want), code(got)) {
            (Some(w), Some(g)) => match (self.run_python(&w), self.run_python(&g)) {
                (Ok(a), Ok(b)) => a.trim_end() == b.trim_end(),
                _ => false,
            },
            _ => false,
        }
    }
}

/// One conversation to sample answers for.
pub enum Item {
    /// A `data synth --kind code` line: sampled answers run through the
    /// agent loop; correct when the final answer holds the ground truth.
    Code {
        item: CodeItem,
        /// The line's own turns after the question.
        reference: Vec<Message>,
    },
    /// Any other chat line: one sampled turn judged against the reference's
    /// calls.
    Calls {
        prompt: Conversation,
        reference: String,
    },
}

/// The usable conversations of a file.
pub struct Items {
    /// Each with its 1-based line.
    pub items: Vec<(usize, Item)>,
    /// Lines that are not a usable conversation: (line, why).
    pub skipped: Vec<(usize, String)>,
}

/// The usable conversations of `data` (at most `limit`) and the lines
/// skipped; an error when none is usable.
pub fn read_items(data: &Path, limit: Option<usize>) -> Result<Items> {
    let file = std::fs::File::open(data).map_err(Error::io(data))?;
    let (mut items, mut skipped) = (Vec::new(), Vec::new());
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let n = i + 1;
        let line = line.map_err(|e| Error::Input(format!("{}:{n}: {e}", data.display())))?;
        if line.trim().is_empty() {
            continue;
        }
        if limit.is_some_and(|l| items.len() >= l) {
            break;
        }
        match read_item(&line, n) {
            Ok(item) => items.push((n, item)),
            Err(reason) => skipped.push((n, reason)),
        }
    }
    if items.is_empty() {
        let first = skipped.first().map_or_else(
            || "the file is empty".to_string(),
            |(n, why): &(usize, String)| format!("line {n}: {why}"),
        );
        return Err(Error::Input(format!(
            "{}: no conversation with a user turn before an assistant turn ({first})",
            data.display()
        )));
    }
    Ok(Items { items, skipped })
}

/// K answers to one item and their verdicts.
pub struct Group {
    /// What the answers continue (for code items, the agent's own system
    /// prompt and the question).
    pub prompt: Conversation,
    /// The line's own answer.
    pub reference: Vec<Message>,
    pub samples: Vec<Sample>,
    /// Tokens the samples generated.
    pub generated_tokens: usize,
}

/// Samples and judges answers through one llama.cpp session.
pub struct Sampler<'e> {
    chat: LlamaChat<'e>,
    judge: Judge,
    registry: Registry,
    agent: AgentConfig,
}

impl<'e> Sampler<'e> {
    /// `max_tokens` per reply, `max_turns` per code item's run.
    pub fn new(
        engine: &'e mut Engine,
        lora: Option<(LoraHandle, f32)>,
        temperature: f32,
        max_tokens: usize,
        max_turns: usize,
    ) -> Sampler<'e> {
        Sampler {
            chat: LlamaChat {
                session: engine.session(),
                lora,
                sampling: SamplingParams {
                    max_tokens,
                    temperature,
                    ..SamplingParams::default()
                },
            },
            judge: Judge::new(),
            registry: crate::eval::code::registry(),
            agent: AgentConfig {
                format: CallFormat::Hermes,
                max_turns,
                max_tokens,
                system: None,
            },
        }
    }

    /// `k` answers to `item`, answer i sampled with seed `seed + i`
    /// (single replies share one prefill, see the module doc).
    pub fn group(&mut self, item: &Item, k: usize, seed: u32) -> Result<Group> {
        match item {
            Item::Calls { prompt, reference } => {
                self.chat.sampling.seed = seed;
                let text = render_text(prompt, true);
                let gens = self.chat.session.generate_group(
                    &text,
                    k,
                    &self.chat.sampling,
                    self.chat.lora,
                )?;
                let generated_tokens = gens.iter().map(|g| g.generated_tokens).sum();
                let samples = gens
                    .into_iter()
                    .map(|g| Sample {
                        verdict: self.judge.judge(&g.text, reference),
                        turns: vec![Message::new(Role::Assistant, g.text)],
                    })
                    .collect();
                Ok(Group {
                    prompt: prompt.clone(),
                    reference: vec![Message::new(Role::Assistant, reference.clone())],
                    samples,
                    generated_tokens,
                })
            }
            Item::Code { item, reference } => {
                let mut prompt = None;
                let (mut samples, mut generated_tokens) = (Vec::with_capacity(k), 0);
                for i in 0..k {
                    self.chat.sampling.seed = seed.wrapping_add(i as u32);
                    let traj = run_agent(
                        &mut self.chat,
                        &self.registry,
                        &self.agent,
                        &item.question,
                        &mut |_| {},
                    )?;
                    generated_tokens +=
                        traj.turns.iter().map(|t| t.generated_tokens).sum::<usize>();
                    let verdict = code_verdict(item, &traj);
                    let mut conv = traj.conversation;
                    let first = conv
                        .messages
                        .iter()
                        .position(|m| m.role == Role::Assistant)
                        .unwrap_or(conv.messages.len());
                    let turns = conv.messages.split_off(first);
                    prompt.get_or_insert(conv);
                    samples.push(Sample { turns, verdict });
                }
                Ok(Group {
                    prompt: prompt.unwrap_or_default(),
                    reference: reference.clone(),
                    samples,
                    generated_tokens,
                })
            }
        }
    }
}

/// A code item's run judged by the eval code suite's final-answer rule.
fn code_verdict(item: &CodeItem, traj: &crate::agent::Trajectory) -> Verdict {
    let verdict = match (&traj.final_answer, item.answered(traj)) {
        (Some(_), true) => {
            Verdict::right(format!("the final answer holds {:?}", item.ground_truth))
        }
        (Some(a), false) => Verdict::wrong(format!(
            "the final answer {:?} does not hold {:?}",
            clip(a),
            item.ground_truth
        )),
        (None, _) => Verdict::wrong(format!("no final answer ({:?})", traj.end)),
    };
    let format = traj.turns.iter().all(|t| t.parse_error.is_none());
    let first_tool = traj
        .turns
        .iter()
        .flat_map(|t| &t.calls)
        .next()
        .map_or("none", |c| c.name.as_str());
    verdict.with(format, first_tool == item.optimal_tool)
}

/// Reads `data`, samples and judges; returns the report and the pairs as
/// JSONL (one line per pair, for `train --method dpo`). `progress` is
/// called after each prompt with (done, total).
pub fn make_pairs(
    engine: &mut Engine,
    lora: Option<(LoraHandle, f32)>,
    data: &Path,
    opts: &PairsOptions,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<(PairsReport, String)> {
    let Items { items, skipped } = read_items(data, opts.limit)?;
    let mut report = PairsReport {
        skipped,
        ..PairsReport::default()
    };
    let mut jsonl = String::new();
    let mut sampler = Sampler::new(
        engine,
        lora,
        opts.temperature,
        opts.max_tokens,
        opts.max_turns,
    );
    let total = items.len();
    for (p, (line, item)) in items.into_iter().enumerate() {
        // Distinct seeds per prompt: answer i of prompt p uses seed + p·k + i.
        let seed = opts.seed.wrapping_add((p * opts.k) as u32);
        let Group {
            prompt,
            reference,
            samples,
            ..
        } = sampler.group(&item, opts.k, seed)?;
        report.prompts += 1;
        report.samples += samples.len();
        report.correct_samples += samples.iter().filter(|s| s.verdict.correct).count();
        progress(p + 1, total);
        let Some(wrong) = samples.iter().position(|s| !s.verdict.correct) else {
            report.all_correct += 1;
            continue;
        };
        let (chosen, from) = match samples.iter().position(|s| s.verdict.correct) {
            Some(i) => (samples[i].turns.clone(), "sample"),
            None => {
                report.chosen_from_reference += 1;
                (reference, "reference")
            }
        };
        report.pairs += 1;
        let record = json!({
            "messages": prompt.messages,
            "tools": prompt.tools,
            "chosen": chosen,
            "rejected": samples[wrong].turns,
            "chosen_from": from,
            "samples": samples.iter().map(|s| json!({"turns": s.turns, "correct": s.verdict.correct, "why": s.verdict.why})).collect::<Vec<_>>(),
            "line": line,
        });
        jsonl.push_str(&record.to_string());
        jsonl.push('\n');
    }
    Ok((report, jsonl))
}

/// One sampled answer: its turns (assistant replies and tool results) and
/// its verdict.
pub struct Sample {
    pub turns: Vec<Message>,
    pub verdict: Verdict,
}

/// At most 80 characters of `s`, for messages.
fn clip(s: &str) -> String {
    match s.char_indices().nth(80) {
        Some((at, _)) => format!("{}...", &s[..at]),
        None => s.to_string(),
    }
}

/// A line as an item: a code sample (it has `ground_truth`,
/// `optimal_tool` and `difficulty`) or a chat line split at its first assistant turn.
fn read_item(line: &str, n: usize) -> std::result::Result<Item, String> {
    let value: Value = serde_json::from_str(line).map_err(|e| e.to_string())?;
    let code = ["ground_truth", "optimal_tool", "difficulty"]
        .iter()
        .all(|k| value.get(k).is_some_and(Value::is_string));
    if code {
        let s: CodeSample = serde_json::from_value(value).map_err(|e| e.to_string())?;
        let (prompt, _) = split_reference(s.conversation.clone())?;
        let reference = s.conversation.messages[prompt.messages.len()..].to_vec();
        let item = CodeItem::from_sample(n.to_string(), s)
            .ok_or("no user turn before the first assistant turn")?;
        return Ok(Item::Code { item, reference });
    }
    let (prompt, reference) = parse_line(line).and_then(split_reference)?;
    Ok(Item::Calls {
        prompt,
        reference: reference.content,
    })
}

/// The prompt (every message before the first assistant turn, with at
/// least one user turn) and that turn.
fn split_reference(conv: Conversation) -> std::result::Result<(Conversation, Message), String> {
    let first = conv
        .messages
        .iter()
        .position(|m| m.role == Role::Assistant)
        .ok_or("no assistant turn to judge against")?;
    if !conv.messages[..first].iter().any(|m| m.role == Role::User) {
        return Err("no user turn before the first assistant turn".into());
    }
    let reference = conv.messages[first].clone();
    let prompt = Conversation {
        messages: conv.messages[..first].to_vec(),
        tools: conv.tools,
    };
    Ok((prompt, reference))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(name: &str, args: Value) -> String {
        hermes::render(&[ToolCall::new(name, args)])
    }

    /// The verdicts against CPython's arithmetic and JSON equality: a
    /// python call is judged by what it prints, other calls by name and
    /// arguments, no-call references by the absence of a call.
    #[test]
    fn answers_are_judged_by_what_they_do() {
        let mut j = Judge::new();
        let reference = call("python", json!({"code": "print(12 * 34)"}));
        let same_output = call("python", json!({"code": "x = 34\nprint(x * 12)"}));
        assert!(j.judge(&same_output, &reference).correct);
        let other = call("python", json!({"code": "print(12 + 34)"}));
        let v = j.judge(&other, &reference);
        assert!(!v.correct && v.why.contains("python"), "{v:?}");
        let broken = call("python", json!({"code": "print(12 *"}));
        assert!(!j.judge(&broken, &reference).correct);
        assert!(!j.judge("408", &reference).correct);

        let weather = |c: &str| call("get_weather", json!({"city": c}));
        assert!(j.judge(&weather("Oslo"), &weather("Oslo")).correct);
        assert!(!j.judge(&weather("Lima"), &weather("Oslo")).correct);
        let both = format!("{}\n{}", weather("Oslo"), weather("Lima"));
        let swapped = format!("{}\n{}", weather("Lima"), weather("Oslo"));
        assert!(j.judge(&swapped, &both).correct, "any order");
        assert!(!j.judge(&weather("Oslo"), &both).correct);
        assert!(j.judge("I cannot help with that.", "No tool fits.").correct);
        assert!(!j.judge(&weather("Oslo"), "No tool fits.").correct);
        let v = j.judge("<tool_call>\n{\"name\": \"get_weather\"", &weather("Oslo"));
        assert!(!v.correct && v.why.contains("parse"), "{v:?}");
    }

    #[test]
    fn the_reference_is_the_first_assistant_turn() {
        let conv = parse_line(
            r#"{"messages":[{"role":"system","content":"s"},{"role":"user","content":"q"},{"role":"assistant","content":"a1"},{"role":"tool","content":"t"},{"role":"assistant","content":"a2"}]}"#,
        )
        .unwrap();
        let (prompt, reference) = split_reference(conv).unwrap();
        assert_eq!(reference.content, "a1");
        assert_eq!(prompt.messages.len(), 2);
        let no_user = parse_line(
            r#"{"messages":[{"role":"system","content":"s"},{"role":"assistant","content":"a"}]}"#,
        )
        .unwrap();
        assert!(split_reference(no_user).unwrap_err().contains("user"));
    }
}
