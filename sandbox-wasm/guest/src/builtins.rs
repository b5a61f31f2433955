//! Builtin functions (`print`, `len`, `sorted`, ...) and the constructors of
//! builtin types (`int("12")`, `list(x)`, `ValueError("m")`).

use crate::bigint::BigInt;
use crate::interp::{err, Interp, R};
use crate::value::*;
use std::cell::RefCell;
use std::cmp::Ordering;
use std::rc::Rc;

named_enum! {
    /// The builtin functions: `Value::Builtin`, called by `Interp::call_builtin`.
    pub enum Builtin {
        Print = "print",
        Len = "len",
        Range = "range",
        Sum = "sum",
        Min = "min",
        Max = "max",
        Abs = "abs",
        Sorted = "sorted",
        Reversed = "reversed",
        Enumerate = "enumerate",
        Zip = "zip",
        Map = "map",
        Filter = "filter",
        Any = "any",
        All = "all",
        Round = "round",
        Divmod = "divmod",
        Pow = "pow",
        Isinstance = "isinstance",
        Issubclass = "issubclass",
        Chr = "chr",
        Ord = "ord",
        Hex = "hex",
        Bin = "bin",
        Oct = "oct",
        Repr = "repr",
        Hash = "hash",
        Iter = "iter",
        Next = "next",
        Callable = "callable",
        Format = "format",
        Getattr = "getattr",
        Setattr = "setattr",
        Hasattr = "hasattr",
        Id = "id",
        Open = "open",
        Import = "__import__",
        Eval = "eval",
        Exec = "exec",
        Compile = "compile",
        Input = "input",
        Globals = "globals",
        Locals = "locals",
        Vars = "vars",
        Dir = "dir",
        Exit = "exit",
        Quit = "quit",
        Breakpoint = "breakpoint",
        Help = "help",
        Super = "super",
        Ascii = "ascii",
        Delattr = "delattr",
        Memoryview = "memoryview",
        Staticmethod = "staticmethod",
        Classmethod = "classmethod",
        Property = "property",
    }
}

named_enum! {
    /// The builtin types a program can name (`int`, `ValueError`, ...): `Value::Type` carries their `name()`.
    pub enum BuiltinType {
        Int = "int",
        Float = "float",
        Str = "str",
        Bool = "bool",
        List = "list",
        Dict = "dict",
        Set = "set",
        Frozenset = "frozenset",
        Tuple = "tuple",
        Type = "type",
        Object = "object",
        Slice = "slice",
        BaseException = "BaseException",
        Exception = "Exception",
        ArithmeticError = "ArithmeticError",
        ZeroDivisionError = "ZeroDivisionError",
        OverflowError = "OverflowError",
        LookupError = "LookupError",
        IndexError = "IndexError",
        KeyError = "KeyError",
        ValueError = "ValueError",
        TypeError = "TypeError",
        NameError = "NameError",
        UnboundLocalError = "UnboundLocalError",
        AttributeError = "AttributeError",
        RuntimeError = "RuntimeError",
        RecursionError = "RecursionError",
        NotImplementedError = "NotImplementedError",
        AssertionError = "AssertionError",
        StopIteration = "StopIteration",
        MemoryError = "MemoryError",
        ImportError = "ImportError",
        ModuleNotFoundError = "ModuleNotFoundError",
        OSError = "OSError",
        KeyboardInterrupt = "KeyboardInterrupt",
        SystemExit = "SystemExit",
        UnicodeError = "UnicodeError",
        UnicodeDecodeError = "UnicodeDecodeError",
        UnicodeEncodeError = "UnicodeEncodeError",
        FloatingPointError = "FloatingPointError",
        EOFError = "EOFError",
        PermissionError = "PermissionError",
        FileNotFoundError = "FileNotFoundError",
        TimeoutError = "TimeoutError",
        SyntaxError = "SyntaxError",
        IndentationError = "IndentationError",
        Bytes = "bytes",
        Complex = "complex",
    }
}

/// Value of a builtin name, if it is one.
pub fn lookup(name: &str) -> Option<Value> {
    if let Some(f) = Builtin::from_name(name) {
        return Some(Value::Builtin(f));
    }
    if let Some(t) = BuiltinType::from_name(name) {
        return Some(Value::Type(t.name()));
    }
    match name {
        "True" => Some(Value::Bool(true)),
        "False" => Some(Value::Bool(false)),
        "None" => Some(Value::None),
        "NotImplemented" => Some(Value::NotImplemented),
        "Ellipsis" => Some(Value::Ellipsis),
        "__name__" => Some(Value::str("__main__")),
        _ => None,
    }
}

fn kwarg(kw: &[(Rc<str>, Value)], name: &str) -> Option<Value> {
    kw.iter()
        .find(|(k, _)| &**k == name)
        .map(|(_, v)| v.clone())
}

fn arity(fname: &str, args: &[Value], min: usize, max: usize) -> R<()> {
    if args.len() < min || args.len() > max {
        let msg = if min == max {
            if min == 1 {
                format!(
                    "{}() takes exactly one argument ({} given)",
                    fname,
                    args.len()
                )
            } else {
                format!("{} expected {} arguments, got {}", fname, min, args.len())
            }
        } else if args.len() < min {
            format!(
                "{} expected at least {} argument{}, got {}",
                fname,
                min,
                if min == 1 { "" } else { "s" },
                args.len()
            )
        } else {
            format!(
                "{} expected at most {} arguments, got {}",
                fname,
                max,
                args.len()
            )
        };
        return err("TypeError", msg);
    }
    Ok(())
}

pub fn to_int_i64(v: &Value, what: &str) -> R<i64> {
    match v {
        Value::Int(i) => Ok(*i),
        Value::Bool(b) => Ok(*b as i64),
        Value::Big(_) => err(
            "OverflowError",
            "Python int too large to convert to C ssize_t",
        ),
        o => err(
            "TypeError",
            format!(
                "'{}' object cannot be interpreted as an integer{}",
                o.type_name(),
                what
            ),
        ),
    }
}

impl Interp {
    /// Stable merge sort with a fallible comparison (errors abort the sort).
    #[inline(never)]
    pub fn sort_values(
        &mut self,
        items: Vec<Value>,
        key: Option<&Value>,
        reverse: bool,
    ) -> R<Vec<Value>> {
        let keys = match key {
            Some(k) if !matches!(k, Value::None) => {
                let mut ks = Vec::with_capacity(items.len());
                for x in items.iter() {
                    ks.push(self.call(k, vec![x.clone()], Vec::new())?);
                }
                ks
            }
            _ => items.clone(),
        };
        let mut idx: Vec<usize> = (0..items.len()).collect();
        let mut buf = idx.clone();
        let mut width = 1;
        let n = idx.len();
        while width < n {
            let mut i = 0;
            while i < n {
                let mid = (i + width).min(n);
                let hi = (i + 2 * width).min(n);
                let (mut a, mut b, mut o) = (i, mid, i);
                while a < mid && b < hi {
                    // take from the right only when strictly smaller (stability)
                    let (x, y) = (&keys[idx[b]], &keys[idx[a]]);
                    let less = if reverse {
                        self.cmp(y, x, "<")? == Ordering::Less
                    } else {
                        self.cmp(x, y, "<")? == Ordering::Less
                    };
                    if less {
                        buf[o] = idx[b];
                        b += 1;
                    } else {
                        buf[o] = idx[a];
                        a += 1;
                    }
                    o += 1;
                }
                buf[o..o + (mid - a)].copy_from_slice(&idx[a..mid]);
                o += mid - a;
                buf[o..o + (hi - b)].copy_from_slice(&idx[b..hi]);
                i += 2 * width;
            }
            std::mem::swap(&mut idx, &mut buf);
            width *= 2;
        }
        Ok(idx.into_iter().map(|i| items[i].clone()).collect())
    }

    #[inline(never)]
    fn min_max(&mut self, f: Builtin, args: Vec<Value>, kw: &[(Rc<str>, Value)]) -> R<Value> {
        let name = f.name();
        let key = kwarg(kw, "key");
        let default = kwarg(kw, "default");
        let items = if args.len() == 1 {
            self.collect(&args[0])?
        } else if args.is_empty() {
            return err(
                "TypeError",
                format!("{} expected at least 1 argument, got 0", name),
            );
        } else {
            args
        };
        if items.is_empty() {
            return match default {
                Some(d) => Ok(d),
                None => err("ValueError", format!("{}() arg is an empty sequence", name)),
            };
        }
        let mut best = items[0].clone();
        let mut best_key = match &key {
            Some(k) if !matches!(k, Value::None) => self.call(k, vec![best.clone()], Vec::new())?,
            _ => best.clone(),
        };
        for x in items.into_iter().skip(1) {
            let k = match &key {
                Some(kf) if !matches!(kf, Value::None) => {
                    self.call(kf, vec![x.clone()], Vec::new())?
                }
                _ => x.clone(),
            };
            let better = if f == Builtin::Min {
                self.cmp(&k, &best_key, "<")? == Ordering::Less
            } else {
                self.cmp(&k, &best_key, ">")? == Ordering::Greater
            };
            if better {
                best = x;
                best_key = k;
            }
        }
        Ok(best)
    }

    #[inline(never)]
    pub fn call_builtin_slow(
        &mut self,
        f: Builtin,
        args: Vec<Value>,
        kw: Vec<(Rc<str>, Value)>,
    ) -> R<Value> {
        match f {
            Builtin::Print => {
                let sep = match kwarg(&kw, "sep") {
                    Some(Value::Str(s)) => s.to_string(),
                    Some(Value::None) | None => " ".into(),
                    Some(o) => {
                        return err(
                            "TypeError",
                            format!("sep must be None or a string, not {}", o.type_name()),
                        )
                    }
                };
                let end = match kwarg(&kw, "end") {
                    Some(Value::Str(s)) => s.to_string(),
                    Some(Value::None) | None => "\n".into(),
                    Some(o) => {
                        return err(
                            "TypeError",
                            format!("end must be None or a string, not {}", o.type_name()),
                        )
                    }
                };
                let mut line = String::new();
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        line.push_str(&sep);
                    }
                    line.push_str(&self.to_str(a)?);
                }
                line.push_str(&end);
                self.write(&line)?;
                Ok(Value::None)
            }
            Builtin::Len => {
                arity("len", &args, 1, 1)?;
                Ok(Value::Int(self.len_of(&args[0])? as i64))
            }
            Builtin::Range => self.construct("range", args, kw),
            Builtin::Sum => {
                arity("sum", &args, 1, 2)?;
                let mut acc = args
                    .get(1)
                    .cloned()
                    .or_else(|| kwarg(&kw, "start"))
                    .unwrap_or(Value::Int(0));
                if let Value::Str(_) = acc {
                    return err(
                        "TypeError",
                        "sum() can't sum strings [use ''.join(seq) instead]",
                    );
                }
                if let Value::Range(r) = &args[0] {
                    if let Value::Int(a) = acc {
                        // closed form for a range of small ints
                        let n = r.len() as i128;
                        let total =
                            n * (2 * r.start as i128 + (n - 1) * r.step as i128) / 2 + a as i128;
                        if total.abs() < i64::MAX as i128 {
                            return Ok(Value::Int(total as i64));
                        }
                    }
                }
                let mut st = self.make_iter(&args[0])?;
                while let Some(x) = self.iter_next(&mut st)? {
                    acc = self.binop(crate::ast::BinOp::Add, &acc, &x)?;
                }
                Ok(acc)
            }
            Builtin::Min | Builtin::Max => self.min_max(f, args, &kw),
            Builtin::Abs => {
                arity("abs", &args, 1, 1)?;
                match &args[0] {
                    Value::Float(f) => Ok(Value::Float(f.abs())),
                    v if v.is_int() => Ok(Value::from_bigint(
                        v.to_big().unwrap_or_else(BigInt::zero).abs(),
                    )),
                    Value::Instance(_) => self.instance_unary("__abs__", &args[0]),
                    o => err(
                        "TypeError",
                        format!("bad operand type for abs(): '{}'", o.type_name()),
                    ),
                }
            }
            Builtin::Sorted => {
                arity("sorted", &args, 1, 1)?;
                let items = self.collect(&args[0])?;
                let key = kwarg(&kw, "key");
                let rev = match kwarg(&kw, "reverse") {
                    Some(v) => self.truthy(&v)?,
                    None => false,
                };
                Ok(Value::list(self.sort_values(items, key.as_ref(), rev)?))
            }
            Builtin::Reversed => {
                arity("reversed", &args, 1, 1)?;
                match &args[0] {
                    Value::List(_) | Value::Tuple(_) | Value::Str(_) | Value::Range(_) => {
                        let n = self.len_of(&args[0])? as i64;
                        Ok(Value::iter(IterState::Reversed(args[0].clone(), n - 1)))
                    }
                    Value::Dict(d) => {
                        let mut k = d.borrow().keys();
                        k.reverse();
                        Ok(Value::iter(IterState::Vec(k, 0)))
                    }
                    o => err(
                        "TypeError",
                        format!("'{}' object is not reversible", o.type_name()),
                    ),
                }
            }
            Builtin::Enumerate => {
                let src = args.first().cloned().or_else(|| kwarg(&kw, "iterable"));
                let src = match src {
                    Some(s) => s,
                    None => {
                        return err(
                            "TypeError",
                            "enumerate() missing required argument 'iterable' (pos 1)",
                        )
                    }
                };
                let start = args
                    .get(1)
                    .cloned()
                    .or_else(|| kwarg(&kw, "start"))
                    .unwrap_or(Value::Int(0));
                let it = self.iter_value(&src)?;
                Ok(Value::iter(IterState::Enumerate(it, start)))
            }
            Builtin::Zip => {
                let mut its = Vec::new();
                for a in args.iter() {
                    its.push(self.iter_value(a)?);
                }
                Ok(Value::iter(IterState::Zip(its)))
            }
            Builtin::Map => {
                if args.len() < 2 {
                    return err("TypeError", "map() must have at least two arguments.");
                }
                let mut its = Vec::new();
                for a in args[1..].iter() {
                    its.push(self.iter_value(a)?);
                }
                Ok(Value::iter(IterState::Map(args[0].clone(), its)))
            }
            Builtin::Filter => {
                arity("filter", &args, 2, 2)?;
                let it = self.iter_value(&args[1])?;
                Ok(Value::iter(IterState::Filter(args[0].clone(), it)))
            }
            Builtin::Any | Builtin::All => {
                arity(f.name(), &args, 1, 1)?;
                let want = f == Builtin::Any;
                let mut st = self.make_iter(&args[0])?;
                while let Some(x) = self.iter_next(&mut st)? {
                    if self.truthy(&x)? == want {
                        return Ok(Value::Bool(want));
                    }
                }
                Ok(Value::Bool(!want))
            }
            Builtin::Round => self.builtin_round(args, &kw),
            Builtin::Divmod => {
                arity("divmod", &args, 2, 2)?;
                let q = self.binop(crate::ast::BinOp::FloorDiv, &args[0], &args[1]);
                let q = match q {
                    Err(_) if args[0].is_int() && args[1].is_int() => {
                        return err("ZeroDivisionError", "integer division or modulo by zero")
                    }
                    Err(_)
                        if matches!(args[1], Value::Float(f) if f == 0.0)
                            || matches!(args[1], Value::Int(0)) =>
                    {
                        return err("ZeroDivisionError", "float divmod()")
                    }
                    r => r?,
                };
                let r = self.binop(crate::ast::BinOp::Mod, &args[0], &args[1])?;
                Ok(Value::tuple(vec![q, r]))
            }
            Builtin::Pow => {
                arity("pow", &args, 2, 3)?;
                if args.len() == 3 && !matches!(args[2], Value::None) {
                    return crate::modules::mod_pow(&args[0], &args[1], &args[2]);
                }
                self.binop(crate::ast::BinOp::Pow, &args[0], &args[1])
            }
            Builtin::Isinstance => {
                arity("isinstance", &args, 2, 2)?;
                Ok(Value::Bool(crate::classes::isinstance(&args[0], &args[1])?))
            }
            Builtin::Issubclass => {
                arity("issubclass", &args, 2, 2)?;
                Ok(Value::Bool(crate::classes::is_subclass(&args[0], &args[1])))
            }
            Builtin::Chr => {
                arity("chr", &args, 1, 1)?;
                let i = to_int_i64(&args[0], "")?;
                match u32::try_from(i).ok().and_then(std::char::from_u32) {
                    Some(c) => Ok(Value::str(&c.to_string())),
                    None => err("ValueError", "chr() arg not in range(0x110000)"),
                }
            }
            Builtin::Ord => {
                arity("ord", &args, 1, 1)?;
                match &args[0] {
                    Value::Str(s) if s.chars().count() == 1 => {
                        Ok(Value::Int(s.chars().next().map(|c| c as i64).unwrap_or(0)))
                    }
                    Value::Str(s) => err(
                        "TypeError",
                        format!(
                            "ord() expected a character, but string of length {} found",
                            s.chars().count()
                        ),
                    ),
                    o => err(
                        "TypeError",
                        format!(
                            "ord() expected string of length 1, but {} found",
                            o.type_name()
                        ),
                    ),
                }
            }
            Builtin::Hex | Builtin::Bin | Builtin::Oct => {
                arity(f.name(), &args, 1, 1)?;
                let b = match args[0].to_big() {
                    Some(b) => b,
                    None => {
                        return err(
                            "TypeError",
                            format!(
                                "'{}' object cannot be interpreted as an integer",
                                args[0].type_name()
                            ),
                        )
                    }
                };
                let (radix, prefix) = match f {
                    Builtin::Hex => (16, "0x"),
                    Builtin::Bin => (2, "0b"),
                    _ => (8, "0o"),
                };
                let s = b.abs().to_str_radix(radix);
                Ok(Value::str(&format!(
                    "{}{}{}",
                    if b.neg { "-" } else { "" },
                    prefix,
                    s
                )))
            }
            Builtin::Repr | Builtin::Ascii => {
                arity(f.name(), &args, 1, 1)?;
                Ok(Value::str(&self.repr(&args[0])?))
            }
            Builtin::Hash => {
                arity("hash", &args, 1, 1)?;
                let h = self.hash(&args[0])?;
                Ok(Value::Int(match h {
                    HKey::Int(i) => {
                        if i == -1 {
                            -2
                        } else {
                            i
                        }
                    }
                    other => {
                        use std::hash::{Hash, Hasher};
                        let mut hs = FxHasher::default();
                        other.hash(&mut hs);
                        (hs.finish() >> 2) as i64
                    }
                }))
            }
            Builtin::Id => {
                arity("id", &args, 1, 1)?;
                Ok(Value::Int(match hkey(&args[0]) {
                    Ok(HKey::Ptr(p)) => p as i64,
                    _ => 140_000_000,
                }))
            }
            Builtin::Iter => {
                arity("iter", &args, 1, 1)?;
                self.iter_value(&args[0])
            }
            Builtin::Next => {
                arity("next", &args, 1, 2)?;
                if !matches!(args[0], Value::Iter(_)) {
                    return err(
                        "TypeError",
                        format!("'{}' object is not an iterator", args[0].type_name()),
                    );
                }
                match self.next_value(&args[0])? {
                    Some(v) => Ok(v),
                    None => match args.get(1) {
                        Some(d) => Ok(d.clone()),
                        None => err("StopIteration", ""),
                    },
                }
            }
            Builtin::Callable => {
                arity("callable", &args, 1, 1)?;
                Ok(Value::Bool(matches!(
                    args[0],
                    Value::Func(_)
                        | Value::Builtin(_)
                        | Value::Type(_)
                        | Value::Method(_)
                        | Value::Class(_)
                )))
            }
            Builtin::Format => {
                arity("format", &args, 1, 2)?;
                let spec = match args.get(1) {
                    Some(Value::Str(s)) => s.to_string(),
                    _ => String::new(),
                };
                Ok(Value::str(&self.format_value(&args[0], &spec)?))
            }
            Builtin::Getattr => {
                arity("getattr", &args, 2, 3)?;
                let n = match &args[1] {
                    Value::Str(s) => s.clone(),
                    _ => return err("TypeError", "attribute name must be string"),
                };
                match self.getattr(&args[0], &n) {
                    Ok(v) => Ok(v),
                    Err(e) => match args.get(2) {
                        Some(d) => Ok(d.clone()),
                        None => Err(e),
                    },
                }
            }
            Builtin::Hasattr => {
                arity("hasattr", &args, 2, 2)?;
                let n = match &args[1] {
                    Value::Str(s) => s.clone(),
                    _ => return err("TypeError", "attribute name must be string"),
                };
                Ok(Value::Bool(self.getattr(&args[0], &n).is_ok()))
            }
            Builtin::Setattr => {
                arity("setattr", &args, 3, 3)?;
                let n = match &args[1] {
                    Value::Str(s) => s.clone(),
                    _ => return err("TypeError", "attribute name must be string"),
                };
                self.setattr(&args[0], &n, args[2].clone())?;
                Ok(Value::None)
            }
            Builtin::Delattr => {
                arity("delattr", &args, 2, 2)?;
                let n = match &args[1] {
                    Value::Str(s) => s.clone(),
                    _ => return err("TypeError", "attribute name must be string"),
                };
                self.delattr(&args[0], &n)?;
                Ok(Value::None)
            }
            Builtin::Open => err(
                "PermissionError",
                "open() is not available in the sandbox (no filesystem)",
            ),
            Builtin::Import => err("ImportError", "__import__ is not available in the sandbox"),
            Builtin::Eval | Builtin::Exec | Builtin::Compile => err(
                "NotImplementedError",
                format!("{}() is not available in the sandbox", f.name()),
            ),
            Builtin::Input => err("EOFError", "EOF when reading a line"),
            Builtin::Globals
            | Builtin::Locals
            | Builtin::Vars
            | Builtin::Dir
            | Builtin::Breakpoint
            | Builtin::Help
            | Builtin::Memoryview => err(
                "NotImplementedError",
                format!("{}() is not available in the sandbox", f.name()),
            ),
            Builtin::Exit | Builtin::Quit => {
                let code = args.first().cloned().unwrap_or(Value::None);
                let e = Value::Exc(Rc::new(Exc {
                    typ: Value::Type("SystemExit"),
                    args: vec![code],
                    attrs: RefCell::new(Vec::new()),
                }));
                Err(crate::interp::Ctrl::Exc(Box::new(crate::interp::PyExc {
                    val: e,
                    line: None,
                })))
            }
            Builtin::Super => self.builtin_super(),
            Builtin::Staticmethod | Builtin::Classmethod | Builtin::Property => {
                arity(f.name(), &args, 1, 1)?;
                Ok(args[0].clone())
            }
        }
    }

    #[inline(never)]
    fn builtin_round(&mut self, args: Vec<Value>, kw: &[(Rc<str>, Value)]) -> R<Value> {
        arity("round", &args, 1, 2)?;
        let nd = args
            .get(1)
            .cloned()
            .or_else(|| kwarg(kw, "ndigits"))
            .unwrap_or(Value::None);
        match (&args[0], &nd) {
            (Value::Float(f), Value::None) => {
                if !f.is_finite() {
                    return err(
                        if f.is_nan() {
                            "ValueError"
                        } else {
                            "OverflowError"
                        },
                        if f.is_nan() {
                            "cannot convert float NaN to integer"
                        } else {
                            "cannot convert float infinity to integer"
                        },
                    );
                }
                let s = crate::format::fmt_fixed(*f, 0);
                let b = BigInt::parse_digits(s.trim_start_matches('-'), 10)
                    .unwrap_or_else(BigInt::zero);
                Ok(Value::from_bigint(if s.starts_with('-') {
                    b.neg()
                } else {
                    b
                }))
            }
            (Value::Float(f), n) => {
                let n = to_int_i64(n, "")?;
                if !f.is_finite() {
                    return Ok(Value::Float(*f));
                }
                if n >= 0 {
                    let s = crate::format::fmt_fixed(*f, n.min(400) as usize);
                    Ok(Value::Float(s.parse().unwrap_or(*f)))
                } else {
                    let p = 10f64.powi((-n).min(400) as i32);
                    let y = f / p;
                    let r = y.round();
                    let r = if (y - y.trunc()).abs() == 0.5 {
                        2.0 * (y / 2.0).round()
                    } else {
                        r
                    };
                    Ok(Value::Float(if p.is_infinite() { 0.0 * f } else { r * p }))
                }
            }
            (v, Value::None) if v.is_int() => {
                Ok(Value::from_bigint(v.to_big().unwrap_or_else(BigInt::zero)))
            }
            (v, n) if v.is_int() => {
                let n = to_int_i64(n, "")?;
                if n >= 0 {
                    return Ok(Value::from_bigint(v.to_big().unwrap_or_else(BigInt::zero)));
                }
                // round half to even at 10**-n
                let x = v.to_big().unwrap_or_else(BigInt::zero);
                let p = BigInt::from_i64(10).pow((-n).min(10_000) as u64);
                let (q, r) = x.divmod(&p).unwrap_or((BigInt::zero(), BigInt::zero()));
                let twice = r.shl(1);
                let q = match twice.cmp(&p) {
                    Ordering::Greater => q.add(&BigInt::from_i64(1)),
                    Ordering::Equal if q.mag.first().map(|d| d & 1 == 1).unwrap_or(false) => {
                        q.add(&BigInt::from_i64(1))
                    }
                    _ => q,
                };
                Ok(Value::from_bigint(q.mul(&p)))
            }
            (o, _) => err(
                "TypeError",
                format!("type {} doesn't define __round__ method", o.type_name()),
            ),
        }
    }
}
