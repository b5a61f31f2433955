//! Generated `pure_reasoning` questions: predict what a short Python
//! expression gives, or count steps of a loop or a search, with numbers,
//! words and phrasings drawn per sample, so a few hundred samples rarely ask
//! the same question twice (the fixed concept bank in [`super::code_bank`]
//! has 36). Each question's answer is computed here in Rust, and its
//! `check` program prints the same value in the sandbox; a mismatch drops
//! the sample, as for the tool-use tasks.

use kernels::rng::Rng;

use super::code_tasks::Difficulty;

/// One generated question with its written answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Reasoned {
    pub question: String,
    pub answer: String,
    /// The value the answer states (the sample's `ground_truth`).
    pub key: String,
    /// Python that prints `key`, run once in the sandbox to check it.
    pub check: String,
}

type Template = fn(&mut Rng, Difficulty) -> Reasoned;

/// The templates, by name.
pub const TEMPLATES: [(&str, Template); 14] = [
    ("floor_division", floor_division),
    ("modulo", modulo),
    ("range_values", range_values),
    ("range_length", range_length),
    ("slice", slice),
    ("string_method", string_method),
    ("string_operators", string_operators),
    ("binary_search_steps", binary_search_steps),
    ("halving_loop", halving_loop),
    ("nested_loop_count", nested_loop_count),
    ("sum_of_range", sum_of_range),
    ("power", power),
    ("binary_literal", binary_literal),
    ("comprehension", comprehension),
];

/// A question from a template chosen uniformly.
pub fn reasoned(r: &mut Rng, d: Difficulty) -> Reasoned {
    let (_, template) = TEMPLATES[r.below(TEMPLATES.len() as u64) as usize];
    template(r, d)
}

/// Words for the string questions (lowercase ASCII, some with repeated
/// letters so `count` and `replace` have something to do).
const WORDS: &str = "banana python kernel summer letter mississippi rocket window garden \
    coffee balloon pepper planet yellow bottle cookie silver butter tomato parallel success \
    address village common puzzle hammer cassette free moon tree bookkeeper river";

fn word(r: &mut Rng) -> &'static str {
    pick(r, &WORDS.split_whitespace().collect::<Vec<_>>())
}

/// An integer in `lo..=hi`.
fn int(r: &mut Rng, lo: i64, hi: i64) -> i64 {
    lo + r.below((hi - lo + 1) as u64) as i64
}

fn pick<T: Clone>(r: &mut Rng, xs: &[T]) -> T {
    xs[r.below(xs.len() as u64) as usize].clone()
}

/// Python's repr of a list of ints: `[1, 2, 3]`.
fn list_repr(xs: &[i64]) -> String {
    let items: Vec<String> = xs.iter().map(i64::to_string).collect();
    format!("[{}]", items.join(", "))
}

/// The question phrased one of a few ways around a Python expression.
fn ask_value(r: &mut Rng, expr: &str) -> String {
    pick(
        r,
        &[
            format!("What is {expr} in Python?"),
            format!("Without running it, what does `{expr}` evaluate to in Python?"),
            format!("In Python, what value does the expression {expr} give?"),
            format!("What does Python print for print({expr})?"),
        ],
    )
}

/// A question on the value of `expr`; the answer gives the reason, then
/// the value.
fn predict(r: &mut Rng, expr: String, key: String, why: &str) -> Reasoned {
    Reasoned {
        question: ask_value(r, &expr),
        answer: format!("{why}, so `{expr}` is {key}."),
        key,
        check: format!("print({expr})"),
    }
}

fn floor_division(r: &mut Rng, d: Difficulty) -> Reasoned {
    let hi = d.pick([50, 500, 5000]);
    let lo = if d == Difficulty::Easy { 1 } else { -hi };
    let (a, b) = (int(r, lo, hi), int(r, 2, 12));
    let q = a.div_euclid(b); // Python floors; b > 0 so this is floor(a / b)
    let why = "// is floor division: it divides and rounds down (toward minus infinity), \
               also for negative numbers";
    predict(r, format!("{a} // {b}"), q.to_string(), why)
}

fn modulo(r: &mut Rng, d: Difficulty) -> Reasoned {
    let hi = d.pick([60, 600, 6000]);
    let lo = if d == Difficulty::Hard { -hi } else { 1 };
    let (a, b) = (int(r, lo, hi), int(r, 2, 12));
    let m = a.rem_euclid(b); // Python's % takes the divisor's sign; b > 0
    let why = "% gives the remainder of the division, and in Python the result has the \
               sign of the divisor";
    predict(r, format!("{a} % {b}"), m.to_string(), why)
}

fn range_values(r: &mut Rng, d: Difficulty) -> Reasoned {
    let step = match d {
        Difficulty::Easy => 1,
        Difficulty::Medium => int(r, 2, 5),
        Difficulty::Hard => -int(r, 1, 4),
    };
    let start = int(r, -5, 30);
    let count = int(r, 2, 7);
    // A stop inside the last step, so it is not always a multiple away.
    let stop = start + step * count - step.signum() * int(r, 0, step.abs() - 1);
    let values: Vec<i64> = (0..)
        .map(|k| start + k * step)
        .take_while(|&v| if step > 0 { v < stop } else { v > stop })
        .collect();
    let args = if step == 1 {
        format!("{start}, {stop}")
    } else {
        format!("{start}, {stop}, {step}")
    };
    let shown: Vec<String> = values.iter().map(i64::to_string).collect();
    let key = shown.join(", ");
    let question = pick(
        r,
        &[
            format!("Which numbers does range({args}) produce?"),
            format!("List the values of range({args}) in order."),
            format!("What does list(range({args})) contain?"),
        ],
    );
    Reasoned {
        question,
        answer: format!(
            "range({args}) starts at {start}, moves by {step} and stops before reaching \
             {stop}, so it yields {key}."
        ),
        key,
        check: format!("print(', '.join(map(str, range({args}))))"),
    }
}

fn range_length(r: &mut Rng, d: Difficulty) -> Reasoned {
    let a = int(r, 0, d.pick([10, 100, 1000]));
    let b = a + int(r, 1, d.pick([20, 200, 2000]));
    let n = b - a;
    let question = pick(
        r,
        &[
            format!("How many numbers does range({a}, {b}) contain?"),
            format!("How many times does `for i in range({a}, {b}):` run its body?"),
            format!("What is len(range({a}, {b}))?"),
        ],
    );
    Reasoned {
        question,
        answer: format!(
            "range({a}, {b}) counts from {a} up to, but not including, {b}: that is \
             {b} - {a} numbers, so the answer is {n}."
        ),
        key: n.to_string(),
        check: format!("print(len(range({a}, {b})))"),
    }
}

fn slice(r: &mut Rng, d: Difficulty) -> Reasoned {
    let len = int(r, 4, d.pick([6, 8, 9])) as usize;
    let xs: Vec<i64> = (0..len).map(|_| int(r, 0, 99)).collect();
    let (expr, got, how) = match (d, r.below(2)) {
        (Difficulty::Easy, _) => {
            let k = int(r, 1, len as i64) as usize;
            let expr = format!("xs[-{k}]");
            return Reasoned {
                question: format!("If xs = {}, what is {expr}?", list_repr(&xs)),
                answer: format!(
                    "A negative index counts from the end of the list (minus one is the last \
                     item), so {expr} is {}.",
                    xs[len - k]
                ),
                key: xs[len - k].to_string(),
                check: format!("xs = {}\nprint({expr})", list_repr(&xs)),
            };
        }
        (Difficulty::Medium, _) => {
            let i = int(r, 0, len as i64 - 2) as usize;
            let j = int(r, i as i64 + 1, len as i64) as usize;
            (
                format!("xs[{i}:{j}]"),
                xs[i..j].to_vec(),
                format!("items from index {i} up to, but not including, index {j}"),
            )
        }
        (Difficulty::Hard, 0) => {
            let k = int(r, 1, len as i64 - 1) as usize;
            (
                format!("xs[-{k}:]"),
                xs[len - k..].to_vec(),
                format!("the last {k} items"),
            )
        }
        (Difficulty::Hard, _) => {
            let step = int(r, 2, 3) as usize;
            let nth = ["second", "third"][step - 2];
            (
                format!("xs[::{step}]"),
                xs.iter().step_by(step).copied().collect(),
                format!("every {nth} item, starting from index 0"),
            )
        }
    };
    let key = list_repr(&got);
    Reasoned {
        question: pick(
            r,
            &[
                format!("If xs = {}, what is {expr}?", list_repr(&xs)),
                format!("Given xs = {}, what does {expr} return?", list_repr(&xs)),
            ],
        ),
        answer: format!("The slice takes {how}, so {expr} is {key}."),
        key,
        check: format!("xs = {}\nprint({expr})", list_repr(&xs)),
    }
}

fn string_method(r: &mut Rng, d: Difficulty) -> Reasoned {
    let word = word(r);
    let ch = pick(r, &word.chars().collect::<Vec<_>>());
    let (expr, key, why) = match (d, r.below(2)) {
        (Difficulty::Easy, 0) => (
            format!("len('{word}')"),
            word.len().to_string(),
            "len() counts the characters".to_string(),
        ),
        (Difficulty::Easy, _) => (
            format!("'{word}'.upper()"),
            word.to_uppercase(),
            "upper() returns a copy with every letter in upper case".to_string(),
        ),
        (Difficulty::Medium, 0) => (
            format!("'{word}'.count('{ch}')"),
            word.matches(ch).count().to_string(),
            format!("count() gives how many times '{ch}' occurs"),
        ),
        (Difficulty::Medium, _) => (
            format!("'{word}'.find('{ch}')"),
            word.find(ch).expect("ch is taken from word").to_string(),
            "find() gives the index of the first occurrence (the first character is index zero)"
                .to_string(),
        ),
        (Difficulty::Hard, 0) => (
            format!("'{word}'[::-1]"),
            word.chars().rev().collect(),
            "A step of -1 walks the string backwards".to_string(),
        ),
        (Difficulty::Hard, _) => (
            format!("'{word}'.replace('{ch}', '')"),
            word.replace(ch, ""),
            format!("replace() removes every '{ch}', not only the first"),
        ),
    };
    predict(r, expr, key, &why)
}

fn string_operators(r: &mut Rng, d: Difficulty) -> Reasoned {
    let (a, b) = (int(r, 1, 99), int(r, 1, 99));
    let (expr, key, why) = match d {
        Difficulty::Easy => (
            format!("'{a}' + '{b}'"),
            format!("{a}{b}"),
            "+ on strings joins them; the digits are text, not numbers",
        ),
        Difficulty::Medium => {
            let n = int(r, 2, 4) as usize;
            let w = word(r);
            (
                format!("'{w}' * {n}"),
                w.repeat(n),
                "Multiplying a string by an int repeats it",
            )
        }
        Difficulty::Hard => (
            format!("int('{a}') + int('{b}')"),
            (a + b).to_string(),
            "int() turns each string into a number before the addition",
        ),
    };
    predict(r, expr, key, why)
}

fn binary_search_steps(r: &mut Rng, d: Difficulty) -> Reasoned {
    let n = int(r, 4, d.pick([100, 10_000, 10_000_000]));
    let k = 64 - n.leading_zeros() as i64; // floor(log2 n) + 1 = n.bit_length()
    let question = pick(
        r,
        &[
            format!("At most how many comparisons does binary search need to find an item in a sorted list of {n} elements?"),
            format!("Binary search over {n} sorted numbers: what is the largest number of probes it can take?"),
            format!("How many steps can binary search take, in the worst case, on a sorted array of length {n}?"),
        ],
    );
    Reasoned {
        question,
        answer: format!(
            "Each comparison halves the remaining range, and {n} can be halved {} times \
             before one element is left, so it takes at most floor(log2({n})) + 1 = {k}.",
            k - 1
        ),
        key: k.to_string(),
        check: format!("print(({n}).bit_length())"),
    }
}

fn halving_loop(r: &mut Rng, d: Difficulty) -> Reasoned {
    let n = int(r, 2, d.pick([64, 5000, 1_000_000]));
    let k = 63 - n.leading_zeros() as i64; // floor(log2 n)
    Reasoned {
        question: pick(
            r,
            &[
                format!("How many times does the body of `while n > 1: n //= 2` run when n starts at {n}?"),
                format!("Starting from n = {n}, how many halvings with n //= 2 does it take to get n down to 1?"),
            ],
        ),
        answer: format!(
            "Each pass halves n (rounding down), and going from {n} down to 1 takes \
             floor(log2({n})) halvings, so the body runs {k} times."
        ),
        key: k.to_string(),
        check: format!("n = {n}\nc = 0\nwhile n > 1:\n    n //= 2\n    c += 1\nprint(c)"),
    }
}

fn nested_loop_count(r: &mut Rng, d: Difficulty) -> Reasoned {
    let (a, b) = (
        int(r, 2, d.pick([9, 40, 200])),
        int(r, 2, d.pick([9, 40, 200])),
    );
    let (inner, count, why) = if d == Difficulty::Hard && r.below(2) == 0 {
        (
            "range(i)".to_string(),
            a * (a - 1) / 2,
            format!(
                "The inner loop runs i times for each i below {a}, which adds up to half \
                 of {a} * ({a} - 1)"
            ),
        )
    } else {
        (
            format!("range({b})"),
            a * b,
            format!("The inner loop runs {b} times for each of the {a} outer passes"),
        )
    };
    let code = format!("for i in range({a}):\n    for j in {inner}:\n        count += 1");
    Reasoned {
        question: pick(
            r,
            &[
                format!("How many times does `count += 1` run in this code?\n```python\ncount = 0\n{code}\n```"),
                format!("After this loop, what is count?\n```python\ncount = 0\n{code}\n```"),
            ],
        ),
        answer: format!("{why}, so the count is {count}."),
        key: count.to_string(),
        check: format!("count = 0\n{code}\nprint(count)"),
    }
}

fn sum_of_range(r: &mut Rng, d: Difficulty) -> Reasoned {
    // From 4 up the sum differs from every number of the question (the
    // code suite's judge skips restated numbers).
    let n = int(r, 4, d.pick([20, 1000, 1_000_000]));
    let s = n * (n - 1) / 2;
    Reasoned {
        question: pick(
            r,
            &[
                format!("What is sum(range({n})) in Python?"),
                format!(
                    "What do the numbers 0 to {} add up to? Answer without a loop.",
                    n - 1
                ),
            ],
        ),
        answer: format!(
            "The numbers 0 to n - 1 add up to n * (n - 1) / 2, here {n} * {} / 2 = {s}.",
            n - 1
        ),
        key: s.to_string(),
        check: format!("print(sum(range({n})))"),
    }
}

fn power(r: &mut Rng, d: Difficulty) -> Reasoned {
    let (a, b) = match d {
        Difficulty::Easy => (int(r, 2, 12), 2),
        Difficulty::Medium => (int(r, 2, 9), int(r, 3, 4)),
        Difficulty::Hard => (2, int(r, 8, 40)),
    };
    let why = format!("** raises {a} to the power {b}");
    predict(r, format!("{a} ** {b}"), a.pow(b as u32).to_string(), &why)
}

fn binary_literal(r: &mut Rng, d: Difficulty) -> Reasoned {
    let n = int(r, 2, d.pick([31, 255, 65_535]));
    let key = format!("0b{n:b}");
    Reasoned {
        question: pick(
            r,
            &[
                format!("What does bin({n}) return in Python?"),
                format!("How is {n} written in binary, as Python's bin() shows it?"),
            ],
        ),
        answer: format!(
            "bin() writes the bits of {n} after a 0b prefix, so bin({n}) returns '{key}'."
        ),
        key,
        check: format!("print(bin({n}))"),
    }
}

fn comprehension(r: &mut Rng, d: Difficulty) -> Reasoned {
    let n = int(r, 3, 8);
    let k = int(r, 2, 9);
    let (expr, got): (String, Vec<i64>) = match d {
        Difficulty::Easy => (
            format!("[x * {k} for x in range({n})]"),
            (0..n).map(|x| x * k).collect(),
        ),
        Difficulty::Medium => (
            format!("[x + {k} for x in range({n}) if x % 2 == 0]"),
            (0..n).filter(|x| x % 2 == 0).map(|x| x + k).collect(),
        ),
        Difficulty::Hard => (
            format!("[x * x for x in range({n}) if x % {} != 0]", k.min(4)),
            (0..n)
                .filter(|x| x % k.min(4) != 0)
                .map(|x| x * x)
                .collect(),
        ),
    };
    let key = list_repr(&got);
    Reasoned {
        question: pick(
            r,
            &[
                format!("What list does {expr} produce?"),
                format!("What is the value of {expr}?"),
            ],
        ),
        answer: format!("The expression is applied to each x the for clause yields (and the if clause keeps), so {expr} is {key}."),
        key,
        check: format!("print({expr})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every template at every difficulty: the answer states the key (and
    /// the code suite's judge agrees), and the sandbox prints the key for
    /// the check program.
    /// Every template at every difficulty: the answer states the key (and
    /// the code suite's judge agrees: explanations restate only numbers of
    /// the question, so the judge's last new number is the key), and the
    /// sandbox prints the key for the check program (a few per cell).
    #[test]
    fn answers_state_the_key_and_python_agrees() {
        let sandbox = sandbox::Sandbox::new().unwrap();
        let mut r = Rng::new(5);
        for (name, template) in TEMPLATES {
            for d in Difficulty::ALL {
                for i in 0..200 {
                    let q = template(&mut r, d);
                    assert!(q.answer.contains(&q.key), "{name}: {q:?}");
                    let judged = crate::answer::answer_matches(&q.answer, &q.key, &q.question);
                    assert!(judged, "{name}: {q:?}");
                    if i < 8 {
                        let out = sandbox.run(&q.check, &sandbox::Limits::default());
                        assert!(out.error.is_none(), "{name}: {q:?} {:?}", out.error);
                        assert_eq!(out.stdout.trim_end(), q.key, "{name}: {q:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn questions_rarely_repeat() {
        let mut r = Rng::new(1);
        let n = 1000;
        let distinct: std::collections::HashSet<String> = (0..n)
            .map(|i| reasoned(&mut r, Difficulty::ALL[i % 3]).question)
            .collect();
        assert!(distinct.len() >= 950, "{} of {n}", distinct.len());
    }
}
