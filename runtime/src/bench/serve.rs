//! `agentcoder bench serve`: the server on loopback, measured from the
//! client's side. One client alone gives the server's overhead (the
//! client's latency minus the time llama.cpp reports in `timings`) and its
//! decode speed next to `Engine::generate`'s on the same prompt; then many
//! clients at once give latency percentiles, throughput and errors.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::{json, Value};

use super::percentile;
use crate::infer::{Engine, EngineOptions, SamplingParams};
use crate::serve::openai::Usage;
use crate::serve::{serve, ServeConfig};
use crate::{Error, Result};
use dataset::prompt::{Conversation, Message, Role};

#[derive(Clone, Debug, Serialize)]
pub struct ServeBench {
    pub threads: i32,
    /// Tokens each request asks for (`max_tokens`).
    pub max_tokens: usize,
    /// `Engine::generate` alone, the same prompt, in the same process.
    pub generate_decode_tok_s: f64,
    /// Decode speed the server reports (`timings`) for one client alone.
    pub serve_decode_tok_s: f64,
    /// serve / generate.
    pub decode_ratio: f64,
    pub sequential_requests: usize,
    /// A conversation sent turn by turn (each request the whole
    /// conversation so far, as clients do): the prompt tokens of all turns,
    /// those the engine kept from the turn before, and the prefill time
    /// through the server and through `generate` (a fresh context per
    /// turn).
    pub conversation_turns: usize,
    pub conversation_prompt_tokens: usize,
    pub conversation_cached_tokens: usize,
    pub conversation_prefill_ms: f64,
    pub generate_conversation_prefill_ms: f64,
    /// server / generate.
    pub conversation_prefill_ratio: f64,
    /// Client latency minus prefill and decode time, one client alone.
    pub overhead_p50_ms: f64,
    pub overhead_p99_ms: f64,
    pub clients: usize,
    pub requests_per_client: usize,
    pub errors: usize,
    pub latency_p50_ms: f64,
    pub latency_p99_ms: f64,
    /// Completion tokens of all load requests over the load phase's wall time.
    pub completion_tok_s: f64,
    pub requests_per_second: f64,
    pub load_wall_s: f64,
    pub peak_rss_bytes: u64,
}

const QUESTION: &str = "Write a short story about a lighthouse keeper and a storm.";

pub fn run(
    model: &Path,
    threads: i32,
    clients: usize,
    requests_per_client: usize,
    max_tokens: usize,
) -> Result<ServeBench> {
    let config = ServeConfig {
        port: 0,
        ..ServeConfig::default()
    };
    let mut engine = Engine::load(
        model,
        EngineOptions {
            n_ctx: 4096,
            threads,
            exact: false,
        },
    )?;
    let prompt = dataset::prompt::chatml_user_turn(QUESTION);
    let params = SamplingParams {
        max_tokens,
        temperature: 0.0,
        ..SamplingParams::default()
    };
    engine.generate(&prompt, &params, None, &mut |_| true)?; // warm-up
    let mut direct = Vec::new();
    for _ in 0..SEQUENTIAL_REQUESTS {
        direct.push(
            engine
                .generate(&prompt, &params, None, &mut |_| true)?
                .decode_tok_s,
        );
    }
    let generate_decode_tok_s = percentile(&mut direct, 0.5);
    // A conversation turn by turn, each prompt in a fresh context.
    let one_token = SamplingParams {
        max_tokens: 1,
        ..params.clone()
    };
    let mut generate_prefill_ms = 0.0;
    for turn in 1..=TURNS {
        let prompt = dataset::prompt::render_text(&conversation(turn), true);
        generate_prefill_ms += engine
            .generate(&prompt, &one_token, None, &mut |_| true)?
            .prefill_ms;
    }

    // The server runs on this thread, where the engine already computed
    // (as `agentcoder serve` does); the clients run beside it.
    let shutdown = Arc::new(AtomicBool::new(false));
    let (ready_tx, ready_rx) = mpsc::channel();
    let stop = shutdown.clone();
    let clients_thread = std::thread::spawn(move || {
        let measured = match ready_rx.recv_timeout(Duration::from_secs(60)) {
            Ok(addr) => measure(addr, clients, requests_per_client, max_tokens),
            Err(_) => Err(Error::Input("the server did not start".into())),
        };
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
        measured
    });
    let served = serve(
        engine,
        "base".into(),
        Vec::new(),
        config,
        shutdown.clone(),
        &mut |addr| {
            let _ = ready_tx.send(addr);
        },
    );
    drop(ready_tx);
    if served.is_err() {
        shutdown.store(true, std::sync::atomic::Ordering::SeqCst);
    }
    let m = clients_thread
        .join()
        .map_err(|_| Error::Input("the client thread panicked".into()))?;
    let stats = served?;
    let mut m = m?;
    Ok(ServeBench {
        threads,
        max_tokens,
        generate_decode_tok_s,
        decode_ratio: m.serve_decode_tok_s / generate_decode_tok_s,
        serve_decode_tok_s: m.serve_decode_tok_s,
        sequential_requests: SEQUENTIAL_REQUESTS,
        conversation_turns: TURNS,
        conversation_prompt_tokens: m.conversation.prompt_tokens,
        conversation_cached_tokens: m.conversation.cached_tokens,
        conversation_prefill_ms: m.conversation.prompt_ms,
        generate_conversation_prefill_ms: generate_prefill_ms,
        conversation_prefill_ratio: m.conversation.prompt_ms / generate_prefill_ms,
        overhead_p50_ms: percentile(&mut m.overhead, 0.5),
        overhead_p99_ms: percentile(&mut m.overhead, 0.99),
        clients,
        requests_per_client,
        errors: m.errors + stats.errors as usize,
        latency_p50_ms: percentile(&mut m.latency, 0.5),
        latency_p99_ms: percentile(&mut m.latency, 0.99),
        completion_tok_s: m.tokens as f64 / m.wall,
        requests_per_second: m.latency.len() as f64 / m.wall,
        load_wall_s: m.wall,
        peak_rss_bytes: host::rss_bytes().1,
    })
}

const SEQUENTIAL_REQUESTS: usize = 20;
const TURNS: usize = 8;

/// The first `turns` user turns of a conversation, with fixed answers
/// between them (the system turn first, as agents send it).
fn conversation(turns: usize) -> Conversation {
    let mut messages = vec![Message::new(
        Role::System,
        "You are a helpful assistant. Answer briefly and precisely; when a question needs a computation, show the steps.",
    )];
    for i in 0..turns {
        if i > 0 {
            messages.push(Message::new(
                Role::Assistant,
                format!(
                    "Step {i}: the running total is {}, and the list now has {} items.",
                    17 * i,
                    3 + i
                ),
            ));
        }
        messages.push(Message::new(
            Role::User,
            format!("Now add {} to the total and append the word item{i} to the list. What are the total and the list?", 17),
        ));
    }
    Conversation {
        messages,
        tools: Vec::new(),
    }
}

/// OpenAI's `messages` for a conversation.
fn messages_json(c: &Conversation) -> Value {
    Value::Array(
        c.messages
            .iter()
            .map(|m| json!({"role": m.role, "content": m.content}))
            .collect(),
    )
}

/// What the clients saw.
struct Measured {
    serve_decode_tok_s: f64,
    conversation: Usage,
    overhead: Vec<f64>,
    latency: Vec<f64>,
    tokens: u64,
    errors: usize,
    wall: f64,
}

/// One client alone, then `clients` at once.
fn measure(
    addr: SocketAddr,
    clients: usize,
    requests_per_client: usize,
    max_tokens: usize,
) -> Result<Measured> {
    // Each request its own question (a number in front), so the engine
    // keeps only the chat template's cells from one request to the next.
    let body = move |n: usize| {
        json!({"model": "base", "messages": [{"role": "user", "content": format!("{n}. {QUESTION}")}],
               "max_tokens": max_tokens, "temperature": 0})
        .to_string()
    };

    // One client alone.
    let (mut overhead, mut decode) = (Vec::new(), Vec::new());
    for n in 0..SEQUENTIAL_REQUESTS {
        let t = Instant::now();
        let r = post(addr, &body(n))?;
        let ms = t.elapsed().as_secs_f64() * 1e3;
        let timings = &r["timings"];
        let model_ms = timings["prompt_ms"].as_f64().unwrap_or(0.0)
            + timings["predicted_ms"].as_f64().unwrap_or(0.0);
        overhead.push(ms - model_ms);
        decode.push(timings["predicted_per_second"].as_f64().unwrap_or(0.0));
    }
    let serve_decode_tok_s = percentile(&mut decode, 0.5);

    // The conversation, turn by turn.
    let mut conversation_usage = Usage::default();
    for turn in 1..=TURNS {
        let body = json!({"model": "base", "messages": messages_json(&conversation(turn)),
                          "max_tokens": 1, "temperature": 0});
        let r = post(addr, &body.to_string())?;
        let (u, n) = (&r["usage"], |v: &Value| v.as_u64().unwrap_or(0) as usize);
        conversation_usage.prompt_tokens += n(&u["prompt_tokens"]);
        conversation_usage.cached_tokens += n(&u["prompt_tokens_details"]["cached_tokens"]);
        conversation_usage.prompt_ms += r["timings"]["prompt_ms"].as_f64().unwrap_or(0.0);
    }

    // Many clients at once.
    let start = Instant::now();
    let workers: Vec<_> = (0..clients)
        .map(|c| {
            std::thread::spawn(move || {
                (0..requests_per_client)
                    .map(|i| {
                        let t = Instant::now();
                        let r = post(addr, &body(1000 + c * requests_per_client + i));
                        let ms = t.elapsed().as_secs_f64() * 1e3;
                        r.map(|v| (ms, v["usage"]["completion_tokens"].as_u64().unwrap_or(0)))
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let (mut latency, mut tokens, mut errors) = (Vec::new(), 0, 0);
    for w in workers {
        for r in w
            .join()
            .map_err(|_| Error::Input("a client thread panicked".into()))?
        {
            match r {
                Ok((ms, n)) => {
                    latency.push(ms);
                    tokens += n;
                }
                Err(_) => errors += 1,
            }
        }
    }
    Ok(Measured {
        serve_decode_tok_s,
        conversation: conversation_usage,
        overhead,
        latency,
        tokens,
        errors,
        wall: start.elapsed().as_secs_f64(),
    })
}

/// POST /v1/chat/completions over a fresh connection; a non-200 answer is
/// an error.
fn post(addr: SocketAddr, body: &str) -> Result<Value> {
    let io = |e: std::io::Error| Error::Input(format!("HTTP to {addr}: {e}"));
    let mut s = TcpStream::connect(addr).map_err(io)?;
    s.set_read_timeout(Some(Duration::from_secs(600)))
        .map_err(io)?;
    write!(
        s,
        "POST /v1/chat/completions HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .map_err(io)?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).map_err(io)?;
    let text = String::from_utf8_lossy(&raw);
    let (head, payload) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| Error::Input(format!("HTTP from {addr}: no header end")))?;
    if !head.starts_with("HTTP/1.1 200") {
        return Err(Error::Input(format!("HTTP from {addr}: {head}: {payload}")));
    }
    serde_json::from_str(payload).map_err(|e| Error::Input(format!("HTTP from {addr}: {e}")))
}
