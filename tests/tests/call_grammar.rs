//! `tools::parse::grammar::hermes_calls` run by its oracle, llama.cpp's
//! grammar sampler, on the untrained default model: the base model never
//! writes a call on its own, and under the grammar every answer is calls
//! that our Hermes parser reads and our schema check accepts, for schemas
//! with every parameter kind (enums, nested objects, arrays of objects,
//! optional keys, floats, booleans, free-form values).

use agentcoder_tests::smollm2;
use dataset::prompt::{render_text, Conversation, Message, Role};
use runtime::infer::{Engine, EngineOptions, SamplingParams};
use serde_json::{json, Value};
use tools::parse::grammar::hermes_calls;
use tools::{CallFormat, FunctionSpec};

fn functions() -> Vec<Value> {
    vec![
        json!({"name": "get_weather", "description": "Current weather in a city",
               "parameters": {"type": "object", "properties": {
                   "city": {"type": "string", "description": "City name"},
                   "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
                   "required": ["city"]}}),
        json!({"name": "book_flight", "description": "Book a flight for passengers",
               "parameters": {"type": "object", "properties": {
                   "from": {"type": "string"},
                   "to": {"type": "string"},
                   "passengers": {"type": "array", "items": {"type": "object", "properties": {
                       "name": {"type": "string"}, "age": {"type": "integer"}},
                       "required": ["name", "age"]}},
                   "max_price": {"type": "number"},
                   "refundable": {"type": "boolean"},
                   "notes": {}},
                   "required": ["from", "to", "passengers"]}}),
        json!({"name": "list_files", "description": "List the files of the project",
               "parameters": {"type": "object", "properties": {}}}),
    ]
}

fn prompt(question: &str, tools: &[Value]) -> String {
    render_text(
        &Conversation {
            messages: vec![Message::new(Role::User, question)],
            tools: tools.to_vec(),
        },
        true,
    )
}

#[test]
fn under_the_call_grammar_every_answer_is_valid_calls() {
    let mut engine = Engine::load(smollm2(), EngineOptions::default()).unwrap();
    let tools = functions();
    let specs: Vec<FunctionSpec> = tools
        .iter()
        .map(|t| FunctionSpec::from_json(t).unwrap())
        .collect();
    let questions = [
        "What is the weather in Nairobi, in fahrenheit?",
        "Book a flight from Oslo to Lima for Ana (34) and Ben (7), under 900 dollars.",
        "Show me the files.",
        "Tell me a joke about cats.",
    ];
    let free = SamplingParams {
        max_tokens: 48,
        ..SamplingParams::default()
    };
    for q in &questions {
        let g = engine
            .generate(&prompt(q, &tools), &free, None, &mut |_| true)
            .unwrap();
        assert!(
            !g.text.contains("<tool_call>"),
            "the base model called on its own, so this test shows nothing: {:?}",
            g.text
        );
    }
    // Each function alone (a named tool_choice), then all of them
    // (`required`), greedy and sampled.
    let mut cases: Vec<(Vec<&FunctionSpec>, usize, f32)> =
        specs.iter().map(|s| (vec![s], 1, 0.0)).collect();
    cases.push((specs.iter().collect(), 3, 0.0));
    cases.push((specs.iter().collect(), 3, 0.9));
    let (mut checked, mut cut) = (0, 0);
    for (allowed, max_calls, temperature) in cases {
        let params = SamplingParams {
            max_tokens: 160,
            temperature,
            grammar: Some(hermes_calls(&allowed, max_calls)),
            ..SamplingParams::default()
        };
        for q in &questions {
            let g = engine
                .generate(&prompt(q, &tools), &params, None, &mut |_| true)
                .unwrap();
            // Cut by max_tokens (the untrained model repeats array items):
            // the calls closed before the cut are checked.
            let text = if g.generated_tokens == params.max_tokens {
                assert!(
                    g.text.starts_with("<tool_call>\n{\"name\": "),
                    "{:?}",
                    g.text
                );
                cut += 1;
                match g.text.rfind("</tool_call>") {
                    Some(end) => &g.text[..end],
                    None => continue,
                }
            } else {
                checked += 1;
                g.text.as_str()
            };
            let calls = CallFormat::Hermes
                .parse(text)
                .unwrap_or_else(|e| panic!("{q}: {e}\n{}", g.text));
            assert!(!calls.is_empty(), "{q}: {:?}", g.text);
            assert!(calls.len() <= max_calls, "{q}: {:?}", g.text);
            for call in calls {
                let spec = allowed
                    .iter()
                    .find(|s| s.name == call.name)
                    .unwrap_or_else(|| panic!("{q}: a call of {} outside the grammar", call.name));
                spec.validate(&call.arguments)
                    .unwrap_or_else(|e| panic!("{q}: {e}\n{}", g.text));
            }
        }
    }
    assert!(
        checked >= cut,
        "{checked} answers complete, {cut} cut by max_tokens"
    );
}
