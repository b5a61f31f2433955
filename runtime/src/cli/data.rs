use std::path::PathBuf;

use argh::FromArgs;

use super::CliError;

/// Make and manage datasets.
#[derive(FromArgs)]
#[argh(subcommand, name = "data")]
pub struct DataArgs {
    #[argh(subcommand)]
    command: DataCommand,
}

#[derive(FromArgs)]
#[argh(subcommand)]
enum DataCommand {
    Synth(SynthArgs),
}

/// Write a synthetic chat dataset (JSONL), deterministic for a seed.
#[derive(FromArgs)]
#[argh(subcommand, name = "synth")]
struct SynthArgs {
    /// which dataset: arith (answers in <answer></answer> tags)
    #[argh(option)]
    kind: String,
    /// number of conversations (default 200)
    #[argh(option, default = "200")]
    n: usize,
    /// random seed (default 42)
    #[argh(option, default = "42")]
    seed: u64,
    /// output JSONL file
    #[argh(option)]
    out: PathBuf,
}

pub fn run(a: DataArgs) -> Result<(), CliError> {
    match a.command {
        DataCommand::Synth(s) => {
            let convs = match s.kind.as_str() {
                "arith" => runtime::data::synth::arith(s.n, s.seed),
                other => {
                    return Err(CliError::usage(format!(
                        "--kind {other}: known kinds are arith"
                    )))
                }
            };
            let text = runtime::data::synth::to_jsonl(&convs);
            if let Some(dir) = s.out.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .map_err(|e| CliError::usage(format!("{}: {e}", dir.display())))?;
            }
            gguf::write_atomic(&s.out, text.as_bytes())
                .map_err(|e| CliError::usage(e.to_string()))?;
            println!("wrote {} conversations to {}", convs.len(), s.out.display());
            Ok(())
        }
    }
}
