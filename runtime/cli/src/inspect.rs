use std::path::PathBuf;

use argh::FromArgs;

use super::{model_path, print_json, CliError};

/// Describe a GGUF model: architecture, hyperparameters, tokenizer, chat
/// template, tensor types, and memory estimates for inference and LoRA
/// training.
#[derive(FromArgs)]
#[argh(subcommand, name = "inspect")]
pub struct InspectArgs {
    /// the GGUF file (default: the model fetched by `make model`)
    #[argh(positional)]
    model: Option<PathBuf>,
    /// context / sequence length for the memory estimates (default 2048)
    #[argh(option, default = "2048")]
    ctx: usize,
    /// rank of the LoRA adapter for the training memory estimate (default 16)
    #[argh(option, default = "16")]
    rank: usize,
    /// print JSON instead of text
    #[argh(switch)]
    json: bool,
}

pub fn run(a: InspectArgs) -> Result<(), CliError> {
    let path = model_path(a.model)?;
    let report = runtime::inspect::inspect(&path, a.ctx, a.rank)?;
    if a.json {
        print_json(&report)
    } else {
        print!("{}", report.to_text());
        Ok(())
    }
}
