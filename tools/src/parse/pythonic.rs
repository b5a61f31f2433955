//! Pythonic calls as BFCL prompt mode asks for: `[f(a=1, b="x"), g()]`.
//! A tokenizer and a recursive-descent parser over Python literals (no
//! eval): dotted names (`math.factorial`), keyword arguments only, values
//! that are numbers (negative, float, hex), strings, True/False/None, lists,
//! tuples, dicts and sets (tuples and sets become JSON lists). A bare
//! `f(a=1)` or `f(), g()` without brackets is accepted; `[]` is no call.

mod lexer;

use super::{strip_code_fence, write_nested, ParseError, ToolCall};
use lexer::{tokenize, Tok, Token};
use serde_json::{Map, Number, Value};

pub const FORMAT: &str = "pythonic";
/// Nesting of lists/dicts/tuples deeper than this is refused.
pub const MAX_DEPTH: usize = 64;

/// The calls in `text`.
pub fn parse(text: &str) -> Result<Vec<ToolCall>, ParseError> {
    let (body, lead) = strip_code_fence(text);
    let mut tokens =
        tokenize(body).map_err(|(at, msg)| ParseError::new(FORMAT, text, lead + at, msg))?;
    for token in &mut tokens {
        token.offset += lead;
    }
    let mut parser = Parser {
        text,
        tokens,
        pos: 0,
    };
    parser.call_list()
}

struct Parser<'a> {
    text: &'a str,
    tokens: Vec<Token>,
    pos: usize,
}

impl Parser<'_> {
    fn peek(&self) -> &Tok {
        // `tokenize` always ends with End, and `bump` never passes it.
        &self.tokens[self.pos].tok
    }

    fn offset(&self) -> usize {
        self.tokens[self.pos].offset
    }

    fn bump(&mut self) -> Tok {
        let tok = self.tokens[self.pos].tok.clone();
        if self.pos + 1 < self.tokens.len() {
            self.pos += 1;
        }
        tok
    }

    fn error(&self, message: impl Into<String>) -> ParseError {
        ParseError::new(FORMAT, self.text, self.offset(), message)
    }

    fn expect(&mut self, want: Tok, what: &str) -> Result<(), ParseError> {
        if *self.peek() == want {
            self.bump();
            Ok(())
        } else {
            Err(self.error(format!("expected {what}, found {}", describe(self.peek()))))
        }
    }

    fn call_list(&mut self) -> Result<Vec<ToolCall>, ParseError> {
        let mut calls = Vec::new();
        if *self.peek() == Tok::End {
            return Ok(calls);
        }
        let bracketed = *self.peek() == Tok::Open('[');
        if bracketed {
            self.bump();
        }
        let close = if bracketed { Tok::Close(']') } else { Tok::End };
        while *self.peek() != close {
            calls.push(self.call()?);
            if *self.peek() == Tok::Comma {
                self.bump();
            } else if *self.peek() != close {
                let want = if bracketed {
                    "',' or ']'"
                } else {
                    "',' or the end"
                };
                return Err(self.error(format!(
                    "expected {want} after a call, found {}",
                    describe(self.peek())
                )));
            }
        }
        if bracketed {
            self.bump();
            self.expect(Tok::End, "the end after ']'")?;
        }
        Ok(calls)
    }

    fn call(&mut self) -> Result<ToolCall, ParseError> {
        let mut name = self.name("a function name")?;
        while *self.peek() == Tok::Dot {
            self.bump();
            name.push('.');
            name.push_str(&self.name("a name after '.'")?);
        }
        self.expect(Tok::Open('('), &format!("'(' after '{name}'"))?;
        let mut arguments = Map::new();
        while *self.peek() != Tok::Close(')') {
            let at = self.offset();
            let is_keyword = matches!(self.peek(), Tok::Name(_))
                && self
                    .tokens
                    .get(self.pos + 1)
                    .is_some_and(|t| t.tok == Tok::Equals);
            if !is_keyword {
                return Err(self.error(format!(
                    "positional argument in the call to '{name}': write every argument as name=value"
                )));
            }
            let key = self.name("an argument name")?;
            self.bump(); // '='
            let value = self.value(0)?;
            if arguments.insert(key.clone(), value).is_some() {
                return Err(ParseError::new(
                    FORMAT,
                    self.text,
                    at,
                    format!("argument '{key}' given twice to '{name}'"),
                ));
            }
            match self.peek() {
                Tok::Comma => {
                    self.bump();
                }
                Tok::Close(')') => {}
                other => {
                    return Err(self.error(format!(
                        "expected ',' or ')' in the call to '{name}', found {}",
                        describe(other)
                    )))
                }
            }
        }
        self.bump();
        Ok(ToolCall {
            name,
            arguments: Value::Object(arguments),
        })
    }

    fn name(&mut self, what: &str) -> Result<String, ParseError> {
        match self.peek() {
            Tok::Name(name) => {
                let name = name.clone();
                self.bump();
                Ok(name)
            }
            other => Err(self.error(format!("expected {what}, found {}", describe(other)))),
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, ParseError> {
        if depth > MAX_DEPTH {
            return Err(self.error(format!("values nested deeper than {MAX_DEPTH} levels")));
        }
        let start = self.pos;
        match self.bump() {
            Tok::Str(mut s) => {
                // Adjacent literals concatenate, as in Python.
                while let Tok::Str(next) = self.peek() {
                    s.push_str(next);
                    self.bump();
                }
                Ok(Value::String(s))
            }
            Tok::Int(n) => Ok(Value::from(n)),
            Tok::Float(x) => Ok(float(x)),
            Tok::Minus => self.signed(true),
            Tok::Plus => self.signed(false),
            Tok::Name(name) => match name.as_str() {
                "True" | "true" => Ok(Value::Bool(true)),
                "False" | "false" => Ok(Value::Bool(false)),
                "None" | "null" => Ok(Value::Null),
                _ => {
                    self.pos = start;
                    Err(self.error(format!("'{name}' is not a value: use literals (numbers, \"strings\", lists, dicts, True/False/None)")))
                }
            },
            Tok::Open('[') => Ok(Value::Array(self.sequence(']', depth)?)),
            Tok::Open('(') => {
                let items = self.sequence(')', depth)?;
                // `(x)` is x; `(x,)` and `()` are tuples.
                let had_comma = self.tokens[start..self.pos]
                    .iter()
                    .any(|t| t.tok == Tok::Comma);
                match items.len() {
                    1 if !had_comma => Ok(items.into_iter().next().unwrap_or(Value::Null)),
                    _ => Ok(Value::Array(items)),
                }
            }
            Tok::Open('{') => self.dict_or_set(depth),
            other => {
                self.pos = start;
                Err(self.error(format!("expected a value, found {}", describe(&other))))
            }
        }
    }

    fn signed(&mut self, negative: bool) -> Result<Value, ParseError> {
        let at = self.offset();
        let err = |message: &str| ParseError::new(FORMAT, self.text, at, message);
        match self.bump() {
            Tok::Int(n) if !negative => Ok(Value::from(n)),
            Tok::Int(n) if n <= i64::MAX as u64 + 1 => {
                Ok(Value::from((n as i128).wrapping_neg() as i64))
            }
            Tok::Int(_) => Err(err("negative integer too large")),
            Tok::Float(x) => Ok(float(if negative { -x } else { x })),
            _ => Err(err("expected a number after the sign")),
        }
    }

    /// Items up to `close`, trailing comma allowed; the opener is consumed.
    fn sequence(&mut self, close: char, depth: usize) -> Result<Vec<Value>, ParseError> {
        let mut items = Vec::new();
        while *self.peek() != Tok::Close(close) {
            items.push(self.value(depth + 1)?);
            match self.peek() {
                Tok::Comma => {
                    self.bump();
                }
                Tok::Close(c) if *c == close => {}
                other => {
                    return Err(self.error(format!(
                        "expected ',' or '{close}', found {}",
                        describe(other)
                    )))
                }
            }
        }
        self.bump();
        Ok(items)
    }

    fn dict_or_set(&mut self, depth: usize) -> Result<Value, ParseError> {
        let mut map = Map::new();
        let mut set = Vec::new();
        while *self.peek() != Tok::Close('}') {
            let at = self.offset();
            let key = self.value(depth + 1)?;
            if *self.peek() == Tok::Colon && set.is_empty() {
                self.bump();
                let key = match key {
                    Value::String(s) => s,
                    Value::Number(n) => n.to_string(),
                    Value::Bool(b) => if b { "True" } else { "False" }.to_string(),
                    _ => {
                        return Err(ParseError::new(
                            FORMAT,
                            self.text,
                            at,
                            "dict keys must be strings or numbers",
                        ))
                    }
                };
                map.insert(key, self.value(depth + 1)?);
            } else if map.is_empty() {
                set.push(key);
            } else {
                return Err(self.error("expected ':' after a dict key"));
            }
            match self.peek() {
                Tok::Comma => {
                    self.bump();
                }
                Tok::Close('}') => {}
                other => {
                    return Err(
                        self.error(format!("expected ',' or '}}', found {}", describe(other)))
                    )
                }
            }
        }
        self.bump();
        Ok(if set.is_empty() {
            Value::Object(map)
        } else {
            Value::Array(set)
        })
    }
}

fn float(x: f64) -> Value {
    // The lexer only yields finite floats, so this is never Null.
    Number::from_f64(x).map_or(Value::Null, Value::Number)
}

fn describe(tok: &Tok) -> String {
    match tok {
        Tok::Name(n) => format!("'{}'", crate::error::preview(n, 30)),
        Tok::Int(n) => n.to_string(),
        Tok::Float(x) => x.to_string(),
        Tok::Str(_) => "a string".into(),
        Tok::Open(c) | Tok::Close(c) => format!("'{c}'"),
        Tok::Comma => "','".into(),
        Tok::Equals => "'='".into(),
        Tok::Colon => "':'".into(),
        Tok::Dot => "'.'".into(),
        Tok::Minus => "'-'".into(),
        Tok::Plus => "'+'".into(),
        Tok::End => "the end of the text".into(),
    }
}

/// `[f(a=1, b="x"), g()]`. Names must be (dotted) identifiers and argument
/// names identifiers; `null` arguments are written as `None`.
pub fn render(calls: &[ToolCall]) -> Result<String, crate::Error> {
    let err = |message: String| crate::Error::Render {
        format: FORMAT,
        message,
    };
    let mut parts = Vec::with_capacity(calls.len());
    for call in calls {
        if !call.name.split('.').all(is_identifier) {
            return Err(err(format!("'{}' is not a Python name", call.name)));
        }
        let empty = Map::new();
        let args = match &call.arguments {
            Value::Object(map) => map,
            Value::Null => &empty,
            _ => {
                return Err(err(format!(
                    "arguments of '{}' are not an object",
                    call.name
                )))
            }
        };
        let mut rendered = Vec::with_capacity(args.len());
        for (key, value) in args {
            if !is_identifier(key) {
                return Err(err(format!(
                    "argument name '{key}' is not a Python identifier"
                )));
            }
            let mut text = format!("{key}=");
            write_value(value, &mut text);
            rendered.push(text);
        }
        parts.push(format!("{}({})", call.name, rendered.join(", ")));
    }
    Ok(format!("[{}]", parts.join(", ")))
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}

fn write_value(value: &Value, out: &mut String) {
    write_nested(value, out, &write_scalar, &write_string);
}

fn write_scalar(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("None"),
        Value::Bool(b) => out.push_str(if *b { "True" } else { "False" }),
        // `{:?}` keeps a float a float (`1.0`, `1e-7`), as Python's repr does.
        Value::Number(n) => match n.as_f64() {
            Some(x) if n.is_f64() => out.push_str(&format!("{x:?}")),
            _ => out.push_str(&n.to_string()),
        },
        Value::String(s) => write_string(s, out),
        nested => write_value(nested, out),
    }
}

/// A double-quoted Python string literal.
fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
#[path = "pythonic_tests.rs"]
mod tests;
