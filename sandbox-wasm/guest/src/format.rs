//! Number formatting as CPython does it: shortest round-trip `repr(float)`
//! and the format-spec mini-language (`f"{x:>10,.2f}"`).

use crate::bigint::BigInt;

/// Shortest digits and decimal exponent of a finite non-zero float:
/// value = 0.d1d2d3... * 10^(exp+1), i.e. d1.d2d3 * 10^exp.
fn shortest(x: f64) -> (String, i32) {
    let s = format!("{:e}", x.abs());
    let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
    let digits: String = m.chars().filter(|c| *c != '.').collect();
    let exp: i32 = e.parse().unwrap_or(0);
    // When the value lies exactly halfway between two shortest candidates,
    // CPython (David Gay's dtoa) rounds half to even; Rust may round up.
    let n = digits.len();
    let exact = format!("{:.80e}", x.abs());
    let (em, ee) = exact.split_once('e').unwrap_or((&exact, "0"));
    let ed: String = em.chars().filter(|c| *c != '.').collect();
    if ee.parse::<i32>().unwrap_or(0) == exp && ed.len() > n {
        let (head, tail) = ed.split_at(n);
        let tie = tail.starts_with('5') && tail[1..].bytes().all(|b| b == b'0');
        let head_even = head
            .bytes()
            .last()
            .map(|b| (b - b'0') % 2 == 0)
            .unwrap_or(false);
        if tie && head_even && head != digits && head.parse::<f64>().is_ok() {
            let cand = format!("{}.{}e{}", &head[..1], &head[1..], exp);
            if cand.parse::<f64>().ok() == Some(x.abs()) {
                return (head.to_string(), exp);
            }
        }
    }
    (digits, exp)
}

fn sci(neg: bool, digits: &str, exp: i32, upper: bool) -> String {
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    out.push_str(&digits[..1]);
    if digits.len() > 1 {
        out.push('.');
        out.push_str(&digits[1..]);
    }
    out.push(if upper { 'E' } else { 'e' });
    out.push(if exp < 0 { '-' } else { '+' });
    out.push_str(&format!("{:02}", exp.abs()));
    out
}

fn fixed(neg: bool, digits: &str, exp: i32) -> String {
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if exp < 0 {
        out.push_str("0.");
        for _ in 0..(-exp - 1) {
            out.push('0');
        }
        out.push_str(digits);
    } else {
        let e = exp as usize;
        if digits.len() > e + 1 {
            out.push_str(&digits[..e + 1]);
            out.push('.');
            out.push_str(&digits[e + 1..]);
        } else {
            out.push_str(digits);
            for _ in digits.len()..e + 1 {
                out.push('0');
            }
            out.push_str(".0");
        }
    }
    out
}

/// CPython `repr(float)`.
pub fn float_repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if x == 0.0 {
        return if x.is_sign_negative() {
            "-0.0".into()
        } else {
            "0.0".into()
        };
    }
    let (digits, exp) = shortest(x);
    if (-4..16).contains(&exp) {
        fixed(x < 0.0, &digits, exp)
    } else {
        sci(x < 0.0, &digits, exp, false)
    }
}

/// `format(x, '.{prec}f')` with exact rounding (half-even on exact ties).
pub fn fmt_fixed(x: f64, prec: usize) -> String {
    if prec == 0 && x.abs() <= 0.5 && x.is_finite() {
        // rustc 1.63 rounds 0.5 up at zero precision; CPython rounds to even.
        return if x.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    format!("{:.*}", prec, x)
}

/// `format(x, '.{prec}e')`.
pub fn fmt_exp(x: f64, prec: usize, upper: bool) -> String {
    let s = format!("{:.*e}", prec, x.abs());
    let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
    let e: i32 = e.parse().unwrap_or(0);
    let mut out = String::new();
    if x.is_sign_negative() {
        out.push('-');
    }
    out.push_str(m);
    out.push(if upper { 'E' } else { 'e' });
    out.push(if e < 0 { '-' } else { '+' });
    out.push_str(&format!("{:02}", e.abs()));
    out
}

/// `format(x, '.{prec}g')`; `alt` keeps trailing zeros (`#`).
pub fn fmt_general(x: f64, prec: usize, upper: bool, alt: bool) -> String {
    let p = if prec == 0 { 1 } else { prec };
    if x == 0.0 {
        let z = if alt {
            format!("{:.*}", p - 1, 0.0)
        } else {
            "0".into()
        };
        return if x.is_sign_negative() {
            format!("-{}", z)
        } else {
            z
        };
    }
    let s = format!("{:.*e}", p - 1, x.abs());
    let exp: i32 = s
        .split_once('e')
        .map(|(_, e)| e.parse().unwrap_or(0))
        .unwrap_or(0);
    let mut out = if exp >= -4 && exp < p as i32 {
        fmt_fixed(x, (p as i32 - 1 - exp) as usize)
    } else {
        fmt_exp(x, p - 1, upper)
    };
    if !alt {
        // strip trailing zeros in the mantissa
        let (mant, rest) = match out.find(['e', 'E']) {
            Some(i) => (out[..i].to_string(), out[i..].to_string()),
            None => (out.clone(), String::new()),
        };
        let mant = if mant.contains('.') {
            mant.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            mant
        };
        out = mant + &rest;
    }
    out
}

/// Parsed format spec: `[[fill]align][sign][#][0][width][,|_][.precision][type]`.
#[derive(Default, Debug)]
pub struct Spec {
    pub fill: Option<char>,
    pub align: Option<char>,
    pub sign: Option<char>,
    pub alt: bool,
    pub zero: bool,
    pub width: usize,
    pub group: Option<char>,
    pub prec: Option<usize>,
    pub ty: Option<char>,
}

pub fn parse_spec(s: &str) -> Result<Spec, String> {
    let c: Vec<char> = s.chars().collect();
    let mut sp = Spec::default();
    let mut i = 0;
    let is_align = |ch: char| matches!(ch, '<' | '>' | '^' | '=');
    if c.len() >= 2 && is_align(c[1]) {
        sp.fill = Some(c[0]);
        sp.align = Some(c[1]);
        i = 2;
    } else if !c.is_empty() && is_align(c[0]) {
        sp.align = Some(c[0]);
        i = 1;
    }
    if i < c.len() && matches!(c[i], '+' | '-' | ' ') {
        sp.sign = Some(c[i]);
        i += 1;
    }
    if i < c.len() && c[i] == '#' {
        sp.alt = true;
        i += 1;
    }
    if i < c.len() && c[i] == '0' {
        sp.zero = true;
        i += 1;
    }
    let st = i;
    while i < c.len() && c[i].is_ascii_digit() {
        i += 1;
    }
    if i > st {
        let w: String = c[st..i].iter().collect();
        sp.width = w
            .parse()
            .map_err(|_| "Too many decimal digits in format string".to_string())?;
        if sp.width > 100_000 {
            return Err("Too many decimal digits in format string".into());
        }
    }
    if i < c.len() && (c[i] == ',' || c[i] == '_') {
        sp.group = Some(c[i]);
        i += 1;
    }
    if i < c.len() && c[i] == '.' {
        i += 1;
        let st = i;
        while i < c.len() && c[i].is_ascii_digit() {
            i += 1;
        }
        if i == st {
            return Err("Format specifier missing precision".into());
        }
        let p: String = c[st..i].iter().collect();
        let p: usize = p
            .parse()
            .map_err(|_| "Too many decimal digits in format string".to_string())?;
        if p > 10_000 {
            return Err("precision too big".into());
        }
        sp.prec = Some(p);
    }
    if i < c.len() {
        sp.ty = Some(c[i]);
        i += 1;
    }
    if i < c.len() {
        return Err("Invalid format specifier".into());
    }
    Ok(sp)
}

fn group_digits(int_part: &str, sep: char, every: usize) -> String {
    let chars: Vec<char> = int_part.chars().collect();
    let mut out = String::new();
    for (i, ch) in chars.iter().enumerate() {
        if i > 0 && (chars.len() - i) % every == 0 {
            out.push(sep);
        }
        out.push(*ch);
    }
    out
}

/// Pad a formatted number body (without sign) with sign, grouping, alignment.
fn finish_number(sp: &Spec, neg: bool, body: String, prefix: &str) -> String {
    let sign = if neg {
        "-"
    } else {
        match sp.sign {
            Some('+') => "+",
            Some(' ') => " ",
            _ => "",
        }
    };
    let mut body = body;
    if let Some(g) = sp.group {
        let every = if matches!(sp.ty, Some('x') | Some('X') | Some('o') | Some('b')) {
            4
        } else {
            3
        };
        let split = body
            .find(|c: char| !c.is_ascii_alphanumeric() || c == 'e' || c == 'E')
            .unwrap_or(body.len());
        let (ip, rest) = body.split_at(split);
        body = group_digits(ip, g, every) + rest;
    }
    let (fill, align) = if sp.zero && sp.align.is_none() {
        (sp.fill.unwrap_or('0'), '=')
    } else {
        (sp.fill.unwrap_or(' '), sp.align.unwrap_or('>'))
    };
    let content_len = sign.len() + prefix.len() + body.chars().count();
    if content_len >= sp.width {
        return format!("{}{}{}", sign, prefix, body);
    }
    let pad = sp.width - content_len;
    let fills = |n: usize| std::iter::repeat(fill).take(n).collect::<String>();
    match align {
        '<' => format!("{}{}{}{}", sign, prefix, body, fills(pad)),
        '^' => format!(
            "{}{}{}{}{}",
            fills(pad / 2),
            sign,
            prefix,
            body,
            fills(pad - pad / 2)
        ),
        '=' => format!("{}{}{}{}", sign, prefix, fills(pad), body),
        _ => format!("{}{}{}{}", fills(pad), sign, prefix, body),
    }
}

pub fn pad_str(sp: &Spec, s: &str) -> String {
    let n = s.chars().count();
    if n >= sp.width {
        return s.to_string();
    }
    let fill = sp.fill.unwrap_or(' ');
    let pad = sp.width - n;
    let fills = |n: usize| std::iter::repeat(fill).take(n).collect::<String>();
    match sp.align.unwrap_or('<') {
        '>' => fills(pad) + s,
        '^' => fills(pad / 2) + s + &fills(pad - pad / 2),
        _ => s.to_string() + &fills(pad),
    }
}

pub fn format_str(s: &str, sp: &Spec) -> Result<String, String> {
    if let Some(t) = sp.ty {
        if t != 's' {
            return Err(format!(
                "Unknown format code '{}' for object of type 'str'",
                t
            ));
        }
    }
    if sp.sign.is_some() {
        return Err("Sign not allowed in string format specifier".into());
    }
    if sp.align == Some('=') {
        return Err("'=' alignment not allowed in string format specifier".into());
    }
    let s: String = match sp.prec {
        Some(p) => s.chars().take(p).collect(),
        None => s.to_string(),
    };
    Ok(pad_str(sp, &s))
}

pub fn format_int(v: &BigInt, sp: &Spec) -> Result<String, String> {
    let ty = sp.ty.unwrap_or('d');
    if matches!(ty, 'e' | 'E' | 'f' | 'F' | 'g' | 'G' | '%') {
        return format_float(v.to_f64(), sp);
    }
    if !matches!(ty, 'd' | 'n' | 'x' | 'X' | 'o' | 'b' | 'c') {
        return Err(format!(
            "Unknown format code '{}' for object of type 'int'",
            ty
        ));
    }
    if sp.prec.is_some() {
        return Err("Precision not allowed in integer format specifier".into());
    }
    let mag = v.abs();
    let (body, prefix) = match ty {
        'd' | 'n' => (mag.to_str_radix(10), ""),
        'x' => (mag.to_str_radix(16), "0x"),
        'X' => (mag.to_str_radix(16).to_uppercase(), "0X"),
        'o' => (mag.to_str_radix(8), "0o"),
        'b' => (mag.to_str_radix(2), "0b"),
        'c' => {
            let c = v
                .to_i64()
                .and_then(|i| u32::try_from(i).ok())
                .and_then(std::char::from_u32);
            return match c {
                Some(c) => Ok(pad_str(sp, &c.to_string())),
                None => Err("%c arg not in range(0x110000)".into()),
            };
        }
        t => {
            return Err(format!(
                "Unknown format code '{}' for object of type 'int'",
                t
            ))
        }
    };
    let prefix = if sp.alt { prefix } else { "" };
    Ok(finish_number(sp, v.neg, body, prefix))
}

pub fn format_float(x: f64, sp: &Spec) -> Result<String, String> {
    let neg = x.is_sign_negative() && !x.is_nan();
    let a = x.abs();
    let upper = matches!(sp.ty, Some('E') | Some('F') | Some('G'));
    let body = if !a.is_finite() {
        let s = if a.is_nan() { "nan" } else { "inf" };
        if upper {
            s.to_uppercase()
        } else {
            s.to_string()
        }
    } else {
        match sp.ty {
            Some('f') | Some('F') => {
                let mut s = fmt_fixed(a, sp.prec.unwrap_or(6));
                if sp.alt && !s.contains('.') {
                    s.push('.');
                }
                s
            }
            Some('e') | Some('E') => fmt_exp(a, sp.prec.unwrap_or(6), upper),
            Some('g') | Some('G') | Some('n') => {
                fmt_general(a, sp.prec.unwrap_or(6), upper, sp.alt)
            }
            Some('%') => fmt_fixed(a * 100.0, sp.prec.unwrap_or(6)) + "%",
            None => match sp.prec {
                None => float_repr(a),
                Some(p) => {
                    let s = fmt_general(a, p, false, sp.alt);
                    if s.contains(['.', 'e', 'n', 'i']) {
                        s
                    } else {
                        s + ".0"
                    }
                }
            },
            Some(t) => {
                return Err(format!(
                    "Unknown format code '{}' for object of type 'float'",
                    t
                ))
            }
        }
    };
    Ok(finish_number(sp, neg, body, ""))
}
