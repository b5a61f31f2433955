//! Helpers shared by the CLI integration tests: run the built binary, find
//! the default model.
#![allow(dead_code)] // each test file uses a subset

use std::process::{Command, Output};

/// The `agentcoder` binary built for these tests.
pub fn command() -> Command {
    Command::new(env!("CARGO_BIN_EXE_agentcoder"))
}

/// Runs it with `args` and collects the output.
pub fn agentcoder(args: &[&str]) -> Output {
    command().args(args).output().expect("the binary runs")
}

/// The default model; fails with the fix if `make model` has not run.
pub fn model() -> String {
    let p = runtime::paths::default_model();
    assert!(
        p.exists(),
        "{} is missing: run `make model` first",
        p.display()
    );
    p.display().to_string()
}
