//! One optimizer step on accumulated LoRA gradients: global-norm clipping,
//! then AdamW, unless the gradients are not finite. A NaN or inf anywhere
//! (an overflowing batch, a learning rate that made the adapter diverge)
//! would poison the adapter and both AdamW moments for good, so such a
//! step is skipped: nothing changes, the metrics line says `"skipped":
//! true`, and a run of `max_bad_steps` of them in a row stops training.

use kernels::adamw::{AdamWConfig, AdamWState};
use kernels::clip::clip_grad_norm;

use super::config::TrainConfig;
use crate::model::LoraAdapter;
use crate::{Error, Result};

/// What one optimizer step did.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct StepOutcome {
    /// Global 2-norm of the gradients before clipping (NaN/inf if bad).
    pub grad_norm: f64,
    /// False when the gradients were not finite and the step was skipped.
    pub applied: bool,
}

/// Clips `grads` to `cfg.clip` and applies AdamW at learning rate `lr` as
/// update number `t` (from 1, counting only applied updates, so AdamW's
/// bias correction matches the moments).
pub(super) fn optimizer_step(
    adapter: &mut LoraAdapter,
    grads: &mut LoraAdapter,
    states: &mut [AdamWState],
    cfg: &TrainConfig,
    lr: f32,
    t: u64,
) -> StepOutcome {
    let grad_norm = clip_grad_norm(&mut grads.tensors_mut(), cfg.clip as f64);
    if !grad_norm.is_finite() {
        return StepOutcome {
            grad_norm,
            applied: false,
        };
    }
    let opt = AdamWConfig {
        lr,
        weight_decay: cfg.weight_decay,
        ..AdamWConfig::default()
    };
    adapter.adamw_update(grads, states, &opt, t);
    StepOutcome {
        grad_norm,
        applied: true,
    }
}

/// Counts skipped steps in a row; one bad batch is skipped, a run of them
/// means training has diverged and stops it.
#[derive(Debug, Default)]
pub(super) struct BadSteps {
    in_a_row: usize,
}

impl BadSteps {
    /// Records the outcome of optimizer step `step`; an error after `limit`
    /// skipped steps in a row.
    pub fn record(&mut self, step: usize, outcome: StepOutcome, limit: usize) -> Result<()> {
        if outcome.applied {
            self.in_a_row = 0;
            return Ok(());
        }
        self.in_a_row += 1;
        if self.in_a_row >= limit {
            return Err(Error::Input(format!(
                "training diverged: the gradients were NaN or infinite for {} steps in a \
                 row (steps {}..={step}), which were skipped; latest/ holds the weights as \
                 they were before them. Try a lower --lr, or check the data",
                self.in_a_row,
                step + 1 - self.in_a_row
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{LoraSpec, LoraTarget, ModelConfig, RopeLayout};

    fn tiny() -> (LoraAdapter, LoraAdapter, Vec<AdamWState>) {
        let cfg = ModelConfig {
            architecture: "llama".into(),
            n_layer: 2,
            n_embd: 8,
            n_head: 2,
            n_head_kv: 2,
            head_dim: 4,
            n_ff: 16,
            n_vocab: 32,
            context_length: 64,
            rms_eps: 1e-5,
            rope_layout: RopeLayout::Norm,
            rope_freq_base: 10000.0,
            rope_freq_scale: 1.0,
            rope_dims: 4,
            tied_embeddings: true,
            qkv_bias: false,
        };
        let spec = LoraSpec {
            rank: 2,
            alpha: 4.0,
            targets: vec![LoraTarget::Q, LoraTarget::Down],
        };
        let adapter = LoraAdapter::init(&cfg, &spec, 7);
        let mut grads = LoraAdapter::zeros(&cfg, &spec);
        for t in grads.tensors_mut() {
            t.iter_mut()
                .enumerate()
                .for_each(|(i, x)| *x = 0.01 * (i % 5) as f32 - 0.02);
        }
        let states = adapter.adamw_states();
        (adapter, grads, states)
    }

    fn cfg() -> TrainConfig {
        serde_json::from_str(r#"{"model":"m","data":"d","out":"o"}"#).unwrap()
    }

    #[test]
    fn an_injected_nan_leaves_adapter_and_moments_untouched() {
        let (mut adapter, mut grads, mut states) = tiny();
        let moments = |s: &[AdamWState]| -> Vec<(Vec<f32>, Vec<f32>)> {
            s.iter().map(|x| (x.m.clone(), x.v.clone())).collect()
        };
        let before = (adapter.clone(), moments(&states));
        grads.tensors_mut()[3][1] = f32::NAN;
        let out = optimizer_step(&mut adapter, &mut grads, &mut states, &cfg(), 1e-3, 1);
        assert!(!out.applied && out.grad_norm.is_nan(), "{out:?}");
        assert_eq!((adapter, moments(&states)), before);
    }

    #[test]
    fn finite_gradients_are_clipped_and_applied() {
        let (mut adapter, mut grads, mut states) = tiny();
        let before = adapter.clone();
        let out = optimizer_step(&mut adapter, &mut grads, &mut states, &cfg(), 1e-3, 1);
        assert!(out.applied && out.grad_norm.is_finite(), "{out:?}");
        assert_ne!(adapter, before);
        assert!(adapter
            .tensors()
            .iter()
            .flat_map(|t| t.iter())
            .all(|x| x.is_finite()));
    }

    #[test]
    fn a_run_of_bad_steps_stops_training() {
        let (good, bad) = (
            StepOutcome {
                grad_norm: 1.0,
                applied: true,
            },
            StepOutcome {
                grad_norm: f64::NAN,
                applied: false,
            },
        );
        let mut b = BadSteps::default();
        for step in 1..=4 {
            b.record(step, bad, 5).unwrap();
        }
        b.record(5, good, 5).unwrap(); // a good step starts the count again
        for step in 6..=9 {
            b.record(step, bad, 5).unwrap();
        }
        let e = b.record(10, bad, 5).unwrap_err().to_string();
        assert!(
            e.contains("5 steps in a row") && e.contains("steps 6..=10"),
            "{e}"
        );
        assert!(e.contains("--lr"), "{e}");
    }
}
