//! The declared function library: hand-written schemas in
//! `runtime/dataset/data/fc/*.json` (format: `data/fc/FORMAT.md`), each
//! with request templates and value sources, read into [`Declared`]
//! functions that draw a request and the call that answers it.
//!
//! The loader checks every rule of the format (slots name params, every
//! required param in every request, one optional slot per `[ ]` segment,
//! known pools, enums holding their defaults, unique names) and names the
//! file, function and rule that failed. The schema a model is shown is
//! BFCL's JSON style (`"type": "dict"`, `float`, `required` lists), which
//! [`tools::FunctionSpec`] reads back to validate every drawn call.

use std::collections::{BTreeMap, HashSet};

use kernels::rng::Rng;
use serde::Deserialize;
use serde_json::{Map, Value};
use tools::FunctionSpec;

use super::fc_lib::int_in;
use super::fc_pools::{draw, say_int, POOLS};

/// The library files, compiled in.
pub const FILES: [(&str, &str); 4] = [
    (
        "travel_places.json",
        include_str!("../data/fc/travel_places.json"),
    ),
    (
        "business_money.json",
        include_str!("../data/fc/business_money.json"),
    ),
    (
        "media_life.json",
        include_str!("../data/fc/media_life.json"),
    ),
    (
        "science_code.json",
        include_str!("../data/fc/science_code.json"),
    ),
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDecl {
    domains: Vec<DomainDecl>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DomainDecl {
    domain: String,
    #[serde(default)]
    related: Vec<String>,
    functions: Vec<FunctionDecl>,
}

/// The language a function is written in (BFCL's java / javascript
/// categories pass every argument as source text).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    Python,
    Java,
    Javascript,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FunctionDecl {
    name: String,
    description: String,
    #[serde(default)]
    language: Language,
    params: Vec<ParamDecl>,
    queries: Vec<String>,
    #[serde(default)]
    vague: Vec<String>,
    #[serde(default)]
    overlaps: Vec<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ParamDecl {
    #[serde(default)]
    name: String,
    #[serde(rename = "type")]
    ty: String,
    #[serde(default)]
    description: String,
    #[serde(default = "yes")]
    required: bool,
    #[serde(default)]
    default: Option<Value>,
    #[serde(default, rename = "enum")]
    choices: Option<Vec<Value>>,
    #[serde(default)]
    values: Option<Values>,
    #[serde(default)]
    properties: Option<Vec<ParamDecl>>,
    #[serde(default)]
    items: Option<Box<ParamDecl>>,
    #[serde(default)]
    len: Option<[usize; 2]>,
    #[serde(default)]
    say: Option<String>,
}

fn yes() -> bool {
    true
}

impl ParamDecl {
    /// Whether a request can ask for several values of this param at once
    /// ("in Paris, Tokyo and Lima"): a plain value from a pool, a number
    /// range or a list of choices, not an enum (a "sell and buy order"),
    /// and not a date or time (a start and an end would stop matching).
    fn varies_well(&self) -> bool {
        if self.properties.is_some() || self.items.is_some() || self.choices.is_some() {
            return false;
        }
        match &self.values {
            Some(Values::Pool { pool }) => !matches!(pool.as_str(), "date" | "time" | "datetime"),
            Some(Values::Choices { choices, .. }) => choices.len() >= 4,
            Some(Values::Int { .. } | Values::Float { .. }) => true,
            _ => false,
        }
    }
}

/// How one choice may be said: one text or alternatives.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
enum Said {
    One(String),
    Many(Vec<String>),
}

/// Where a value comes from (`data/fc/FORMAT.md`, VALUES).
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
enum Values {
    Pool {
        pool: String,
    },
    Choices {
        choices: Vec<Value>,
        #[serde(default)]
        say: Option<Vec<Said>>,
    },
    Int {
        int: [i64; 2],
    },
    Float {
        float: [f64; 2],
        #[serde(default)]
        decimals: Option<u32>,
    },
    Bool {
        bool: [String; 2],
    },
    List {
        list: Box<Values>,
        #[serde(default)]
        len: Option<[usize; 2]>,
        #[serde(default)]
        unique: bool,
    },
}

/// A request template: text, `{slot}`s and `[ ]` segments with one
/// optional slot each.
#[derive(Clone, Debug, PartialEq)]
enum Piece {
    Text(String),
    Slot(String),
    Optional(Vec<Piece>),
}

/// One declared function, ready to draw requests.
#[derive(Clone, Debug)]
pub struct Declared {
    pub name: String,
    pub domain: String,
    pub language: Language,
    pub overlaps: Vec<String>,
    /// BFCL-style JSON of the schema, as written (Java/JavaScript types
    /// kept; see [`shown_json`]).
    pub raw: Value,
    params: Vec<ParamDecl>,
    queries: Vec<Vec<Piece>>,
    vague: Vec<Vec<Piece>>,
}

/// The whole declared library and its domain relations.
#[derive(Clone, Debug, Default)]
pub struct DeclaredLibrary {
    pub functions: Vec<Declared>,
    /// domain -> domains that may answer its requests.
    pub related: BTreeMap<String, Vec<String>>,
}

fn parse_template(text: &str) -> Result<Vec<Piece>, String> {
    fn flush(buf: &mut String, out: &mut Vec<Piece>) {
        if !buf.is_empty() {
            out.push(Piece::Text(std::mem::take(buf)));
        }
    }
    let mut top = Vec::new();
    let mut seg: Option<Vec<Piece>> = None;
    let mut buf = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '{' => {
                let mut name = String::new();
                loop {
                    match chars.next() {
                        Some('}') => break,
                        Some(c) if c.is_alphanumeric() || c == '_' => name.push(c),
                        Some(c) => return Err(format!("'{c}' inside a {{slot}}")),
                        None => return Err("a '{' is never closed".into()),
                    }
                }
                if name.is_empty() {
                    return Err("an empty {} slot".into());
                }
                let out = seg.as_mut().unwrap_or(&mut top);
                flush(&mut buf, out);
                out.push(Piece::Slot(name));
            }
            '[' => {
                if seg.is_some() {
                    return Err("nested '['".into());
                }
                flush(&mut buf, &mut top);
                seg = Some(Vec::new());
            }
            ']' => {
                let mut inner = seg.take().ok_or("a ']' without '['")?;
                flush(&mut buf, &mut inner);
                let slots = inner.iter().filter(|p| matches!(p, Piece::Slot(_))).count();
                if slots != 1 {
                    return Err(format!(
                        "a [ ] segment must hold exactly one slot, this one has {slots}"
                    ));
                }
                top.push(Piece::Optional(inner));
            }
            '}' => return Err("a '}' without '{'".into()),
            c => buf.push(c),
        }
    }
    if seg.is_some() {
        return Err("a '[' is never closed".into());
    }
    flush(&mut buf, &mut top);
    Ok(top)
}

/// Slots of a template: (name, inside a `[ ]` segment).
fn slots(pieces: &[Piece]) -> Vec<(&str, bool)> {
    let mut out = Vec::new();
    for p in pieces {
        match p {
            Piece::Slot(s) => out.push((s.as_str(), false)),
            Piece::Optional(inner) => {
                for q in inner {
                    if let Piece::Slot(s) = q {
                        out.push((s.as_str(), true));
                    }
                }
            }
            Piece::Text(_) => {}
        }
    }
    out
}

/// Checks a list of params and each template over them.
fn check_params(params: &[ParamDecl], language: Language) -> Result<(), String> {
    let mut names = HashSet::new();
    for p in params {
        if p.name.is_empty() {
            return Err("a param without a name".into());
        }
        if !names.insert(p.name.as_str()) {
            return Err(format!("param '{}' twice", p.name));
        }
        check_param(p, language).map_err(|e| format!("param '{}': {e}", p.name))?;
    }
    Ok(())
}

fn check_values(v: &Values) -> Result<(), String> {
    match v {
        Values::Pool { pool } if !POOLS.contains(&pool.as_str()) => Err(format!(
            "unknown pool '{pool}' (pools: {})",
            POOLS.join(", ")
        )),
        Values::Choices { choices, say } => {
            if choices.is_empty() {
                return Err("empty choices".into());
            }
            match say {
                Some(s) if s.len() != choices.len() => Err(format!(
                    "{} choices but {} ways to say them",
                    choices.len(),
                    s.len()
                )),
                _ => Ok(()),
            }
        }
        Values::Int { int } if int[0] > int[1] => Err("int range is empty".into()),
        Values::Float { float, .. } if float[0] > float[1] => Err("float range is empty".into()),
        Values::List { list, len, .. } => {
            if let Some([lo, hi]) = len {
                if lo > hi || *hi == 0 {
                    return Err("list len range is empty".into());
                }
            }
            check_values(list)
        }
        _ => Ok(()),
    }
}

fn check_param(p: &ParamDecl, language: Language) -> Result<(), String> {
    if let Some(v) = &p.values {
        check_values(v)?;
    }
    if let (Some(d), Some(choices)) = (&p.default, &p.choices) {
        if !choices.contains(d) {
            return Err(format!("default {d} is not one of its enum values"));
        }
    }
    let object = matches!(p.ty.as_str(), "object" | "dict");
    if object && language == Language::Python {
        let props = p
            .properties
            .as_ref()
            .ok_or("an object needs \"properties\"")?;
        check_params(props, language)?;
        let say = p.say.as_ref().ok_or("an object needs \"say\"")?;
        let t = parse_template(say).map_err(|e| format!("say: {e}"))?;
        check_template(&t, props).map_err(|e| format!("say: {e}"))?;
    }
    if let Some(items) = &p.items {
        if matches!(items.ty.as_str(), "object" | "dict") && language == Language::Python {
            check_param(items, language).map_err(|e| format!("items: {e}"))?;
        }
    }
    if p.values.is_none() && p.choices.is_none() && !object {
        let array_of_objects = p.items.as_ref().is_some_and(|i| i.properties.is_some());
        if !array_of_objects && language != Language::Python {
            return Err("no \"values\" (Java/JavaScript values are source text)".into());
        }
    }
    Ok(())
}

/// Every required param once, every slot a param, optional params only
/// inside `[ ]`.
fn check_template(t: &[Piece], params: &[ParamDecl]) -> Result<(), String> {
    let used = slots(t);
    for (name, optional) in &used {
        let p = params
            .iter()
            .find(|p| p.name == *name)
            .ok_or_else(|| format!("{{{name}}} is not a param"))?;
        if *optional && p.required {
            return Err(format!("required {{{name}}} inside [ ]"));
        }
    }
    for p in params.iter().filter(|p| p.required) {
        let n = used.iter().filter(|(s, _)| *s == p.name).count();
        if n != 1 {
            return Err(format!("required {{{}}} appears {n} times", p.name));
        }
    }
    Ok(())
}

/// BFCL's type name for a declared type (`object` is `dict`).
fn bfcl_type(ty: &str) -> &str {
    match ty {
        "object" => "dict",
        "number" => "float",
        other => other,
    }
}

fn param_json(p: &ParamDecl) -> Value {
    let mut node = Map::new();
    node.insert("type".into(), bfcl_type(&p.ty).into());
    if let Some(props) = &p.properties {
        node.insert("properties".into(), properties_json(props));
        node.insert("required".into(), required_json(props));
    }
    if let Some(items) = &p.items {
        node.insert("items".into(), param_json(items));
    }
    node.insert("description".into(), p.description.clone().into());
    if let Some(c) = &p.choices {
        node.insert("enum".into(), Value::Array(c.clone()));
    }
    if let Some(d) = &p.default {
        node.insert("default".into(), d.clone());
    }
    Value::Object(node)
}

fn properties_json(params: &[ParamDecl]) -> Value {
    Value::Object(
        params
            .iter()
            .map(|p| (p.name.clone(), param_json(p)))
            .collect(),
    )
}

fn required_json(params: &[ParamDecl]) -> Value {
    params
        .iter()
        .filter(|p| p.required)
        .map(|p| Value::from(p.name.as_str()))
        .collect()
}

impl FunctionDecl {
    fn raw_json(&self) -> Value {
        serde_json::json!({
            "name": self.name,
            "description": self.description,
            "parameters": {
                "type": "dict",
                "properties": properties_json(&self.params),
                "required": required_json(&self.params),
            }
        })
    }
}

impl Language {
    /// A BFCL category in this language (whose load-time doc rewrite and
    /// hint apply).
    fn category(self) -> bfcl::data::Category {
        match self {
            Language::Python => bfcl::data::Category::SimplePython,
            Language::Java => bfcl::data::Category::SimpleJava,
            Language::Javascript => bfcl::data::Category::SimpleJavascript,
        }
    }
}

/// BFCL's language hint and, for Java and JavaScript, its rewrite of every
/// parameter to a string holding source text ([`bfcl::func_doc`]).
pub fn language_view(raw: &Value, language: Language) -> Result<Value, String> {
    let shown = bfcl::func_doc::language_specific_pre_processing(
        std::slice::from_ref(raw),
        language.category(),
    )?;
    Ok(shown.into_iter().next().unwrap_or(Value::Null))
}

/// Reads and checks every library file.
pub fn load() -> Result<DeclaredLibrary, String> {
    load_files(&FILES)
}

/// Reads and checks the given `(file name, text)` pairs.
pub fn load_files(files: &[(&str, &str)]) -> Result<DeclaredLibrary, String> {
    let mut lib = DeclaredLibrary::default();
    let mut names = HashSet::new();
    for (file, text) in files {
        let decl: FileDecl = serde_json::from_str(text)
            .map_err(|e| format!("{file}: not the library format: {e}"))?;
        for d in decl.domains {
            if lib.related.contains_key(&d.domain) {
                return Err(format!("{file}: domain '{}' declared twice", d.domain));
            }
            lib.related.insert(d.domain.clone(), d.related.clone());
            for f in d.functions {
                let at = format!("{file}: {} ({})", f.name, d.domain);
                if !names.insert(f.name.clone()) {
                    return Err(format!("{at}: the name is used twice"));
                }
                check_params(&f.params, f.language).map_err(|e| format!("{at}: {e}"))?;
                if f.queries.is_empty() {
                    return Err(format!("{at}: no queries"));
                }
                let mut queries = Vec::new();
                for q in &f.queries {
                    let t = parse_template(q).map_err(|e| format!("{at}: query {q:?}: {e}"))?;
                    check_template(&t, &f.params).map_err(|e| format!("{at}: query {q:?}: {e}"))?;
                    queries.push(t);
                }
                let mut vague = Vec::new();
                for q in &f.vague {
                    let t = parse_template(q).map_err(|e| format!("{at}: vague {q:?}: {e}"))?;
                    for (s, _) in slots(&t) {
                        if !f.params.iter().any(|p| p.name == s) {
                            return Err(format!("{at}: vague {q:?}: {{{s}}} is not a param"));
                        }
                    }
                    let used: Vec<&str> = slots(&t).into_iter().map(|(s, _)| s).collect();
                    if f.params
                        .iter()
                        .all(|p| !p.required || used.contains(&p.name.as_str()))
                    {
                        return Err(format!("{at}: vague {q:?} leaves no required param out"));
                    }
                    vague.push(t);
                }
                let raw = f.raw_json();
                let shown = language_view(&raw, f.language).map_err(|e| format!("{at}: {e}"))?;
                FunctionSpec::from_json(&shown)
                    .map_err(|e| format!("{at}: the schema does not read back: {e}"))?;
                lib.functions.push(Declared {
                    name: f.name,
                    domain: d.domain.clone(),
                    language: f.language,
                    overlaps: f.overlaps,
                    raw,
                    params: f.params,
                    queries,
                    vague,
                });
            }
        }
    }
    Ok(lib)
}

// ---- drawing requests ----

/// `a`, `a and b`, `a, b and c`.
pub fn say_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn draw_values(rng: &mut Rng, v: &Values) -> (Value, String) {
    match v {
        Values::Pool { pool } => draw(rng, pool).unwrap_or((Value::Null, String::new())),
        Values::Choices { choices, say } => {
            let i = rng.below(choices.len() as u64) as usize;
            let value = choices[i].clone();
            let said = match say.as_ref().map(|s| &s[i]) {
                Some(Said::One(s)) => s.clone(),
                Some(Said::Many(alts)) if !alts.is_empty() => {
                    alts[rng.below(alts.len() as u64) as usize].clone()
                }
                _ => match &value {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                },
            };
            (value, said)
        }
        Values::Int { int } => {
            let n = int_in(rng, int[0], int[1]);
            (n.into(), say_int(rng, n))
        }
        Values::Float { float, decimals } => {
            let d = decimals.unwrap_or(1).min(6) as i32;
            let scale = 10f64.powi(d);
            let lo = (float[0] * scale).ceil() as i64;
            let hi = (float[1] * scale).floor() as i64;
            let x = int_in(rng, lo, hi.max(lo)) as f64 / scale;
            let said = format!("{x}");
            (serde_json::json!(x), said)
        }
        Values::Bool { bool } => {
            let b = rng.below(2) == 0;
            (b.into(), if b { bool[0].clone() } else { bool[1].clone() })
        }
        Values::List { list, len, unique } => {
            let [lo, hi] = len.unwrap_or([2, 4]);
            let n = int_in(rng, lo as i64, hi as i64) as usize;
            let mut values = Vec::new();
            let mut said = Vec::new();
            for _ in 0..n * 4 {
                if values.len() == n {
                    break;
                }
                let (v, s) = draw_values(rng, list);
                if *unique && values.contains(&v) {
                    continue;
                }
                values.push(v);
                said.push(s);
            }
            (Value::Array(values), say_list(&said))
        }
    }
}

/// A value for a param and how the request says it.
fn draw_param(rng: &mut Rng, p: &ParamDecl, language: Language) -> (Value, String) {
    let (value, said) = if let Some(v) = &p.values {
        draw_values(rng, v)
    } else if let Some(choices) = &p.choices {
        draw_values(
            rng,
            &Values::Choices {
                choices: choices.clone(),
                say: None,
            },
        )
    } else if let (Some(props), Some(say)) = (&p.properties, &p.say) {
        let t = parse_template(say).unwrap_or_default();
        let (text, args) = fill(rng, &t, props, language, &[]);
        (Value::Object(args), text)
    } else if let Some(items) = &p.items {
        let [lo, hi] = p.len.unwrap_or([1, 3]);
        let n = int_in(rng, lo as i64, hi.max(lo) as i64) as usize;
        let (values, said): (Vec<Value>, Vec<String>) =
            (0..n).map(|_| draw_param(rng, items, language)).unzip();
        (Value::Array(values), say_list(&said))
    } else {
        match p.ty.as_str() {
            "integer" | "int" | "long" => draw_values(rng, &Values::Int { int: [1, 100] }),
            "float" | "double" | "number" => draw_values(
                rng,
                &Values::Float {
                    float: [0.5, 100.0],
                    decimals: Some(1),
                },
            ),
            "boolean" | "Boolean" => draw_values(
                rng,
                &Values::Bool {
                    bool: ["yes".into(), "no".into()],
                },
            ),
            _ => draw(rng, "word").unwrap_or_default(),
        }
    };
    match (language, value) {
        // Java and JavaScript arguments are source text.
        (Language::Python, v) => (v, said),
        (_, Value::String(s)) => (Value::String(s), said),
        (_, v) => (Value::String(v.to_string()), said),
    }
}

/// Renders a template, drawing every slot's value (or taking it from
/// `fixed`); optional segments are kept half the time. Returns the text
/// and the arguments it implies.
fn fill(
    rng: &mut Rng,
    t: &[Piece],
    params: &[ParamDecl],
    language: Language,
    fixed: &[(String, Value, String)],
) -> (String, Map<String, Value>) {
    let mut text = String::new();
    let mut args = Map::new();
    let put = |rng: &mut Rng, name: &str, text: &mut String, args: &mut Map<String, Value>| {
        if let Some((_, v, s)) = fixed.iter().find(|(n, _, _)| n == name) {
            args.insert(name.to_string(), v.clone());
            text.push_str(s);
            return;
        }
        if let Some(p) = params.iter().find(|p| p.name == name) {
            let (v, s) = draw_param(rng, p, language);
            args.insert(name.to_string(), v);
            text.push_str(&s);
        }
    };
    for piece in t {
        match piece {
            Piece::Text(s) => text.push_str(s),
            Piece::Slot(name) => put(rng, name, &mut text, &mut args),
            Piece::Optional(inner) => {
                if rng.below(2) == 0 {
                    continue;
                }
                for q in inner {
                    match q {
                        Piece::Text(s) => text.push_str(s),
                        Piece::Slot(name) => put(rng, name, &mut text, &mut args),
                        Piece::Optional(_) => {}
                    }
                }
            }
        }
    }
    (text, args)
}

/// A drawn request and the arguments that answer it.
#[derive(Clone, Debug)]
pub struct Drawn {
    pub query: String,
    pub args: Vec<Map<String, Value>>,
}

impl Declared {
    /// The schema a model is shown in BFCL's style: as written for Python
    /// (with the Python hint when `hint`), BFCL's string rewrite for Java
    /// and JavaScript.
    pub fn shown_json(&self, hint: bool) -> Value {
        if self.language == Language::Python && !hint {
            return self.raw.clone();
        }
        // The loader checked that the rewrite applies.
        language_view(&self.raw, self.language).unwrap_or_else(|_| self.raw.clone())
    }

    /// One request and its call.
    pub fn draw(&self, rng: &mut Rng) -> Drawn {
        let i = rng.below(self.queries.len() as u64) as usize;
        self.draw_nth(rng, i)
    }

    /// `k` requests phrased with different templates where the function
    /// has enough (a chain of one phrasing repeated reads like a form).
    pub fn draw_several(&self, rng: &mut Rng, k: usize) -> Vec<Drawn> {
        let mut order: Vec<usize> = (0..self.queries.len()).collect();
        rng.shuffle(&mut order);
        (0..k)
            .map(|i| self.draw_nth(rng, order[i % order.len()]))
            .collect()
    }

    fn draw_nth(&self, rng: &mut Rng, i: usize) -> Drawn {
        let (query, args) = fill(rng, &self.queries[i], &self.params, self.language, &[]);
        Drawn {
            query,
            args: vec![args],
        }
    }

    /// One request asking for `k` calls that differ in one required
    /// argument ("weather in Paris, Tokyo and Lima"), when the function has
    /// a required param whose values vary; else `None`.
    pub fn draw_parallel(&self, rng: &mut Rng, k: usize) -> Option<Drawn> {
        let t = &self.queries[rng.below(self.queries.len() as u64) as usize];
        // With many values side by side ("rating 20, 15 and 16 54 399")
        // a list of one of them no longer reads as a list.
        if slots(t).len() > 3 {
            return None;
        }
        let varying: Vec<&ParamDecl> = slots(t)
            .iter()
            .filter(|(_, opt)| !opt)
            .filter_map(|(s, _)| self.params.iter().find(|p| p.name == *s))
            .filter(|p| p.varies_well())
            .collect();
        let p = *varying.get(rng.below(varying.len().max(1) as u64) as usize)?;
        let mut values: Vec<(Value, String)> = Vec::new();
        for _ in 0..k * 6 {
            if values.len() == k {
                break;
            }
            let (v, s) = draw_param(rng, p, self.language);
            if !values.iter().any(|(w, t)| *w == v || *t == s) {
                values.push((v, s));
            }
        }
        if values.len() < k {
            return None;
        }
        let said = say_list(&values.iter().map(|(_, s)| s.clone()).collect::<Vec<_>>());
        let fixed = vec![(p.name.clone(), Value::Null, said)];
        let (query, base) = fill(rng, t, &self.params, self.language, &fixed);
        let args = values
            .into_iter()
            .map(|(v, _)| {
                let mut a = base.clone();
                a.insert(p.name.clone(), v);
                a
            })
            .collect();
        Some(Drawn { query, args })
    }

    /// Whether the function has requests that leave out a required value.
    pub fn has_vague(&self) -> bool {
        !self.vague.is_empty()
    }

    /// A request that leaves out required values, and their params'
    /// (name, description); `None` when the function has no vague request.
    pub fn draw_vague(&self, rng: &mut Rng) -> Option<(String, Vec<(String, String)>)> {
        if self.vague.is_empty() {
            return None;
        }
        let t = &self.vague[rng.below(self.vague.len() as u64) as usize];
        let (query, _) = fill(rng, t, &self.params, self.language, &[]);
        let used: Vec<&str> = slots(t).into_iter().map(|(s, _)| s).collect();
        let missing = self
            .params
            .iter()
            .filter(|p| p.required && !used.contains(&p.name.as_str()))
            .map(|p| (p.name.clone(), p.description.clone()))
            .collect();
        Some((query, missing))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"{"domains": [{"domain": "travel", "related": ["weather"], "functions": [
      {"name": "search_flights", "description": "Search flights.",
       "params": [
         {"name": "origin", "type": "string", "description": "IATA code.", "values": {"pool": "airport"}},
         {"name": "date", "type": "string", "description": "YYYY-MM-DD.", "values": {"pool": "date"}},
         {"name": "cabin", "type": "string", "description": "Cabin.", "required": false, "default": "economy",
          "enum": ["economy", "business"]},
         {"name": "bags", "type": "integer", "description": "Bags.", "required": false, "default": 0, "values": {"int": [1, 3]}},
         {"name": "traveler", "type": "object", "description": "Who.", "say": "{first} {last}[ aged {age}]",
          "properties": [
            {"name": "first", "type": "string", "description": "First name.", "values": {"pool": "first_name"}},
            {"name": "last", "type": "string", "description": "Last name.", "values": {"choices": ["Silva", "Kim"]}},
            {"name": "age", "type": "integer", "description": "Age.", "required": false, "values": {"int": [18, 80]}}]},
         {"name": "legs", "type": "array", "description": "Stops.", "required": false, "len": [1, 2],
          "items": {"type": "object", "say": "{city}", "properties": [
            {"name": "city", "type": "string", "description": "City.", "values": {"pool": "city"}}]}}
       ],
       "queries": ["Flights from {origin} on {date} for {traveler}[ in {cabin}][ with {bags} bags][ via {legs}].",
                   "Flights from {origin} on {date} for {traveler}."],
       "vague": ["Find me a flight on {date}."]},
      {"name": "JsonParser.parse", "description": "Parses.", "language": "java",
       "params": [{"name": "text", "type": "String", "description": "Input.", "values": {"choices": ["payload"], "say": [["the `payload` string"]]}},
                  {"name": "strict", "type": "boolean", "description": "Strict.", "values": {"choices": ["true", "false"]}},
                  {"name": "fields", "type": "ArrayList", "description": "Fields.", "items": {"type": "String"},
                   "values": {"choices": ["new ArrayList<>(Arrays.asList(\"a\"))"]}}],
       "queries": ["Parse {text} (strict: {strict}) keeping {fields}."]}
    ]}]}"#;

    fn lib() -> DeclaredLibrary {
        load_files(&[("t.json", SAMPLE)]).unwrap()
    }

    #[test]
    fn shipped_library_loads_and_every_draw_validates() {
        let lib = load().unwrap_or_else(|e| panic!("{e}"));
        let mut rng = Rng::new(7);
        for f in &lib.functions {
            let spec = FunctionSpec::from_json(&f.shown_json(true)).unwrap();
            for _ in 0..8 {
                let d = f.draw(&mut rng);
                assert!(
                    !d.query.contains('{') && !d.query.contains('['),
                    "{}",
                    d.query
                );
                let args = Value::Object(d.args[0].clone());
                spec.validate(&args)
                    .unwrap_or_else(|e| panic!("{}: {e} in {args} for {:?}", f.name, d.query));
            }
        }
    }

    #[test]
    fn draws_follow_the_templates_and_validate() {
        let lib = lib();
        assert_eq!(lib.related["travel"], vec!["weather".to_string()]);
        let f = &lib.functions[0];
        let spec = FunctionSpec::from_json(&f.shown_json(true)).unwrap();
        let mut rng = Rng::new(3);
        let mut saw_optional = false;
        for _ in 0..200 {
            let d = f.draw(&mut rng);
            let args = &d.args[0];
            spec.validate(&Value::Object(args.clone())).unwrap();
            assert!(d.query.starts_with("Flights from "), "{}", d.query);
            assert!(!d.query.contains('['));
            // An optional argument is given exactly when its words are there.
            assert_eq!(
                args.contains_key("cabin"),
                d.query.contains(" in "),
                "{}",
                d.query
            );
            let who = &args["traveler"];
            assert!(d.query.contains(who["last"].as_str().unwrap()));
            saw_optional |= who.get("age").is_some();
            if let Some(legs) = args.get("legs") {
                for leg in legs.as_array().unwrap() {
                    assert!(d.query.contains(leg["city"].as_str().unwrap()));
                }
            }
        }
        assert!(saw_optional);
        let p = (0..20).find_map(|_| f.draw_parallel(&mut rng, 3)).unwrap();
        assert_eq!(p.args.len(), 3);
        // Only the airport varies: a date or an object would not read as a list.
        assert_eq!(p.args[0]["date"], p.args[2]["date"]);
        assert_ne!(p.args[0]["origin"], p.args[1]["origin"]);
        assert!(p.query.contains(" and "), "{}", p.query);
        let (q, missing) = f.draw_vague(&mut rng).unwrap();
        assert!(q.starts_with("Find me a flight on "));
        let names: Vec<&str> = missing.iter().map(|m| m.0.as_str()).collect();
        assert_eq!(names, ["origin", "traveler"]);
    }

    #[test]
    fn java_functions_take_source_text_and_show_bfcl_rewrite() {
        let lib = lib();
        let f = &lib.functions[1];
        let shown = f.shown_json(false);
        assert_eq!(
            shown["parameters"]["properties"]["fields"]["type"],
            "string"
        );
        assert!(shown["parameters"]["properties"]["fields"]
            .get("items")
            .is_none());
        let d = shown["parameters"]["properties"]["fields"]["description"]
            .as_str()
            .unwrap();
        assert!(d.ends_with("This is Java ArrayList type parameter in string representation. The list elements are of type String; they are not in string representation."), "{d}");
        assert!(shown["description"]
            .as_str()
            .unwrap()
            .ends_with("Java 8 SDK syntax."));
        let d = f.draw(&mut Rng::new(1));
        assert_eq!(d.args[0]["text"], "payload");
        assert_eq!(
            d.args[0]["strict"]
                .as_str()
                .map(|s| s == "true" || s == "false"),
            Some(true)
        );
        assert!(d.query.contains("the `payload` string"));
    }

    #[test]
    fn loader_names_file_function_and_rule() {
        let bad = |from: &str, to: &str| {
            load_files(&[("t.json", &SAMPLE.replacen(from, to, 1))]).unwrap_err()
        };
        let e = bad("on {date} for", "for");
        assert!(
            e.starts_with("t.json: search_flights (travel): query"),
            "{e}"
        );
        assert!(e.contains("required {date} appears 0 times"), "{e}");
        assert!(bad("[ in {cabin}]", "[ in {cabin} {bags}]").contains("exactly one slot"));
        assert!(bad("\"pool\": \"airport\"", "\"pool\": \"planets\"")
            .contains("unknown pool 'planets'"));
        assert!(bad("\"default\": \"economy\"", "\"default\": \"coach\"")
            .contains("not one of its enum"));
        assert!(bad(
            "Find me a flight on {date}.",
            "Fly {origin} {date} {traveler}."
        )
        .contains("leaves no required param out"));
        assert!(bad(
            "\"name\": \"JsonParser.parse\"",
            "\"name\": \"search_flights\""
        )
        .contains("used twice"));
        assert!(bad("\"say\": \"{first} {last}", "\"say\": \"{first}").contains("required {last}"));
        assert!(bad("\"queries\"", "\"querys\"").contains("not the library format"));
    }
}
