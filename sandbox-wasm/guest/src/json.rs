//! `json.dumps` / `json.loads` with CPython's default formatting
//! (`", "` / `": "` separators, `ensure_ascii=True`, optional indent).

use crate::bigint::BigInt;
use crate::format::float_repr;
use crate::interp::{err, Ctrl, Interp, PyExc, R};
use crate::limits::MAX_JSON_DEPTH;
use crate::value::*;
use std::cell::RefCell;
use std::rc::Rc;

fn json_str(s: &str, out: &mut String, ascii: bool) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (ascii && (c as u32) > 0x7e) => {
                let mut buf = [0u16; 2];
                for u in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{:04x}", u));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

struct Opts {
    indent: Option<String>,
    item_sep: String,
    key_sep: String,
    sort_keys: bool,
    ascii: bool,
}

fn kw(kw: &[(Rc<str>, Value)], name: &str) -> Option<Value> {
    kw.iter()
        .find(|(k, _)| &**k == name)
        .map(|(_, v)| v.clone())
}

pub fn dumps(it: &mut Interp, args: &[Value], kwargs: &[(Rc<str>, Value)]) -> R<Value> {
    let v = match args.first() {
        Some(v) => v.clone(),
        None => {
            return err(
                "TypeError",
                "dumps() missing 1 required positional argument: 'obj'",
            )
        }
    };
    let indent = match kw(kwargs, "indent") {
        Some(Value::Int(n)) => Some(" ".repeat(n.clamp(0, 64) as usize)),
        Some(Value::Str(s)) => Some(s.to_string()),
        _ => None,
    };
    let (mut item_sep, mut key_sep) = (
        if indent.is_some() { "," } else { ", " }.to_string(),
        ": ".to_string(),
    );
    if let Some(Value::Tuple(t)) = kw(kwargs, "separators") {
        if let (Some(Value::Str(a)), Some(Value::Str(b))) = (t.first(), t.get(1)) {
            item_sep = a.to_string();
            key_sep = b.to_string();
        }
    }
    let sort_keys = match kw(kwargs, "sort_keys") {
        Some(v) => it.truthy(&v)?,
        None => false,
    };
    let ascii = match kw(kwargs, "ensure_ascii") {
        Some(v) => it.truthy(&v)?,
        None => true,
    };
    let o = Opts {
        indent,
        item_sep,
        key_sep,
        sort_keys,
        ascii,
    };
    let mut out = String::new();
    encode(it, &v, &o, 0, &mut out)?;
    Ok(Value::str(&out))
}

fn newline(o: &Opts, level: usize, out: &mut String) {
    if let Some(ind) = &o.indent {
        out.push('\n');
        for _ in 0..level {
            out.push_str(ind);
        }
    }
}

fn encode(it: &mut Interp, v: &Value, o: &Opts, level: usize, out: &mut String) -> R<()> {
    if level > MAX_JSON_DEPTH {
        return err(
            "RecursionError",
            "maximum recursion depth exceeded while encoding a JSON object",
        );
    }
    if out.len() > it.limits.memory_bytes {
        return err("MemoryError", "");
    }
    match v {
        Value::None => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(_) | Value::Big(_) => out.push_str(&it.repr(v)?),
        Value::Float(f) => out.push_str(&if f.is_nan() {
            "NaN".into()
        } else if f.is_infinite() {
            if *f > 0.0 {
                "Infinity".into()
            } else {
                "-Infinity".into()
            }
        } else {
            float_repr(*f)
        }),
        Value::Str(s) => json_str(s, out, o.ascii),
        Value::List(_) | Value::Tuple(_) => {
            let items = it.collect(v)?;
            if items.is_empty() {
                out.push_str("[]");
                return Ok(());
            }
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(&o.item_sep);
                }
                newline(o, level + 1, out);
                encode(it, x, o, level + 1, out)?;
            }
            newline(o, level, out);
            out.push(']');
        }
        Value::Dict(d) => {
            let mut items = d.borrow().items();
            if items.is_empty() {
                out.push_str("{}");
                return Ok(());
            }
            let mut keyed = Vec::with_capacity(items.len());
            for (k, x) in items.drain(..) {
                let ks = match &k {
                    Value::Str(s) => s.to_string(),
                    Value::None => "null".into(),
                    Value::Bool(b) => (if *b { "true" } else { "false" }).into(),
                    Value::Int(_) | Value::Big(_) | Value::Float(_) => it.repr(&k)?,
                    o2 => {
                        return err(
                            "TypeError",
                            format!(
                                "keys must be str, int, float, bool or None, not {}",
                                o2.type_name()
                            ),
                        )
                    }
                };
                keyed.push((ks, x));
            }
            if o.sort_keys {
                keyed.sort_by(|a, b| a.0.cmp(&b.0));
            }
            out.push('{');
            for (i, (k, x)) in keyed.iter().enumerate() {
                if i > 0 {
                    out.push_str(&o.item_sep);
                }
                newline(o, level + 1, out);
                json_str(k, out, o.ascii);
                out.push_str(&o.key_sep);
                encode(it, x, o, level + 1, out)?;
            }
            newline(o, level, out);
            out.push('}');
        }
        other => {
            return err(
                "TypeError",
                format!(
                    "Object of type {} is not JSON serializable",
                    other.type_name()
                ),
            )
        }
    }
    Ok(())
}

struct JParser<'a> {
    s: &'a [u8],
    text: &'a str,
    pos: usize,
    depth: usize,
}

fn decode_error(msg: &str, text: &str, pos: usize) -> Ctrl {
    let before = &text.as_bytes()[..pos.min(text.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let col = pos
        - before
            .iter()
            .rposition(|&b| b == b'\n')
            .map(|p| p + 1)
            .unwrap_or(0)
        + 1;
    let m = format!("{}: line {} column {} (char {})", msg, line, col, pos);
    let e = Exc {
        typ: Value::Type("JSONDecodeError"),
        args: vec![Value::str(&m)],
        attrs: RefCell::new(Vec::new()),
    };
    Ctrl::Exc(Box::new(PyExc {
        val: Value::Exc(Rc::new(e)),
        line: None,
    }))
}

impl<'a> JParser<'a> {
    fn ws(&mut self) {
        while self.pos < self.s.len() && matches!(self.s[self.pos], b' ' | b'\t' | b'\n' | b'\r') {
            self.pos += 1;
        }
    }
    fn fail<T>(&self, msg: &str) -> R<T> {
        Err(decode_error(msg, self.text, self.pos))
    }
    fn value(&mut self, it: &mut Interp) -> R<Value> {
        self.ws();
        self.depth += 1;
        if self.depth > MAX_JSON_DEPTH {
            return err(
                "RecursionError",
                "maximum recursion depth exceeded while decoding a JSON document",
            );
        }
        let r = self.value_inner(it);
        self.depth -= 1;
        r
    }
    fn value_inner(&mut self, it: &mut Interp) -> R<Value> {
        let c = match self.s.get(self.pos) {
            Some(c) => *c,
            None => return self.fail("Expecting value"),
        };
        match c {
            b'{' => {
                self.pos += 1;
                let mut d = Dict::new();
                self.ws();
                if self.s.get(self.pos) == Some(&b'}') {
                    self.pos += 1;
                    return Ok(Value::Dict(Rc::new(RefCell::new(d))));
                }
                loop {
                    self.ws();
                    if self.s.get(self.pos) != Some(&b'"') {
                        return self.fail("Expecting property name enclosed in double quotes");
                    }
                    let k = self.string()?;
                    self.ws();
                    if self.s.get(self.pos) != Some(&b':') {
                        return self.fail("Expecting ':' delimiter");
                    }
                    self.pos += 1;
                    let v = self.value(it)?;
                    it.dict_set(&mut d, k, v)?;
                    self.ws();
                    match self.s.get(self.pos) {
                        Some(b',') => self.pos += 1,
                        Some(b'}') => {
                            self.pos += 1;
                            return Ok(Value::Dict(Rc::new(RefCell::new(d))));
                        }
                        _ => return self.fail("Expecting ',' delimiter"),
                    }
                }
            }
            b'[' => {
                self.pos += 1;
                let mut items = Vec::new();
                self.ws();
                if self.s.get(self.pos) == Some(&b']') {
                    self.pos += 1;
                    return Ok(Value::list(items));
                }
                loop {
                    items.push(self.value(it)?);
                    self.ws();
                    match self.s.get(self.pos) {
                        Some(b',') => self.pos += 1,
                        Some(b']') => {
                            self.pos += 1;
                            return Ok(Value::list(items));
                        }
                        _ => return self.fail("Expecting ',' delimiter"),
                    }
                }
            }
            b'"' => self.string(),
            b't' if self.s[self.pos..].starts_with(b"true") => {
                self.pos += 4;
                Ok(Value::Bool(true))
            }
            b'f' if self.s[self.pos..].starts_with(b"false") => {
                self.pos += 5;
                Ok(Value::Bool(false))
            }
            b'n' if self.s[self.pos..].starts_with(b"null") => {
                self.pos += 4;
                Ok(Value::None)
            }
            b'N' if self.s[self.pos..].starts_with(b"NaN") => {
                self.pos += 3;
                Ok(Value::Float(f64::NAN))
            }
            b'I' if self.s[self.pos..].starts_with(b"Infinity") => {
                self.pos += 8;
                Ok(Value::Float(f64::INFINITY))
            }
            b'-' | b'0'..=b'9' => {
                let st = self.pos;
                if c == b'-' {
                    self.pos += 1;
                    if self.s[self.pos..].starts_with(b"Infinity") {
                        self.pos += 8;
                        return Ok(Value::Float(f64::NEG_INFINITY));
                    }
                }
                let digits_start = self.pos;
                while self.pos < self.s.len() && self.s[self.pos].is_ascii_digit() {
                    self.pos += 1;
                }
                if self.pos == digits_start {
                    self.pos = st;
                    return self.fail("Expecting value");
                }
                let mut is_float = false;
                if self.s.get(self.pos) == Some(&b'.')
                    && self
                        .s
                        .get(self.pos + 1)
                        .map(|c| c.is_ascii_digit())
                        .unwrap_or(false)
                {
                    is_float = true;
                    self.pos += 1;
                    while self.pos < self.s.len() && self.s[self.pos].is_ascii_digit() {
                        self.pos += 1;
                    }
                }
                if matches!(self.s.get(self.pos), Some(b'e') | Some(b'E')) {
                    let save = self.pos;
                    self.pos += 1;
                    if matches!(self.s.get(self.pos), Some(b'+') | Some(b'-')) {
                        self.pos += 1;
                    }
                    if self
                        .s
                        .get(self.pos)
                        .map(|c| c.is_ascii_digit())
                        .unwrap_or(false)
                    {
                        is_float = true;
                        while self.pos < self.s.len() && self.s[self.pos].is_ascii_digit() {
                            self.pos += 1;
                        }
                    } else {
                        self.pos = save;
                    }
                }
                let t = &self.text[st..self.pos];
                if is_float {
                    Ok(Value::Float(t.parse().unwrap_or(f64::NAN)))
                } else {
                    let neg = t.starts_with('-');
                    let b = BigInt::parse_digits(t.trim_start_matches('-'), 10)
                        .unwrap_or_else(BigInt::zero);
                    Ok(Value::from_bigint(if neg { b.neg() } else { b }))
                }
            }
            _ => self.fail("Expecting value"),
        }
    }
    fn string(&mut self) -> R<Value> {
        let start = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            let rest = &self.text[self.pos..];
            let mut chars = rest.char_indices();
            let (_, c) = match chars.next() {
                Some(x) => x,
                None => {
                    self.pos = start;
                    return self.fail("Unterminated string starting at");
                }
            };
            match c {
                '"' => {
                    self.pos += 1;
                    return Ok(Value::str(&out));
                }
                '\\' => {
                    let e = self.s.get(self.pos + 1).copied().unwrap_or(0);
                    self.pos += 2;
                    match e {
                        b'n' => out.push('\n'),
                        b't' => out.push('\t'),
                        b'r' => out.push('\r'),
                        b'b' => out.push('\x08'),
                        b'f' => out.push('\x0c'),
                        b'/' => out.push('/'),
                        b'\\' => out.push('\\'),
                        b'"' => out.push('"'),
                        b'u' => {
                            let hex = self.text.get(self.pos..self.pos + 4).unwrap_or("");
                            let mut cp = match u32::from_str_radix(hex, 16) {
                                Ok(v) if hex.len() == 4 => v,
                                _ => {
                                    self.pos -= 1;
                                    return self.fail("Invalid \\uXXXX escape");
                                }
                            };
                            self.pos += 4;
                            if (0xd800..0xdc00).contains(&cp)
                                && self.text[self.pos..].starts_with("\\u")
                            {
                                if let Ok(lo) = u32::from_str_radix(
                                    self.text.get(self.pos + 2..self.pos + 6).unwrap_or(""),
                                    16,
                                ) {
                                    if (0xdc00..0xe000).contains(&lo) {
                                        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                                        self.pos += 6;
                                    }
                                }
                            }
                            out.push(std::char::from_u32(cp).unwrap_or('\u{fffd}'));
                        }
                        _ => {
                            self.pos -= 2;
                            return self.fail("Invalid \\escape");
                        }
                    }
                }
                c if (c as u32) < 0x20 => return self.fail("Invalid control character at"),
                c => {
                    out.push(c);
                    self.pos += c.len_utf8();
                }
            }
        }
    }
}

pub fn loads(it: &mut Interp, args: &[Value]) -> R<Value> {
    let text = match args.first() {
        Some(Value::Str(s)) => s.clone(),
        Some(o) => {
            return err(
                "TypeError",
                format!(
                    "the JSON object must be str, bytes or bytearray, not {}",
                    o.type_name()
                ),
            )
        }
        None => {
            return err(
                "TypeError",
                "loads() missing 1 required positional argument: 's'",
            )
        }
    };
    let mut p = JParser {
        s: text.as_bytes(),
        text: &text,
        pos: 0,
        depth: 0,
    };
    let v = p.value(it)?;
    p.ws();
    if p.pos < p.s.len() {
        return p.fail("Extra data");
    }
    Ok(v)
}
