use std::io::{Read, Write};

use argh::{CommandInfo, EarlyExit, FromArgs, SubCommand};
use sandbox::Limit;

use super::{print_json, CliError};

/// Run Python code in the sandbox (our Python-subset interpreter compiled to
/// WebAssembly, run in wasmi): no files, network, clock or environment, with
/// fuel, memory and output limits. Exits 1 when the program raised an error
/// or was stopped by a limit (`stopped_by` in --json).
#[derive(FromArgs)]
#[argh(subcommand, name = "exec")]
struct ExecOptions {
    /// the code, or - to read it from stdin
    #[argh(positional)]
    code: String,
    /// fuel budget (default 5000000000; about a few seconds of work)
    #[argh(option)]
    fuel: Option<u64>,
    /// guest memory limit in MiB (default 128)
    #[argh(option)]
    memory_mb: Option<usize>,
    /// print the whole outcome (stdout, error, fuel, time, memory, stopped_by) as JSON
    #[argh(switch)]
    json: bool,
}

/// `exec`'s arguments. argh takes every argument that starts with `-` for an
/// option, so the documented `exec -` (code from stdin) would be
/// "Unrecognized argument: -"; a lone `-` is passed on as the positional it
/// is (as `exec -- -` always was).
pub struct ExecArgs(ExecOptions);

/// `args` with a lone `-` before any `--` moved behind one.
fn dash_as_positional<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let end = args.iter().position(|a| *a == "--").unwrap_or(args.len());
    let (dashes, mut out): (Vec<&str>, Vec<&str>) = args[..end].iter().partition(|a| **a == "-");
    if dashes.is_empty() {
        return args.to_vec();
    }
    out.push("--");
    out.extend(dashes);
    out.extend(args.get(end + 1..).unwrap_or_default());
    out
}

impl FromArgs for ExecArgs {
    fn from_args(command_name: &[&str], args: &[&str]) -> Result<Self, EarlyExit> {
        ExecOptions::from_args(command_name, &dash_as_positional(args)).map(ExecArgs)
    }

    fn redact_arg_values(command_name: &[&str], args: &[&str]) -> Result<Vec<String>, EarlyExit> {
        ExecOptions::redact_arg_values(command_name, &dash_as_positional(args))
    }
}

impl SubCommand for ExecArgs {
    const COMMAND: &'static CommandInfo = ExecOptions::COMMAND;
}

/// The guest is wasm32: its linear memory addresses at most 65536 pages of
/// 64 KiB.
const MAX_MEMORY_MB: usize = 4096;

/// `--memory-mb` in bytes: beyond what the guest can address (or what
/// `usize` holds) is an error, not a wrapped or silently capped limit.
fn memory_bytes(mb: usize) -> Result<usize, CliError> {
    mb.checked_mul(1 << 20)
        .filter(|_| mb <= MAX_MEMORY_MB)
        .ok_or_else(|| {
            CliError::usage(format!(
                "--memory-mb {mb}: the sandbox's wasm32 guest addresses at most {MAX_MEMORY_MB} MiB"
            ))
        })
}

pub fn run(ExecArgs(a): ExecArgs) -> Result<(), CliError> {
    let mut limits = sandbox::Limits::default();
    if let Some(f) = a.fuel {
        limits.fuel = f;
    }
    if let Some(m) = a.memory_mb {
        limits.memory_bytes = memory_bytes(m)?;
    }
    let code = if a.code == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| CliError::io("stdin", &e))?;
        s
    } else {
        a.code
    };
    let sb = sandbox::Sandbox::new()?;
    let out = sb.run(&code, &limits);
    if a.json {
        print_json(&out)?;
    } else {
        let mut stdout = std::io::stdout().lock();
        stdout
            .write_all(out.stdout.as_bytes())
            .and_then(|()| stdout.flush())
            .map_err(|e| CliError::io("stdout", &e))?;
        if let Some(e) = &out.error {
            eprintln!("{e}");
        } else if out.stopped_by == Some(Limit::Output) {
            eprintln!(
                "stopped: output limit of {} bytes reached",
                limits.output_bytes
            );
        }
    }
    // A Python error or a limit is the program's failure, already shown.
    if out.error.is_some() || out.stopped_by.is_some() {
        return Err(CliError::reported());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lone_dash_is_a_positional() {
        assert_eq!(dash_as_positional(&["-"]), ["--", "-"]);
        assert_eq!(
            dash_as_positional(&["--json", "-", "--fuel", "9"]),
            ["--json", "--fuel", "9", "--", "-"]
        );
        assert_eq!(dash_as_positional(&["--", "-"]), ["--", "-"]);
        assert_eq!(dash_as_positional(&["print(1)"]), ["print(1)"]);
    }

    #[test]
    fn memory_sizes_do_not_wrap() {
        assert_eq!(memory_bytes(128).ok(), Some(128 << 20));
        assert_eq!(memory_bytes(4096).ok(), Some(4096 << 20));
        assert!(memory_bytes(4097).is_err());
        assert!(memory_bytes(99_999_999_999).is_err());
        // would wrap to 0 with `<< 20`
        assert!(memory_bytes(1 << 44).is_err());
    }
}
