//! `data split`: a deterministic train/val/test split (80/10/10) of a JSONL
//! file, stratified by the records' `category` field when they have one.
//! Lines are copied byte for byte and keep their original order inside
//! each split; which lines go where depends only on the file and the seed.

use std::collections::BTreeMap;

use kernels::rng::Rng;
use serde::Serialize;
use serde_json::Value;

/// Share of each category that goes to validation and to test.
pub const VAL_SHARE: f64 = 0.1;
pub const TEST_SHARE: f64 = 0.1;

/// The three parts, as line indices into the input (in input order).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Split {
    pub train: Vec<usize>,
    pub val: Vec<usize>,
    pub test: Vec<usize>,
    /// category -> [train, val, test] counts (`""` for records without one).
    pub per_category: BTreeMap<String, [usize; 3]>,
}

/// The non-empty lines' indices grouped by `category` (sorted), each group
/// shuffled by its own forked stream, so adding a category does not
/// reshuffle the others. `Err` names the first line that is not a JSON
/// object.
fn shuffled_groups(lines: &[&str], seed: u64) -> Result<BTreeMap<String, Vec<usize>>, String> {
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let value: Value =
            serde_json::from_str(line).map_err(|e| format!("line {}: {e}", i + 1))?;
        if !value.is_object() {
            return Err(format!("line {}: not a JSON object", i + 1));
        }
        let category = value
            .get("category")
            .and_then(Value::as_str)
            .unwrap_or_default();
        groups.entry(category.to_string()).or_default().push(i);
    }
    let mut rng = Rng::new(seed);
    for idx in groups.values_mut() {
        rng.fork().shuffle(idx);
    }
    Ok(groups)
}

/// Splits the non-empty lines of a JSONL text. `Err` names the first line
/// that is not a JSON object.
pub fn split(lines: &[&str], seed: u64) -> Result<Split, String> {
    let mut out = Split::default();
    for (category, idx) in shuffled_groups(lines, seed)? {
        let n = idx.len();
        let n_val = (n as f64 * VAL_SHARE).round() as usize;
        let n_test = (n as f64 * TEST_SHARE).round() as usize;
        let n_train = n - n_val - n_test;
        out.train.extend(&idx[..n_train]);
        out.val.extend(&idx[n_train..n_train + n_val]);
        out.test.extend(&idx[n_train + n_val..]);
        out.per_category.insert(category, [n_train, n_val, n_test]);
    }
    out.train.sort_unstable();
    out.val.sort_unstable();
    out.test.sort_unstable();
    Ok(out)
}

/// A share of the lines (`fraction` in (0, 1]), stratified by category
/// (at least one line of each), in input order. Subsets of one file and
/// seed are nested: the 10% lines are among the 50% lines.
pub fn subset(lines: &[&str], fraction: f64, seed: u64) -> Result<Vec<usize>, String> {
    if !(fraction > 0.0 && fraction <= 1.0) {
        return Err(format!("fraction {fraction} is not in (0, 1]"));
    }
    let mut out = Vec::new();
    for idx in shuffled_groups(lines, seed)?.values() {
        let k = ((idx.len() as f64 * fraction).round() as usize).clamp(1, idx.len());
        out.extend(&idx[..k]);
    }
    out.sort_unstable();
    Ok(out)
}

/// The text of one part: the chosen lines, each ending in a newline.
pub fn part_text(lines: &[&str], indices: &[usize]) -> String {
    indices.iter().map(|&i| format!("{}\n", lines[i])).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(n: usize) -> Vec<String> {
        (0..n)
            .map(|i| {
                let cat = ["a", "b", "c"][i % 7 % 3];
                format!("{{\"id\": {i}, \"category\": \"{cat}\"}}")
            })
            .collect()
    }

    #[test]
    fn stratified_deterministic_and_complete() {
        let owned = lines(1000);
        let l: Vec<&str> = owned.iter().map(String::as_str).collect();
        let s = split(&l, 1).unwrap();
        assert_eq!(s, split(&l, 1).unwrap());
        assert_ne!(s.test, split(&l, 2).unwrap().test);
        let mut all: Vec<usize> = [&s.train[..], &s.val, &s.test].concat();
        all.sort_unstable();
        assert_eq!(all, (0..1000).collect::<Vec<_>>());
        // Each category keeps its 80/10/10 share (rounded per category).
        for (cat, [tr, va, te]) in &s.per_category {
            let n = l
                .iter()
                .filter(|x| x.contains(&format!("\"{cat}\"")))
                .count();
            assert_eq!(tr + va + te, n);
            assert_eq!(*va, (n as f64 * 0.1).round() as usize);
            assert_eq!(*te, (n as f64 * 0.1).round() as usize);
            let in_test = s
                .test
                .iter()
                .filter(|&&i| l[i].contains(&format!("\"{cat}\"")))
                .count();
            assert_eq!(in_test, *te);
        }
        assert_eq!(s.per_category.len(), 3);
    }

    #[test]
    fn no_category_and_bad_lines() {
        let l = ["{\"x\": 1}", "", "{\"x\": 2}"];
        let s = split(&l, 0).unwrap();
        assert_eq!(s.per_category[""], [2, 0, 0]);
        assert_eq!(part_text(&l, &s.train), "{\"x\": 1}\n{\"x\": 2}\n");
        assert_eq!(
            split(&["{}", "[1"], 0).unwrap_err().split(':').next(),
            Some("line 2")
        );
        assert!(split(&["3"], 0).unwrap_err().contains("not a JSON object"));
    }

    #[test]
    fn subsets_are_stratified_and_nested() {
        let owned = lines(200);
        let l: Vec<&str> = owned.iter().map(String::as_str).collect();
        let ten = subset(&l, 0.1, 5).unwrap();
        let half = subset(&l, 0.5, 5).unwrap();
        let all = subset(&l, 1.0, 5).unwrap();
        assert_eq!(all, (0..200).collect::<Vec<_>>());
        assert!(ten.iter().all(|i| half.contains(i)));
        let count = |v: &[usize], c: &str| {
            v.iter()
                .filter(|&&i| l[i].contains(&format!("\"{c}\"")))
                .count()
        };
        for c in ["a", "b", "c"] {
            let share = count(&half, c) as f64 / count(&all, c) as f64;
            assert!((share - 0.5).abs() < 0.02, "{c}: {share}");
        }
        assert!((20..=21).contains(&ten.len()), "{}", ten.len()); // rounded per category
        assert!(subset(&l, 0.0, 5).is_err() && subset(&l, 1.5, 5).is_err());
    }
}
