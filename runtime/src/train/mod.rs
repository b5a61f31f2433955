//! LoRA supervised fine-tuning: configuration, data, the training loop,
//! checkpoints and reports.

mod batches;
mod checkpoint;
mod config;
pub mod data;
mod out_dir;
mod report;
mod run;
mod step;

pub use checkpoint::{Checkpoint, CheckpointMeta};
pub use config::{Schedule, TrainConfig};
pub use out_dir::{OutDir, RUN_FILES};
pub use report::line_chart;
pub use run::{evaluate, train, StepMetrics, TrainSummary};
