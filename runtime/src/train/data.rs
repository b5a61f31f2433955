//! Training data: JSONL conversations (`{"messages": [...], "tools": [...]}`)
//! rendered by `dataset::prompt` and tokenized with the model's own tokenizer
//! into (ids, labels) examples. Bad lines are reported with file:line.

use std::io::BufRead;
use std::path::Path;

use crate::{Error, Result};
use dataset::prompt::{labels_from_mask, parse_line, render_chatml, tokenize_segments};

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
    /// Lines skipped with `--skip-bad`: (line, reason).
    pub skipped: Vec<(usize, String)>,
    /// Examples cut to `max_seq`.
    pub truncated: usize,
}

/// Reads and tokenizes a JSONL file. `tokenize` is the model tokenizer;
/// `bos` is prepended when the model wants it.
pub fn load(
    path: &Path,
    max_seq: usize,
    mask_prompt: bool,
    skip_bad: bool,
    bos: Option<i32>,
    tokenize: &mut dyn FnMut(&str) -> Vec<i32>,
) -> Result<Dataset> {
    let file = std::fs::File::open(path).map_err(Error::io(path))?;
    let mut ds = Dataset::default();
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let n = i + 1;
        let line = line.map_err(|e| Error::Input(format!("{}:{n}: {e}", path.display())))?;
        if line.trim().is_empty() {
            continue;
        }
        let conv = match parse_line(&line) {
            Ok(c) => c,
            Err(reason) if skip_bad => {
                ds.skipped.push((n, reason));
                continue;
            }
            Err(reason) => {
                return Err(Error::Input(format!(
                    "{}:{n}: {reason} (use --skip-bad to skip bad lines)",
                    path.display()
                )))
            }
        };
        let segments = render_chatml(&conv, false);
        let (mut ids, mut train) = tokenize_segments(&segments, bos, tokenize);
        if !mask_prompt {
            train.iter_mut().for_each(|t| *t = true);
        }
        if ids.len() > max_seq {
            ids.truncate(max_seq);
            train.truncate(max_seq);
            ds.truncated += 1;
        }
        let labels = labels_from_mask(&ids, &train);
        let ex = Example {
            ids,
            labels,
            line: n,
        };
        if ex.n_targets() == 0 {
            let reason = format!("no trainable tokens within --max-seq {max_seq}");
            if skip_bad {
                ds.skipped.push((n, reason));
                continue;
            }
            return Err(Error::Input(format!("{}:{n}: {reason}", path.display())));
        }
        ds.examples.push(ex);
    }
    if ds.examples.is_empty() {
        return Err(Error::Input(format!(
            "{}: no usable examples",
            path.display()
        )));
    }
    Ok(ds)
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
        let e = load(&p, 512, true, false, None, &mut bytes)
            .unwrap_err()
            .to_string();
        assert!(e.contains(":2:"), "{e}");
        let ds = load(&p, 512, true, true, None, &mut bytes).unwrap();
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
}
