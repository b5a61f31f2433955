//! CPython's set iteration order for integer sets. CPython orders a set by
//! its hash table (Objects/setobject.c: linear probing of 9 slots, then
//! perturbation; resize to 4x `used` once 3/5 full). Integers hash to
//! themselves (mod 2**61-1), so for integer-only sets we replay the inserts
//! into a simulated table and read it back. Other sets (strings hash randomly
//! in CPython) keep insertion order.

use crate::value::{Dict, Value};

const LINEAR_PROBES: usize = 9;
const PERTURB_SHIFT: u32 = 5;
const MODULUS: u64 = (1u64 << 61) - 1;

fn int_hash(v: &Value) -> Option<i64> {
    let h = match v {
        Value::Bool(b) => *b as i64,
        Value::Int(i) => {
            let m = (i.unsigned_abs() % MODULUS) as i64;
            if *i < 0 {
                -m
            } else {
                m
            }
        }
        Value::Big(b) => {
            // |b| mod (2**61 - 1) from 32-bit limbs
            let mut r: u128 = 0;
            for &limb in b.mag.iter().rev() {
                r = ((r << 32) | limb as u128) % MODULUS as u128;
            }
            let m = r as i64;
            if b.neg {
                -m
            } else {
                m
            }
        }
        _ => return None,
    };
    Some(if h == -1 { -2 } else { h })
}

fn insert_clean(table: &mut [Option<usize>], hashes: &[u64], idx: usize) {
    let mask = table.len() - 1;
    let hash = hashes[idx];
    let mut perturb = hash;
    let mut i = (hash as usize) & mask;
    loop {
        if table[i].is_none() {
            table[i] = Some(idx);
            return;
        }
        if i + LINEAR_PROBES <= mask {
            for j in 1..=LINEAR_PROBES {
                if table[i + j].is_none() {
                    table[i + j] = Some(idx);
                    return;
                }
            }
        }
        perturb >>= PERTURB_SHIFT;
        i = (i
            .wrapping_mul(5)
            .wrapping_add(1)
            .wrapping_add(perturb as usize))
            & mask;
    }
}

/// Elements of a set in the order CPython would iterate them.
pub fn display_order(d: &Dict) -> Vec<Value> {
    let keys = d.keys();
    let hashes: Option<Vec<u64>> = keys.iter().map(|k| int_hash(k).map(|h| h as u64)).collect();
    let hashes = match hashes {
        Some(h) if keys.len() < 100_000 => h,
        _ => return keys,
    };
    let mut table: Vec<Option<usize>> = vec![None; 8];
    let mut used = 0usize;
    for idx in 0..keys.len() {
        insert_clean(&mut table, &hashes, idx);
        used += 1;
        let mask = table.len() - 1;
        if used * 5 >= mask * 3 {
            let minused = if used > 50000 { used * 2 } else { used * 4 };
            let mut size = 8usize;
            while size <= minused {
                size <<= 1;
            }
            let old = std::mem::replace(&mut table, vec![None; size]);
            for e in old.into_iter().flatten() {
                insert_clean(&mut table, &hashes, e);
            }
        }
    }
    table
        .into_iter()
        .flatten()
        .map(|i| keys[i].clone())
        .collect()
}
