//! Task generators for `data synth --kind code`: each task is a question,
//! the Python the assistant writes, and the expected output computed here in
//! Rust (exact integers through [`BigDec`], floats with a tolerance), so the
//! sandbox run is checked against an independent implementation.

use kernels::rng::Rng;

use super::bigdec::BigDec;

/// How hard a task is: bigger numbers, longer lists, real algorithms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Difficulty {
    Easy,
    Medium,
    Hard,
}

impl Difficulty {
    pub const ALL: [Difficulty; 3] = [Difficulty::Easy, Difficulty::Medium, Difficulty::Hard];

    pub fn name(self) -> &'static str {
        match self {
            Difficulty::Easy => "easy",
            Difficulty::Medium => "medium",
            Difficulty::Hard => "hard",
        }
    }

    /// `easy`, `medium`, `hard` by index 0..3 (for tables).
    pub(super) fn pick<T: Copy>(self, values: [T; 3]) -> T {
        values[self as usize]
    }
}

/// What a step must print (stdout without its trailing newline).
#[derive(Clone, Debug, PartialEq)]
pub enum Expected {
    Exact(String),
    /// A float printed by Python; within `tol` of `value`.
    Float {
        value: f64,
        tol: f64,
    },
}

impl Expected {
    /// Whether the printed text matches.
    pub fn matches(&self, printed: &str) -> bool {
        match self {
            Expected::Exact(s) => printed == s,
            Expected::Float { value, tol } => printed
                .parse::<f64>()
                .is_ok_and(|x| (x - value).abs() <= *tol),
        }
    }
}

/// A second step built from the first step's real output: returns the text
/// the assistant writes before the call and the code.
pub type FollowUpFn = Box<dyn Fn(&str) -> (String, String)>;

/// The second tool call of a multi-step task.
pub struct FollowUp {
    pub build: FollowUpFn,
    pub expected: Expected,
}

/// One question and how it is solved.
pub struct CodeTask {
    pub question: String,
    pub code: String,
    pub expected: Expected,
    pub then: Option<FollowUp>,
    /// The final answer; `{}` stands for the last step's output.
    pub answer: String,
}

impl CodeTask {
    fn new(question: String, code: String, expected: Expected, answer: &str) -> CodeTask {
        CodeTask {
            question,
            code,
            expected,
            then: None,
            answer: answer.to_string(),
        }
    }
}

fn exact(s: impl ToString) -> Expected {
    Expected::Exact(s.to_string())
}

/// A random number with exactly `digits` digits (1..=18).
fn number(rng: &mut Rng, digits: u32) -> u64 {
    let lo = 10u64.pow(digits - 1);
    lo + rng.below(9 * lo)
}

/// A random number with `digits` digits, any length, as text.
fn big_number(rng: &mut Rng, digits: u32) -> String {
    let mut s = (1 + rng.below(9)).to_string();
    for _ in 1..digits {
        s.push(char::from(b'0' + rng.below(10) as u8));
    }
    s
}

fn choose<'a>(rng: &mut Rng, options: &[&'a str]) -> &'a str {
    options[rng.below(options.len() as u64) as usize]
}

fn int_list(rng: &mut Rng, len: usize, max: u64) -> Vec<i64> {
    (0..len).map(|_| rng.below(max + 1) as i64).collect()
}

fn py_list(xs: &[i64]) -> String {
    let items: Vec<String> = xs.iter().map(|x| x.to_string()).collect();
    format!("[{}]", items.join(", "))
}

/// Primes below `n` (sieve of Eratosthenes).
pub fn primes_below(n: usize) -> Vec<usize> {
    let mut sieve = vec![true; n.max(2)];
    sieve[0] = false;
    sieve[1] = false;
    let mut i = 2;
    while i * i < n {
        if sieve[i] {
            (i * i..n).step_by(i).for_each(|j| sieve[j] = false);
        }
        i += 1;
    }
    (0..n).filter(|&k| sieve[k]).collect()
}

const SENTENCES: [&str; 8] = [
    "the quick brown fox jumps over the lazy dog",
    "she sells sea shells by the sea shore",
    "peter piper picked a peck of pickled peppers",
    "how much wood would a woodchuck chuck",
    "programming in python is fun and productive",
    "a journey of a thousand miles begins with a single step",
    "mississippi is a long river in the united states",
    "all that glitters is not gold",
];

/// A task that needs the python tool.
pub fn execution_required(rng: &mut Rng, d: Difficulty) -> CodeTask {
    match rng.below(10) {
        0 => {
            let digits = d.pick([4, 9, 18]);
            let (a, b) = (big_number(rng, digits), big_number(rng, digits + 1));
            let want = BigDec::parse(&a)
                .expect("digits")
                .mul(&BigDec::parse(&b).expect("digits"));
            let q = choose(
                rng,
                &[
                    "What is {a} times {b}?",
                    "Multiply {a} by {b}.",
                    "Compute {a} * {b} exactly.",
                ],
            );
            CodeTask::new(
                q.replace("{a}", &a).replace("{b}", &b),
                format!("print({a} * {b})"),
                exact(want),
                "{a} × {b} = {}."
                    .replace("{a}", &a)
                    .replace("{b}", &b)
                    .as_str(),
            )
        }
        1 => {
            let n = d.pick([8 + rng.below(8), 20 + rng.below(21), 50 + rng.below(71)]);
            let q = choose(
                rng,
                &[
                    "What is {n}!?",
                    "Compute the factorial of {n}.",
                    "How much is {n} factorial?",
                ],
            );
            CodeTask::new(
                q.replace("{n}", &n.to_string()),
                format!("import math\nprint(math.factorial({n}))"),
                exact(BigDec::factorial(n)),
                &format!("{n}! = {{}}."),
            )
        }
        2 => {
            let base = d.pick([2 + rng.below(8), 3 + rng.below(20), 7 + rng.below(90)]);
            let exp = d.pick([10 + rng.below(20), 30 + rng.below(50), 80 + rng.below(120)]) as u32;
            CodeTask::new(
                format!("What is {base} to the power of {exp}?"),
                format!("print({base} ** {exp})"),
                exact(BigDec::from_u64(base).pow(exp)),
                &format!("{base}^{exp} = {{}}."),
            )
        }
        3 => {
            let a = big_number(rng, d.pick([6, 14, 30]));
            let b = number(rng, d.pick([2, 4, 8]));
            let (q, r) = BigDec::parse(&a).expect("digits").divmod_small(b);
            if rng.below(2) == 0 {
                CodeTask::new(
                    format!("What is {a} // {b} (integer division)?"),
                    format!("print({a} // {b})"),
                    exact(q),
                    &format!("{a} // {b} = {{}}."),
                )
            } else {
                CodeTask::new(
                    format!("What is the remainder when {a} is divided by {b}?"),
                    format!("print({a} % {b})"),
                    exact(r),
                    "The remainder is {}.",
                )
            }
        }
        4 => list_task(rng, d),
        5 => {
            let n = d.pick([15 + rng.below(15), 40 + rng.below(50), 100 + rng.below(200)]);
            CodeTask::new(
                format!("What is the {n}th Fibonacci number (with F(0) = 0 and F(1) = 1)?"),
                format!("a, b = 0, 1\nfor _ in range({n}):\n    a, b = b, a + b\nprint(a)"),
                exact(BigDec::fibonacci(n)),
                &format!("F({n}) = {{}}."),
            )
        }
        6 => prime_task(rng, d),
        7 => {
            let sentence = SENTENCES[rng.below(SENTENCES.len() as u64) as usize];
            let letter = char::from(b'a' + rng.below(26) as u8);
            if d == Difficulty::Easy || rng.below(2) == 0 {
                let count = sentence.matches(letter).count();
                CodeTask::new(
                    format!("How many times does the letter '{letter}' appear in \"{sentence}\"?"),
                    format!("print(\"{sentence}\".count(\"{letter}\"))"),
                    exact(count),
                    &format!("The letter '{letter}' appears {{}} times."),
                )
            } else {
                let vowels = sentence.chars().filter(|c| "aeiou".contains(*c)).count();
                CodeTask::new(
                    format!("Count the vowels in \"{sentence}\"."),
                    format!("s = \"{sentence}\"\nprint(sum(1 for c in s if c in \"aeiou\"))"),
                    exact(vowels),
                    "There are {} vowels.",
                )
            }
        }
        8 => unit_task(rng, d),
        _ => algorithm_task(rng, d),
    }
}

fn list_task(rng: &mut Rng, d: Difficulty) -> CodeTask {
    let xs = int_list(rng, d.pick([5, 10, 20]), d.pick([50, 1000, 100_000]));
    let list = py_list(&xs);
    let sum: i64 = xs.iter().sum();
    match rng.below(3) {
        0 => CodeTask::new(
            format!("What is the sum of {list}?"),
            format!("print(sum({list}))"),
            exact(sum),
            "The sum is {}.",
        ),
        1 => CodeTask::new(
            format!("What is the mean of {list}?"),
            format!("xs = {list}\nprint(sum(xs) / len(xs))"),
            Expected::Float {
                value: sum as f64 / xs.len() as f64,
                tol: 1e-9,
            },
            "The mean is {}.",
        ),
        _ => {
            let mut sorted = xs.clone();
            sorted.sort_unstable_by(|a, b| b.cmp(a));
            CodeTask::new(
                format!("Sort {list} in descending order."),
                format!("print(sorted({list}, reverse=True))"),
                exact(py_list(&sorted)),
                "Sorted in descending order: {}.",
            )
        }
    }
}

fn prime_task(rng: &mut Rng, d: Difficulty) -> CodeTask {
    let limit = d.pick([
        50 + rng.below(150),
        1000 + rng.below(9000),
        50_000 + rng.below(150_000),
    ]) as usize;
    if rng.below(2) == 0 {
        CodeTask::new(
            format!("How many prime numbers are there below {limit}?"),
            format!(
                "n = {limit}\nsieve = [True] * n\nsieve[0] = sieve[1] = False\nfor i in range(2, int(n ** 0.5) + 1):\n    if sieve[i]:\n        for j in range(i * i, n, i):\n            sieve[j] = False\nprint(sum(sieve))"
            ),
            exact(primes_below(limit).len()),
            &format!("There are {{}} primes below {limit}."),
        )
    } else {
        let n = number(rng, d.pick([3, 6, 9])) | 1;
        let prime = n >= 2
            && (2..)
                .take_while(|k| k * k <= n)
                .all(|k| !n.is_multiple_of(k));
        CodeTask::new(
            format!("Is {n} a prime number?"),
            format!(
                "n = {n}\nis_prime = n >= 2\ni = 2\nwhile i * i <= n:\n    if n % i == 0:\n        is_prime = False\n        break\n    i += 1\nprint(is_prime)"
            ),
            exact(if prime { "True" } else { "False" }),
            &format!("Is {n} prime? {{}}."),
        )
    }
}

/// Unit conversions, rounded to 3 decimals in the code.
fn unit_task(rng: &mut Rng, d: Difficulty) -> CodeTask {
    const UNITS: [(&str, &str, f64); 6] = [
        ("miles", "kilometers", 1.609344),
        ("pounds", "kilograms", 0.45359237),
        ("inches", "centimeters", 2.54),
        ("feet", "meters", 0.3048),
        ("US gallons", "liters", 3.785411784),
        ("ounces", "grams", 28.349523125),
    ];
    let x = 1 + rng.below(d.pick([100, 10_000, 1_000_000]));
    if rng.below(4) == 0 {
        let f = x as i64 - 40;
        return CodeTask::new(
            format!("Convert {f} degrees Fahrenheit to Celsius."),
            format!("print(round(({f} - 32) * 5 / 9, 3))"),
            Expected::Float {
                value: (f as f64 - 32.0) * 5.0 / 9.0,
                tol: 5.1e-4,
            },
            &format!("{f} °F is {{}} °C."),
        );
    }
    let (from, to, factor) = UNITS[rng.below(UNITS.len() as u64) as usize];
    CodeTask::new(
        format!("How many {to} are in {x} {from}?"),
        format!("print(round({x} * {factor}, 3))"),
        Expected::Float {
            value: x as f64 * factor,
            tol: 5.1e-4 * (1.0 + x as f64 * factor * 1e-12),
        },
        &format!("{x} {from} is {{}} {to}."),
    )
}

fn algorithm_task(rng: &mut Rng, d: Difficulty) -> CodeTask {
    match rng.below(5) {
        0 => {
            let (a, b) = (
                number(rng, d.pick([2, 5, 9])),
                number(rng, d.pick([2, 5, 9])),
            );
            let g = gcd(a, b);
            CodeTask::new(
                format!("What is the greatest common divisor of {a} and {b}?"),
                format!("import math\nprint(math.gcd({a}, {b}))"),
                exact(g),
                "The GCD is {}.",
            )
        }
        1 => {
            let e = d.pick([
                10 + rng.below(20),
                50 + rng.below(100),
                200 + rng.below(800),
            ]) as u32;
            let digits: u32 = BigDec::from_u64(2)
                .pow(e)
                .to_string()
                .bytes()
                .map(|b| (b - b'0') as u32)
                .sum();
            CodeTask::new(
                format!("What is the sum of the digits of 2^{e}?"),
                format!("print(sum(int(c) for c in str(2 ** {e})))"),
                exact(digits),
                &format!("The digits of 2^{e} add up to {{}}."),
            )
        }
        2 => {
            let n = 2 + rng.below(d.pick([30, 1000, 100_000]));
            let (mut k, mut steps) = (n, 0);
            while k != 1 {
                k = if k % 2 == 0 { k / 2 } else { 3 * k + 1 };
                steps += 1;
            }
            CodeTask::new(
                format!("How many steps does the Collatz sequence starting at {n} take to reach 1?"),
                format!("n = {n}\nsteps = 0\nwhile n != 1:\n    n = n // 2 if n % 2 == 0 else 3 * n + 1\n    steps += 1\nprint(steps)"),
                exact(steps),
                &format!("Starting at {n}, it takes {{}} steps."),
            )
        }
        3 => {
            let n = number(rng, d.pick([2, 4, 6]));
            let b = format!("{n:b}");
            CodeTask::new(
                format!("What is {n} in binary?"),
                format!("print(bin({n})[2:])"),
                exact(&b),
                &format!("{n} in binary is {{}}."),
            )
        }
        _ => {
            let n = d.pick([
                10 + rng.below(20),
                100 + rng.below(900),
                10_000 + rng.below(90_000),
            ]);
            let want: u128 = (1..=n as u128).map(|k| k * k).sum();
            CodeTask::new(
                format!("What is the sum of the squares of the integers from 1 to {n}?"),
                format!("print(sum(k * k for k in range(1, {n} + 1)))"),
                exact(want),
                "The sum of squares is {}.",
            )
        }
    }
}

pub fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Small arithmetic a model may do in its head or with the tool.
pub fn ambiguous(rng: &mut Rng, d: Difficulty) -> CodeTask {
    let (a, b) = (
        1 + rng.below(d.pick([10, 50, 100])) as i64,
        1 + rng.below(d.pick([10, 20, 100])) as i64,
    );
    let (op, value) = match rng.below(3) {
        0 => ("+", a + b),
        1 => ("-", a - b),
        _ => ("*", a * b),
    };
    let q = choose(
        rng,
        &[
            "What is {a} {op} {b}?",
            "Quick one: {a} {op} {b}?",
            "Calculate {a} {op} {b}.",
        ],
    );
    CodeTask::new(
        q.replace("{a}", &a.to_string())
            .replace("{op}", op)
            .replace("{b}", &b.to_string()),
        format!("print({a} {op} {b})"),
        exact(value),
        &format!("{a} {op} {b} = {{}}."),
    )
}
