//! GRPO's rollouts: the current adapter goes to llama.cpp through a file
//! (the bindings load adapters from paths only), each prompt's K answers
//! are sampled and judged by [`crate::pairs::Sampler`] (single replies
//! share one prefill; code items run through the agent loop and the
//! sandbox, tool results becoming context tokens without loss), rewarded,
//! and tokenized like a DPO answer: the prompt as context, the sampled
//! turns' assistant tokens as targets.

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::data::{answer_conversation, Tokenizing};
use super::grpo::{self, Answer};
use crate::infer::{Engine, EngineOptions};
use crate::model::LoraAdapter;
use crate::pairs::{Item, Sampler, Verdict};
use crate::Result;

/// How a judged answer becomes a number.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Reward {
    /// 1 when the answer is correct, else 0.
    #[default]
    Binary,
    /// 0.7·correct + 0.2·tool choice + 0.1·format: partial credit for
    /// picking the right tool (or none) and writing calls that parse.
    Graded,
}

impl Reward {
    pub fn of(self, v: &Verdict) -> f64 {
        let b = |x: bool| if x { 1.0 } else { 0.0 };
        match self {
            Reward::Binary => b(v.correct),
            Reward::Graded => 0.7 * b(v.correct) + 0.2 * b(v.tool_choice) + 0.1 * b(v.format),
        }
    }
}

/// How rollouts are sampled.
pub struct Sampling<'a> {
    pub model: &'a Path,
    /// Where the current adapter is written for llama.cpp.
    pub adapter_file: PathBuf,
    pub arch: &'a str,
    pub k: usize,
    pub temperature: f32,
    pub max_new_tokens: usize,
    pub max_turns: usize,
    pub reward: Reward,
    pub threads: usize,
    /// llama.cpp's context: the longest sequence training takes.
    pub n_ctx: usize,
}

/// What one batch of rollouts looked like: one line of metrics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct RolloutStats {
    /// Mean reward over every sampled answer, and its parts.
    pub reward: f64,
    pub correct: f64,
    pub tool_choice: f64,
    pub format: f64,
    /// Groups trained on, groups skipped because their rewards were all
    /// equal, prompts whose sampling failed (e.g. the prompt does not fit
    /// the context) and answers dropped because no target token was left
    /// within --max-seq.
    pub groups: usize,
    pub equal_groups: usize,
    pub failed_prompts: usize,
    pub dropped_answers: usize,
    pub rollout_tokens: usize,
    pub rollout_tok_s: f64,
    pub sampling_s: f64,
}

/// A batch of rollouts: the answers of the groups that teach something.
pub struct Batch {
    pub answers: Vec<Answer>,
    pub stats: RolloutStats,
    /// Why prompts failed: (line, reason).
    pub failures: Vec<(usize, String)>,
}

/// Loads the model in llama.cpp with `adapter` applied and hands a
/// sampler to `f`.
fn with_sampler<R>(
    s: &Sampling<'_>,
    adapter: &LoraAdapter,
    temperature: f32,
    f: impl FnOnce(&mut Sampler<'_>) -> Result<R>,
) -> Result<R> {
    adapter.save_gguf(s.arch, &s.adapter_file)?;
    let mut engine = Engine::load(
        s.model,
        EngineOptions {
            n_ctx: s.n_ctx as u32,
            threads: s.threads as i32,
            exact: false,
        },
    )?;
    let handle = engine.load_lora(&s.adapter_file)?;
    let mut sampler = Sampler::new(
        &mut engine,
        Some((handle, 1.0)),
        temperature,
        s.max_new_tokens,
        s.max_turns,
    );
    f(&mut sampler)
}

/// Samples `s.k` answers to each of `items` under `adapter` (answer i of
/// prompt p with seed `seed + p·k + i`), judges and tokenizes them, and
/// keeps the groups whose rewards differ.
pub fn sample(
    s: &Sampling<'_>,
    items: &[(usize, &Item)],
    adapter: &LoraAdapter,
    tok: &mut Tokenizing<'_>,
    seed: u32,
) -> Result<Batch> {
    let t0 = Instant::now();
    let mut stats = RolloutStats::default();
    let mut answers = Vec::new();
    let mut failures = Vec::new();
    let mut judged = 0usize;
    with_sampler(s, adapter, s.temperature, |sampler| {
        for (p, &(line, item)) in items.iter().enumerate() {
            let group = match sampler.group(item, s.k, seed.wrapping_add((p * s.k) as u32)) {
                Ok(g) => g,
                Err(e) => {
                    stats.failed_prompts += 1;
                    failures.push((line, format!("{e} (training's context is --max-seq)")));
                    continue;
                }
            };
            stats.rollout_tokens += group.generated_tokens;
            let rewards: Vec<f64> = group
                .samples
                .iter()
                .map(|a| s.reward.of(&a.verdict))
                .collect();
            stats.reward += rewards.iter().sum::<f64>();
            for a in &group.samples {
                let v = &a.verdict;
                stats.correct += v.correct as u8 as f64;
                stats.tool_choice += v.tool_choice as u8 as f64;
                stats.format += v.format as u8 as f64;
                judged += 1;
            }
            let Some(adv) = grpo::advantages(&rewards) else {
                stats.equal_groups += 1;
                continue;
            };
            stats.groups += 1;
            for (sample, a) in group.samples.into_iter().zip(adv) {
                let conv = answer_conversation(&group.prompt, sample.turns);
                match tok.answer(&conv, line) {
                    Some(example) => answers.push(Answer {
                        example,
                        advantage: a,
                        old: None,
                        reference: None,
                    }),
                    None => stats.dropped_answers += 1,
                }
            }
        }
        Ok(())
    })?;
    let n = judged.max(1) as f64;
    stats.reward /= n;
    stats.correct /= n;
    stats.tool_choice /= n;
    stats.format /= n;
    stats.sampling_s = t0.elapsed().as_secs_f64();
    stats.rollout_tok_s = stats.rollout_tokens as f64 / stats.sampling_s.max(1e-9);
    Ok(Batch {
        answers,
        stats,
        failures,
    })
}

/// The mean reward of one greedy answer per item under `adapter`
/// (validation; prompts that fail count as reward 0).
pub fn greedy_reward(
    s: &Sampling<'_>,
    items: &[(usize, &Item)],
    adapter: &LoraAdapter,
) -> Result<f64> {
    with_sampler(s, adapter, 0.0, |sampler| {
        let mut total = 0.0;
        for &(_, item) in items {
            if let Ok(g) = sampler.group(item, 1, 0) {
                total += g
                    .samples
                    .iter()
                    .map(|a| s.reward.of(&a.verdict))
                    .sum::<f64>();
            }
        }
        Ok(total / items.len().max(1) as f64)
    })
}
