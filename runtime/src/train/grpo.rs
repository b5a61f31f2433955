//! Group relative policy optimisation (Shao et al., 2024, "DeepSeekMath")
//! on the LoRA graph. For each prompt, K answers o_1..o_K are sampled
//! from the current policy and rewarded r_1..r_K; each answer's advantage
//! is its reward normalised within the group,
//!
//!   A_i = (r_i − mean r) / (std r + 1e-4),
//!
//! and a group whose rewards are all equal teaches nothing (every A_i = 0)
//! and is skipped before any forward. Per answer token t, with
//! ρ_t = π(o_t)/π_old(o_t) and the reference π_ref,
//!
//!   ℓ_t = −min(ρ_t·A, clip(ρ_t, 1−ε, 1+ε)·A) + β·KL_t,
//!   KL_t = π_ref/π − log(π_ref/π) − 1      (the unbiased k3 estimator)
//!
//! and the loss is the mean over answers of each answer's mean ℓ_t. π_old
//! is the policy that sampled: with one update per batch of rollouts
//! ρ = 1 exactly (its value is the detached current probability) and the
//! clip never binds; with more updates per batch, the sampling policy's
//! log-probabilities are recomputed by our graph before the first update.
//! π_ref is the base with the adapter off, or with a frozen adapter
//! (`--ref-lora`, e.g. the SFT adapter GRPO starts from): one forward per
//! answer, only when β > 0.
//!
//! ℓ_t depends on θ only through log π(o_t) = −CE_t, so the gradient is
//! one backward per answer with per-token weights ∂ℓ_t/∂CE_t
//! ([`crate::model::Graph::token_losses`]).

use super::data::Example;
use crate::model::{Grads, Graph, LoraAdapter};
use crate::Result;

/// The objective's settings.
#[derive(Clone, Copy, Debug)]
pub struct Grpo {
    /// ε: how far the ratio may move from 1 before its gradient stops.
    pub clip: f64,
    /// β: the weight of the KL penalty to the reference (0: none, and no
    /// reference forward).
    pub kl: f64,
}

/// One token's term of the loss.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TokenTerm {
    /// ℓ_t.
    pub loss: f64,
    /// ∂ℓ_t/∂log π(o_t).
    pub d_logp: f64,
    /// The clipped term was the smaller: no gradient through the ratio.
    pub clipped: bool,
    /// KL_t (0 without a reference).
    pub kl: f64,
}

/// One sampled answer ready to train on.
pub struct Answer {
    pub example: Example,
    pub advantage: f64,
    /// The sampling policy's log-probabilities per position (set when a
    /// batch is trained on more than once; `None`: the current policy
    /// sampled, ρ = 1) and the reference's (set when β > 0; `None`: no KL
    /// term).
    pub old: Option<Vec<f64>>,
    pub reference: Option<Vec<f64>>,
}

/// Sums over one answer's tokens.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct RolloutOutcome {
    /// The answer's mean ℓ_t.
    pub loss: f64,
    /// Σ KL_t, Σ clipped tokens, and the number of answer tokens.
    pub kl_sum: f64,
    pub clipped: usize,
    pub tokens: usize,
}

/// The group-normalised advantages of `rewards`, or `None` when they are
/// all equal (nothing to learn from the group).
pub fn advantages(rewards: &[f64]) -> Option<Vec<f64>> {
    let n = rewards.len() as f64;
    let mean = rewards.iter().sum::<f64>() / n;
    let std = (rewards.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / n).sqrt();
    if std.is_nan() || std <= 1e-9 {
        return None;
    }
    Some(rewards.iter().map(|r| (r - mean) / (std + 1e-4)).collect())
}

impl Grpo {
    /// ℓ_t at log π = `logp`, given the sampling policy's log-probability
    /// `old` (ρ = e^{logp − old}), the reference's (`None`: no KL term) and
    /// the advantage `a`.
    pub fn token(&self, logp: f64, old: f64, reference: Option<f64>, a: f64) -> TokenTerm {
        let rho = (logp - old).exp();
        let clipped_rho = rho.clamp(1.0 - self.clip, 1.0 + self.clip);
        let (plain, clipped) = (rho * a, clipped_rho * a);
        // min(ρA, clip(ρ)A): when the clipped value is strictly smaller it
        // is constant in θ.
        let is_clipped = clipped < plain;
        let mut term = TokenTerm {
            loss: -plain.min(clipped),
            d_logp: if is_clipped { 0.0 } else { -plain },
            clipped: is_clipped,
            kl: 0.0,
        };
        if let (Some(r), true) = (reference, self.kl > 0.0) {
            let d = r - logp;
            term.kl = d.exp() - d - 1.0;
            term.loss += self.kl * term.kl;
            // ∂KL/∂log π = −e^d + 1.
            term.d_logp += self.kl * (1.0 - d.exp());
        }
        term
    }

    /// ℓ_t of `answer`'s token at position `t` whose log π is `logp`.
    fn term(&self, answer: &Answer, t: usize, logp: f64) -> TokenTerm {
        let old = answer.old.as_ref().map_or(logp, |o| o[t]);
        let reference = answer.reference.as_ref().map(|r| r[t]);
        self.token(logp, old, reference, answer.advantage)
    }

    /// The outcome of `answer` from its tokens' cross-entropies `ce` (NaN
    /// where masked).
    fn outcome(&self, answer: &Answer, ce: &[f64]) -> RolloutOutcome {
        let mut out = RolloutOutcome::default();
        for (t, &c) in ce.iter().enumerate() {
            if c.is_nan() {
                continue;
            }
            let term = self.term(answer, t, -c);
            out.loss += term.loss;
            out.kl_sum += term.kl;
            out.clipped += term.clipped as usize;
            out.tokens += 1;
        }
        out.loss /= out.tokens.max(1) as f64;
        out
    }

    /// One answer's mean ℓ_t under `adapter` (no gradients).
    pub fn forward(
        &self,
        graph: &Graph<'_>,
        answer: &Answer,
        adapter: &LoraAdapter,
    ) -> Result<RolloutOutcome> {
        let ex = &answer.example;
        let ce = graph.token_losses(&ex.ids, &ex.labels, Some(adapter), None, 0)?;
        Ok(self.outcome(answer, &ce))
    }

    /// One answer's outcome, and `weight`·∂(mean ℓ_t)/∂θ added to `grads`
    /// (weight: 1/answers in the step, for the mean over answers).
    pub fn backward(
        &self,
        graph: &Graph<'_>,
        answer: &Answer,
        adapter: &LoraAdapter,
        weight: f64,
        grads: &mut LoraAdapter,
        kept_layers: usize,
    ) -> Result<RolloutOutcome> {
        let ex = &answer.example;
        let per_token = weight / ex.n_targets().max(1) as f64;
        // ∂ℓ/∂CE = −∂ℓ/∂log π.
        let scale = |t: usize, ce: f64| (-self.term(answer, t, -ce).d_logp * per_token) as f32;
        let ce = graph.token_losses(
            &ex.ids,
            &ex.labels,
            Some(adapter),
            Some((Grads::Lora(grads), &scale)),
            kept_layers,
        )?;
        Ok(self.outcome(answer, &ce))
    }
}

/// log π of each position's label under `lora` (NaN where masked): the
/// sampling policy's or the reference's log-probabilities.
pub fn token_logps(
    graph: &Graph<'_>,
    ex: &Example,
    lora: Option<&LoraAdapter>,
) -> Result<Vec<f64>> {
    let ce = graph.token_losses(&ex.ids, &ex.labels, lora, None, 0)?;
    Ok(ce.into_iter().map(|c| -c).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The clipped objective against a scalar reference written from the
    /// paper's formula, on hand-made numbers: each branch of the min, both
    /// signs of A, with and without the KL term; the derivative against a
    /// central difference away from the clip's kinks.
    #[test]
    fn the_clipped_objective_matches_a_scalar_reference() {
        let g = Grpo {
            clip: 0.2,
            kl: 0.05,
        };
        let naive = |logp: f64, old: f64, r: f64, a: f64| {
            let rho = (logp - old).exp();
            let surrogate = f64::min(rho * a, rho.clamp(0.8, 1.2) * a);
            let kl = (r - logp).exp() - (r - logp) - 1.0;
            -surrogate + 0.05 * kl
        };
        // (log π, log π_old, log π_ref, A, clipped?)
        let cases = [
            (-1.0, -1.0, -1.2, 1.5, false),  // ρ = 1
            (-0.5, -1.0, -1.0, 2.0, true),   // ρ = 1.65 > 1.2, A > 0: clipped
            (-0.5, -1.0, -1.0, -2.0, false), // ρ = 1.65, A < 0: not clipped
            (-2.0, -1.0, -0.7, -0.8, true),  // ρ = 0.37 < 0.8, A < 0: clipped
            (-2.0, -1.0, -0.7, 0.8, false),  // ρ = 0.37, A > 0: not clipped
            (-0.9, -1.0, -3.0, 1.0, false),  // ρ = 1.105 inside
        ];
        for (lp, old, r, a, clipped) in cases {
            let t = g.token(lp, old, Some(r), a);
            let want = naive(lp, old, r, a);
            assert!(
                (t.loss - want).abs() < 1e-12,
                "{lp} {old} {a}: {} vs {want}",
                t.loss
            );
            assert_eq!(t.clipped, clipped, "{lp} {old} {a}");
            let h = 1e-6;
            let fd = (naive(lp + h, old, r, a) - naive(lp - h, old, r, a)) / (2.0 * h);
            assert!(
                (t.d_logp - fd).abs() < 1e-6,
                "{lp} {old} {a}: {} vs {fd}",
                t.d_logp
            );
        }
        // By hand: ρ = 1, A = 1.5, log π_ref − log π = −0.2:
        // ℓ = −1.5 + 0.05·(e^−0.2 + 0.2 − 1).
        let t = g.token(-1.0, -1.0, Some(-1.2), 1.5);
        let by_hand = -1.5 + 0.05 * ((-0.2f64).exp() + 0.2 - 1.0);
        assert!((t.loss - by_hand).abs() < 1e-12);
        // At ρ = 1 without a reference the gradient is −A and KL is 0.
        let t = Grpo { clip: 0.2, kl: 0.0 }.token(-3.0, -3.0, Some(-1.0), 0.7);
        assert_eq!((t.d_logp, t.kl, t.clipped), (-0.7, 0.0, false));
    }

    #[test]
    fn advantages_are_normalised_within_the_group() {
        assert_eq!(advantages(&[1.0, 1.0, 1.0]), None);
        assert_eq!(advantages(&[0.0; 4]), None);
        let a = advantages(&[1.0, 0.0, 0.0, 1.0]).unwrap();
        // mean 0.5, std 0.5.
        for (x, want) in a.iter().zip([1.0, -1.0, -1.0, 1.0]) {
            assert!((x - want / (1.0 + 2e-4)).abs() < 1e-12, "{a:?}");
        }
        assert!(a.iter().sum::<f64>().abs() < 1e-12);
    }
}
