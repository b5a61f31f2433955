//! `data synth --kind function-calling`: xLAM-format samples (`{"id",
//! "query", "tools", "answers", "category"}`) built from the function
//! library ([`super::fc_lib`]) in the BFCL categories `simple`, `multiple`
//! (distractor tools), `parallel` (one function, several calls),
//! `parallel_multiple` and `no_call` (no listed function applies).
//!
//! Every sample passes APIGen's format check (tools re-read from the
//! written xLAM JSON by the tools crate, answers validated against them)
//! and its execution check (every call runs in the local implementation);
//! failures are dropped and counted. Deterministic for a seed.

use std::collections::BTreeMap;

use kernels::rng::Rng;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::fc_lib::{library, one_of, pick_weighted, related, FcFunction};
use super::xlam::{read_answers, read_tools, to_chat, FcChatSample};

/// Categories and their share in percent.
pub const CASES: [(&str, u64); 5] = [
    ("simple", 25),
    ("multiple", 25),
    ("parallel", 15),
    ("parallel_multiple", 15),
    ("no_call", 20),
];

/// Requests no function in the library can serve.
const OFF_TOPIC: [&str; 12] = [
    "Write a short poem about the sea.",
    "Book me a table for two at an Italian restaurant tonight.",
    "What is your favourite movie?",
    "Translate 'good morning' into Japanese.",
    "Send an email to my manager saying I will be late.",
    "Tell me a joke about programmers.",
    "What will the weather be like in Paris tomorrow?",
    "Play some relaxing music.",
    "Summarize the plot of Hamlet.",
    "Set an alarm for 6:30 tomorrow morning.",
    "Who won the football world cup in 2010?",
    "Recommend a good book about history.",
];

/// One sample in xLAM form (tools in xLAM's flat style, answers decoded).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct XlamSample {
    pub id: usize,
    pub query: String,
    pub tools: Vec<Value>,
    pub answers: Vec<Value>,
    pub category: String,
}

/// What a run produced and what it dropped, by reason.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct FcSynthReport {
    pub attempts: usize,
    pub written: usize,
    pub dropped: BTreeMap<String, usize>,
    pub per_category: BTreeMap<String, usize>,
}

/// APIGen's format and execution checks; returns each call's result.
pub fn check(sample: &XlamSample, lib: &[FcFunction]) -> Result<Vec<Value>, String> {
    let specs =
        read_tools(&Value::Array(sample.tools.clone())).map_err(|e| format!("format: {e}"))?;
    let calls = read_answers(&Value::Array(sample.answers.clone()), &specs)
        .map_err(|e| format!("format: {e}"))?;
    if calls.is_empty() != (sample.category == "no_call") {
        return Err("format: calls do not match the category".into());
    }
    calls
        .iter()
        .map(|c| {
            let f = lib
                .iter()
                .find(|f| f.name == c.name)
                .ok_or_else(|| format!("execution: no implementation of {}", c.name))?;
            (f.run)(&c.arguments).map_err(|e| format!("execution: {}: {e}", c.name))
        })
        .collect()
}

/// Sentences joined into one request.
fn join_queries(queries: &[String]) -> String {
    let mut out = queries[0].clone();
    for q in &queries[1..] {
        let mut chars = q.chars();
        let first = chars.next().map(|c| c.to_lowercase().to_string());
        out.push_str(" Also, ");
        out.push_str(&first.unwrap_or_default());
        out.push_str(chars.as_str());
    }
    out
}

/// `k` distinct functions other than `exclude`, half of them (when
/// possible) from a domain related to `near`.
fn distractors(
    rng: &mut Rng,
    lib: &[FcFunction],
    exclude: &[&str],
    near: &str,
    k: usize,
) -> Vec<FcFunction> {
    let mut pool: Vec<FcFunction> = lib
        .iter()
        .filter(|f| !exclude.contains(&f.name))
        .copied()
        .collect();
    rng.shuffle(&mut pool);
    let mut keyed: Vec<(bool, FcFunction)> = pool
        .into_iter()
        .map(|f| (!(related(f.domain, near) && rng.below(2) == 0), f))
        .collect();
    keyed.sort_by_key(|(far, _)| *far);
    keyed.into_iter().take(k).map(|(_, f)| f).collect()
}

fn build(rng: &mut Rng, lib: &[FcFunction], case: &str) -> (String, Vec<FcFunction>, Vec<Value>) {
    let call = |f: &FcFunction, args: Value| serde_json::json!({"name": f.name, "arguments": args});
    let main = lib[rng.below(lib.len() as u64) as usize];
    match case {
        "simple" | "multiple" => {
            let (query, args) = (main.sample)(rng);
            let mut tools = vec![main];
            if case == "multiple" {
                let k = 1 + rng.below(3) as usize;
                tools.extend(distractors(rng, lib, &[main.name], main.domain, k));
                rng.shuffle(&mut tools);
            }
            (query, tools, vec![call(&main, args)])
        }
        "parallel" => {
            let n = 2 + rng.below(2) as usize;
            let (queries, answers): (Vec<String>, Vec<Value>) = (0..n)
                .map(|_| {
                    let (q, a) = (main.sample)(rng);
                    (q, call(&main, a))
                })
                .unzip();
            (join_queries(&queries), vec![main], answers)
        }
        "parallel_multiple" => {
            let n = 2 + rng.below(2) as usize;
            let mut tools = vec![main];
            tools.extend(distractors(rng, lib, &[main.name], main.domain, n - 1));
            let (queries, answers): (Vec<String>, Vec<Value>) = tools
                .iter()
                .map(|f| {
                    let (q, a) = (f.sample)(rng);
                    (q, call(f, a))
                })
                .unzip();
            let k = rng.below(2) as usize;
            let names: Vec<&str> = tools.iter().map(|f| f.name).collect();
            tools.extend(distractors(rng, lib, &names, main.domain, k));
            rng.shuffle(&mut tools);
            (join_queries(&queries), tools, answers)
        }
        _ => {
            // No call: a request from a function that is not offered (nor
            // anything from a related domain), or an off-topic request.
            let query = if rng.below(3) == 0 {
                one_of(rng, &OFF_TOPIC).to_string()
            } else {
                (main.sample)(rng).0
            };
            let mut pool: Vec<FcFunction> = lib
                .iter()
                .filter(|f| !related(f.domain, main.domain))
                .copied()
                .collect();
            rng.shuffle(&mut pool);
            pool.truncate(1 + rng.below(4) as usize);
            (query, pool, Vec::new())
        }
    }
}

/// `n` checked samples (fewer only if more than `n + 100` attempts fail).
pub fn synth_fc(n: usize, seed: u64) -> (Vec<XlamSample>, FcSynthReport) {
    let lib = library();
    let mut rng = Rng::new(seed);
    let mut report = FcSynthReport::default();
    let mut out = Vec::with_capacity(n);
    while out.len() < n && report.attempts < 2 * n + 100 {
        report.attempts += 1;
        let mut r = rng.fork();
        let case = pick_weighted(&mut r, &CASES);
        let (query, tools, answers) = build(&mut r, &lib, case);
        let sample = XlamSample {
            id: out.len(),
            query,
            tools: tools.iter().map(FcFunction::xlam_json).collect(),
            answers,
            category: case.into(),
        };
        match check(&sample, &lib) {
            Ok(_) => {
                *report.per_category.entry(case.into()).or_default() += 1;
                out.push(sample);
            }
            Err(reason) => {
                let key = reason.split(':').take(2).collect::<Vec<_>>().join(":");
                *report.dropped.entry(key).or_default() += 1;
            }
        }
    }
    report.written = out.len();
    (out, report)
}

/// The training conversation of a checked sample.
pub fn sample_to_chat(sample: &XlamSample) -> Result<FcChatSample, String> {
    let specs = read_tools(&Value::Array(sample.tools.clone()))?;
    let calls = read_answers(&Value::Array(sample.answers.clone()), &specs)?;
    Ok(to_chat(&sample.query, &specs, &calls))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth_code::to_jsonl;

    #[test]
    fn deterministic_for_a_seed() {
        assert_eq!(to_jsonl(&synth_fc(60, 5).0), to_jsonl(&synth_fc(60, 5).0));
        assert_ne!(to_jsonl(&synth_fc(60, 5).0), to_jsonl(&synth_fc(60, 6).0));
    }

    #[test]
    fn samples_pass_format_and_execution_and_categories_hold() {
        let lib = library();
        let (samples, report) = synth_fc(400, 9);
        assert_eq!(samples.len(), 400, "{report:?}");
        for s in &samples {
            let results = check(s, &lib).unwrap();
            let chat = sample_to_chat(s).unwrap();
            assert_eq!(chat.category, s.category, "{s:?}");
            assert_eq!(results.len(), s.answers.len());
            let reply = &chat.conversation.messages[1].content;
            let parsed = tools::parse::hermes::parse(reply).unwrap();
            assert_eq!(parsed.len(), s.answers.len());
            for (c, a) in parsed.iter().zip(&s.answers) {
                assert_eq!(c.name, a["name"]);
                assert_eq!(c.arguments, a["arguments"]);
            }
            if s.category == "no_call" {
                assert!(reply.starts_with("None of the available functions"));
            }
        }
        for (case, _) in CASES {
            assert!(report.per_category[case] >= 30, "{report:?}");
        }
    }

    #[test]
    fn check_rejects_bad_answers() {
        let lib = library();
        let (mut samples, _) = synth_fc(50, 2);
        let s = samples.iter_mut().find(|s| s.category == "simple").unwrap();
        let good = s.clone();
        s.answers[0]["name"] = "nope".into();
        assert!(check(s, &lib).unwrap_err().starts_with("format:"));
        *s = good.clone();
        s.answers[0]["arguments"]["zzz"] = 1.into();
        assert!(check(s, &lib).unwrap_err().starts_with("format:"));
        *s = good;
        let f = lib.iter().find(|f| f.name == "factorial").unwrap();
        s.tools = vec![f.xlam_json()];
        s.answers = vec![serde_json::json!({"name": "factorial", "arguments": {"n": 99}})];
        assert!(check(s, &lib)
            .unwrap_err()
            .starts_with("execution: factorial"));
    }
}
