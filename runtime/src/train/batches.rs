//! Which examples each optimizer step trains on: a seeded shuffle per
//! epoch, packed in order into `accum` micro-batches of up to
//! `batch_tokens` tokens (whole examples, at least one per micro-batch).
//! Every epoch packs differently, so the number of steps of a run is
//! counted epoch by epoch. GRPO takes `accum` prompts per batch of
//! rollouts, one micro-batch each.

use kernels::rng::Rng;

use super::config::{Method, TrainConfig};
use super::data::Dataset;

/// Examples of one epoch in training order.
pub(super) fn epoch_order(n: usize, epoch_seed: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    Rng::new(epoch_seed).shuffle(&mut order);
    order
}

pub(super) fn epoch_seed(seed: u64, epoch: usize) -> u64 {
    seed ^ (epoch as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// Splits one step's examples off `order[pos..]`: `accum` micro-batches of
/// up to `batch_tokens` tokens (at least one example each).
pub(super) fn next_step(
    cfg: &TrainConfig,
    ds: &Dataset,
    order: &[usize],
    mut pos: usize,
) -> (Vec<Vec<usize>>, usize) {
    let mut micro = Vec::new();
    if cfg.method == Method::Grpo {
        // One prompt (and its group of answers) per micro-batch.
        let end = (pos + cfg.accum).min(order.len());
        return (order[pos..end].iter().map(|&i| vec![i]).collect(), end);
    }
    for _ in 0..cfg.accum {
        let mut batch = Vec::new();
        let mut tokens = 0;
        while pos < order.len() {
            let len = ds.tokens(order[pos]);
            if !batch.is_empty() && tokens + len > cfg.batch_tokens {
                break;
            }
            batch.push(order[pos]);
            tokens += len;
            pos += 1;
        }
        if batch.is_empty() {
            break;
        }
        micro.push(batch);
    }
    (micro, pos)
}

/// Optimizer steps in the epoch shuffled with `epoch_seed`.
fn steps_in_epoch(cfg: &TrainConfig, ds: &Dataset, epoch_seed: u64) -> usize {
    let order = epoch_order(ds.examples.len(), epoch_seed);
    let (mut pos, mut n) = (0, 0);
    while pos < order.len() {
        pos = next_step(cfg, ds, &order, pos).1;
        n += 1;
    }
    n
}

/// Optimizer steps of the whole run: `--steps`, or every step of
/// `--epochs` passes (GRPO: `--updates` steps per batch of prompts).
pub(super) fn total_steps(cfg: &TrainConfig, ds: &Dataset) -> usize {
    if let Some(steps) = cfg.steps {
        return steps;
    }
    let per_batch = if cfg.method == Method::Grpo {
        cfg.updates
    } else {
        1
    };
    (0..cfg.epochs)
        .map(|e| steps_in_epoch(cfg, ds, epoch_seed(cfg.seed, e)) * per_batch)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::data::Example;

    /// Examples of 50 and 51 tokens: two share a 101-token batch unless
    /// both are 51 long, so how many steps an epoch takes depends on its
    /// shuffle.
    fn ragged(n: usize) -> Dataset {
        let examples = (0..n)
            .map(|i| {
                let len = 50 + i % 2;
                Example {
                    ids: vec![1; len],
                    labels: vec![1; len],
                    line: i + 1,
                }
            })
            .collect();
        Dataset {
            examples,
            ..Dataset::default()
        }
    }

    /// Runs the trainer's epoch loop for `total` steps; returns the epoch
    /// and position it ends at.
    fn walk(cfg: &TrainConfig, ds: &Dataset, total: usize) -> (usize, usize) {
        let (mut epoch, mut pos) = (0, 0);
        let mut order = epoch_order(ds.examples.len(), epoch_seed(cfg.seed, 0));
        for _ in 0..total {
            if pos >= order.len() {
                epoch += 1;
                pos = 0;
                order = epoch_order(ds.examples.len(), epoch_seed(cfg.seed, epoch));
            }
            pos = next_step(cfg, ds, &order, pos).1;
        }
        (epoch, pos)
    }

    #[test]
    fn epochs_end_exactly_where_the_last_epoch_ends() {
        let mut cfg: TrainConfig =
            serde_json::from_str(r#"{"model":"m","data":"d","out":"o"}"#).unwrap();
        cfg.batch_tokens = 101;
        cfg.epochs = 3;
        let ds = ragged(40);
        let per_epoch: Vec<usize> = (0..3)
            .map(|e| steps_in_epoch(&cfg, &ds, epoch_seed(cfg.seed, e)))
            .collect();
        // The data is ragged enough that epochs pack differently.
        assert!(
            per_epoch.iter().any(|&n| n != per_epoch[0]),
            "{per_epoch:?}"
        );
        let total = total_steps(&cfg, &ds);
        assert_eq!(total, per_epoch.iter().sum::<usize>());
        // Every example of every epoch once: the run ends on the last
        // example of epoch 2, neither short of it nor inside epoch 3.
        assert_eq!(walk(&cfg, &ds, total), (2, ds.examples.len()));
        cfg.steps = Some(7);
        assert_eq!(total_steps(&cfg, &ds), 7);
    }
}
