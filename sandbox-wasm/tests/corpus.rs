//! Differential test against CPython: every snippet in `corpus/*.py` must
//! print the same stdout and raise the same exception (type, message, line)
//! as CPython did when `scripts/regen_expected.py` recorded
//! `corpus/expected.json`.

use sandbox::{Limits, Sandbox};
use serde_json::Value;
use std::path::Path;

fn expected() -> Value {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/expected.json");
    let text = std::fs::read_to_string(&p).expect("corpus/expected.json is committed");
    serde_json::from_str(&text).expect("expected.json is valid JSON")
}

/// Compare one case; `None` when it matches.
pub fn check_case(sb: &Sandbox, name: &str, case: &Value) -> Option<String> {
    let src = case["source"].as_str().unwrap_or("");
    let out = sb.run(src, &Limits::default());
    let want_out = case["stdout"].as_str().unwrap_or("");
    let want_err = &case["error"];
    let got_err = match &out.error {
        None => Value::Null,
        Some(e) => serde_json::json!({"kind": e.kind, "message": e.message, "line": e.line}),
    };
    if out.stdout == want_out && &got_err == want_err {
        return None;
    }
    Some(format!(
        "--- {}\n{}\n  want stdout {:?}\n  got  stdout {:?}\n  want error {}\n  got  error {}",
        name, src, want_out, out.stdout, want_err, got_err
    ))
}

#[test]
fn corpus_matches_cpython() {
    let exp = expected();
    let cases = exp["cases"].as_object().expect("cases object");
    let sb = Sandbox::new().expect("guest compiles");
    let all: Vec<(&String, &Value)> = cases.iter().collect();
    let failures: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = all
            .chunks(all.len().div_ceil(2))
            .map(|chunk| {
                let sb = sb.clone();
                s.spawn(move || {
                    chunk
                        .iter()
                        .filter_map(|(n, c)| check_case(&sb, n, c))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("worker"))
            .collect()
    });
    for f in failures.iter().take(200) {
        eprintln!("{}", f);
    }
    assert!(
        failures.is_empty(),
        "{} of {} corpus cases differ from CPython",
        failures.len(),
        cases.len()
    );
    assert!(
        cases.len() >= 400,
        "corpus has {} cases, want >= 400",
        cases.len()
    );
}

/// `regen_expected.py --check` exits 1 when `corpus/expected.json` no
/// longer matches the snippets (it compares only under the CPython minor
/// version that recorded it).
#[test]
fn expectations_are_current_when_python_is_available() {
    crate::util::regen_expected(&["--check".as_ref()]);
}
