//! `calculator`: exact arithmetic on big integers and rationals. A tokenizer
//! and recursive-descent parser (no eval) over `+ - * / // % **`,
//! parentheses, unary minus and decimal literals (`0.1` is exactly 1/10).
//! Precedence and semantics follow Python with `fractions.Fraction`:
//! `**` binds tighter than unary minus on its left (`-2**2 == -4`) and is
//! right-associative; `//` floors; `%` takes the sign of the divisor.
//! Results larger than [`CalcLimits::max_result_bits`] are refused before
//! they are computed (`2**10**10` is an error, not an hour of work).

use crate::registry::{Tool, ToolContext, ToolOutput};
use crate::schema::{FunctionSpec, ObjectSchema, Schema, SchemaKind};
use crate::ToolError;
use num_bigint::BigInt;
use num_integer::Integer;
use num_rational::BigRational;
use num_traits::{One, Pow, Signed, ToPrimitive, Zero};
use serde_json::Value;

pub const NAME: &str = "calculator";

/// Bounds on one evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct CalcLimits {
    /// Longest accepted expression (default 10 000 bytes).
    pub max_expression_bytes: usize,
    /// Deepest nesting of parentheses and unary signs (default 100).
    pub max_depth: usize,
    /// Largest numerator + denominator size of any intermediate result
    /// (default 65 536 bits, about 19 700 decimal digits).
    pub max_result_bits: u64,
}

impl Default for CalcLimits {
    fn default() -> Self {
        CalcLimits {
            max_expression_bytes: 10_000,
            max_depth: 100,
            max_result_bits: 65_536,
        }
    }
}

/// Why an expression has no value.
#[derive(Debug, Clone, PartialEq)]
pub enum CalcError {
    /// Not a well-formed expression; `offset` is a byte offset.
    Syntax { offset: usize, message: String },
    /// Well-formed but undefined (division by zero, irrational power).
    Math(String),
    /// Too long, too deep or too large a result.
    Limit(String),
}

impl std::fmt::Display for CalcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CalcError::Syntax { offset, message } => {
                write!(f, "syntax error at byte {offset}: {message}")
            }
            CalcError::Math(message) | CalcError::Limit(message) => f.write_str(message),
        }
    }
}

/// Evaluates `expression` exactly.
pub fn evaluate(expression: &str, limits: &CalcLimits) -> Result<BigRational, CalcError> {
    if expression.len() > limits.max_expression_bytes {
        return Err(CalcError::Limit(format!(
            "expression is {} bytes long; the limit is {}",
            expression.len(),
            limits.max_expression_bytes
        )));
    }
    let mut parser = Parser {
        text: expression,
        pos: 0,
        limits,
    };
    let value = parser.expr(0)?;
    parser.skip_spaces();
    if parser.pos < expression.len() {
        return Err(parser.syntax("unexpected text after the expression"));
    }
    Ok(value)
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
    limits: &'a CalcLimits,
}

impl Parser<'_> {
    fn syntax(&self, message: &str) -> CalcError {
        CalcError::Syntax {
            offset: self.pos,
            message: message.to_string(),
        }
    }

    fn skip_spaces(&mut self) {
        let rest = &self.text[self.pos..];
        self.pos += rest.len() - rest.trim_start().len();
    }

    /// Consumes `op` if it comes next (and is not the start of a longer
    /// operator listed in `unless`).
    fn eat(&mut self, op: &str, unless: &str) -> bool {
        self.skip_spaces();
        let rest = &self.text[self.pos..];
        if rest.starts_with(op) && (unless.is_empty() || !rest.starts_with(unless)) {
            self.pos += op.len();
            true
        } else {
            false
        }
    }

    fn deeper(&self, depth: usize) -> Result<usize, CalcError> {
        if depth >= self.limits.max_depth {
            return Err(CalcError::Limit(format!(
                "expression nested deeper than {} levels",
                self.limits.max_depth
            )));
        }
        Ok(depth + 1)
    }

    fn expr(&mut self, depth: usize) -> Result<BigRational, CalcError> {
        let mut value = self.term(depth)?;
        loop {
            if self.eat("+", "") {
                let rhs = self.term(depth)?;
                value = self.checked(value + rhs)?;
            } else if self.eat("-", "") {
                let rhs = self.term(depth)?;
                value = self.checked(value - rhs)?;
            } else {
                return Ok(value);
            }
        }
    }

    fn term(&mut self, depth: usize) -> Result<BigRational, CalcError> {
        let mut value = self.unary(depth)?;
        loop {
            if self.eat("*", "**") {
                let rhs = self.unary(depth)?;
                value = self.checked(value * rhs)?;
            } else if self.eat("//", "") {
                let divisor = nonzero(self.unary(depth)?)?;
                value = (value / divisor).floor();
            } else if self.eat("/", "") {
                let divisor = nonzero(self.unary(depth)?)?;
                value = self.checked(value / divisor)?;
            } else if self.eat("%", "") {
                let divisor = nonzero(self.unary(depth)?)?;
                let quotient = (&value / &divisor).floor();
                value = self.checked(value - divisor * quotient)?;
            } else {
                return Ok(value);
            }
        }
    }

    fn unary(&mut self, depth: usize) -> Result<BigRational, CalcError> {
        if self.eat("-", "") {
            let depth = self.deeper(depth)?;
            return Ok(-self.unary(depth)?);
        }
        if self.eat("+", "") {
            let depth = self.deeper(depth)?;
            return self.unary(depth);
        }
        self.power(depth)
    }

    fn power(&mut self, depth: usize) -> Result<BigRational, CalcError> {
        let base = self.atom(depth)?;
        if self.eat("**", "") {
            let depth = self.deeper(depth)?;
            let exponent = self.unary(depth)?;
            return self.pow(base, exponent);
        }
        self.skip_spaces();
        if self.text[self.pos..].starts_with('^') {
            return Err(self.syntax("'^' is not a power here; write ** (2**10)"));
        }
        Ok(base)
    }

    fn atom(&mut self, depth: usize) -> Result<BigRational, CalcError> {
        if self.eat("(", "") {
            let depth = self.deeper(depth)?;
            let value = self.expr(depth)?;
            if !self.eat(")", "") {
                return Err(self.syntax("expected ')'"));
            }
            return Ok(value);
        }
        self.skip_spaces();
        match self.text[self.pos..].chars().next() {
            Some(c) if c.is_ascii_digit() || c == '.' => self.number(),
            Some(c) => Err(self.syntax(&format!(
                "expected a number or '(', found '{}'",
                c.escape_debug()
            ))),
            None => Err(self.syntax("expected a number or '(', found the end")),
        }
    }

    /// `12`, `1.5`, `.5`, `2.5e-3`: exact rationals.
    fn number(&mut self) -> Result<BigRational, CalcError> {
        let start = self.pos;
        let bytes = self.text.as_bytes();
        let digits_from = |mut i: usize| {
            while bytes.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            i
        };
        let int_end = digits_from(start);
        let (frac_start, frac_end) = if bytes.get(int_end) == Some(&b'.') {
            (int_end + 1, digits_from(int_end + 1))
        } else {
            (int_end, int_end)
        };
        if int_end == start && frac_end == frac_start {
            return Err(self.syntax("malformed number"));
        }
        self.pos = frac_end;
        let mut exponent: i64 = 0;
        if matches!(bytes.get(self.pos), Some(b'e' | b'E')) {
            let sign_at = self.pos + 1;
            let digits_at = sign_at + usize::from(matches!(bytes.get(sign_at), Some(b'+' | b'-')));
            let end = digits_from(digits_at);
            let text = &self.text[digits_at..end];
            let bound = self.limits.max_result_bits as i64 / 3;
            exponent = match text.parse::<i64>() {
                Ok(e) if e <= bound => e,
                Ok(_) | Err(_) if text.is_empty() => {
                    return Err(self.syntax("missing exponent digits"))
                }
                _ => {
                    return Err(CalcError::Limit(format!(
                        "exponent in '{}' is too large",
                        &self.text[start..end]
                    )))
                }
            };
            if bytes.get(sign_at) == Some(&b'-') {
                exponent = -exponent;
            }
            self.pos = end;
        }
        let mantissa: String = format!(
            "{}{}",
            &self.text[start..int_end],
            &self.text[frac_start..frac_end]
        );
        let mantissa: BigInt = mantissa
            .parse()
            .map_err(|_| self.syntax("malformed number"))?;
        exponent -= (frac_end - frac_start) as i64;
        let scale = BigInt::from(10).pow(exponent.unsigned_abs() as u32);
        let value = if exponent >= 0 {
            BigRational::from_integer(mantissa * scale)
        } else {
            BigRational::new(mantissa, scale)
        };
        self.checked(value)
    }

    fn pow(&self, base: BigRational, exponent: BigRational) -> Result<BigRational, CalcError> {
        if !exponent.is_integer() {
            return Err(CalcError::Math(format!(
                "exponent {exponent} is not an integer; fractional powers are not exact rationals"
            )));
        }
        let e = exponent.to_integer();
        if base.is_zero() {
            return match e.sign() {
                num_bigint::Sign::Minus => Err(CalcError::Math(
                    "division by zero: 0 cannot be raised to a negative power".into(),
                )),
                num_bigint::Sign::NoSign => Ok(BigRational::one()),
                num_bigint::Sign::Plus => Ok(BigRational::zero()),
            };
        }
        if base.abs().is_one() {
            let odd = e.is_odd();
            return Ok(if base.is_negative() && odd {
                -BigRational::one()
            } else {
                BigRational::one()
            });
        }
        // Lower bound on the result size: |p^e| has at least (bits(p)-1)*e+1 bits.
        let base_bits =
            base.numer().bits().saturating_sub(1) + base.denom().bits().saturating_sub(1);
        let magnitude = e
            .abs()
            .to_u64()
            .filter(|m| base_bits.saturating_mul(*m) <= self.limits.max_result_bits);
        let Some(magnitude) = magnitude else {
            return Err(CalcError::Limit(format!(
                "{} ** {} is too large: the result would have over {} bits (limit {})",
                short(&base),
                short(&exponent),
                self.limits.max_result_bits,
                self.limits.max_result_bits
            )));
        };
        // magnitude <= max_result_bits (base_bits >= 1 here), so it fits u32.
        let m =
            u32::try_from(magnitude).map_err(|_| CalcError::Limit("exponent too large".into()))?;
        let numer = Pow::pow(base.numer(), m);
        let denom = Pow::pow(base.denom(), m);
        let value = if e.is_negative() {
            BigRational::new(denom, numer)
        } else {
            BigRational::new(numer, denom)
        };
        self.checked(value)
    }

    fn checked(&self, value: BigRational) -> Result<BigRational, CalcError> {
        let bits = value.numer().bits() + value.denom().bits();
        if bits > self.limits.max_result_bits {
            return Err(CalcError::Limit(format!(
                "intermediate result has {bits} bits; the limit is {}",
                self.limits.max_result_bits
            )));
        }
        Ok(value)
    }
}

fn nonzero(divisor: BigRational) -> Result<BigRational, CalcError> {
    if divisor.is_zero() {
        Err(CalcError::Math("division by zero".into()))
    } else {
        Ok(divisor)
    }
}

/// A number for an error message (long ones shortened).
fn short(value: &BigRational) -> String {
    crate::error::preview(&value.to_string(), 40)
}

/// `42`, `0.125` (terminating decimals exactly), or `1/3 ≈ 0.333333333333333`.
pub fn format_value(value: &BigRational) -> String {
    if value.is_integer() {
        return value.to_integer().to_string();
    }
    let mut denom = value.denom().clone();
    let (mut twos, mut fives) = (0u32, 0u32);
    let two = BigInt::from(2);
    let five = BigInt::from(5);
    while denom.is_even() {
        denom /= &two;
        twos += 1;
    }
    while (&denom % &five).is_zero() {
        denom /= &five;
        fives += 1;
    }
    let places = twos.max(fives);
    if denom.is_one() && places <= 40 {
        let scaled = (value * BigRational::from_integer(BigInt::from(10).pow(places))).to_integer();
        return insert_point(&scaled, places as usize);
    }
    format!("{value} ≈ {}", approximate(value, 15))
}

/// `scaled / 10^places` as a decimal string.
fn insert_point(scaled: &BigInt, places: usize) -> String {
    let sign = if scaled.is_negative() { "-" } else { "" };
    let digits = scaled.abs().to_string();
    let digits = format!("{digits:0>width$}", width = places + 1);
    let (int, frac) = digits.split_at(digits.len() - places);
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac}")
    }
}

/// `value` rounded to `significant` digits: plain notation for moderate
/// magnitudes, `d.ddde±N` otherwise.
pub fn approximate(value: &BigRational, significant: usize) -> String {
    if value.is_zero() {
        return "0".into();
    }
    let sign = if value.is_negative() { "-" } else { "" };
    let (n, d) = (value.numer().abs(), value.denom().clone());
    // Decimal exponent estimate, exact to within one.
    let estimate = n.to_string().len() as i64 - d.to_string().len() as i64;
    let shift = significant as i64 - estimate + 1;
    let ten = BigInt::from(10);
    let scaled = if shift >= 0 {
        (n * ten.pow(shift as u32)) / d
    } else {
        n / (d * ten.pow((-shift) as u32))
    };
    let digits = scaled.to_string();
    // Round half up to `significant` digits.
    let keep = significant.min(digits.len());
    let mut kept: BigInt = digits[..keep].parse().unwrap_or_default();
    if digits.as_bytes().get(keep).is_some_and(|b| *b >= b'5') {
        kept += 1;
    }
    let mut kept = kept.to_string();
    // Exponent of the leading digit: value ~ 0.digits * 10^(len - shift).
    let mut point = digits.len() as i64 - shift;
    if kept.len() > keep {
        point += 1; // 9.99.. rounded up to 10.0..
        kept.truncate(keep);
    }
    let kept = kept.trim_end_matches('0');
    if (-5..=21).contains(&point) {
        if point <= 0 {
            format!("{sign}0.{}{kept}", "0".repeat((-point) as usize))
        } else if point as usize >= kept.len() {
            format!("{sign}{kept}{}", "0".repeat(point as usize - kept.len()))
        } else {
            format!(
                "{sign}{}.{}",
                &kept[..point as usize],
                &kept[point as usize..]
            )
        }
    } else {
        let (first, rest) = kept.split_at(1);
        let dot = if rest.is_empty() { "" } else { "." };
        format!("{sign}{first}{dot}{rest}e{:+}", point - 1)
    }
}

/// The calculator tool.
pub struct Calculator {
    spec: FunctionSpec,
}

impl Default for Calculator {
    fn default() -> Self {
        let expression = Schema::new(SchemaKind::String)
            .describe("arithmetic with + - * / // % ** and parentheses, e.g. \"(2**64 - 1) / 3\"");
        Calculator {
            spec: FunctionSpec {
                name: NAME.into(),
                description: "Exact arithmetic on big integers and fractions (no rounding errors: 0.1 + 0.2 = 0.3). Supports + - * / // % ** and parentheses.".into(),
                parameters: ObjectSchema::default().with("expression", expression, true),
            },
        }
    }
}

impl Tool for Calculator {
    fn spec(&self) -> &FunctionSpec {
        &self.spec
    }

    fn call(&self, args: &Value, ctx: &mut ToolContext) -> Result<ToolOutput, ToolError> {
        let expression = args
            .get("expression")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                ToolError::invalid(
                    NAME,
                    format!(
                        "missing required argument 'expression' for {}",
                        self.spec.signature()
                    ),
                )
            })?;
        match evaluate(expression, &ctx.limits.calculator) {
            Ok(value) => Ok(ToolOutput::new(format_value(&value))),
            Err(e @ CalcError::Limit(_)) => Err(ToolError::limit(NAME, e.to_string())),
            Err(e) => Err(ToolError::failed(NAME, e.to_string())),
        }
    }
}

#[cfg(test)]
#[path = "calculator_tests.rs"]
mod tests;
