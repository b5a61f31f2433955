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
//! names the file and the 1-based line. [`read_category`] keeps going past
//! unreadable entries and lists them; [`load_category`] stops at the first.

use serde_json::Value;
use std::fmt;
use std::path::{Path, PathBuf};

/// The BFCL categories we evaluate: every single-turn AST category of
/// `bfcl-eval==2026.3.23` (non-live and live).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Category {
    SimplePython,
    SimpleJava,
    SimpleJavascript,
    Multiple,
    Parallel,
    ParallelMultiple,
    Irrelevance,
    LiveSimple,
    LiveMultiple,
    LiveParallel,
    LiveParallelMultiple,
    LiveIrrelevance,
    LiveRelevance,
}

/// The language a category's functions are written in; it picks the
/// checker's type rules (`ast_file_runner`: `is_java`, `is_js`, else Python).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Language {
    Python,
    Java,
    JavaScript,
}

/// One row per category: the BFCL test-category name and the number of
/// entries in `BFCL_v4_<name>.json` of `bfcl-eval==2026.3.23`.
const CATEGORIES: [(Category, &str, usize); 13] = [
    (Category::SimplePython, "simple_python", 400),
    (Category::SimpleJava, "simple_java", 100),
    (Category::SimpleJavascript, "simple_javascript", 50),
    (Category::Multiple, "multiple", 200),
    (Category::Parallel, "parallel", 200),
    (Category::ParallelMultiple, "parallel_multiple", 200),
    (Category::Irrelevance, "irrelevance", 240),
    (Category::LiveSimple, "live_simple", 258),
    (Category::LiveMultiple, "live_multiple", 1053),
    (Category::LiveParallel, "live_parallel", 16),
    (Category::LiveParallelMultiple, "live_parallel_multiple", 24),
    (Category::LiveIrrelevance, "live_irrelevance", 884),
    (Category::LiveRelevance, "live_relevance", 16),
];

impl Category {
    pub const ALL: [Category; 13] = {
        let mut all = [Category::SimplePython; 13];
        let mut i = 0;
        while i < all.len() {
            all[i] = CATEGORIES[i].0;
            i += 1;
        }
        all
    };

    fn row(self) -> (Category, &'static str, usize) {
        CATEGORIES[self as usize]
    }

    /// The BFCL test-category name (`simple_python`, ...).
    pub fn name(self) -> &'static str {
        self.row().1
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
        self.row().2
    }

    /// `is_java` / `is_js` of `bfcl_eval/utils.py`, on the name as BFCL does.
    pub fn language(self) -> Language {
        let name = self.name();
        if name.contains("javascript") {
            Language::JavaScript
        } else if name.contains("java") {
            Language::Java
        } else {
            Language::Python
        }
    }

    /// Irrelevance categories: the right answer is no call
    /// (`"irrelevance" in test_category` in `eval_runner.py`).
    pub fn is_irrelevance(self) -> bool {
        self.name().contains("irrelevance")
    }

    /// Relevance categories: any decodable call is right, its content is
    /// not checked (`is_relevance_or_irrelevance` but not irrelevance).
    pub fn is_relevance(self) -> bool {
        !self.is_irrelevance() && self.name().contains("relevance")
    }

    /// (Ir)relevance categories have no possible-answer file.
    pub fn has_answers(self) -> bool {
        !self.is_irrelevance() && !self.is_relevance()
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
    /// Turns, each a list of messages (every single-turn category has one).
    pub question: Vec<Vec<Message>>,
    /// Function docs as in the file: `{"name", "description", "parameters"}`
    /// (what the checker reads; [`crate::func_doc`] gives what a model sees).
    /// Empty for a few live_irrelevance entries.
    pub functions: Vec<Value>,
    /// `[{"<fn>": {"<param>": [allowed...]}}]`; `None` for (ir)relevance.
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

/// The JSON lines of `path` (1-based line numbers); a line that is not
/// JSON is kept as its error. Fails only when the file cannot be read.
#[allow(clippy::type_complexity)]
fn read_lines(path: &Path) -> Result<Vec<(usize, Result<Value, String>)>, DataError> {
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
    Ok(text
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            let v = serde_json::from_str(line).map_err(|e| format!("invalid JSON: {e}"));
            (i + 1, v)
        })
        .collect())
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

/// The function docs, checked for what the checker reads and for what
/// BFCL's pre-processing needs (a description, and in Java/JS categories
/// a typed, described parameter): an entry BFCL could not load is unreadable.
fn parse_functions(v: &Value, category: Category) -> Result<Vec<Value>, String> {
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
    crate::func_doc::language_specific_pre_processing(funcs, category)
        .map_err(|e| format!("function docs BFCL cannot pre-process: {e}"))?;
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

/// An entry (or its possible answer) that could not be read.
#[derive(Debug)]
pub struct Unreadable {
    pub category: Category,
    /// The entry's id when the line had one.
    pub id: Option<String>,
    /// A [`DataError::Format`] naming the file and line.
    pub error: DataError,
}

/// One category as read: the entries, and those that could not be read,
/// which an evaluation reports and counts as failed items instead of
/// stopping.
#[derive(Debug, Default)]
pub struct CategoryData {
    pub entries: Vec<BfclEntry>,
    pub unreadable: Vec<Unreadable>,
}

/// Loads one category from `dir` (the `bfcl/` cache folder), pairing each
/// entry with its possible answer by id; the first entry or answer that
/// cannot be read is the error (see [`read_category`] to go on past them).
pub fn load_category(dir: &Path, category: Category) -> Result<Vec<BfclEntry>, DataError> {
    let first = |mut data: CategoryData| {
        if data.unreadable.is_empty() {
            Ok(data)
        } else {
            Err(data.unreadable.swap_remove(0).error)
        }
    };
    let (data, lines) = read_entries(dir, category)?;
    let data = first(data)?;
    Ok(first(attach_answers(dir, category, data, lines)?)?.entries)
}

/// [`load_category`] that keeps going: an entry that is not JSON, lacks a
/// field, or has no readable possible answer goes to `unreadable`. Fails
/// only when a file is missing or cannot be read.
pub fn read_category(dir: &Path, category: Category) -> Result<CategoryData, DataError> {
    let (data, lines) = read_entries(dir, category)?;
    attach_answers(dir, category, data, lines)
}

fn format_error(path: &Path, line: usize, reason: String) -> DataError {
    DataError::Format {
        path: path.to_path_buf(),
        line,
        reason,
    }
}

/// The entries file: the readable entries with their line numbers, and
/// the unreadable ones.
fn read_entries(dir: &Path, category: Category) -> Result<(CategoryData, Vec<usize>), DataError> {
    let path = dir.join(category.file_name());
    let mut data = CategoryData::default();
    let mut lines = Vec::new();
    for (line, v) in read_lines(&path)? {
        let id = v.as_ref().ok().and_then(|v| get_str(v, "id").ok());
        let parsed = v.and_then(|v| {
            Ok(BfclEntry {
                id: get_str(&v, "id")?,
                category,
                question: parse_question(&v)?,
                functions: parse_functions(&v, category)?,
                ground_truth: None,
            })
        });
        match parsed {
            Ok(e) => {
                data.entries.push(e);
                lines.push(line);
            }
            Err(r) => data.unreadable.push(Unreadable {
                category,
                id,
                error: format_error(&path, line, r),
            }),
        }
    }
    Ok((data, lines))
}

/// Pairs each entry (at `lines` of the entries file) with its possible
/// answer by id; an entry without a readable one becomes unreadable.
fn attach_answers(
    dir: &Path,
    category: Category,
    mut data: CategoryData,
    lines: Vec<usize>,
) -> Result<CategoryData, DataError> {
    if !category.has_answers() {
        return Ok(data);
    }
    let path = dir.join(category.file_name());
    let apath = dir.join("possible_answer").join(category.file_name());
    // id -> (line, ground truth or why it is unreadable)
    let mut answers = std::collections::HashMap::new();
    let mut unreadable_answers = Vec::new();
    for (line, a) in read_lines(&apath)? {
        match a.and_then(|a| Ok((get_str(&a, "id")?, a))) {
            Ok((id, a)) => {
                answers.insert(id, (line, parse_ground_truth(&a)));
            }
            Err(r) => unreadable_answers.push(format!("line {line}: {r}")),
        }
    }
    let entries = std::mem::take(&mut data.entries);
    for (mut entry, line) in entries.into_iter().zip(lines) {
        match answers.remove(&entry.id) {
            Some((_, Ok(gt))) => {
                entry.ground_truth = Some(gt);
                data.entries.push(entry);
            }
            Some((aline, Err(r))) => data.unreadable.push(Unreadable {
                category,
                id: Some(entry.id),
                error: format_error(&apath, aline, r),
            }),
            None => {
                let mut reason = format!("no possible answer with id {:?}", entry.id);
                if !unreadable_answers.is_empty() {
                    reason += &format!(" (unreadable answers: {})", unreadable_answers.join("; "));
                }
                data.unreadable.push(Unreadable {
                    category,
                    id: Some(entry.id),
                    error: format_error(&path, line, reason),
                });
            }
        }
    }
    Ok(data)
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

    /// Reading past bad entries: each is listed with its id (when it has
    /// one) and its file:line, and the good ones still load.
    #[test]
    fn unreadable_entries_are_listed_and_the_rest_load() {
        let tmp = scratch_dir("lenient");
        let d = tmp.dir();
        let entry = |id: &str| ENTRY.replace("parallel_0", id);
        let no_function =
            r#"{"id": "parallel_2", "question": [[{"role": "user", "content": "q"}]]}"#;
        let lines = [
            entry("parallel_0"),
            "{\"id\": ".to_string(),
            no_function.to_string(),
            entry("parallel_3"),
            entry("parallel_4"),
        ];
        std::fs::write(d.join("BFCL_v4_parallel.json"), lines.join("\n")).unwrap();
        let answers = [
            r#"{"id": "parallel_0", "ground_truth": [{"f": {"a": [1]}}]}"#,
            r#"{"id": "parallel_3", "ground_truth": [{"f": {"a": 1}}]}"#,
            r#"{"ground_truth": []}"#,
        ];
        std::fs::write(
            d.join("possible_answer/BFCL_v4_parallel.json"),
            answers.join("\n"),
        )
        .unwrap();
        let data = read_category(d, Category::Parallel).unwrap();
        let ids: Vec<&str> = data.entries.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["parallel_0"]);
        let bad: Vec<(Option<&str>, String)> = data
            .unreadable
            .iter()
            .map(|u| (u.id.as_deref(), u.error.to_string()))
            .collect();
        assert_eq!(bad.len(), 4, "{bad:?}");
        assert!(bad[0].0.is_none() && bad[0].1.contains("BFCL_v4_parallel.json:2: invalid JSON"));
        assert!(bad[1].0 == Some("parallel_2") && bad[1].1.contains(":3: missing"));
        assert!(bad[2].0 == Some("parallel_3") && bad[2].1.contains("allowed values of f.a"));
        assert!(bad[3].0 == Some("parallel_4") && bad[3].1.contains(":5: no possible answer"));
        assert!(bad[3].1.contains("line 3: missing string field \"id\""));
        // The strict loader stops at the first.
        let err = load_category(d, Category::Parallel)
            .unwrap_err()
            .to_string();
        assert!(err.contains(":2: invalid JSON"), "{err}");
    }

    #[test]
    fn category_table_is_in_enum_order() {
        for (i, c) in Category::ALL.into_iter().enumerate() {
            assert_eq!(c as usize, i, "{c}");
            assert_eq!(Category::from_name(c.name()), Some(c));
        }
        let lang = |n| Category::from_name(n).map(Category::language);
        assert_eq!(lang("simple_java"), Some(Language::Java));
        assert_eq!(lang("simple_javascript"), Some(Language::JavaScript));
        assert_eq!(lang("live_simple"), Some(Language::Python));
        let no_answers: Vec<&str> = Category::ALL
            .into_iter()
            .filter(|c| !c.has_answers())
            .map(Category::name)
            .collect();
        assert_eq!(
            no_answers,
            ["irrelevance", "live_irrelevance", "live_relevance"]
        );
        assert!(Category::LiveRelevance.is_relevance() && !Category::Irrelevance.is_relevance());
    }

    /// New categories read past bad lines too: a Java entry whose docs BFCL
    /// could not pre-process (a parameter without a description), a JS
    /// entry with an array parameter without an element type, and a
    /// live_relevance line that is not JSON are one unreadable item each.
    #[test]
    fn unreadable_entries_of_new_categories() {
        let tmp = scratch_dir("new-categories");
        let d = tmp.dir();
        let java = |id: &str, param: &str| {
            format!(
                r#"{{"id": "{id}", "question": [[{{"role": "user", "content": "q"}}]], "function": [{{"name": "C.m", "description": "d", "parameters": {{"type": "dict", "properties": {{"a": {param}}}, "required": []}}}}]}}"#
            )
        };
        let good = r#"{"type": "long", "description": "A."}"#;
        let lines = [
            java("simple_java_0", good),
            java("simple_java_1", r#"{"type": "long"}"#),
        ];
        std::fs::write(d.join("BFCL_v4_simple_java.json"), lines.join("\n")).unwrap();
        let answers = [
            r#"{"id": "simple_java_0", "ground_truth": [{"C.m": {"a": [5]}}]}"#,
            r#"{"id": "simple_java_1", "ground_truth": [{"C.m": {"a": [5]}}]}"#,
        ];
        std::fs::write(
            d.join("possible_answer/BFCL_v4_simple_java.json"),
            answers.join("\n"),
        )
        .unwrap();
        let data = read_category(d, Category::SimpleJava).unwrap();
        assert_eq!(data.entries.len(), 1);
        assert_eq!(data.unreadable.len(), 1);
        let bad = &data.unreadable[0];
        assert_eq!(bad.id.as_deref(), Some("simple_java_1"));
        let msg = bad.error.to_string();
        assert!(msg.contains("BFCL_v4_simple_java.json:2: function docs BFCL cannot pre-process: function C.m: parameter a: no description"), "{msg}");
        // The same docs are fine for a Python category (BFCL only touches
        // the function's description there).
        let python = java("live_simple_0", r#"{"type": "integer"}"#);
        std::fs::write(d.join("BFCL_v4_live_simple.json"), &python).unwrap();
        std::fs::write(
            d.join("possible_answer/BFCL_v4_live_simple.json"),
            r#"{"id": "live_simple_0", "ground_truth": [{"C.m": {"a": [5]}}]}"#,
        )
        .unwrap();
        assert_eq!(load_category(d, Category::LiveSimple).unwrap().len(), 1);

        let js = java(
            "simple_javascript_0",
            r#"{"type": "array", "description": "A."}"#,
        );
        std::fs::write(d.join("BFCL_v4_simple_javascript.json"), js).unwrap();
        std::fs::write(d.join("possible_answer/BFCL_v4_simple_javascript.json"), "").unwrap();
        let data = read_category(d, Category::SimpleJavascript).unwrap();
        assert!(data.entries.is_empty());
        assert!(data.unreadable[0].error.to_string().contains("items.type"));

        // live_relevance has no possible answers; a bad line does not stop
        // the rest, and an entry with no functions is fine.
        let rel = [
            java("live_relevance_0", good)
                .replace(r#""function": [{"#, r#""function": [], "x": [{"#),
            "{\"id\": \"live_relevance_1\", \"question\": [[".to_string(),
        ];
        std::fs::write(d.join("BFCL_v4_live_relevance.json"), rel.join("\n")).unwrap();
        let data = read_category(d, Category::LiveRelevance).unwrap();
        assert_eq!(data.entries.len(), 1);
        assert!(data.entries[0].functions.is_empty());
        assert!(data.entries[0].ground_truth.is_none());
        assert_eq!(data.unreadable.len(), 1);
        assert!(data.unreadable[0]
            .error
            .to_string()
            .contains(":2: invalid JSON"));
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
