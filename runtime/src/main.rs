//! `agentcoder`: the command-line front end. Parsing and printing only; the
//! work happens in the `runtime` library.

mod cli;

fn main() {
    restore_sigpipe();
    let args: cli::Args = argh::from_env();
    std::process::exit(cli::run(args));
}

/// Rust ignores SIGPIPE, so `agentcoder ... | head` would panic on the
/// first write after `head` exits; a command-line tool should just stop.
fn restore_sigpipe() {
    #[cfg(unix)]
    // SAFETY: setting a signal disposition to its default at start-up,
    // before any other thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
