use std::io::Read;

use argh::FromArgs;

use super::{print_json, CliError};

/// Run Python code in the sandbox (our Python-subset interpreter compiled to
/// WebAssembly, run in wasmi): no files, network, clock or environment, with
/// fuel, memory and output limits.
#[derive(FromArgs)]
#[argh(subcommand, name = "exec")]
pub struct ExecArgs {
    /// the code, or - to read it from stdin
    #[argh(positional)]
    code: String,
    /// fuel budget (default 5000000000; about a few seconds of work)
    #[argh(option)]
    fuel: Option<u64>,
    /// guest memory limit in MiB (default 128)
    #[argh(option)]
    memory_mb: Option<usize>,
    /// print the whole outcome (stdout, error, fuel, time, memory) as JSON
    #[argh(switch)]
    json: bool,
}

pub fn run(a: ExecArgs) -> Result<(), CliError> {
    let code = if a.code == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| CliError::usage(format!("cannot read stdin: {e}")))?;
        s
    } else {
        a.code
    };
    let mut limits = sandbox::Limits::default();
    if let Some(f) = a.fuel {
        limits.fuel = f;
    }
    if let Some(m) = a.memory_mb {
        limits.memory_bytes = m << 20;
    }
    let sb = sandbox::Sandbox::new().map_err(|e| CliError {
        code: 1,
        message: e.to_string(),
    })?;
    let out = sb.run(&code, &limits);
    if a.json {
        print_json(&out)?;
    } else {
        print!("{}", out.stdout);
        if let Some(e) = &out.error {
            eprintln!("{e}");
        }
    }
    match out.error {
        // A Python error is the program's failure, already shown: exit 1.
        Some(_) => Err(CliError {
            code: 1,
            message: String::new(),
        }),
        None => Ok(()),
    }
}
