//! `agentcoder serve`: an OpenAI-compatible HTTP server in the same binary.
//!
//! Threads: tiny_http accepts connections and parses HTTP; `handlers`
//! threads take requests, check them ([`openai`]), render the prompt with
//! the one renderer and count its tokens; the thread that called [`serve`]
//! owns the llama.cpp [`Engine`] and runs generations in arrival order (a
//! FIFO channel: fair, and one context's worth of memory; requests waiting
//! together under one adapter decode together, see `engine_loop`). Text streams back to
//! the handler over a channel; a client that goes away (a failed write)
//! cancels its generation at the next token. The adapter is picked per
//! request by `model`; all adapters are loaded once at start.
//!
//! Shutdown (the `shutdown` flag, set by SIGTERM/SIGINT in the CLI): new
//! requests get 503, requests already taken finish, then [`serve`] returns.

pub mod openai;

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use dataset::prompt::{render_text, Message, Role};
use serde_json::{json, Value};
use tiny_http::{Header, Method, Request, Response};
use tools::{Registry, ToolCall, ToolContext};

use crate::infer::{
    Engine, Generation, LoraHandle, SamplingParams, Session, StopReason, Tokenizer,
};
use crate::{Error, Result};
use openai::{ApiError, ChatRequest, Limits, Reply, Sampling, ToolChoice, Usage};

/// Server settings (the `serve` flags).
#[derive(Clone, Debug)]
pub struct ServeConfig {
    pub host: String,
    /// 0 picks a free port (tests); the bound address goes to `on_ready`.
    pub port: u16,
    pub max_body_bytes: usize,
    pub limits: Limits,
    /// Wall-clock limit of one generation; past it the answer is cut as if
    /// it had reached max_tokens.
    pub timeout: Duration,
    /// Temperature when a request does not give one.
    pub default_temperature: f32,
    /// Run calls to the built-in `python` tool in the sandbox and continue
    /// until an answer, up to `max_turns` model turns.
    pub execute_python: bool,
    pub max_turns: usize,
    pub handlers: usize,
    /// One line per request on stderr (id, method, path, model, outcome,
    /// seconds): the `serve` command's access log.
    pub log_requests: bool,
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            host: "127.0.0.1".into(),
            port: 8080,
            max_body_bytes: 8 << 20,
            limits: Limits {
                max_messages: 1024,
                max_tokens: 2048,
            },
            timeout: Duration::from_secs(300),
            default_temperature: 0.0,
            execute_python: false,
            max_turns: 5,
            handlers: 16,
            log_requests: false,
        }
    }
}

/// Counters reported when the server stops.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct ServeStats {
    pub requests: u64,
    pub errors: u64,
    pub cancelled: u64,
    /// Generations decoded in a round beside others.
    pub batched: u64,
}

/// A generation for the engine loop.
struct Job {
    prompt: String,
    params: SamplingParams,
    lora: Option<(LoraHandle, f32)>,
    events: mpsc::Sender<Event>,
    deadline: Instant,
}

enum Event {
    Text(String),
    /// The generation, and whether the time limit cut it.
    Done(Result<Generation>, bool),
}

/// What every handler thread shares.
struct Shared {
    config: ServeConfig,
    tokenizer: Tokenizer,
    n_ctx: usize,
    /// `model` ids: the base first, then each adapter.
    models: Vec<(String, Option<(LoraHandle, f32)>)>,
    /// `None` once the server stops taking requests.
    jobs: Mutex<Option<mpsc::Sender<Job>>>,
    queued: AtomicUsize,
    next_id: AtomicU64,
    shutdown: Arc<AtomicBool>,
    stats: Mutex<ServeStats>,
}

/// Runs the server until `shutdown` is set and in-flight requests are done.
/// `adapters` are (model id, handle) pairs already loaded into `engine`;
/// `on_ready` receives the bound address once requests are accepted.
pub fn serve(
    mut engine: Engine,
    base_id: String,
    adapters: Vec<(String, LoraHandle)>,
    config: ServeConfig,
    shutdown: Arc<AtomicBool>,
    on_ready: &mut dyn FnMut(SocketAddr),
) -> Result<ServeStats> {
    let mut ids = std::collections::HashSet::new();
    for id in std::iter::once(&base_id).chain(adapters.iter().map(|(n, _)| n)) {
        if !ids.insert(id.clone()) {
            return Err(Error::Input(format!(
                "two models are named '{id}'; name adapters NAME=PATH"
            )));
        }
    }
    let tokenizer = Tokenizer::load(engine.path())?;
    let n_ctx = engine.options.n_ctx as usize;
    let server = tiny_http::Server::http((config.host.as_str(), config.port)).map_err(|e| {
        Error::Input(format!(
            "cannot listen on {}:{}: {e}",
            config.host, config.port
        ))
    })?;
    let addr = server
        .server_addr()
        .to_ip()
        .ok_or_else(|| Error::Internal("the server has no IP address".into()))?;
    let (tx, rx) = mpsc::channel::<Job>();
    let mut models = vec![(base_id, None)];
    models.extend(adapters.into_iter().map(|(n, h)| (n, Some((h, 1.0)))));
    let shared = Shared {
        config,
        tokenizer,
        n_ctx,
        models,
        jobs: Mutex::new(Some(tx)),
        queued: AtomicUsize::new(0),
        next_id: AtomicU64::new(1),
        shutdown,
        stats: Mutex::new(ServeStats::default()),
    };
    let mut session = engine.session();
    on_ready(addr);
    let http = std::thread::scope(|s| {
        let http = std::thread::Builder::new()
            .name("http".into())
            .spawn_scoped(s, || {
                let started = std::thread::scope(|h| {
                    for i in 0..shared.config.handlers.max(1) {
                        let (server, shared) = (&server, &shared);
                        std::thread::Builder::new()
                            .name(format!("http-{i}"))
                            .spawn_scoped(h, move || handler_loop(server, shared))
                            .map_err(Error::internal("starting a handler thread"))?;
                    }
                    Ok::<(), Error>(())
                });
                // Every handler is done: close the job channel so the
                // engine loop ends.
                shared.jobs.lock().unwrap_or_else(|e| e.into_inner()).take();
                started
            });
        match http {
            Ok(http) => {
                let engine_ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    engine_loop(&mut session, rx, &shared.stats)
                }))
                .is_ok();
                if !engine_ok {
                    // Requests already queued get "the engine stopped"; stop taking more.
                    shared.shutdown.store(true, Ordering::SeqCst);
                }
                let handlers = http
                    .join()
                    .map_err(|_| Error::Internal("an HTTP thread panicked".into()))?;
                if engine_ok {
                    handlers
                } else {
                    Err(Error::Internal(
                        "the engine panicked; the server stopped".into(),
                    ))
                }
            }
            Err(e) => Err(Error::Internal(format!("starting the HTTP thread: {e}"))),
        }
    });
    http?;
    let stats = shared.stats.lock().map(|s| s.clone()).unwrap_or_default();
    Ok(stats)
}

/// Most requests decoded together in one round.
const MAX_BATCH: usize = 8;

/// The engine loop, on the thread that called [`serve`]. llama.cpp's
/// OpenMP workers belong to the thread that first computes with them: a
/// second thread computing while the first one's workers still exist ran
/// decoding 3x slower on 2 cores (more OpenMP threads than cores turns
/// their spinning barriers into sleeps), so the engine stays on the thread
/// that loaded it.
///
/// Each round takes the oldest waiting request and, with it, up to
/// [`MAX_BATCH`] - 1 more under the same adapter, in arrival order (a
/// request under another adapter is first in the next round): several
/// decode together in one context ([`Session::generate_each`]), a lone one
/// runs in the session's kept context, reusing the previous prompt's cells.
fn engine_loop(session: &mut Session, jobs: mpsc::Receiver<Job>, stats: &Mutex<ServeStats>) {
    let mut waiting = std::collections::VecDeque::new();
    loop {
        if waiting.is_empty() {
            match jobs.recv() {
                Ok(job) => waiting.push_back(job),
                Err(_) => return,
            }
        }
        waiting.extend(jobs.try_iter());
        let lora = waiting[0].lora;
        let mut round = Vec::new();
        let mut rest = std::collections::VecDeque::new();
        for job in waiting.drain(..) {
            if job.lora == lora && round.len() < MAX_BATCH {
                round.push(job);
            } else {
                rest.push_back(job);
            }
        }
        waiting = rest;
        if round.len() == 1 {
            let job = round.remove(0);
            let mut timed_out = false;
            let result = session.generate(&job.prompt, &job.params, job.lora, &mut |text| {
                stream(&job, text, &mut timed_out)
            });
            let _ = job.events.send(Event::Done(result, timed_out));
        } else {
            stats.lock().unwrap_or_else(|e| e.into_inner()).batched += round.len() as u64;
            run_round(session, round, lora);
        }
    }
}

/// Sends text to the job's handler; false (stop) when the client is gone
/// or the job is past its deadline (`timed_out` set).
fn stream(job: &Job, text: &str, timed_out: &mut bool) -> bool {
    if Instant::now() > job.deadline {
        *timed_out = true;
        return false;
    }
    job.events.send(Event::Text(text.to_string())).is_ok()
}

/// Several jobs decoded together; a llama.cpp failure is every unfinished
/// job's error.
fn run_round(session: &mut Session, round: Vec<Job>, lora: Option<(LoraHandle, f32)>) {
    use std::cell::Cell;
    let prompts: Vec<(String, SamplingParams)> = round
        .iter()
        .map(|job| (job.prompt.clone(), job.params.clone()))
        .collect();
    let timed_out: Vec<Cell<bool>> = round.iter().map(|_| Cell::new(false)).collect();
    let done: Vec<Cell<bool>> = round.iter().map(|_| Cell::new(false)).collect();
    let failed = session.generate_each(
        &prompts,
        lora,
        &mut |i, text| {
            let mut t = false;
            let go_on = stream(&round[i], text, &mut t);
            timed_out[i].set(t);
            go_on
        },
        &mut |i, result| {
            done[i].set(true);
            let _ = round[i]
                .events
                .send(Event::Done(result, timed_out[i].get()));
        },
    );
    if let Err(e) = failed {
        for (job, _) in round.iter().zip(&done).filter(|(_, d)| !d.get()) {
            let _ = job
                .events
                .send(Event::Done(Err(Error::Llama(e.to_string())), false));
        }
    }
}

fn handler_loop(server: &tiny_http::Server, shared: &Shared) {
    loop {
        let stopping = shared.shutdown.load(Ordering::SeqCst);
        match server.recv_timeout(Duration::from_millis(100)) {
            Ok(Some(request)) if stopping => {
                let e = ApiError::server("the server is shutting down")
                    .with_status(503, "shutting_down");
                respond_error(request, &e);
            }
            Ok(Some(request)) => handle(request, shared),
            Ok(None) if stopping => return,
            Ok(None) => {}
            Err(_) => return,
        }
    }
}

/// Answers with a JSON body; a client that has gone away is not an error.
fn respond(request: Request, status: u16, body: &Value) {
    let response = Response::from_data(body.to_string().into_bytes())
        .with_status_code(status)
        .with_header(header("Content-Type", "application/json"));
    let _ = request.respond(response);
}

fn respond_error(request: Request, e: &ApiError) {
    respond(request, e.status, &e.to_json());
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("a static header is valid")
}

/// How a request ended, for the counters.
#[derive(PartialEq)]
enum Outcome {
    Done,
    Failed,
    /// The client went away mid-answer.
    Cancelled,
}

fn handle(mut request: Request, shared: &Shared) {
    let started = Instant::now();
    let id = shared.next_id.fetch_add(1, Ordering::Relaxed).to_string();
    let path = request.url().split('?').next().unwrap_or("").to_string();
    let method = request.method().clone();
    let limits = &shared.config.limits;
    let outcome = match (&method, path.as_str()) {
        (Method::Get, "/health") => {
            let body = json!({"status": "ok", "queued": shared.queued.load(Ordering::Relaxed)});
            respond(request, 200, &body);
            Outcome::Done
        }
        (Method::Get, "/v1/models") => {
            respond(request, 200, &models_json(shared));
            Outcome::Done
        }
        (Method::Post, "/v1/chat/completions") => {
            let prepared = read_json(&mut request, shared.config.max_body_bytes)
                .and_then(|body| openai::chat_request(&body, limits))
                .and_then(|chat| prepare_chat(chat, shared));
            match prepared {
                Ok(p) => chat_completion(request, p, &id, shared),
                Err(e) => {
                    respond_error(request, &e);
                    Outcome::Failed
                }
            }
        }
        (Method::Post, "/v1/completions") => {
            let prepared = read_json(&mut request, shared.config.max_body_bytes)
                .and_then(|body| openai::completion_request(&body, limits))
                .and_then(|c| Ok((lora_for(&c.model, shared)?, c)));
            match prepared {
                Ok((lora, c)) => completion(request, c, lora, &id, shared),
                Err(e) => {
                    respond_error(request, &e);
                    Outcome::Failed
                }
            }
        }
        (_, "/health" | "/v1/models" | "/v1/chat/completions" | "/v1/completions") => {
            let e = ApiError::invalid("", format!("{method} is not allowed on {path}"))
                .with_status(405, "method_not_allowed");
            respond_error(request, &e);
            Outcome::Failed
        }
        _ => {
            let e = ApiError::invalid(
                "",
                format!("no route {path}: this server has /v1/chat/completions, /v1/completions, /v1/models and /health"),
            )
            .with_status(404, "unknown_url");
            respond_error(request, &e);
            Outcome::Failed
        }
    };
    if shared.config.log_requests {
        let how = match outcome {
            Outcome::Done => "done",
            Outcome::Failed => "failed",
            Outcome::Cancelled => "cancelled",
        };
        eprintln!(
            "#{id} {method} {path} {how} in {:.2} s",
            started.elapsed().as_secs_f64()
        );
    }
    let mut stats = shared.stats.lock().unwrap_or_else(|e| e.into_inner());
    stats.requests += 1;
    match outcome {
        Outcome::Done => {}
        Outcome::Failed => stats.errors += 1,
        Outcome::Cancelled => stats.cancelled += 1,
    }
}

fn models_json(shared: &Shared) -> Value {
    let data: Vec<Value> = shared
        .models
        .iter()
        .map(|(id, lora)| {
            json!({"id": id, "object": "model", "created": 0,
                   "owned_by": if lora.is_some() { "agentcoder-lora" } else { "agentcoder" }})
        })
        .collect();
    json!({"object": "list", "data": data})
}

/// The body as JSON, refusing one over `max` bytes (413) without keeping
/// it; a body far over the limit is not read to its end.
fn read_json(request: &mut Request, max: usize) -> std::result::Result<Value, ApiError> {
    let too_large = |n: String| {
        ApiError::invalid(
            "",
            format!("the request body is {n} bytes; this server takes at most {max} (serve --max-body-mb)"),
        )
        .with_status(413, "request_too_large")
    };
    let mut buf = Vec::new();
    let read = request
        .as_reader()
        .take(max as u64 + 1)
        .read_to_end(&mut buf);
    if let Err(e) = read {
        return Err(ApiError::invalid(
            "",
            format!("could not read the request body: {e}"),
        ));
    }
    if buf.len() > max {
        // Drain a bounded amount so the client gets to read our answer.
        let drained = std::io::copy(
            &mut request.as_reader().take(64 << 20),
            &mut std::io::sink(),
        )
        .unwrap_or(0);
        let n = request
            .body_length()
            .map_or(format!("over {}", buf.len() as u64 + drained), |n| {
                n.to_string()
            });
        return Err(too_large(n));
    }
    serde_json::from_slice(&buf)
        .map_err(|e| ApiError::invalid("", format!("the request body is not valid JSON: {e}")))
}

fn lora_for(
    model: &str,
    shared: &Shared,
) -> std::result::Result<Option<(LoraHandle, f32)>, ApiError> {
    shared
        .models
        .iter()
        .find(|(id, _)| id == model)
        .map(|(_, lora)| *lora)
        .ok_or_else(|| {
            let ids: Vec<&str> = shared.models.iter().map(|(id, _)| id.as_str()).collect();
            ApiError::invalid(
                "model",
                format!(
                    "the model '{model}' does not exist; this server has: {}",
                    ids.join(", ")
                ),
            )
            .with_status(404, "model_not_found")
        })
}

/// A chat request checked against this server: its adapter, the grammar
/// its first answer must follow (tool_choice), whether python calls run
/// here.
struct Prepared {
    chat: ChatRequest,
    lora: Option<(LoraHandle, f32)>,
    grammar: Option<String>,
    tools_offered: bool,
    execute: bool,
}

fn prepare_chat(mut chat: ChatRequest, shared: &Shared) -> std::result::Result<Prepared, ApiError> {
    let lora = lora_for(&chat.model, shared)?;
    if chat.tool_choice == ToolChoice::None {
        // The model does not see the tools, so it cannot call them.
        chat.conversation.tools.clear();
    }
    let execute = shared.config.execute_python && chat.tool_choice != ToolChoice::None;
    let python = tools::builtin::Python::default();
    let python_name = tools::Tool::spec(&python).name.clone();
    if execute
        && !chat
            .conversation
            .tools
            .iter()
            .any(|t| t["name"] == *python_name)
    {
        chat.conversation
            .tools
            .push(tools::Tool::spec(&python).to_json());
    }
    Ok(Prepared {
        grammar: openai::call_grammar(&chat),
        tools_offered: !chat.conversation.tools.is_empty(),
        lora,
        chat,
        execute,
    })
}

/// The prompt's tokens and the tokens the answer may take; a request that
/// does not fit the context is refused (400 `context_length_exceeded`).
fn budget(
    shared: &Shared,
    prompt: &str,
    sampling: &Sampling,
) -> std::result::Result<(usize, usize), ApiError> {
    let prompt_tokens =
        shared.tokenizer.tokenize(prompt).len() + usize::from(shared.tokenizer.bos().is_some());
    let room = shared.n_ctx.saturating_sub(prompt_tokens);
    let max_tokens = sampling
        .max_tokens
        .unwrap_or_else(|| room.min(shared.config.limits.max_tokens));
    if max_tokens == 0 || prompt_tokens + max_tokens > shared.n_ctx {
        return Err(ApiError::invalid(
            "messages",
            format!(
                "this model's context holds {} tokens; the prompt has {prompt_tokens} and max_tokens asks for {max_tokens} more (shorten the conversation, lower max_tokens, or serve --ctx)",
                shared.n_ctx
            ),
        )
        .with_status(400, "context_length_exceeded"));
    }
    Ok((prompt_tokens, max_tokens))
}

/// One generation through the engine thread. `on_text` gets text as it
/// comes; returning false (the client is gone) cancels it.
struct Generated {
    generation: Generation,
    /// Cut by max_tokens, the context or the time limit.
    hit_limit: bool,
    cancelled: bool,
}

fn generate(
    shared: &Shared,
    prompt: String,
    sampling: &Sampling,
    grammar: Option<String>,
    lora: Option<(LoraHandle, f32)>,
    deadline: Instant,
    on_text: &mut dyn FnMut(&str) -> bool,
) -> std::result::Result<Generated, ApiError> {
    let (prompt_tokens, max_tokens) = budget(shared, &prompt, sampling)?;
    let params = SamplingParams {
        max_tokens,
        temperature: sampling
            .temperature
            .unwrap_or(shared.config.default_temperature),
        top_k: 0,
        top_p: sampling.top_p.unwrap_or(1.0),
        seed: sampling.seed.unwrap_or(42),
        stop: sampling.stop.clone(),
        grammar,
    };
    let (events, rx) = mpsc::channel();
    let job = Job {
        prompt,
        params,
        lora,
        events,
        deadline,
    };
    shared.queued.fetch_add(1, Ordering::Relaxed);
    let sent = shared
        .jobs
        .lock()
        .ok()
        .and_then(|tx| tx.as_ref()?.send(job).ok())
        .ok_or_else(|| ApiError::server("the engine is gone"));
    let result: std::result::Result<Generated, Option<ApiError>> = match sent {
        Err(e) => Err(Some(e)),
        Ok(()) => loop {
            match rx.recv() {
                Ok(Event::Text(t)) => {
                    if !on_text(&t) {
                        // Dropping `rx` makes the engine's next send fail: it stops.
                        break Err(None);
                    }
                }
                Ok(Event::Done(Ok(g), timed_out)) => {
                    let hit_limit = timed_out || g.stop_reason == StopReason::MaxTokens;
                    break Ok(Generated {
                        generation: g,
                        hit_limit,
                        cancelled: false,
                    });
                }
                Ok(Event::Done(Err(e), _)) => {
                    break Err(Some(ApiError::server(format!("generation failed: {e}"))))
                }
                Err(_) => break Err(Some(ApiError::server("the engine stopped"))),
            }
        },
    };
    shared.queued.fetch_sub(1, Ordering::Relaxed);
    match result {
        Ok(g) => Ok(g),
        Err(Some(e)) => Err(e),
        Err(None) => Ok(Generated {
            generation: Generation {
                text: String::new(),
                prompt_tokens,
                cached_tokens: 0,
                generated_tokens: 0,
                stop_reason: StopReason::Cancelled,
                prefill_ms: 0.0,
                decode_ms: 0.0,
                prefill_tok_s: 0.0,
                decode_tok_s: 0.0,
            },
            hit_limit: false,
            cancelled: true,
        }),
    }
}

fn unix_time() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A server-sent-events body written by hand over the raw connection
/// (chunked, each event flushed at once).
struct EventStream {
    out: Box<dyn Write + Send>,
}

impl EventStream {
    fn open(request: Request) -> std::io::Result<EventStream> {
        let mut out = request.into_writer();
        out.write_all(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n\
              Connection: close\r\nTransfer-Encoding: chunked\r\n\r\n",
        )?;
        out.flush()?;
        Ok(EventStream { out })
    }

    fn send(&mut self, data: &str) -> std::io::Result<()> {
        let event = format!("data: {data}\n\n");
        write!(self.out, "{:x}\r\n{event}\r\n", event.len())?;
        self.out.flush()
    }

    fn close(mut self) -> std::io::Result<()> {
        self.send("[DONE]")?;
        self.out.write_all(b"0\r\n\r\n")?;
        self.out.flush()
    }
}

/// The result of a chat request: the last answer plus, with server-side
/// execution, the turns that led to it.
struct ChatResult {
    reply: Reply,
    hit_limit: bool,
    cancelled: bool,
    usage: Usage,
    trajectory: Vec<Value>,
}

/// Runs the model on the conversation; with `execute`, python calls run in
/// the sandbox and the model goes on, up to `max_turns` turns.
fn run_chat(
    p: &mut Prepared,
    id: &str,
    shared: &Shared,
    on_text: &mut dyn FnMut(&str) -> bool,
) -> std::result::Result<ChatResult, ApiError> {
    let deadline = Instant::now() + shared.config.timeout;
    let turns = if p.execute {
        shared.config.max_turns.max(1)
    } else {
        1
    };
    let mut registry = Registry::new();
    if p.execute {
        registry
            .register(Box::new(tools::builtin::Python::default()))
            .map_err(|e| ApiError::server(e.to_string()))?;
    }
    let mut ctx = ToolContext::default();
    let mut out = ChatResult {
        reply: Reply {
            content: None,
            calls: Vec::new(),
        },
        hit_limit: false,
        cancelled: false,
        usage: Usage::default(),
        trajectory: Vec::new(),
    };
    for turn in 0..turns {
        let grammar = if turn == 0 { p.grammar.clone() } else { None };
        let prompt = render_text(&p.chat.conversation, true);
        let g = match generate(
            shared,
            prompt,
            &p.chat.sampling,
            grammar,
            p.lora,
            deadline,
            on_text,
        ) {
            // A later turn that no longer fits ends the run with what it has.
            Err(e) if turn > 0 && e.code == Some("context_length_exceeded") => {
                out.hit_limit = true;
                break;
            }
            other => other?,
        };
        out.usage.add(&g.generation);
        out.cancelled = g.cancelled;
        out.hit_limit = g.hit_limit;
        let text = g.generation.text;
        out.reply = openai::reply(&text, p.tools_offered);
        let runs_here = p.execute
            && !out.reply.calls.is_empty()
            && out
                .reply
                .calls
                .iter()
                .all(|c| registry.get(&c.name).is_some());
        if g.cancelled || !runs_here || turn + 1 == turns {
            break;
        }
        let turn_id = format!("{id}-{turn}");
        out.trajectory
            .push(openai::message_json(&out.reply, &turn_id));
        p.chat
            .conversation
            .messages
            .push(Message::new(Role::Assistant, text.trim_end()));
        for (i, call) in out.reply.calls.iter().enumerate() {
            let output = execute(&registry, &mut ctx, call);
            out.trajectory.push(json!({
                "role": "tool",
                "tool_call_id": format!("call_{turn_id}_{i}"),
                "content": output,
            }));
            p.chat
                .conversation
                .messages
                .push(Message::new(Role::Tool, output));
        }
    }
    Ok(out)
}

fn execute(registry: &Registry, ctx: &mut ToolContext, call: &ToolCall) -> String {
    match registry.call(call, ctx) {
        Ok(out) => out.text,
        Err(e) => format!("Error: {e}"),
    }
}

fn chat_completion(request: Request, mut p: Prepared, id: &str, shared: &Shared) -> Outcome {
    let created = unix_time();
    let model = p.chat.model.clone();
    let cid = format!("chatcmpl-{id}");
    let chunk = |delta: Value, finish: Option<&str>| {
        json!({"id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
               "choices": [{"index": 0, "delta": delta, "logprobs": null, "finish_reason": finish}]})
        .to_string()
    };
    if !p.chat.sampling.stream {
        return match run_chat(&mut p, id, shared, &mut |_| true) {
            Ok(r) => {
                let mut body = json!({
                    "id": cid, "object": "chat.completion", "created": created, "model": model,
                    "choices": [{"index": 0, "message": openai::message_json(&r.reply, id),
                                 "logprobs": null, "finish_reason": openai::finish_reason(&r.reply, r.hit_limit)}],
                    "usage": r.usage.json(), "timings": r.usage.timings(),
                });
                if p.execute {
                    body["trajectory"] = Value::Array(r.trajectory);
                }
                respond(request, 200, &body);
                Outcome::Done
            }
            Err(e) => {
                respond_error(request, &e);
                Outcome::Failed
            }
        };
    }
    // Checked before the stream opens, so a request that cannot fit still
    // gets a 4xx.
    let first = render_text(&p.chat.conversation, true);
    if let Err(e) = budget(shared, &first, &p.chat.sampling) {
        respond_error(request, &e);
        return Outcome::Failed;
    }
    let Ok(mut sse) = EventStream::open(request) else {
        return Outcome::Cancelled;
    };
    let mut alive = sse
        .send(&chunk(json!({"role": "assistant", "content": ""}), None))
        .is_ok();
    // With server-side execution only the last turn is the answer, so the
    // content goes out when the run is over; otherwise as it is generated.
    let live = !p.execute;
    let mut filter = openai::ContentFilter::new(p.tools_offered);
    let result = run_chat(&mut p, id, shared, &mut |t| {
        if live {
            let content = filter.push(t);
            if !content.is_empty() {
                alive = alive && sse.send(&chunk(json!({"content": content}), None)).is_ok();
            }
        }
        alive
    });
    let r = match result {
        Ok(r) if r.cancelled || !alive => return Outcome::Cancelled,
        Ok(r) => r,
        Err(e) => {
            let _ = sse.send(&e.to_json().to_string());
            let _ = sse.close();
            return Outcome::Failed;
        }
    };
    let rest = if live {
        filter.finish()
    } else {
        r.reply.content.clone().unwrap_or_default()
    };
    let mut sent = Ok(());
    if !rest.is_empty() {
        sent = sent.and_then(|()| sse.send(&chunk(json!({"content": rest}), None)));
    }
    if !r.reply.calls.is_empty() {
        let calls = openai::tool_calls_json(&r.reply.calls, id);
        sent = sent.and_then(|()| sse.send(&chunk(json!({"tool_calls": calls}), None)));
    }
    let finish = openai::finish_reason(&r.reply, r.hit_limit);
    let mut last: Value = serde_json::from_str(&chunk(json!({}), Some(finish))).unwrap_or_default();
    if p.execute {
        last["trajectory"] = Value::Array(r.trajectory);
    }
    sent = sent.and_then(|()| sse.send(&last.to_string()));
    if p.chat.sampling.include_usage {
        let usage = json!({"id": cid, "object": "chat.completion.chunk", "created": created,
            "model": model, "choices": [], "usage": r.usage.json()});
        sent = sent.and_then(|()| sse.send(&usage.to_string()));
    }
    match sent.and_then(|()| sse.close()) {
        Ok(()) => Outcome::Done,
        Err(_) => Outcome::Cancelled,
    }
}

fn completion(
    request: Request,
    c: openai::CompletionRequest,
    lora: Option<(LoraHandle, f32)>,
    id: &str,
    shared: &Shared,
) -> Outcome {
    let created = unix_time();
    let cid = format!("cmpl-{id}");
    let body = |text: &str, finish: Option<&str>| {
        json!({"id": cid, "object": "text_completion", "created": created, "model": c.model,
               "choices": [{"index": 0, "text": text, "logprobs": null, "finish_reason": finish}]})
    };
    let deadline = Instant::now() + shared.config.timeout;
    let finish = |g: &Generated| if g.hit_limit { "length" } else { "stop" };
    let run = |on_text: &mut dyn FnMut(&str) -> bool| {
        generate(
            shared,
            c.prompt.clone(),
            &c.sampling,
            None,
            lora,
            deadline,
            on_text,
        )
    };
    if !c.sampling.stream {
        return match run(&mut |_| true) {
            Ok(g) => {
                let mut out = body(&g.generation.text, Some(finish(&g)));
                let usage = Usage::from(&g.generation);
                out["usage"] = usage.json();
                out["timings"] = usage.timings();
                respond(request, 200, &out);
                Outcome::Done
            }
            Err(e) => {
                respond_error(request, &e);
                Outcome::Failed
            }
        };
    }
    if let Err(e) = budget(shared, &c.prompt, &c.sampling) {
        respond_error(request, &e);
        return Outcome::Failed;
    }
    let Ok(mut sse) = EventStream::open(request) else {
        return Outcome::Cancelled;
    };
    let mut alive = true;
    let result = run(&mut |t| {
        alive = alive && sse.send(&body(t, None).to_string()).is_ok();
        alive
    });
    match result {
        Ok(g) if g.cancelled || !alive => Outcome::Cancelled,
        Ok(g) => {
            let mut last = body("", Some(finish(&g)));
            if c.sampling.include_usage {
                let usage = Usage::from(&g.generation);
                last["usage"] = usage.json();
            }
            match sse.send(&last.to_string()).and_then(|()| sse.close()) {
                Ok(()) => Outcome::Done,
                Err(_) => Outcome::Cancelled,
            }
        }
        Err(e) => {
            let _ = sse.send(&e.to_json().to_string());
            let _ = sse.close();
            Outcome::Failed
        }
    }
}
