use super::*;
use serde_json::json;

fn one(text: &str) -> ToolCall {
    let calls = parse(text).unwrap();
    assert_eq!(calls.len(), 1, "{text}");
    calls.into_iter().next().unwrap()
}

#[test]
fn reads_bfcl_style_calls() {
    let calls = parse(r#"[get_weather(city="Paris", days=3), math.factorial(number=5)]"#).unwrap();
    assert_eq!(
        calls[0],
        ToolCall::new("get_weather", json!({"city": "Paris", "days": 3}))
    );
    assert_eq!(
        calls[1],
        ToolCall::new("math.factorial", json!({"number": 5}))
    );
    assert!(parse("[]").unwrap().is_empty());
    assert!(parse("  ").unwrap().is_empty());
    assert_eq!(one("f(a=1)").name, "f");
    assert_eq!(parse("f(), g(x=2,)").unwrap().len(), 2);
    assert_eq!(one("```python\n[f(x=1)]\n```").arguments, json!({"x": 1}));
}

#[test]
fn reads_every_literal_kind() {
    let c = one(
        r#"[f(a=-3, b=2.5, c=-1e-3, d=True, e=False, g=None, h='it\'s', i="tab\there", j=[1, [2, (3, 4)]], k={"x": {"y": [None]}, 5: 1}, l=(1,), m=(7), n=0x1F, o=1_000, p={1, 2}, q=r"a\d", r="\u00e9\x41" 'b', s=())]"#,
    );
    assert_eq!(
        c.arguments,
        json!({"a": -3, "b": 2.5, "c": -0.001, "d": true, "e": false, "g": null, "h": "it's",
               "i": "tab\there", "j": [1, [2, [3, 4]]], "k": {"x": {"y": [null]}, "5": 1},
               "l": [1], "m": 7, "n": 31, "o": 1000, "p": [1, 2], "q": "a\\d", "r": "éAb", "s": []})
    );
    assert_eq!(
        one("f(x=-9223372036854775808)").arguments["x"],
        json!(i64::MIN)
    );
    assert_eq!(
        one("f(x=18446744073709551615)").arguments["x"],
        json!(u64::MAX)
    );
    assert_eq!(
        one("f(s=\"\"\"two\nlines\"\"\")").arguments["s"],
        "two\nlines"
    );
}

#[test]
fn errors_say_what_and_where() {
    let cases = [
        ("[f(1)]", 3, "positional"),
        ("[f(a=1, a=2)]", 8, "given twice"),
        ("[f(a=x)]", 5, "not a value"),
        ("[f(a=1)", 7, "expected ',' or ']'"),
        ("[f(a=\"abc)]", 5, "unterminated string"),
        ("[f(a=1) g()]", 8, "expected ',' or ']'"),
        ("[f(a=1)] tail", 9, "the end"),
        ("[f(a=g(1))]", 5, "not a value"),
        ("[f(a=99999999999999999999)]", 5, "too large"),
        ("[f(a=-18446744073709551615)]", 6, "too large"),
        ("[f(a=b\"x\")]", 5, "prefix"),
        ("[f(a=1e999)]", 5, "out of range"),
        ("[f(a={[1]: 2})]", 6, "dict keys"),
        ("[3(a=1)]", 1, "function name"),
        ("[f(a=\"\\uZZ\")]", 8, "hex digits"),
    ];
    for (text, offset, needle) in cases {
        let e = parse(text).unwrap_err();
        assert!(e.message.contains(needle), "{text}: {e}");
        assert_eq!(e.offset, offset, "{text}: {e}");
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let deep = format!("f(a={}1{})", "[".repeat(100_000), "]".repeat(100_000));
    let e = parse(&deep).unwrap_err();
    assert!(e.message.contains("nested deeper"), "{e}");
    let ok = format!("f(a={}1{})", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
    assert!(parse(&ok).is_ok());
}

#[test]
fn render_writes_python() {
    let calls = [
        ToolCall::new(
            "math.hypot",
            json!({"x": 1.0, "y": -2, "s": "a\"b\\c\nd\u{1}", "l": [true, null], "d": {"k": 1e-7}}),
        ),
        ToolCall::new("g", json!({})),
    ];
    let text = render(&calls).unwrap();
    assert_eq!(
        text,
        r#"[math.hypot(x=1.0, y=-2, s="a\"b\\c\nd\x01", l=[True, None], d={"k": 1e-7}), g()]"#
    );
    assert_eq!(parse(&text).unwrap(), calls);
    assert!(render(&[ToolCall::new("not valid", json!({}))]).is_err());
    assert!(render(&[ToolCall::new("f", json!({"a-b": 1}))]).is_err());
    assert!(render(&[ToolCall::new("f", json!([1]))]).is_err());
}
