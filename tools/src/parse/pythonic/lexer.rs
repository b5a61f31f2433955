//! Tokenizer for the Python literal subset that pythonic tool calls use:
//! names, integers (decimal, 0x/0o/0b, `_` separators), floats, strings
//! (single/double/triple quotes, `r`/`u` prefixes, escapes) and punctuation.

/// One token and the byte offset where it starts.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Token {
    pub tok: Tok,
    pub offset: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    Name(String),
    Int(u64),
    Float(f64),
    Str(String),
    Open(char),
    Close(char),
    Comma,
    Equals,
    Colon,
    Dot,
    Minus,
    Plus,
    End,
}

/// A lexing error: byte offset and message.
pub(super) type LexError = (usize, String);

pub(super) fn tokenize(text: &str) -> Result<Vec<Token>, LexError> {
    let mut lexer = Lexer { text, pos: 0 };
    let mut tokens = Vec::new();
    loop {
        let token = lexer.next_token()?;
        let end = token.tok == Tok::End;
        tokens.push(token);
        if end {
            return Ok(tokens);
        }
    }
}

struct Lexer<'a> {
    text: &'a str,
    pos: usize,
}

impl Lexer<'_> {
    fn peek(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    fn peek_at(&self, skip: usize) -> Option<char> {
        self.text[self.pos..].chars().nth(skip)
    }

    fn next_token(&mut self) -> Result<Token, LexError> {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += self.peek().map_or(0, char::len_utf8);
        }
        let offset = self.pos;
        let Some(c) = self.peek() else {
            return Ok(Token {
                tok: Tok::End,
                offset,
            });
        };
        let single = |tok: Tok| Token { tok, offset };
        let tok = match c {
            '(' | '[' | '{' => Tok::Open(c),
            ')' | ']' | '}' => Tok::Close(c),
            ',' => Tok::Comma,
            '=' => Tok::Equals,
            ':' => Tok::Colon,
            '-' => Tok::Minus,
            '+' => Tok::Plus,
            '.' if !self.peek_at(1).is_some_and(|d| d.is_ascii_digit()) => Tok::Dot,
            '\'' | '"' => return Ok(single(self.string(false)?)),
            c if c.is_ascii_digit() || c == '.' => return Ok(single(self.number()?)),
            c if c.is_alphabetic() || c == '_' => {
                let name = self.name();
                let quote = self.peek().filter(|q| *q == '\'' || *q == '"');
                if quote.is_some() && name.len() <= 2 {
                    let prefix = name.to_ascii_lowercase();
                    return match prefix.as_str() {
                        "r" => Ok(single(self.string(true)?)),
                        "u" => Ok(single(self.string(false)?)),
                        _ => Err((offset, format!("string prefix '{name}' is not supported"))),
                    };
                }
                return Ok(single(Tok::Name(name)));
            }
            other => {
                return Err((
                    offset,
                    format!("unexpected character '{}'", other.escape_debug()),
                ))
            }
        };
        self.pos += c.len_utf8();
        Ok(single(tok))
    }

    fn name(&mut self) -> String {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_alphanumeric() || c == '_') {
            self.pos += self.peek().map_or(0, char::len_utf8);
        }
        self.text[start..self.pos].to_string()
    }

    fn number(&mut self) -> Result<Tok, LexError> {
        let start = self.pos;
        let bytes = self.text.as_bytes();
        let radix = match bytes.get(start..start + 2) {
            Some(b"0x" | b"0X") => 16,
            Some(b"0o" | b"0O") => 8,
            Some(b"0b" | b"0B") => 2,
            _ => 10,
        };
        if radix != 10 {
            self.pos += 2;
        }
        let mut is_float = false;
        while let Some(&b) = bytes.get(self.pos) {
            let exponent_sign = radix == 10
                && (b == b'+' || b == b'-')
                && matches!(bytes.get(self.pos - 1), Some(b'e' | b'E'));
            let ok = match b {
                b'_' => true,
                b'.' | b'e' | b'E' if radix == 10 => {
                    is_float = true;
                    true
                }
                _ => exponent_sign || (b as char).is_digit(radix),
            };
            if !ok {
                break;
            }
            self.pos += 1;
        }
        let raw = &self.text[start..self.pos];
        let digits: String = raw.chars().filter(|c| *c != '_').collect();
        let bad = |what: &str| (start, format!("{what} '{raw}'"));
        if is_float {
            let value: f64 = digits.parse().map_err(|_| bad("malformed number"))?;
            if !value.is_finite() {
                return Err(bad("float out of range"));
            }
            return Ok(Tok::Float(value));
        }
        let body = if radix == 10 {
            &digits[..]
        } else {
            &digits[2..]
        };
        if body.is_empty() {
            return Err(bad("malformed number"));
        }
        u64::from_str_radix(body, radix)
            .map(Tok::Int)
            .map_err(|_| bad("integer too large (max 18446744073709551615)"))
    }

    /// A string literal starting at a quote; `raw` keeps backslashes.
    fn string(&mut self, raw: bool) -> Result<Tok, LexError> {
        let start = self.pos;
        let rest = &self.text[self.pos..];
        let quote = &rest[..1];
        let triple = rest.starts_with(&quote.repeat(3));
        let delimiter = if triple {
            quote.repeat(3)
        } else {
            quote.to_string()
        };
        self.pos += delimiter.len();
        let mut out = String::new();
        loop {
            let rest = &self.text[self.pos..];
            if rest.starts_with(&delimiter) {
                self.pos += delimiter.len();
                return Ok(Tok::Str(out));
            }
            let Some(c) = rest.chars().next() else {
                return Err((start, "unterminated string".into()));
            };
            if c == '\n' && !triple {
                return Err((
                    start,
                    "unterminated string (newline inside quotes; write \\n)".into(),
                ));
            }
            self.pos += c.len_utf8();
            if c != '\\' {
                out.push(c);
                continue;
            }
            let Some(e) = self.peek() else {
                return Err((start, "unterminated string".into()));
            };
            self.pos += e.len_utf8();
            if raw {
                out.push('\\');
                out.push(e);
                continue;
            }
            match e {
                '\n' => {}
                '\\' | '\'' | '"' => out.push(e),
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                'a' => out.push('\u{7}'),
                'b' => out.push('\u{8}'),
                'f' => out.push('\u{c}'),
                'v' => out.push('\u{b}'),
                '0'..='7' => {
                    let mut code = e.to_digit(8).unwrap_or(0);
                    for _ in 0..2 {
                        match self.peek().and_then(|d| d.to_digit(8)) {
                            Some(d) => {
                                code = code * 8 + d;
                                self.pos += 1;
                            }
                            None => break,
                        }
                    }
                    out.push(char_from(code, self.pos)?);
                }
                'x' => out.push(self.hex_escape(2)?),
                'u' => out.push(self.hex_escape(4)?),
                'U' => out.push(self.hex_escape(8)?),
                // Python keeps unknown escapes as written.
                other => {
                    out.push('\\');
                    out.push(other);
                }
            }
        }
    }

    fn hex_escape(&mut self, len: usize) -> Result<char, LexError> {
        let at = self.pos;
        let digits = self.text.get(at..at + len).unwrap_or("");
        if digits.len() != len || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err((at, format!("escape needs {len} hex digits")));
        }
        self.pos += len;
        let code =
            u32::from_str_radix(digits, 16).map_err(|_| (at, "bad hex escape".to_string()))?;
        char_from(code, at)
    }
}

fn char_from(code: u32, at: usize) -> Result<char, LexError> {
    char::from_u32(code).ok_or((at, format!("\\u{code:x} is not a valid character")))
}
