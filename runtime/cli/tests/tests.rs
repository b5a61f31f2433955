//! The `agentcoder` binary as a user runs it, one test binary for the
//! package (each test binary links llama.cpp): general commands, data,
//! study, train and serve.

mod cli;
mod data_cli;
mod grpo_cli;
mod pretrain_cli;
mod serve_cli;
mod study_cli;
mod train_cli;
mod util;
