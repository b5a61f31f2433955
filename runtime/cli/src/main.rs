//! `agentcoder`: the command-line front end. Parsing, printing and exit
//! codes only; the work happens in the library crates (`runtime`,
//! `dataset`, `bfcl`, `sandbox`, `tools`). One file per subcommand; this
//! file holds the command table and maps every library error to an exit
//! code, once.

mod agent;
mod bench;
mod data;
mod eval;
mod exec;
mod export;
mod generate;
mod info;
mod inspect;
mod merge;
mod pretrain;
mod serve;
mod study;
mod train;

use argh::FromArgs;

fn main() {
    restore_sigpipe();
    let args: Args = argh::from_env();
    std::process::exit(run(args));
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

/// agentcoder: run, fine-tune (LoRA on CPU) and evaluate small GGUF models as
/// tool-using agents, fully offline.
#[derive(FromArgs)]
pub struct Args {
    /// show llama.cpp's own log output
    #[argh(switch)]
    verbose: bool,
    #[argh(subcommand)]
    command: Command,
}

#[derive(FromArgs)]
#[argh(subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once per process
enum Command {
    Inspect(inspect::InspectArgs),
    Generate(generate::GenerateArgs),
    Info(info::InfoArgs),
    Train(train::TrainArgs),
    Pretrain(pretrain::PretrainArgs),
    Tokenizer(pretrain::TokenizerArgs),
    ExportLora(export::ExportArgs),
    Data(data::DataArgs),
    Exec(exec::ExecArgs),
    Agent(agent::AgentArgs),
    Merge(merge::MergeArgs),
    Bench(bench::BenchArgs),
    Eval(eval::EvalArgs),
    Study(study::StudyArgs),
    Serve(serve::ServeArgs),
}

/// An error for the user: one line on stderr and exit code 2 (bad input) or
/// 1 (failure while running). Decided here, once per kind of error.
pub struct CliError {
    pub code: i32,
    pub message: String,
}

impl CliError {
    pub fn usage(message: impl Into<String>) -> Self {
        CliError {
            code: 2,
            message: message.into(),
        }
    }

    /// A failure while running (exit 1): a child process, a result that
    /// cannot be encoded.
    pub fn failure(message: impl Into<String>) -> Self {
        CliError {
            code: 1,
            message: message.into(),
        }
    }

    /// A failure already reported to the user (a Python error shown on
    /// stderr): exit 1 with no further line.
    pub fn reported() -> Self {
        CliError::failure(String::new())
    }

    /// Bad content in the file the user named (exit 2), naming the file.
    pub fn in_file(path: &std::path::Path, e: impl std::fmt::Display) -> Self {
        CliError::usage(format!("{}: {e}", path.display()))
    }

    /// An I/O failure on `what` (a path, `stdin`, `stdout`), with the exit
    /// code of [`io_exit_code`].
    pub fn io(what: impl std::fmt::Display, e: &std::io::Error) -> Self {
        CliError {
            code: io_exit_code(e),
            message: format!("{what}: {e}"),
        }
    }
}

/// The exit code of an I/O failure: 2 when the path the user named cannot
/// be used (missing, a directory, no permission, read-only, not text, cut
/// short), 1 when the machine failed while running (disk full, quota,
/// interrupted, broken pipe, out of memory, ...).
pub fn io_exit_code(e: &std::io::Error) -> i32 {
    use std::io::ErrorKind::*;
    match e.kind() {
        NotFound | PermissionDenied | AlreadyExists | InvalidInput | InvalidData
        | UnexpectedEof | IsADirectory | NotADirectory | DirectoryNotEmpty | ReadOnlyFilesystem
        | InvalidFilename => 2,
        _ => 1,
    }
}

impl From<runtime::Error> for CliError {
    fn from(e: runtime::Error) -> Self {
        use runtime::Error::*;
        let code = match &e {
            Model { .. } | Input(_) | ContextFull { .. } | Unsupported(_) | Gguf(_) => 2,
            Io { source, .. } => io_exit_code(source),
            Llama(_) | Internal(_) => 1,
        };
        CliError {
            code,
            message: e.to_string(),
        }
    }
}

impl From<gguf::Error> for CliError {
    fn from(e: gguf::Error) -> Self {
        runtime::Error::from(e).into()
    }
}

impl From<sandbox::Error> for CliError {
    fn from(e: sandbox::Error) -> Self {
        runtime::Error::from(e).into()
    }
}

pub fn run(args: Args) -> i32 {
    runtime::backend::set_verbose(args.verbose);
    let result = match args.command {
        Command::Inspect(a) => inspect::run(a),
        Command::Generate(a) => generate::run(a),
        Command::Info(a) => info::run(a),
        Command::Train(a) => train::run(a),
        Command::Pretrain(a) => pretrain::run(a),
        Command::Tokenizer(a) => pretrain::run_tokenizer(a),
        Command::ExportLora(a) => export::run(a),
        Command::Data(a) => data::run(a),
        Command::Exec(a) => exec::run(a),
        Command::Agent(a) => agent::run(a),
        Command::Merge(a) => merge::run(a),
        Command::Bench(a) => bench::run(a),
        Command::Eval(a) => eval::run(a),
        Command::Study(a) => study::run(a),
        Command::Serve(a) => serve::run(a),
    };
    match result {
        Ok(()) => 0,
        Err(e) => {
            if !e.message.is_empty() {
                eprintln!("error: {}", e.message);
            }
            e.code
        }
    }
}

/// Prints a value as pretty JSON on stdout; a failed write (disk full) is
/// an error (exit 1), not a panic.
pub fn print_json<T: serde::Serialize>(v: &T) -> Result<(), CliError> {
    use std::io::Write;
    let s = serde_json::to_string_pretty(v)
        .map_err(|e| CliError::failure(format!("cannot encode JSON: {e}")))?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{s}")
        .and_then(|()| out.flush())
        .map_err(|e| CliError::io("stdout", &e))
}

/// An error naming `p` when it does not exist.
pub fn existing(p: &std::path::Path) -> Result<(), CliError> {
    if p.exists() {
        Ok(())
    } else {
        Err(CliError::usage(format!("{}: no such file", p.display())))
    }
}

/// Loads `--lora FILE` (if given) into the engine, to apply at `scale`.
pub fn load_lora(
    engine: &mut runtime::infer::Engine,
    path: Option<&std::path::Path>,
    scale: f32,
) -> Result<Option<(runtime::infer::LoraHandle, f32)>, CliError> {
    match path {
        Some(p) => {
            existing(p)?;
            Ok(Some((engine.load_lora(p)?, scale)))
        }
        None => Ok(None),
    }
}

/// The model path given, or the default model fetched by `make model`.
pub fn model_path(given: Option<std::path::PathBuf>) -> Result<std::path::PathBuf, CliError> {
    match given {
        Some(p) => {
            existing(&p)?;
            Ok(p)
        }
        None => {
            let p = host::default_model();
            if !p.exists() {
                return Err(CliError::usage(format!(
                    "no --model given and the default model {} is not there; run `make model` to fetch it",
                    p.display()
                )));
            }
            Ok(p)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::ErrorKind::{self, *};

    fn code(kind: ErrorKind) -> i32 {
        CliError::from(runtime::Error::Io {
            path: "results.json".into(),
            source: kind.into(),
        })
        .code
    }

    #[test]
    fn io_failures_on_a_named_path_are_bad_input_others_failures() {
        for k in [NotFound, PermissionDenied, IsADirectory, InvalidData] {
            assert_eq!(code(k), 2, "{k:?}");
        }
        for k in [StorageFull, Interrupted, BrokenPipe, OutOfMemory, Other] {
            assert_eq!(code(k), 1, "{k:?}");
        }
        assert_eq!(CliError::from(runtime::Error::Internal("x".into())).code, 1);
    }
}
