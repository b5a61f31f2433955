//! Datasets: synthetic generators and importers that write the chat JSONL
//! the trainer reads.

pub mod bigdec;
pub mod code_bank;
pub mod code_multi;
pub mod code_reasoning;
pub mod code_tasks;
pub mod fc_lib;
pub mod fc_lib_math;
pub mod fc_lib_text;
pub mod fc_lib_world;
pub mod split;
pub mod stats;
pub mod synth;
pub mod synth_code;
pub mod synth_fc;
pub mod xlam;
