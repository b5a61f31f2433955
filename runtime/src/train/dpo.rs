//! Direct preference optimisation (Rafailov et al., 2023) on the LoRA
//! graph. For a prompt with a chosen answer c and a rejected one r, with
//! log-probabilities summed over the answers' assistant tokens,
//!
//!   z = β·[(log π(c) − log π_ref(c)) − (log π(r) − log π_ref(r))]
//!   L = −(1 − ε)·log σ(z) − ε·log σ(−z)
//!
//! (ε: label smoothing, "conservative DPO"; ε = 0 is the paper's loss).
//! π is the base with the trained adapter, π_ref the base alone or with a
//! frozen adapter: the same weights either way, so the reference costs one
//! forward per answer, once per run ([`reference`]).
//!
//! Since log π(y) = −ΣCE(y), ∂L/∂θ = w·∇ΣCE(c) − w·∇ΣCE(r) with
//! w = −β·∂L/∂z. One forward+backward per answer gives ∇ΣCE into a scratch
//! adapter and ΣCE itself, so z (and w) are known once both answers ran and
//! the two gradients are added with their weights: no extra forward.

use super::data::{Dataset, Example};
use crate::model::{Grads, Graph, LoraAdapter};
use crate::Result;

/// The loss's settings.
#[derive(Clone, Copy, Debug)]
pub struct Dpo {
    pub beta: f64,
    pub label_smoothing: f64,
}

/// The reference's log-probabilities of one pair's answers.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct RefLogps {
    pub chosen: f64,
    pub rejected: f64,
}

/// One pair under the policy.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PairOutcome {
    pub loss: f64,
    /// β times the difference of log-ratios: the reward margin.
    pub z: f64,
    /// log π − log π_ref of each answer, summed over its tokens.
    pub logratio_chosen: f64,
    pub logratio_rejected: f64,
}

fn softplus(x: f64) -> f64 {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

impl Dpo {
    /// The loss at margin `z` and its derivative ∂L/∂z.
    pub fn loss(&self, z: f64) -> (f64, f64) {
        let e = self.label_smoothing;
        let loss = (1.0 - e) * softplus(-z) + e * softplus(z);
        let d = -(1.0 - e) * sigmoid(-z) + e * sigmoid(z);
        (loss, d)
    }

    fn outcome(&self, policy: (f64, f64), r: RefLogps) -> (PairOutcome, f64) {
        let (lc, lr) = (policy.0 - r.chosen, policy.1 - r.rejected);
        let z = self.beta * (lc - lr);
        let (loss, d) = self.loss(z);
        let out = PairOutcome {
            loss,
            z,
            logratio_chosen: lc,
            logratio_rejected: lr,
        };
        (out, d)
    }

    /// The pair's loss under `adapter` (no gradients).
    pub fn forward(
        &self,
        graph: &Graph<'_>,
        (chosen, rejected): (&Example, &Example),
        adapter: &LoraAdapter,
        r: RefLogps,
    ) -> Result<PairOutcome> {
        let c = logp(graph, chosen, Some(adapter))?;
        let rj = logp(graph, rejected, Some(adapter))?;
        Ok(self.outcome((c, rj), r).0)
    }

    /// The pair's loss, and `scale`·∂L/∂θ added to `grads`; `scratch`
    /// holds each answer's gradient on the way (adapter-shaped; its
    /// contents are overwritten).
    #[allow(clippy::too_many_arguments)]
    pub fn backward(
        &self,
        graph: &Graph<'_>,
        (chosen, rejected): (&Example, &Example),
        adapter: &LoraAdapter,
        r: RefLogps,
        grads: &mut LoraAdapter,
        scale: f32,
        scratch: &mut [LoraAdapter; 2],
        kept_layers: usize,
    ) -> Result<PairOutcome> {
        let mut sums = [0.0; 2];
        for ((ex, g), sum) in [chosen, rejected]
            .iter()
            .zip(scratch.iter_mut())
            .zip(&mut sums)
        {
            g.zero();
            let s = graph.loss(
                &ex.ids,
                &ex.labels,
                Some(adapter),
                Some(Grads::Lora(g)),
                Some(1.0),
                kept_layers,
            )?;
            *sum = -s.loss_sum;
        }
        let (out, d) = self.outcome((sums[0], sums[1]), r);
        // ∂L/∂θ = ∂L/∂z · β · (∇log π(c) − ∇log π(r)), ∇log π = −∇ΣCE.
        let w = (-self.beta * d) as f32 * scale;
        grads.add_scaled(&scratch[0], w);
        grads.add_scaled(&scratch[1], -w);
        Ok(out)
    }
}

/// log π(y): minus the summed cross-entropy of the answer's tokens.
fn logp(graph: &Graph<'_>, ex: &Example, lora: Option<&LoraAdapter>) -> Result<f64> {
    Ok(-graph
        .loss(&ex.ids, &ex.labels, lora, None, None, 0)?
        .loss_sum)
}

/// The reference log-probabilities of every pair of `ds`: the base alone,
/// or with the frozen adapter `reference`.
pub fn reference(
    graph: &Graph<'_>,
    ds: &Dataset,
    reference: Option<&LoraAdapter>,
) -> Result<Vec<RefLogps>> {
    ds.examples
        .iter()
        .zip(&ds.rejected)
        .map(|(c, r)| {
            Ok(RefLogps {
                chosen: logp(graph, c, reference)?,
                rejected: logp(graph, r, reference)?,
            })
        })
        .collect()
}

/// Means over pairs: what a step or a validation pass reports.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PairStats {
    pub loss: f64,
    /// Mean z (β-scaled reward margin).
    pub margin: f64,
    /// Share of pairs with z > 0 (the policy prefers the chosen answer
    /// more than the reference does).
    pub accuracy: f64,
    /// Mean β·(log π − log π_ref) of the chosen and of the rejected
    /// answers (their "rewards"; margin = chosen − rejected). Not a KL
    /// estimate: the answers were not sampled from the policy.
    pub chosen_reward: f64,
    pub rejected_reward: f64,
    pub pairs: usize,
}

impl PairStats {
    pub fn of(beta: f64, outcomes: &[PairOutcome]) -> PairStats {
        let n = outcomes.len().max(1) as f64;
        PairStats {
            loss: outcomes.iter().map(|o| o.loss).sum::<f64>() / n,
            margin: outcomes.iter().map(|o| o.z).sum::<f64>() / n,
            accuracy: outcomes.iter().filter(|o| o.z > 0.0).count() as f64 / n,
            chosen_reward: beta * outcomes.iter().map(|o| o.logratio_chosen).sum::<f64>() / n,
            rejected_reward: beta * outcomes.iter().map(|o| o.logratio_rejected).sum::<f64>() / n,
            pairs: outcomes.len(),
        }
    }
}

/// Loss, margin and accuracy of `adapter` on every pair of `ds`.
pub fn evaluate(
    dpo: &Dpo,
    graph: &Graph<'_>,
    adapter: &LoraAdapter,
    ds: &Dataset,
    refs: &[RefLogps],
) -> Result<PairStats> {
    let outcomes = ds
        .examples
        .iter()
        .zip(&ds.rejected)
        .zip(refs)
        .map(|((c, r), &rf)| dpo.forward(graph, (c, r), adapter, rf))
        .collect::<Result<Vec<_>>>()?;
    Ok(PairStats::of(dpo.beta, &outcomes))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The loss and its derivative against a scalar reference: the
    /// closed forms on hand-picked margins, the derivative against a
    /// central difference.
    #[test]
    fn the_loss_is_the_papers_and_its_derivative_matches() {
        let plain = Dpo {
            beta: 0.1,
            label_smoothing: 0.0,
        };
        assert!((plain.loss(0.0).0 - std::f64::consts::LN_2).abs() < 1e-15);
        assert!((plain.loss(0.0).1 + 0.5).abs() < 1e-15);
        for z in [-30.0f64, -2.0, -0.3, 0.0, 0.7, 3.0, 40.0] {
            for e in [0.0, 0.1, 0.3] {
                let d = Dpo {
                    beta: 0.5,
                    label_smoothing: e,
                };
                let naive =
                    -(1.0 - e) * (1.0 / (1.0 + (-z).exp())).ln() - e * (1.0 / (1.0 + z.exp())).ln();
                let (l, g) = d.loss(z);
                assert!((l - naive).abs() < 1e-9 * naive.abs().max(1.0), "{z} {e}");
                let h = 1e-5;
                let fd = (d.loss(z + h).0 - d.loss(z - h).0) / (2.0 * h);
                assert!((g - fd).abs() < 1e-7, "{z} {e}: {g} vs {fd}");
            }
        }
        // Large margins stay finite (no exp overflow).
        assert!(plain.loss(-1e4).0.is_finite() && plain.loss(1e4).0 >= 0.0);
    }
}
