use super::*;

fn calc(expression: &str) -> Result<String, CalcError> {
    evaluate(expression, &CalcLimits::default()).map(|v| format_value(&v))
}

#[test]
fn python_semantics() {
    // Expected values are what CPython prints for the same expression with
    // fractions.Fraction literals.
    let cases = [
        ("1 + 2 * 3", "7"),
        ("-2**2", "-4"),
        ("(-2)**2", "4"),
        ("2**-1", "0.5"),
        ("2**3**2", "512"),
        ("7 // 2", "3"),
        ("-7 // 2", "-4"),
        ("-7 % 3", "2"),
        ("7 % -3", "-2"),
        ("7.5 % 2", "1.5"),
        ("0.1 + 0.2", "0.3"),
        ("1e3", "1000"),
        (".5 * 4", "2"),
        ("1.5e-3", "0.0015"),
        ("--3", "3"),
        ("+-+3", "-3"),
        ("2 * (3 + 4) - 10 / 4", "11.5"),
        ("0**0", "1"),
        ("(-1)**(10**20 + 1)", "-1"),
        ("1 ** 10**10", "1"),
        ("(2/3) ** -2", "2.25"),
        ("2**64", "18446744073709551616"),
        ("1/3", "1/3 ≈ 0.333333333333333"),
        ("-2/3", "-2/3 ≈ -0.666666666666667"),
        (
            "10**30 / 7",
            "1000000000000000000000000000000/7 ≈ 1.42857142857143e+29",
        ),
        ("1 / (3 * 10**10)", "1/30000000000 ≈ 3.33333333333333e-11"),
        ("1/300", "1/300 ≈ 0.00333333333333333"),
    ];
    for (expression, want) in cases {
        assert_eq!(calc(expression).unwrap(), want, "{expression}");
    }
}

#[test]
fn errors_are_clean() {
    let math = ["1/0", "1 // (2 - 2)", "5 % 0", "0 ** -1", "2 ** 0.5"];
    for expression in math {
        assert!(
            matches!(calc(expression), Err(CalcError::Math(_))),
            "{expression}"
        );
    }
    let syntax = [
        ("1 +", 3),
        ("(1", 2),
        ("abc", 0),
        ("2 ^ 3", 2),
        ("1 2", 2),
        ("", 0),
        ("1e", 1),
        (".", 0),
    ];
    for (expression, offset) in syntax {
        match calc(expression) {
            Err(CalcError::Syntax { offset: at, .. }) => assert_eq!(at, offset, "{expression}"),
            other => panic!("{expression}: {other:?}"),
        }
    }
    assert!(calc("2 ^ 3").unwrap_err().to_string().contains("write **"));
}

#[test]
fn hostile_inputs_hit_limits_fast() {
    let start = std::time::Instant::now();
    let limits = [
        "2**10**10".to_string(),
        "10**100000".to_string(),
        "2**65536".to_string(),
        "(10**19000) * (10**19000) * (10**19000) * (10**19000)".to_string(),
        "1e999999999999".to_string(),
        format!("{}1{}", "(".repeat(10_000), ")".repeat(10_000)),
        format!("{}1", "-".repeat(1_000_000)),
        "1+".repeat(5_000_000) + "1",
        "9".repeat(20_000),
    ];
    for expression in &limits {
        match calc(expression) {
            Err(CalcError::Limit(message)) => assert!(!message.is_empty()),
            other => panic!("{}: {other:?}", crate::error::preview(expression, 40)),
        }
    }
    assert!(calc("2**10**10")
        .unwrap_err()
        .to_string()
        .contains("too large"));
    // Just under the limit still works.
    assert_eq!(calc("2**65534 // 2**65533").unwrap(), "2");
    assert!(start.elapsed().as_secs() < 5, "{:?}", start.elapsed());
}

#[test]
fn tool_reports_errors_by_kind() {
    let tool = Calculator::default();
    let mut ctx = ToolContext::default();
    let out = tool
        .call(&serde_json::json!({"expression": "6*7"}), &mut ctx)
        .unwrap();
    assert_eq!(out.text, "42");
    let e = tool
        .call(&serde_json::json!({"expression": "1/0"}), &mut ctx)
        .unwrap_err();
    assert_eq!(e.to_string(), "calculator failed: division by zero");
    let e = tool
        .call(&serde_json::json!({"expression": "2**10**10"}), &mut ctx)
        .unwrap_err();
    assert!(matches!(e, ToolError::LimitExceeded { .. }), "{e}");
}
