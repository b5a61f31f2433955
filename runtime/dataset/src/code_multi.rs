//! Multi-step code tasks: compute, read the printed result, compute again
//! with it. The second call's code is built from the first call's real
//! output (the assistant copies the number it saw), and both steps have a
//! ground truth computed in Rust.

use kernels::rng::Rng;

use super::bigdec::BigDec;
use super::code_tasks::{primes_below, CodeTask, Difficulty, Expected, FollowUp};

fn digit_sum(s: &str) -> u32 {
    s.bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| (b - b'0') as u32)
        .sum()
}

fn pick<T: Copy>(d: Difficulty, values: [T; 3]) -> T {
    values[d as usize]
}

/// A task with two tool calls.
pub fn multi_step(rng: &mut Rng, d: Difficulty) -> CodeTask {
    match rng.below(5) {
        0 => {
            let n = pick(
                d,
                [10 + rng.below(10), 25 + rng.below(50), 80 + rng.below(120)],
            );
            let zeros: u64 = std::iter::successors(Some(5u64), |p| Some(p * 5))
                .take_while(|p| *p <= n)
                .map(|p| n / p)
                .sum();
            CodeTask {
                question: format!("Compute {n}! and then tell me how many trailing zeros it has."),
                code: format!("import math\nprint(math.factorial({n}))"),
                expected: Expected::Exact(BigDec::factorial(n).to_string()),
                then: Some(FollowUp {
                    build: Box::new(move |out| {
                        (
                            format!("{n}! = {out}. Now I count its trailing zeros."),
                            format!("s = \"{out}\"\nprint(len(s) - len(s.rstrip(\"0\")))"),
                        )
                    }),
                    expected: Expected::Exact(zeros.to_string()),
                }),
                answer: format!("{n}! has {{}} trailing zeros."),
            }
        }
        1 => {
            let (base, exp) = (
                2 + rng.below(8),
                pick(
                    d,
                    [10 + rng.below(20), 40 + rng.below(60), 150 + rng.below(350)],
                ) as u32,
            );
            let power = BigDec::from_u64(base).pow(exp).to_string();
            CodeTask {
                question: format!(
                    "Calculate {base}^{exp}, then find the sum of the digits of the result."
                ),
                code: format!("print({base} ** {exp})"),
                expected: Expected::Exact(power.clone()),
                then: Some(FollowUp {
                    build: Box::new(move |out| {
                        (
                            format!("{base}^{exp} = {out}. Next, the digit sum."),
                            format!("print(sum(int(c) for c in \"{out}\"))"),
                        )
                    }),
                    expected: Expected::Exact(digit_sum(&power).to_string()),
                }),
                answer: "The digit sum is {}.".into(),
            }
        }
        2 => {
            let len = pick(d, [6, 12, 25]);
            let xs: Vec<i64> = (0..len)
                .map(|_| rng.below(pick(d, [50, 1000, 100_000]) + 1) as i64)
                .collect();
            let items: Vec<String> = xs.iter().map(|x| x.to_string()).collect();
            let list = format!("[{}]", items.join(", "));
            let sum: i64 = xs.iter().sum();
            // x > sum/len exactly (the printed float lies within 1/len of no integer).
            let above = xs.iter().filter(|&&x| x * len as i64 > sum).count();
            let list2 = list.clone();
            CodeTask {
                question: format!(
                    "What is the average of {list}, and how many of the numbers are above it?"
                ),
                code: format!("xs = {list}\nprint(sum(xs) / len(xs))"),
                expected: Expected::Float {
                    value: sum as f64 / len as f64,
                    tol: 1e-9,
                },
                then: Some(FollowUp {
                    build: Box::new(move |out| {
                        (
                            format!("The average is {out}. Now I count the numbers above it."),
                            format!("xs = {list2}\nprint(len([x for x in xs if x > {out}]))"),
                        )
                    }),
                    expected: Expected::Exact(above.to_string()),
                }),
                answer: "{} of the numbers are above the average.".into(),
            }
        }
        3 => {
            let n = pick(
                d,
                [10 + rng.below(20), 50 + rng.below(50), 150 + rng.below(250)],
            );
            let k = 3 + rng.below(10);
            let fib = BigDec::fibonacci(n);
            let divisible = fib.divmod_small(k).1 == 0;
            CodeTask {
                question: format!(
                    "Find the {n}th Fibonacci number (F(0) = 0, F(1) = 1) and check whether it is divisible by {k}."
                ),
                code: format!("a, b = 0, 1\nfor _ in range({n}):\n    a, b = b, a + b\nprint(a)"),
                expected: Expected::Exact(fib.to_string()),
                then: Some(FollowUp {
                    build: Box::new(move |out| {
                        (
                            format!("F({n}) = {out}. Now the divisibility check."),
                            format!("print({out} % {k} == 0)"),
                        )
                    }),
                    expected: Expected::Exact(if divisible { "True" } else { "False" }.into()),
                }),
                answer: format!("Is F({n}) divisible by {k}? {{}}."),
            }
        }
        _ => {
            let limit = pick(
                d,
                [
                    50 + rng.below(100),
                    1000 + rng.below(9000),
                    20_000 + rng.below(80_000),
                ],
            ) as usize;
            let p = *primes_below(limit).last().expect("limit > 2 has primes");
            CodeTask {
                question: format!(
                    "What is the largest prime below {limit}, and what is the sum of its digits?"
                ),
                code: format!(
                    "n = {limit} - 1\nwhile True:\n    if n > 1 and all(n % k for k in range(2, int(n ** 0.5) + 1)):\n        break\n    n -= 1\nprint(n)"
                ),
                expected: Expected::Exact(p.to_string()),
                then: Some(FollowUp {
                    build: Box::new(move |out| {
                        (
                            format!("The largest prime below {limit} is {out}. Now its digit sum."),
                            format!("print(sum(int(c) for c in str({out})))"),
                        )
                    }),
                    expected: Expected::Exact(digit_sum(&p.to_string()).to_string()),
                }),
                answer: "Its digits add up to {}.".into(),
            }
        }
    }
}
