//! Indexing, slicing and iteration over builtin containers.

use crate::bigint::BigInt;
use crate::interp::{err, Interp, R};
use crate::value::*;
use std::cell::RefCell;
use std::rc::Rc;

/// Normalized slice bounds for a sequence of length `len` (CPython's
/// PySlice_AdjustIndices).
pub fn slice_indices(len: i64, lo: Option<i64>, hi: Option<i64>, step: i64) -> (i64, i64, i64) {
    let adjust = |v: Option<i64>, dflt: i64, lower: i64, upper: i64| -> i64 {
        match v {
            None => dflt,
            Some(mut x) => {
                if x < 0 {
                    x += len;
                    if x < lower {
                        x = lower;
                    }
                } else if x > upper {
                    x = upper;
                }
                x
            }
        }
    };
    if step > 0 {
        (adjust(lo, 0, 0, len), adjust(hi, len, 0, len), step)
    } else {
        (
            adjust(lo, len - 1, -1, len - 1),
            adjust(hi, -1, -1, len - 1),
            step,
        )
    }
}

fn slice_positions(len: usize, lo: Option<i64>, hi: Option<i64>, step: i64) -> Vec<usize> {
    let (start, stop, step) = slice_indices(len as i64, lo, hi, step);
    let mut out = Vec::new();
    let mut i = start;
    while (step > 0 && i < stop) || (step < 0 && i > stop) {
        out.push(i as usize);
        i += step;
    }
    out
}

impl Interp {
    pub fn index_of(&mut self, v: &Value) -> R<Option<i64>> {
        match v {
            Value::None => Ok(None),
            Value::Int(i) => Ok(Some(*i)),
            Value::Bool(b) => Ok(Some(*b as i64)),
            Value::Big(b) => Ok(Some(if b.neg { i64::MIN / 2 } else { i64::MAX / 2 })),
            _ => err(
                "TypeError",
                "slice indices must be integers or None or have an __index__ method",
            ),
        }
    }

    fn slice_args(&mut self, s: &(Value, Value, Value)) -> R<(Option<i64>, Option<i64>, i64)> {
        let lo = self.index_of(&s.0)?;
        let hi = self.index_of(&s.1)?;
        let step = self.index_of(&s.2)?.unwrap_or(1);
        if step == 0 {
            return err("ValueError", "slice step cannot be zero");
        }
        Ok((lo, hi, step))
    }

    fn seq_index(&mut self, idx: &Value, len: usize, what: &str) -> R<usize> {
        let i = match idx {
            Value::Int(i) => *i,
            Value::Bool(b) => *b as i64,
            Value::Big(_) => {
                return err("IndexError", "cannot fit 'int' into an index-sized integer");
            }
            o => {
                return err(
                    "TypeError",
                    format!(
                        "{} indices must be integers or slices, not {}",
                        what,
                        o.type_name()
                    ),
                )
            }
        };
        let j = if i < 0 { i + len as i64 } else { i };
        if j < 0 || j >= len as i64 {
            let m = if what == "str" {
                "string index out of range".to_string()
            } else {
                format!("{} index out of range", what)
            };
            return err("IndexError", m);
        }
        Ok(j as usize)
    }

    #[inline(never)]
    pub fn getitem_slow(&mut self, o: &Value, idx: &Value) -> R<Value> {
        match (o, idx) {
            (Value::List(l), Value::Slice(s)) => {
                let (a, b, c) = self.slice_args(s)?;
                let l = l.borrow();
                Ok(Value::list(
                    slice_positions(l.len(), a, b, c)
                        .into_iter()
                        .map(|i| l[i].clone())
                        .collect(),
                ))
            }
            (Value::Tuple(t), Value::Slice(s)) => {
                let (a, b, c) = self.slice_args(s)?;
                Ok(Value::tuple(
                    slice_positions(t.len(), a, b, c)
                        .into_iter()
                        .map(|i| t[i].clone())
                        .collect(),
                ))
            }
            (Value::Str(st), Value::Slice(s)) => {
                let (a, b, c) = self.slice_args(s)?;
                if st.is_ascii() {
                    let bytes = st.as_bytes();
                    let out: Vec<u8> = slice_positions(st.len(), a, b, c)
                        .into_iter()
                        .map(|i| bytes[i])
                        .collect();
                    return Ok(Value::str(&String::from_utf8_lossy(&out)));
                }
                let chars: Vec<char> = st.chars().collect();
                Ok(Value::str(
                    &slice_positions(chars.len(), a, b, c)
                        .into_iter()
                        .map(|i| chars[i])
                        .collect::<String>(),
                ))
            }
            (Value::Range(r), Value::Slice(s)) => {
                let (a, b, c) = self.slice_args(s)?;
                let (start, stop, step) = slice_indices(r.len(), a, b, c);
                Ok(Value::Range(Rc::new(Range {
                    start: r.get(start),
                    stop: r.get(stop),
                    step: r.step * step,
                })))
            }
            (Value::List(l), i) => {
                let n = l.borrow().len();
                let j = self.seq_index(i, n, "list")?;
                Ok(l.borrow()[j].clone())
            }
            (Value::Tuple(t), i) => {
                let j = self.seq_index(i, t.len(), "tuple")?;
                Ok(t[j].clone())
            }
            (Value::Str(s), i) => {
                if s.is_ascii() {
                    let j = self.seq_index(i, s.len(), "str")?;
                    return Ok(Value::str(&s[j..j + 1]));
                }
                let n = s.chars().count();
                let j = self.seq_index(i, n, "str")?;
                Ok(Value::str(
                    &s.chars().nth(j).map(|c| c.to_string()).unwrap_or_default(),
                ))
            }
            (Value::Range(r), i) => {
                let j = self.seq_index(i, r.len() as usize, "range object")?;
                Ok(Value::Int(r.get(j as i64)))
            }
            (Value::Dict(d), k) => {
                let h = self.hash(k)?;
                let v = d.borrow().get(&h).cloned();
                match v {
                    Some(v) => Ok(v),
                    None => Err(key_error(k.clone())),
                }
            }
            (Value::Instance(_), _) => self.instance_getitem(o, idx),
            (Value::Type(_), _) => Ok(o.clone()),
            _ => err(
                "TypeError",
                format!("'{}' object is not subscriptable", o.type_name()),
            ),
        }
    }

    #[inline(never)]
    pub fn setitem_slow(&mut self, o: &Value, idx: Value, v: Value) -> R<()> {
        match (o, &idx) {
            (Value::List(l), Value::Slice(s)) => {
                let (a, b, c) = self.slice_args(s)?;
                let vals = self.collect(&v)?;
                let len = l.borrow().len();
                if c == 1 {
                    let (start, stop, _) = slice_indices(len as i64, a, b, 1);
                    let stop = stop.max(start);
                    l.borrow_mut().splice(start as usize..stop as usize, vals);
                    return Ok(());
                }
                let pos = slice_positions(len, a, b, c);
                if pos.len() != vals.len() {
                    return err(
                        "ValueError",
                        format!(
                            "attempt to assign sequence of size {} to extended slice of size {}",
                            vals.len(),
                            pos.len()
                        ),
                    );
                }
                let mut lm = l.borrow_mut();
                for (p, x) in pos.into_iter().zip(vals) {
                    lm[p] = x;
                }
                Ok(())
            }
            (Value::List(l), i) => {
                let n = l.borrow().len();
                let j = match self.seq_index(i, n, "list") {
                    Ok(j) => j,
                    Err(_) if i.is_int() => {
                        return err("IndexError", "list assignment index out of range")
                    }
                    Err(e) => return Err(e),
                };
                l.borrow_mut()[j] = v;
                Ok(())
            }
            (Value::Dict(d), _) => {
                let h = self.hash(&idx)?;
                d.borrow_mut().insert(h, idx, v);
                Ok(())
            }
            (Value::Instance(_), _) => self.instance_setitem(o, idx, v),
            _ => err(
                "TypeError",
                format!(
                    "'{}' object does not support item assignment",
                    o.type_name()
                ),
            ),
        }
    }

    #[inline(never)]
    pub fn delitem(&mut self, o: &Value, idx: &Value) -> R<()> {
        match (o, idx) {
            (Value::List(l), Value::Slice(s)) => {
                let (a, b, c) = self.slice_args(s)?;
                let len = l.borrow().len();
                let mut pos = slice_positions(len, a, b, c);
                pos.sort_unstable();
                let mut lm = l.borrow_mut();
                for p in pos.into_iter().rev() {
                    lm.remove(p);
                }
                Ok(())
            }
            (Value::List(l), i) => {
                let n = l.borrow().len();
                let j = match self.seq_index(i, n, "list") {
                    Ok(j) => j,
                    Err(_) if i.is_int() => {
                        return err("IndexError", "list assignment index out of range")
                    }
                    Err(e) => return Err(e),
                };
                l.borrow_mut().remove(j);
                Ok(())
            }
            (Value::Dict(d), k) => {
                let h = self.hash(k)?;
                if d.borrow_mut().remove(&h).is_none() {
                    return Err(key_error(k.clone()));
                }
                Ok(())
            }
            _ => err(
                "TypeError",
                format!("'{}' object does not support item deletion", o.type_name()),
            ),
        }
    }

    // ------------------------------------------------------------ iteration

    pub fn is_iterable(&self, v: &Value) -> bool {
        matches!(
            v,
            Value::List(_)
                | Value::Tuple(_)
                | Value::Str(_)
                | Value::Range(_)
                | Value::Dict(_)
                | Value::Set(_)
                | Value::FrozenSet(_)
                | Value::Iter(_)
                | Value::View(..)
                | Value::Instance(_)
        )
    }

    #[inline(never)]
    pub fn make_iter(&mut self, v: &Value) -> R<IterState> {
        Ok(match v {
            Value::List(l) => IterState::List(l.clone(), 0),
            Value::Tuple(t) => IterState::Tuple(t.clone(), 0),
            Value::Str(s) => IterState::Str(s.clone(), 0),
            Value::Range(r) => IterState::Range(r.start, r.stop, r.step),
            Value::Dict(d) => {
                let n = d.borrow().len();
                IterState::Dict(d.clone(), 0, n, 0)
            }
            Value::Set(d) | Value::FrozenSet(d) => {
                let order = crate::setorder::display_order(&d.borrow());
                IterState::Vec(order, 0)
            }
            Value::Iter(rc) => IterState::Shared(rc.clone()),
            Value::View(d, what) => {
                let n = d.borrow().len();
                IterState::Dict(d.clone(), 0, n, *what)
            }
            Value::Instance(_) => self.instance_iter(v)?,
            o => {
                return err(
                    "TypeError",
                    format!("'{}' object is not iterable", o.type_name()),
                )
            }
        })
    }

    /// A Python iterator object (`iter(x)`).
    pub fn iter_value(&mut self, v: &Value) -> R<Value> {
        if let Value::Iter(_) = v {
            return Ok(v.clone());
        }
        let st = self.make_iter(v)?;
        Ok(Value::iter(st))
    }

    /// Next item of an iterator. The common kinds are handled here; the
    /// rest in `iter_next_cold` (a small dispatcher: wasmi charges fuel for
    /// a function's whole straight-line body on entry).
    pub fn iter_next(&mut self, st: &mut IterState) -> R<Option<Value>> {
        match st {
            IterState::Range(cur, stop, step) => {
                if (*step > 0 && *cur < *stop) || (*step < 0 && *cur > *stop) {
                    let v = *cur;
                    *cur = cur.saturating_add(*step);
                    Ok(Some(Value::Int(v)))
                } else {
                    Ok(None)
                }
            }
            IterState::List(l, i) => {
                let v = l.borrow().get(*i).cloned();
                *i += 1;
                Ok(v)
            }
            IterState::Gen(g) => self.gen_next(g),
            _ => self.iter_next_cold(st),
        }
    }

    #[inline(never)]
    fn iter_next_cold(&mut self, st: &mut IterState) -> R<Option<Value>> {
        Ok(match st {
            IterState::List(l, i) => {
                let v = l.borrow().get(*i).cloned();
                *i += 1;
                v
            }
            IterState::Tuple(t, i) => {
                let v = t.get(*i).cloned();
                *i += 1;
                v
            }
            IterState::Str(s, i) => match s[*i..].chars().next() {
                Some(c) => {
                    *i += c.len_utf8();
                    let mut b = [0u8; 4];
                    Some(Value::str(c.encode_utf8(&mut b)))
                }
                None => None,
            },
            IterState::Range(cur, stop, step) => {
                if (*step > 0 && *cur < *stop) || (*step < 0 && *cur > *stop) {
                    let v = *cur;
                    *cur = cur.saturating_add(*step);
                    Some(Value::Int(v))
                } else {
                    None
                }
            }
            IterState::Dict(d, pos, start_len, what) => {
                let db = d.borrow();
                if db.len() != *start_len {
                    drop(db);
                    *st = IterState::Done;
                    return err("RuntimeError", "dictionary changed size during iteration");
                }
                loop {
                    match db.entry_at(*pos) {
                        None => break None,
                        Some(None) => *pos += 1,
                        Some(Some((k, v))) => {
                            *pos += 1;
                            break Some(match what {
                                0 => k.clone(),
                                1 => v.clone(),
                                _ => Value::tuple(vec![k.clone(), v.clone()]),
                            });
                        }
                    }
                }
            }
            IterState::Vec(v, i) => {
                let r = v.get(*i).cloned();
                *i += 1;
                r
            }
            IterState::Enumerate(it, n) => {
                let inner = it.clone();
                match self.next_value(&inner)? {
                    Some(x) => {
                        let cur = n.clone();
                        *n = self.binop(crate::ast::BinOp::Add, &cur, &Value::Int(1))?;
                        Some(Value::tuple(vec![cur, x]))
                    }
                    None => None,
                }
            }
            IterState::Zip(its) => {
                let its = its.clone();
                let mut out = Vec::with_capacity(its.len());
                for it in its.iter() {
                    match self.next_value(it)? {
                        Some(x) => out.push(x),
                        None => return Ok(None),
                    }
                }
                if out.is_empty() {
                    None
                } else {
                    Some(Value::tuple(out))
                }
            }
            IterState::Map(func, its) => {
                let (func, its) = (func.clone(), its.clone());
                let mut args = Vec::with_capacity(its.len());
                for it in its.iter() {
                    match self.next_value(it)? {
                        Some(x) => args.push(x),
                        None => return Ok(None),
                    }
                }
                Some(self.call(&func, args, Vec::new())?)
            }
            IterState::Filter(func, it) => {
                let (func, it) = (func.clone(), it.clone());
                loop {
                    match self.next_value(&it)? {
                        Some(x) => {
                            let keep = if let Value::None = func {
                                self.truthy(&x)?
                            } else {
                                let r = self.call(&func, vec![x.clone()], Vec::new())?;
                                self.truthy(&r)?
                            };
                            if keep {
                                break Some(x);
                            }
                        }
                        None => break None,
                    }
                }
            }
            IterState::Reversed(seq, i) => {
                if *i < 0 {
                    None
                } else {
                    let seq = seq.clone();
                    let idx = Value::Int(*i);
                    *i -= 1;
                    match &seq {
                        Value::List(l) if (idx_i(&idx) as usize) >= l.borrow().len() => None,
                        _ => Some(self.getitem(&seq, &idx)?),
                    }
                }
            }
            IterState::Gen(g) => self.gen_next(g)?,
            IterState::Shared(rc) => {
                let rc = rc.clone();
                return self.next_value(&Value::Iter(rc));
            }
            IterState::Done => None,
        })
    }

    /// `next()` on an iterator value.
    pub fn next_value(&mut self, it: &Value) -> R<Option<Value>> {
        match it {
            Value::Iter(rc) => {
                let mut st = match rc.try_borrow_mut() {
                    Ok(mut s) => std::mem::replace(&mut *s, IterState::Done),
                    Err(_) => return err("ValueError", "generator already executing"),
                };
                let r = self.iter_next(&mut st);
                if let Ok(mut s) = rc.try_borrow_mut() {
                    *s = st;
                }
                r
            }
            o => err(
                "TypeError",
                format!("'{}' object is not an iterator", o.type_name()),
            ),
        }
    }

    /// Materialize any iterable into a vector (bounded by the memory limit).
    #[inline(never)]
    pub fn collect(&mut self, v: &Value) -> R<Vec<Value>> {
        match v {
            Value::List(l) => return Ok(l.borrow().clone()),
            Value::Tuple(t) => return Ok((**t).clone()),
            Value::Range(r) => {
                self.check_alloc(r.len() as u128 * 16)?;
                let mut out = Vec::with_capacity(r.len() as usize);
                for i in 0..r.len() {
                    out.push(Value::Int(r.get(i)));
                }
                return Ok(out);
            }
            _ => {}
        }
        let mut st = self.make_iter(v)?;
        let mut out = Vec::new();
        while let Some(x) = self.iter_next(&mut st)? {
            out.push(x);
            if out.len() % 4096 == 0 {
                self.check_alloc(out.len() as u128 * 16)?;
            }
        }
        Ok(out)
    }

    #[inline(never)]
    pub fn len_of(&mut self, v: &Value) -> R<usize> {
        Ok(match v {
            Value::Str(s) => {
                if s.is_ascii() {
                    s.len()
                } else {
                    s.chars().count()
                }
            }
            Value::List(l) => l.borrow().len(),
            Value::Tuple(t) => t.len(),
            Value::Dict(d) | Value::Set(d) | Value::FrozenSet(d) | Value::View(d, _) => {
                d.borrow().len()
            }
            Value::Range(r) => r.len() as usize,
            Value::Instance(_) => return self.instance_len(v),
            o => {
                return err(
                    "TypeError",
                    format!("object of type '{}' has no len()", o.type_name()),
                )
            }
        })
    }
}

/// `KeyError(key)` (its str is the key's repr).
pub fn key_error(k: Value) -> crate::interp::Ctrl {
    let e = Exc {
        typ: Value::Type("KeyError"),
        args: vec![k],
        attrs: RefCell::new(Vec::new()),
    };
    crate::interp::Ctrl::Exc(Box::new(crate::interp::PyExc {
        val: Value::Exc(Rc::new(e)),
        line: None,
    }))
}

fn idx_i(v: &Value) -> i64 {
    match v {
        Value::Int(i) => *i,
        _ => 0,
    }
}

pub fn big_from_usize(n: usize) -> BigInt {
    BigInt::from_i64(n as i64)
}
