//! The function library behind `data synth --kind function-calling`: each
//! [`FcFunction`] has an xLAM-style schema, a query sampler (a sentence and
//! the arguments it implies) and a local Rust implementation, so every
//! synthetic answer can be format-checked against the schema and executed.
//! Domains live in `fc_lib_math`, `fc_lib_text` and `fc_lib_world`.

use kernels::rng::Rng;
use serde_json::{Map, Value};
use tools::FunctionSpec;

/// One parameter: name, xLAM type (`int`, `float`, `str`, `bool`,
/// `List[float]`, ...), description, and for optional ones the default
/// written as a string, the way xLAM-60k writes them.
#[derive(Clone, Copy, Debug)]
pub struct Param {
    pub name: &'static str,
    pub ty: &'static str,
    pub description: &'static str,
    pub default: Option<&'static str>,
    pub choices: &'static [&'static str],
}

/// A required parameter.
pub const fn p(name: &'static str, ty: &'static str, description: &'static str) -> Param {
    Param {
        name,
        ty,
        description,
        default: None,
        choices: &[],
    }
}

/// An optional parameter with its default.
pub const fn opt(
    name: &'static str,
    ty: &'static str,
    description: &'static str,
    default: &'static str,
) -> Param {
    Param {
        name,
        ty,
        description,
        default: Some(default),
        choices: &[],
    }
}

/// A required string parameter restricted to `choices`.
pub const fn pick_of(
    name: &'static str,
    description: &'static str,
    choices: &'static [&'static str],
) -> Param {
    Param {
        name,
        ty: "str",
        description,
        default: None,
        choices,
    }
}

/// A query sentence and the arguments that answer it.
pub type Sampler = fn(&mut Rng) -> (String, Value);
/// The local implementation; `Err` is an execution failure.
pub type Implementation = fn(&Value) -> Result<Value, String>;

/// A function models can be asked to call.
#[derive(Clone, Copy)]
pub struct FcFunction {
    pub name: &'static str,
    pub domain: &'static str,
    pub description: &'static str,
    pub params: &'static [Param],
    pub sample: Sampler,
    pub run: Implementation,
}

impl FcFunction {
    /// `{"name", "description", "parameters": {flat xLAM map}}`.
    pub fn xlam_json(&self) -> Value {
        let mut params = Map::new();
        for p in self.params {
            let mut entry = Map::new();
            entry.insert("description".into(), p.description.into());
            let ty = match p.default {
                Some(_) => format!("{}, optional", p.ty),
                None => p.ty.to_string(),
            };
            entry.insert("type".into(), ty.into());
            if !p.choices.is_empty() {
                entry.insert("enum".into(), p.choices.to_vec().into());
            }
            if let Some(d) = p.default {
                entry.insert("default".into(), d.into());
            }
            params.insert(p.name.into(), Value::Object(entry));
        }
        serde_json::json!({
            "name": self.name,
            "description": self.description,
            "parameters": params,
        })
    }

    /// The schema as the tools crate reads it (from [`Self::xlam_json`]).
    pub fn spec(&self) -> FunctionSpec {
        FunctionSpec::from_json(&self.xlam_json()).expect("library schemas are valid xLAM")
    }
}

/// Shorthand for the domain tables.
pub fn f(
    name: &'static str,
    domain: &'static str,
    description: &'static str,
    params: &'static [Param],
    sample: Sampler,
    run: Implementation,
) -> FcFunction {
    FcFunction {
        name,
        domain,
        description,
        params,
        sample,
        run,
    }
}

/// A name drawn with the given weights (shares of their sum).
pub fn pick_weighted(rng: &mut Rng, weighted: &[(&'static str, u64)]) -> &'static str {
    let mut roll = rng.below(weighted.iter().map(|w| w.1).sum());
    for &(name, share) in weighted {
        if roll < share {
            return name;
        }
        roll -= share;
    }
    weighted[0].0
}

/// Every function of every domain, in a fixed order.
pub fn library() -> Vec<FcFunction> {
    let mut all = super::fc_lib_math::functions();
    all.extend(super::fc_lib_text::functions());
    all.extend(super::fc_lib_world::functions());
    all
}

/// Domains whose functions could answer each other's questions; a no-call
/// sample never offers a function from a related domain.
pub fn related(a: &str, b: &str) -> bool {
    const GROUPS: [&[&str]; 5] = [
        &["math", "numbers"],
        &["lists", "statistics"],
        &["strings", "text"],
        &["dates", "time"],
        &["units", "finance"],
    ];
    a == b || GROUPS.iter().any(|g| g.contains(&a) && g.contains(&b))
}

// ---- argument readers (the implementations' side) ----

fn arg<'a>(a: &'a Value, k: &str) -> Result<&'a Value, String> {
    a.get(k).ok_or_else(|| format!("missing argument '{k}'"))
}

pub fn num(a: &Value, k: &str) -> Result<f64, String> {
    arg(a, k)?
        .as_f64()
        .ok_or_else(|| format!("'{k}' must be a number"))
}

pub fn int(a: &Value, k: &str) -> Result<i64, String> {
    arg(a, k)?
        .as_i64()
        .ok_or_else(|| format!("'{k}' must be an integer"))
}

pub fn text<'a>(a: &'a Value, k: &str) -> Result<&'a str, String> {
    arg(a, k)?
        .as_str()
        .ok_or_else(|| format!("'{k}' must be a string"))
}

pub fn nums(a: &Value, k: &str) -> Result<Vec<f64>, String> {
    let list = arg(a, k)?
        .as_array()
        .ok_or_else(|| format!("'{k}' must be a list"))?;
    list.iter()
        .map(|v| v.as_f64().ok_or_else(|| format!("'{k}' must hold numbers")))
        .collect()
}

pub fn ints(a: &Value, k: &str) -> Result<Vec<i64>, String> {
    let list = arg(a, k)?
        .as_array()
        .ok_or_else(|| format!("'{k}' must be a list"))?;
    list.iter()
        .map(|v| {
            v.as_i64()
                .ok_or_else(|| format!("'{k}' must hold integers"))
        })
        .collect()
}

pub fn opt_num(a: &Value, k: &str, default: f64) -> Result<f64, String> {
    a.get(k).map_or(Ok(default), |_| num(a, k))
}

pub fn opt_int(a: &Value, k: &str, default: i64) -> Result<i64, String> {
    a.get(k).map_or(Ok(default), |_| int(a, k))
}

pub fn opt_bool(a: &Value, k: &str, default: bool) -> Result<bool, String> {
    match a.get(k) {
        None => Ok(default),
        Some(v) => v
            .as_bool()
            .ok_or_else(|| format!("'{k}' must be a boolean")),
    }
}

/// `x` rounded to `digits` decimals, as a JSON number.
pub fn rounded(x: f64, digits: i32) -> Result<Value, String> {
    let scale = 10f64.powi(digits);
    serde_json::Number::from_f64((x * scale).round() / scale)
        .map(Value::Number)
        .ok_or_else(|| "result is not finite".to_string())
}

// ---- sampling helpers (the query side) ----

pub fn int_in(rng: &mut Rng, lo: i64, hi: i64) -> i64 {
    lo + rng.below((hi - lo + 1) as u64) as i64
}

/// A number in [lo, hi] with one decimal.
pub fn dec_in(rng: &mut Rng, lo: i64, hi: i64) -> f64 {
    int_in(rng, lo * 10, hi * 10) as f64 / 10.0
}

pub fn one_of<T: Copy>(rng: &mut Rng, items: &[T]) -> T {
    items[rng.below(items.len() as u64) as usize]
}

pub fn int_list(rng: &mut Rng, len: usize, lo: i64, hi: i64) -> Vec<i64> {
    (0..len).map(|_| int_in(rng, lo, hi)).collect()
}

/// `[1, 2, 3]` for a query sentence.
pub fn show_list<T: std::fmt::Display>(xs: &[T]) -> String {
    let items: Vec<String> = xs.iter().map(|x| x.to_string()).collect();
    format!("[{}]", items.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn library_is_large_distinct_and_self_consistent() {
        let lib = library();
        assert!(lib.len() >= 60, "{}", lib.len());
        let domains: std::collections::BTreeSet<_> = lib.iter().map(|f| f.domain).collect();
        assert!(domains.len() >= 10, "{domains:?}");
        let mut names = std::collections::HashSet::new();
        let mut rng = Rng::new(3);
        for f in &lib {
            assert!(names.insert(f.name), "duplicate {}", f.name);
            let spec = f.spec();
            assert_eq!(spec.to_xlam_json(), f.xlam_json(), "{}", f.name);
            for _ in 0..30 {
                let (query, args) = (f.sample)(&mut rng);
                assert!(!query.is_empty());
                spec.validate(&args)
                    .unwrap_or_else(|e| panic!("{}: {e} in {args}", f.name));
                (f.run)(&args).unwrap_or_else(|e| panic!("{}: {e} in {args}", f.name));
            }
        }
    }
}
