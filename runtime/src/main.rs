//! `agentcoder`: the command-line front end. Parsing and printing only; the
//! work happens in the `runtime` library.

mod cli;

fn main() {
    let args: cli::Args = argh::from_env();
    std::process::exit(cli::run(args));
}
