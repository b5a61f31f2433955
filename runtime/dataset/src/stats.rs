//! `data stats`: what a dataset holds — records per category, difficulty
//! and called tool, and token-length percentiles of the rendered
//! conversations (with the model's own tokenizer). Reads the chat JSONL the
//! trainer reads, and xLAM records (`query`/`tools`/`answers`) too.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::prompt::{render_chatml, Conversation, Role};

/// The model's tokenizer: text to token ids.
pub type Tokenize<'a> = &'a mut dyn FnMut(&str) -> Vec<i32>;

/// Token-length summary (nearest-rank percentiles).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Lengths {
    pub p50: usize,
    pub p90: usize,
    pub p99: usize,
    pub max: usize,
    pub mean: f64,
    pub total: usize,
}

/// Counts and lengths of one file.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Stats {
    pub records: usize,
    pub per_category: BTreeMap<String, usize>,
    pub per_difficulty: BTreeMap<String, usize>,
    /// Calls per function name over all assistant turns; `none` counts
    /// records without any call, `unparseable` assistant turns whose
    /// `<tool_call>` could not be read.
    pub per_tool: BTreeMap<String, usize>,
    /// Rendered conversation length in tokens.
    pub tokens: Option<Lengths>,
    /// Tokens the loss is computed on (assistant turns).
    pub trained_tokens: Option<Lengths>,
}

/// Nearest-rank percentile of sorted values (`p` in (0, 1]); the default
/// value (0) of an empty slice.
pub fn percentile<T: Copy + Default>(sorted: &[T], p: f64) -> T {
    if sorted.is_empty() {
        return T::default();
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn lengths(mut xs: Vec<usize>) -> Option<Lengths> {
    if xs.is_empty() {
        return None;
    }
    xs.sort_unstable();
    let total: usize = xs.iter().sum();
    Some(Lengths {
        p50: percentile(&xs, 0.5),
        p90: percentile(&xs, 0.9),
        p99: percentile(&xs, 0.99),
        max: *xs.last().expect("non-empty"),
        mean: total as f64 / xs.len() as f64,
        total,
    })
}

/// The conversation of a record: chat JSONL as is, xLAM converted.
fn conversation(record: &Value) -> Result<(Conversation, Option<String>), String> {
    if record.get("messages").is_some() {
        let conv: Conversation =
            serde_json::from_value(record.clone()).map_err(|e| e.to_string())?;
        return Ok((conv, None));
    }
    if record.get("query").is_some() {
        let s = super::xlam::record_to_chat(record)?;
        return Ok((s.conversation, Some(s.category)));
    }
    Err("neither \"messages\" nor an xLAM \"query\"".into())
}

/// Stats of a JSONL text; `tokenize` (the model's tokenizer) adds the
/// length percentiles. `Err` names the first bad line.
pub fn compute(text: &str, mut tokenize: Option<Tokenize>) -> Result<Stats, String> {
    let mut st = Stats::default();
    let (mut total, mut trained) = (Vec::new(), Vec::new());
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = |e: String| format!("line {}: {e}", i + 1);
        let record: Value = serde_json::from_str(line).map_err(|e| at(e.to_string()))?;
        let (conv, xlam_category) = conversation(&record).map_err(at)?;
        st.records += 1;
        let field = |k: &str| record.get(k).and_then(Value::as_str).map(str::to_string);
        if let Some(c) = field("category").or(xlam_category) {
            *st.per_category.entry(c).or_default() += 1;
        }
        if let Some(d) = field("difficulty") {
            *st.per_difficulty.entry(d).or_default() += 1;
        }
        let mut calls = 0;
        for m in conv.messages.iter().filter(|m| m.role == Role::Assistant) {
            match tools::parse::hermes::parse(&m.content) {
                Ok(cs) => {
                    calls += cs.len();
                    for c in cs {
                        *st.per_tool.entry(c.name).or_default() += 1;
                    }
                }
                Err(_) => *st.per_tool.entry("unparseable".into()).or_default() += 1,
            }
        }
        if calls == 0 {
            *st.per_tool.entry("none".into()).or_default() += 1;
        }
        if let Some(tok) = tokenize.as_mut() {
            let (mut all, mut train) = (0, 0);
            for seg in render_chatml(&conv, false) {
                let n = tok(&seg.text).len();
                all += n;
                if seg.train {
                    train += n;
                }
            }
            total.push(all);
            trained.push(train);
        }
    }
    st.tokens = lengths(total);
    st.trained_tokens = lengths(trained);
    Ok(st)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_nearest_rank() {
        let xs: Vec<usize> = (1..=100).collect();
        assert_eq!(
            [
                percentile(&xs, 0.5),
                percentile(&xs, 0.9),
                percentile(&xs, 0.99),
                percentile(&xs, 1.0)
            ],
            [50, 90, 99, 100]
        );
        assert_eq!(percentile(&[7], 0.5), 7);
        assert_eq!(percentile::<usize>(&[], 0.5), 0);
        // numpy.percentile(..., method="inverted_cdf") on [3, 1, 2]: p50 = 2.
        assert_eq!(lengths(vec![3, 1, 2]).unwrap().p50, 2);
    }

    #[test]
    fn counts_categories_tools_and_tokens() {
        let (code, _) = crate::synth_code::synth_code(30, 4).unwrap();
        let text = crate::synth_code::to_jsonl(&code);
        // A byte "tokenizer": lengths are the rendered byte counts.
        let mut bytes = |s: &str| vec![0; s.len()];
        let st = compute(&text, Some(&mut bytes)).unwrap();
        assert_eq!(st.records, 30);
        assert_eq!(st.per_category.values().sum::<usize>(), 30);
        assert_eq!(st.per_difficulty.values().sum::<usize>(), 30);
        let calls: usize = code
            .iter()
            .flat_map(|s| &s.conversation.messages)
            .filter(|m| m.content.contains("<tool_call>"))
            .count();
        assert_eq!(st.per_tool.get("python").copied().unwrap_or(0), calls);
        let no_call = code.iter().filter(|s| s.optimal_tool == "none").count();
        assert_eq!(st.per_tool.get("none").copied().unwrap_or(0), no_call);
        let longest = code
            .iter()
            .map(|s| crate::prompt::render_text(&s.conversation, false).len())
            .max()
            .unwrap();
        assert_eq!(st.tokens.as_ref().unwrap().max, longest);
        assert!(compute(&text, None).unwrap().tokens.is_none());
        assert!(compute("{\"x\": 1}", None)
            .unwrap_err()
            .starts_with("line 1"));
    }

    #[test]
    fn reads_xlam_records() {
        let (fc, _) = crate::synth_fc::synth_fc(20, 1).unwrap();
        let st = compute(&crate::synth_code::to_jsonl(&fc), None).unwrap();
        assert_eq!(st.records, 20);
        let calls: usize = fc.iter().map(|s| s.answers.len()).sum();
        let counted: usize = st
            .per_tool
            .iter()
            .filter(|(k, _)| *k != "none")
            .map(|(_, v)| v)
            .sum();
        assert_eq!(counted, calls);
    }
}
