//! Attributes and methods of builtin values (str, list, dict, set, tuple,
//! int, float, exceptions). Dunder attributes are refused: they are the
//! classic sandbox-escape path (`().__class__.__bases__[0].__subclasses__()`).

use crate::bigint::BigInt;
use crate::interp::{err, Interp, R};
use crate::seq::key_error;
use crate::strmethods::StrMethod;
use crate::value::*;
use std::cell::RefCell;
use std::rc::Rc;

named_enum! {
    /// The methods of `list` (`Interp::list_method`).
    pub enum ListMethod {
        Append = "append",
        Extend = "extend",
        Insert = "insert",
        Pop = "pop",
        Remove = "remove",
        Index = "index",
        Count = "count",
        Sort = "sort",
        Reverse = "reverse",
        Copy = "copy",
        Clear = "clear",
    }
}
named_enum! {
    /// The methods of `dict` (`Interp::dict_method`).
    pub enum DictMethod {
        Get = "get",
        Keys = "keys",
        Values = "values",
        Items = "items",
        Pop = "pop",
        Popitem = "popitem",
        Setdefault = "setdefault",
        Update = "update",
        Copy = "copy",
        Clear = "clear",
    }
}
named_enum! {
    /// The methods of `set`; `frozenset` has those that do not change it.
    pub enum SetMethod {
        Add = "add",
        Remove = "remove",
        Discard = "discard",
        Pop = "pop",
        Union = "union",
        Intersection = "intersection",
        Difference = "difference",
        SymmetricDifference = "symmetric_difference",
        Update = "update",
        IntersectionUpdate = "intersection_update",
        DifferenceUpdate = "difference_update",
        SymmetricDifferenceUpdate = "symmetric_difference_update",
        Issubset = "issubset",
        Issuperset = "issuperset",
        Isdisjoint = "isdisjoint",
        Copy = "copy",
        Clear = "clear",
    }
}

impl SetMethod {
    /// Changes the set (so `frozenset` lacks it).
    fn mutates(self) -> bool {
        self.updates_in_place()
            || matches!(
                self,
                SetMethod::Add
                    | SetMethod::Remove
                    | SetMethod::Discard
                    | SetMethod::Pop
                    | SetMethod::Clear
            )
    }

    /// The `*_update` forms (and `update`): change the set, return None.
    fn updates_in_place(self) -> bool {
        matches!(
            self,
            SetMethod::Update
                | SetMethod::IntersectionUpdate
                | SetMethod::DifferenceUpdate
                | SetMethod::SymmetricDifferenceUpdate
        )
    }
}

/// The `AttributeError` of a method name a builtin type lacks.
fn no_attribute<T>(type_name: &str, name: &str) -> R<T> {
    err(
        "AttributeError",
        format!("'{}' object has no attribute '{}'", type_name, name),
    )
}

fn has_method(v: &Value, name: &str) -> bool {
    match v {
        Value::Str(_) => StrMethod::from_name(name).is_some(),
        Value::List(_) => ListMethod::from_name(name).is_some(),
        Value::Dict(_) => DictMethod::from_name(name).is_some(),
        Value::Set(_) => SetMethod::from_name(name).is_some(),
        Value::FrozenSet(_) => matches!(SetMethod::from_name(name), Some(m) if !m.mutates()),
        Value::Tuple(_) => matches!(name, "count" | "index"),
        Value::Int(_) | Value::Big(_) | Value::Bool(_) => {
            matches!(name, "bit_length" | "conjugate" | "bit_count")
        }
        Value::Float(_) => matches!(name, "is_integer" | "conjugate" | "as_integer_ratio"),
        Value::Type("dict") => name == "fromkeys",
        Value::Type("str") => StrMethod::from_name(name).is_some(),
        Value::Type("int") => name == "from_bytes",
        _ => false,
    }
}

fn arg(args: &[Value], i: usize) -> Value {
    args.get(i).cloned().unwrap_or(Value::None)
}

fn want_str(v: &Value, meth: &str) -> R<Rc<str>> {
    match v {
        Value::Str(s) => Ok(s.clone()),
        o => err(
            "TypeError",
            format!("{}() argument must be str, not {}", meth, o.type_name()),
        ),
    }
}

fn opt_chars(v: &Value, meth: &str) -> R<Option<Vec<char>>> {
    match v {
        Value::None => Ok(None),
        Value::Str(s) => Ok(Some(s.chars().collect())),
        o => err(
            "TypeError",
            format!("{} arg must be None or str, not {}", meth, o.type_name()),
        ),
    }
}

fn py_split_ws(s: &str, maxsplit: i64) -> Vec<Value> {
    let mut out = Vec::new();
    let mut rest = s.trim_start();
    while !rest.is_empty() {
        if maxsplit >= 0 && out.len() as i64 == maxsplit {
            out.push(Value::str(rest));
            return out;
        }
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        out.push(Value::str(&rest[..end]));
        rest = rest[end..].trim_start();
    }
    out
}

impl Interp {
    /// `obj.name(args)`: method call without allocating a bound method.
    #[inline(never)]
    pub fn call_attr_slow(
        &mut self,
        obj: &Value,
        name: &str,
        args: Vec<Value>,
        kw: Vec<(Rc<str>, Value)>,
    ) -> R<Value> {
        match obj {
            Value::Instance(_)
            | Value::Class(_)
            | Value::Module(_)
            | Value::Exc(_)
            | Value::Super(_) => {
                let f = self.getattr(obj, name)?;
                self.call(&f, args, kw)
            }
            _ if has_method(obj, name) => self.call_method(obj, name, args, kw),
            _ => {
                let f = self.getattr(obj, name)?;
                self.call(&f, args, kw)
            }
        }
    }

    #[inline(never)]
    pub fn getattr(&mut self, obj: &Value, name: &str) -> R<Value> {
        match obj {
            Value::Instance(_) | Value::Class(_) => return self.instance_getattr(obj, name),
            Value::Module(m) => return crate::modules::module_attr(m, name),
            Value::Super(_) | Value::Exc(_) => {
                if let Some(v) = self.special_getattr(obj, name)? {
                    return Ok(v);
                }
            }
            _ => {}
        }
        if name.starts_with("__") && name.ends_with("__") {
            if name == "__name__" {
                match obj {
                    Value::Func(f) => return Ok(Value::Str(f.def.name.clone())),
                    Value::Type(t) => return Ok(Value::str(t)),
                    Value::Builtin(f) => return Ok(Value::str(f.name())),
                    _ => {}
                }
            }
            return err(
                "AttributeError",
                format!(
                    "'{}' object attribute '{}' is not accessible in the sandbox",
                    obj.type_name(),
                    name
                ),
            );
        }
        if has_method(obj, name) {
            return Ok(Value::Method(Rc::new((obj.clone(), Rc::from(name)))));
        }
        match (obj, name) {
            (Value::Exc(e), "args") => return Ok(Value::tuple(e.args.clone())),
            (Value::Exc(e), _) => {
                if let Some((_, v)) = e.attrs.borrow().iter().find(|(k, _)| &**k == name) {
                    return Ok(v.clone());
                }
            }
            (Value::Int(_) | Value::Big(_) | Value::Bool(_), "real" | "numerator") => {
                return Ok(Value::from_bigint(
                    obj.to_big().unwrap_or_else(BigInt::zero),
                ))
            }
            (Value::Int(_) | Value::Big(_) | Value::Bool(_), "imag") => return Ok(Value::Int(0)),
            (Value::Int(_) | Value::Big(_) | Value::Bool(_), "denominator") => {
                return Ok(Value::Int(1))
            }
            (Value::Float(f), "real") => return Ok(Value::Float(*f)),
            (Value::Float(_), "imag") => return Ok(Value::Float(0.0)),
            (Value::Range(r), "start") => return Ok(Value::Int(r.start)),
            (Value::Range(r), "stop") => return Ok(Value::Int(r.stop)),
            (Value::Range(r), "step") => return Ok(Value::Int(r.step)),
            _ => {}
        }
        let tn = match obj {
            Value::Type(t) => {
                return err(
                    "AttributeError",
                    format!("type object '{}' has no attribute '{}'", t, name),
                )
            }
            o => o.type_name(),
        };
        err(
            "AttributeError",
            format!("'{}' object has no attribute '{}'", tn, name),
        )
    }

    #[inline(never)]
    pub fn setattr(&mut self, obj: &Value, name: &str, v: Value) -> R<()> {
        if name.starts_with("__")
            && name.ends_with("__")
            && !matches!(obj, Value::Instance(_) | Value::Class(_))
        {
            return err(
                "AttributeError",
                format!("attribute '{}' is not writable in the sandbox", name),
            );
        }
        match obj {
            Value::Instance(i) => {
                set_attr_list(&i.attrs, name, v);
                Ok(())
            }
            Value::Class(c) => {
                set_attr_list(&c.attrs, name, v);
                Ok(())
            }
            Value::Exc(e) => {
                set_attr_list(&e.attrs, name, v);
                Ok(())
            }
            o => err(
                "AttributeError",
                format!("'{}' object has no attribute '{}'", o.type_name(), name),
            ),
        }
    }

    pub fn delattr(&mut self, obj: &Value, name: &str) -> R<()> {
        if let Value::Instance(i) = obj {
            let mut a = i.attrs.borrow_mut();
            if let Some(p) = a.iter().position(|(k, _)| &**k == name) {
                a.remove(p);
                return Ok(());
            }
        }
        err(
            "AttributeError",
            format!("'{}' object has no attribute '{}'", obj.type_name(), name),
        )
    }

    #[inline(never)]
    pub fn call_method(
        &mut self,
        obj: &Value,
        name: &str,
        args: Vec<Value>,
        kw: Vec<(Rc<str>, Value)>,
    ) -> R<Value> {
        if name == "__init__" {
            // builtin base-class __init__ reached through super()
            if let Value::Exc(e) = obj {
                set_attr_list(&e.attrs, "args", Value::tuple(args));
            }
            return Ok(Value::None);
        }
        match obj {
            Value::Str(s) => match StrMethod::from_name(name) {
                Some(m) => self.str_method(s, m, args, kw),
                None => no_attribute("str", name),
            },
            Value::List(l) => match ListMethod::from_name(name) {
                Some(m) => self.list_method(l, m, args, kw),
                None => no_attribute("list", name),
            },
            Value::Dict(d) => match DictMethod::from_name(name) {
                Some(m) => self.dict_method(d, m, args, kw),
                None => no_attribute("dict", name),
            },
            Value::Set(d) | Value::FrozenSet(d) => match SetMethod::from_name(name) {
                Some(m) => self.set_method(obj, d, m, args),
                None => no_attribute("set", name),
            },
            Value::Tuple(t) => self.seq_count_index(t, name, &args),
            Value::Module(m) => crate::modules::call_module_fn(self, m, name, args, kw),
            Value::Type("dict") if name == "fromkeys" => {
                let mut d = Dict::new();
                let v = arg(&args, 1);
                for k in self.collect(&arg(&args, 0))? {
                    self.dict_set(&mut d, k, v.clone())?;
                }
                Ok(Value::Dict(Rc::new(RefCell::new(d))))
            }
            Value::Type("str") if !args.is_empty() => {
                let s = want_str(&args[0], name)?;
                match StrMethod::from_name(name) {
                    Some(m) => self.str_method(&s, m, args[1..].to_vec(), kw),
                    None => no_attribute("str", name),
                }
            }
            Value::Int(_) | Value::Big(_) | Value::Bool(_) => {
                let b = obj.to_big().unwrap_or_else(BigInt::zero);
                match name {
                    "bit_length" => Ok(Value::Int(b.bits() as i64)),
                    "bit_count" => Ok(Value::Int(
                        b.mag.iter().map(|x| x.count_ones() as i64).sum(),
                    )),
                    _ => Ok(Value::from_bigint(b)),
                }
            }
            Value::Float(f) => match name {
                "is_integer" => Ok(Value::Bool(f.is_finite() && f.fract() == 0.0)),
                "as_integer_ratio" => {
                    if !f.is_finite() {
                        return err("OverflowError", "cannot convert Infinity to integer ratio");
                    }
                    let mut num = *f;
                    let mut den = BigInt::from_i64(1);
                    let mut k = 0;
                    while num.fract() != 0.0 && k < 1100 {
                        num *= 2.0;
                        den = den.shl(1);
                        k += 1;
                    }
                    let n = BigInt::from_f64(num);
                    // reduce by common powers of two
                    let (mut n, mut d) = (n, den);
                    while !n.is_zero() && n.mag[0] & 1 == 0 && d.bits() > 1 {
                        n = n.shr(1);
                        d = d.shr(1);
                    }
                    Ok(Value::tuple(vec![
                        Value::from_bigint(n),
                        Value::from_bigint(d),
                    ]))
                }
                _ => Ok(Value::Float(*f)),
            },
            _ => err(
                "AttributeError",
                format!("'{}' object has no attribute '{}'", obj.type_name(), name),
            ),
        }
    }

    fn seq_count_index(&mut self, items: &[Value], name: &str, args: &[Value]) -> R<Value> {
        let x = arg(args, 0);
        if name == "count" {
            let mut n = 0;
            for v in items {
                if self.eq(v, &x)? {
                    n += 1;
                }
            }
            return Ok(Value::Int(n));
        }
        let len = items.len() as i64;
        let norm = |v: i64| if v < 0 { (v + len).max(0) } else { v.min(len) };
        let start = match args.get(1) {
            Some(v) => norm(crate::builtins::to_int_i64(v, "")?),
            None => 0,
        };
        let stop = match args.get(2) {
            Some(v) => norm(crate::builtins::to_int_i64(v, "")?),
            None => len,
        };
        for i in start..stop {
            if self.eq(&items[i as usize], &x)? {
                return Ok(Value::Int(i));
            }
        }
        err("ValueError", "tuple.index(x): x not in tuple")
    }

    #[inline(never)]
    fn list_method(
        &mut self,
        l: &Rc<RefCell<Vec<Value>>>,
        m: ListMethod,
        args: Vec<Value>,
        kw: Vec<(Rc<str>, Value)>,
    ) -> R<Value> {
        match m {
            ListMethod::Append => {
                if args.len() != 1 {
                    return err(
                        "TypeError",
                        format!(
                            "list.append() takes exactly one argument ({} given)",
                            args.len()
                        ),
                    );
                }
                let n = l.borrow().len();
                if n % 4096 == 4095 {
                    self.check_alloc((n as u128 + 1) * 16)?;
                }
                l.borrow_mut().push(arg(&args, 0));
            }
            ListMethod::Extend => {
                let items = self.collect(&arg(&args, 0))?;
                self.check_alloc((l.borrow().len() + items.len()) as u128 * 16)?;
                l.borrow_mut().extend(items);
            }
            ListMethod::Insert => {
                let i = crate::builtins::to_int_i64(&arg(&args, 0), "")?;
                let n = l.borrow().len() as i64;
                let p = if i < 0 { (i + n).max(0) } else { i.min(n) };
                l.borrow_mut().insert(p as usize, arg(&args, 1));
            }
            ListMethod::Pop => {
                let n = l.borrow().len() as i64;
                if n == 0 {
                    return err("IndexError", "pop from empty list");
                }
                let i = match args.first() {
                    Some(v) => crate::builtins::to_int_i64(v, "")?,
                    None => -1,
                };
                let p = if i < 0 { i + n } else { i };
                if p < 0 || p >= n {
                    return err("IndexError", "pop index out of range");
                }
                return Ok(l.borrow_mut().remove(p as usize));
            }
            ListMethod::Remove => {
                let x = arg(&args, 0);
                let items = l.borrow().clone();
                for (i, v) in items.iter().enumerate() {
                    if self.eq(v, &x)? {
                        l.borrow_mut().remove(i);
                        return Ok(Value::None);
                    }
                }
                return err("ValueError", "list.remove(x): x not in list");
            }
            ListMethod::Index => {
                let items = l.borrow().clone();
                return match self.seq_count_index(&items, "index", &args) {
                    Ok(v) => Ok(v),
                    Err(_) => {
                        let r = self.repr(&arg(&args, 0))?;
                        err("ValueError", format!("{} is not in list", r))
                    }
                };
            }
            ListMethod::Count => {
                let items = l.borrow().clone();
                return self.seq_count_index(&items, "count", &args);
            }
            ListMethod::Sort => {
                let items = l.borrow().clone();
                let key = kw.iter().find(|(k, _)| &**k == "key").map(|x| x.1.clone());
                let rev = match kw.iter().find(|(k, _)| &**k == "reverse") {
                    Some((_, v)) => self.truthy(v)?,
                    None => false,
                };
                let sorted = self.sort_values(items, key.as_ref(), rev)?;
                *l.borrow_mut() = sorted;
            }
            ListMethod::Reverse => l.borrow_mut().reverse(),
            ListMethod::Copy => return Ok(Value::list(l.borrow().clone())),
            ListMethod::Clear => l.borrow_mut().clear(),
        }
        Ok(Value::None)
    }

    #[inline(never)]
    fn dict_method(
        &mut self,
        d: &Rc<RefCell<Dict>>,
        m: DictMethod,
        args: Vec<Value>,
        kw: Vec<(Rc<str>, Value)>,
    ) -> R<Value> {
        match m {
            DictMethod::Get => {
                let h = self.hash(&arg(&args, 0))?;
                Ok(d.borrow().get(&h).cloned().unwrap_or_else(|| arg(&args, 1)))
            }
            DictMethod::Keys => Ok(Value::View(d.clone(), 0)),
            DictMethod::Values => Ok(Value::View(d.clone(), 1)),
            DictMethod::Items => Ok(Value::View(d.clone(), 2)),
            DictMethod::Pop => {
                let k = arg(&args, 0);
                let h = self.hash(&k)?;
                let r = d.borrow_mut().remove(&h);
                match r {
                    Some((_, v)) => Ok(v),
                    None if args.len() > 1 => Ok(arg(&args, 1)),
                    None => Err(key_error(k)),
                }
            }
            DictMethod::Popitem => {
                let r = d.borrow_mut().pop_last();
                match r {
                    Some((k, v)) => Ok(Value::tuple(vec![k, v])),
                    None => err("KeyError", "popitem(): dictionary is empty"),
                }
            }
            DictMethod::Setdefault => {
                let k = arg(&args, 0);
                let h = self.hash(&k)?;
                let cur = d.borrow().get(&h).cloned();
                match cur {
                    Some(v) => Ok(v),
                    None => {
                        let v = arg(&args, 1);
                        d.borrow_mut().insert(h, k, v.clone());
                        Ok(v)
                    }
                }
            }
            DictMethod::Update => {
                if let Some(src) = args.first() {
                    let mut tmp = Dict::new();
                    self.dict_update(&mut tmp, src)?;
                    for (k, v) in tmp.items() {
                        let h = self.hash(&k)?;
                        d.borrow_mut().insert(h, k, v);
                    }
                }
                for (k, v) in kw {
                    d.borrow_mut()
                        .insert(HKey::Str(k.clone()), Value::Str(k), v);
                }
                Ok(Value::None)
            }
            DictMethod::Copy => {
                let mut n = Dict::new();
                for (k, v) in d.borrow().items() {
                    let h = self.hash(&k)?;
                    n.insert(h, k, v);
                }
                Ok(Value::Dict(Rc::new(RefCell::new(n))))
            }
            DictMethod::Clear => {
                d.borrow_mut().clear();
                Ok(Value::None)
            }
        }
    }

    #[inline(never)]
    fn set_method(
        &mut self,
        obj: &Value,
        d: &Rc<RefCell<Dict>>,
        m: SetMethod,
        args: Vec<Value>,
    ) -> R<Value> {
        let wrap = |dd: Dict| -> Value {
            match obj {
                Value::FrozenSet(_) => Value::FrozenSet(Rc::new(RefCell::new(dd))),
                _ => Value::Set(Rc::new(RefCell::new(dd))),
            }
        };
        let mut others: Vec<Dict> = Vec::new();
        if !matches!(
            m,
            SetMethod::Add
                | SetMethod::Remove
                | SetMethod::Discard
                | SetMethod::Pop
                | SetMethod::Copy
                | SetMethod::Clear
        ) {
            for a in args.iter() {
                let mut o = Dict::new();
                for x in self.collect(a)? {
                    self.set_add(&mut o, x)?;
                }
                others.push(o);
            }
        }
        let mine = d.borrow().keys();
        let in_all = |k: &Value, ds: &[Dict]| {
            hkey(k)
                .map(|h| ds.iter().all(|o| o.contains(&h)))
                .unwrap_or(false)
        };
        let in_any = |k: &Value, ds: &[Dict]| {
            hkey(k)
                .map(|h| ds.iter().any(|o| o.contains(&h)))
                .unwrap_or(false)
        };
        match m {
            SetMethod::Add => {
                let h = self.hash(&arg(&args, 0))?;
                d.borrow_mut().insert(h, arg(&args, 0), Value::None);
                Ok(Value::None)
            }
            SetMethod::Remove | SetMethod::Discard => {
                let k = arg(&args, 0);
                let h = self.hash(&k)?;
                let r = d.borrow_mut().remove(&h);
                if r.is_none() && m == SetMethod::Remove {
                    return Err(key_error(k));
                }
                Ok(Value::None)
            }
            SetMethod::Pop => {
                let first = crate::setorder::display_order(&d.borrow())
                    .into_iter()
                    .next();
                match first {
                    Some(k) => {
                        let h = self.hash(&k)?;
                        d.borrow_mut().remove(&h);
                        Ok(k)
                    }
                    None => err("KeyError", "pop from an empty set"),
                }
            }
            SetMethod::Copy => {
                let mut n = Dict::new();
                for k in mine {
                    self.set_add(&mut n, k)?;
                }
                Ok(wrap(n))
            }
            SetMethod::Clear => {
                d.borrow_mut().clear();
                Ok(Value::None)
            }
            SetMethod::Union | SetMethod::Update => {
                let mut n = Dict::new();
                for k in mine.into_iter().chain(others.iter().flat_map(|o| o.keys())) {
                    self.set_add(&mut n, k)?;
                }
                if m == SetMethod::Update {
                    *d.borrow_mut() = n;
                    return Ok(Value::None);
                }
                Ok(wrap(n))
            }
            SetMethod::Intersection
            | SetMethod::IntersectionUpdate
            | SetMethod::Difference
            | SetMethod::DifferenceUpdate => {
                let keep_common =
                    matches!(m, SetMethod::Intersection | SetMethod::IntersectionUpdate);
                let mut n = Dict::new();
                for k in mine {
                    let keep = if keep_common {
                        in_all(&k, &others)
                    } else {
                        !in_any(&k, &others)
                    };
                    if keep {
                        self.set_add(&mut n, k)?;
                    }
                }
                if m.updates_in_place() {
                    *d.borrow_mut() = n;
                    return Ok(Value::None);
                }
                Ok(wrap(n))
            }
            SetMethod::SymmetricDifference | SetMethod::SymmetricDifferenceUpdate => {
                let mut n = Dict::new();
                let me = d.borrow();
                for k in mine.iter() {
                    if !in_any(k, &others) {
                        self.set_add(&mut n, k.clone())?;
                    }
                }
                for k in others.iter().flat_map(|o| o.keys()) {
                    if !hkey(&k).map(|h| me.contains(&h)).unwrap_or(false) {
                        self.set_add(&mut n, k)?;
                    }
                }
                drop(me);
                if m.updates_in_place() {
                    *d.borrow_mut() = n;
                    return Ok(Value::None);
                }
                Ok(wrap(n))
            }
            SetMethod::Issubset => Ok(Value::Bool(mine.iter().all(|k| in_all(k, &others)))),
            SetMethod::Issuperset => {
                let me = d.borrow();
                Ok(Value::Bool(others.iter().all(|o| {
                    o.keys()
                        .iter()
                        .all(|k| hkey(k).map(|h| me.contains(&h)).unwrap_or(false))
                })))
            }
            SetMethod::Isdisjoint => Ok(Value::Bool(!mine.iter().any(|k| in_any(k, &others)))),
        }
    }
}

pub fn set_attr_list(attrs: &RefCell<Vec<(Rc<str>, Value)>>, name: &str, v: Value) {
    let mut a = attrs.borrow_mut();
    match a.iter_mut().find(|(k, _)| &**k == name) {
        Some(slot) => slot.1 = v,
        None => a.push((Rc::from(name), v)),
    }
}

pub fn split_ws(s: &str, maxsplit: i64) -> Vec<Value> {
    py_split_ws(s, maxsplit)
}

pub fn strip_chars(s: &str, chars: &Option<Vec<char>>, left: bool, right: bool) -> String {
    let pred = |c: char| match chars {
        Some(cs) => cs.contains(&c),
        None => c.is_whitespace(),
    };
    let mut r: &str = s;
    if left {
        r = r.trim_start_matches(pred);
    }
    if right {
        r = r.trim_end_matches(pred);
    }
    r.to_string()
}

pub fn opt_chars_arg(v: &Value, meth: &str) -> R<Option<Vec<char>>> {
    opt_chars(v, meth)
}
