//! A tiny non-negative big integer (base 10^9 limbs) for the synthetic
//! code tasks' ground truth: factorials, powers, Fibonacci numbers and long
//! products are computed here, independently of the Python sandbox, so the
//! execution check compares two separate implementations.

use std::fmt;

const BASE: u64 = 1_000_000_000;

/// A non-negative integer; limbs little-endian, no trailing zero limbs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BigDec {
    limbs: Vec<u64>,
}

impl BigDec {
    pub fn from_u64(mut n: u64) -> BigDec {
        let mut limbs = Vec::new();
        while n > 0 {
            limbs.push(n % BASE);
            n /= BASE;
        }
        BigDec { limbs }
    }

    /// Parses decimal digits (no sign); `None` on anything else.
    pub fn parse(s: &str) -> Option<BigDec> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let mut limbs = Vec::new();
        let mut end = s.len();
        while end > 0 {
            let start = end.saturating_sub(9);
            limbs.push(s[start..end].parse().ok()?);
            end = start;
        }
        let mut n = BigDec { limbs };
        n.trim();
        Some(n)
    }

    fn trim(&mut self) {
        while self.limbs.last() == Some(&0) {
            self.limbs.pop();
        }
    }

    pub fn add(&self, other: &BigDec) -> BigDec {
        let mut limbs = Vec::with_capacity(self.limbs.len().max(other.limbs.len()) + 1);
        let mut carry = 0;
        for i in 0..self.limbs.len().max(other.limbs.len()) {
            let s = self.limbs.get(i).unwrap_or(&0) + other.limbs.get(i).unwrap_or(&0) + carry;
            limbs.push(s % BASE);
            carry = s / BASE;
        }
        if carry > 0 {
            limbs.push(carry);
        }
        BigDec { limbs }
    }

    pub fn mul(&self, other: &BigDec) -> BigDec {
        let mut acc = vec![0u128; self.limbs.len() + other.limbs.len() + 1];
        for (i, &a) in self.limbs.iter().enumerate() {
            for (j, &b) in other.limbs.iter().enumerate() {
                acc[i + j] += a as u128 * b as u128;
            }
            // Normalise every row so the u128 sums never overflow.
            let mut carry = 0u128;
            for x in acc.iter_mut() {
                *x += carry;
                carry = *x / BASE as u128;
                *x %= BASE as u128;
            }
        }
        let mut n = BigDec {
            limbs: acc.into_iter().map(|x| x as u64).collect(),
        };
        n.trim();
        n
    }

    pub fn pow(&self, mut exp: u32) -> BigDec {
        let mut result = BigDec::from_u64(1);
        let mut base = self.clone();
        while exp > 0 {
            if exp & 1 == 1 {
                result = result.mul(&base);
            }
            base = base.mul(&base);
            exp >>= 1;
        }
        result
    }

    pub fn factorial(n: u64) -> BigDec {
        (2..=n).fold(BigDec::from_u64(1), |acc, k| acc.mul(&BigDec::from_u64(k)))
    }

    /// The n-th Fibonacci number (F0 = 0, F1 = 1).
    pub fn fibonacci(n: u64) -> BigDec {
        let (mut a, mut b) = (BigDec::from_u64(0), BigDec::from_u64(1));
        for _ in 0..n {
            let next = a.add(&b);
            a = std::mem::replace(&mut b, next);
        }
        a
    }

    /// Quotient and remainder by a small divisor (`0 < d < 10^9`).
    pub fn divmod_small(&self, d: u64) -> (BigDec, u64) {
        assert!(d > 0 && d < BASE, "divisor in (0, 10^9)");
        let mut limbs = vec![0; self.limbs.len()];
        let mut rem = 0u64;
        for i in (0..self.limbs.len()).rev() {
            let cur = rem * BASE + self.limbs[i];
            limbs[i] = cur / d;
            rem = cur % d;
        }
        let mut q = BigDec { limbs };
        q.trim();
        (q, rem)
    }
}

impl fmt::Display for BigDec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.limbs.split_last() {
            None => f.write_str("0"),
            Some((top, rest)) => {
                write!(f, "{top}")?;
                for limb in rest.iter().rev() {
                    write!(f, "{limb:09}")?;
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_u128() {
        let mut rng = kernels::rng::Rng::new(5);
        for _ in 0..500 {
            let a = rng.next_u64() >> rng.below(64);
            let b = rng.next_u64() >> rng.below(64);
            let (x, y) = (BigDec::from_u64(a), BigDec::from_u64(b));
            assert_eq!(x.mul(&y).to_string(), (a as u128 * b as u128).to_string());
            assert_eq!(x.add(&y).to_string(), (a as u128 + b as u128).to_string());
            let d = 1 + rng.below(999_999_999);
            let (q, r) = x.divmod_small(d);
            assert_eq!((q.to_string(), r), ((a / d).to_string(), a % d));
            assert_eq!(BigDec::parse(&a.to_string()), Some(x));
        }
        assert_eq!(BigDec::parse("000"), Some(BigDec::from_u64(0)));
        assert_eq!(BigDec::parse("-1"), None);
    }

    #[test]
    fn known_values() {
        // CPython: math.factorial(30), 2**100, fib(100).
        assert_eq!(
            BigDec::factorial(30).to_string(),
            "265252859812191058636308480000000"
        );
        assert_eq!(
            BigDec::from_u64(2).pow(100).to_string(),
            "1267650600228229401496703205376"
        );
        assert_eq!(BigDec::fibonacci(100).to_string(), "354224848179261915075");
        assert_eq!(BigDec::fibonacci(0).to_string(), "0");
    }
}
