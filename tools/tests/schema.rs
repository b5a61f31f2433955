//! Schema import (BFCL/OpenAI JSON schema and xLAM flat style) and argument
//! validation messages.

use serde_json::{json, Value};
use tools::{Error, FunctionSpec, SchemaKind};

fn spec(value: Value) -> FunctionSpec {
    FunctionSpec::from_json(&value).unwrap_or_else(|e| panic!("{e}"))
}

/// BFCL v4 simple_python_0's function entry, as shipped in bfcl-eval.
fn bfcl_triangle() -> FunctionSpec {
    spec(
        json!({"name": "calculate_triangle_area", "description": "Calculate the area of a triangle given its base and height.",
        "parameters": {"type": "dict", "properties": {
            "base": {"type": "integer", "description": "The base of the triangle."},
            "height": {"type": "integer", "description": "The height of the triangle."},
            "unit": {"type": "string", "description": "The unit of measure (defaults to 'units' if not specified)"}},
        "required": ["base", "height"]}}),
    )
}

#[test]
fn reads_bfcl_entries() {
    let s = bfcl_triangle();
    assert_eq!(
        s.signature(),
        "calculate_triangle_area(base: integer, height: integer, unit?: string)"
    );
    assert!(!s.parameters.additional_properties);
    assert_eq!(
        s.parameters.properties[2].schema.description.as_deref(),
        Some("The unit of measure (defaults to 'units' if not specified)")
    );
    let nested = spec(
        json!({"name": "math.stats", "parameters": {"type": "dict", "properties": {
        "xs": {"type": "array", "items": {"type": "float"}},
        "pair": {"type": "tuple", "items": {"type": "integer"}},
        "opts": {"type": "dict", "properties": {"mode": {"type": "string", "enum": ["mean", "median"]}}, "required": ["mode"]},
        "extra": {"type": "any"}}, "required": ["xs"]}}),
    );
    assert_eq!(
        nested.signature(),
        "math.stats(xs: array[number], pair?: tuple[integer], opts?: object, extra?: any)"
    );
    // The OpenAI wrapper reads the same.
    let wrapped = json!({"type": "function", "function": bfcl_triangle().to_json()});
    assert_eq!(spec(wrapped), bfcl_triangle());
}

#[test]
fn reads_xlam_flat_style() {
    // From xLAM function-calling-60k: a parameter named "type".
    let s = spec(
        json!({"name": "live_giveaways_by_type", "description": "Retrieve live giveaways from the GamerPower API based on the specified type.",
        "parameters": {"type": {"description": "The type of giveaways to retrieve (e.g., game, loot, beta).", "type": "str", "default": "game"}}}),
    );
    assert_eq!(s.signature(), "live_giveaways_by_type(type: string)");
    assert_eq!(
        s.parameters.properties[0].schema.default,
        Some(json!("game"))
    );
    let s = spec(json!({"name": "f", "parameters": {
        "n": {"type": "int, optional", "default": "2"},
        "nums": {"type": "List[int]"},
        "m": {"type": "Dict[str, Any]"},
        "t": {"type": "Tuple[float, float]"},
        "o": {"type": "Optional[str]"},
        "u": {"type": "Union[int, str]"},
        "p": {"type": "str | None"},
        "w": {"type": "datetime"},
        "l": {"type": "list"},
        "b": {"type": "bool, optional"}}}));
    assert_eq!(
        s.signature(),
        "f(n?: integer, nums: array[integer], m: object, t: tuple[number], o?: string, u: any, p?: string, w: any, l: array, b?: boolean)"
    );
}

#[test]
fn round_trips_through_every_rendering() {
    let flat = spec(json!({"name": "g", "description": "d", "parameters": {
        "a": {"type": "List[float], optional", "description": "x", "default": "[]"}, "b": {"type": "str", "enum": ["x", "y"]}}}));
    for s in [bfcl_triangle(), flat.clone()] {
        assert_eq!(spec(s.to_json()), s);
        assert_eq!(spec(s.to_openai_json()), s);
    }
    assert_eq!(spec(flat.to_xlam_json()), flat);
    let no_args = spec(json!({"name": "now", "parameters": {"type": "object", "properties": {}}}));
    assert_eq!(spec(no_args.to_json()), no_args);
    assert!(no_args
        .validate(&json!({"x": 1}))
        .unwrap_err()
        .contains("it takes none"));
}

#[test]
fn bad_schemas_are_errors_with_a_path() {
    let cases = [
        (
            json!({"name": "f", "parameters": {"type": "object", "properties": {"x": {"type": "complex"}}}}),
            "parameters.properties.x.type",
        ),
        (
            json!({"name": "f", "parameters": {"x": {"type": "List[int"}}}),
            "parameters.x.type",
        ),
        (
            json!({"name": "f", "parameters": {"x": "int"}}),
            "parameters.x",
        ),
        (json!({"description": "no name"}), "name"),
        (
            json!({"name": "f", "parameters": {"type": "object", "required": "x", "properties": {}}}),
            "parameters.required",
        ),
    ];
    for (value, want) in cases {
        match FunctionSpec::from_json(&value) {
            Err(Error::Schema { path, .. }) => assert_eq!(path, want, "{value}"),
            other => panic!("{value}: {other:?}"),
        }
    }
    // A schema nested 10 000 levels deep is refused, not a stack overflow.
    let mut deep = json!({"type": "string"});
    for _ in 0..100 {
        deep = json!({"type": "array", "items": deep});
    }
    let e = FunctionSpec::from_json(
        &json!({"name": "f", "parameters": {"type": "object", "properties": {"x": deep}}}),
    )
    .unwrap_err();
    assert!(e.to_string().contains("nested too deeply"), "{e}");
}

#[test]
fn validation_messages_a_model_can_act_on() {
    let weather = spec(
        json!({"name": "weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}),
    );
    let factorial = spec(
        json!({"name": "factorial", "parameters": {"type": "dict", "properties": {"n": {"type": "integer"}}, "required": ["n"]}}),
    );
    assert_eq!(
        weather.validate(&json!({})).unwrap_err(),
        "missing required argument 'city' for weather(city: string)"
    );
    assert_eq!(
        weather.validate(&json!({"city": null})).unwrap_err(),
        "missing required argument 'city' for weather(city: string)"
    );
    assert_eq!(
        factorial.validate(&json!({"n": "5"})).unwrap_err(),
        "argument 'n' of factorial must be integer, got string \"5\""
    );
    assert_eq!(
        factorial.validate(&json!({"n": 5.0})).unwrap_err(),
        "argument 'n' of factorial must be integer, got number 5.0"
    );
    assert_eq!(
        factorial.validate(&json!({"n": true})).unwrap_err(),
        "argument 'n' of factorial must be integer, got boolean true"
    );
    assert_eq!(
        weather
            .validate(&json!({"city": "Oslo", "days": 3}))
            .unwrap_err(),
        "unknown argument 'days' for weather(city: string); expected one of: city"
    );
    assert_eq!(
        weather.validate(&json!("Oslo")).unwrap_err(),
        "arguments of weather(city: string) must be a JSON object of name: value pairs, got string \"Oslo\""
    );
    assert!(weather.validate(&json!({"city": "Oslo"})).is_ok());

    let stats = spec(
        json!({"name": "stats", "parameters": {"type": "dict", "properties": {
        "xs": {"type": "array", "items": {"type": "float"}},
        "pair": {"type": "tuple", "items": {"type": "integer"}},
        "mode": {"type": "string", "enum": ["mean", "median"]},
        "k": {"type": "integer", "enum": [1, 2]},
        "opts": {"type": "dict", "properties": {"depth": {"type": "integer"}}, "required": ["depth"]},
        "free": {"type": "dict"}}, "required": ["xs"]}}),
    );
    // Integers widen to float; tuples are lists; enums compare numbers by value.
    assert!(stats
        .validate(
            &json!({"xs": [1, 2.5], "pair": [1, 2], "mode": "mean", "k": 2.0, "free": {"a": [1]}})
        )
        .is_err());
    assert!(stats.validate(&json!({"xs": [1, 2.5], "pair": [1, 2], "mode": "mean", "k": 2, "free": {"a": [1]}, "opts": null})).is_ok());
    let errors = [
        (
            json!({"xs": [1, "2"]}),
            "argument 'xs[1]' of stats must be number, got string \"2\"",
        ),
        (
            json!({"xs": [], "mode": "mode"}),
            "argument 'mode' of stats must be one of \"mean\", \"median\", got string \"mode\"",
        ),
        (
            json!({"xs": [], "opts": {}}),
            "missing required key 'depth' in argument 'opts' of stats",
        ),
        (
            json!({"xs": [], "opts": {"depth": 1, "x": 2}}),
            "unknown key 'x' in argument 'opts' of stats; expected one of: depth",
        ),
        (
            json!({"xs": [], "opts": {"depth": "1"}}),
            "argument 'opts.depth' of stats must be integer, got string \"1\"",
        ),
        (
            json!({"xs": {"a": 1}}),
            "argument 'xs' of stats must be array[number], got object with keys a",
        ),
    ];
    for (args, want) in errors {
        assert_eq!(stats.validate(&args).unwrap_err(), want, "{args}");
    }
    // A 10 MB argument gives a short message.
    let big = "9".repeat(10 << 20);
    let message = factorial.validate(&json!({"n": big})).unwrap_err();
    assert!(message.len() < 200, "{}", message.len());
    let message = weather
        .validate(&json!({ big.as_str(): 1, "city": "x" }))
        .unwrap_err();
    assert!(message.len() < 200, "{}", message.len());
}

#[test]
fn python_type_strings() {
    use tools::schema::xlam::parse_type_string;
    let array_of = |kind| SchemaKind::Array {
        items: Some(Box::new(tools::Schema::new(kind))),
        tuple: false,
    };
    let cases = [
        ("Union[int, None]", SchemaKind::Integer, true),
        ("Optional[List[int]]", array_of(SchemaKind::Integer), true),
        ("typing.List[str]", array_of(SchemaKind::String), false),
        ("List[int] , optional", array_of(SchemaKind::Integer), true),
        ("str or None", SchemaKind::String, true),
        ("None", SchemaKind::Any, true),
        ("Union[int, float]", SchemaKind::Any, false),
    ];
    for (text, kind, optional) in cases {
        assert_eq!(parse_type_string(text).unwrap(), (kind, optional), "{text}");
    }
    for bad in ["", "List[", "int]", "Dict[str,]", &"List[".repeat(40)] {
        assert!(parse_type_string(bad).is_err(), "{bad}");
    }
}
