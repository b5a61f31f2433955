use std::path::PathBuf;

use argh::FromArgs;

use super::CliError;

/// Write the adapter of a training run as a llama.cpp LoRA GGUF.
#[derive(FromArgs)]
#[argh(subcommand, name = "export-lora")]
pub struct ExportArgs {
    /// the training output directory
    #[argh(positional)]
    dir: PathBuf,
    /// where to write the adapter GGUF
    #[argh(option)]
    out: PathBuf,
    /// which checkpoint: best or latest (default: best if present, else latest)
    #[argh(option)]
    checkpoint: Option<String>,
}

pub fn run(a: ExportArgs) -> Result<(), CliError> {
    let which = match a.checkpoint.as_deref() {
        Some(w @ ("best" | "latest")) => w.to_string(),
        Some(other) => {
            return Err(CliError::usage(format!(
                "--checkpoint {other}: choose best or latest"
            )))
        }
        None if a.dir.join("best/state.ckpt").exists() => "best".into(),
        None => "latest".into(),
    };
    let ckpt = a.dir.join(&which).join("state.ckpt");
    let run = a.dir.join("run.json");
    if !ckpt.exists() || !run.exists() {
        return Err(CliError::usage(format!(
            "{}: not a training directory (no {which}/state.ckpt or run.json)",
            a.dir.display()
        )));
    }
    let cfg = runtime::train::TrainConfig::from_file(&run)?;
    let file = runtime::open_gguf(&cfg.model)?;
    let model = runtime::model::ModelConfig::from_gguf(&file)?;
    let ck = runtime::train::Checkpoint::load(&ckpt, &model)?;
    ck.adapter.save_gguf(&model.architecture, &a.out)?;
    println!(
        "wrote {} (step {}, {} checkpoint, rank {}, {} targets)",
        a.out.display(),
        ck.meta.step,
        which,
        ck.meta.spec.rank,
        ck.meta.spec.targets.len()
    );
    Ok(())
}
