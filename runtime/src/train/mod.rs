//! LoRA fine-tuning (supervised, DPO on preference pairs, GRPO on
//! prompts with rewards from what the answers do) and full-parameter
//! training of small models from scratch (`pretrain`):
//! configuration, data, the training loop, checkpoints and reports.

mod batches;
mod checkpoint;
mod config;
pub mod corpus;
pub mod data;
pub mod dpo;
pub mod grpo;
mod out_dir;
pub mod pretrain;
mod report;
pub mod rollouts;
mod run;
mod step;

pub use checkpoint::{Checkpoint, CheckpointMeta};
pub use config::{Method, Schedule, TrainConfig};
pub use out_dir::{OutDir, RUN_FILES};
pub use report::line_chart;
pub use run::{evaluate, train, StepMetrics, TrainSummary};
