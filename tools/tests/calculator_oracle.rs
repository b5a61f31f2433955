//! The calculator against CPython's `fractions.Fraction` on random
//! expressions (the oracle evaluates the same tree with Fraction literals).

use crate::util::Rng;
use tools::builtin::calculator::{evaluate, CalcError, CalcLimits};

const ORACLE: &str = r#"
import sys
from fractions import Fraction as F
for line in sys.stdin:
    try:
        v = eval(line)
        print(v.numerator, v.denominator)
    except ZeroDivisionError:
        print("ZeroDivisionError")
"#;

/// A random expression as (our syntax, Python syntax with Fraction literals).
fn expression(rng: &mut Rng, depth: usize) -> (String, String) {
    if depth == 0 || rng.chance(30) {
        let literal = match rng.below(4) {
            0 => format!("{}", rng.below(20)),
            1 => format!("{}.{}", rng.below(100), rng.below(1000)),
            2 => format!("{}e{}", rng.below(50), rng.below(7) as i64 - 3),
            _ => format!("{}", rng.next_u64()),
        };
        return (literal.clone(), format!("F('{literal}')"));
    }
    match rng.below(6) {
        0 => {
            let (a, p) = expression(rng, depth - 1);
            (format!("-{a}"), format!("-{p}"))
        }
        1 => {
            // Small integer exponents keep results within the limits.
            let (a, p) = expression(rng, depth.min(2) - 1);
            let e = rng.below(7) as i64 - 3;
            (format!("({a}) ** {e}"), format!("F({p}) ** {e}"))
        }
        2 => {
            let (a, p) = expression(rng, depth - 1);
            (format!("({a})"), format!("({p})"))
        }
        _ => {
            let op = *rng.pick(&["+", "-", "*", "/", "//", "%"]);
            let (a, p) = expression(rng, depth - 1);
            let (b, q) = expression(rng, depth - 1);
            (format!("{a} {op} {b}"), format!("{p} {op} {q}"))
        }
    }
}

#[test]
fn matches_python_fractions() {
    let mut rng = Rng::new(2024);
    let cases: Vec<(String, String)> = (0..600).map(|_| expression(&mut rng, 5)).collect();
    let input: String = cases
        .iter()
        .map(|(_, python)| format!("{python}\n"))
        .collect();
    let Some(output) = crate::util::python3(ORACLE, &input) else {
        return;
    };
    let expected: Vec<&str> = output.lines().collect();
    assert_eq!(expected.len(), cases.len());
    let limits = CalcLimits::default();
    let mut errors = 0;
    for ((ours, _), want) in cases.iter().zip(expected) {
        let got = match evaluate(ours, &limits) {
            Ok(v) => format!("{} {}", v.numer(), v.denom()),
            Err(CalcError::Math(m)) if m.contains("zero") => {
                errors += 1;
                "ZeroDivisionError".to_string()
            }
            Err(e) => panic!("{ours}: {e}"),
        };
        assert_eq!(got, want, "{ours}");
    }
    // The generator must exercise both paths.
    assert!(
        errors > 0 && errors < cases.len() / 2,
        "{errors} division errors"
    );
}
