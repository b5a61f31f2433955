//! Expression evaluation, assignment targets, comprehensions and f-strings.

use crate::ast::*;
use crate::interp::{err, Interp, R};
use crate::value::*;
use std::cell::RefCell;
use std::rc::Rc;

impl Interp {
    /// Hot expressions only, each arm a call: wasmi charges the fuel of a
    /// function's whole straight-line body (all `block`-nested match arms)
    /// when it is entered, so this dispatcher must stay tiny. The rest is in
    /// `eval_cold`.
    pub fn eval(&mut self, e: &Expr, f: &Rc<Frame>) -> R<Value> {
        match e {
            Expr::Const(v) => Ok(v.clone()),
            Expr::Name(n) => self.load(n, f),
            Expr::Bin(a, op, b) => self.eval_bin(a, *op, b, f),
            Expr::Compare(first, ops) if ops.len() == 1 => self.eval_compare1(first, &ops[0], f),
            Expr::Call(callee, args) => self.eval_call(callee, args, f),
            Expr::Subscript(obj, idx) => self.eval_subscript(obj, idx, f),
            Expr::IfExp(c, a, b) => self.eval_ifexp(c, a, b, f),
            Expr::Attr(obj, name) => self.eval_attr(obj, name, f),
            _ => self.eval_cold(e, f),
        }
    }

    /// `eval` with names and constants handled inline (saves a call per
    /// leaf operand; wasm calls are expensive in wasmi).
    #[inline(always)]
    pub fn eval_leaf(&mut self, e: &Expr, f: &Rc<Frame>) -> R<Value> {
        match e {
            Expr::Name(n) => self.load(n, f),
            Expr::Const(v) => Ok(v.clone()),
            _ => self.eval(e, f),
        }
    }

    #[inline(never)]
    fn eval_bin(&mut self, a: &Expr, op: BinOp, b: &Expr, f: &Rc<Frame>) -> R<Value> {
        let x = self.eval_leaf(a, f)?;
        let y = self.eval_leaf(b, f)?;
        let r = self.binop(op, &x, &y);
        x.release();
        y.release();
        r
    }

    #[inline(never)]
    fn eval_compare1(&mut self, first: &Expr, op: &(CmpOp, Expr), f: &Rc<Frame>) -> R<Value> {
        let left = self.eval_leaf(first, f)?;
        let right = self.eval_leaf(&op.1, f)?;
        let r = self.compare(op.0, &left, &right);
        left.release();
        right.release();
        Ok(Value::Bool(r?))
    }

    #[inline(never)]
    fn eval_subscript(&mut self, obj: &Expr, idx: &Expr, f: &Rc<Frame>) -> R<Value> {
        let o = self.eval_leaf(obj, f)?;
        let i = self.eval_leaf(idx, f)?;
        self.getitem(&o, &i)
    }

    #[inline(never)]
    fn eval_ifexp(&mut self, c: &Expr, a: &Expr, b: &Expr, f: &Rc<Frame>) -> R<Value> {
        let t = self.eval_cond(c, f)?;
        self.eval_leaf(if t { a } else { b }, f)
    }

    /// Evaluate a condition to a bool (no truthiness call for bools).
    #[inline(always)]
    pub fn eval_cond(&mut self, c: &Expr, f: &Rc<Frame>) -> R<bool> {
        match self.eval(c, f)? {
            Value::Bool(t) => Ok(t),
            cv => self.truthy(&cv),
        }
    }

    #[inline(never)]
    fn eval_call(&mut self, callee: &Expr, args: &[Arg], f: &Rc<Frame>) -> R<Value> {
        if let Expr::Attr(obj, name) = callee {
            let o = self.eval_leaf(obj, f)?;
            if let Some(r) = self.call_instance_method(&o, name, args, f) {
                return r;
            }
            let (pos, kw) = self.eval_args(args, f)?;
            return self.call_attr(&o, name, pos, kw);
        }
        if let Expr::Name(n) = callee {
            // fast path: calling a plain Python function by name without
            // cloning the whole Value
            let func = match n.loc {
                Loc::Local(s) => peek_func(&f.slots.borrow(), s),
                Loc::Global(s) => peek_func(&self.globals.slots.borrow(), s),
                _ => None,
            };
            if let Some(func) = func {
                return self.call_func_pos(&func, args, f);
            }
        }
        let c = self.eval(callee, f)?;
        if let Value::Func(func) = &c {
            return self.call_func_pos(func, args, f);
        }
        let (pos, kw) = self.eval_args(args, f)?;
        self.call(&c, pos, kw)
    }

    /// Call a Python function with the argument expressions `args`.
    fn call_func_pos(&mut self, func: &Rc<Function>, args: &[Arg], f: &Rc<Frame>) -> R<Value> {
        if crate::interp::positional_only(&func.def, args.len())
            && args.iter().all(|a| matches!(a, Arg::Pos(_)))
        {
            // fast path: evaluate the arguments straight into the slots
            let frame = self.new_frame(func);
            for a in args {
                if let Arg::Pos(e) = a {
                    let v = self.eval_leaf(e, f)?;
                    frame.slots.borrow_mut().push(v);
                }
            }
            frame
                .slots
                .borrow_mut()
                .resize(func.def.nslots as usize, Value::Undef);
            return self.run_in_frame(func, frame);
        }
        let (pos, kw) = self.eval_args(args, f)?;
        self.call_function(func, pos, kw)
    }

    #[inline(never)]
    fn eval_cold(&mut self, e: &Expr, f: &Rc<Frame>) -> R<Value> {
        match e {
            Expr::Const(v) => Ok(v.clone()),
            Expr::Name(n) => self.load(n, f),
            Expr::Bin(a, op, b) => {
                let x = self.eval(a, f)?;
                let y = self.eval(b, f)?;
                self.binop(*op, &x, &y)
            }
            Expr::Unary(op, a) => {
                let x = self.eval(a, f)?;
                self.unary(*op, &x)
            }
            Expr::BoolOp(is_and, items) => {
                let mut last = Value::None;
                for (i, it) in items.iter().enumerate() {
                    last = self.eval(it, f)?;
                    if i + 1 == items.len() {
                        break;
                    }
                    let t = self.truthy(&last)?;
                    if t != *is_and {
                        return Ok(last);
                    }
                }
                Ok(last)
            }
            Expr::Compare(first, ops) => {
                let mut left = self.eval(first, f)?;
                for (op, rhs) in ops {
                    let right = self.eval(rhs, f)?;
                    if !self.compare(*op, &left, &right)? {
                        return Ok(Value::Bool(false));
                    }
                    left = right;
                }
                Ok(Value::Bool(true))
            }
            Expr::IfExp(c, a, b) => {
                let cv = self.eval(c, f)?;
                if self.truthy(&cv)? {
                    self.eval(a, f)
                } else {
                    self.eval(b, f)
                }
            }
            Expr::Call(callee, args) => {
                if let Expr::Attr(obj, name) = &**callee {
                    let o = self.eval(obj, f)?;
                    let (pos, kw) = self.eval_args(args, f)?;
                    return self.call_attr(&o, name, pos, kw);
                }
                let c = self.eval(callee, f)?;
                let (pos, kw) = self.eval_args(args, f)?;
                self.call(&c, pos, kw)
            }
            Expr::Attr(obj, name) => {
                let o = self.eval(obj, f)?;
                self.getattr(&o, name)
            }
            Expr::Subscript(obj, idx) => {
                let o = self.eval(obj, f)?;
                let i = self.eval(idx, f)?;
                self.getitem(&o, &i)
            }
            Expr::Slice(a, b, c) => {
                let mut parts = Vec::with_capacity(3);
                for x in [a, b, c] {
                    parts.push(match x {
                        Some(x) => self.eval(x, f)?,
                        None => Value::None,
                    });
                }
                let c = parts.pop().unwrap_or(Value::None);
                let b = parts.pop().unwrap_or(Value::None);
                let a = parts.pop().unwrap_or(Value::None);
                Ok(Value::Slice(Rc::new((a, b, c))))
            }
            Expr::List(items) => Ok(Value::list(self.eval_items(items, f)?)),
            Expr::Tuple(items) => Ok(Value::tuple(self.eval_items(items, f)?)),
            Expr::Set(items) => {
                let vals = self.eval_items(items, f)?;
                let mut d = Dict::new();
                for v in vals {
                    self.set_add(&mut d, v)?;
                }
                Ok(Value::Set(Rc::new(RefCell::new(d))))
            }
            Expr::Dict(items) => {
                let mut d = Dict::new();
                for (k, v) in items {
                    match k {
                        Some(k) => {
                            let kv = self.eval(k, f)?;
                            let vv = self.eval(v, f)?;
                            self.dict_set(&mut d, kv, vv)?;
                        }
                        None => {
                            let m = self.eval(v, f)?;
                            match &m {
                                Value::Dict(src) => {
                                    for (k, v) in src.borrow().items() {
                                        self.dict_set(&mut d, k, v)?;
                                    }
                                }
                                o => {
                                    return err(
                                        "TypeError",
                                        format!("'{}' object is not a mapping", o.type_name()),
                                    )
                                }
                            }
                        }
                    }
                }
                Ok(Value::Dict(Rc::new(RefCell::new(d))))
            }
            Expr::Starred(_) => err("SyntaxError", "can't use starred expression here"),
            Expr::Comp(c) => self.eval_comp(c, f),
            Expr::Lambda(def) => self.make_function(def, f),
            Expr::Walrus(n, v) => {
                let v = self.eval(v, f)?;
                self.store(n, v.clone(), f)?;
                Ok(v)
            }
            Expr::FStr(parts) => Ok(Value::str(&self.eval_fstr(parts, f)?)),
        }
    }

    #[inline(never)]
    fn eval_fstr(&mut self, parts: &[FPart], f: &Rc<Frame>) -> R<String> {
        let mut out = String::new();
        for p in parts {
            match p {
                FPart::Lit(s) => out.push_str(s),
                FPart::Expr(e, conv, spec) => {
                    let mut v = self.eval(e, f)?;
                    match conv {
                        Some('r') | Some('a') => v = Value::str(&self.repr(&v)?),
                        Some('s') => v = Value::str(&self.to_str(&v)?),
                        _ => {}
                    }
                    let spec = self.eval_fstr(spec, f)?;
                    let s = self.format_value(&v, &spec)?;
                    self.check_alloc(out.len() as u128 + s.len() as u128)?;
                    out.push_str(&s);
                }
            }
        }
        Ok(out)
    }

    /// Evaluate list/tuple/set display items, expanding `*iterable`.
    #[inline(never)]
    fn eval_items(&mut self, items: &[Expr], f: &Rc<Frame>) -> R<Vec<Value>> {
        let mut out = Vec::with_capacity(items.len());
        for it in items {
            if let Expr::Starred(inner) = it {
                let v = self.eval(inner, f)?;
                out.extend(self.collect(&v)?);
            } else {
                out.push(self.eval(it, f)?);
            }
        }
        Ok(out)
    }

    #[inline(never)]
    pub fn eval_args(
        &mut self,
        args: &[Arg],
        f: &Rc<Frame>,
    ) -> R<(Vec<Value>, Vec<(Rc<str>, Value)>)> {
        let mut pos = Vec::with_capacity(args.len());
        let mut kw = Vec::new();
        for a in args {
            match a {
                Arg::Pos(e) => pos.push(self.eval(e, f)?),
                Arg::Star(e) => {
                    let v = self.eval(e, f)?;
                    pos.extend(self.collect(&v)?);
                }
                Arg::Kw(k, e) => {
                    let v = self.eval(e, f)?;
                    if kw.iter().any(|(n, _): &(Rc<str>, Value)| n == k) {
                        return err("SyntaxError", format!("keyword argument repeated: {}", k));
                    }
                    kw.push((k.clone(), v));
                }
                Arg::StarStar(e) => {
                    let v = self.eval(e, f)?;
                    match &v {
                        Value::Dict(d) => {
                            for (k, v) in d.borrow().items() {
                                match k {
                                    Value::Str(s) => kw.push((s, v)),
                                    _ => return err("TypeError", "keywords must be strings"),
                                }
                            }
                        }
                        o => {
                            return err(
                                "TypeError",
                                format!(
                                    "argument after ** must be a mapping, not {}",
                                    o.type_name()
                                ),
                            )
                        }
                    }
                }
            }
        }
        Ok((pos, kw))
    }

    /// `assign` with a plain name target handled inline.
    #[inline(always)]
    pub fn bind(&mut self, t: &Expr, v: Value, f: &Rc<Frame>) -> R<()> {
        match t {
            Expr::Name(n) => self.store(n, v, f),
            _ => self.assign(t, v, f),
        }
    }

    pub fn assign(&mut self, t: &Expr, v: Value, f: &Rc<Frame>) -> R<()> {
        match t {
            Expr::Name(n) => self.store(n, v, f),
            Expr::Tuple(items) | Expr::List(items) => self.unpack(items, v, f),
            Expr::Subscript(obj, idx) => {
                let o = self.eval(obj, f)?;
                let i = self.eval(idx, f)?;
                self.setitem(&o, i, v)
            }
            Expr::Attr(obj, name) => {
                let o = self.eval(obj, f)?;
                self.setattr(&o, name, v)
            }
            _ => err("SyntaxError", "cannot assign to expression"),
        }
    }

    #[inline(never)]
    fn unpack(&mut self, items: &[Expr], v: Value, f: &Rc<Frame>) -> R<()> {
        let vals = match &v {
            Value::Tuple(t) => (**t).clone(),
            Value::List(l) => l.borrow().clone(),
            _ => {
                if !self.is_iterable(&v) {
                    return err(
                        "TypeError",
                        format!("cannot unpack non-iterable {} object", v.type_name()),
                    );
                }
                self.collect(&v)?
            }
        };
        let star = items.iter().position(|e| matches!(e, Expr::Starred(_)));
        match star {
            None => {
                if vals.len() != items.len() {
                    if vals.len() > items.len() {
                        return err(
                            "ValueError",
                            format!("too many values to unpack (expected {})", items.len()),
                        );
                    }
                    return err(
                        "ValueError",
                        format!(
                            "not enough values to unpack (expected {}, got {})",
                            items.len(),
                            vals.len()
                        ),
                    );
                }
                for (t, x) in items.iter().zip(vals) {
                    self.assign(t, x, f)?;
                }
            }
            Some(si) => {
                let after = items.len() - si - 1;
                if vals.len() < items.len() - 1 {
                    return err(
                        "ValueError",
                        format!(
                            "not enough values to unpack (expected at least {}, got {})",
                            items.len() - 1,
                            vals.len()
                        ),
                    );
                }
                let mut vals = vals;
                let tail = vals.split_off(vals.len() - after);
                let mid = vals.split_off(si);
                for (t, x) in items[..si].iter().zip(vals) {
                    self.assign(t, x, f)?;
                }
                if let Expr::Starred(inner) = &items[si] {
                    self.assign(inner, Value::list(mid), f)?;
                }
                for (t, x) in items[si + 1..].iter().zip(tail) {
                    self.assign(t, x, f)?;
                }
            }
        }
        Ok(())
    }

    /// `name op= value`
    #[inline(never)]
    pub fn aug_assign_name(&mut self, n: &Name, op: BinOp, value: &Expr, f: &Rc<Frame>) -> R<()> {
        let cur = self.load(n, f)?;
        let rhs = self.eval_leaf(value, f)?;
        let nv = self.inplace(op, cur, &rhs)?;
        rhs.release();
        self.store(n, nv, f)
    }

    #[inline(never)]
    pub fn aug_assign(&mut self, t: &Expr, op: BinOp, value: &Expr, f: &Rc<Frame>) -> R<()> {
        match t {
            Expr::Name(n) => self.aug_assign_name(n, op, value, f),
            Expr::Subscript(obj, idx) => {
                let o = self.eval(obj, f)?;
                let i = self.eval(idx, f)?;
                let cur = self.getitem(&o, &i)?;
                let rhs = self.eval(value, f)?;
                let nv = self.inplace(op, cur, &rhs)?;
                self.setitem(&o, i, nv)
            }
            Expr::Attr(obj, name) => {
                let o = self.eval(obj, f)?;
                let cur = self.getattr(&o, name)?;
                let rhs = self.eval(value, f)?;
                let nv = self.inplace(op, cur, &rhs)?;
                self.setattr(&o, name, nv)
            }
            _ => err("SyntaxError", "illegal expression for augmented assignment"),
        }
    }

    /// In-place operator: lists extend in place, everything else rebinds.
    #[inline]
    fn inplace(&mut self, op: BinOp, cur: Value, rhs: &Value) -> R<Value> {
        if let (Value::Int(_), Value::Int(_)) = (&cur, rhs) {
            return self.binop(op, &cur, rhs);
        }
        self.inplace_slow(op, cur, rhs)
    }

    #[inline(never)]
    fn inplace_slow(&mut self, op: BinOp, cur: Value, rhs: &Value) -> R<Value> {
        if let (BinOp::Add, Value::List(l)) = (op, &cur) {
            let extra = self.collect(rhs)?;
            self.check_alloc((l.borrow().len() + extra.len()) as u128 * 16)?;
            l.borrow_mut().extend(extra);
            return Ok(cur);
        }
        if let (BinOp::BitOr, Value::Dict(d), Value::Dict(o)) = (op, &cur, rhs) {
            for (k, v) in o.borrow().items() {
                let h = self.hash(&k)?;
                d.borrow_mut().insert(h, k, v);
            }
            return Ok(cur);
        }
        self.binop(op, &cur, rhs)
    }

    #[inline(never)]
    pub fn delete(&mut self, t: &Expr, f: &Rc<Frame>) -> R<()> {
        match t {
            Expr::Name(n) => self.unbind(n, f),
            Expr::Subscript(obj, idx) => {
                let o = self.eval(obj, f)?;
                let i = self.eval(idx, f)?;
                self.delitem(&o, &i)
            }
            Expr::Tuple(items) | Expr::List(items) => {
                for it in items {
                    self.delete(it, f)?;
                }
                Ok(())
            }
            Expr::Attr(obj, name) => {
                let o = self.eval(obj, f)?;
                self.delattr(&o, name)
            }
            _ => err("SyntaxError", "cannot delete expression"),
        }
    }

    #[inline(never)]
    fn eval_comp(&mut self, c: &Rc<Comp>, f: &Rc<Frame>) -> R<Value> {
        let first = match c.gens.first() {
            Some(g) => self.eval(&g.iter, f)?,
            None => return err("SyntaxError", "empty comprehension"),
        };
        let frame = Rc::new(Frame {
            slots: RefCell::new(vec![Value::Undef; c.nslots as usize]),
            parent: Some(f.clone()),
        });
        if c.kind == CompKind::Gen {
            let it = self.make_iter(&first)?;
            let st = GenState {
                comp: c.clone(),
                frame,
                iters: vec![it],
            };
            return Ok(Value::iter(IterState::Gen(Box::new(st))));
        }
        let mut out = Vec::new();
        let mut dict = Dict::new();
        self.comp_level(c, 0, first, &frame, &mut out, &mut dict)?;
        Ok(match c.kind {
            CompKind::List => Value::list(out),
            CompKind::Dict => Value::Dict(Rc::new(RefCell::new(dict))),
            _ => {
                let mut d = Dict::new();
                for v in out {
                    self.set_add(&mut d, v)?;
                }
                Value::Set(Rc::new(RefCell::new(d)))
            }
        })
    }

    fn comp_level(
        &mut self,
        c: &Comp,
        level: usize,
        iterable: Value,
        frame: &Rc<Frame>,
        out: &mut Vec<Value>,
        dict: &mut Dict,
    ) -> R<()> {
        let g = &c.gens[level];
        let mut st = self.make_iter(&iterable)?;
        'items: while let Some(v) = self.iter_next(&mut st)? {
            self.bind(&g.target, v, frame)?;
            for cond in &g.ifs {
                if !self.eval_cond(cond, frame)? {
                    continue 'items;
                }
            }
            if level + 1 < c.gens.len() {
                let next = self.eval(&c.gens[level + 1].iter, frame)?;
                self.comp_level(c, level + 1, next, frame, out, dict)?;
            } else if let Some(val) = &c.val {
                let k = self.eval(&c.elt, frame)?;
                let v = self.eval(val, frame)?;
                self.dict_set(dict, k, v)?;
            } else {
                out.push(self.eval_leaf(&c.elt, frame)?);
                if out.len() % 4096 == 0 {
                    self.check_alloc(out.len() as u128 * 16)?;
                }
            }
        }
        Ok(())
    }

    /// Advance a generator expression by one item.
    #[inline(never)]
    pub fn gen_next(&mut self, g: &mut GenState) -> R<Option<Value>> {
        let c = g.comp.clone();
        loop {
            let level = g.iters.len();
            if level == 0 {
                return Ok(None);
            }
            let item = self.iter_next(&mut g.iters[level - 1])?;
            let v = match item {
                Some(v) => v,
                None => {
                    g.iters.pop();
                    continue;
                }
            };
            let gen = &c.gens[level - 1];
            self.bind(&gen.target, v, &g.frame)?;
            let mut ok = true;
            for cond in &gen.ifs {
                if !self.eval_cond(cond, &g.frame)? {
                    ok = false;
                    break;
                }
            }
            if !ok {
                continue;
            }
            if level < c.gens.len() {
                let nv = self.eval(&c.gens[level].iter, &g.frame)?;
                let it = self.make_iter(&nv)?;
                g.iters.push(it);
                continue;
            }
            return Ok(Some(self.eval_leaf(&c.elt, &g.frame)?));
        }
    }

    pub fn dict_set(&mut self, d: &mut Dict, k: Value, v: Value) -> R<()> {
        let h = self.hash(&k)?;
        d.insert(h, k, v);
        Ok(())
    }

    pub fn set_add(&mut self, d: &mut Dict, k: Value) -> R<()> {
        let h = self.hash(&k)?;
        d.insert(h, k, Value::None);
        Ok(())
    }

    pub fn hash(&mut self, k: &Value) -> R<HKey> {
        match k {
            Value::Instance(_) => self.instance_hash(k),
            _ => match hkey(k) {
                Ok(h) => Ok(h),
                Err(t) => err("TypeError", format!("unhashable type: '{}'", t)),
            },
        }
    }
}

/// The function in slot `s`, if that slot holds a plain Python function.
#[inline(always)]
fn peek_func(slots: &[Value], s: u32) -> Option<Rc<Function>> {
    match slots.get(s as usize) {
        Some(Value::Func(func)) => Some(func.clone()),
        _ => None,
    }
}
