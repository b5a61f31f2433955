//! Fast paths in front of the general (large) operations: list/tuple/dict
//! indexing, `len`/`abs`, `list.append`, instance attributes and method
//! calls. Each checks a common case and otherwise defers to the `*_slow`
//! function, which handles every case (including all errors), so results
//! are identical. They exist for wasmi: it charges fuel for a called
//! function's whole straight-line body on entry and executes every wasm
//! instruction in an interpreter, so small front functions matter.

use crate::ast::{Arg, Expr};
use crate::builtins::Builtin;
use crate::interp::{Interp, R};
use crate::value::*;
use std::rc::Rc;

/// Index `i` of a sequence of length `n` (negative from the end), if in range.
#[inline(always)]
fn index_in(i: i64, n: usize) -> Option<usize> {
    let j = if i < 0 { i + n as i64 } else { i };
    if j >= 0 && (j as u64) < n as u64 {
        Some(j as usize)
    } else {
        None
    }
}

impl Interp {
    /// `o[idx]`
    pub fn getitem(&mut self, o: &Value, idx: &Value) -> R<Value> {
        match (o, idx) {
            (Value::List(l), Value::Int(i)) => {
                let l = l.borrow();
                if let Some(j) = index_in(*i, l.len()) {
                    return Ok(l[j].clone());
                }
            }
            (Value::Tuple(t), Value::Int(i)) => {
                if let Some(j) = index_in(*i, t.len()) {
                    return Ok(t[j].clone());
                }
            }
            (Value::Dict(d), Value::Int(_) | Value::Str(_)) => {
                if let Ok(h) = hkey(idx) {
                    if let Some(v) = d.borrow().get(&h) {
                        return Ok(v.clone());
                    }
                }
            }
            _ => {}
        }
        self.getitem_slow(o, idx)
    }

    /// `o[idx] = v`
    pub fn setitem(&mut self, o: &Value, idx: Value, v: Value) -> R<()> {
        match (o, &idx) {
            (Value::List(l), Value::Int(i)) => {
                let mut l = l.borrow_mut();
                if let Some(j) = index_in(*i, l.len()) {
                    let old = std::mem::replace(&mut l[j], v);
                    drop(l);
                    old.release();
                    return Ok(());
                }
            }
            (Value::Dict(d), Value::Int(_) | Value::Str(_)) => {
                if let Ok(h) = hkey(&idx) {
                    d.borrow_mut().insert(h, idx, v);
                    return Ok(());
                }
            }
            _ => {}
        }
        self.setitem_slow(o, idx, v)
    }

    /// Call builtin function `f`.
    pub fn call_builtin(
        &mut self,
        f: Builtin,
        args: Vec<Value>,
        kw: Vec<(Rc<str>, Value)>,
    ) -> R<Value> {
        if args.len() == 1 && kw.is_empty() {
            match (f, &args[0]) {
                (Builtin::Len, Value::List(l)) => return Ok(Value::Int(l.borrow().len() as i64)),
                (Builtin::Len, Value::Tuple(t)) => return Ok(Value::Int(t.len() as i64)),
                (Builtin::Abs, Value::Int(i)) if *i != i64::MIN => return Ok(Value::Int(i.abs())),
                _ => {}
            }
        }
        self.call_builtin_slow(f, args, kw)
    }

    /// `obj.name(args)`
    pub fn call_attr(
        &mut self,
        obj: &Value,
        name: &str,
        mut args: Vec<Value>,
        kw: Vec<(Rc<str>, Value)>,
    ) -> R<Value> {
        if let (Value::List(l), "append") = (obj, name) {
            if args.len() == 1 && kw.is_empty() {
                let n = l.borrow().len();
                if n % 4096 != 4095 {
                    if let Some(v) = args.pop() {
                        l.borrow_mut().push(v);
                        return Ok(Value::None);
                    }
                }
            }
        }
        if let (Value::Dict(d), "get") = (obj, name) {
            if (args.len() == 1 || args.len() == 2) && kw.is_empty() {
                if let Value::Int(_) | Value::Str(_) = &args[0] {
                    if let Ok(h) = hkey(&args[0]) {
                        let found = d.borrow().get(&h).cloned();
                        return Ok(match found {
                            Some(v) => v,
                            None if args.len() == 2 => args.pop().unwrap_or(Value::None),
                            None => Value::None,
                        });
                    }
                }
            }
        }
        self.call_attr_slow(obj, name, args, kw)
    }

    /// `obj.name` for an attribute stored on an instance itself.
    #[inline(never)]
    pub fn eval_attr(&mut self, obj: &Expr, name: &str, f: &Rc<Frame>) -> R<Value> {
        let o = self.eval_leaf(obj, f)?;
        if let Value::Instance(i) = &o {
            if let Some((_, v)) = i.attrs.borrow().iter().find(|(k, _)| &**k == name) {
                return Ok(v.clone());
            }
        }
        self.getattr(&o, name)
    }

    /// `obj.name(args)` where `obj` is an instance. As in CPython, the
    /// attribute is looked up before the arguments are evaluated. When it is
    /// a plain function of the class taking the arguments positionally, it
    /// runs with `self` in the first slot without allocating a bound
    /// method. None when `obj` is not an instance (nothing evaluated).
    #[inline(never)]
    pub fn call_instance_method(
        &mut self,
        o: &Value,
        name: &str,
        args: &[Arg],
        f: &Rc<Frame>,
    ) -> Option<R<Value>> {
        let inst = match o {
            Value::Instance(i) => i,
            _ => return None,
        };
        let own = name == "__class__" || inst.attrs.borrow().iter().any(|(k, _)| &**k == name);
        let method = if own {
            None
        } else {
            match crate::classes::class_lookup(&inst.class, name) {
                Some((Value::Func(func), owner))
                    if crate::interp::positional_only(&func.def, args.len() + 1)
                        && args.iter().all(|a| matches!(a, Arg::Pos(_))) =>
                {
                    Some((func, owner))
                }
                _ => None,
            }
        };
        let (func, owner) = match method {
            Some(m) => m,
            None => return Some(self.call_looked_up(o, name, args, f)),
        };
        let frame = self.new_frame(&func);
        frame.slots.borrow_mut().push(o.clone());
        for a in args {
            if let Arg::Pos(e) = a {
                match self.eval_leaf(e, f) {
                    Ok(v) => frame.slots.borrow_mut().push(v),
                    Err(e) => return Some(Err(e)),
                }
            }
        }
        frame
            .slots
            .borrow_mut()
            .resize(func.def.nslots as usize, Value::Undef);
        self.class_stack.push((o.clone(), owner));
        let r = self.run_in_frame(&func, frame);
        self.class_stack.pop();
        Some(r)
    }

    /// `obj.name(args)`: attribute first, then the arguments, then the call.
    #[inline(never)]
    fn call_looked_up(&mut self, o: &Value, name: &str, args: &[Arg], f: &Rc<Frame>) -> R<Value> {
        let m = self.getattr(o, name)?;
        let (pos, kw) = self.eval_args(args, f)?;
        self.call(&m, pos, kw)
    }
}
