//! Datasets and the prompt format: synthetic generators and importers that
//! write the chat JSONL the trainer reads, the ONE renderer of a
//! conversation into model text ([`prompt`]), and the judge of a final
//! answer against a ground truth ([`answer`]).
//!
//! Not for: tokenizing with a real model or running one (that is
//! `runtime`); nothing here links llama.cpp, so all of it builds and tests
//! without it.

pub mod answer;
pub mod bigdec;
pub mod code_bank;
pub mod code_multi;
pub mod code_reasoning;
pub mod code_tasks;
pub mod fc_lib;
pub mod fc_lib_math;
pub mod fc_lib_text;
pub mod fc_lib_world;
pub mod fc_pools;
pub mod fc_spec;
pub mod prompt;
pub mod split;
pub mod stats;
pub mod synth;
pub mod synth_code;
pub mod synth_fc;
pub mod xlam;
