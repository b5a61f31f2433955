//! `data synth --kind function-calling`: xLAM-format samples (`{"id",
//! "query", "tools", "answers", "category"}`) built from the function
//! library ([`super::fc_lib`]) in the BFCL categories `simple`, `multiple`
//! (distractor tools), `parallel` (one function, several calls),
//! `parallel_multiple` and `no_call` (no listed function applies).
//!
//! Every sample passes APIGen's format check (tools re-read from the
//! written xLAM JSON by the tools crate, answers validated against them)
//! and its execution check (every call runs in the local implementation);
//! failures are dropped and counted. Deterministic for a seed.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use kernels::rng::Rng;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tools::{FunctionSpec, SchemaKind};

use super::fc_lib::{library, one_of, pick_weighted, related, FcFunction};
use super::fc_spec::{self, Declared, DeclaredLibrary, Language};
use super::xlam::{read_answers, read_tools, to_chat, FcChatSample};

/// Categories and their share in percent. `no_call` is BFCL's
/// irrelevance (no offered function applies); `clarify` asks for a
/// required value the request left out.
pub const CASES: [(&str, u64); 6] = [
    ("simple", 18),
    ("multiple", 20),
    ("parallel", 16),
    ("parallel_multiple", 14),
    ("no_call", 26),
    ("clarify", 6),
];

/// Questions on each domain's topic that none of its functions answers
/// (knowledge, why and how, advice, symbolic values, actions no function
/// performs): the near misses of BFCL's irrelevance, where the one tool
/// offered is on topic but cannot serve the request.
const OFF_TARGET: &str = include_str!("../data/fc/off_target.json");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OffTargetFile {
    domains: BTreeMap<String, Vec<String>>,
}

/// `off_target.json` read and checked against the library's domains:
/// every domain has at least five questions, none unknown, none repeated,
/// none with a template's brackets.
fn off_target(
    text: &str,
    domains: &BTreeSet<String>,
) -> Result<BTreeMap<String, Vec<String>>, String> {
    let file: OffTargetFile = serde_json::from_str(text).map_err(|e| {
        format!("off_target.json: not {{\"domains\": {{domain: [question]}}}}: {e}")
    })?;
    let mut seen = HashSet::new();
    for (domain, questions) in &file.domains {
        if !domains.contains(domain) {
            return Err(format!("off_target.json: unknown domain '{domain}'"));
        }
        for q in questions {
            if q.trim().is_empty() || q.contains(['{', '}', '[', ']']) {
                return Err(format!("off_target.json: {domain}: bad question {q:?}"));
            }
            if !seen.insert(q.to_lowercase()) {
                return Err(format!(
                    "off_target.json: {domain}: repeated question {q:?}"
                ));
            }
        }
    }
    match domains
        .iter()
        .find(|d| file.domains.get(*d).map_or(0, Vec::len) < 5)
    {
        Some(d) => Err(format!(
            "off_target.json: domain '{d}' needs at least 5 questions"
        )),
        None => Ok(file.domains),
    }
}

/// Requests no function in the library can serve.
const OFF_TOPIC: [&str; 16] = [
    "Write a short poem about the sea.",
    "What is your favourite movie?",
    "Tell me a joke about programmers.",
    "Summarize the plot of Hamlet.",
    "Who won the football world cup in 2010?",
    "Recommend a good book about history.",
    "Why is the sky blue?",
    "hi! how are you today?",
    "Explain the difference between a virus and a bacterium.",
    "Can you help me write a cover letter?",
    "What does 'carpe diem' mean?",
    "¿Cuál es la capital de Australia?",
    "Quelle est la meilleure saison pour visiter le Japon ?",
    "Give me three tips for better sleep.",
    "What's the meaning of life?",
    "Who painted the Mona Lisa?",
];

/// One sample in xLAM form: the tools exactly as the model is shown them
/// (in one of several schema styles), answers decoded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct XlamSample {
    pub id: usize,
    pub query: String,
    pub tools: Vec<Value>,
    pub answers: Vec<Value>,
    pub category: String,
    /// The assistant's text when it makes no call (`clarify`: the
    /// question for the missing values).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply: Option<String>,
}

/// What a run produced and what it dropped, by reason.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct FcSynthReport {
    pub attempts: usize,
    pub written: usize,
    pub dropped: BTreeMap<String, usize>,
    pub per_category: BTreeMap<String, usize>,
    /// Functions in the library, their domains, and how many samples had
    /// their function and parameter names masked.
    pub functions: usize,
    pub domains: usize,
    pub masked: usize,
}

/// A function of either library: coded (with a local implementation) or
/// declared (`data/fc/*.json`).
#[derive(Clone, Copy)]
enum Func<'a> {
    Coded(FcFunction),
    Declared(&'a Declared),
}

impl<'a> Func<'a> {
    fn name(&self) -> &str {
        match self {
            Func::Coded(f) => f.name,
            Func::Declared(d) => &d.name,
        }
    }

    fn domain(&self) -> &str {
        match self {
            Func::Coded(f) => f.domain,
            Func::Declared(d) => &d.domain,
        }
    }

    fn language(&self) -> Language {
        match self {
            Func::Coded(_) => Language::Python,
            Func::Declared(d) => d.language,
        }
    }

    /// Whether `other` could answer this function's requests.
    fn overlaps(&self, other: &Func) -> bool {
        let listed = |f: &Func, g: &Func| match f {
            Func::Declared(d) => d.overlaps.iter().any(|o| o == g.name()),
            Func::Coded(_) => false,
        };
        self.name() == other.name() || listed(self, other) || listed(other, self)
    }

    fn draw(&self, rng: &mut Rng) -> (String, Value) {
        match self {
            Func::Coded(f) => (f.sample)(rng),
            Func::Declared(d) => {
                let drawn = d.draw(rng);
                (drawn.query, Value::Object(drawn.args[0].clone()))
            }
        }
    }
}

/// The whole library: coded and declared functions and how domains relate.
pub struct Library {
    coded: Vec<FcFunction>,
    declared: DeclaredLibrary,
    /// domain -> on-topic questions no function of it answers.
    off_target: BTreeMap<String, Vec<String>>,
}

impl Library {
    /// Both libraries; `Err` when a declared file breaks the format.
    pub fn load() -> Result<Library, String> {
        let mut lib = Library {
            coded: library(),
            declared: fc_spec::load()?,
            off_target: BTreeMap::new(),
        };
        lib.off_target = off_target(OFF_TARGET, &lib.domains())?;
        Ok(lib)
    }

    fn all(&self) -> Vec<Func<'_>> {
        let mut all: Vec<Func> = self.coded.iter().map(|f| Func::Coded(*f)).collect();
        all.extend(self.declared.functions.iter().map(Func::Declared));
        all
    }

    /// Domains whose functions could answer each other's requests.
    fn related(&self, a: &str, b: &str) -> bool {
        let listed = |x: &str, y: &str| {
            self.declared
                .related
                .get(x)
                .is_some_and(|r| r.iter().any(|d| d == y))
        };
        related(a, b) || listed(a, b) || listed(b, a)
    }

    pub fn domains(&self) -> BTreeSet<String> {
        self.all().iter().map(|f| f.domain().to_string()).collect()
    }

    pub fn len(&self) -> usize {
        self.coded.len() + self.declared.functions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// APIGen's format and execution checks; returns the result of each call
/// that has a local implementation (`Value::Null` for the others).
pub fn check(sample: &XlamSample, lib: &[FcFunction]) -> Result<Vec<Value>, String> {
    let specs =
        read_tools(&Value::Array(sample.tools.clone())).map_err(|e| format!("format: {e}"))?;
    let calls = read_answers(&Value::Array(sample.answers.clone()), &specs)
        .map_err(|e| format!("format: {e}"))?;
    let no_call = matches!(sample.category.as_str(), "no_call" | "clarify");
    if calls.is_empty() != no_call {
        return Err("format: calls do not match the category".into());
    }
    calls
        .iter()
        .map(|c| match lib.iter().find(|f| f.name == c.name) {
            Some(f) => (f.run)(&c.arguments).map_err(|e| format!("execution: {}: {e}", c.name)),
            None => Ok(Value::Null),
        })
        .collect()
}

/// How the tools of one sample are shown.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Style {
    /// BFCL's JSON (`dict`, `float`), optionally with its Python hint.
    Bfcl { hint: bool },
    /// JSON schema (`object`, `number`), as OpenAI-style APIs list tools.
    JsonSchema,
    /// xLAM's flat Python-typed map (functions without nested objects).
    Xlam,
}

/// BFCL's type names in a JSON-schema tree (`object` -> `dict`, `number`
/// -> `float`).
fn bfcl_names(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (k, child) in map.iter_mut() {
                match (k.as_str(), child) {
                    ("type", Value::String(t)) if t == "object" => *t = "dict".into(),
                    ("type", Value::String(t)) if t == "number" => *t = "float".into(),
                    (_, child) => bfcl_names(child),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(bfcl_names),
        _ => {}
    }
}

fn nested(spec: &FunctionSpec) -> bool {
    spec.parameters
        .properties
        .iter()
        .any(|p| match &p.schema.kind {
            SchemaKind::Object(_) => true,
            SchemaKind::Array { items: Some(i), .. } => matches!(i.kind, SchemaKind::Object(_)),
            _ => false,
        })
}

/// Masked names (Hammer-style): the function and its parameters renamed,
/// descriptions kept, so the model must read descriptions.
struct Mask {
    /// original function name -> (new name, [(old param, new param)]).
    names: BTreeMap<String, (String, Vec<(String, String)>)>,
}

const MASK_WORDS: [&str; 12] = [
    "alpha", "beta", "gamma", "delta", "omega", "zeta", "kappa", "sigma", "nova", "orion", "vega",
    "lyra",
];

fn masked_name(rng: &mut Rng, taken: &BTreeSet<String>) -> String {
    loop {
        let n = 1 + rng.below(99);
        let w = one_of(rng, &MASK_WORDS);
        let name = match rng.below(5) {
            0 => format!("func_{n}"),
            1 => format!("tool_{w}"),
            2 => format!("api_{w}_{n}"),
            3 => format!("f{n}"),
            _ => format!("{w}{n}"),
        };
        if !taken.contains(&name) {
            return name;
        }
    }
}

impl Mask {
    fn new(rng: &mut Rng, specs: &[FunctionSpec]) -> Mask {
        let mut taken = BTreeSet::new();
        let mut names = BTreeMap::new();
        let style = rng.below(3);
        for s in specs {
            let name = masked_name(rng, &taken);
            taken.insert(name.clone());
            let params = s
                .parameters
                .properties
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let new = match style {
                        0 => format!("param_{}", i + 1),
                        1 => format!("arg{}", i + 1),
                        _ => format!("{}{}", ["x", "p", "v"][i % 3], i + 1),
                    };
                    (p.name.clone(), new)
                })
                .collect();
            names.insert(s.name.clone(), (name, params));
        }
        Mask { names }
    }

    fn spec(&self, s: &FunctionSpec) -> FunctionSpec {
        let mut out = s.clone();
        if let Some((name, params)) = self.names.get(&s.name) {
            out.name = name.clone();
            for p in &mut out.parameters.properties {
                if let Some((_, new)) = params.iter().find(|(old, _)| *old == p.name) {
                    p.name = new.clone();
                }
            }
        }
        out
    }

    /// A function's name and some of its params' names as masked.
    fn names_in(
        &self,
        function: &str,
        params: Vec<(String, String)>,
    ) -> (String, Vec<(String, String)>) {
        let Some((new, renamed)) = self.names.get(function) else {
            return (function.to_string(), params);
        };
        let params = params
            .into_iter()
            .map(|(p, d)| {
                let p = renamed
                    .iter()
                    .find(|(old, _)| *old == p)
                    .map_or(p, |(_, n)| n.clone());
                (p, d)
            })
            .collect();
        (new.clone(), params)
    }

    fn call(&self, c: &Value) -> Value {
        let name = c["name"].as_str().unwrap_or_default();
        let Some((new, params)) = self.names.get(name) else {
            return c.clone();
        };
        let args: serde_json::Map<String, Value> = c["arguments"]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| {
                        let k = params
                            .iter()
                            .find(|(old, _)| old == k)
                            .map_or(k.clone(), |(_, n)| n.clone());
                        (k, v.clone())
                    })
                    .collect()
            })
            .unwrap_or_default();
        serde_json::json!({"name": new, "arguments": args})
    }
}

/// Requests joined into one message, the way people chain them.
fn join_queries(rng: &mut Rng, queries: &[String]) -> String {
    if rng.below(5) == 0 {
        return queries
            .iter()
            .enumerate()
            .map(|(i, q)| format!("{}. {q}", i + 1))
            .collect::<Vec<_>>()
            .join("\n");
    }
    let mut out = queries[0].clone();
    for q in &queries[1..] {
        let connector = one_of(
            rng,
            &[" Also, ", " Then ", " And ", "\n", " After that, ", " "],
        );
        out.push_str(connector);
        let lower = connector.ends_with(", ") || connector.ends_with("n ") || connector == " And ";
        let mut chars = q.chars();
        let first = chars.next().map(|c| {
            if lower {
                c.to_lowercase().to_string()
            } else {
                c.to_string()
            }
        });
        out.push_str(&first.unwrap_or_default());
        out.push_str(chars.as_str());
    }
    out
}

/// Light noise people type with: a lowercase start, a missing final stop.
fn roughen(rng: &mut Rng, q: String) -> String {
    let mut q = q;
    if rng.below(8) == 0 {
        let mut chars = q.chars();
        if let Some(first) = chars.next() {
            q = first.to_lowercase().collect::<String>() + chars.as_str();
        }
    }
    if rng.below(8) == 0 && q.ends_with('.') {
        q.pop();
    }
    q
}

/// The question asking for what a vague request left out.
fn clarify_reply(rng: &mut Rng, function: &str, missing: &[(String, String)]) -> String {
    let items: Vec<String> = missing
        .iter()
        .map(|(name, description)| {
            let d = description.trim().trim_end_matches('.');
            if d.is_empty() {
                format!("`{name}`")
            } else {
                format!("`{name}` ({d})")
            }
        })
        .collect();
    let list = crate::fc_spec::say_list(&items);
    match rng.below(3) {
        0 => format!("I can do that with {function}, but I still need {list}. Could you tell me?"),
        1 => format!("Before I call {function}, please give me {list}."),
        _ => format!("To use {function} I need a bit more information: {list}. What should I use?"),
    }
}

/// A drawn sample: the request, the functions offered, the calls (with
/// the functions' real names), and for `clarify` the function and the
/// (param, description) pairs the request left out.
struct Draft<'a> {
    query: String,
    tools: Vec<Func<'a>>,
    answers: Vec<Value>,
    missing: Option<(String, Vec<(String, String)>)>,
}

fn call(f: &Func, args: Value) -> Value {
    serde_json::json!({"name": f.name(), "arguments": args})
}

/// `k` functions other than the `exclude`d ones, preferring (half the
/// time) the domain of `near`; never one that overlaps the excluded.
fn distractors<'a>(
    rng: &mut Rng,
    all: &[Func<'a>],
    exclude: &[Func<'a>],
    near: &str,
    k: usize,
) -> Vec<Func<'a>> {
    let mut pool: Vec<Func> = all
        .iter()
        .filter(|f| !exclude.iter().any(|e| e.overlaps(f)))
        .copied()
        .collect();
    rng.shuffle(&mut pool);
    let mut keyed: Vec<(bool, Func)> = pool
        .into_iter()
        .map(|f| (!(f.domain() == near && rng.below(2) == 0), f))
        .collect();
    keyed.sort_by_key(|(far, _)| *far);
    keyed.into_iter().take(k).map(|(_, f)| f).collect()
}

fn build<'a>(rng: &mut Rng, lib: &'a Library, all: &[Func<'a>], case: &str) -> Option<Draft<'a>> {
    let main = all[rng.below(all.len() as u64) as usize];
    let draft = |query, tools, answers| {
        Some(Draft {
            query,
            tools,
            answers,
            missing: None,
        })
    };
    match case {
        "simple" | "multiple" => {
            let (query, args) = main.draw(rng);
            let mut tools = vec![main];
            if case == "multiple" {
                let k = 1 + rng.below(4) as usize;
                tools.extend(distractors(rng, all, &[main], main.domain(), k));
            }
            draft(query, tools, vec![call(&main, args)])
        }
        "parallel" => {
            let k = 2 + rng.below(3) as usize;
            let merged = match main {
                Func::Declared(d) if rng.below(5) < 3 => d.draw_parallel(rng, k),
                _ => None,
            };
            let (query, answers) = match merged {
                Some(d) => {
                    let answers = d
                        .args
                        .into_iter()
                        .map(|a| call(&main, Value::Object(a)))
                        .collect();
                    (d.query, answers)
                }
                None => {
                    let (queries, answers): (Vec<String>, Vec<Value>) = match main {
                        Func::Declared(d) => d
                            .draw_several(rng, k.min(3))
                            .into_iter()
                            .map(|d| {
                                let a = Value::Object(d.args[0].clone());
                                (d.query, call(&main, a))
                            })
                            .unzip(),
                        Func::Coded(_) => (0..k.min(3))
                            .map(|_| {
                                let (q, a) = main.draw(rng);
                                (q, call(&main, a))
                            })
                            .unzip(),
                    };
                    (join_queries(rng, &queries), answers)
                }
            };
            let mut tools = vec![main];
            if rng.below(3) == 0 {
                tools.extend(distractors(rng, all, &[main], main.domain(), 1));
            }
            draft(query, tools, answers)
        }
        "parallel_multiple" => {
            let n = 2 + rng.below(2) as usize;
            let mut tools = vec![main];
            tools.extend(distractors(rng, all, &[main], main.domain(), n - 1));
            let (queries, answers): (Vec<String>, Vec<Value>) = tools
                .iter()
                .map(|f| {
                    let (q, a) = f.draw(rng);
                    (q, call(f, a))
                })
                .unzip();
            let k = rng.below(2) as usize;
            let chosen = tools.clone();
            tools.extend(distractors(rng, all, &chosen, main.domain(), k));
            draft(join_queries(rng, &queries), tools, answers)
        }
        "clarify" => {
            let vague: Vec<&Declared> = lib
                .declared
                .functions
                .iter()
                .filter(|d| d.has_vague())
                .collect();
            let d = *vague.get(rng.below(vague.len().max(1) as u64) as usize)?;
            let main = Func::Declared(d);
            let (query, missing) = d.draw_vague(rng)?;
            let mut tools = vec![main];
            if rng.below(2) == 0 {
                tools.extend(distractors(rng, all, &[main], main.domain(), 1));
            }
            Some(Draft {
                query,
                tools,
                answers: Vec::new(),
                missing: Some((main.name().to_string(), missing)),
            })
        }
        _ => {
            // No call. Near misses: an on-topic question none of the
            // domain's functions answers, with a few of them offered (one,
            // half the time); or the request's own function withheld and
            // its neighbours offered (none overlaps it). Otherwise
            // functions from unrelated domains, or an off-topic request.
            let roll = rng.below(20);
            let k = match rng.below(2) {
                0 => 1,
                _ => 1 + rng.below(4) as usize,
            };
            let (query, mut pool): (String, Vec<Func>) = if roll < 7 {
                let pool = all
                    .iter()
                    .filter(|f| f.domain() == main.domain())
                    .copied()
                    .collect();
                let questions = &lib.off_target[main.domain()];
                let q = &questions[rng.below(questions.len() as u64) as usize];
                (q.clone(), pool)
            } else if roll < 13 {
                let pool = all
                    .iter()
                    .filter(|f| f.domain() == main.domain() && !main.overlaps(f))
                    .copied()
                    .collect();
                (main.draw(rng).0, pool)
            } else {
                let query = if roll < 18 {
                    main.draw(rng).0
                } else {
                    one_of(rng, &OFF_TOPIC).to_string()
                };
                let pool = all
                    .iter()
                    .filter(|f| !lib.related(f.domain(), main.domain()))
                    .copied()
                    .collect();
                (query, pool)
            };
            if pool.is_empty() {
                return None;
            }
            rng.shuffle(&mut pool);
            pool.truncate(k);
            draft(query, pool, Vec::new())
        }
    }
}

/// The shown schema of `f` in `style`, masked when `mask` is given.
fn shown(f: &Func, style: Style, mask: Option<&Mask>) -> Result<Value, String> {
    if f.language() != Language::Python {
        if let Func::Declared(d) = f {
            return Ok(d.shown_json(true));
        }
    }
    let spec = match f {
        Func::Coded(c) => c.spec(),
        Func::Declared(d) => FunctionSpec::from_json(&d.raw).map_err(|e| e.to_string())?,
    };
    let spec = match mask {
        Some(m) => m.spec(&spec),
        None => spec,
    };
    Ok(match style {
        Style::Xlam if !nested(&spec) => spec.to_xlam_json(),
        Style::JsonSchema | Style::Xlam => spec.to_json(),
        Style::Bfcl { hint } => {
            let mut v = spec.to_json();
            bfcl_names(&mut v);
            if hint {
                if let Some(Value::String(d)) = v.get_mut("description") {
                    d.push_str(bfcl::func_doc::language_hint(bfcl::data::Language::Python));
                }
            }
            v
        }
    })
}

/// `n` checked samples (fewer only if more than `2n + 100` attempts fail),
/// or why the library cannot be read.
pub fn synth_fc(n: usize, seed: u64) -> Result<(Vec<XlamSample>, FcSynthReport), String> {
    let lib = Library::load()?;
    let all = lib.all();
    let mut rng = Rng::new(seed);
    let mut report = FcSynthReport {
        functions: lib.len(),
        domains: lib.domains().len(),
        ..FcSynthReport::default()
    };
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(n);
    let drop = |report: &mut FcSynthReport, reason: &str| {
        let key = reason.split(':').take(2).collect::<Vec<_>>().join(":");
        *report.dropped.entry(key).or_default() += 1;
    };
    while out.len() < n && report.attempts < 2 * n + 100 {
        report.attempts += 1;
        let mut r = rng.fork();
        let case = pick_weighted(&mut r, &CASES);
        let Some(mut d) = build(&mut r, &lib, &all, case) else {
            drop(&mut report, "unavailable:no such sample");
            continue;
        };
        // The calls run in their local implementations before any renaming.
        if let Some(e) = d.answers.iter().find_map(|a| {
            let f = lib.coded.iter().find(|f| a["name"] == f.name)?;
            (f.run)(&a["arguments"])
                .err()
                .map(|e| format!("execution: {}: {e}", f.name))
        }) {
            drop(&mut report, &e);
            continue;
        }
        d.query = roughen(&mut r, d.query);
        let key = d
            .query
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase();
        if !seen.insert(key) {
            drop(&mut report, "duplicate:query");
            continue;
        }
        r.shuffle(&mut d.tools);
        let python = d.tools.iter().all(|f| f.language() == Language::Python);
        let mask = (python && r.below(8) == 0).then(|| {
            let specs: Vec<FunctionSpec> = d
                .tools
                .iter()
                .filter_map(|f| shown(f, Style::JsonSchema, None).ok())
                .filter_map(|v| FunctionSpec::from_json(&v).ok())
                .collect();
            Mask::new(&mut r, &specs)
        });
        let style = match r.below(20) {
            0..=9 => Style::Bfcl {
                hint: r.below(2) == 0,
            },
            10..=16 => Style::JsonSchema,
            _ => Style::Xlam,
        };
        let tools: Result<Vec<Value>, String> = d
            .tools
            .iter()
            .map(|f| shown(f, style, mask.as_ref()))
            .collect();
        let tools = match tools {
            Ok(t) => t,
            Err(e) => {
                drop(&mut report, &format!("format:{e}"));
                continue;
            }
        };
        let answers = match &mask {
            Some(m) => d.answers.iter().map(|a| m.call(a)).collect(),
            None => d.answers,
        };
        let reply = d.missing.map(|(function, missing)| match &mask {
            Some(m) => {
                let (function, missing) = m.names_in(&function, missing);
                clarify_reply(&mut r, &function, &missing)
            }
            None => clarify_reply(&mut r, &function, &missing),
        });
        let sample = XlamSample {
            id: out.len(),
            query: d.query,
            tools,
            answers,
            category: case.into(),
            reply,
        };
        match check(&sample, &lib.coded) {
            Ok(_) => {
                report.masked += mask.is_some() as usize;
                *report.per_category.entry(case.into()).or_default() += 1;
                out.push(sample);
            }
            Err(reason) => drop(&mut report, &reason),
        }
    }
    report.written = out.len();
    Ok((out, report))
}

/// The training conversation of a checked sample: the tools as shown in
/// the sample, the calls in Hermes `<tool_call>` blocks.
pub fn sample_to_chat(sample: &XlamSample) -> Result<FcChatSample, String> {
    let specs = read_tools(&Value::Array(sample.tools.clone()))?;
    let calls = read_answers(&Value::Array(sample.answers.clone()), &specs)?;
    let mut chat = to_chat(&sample.query, sample.tools.clone(), &specs, &calls);
    if let Some(reply) = &sample.reply {
        chat.conversation.messages[1].content = reply.clone();
    }
    chat.category = sample.category.clone();
    Ok(chat)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth_code::to_jsonl;

    fn synth(n: usize, seed: u64) -> (Vec<XlamSample>, FcSynthReport) {
        synth_fc(n, seed).unwrap()
    }

    #[test]
    fn deterministic_for_a_seed() {
        assert_eq!(to_jsonl(&synth(60, 5).0), to_jsonl(&synth(60, 5).0));
        assert_ne!(to_jsonl(&synth(60, 5).0), to_jsonl(&synth(60, 6).0));
    }

    #[test]
    fn samples_pass_format_and_execution_and_categories_hold() {
        let lib = library();
        let (samples, report) = synth(1200, 9);
        assert_eq!(samples.len(), 1200, "{report:?}");
        let mut queries = HashSet::new();
        for s in &samples {
            assert!(
                queries.insert(s.query.to_lowercase()),
                "repeated: {}",
                s.query
            );
            let results = check(s, &lib).unwrap();
            let chat = sample_to_chat(s).unwrap();
            assert_eq!(chat.category, s.category, "{s:?}");
            assert_eq!(chat.conversation.tools, s.tools);
            assert_eq!(results.len(), s.answers.len());
            let reply = &chat.conversation.messages[1].content;
            let parsed = tools::parse::hermes::parse(reply).unwrap();
            assert_eq!(parsed.len(), s.answers.len());
            for (c, a) in parsed.iter().zip(&s.answers) {
                assert_eq!(c.name, a["name"]);
                assert_eq!(c.arguments, a["arguments"]);
            }
            match s.category.as_str() {
                "no_call" => assert!(reply.starts_with("None of the available functions")),
                "clarify" => assert!(
                    reply.contains('`')
                        && reply.contains(
                            &s.tools
                                .iter()
                                .find_map(|t| {
                                    let n = t["name"].as_str()?;
                                    reply.contains(n).then_some(n.to_string())
                                })
                                .unwrap()
                        )
                ),
                _ => {}
            }
        }
        for (case, _) in CASES {
            assert!(report.per_category[case] >= 30, "{report:?}");
        }
        assert!(report.masked >= 60, "{report:?}");
    }

    #[test]
    fn the_library_is_large_and_broad() {
        let lib = Library::load().unwrap();
        assert!(lib.len() >= 500, "{} functions", lib.len());
        assert!(lib.domains().len() >= 30, "{:?}", lib.domains());
    }

    #[test]
    fn no_call_samples_offer_nothing_that_answers() {
        let lib = Library::load().unwrap();
        let (samples, _) = synth(800, 4);
        for s in samples.iter().filter(|s| s.category == "no_call") {
            for t in &s.tools {
                let name = t["name"].as_str().unwrap();
                // The request's own function is never offered: its drawn
                // request would be answerable.
                if let Some(d) = lib.declared.functions.iter().find(|d| d.name == name) {
                    for q in 0..3 {
                        let drawn = d.draw(&mut Rng::new(q));
                        assert_ne!(drawn.query, s.query);
                    }
                }
            }
        }
    }

    #[test]
    fn off_target_questions_cover_every_domain_and_reach_the_samples() {
        let lib = Library::load().unwrap();
        assert_eq!(
            lib.off_target.keys().cloned().collect::<BTreeSet<_>>(),
            lib.domains()
        );
        let (samples, _) = synth(600, 8);
        // roughen may lower the first letter and drop a final period.
        let norm = |q: &str| q.to_lowercase().trim_end_matches('.').to_string();
        let bank: HashSet<String> = lib.off_target.values().flatten().map(|q| norm(q)).collect();
        let asked: Vec<&XlamSample> = samples
            .iter()
            .filter(|s| bank.contains(&norm(&s.query)))
            .collect();
        assert!(asked.len() >= 20, "{} off-target samples", asked.len());
        assert!(asked.iter().all(|s| s.category == "no_call"));
        let domains: BTreeSet<String> = lib.domains();
        let mut with = domains.clone();
        with.insert("nowhere".into());
        let mut bad = lib.off_target.clone();
        bad.insert("nowhere".into(), vec!["Why?".into(); 5]);
        let text = serde_json::json!({ "domains": bad }).to_string();
        assert!(off_target(&text, &domains)
            .unwrap_err()
            .contains("unknown domain 'nowhere'"));
        assert!(off_target(&text, &with)
            .unwrap_err()
            .contains("repeated question"));
        let mut short = lib.off_target.clone();
        short.insert("math".into(), vec!["Who was Euclid?".into()]);
        let text = serde_json::json!({ "domains": short }).to_string();
        assert!(off_target(&text, &domains)
            .unwrap_err()
            .contains("'math' needs at least 5"));
    }

    #[test]
    fn schemas_are_shown_in_several_styles() {
        let (samples, _) = synth(400, 3);
        let text = to_jsonl(&samples);
        assert!(text.contains("\"type\":\"dict\""));
        assert!(text.contains("\"type\":\"object\""));
        assert!(text.contains("Python 3 syntax"));
        assert!(text.contains(", optional"), "xLAM's flat style");
    }

    #[test]
    fn check_rejects_bad_answers() {
        let lib = library();
        let (mut samples, _) = synth(50, 2);
        let s = samples.iter_mut().find(|s| s.category == "simple").unwrap();
        let good = s.clone();
        s.answers[0]["name"] = "nope".into();
        assert!(check(s, &lib).unwrap_err().starts_with("format:"));
        *s = good.clone();
        s.answers[0]["arguments"]["zzz"] = 1.into();
        assert!(check(s, &lib).unwrap_err().starts_with("format:"));
        *s = good;
        let f = lib.iter().find(|f| f.name == "factorial").unwrap();
        s.tools = vec![f.xlam_json()];
        s.answers = vec![serde_json::json!({"name": "factorial", "arguments": {"n": 99}})];
        assert!(check(s, &lib)
            .unwrap_err()
            .starts_with("execution: factorial"));
    }
}
