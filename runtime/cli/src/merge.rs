use std::path::PathBuf;

use argh::FromArgs;

use super::{existing, model_path, CliError};

/// Merge a LoRA adapter into its base model and write a standalone GGUF.
#[derive(FromArgs)]
#[argh(subcommand, name = "merge")]
pub struct MergeArgs {
    /// the base GGUF model (default: the model fetched by `make model`)
    #[argh(option)]
    model: Option<PathBuf>,
    /// the LoRA adapter GGUF
    #[argh(option)]
    lora: PathBuf,
    /// where to write the merged model
    #[argh(option)]
    out: PathBuf,
    /// type of the 2-D weights: f32, f16, q8_0, q4_0, q4_1, q4_k, q6_k (default: keep each tensor's type)
    #[argh(option)]
    r#type: Option<String>,
}

pub fn run(a: MergeArgs) -> Result<(), CliError> {
    let path = model_path(a.model)?;
    existing(&a.lora)?;
    let ty = match &a.r#type {
        None => None,
        Some(s) => Some(
            gguf::GgmlType::from_name(s)
                .ok_or_else(|| CliError::usage(format!("--type {s}: unknown type")))?,
        ),
    };
    let base = runtime::open_gguf(&path)?;
    let cfg = runtime::model::ModelConfig::from_gguf(&base)?;
    let adapter = runtime::model::LoraAdapter::load_gguf(&a.lora, &cfg)?;
    runtime::model::merge(&base, &cfg, Some(&adapter), ty, &a.out)?;
    let size = std::fs::metadata(&a.out).map(|m| m.len()).unwrap_or(0);
    println!("wrote {} ({})", a.out.display(), host::human_bytes(size));
    Ok(())
}
