//! Arbitrary-precision signed integers: sign + little-endian `u32` limbs.
//! Only what the interpreter needs (Python `int` semantics: floor division,
//! two's-complement bit operations, decimal and radix conversion).

use std::cmp::Ordering;

/// A normalized big integer: no high zero limbs; zero has `neg == false`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct BigInt {
    pub neg: bool,
    pub mag: Vec<u32>,
}

fn trim(v: &mut Vec<u32>) {
    while let Some(&0) = v.last() {
        v.pop();
    }
}

fn cmp_mag(a: &[u32], b: &[u32]) -> Ordering {
    if a.len() != b.len() {
        return a.len().cmp(&b.len());
    }
    for i in (0..a.len()).rev() {
        if a[i] != b[i] {
            return a[i].cmp(&b[i]);
        }
    }
    Ordering::Equal
}

fn add_mag(a: &[u32], b: &[u32]) -> Vec<u32> {
    let (a, b) = if a.len() >= b.len() { (a, b) } else { (b, a) };
    let mut out = Vec::with_capacity(a.len() + 1);
    let mut carry = 0u64;
    for i in 0..a.len() {
        let s = a[i] as u64 + *b.get(i).unwrap_or(&0) as u64 + carry;
        out.push(s as u32);
        carry = s >> 32;
    }
    if carry > 0 {
        out.push(carry as u32);
    }
    out
}

/// `a - b` where `|a| >= |b|`.
fn sub_mag(a: &[u32], b: &[u32]) -> Vec<u32> {
    let mut out = Vec::with_capacity(a.len());
    let mut borrow = 0i64;
    for i in 0..a.len() {
        let mut d = a[i] as i64 - *b.get(i).unwrap_or(&0) as i64 - borrow;
        if d < 0 {
            d += 1 << 32;
            borrow = 1;
        } else {
            borrow = 0;
        }
        out.push(d as u32);
    }
    trim(&mut out);
    out
}

fn mul_mag(a: &[u32], b: &[u32]) -> Vec<u32> {
    if a.is_empty() || b.is_empty() {
        return Vec::new();
    }
    let mut out = vec![0u32; a.len() + b.len()];
    for (i, &x) in a.iter().enumerate() {
        let mut carry = 0u64;
        for (j, &y) in b.iter().enumerate() {
            let t = x as u64 * y as u64 + out[i + j] as u64 + carry;
            out[i + j] = t as u32;
            carry = t >> 32;
        }
        out[i + b.len()] = carry as u32;
    }
    trim(&mut out);
    out
}

/// Divide magnitude by a small divisor; returns (quotient, remainder).
fn divrem_small(a: &[u32], d: u32) -> (Vec<u32>, u32) {
    let mut q = vec![0u32; a.len()];
    let mut r = 0u64;
    for i in (0..a.len()).rev() {
        let cur = (r << 32) | a[i] as u64;
        q[i] = (cur / d as u64) as u32;
        r = cur % d as u64;
    }
    trim(&mut q);
    (q, r as u32)
}

/// Knuth algorithm D on magnitudes; `b` non-empty.
fn divrem_mag(a: &[u32], b: &[u32]) -> (Vec<u32>, Vec<u32>) {
    if cmp_mag(a, b) == Ordering::Less {
        return (Vec::new(), a.to_vec());
    }
    if b.len() == 1 {
        let (q, r) = divrem_small(a, b[0]);
        let mut rv = vec![r];
        trim(&mut rv);
        return (q, rv);
    }
    let s = b[b.len() - 1].leading_zeros();
    let b = shl_mag(b, s as usize);
    let mut a = shl_mag(a, s as usize);
    a.push(0);
    let n = b.len();
    let m = a.len() - n;
    let mut q = vec![0u32; m];
    let btop = b[n - 1] as u64;
    let bsec = b[n - 2] as u64;
    for j in (0..m).rev() {
        let num = ((a[j + n] as u64) << 32) | a[j + n - 1] as u64;
        let mut qhat = num / btop;
        let mut rhat = num % btop;
        while qhat >= (1 << 32) || qhat * bsec > ((rhat << 32) | a[j + n - 2] as u64) {
            qhat -= 1;
            rhat += btop;
            if rhat >= (1 << 32) {
                break;
            }
        }
        // multiply and subtract
        let mut borrow = 0i64;
        let mut carry = 0u64;
        for i in 0..n {
            let p = qhat * b[i] as u64 + carry;
            carry = p >> 32;
            let t = a[i + j] as i64 - borrow - (p & 0xffff_ffff) as i64;
            a[i + j] = t as u32;
            borrow = if t < 0 { 1 } else { 0 };
        }
        let t = a[j + n] as i64 - borrow - carry as i64;
        a[j + n] = t as u32;
        if t < 0 {
            qhat -= 1;
            let mut c = 0u64;
            for i in 0..n {
                let s2 = a[i + j] as u64 + b[i] as u64 + c;
                a[i + j] = s2 as u32;
                c = s2 >> 32;
            }
            a[j + n] = a[j + n].wrapping_add(c as u32);
        }
        q[j] = qhat as u32;
    }
    trim(&mut q);
    a.truncate(n);
    let r = shr_mag(&a, s as usize);
    (q, r)
}

fn shl_mag(a: &[u32], bits: usize) -> Vec<u32> {
    let words = bits / 32;
    let b = bits % 32;
    let mut out = vec![0u32; words];
    if b == 0 {
        out.extend_from_slice(a);
    } else {
        let mut carry = 0u32;
        for &x in a {
            out.push((x << b) | carry);
            carry = x >> (32 - b);
        }
        if carry != 0 {
            out.push(carry);
        }
    }
    trim(&mut out);
    out
}

fn shr_mag(a: &[u32], bits: usize) -> Vec<u32> {
    let words = bits / 32;
    if words >= a.len() {
        return Vec::new();
    }
    let b = bits % 32;
    let mut out: Vec<u32> = Vec::with_capacity(a.len() - words);
    for i in words..a.len() {
        let lo = a[i] >> b;
        let hi = if b > 0 && i + 1 < a.len() {
            a[i + 1] << (32 - b)
        } else {
            0
        };
        out.push(lo | hi);
    }
    trim(&mut out);
    out
}

impl BigInt {
    pub fn zero() -> BigInt {
        BigInt {
            neg: false,
            mag: Vec::new(),
        }
    }
    fn make(neg: bool, mut mag: Vec<u32>) -> BigInt {
        trim(&mut mag);
        let neg = neg && !mag.is_empty();
        BigInt { neg, mag }
    }
    pub fn from_i64(v: i64) -> BigInt {
        let u = v.unsigned_abs();
        BigInt::make(v < 0, vec![u as u32, (u >> 32) as u32])
    }
    pub fn to_i64(&self) -> Option<i64> {
        if self.mag.len() > 2 {
            return None;
        }
        let u = self.mag.first().copied().unwrap_or(0) as u64
            | (self.mag.get(1).copied().unwrap_or(0) as u64) << 32;
        if self.neg {
            if u <= 1u64 << 63 {
                Some((u as i64).wrapping_neg())
            } else {
                None
            }
        } else if u < 1u64 << 63 {
            Some(u as i64)
        } else {
            None
        }
    }
    pub fn is_zero(&self) -> bool {
        self.mag.is_empty()
    }
    pub fn bits(&self) -> u64 {
        match self.mag.last() {
            None => 0,
            Some(&top) => (self.mag.len() as u64 - 1) * 32 + (32 - top.leading_zeros() as u64),
        }
    }
    pub fn neg(&self) -> BigInt {
        BigInt::make(!self.neg, self.mag.clone())
    }
    pub fn abs(&self) -> BigInt {
        BigInt::make(false, self.mag.clone())
    }
    pub fn add(&self, o: &BigInt) -> BigInt {
        if self.neg == o.neg {
            return BigInt::make(self.neg, add_mag(&self.mag, &o.mag));
        }
        match cmp_mag(&self.mag, &o.mag) {
            Ordering::Less => BigInt::make(o.neg, sub_mag(&o.mag, &self.mag)),
            _ => BigInt::make(self.neg, sub_mag(&self.mag, &o.mag)),
        }
    }
    pub fn sub(&self, o: &BigInt) -> BigInt {
        self.add(&o.neg())
    }
    pub fn mul(&self, o: &BigInt) -> BigInt {
        BigInt::make(self.neg != o.neg, mul_mag(&self.mag, &o.mag))
    }
    /// Floor division and modulo (Python semantics). `None` on zero divisor.
    pub fn divmod(&self, o: &BigInt) -> Option<(BigInt, BigInt)> {
        if o.is_zero() {
            return None;
        }
        let (q, r) = divrem_mag(&self.mag, &o.mag);
        let mut q = BigInt::make(self.neg != o.neg, q);
        let mut r = BigInt::make(self.neg, r);
        if !r.is_zero() && r.neg != o.neg {
            q = q.sub(&BigInt::from_i64(1));
            r = r.add(o);
        }
        Some((q, r))
    }
    pub fn pow(&self, mut e: u64) -> BigInt {
        let mut base = self.clone();
        let mut acc = BigInt::from_i64(1);
        while e > 0 {
            if e & 1 == 1 {
                acc = acc.mul(&base);
            }
            e >>= 1;
            if e > 0 {
                base = base.mul(&base);
            }
        }
        acc
    }
    pub fn shl(&self, bits: usize) -> BigInt {
        BigInt::make(self.neg, shl_mag(&self.mag, bits))
    }
    /// Arithmetic shift right (floor).
    pub fn shr(&self, bits: usize) -> BigInt {
        if !self.neg {
            return BigInt::make(false, shr_mag(&self.mag, bits));
        }
        // floor(-m / 2^k) = -ceil(m / 2^k) = -((m - 1) >> k) - 1
        let m1 = sub_mag(&self.mag, &[1]);
        BigInt::make(false, shr_mag(&m1, bits))
            .add(&BigInt::from_i64(1))
            .neg()
    }
    /// Two's complement limbs of length `n` (n large enough).
    fn twos(&self, n: usize) -> Vec<u32> {
        let mut v = self.mag.clone();
        v.resize(n, 0);
        if self.neg {
            for x in v.iter_mut() {
                *x = !*x;
            }
            let mut i = 0;
            while i < n {
                let (s, c) = v[i].overflowing_add(1);
                v[i] = s;
                if !c {
                    break;
                }
                i += 1;
            }
        }
        v
    }
    fn from_twos(mut v: Vec<u32>) -> BigInt {
        let neg = v.last().map(|&x| x >> 31 == 1).unwrap_or(false);
        if neg {
            for x in v.iter_mut() {
                *x = !*x;
            }
            let b = BigInt::make(false, v).add(&BigInt::from_i64(1));
            return b.neg();
        }
        BigInt::make(false, v)
    }
    /// Bitwise op: 0 = and, 1 = or, 2 = xor.
    pub fn bitop(&self, o: &BigInt, op: u8) -> BigInt {
        let n = self.mag.len().max(o.mag.len()) + 1;
        let a = self.twos(n);
        let b = o.twos(n);
        let v = a
            .iter()
            .zip(b.iter())
            .map(|(x, y)| match op {
                0 => x & y,
                1 => x | y,
                _ => x ^ y,
            })
            .collect();
        BigInt::from_twos(v)
    }
    pub fn cmp(&self, o: &BigInt) -> Ordering {
        match (self.neg, o.neg) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (false, false) => cmp_mag(&self.mag, &o.mag),
            (true, true) => cmp_mag(&o.mag, &self.mag),
        }
    }
    pub fn to_f64(&self) -> f64 {
        // Round to nearest using the top 64 bits plus a sticky bit.
        let bits = self.bits();
        let v = if bits <= 64 {
            let u = self.mag.first().copied().unwrap_or(0) as u64
                | (self.mag.get(1).copied().unwrap_or(0) as u64) << 32;
            u as f64
        } else {
            let shift = bits - 64;
            let top = shr_mag(&self.mag, shift as usize);
            let mut u = top.first().copied().unwrap_or(0) as u64
                | (top.get(1).copied().unwrap_or(0) as u64) << 32;
            let sticky = shl_mag(&top, shift as usize) != self.mag;
            if sticky {
                u |= 1;
            }
            if shift > 2000 {
                f64::INFINITY
            } else {
                (u as f64) * 2f64.powi(shift as i32)
            }
        };
        if self.neg {
            -v
        } else {
            v
        }
    }
    /// Exact conversion of a finite float's integer part.
    pub fn from_f64(f: f64) -> BigInt {
        let f = f.trunc();
        if f.abs() < 9.0e18 {
            return BigInt::from_i64(f as i64);
        }
        let bits = f.abs().to_bits();
        let exp = ((bits >> 52) & 0x7ff) as i64 - 1075;
        let mant = (bits & ((1u64 << 52) - 1)) | (1u64 << 52);
        let m = BigInt::from_i64(mant as i64).shl(exp as usize);
        if f < 0.0 {
            m.neg()
        } else {
            m
        }
    }
    pub fn to_str_radix(&self, radix: u32) -> String {
        if self.is_zero() {
            return "0".to_string();
        }
        let (chunk, digits) = match radix {
            10 => (1_000_000_000u32, 9usize),
            16 => (1 << 28, 7),
            8 => (1 << 30, 10),
            _ => (1 << 30, 30),
        };
        let mut parts = Vec::new();
        let mut cur = self.mag.clone();
        while !cur.is_empty() {
            let (q, r) = divrem_small(&cur, chunk);
            parts.push(r);
            cur = q;
        }
        let mut s = String::new();
        if self.neg {
            s.push('-');
        }
        for (i, p) in parts.iter().rev().enumerate() {
            let mut d = Vec::new();
            let mut x = *p;
            for _ in 0..digits {
                d.push(std::char::from_digit(x % radix, radix).unwrap_or('0'));
                x /= radix;
            }
            while i == 0 && d.len() > 1 && d[d.len() - 1] == '0' {
                d.pop();
            }
            s.extend(d.iter().rev());
        }
        s
    }
    /// Parse digits (no sign, no prefix, no underscores) in `radix`.
    pub fn parse_digits(s: &str, radix: u32) -> Option<BigInt> {
        if s.is_empty() {
            return None;
        }
        let mut mag: Vec<u32> = Vec::new();
        for c in s.chars() {
            let d = c.to_digit(radix)?;
            // mag = mag * radix + d
            let mut carry = d as u64;
            for x in mag.iter_mut() {
                let t = *x as u64 * radix as u64 + carry;
                *x = t as u32;
                carry = t >> 32;
            }
            if carry > 0 {
                mag.push(carry as u32);
            }
        }
        Some(BigInt::make(false, mag))
    }
    /// Number of decimal digits, estimated from the bit length (upper bound).
    pub fn approx_decimal_digits(&self) -> u64 {
        self.bits() * 30103 / 100000 + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    fn b(s: &str) -> BigInt {
        let (neg, d) = if let Some(r) = s.strip_prefix('-') {
            (true, r)
        } else {
            (false, s)
        };
        let v = BigInt::parse_digits(d, 10).expect("digits");
        if neg {
            v.neg()
        } else {
            v
        }
    }
    #[test]
    fn arithmetic_matches_known_values() {
        let f = (1..=30).fold(BigInt::from_i64(1), |a, i| a.mul(&BigInt::from_i64(i)));
        assert_eq!(f.to_str_radix(10), "265252859812191058636308480000000");
        let (q, r) = b("265252859812191058636308480000001")
            .divmod(&b("-98765432123456789"))
            .expect("nz");
        // values from CPython: divmod(265252859812191058636308480000001, -98765432123456789)
        assert_eq!(q.to_str_radix(10), "-2685685204927014");
        assert_eq!(r.to_str_radix(10), "-79208835647798045");
        assert_eq!(
            b("-7").divmod(&b("2")).map(|x| x.0.to_i64()),
            Some(Some(-4))
        );
        assert_eq!(b("-5").shr(1).to_i64(), Some(-3));
        assert_eq!(b("-12").bitop(&b("10"), 0).to_i64(), Some(-12 & 10));
        assert_eq!(b("-12").bitop(&b("10"), 2).to_i64(), Some(-12 ^ 10));
        assert_eq!(
            BigInt::from_i64(2).pow(100).to_str_radix(16),
            "10000000000000000000000000"
        );
        assert_eq!(BigInt::from_i64(i64::MIN).to_i64(), Some(i64::MIN));
    }
}
