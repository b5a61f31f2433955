//! Training data: JSONL conversations (`{"messages": [...], "tools": [...]}`)
//! or preference pairs (the same plus `chosen` and `rejected`), rendered by
//! `dataset::prompt` and tokenized with the model's own tokenizer into
//! (ids, labels) examples. Bad lines are reported with file:line.

use std::io::BufRead;
use std::path::Path;

use crate::{Error, Result};
use dataset::prompt::{
    labels_from_mask, parse_line, render_chatml, tokenize_segments, Conversation, Message, Role,
};

/// One tokenized example.
#[derive(Clone, Debug, PartialEq)]
pub struct Example {
    pub ids: Vec<i32>,
    /// Target of each position or -1.
    pub labels: Vec<i32>,
    /// 1-based line in the source file.
    pub line: usize,
}

impl Example {
    pub fn n_targets(&self) -> usize {
        self.labels.iter().filter(|&&l| l >= 0).count()
    }
}

/// A dataset read from one file.
#[derive(Debug, Default)]
pub struct Dataset {
    pub examples: Vec<Example>,
    /// Preference data ([`load_pairs`]): the rejected answer to the prompt
    /// of `examples[i]`, which holds the chosen one; empty otherwise.
    pub rejected: Vec<Example>,
    /// Lines skipped with `--skip-bad`: (line, reason).
    pub skipped: Vec<(usize, String)>,
    /// Examples cut to `max_seq`.
    pub truncated: usize,
}

impl Dataset {
    /// Tokens that item `i` puts through the model (both answers of a pair).
    pub fn tokens(&self, i: usize) -> usize {
        self.examples[i].ids.len() + self.rejected.get(i).map_or(0, |r| r.ids.len())
    }
}

/// What turns text into examples: the model's tokenizer and BOS, the
/// sequence limit.
pub struct Tokenizing<'t> {
    pub max_seq: usize,
    pub bos: Option<i32>,
    pub tokenize: &'t mut dyn FnMut(&str) -> Vec<i32>,
}

impl Tokenizing<'_> {
    /// The example of one conversation (`Err`: why it has nothing to train
    /// on); `truncated` is counted when it was cut to `max_seq`.
    pub(super) fn example(
        &mut self,
        conv: &Conversation,
        mask_prompt: bool,
        line: usize,
        truncated: &mut usize,
    ) -> std::result::Result<Example, String> {
        let segments = render_chatml(conv, false);
        let (mut ids, mut train) = tokenize_segments(&segments, self.bos, self.tokenize);
        if !mask_prompt {
            train.iter_mut().for_each(|t| *t = true);
        }
        if ids.len() > self.max_seq {
            ids.truncate(self.max_seq);
            train.truncate(self.max_seq);
            *truncated += 1;
        }
        let labels = labels_from_mask(&ids, &train);
        let ex = Example { ids, labels, line };
        if ex.n_targets() == 0 {
            return Err(format!(
                "no trainable tokens within --max-seq {}",
                self.max_seq
            ));
        }
        Ok(ex)
    }
}

impl Tokenizing<'_> {
    /// A sampled answer (GRPO): the conversation's weighted assistant
    /// tokens as targets; `None` when none is left within `max_seq`.
    pub(super) fn answer(&mut self, conv: &Conversation, line: usize) -> Option<Example> {
        let mut truncated = 0;
        self.example(conv, true, line, &mut truncated).ok()
    }
}

/// Reads `path` line by line: `item` turns a line into what the dataset
/// keeps, or says why it cannot (skipped with `skip_bad`, else an error
/// naming file:line).
fn read_lines(
    path: &Path,
    skip_bad: bool,
    ds: &mut Dataset,
    item: &mut dyn FnMut(&str, usize, &mut Dataset) -> std::result::Result<(), String>,
) -> Result<()> {
    let file = std::fs::File::open(path).map_err(Error::io(path))?;
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let n = i + 1;
        let line = line.map_err(|e| Error::Input(format!("{}:{n}: {e}", path.display())))?;
        if line.trim().is_empty() {
            continue;
        }
        match item(&line, n, ds) {
            Ok(()) => {}
            Err(reason) if skip_bad => ds.skipped.push((n, reason)),
            Err(reason) => {
                return Err(Error::Input(format!(
                    "{}:{n}: {reason} (use --skip-bad to skip bad lines)",
                    path.display()
                )))
            }
        }
    }
    if ds.examples.is_empty() {
        return Err(Error::Input(format!(
            "{}: no usable examples",
            path.display()
        )));
    }
    Ok(())
}

/// Reads and tokenizes a JSONL file of conversations.
pub fn load(
    path: &Path,
    mask_prompt: bool,
    skip_bad: bool,
    tok: &mut Tokenizing<'_>,
) -> Result<Dataset> {
    let mut ds = Dataset::default();
    read_lines(path, skip_bad, &mut ds, &mut |line, n, ds| {
        let conv = parse_line(line)?;
        let ex = tok.example(&conv, mask_prompt, n, &mut ds.truncated)?;
        ds.examples.push(ex);
        Ok(())
    })?;
    Ok(ds)
}

/// Reads preference pairs: one `{"messages": [...prompt...], "tools":
/// [...], "chosen": ..., "rejected": ...}` per line, each answer an
/// assistant message, a list of messages (assistant and tool turns), or a
/// string (the assistant's text). Loss and log-probabilities cover the
/// answer's assistant tokens only: assistant turns inside the prompt are
/// context.
pub fn load_pairs(path: &Path, skip_bad: bool, tok: &mut Tokenizing<'_>) -> Result<Dataset> {
    let mut ds = Dataset::default();
    read_lines(path, skip_bad, &mut ds, &mut |line, n, ds| {
        let (chosen, rejected) = pair_conversations(line)?;
        let c = tok.example(&chosen, true, n, &mut ds.truncated);
        let r = tok.example(&rejected, true, n, &mut ds.truncated);
        let (c, r) = (
            c.map_err(|e| format!("chosen: {e}"))?,
            r.map_err(|e| format!("rejected: {e}"))?,
        );
        ds.examples.push(c);
        ds.rejected.push(r);
        Ok(())
    })?;
    Ok(ds)
}

/// The two conversations of a preference line: prompt + chosen, prompt +
/// rejected, with the prompt's own assistant turns weighted 0.
fn pair_conversations(line: &str) -> std::result::Result<(Conversation, Conversation), String> {
    let v: serde_json::Value = serde_json::from_str(line).map_err(|e| e.to_string())?;
    let field = |k: &str| {
        v.get(k).ok_or_else(|| {
            format!("no \"{k}\" (a preference line has messages, chosen and rejected)")
        })
    };
    let messages: Vec<Message> = serde_json::from_value(field("messages")?.clone())
        .map_err(|e| format!("\"messages\": {e}"))?;
    if !messages.iter().any(|m| m.role == Role::User) {
        return Err("the prompt has no user turn".into());
    }
    let tools: Vec<serde_json::Value> = match v.get("tools") {
        None => Vec::new(),
        Some(t) => serde_json::from_value(t.clone()).map_err(|e| format!("\"tools\": {e}"))?,
    };
    let answer = |k: &str| -> std::result::Result<Vec<Message>, String> {
        let turns: Vec<Message> = match field(k)? {
            serde_json::Value::String(text) => vec![Message::new(Role::Assistant, text.clone())],
            a @ serde_json::Value::Array(_) => {
                serde_json::from_value(a.clone()).map_err(|e| format!("\"{k}\": {e}"))?
            }
            m => vec![serde_json::from_value(m.clone()).map_err(|e| format!("\"{k}\": {e}"))?],
        };
        if !turns.iter().any(|m| m.role == Role::Assistant) {
            return Err(format!("\"{k}\" has no assistant turn"));
        }
        Ok(turns)
    };
    let (chosen, rejected) = (answer("chosen")?, answer("rejected")?);
    if chosen == rejected {
        return Err("chosen and rejected are the same answer".into());
    }
    let prompt = Conversation { messages, tools };
    Ok((
        answer_conversation(&prompt, chosen),
        answer_conversation(&prompt, rejected),
    ))
}

/// A prompt followed by an answer (DPO's chosen or rejected, a GRPO
/// rollout), with the prompt's own assistant turns weighted 0: only the
/// answer is trained on.
pub(super) fn answer_conversation(prompt: &Conversation, answer: Vec<Message>) -> Conversation {
    let mut messages = prompt.messages.clone();
    messages.iter_mut().for_each(|m| m.weight = 0);
    messages.extend(answer);
    Conversation {
        messages,
        tools: prompt.tools.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(s: &str) -> Vec<i32> {
        s.bytes().map(|b| b as i32).collect()
    }

    fn write(lines: &[&str]) -> (test_support::TempDir, std::path::PathBuf) {
        let tmp = test_support::TempDir::new("train-data");
        let p = tmp.path("data.jsonl");
        std::fs::write(&p, lines.join("\n")).unwrap();
        (tmp, p)
    }

    #[test]
    fn bad_lines_name_file_and_line() {
        let good = r#"{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"}]}"#;
        let (_tmp, p) = write(&[
            good,
            "{not json",
            r#"{"messages":[{"role":"user","content":"x"}]}"#,
        ]);
        let mut tokenize = bytes;
        let mut tok = Tokenizing {
            max_seq: 512,
            bos: None,
            tokenize: &mut tokenize,
        };
        let e = load(&p, true, false, &mut tok).unwrap_err().to_string();
        assert!(e.contains(":2:"), "{e}");
        let ds = load(&p, true, true, &mut tok).unwrap();
        assert_eq!(ds.examples.len(), 1);
        assert_eq!(ds.skipped.iter().map(|s| s.0).collect::<Vec<_>>(), [2, 3]);
        assert!(ds.skipped[1].1.contains("assistant"));
        let ex = &ds.examples[0];
        let trained: String = ex
            .labels
            .iter()
            .filter(|&&l| l >= 0)
            .map(|&l| l as u8 as char)
            .collect();
        assert_eq!(trained, "hello<|im_end|>");
    }

    #[test]
    fn pairs_train_on_the_answers_alone_and_bad_pairs_name_their_line() {
        let pair = r#"{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"},{"role":"user","content":"c"}],"chosen":"yes","rejected":{"role":"assistant","content":"no"}}"#;
        let (_tmp, p) = write(&[
            pair,
            r#"{"messages":[{"role":"user","content":"a"}],"chosen":"x","rejected":"x"}"#,
            r#"{"messages":[{"role":"system","content":"a"}],"chosen":"x","rejected":"y"}"#,
            r#"{"messages":[{"role":"user","content":"a"}],"chosen":"x"}"#,
            r#"{"messages":[{"role":"user","content":"a"}],"chosen":[{"role":"tool","content":"1"}],"rejected":"y"}"#,
        ]);
        let mut tokenize = bytes;
        let mut tok = Tokenizing {
            max_seq: 512,
            bos: None,
            tokenize: &mut tokenize,
        };
        let e = load_pairs(&p, false, &mut tok).unwrap_err().to_string();
        assert!(e.contains(":2:") && e.contains("the same answer"), "{e}");
        let ds = load_pairs(&p, true, &mut tok).unwrap();
        assert_eq!((ds.examples.len(), ds.rejected.len()), (1, 1));
        let reasons: Vec<(usize, &str)> =
            ds.skipped.iter().map(|(n, r)| (*n, r.as_str())).collect();
        assert_eq!(reasons[0].0, 2);
        assert_eq!(reasons[1], (3, "the prompt has no user turn"));
        assert!(
            reasons[2].0 == 4 && reasons[2].1.contains("no \"rejected\""),
            "{reasons:?}"
        );
        assert_eq!(reasons[3], (5, "\"chosen\" has no assistant turn"));
        let trained = |ex: &Example| -> String {
            ex.labels
                .iter()
                .filter(|&&l| l >= 0)
                .map(|&l| l as u8 as char)
                .collect()
        };
        // The prompt's assistant turn ("b") is context, not trained.
        assert_eq!(trained(&ds.examples[0]), "yes<|im_end|>");
        assert_eq!(trained(&ds.rejected[0]), "no<|im_end|>");
        assert_eq!(
            ds.tokens(0),
            ds.examples[0].ids.len() + ds.rejected[0].ids.len()
        );
    }
}
