//! Training configuration: every `agentcoder train` option, also readable
//! from a JSON or TOML-like `--config` file, and written resolved to
//! `DIR/run.json` with the facts needed to replay the run.

use std::path::PathBuf;

use kernels::qmatmul::Compute;
use serde::{Deserialize, Serialize};

use crate::model::LoraTarget;
use crate::{Error, Result};

/// Learning-rate schedule after warmup.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Schedule {
    Cosine,
    Linear,
    Constant,
}

/// What a run optimises.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Next-token loss on the data's assistant turns.
    #[default]
    Sft,
    /// Direct preference optimisation on chosen/rejected pairs
    /// (see `train::dpo`).
    Dpo,
    /// Group relative policy optimisation on answers sampled from the
    /// policy and rewarded by what they do (see `train::grpo`).
    Grpo,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainConfig {
    #[serde(default)]
    pub method: Method,
    /// DPO: the β of the loss, how strongly the policy's log-ratio to the
    /// reference counts (default 0.1).
    #[serde(default = "d_beta")]
    pub beta: f32,
    /// DPO: the share of pairs taken as mislabelled (conservative DPO;
    /// 0 to below 0.5, default 0).
    #[serde(default)]
    pub label_smoothing: f32,
    /// Start from this adapter (e.g. an SFT run's adapter.gguf) instead of
    /// a fresh one; its rank, alpha and targets replace the config's.
    #[serde(default)]
    pub init_lora: Option<PathBuf>,
    /// DPO, GRPO: the reference is the base with this frozen adapter
    /// (default: the base alone, which costs no second model).
    #[serde(default)]
    pub ref_lora: Option<PathBuf>,
    /// GRPO: answers sampled per prompt (a group; 2 to 64, default 4).
    #[serde(default = "d_k")]
    pub k: usize,
    /// GRPO: β of the KL penalty to the base (0: none, and no reference
    /// forward; default 0.04).
    #[serde(default = "d_kl")]
    pub kl: f32,
    /// GRPO: ε, how far the probability ratio may leave 1 before its
    /// gradient stops (default 0.2; binds only with --updates > 1).
    #[serde(default = "d_clip_ratio")]
    pub clip_ratio: f32,
    /// GRPO: optimizer steps per batch of rollouts (default 1).
    #[serde(default = "d_one")]
    pub updates: usize,
    /// GRPO: sampling temperature of the rollouts (default 0.8).
    #[serde(default = "d_temperature")]
    pub temperature: f32,
    /// GRPO: tokens per sampled reply (default 256) and agent turns per
    /// code item's rollout (default 5).
    #[serde(default = "d_max_new_tokens")]
    pub max_new_tokens: usize,
    #[serde(default = "d_max_turns")]
    pub max_turns: usize,
    /// GRPO: how a judged answer is scored ("binary" or "graded").
    #[serde(default)]
    pub reward: super::rollouts::Reward,
    /// The base model, training data and output directory may be left out
    /// of a config file (a shared recipe) and given on the command line.
    #[serde(default)]
    pub model: PathBuf,
    #[serde(default)]
    pub data: PathBuf,
    #[serde(default)]
    pub val: Option<PathBuf>,
    #[serde(default)]
    pub out: PathBuf,
    #[serde(default = "d_rank")]
    pub rank: usize,
    #[serde(default = "d_alpha")]
    pub alpha: f32,
    #[serde(default = "d_targets")]
    pub targets: Vec<LoraTarget>,
    #[serde(default = "d_lr")]
    pub lr: f32,
    #[serde(default = "d_wd")]
    pub weight_decay: f32,
    /// Passes over the data; ignored when `steps` is set.
    #[serde(default = "d_epochs")]
    pub epochs: usize,
    #[serde(default)]
    pub steps: Option<usize>,
    /// Tokens per micro-batch (examples are not split; at least one per batch).
    #[serde(default = "d_batch_tokens")]
    pub batch_tokens: usize,
    /// Micro-batches per optimizer step.
    #[serde(default = "d_accum")]
    pub accum: usize,
    #[serde(default = "d_warmup")]
    pub warmup: usize,
    #[serde(default = "d_schedule")]
    pub schedule: Schedule,
    /// Longer examples are truncated.
    #[serde(default = "d_max_seq")]
    pub max_seq: usize,
    /// Largest global gradient norm; larger gradients are scaled down.
    #[serde(default = "d_clip")]
    pub clip: f32,
    /// Stop after this many optimizer steps in a row were skipped because
    /// their gradients were NaN or infinite (default 5).
    #[serde(default = "d_max_bad_steps")]
    pub max_bad_steps: usize,
    #[serde(default = "d_seed")]
    pub seed: u64,
    #[serde(default)]
    pub threads: Option<usize>,
    /// Validation every N steps (0: only at the end).
    #[serde(default = "d_eval_every")]
    pub eval_every: usize,
    /// `latest/` checkpoint every N steps.
    #[serde(default = "d_save_every")]
    pub save_every: usize,
    /// Refuse to start when the estimate exceeds this many bytes.
    #[serde(default)]
    pub max_memory: Option<u64>,
    /// Loss only on assistant tokens.
    #[serde(default = "d_true")]
    pub mask_prompt: bool,
    /// Skip malformed dataset lines instead of stopping.
    #[serde(default)]
    pub skip_bad: bool,
    /// How matmuls through the frozen weights compute: "int8" (default:
    /// 1.3× f32's step with AVX2 kernels, 1.6× with AVX-512 VNNI, at the
    /// same held-out score; a bounded quantization error, see
    /// `kernels::int8`) or "f32".
    #[serde(default = "int8", with = "compute_name")]
    pub compute: Compute,
    /// Layers whose activations are kept from forward to backward instead
    /// of recomputed; `None`: as many as fit the memory budget
    /// (`--max-memory`, else 3/4 of the available memory).
    #[serde(default)]
    pub keep_layers: Option<usize>,
}

fn int8() -> Compute {
    Compute::Int8
}

/// `Compute` as its name in config files and run.json.
mod compute_name {
    use kernels::qmatmul::Compute;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(c: &Compute, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(c.name())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Compute, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

fn d_beta() -> f32 {
    0.1
}
fn d_rank() -> usize {
    16
}
fn d_alpha() -> f32 {
    32.0
}
fn d_targets() -> Vec<LoraTarget> {
    LoraTarget::ALL.to_vec()
}
fn d_lr() -> f32 {
    2e-4
}
fn d_wd() -> f32 {
    0.0
}
fn d_epochs() -> usize {
    1
}
fn d_batch_tokens() -> usize {
    512
}
fn d_accum() -> usize {
    1
}
fn d_warmup() -> usize {
    10
}
fn d_schedule() -> Schedule {
    Schedule::Cosine
}
fn d_max_seq() -> usize {
    512
}
fn d_clip() -> f32 {
    1.0
}
fn d_max_bad_steps() -> usize {
    5
}
fn d_seed() -> u64 {
    42
}
fn d_eval_every() -> usize {
    50
}
fn d_k() -> usize {
    4
}
fn d_kl() -> f32 {
    0.04
}
fn d_clip_ratio() -> f32 {
    0.2
}
fn d_one() -> usize {
    1
}
fn d_temperature() -> f32 {
    0.8
}
fn d_max_new_tokens() -> usize {
    256
}
fn d_max_turns() -> usize {
    5
}

fn d_save_every() -> usize {
    50
}
fn d_true() -> bool {
    true
}

impl TrainConfig {
    /// Checks values a user can get wrong, with the option name.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: &str| Err(Error::Input(m.to_string()));
        if self.rank == 0 {
            return bad("--rank must be at least 1");
        }
        if !(self.lr > 0.0 && self.lr.is_finite()) {
            return bad("--lr must be a positive number");
        }
        if !(self.alpha > 0.0 && self.alpha.is_finite()) {
            return bad("--alpha must be a positive number (the adapter's scale is alpha/rank)");
        }
        if !(self.weight_decay >= 0.0 && self.weight_decay.is_finite()) {
            return bad("weight_decay must be a number of at least 0");
        }
        // Infinity is allowed: no clipping.
        if self.clip.is_nan() || self.clip <= 0.0 {
            return bad("clip must be a positive number");
        }
        if self.max_bad_steps == 0 {
            return bad("max_bad_steps must be at least 1");
        }
        if self.max_seq < 8 {
            return bad("--max-seq must be at least 8");
        }
        if self.accum == 0 || self.batch_tokens == 0 {
            return bad("--accum and --batch-tokens must be at least 1");
        }
        if self.targets.is_empty() {
            return bad("--targets is empty");
        }
        if self.steps == Some(0) || (self.steps.is_none() && self.epochs == 0) {
            return bad("nothing to do: --steps 0 or --epochs 0");
        }
        if !(self.beta > 0.0 && self.beta.is_finite()) {
            return bad("--beta must be a positive number");
        }
        if !(0.0..0.5).contains(&self.label_smoothing) {
            return bad("--label-smoothing must be at least 0 and below 0.5");
        }
        if self.method == Method::Sft && self.ref_lora.is_some() {
            return bad("--ref-lora is the DPO/GRPO reference: it needs --method dpo or grpo");
        }
        if !(2..=crate::infer::MAX_PARALLEL).contains(&self.k) {
            return Err(Error::Input(format!(
                "--k must be 2 to {} (answers per prompt)",
                crate::infer::MAX_PARALLEL
            )));
        }
        if !(self.kl >= 0.0 && self.kl.is_finite()) {
            return bad("--kl must be a number of at least 0");
        }
        if !(self.clip_ratio > 0.0 && self.clip_ratio < 1.0) {
            return bad("--clip-ratio must be above 0 and below 1");
        }
        if self.updates == 0 || self.max_new_tokens == 0 || self.max_turns == 0 {
            return bad("--updates, --max-new-tokens and --max-turns must be at least 1");
        }
        if !(self.temperature > 0.0 && self.temperature.is_finite()) {
            return bad("--temperature must be above 0 (GRPO needs different answers)");
        }
        Ok(())
    }

    /// Learning rate at optimizer step `step` (1-based) of `total` (see
    /// [`lr_at`]).
    pub fn lr_at(&self, step: usize, total: usize) -> f32 {
        lr_at(self.lr, self.warmup, self.schedule, step, total)
    }

    /// Reads a config file: JSON (`.json`) or flat `key = value` TOML.
    pub fn from_file(path: &std::path::Path) -> Result<TrainConfig> {
        config_from_file(path)
    }
}

/// Reads a run config: JSON (`.json`) or flat `key = value` TOML; a
/// run.json written by us nests it under "config".
pub(super) fn config_from_file<C: serde::de::DeserializeOwned>(
    path: &std::path::Path,
) -> Result<C> {
    let text = std::fs::read_to_string(path).map_err(Error::io(path))?;
    let value: serde_json::Value = if path.extension().is_some_and(|e| e == "toml") {
        flat_toml_to_json(&text).map_err(|m| Error::Input(format!("{}: {m}", path.display())))?
    } else {
        serde_json::from_str(&text).map_err(|e| Error::Input(format!("{}: {e}", path.display())))?
    };
    let value = value.get("config").cloned().unwrap_or(value);
    serde_json::from_value(value).map_err(|e| Error::Input(format!("{}: {e}", path.display())))
}

/// Learning rate at optimizer step `step` (1-based) of `total`: a linear
/// warmup to `lr` over `warmup` steps, then the schedule over the remaining
/// `total - warmup` steps. The decay ends at zero one step *after* the
/// last, so the last step still learns (an lr of 0 would waste it): linear
/// ends at `lr / (decay steps + 1)`.
pub fn lr_at(lr: f32, warmup: usize, schedule: Schedule, step: usize, total: usize) -> f32 {
    if warmup > 0 && step <= warmup {
        return lr * step as f32 / warmup as f32;
    }
    let span = (total.saturating_sub(warmup) + 1) as f32;
    let progress = ((step - warmup.min(step)) as f32 / span).min(1.0);
    match schedule {
        Schedule::Constant => lr,
        Schedule::Linear => lr * (1.0 - progress),
        Schedule::Cosine => lr * 0.5 * (1.0 + (std::f32::consts::PI * progress).cos()),
    }
}

/// The subset of TOML a run file needs: `key = value` lines with strings,
/// numbers, booleans and arrays of strings; `#` comments.
fn flat_toml_to_json(text: &str) -> std::result::Result<serde_json::Value, String> {
    let mut map = serde_json::Map::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split(" #").next().unwrap_or("").trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (k, v) = line
            .split_once('=')
            .ok_or_else(|| format!("line {}: expected key = value", i + 1))?;
        let v = v.trim();
        let v = v.replace('\'', "\"");
        let json: serde_json::Value =
            serde_json::from_str(&v).map_err(|e| format!("line {}: {e}", i + 1))?;
        map.insert(k.trim().replace('-', "_"), json);
    }
    Ok(serde_json::Value::Object(map))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> TrainConfig {
        serde_json::from_str(r#"{"model":"m.gguf","data":"d.jsonl","out":"o"}"#).unwrap()
    }

    #[test]
    fn defaults_and_schedule() {
        let mut c = cfg();
        assert_eq!((c.rank, c.alpha, c.targets.len()), (16, 32.0, 7));
        assert_eq!(c.compute, Compute::Int8);
        c.warmup = 10;
        assert!((c.lr_at(5, 100) - c.lr * 0.5).abs() < 1e-9);
        assert!((c.lr_at(10, 100) - c.lr).abs() < 1e-9);
        assert!(c.lr_at(55, 100) < c.lr * 0.51 && c.lr_at(55, 100) > c.lr * 0.49);
    }

    #[test]
    fn toml_subset() {
        let v = flat_toml_to_json("model = \"m\"\ndata='d'\nout = \"o\" # here\nrank = 8\ntargets = [\"q\", \"v\"]\nskip-bad = true\n").unwrap();
        let c: TrainConfig = serde_json::from_value(v).unwrap();
        assert_eq!(c.rank, 8);
        assert_eq!(c.targets, vec![LoraTarget::Q, LoraTarget::V]);
        assert!(c.skip_bad);
        assert!(flat_toml_to_json("rank 8").is_err());
    }

    #[test]
    fn validation_names_the_option() {
        let mut c = cfg();
        c.rank = 0;
        assert!(c.validate().unwrap_err().to_string().contains("--rank"));
    }

    #[test]
    fn the_last_step_still_learns() {
        let mut c = cfg();
        for (schedule, warmup, total) in [
            (Schedule::Cosine, 10, 100),
            (Schedule::Linear, 10, 100),
            (Schedule::Cosine, 0, 1),
            (Schedule::Linear, 3, 4),
        ] {
            (c.schedule, c.warmup) = (schedule, warmup);
            let lrs: Vec<f32> = (1..=total).map(|s| c.lr_at(s, total)).collect();
            assert!(lrs[total - 1] > 0.0, "{schedule:?}: {lrs:?}");
            // After warmup the rate only falls, never above the peak.
            assert!(lrs.iter().all(|&l| l > 0.0 && l <= c.lr), "{lrs:?}");
            assert!(
                lrs[warmup.min(total - 1)..]
                    .windows(2)
                    .all(|w| w[1] <= w[0]),
                "{schedule:?}: {lrs:?}"
            );
        }
        // Linear decays to zero one step past the end: lr / (decay steps + 1).
        (c.schedule, c.warmup) = (Schedule::Linear, 10);
        assert!((c.lr_at(100, 100) - c.lr / 91.0).abs() < 1e-9);
    }

    #[test]
    fn non_positive_or_nan_numbers_are_rejected() {
        type Break = fn(&mut TrainConfig);
        let cases: [(&str, Break); 9] = [
            ("--alpha", |c| c.alpha = 0.0),
            ("--alpha", |c| c.alpha = -16.0),
            ("--alpha", |c| c.alpha = f32::NAN),
            ("--alpha", |c| c.alpha = f32::INFINITY),
            ("--lr", |c| c.lr = f32::NAN),
            ("weight_decay", |c| c.weight_decay = f32::NAN),
            ("weight_decay", |c| c.weight_decay = -0.1),
            ("clip", |c| c.clip = 0.0),
            ("clip", |c| c.clip = f32::NAN),
        ];
        for (option, break_it) in cases {
            let mut c = cfg();
            break_it(&mut c);
            let e = c.validate().unwrap_err().to_string();
            assert!(e.contains(option), "{option}: {e}");
        }
        assert!(cfg().validate().is_ok());
    }
}
