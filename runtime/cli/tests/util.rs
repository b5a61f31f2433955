//! Helpers shared by the CLI integration tests: run the built binary, find
//! the default model.

use std::process::{Command, Output};

/// The `agentcoder` binary built for these tests.
pub fn command() -> Command {
    Command::new(env!("CARGO_BIN_EXE_agentcoder"))
}

/// Runs it with `args` and collects the output.
pub fn agentcoder(args: &[&str]) -> Output {
    command().args(args).output().expect("the binary runs")
}

pub use test_support::{ok, TempDir};

/// The default model, as a command-line argument.
pub fn model() -> String {
    test_support::model().display().to_string()
}

/// Runs it with `args`, `input` on stdin, and collects the output.
pub fn agentcoder_stdin(args: &[&str], input: &str) -> Output {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = command()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(input.as_bytes())
        .expect("the binary reads stdin");
    child.wait_with_output().expect("the binary runs")
}
