//! Judging a model's final answer against a ground truth: one scorer for
//! the code suite and `agent --suite basic`.
//!
//! The answer's *value* is judged, not any text it contains:
//! - the part judged is the rest of the last explicit final-answer line
//!   (`Final answer: 54`, `Answer: 54`) when there is one, else the whole
//!   answer;
//! - a numeric truth is compared with the **last number stated** there that
//!   does not restate a number of the question (`12345 * 67890 = 838102050`,
//!   `There are 25 primes below 100`); when every number restates the
//!   question, with the last number. Integers compare digit for digit (so
//!   60-digit integers are exact), decimals within 1e-6 relative; thousands
//!   separators (`1,000`, `1_000`) are dropped, and `-` is a sign only when
//!   it does not follow a letter or digit (`10-5` holds no `-5`);
//! - `True` / `False` compare with the last `True` or `False` stated;
//! - other text matches as a run of whole words and punctuation, ignoring
//!   case and spacing: `def` does not match `define`, `[808, 767, 734]`
//!   matches `[808, 767,  734]`.

/// Whether `answer` (to `question`) states `truth`; see the module doc.
pub fn answer_matches(answer: &str, truth: &str, question: &str) -> bool {
    let truth = truth.trim();
    let judged = final_part(answer);
    if is_number(truth) {
        return final_value(judged, question).is_some_and(|n| same_number(&n, truth));
    }
    if truth == "True" || truth == "False" {
        return tokens(judged)
            .into_iter()
            .rev()
            .find(|w| w == "true" || w == "false")
            .is_some_and(|w| w.eq_ignore_ascii_case(truth));
    }
    let (said, key) = (tokens(answer), tokens(truth));
    !key.is_empty() && said.windows(key.len()).any(|w| w == key.as_slice())
}

/// The rest of the last line that opens with `final answer` or `answer`
/// followed by `:` or `is` (after optional Markdown emphasis or `#`), or
/// the whole answer when no line does.
fn final_part(answer: &str) -> &str {
    answer
        .lines()
        .rev()
        .find_map(|line| {
            let l = line.trim_start_matches(|c: char| c.is_whitespace() || "*#_>-".contains(c));
            let lower = l.to_lowercase();
            let rest_at = ["final answer", "answer"]
                .iter()
                .find(|m| lower.starts_with(*m))
                .map(|m| m.len())?;
            // `to_lowercase` keeps ASCII byte offsets; the markers are ASCII.
            let rest = l
                .get(rest_at..)?
                .trim_start_matches(['*', '_'])
                .trim_start();
            rest.strip_prefix(':')
                .or_else(|| rest.strip_prefix("is "))
                .map(|r| r.trim_matches(|c: char| c.is_whitespace() || c == '*'))
        })
        .unwrap_or(answer)
}

/// The last number of `text` that is not one of the question's numbers,
/// or the last number when all of them are.
fn final_value(text: &str, question: &str) -> Option<String> {
    let given = numbers(question);
    let stated = numbers(text);
    let restated = |n: &String| given.iter().any(|g| same_number(g, n));
    stated
        .iter()
        .rev()
        .find(|n| !restated(n))
        .or(stated.last())
        .cloned()
}

/// Lower-cased words (letters, digits, `_`) and single punctuation marks;
/// whitespace only separates.
fn tokens(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    for c in s.chars() {
        if c.is_alphanumeric() || c == '_' {
            word.extend(c.to_lowercase());
            continue;
        }
        if !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
        if !c.is_whitespace() {
            out.push(c.to_lowercase().collect());
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

fn is_number(s: &str) -> bool {
    numbers(s).first().is_some_and(|n| n.len() == s.len())
}

/// The numbers written in `s` (thousands separators `1,000` / `1_000`
/// dropped; a `-` is a sign only when not preceded by a letter or digit).
fn numbers(s: &str) -> Vec<String> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let sign = chars[i] == '-'
            && chars.get(i + 1).is_some_and(char::is_ascii_digit)
            && (i == 0 || !chars[i - 1].is_alphanumeric());
        if !(sign || chars[i].is_ascii_digit()) || (i > 0 && chars[i - 1].is_ascii_digit()) {
            i += 1;
            continue;
        }
        let mut n = String::new();
        if sign {
            n.push('-');
            i += 1;
        }
        let digit = |j: usize| chars.get(j).is_some_and(char::is_ascii_digit);
        let mut seen_dot = false;
        while i < chars.len() {
            let c = chars[i];
            if c.is_ascii_digit() {
                n.push(c);
            } else if (c == ',' || c == '_') && digit(i + 1) && digit(i.wrapping_sub(1)) {
                // separator: skip
            } else if c == '.' && !seen_dot && digit(i + 1) {
                seen_dot = true;
                n.push(c);
            } else if (c == 'e' || c == 'E') && seen_dot && digit(i + 1) {
                n.push(c);
            } else {
                break;
            }
            i += 1;
        }
        out.push(n);
    }
    out
}

fn same_number(a: &str, b: &str) -> bool {
    let int = |s: &str| !s.contains(['.', 'e', 'E']);
    if int(a) && int(b) {
        let norm = |s: &str| {
            let (neg, d) = s.strip_prefix('-').map_or((false, s), |d| (true, d));
            let d = d.trim_start_matches('0');
            (neg && !d.is_empty(), d.to_string())
        };
        return norm(a) == norm(b);
    }
    match (a.parse::<f64>(), b.parse::<f64>()) {
        // Beyond f64 (a 400-digit integer parses as infinity) nothing is
        // within a tolerance of it.
        (Ok(x), Ok(y)) if x.is_finite() && y.is_finite() => {
            (x - y).abs() <= 1e-6 * y.abs().max(1.0)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An answer judged with no question (nothing to discount as restated).
    fn states(answer: &str, truth: &str) -> bool {
        answer_matches(answer, truth, "")
    }

    #[test]
    fn numbers_match_by_value() {
        assert!(states("9 * 6 = 54.", "54"));
        assert!(states("The mean is 34.", "34.0"));
        assert!(states("It is 170.3440000001 liters", "170.344"));
        assert!(!states("It is 170.35 liters", "170.344"));
        assert!(states("The total is 1,191,312.", "1191312"));
        assert!(states("The total is 1_191_312.", "1191312"));
        assert!(!states("The sum is 1191313.", "1191312"));
        assert!(!states("The sum is 11913120.", "1191312"));
        // Big integers compare digit for digit, not through f64.
        let big = "590295810358705651712";
        assert!(states(&format!("8^23 = {big}."), big));
        assert!(!states("8^23 = 590295810358705651713.", big));
        let sixty = "123456789012345678901234567890123456789012345678901234567890";
        assert!(states(&format!("It is {sixty}."), sixty));
        assert!(!states(&format!("It is {sixty}1."), sixty));
        // A decimal is not "within 1e-6" of an integer too big for f64.
        let huge = "4".repeat(400);
        assert!(!states("The mean is 492.6.", &huge));
        assert!(states(&format!("It is {huge}."), &huge));
        assert!(states("x is -5", "-5"));
        assert!(!states("10-5 is 5", "-5"));
        assert!(states("1000001000111", "1000001000111"));
    }

    /// The value judged is the last number stated, so an answer that repeats
    /// an operand (or lists several candidates) does not score by containing
    /// the truth somewhere.
    #[test]
    fn the_last_number_stated_is_the_value() {
        let q = "What is 7 * 1?";
        assert!(!answer_matches("7 * 1 = 8", "7", q));
        assert!(answer_matches("7 * 1 = 7", "7", q));
        let q = "What is the GCD of 12 and 36?";
        assert!(!answer_matches("The GCD of 12 and 36 is 36.", "12", q));
        assert!(answer_matches("The GCD of 12 and 36 is 12.", "12", q));
        assert!(!states("It is either 54 or 45.", "54"));
        // `agent --suite basic`: 150 is not inside 1500.
        let q = "What is the sum of the list [10, 20, 30, 40, 50]?";
        assert!(!answer_matches("The sum is 1500.", "150", q));
        assert!(answer_matches(
            "Adding 10, 20, 30, 40 and 50 gives 150.",
            "150",
            q
        ));
        // Numbers restating the question are not the value, wherever they are.
        let q = "How many primes are there below 100?";
        assert!(answer_matches("There are 25 primes below 100.", "25", q));
        assert!(answer_matches(
            "838102050 = 12345 * 67890",
            "838102050",
            "What is 12345 * 67890?"
        ));
    }

    #[test]
    fn an_explicit_final_answer_line_decides() {
        assert!(states("First I got 45, then 7.\nFinal answer: 54", "54"));
        assert!(!states("54 looked right, but\n**Final answer:** 45", "54"));
        assert!(states("Answer: 54\n(checked with Python 3)", "54"));
        assert!(answer_matches(
            "The answer is 54, as 9 * 6 shows.",
            "54",
            "What is 9 * 6?"
        ));
        assert!(states("answer is 54", "54"));
        // A line that merely starts with the word is not a marker.
        assert!(!states("Answers vary: 54\nbut it is 45", "54"));
    }

    #[test]
    fn booleans_take_the_last_one_stated() {
        assert!(states("Is 969 prime? False.", "False"));
        assert!(!states("Falsehood", "False"));
        assert!(!states("False... no wait, it is True.", "False"));
        assert!(states("Not True: the answer is False", "False"));
    }

    #[test]
    fn text_matches_as_whole_words() {
        assert!(states("Sorted: [808, 767,  734].", "[808, 767, 734]"));
        assert!(!states("Sorted: [808, 767, 734, 1].", "[808, 767, 734]"));
        assert!(states(
            "A closure remembers the Enclosing scope",
            "enclosing"
        ));
        assert!(!states("no idea", "overlapping subproblems"));
        assert!(states("Use def, the name and a colon.", "def"));
        assert!(!states("You define it with a keyword.", "def"));
        assert!(states("Without return it gives None.", "None"));
        assert!(!states("Nonetheless, it returns.", "None"));
        assert!(states("Call int(\"42\").", "int("));
        assert!(states("It takes O(n log n) time.", "O(n log n)"));
        assert!(!states("It takes O(n) time.", "O(1)"));
        assert!(states("Use math.isclose to compare.", "math.isclose"));
        assert!(states("via __next__ until", "__next__"));
        assert!(!states("anything", ""));
    }
}
