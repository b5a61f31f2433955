//! The tree-walking interpreter: control flow, statements, function calls
//! and exceptions. Expressions are in `eval`, operators in `ops`, builtins
//! in `builtins`, methods of builtin types in `methods`.

use crate::ast::*;
use crate::limits::GuestLimits;
use crate::value::*;
use std::cell::RefCell;
use std::rc::Rc;

/// A raised Python exception with the line where it surfaced.
pub struct PyExc {
    pub val: Value,
    pub line: Option<u32>,
}

/// Non-local control flow (exceptions, return, loop control, hard aborts).
pub enum Ctrl {
    Exc(Box<PyExc>),
    Return(Value),
    Break,
    Continue,
    /// Uncatchable stop (output limit reached).
    Abort,
}

pub type R<T> = Result<T, Ctrl>;

pub fn exc_value(kind: &'static str, msg: &str) -> Value {
    let args = if msg.is_empty() {
        Vec::new()
    } else {
        vec![Value::str(msg)]
    };
    Value::Exc(Rc::new(Exc {
        typ: Value::Type(kind),
        args,
        attrs: RefCell::new(Vec::new()),
    }))
}

/// Raise a builtin exception.
pub fn err<T>(kind: &'static str, msg: impl AsRef<str>) -> R<T> {
    Err(Ctrl::Exc(Box::new(PyExc {
        val: exc_value(kind, msg.as_ref()),
        line: None,
    })))
}

pub struct Interp {
    pub globals: Rc<Frame>,
    pub global_names: Vec<Rc<str>>,
    pub out: String,
    pub truncated: bool,
    pub limits: GuestLimits,
    pub depth: u32,
    /// The exception being handled (for bare `raise`).
    pub handling: Vec<Value>,
    pub line: u32,
    /// (self, defining class) of the running methods, for `super()`.
    pub class_stack: Vec<(Value, Rc<Class>)>,
    /// Frames of returned calls that nothing captured, kept for reuse (a
    /// call then allocates nothing: allocations are several wasm calls).
    pub frame_pool: Vec<Rc<Frame>>,
}

/// Most frames kept in `Interp::frame_pool`.
const FRAME_POOL_MAX: usize = 64;

impl Interp {
    pub fn new(global_names: Vec<Rc<str>>, limits: GuestLimits) -> Interp {
        let n = global_names.len();
        Interp {
            globals: Rc::new(Frame {
                slots: RefCell::new(vec![Value::Undef; n]),
                parent: None,
            }),
            global_names,
            out: String::new(),
            truncated: false,
            limits,
            depth: 0,
            handling: Vec::new(),
            line: 0,
            class_stack: Vec::new(),
            frame_pool: Vec::new(),
        }
    }

    /// Append program output, stopping the program at the output limit.
    pub fn write(&mut self, s: &str) -> R<()> {
        if self.out.len() + s.len() > self.limits.output_bytes {
            let mut cut = self.limits.output_bytes.saturating_sub(self.out.len());
            while cut > 0 && !s.is_char_boundary(cut) {
                cut -= 1;
            }
            self.out.push_str(&s[..cut]);
            self.truncated = true;
            crate::publish_output(&self.out);
            return Err(Ctrl::Abort);
        }
        self.out.push_str(s);
        crate::publish_output(&self.out);
        Ok(())
    }

    /// Refuse allocations that cannot fit in the memory limit.
    pub fn check_alloc(&self, bytes: u128) -> R<()> {
        if bytes > self.limits.memory_bytes as u128 {
            return err("MemoryError", "");
        }
        Ok(())
    }

    pub fn run_module(&mut self, body: &[Stmt]) -> R<()> {
        let g = self.globals.clone();
        self.exec_block(body, &g)
    }

    pub fn exec_block(&mut self, body: &[Stmt], f: &Rc<Frame>) -> R<()> {
        for s in body {
            self.exec(s, f)?;
        }
        Ok(())
    }

    #[inline(always)]
    fn exec(&mut self, s: &Stmt, f: &Rc<Frame>) -> R<()> {
        self.line = s.line;
        match self.exec_inner(s, f) {
            Err(Ctrl::Exc(e)) => Err(Ctrl::Exc(set_line(e, s.line))),
            r => r,
        }
    }

    /// Hot statements only, each arm a call (see `eval`: wasmi charges a
    /// function's whole straight-line body on entry).
    fn exec_inner(&mut self, s: &Stmt, f: &Rc<Frame>) -> R<()> {
        match &s.kind {
            StmtKind::Expr(e) => self.exec_expr(e, f),
            StmtKind::Assign(targets, value) => self.exec_assign(targets, value, f),
            StmtKind::AugAssign(Expr::Name(n), op, value) => self.aug_assign_name(n, *op, value, f),
            StmtKind::AugAssign(t, op, value) => self.aug_assign(t, *op, value, f),
            StmtKind::If(arms, orelse) => self.exec_if(arms, orelse, f),
            StmtKind::Return(v) => self.exec_return(v, f),
            StmtKind::For(t, it, body, orelse) => self.exec_for(t, it, body, orelse, f),
            StmtKind::Pass => Ok(()),
            _ => self.exec_cold(s, f),
        }
    }

    #[inline(never)]
    fn exec_expr(&mut self, e: &Expr, f: &Rc<Frame>) -> R<()> {
        self.eval(e, f)?.release();
        Ok(())
    }

    #[inline(never)]
    fn exec_assign(&mut self, targets: &[Expr], value: &Expr, f: &Rc<Frame>) -> R<()> {
        let v = self.eval_leaf(value, f)?;
        if let [Expr::Name(n)] = targets {
            return self.store(n, v, f);
        }
        self.assign_many(targets, v, f)
    }

    #[inline(never)]
    fn assign_many(&mut self, targets: &[Expr], v: Value, f: &Rc<Frame>) -> R<()> {
        if targets.len() == 1 {
            return self.assign(&targets[0], v, f);
        }
        for t in targets {
            self.assign(t, v.clone(), f)?;
        }
        Ok(())
    }

    #[inline(never)]
    fn exec_if(&mut self, arms: &[(Expr, Vec<Stmt>)], orelse: &[Stmt], f: &Rc<Frame>) -> R<()> {
        for (c, body) in arms {
            if self.eval_cond(c, f)? {
                return self.exec_block(body, f);
            }
        }
        self.exec_block(orelse, f)
    }

    #[inline(never)]
    fn exec_return(&mut self, v: &Option<Expr>, f: &Rc<Frame>) -> R<()> {
        let v = match v {
            Some(e) => self.eval_leaf(e, f)?,
            None => Value::None,
        };
        Err(Ctrl::Return(v))
    }

    #[inline(never)]
    fn exec_cold(&mut self, s: &Stmt, f: &Rc<Frame>) -> R<()> {
        match &s.kind {
            StmtKind::Expr(e) => {
                self.eval(e, f)?;
            }
            StmtKind::Assign(targets, value) => {
                let v = self.eval(value, f)?;
                for t in targets {
                    self.assign(t, v.clone(), f)?;
                }
            }
            StmtKind::AugAssign(t, op, value) => self.aug_assign(t, *op, value, f)?,
            StmtKind::AnnAssign(t, v) => {
                if let Some(v) = v {
                    let v = self.eval(v, f)?;
                    self.assign(t, v, f)?;
                }
            }
            StmtKind::If(arms, orelse) => {
                for (c, body) in arms {
                    let cv = self.eval(c, f)?;
                    if self.truthy(&cv)? {
                        return self.exec_block(body, f);
                    }
                }
                return self.exec_block(orelse, f);
            }
            StmtKind::While(c, body, orelse) => loop {
                let cv = self.eval(c, f)?;
                if !self.truthy(&cv)? {
                    return self.exec_block(orelse, f);
                }
                match self.exec_block(body, f) {
                    Ok(()) | Err(Ctrl::Continue) => {}
                    Err(Ctrl::Break) => return Ok(()),
                    Err(e) => return Err(e),
                }
            },
            StmtKind::For(t, it, body, orelse) => return self.exec_for(t, it, body, orelse, f),
            StmtKind::Break => return Err(Ctrl::Break),
            StmtKind::Continue => return Err(Ctrl::Continue),
            StmtKind::Pass | StmtKind::Global(_) | StmtKind::Nonlocal(_) => {}
            StmtKind::Return(v) => {
                let v = match v {
                    Some(e) => self.eval(e, f)?,
                    None => Value::None,
                };
                return Err(Ctrl::Return(v));
            }
            StmtKind::Def(n, def) => {
                let mut func = self.make_function(def, f)?;
                for d in def.decorators.iter().rev() {
                    let dv = self.eval(d, f)?;
                    func = self.call(&dv, vec![func], Vec::new())?;
                }
                self.store(n, func, f)?;
            }
            StmtKind::Class(c) => self.exec_class(c, f)?,
            StmtKind::Try(body, handlers, orelse, fin) => {
                return self.exec_try(body, handlers, orelse, fin, f)
            }
            StmtKind::Raise(e, cause) => {
                let _ = cause;
                let v = match e {
                    Some(e) => self.eval(e, f)?,
                    None => match self.handling.last() {
                        Some(v) => v.clone(),
                        None => return err("RuntimeError", "No active exception to reraise"),
                    },
                };
                let v = self.make_exception(v)?;
                return Err(Ctrl::Exc(Box::new(PyExc { val: v, line: None })));
            }
            StmtKind::Assert(t, msg) => {
                let tv = self.eval(t, f)?;
                if !self.truthy(&tv)? {
                    let args = match msg {
                        Some(m) => vec![self.eval(m, f)?],
                        None => Vec::new(),
                    };
                    let v = Value::Exc(Rc::new(Exc {
                        typ: Value::Type("AssertionError"),
                        args,
                        attrs: RefCell::new(Vec::new()),
                    }));
                    return Err(Ctrl::Exc(Box::new(PyExc { val: v, line: None })));
                }
            }
            StmtKind::Del(targets) => {
                for t in targets {
                    self.delete(t, f)?;
                }
            }
            StmtKind::Import(items) => {
                for (path, n) in items {
                    let m = crate::modules::import(path)?;
                    self.store(n, m, f)?;
                }
            }
            StmtKind::ImportFrom(path, items) => {
                let m = crate::modules::import(path)?;
                for (attr, n) in items {
                    if &**attr == "*" {
                        return err("SyntaxError", "import * is not supported in the sandbox");
                    }
                    let v = match self.getattr(&m, attr) {
                        Ok(v) => v,
                        Err(_) => {
                            return err(
                                "ImportError",
                                format!(
                                    "cannot import name '{}' from '{}' (unknown location)",
                                    attr, path
                                ),
                            )
                        }
                    };
                    self.store(n, v, f)?;
                }
            }
            StmtKind::With(items, body) => {
                let _ = (items, body);
                return err(
                    "NotImplementedError",
                    "'with' statements are not supported in the sandbox",
                );
            }
        }
        Ok(())
    }

    /// `for target in iterable:` (a plain name target is stored inline).
    #[inline(never)]
    fn exec_for(
        &mut self,
        t: &Expr,
        it: &Expr,
        body: &[Stmt],
        orelse: &[Stmt],
        f: &Rc<Frame>,
    ) -> R<()> {
        let itv = self.eval(it, f)?;
        if let Value::Range(r) = &itv {
            // fast path: no iterator object
            let (mut i, stop, step) = (r.start, r.stop, r.step);
            while (step > 0 && i < stop) || (step < 0 && i > stop) {
                self.bind(t, Value::Int(i), f)?;
                match self.exec_block(body, f) {
                    Ok(()) | Err(Ctrl::Continue) => {}
                    Err(Ctrl::Break) => return Ok(()),
                    Err(e) => return Err(e),
                }
                i += step;
            }
            return self.exec_block(orelse, f);
        }
        let mut st = self.make_iter(&itv)?;
        while let Some(v) = self.iter_next(&mut st)? {
            self.bind(t, v, f)?;
            match self.exec_block(body, f) {
                Ok(()) | Err(Ctrl::Continue) => {}
                Err(Ctrl::Break) => return Ok(()),
                Err(e) => return Err(e),
            }
        }
        self.exec_block(orelse, f)
    }

    #[inline(never)]
    fn exec_try(
        &mut self,
        body: &[Stmt],
        handlers: &[Handler],
        orelse: &[Stmt],
        fin: &[Stmt],
        f: &Rc<Frame>,
    ) -> R<()> {
        let mut result = self.exec_block(body, f);
        if let Err(Ctrl::Exc(e)) = result {
            result = Err(Ctrl::Exc(e));
            let exc_val = match &result {
                Err(Ctrl::Exc(e)) => e.val.clone(),
                _ => Value::None,
            };
            for h in handlers {
                let matched = match &h.typ {
                    None => true,
                    Some(t) => {
                        let tv = self.eval(t, f)?;
                        self.exc_matches(&exc_val, &tv)?
                    }
                };
                if matched {
                    if let Some(n) = &h.name {
                        self.store(n, exc_val.clone(), f)?;
                    }
                    self.handling.push(exc_val.clone());
                    result = self.exec_block(&h.body, f);
                    self.handling.pop();
                    break;
                }
            }
        } else if result.is_ok() {
            result = self.exec_block(orelse, f);
        }
        if !fin.is_empty() {
            if let Err(Ctrl::Abort) = result {
                return result;
            }
            self.exec_block(fin, f)?;
        }
        result
    }

    /// Does exception value `e` match the `except` clause type `t`?
    #[inline(never)]
    pub fn exc_matches(&mut self, e: &Value, t: &Value) -> R<bool> {
        match t {
            Value::Tuple(ts) => {
                for x in ts.iter() {
                    if self.exc_matches(e, x)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            Value::Type(_) | Value::Class(_) => {
                let et = match e {
                    Value::Exc(x) => x.typ.clone(),
                    _ => return Ok(false),
                };
                Ok(crate::classes::is_subclass(&et, t))
            }
            _ => err(
                "TypeError",
                "catching classes that do not inherit from BaseException is not allowed",
            ),
        }
    }

    /// `raise X` accepts a class (instantiated with no args) or an instance.
    #[inline(never)]
    fn make_exception(&mut self, v: Value) -> R<Value> {
        match &v {
            Value::Exc(_) => Ok(v),
            Value::Type(t) if crate::classes::is_exception_type(t) => {
                self.call(&v, Vec::new(), Vec::new())
            }
            Value::Class(_) if crate::classes::is_subclass(&v, &Value::Type("BaseException")) => {
                self.call(&v, Vec::new(), Vec::new())
            }
            _ => err("TypeError", "exceptions must derive from BaseException"),
        }
    }

    #[inline(never)]
    pub fn make_function(&mut self, def: &Rc<FuncDef>, f: &Rc<Frame>) -> R<Value> {
        let mut defaults = Vec::with_capacity(def.params.len());
        for p in &def.params {
            defaults.push(match &p.default {
                Some(e) => Some(self.eval(e, f)?),
                None => None,
            });
        }
        let closure = if def.in_class {
            f.parent.clone()
        } else {
            Some(f.clone())
        };
        Ok(Value::Func(Rc::new(Function {
            def: def.clone(),
            defaults,
            closure,
        })))
    }

    /// Call a Python function: bind arguments to slots, run the body.
    pub fn call_function(
        &mut self,
        func: &Rc<Function>,
        mut args: Vec<Value>,
        kwargs: Vec<(Rc<str>, Value)>,
    ) -> R<Value> {
        let def = &func.def;
        if self.depth >= self.limits.recursion_depth {
            return err("RecursionError", "maximum recursion depth exceeded");
        }
        if kwargs.is_empty() && positional_only(def, args.len()) {
            // fast path: the arguments are the first slots
            args.resize(def.nslots as usize, Value::Undef);
            return self.run_frame(func, args);
        }
        let mut slots = vec![Value::Undef; def.nslots as usize];
        self.bind_args(func, args, kwargs, &mut slots)?;
        self.run_frame(func, slots)
    }

    /// Run a function body in a new frame whose slots are already bound
    /// (`slots.len() == nslots`, parameters first).
    pub fn run_frame(&mut self, func: &Rc<Function>, slots: Vec<Value>) -> R<Value> {
        let frame = self.new_frame(func);
        frame.slots.borrow_mut().extend(slots);
        self.run_in_frame(func, frame)
    }

    /// An empty frame for a call of `func` (recycled when one is pooled).
    #[inline]
    pub fn new_frame(&mut self, func: &Function) -> Rc<Frame> {
        if let Some(mut fr) = self.frame_pool.pop() {
            if let Some(m) = Rc::get_mut(&mut fr) {
                m.parent = func.closure.clone();
                return fr;
            }
        }
        Rc::new(Frame {
            slots: RefCell::new(Vec::with_capacity(func.def.nslots as usize)),
            parent: func.closure.clone(),
        })
    }

    /// Run `func`'s body in `frame` (slots bound, `len == nslots`); the
    /// frame goes back to the pool unless something (a closure) kept it.
    pub fn run_in_frame(&mut self, func: &Rc<Function>, mut frame: Rc<Frame>) -> R<Value> {
        if self.depth >= self.limits.recursion_depth {
            return err("RecursionError", "maximum recursion depth exceeded");
        }
        self.depth += 1;
        let saved_line = self.line;
        let r = self.exec_block(&func.def.body, &frame);
        self.line = saved_line;
        self.depth -= 1;
        if self.frame_pool.len() < FRAME_POOL_MAX {
            if let Some(m) = Rc::get_mut(&mut frame) {
                for v in m.slots.get_mut().drain(..) {
                    v.release();
                }
                m.parent = None;
                self.frame_pool.push(frame);
            }
        }
        match r {
            Ok(()) => Ok(Value::None),
            Err(Ctrl::Return(v)) => Ok(v),
            Err(e) => self.frame_exit_cold(e),
        }
    }

    #[inline(never)]
    fn frame_exit_cold(&mut self, e: Ctrl) -> R<Value> {
        match e {
            Ctrl::Break | Ctrl::Continue => err("SyntaxError", "'break' outside loop"),
            e => Err(e),
        }
    }

    #[inline(never)]
    fn bind_args(
        &mut self,
        func: &Rc<Function>,
        args: Vec<Value>,
        kwargs: Vec<(Rc<str>, Value)>,
        slots: &mut [Value],
    ) -> R<()> {
        let def = &func.def;
        let name = &def.name;
        let positional: Vec<usize> = (0..def.params.len())
            .filter(|&i| def.params[i].kind == ParamKind::Normal)
            .collect();
        let varargs = def.params.iter().position(|p| p.kind == ParamKind::VarArgs);
        let kwvar = def.params.iter().position(|p| p.kind == ParamKind::KwArgs);
        let nargs = args.len();
        let mut extra = Vec::new();
        for (i, a) in args.into_iter().enumerate() {
            if i < positional.len() {
                slots[positional[i]] = a;
            } else {
                extra.push(a);
            }
        }
        if !extra.is_empty() && varargs.is_none() {
            let np = positional.len();
            let nreq = positional
                .iter()
                .filter(|&&i| func.defaults[i].is_none())
                .count();
            let takes = if nreq == np {
                format!("{}", np)
            } else {
                format!("from {} to {}", nreq, np)
            };
            return err(
                "TypeError",
                format!(
                    "{}() takes {} positional argument{} but {} {} given",
                    name,
                    takes,
                    if np == 1 && nreq == np { "" } else { "s" },
                    nargs,
                    if nargs == 1 { "was" } else { "were" }
                ),
            );
        }
        if let Some(vi) = varargs {
            slots[vi] = Value::tuple(extra);
        }
        let mut kwd = Dict::new();
        for (k, v) in kwargs {
            match def.params.iter().position(|p| {
                p.name == k && matches!(p.kind, ParamKind::Normal | ParamKind::KwOnly)
            }) {
                Some(i) => {
                    if !matches!(slots[i], Value::Undef) {
                        return err(
                            "TypeError",
                            format!("{}() got multiple values for argument '{}'", name, k),
                        );
                    }
                    slots[i] = v;
                }
                None => {
                    if kwvar.is_none() {
                        return err(
                            "TypeError",
                            format!("{}() got an unexpected keyword argument '{}'", name, k),
                        );
                    }
                    kwd.insert(HKey::Str(k.clone()), Value::Str(k), v);
                }
            }
        }
        if let Some(ki) = kwvar {
            slots[ki] = Value::Dict(Rc::new(RefCell::new(kwd)));
        }
        let mut missing = Vec::new();
        let mut missing_kw = Vec::new();
        for (i, p) in def.params.iter().enumerate() {
            if matches!(slots[i], Value::Undef)
                && matches!(p.kind, ParamKind::Normal | ParamKind::KwOnly)
            {
                match &func.defaults[i] {
                    Some(d) => slots[i] = d.clone(),
                    None if p.kind == ParamKind::Normal => missing.push(format!("'{}'", p.name)),
                    None => missing_kw.push(format!("'{}'", p.name)),
                }
            }
        }
        for (list, what) in [(missing, "positional"), (missing_kw, "keyword-only")] {
            if !list.is_empty() {
                let names = match list.len() {
                    1 => list[0].clone(),
                    2 => format!("{} and {}", list[0], list[1]),
                    n => format!("{}, and {}", list[..n - 1].join(", "), list[n - 1]),
                };
                return err(
                    "TypeError",
                    format!(
                        "{}() missing {} required {} argument{}: {}",
                        name,
                        list.len(),
                        what,
                        if list.len() == 1 { "" } else { "s" },
                        names
                    ),
                );
            }
        }
        Ok(())
    }

    /// Call any callable value.
    pub fn call(
        &mut self,
        callee: &Value,
        args: Vec<Value>,
        kwargs: Vec<(Rc<str>, Value)>,
    ) -> R<Value> {
        match callee {
            Value::Func(f) => self.call_function(f, args, kwargs),
            _ => self.call_other(callee, args, kwargs),
        }
    }

    #[inline(never)]
    fn call_other(
        &mut self,
        callee: &Value,
        args: Vec<Value>,
        kwargs: Vec<(Rc<str>, Value)>,
    ) -> R<Value> {
        match callee {
            Value::Builtin(f) => self.call_builtin(*f, args, kwargs),
            Value::Type(name) => self.construct(name, args, kwargs),
            Value::Method(m) => {
                let (obj, name) = (&m.0, m.1.clone());
                self.call_method(obj, &name, args, kwargs)
            }
            Value::Class(c) => self.instantiate(c, args, kwargs),
            Value::Bound(b) => {
                let mut full = Vec::with_capacity(args.len() + 1);
                full.push(b.0.clone());
                full.extend(args);
                self.class_stack.push((b.0.clone(), b.2.clone()));
                let r = self.call(&b.1, full, kwargs);
                self.class_stack.pop();
                r
            }
            Value::Instance(_) => {
                let f = self.getattr(callee, "__call__")?;
                self.call(&f, args, kwargs)
            }
            other => err(
                "TypeError",
                format!("'{}' object is not callable", other.type_name()),
            ),
        }
    }

    pub fn truthy(&mut self, v: &Value) -> R<bool> {
        Ok(match v {
            Value::None => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Big(_) => true,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) => !s.is_empty(),
            Value::List(l) => !l.borrow().is_empty(),
            Value::Tuple(t) => !t.is_empty(),
            Value::Dict(d) | Value::Set(d) | Value::FrozenSet(d) | Value::View(d, _) => {
                !d.borrow().is_empty()
            }
            Value::Range(r) => r.len() != 0,
            Value::Instance(_) => return self.instance_truthy(v),
            _ => true,
        })
    }

    /// Read a resolved name (fast path: a bound local or global).
    #[inline(always)]
    pub fn load(&mut self, n: &Name, f: &Rc<Frame>) -> R<Value> {
        let v = match n.loc {
            Loc::Local(s) => f.slots.borrow().get(s as usize).cloned(),
            Loc::Global(s) => self.globals.slots.borrow().get(s as usize).cloned(),
            _ => None,
        };
        match v {
            Some(Value::Undef) | None => self.load_slow(n, f),
            Some(v) => Ok(v),
        }
    }

    #[inline(never)]
    fn load_slow(&mut self, n: &Name, f: &Rc<Frame>) -> R<Value> {
        let v = match n.loc {
            Loc::Local(s) => f.slots.borrow()[s as usize].clone(),
            Loc::Global(s) => self.globals.slots.borrow()[s as usize].clone(),
            Loc::Outer(d, s) => {
                let mut fr = f.clone();
                for _ in 0..d {
                    fr = match &fr.parent {
                        Some(p) => p.clone(),
                        None => break,
                    };
                }
                let v = fr
                    .slots
                    .borrow()
                    .get(s as usize)
                    .cloned()
                    .unwrap_or(Value::Undef);
                if let Value::Undef = v {
                    return err(
                        "NameError",
                        format!("cannot access free variable '{}' where it is not associated with a value in enclosing scope", n.id),
                    );
                }
                v
            }
            Loc::Builtin | Loc::Unresolved => {
                return match crate::builtins::lookup(&n.id) {
                    Some(v) => Ok(v),
                    None => err("NameError", format!("name '{}' is not defined", n.id)),
                }
            }
        };
        if let Value::Undef = v {
            if let Loc::Local(_) = n.loc {
                return err(
                    "UnboundLocalError",
                    format!(
                        "cannot access local variable '{}' where it is not associated with a value",
                        n.id
                    ),
                );
            }
            if let Some(b) = crate::builtins::lookup(&n.id) {
                return Ok(b);
            }
            return err("NameError", format!("name '{}' is not defined", n.id));
        }
        Ok(v)
    }

    /// Bind a resolved name (fast path: a local or global slot).
    #[inline(always)]
    pub fn store(&mut self, n: &Name, v: Value, f: &Rc<Frame>) -> R<()> {
        let old = match n.loc {
            Loc::Local(s) => f
                .slots
                .borrow_mut()
                .get_mut(s as usize)
                .map(|x| std::mem::replace(x, v)),
            Loc::Global(s) => self
                .globals
                .slots
                .borrow_mut()
                .get_mut(s as usize)
                .map(|x| std::mem::replace(x, v)),
            _ => return self.store_slow(n, v, f),
        };
        // the old value drops after the slot borrow ends (its destructor
        // cannot run Python code, but keep borrows short anyway)
        if let Some(old) = old {
            old.release();
        }
        Ok(())
    }

    #[inline(never)]
    fn store_slow(&mut self, n: &Name, v: Value, f: &Rc<Frame>) -> R<()> {
        match n.loc {
            Loc::Local(s) => f.slots.borrow_mut()[s as usize] = v,
            Loc::Global(s) => self.globals.slots.borrow_mut()[s as usize] = v,
            Loc::Outer(d, s) => {
                let mut fr = f.clone();
                for _ in 0..d {
                    fr = match &fr.parent {
                        Some(p) => p.clone(),
                        None => break,
                    };
                }
                let mut slots = fr.slots.borrow_mut();
                if let Some(slot) = slots.get_mut(s as usize) {
                    *slot = v;
                }
            }
            Loc::Builtin | Loc::Unresolved => {
                return err("SystemError", format!("cannot bind name '{}'", n.id))
            }
        }
        Ok(())
    }

    pub fn unbind(&mut self, n: &Name, f: &Rc<Frame>) -> R<()> {
        let cur = self.load(n, f)?;
        let _ = cur;
        self.store(n, Value::Undef, f)
    }
}

/// Can `nargs` positional arguments bind straight to the first slots
/// (plain parameters only, one argument each)?
#[inline]
pub fn positional_only(def: &FuncDef, nargs: usize) -> bool {
    nargs == def.params.len() && def.params.iter().all(|p| p.kind == ParamKind::Normal)
}

/// Attach the statement line to an exception that has none yet.
#[inline(never)]
fn set_line(mut e: Box<PyExc>, line: u32) -> Box<PyExc> {
    if e.line.is_none() {
        e.line = Some(line);
    }
    e
}
