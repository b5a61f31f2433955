//! `search_docs`: BM25 over a local folder of text files, the offline
//! stand-in for web search. Files are split into passages of about
//! [`PASSAGE_WORDS`] words; a query returns the top-k passages with their
//! file names. Scoring is Okapi BM25 (k1 = 1.2, b = 0.75) with Lucene's
//! non-negative idf `ln(1 + (N - n + 0.5) / (n + 0.5))`.

use crate::registry::{Tool, ToolContext, ToolOutput};
use crate::schema::{FunctionSpec, ObjectSchema, Schema, SchemaKind};
use crate::{Error, ToolError};
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;

pub const NAME: &str = "search_docs";
/// Target passage length in words.
pub const PASSAGE_WORDS: usize = 120;
const K1: f64 = 1.2;
const B: f64 = 0.75;
/// Corpus bounds: files read, bytes per file, folder depth.
const MAX_FILES: usize = 10_000;
const MAX_FILE_BYTES: u64 = 4 << 20;
const MAX_DEPTH: usize = 8;
const EXTENSIONS: [&str; 6] = ["txt", "md", "markdown", "rst", "text", "html"];
/// Longest snippet returned per hit, in characters.
const SNIPPET_CHARS: usize = 600;
const MAX_K: usize = 10;

struct Passage {
    file: String,
    text: String,
    term_counts: HashMap<String, u32>,
    length: usize,
}

/// One search result.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub file: String,
    pub score: f64,
    pub snippet: String,
}

/// The search index and tool.
pub struct SearchDocs {
    spec: FunctionSpec,
    passages: Vec<Passage>,
    document_frequency: HashMap<String, u32>,
    average_length: f64,
}

/// Lowercased alphanumeric words.
pub fn tokenize(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

impl SearchDocs {
    /// Indexes the text files (`.txt`, `.md`, `.rst`, ...) under `folder`,
    /// recursively; names in results are relative to `folder`.
    pub fn from_dir(folder: &Path) -> Result<SearchDocs, Error> {
        let mut documents = Vec::new();
        collect(folder, folder, 0, &mut documents)?;
        documents.sort();
        Ok(SearchDocs::from_documents(documents))
    }

    /// Indexes `(file name, text)` pairs.
    pub fn from_documents(documents: Vec<(String, String)>) -> SearchDocs {
        let mut passages = Vec::new();
        for (file, text) in documents {
            for chunk in split_passages(&text) {
                let words = tokenize(&chunk);
                let mut term_counts = HashMap::new();
                for word in &words {
                    *term_counts.entry(word.clone()).or_insert(0) += 1;
                }
                passages.push(Passage {
                    file: file.clone(),
                    text: chunk,
                    term_counts,
                    length: words.len(),
                });
            }
        }
        let mut document_frequency = HashMap::new();
        for passage in &passages {
            for term in passage.term_counts.keys() {
                *document_frequency.entry(term.clone()).or_insert(0) += 1;
            }
        }
        let total: usize = passages.iter().map(|p| p.length).sum();
        let average_length = total as f64 / passages.len().max(1) as f64;
        let query = Schema::new(SchemaKind::String).describe("keywords to look for");
        let k = Schema::new(SchemaKind::Integer)
            .describe("how many passages to return (1-10, default 3)");
        SearchDocs {
            spec: FunctionSpec {
                name: NAME.into(),
                description: "Search the local documentation folder (an offline stand-in for web search: it only knows the files it was given, not the internet) and return the best-matching passages with their file names.".into(),
                parameters: ObjectSchema::default().with("query", query, true).with("k", k, false),
            },
            passages,
            document_frequency,
            average_length,
        }
    }

    pub fn passage_count(&self) -> usize {
        self.passages.len()
    }

    /// BM25 score of every passage for `query` (same order as indexed).
    pub fn scores(&self, query: &str) -> Vec<f64> {
        let mut terms = tokenize(query);
        terms.sort();
        terms.dedup();
        let n = self.passages.len() as f64;
        let idf: Vec<(String, f64)> = terms
            .into_iter()
            .map(|t| {
                let df = f64::from(self.document_frequency.get(&t).copied().unwrap_or(0));
                (t, (1.0 + (n - df + 0.5) / (df + 0.5)).ln())
            })
            .collect();
        self.passages
            .iter()
            .map(|p| {
                let norm = K1 * (1.0 - B + B * p.length as f64 / self.average_length.max(1e-9));
                idf.iter()
                    .map(|(term, idf)| {
                        let tf = f64::from(p.term_counts.get(term).copied().unwrap_or(0));
                        idf * tf * (K1 + 1.0) / (tf + norm)
                    })
                    .sum()
            })
            .collect()
    }

    /// The `k` best passages with a positive score, best first (ties keep
    /// index order).
    pub fn search(&self, query: &str, k: usize) -> Vec<Hit> {
        let scores = self.scores(query);
        let mut order: Vec<usize> = (0..scores.len()).filter(|&i| scores[i] > 0.0).collect();
        order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
        order
            .into_iter()
            .take(k)
            .map(|i| Hit {
                file: self.passages[i].file.clone(),
                score: scores[i],
                snippet: crate::error::preview(&self.passages[i].text, SNIPPET_CHARS),
            })
            .collect()
    }
}

fn collect(
    root: &Path,
    folder: &Path,
    depth: usize,
    out: &mut Vec<(String, String)>,
) -> Result<(), Error> {
    let io = |source| Error::Io {
        path: folder.to_path_buf(),
        source,
    };
    let mut entries: Vec<_> = std::fs::read_dir(folder)
        .map_err(io)?
        .collect::<Result<_, _>>()
        .map_err(io)?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let kind = entry.file_type().map_err(io)?;
        if kind.is_dir() && depth < MAX_DEPTH {
            collect(root, &path, depth + 1, out)?;
            continue;
        }
        let wanted = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()));
        if !kind.is_file() || !wanted || out.len() >= MAX_FILES {
            continue;
        }
        let size = entry.metadata().map_err(io)?.len();
        if size > MAX_FILE_BYTES {
            continue;
        }
        let bytes = std::fs::read(&path).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
        let name = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        out.push((name, String::from_utf8_lossy(&bytes).into_owned()));
    }
    Ok(())
}

/// Paragraphs (blank-line separated) merged up to about `PASSAGE_WORDS`
/// words; longer paragraphs are cut into windows of that many words.
fn split_passages(text: &str) -> Vec<String> {
    let mut passages = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for paragraph in text.split("\n\n") {
        let words: Vec<&str> = paragraph.split_whitespace().collect();
        if words.is_empty() {
            continue;
        }
        if !current.is_empty() && current.len() + words.len() > PASSAGE_WORDS {
            passages.push(current.join(" "));
            current.clear();
        }
        for window in words.chunks(PASSAGE_WORDS) {
            current.extend_from_slice(window);
            if current.len() >= PASSAGE_WORDS {
                passages.push(current.join(" "));
                current.clear();
            }
        }
    }
    if !current.is_empty() {
        passages.push(current.join(" "));
    }
    passages
}

impl Tool for SearchDocs {
    fn spec(&self) -> &FunctionSpec {
        &self.spec
    }

    fn call(&self, args: &Value, _ctx: &mut ToolContext) -> Result<ToolOutput, ToolError> {
        let query = args.get("query").and_then(Value::as_str).unwrap_or("");
        let k = match args.get("k") {
            None | Some(Value::Null) => 3,
            Some(v) => match v.as_u64() {
                Some(k @ 1..) => (k as usize).min(MAX_K),
                _ => {
                    return Err(ToolError::invalid(
                        NAME,
                        format!("argument 'k' of {NAME} must be between 1 and {MAX_K}"),
                    ))
                }
            },
        };
        if tokenize(query).is_empty() {
            return Err(ToolError::invalid(
                NAME,
                "the query has no words to search for",
            ));
        }
        let hits = self.search(query, k);
        if hits.is_empty() {
            return Ok(ToolOutput::new(format!(
                "no passage matches '{}' (the local documents may not cover it)",
                crate::error::preview(query, 80)
            )));
        }
        let text = hits
            .iter()
            .enumerate()
            .map(|(i, hit)| {
                format!(
                    "[{}] {} (score {:.2})\n{}",
                    i + 1,
                    hit.file,
                    hit.score,
                    hit.snippet
                )
            })
            .collect::<Vec<_>>()
            .join("\n\n");
        Ok(ToolOutput::new(text))
    }
}
