//! Exception hierarchy, `isinstance`, and simple user classes (methods,
//! single/multiple inheritance by depth-first lookup, `super()`, and the
//! common special methods: `__init__`, `__str__`, `__repr__`, `__eq__`,
//! `__lt__`..., `__len__`, `__getitem__`, `__iter__`/`__next__`, arithmetic).

use crate::ast::{BinOp, ClassDef};
use crate::interp::{err, Interp, R};
use crate::ops::op_symbol;
use crate::value::*;
use std::cell::RefCell;
use std::cmp::Ordering;
use std::rc::Rc;

fn exc_parent(t: &str) -> Option<&'static str> {
    Some(match t {
        "BaseException" => return None,
        "Exception" | "KeyboardInterrupt" | "SystemExit" => "BaseException",
        "ZeroDivisionError" | "OverflowError" | "FloatingPointError" => "ArithmeticError",
        "IndexError" | "KeyError" => "LookupError",
        "UnboundLocalError" => "NameError",
        "RecursionError" | "NotImplementedError" => "RuntimeError",
        "ModuleNotFoundError" => "ImportError",
        "PermissionError" | "FileNotFoundError" | "TimeoutError" => "OSError",
        "UnicodeError" | "JSONDecodeError" => "ValueError",
        "UnicodeDecodeError" | "UnicodeEncodeError" => "UnicodeError",
        "IndentationError" => "SyntaxError",
        "ArithmeticError" | "LookupError" | "ValueError" | "TypeError" | "NameError"
        | "AttributeError" | "RuntimeError" | "AssertionError" | "StopIteration"
        | "MemoryError" | "ImportError" | "OSError" | "EOFError" | "SyntaxError" => "Exception",
        _ => return None,
    })
}

pub fn is_exception_type(t: &str) -> bool {
    t == "BaseException" || exc_parent(t).is_some()
}

/// Is class/type `a` a subclass of `b` (both `Type` or `Class` values)?
pub fn is_subclass(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Type(x), Value::Type(y)) => {
            let mut cur: Option<&str> = Some(x);
            while let Some(c) = cur {
                if c == *y {
                    return true;
                }
                cur = exc_parent(c);
            }
            (*x == "bool" && *y == "int") || *y == "object"
        }
        (Value::Class(x), _) => {
            if let Value::Class(y) = b {
                if Rc::ptr_eq(x, y) {
                    return true;
                }
            }
            if let Value::Type("object") = b {
                return true;
            }
            x.bases.iter().any(|base| is_subclass(base, b))
        }
        (_, Value::Tuple(ts)) => ts.iter().any(|t| is_subclass(a, t)),
        _ => false,
    }
}

pub fn type_of(v: &Value) -> Value {
    match v {
        Value::Instance(i) => Value::Class(i.class.clone()),
        Value::Exc(e) => e.typ.clone(),
        Value::Class(_) => Value::Type("type"),
        _ => Value::Type(v.static_type_name()),
    }
}

pub fn isinstance(v: &Value, t: &Value) -> R<bool> {
    match t {
        Value::Tuple(ts) => {
            for x in ts.iter() {
                if isinstance(v, x)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Value::Type(_) | Value::Class(_) => Ok(is_subclass(&type_of(v), t)),
        o => err(
            "TypeError",
            format!(
                "isinstance() arg 2 must be a type, a tuple of types, or a union, not {}",
                o.type_name()
            ),
        ),
    }
}

/// Find an attribute in a class and its bases (depth-first, left to right).
pub fn class_lookup(c: &Rc<Class>, name: &str) -> Option<(Value, Rc<Class>)> {
    if let Some((_, v)) = c.attrs.borrow().iter().find(|(k, _)| &**k == name) {
        return Some((v.clone(), c.clone()));
    }
    for b in c.bases.iter() {
        if let Value::Class(bc) = b {
            if let Some(r) = class_lookup(bc, name) {
                return Some(r);
            }
        }
    }
    None
}

fn class_of(v: &Value) -> Option<Rc<Class>> {
    match v {
        Value::Instance(i) => Some(i.class.clone()),
        Value::Exc(e) => match &e.typ {
            Value::Class(c) => Some(c.clone()),
            _ => None,
        },
        _ => None,
    }
}

impl Interp {
    #[inline(never)]
    pub fn exec_class(&mut self, c: &Rc<ClassDef>, f: &Rc<Frame>) -> R<()> {
        let mut bases = Vec::new();
        for b in c.bases.iter() {
            let bv = self.eval(b, f)?;
            match &bv {
                Value::Class(_) => bases.push(bv),
                Value::Type(t) if is_exception_type(t) || *t == "object" => bases.push(bv),
                Value::Type(t) => {
                    return err(
                        "TypeError",
                        format!("subclassing '{}' is not supported in the sandbox", t),
                    )
                }
                o => {
                    return err(
                        "TypeError",
                        format!("bases must be types, not {}", o.type_name()),
                    )
                }
            }
        }
        let frame = Rc::new(Frame {
            slots: RefCell::new(vec![Value::Undef; c.nslots as usize]),
            parent: Some(f.clone()),
        });
        self.exec_block(&c.body, &frame)?;
        let mut attrs = Vec::new();
        for (n, v) in c.slot_names.iter().zip(frame.slots.borrow().iter()) {
            if !matches!(v, Value::Undef) {
                attrs.push((n.clone(), v.clone()));
            }
        }
        let cls = Class {
            name: c.name.id.clone(),
            bases,
            attrs: RefCell::new(attrs),
        };
        self.store(&c.name, Value::Class(Rc::new(cls)), f)
    }

    #[inline(never)]
    pub fn instantiate(
        &mut self,
        c: &Rc<Class>,
        args: Vec<Value>,
        kw: Vec<(Rc<str>, Value)>,
    ) -> R<Value> {
        let cv = Value::Class(c.clone());
        let obj = if is_subclass(&cv, &Value::Type("BaseException")) {
            Value::Exc(Rc::new(Exc {
                typ: cv,
                args: args.clone(),
                attrs: RefCell::new(Vec::new()),
            }))
        } else {
            Value::Instance(Rc::new(Instance {
                class: c.clone(),
                attrs: RefCell::new(Vec::new()),
            }))
        };
        match class_lookup(c, "__init__") {
            Some((init, owner)) => {
                let b = Value::Bound(Rc::new((obj.clone(), init, owner)));
                let r = self.call(&b, args, kw)?;
                if !matches!(r, Value::None) {
                    return err(
                        "TypeError",
                        format!("__init__() should return None, not '{}'", r.type_name()),
                    );
                }
            }
            None => {
                if matches!(obj, Value::Instance(_)) && (!args.is_empty() || !kw.is_empty()) {
                    return err("TypeError", format!("{}() takes no arguments", c.name));
                }
            }
        }
        Ok(obj)
    }

    pub fn builtin_super(&mut self) -> R<Value> {
        match self.class_stack.last() {
            Some((obj, owner)) => Ok(Value::Super(Rc::new((obj.clone(), owner.clone())))),
            None => err("RuntimeError", "super(): no arguments"),
        }
    }

    #[inline(never)]
    pub fn instance_getattr(&mut self, obj: &Value, name: &str) -> R<Value> {
        match obj {
            Value::Instance(i) => {
                if let Some((_, v)) = i.attrs.borrow().iter().find(|(k, _)| &**k == name) {
                    return Ok(v.clone());
                }
                if name == "__class__" {
                    return Ok(Value::Class(i.class.clone()));
                }
                if let Some((v, owner)) = class_lookup(&i.class, name) {
                    return Ok(bind(obj, v, owner));
                }
                if name == "__dict__" || (name.starts_with("__") && name.ends_with("__")) {
                    return err(
                        "AttributeError",
                        format!(
                            "'{}' object attribute '{}' is not accessible in the sandbox",
                            i.class.name, name
                        ),
                    );
                }
                err(
                    "AttributeError",
                    format!("'{}' object has no attribute '{}'", i.class.name, name),
                )
            }
            Value::Class(c) => {
                if name == "__name__" {
                    return Ok(Value::Str(c.name.clone()));
                }
                match class_lookup(c, name) {
                    Some((v, _)) => Ok(v),
                    None => err(
                        "AttributeError",
                        format!("type object '{}' has no attribute '{}'", c.name, name),
                    ),
                }
            }
            _ => err(
                "AttributeError",
                format!("'{}' object has no attribute '{}'", obj.type_name(), name),
            ),
        }
    }

    /// Attribute lookup through `super()` or on exceptions of user classes.
    #[inline(never)]
    pub fn special_getattr(&mut self, obj: &Value, name: &str) -> R<Option<Value>> {
        match obj {
            Value::Super(s) => {
                for b in s.1.bases.iter() {
                    match b {
                        Value::Class(bc) => {
                            if let Some((v, owner)) = class_lookup(bc, name) {
                                return Ok(Some(bind(&s.0, v, owner)));
                            }
                        }
                        Value::Type(_) if name == "__init__" => {
                            return Ok(Some(Value::Method(Rc::new((
                                s.0.clone(),
                                Rc::from("__init__"),
                            )))));
                        }
                        _ => {}
                    }
                }
                err(
                    "AttributeError",
                    format!("'super' object has no attribute '{}'", name),
                )
            }
            Value::Exc(e) => {
                if let Some((_, v)) = e.attrs.borrow().iter().find(|(k, _)| &**k == name) {
                    return Ok(Some(v.clone()));
                }
                if let Value::Class(c) = &e.typ {
                    if let Some((v, owner)) = class_lookup(c, name) {
                        return Ok(Some(bind(obj, v, owner)));
                    }
                }
                Ok(None)
            }
            _ => Ok(None),
        }
    }

    /// Call special method `name` on an object of a user class, if defined.
    fn special(&mut self, obj: &Value, name: &str, args: Vec<Value>) -> R<Option<Value>> {
        let c = match class_of(obj) {
            Some(c) => c,
            None => return Ok(None),
        };
        match class_lookup(&c, name) {
            Some((f, owner)) => {
                let b = Value::Bound(Rc::new((obj.clone(), f, owner)));
                Ok(Some(self.call(&b, args, Vec::new())?))
            }
            None => Ok(None),
        }
    }

    #[inline(never)]
    pub fn instance_repr(&mut self, v: &Value) -> R<String> {
        match self.special(v, "__repr__", Vec::new())? {
            Some(Value::Str(s)) => Ok(s.to_string()),
            Some(o) => err(
                "TypeError",
                format!("__repr__ returned non-string (type {})", o.type_name()),
            ),
            None => Ok(repr(v)),
        }
    }

    #[inline(never)]
    pub fn instance_str(&mut self, v: &Value) -> R<String> {
        match self.special(v, "__str__", Vec::new())? {
            Some(Value::Str(s)) => Ok(s.to_string()),
            Some(o) => err(
                "TypeError",
                format!("__str__ returned non-string (type {})", o.type_name()),
            ),
            None => self.instance_repr(v),
        }
    }

    #[inline(never)]
    pub fn instance_truthy(&mut self, v: &Value) -> R<bool> {
        if let Some(r) = self.special(v, "__bool__", Vec::new())? {
            return self.truthy(&r);
        }
        if let Some(r) = self.special(v, "__len__", Vec::new())? {
            return self.truthy(&r);
        }
        Ok(true)
    }

    #[inline(never)]
    pub fn instance_hash(&mut self, v: &Value) -> R<HKey> {
        if let Some(r) = self.special(v, "__hash__", Vec::new())? {
            return self.hash(&r);
        }
        if let Some(c) = class_of(v) {
            if class_lookup(&c, "__eq__").is_some() {
                return err("TypeError", format!("unhashable type: '{}'", c.name));
            }
        }
        hkey(v).or_else(|t| err("TypeError", format!("unhashable type: '{}'", t)))
    }

    #[inline(never)]
    pub fn instance_eq(&mut self, a: &Value, b: &Value) -> R<bool> {
        if let Some(r) = self.special(a, "__eq__", vec![b.clone()])? {
            if !matches!(r, Value::NotImplemented) {
                return self.truthy(&r);
            }
        }
        if let Some(r) = self.special(b, "__eq__", vec![a.clone()])? {
            if !matches!(r, Value::NotImplemented) {
                return self.truthy(&r);
            }
        }
        Ok(eq(a, b))
    }

    #[inline(never)]
    pub fn instance_cmp(&mut self, a: &Value, b: &Value, sym: &str) -> R<Ordering> {
        let (name, refl, hit) = match sym {
            "<" => ("__lt__", "__gt__", Ordering::Less),
            ">" => ("__gt__", "__lt__", Ordering::Greater),
            "<=" => ("__le__", "__ge__", Ordering::Less),
            _ => ("__ge__", "__le__", Ordering::Greater),
        };
        let miss = if hit == Ordering::Less {
            Ordering::Greater
        } else {
            Ordering::Less
        };
        if let Some(r) = self.special(a, name, vec![b.clone()])? {
            if !matches!(r, Value::NotImplemented) {
                return Ok(if self.truthy(&r)? { hit } else { miss });
            }
        }
        if let Some(r) = self.special(b, refl, vec![a.clone()])? {
            if !matches!(r, Value::NotImplemented) {
                return Ok(if self.truthy(&r)? { hit } else { miss });
            }
        }
        err(
            "TypeError",
            format!(
                "'{}' not supported between instances of '{}' and '{}'",
                sym,
                a.type_name(),
                b.type_name()
            ),
        )
    }

    #[inline(never)]
    pub fn instance_binop(&mut self, op: BinOp, a: &Value, b: &Value) -> R<Value> {
        let (name, rname) = match op {
            BinOp::Add => ("__add__", "__radd__"),
            BinOp::Sub => ("__sub__", "__rsub__"),
            BinOp::Mul => ("__mul__", "__rmul__"),
            BinOp::Div => ("__truediv__", "__rtruediv__"),
            BinOp::FloorDiv => ("__floordiv__", "__rfloordiv__"),
            BinOp::Mod => ("__mod__", "__rmod__"),
            BinOp::Pow => ("__pow__", "__rpow__"),
            BinOp::MatMul => ("__matmul__", "__rmatmul__"),
            BinOp::BitAnd => ("__and__", "__rand__"),
            BinOp::BitOr => ("__or__", "__ror__"),
            BinOp::BitXor => ("__xor__", "__rxor__"),
            BinOp::LShift => ("__lshift__", "__rlshift__"),
            BinOp::RShift => ("__rshift__", "__rrshift__"),
        };
        if let Some(r) = self.special(a, name, vec![b.clone()])? {
            if !matches!(r, Value::NotImplemented) {
                return Ok(r);
            }
        }
        if let Some(r) = self.special(b, rname, vec![a.clone()])? {
            if !matches!(r, Value::NotImplemented) {
                return Ok(r);
            }
        }
        err(
            "TypeError",
            format!(
                "unsupported operand type(s) for {}: '{}' and '{}'",
                op_symbol(op),
                a.type_name(),
                b.type_name()
            ),
        )
    }

    #[inline(never)]
    pub fn instance_unary(&mut self, name: &str, v: &Value) -> R<Value> {
        match self.special(v, name, Vec::new())? {
            Some(r) => Ok(r),
            None => err(
                "TypeError",
                format!("bad operand type for {}: '{}'", name, v.type_name()),
            ),
        }
    }

    #[inline(never)]
    pub fn instance_len(&mut self, v: &Value) -> R<usize> {
        match self.special(v, "__len__", Vec::new())? {
            Some(Value::Int(n)) if n >= 0 => Ok(n as usize),
            Some(_) => err("ValueError", "__len__() should return >= 0"),
            None => err(
                "TypeError",
                format!("object of type '{}' has no len()", v.type_name()),
            ),
        }
    }

    #[inline(never)]
    pub fn instance_getitem(&mut self, v: &Value, idx: &Value) -> R<Value> {
        match self.special(v, "__getitem__", vec![idx.clone()])? {
            Some(r) => Ok(r),
            None => err(
                "TypeError",
                format!("'{}' object is not subscriptable", v.type_name()),
            ),
        }
    }

    #[inline(never)]
    pub fn instance_setitem(&mut self, v: &Value, idx: Value, x: Value) -> R<()> {
        match self.special(v, "__setitem__", vec![idx, x])? {
            Some(_) => Ok(()),
            None => err(
                "TypeError",
                format!(
                    "'{}' object does not support item assignment",
                    v.type_name()
                ),
            ),
        }
    }

    #[inline(never)]
    pub fn instance_contains(&mut self, v: &Value, item: &Value) -> R<bool> {
        match self.special(v, "__contains__", vec![item.clone()])? {
            Some(r) => self.truthy(&r),
            None => {
                let items = self.collect(v)?;
                for x in items.iter() {
                    if self.eq(x, item)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
        }
    }

    #[inline(never)]
    pub fn instance_iter(&mut self, v: &Value) -> R<IterState> {
        let it = match self.special(v, "__iter__", Vec::new())? {
            Some(it) => it,
            None => {
                return err(
                    "TypeError",
                    format!("'{}' object is not iterable", v.type_name()),
                )
            }
        };
        if let Value::Instance(_) = it {
            // drain __next__ until StopIteration (bounded by fuel/memory)
            let mut out = Vec::new();
            loop {
                match self.special(&it, "__next__", Vec::new()) {
                    Ok(Some(x)) => out.push(x),
                    Ok(None) => return err("TypeError", "iter() returned non-iterator"),
                    Err(crate::interp::Ctrl::Exc(e)) if matches!(&e.val, Value::Exc(x) if matches!(x.typ, Value::Type("StopIteration"))) => {
                        break
                    }
                    Err(e) => return Err(e),
                }
                if out.len() % 4096 == 0 {
                    self.check_alloc(out.len() as u128 * 16)?;
                }
            }
            return Ok(IterState::Vec(out, 0));
        }
        self.make_iter(&it)
    }
}

fn bind(obj: &Value, v: Value, owner: Rc<Class>) -> Value {
    match v {
        Value::Func(_) => Value::Bound(Rc::new((obj.clone(), v, owner))),
        other => other,
    }
}
