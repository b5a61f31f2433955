//! `data split`: a deterministic train/val/test split (80/10/10) of a JSONL
//! file, stratified by the records' `category` field when they have one.
//!
//! Records that ask the same question stay together: lines are grouped by
//! their normalised question (the first user turn, or an xLAM `query`,
//! lowercased with whitespace collapsed), and whole groups go to one part,
//! so a test question is never also a training question. Byte-identical
//! lines are kept once and counted. Lines are copied byte for byte and keep
//! their original order inside each split; which lines go where depends
//! only on the file and the seed.

use std::collections::{BTreeMap, HashMap, HashSet};

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
    /// Lines dropped because an earlier line is byte-identical (trimmed).
    pub duplicates: Vec<usize>,
    /// Distinct questions, and how many of them more than one kept line asks
    /// (each such group sits in a single part).
    pub questions: usize,
    pub repeated_questions: usize,
}

/// The question a record asks, normalised for comparison: the first user
/// turn of a chat (`messages`) or an xLAM `query`, lowercased, whitespace
/// collapsed. `None` when the record has neither.
pub fn question_key(record: &Value) -> Option<String> {
    let text = record
        .get("messages")
        .and_then(Value::as_array)
        .and_then(|m| {
            m.iter()
                .find(|m| m.get("role").and_then(Value::as_str) == Some("user"))
        })
        .and_then(|m| m.get("content"))
        .or_else(|| record.get("query"))
        .and_then(Value::as_str)?;
    Some(
        text.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase(),
    )
}

/// One non-empty line: its category, its question, and whether an earlier
/// line is byte-identical (trimmed).
struct Record {
    line: usize,
    category: String,
    question: Option<String>,
    duplicate: bool,
}

/// The non-empty lines as records. `Err` names the first line that is not
/// a JSON object.
fn parse_records(lines: &[&str]) -> Result<Vec<Record>, String> {
    let mut seen = HashSet::new();
    let mut records = Vec::new();
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
        records.push(Record {
            line: i,
            category: category.to_string(),
            question: question_key(&value),
            duplicate: !seen.insert(line.trim()),
        });
    }
    Ok(records)
}

/// The records' line indices grouped by `category` (sorted), each group
/// shuffled by its own forked stream, so adding a category does not
/// reshuffle the others.
fn shuffled_by_category(records: &[Record], seed: u64) -> BTreeMap<String, Vec<usize>> {
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for r in records {
        groups.entry(r.category.clone()).or_default().push(r.line);
    }
    let mut rng = Rng::new(seed);
    for idx in groups.values_mut() {
        rng.fork().shuffle(idx);
    }
    groups
}

/// Splits the non-empty lines of a JSONL text, dropping byte-identical
/// repeats. Lines with the same question form one group that goes whole to
/// one part; groups are stratified by the category of their first line and
/// dealt in a seeded order, a group joining test (then val) while that
/// brings the part closer to its share, so the shares are exact when every
/// question is asked once. `Err` names the first line that is not a JSON
/// object.
pub fn split(lines: &[&str], seed: u64) -> Result<Split, String> {
    let records = parse_records(lines)?;
    let mut out = Split::default();
    // Question groups (lines in input order), and each category's groups in
    // order of first appearance.
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut group_of: HashMap<&str, usize> = HashMap::new();
    let mut strata: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    let mut category_of: HashMap<usize, &str> = HashMap::new();
    for r in &records {
        if r.duplicate {
            out.duplicates.push(r.line);
            continue;
        }
        category_of.insert(r.line, &r.category);
        let known = r.question.as_deref().and_then(|q| group_of.get(q).copied());
        match known {
            Some(g) => groups[g].push(r.line),
            None => {
                if let Some(q) = r.question.as_deref() {
                    group_of.insert(q, groups.len());
                }
                strata.entry(&r.category).or_default().push(groups.len());
                groups.push(vec![r.line]);
            }
        }
    }
    out.questions = groups.len();
    out.repeated_questions = groups.iter().filter(|g| g.len() > 1).count();
    let mut rng = Rng::new(seed);
    for order in strata.values_mut() {
        rng.fork().shuffle(order);
        let n: usize = order.iter().map(|&g| groups[g].len()).sum();
        let n_val = (n as f64 * VAL_SHARE).round() as usize;
        let n_test = (n as f64 * TEST_SHARE).round() as usize;
        let (mut got_val, mut got_test) = (0, 0);
        // Whether adding `size` lines brings `got` strictly closer to `want`.
        let closer =
            |got: usize, size: usize, want: usize| (got + size).abs_diff(want) < got.abs_diff(want);
        for &g in order.iter() {
            let size = groups[g].len();
            let part = if closer(got_test, size, n_test) {
                got_test += size;
                &mut out.test
            } else if closer(got_val, size, n_val) {
                got_val += size;
                &mut out.val
            } else {
                &mut out.train
            };
            part.extend(&groups[g]);
        }
    }
    out.train.sort_unstable();
    out.val.sort_unstable();
    out.test.sort_unstable();
    for (k, part) in [&out.train, &out.val, &out.test].into_iter().enumerate() {
        for line in part {
            let category = category_of[line].to_string();
            out.per_category.entry(category).or_default()[k] += 1;
        }
    }
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
    for idx in shuffled_by_category(&parse_records(lines)?, seed).values() {
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

    /// A chat record asking `question` (spelled with case and spacing
    /// varied by `variant`), with a distinguishing `id`.
    fn chat(id: usize, category: &str, question: &str, variant: usize) -> String {
        let q = match variant % 3 {
            0 => question.to_string(),
            1 => question.to_uppercase(),
            _ => format!("  {}\t", question.replace(' ', "  ")),
        };
        serde_json::json!({
            "id": id,
            "category": category,
            "messages": [
                {"role": "system", "content": "same system prompt"},
                {"role": "user", "content": q},
                {"role": "assistant", "content": format!("answer {id}")},
            ],
        })
        .to_string()
    }

    #[test]
    fn a_question_never_spans_two_parts() {
        // 600 records over 150 questions (1 to 7 asks each, varied case and
        // spacing), plus 20 byte-identical repeats.
        let mut owned = Vec::new();
        for q in 0..150 {
            let cat = ["a", "b"][q % 2];
            for k in 0..(q % 7 + 1) {
                owned.push(chat(owned.len(), cat, &format!("What is {q} + 1?"), k));
            }
        }
        let n_unique = owned.len();
        for i in 0..20 {
            owned.push(owned[i * 13].clone());
        }
        let l: Vec<&str> = owned.iter().map(String::as_str).collect();
        let s = split(&l, 9).unwrap();
        assert_eq!(s, split(&l, 9).unwrap());
        assert_eq!(s.duplicates, (n_unique..n_unique + 20).collect::<Vec<_>>());
        assert_eq!((s.questions, s.repeated_questions), (150, 128));
        let mut all: Vec<usize> = [&s.train[..], &s.val, &s.test].concat();
        all.sort_unstable();
        assert_eq!(all, (0..n_unique).collect::<Vec<_>>());
        let key = |i: usize| question_key(&serde_json::from_str(l[i]).unwrap()).unwrap();
        let mut part_of = HashMap::new();
        for (k, part) in [&s.train, &s.val, &s.test].into_iter().enumerate() {
            for &i in part {
                let prev = part_of.insert(key(i), k);
                assert!(prev.is_none() || prev == Some(k), "{} in two parts", key(i));
            }
        }
        // Whole groups still land near the 10% shares (a group of up to 7).
        for (cat, [tr, va, te]) in &s.per_category {
            let n = tr + va + te;
            for part in [va, te] {
                assert!(part.abs_diff(n / 10) <= 3, "{cat}: {part} of {n}");
            }
        }
    }

    #[test]
    fn question_key_normalises_the_first_user_turn() {
        let key = |v: Value| question_key(&v);
        let msgs = |u: &str| {
            serde_json::json!({"messages": [
                {"role": "system", "content": "S"},
                {"role": "user", "content": u},
                {"role": "user", "content": "later"},
            ]})
        };
        assert_eq!(key(msgs(" What IS\n 2+2? ")), Some("what is 2+2?".into()));
        assert_eq!(key(msgs("what is 2+2?")), key(msgs("WHAT  is 2+2?")));
        assert_ne!(key(msgs("what is 2+2?")), key(msgs("what is 2+3?")));
        assert_eq!(
            key(serde_json::json!({"query": "Sqrt  of 16"})),
            Some("sqrt of 16".into())
        );
        assert_eq!(key(serde_json::json!({"messages": 3})), None);
        assert_eq!(key(serde_json::json!({"x": 1})), None);
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
