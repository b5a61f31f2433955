use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use argh::FromArgs;
use runtime::infer::{Engine, EngineOptions};
use runtime::serve::{serve, ServeConfig};

use super::{existing, model_path, CliError};

/// Serve the model (and adapters) over an OpenAI-compatible HTTP API:
/// /v1/chat/completions (tools, tool_choice, streaming), /v1/completions,
/// /v1/models and /health. Point the `openai` client at
/// http://HOST:PORT/v1; the `model` field picks the base (the model file's
/// name) or an adapter by its NAME. Requests are taken in arrival order;
/// those waiting together under one adapter decode together (up to 8). One
/// line per request goes to stderr. SIGTERM or Ctrl-C finishes the requests
/// in flight and exits.
#[derive(FromArgs)]
#[argh(subcommand, name = "serve")]
pub struct ServeArgs {
    /// the GGUF model (default: the model fetched by `make model`)
    #[argh(option)]
    model: Option<PathBuf>,
    /// an adapter as NAME=PATH, served as model id NAME (repeatable)
    #[argh(option)]
    lora: Vec<String>,
    /// address to listen on (default 127.0.0.1; 0.0.0.0 exposes it to the network)
    #[argh(option, default = "String::from(\"127.0.0.1\")")]
    host: String,
    /// port (default 8080; 0 picks a free one, printed at start)
    #[argh(option, default = "8080")]
    port: u16,
    /// context size in tokens (default 4096)
    #[argh(option, default = "4096")]
    ctx: u32,
    /// threads (default: $AGENTCODER_THREADS, else all cores)
    #[argh(option)]
    threads: Option<i32>,
    /// run calls to the built-in `python` tool in the sandbox and continue
    /// until an answer; the turns come back in a `trajectory` field
    /// (only `python` is supported)
    #[argh(option)]
    execute: Option<String>,
    /// model turns per request with --execute (default 5)
    #[argh(option, default = "5")]
    max_turns: usize,
    /// largest request body in MB (default 8)
    #[argh(option, default = "8")]
    max_body_mb: usize,
    /// most messages in one request (default 1024)
    #[argh(option, default = "1024")]
    max_messages: usize,
    /// most tokens one answer may ask for (default 2048)
    #[argh(option, default = "2048")]
    max_tokens: usize,
    /// seconds one generation may run before it is cut (default 300)
    #[argh(option, default = "300")]
    timeout_s: u64,
    /// temperature when a request gives none (default 0: greedy)
    #[argh(option, default = "0.0")]
    temperature: f32,
}

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

/// SIGTERM and SIGINT set a flag the server drains on.
fn watch_signals(shutdown: Arc<AtomicBool>) {
    #[cfg(unix)]
    // SAFETY: the handler only stores to an atomic, which is
    // async-signal-safe.
    unsafe {
        let handler = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
        libc::signal(libc::SIGTERM, handler);
        libc::signal(libc::SIGINT, handler);
    }
    std::thread::spawn(move || loop {
        if STOP.load(Ordering::SeqCst) {
            shutdown.store(true, Ordering::SeqCst);
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    });
}

pub fn run(a: ServeArgs) -> Result<(), CliError> {
    let path = model_path(a.model)?;
    let execute_python = match a.execute.as_deref() {
        None => false,
        Some("python") => true,
        Some(other) => {
            return Err(CliError::usage(format!(
                "--execute {other}: only python can run on the server"
            )))
        }
    };
    if !(a.temperature.is_finite() && (0.0..=2.0).contains(&a.temperature)) {
        return Err(CliError::usage("--temperature must be between 0 and 2"));
    }
    if a.max_tokens == 0 || a.max_messages == 0 || a.max_body_mb == 0 || a.timeout_s == 0 {
        return Err(CliError::usage(
            "--max-tokens, --max-messages, --max-body-mb and --timeout-s must be at least 1",
        ));
    }
    let mut engine = Engine::load(
        &path,
        EngineOptions {
            n_ctx: a.ctx,
            threads: a.threads.unwrap_or_else(runtime::infer::default_threads),
            exact: false,
        },
    )?;
    let mut adapters = Vec::new();
    for spec in &a.lora {
        let Some((name, file)) = spec
            .split_once('=')
            .filter(|(n, f)| !n.is_empty() && !f.is_empty())
        else {
            return Err(CliError::usage(format!(
                "--lora {spec}: write NAME=PATH (NAME is the model id clients ask for)"
            )));
        };
        let file = PathBuf::from(file);
        existing(&file)?;
        adapters.push((name.to_string(), engine.load_lora(&file)?));
    }
    let base_id = path
        .file_stem()
        .map_or_else(|| "base".to_string(), |s| s.to_string_lossy().into_owned());
    let config = ServeConfig {
        host: a.host,
        port: a.port,
        max_body_bytes: a.max_body_mb << 20,
        limits: runtime::serve::openai::Limits {
            max_messages: a.max_messages,
            max_tokens: a.max_tokens,
        },
        timeout: Duration::from_secs(a.timeout_s),
        default_temperature: a.temperature,
        execute_python,
        max_turns: a.max_turns.max(1),
        log_requests: true,
        ..ServeConfig::default()
    };
    let shutdown = Arc::new(AtomicBool::new(false));
    watch_signals(shutdown.clone());
    let ids: Vec<String> = std::iter::once(base_id.clone())
        .chain(adapters.iter().map(|(n, _)| n.clone()))
        .collect();
    let stats = serve(engine, base_id, adapters, config, shutdown, &mut |addr| {
        // One line on stdout for scripts (the port when --port 0).
        println!("listening on http://{addr}/v1 (models: {})", ids.join(", "));
        use std::io::Write;
        let _ = std::io::stdout().flush();
    })?;
    eprintln!(
        "stopped: {} requests ({} errors, {} cancelled by the client, {} decoded beside others)",
        stats.requests, stats.errors, stats.cancelled, stats.batched
    );
    Ok(())
}
