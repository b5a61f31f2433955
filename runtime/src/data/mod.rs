//! Datasets: synthetic generators and importers that write the chat JSONL
//! the trainer reads.

pub mod synth;
