//! Runtime values, their Python `repr`/`str`, equality, hashing keys and the
//! insertion-ordered dict that also backs `set`.

use crate::ast::{Comp, FuncDef};
use crate::bigint::BigInt;
use crate::format::float_repr;
use crate::limits::MAX_REPR_DEPTH;
use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::rc::Rc;

/// A frame of slots (function locals, comprehension variables, module globals).
pub struct Frame {
    pub slots: RefCell<Vec<Value>>,
    pub parent: Option<Rc<Frame>>,
}

impl Drop for Frame {
    /// Release the slots one by one: scalars skip the large drop glue.
    fn drop(&mut self) {
        for v in self.slots.get_mut().drain(..) {
            v.release();
        }
    }
}

pub struct Function {
    pub def: Rc<FuncDef>,
    /// Default values, aligned with `def.params` (None where no default).
    pub defaults: Vec<Option<Value>>,
    pub closure: Option<Rc<Frame>>,
}

pub struct Class {
    pub name: Rc<str>,
    pub bases: Vec<Value>,
    pub attrs: RefCell<Vec<(Rc<str>, Value)>>,
}

pub struct Instance {
    pub class: Rc<Class>,
    pub attrs: RefCell<Vec<(Rc<str>, Value)>>,
}

/// An exception object: its type (builtin name or user class) and args.
pub struct Exc {
    pub typ: Value,
    pub args: Vec<Value>,
    pub attrs: RefCell<Vec<(Rc<str>, Value)>>,
}

pub struct Range {
    pub start: i64,
    pub stop: i64,
    pub step: i64,
}

impl Range {
    pub fn len(&self) -> i64 {
        if self.step > 0 && self.start < self.stop {
            ((self.stop as i128 - self.start as i128 - 1) / self.step as i128 + 1) as i64
        } else if self.step < 0 && self.start > self.stop {
            ((self.start as i128 - self.stop as i128 - 1) / (-(self.step as i128)) + 1) as i64
        } else {
            0
        }
    }
    pub fn get(&self, i: i64) -> i64 {
        self.start + i * self.step
    }
}

pub enum IterState {
    List(Rc<RefCell<Vec<Value>>>, usize),
    Tuple(Rc<Vec<Value>>, usize),
    Str(Rc<str>, usize),
    Range(i64, i64, i64),
    /// Dict/set view: (dict, position, size at start, what: 0 keys 1 values 2 items)
    Dict(Rc<RefCell<Dict>>, usize, usize, u8),
    Vec(Vec<Value>, usize),
    Enumerate(Value, Value),
    Zip(Vec<Value>),
    Map(Value, Vec<Value>),
    Filter(Value, Value),
    Reversed(Value, i64),
    Gen(Box<GenState>),
    /// An iterator object shared with Python code (`it = iter(x)`).
    Shared(Rc<RefCell<IterState>>),
    Done,
}

/// A lazily evaluated generator expression.
pub struct GenState {
    pub comp: Rc<Comp>,
    pub frame: Rc<Frame>,
    pub iters: Vec<IterState>,
}

pub enum Value {
    None,
    Ellipsis,
    NotImplemented,
    Bool(bool),
    Int(i64),
    Big(Rc<BigInt>),
    Float(f64),
    Str(Rc<str>),
    List(Rc<RefCell<Vec<Value>>>),
    Tuple(Rc<Vec<Value>>),
    Dict(Rc<RefCell<Dict>>),
    Set(Rc<RefCell<Dict>>),
    FrozenSet(Rc<RefCell<Dict>>),
    Range(Rc<Range>),
    Slice(Rc<(Value, Value, Value)>),
    Func(Rc<Function>),
    /// Builtin function.
    Builtin(crate::builtins::Builtin),
    /// Builtin type (int, str, list, ValueError, ...) by name.
    Type(&'static str),
    /// Method of a builtin value (`[].append`) or module function.
    Method(Rc<(Value, Rc<str>)>),
    Module(&'static str),
    Iter(Rc<RefCell<IterState>>),
    /// `dict.keys()` / `values()` / `items()` view (0 / 1 / 2).
    View(Rc<RefCell<Dict>>, u8),
    Exc(Rc<Exc>),
    Class(Rc<Class>),
    /// A user function bound to `self`, with the class that defined it
    /// (so `super()` inside knows where to continue the lookup).
    Bound(Rc<(Value, Value, Rc<Class>)>),
    /// `super()`: (self, class whose bases are searched).
    Super(Rc<(Value, Rc<Class>)>),
    Instance(Rc<Instance>),
    /// Unassigned slot marker (never visible to Python code).
    Undef,
}

impl Clone for Value {
    /// Scalars copy inline; reference-counted values go through the
    /// out-of-line `clone_rc` (keeps the hot path a few wasm instructions:
    /// wasmi charges fuel for every instruction of a called function's
    /// entry blocks, and the full match is large).
    #[inline(always)]
    fn clone(&self) -> Value {
        match self {
            Value::Int(i) => Value::Int(*i),
            Value::Bool(b) => Value::Bool(*b),
            Value::None => Value::None,
            Value::Float(x) => Value::Float(*x),
            _ => self.clone_rc(),
        }
    }
}

impl Value {
    #[inline(never)]
    fn clone_rc(&self) -> Value {
        match self {
            Value::None => Value::None,
            Value::Ellipsis => Value::Ellipsis,
            Value::NotImplemented => Value::NotImplemented,
            Value::Bool(b) => Value::Bool(*b),
            Value::Int(i) => Value::Int(*i),
            Value::Big(b) => Value::Big(b.clone()),
            Value::Float(x) => Value::Float(*x),
            Value::Str(s) => Value::Str(s.clone()),
            Value::List(l) => Value::List(l.clone()),
            Value::Tuple(t) => Value::Tuple(t.clone()),
            Value::Dict(d) => Value::Dict(d.clone()),
            Value::Set(d) => Value::Set(d.clone()),
            Value::FrozenSet(d) => Value::FrozenSet(d.clone()),
            Value::Range(r) => Value::Range(r.clone()),
            Value::Slice(s) => Value::Slice(s.clone()),
            Value::Func(f) => Value::Func(f.clone()),
            Value::Builtin(f) => Value::Builtin(*f),
            Value::Type(n) => Value::Type(n),
            Value::Method(m) => Value::Method(m.clone()),
            Value::Module(n) => Value::Module(n),
            Value::Iter(i) => Value::Iter(i.clone()),
            Value::View(d, w) => Value::View(d.clone(), *w),
            Value::Exc(e) => Value::Exc(e.clone()),
            Value::Class(c) => Value::Class(c.clone()),
            Value::Bound(b) => Value::Bound(b.clone()),
            Value::Super(s) => Value::Super(s.clone()),
            Value::Instance(i) => Value::Instance(i.clone()),
            Value::Undef => Value::Undef,
        }
    }

    /// Drop a value, skipping the (large, out-of-line) drop glue for
    /// scalars, which own nothing.
    #[inline(always)]
    pub fn release(self) {
        match self {
            Value::Int(_) | Value::Bool(_) | Value::None | Value::Float(_) | Value::Undef => {
                std::mem::forget(self)
            }
            v => drop(v),
        }
    }
}

impl std::fmt::Debug for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", repr(self))
    }
}

impl Value {
    pub fn str(s: &str) -> Value {
        Value::Str(Rc::from(s))
    }
    pub fn list(v: Vec<Value>) -> Value {
        Value::List(Rc::new(RefCell::new(v)))
    }
    pub fn tuple(v: Vec<Value>) -> Value {
        Value::Tuple(Rc::new(v))
    }
    pub fn from_bigint(b: BigInt) -> Value {
        match b.to_i64() {
            Some(i) => Value::Int(i),
            None => Value::Big(Rc::new(b)),
        }
    }
    pub fn iter(s: IterState) -> Value {
        Value::Iter(Rc::new(RefCell::new(s)))
    }
    pub fn is_int(&self) -> bool {
        matches!(self, Value::Int(_) | Value::Big(_) | Value::Bool(_))
    }
    /// Integer value as BigInt (bool counts as int).
    pub fn to_big(&self) -> Option<BigInt> {
        match self {
            Value::Int(i) => Some(BigInt::from_i64(*i)),
            Value::Bool(b) => Some(BigInt::from_i64(*b as i64)),
            Value::Big(b) => Some((**b).clone()),
            _ => None,
        }
    }
    pub fn type_name(&self) -> String {
        match self {
            Value::Class(_) => "type".into(),
            Value::Instance(i) => i.class.name.to_string(),
            Value::Exc(e) => match &e.typ {
                Value::Type(t) => t.to_string(),
                Value::Class(c) => c.name.to_string(),
                _ => "Exception".into(),
            },
            _ => self.static_type_name().to_string(),
        }
    }
    pub fn static_type_name(&self) -> &'static str {
        match self {
            Value::None => "NoneType",
            Value::Ellipsis => "ellipsis",
            Value::NotImplemented => "NotImplementedType",
            Value::Bool(_) => "bool",
            Value::Int(_) | Value::Big(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "str",
            Value::List(_) => "list",
            Value::Tuple(_) => "tuple",
            Value::Dict(_) => "dict",
            Value::Set(_) => "set",
            Value::FrozenSet(_) => "frozenset",
            Value::Range(_) => "range",
            Value::Slice(_) => "slice",
            Value::Func(_) => "function",
            Value::Builtin(_) | Value::Method(_) => "builtin_function_or_method",
            Value::Bound(_) => "method",
            Value::Super(_) => "super",
            Value::Type(_) | Value::Class(_) => "type",
            Value::Module(_) => "module",
            Value::Iter(it) => match &*it.borrow() {
                IterState::List(..) => "list_iterator",
                IterState::Tuple(..) => "tuple_iterator",
                IterState::Str(..) => "str_ascii_iterator",
                IterState::Range(..) => "range_iterator",
                IterState::Dict(_, _, _, 0) => "dict_keyiterator",
                IterState::Dict(_, _, _, 1) => "dict_valueiterator",
                IterState::Dict(..) => "dict_itemiterator",
                IterState::Enumerate(..) => "enumerate",
                IterState::Zip(..) => "zip",
                IterState::Map(..) => "map",
                IterState::Filter(..) => "filter",
                IterState::Reversed(..) => "list_reverseiterator",
                IterState::Gen(..) => "generator",
                _ => "iterator",
            },
            Value::View(_, 0) => "dict_keys",
            Value::View(_, 1) => "dict_values",
            Value::View(..) => "dict_items",
            Value::Exc(_) => "Exception",
            Value::Instance(_) => "object",
            Value::Undef => "undefined",
        }
    }
}

// ---------------------------------------------------------------- hashing

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum HKey {
    None,
    Int(i64),
    Big(BigInt),
    Float(u64),
    Str(Rc<str>),
    Tuple(Vec<HKey>),
    Name(&'static str),
    Ptr(usize),
}

/// FxHash: small, fast and deterministic (fuel use must not vary per run).
#[derive(Default)]
pub struct FxHasher(u64);
impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ b as u64).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64);
    }
    fn write_i64(&mut self, i: i64) {
        self.write_u64(i as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}
pub type FxBuild = BuildHasherDefault<FxHasher>;

/// Hash key of a value; `Err(type name)` when unhashable.
pub fn hkey(v: &Value) -> Result<HKey, String> {
    Ok(match v {
        Value::None => HKey::None,
        Value::Bool(b) => HKey::Int(*b as i64),
        Value::Int(i) => HKey::Int(*i),
        Value::Big(b) => HKey::Big((**b).clone()),
        Value::Float(f) => {
            if f.fract() == 0.0 && f.is_finite() {
                if f.abs() < 9.0e18 {
                    HKey::Int(*f as i64)
                } else {
                    match Value::from_bigint(BigInt::from_f64(*f)) {
                        Value::Big(b) => HKey::Big((*b).clone()),
                        Value::Int(i) => HKey::Int(i),
                        _ => HKey::Float(f.to_bits()),
                    }
                }
            } else {
                HKey::Float(f.to_bits())
            }
        }
        Value::Str(s) => HKey::Str(s.clone()),
        Value::Tuple(t) => HKey::Tuple(t.iter().map(hkey).collect::<Result<_, _>>()?),
        Value::FrozenSet(d) => {
            let mut ks: Vec<HKey> = d
                .borrow()
                .keys()
                .iter()
                .map(hkey)
                .collect::<Result<_, _>>()?;
            ks.sort_by_key(|k| format!("{:?}", k));
            HKey::Tuple(ks)
        }
        Value::Type(n) | Value::Module(n) => HKey::Name(n),
        Value::Builtin(f) => HKey::Name(f.name()),
        Value::List(_) | Value::Dict(_) | Value::Set(_) | Value::Slice(_) | Value::View(..) => {
            return Err(v.type_name())
        }
        Value::Func(f) => HKey::Ptr(Rc::as_ptr(f) as *const u8 as usize),
        Value::Class(c) => HKey::Ptr(Rc::as_ptr(c) as *const u8 as usize),
        Value::Instance(c) => HKey::Ptr(Rc::as_ptr(c) as *const u8 as usize),
        Value::Exc(c) => HKey::Ptr(Rc::as_ptr(c) as *const u8 as usize),
        Value::Iter(c) => HKey::Ptr(Rc::as_ptr(c) as *const u8 as usize),
        Value::Range(c) => HKey::Tuple(vec![
            HKey::Int(c.start),
            HKey::Int(c.stop),
            HKey::Int(c.step),
        ]),
        Value::Method(m) => HKey::Ptr(Rc::as_ptr(m) as *const u8 as usize),
        Value::Bound(m) => HKey::Ptr(Rc::as_ptr(m) as *const u8 as usize),
        Value::Super(m) => HKey::Ptr(Rc::as_ptr(m) as *const u8 as usize),
        Value::Ellipsis | Value::NotImplemented | Value::Undef => HKey::Name("..."),
    })
}

/// Insertion-ordered hash map (Python dict; sets store `None` values).
#[derive(Default)]
pub struct Dict {
    entries: Vec<Option<(Value, Value)>>,
    index: HashMap<HKey, usize, FxBuild>,
}

impl Dict {
    pub fn new() -> Dict {
        Dict::default()
    }
    pub fn len(&self) -> usize {
        self.index.len()
    }
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }
    pub fn get(&self, k: &HKey) -> Option<&Value> {
        self.index
            .get(k)
            .and_then(|&i| self.entries[i].as_ref().map(|e| &e.1))
    }
    pub fn contains(&self, k: &HKey) -> bool {
        self.index.contains_key(k)
    }
    pub fn insert(&mut self, hk: HKey, k: Value, v: Value) {
        if let Some(&i) = self.index.get(&hk) {
            if let Some(e) = self.entries[i].as_mut() {
                e.1 = v;
            }
            return;
        }
        self.index.insert(hk, self.entries.len());
        self.entries.push(Some((k, v)));
    }
    pub fn remove(&mut self, k: &HKey) -> Option<(Value, Value)> {
        let i = self.index.remove(k)?;
        let e = self.entries[i].take();
        if self.entries.len() > 32 && self.index.len() * 2 < self.entries.len() {
            self.compact();
        }
        e
    }
    fn compact(&mut self) {
        self.entries.retain(|e| e.is_some());
        self.index.clear();
        for (i, e) in self.entries.iter().enumerate() {
            if let Some((k, _)) = e {
                if let Ok(h) = hkey(k) {
                    self.index.insert(h, i);
                }
            }
        }
    }
    pub fn clear(&mut self) {
        self.entries.clear();
        self.index.clear();
    }
    /// Entry at raw position (for iterators); `None` for holes or past end.
    pub fn entry_at(&self, pos: usize) -> Option<Option<&(Value, Value)>> {
        self.entries.get(pos).map(|e| e.as_ref())
    }
    pub fn items(&self) -> Vec<(Value, Value)> {
        self.entries.iter().flatten().cloned().collect()
    }
    pub fn keys(&self) -> Vec<Value> {
        self.entries.iter().flatten().map(|e| e.0.clone()).collect()
    }
    pub fn values(&self) -> Vec<Value> {
        self.entries.iter().flatten().map(|e| e.1.clone()).collect()
    }
    pub fn pop_last(&mut self) -> Option<(Value, Value)> {
        while let Some(e) = self.entries.pop() {
            if let Some((k, v)) = e {
                if let Ok(h) = hkey(&k) {
                    self.index.remove(&h);
                }
                return Some((k, v));
            }
        }
        None
    }
    pub fn pop_first(&mut self) -> Option<(Value, Value)> {
        let pos = self.entries.iter().position(|e| e.is_some())?;
        let (k, v) = self.entries[pos].take()?;
        if let Ok(h) = hkey(&k) {
            self.index.remove(&h);
        }
        Some((k, v))
    }
}

// ---------------------------------------------------------------- repr

/// Python `repr()` (containers guard against self-reference).
pub fn repr(v: &Value) -> String {
    let mut out = String::new();
    repr_into(v, &mut out, 0);
    out
}

/// Python `str()`.
pub fn to_str(v: &Value) -> String {
    match v {
        Value::Str(s) => s.to_string(),
        Value::Exc(e) => exc_str(e),
        _ => repr(v),
    }
}

pub fn exc_str(e: &Exc) -> String {
    if let Some((_, Value::Tuple(args))) = e.attrs.borrow().iter().find(|(k, _)| &**k == "args") {
        let e2 = Exc {
            typ: e.typ.clone(),
            args: (**args).clone(),
            attrs: RefCell::new(Vec::new()),
        };
        return exc_str(&e2);
    }
    if let (Value::Type("KeyError"), 1) = (&e.typ, e.args.len()) {
        return repr(&e.args[0]);
    }
    match e.args.len() {
        0 => String::new(),
        1 => to_str(&e.args[0]),
        _ => repr(&Value::tuple(e.args.clone())),
    }
}

pub fn str_repr(s: &str) -> String {
    let q = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(q);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == q => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if (0x80..0xa0).contains(&(c as u32)) => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push(q);
    out
}

fn seq_repr(items: &[Value], open: &str, close: &str, out: &mut String, depth: usize) {
    out.push_str(open);
    for (i, x) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        repr_into(x, out, depth + 1);
    }
    out.push_str(close);
}

fn repr_into(v: &Value, out: &mut String, depth: usize) {
    if depth > MAX_REPR_DEPTH {
        out.push_str("...");
        return;
    }
    match v {
        Value::None => out.push_str("None"),
        Value::Ellipsis => out.push_str("Ellipsis"),
        Value::NotImplemented => out.push_str("NotImplemented"),
        Value::Bool(b) => out.push_str(if *b { "True" } else { "False" }),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Big(b) => out.push_str(&b.to_str_radix(10)),
        Value::Float(f) => out.push_str(&float_repr(*f)),
        Value::Str(s) => out.push_str(&str_repr(s)),
        Value::List(l) => match l.try_borrow() {
            Ok(l) => seq_repr(&l, "[", "]", out, depth),
            Err(_) => out.push_str("[...]"),
        },
        Value::Tuple(t) => {
            if t.len() == 1 {
                out.push('(');
                repr_into(&t[0], out, depth + 1);
                out.push_str(",)");
            } else {
                seq_repr(t, "(", ")", out, depth)
            }
        }
        Value::Dict(d) => match d.try_borrow_mut() {
            Ok(d) => {
                out.push('{');
                for (i, (k, v)) in d.items().iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    repr_into(k, out, depth + 1);
                    out.push_str(": ");
                    repr_into(v, out, depth + 1);
                }
                out.push('}');
            }
            Err(_) => out.push_str("{...}"),
        },
        Value::Set(d) | Value::FrozenSet(d) => {
            let keys = crate::setorder::display_order(&d.borrow());
            let fz = matches!(v, Value::FrozenSet(_));
            if keys.is_empty() {
                out.push_str(if fz { "frozenset()" } else { "set()" });
            } else {
                if fz {
                    out.push_str("frozenset(");
                }
                seq_repr(&keys, "{", "}", out, depth);
                if fz {
                    out.push(')');
                }
            }
        }
        Value::Range(r) => {
            if r.step == 1 {
                out.push_str(&format!("range({}, {})", r.start, r.stop))
            } else {
                out.push_str(&format!("range({}, {}, {})", r.start, r.stop, r.step))
            }
        }
        Value::Slice(s) => {
            out.push_str("slice(");
            repr_into(&s.0, out, depth + 1);
            out.push_str(", ");
            repr_into(&s.1, out, depth + 1);
            out.push_str(", ");
            repr_into(&s.2, out, depth + 1);
            out.push(')');
        }
        Value::Func(f) => out.push_str(&format!("<function {} at 0x7f0000001000>", f.def.name)),
        Value::Builtin(f) => out.push_str(&format!("<built-in function {}>", f.name())),
        Value::Type(n) => out.push_str(&format!("<class '{}'>", n)),
        Value::Class(c) => out.push_str(&format!("<class '__main__.{}'>", c.name)),
        Value::Instance(i) => out.push_str(&format!(
            "<__main__.{} object at 0x7f0000002000>",
            i.class.name
        )),
        Value::Method(m) => match &m.0 {
            Value::Module(_) => out.push_str(&format!("<built-in function {}>", m.1)),
            o => out.push_str(&format!(
                "<built-in method {} of {} object>",
                m.1,
                o.type_name()
            )),
        },
        Value::Module(n) => out.push_str(&format!("<module '{}' (built-in)>", n)),
        Value::Bound(b) => {
            let fname = match &b.1 {
                Value::Func(f) => f.def.name.to_string(),
                _ => "?".into(),
            };
            out.push_str(&format!(
                "<bound method {}.{} of {}>",
                b.2.name,
                fname,
                repr(&b.0)
            ))
        }
        Value::Super(s) => out.push_str(&format!(
            "<super: <class '{}'>, <{} object>>",
            s.1.name,
            s.0.type_name()
        )),
        Value::Iter(_) => out.push_str(&format!(
            "<{} object at 0x7f0000003000>",
            v.static_type_name()
        )),
        Value::Exc(e) => {
            out.push_str(&v.type_name());
            if e.args.len() == 1 {
                out.push('(');
                repr_into(&e.args[0], out, depth + 1);
                out.push(')');
            } else {
                seq_repr(&e.args, "(", ")", out, depth);
            }
        }
        Value::View(d, what) => {
            out.push_str(v.static_type_name());
            out.push('(');
            let items: Vec<Value> = match what {
                0 => d.borrow().keys(),
                1 => d.borrow().values(),
                _ => d
                    .borrow()
                    .items()
                    .into_iter()
                    .map(|(k, v)| Value::tuple(vec![k, v]))
                    .collect(),
            };
            seq_repr(&items, "[", "]", out, depth);
            out.push(')');
        }
        Value::Undef => out.push_str("<undefined>"),
    }
}

// ---------------------------------------------------------------- equality

/// Python `==` for builtin values (identity for functions/objects).
pub fn eq(a: &Value, b: &Value) -> bool {
    eq_depth(a, b, 0)
}

fn eq_depth(a: &Value, b: &Value, d: usize) -> bool {
    if d > MAX_REPR_DEPTH {
        return false;
    }
    use Value::*;
    match (a, b) {
        (None, None) | (Ellipsis, Ellipsis) | (NotImplemented, NotImplemented) => true,
        (Int(x), Int(y)) => x == y,
        (Float(x), Float(y)) => x == y,
        (Str(x), Str(y)) => x == y,
        (Bool(x), Bool(y)) => x == y,
        (Int(_) | Bool(_) | Big(_), Int(_) | Bool(_) | Big(_)) => a.to_big() == b.to_big(),
        (Float(f), Int(_) | Bool(_) | Big(_)) | (Int(_) | Bool(_) | Big(_), Float(f)) => {
            let i = if let Float(_) = a { b } else { a };
            if !f.is_finite() || f.fract() != 0.0 {
                return false;
            }
            Some(BigInt::from_f64(*f)) == i.to_big()
        }
        (List(x), List(y)) => {
            if Rc::ptr_eq(x, y) {
                return true;
            }
            let (x, y) = (x.borrow(), y.borrow());
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| eq_depth(p, q, d + 1))
        }
        (Tuple(x), Tuple(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| eq_depth(p, q, d + 1))
        }
        (Dict(x), Dict(y)) => {
            if Rc::ptr_eq(x, y) {
                return true;
            }
            let (x, y) = (x.borrow(), y.borrow());
            x.len() == y.len()
                && x.items().iter().all(|(k, v)| match hkey(k) {
                    Ok(h) => y.get(&h).map(|w| eq_depth(v, w, d + 1)).unwrap_or(false),
                    Err(_) => false,
                })
        }
        (Set(x) | FrozenSet(x), Set(y) | FrozenSet(y)) => {
            let (x, y) = (x.borrow(), y.borrow());
            x.len() == y.len()
                && x.keys()
                    .iter()
                    .all(|k| hkey(k).map(|h| y.contains(&h)).unwrap_or(false))
        }
        (Range(x), Range(y)) => {
            let (lx, ly) = (x.len(), y.len());
            lx == ly && (lx == 0 || (x.start == y.start && (lx == 1 || x.step == y.step)))
        }
        (Type(x), Type(y)) | (Module(x), Module(y)) => x == y,
        (Builtin(x), Builtin(y)) => x == y,
        (Func(x), Func(y)) => Rc::ptr_eq(x, y),
        (Class(x), Class(y)) => Rc::ptr_eq(x, y),
        (Instance(x), Instance(y)) => Rc::ptr_eq(x, y),
        (Exc(x), Exc(y)) => Rc::ptr_eq(x, y),
        (Iter(x), Iter(y)) => Rc::ptr_eq(x, y),
        (Slice(x), Slice(y)) => {
            eq_depth(&x.0, &y.0, d + 1)
                && eq_depth(&x.1, &y.1, d + 1)
                && eq_depth(&x.2, &y.2, d + 1)
        }
        (Method(x), Method(y)) => Rc::ptr_eq(x, y),
        _ => false,
    }
}

/// Python `is`: identity for heap objects, value identity for small atoms.
pub fn is(a: &Value, b: &Value) -> bool {
    use Value::*;
    match (a, b) {
        (None, None) | (Ellipsis, Ellipsis) | (NotImplemented, NotImplemented) => true,
        (Bool(x), Bool(y)) => x == y,
        (Int(x), Int(y)) => x == y && (-5..=256).contains(x),
        (Str(x), Str(y)) => Rc::ptr_eq(x, y) || (x.len() <= 1 && x == y),
        (List(x), List(y)) => Rc::ptr_eq(x, y),
        (Tuple(x), Tuple(y)) => Rc::ptr_eq(x, y) || (x.is_empty() && y.is_empty()),
        (Dict(x), Dict(y)) | (Set(x), Set(y)) => Rc::ptr_eq(x, y),
        (Type(_), Type(_)) | (Builtin(_), Builtin(_)) | (Module(_), Module(_)) => eq(a, b),
        (Func(_), Func(_))
        | (Class(_), Class(_))
        | (Instance(_), Instance(_))
        | (Exc(_), Exc(_)) => eq(a, b),
        (Iter(_), Iter(_)) => eq(a, b),
        _ => false,
    }
}
