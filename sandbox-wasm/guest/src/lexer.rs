//! Tokenizer: Python source to tokens with INDENT/DEDENT, implicit line
//! joining inside brackets, string prefixes (r, f, rf, u) and numbers.

use crate::bigint::BigInt;

#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    Name(String),
    Int(BigInt),
    Float(f64),
    /// Imaginary literals are rejected; strings carry (value, is_fstring, raw).
    Str(String, bool),
    Op(&'static str),
    Newline,
    Indent,
    Dedent,
    Eof,
}

#[derive(Clone, Debug)]
pub struct Token {
    pub tok: Tok,
    pub line: u32,
}

/// A syntax error: message and line.
#[derive(Clone, Debug)]
pub struct SyntaxErr {
    pub kind: &'static str,
    pub msg: String,
    pub line: u32,
}

const OPS: [&str; 49] = [
    "**=", "//=", ">>=", "<<=", "...", "->", ":=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=",
    "@=", "**", "//", "<<", ">>", "<=", ">=", "==", "!=", "+", "-", "*", "/", "%", "&", "|", "^",
    "~", "<", ">", "(", ")", "[", "]", "{", "}", ",", ":", ".", ";", "=", "@", "!", "\\",
];

pub fn tokenize(src: &str) -> Result<Vec<Token>, SyntaxErr> {
    let chars: Vec<char> = src.chars().collect();
    let mut toks: Vec<Token> = Vec::new();
    let mut indents: Vec<usize> = vec![0];
    let mut depth = 0usize;
    let mut line = 1u32;
    let mut i = 0usize;
    let mut at_line_start = true;
    let err = |msg: &str, line: u32| SyntaxErr {
        kind: "SyntaxError",
        msg: msg.to_string(),
        line,
    };
    while i < chars.len() {
        if at_line_start && depth == 0 {
            // measure indentation
            let mut col = 0usize;
            let mut j = i;
            while j < chars.len() && (chars[j] == ' ' || chars[j] == '\t') {
                col += if chars[j] == '\t' { 8 - col % 8 } else { 1 };
                j += 1;
            }
            if j >= chars.len() {
                break;
            }
            if chars[j] == '\n' || chars[j] == '#' || chars[j] == '\r' {
                // blank or comment line
                while j < chars.len() && chars[j] != '\n' {
                    j += 1;
                }
                i = j + 1;
                line += 1;
                continue;
            }
            let cur = *indents.last().unwrap_or(&0);
            if col > cur {
                indents.push(col);
                toks.push(Token {
                    tok: Tok::Indent,
                    line,
                });
            } else {
                while col < *indents.last().unwrap_or(&0) {
                    indents.pop();
                    toks.push(Token {
                        tok: Tok::Dedent,
                        line,
                    });
                }
                if col != *indents.last().unwrap_or(&0) {
                    return Err(SyntaxErr {
                        kind: "IndentationError",
                        msg: "unindent does not match any outer indentation level".into(),
                        line,
                    });
                }
            }
            i = j;
            at_line_start = false;
        }
        let c = chars[i];
        if c == '\n' {
            if depth == 0 {
                toks.push(Token {
                    tok: Tok::Newline,
                    line,
                });
                at_line_start = true;
            }
            line += 1;
            i += 1;
            continue;
        }
        if c == ' ' || c == '\t' || c == '\r' || c == '\x0c' {
            i += 1;
            continue;
        }
        if c == '#' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            continue;
        }
        if c == '\\' && i + 1 < chars.len() && chars[i + 1] == '\n' {
            i += 2;
            line += 1;
            continue;
        }
        // string literal (with optional prefix)
        let mut j = i;
        while j < chars.len() && j - i < 2 && "rRfFuUbB".contains(chars[j]) {
            j += 1;
        }
        if j < chars.len() && (chars[j] == '\'' || chars[j] == '"') {
            let prefix: String = chars[i..j].iter().collect::<String>().to_lowercase();
            if prefix.contains('b') {
                return Err(err("bytes literals are not supported", line));
            }
            let raw = prefix.contains('r');
            let fstr = prefix.contains('f');
            let q = chars[j];
            let triple = j + 2 < chars.len() && chars[j + 1] == q && chars[j + 2] == q;
            let start_line = line;
            let mut k = if triple { j + 3 } else { j + 1 };
            let mut val = String::new();
            loop {
                if k >= chars.len() {
                    let m = if triple {
                        "unterminated triple-quoted string literal"
                    } else {
                        "unterminated string literal"
                    };
                    return Err(err(m, start_line));
                }
                let ch = chars[k];
                if triple
                    && ch == q
                    && k + 2 < chars.len()
                    && chars[k + 1] == q
                    && chars[k + 2] == q
                {
                    k += 3;
                    break;
                }
                if !triple && ch == q {
                    k += 1;
                    break;
                }
                if ch == '\n' {
                    if !triple {
                        return Err(err("unterminated string literal", start_line));
                    }
                    line += 1;
                }
                if ch == '\\' && k + 1 < chars.len() {
                    let n = chars[k + 1];
                    if raw || (fstr && (n == '{' || n == '}')) {
                        val.push('\\');
                        val.push(n);
                        if n == '\n' {
                            line += 1;
                        }
                        k += 2;
                        continue;
                    }
                    k += 2;
                    match n {
                        'n' => val.push('\n'),
                        't' => val.push('\t'),
                        'r' => val.push('\r'),
                        '0' => val.push('\0'),
                        'a' => val.push('\x07'),
                        'b' => val.push('\x08'),
                        'f' => val.push('\x0c'),
                        'v' => val.push('\x0b'),
                        '\\' => val.push('\\'),
                        '\'' => val.push('\''),
                        '"' => val.push('"'),
                        '\n' => line += 1,
                        'x' | 'u' | 'U' => {
                            let len = match n {
                                'x' => 2,
                                'u' => 4,
                                _ => 8,
                            };
                            let hex: String = chars[k..(k + len).min(chars.len())].iter().collect();
                            let v = u32::from_str_radix(&hex, 16)
                                .ok()
                                .filter(|_| hex.len() == len)
                                .and_then(std::char::from_u32);
                            match v {
                                Some(ch) => val.push(ch),
                                None => return Err(err("(unicode error) truncated escape", line)),
                            }
                            k += len;
                        }
                        other => {
                            val.push('\\');
                            val.push(other);
                        }
                    }
                    continue;
                }
                val.push(ch);
                k += 1;
            }
            toks.push(Token {
                tok: Tok::Str(val, fstr),
                line: start_line,
            });
            i = k;
            continue;
        }
        if c.is_alphabetic() || c == '_' {
            let mut j = i;
            while j < chars.len() && (chars[j].is_alphanumeric() || chars[j] == '_') {
                j += 1;
            }
            toks.push(Token {
                tok: Tok::Name(chars[i..j].iter().collect()),
                line,
            });
            i = j;
            continue;
        }
        if c.is_ascii_digit() || (c == '.' && i + 1 < chars.len() && chars[i + 1].is_ascii_digit())
        {
            let (tok, j) = lex_number(&chars, i).map_err(|m| err(&m, line))?;
            toks.push(Token { tok, line });
            i = j;
            continue;
        }
        let mut matched = None;
        for op in OPS.iter() {
            let n = op.chars().count();
            if i + n <= chars.len() && chars[i..i + n].iter().copied().eq(op.chars()) {
                matched = Some(*op);
                break;
            }
        }
        match matched {
            Some("\\") => {
                return Err(err(
                    "unexpected character after line continuation character",
                    line,
                ))
            }
            Some(op) => {
                match op {
                    "(" | "[" | "{" => depth += 1,
                    ")" | "]" | "}" => {
                        if depth == 0 {
                            return Err(err(&format!("unmatched '{}'", op), line));
                        }
                        depth -= 1
                    }
                    _ => {}
                }
                toks.push(Token {
                    tok: Tok::Op(op),
                    line,
                });
                i += op.len();
            }
            None => {
                return Err(err(
                    &format!("invalid character '{}' (U+{:04X})", c, c as u32),
                    line,
                ))
            }
        }
    }
    if depth > 0 {
        return Err(err("unexpected EOF while parsing", line));
    }
    if !matches!(
        toks.last().map(|t| &t.tok),
        None | Some(Tok::Newline) | Some(Tok::Dedent)
    ) {
        toks.push(Token {
            tok: Tok::Newline,
            line,
        });
    }
    while indents.len() > 1 {
        indents.pop();
        toks.push(Token {
            tok: Tok::Dedent,
            line,
        });
    }
    toks.push(Token {
        tok: Tok::Eof,
        line,
    });
    Ok(toks)
}

fn lex_number(chars: &[char], start: usize) -> Result<(Tok, usize), String> {
    let mut j = start;
    if chars[j] == '0' && j + 1 < chars.len() && "xXoObB".contains(chars[j + 1]) {
        let radix = match chars[j + 1] {
            'x' | 'X' => 16,
            'o' | 'O' => 8,
            _ => 2,
        };
        j += 2;
        let mut digits = String::new();
        while j < chars.len() && (chars[j].is_alphanumeric() || chars[j] == '_') {
            if chars[j] != '_' {
                digits.push(chars[j]);
            }
            j += 1;
        }
        return match BigInt::parse_digits(&digits, radix) {
            Some(v) => Ok((Tok::Int(v), j)),
            None => Err("invalid digit in numeric literal".into()),
        };
    }
    let mut text = String::new();
    let mut is_float = false;
    while j < chars.len() {
        let c = chars[j];
        if c.is_ascii_digit() || c == '_' {
            if c != '_' {
                text.push(c);
            }
            j += 1;
        } else if c == '.' && !is_float {
            is_float = true;
            text.push(c);
            j += 1;
        } else if (c == 'e' || c == 'E')
            && j + 1 < chars.len()
            && (chars[j + 1].is_ascii_digit()
                || ((chars[j + 1] == '+' || chars[j + 1] == '-')
                    && j + 2 < chars.len()
                    && chars[j + 2].is_ascii_digit()))
        {
            is_float = true;
            text.push('e');
            text.push(chars[j + 1]);
            j += 2;
            while j < chars.len() && chars[j].is_ascii_digit() {
                text.push(chars[j]);
                j += 1;
            }
            break;
        } else {
            break;
        }
    }
    if j < chars.len() && (chars[j] == 'j' || chars[j] == 'J') {
        return Err("complex numbers are not supported".into());
    }
    if j < chars.len() && (chars[j].is_alphabetic() || chars[j] == '_') {
        return Err("invalid decimal literal".into());
    }
    if is_float {
        let v: f64 = text
            .parse()
            .map_err(|_| "invalid float literal".to_string())?;
        Ok((Tok::Float(v), j))
    } else {
        if text.len() > 1 && text.starts_with('0') && text.chars().any(|c| c != '0') {
            return Err("leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers".into());
        }
        match BigInt::parse_digits(&text, 10) {
            Some(v) => Ok((Tok::Int(v), j)),
            None => Err("invalid decimal literal".into()),
        }
    }
}
