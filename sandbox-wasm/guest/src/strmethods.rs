//! Methods of `str`, including `str.format` with format specs.

use crate::builtins::to_int_i64;
use crate::interp::{err, Interp, R};
use crate::methods::{opt_chars_arg, split_ws, strip_chars};
use crate::value::*;
use std::rc::Rc;

named_enum! {
    /// The methods of `str` (`Interp::str_method`).
    pub enum StrMethod {
        Upper = "upper",
        Lower = "lower",
        Strip = "strip",
        Lstrip = "lstrip",
        Rstrip = "rstrip",
        Split = "split",
        Rsplit = "rsplit",
        Join = "join",
        Replace = "replace",
        Startswith = "startswith",
        Endswith = "endswith",
        Find = "find",
        Rfind = "rfind",
        Index = "index",
        Rindex = "rindex",
        Count = "count",
        Isdigit = "isdigit",
        Isalpha = "isalpha",
        Isalnum = "isalnum",
        Isspace = "isspace",
        Isupper = "isupper",
        Islower = "islower",
        Isnumeric = "isnumeric",
        Isdecimal = "isdecimal",
        Istitle = "istitle",
        Isidentifier = "isidentifier",
        Title = "title",
        Capitalize = "capitalize",
        Swapcase = "swapcase",
        Center = "center",
        Ljust = "ljust",
        Rjust = "rjust",
        Zfill = "zfill",
        Format = "format",
        Splitlines = "splitlines",
        Partition = "partition",
        Rpartition = "rpartition",
        Casefold = "casefold",
        Removeprefix = "removeprefix",
        Removesuffix = "removesuffix",
        Encode = "encode",
        Isascii = "isascii",
        Expandtabs = "expandtabs",
    }
}

fn arg(args: &[Value], i: usize) -> Value {
    args.get(i).cloned().unwrap_or(Value::None)
}

fn s_arg(args: &[Value], i: usize, meth: &str) -> R<Rc<str>> {
    match args.get(i) {
        Some(Value::Str(s)) => Ok(s.clone()),
        Some(o) => err("TypeError", format!("must be str, not {}", o.type_name())),
        None => err(
            "TypeError",
            format!("{}() takes at least 1 argument (0 given)", meth),
        ),
    }
}

fn char_len(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().count()
    }
}

/// Byte offset of char index `ci` in `s`.
fn byte_at(s: &str, ci: usize) -> usize {
    if s.is_ascii() {
        return ci.min(s.len());
    }
    s.char_indices().nth(ci).map(|(b, _)| b).unwrap_or(s.len())
}

fn char_index(s: &str, byte: usize) -> usize {
    if s.is_ascii() {
        byte
    } else {
        s[..byte].chars().count()
    }
}

impl Interp {
    fn bounds(&mut self, s: &str, args: &[Value], from: usize) -> R<(usize, usize)> {
        let n = char_len(s) as i64;
        let norm = |v: i64| if v < 0 { (v + n).max(0) } else { v.min(n) };
        let a = match args.get(from) {
            Some(Value::None) | None => 0,
            Some(v) => norm(to_int_i64(v, "")?),
        };
        let b = match args.get(from + 1) {
            Some(Value::None) | None => n,
            Some(v) => norm(to_int_i64(v, "")?),
        };
        Ok((byte_at(s, a as usize), byte_at(s, b.max(a) as usize)))
    }

    #[inline(never)]
    pub fn str_method(
        &mut self,
        s: &Rc<str>,
        m: StrMethod,
        args: Vec<Value>,
        kw: Vec<(Rc<str>, Value)>,
    ) -> R<Value> {
        let name = m.name();
        let v = |x: String| Ok(Value::str(&x));
        match m {
            StrMethod::Upper => v(s.to_uppercase()),
            StrMethod::Lower | StrMethod::Casefold => v(s.to_lowercase()),
            StrMethod::Strip | StrMethod::Lstrip | StrMethod::Rstrip => {
                let cs = opt_chars_arg(&arg(&args, 0), name)?;
                v(strip_chars(
                    s,
                    &cs,
                    m != StrMethod::Rstrip,
                    m != StrMethod::Lstrip,
                ))
            }
            StrMethod::Split | StrMethod::Rsplit => {
                let sep = args
                    .first()
                    .cloned()
                    .or_else(|| kw.iter().find(|(k, _)| &**k == "sep").map(|x| x.1.clone()));
                let maxs = args.get(1).cloned().or_else(|| {
                    kw.iter()
                        .find(|(k, _)| &**k == "maxsplit")
                        .map(|x| x.1.clone())
                });
                let maxsplit = match maxs {
                    Some(m) => to_int_i64(&m, "")?,
                    None => -1,
                };
                match sep {
                    None | Some(Value::None) => {
                        if m == StrMethod::Rsplit && maxsplit >= 0 {
                            let rev: String = s.chars().rev().collect();
                            let mut parts: Vec<Value> = split_ws(&rev, maxsplit)
                                .into_iter()
                                .map(|p| match p {
                                    Value::Str(x) => {
                                        Value::str(&x.chars().rev().collect::<String>())
                                    }
                                    o => o,
                                })
                                .collect();
                            parts.reverse();
                            return Ok(Value::list(parts));
                        }
                        Ok(Value::list(split_ws(s, maxsplit)))
                    }
                    Some(Value::Str(sep)) => {
                        if sep.is_empty() {
                            return err("ValueError", "empty separator");
                        }
                        let parts: Vec<Value> = if maxsplit < 0 {
                            s.split(&*sep).map(Value::str).collect()
                        } else if m == StrMethod::Split {
                            s.splitn(maxsplit as usize + 1, &*sep)
                                .map(Value::str)
                                .collect()
                        } else {
                            let mut p: Vec<Value> = s
                                .rsplitn(maxsplit as usize + 1, &*sep)
                                .map(Value::str)
                                .collect();
                            p.reverse();
                            p
                        };
                        Ok(Value::list(parts))
                    }
                    Some(o) => err(
                        "TypeError",
                        format!("must be str or None, not {}", o.type_name()),
                    ),
                }
            }
            StrMethod::Splitlines => {
                let keep = match args.first() {
                    Some(x) => self.truthy(x)?,
                    None => false,
                };
                let mut out = Vec::new();
                let mut cur = String::new();
                let chars: Vec<char> = s.chars().collect();
                let mut i = 0;
                while i < chars.len() {
                    let c = chars[i];
                    if c == '\n' || c == '\r' {
                        let mut end = c.to_string();
                        if c == '\r' && chars.get(i + 1) == Some(&'\n') {
                            end.push('\n');
                            i += 1;
                        }
                        if keep {
                            cur.push_str(&end);
                        }
                        out.push(Value::str(&cur));
                        cur.clear();
                    } else {
                        cur.push(c);
                    }
                    i += 1;
                }
                if !cur.is_empty() {
                    out.push(Value::str(&cur));
                }
                Ok(Value::list(out))
            }
            StrMethod::Join => {
                let items = self.collect(&arg(&args, 0))?;
                let mut out = String::new();
                for (i, it) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(s);
                    }
                    match it {
                        Value::Str(x) => out.push_str(x),
                        o => {
                            return err(
                                "TypeError",
                                format!(
                                    "sequence item {}: expected str instance, {} found",
                                    i,
                                    o.type_name()
                                ),
                            )
                        }
                    }
                    if out.len() > self.limits.memory_bytes {
                        return err("MemoryError", "");
                    }
                }
                v(out)
            }
            StrMethod::Replace => {
                let old = s_arg(&args, 0, name)?;
                let new = s_arg(&args, 1, name)?;
                let count = match args.get(2) {
                    Some(c) => to_int_i64(c, "")?,
                    None => -1,
                };
                let occurrences = if old.is_empty() {
                    char_len(s) + 1
                } else {
                    s.matches(&*old).count()
                };
                let n = if count < 0 {
                    occurrences
                } else {
                    occurrences.min(count as usize)
                };
                self.check_alloc(s.len() as u128 + n as u128 * new.len() as u128)?;
                if count < 0 {
                    v(s.replace(&*old, &new))
                } else {
                    v(s.replacen(&*old, &new, count as usize))
                }
            }
            StrMethod::Startswith | StrMethod::Endswith => {
                let (a, b) = self.bounds(s, &args, 1)?;
                let sub = &s[a..b];
                let pats: Vec<Value> = match arg(&args, 0) {
                    Value::Tuple(t) => (*t).clone(),
                    x => vec![x],
                };
                for p in pats {
                    let p = match p {
                        Value::Str(p) => p,
                        o => {
                            return err(
                                "TypeError",
                                format!(
                                    "{} first arg must be str or a tuple of str, not {}",
                                    name,
                                    o.type_name()
                                ),
                            )
                        }
                    };
                    let hit = if m == StrMethod::Startswith {
                        sub.starts_with(&*p)
                    } else {
                        sub.ends_with(&*p)
                    };
                    if hit {
                        return Ok(Value::Bool(true));
                    }
                }
                Ok(Value::Bool(false))
            }
            StrMethod::Find | StrMethod::Rfind | StrMethod::Index | StrMethod::Rindex => {
                let sub = s_arg(&args, 0, name)?;
                let (a, b) = self.bounds(s, &args, 1)?;
                let hay = &s[a..b];
                let pos = if matches!(m, StrMethod::Rfind | StrMethod::Rindex) {
                    hay.rfind(&*sub)
                } else {
                    hay.find(&*sub)
                };
                match pos {
                    Some(p) => Ok(Value::Int(char_index(s, a + p) as i64)),
                    None if matches!(m, StrMethod::Find | StrMethod::Rfind) => Ok(Value::Int(-1)),
                    None => err("ValueError", "substring not found"),
                }
            }
            StrMethod::Count => {
                let sub = s_arg(&args, 0, name)?;
                let (a, b) = self.bounds(s, &args, 1)?;
                let hay = &s[a..b];
                if sub.is_empty() {
                    return Ok(Value::Int(char_len(hay) as i64 + 1));
                }
                Ok(Value::Int(hay.matches(&*sub).count() as i64))
            }
            StrMethod::Isdigit | StrMethod::Isnumeric | StrMethod::Isdecimal => Ok(Value::Bool(
                !s.is_empty() && s.chars().all(|c| c.is_numeric()),
            )),
            StrMethod::Isalpha => Ok(Value::Bool(
                !s.is_empty() && s.chars().all(char::is_alphabetic),
            )),
            StrMethod::Isalnum => Ok(Value::Bool(
                !s.is_empty() && s.chars().all(char::is_alphanumeric),
            )),
            StrMethod::Isspace => Ok(Value::Bool(
                !s.is_empty() && s.chars().all(char::is_whitespace),
            )),
            StrMethod::Isascii => Ok(Value::Bool(s.is_ascii())),
            StrMethod::Isupper => Ok(Value::Bool(
                s.chars().any(char::is_uppercase) && !s.chars().any(char::is_lowercase),
            )),
            StrMethod::Islower => Ok(Value::Bool(
                s.chars().any(char::is_lowercase) && !s.chars().any(char::is_uppercase),
            )),
            StrMethod::Isidentifier => Ok(Value::Bool(
                s.chars()
                    .next()
                    .map(|c| c.is_alphabetic() || c == '_')
                    .unwrap_or(false)
                    && s.chars().all(|c| c.is_alphanumeric() || c == '_'),
            )),
            StrMethod::Istitle => {
                let t = title(s);
                Ok(Value::Bool(s.chars().any(char::is_alphabetic) && t == **s))
            }
            StrMethod::Title => v(title(s)),
            StrMethod::Capitalize => {
                let mut c = s.chars();
                v(match c.next() {
                    Some(f) => f.to_uppercase().collect::<String>() + &c.as_str().to_lowercase(),
                    None => String::new(),
                })
            }
            StrMethod::Swapcase => v(s
                .chars()
                .map(|c| {
                    if c.is_uppercase() {
                        c.to_lowercase().collect::<String>()
                    } else {
                        c.to_uppercase().collect()
                    }
                })
                .collect()),
            StrMethod::Center | StrMethod::Ljust | StrMethod::Rjust => {
                let w = to_int_i64(&arg(&args, 0), "")?;
                let fill = match args.get(1) {
                    Some(Value::Str(f)) if f.chars().count() == 1 => {
                        f.chars().next().unwrap_or(' ')
                    }
                    Some(_) => {
                        return err(
                            "TypeError",
                            "The fill character must be exactly one character long",
                        )
                    }
                    None => ' ',
                };
                let n = char_len(s) as i64;
                if w <= n {
                    return Ok(Value::Str(s.clone()));
                }
                self.check_alloc(w as u128 * 4)?;
                let pad = (w - n) as usize;
                let fills = |k: usize| std::iter::repeat(fill).take(k).collect::<String>();
                v(match m {
                    StrMethod::Ljust => s.to_string() + &fills(pad),
                    StrMethod::Rjust => fills(pad) + s,
                    _ => {
                        // CPython: left = pad/2 + (pad & w & 1)
                        let left = pad / 2 + (pad & (w as usize) & 1);
                        fills(left) + s + &fills(pad - left)
                    }
                })
            }
            StrMethod::Zfill => {
                let w = to_int_i64(&arg(&args, 0), "")?;
                let n = char_len(s) as i64;
                if w <= n {
                    return Ok(Value::Str(s.clone()));
                }
                self.check_alloc(w as u128)?;
                let zeros = "0".repeat((w - n) as usize);
                v(match s.chars().next() {
                    Some(c @ ('+' | '-')) => format!("{}{}{}", c, zeros, &s[1..]),
                    _ => zeros + s,
                })
            }
            StrMethod::Partition | StrMethod::Rpartition => {
                let sep = s_arg(&args, 0, name)?;
                if sep.is_empty() {
                    return err("ValueError", "empty separator");
                }
                let pos = if m == StrMethod::Partition {
                    s.find(&*sep)
                } else {
                    s.rfind(&*sep)
                };
                Ok(Value::tuple(match pos {
                    Some(p) => vec![
                        Value::str(&s[..p]),
                        Value::Str(sep.clone()),
                        Value::str(&s[p + sep.len()..]),
                    ],
                    None if m == StrMethod::Partition => {
                        vec![Value::Str(s.clone()), Value::str(""), Value::str("")]
                    }
                    None => vec![Value::str(""), Value::str(""), Value::Str(s.clone())],
                }))
            }
            StrMethod::Removeprefix => {
                let p = s_arg(&args, 0, name)?;
                v(s.strip_prefix(&*p).unwrap_or(s).to_string())
            }
            StrMethod::Removesuffix => {
                let p = s_arg(&args, 0, name)?;
                v(s.strip_suffix(&*p).unwrap_or(s).to_string())
            }
            StrMethod::Expandtabs => {
                let size = match args.first() {
                    Some(n) => to_int_i64(n, "")?.max(0) as usize,
                    None => 8,
                };
                let mut out = String::new();
                let mut col = 0usize;
                for c in s.chars() {
                    match c {
                        '\t' => {
                            if size > 0 {
                                let pad = size - col % size;
                                out.extend(std::iter::repeat(' ').take(pad));
                                col += pad;
                            }
                        }
                        '\n' | '\r' => {
                            out.push(c);
                            col = 0;
                        }
                        c => {
                            out.push(c);
                            col += 1;
                        }
                    }
                }
                v(out)
            }
            StrMethod::Format => v(self.str_format(s, &args, &kw)?),
            StrMethod::Encode => err(
                "NotImplementedError",
                "bytes are not supported in the sandbox",
            ),
        }
    }

    /// `"{} {name:>5}".format(...)`
    fn str_format(&mut self, fmt: &str, args: &[Value], kw: &[(Rc<str>, Value)]) -> R<String> {
        let chars: Vec<char> = fmt.chars().collect();
        let mut out = String::new();
        let mut auto = 0usize;
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if c == '{' {
                if chars.get(i + 1) == Some(&'{') {
                    out.push('{');
                    i += 2;
                    continue;
                }
                let mut j = i + 1;
                let mut depth = 0;
                while j < chars.len() && !(chars[j] == '}' && depth == 0) {
                    if chars[j] == '{' {
                        depth += 1;
                    } else if chars[j] == '}' {
                        depth -= 1;
                    }
                    j += 1;
                }
                if j >= chars.len() {
                    return err("ValueError", "expected '}' before end of string");
                }
                let field: String = chars[i + 1..j].iter().collect();
                let (head, spec) = match field.find(':') {
                    Some(p) => (field[..p].to_string(), field[p + 1..].to_string()),
                    None => (field.clone(), String::new()),
                };
                let (head, conv) = match head.find('!') {
                    Some(p) => (head[..p].to_string(), head[p + 1..].chars().next()),
                    None => (head, None),
                };
                // field name: index or keyword, then .attr / [key] accessors
                let split = head.find(['.', '[']).unwrap_or(head.len());
                let (base, rest) = head.split_at(split);
                let mut val = if base.is_empty() {
                    let v = args.get(auto).cloned();
                    auto += 1;
                    match v {
                        Some(v) => v,
                        None => {
                            return err(
                                "IndexError",
                                format!(
                                    "Replacement index {} out of range for positional args tuple",
                                    auto - 1
                                ),
                            )
                        }
                    }
                } else if let Ok(n) = base.parse::<usize>() {
                    match args.get(n) {
                        Some(v) => v.clone(),
                        None => {
                            return err(
                                "IndexError",
                                format!(
                                    "Replacement index {} out of range for positional args tuple",
                                    n
                                ),
                            )
                        }
                    }
                } else {
                    match kw.iter().find(|(k, _)| &**k == base) {
                        Some((_, v)) => v.clone(),
                        None => return err("KeyError", format!("'{}'", base)),
                    }
                };
                let mut r = rest;
                while !r.is_empty() {
                    if let Some(x) = r.strip_prefix('.') {
                        let end = x.find(['.', '[']).unwrap_or(x.len());
                        val = self.getattr(&val, &x[..end])?;
                        r = &x[end..];
                    } else if let Some(x) = r.strip_prefix('[') {
                        let end = x.find(']').unwrap_or(x.len());
                        let key = &x[..end];
                        let k = match key.parse::<i64>() {
                            Ok(n) => Value::Int(n),
                            Err(_) => Value::str(key),
                        };
                        val = self.getitem(&val, &k)?;
                        r = x.get(end + 1..).unwrap_or("");
                    } else {
                        break;
                    }
                }
                match conv {
                    Some('r') | Some('a') => val = Value::str(&self.repr(&val)?),
                    Some('s') => val = Value::str(&self.to_str(&val)?),
                    _ => {}
                }
                let spec = if spec.contains('{') {
                    self.str_format(&spec, args, kw)?
                } else {
                    spec
                };
                out.push_str(&self.format_value(&val, &spec)?);
                i = j + 1;
                continue;
            }
            if c == '}' {
                if chars.get(i + 1) == Some(&'}') {
                    out.push('}');
                    i += 2;
                    continue;
                }
                return err("ValueError", "Single '}' encountered in format string");
            }
            out.push(c);
            i += 1;
        }
        Ok(out)
    }
}

fn title(s: &str) -> String {
    let mut out = String::new();
    let mut prev_cased = false;
    for c in s.chars() {
        if prev_cased {
            out.extend(c.to_lowercase());
        } else {
            out.extend(c.to_uppercase());
        }
        prev_cased = c.is_alphabetic();
    }
    out
}
