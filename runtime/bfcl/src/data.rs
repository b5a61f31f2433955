//! BFCL v4 data: the entry files (`BFCL_v4_<category>.json`) and their
//! `possible_answer/` files, as fetched by `scripts/fetch-bfcl.sh` from the
//! PyPI wheel `bfcl-eval==2026.3.23` (see `shared/spec/function-calling.md`).
//!
//! Both files are JSON lines. An entry is
//! `{"id", "question": [[{"role", "content"}]], "function": [{"name",
//! "description", "parameters": {"type": "dict", "properties", "required"}}]}`;
//! a possible answer is `{"id", "ground_truth": [{"<fn>": {"<param>":
//! [allowed values...]}}]}`. Entries and answers are paired by id.
//!
//! Only the shape the AST checker relies on is validated here; every error
//! names the file and the 1-based line.

use serde_json::Value;
use std::fmt;
use std::path::{Path, PathBuf};

/// The BFCL categories we evaluate (non-live, Python).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Category {
    SimplePython,
    Multiple,
    Parallel,
    ParallelMultiple,
    Irrelevance,
}

impl Category {
    pub const ALL: [Category; 5] = [
        Category::SimplePython,
        Category::Multiple,
        Category::Parallel,
        Category::ParallelMultiple,
        Category::Irrelevance,
    ];

    /// The BFCL test-category name (`simple_python`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Category::SimplePython => "simple_python",
            Category::Multiple => "multiple",
            Category::Parallel => "parallel",
            Category::ParallelMultiple => "parallel_multiple",
            Category::Irrelevance => "irrelevance",
        }
    }

    pub fn from_name(name: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.name() == name)
    }

    /// File name of the entries (and of the possible answers, in `possible_answer/`).
    pub fn file_name(self) -> String {
        format!("BFCL_v4_{}.json", self.name())
    }

    /// Number of entries in BFCL v4 (`bfcl-eval==2026.3.23`).
    pub fn expected_count(self) -> usize {
        match self {
            Category::SimplePython => 400,
            Category::Irrelevance => 240,
            _ => 200,
        }
    }

    /// Irrelevance has no possible-answer file: the right answer is no call.
    pub fn has_answers(self) -> bool {
        self != Category::Irrelevance
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One chat message of a question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub role: String,
    pub content: String,
}

/// One BFCL test entry with its ground truth.
#[derive(Clone, Debug)]
pub struct BfclEntry {
    pub id: String,
    pub category: Category,
    /// Turns, each a list of messages (non-live categories have one turn).
    pub question: Vec<Vec<Message>>,
    /// Function docs as in the file: `{"name", "description", "parameters"}`.
    pub functions: Vec<Value>,
    /// `[{"<fn>": {"<param>": [allowed...]}}]`; `None` for irrelevance.
    pub ground_truth: Option<Vec<Value>>,
}

/// A BFCL file could not be read or has an unexpected shape.
#[derive(Debug)]
pub enum DataError {
    /// The file is absent: the data was not fetched.
    Missing { path: PathBuf },
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Bad content at a 1-based line (0 when the problem is the whole file).
    Format {
        path: PathBuf,
        line: usize,
        reason: String,
    },
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataError::Missing { path } => write!(
                f,
                "{}: not found; run `make bfcl` (scripts/fetch-bfcl.sh) to fetch the BFCL data",
                path.display()
            ),
            DataError::Io { path, source } => write!(f, "{}: {source}", path.display()),
            DataError::Format { path, line, reason } => {
                write!(f, "{}:{line}: {reason}", path.display())
            }
        }
    }
}

impl std::error::Error for DataError {}

fn read_lines(path: &Path) -> Result<Vec<(usize, Value)>, DataError> {
    let text = std::fs::read_to_string(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            DataError::Missing {
                path: path.to_path_buf(),
            }
        } else {
            DataError::Io {
                path: path.to_path_buf(),
                source,
            }
        }
    })?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: Value = serde_json::from_str(line).map_err(|e| DataError::Format {
            path: path.to_path_buf(),
            line: i + 1,
            reason: format!("invalid JSON: {e}"),
        })?;
        out.push((i + 1, v));
    }
    Ok(out)
}

fn get_str(v: &Value, key: &str) -> Result<String, String> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| format!("missing string field {key:?}"))
}

fn parse_question(v: &Value) -> Result<Vec<Vec<Message>>, String> {
    let turns = v
        .get("question")
        .and_then(Value::as_array)
        .ok_or("missing array field \"question\"")?;
    let mut out = Vec::with_capacity(turns.len());
    for turn in turns {
        let msgs = turn.as_array().ok_or("a question turn is not an array")?;
        let mut t = Vec::with_capacity(msgs.len());
        for m in msgs {
            t.push(Message {
                role: get_str(m, "role")?,
                content: get_str(m, "content")?,
            });
        }
        out.push(t);
    }
    Ok(out)
}

fn parse_functions(v: &Value) -> Result<Vec<Value>, String> {
    let funcs = v
        .get("function")
        .and_then(Value::as_array)
        .ok_or("missing array field \"function\"")?;
    for f in funcs {
        let name = get_str(f, "name")?;
        let props = f.get("parameters").and_then(|p| p.get("properties"));
        if !props.is_some_and(Value::is_object) {
            return Err(format!(
                "function {name:?} has no parameters.properties object"
            ));
        }
    }
    Ok(funcs.clone())
}

/// Checks `[{"fn": {"param": [allowed...]}}]`.
fn parse_ground_truth(v: &Value) -> Result<Vec<Value>, String> {
    let calls = v
        .get("ground_truth")
        .and_then(Value::as_array)
        .ok_or("missing array field \"ground_truth\"")?;
    for call in calls {
        let obj = call
            .as_object()
            .filter(|o| o.len() == 1)
            .ok_or("a ground-truth call is not a one-key object")?;
        for (name, params) in obj {
            let params = params
                .as_object()
                .ok_or_else(|| format!("ground truth of {name:?} is not an object"))?;
            if let Some((p, _)) = params.iter().find(|(_, a)| !a.is_array()) {
                return Err(format!("allowed values of {name}.{p} are not a list"));
            }
        }
    }
    Ok(calls.clone())
}

/// Loads one category from `dir` (the `bfcl/` cache folder), pairing each
/// entry with its possible answer by id.
pub fn load_category(dir: &Path, category: Category) -> Result<Vec<BfclEntry>, DataError> {
    let path = dir.join(category.file_name());
    let fmt_err = |path: &Path, line: usize, reason: String| DataError::Format {
        path: path.to_path_buf(),
        line,
        reason,
    };
    let mut entries = Vec::new();
    for (line, v) in read_lines(&path)? {
        let parsed = (|| -> Result<BfclEntry, String> {
            Ok(BfclEntry {
                id: get_str(&v, "id")?,
                category,
                question: parse_question(&v)?,
                functions: parse_functions(&v)?,
                ground_truth: None,
            })
        })();
        entries.push(parsed.map_err(|r| fmt_err(&path, line, r))?);
    }
    if category.has_answers() {
        let apath = dir.join("possible_answer").join(category.file_name());
        let answers = read_lines(&apath)?;
        if answers.len() != entries.len() {
            let reason = format!(
                "{} possible answers for {} entries in {}",
                answers.len(),
                entries.len(),
                path.display()
            );
            return Err(fmt_err(&apath, 0, reason));
        }
        for (entry, (line, a)) in entries.iter_mut().zip(answers) {
            let id = get_str(&a, "id").map_err(|r| fmt_err(&apath, line, r))?;
            if id != entry.id {
                let reason = format!("answer id {id:?} does not match entry id {:?}", entry.id);
                return Err(fmt_err(&apath, line, reason));
            }
            let gt = parse_ground_truth(&a).map_err(|r| fmt_err(&apath, line, r))?;
            entry.ground_truth = Some(gt);
        }
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch_dir(tag: &str) -> test_support::TempDir {
        let d = test_support::TempDir::new(tag);
        std::fs::create_dir_all(d.path("possible_answer")).expect("temp dir is writable");
        d
    }

    const ENTRY: &str = r#"{"id": "parallel_0", "question": [[{"role": "user", "content": "q"}]], "function": [{"name": "f", "description": "d", "parameters": {"type": "dict", "properties": {"a": {"type": "integer"}}, "required": ["a"]}}]}"#;

    #[test]
    fn loads_and_pairs_answers() {
        let tmp = scratch_dir("ok");
        let d = tmp.dir();
        std::fs::write(d.join("BFCL_v4_parallel.json"), format!("{ENTRY}\n")).unwrap();
        std::fs::write(
            d.join("possible_answer/BFCL_v4_parallel.json"),
            r#"{"id": "parallel_0", "ground_truth": [{"f": {"a": [1, ""]}}]}"#,
        )
        .unwrap();
        let e = load_category(d, Category::Parallel).unwrap();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].question[0][0].content, "q");
        assert_eq!(e[0].ground_truth.as_ref().unwrap().len(), 1);
    }

    #[test]
    fn errors_name_file_and_line() {
        let tmp = scratch_dir("bad");
        let d = tmp.dir();
        std::fs::write(
            d.join("BFCL_v4_multiple.json"),
            format!("{ENTRY}\n{{\"id\": 3"),
        )
        .unwrap();
        let msg = load_category(d, Category::Multiple)
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("BFCL_v4_multiple.json:2: invalid JSON"),
            "{msg}"
        );

        std::fs::write(d.join("BFCL_v4_multiple.json"), ENTRY).unwrap();
        let ans = r#"{"id": "parallel_0", "ground_truth": [{"f": {"a": 1}}]}"#;
        std::fs::write(d.join("possible_answer/BFCL_v4_multiple.json"), ans).unwrap();
        let msg = load_category(d, Category::Multiple)
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("BFCL_v4_multiple.json:1: allowed values of f.a"),
            "{msg}"
        );

        let msg = load_category(d, Category::SimplePython)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("make bfcl"), "{msg}");
        let truncated = &ENTRY[..ENTRY.len() / 2];
        std::fs::write(d.join("BFCL_v4_irrelevance.json"), truncated).unwrap();
        assert!(load_category(d, Category::Irrelevance).is_err());
    }
}
