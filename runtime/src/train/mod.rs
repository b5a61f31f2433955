//! LoRA supervised fine-tuning: configuration, data, the training loop,
//! checkpoints and reports.

mod checkpoint;
mod config;
pub mod data;
mod report;
mod run;

pub use checkpoint::{Checkpoint, CheckpointMeta};
pub use config::{Schedule, TrainConfig};
pub use report::line_chart;
pub(crate) use report::progress_bar;
pub use run::{evaluate, reset_peak_rss, rss_bytes, train, StepMetrics, TrainSummary};
