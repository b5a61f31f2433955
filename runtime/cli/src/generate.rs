use std::io::Write;
use std::path::PathBuf;

use argh::FromArgs;
use runtime::infer::{Engine, EngineOptions, SamplingParams};
use serde::Serialize;

use super::{load_lora, model_path, print_json, CliError};

/// Generate text with llama.cpp, optionally with a LoRA adapter.
#[derive(FromArgs)]
#[argh(subcommand, name = "generate")]
pub struct GenerateArgs {
    /// the GGUF model (default: the model fetched by `make model`)
    #[argh(option)]
    model: Option<PathBuf>,
    /// the prompt text
    #[argh(option)]
    prompt: String,
    /// wrap the prompt as a user turn in the model's chat format
    #[argh(switch)]
    chat: bool,
    /// a LoRA adapter GGUF to apply
    #[argh(option)]
    lora: Option<PathBuf>,
    /// scale of the LoRA adapter (default 1.0)
    #[argh(option, default = "1.0")]
    lora_scale: f32,
    /// maximum tokens to generate (default 128)
    #[argh(option, default = "128")]
    max_tokens: usize,
    /// sampling temperature; 0 is greedy (default 0)
    #[argh(option, default = "0.0")]
    temperature: f32,
    /// top-k sampling, 0 disables (default 40)
    #[argh(option, default = "40")]
    top_k: i32,
    /// top-p (nucleus) sampling, 1 disables (default 0.95)
    #[argh(option, default = "0.95")]
    top_p: f32,
    /// random seed for sampling (default 42)
    #[argh(option, default = "42")]
    seed: u32,
    /// stop before this string (repeatable)
    #[argh(option)]
    stop: Vec<String>,
    /// context size in tokens (default 2048)
    #[argh(option, default = "2048")]
    ctx: u32,
    /// threads (default: $AGENTCODER_THREADS, else all cores)
    #[argh(option)]
    threads: Option<i32>,
    /// print one JSON object (text, stop reason, timings) instead of streaming
    #[argh(switch)]
    json: bool,
}

#[derive(Serialize)]
struct Output<'a> {
    model: String,
    lora: Option<String>,
    prompt: &'a str,
    params: &'a SamplingParams,
    #[serde(flatten)]
    generation: runtime::infer::Generation,
}

pub fn run(a: GenerateArgs) -> Result<(), CliError> {
    let path = model_path(a.model)?;
    let valid =
        a.temperature.is_finite() && a.temperature >= 0.0 && a.top_p > 0.0 && a.top_p <= 1.0;
    if !valid {
        return Err(CliError::usage(
            "--temperature must be >= 0 and --top-p in (0, 1]",
        ));
    }
    let options = EngineOptions {
        n_ctx: a.ctx,
        threads: a.threads.unwrap_or_else(runtime::infer::default_threads),
        exact: false,
    };
    let mut engine = Engine::load(&path, options)?;
    let lora = load_lora(&mut engine, a.lora.as_deref(), a.lora_scale)?;
    let prompt = if a.chat {
        dataset::prompt::chatml_user_turn(&a.prompt)
    } else {
        a.prompt.clone()
    };
    let params = SamplingParams {
        max_tokens: a.max_tokens,
        temperature: a.temperature,
        top_k: a.top_k,
        top_p: a.top_p,
        seed: a.seed,
        stop: a.stop.clone(),
        grammar: None,
    };
    let json = a.json;
    let mut stdout = std::io::stdout();
    let g = engine.generate(&prompt, &params, lora, &mut |t| {
        if !json {
            let _ = stdout.write_all(t.as_bytes());
            let _ = stdout.flush();
        }
        true
    })?;
    if json {
        return print_json(&Output {
            model: path.display().to_string(),
            lora: a.lora.as_ref().map(|p| p.display().to_string()),
            prompt: &prompt,
            params: &params,
            generation: g,
        });
    }
    println!();
    eprintln!(
        "[{} prompt tokens, {} generated, stop: {:?}; prefill {:.1} tok/s, decode {:.1} tok/s]",
        g.prompt_tokens, g.generated_tokens, g.stop_reason, g.prefill_tok_s, g.decode_tok_s
    );
    Ok(())
}
