//! Synthetic datasets, deterministic for a seed.
//!
//! `arith`: "What is A plus B?" answered as `<answer>N</answer>` — a
//! small format-following task whose answers are exact, used by the demo
//! and the learning test to show an adapter changing the model's output.

use kernels::rng::Rng;

use crate::prompt::{Conversation, Message, Role};

/// `n` arithmetic conversations with answers in `<answer></answer>` tags.
pub fn arith(n: usize, seed: u64) -> Vec<Conversation> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|_| {
            let a = 10 + rng.below(990) as i64;
            let b = 10 + rng.below(990) as i64;
            let (question, answer) = match rng.below(3) {
                0 => (format!("What is {a} plus {b}?"), a + b),
                1 => (format!("What is {a} minus {b}?"), a - b),
                _ => (format!("What is {a} times {}?", b % 20), a * (b % 20)),
            };
            Conversation {
                messages: vec![
                    Message::new(Role::User, question),
                    Message::new(Role::Assistant, format!("<answer>{answer}</answer>")),
                ],
                tools: vec![],
            }
        })
        .collect()
}

/// One JSON object per line.
pub fn to_jsonl(convs: &[Conversation]) -> String {
    convs
        .iter()
        .map(|c| serde_json::to_string(c).expect("conversations serialize") + "\n")
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_correct() {
        assert_eq!(to_jsonl(&arith(20, 3)), to_jsonl(&arith(20, 3)));
        assert_ne!(to_jsonl(&arith(20, 3)), to_jsonl(&arith(20, 4)));
        for c in arith(50, 1) {
            let q = &c.messages[0].content;
            let nums: Vec<i64> = q
                .trim_end_matches('?')
                .split(' ')
                .filter_map(|w| w.parse().ok())
                .collect();
            let want = if q.contains("plus") {
                nums[0] + nums[1]
            } else if q.contains("minus") {
                nums[0] - nums[1]
            } else {
                nums[0] * nums[1]
            };
            assert_eq!(c.messages[1].content, format!("<answer>{want}</answer>"));
        }
    }
}
