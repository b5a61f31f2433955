//! Operators: arithmetic with int/float promotion and bigint overflow,
//! comparisons, indexing and slicing, and `str`/`repr`/`format` wrappers.

use crate::ast::{BinOp, CmpOp, UnOp};
use crate::bigint::BigInt;
use crate::format;
use crate::interp::{err, Interp, R};
use crate::limits::{INT_DIGITS_CHECK_DEPTH, INT_MAX_STR_DIGITS};
use crate::value::*;
use std::cmp::Ordering;
use std::rc::Rc;

pub fn op_symbol(op: BinOp) -> &'static str {
    match op {
        BinOp::Add => "+",
        BinOp::Sub => "-",
        BinOp::Mul => "*",
        BinOp::Div => "/",
        BinOp::FloorDiv => "//",
        BinOp::Mod => "%",
        BinOp::Pow => "** or pow()",
        BinOp::LShift => "<<",
        BinOp::RShift => ">>",
        BinOp::BitAnd => "&",
        BinOp::BitOr => "|",
        BinOp::BitXor => "^",
        BinOp::MatMul => "@",
    }
}

fn as_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Float(f) => Some(*f),
        Value::Int(i) => Some(*i as f64),
        Value::Bool(b) => Some(*b as i64 as f64),
        Value::Big(b) => Some(b.to_f64()),
        _ => None,
    }
}

pub fn py_mod_f(a: f64, b: f64) -> f64 {
    let m = a % b;
    if m != 0.0 && ((m < 0.0) != (b < 0.0)) {
        m + b
    } else if m == 0.0 {
        0.0f64.copysign(b)
    } else {
        m
    }
}

pub fn py_floordiv_f(a: f64, b: f64) -> f64 {
    let m = a % b;
    let mut div = (a - m) / b;
    if m != 0.0 && ((b < 0.0) != (m < 0.0)) {
        div -= 1.0;
    }
    if div != 0.0 {
        let fl = div.floor();
        if div - fl > 0.5 {
            fl + 1.0
        } else {
            fl
        }
    } else {
        0.0f64.copysign(a / b)
    }
}

impl Interp {
    pub fn binop(&mut self, op: BinOp, a: &Value, b: &Value) -> R<Value> {
        if let (Value::Int(x), Value::Int(y)) = (a, b) {
            let (x, y) = (*x, *y);
            let r = match op {
                BinOp::Add => x.checked_add(y),
                BinOp::Sub => x.checked_sub(y),
                // 32-bit operands cannot overflow (avoids an i128 multiply
                // call on wasm32); binop_slow checks the rest
                BinOp::Mul if x as i32 as i64 == x && y as i32 as i64 == y => Some(x * y),
                _ => None,
            };
            if let Some(r) = r {
                return Ok(Value::Int(r));
            }
        }
        self.binop_slow(op, a, b)
    }

    #[inline(never)]
    fn binop_slow(&mut self, op: BinOp, a: &Value, b: &Value) -> R<Value> {
        // fast path: small ints
        if let (Value::Int(x), Value::Int(y)) = (a, b) {
            let (x, y) = (*x, *y);
            let r = match op {
                BinOp::Add => x.checked_add(y),
                BinOp::Sub => x.checked_sub(y),
                BinOp::Mul => x.checked_mul(y),
                BinOp::FloorDiv if y != 0 && !(x == i64::MIN && y == -1) => {
                    let q = x / y;
                    Some(if x % y != 0 && ((x < 0) != (y < 0)) {
                        q - 1
                    } else {
                        q
                    })
                }
                BinOp::Mod if y != 0 && !(x == i64::MIN && y == -1) => {
                    let m = x % y;
                    Some(if m != 0 && ((m < 0) != (y < 0)) {
                        m + y
                    } else {
                        m
                    })
                }
                BinOp::BitAnd => Some(x & y),
                BinOp::BitOr => Some(x | y),
                BinOp::BitXor => Some(x ^ y),
                BinOp::RShift if y >= 0 => Some(if y >= 64 {
                    if x < 0 {
                        -1
                    } else {
                        0
                    }
                } else {
                    x >> y
                }),
                BinOp::LShift
                    if (0..63).contains(&y)
                        && (x == 0 || (x.unsigned_abs().leading_zeros() as i64) > y + 1) =>
                {
                    Some(x << y)
                }
                BinOp::Div
                    if y != 0 && x.unsigned_abs() < (1 << 53) && y.unsigned_abs() < (1 << 53) =>
                {
                    return Ok(Value::Float(x as f64 / y as f64))
                }
                _ => None,
            };
            if let Some(r) = r {
                return Ok(Value::Int(r));
            }
        }
        if let (Value::Float(x), Value::Float(y)) = (a, b) {
            match op {
                BinOp::Add => return Ok(Value::Float(x + y)),
                BinOp::Sub => return Ok(Value::Float(x - y)),
                BinOp::Mul => return Ok(Value::Float(x * y)),
                _ => {}
            }
        }
        if a.is_int() && b.is_int() {
            return self.int_op(op, a, b);
        }
        if let (Some(x), Some(y)) = (as_f64(a), as_f64(b)) {
            if matches!(a, Value::Float(_)) || matches!(b, Value::Float(_)) {
                if (matches!(a, Value::Big(_)) && x.is_infinite())
                    || (matches!(b, Value::Big(_)) && y.is_infinite())
                {
                    return err("OverflowError", "int too large to convert to float");
                }
                return self.float_op(op, x, y, a, b);
            }
        }
        self.seq_op(op, a, b)
    }

    #[inline(never)]
    fn int_op(&mut self, op: BinOp, a: &Value, b: &Value) -> R<Value> {
        let x = a.to_big().unwrap_or_else(BigInt::zero);
        let y = b.to_big().unwrap_or_else(BigInt::zero);
        let r = match op {
            BinOp::Add => x.add(&y),
            BinOp::Sub => x.sub(&y),
            BinOp::Mul => {
                self.check_alloc((x.bits() + y.bits()) as u128 / 8)?;
                x.mul(&y)
            }
            BinOp::FloorDiv | BinOp::Mod => match x.divmod(&y) {
                Some((q, r)) => {
                    if op == BinOp::FloorDiv {
                        q
                    } else {
                        r
                    }
                }
                None => {
                    let m = if op == BinOp::Mod {
                        "integer modulo by zero"
                    } else {
                        "integer division or modulo by zero"
                    };
                    return err("ZeroDivisionError", m);
                }
            },
            BinOp::Div => {
                if y.is_zero() {
                    return err("ZeroDivisionError", "division by zero");
                }
                return self.int_truediv(&x, &y);
            }
            BinOp::Pow => {
                if y.neg {
                    let (fx, fy) = (x.to_f64(), y.to_f64());
                    if fx == 0.0 {
                        return err(
                            "ZeroDivisionError",
                            "0.0 cannot be raised to a negative power",
                        );
                    }
                    return Ok(Value::Float(fx.powf(fy)));
                }
                let e = match y.to_i64() {
                    Some(e) => e as u64,
                    None => u64::MAX,
                };
                let xb = x.bits();
                if xb <= 1 || e <= 1 {
                    // 0, 1, -1 bases or trivial exponents
                    if x.is_zero() {
                        return Ok(Value::Int(if e == 0 { 1 } else { 0 }));
                    }
                    if xb == 1 {
                        return Ok(Value::Int(if x.neg && e % 2 == 1 { -1 } else { 1 }));
                    }
                    return Ok(if e == 0 { Value::Int(1) } else { a.clone() });
                }
                let bits = (xb as u128) * (e as u128);
                self.check_alloc(bits / 8)?;
                x.pow(e)
            }
            BinOp::LShift | BinOp::RShift => {
                if y.neg {
                    return err("ValueError", "negative shift count");
                }
                let s = y.to_i64().unwrap_or(i64::MAX) as u128;
                if op == BinOp::LShift {
                    if x.is_zero() {
                        return Ok(Value::Int(0));
                    }
                    self.check_alloc((x.bits() as u128 + s) / 8)?;
                    x.shl(s as usize)
                } else if s > x.bits() as u128 {
                    BigInt::from_i64(if x.neg { -1 } else { 0 })
                } else {
                    x.shr(s as usize)
                }
            }
            BinOp::BitAnd => x.bitop(&y, 0),
            BinOp::BitOr => x.bitop(&y, 1),
            BinOp::BitXor => x.bitop(&y, 2),
            BinOp::MatMul => return self.type_error_binop(op, a, b),
        };
        if let (Value::Bool(_), Value::Bool(_)) = (a, b) {
            if matches!(op, BinOp::BitAnd | BinOp::BitOr | BinOp::BitXor) {
                return Ok(Value::Bool(!r.is_zero()));
            }
        }
        Ok(Value::from_bigint(r))
    }

    fn int_truediv(&mut self, x: &BigInt, y: &BigInt) -> R<Value> {
        let (fx, fy) = (x.to_f64(), y.to_f64());
        if fx.is_finite() && fy.is_finite() && x.bits() <= 53 && y.bits() <= 53 {
            return Ok(Value::Float(fx / fy));
        }
        // scale so the quotient has 54-56 significant bits, divide exactly,
        // keep a sticky bit for the remainder: one correct rounding to f64
        let shift = 55i64 - (x.bits() as i64 - y.bits() as i64);
        let (num, den) = if shift > 0 {
            (x.abs().shl(shift as usize), y.abs())
        } else {
            (x.abs(), y.abs().shl((-shift) as usize))
        };
        let (q, r) = num.divmod(&den).unwrap_or((BigInt::zero(), BigInt::zero()));
        let qi = q.to_i64().unwrap_or(0) as u64;
        let qf = (if r.is_zero() { qi } else { qi | 1 }) as f64;
        // scale in two steps so 2^-shift itself cannot overflow/underflow early
        let half = -shift / 2;
        let v = qf * pow2(half) * pow2(-shift - half);
        if v.is_infinite() {
            return err(
                "OverflowError",
                "integer division result too large for a float",
            );
        }
        Ok(Value::Float(if x.neg != y.neg { -v } else { v }))
    }

    #[inline(never)]
    fn float_op(&mut self, op: BinOp, x: f64, y: f64, a: &Value, b: &Value) -> R<Value> {
        Ok(Value::Float(match op {
            BinOp::Add => x + y,
            BinOp::Sub => x - y,
            BinOp::Mul => x * y,
            BinOp::Div => {
                if y == 0.0 {
                    return err("ZeroDivisionError", "float division by zero");
                }
                x / y
            }
            BinOp::FloorDiv => {
                if y == 0.0 {
                    return err("ZeroDivisionError", "float floor division by zero");
                }
                py_floordiv_f(x, y)
            }
            BinOp::Mod => {
                if y == 0.0 {
                    return err("ZeroDivisionError", "float modulo");
                }
                py_mod_f(x, y)
            }
            BinOp::Pow => {
                if x == 0.0 && y < 0.0 {
                    return err(
                        "ZeroDivisionError",
                        "0.0 cannot be raised to a negative power",
                    );
                }
                if x < 0.0 && y.fract() != 0.0 {
                    return err(
                        "ValueError",
                        "complex results are not supported in the sandbox",
                    );
                }
                let r = x.powf(y);
                if r.is_infinite() && x.is_finite() && y.is_finite() {
                    return err("OverflowError", "(34, 'Numerical result out of range')");
                }
                r
            }
            _ => return self.type_error_binop(op, a, b),
        }))
    }

    pub fn type_error_binop(&mut self, op: BinOp, a: &Value, b: &Value) -> R<Value> {
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

    fn repeat_count(&mut self, n: &Value, unit: usize) -> R<usize> {
        let n = match n {
            Value::Int(i) => *i,
            Value::Bool(b) => *b as i64,
            Value::Big(b) => {
                if b.neg {
                    0
                } else {
                    return err(
                        "OverflowError",
                        "cannot fit 'int' into an index-sized integer",
                    );
                }
            }
            _ => return err("TypeError", "can't multiply sequence by non-int"),
        };
        if n <= 0 {
            return Ok(0);
        }
        self.check_alloc(n as u128 * unit as u128)?;
        Ok(n as usize)
    }

    #[inline(never)]
    fn seq_op(&mut self, op: BinOp, a: &Value, b: &Value) -> R<Value> {
        match (op, a, b) {
            (BinOp::Add, Value::Str(x), Value::Str(y)) => {
                self.check_alloc(x.len() as u128 + y.len() as u128)?;
                let mut s = String::with_capacity(x.len() + y.len());
                s.push_str(x);
                s.push_str(y);
                Ok(Value::str(&s))
            }
            (BinOp::Add, Value::List(x), Value::List(y)) => {
                let mut v = x.borrow().clone();
                v.extend(y.borrow().iter().cloned());
                Ok(Value::list(v))
            }
            (BinOp::Add, Value::Tuple(x), Value::Tuple(y)) => {
                let mut v = (**x).clone();
                v.extend(y.iter().cloned());
                Ok(Value::tuple(v))
            }
            (BinOp::Mul, Value::Str(s), n) | (BinOp::Mul, n, Value::Str(s)) if n.is_int() => {
                let k = self.repeat_count(n, s.len().max(1))?;
                Ok(Value::str(&s.repeat(if s.is_empty() { 0 } else { k })))
            }
            (BinOp::Mul, Value::List(l), n) | (BinOp::Mul, n, Value::List(l)) if n.is_int() => {
                let items = l.borrow().clone();
                let k = self.repeat_count(n, items.len().max(1) * 16)?;
                let mut out = Vec::with_capacity(items.len() * k);
                for _ in 0..k {
                    out.extend(items.iter().cloned());
                }
                Ok(Value::list(out))
            }
            (BinOp::Mul, Value::Tuple(t), n) | (BinOp::Mul, n, Value::Tuple(t)) if n.is_int() => {
                let k = self.repeat_count(n, t.len().max(1) * 16)?;
                let mut out = Vec::with_capacity(t.len() * k);
                for _ in 0..k {
                    out.extend(t.iter().cloned());
                }
                Ok(Value::tuple(out))
            }
            (BinOp::Mod, Value::Str(s), args) => Ok(Value::str(&self.percent_format(s, args)?)),
            (BinOp::BitOr, Value::Dict(x), Value::Dict(y)) => {
                let mut d = Dict::new();
                for (k, v) in x.borrow().items().into_iter().chain(y.borrow().items()) {
                    self.dict_set(&mut d, k, v)?;
                }
                Ok(Value::Dict(Rc::new(std::cell::RefCell::new(d))))
            }
            (
                BinOp::BitOr | BinOp::BitAnd | BinOp::Sub | BinOp::BitXor,
                Value::Set(_) | Value::FrozenSet(_),
                Value::Set(_) | Value::FrozenSet(_),
            ) => {
                let name = match op {
                    BinOp::BitOr => "union",
                    BinOp::BitAnd => "intersection",
                    BinOp::Sub => "difference",
                    _ => "symmetric_difference",
                };
                self.call_method(a, name, vec![b.clone()], Vec::new())
            }
            (_, Value::Instance(_), _) | (_, _, Value::Instance(_)) => {
                self.instance_binop(op, a, b)
            }
            (BinOp::Add, Value::Str(_) | Value::List(_) | Value::Tuple(_), _) => err(
                "TypeError",
                format!(
                    "can only concatenate {} (not \"{}\") to {}",
                    a.type_name(),
                    b.type_name(),
                    a.type_name()
                ),
            ),
            _ => self.type_error_binop(op, a, b),
        }
    }

    #[inline(never)]
    pub fn unary(&mut self, op: UnOp, v: &Value) -> R<Value> {
        match (op, v) {
            (UnOp::Not, v) => Ok(Value::Bool(!self.truthy(v)?)),
            (UnOp::Neg, Value::Int(i)) if *i != i64::MIN => Ok(Value::Int(-i)),
            (UnOp::Neg, Value::Float(f)) => Ok(Value::Float(-f)),
            (UnOp::Pos, Value::Float(f)) => Ok(Value::Float(*f)),
            (UnOp::Neg, v) if v.is_int() => Ok(Value::from_bigint(
                v.to_big().unwrap_or_else(BigInt::zero).neg(),
            )),
            (UnOp::Pos, v) if v.is_int() => {
                Ok(Value::from_bigint(v.to_big().unwrap_or_else(BigInt::zero)))
            }
            (UnOp::Invert, v) if v.is_int() => {
                let b = v.to_big().unwrap_or_else(BigInt::zero);
                Ok(Value::from_bigint(b.neg().sub(&BigInt::from_i64(1))))
            }
            (UnOp::Neg, Value::Instance(_)) => self.instance_unary("__neg__", v),
            _ => {
                let s = match op {
                    UnOp::Neg => "-",
                    UnOp::Pos => "+",
                    _ => "~",
                };
                err(
                    "TypeError",
                    format!("bad operand type for unary {}: '{}'", s, v.type_name()),
                )
            }
        }
    }

    pub fn compare(&mut self, op: CmpOp, a: &Value, b: &Value) -> R<bool> {
        if let (Value::Int(x), Value::Int(y)) = (a, b) {
            match op {
                CmpOp::Lt => return Ok(x < y),
                CmpOp::Le => return Ok(x <= y),
                CmpOp::Gt => return Ok(x > y),
                CmpOp::Ge => return Ok(x >= y),
                CmpOp::Eq => return Ok(x == y),
                CmpOp::Ne => return Ok(x != y),
                _ => {}
            }
        }
        self.compare_slow(op, a, b)
    }

    #[inline(never)]
    fn compare_slow(&mut self, op: CmpOp, a: &Value, b: &Value) -> R<bool> {
        match op {
            CmpOp::Eq => self.eq(a, b),
            CmpOp::Ne => Ok(!self.eq(a, b)?),
            CmpOp::Is => Ok(is(a, b)),
            CmpOp::IsNot => Ok(!is(a, b)),
            CmpOp::In => self.contains(b, a),
            CmpOp::NotIn => Ok(!self.contains(b, a)?),
            CmpOp::Lt => Ok(self.cmp(a, b, "<")? == Ordering::Less),
            CmpOp::Gt => Ok(self.cmp(a, b, ">")? == Ordering::Greater),
            CmpOp::Le => {
                let o = self.cmp(a, b, "<=")?;
                Ok(o != Ordering::Greater && !is_nan_pair(a, b))
            }
            CmpOp::Ge => {
                let o = self.cmp(a, b, ">=")?;
                Ok(o != Ordering::Less && !is_nan_pair(a, b))
            }
        }
    }

    #[inline(never)]
    pub fn eq(&mut self, a: &Value, b: &Value) -> R<bool> {
        if let (Value::Instance(_), _) | (_, Value::Instance(_)) = (a, b) {
            return self.instance_eq(a, b);
        }
        Ok(eq(a, b))
    }

    /// Total order used by `<` and `sorted` (NaN compares as Equal).
    #[inline(never)]
    pub fn cmp(&mut self, a: &Value, b: &Value, sym: &str) -> R<Ordering> {
        use Value::*;
        match (a, b) {
            (Int(x), Int(y)) => Ok(x.cmp(y)),
            (Float(x), Float(y)) => Ok(x.partial_cmp(y).unwrap_or(Ordering::Equal)),
            (Str(x), Str(y)) => Ok(x.cmp(y)),
            (Int(_) | Bool(_) | Big(_), Int(_) | Bool(_) | Big(_)) => Ok(a
                .to_big()
                .unwrap_or_else(BigInt::zero)
                .cmp(&b.to_big().unwrap_or_else(BigInt::zero))),
            (Float(x), Int(_) | Bool(_) | Big(_)) => Ok(cmp_float_int(*x, b)),
            (Int(_) | Bool(_) | Big(_), Float(y)) => Ok(cmp_float_int(*y, a).reverse()),
            (List(_), List(_)) | (Tuple(_), Tuple(_)) => {
                let xs = self.collect(a)?;
                let ys = self.collect(b)?;
                for (x, y) in xs.iter().zip(ys.iter()) {
                    if !self.eq(x, y)? {
                        return self.cmp(x, y, sym);
                    }
                }
                Ok(xs.len().cmp(&ys.len()))
            }
            (Set(x) | FrozenSet(x), Set(y) | FrozenSet(y)) => {
                let (x, y) = (x.borrow(), y.borrow());
                let sub = x
                    .keys()
                    .iter()
                    .all(|k| hkey(k).map(|h| y.contains(&h)).unwrap_or(false));
                let sup = y
                    .keys()
                    .iter()
                    .all(|k| hkey(k).map(|h| x.contains(&h)).unwrap_or(false));
                Ok(match (sub, sup) {
                    (true, true) => Ordering::Equal,
                    (true, false) => Ordering::Less,
                    (false, true) => Ordering::Greater,
                    // incomparable: make every strict/non-strict test false
                    _ => {
                        if sym.starts_with('<') {
                            Ordering::Greater
                        } else {
                            Ordering::Less
                        }
                    }
                })
            }
            (Instance(_), _) | (_, Instance(_)) => self.instance_cmp(a, b, sym),
            _ => err(
                "TypeError",
                format!(
                    "'{}' not supported between instances of '{}' and '{}'",
                    sym,
                    a.type_name(),
                    b.type_name()
                ),
            ),
        }
    }

    #[inline(never)]
    pub fn contains(&mut self, container: &Value, item: &Value) -> R<bool> {
        match container {
            Value::Str(s) => match item {
                Value::Str(sub) => Ok(s.contains(&**sub)),
                o => err(
                    "TypeError",
                    format!(
                        "'in <string>' requires string as left operand, not {}",
                        o.type_name()
                    ),
                ),
            },
            Value::Dict(d) | Value::Set(d) | Value::FrozenSet(d) => {
                let h = self.hash(item)?;
                Ok(d.borrow().contains(&h))
            }
            Value::Range(r) => Ok(match item {
                Value::Int(i) => {
                    let i = *i;
                    let n = r.len();
                    n > 0
                        && ((r.step > 0 && i >= r.start && i < r.stop)
                            || (r.step < 0 && i <= r.start && i > r.stop))
                        && (i - r.start) % r.step == 0
                }
                _ => false,
            }),
            Value::List(l) => {
                let items = l.borrow().clone();
                for x in items.iter() {
                    if self.eq(x, item)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            Value::Tuple(t) => {
                for x in t.iter() {
                    if self.eq(x, item)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            Value::View(d, 0) => {
                let h = self.hash(item)?;
                Ok(d.borrow().contains(&h))
            }
            Value::Iter(_) | Value::View(..) => {
                let mut st = self.make_iter(container)?;
                while let Some(x) = self.iter_next(&mut st)? {
                    if self.eq(&x, item)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            Value::Instance(_) => self.instance_contains(container, item),
            o => err(
                "TypeError",
                format!("argument of type '{}' is not iterable", o.type_name()),
            ),
        }
    }

    // ------------------------------------------------------------ str/repr

    fn check_int_digits(&self, v: &Value, depth: usize) -> R<()> {
        match v {
            Value::Big(b) => {
                let min_digits =
                    ((b.bits() - 1) as f64 * std::f64::consts::LOG10_2).floor() as u64 + 1;
                if min_digits > INT_MAX_STR_DIGITS
                    || (b.approx_decimal_digits() > INT_MAX_STR_DIGITS
                        && b.to_str_radix(10).trim_start_matches('-').len() as u64
                            > INT_MAX_STR_DIGITS)
                {
                    return err(
                        "ValueError",
                        format!("Exceeds the limit ({} digits) for integer string conversion; use sys.set_int_max_str_digits() to increase the limit", INT_MAX_STR_DIGITS),
                    );
                }
            }
            Value::List(l) if depth < INT_DIGITS_CHECK_DEPTH => {
                for x in l.borrow().iter() {
                    self.check_int_digits(x, depth + 1)?;
                }
            }
            Value::Tuple(t) if depth < INT_DIGITS_CHECK_DEPTH => {
                for x in t.iter() {
                    self.check_int_digits(x, depth + 1)?;
                }
            }
            Value::Dict(d) if depth < INT_DIGITS_CHECK_DEPTH => {
                for (k, x) in d.borrow().items() {
                    self.check_int_digits(&k, depth + 1)?;
                    self.check_int_digits(&x, depth + 1)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    #[inline(never)]
    pub fn repr(&mut self, v: &Value) -> R<String> {
        self.check_int_digits(v, 0)?;
        match v {
            Value::Instance(_) => self.instance_repr(v),
            Value::List(l) if l.borrow().iter().any(|x| matches!(x, Value::Instance(_))) => {
                let items = l.borrow().clone();
                let mut parts = Vec::new();
                for x in items.iter() {
                    parts.push(self.repr(x)?);
                }
                Ok(format!("[{}]", parts.join(", ")))
            }
            _ => Ok(repr(v)),
        }
    }

    #[inline(never)]
    pub fn to_str(&mut self, v: &Value) -> R<String> {
        match v {
            Value::Str(s) => Ok(s.to_string()),
            Value::Instance(_) => self.instance_str(v),
            Value::Exc(e) => {
                if e.args.len() == 1
                    && !matches!(e.typ, Value::Type("KeyError"))
                    && e.attrs.borrow().is_empty()
                {
                    self.to_str(&e.args[0].clone())
                } else {
                    Ok(exc_str(e))
                }
            }
            _ => self.repr(v),
        }
    }

    #[inline(never)]
    pub fn format_value(&mut self, v: &Value, spec: &str) -> R<String> {
        if spec.is_empty() {
            return self.to_str(v);
        }
        let sp = match format::parse_spec(spec) {
            Ok(s) => s,
            Err(m) => return err("ValueError", m),
        };
        let r = match v {
            Value::Int(_) | Value::Big(_) | Value::Bool(_) => {
                self.check_int_digits(v, 0)?;
                format::format_int(&v.to_big().unwrap_or_else(BigInt::zero), &sp)
            }
            Value::Float(f) => format::format_float(*f, &sp),
            Value::Str(s) => format::format_str(s, &sp),
            _ => {
                if sp.ty.is_some() || sp.prec.is_some() {
                    Err(format!(
                        "unsupported format string passed to {}.__format__",
                        v.type_name()
                    ))
                } else {
                    let s = self.to_str(v)?;
                    format::format_str(&s, &sp)
                }
            }
        };
        r.or_else(|m| err("ValueError", m))
    }

    /// printf-style `"%d items" % n`.
    #[inline(never)]
    fn percent_format(&mut self, fmt: &str, args: &Value) -> R<String> {
        let args: Vec<Value> = match args {
            Value::Tuple(t) => (**t).clone(),
            v => vec![v.clone()],
        };
        let chars: Vec<char> = fmt.chars().collect();
        let mut out = String::new();
        let mut ai = 0;
        let mut i = 0;
        while i < chars.len() {
            if chars[i] != '%' {
                out.push(chars[i]);
                i += 1;
                continue;
            }
            i += 1;
            let st = i;
            while i < chars.len() && "-+ #0123456789.".contains(chars[i]) {
                i += 1;
            }
            let flags: String = chars[st..i.min(chars.len())].iter().collect();
            let conv = match chars.get(i) {
                Some(c) => *c,
                None => return err("ValueError", "incomplete format"),
            };
            i += 1;
            if conv == '%' {
                out.push('%');
                continue;
            }
            let arg = match args.get(ai) {
                Some(a) => a.clone(),
                None => return err("TypeError", "not enough arguments for format string"),
            };
            ai += 1;
            // translate to a format spec: flags '-' means left align
            let mut spec = String::new();
            let left = flags.contains('-');
            let f2: String = flags.chars().filter(|c| *c != '-').collect();
            if left {
                spec.push('<');
            }
            spec.push_str(&f2);
            if !left && matches!(conv, 's' | 'r' | 'a') {
                spec.insert(0, '>');
            }
            let s = match conv {
                's' => {
                    let s = self.to_str(&arg)?;
                    self.format_value(&Value::str(&s), &spec)?
                }
                'r' | 'a' => {
                    let s = self.repr(&arg)?;
                    self.format_value(&Value::str(&s), &spec)?
                }
                'd' | 'i' | 'u' => {
                    let iv = match &arg {
                        Value::Float(f) => Value::from_bigint(BigInt::from_f64(*f)),
                        v if v.is_int() => v.clone(),
                        v => {
                            return err(
                                "TypeError",
                                format!(
                                    "%{} format: a real number is required, not {}",
                                    conv,
                                    v.type_name()
                                ),
                            )
                        }
                    };
                    self.format_value(&iv, &(spec + "d"))?
                }
                'f' | 'F' | 'e' | 'E' | 'g' | 'G' | 'x' | 'X' | 'o' | 'c' => {
                    let v = if matches!(conv, 'x' | 'X' | 'o' | 'c') {
                        arg
                    } else {
                        Value::Float(as_f64(&arg).unwrap_or(f64::NAN))
                    };
                    spec.push(conv);
                    self.format_value(&v, &spec)?
                }
                c => {
                    return err(
                        "ValueError",
                        format!("unsupported format character '{}' (0x{:x})", c, c as u32),
                    )
                }
            };
            out.push_str(&s);
        }
        if ai < args.len() {
            return err(
                "TypeError",
                "not all arguments converted during string formatting",
            );
        }
        Ok(out)
    }
}

/// 2^e as f64 (exact for -1022..=1023, saturating beyond).
pub fn pow2(e: i64) -> f64 {
    if e > 1023 {
        return f64::INFINITY;
    }
    if e < -1022 {
        return pow2(e + 1022) * pow2(-1022);
    }
    f64::from_bits(((1023 + e) as u64) << 52)
}

fn is_nan_pair(a: &Value, b: &Value) -> bool {
    matches!(a, Value::Float(f) if f.is_nan()) || matches!(b, Value::Float(f) if f.is_nan())
}

fn cmp_float_int(x: f64, i: &Value) -> Ordering {
    if x.is_nan() {
        return Ordering::Equal;
    }
    if x.is_infinite() {
        return if x > 0.0 {
            Ordering::Greater
        } else {
            Ordering::Less
        };
    }
    let ib = i.to_big().unwrap_or_else(BigInt::zero);
    let fl = BigInt::from_f64(x.floor());
    match fl.cmp(&ib) {
        Ordering::Equal => {
            if x.fract() != 0.0 {
                Ordering::Greater
            } else {
                Ordering::Equal
            }
        }
        o => o,
    }
}
