//! The built-in tools through the registry: files, search_docs, python and
//! the registry's own checks, including hostile arguments.

use crate::util::Rng;
use serde_json::{json, Value};
use tools::builtin::{self, SearchDocs};
use tools::{Error, Registry, ToolCall, ToolContext, ToolError};

fn call(
    registry: &Registry,
    ctx: &mut ToolContext,
    name: &str,
    args: Value,
) -> Result<String, ToolError> {
    registry
        .call(&ToolCall::new(name, args), ctx)
        .map(|out| out.text)
}

#[test]
fn files_write_read_list_delete() {
    let registry = builtin::registry(None);
    let mut ctx = ToolContext::default();
    let mut files = |args: Value| call(&registry, &mut ctx, "files", args);
    assert_eq!(files(json!({"action": "list"})).unwrap(), "(no files)");
    assert_eq!(
        files(json!({"action": "write", "path": "./notes//plan.txt", "content": "step 1"}))
            .unwrap(),
        "wrote 6 bytes to notes/plan.txt"
    );
    assert_eq!(
        files(json!({"action": "read", "path": "/notes/plan.txt"})).unwrap(),
        "step 1"
    );
    files(json!({"action": "write", "path": "todo.md", "content": "é"})).unwrap();
    assert_eq!(
        files(json!({"action": "list"})).unwrap(),
        "notes/plan.txt (6 bytes)\ntodo.md (2 bytes)"
    );
    assert_eq!(
        files(json!({"action": "list", "path": "notes"})).unwrap(),
        "notes/plan.txt (6 bytes)"
    );
    assert_eq!(
        files(json!({"action": "delete", "path": "todo.md"})).unwrap(),
        "deleted todo.md"
    );
    assert_eq!(
        files(json!({"action": "read", "path": "todo.md"}))
            .unwrap_err()
            .to_string(),
        "files failed: no file 'todo.md'; existing files: notes/plan.txt"
    );
    assert_eq!(
        files(json!({"action": "move", "path": "a"})).unwrap_err().to_string(),
        "argument 'action' of files must be one of \"write\", \"read\", \"list\", \"delete\", got string \"move\""
    );
    assert!(files(json!({"action": "write", "path": "x"}))
        .unwrap_err()
        .to_string()
        .contains("'content'"));
}

#[test]
fn files_refuse_traversal_and_respect_quotas() {
    let registry = builtin::registry(None);
    let mut ctx = ToolContext::default();
    let mut files = |args: Value| call(&registry, &mut ctx, "files", args);
    for path in [
        "../etc/passwd",
        "a/../../b",
        "..\\windows\\system32",
        "notes/..",
        "a/./../x",
    ] {
        let e = files(json!({"action": "write", "path": path, "content": "x"})).unwrap_err();
        assert!(
            e.to_string().contains("must not contain '..'"),
            "{path}: {e}"
        );
    }
    for path in ["", "/", "./", "a\u{0}b", "line\nbreak"] {
        assert!(
            matches!(
                files(json!({"action": "write", "path": path, "content": "x"})),
                Err(ToolError::InvalidArguments { .. })
            ),
            "{path:?}"
        );
    }
    // Absolute paths live in the in-memory folder: the host's file is never read.
    assert!(files(json!({"action": "read", "path": "/etc/hostname"}))
        .unwrap_err()
        .to_string()
        .contains("no file"));

    let big = "x".repeat(10 << 20);
    let e = files(json!({"action": "write", "path": "big.txt", "content": big})).unwrap_err();
    assert!(
        matches!(e, ToolError::LimitExceeded { .. }) && e.to_string().len() < 200,
        "{e}"
    );
    let long = "d/".repeat(200) + "f";
    assert!(matches!(
        files(json!({"action": "write", "path": long, "content": ""})),
        Err(ToolError::LimitExceeded { .. })
    ));

    // Total bytes: overwriting a file frees its old size.
    let half = "y".repeat(600 << 10);
    files(json!({"action": "write", "path": "a", "content": half})).unwrap();
    files(json!({"action": "write", "path": "a", "content": half})).unwrap();
    assert!(files(json!({"action": "write", "path": "b", "content": half})).is_err());
    files(json!({"action": "delete", "path": "a"})).unwrap();
    for i in 0..64 {
        files(json!({"action": "write", "path": format!("f{i}"), "content": "."})).unwrap();
    }
    let e = files(json!({"action": "write", "path": "one-more", "content": "."})).unwrap_err();
    assert!(e.to_string().contains("64 files"), "{e}");
    files(json!({"action": "write", "path": "f0", "content": "replace is fine"})).unwrap();
}

#[test]
fn registry_checks_names_arguments_and_output_size() {
    let mut registry = builtin::registry(None);
    let mut ctx = ToolContext::default();
    let e = call(&registry, &mut ctx, "web_search", json!({})).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("unknown tool 'web_search'; available tools: "),
        "{e}"
    );
    assert!(matches!(
        registry.register(Box::new(builtin::Calculator::default())),
        Err(Error::DuplicateTool(_))
    ));
    let e = call(&registry, &mut ctx, "calculator", json!({"expression": 5})).unwrap_err();
    assert_eq!(
        e.to_string(),
        "argument 'expression' of calculator must be string, got integer 5"
    );

    let schemas = registry.schemas_json();
    let names: Vec<&str> = schemas
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"calculator") && names.contains(&"files"),
        "{names:?}"
    );
    assert_eq!(
        schemas[names.iter().position(|n| *n == "calculator").unwrap()]["parameters"]["required"],
        json!(["expression"])
    );

    // Output beyond max_output_bytes is cut with a note.
    ctx.limits.max_output_bytes = 100;
    call(
        &registry,
        &mut ctx,
        "files",
        json!({"action": "write", "path": "a", "content": "é".repeat(200)}),
    )
    .unwrap();
    let text = call(
        &registry,
        &mut ctx,
        "files",
        json!({"action": "read", "path": "a"}),
    )
    .unwrap();
    assert!(
        text.starts_with(&"é".repeat(50)) && text.ends_with("[output truncated: 300 more bytes]"),
        "{text}"
    );
}

const BM25_ORACLE: &str = r#"
import json, math, re, sys
data = json.load(sys.stdin)
docs = [re.findall(r"[a-z0-9]+", d.lower()) for d in data["docs"]]
n = len(docs)
avg = sum(len(d) for d in docs) / n
df = {}
for d in docs:
    for t in set(d):
        df[t] = df.get(t, 0) + 1
for q in data["queries"]:
    terms = sorted(set(re.findall(r"[a-z0-9]+", q.lower())))
    scores = []
    for d in docs:
        s = 0.0
        for t in terms:
            idf = math.log(1 + (n - df.get(t, 0) + 0.5) / (df.get(t, 0) + 0.5))
            tf = d.count(t)
            s += idf * tf * 2.2 / (tf + 1.2 * (1 - 0.75 + 0.75 * len(d) / avg))
        scores.append(s)
    print(json.dumps(scores))
"#;

#[test]
fn bm25_scores_match_a_python_implementation() {
    let mut rng = Rng::new(11);
    let vocabulary: Vec<String> = (0..60).map(|i| format!("w{i}")).collect();
    // Zipf-like: low indices are common words.
    let word = |rng: &mut Rng| {
        let bound = 1 + rng.below(vocabulary.len());
        vocabulary[rng.below(bound)].clone()
    };
    let docs: Vec<String> = (0..40)
        .map(|_| {
            (0..5 + rng.below(60))
                .map(|_| word(&mut rng))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    let queries: Vec<String> = (0..20)
        .map(|_| {
            (0..1 + rng.below(4))
                .map(|_| word(&mut rng))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    let index = SearchDocs::from_documents(
        docs.iter()
            .enumerate()
            .map(|(i, d)| (format!("d{i}.txt"), d.clone()))
            .collect(),
    );
    assert_eq!(index.passage_count(), docs.len());
    let input = json!({"docs": docs, "queries": queries}).to_string();
    let Some(output) = crate::util::python3(BM25_ORACLE, &input) else {
        return;
    };
    let lines: Vec<&str> = output.lines().collect();
    assert_eq!(lines.len(), queries.len(), "one line of scores per query");
    for (query, line) in queries.iter().zip(lines) {
        let want: Vec<f64> = serde_json::from_str(line).expect("the oracle prints JSON lists");
        let got = index.scores(query);
        assert_eq!(got.len(), want.len(), "{query}: one score per passage");
        for (g, w) in got.iter().zip(&want) {
            assert!((g - w).abs() < 1e-9, "{query}: {g} vs {w}");
        }
    }
}

#[test]
fn search_docs_reads_a_folder_and_ranks_passages() {
    let tmp = test_support::TempDir::new("tools-search");
    let root = tmp.dir();
    std::fs::create_dir_all(root.join("guide")).unwrap();
    std::fs::write(
        root.join("rust.md"),
        "Rust ownership moves values.\n\nBorrowing lends references without moving.",
    )
    .unwrap();
    std::fs::write(
        root.join("guide/llama.txt"),
        "llama.cpp loads GGUF files. Quantized GGUF weights are memory-mapped.",
    )
    .unwrap();
    std::fs::write(root.join("image.png"), "GGUF GGUF GGUF").unwrap();
    let index = SearchDocs::from_dir(root).unwrap();
    std::fs::remove_dir_all(root).unwrap();

    let hits = index.search("how are GGUF weights loaded", 3);
    assert_eq!(hits[0].file, "guide/llama.txt");
    assert!(hits.iter().all(|h| h.file != "image.png"));
    assert!(index.search("zebra", 3).is_empty());

    let registry = builtin::registry(Some(index));
    let mut ctx = ToolContext::default();
    let text = call(
        &registry,
        &mut ctx,
        "search_docs",
        json!({"query": "borrowing references", "k": 1}),
    )
    .unwrap();
    assert!(text.starts_with("[1] rust.md (score "), "{text}");
    assert!(text.contains("Borrowing lends references"), "{text}");
    assert!(call(
        &registry,
        &mut ctx,
        "search_docs",
        json!({"query": "zebra"})
    )
    .unwrap()
    .starts_with("no passage matches"));
    assert!(call(&registry, &mut ctx, "search_docs", json!({"query": "?!"})).is_err());
    assert!(call(
        &registry,
        &mut ctx,
        "search_docs",
        json!({"query": "x", "k": 0})
    )
    .is_err());
    assert!(registry
        .get("search_docs")
        .unwrap()
        .description()
        .contains("offline stand-in for web search"));
    assert!(matches!(
        SearchDocs::from_dir(std::path::Path::new("/nonexistent/docs")),
        Err(Error::Io { .. })
    ));
}

#[cfg(feature = "python")]
#[test]
fn python_runs_in_the_sandbox() {
    let registry = builtin::registry(None);
    let mut ctx = ToolContext::default();
    let python =
        |code: &str, ctx: &mut ToolContext| call(&registry, ctx, "python", json!({"code": code}));
    assert_eq!(python("print(sum(range(10)))", &mut ctx).unwrap(), "45\n");
    assert!(
        ctx.sandbox.is_some(),
        "the sandbox is kept for the conversation"
    );
    assert_eq!(
        python("x = 1", &mut ctx).unwrap(),
        "(no output; use print() to show a result)"
    );
    let e = python("print('before')\n1/0", &mut ctx)
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("python failed: before\nZeroDivisionError"),
        "{e}"
    );
    assert!(e.ends_with("(line 2)"), "{e}");
    ctx.limits.python.fuel = 5_000_000;
    let e = python("while True:\n    pass", &mut ctx)
        .unwrap_err()
        .to_string();
    assert!(e.contains("TimeoutError"), "{e}");
}
