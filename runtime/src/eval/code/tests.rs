use super::*;
use crate::agent::ScriptedModel;
use dataset::synth_code::{python_call_text, synth_code};

fn item(category: &str, optimal_tool: &str, ground_truth: &str) -> CodeItem {
    CodeItem {
        id: "1".into(),
        category: category.into(),
        difficulty: "easy".into(),
        optimal_tool: optimal_tool.into(),
        ground_truth: ground_truth.into(),
        question: "q".into(),
    }
}

fn run(replies: &[&str], it: &CodeItem) -> CodeOutcome {
    let mut model = ScriptedModel::new(replies.iter().copied());
    run_item(&mut model, &registry(), "m", it, 64, 5).unwrap()
}

#[test]
fn label_scores_by_hand() {
    // gold, predicted
    let pairs = [
        ("python", "python"),
        ("python", "none"),
        ("python", "python"),
        ("none", "python"),
        ("none", "none"),
    ];
    let s = label_scores(&pairs);
    let py = s.iter().find(|l| l.tool == "python").unwrap();
    // tp 2, predicted 3, support 3
    assert!((py.precision - 2.0 / 3.0).abs() < 1e-12 && (py.recall - 2.0 / 3.0).abs() < 1e-12);
    assert!((py.f1 - 2.0 / 3.0).abs() < 1e-12);
    let none = s.iter().find(|l| l.tool == "none").unwrap();
    // tp 1, predicted 2, support 2
    assert_eq!((none.precision, none.recall, none.support), (0.5, 0.5, 2));
}

#[test]
fn a_run_through_the_real_sandbox_is_judged() {
    let call = python_call_text("print(9 * 6)");
    let o = run(&[&call, "9 * 6 = 54."], &item("ambiguous", "python", "54"));
    assert!(o.correct, "{o:?}");
    assert_eq!(
        (o.chosen_tool.as_str(), o.tool_calls, o.errors),
        ("python", 1, 0)
    );
    assert_eq!(o.turns, 2);

    // Answering from memory when the tool was optimal: right answer, wrong tool.
    let o = run(&["It is 54."], &item("ambiguous", "python", "54"));
    assert!(o.correct && o.chosen_tool == "none");

    // A tool call on a no-tool item is unnecessary.
    let o = run(&[&call, "54"], &item("ambiguous", "none", "54"));
    assert_eq!(o.unnecessary_calls, 1);
}

#[test]
fn error_recovery_counts_multi_step_items_with_an_error() {
    let broken = python_call_text("print(undefined_name)");
    let fixed = python_call_text("print(sum([1, 2, 3]))");
    let multi = item("multi_step", "python", "6");
    let recovered = run(&[&broken, &fixed, "The sum is 6."], &multi);
    assert_eq!((recovered.errors, recovered.correct), (1, true));
    assert!(recovered.trajectory.to_string().contains("NameError"));
    let unparsable =
        "<tool_call>\n{\"name\": \"python\", \"arguments\": {\"code\": }\n</tool_call>";
    let gave_up = run(&[unparsable, "I could not compute it."], &multi);
    assert_eq!((gave_up.errors, gave_up.correct), (1, false));
    let clean = run(&[&fixed, "6"], &multi);
    let no_tool = run(&["6"], &item("pure_reasoning", "none", "6"));
    let outcomes = vec![recovered, gave_up, clean, no_tool];
    let sc = scores("m", &outcomes, 0);
    assert_eq!((sc.error_items, sc.recovered), (2, 1));
    assert_eq!(sc.error_recovery_rate, Some(0.5));
    assert_eq!(sc.n, 4);
    assert_eq!(sc.correctness, 0.75);
    // The unparsable call executed nothing: that item chose no tool.
    assert_eq!(sc.tool_selection_accuracy, 0.75);
    assert_eq!(sc.unnecessary_calls, 0);
    let md = markdown(std::slice::from_ref(&sc));
    assert!(
        md.contains("| m | 4 | 75.0% | 75.0% | 0.80 | 0.67 | 0 | 50.0% (1/2) |"),
        "{md}"
    );
    let page = crate::eval::report::html("t", &chart_rows(&[sc]), "");
    assert!(
        page.contains("<tr><td>error recovery</td><td>50.0% (1/2)</td></tr>"),
        "{page}"
    );
}

/// Error recovery is a share of the items that had an error: with none,
/// the HTML page says what report.md says, not "0.0% (0/n)".
#[test]
fn no_error_items_read_the_same_in_markdown_and_html() {
    let multi = item("multi_step", "python", "6");
    let clean = run(&[&python_call_text("print(6)"), "6"], &multi);
    let sc = scores("m", &[clean], 0);
    assert_eq!((sc.error_items, sc.error_recovery_rate), (0, None));
    assert!(markdown(std::slice::from_ref(&sc)).contains("| – (0 items) |"));
    let rows = chart_rows(&[sc]);
    let page = crate::eval::report::html("t", &rows, "");
    assert!(
        page.contains("<tr><td>error recovery</td><td>– (0 items)</td></tr>"),
        "{page}"
    );
    // and the chart draws no 0% bar for it: one bar per other metric.
    let svg = crate::eval::report::bar_chart_svg("m", &rows);
    assert_eq!(svg.matches("<rect").count(), 1 + 4, "{svg}");
}

/// The oracle: replaying each dataset conversation's own assistant turns
/// through the agent loop runs the same code in the sandbox, picks the
/// optimal tool and states the ground truth, on every category.
#[test]
fn replaying_the_reference_scores_perfectly() {
    let (samples, _) = synth_code(60, 11).unwrap();
    let path = std::env::temp_dir().join(format!("code-suite-{}.jsonl", std::process::id()));
    std::fs::write(&path, dataset::synth_code::to_jsonl(&samples)).unwrap();
    let items = load(&path).unwrap();
    std::fs::remove_file(&path).ok();
    assert_eq!(items.len(), samples.len());
    let reg = registry();
    let mut outcomes = Vec::new();
    for (s, it) in samples.iter().zip(&items) {
        let replies: Vec<String> = s
            .conversation
            .messages
            .iter()
            .filter(|m| m.role == Role::Assistant)
            .map(|m| m.content.clone())
            .collect();
        let mut model = ScriptedModel::new(replies);
        let o = run_item(&mut model, &reg, "reference", it, 256, 6).unwrap();
        assert!(o.correct && o.errors == 0, "{}: {o:?}", it.question);
        outcomes.push(o);
    }
    let sc = scores("reference", &outcomes, 0);
    assert_eq!((sc.correctness, sc.tool_selection_accuracy), (1.0, 1.0));
    assert_eq!(sc.unnecessary_calls, 0);
    let cats: std::collections::BTreeSet<&str> =
        items.iter().map(|i| i.category.as_str()).collect();
    assert_eq!(cats.len(), 4, "{cats:?}");
}

#[test]
fn load_names_the_bad_line() {
    let path = std::env::temp_dir().join(format!("code-bad-{}.jsonl", std::process::id()));
    std::fs::write(&path, "{\"messages\": []}\n").unwrap();
    let e = load(&path).unwrap_err().to_string();
    std::fs::remove_file(&path).ok();
    assert!(e.contains(":1:") && e.contains("optimal_tool"), "{e}");
}
