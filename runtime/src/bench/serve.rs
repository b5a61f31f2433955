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
use crate::serve::{serve, ServeConfig};
use crate::{Error, Result};

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

/// What the clients saw.
struct Measured {
    serve_decode_tok_s: f64,
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
    let body = json!({"model": "base", "messages": [{"role": "user", "content": QUESTION}],
                      "max_tokens": max_tokens, "temperature": 0})
    .to_string();

    // One client alone.
    let (mut overhead, mut decode) = (Vec::new(), Vec::new());
    for _ in 0..SEQUENTIAL_REQUESTS {
        let t = Instant::now();
        let r = post(addr, &body)?;
        let ms = t.elapsed().as_secs_f64() * 1e3;
        let timings = &r["timings"];
        let model_ms = timings["prompt_ms"].as_f64().unwrap_or(0.0)
            + timings["predicted_ms"].as_f64().unwrap_or(0.0);
        overhead.push(ms - model_ms);
        decode.push(timings["predicted_per_second"].as_f64().unwrap_or(0.0));
    }
    let serve_decode_tok_s = percentile(&mut decode, 0.5);

    // Many clients at once.
    let start = Instant::now();
    let workers: Vec<_> = (0..clients)
        .map(|_| {
            let body = body.clone();
            std::thread::spawn(move || {
                (0..requests_per_client)
                    .map(|_| {
                        let t = Instant::now();
                        let r = post(addr, &body);
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
