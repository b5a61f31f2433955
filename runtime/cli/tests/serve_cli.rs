//! `agentcoder serve` as a client sees it: a real server process on
//! 127.0.0.1, a real HTTP client (ureq), the official `openai` Python
//! client. Texts are checked against `agentcoder generate` on the same
//! model (both llama.cpp, greedy), calls against an adapter trained here
//! on a tiny tool task, executed results against arithmetic done here.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::util::{agentcoder, command, model, ok, TempDir};

/// A running server; killed if the test fails before it stops it, and
/// then its request log (stderr) is printed.
struct Server {
    child: Option<Child>,
    url: String,
    base_id: String,
    stderr: Option<std::thread::JoinHandle<String>>,
}

/// Longer than the server's own limit per request (`--timeout-s`, 300 s),
/// so a slow answer fails with the server's word, not the client's.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(600);

impl Server {
    fn start(extra: &[&str]) -> Server {
        let mut child = command()
            .args(["serve", "--model", &model(), "--port", "0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary runs");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout is piped"))
            .read_line(&mut line)
            .expect("the server prints its address");
        let mut err = child.stderr.take().expect("stderr is piped");
        let stderr = std::thread::spawn(move || {
            let mut log = String::new();
            let _ = err.read_to_string(&mut log);
            log
        });
        assert!(line.starts_with("listening on http://"), "{line:?}");
        let url = line["listening on ".len()..]
            .split_whitespace()
            .next()
            .expect("an address")
            .trim_end_matches("/v1")
            .to_string();
        let base_id = std::path::Path::new(&model())
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        Server {
            child: Some(child),
            url,
            base_id,
            stderr: Some(stderr),
        }
    }

    fn addr(&self) -> &str {
        self.url.trim_start_matches("http://")
    }

    fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let r = ureq::post(&format!("{}{path}", self.url))
            .timeout(CLIENT_TIMEOUT)
            .send_json(body);
        read(r)
    }

    fn post_raw(&self, path: &str, body: &[u8]) -> (u16, Value) {
        let r = ureq::post(&format!("{}{path}", self.url))
            .set("Content-Type", "application/json")
            .send_bytes(body);
        read(r)
    }

    fn get(&self, path: &str) -> (u16, Value) {
        read(ureq::get(&format!("{}{path}", self.url)).call())
    }

    /// The data lines of a streamed answer.
    fn stream(&self, path: &str, body: &Value) -> Vec<String> {
        let r = ureq::post(&format!("{}{path}", self.url))
            .send_json(body)
            .expect("the stream opens");
        assert_eq!(r.header("Content-Type"), Some("text/event-stream"));
        let mut text = String::new();
        r.into_reader().read_to_string(&mut text).unwrap();
        text.lines()
            .filter_map(|l| l.strip_prefix("data: "))
            .map(str::to_string)
            .collect()
    }

    /// SIGTERM, then the exit status and stderr.
    fn stop(mut self) -> (i32, String) {
        let child = self.child.take().unwrap();
        // SAFETY: signalling our own child process.
        unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
        let out = child.wait_with_output().unwrap();
        let log = self.stderr.take().unwrap().join().unwrap_or_default();
        (out.status.code().unwrap_or(-1), log)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(c) = &mut self.child {
            let _ = c.kill();
            let _ = c.wait();
        }
        if let Some(log) = self.stderr.take() {
            if std::thread::panicking() {
                eprintln!("server log:\n{}", log.join().unwrap_or_default());
            }
        }
    }
}

fn read(r: Result<ureq::Response, ureq::Error>) -> (u16, Value) {
    let resp = match r {
        Ok(resp) => resp,
        Err(ureq::Error::Status(_, resp)) => resp,
        Err(e) => panic!("request failed: {e}"),
    };
    let status = resp.status();
    let text = resp.into_string().unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}")),
    )
}

fn generate(prompt: &str, chat: bool, max_tokens: usize) -> Value {
    let n = max_tokens.to_string();
    let mut args = vec!["generate", "--prompt", prompt, "--max-tokens", &n, "--json"];
    let m = model();
    args.extend(["--model", &m]);
    if chat {
        args.push("--chat");
    }
    serde_json::from_str(&ok(&agentcoder(&args))).unwrap()
}

fn user(text: &str) -> Value {
    json!([{"role": "user", "content": text}])
}

#[test]
fn serve_answers_like_generate_streams_and_refuses_bad_input() {
    let s = Server::start(&["--ctx", "512"]);
    let (status, health) = s.get("/health");
    assert_eq!((status, health["status"].as_str()), (200, Some("ok")));
    let (_, models) = s.get("/v1/models");
    assert_eq!(models["data"][0]["id"], s.base_id.as_str());

    // Chat: the text and token counts of `generate --chat` (same model, greedy).
    let want = generate("Name three colors.", true, 24);
    let body =
        json!({"model": s.base_id, "messages": user("Name three colors."), "max_tokens": 24});
    let (status, r) = s.post("/v1/chat/completions", &body);
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["object"], "chat.completion");
    let msg = &r["choices"][0]["message"];
    assert_eq!(msg["content"], want["text"], "{r}");
    assert_eq!(r["usage"]["completion_tokens"], want["generated_tokens"]);
    assert_eq!(r["usage"]["prompt_tokens"], want["prompt_tokens"]);
    let finish = if want["stop_reason"] == "max_tokens" {
        "length"
    } else {
        "stop"
    };
    assert_eq!(r["choices"][0]["finish_reason"], finish);

    // Streaming: the deltas add up to the same text, then usage and [DONE].
    let mut streamed = body.clone();
    streamed["stream"] = json!(true);
    streamed["stream_options"] = json!({"include_usage": true});
    let events = s.stream("/v1/chat/completions", &streamed);
    assert_eq!(events.last().map(String::as_str), Some("[DONE]"));
    let chunks: Vec<Value> = events[..events.len() - 1]
        .iter()
        .map(|e| serde_json::from_str(e).unwrap())
        .collect();
    assert!(chunks.len() > 3, "{events:?}");
    assert_eq!(chunks[0]["choices"][0]["delta"]["role"], "assistant");
    let text: String = chunks
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["content"].as_str())
        .collect();
    assert_eq!(text, want["text"].as_str().unwrap());
    let n = chunks.len();
    assert_eq!(chunks[n - 2]["choices"][0]["finish_reason"], finish);
    // The same prompt again: the cells of all its tokens but the last one
    // (recomputed for its logits) were kept from the request before.
    let usage = &chunks[n - 1]["usage"];
    assert_eq!(usage["prompt_tokens"], r["usage"]["prompt_tokens"]);
    assert_eq!(usage["completion_tokens"], r["usage"]["completion_tokens"]);
    assert_eq!(r["usage"]["prompt_tokens_details"]["cached_tokens"], 0);
    let prompt_tokens = r["usage"]["prompt_tokens"].as_u64().unwrap();
    assert_eq!(
        usage["prompt_tokens_details"]["cached_tokens"],
        prompt_tokens - 1
    );

    // Completions: the raw prompt, as `generate` without --chat.
    let want = generate("The capital of France is", false, 12);
    let (status, r) = s.post(
        "/v1/completions",
        &json!({"model": s.base_id, "prompt": "The capital of France is", "max_tokens": 12}),
    );
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["choices"][0]["text"], want["text"]);

    // Requests at once (decoded together, each with its own max_tokens):
    // each the text `generate` gives alone.
    let asks = [
        ("Name three fruits.", 8),
        ("What is 2 + 2?", 20),
        ("Write a haiku about rain.", 14),
        ("Say hello in French.", 11),
    ];
    let answers: Vec<Value> = std::thread::scope(|scope| {
        let s = &s;
        let handles: Vec<_> = asks
            .iter()
            .map(|&(q, n)| {
                scope.spawn(move || {
                    let body = json!({"model": s.base_id, "messages": user(q), "max_tokens": n});
                    let (status, r) = s.post("/v1/chat/completions", &body);
                    assert_eq!(status, 200, "{r}");
                    r
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (&(q, n), r) in asks.iter().zip(&answers) {
        let want = generate(q, true, n);
        assert_eq!(r["choices"][0]["message"]["content"], want["text"], "{q}");
        assert_eq!(
            r["usage"]["completion_tokens"], want["generated_tokens"],
            "{q}"
        );
    }

    // Bad input: a 4xx with an OpenAI error object, and the server goes on.
    let big = vec![b' '; 50 << 20];
    let many: Vec<Value> = (0..10_000)
        .map(|_| json!({"role": "user", "content": "hi"}))
        .collect();
    let bad: Vec<(u16, &str, (u16, Value))> = vec![
        (
            400,
            "invalid JSON",
            s.post_raw("/v1/chat/completions", b"{\"model\": "),
        ),
        (
            400,
            "wrong type",
            s.post(
                "/v1/chat/completions",
                &json!({"model": s.base_id, "messages": "hi"}),
            ),
        ),
        (
            404,
            "unknown model",
            s.post(
                "/v1/chat/completions",
                &json!({"model": "gpt-4o", "messages": user("hi")}),
            ),
        ),
        (413, "50 MB body", s.post_raw("/v1/chat/completions", &big)),
        (
            400,
            "10,000 messages",
            s.post(
                "/v1/chat/completions",
                &json!({"model": s.base_id, "messages": many}),
            ),
        ),
        (
            400,
            "max_tokens beyond the context",
            s.post(
                "/v1/chat/completions",
                &json!({"model": s.base_id, "messages": user("hi"), "max_tokens": 600}),
            ),
        ),
        (
            400,
            "malformed tool schema",
            s.post(
                "/v1/chat/completions",
                &json!({"model": s.base_id, "messages": user("hi"), "tools": [{"type": "function",
                    "function": {"name": "f", "parameters": {"type": "object", "properties": {"x": {"type": 7}}}}}]}),
            ),
        ),
        (404, "unknown route", s.post("/v1/embeddings", &json!({}))),
    ];
    for (want_status, what, (status, body)) in bad {
        assert_eq!(status, want_status, "{what}: {body}");
        let e = &body["error"];
        assert!(
            e["message"].as_str().is_some_and(|m| !m.is_empty()) && e["type"].is_string(),
            "{what}: {body}"
        );
    }
    let (status, _) = s.post(
        "/v1/chat/completions",
        &json!({"model": s.base_id, "messages": user("hi"), "max_tokens": 4}),
    );
    assert_eq!(status, 200, "the server still serves after bad input");

    // A client that leaves mid-stream frees the engine at once.
    let mut raw = TcpStream::connect(s.addr()).unwrap();
    let long = json!({"model": s.base_id, "messages": user("Write a long story about a dragon."),
                      "max_tokens": 400, "stream": true})
    .to_string();
    write!(
        raw,
        "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{long}",
        long.len()
    )
    .unwrap();
    let mut first = [0u8; 256];
    let n = raw.read(&mut first).unwrap();
    assert!(String::from_utf8_lossy(&first[..n]).starts_with("HTTP/1.1 200"));
    drop(raw);
    let t0 = Instant::now();
    let (status, _) = s.post(
        "/v1/chat/completions",
        &json!({"model": s.base_id, "messages": user("hi"), "max_tokens": 4}),
    );
    assert_eq!(status, 200);
    eprintln!(
        "the request after a dropped stream took {:.2} s",
        t0.elapsed().as_secs_f64()
    );

    // SIGTERM while a request is in flight: it is answered in full, then exit 0.
    let url = s.url.clone();
    let base = s.base_id.clone();
    let in_flight = std::thread::spawn(move || {
        read(ureq::post(&format!("{url}/v1/chat/completions")).send_json(
            json!({"model": base, "messages": user("Tell me about the sea."), "max_tokens": 64}),
        ))
    });
    std::thread::sleep(Duration::from_millis(300));
    let addr = s.addr().to_string();
    let (code, stderr) = s.stop();
    let (status, r) = in_flight.join().unwrap();
    assert_eq!(status, 200, "{r}");
    assert!(r["usage"]["completion_tokens"].as_u64().unwrap() > 0);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("1 cancelled by the client"), "{stderr}");
    // The requests sent at once were decoded together (at least two of them).
    let beside: u64 = stderr
        .split(" decoded beside others")
        .next()
        .and_then(|head| head.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count of batched requests: {stderr}"));
    assert!(beside >= 2, "{stderr}");
    assert!(
        TcpStream::connect(&addr).is_err(),
        "the port is closed after exit"
    );
}

/// A tiny tool task: weather questions answered with a call, arithmetic
/// answered by running Python and reading its output back.
fn tool_task(n: usize, offset: usize) -> String {
    let cities = [
        "Paris", "Tokyo", "Lima", "Oslo", "Cairo", "Denver", "Hanoi", "Quito", "Dakar", "Perth",
        "Bergen", "Split", "Turin", "Leeds", "Austin", "Porto",
    ];
    let tools = json!([weather_tool()["function"], python_tool()]);
    let mut lines = Vec::new();
    for i in 0..n {
        let k = i + offset;
        let conv = if k.is_multiple_of(2) {
            let city = cities[(k / 2) % cities.len()];
            json!({"messages": [
                {"role": "user", "content": format!("What is the weather in {city}?")},
                {"role": "assistant", "content": format!("<tool_call>\n{{\"name\": \"get_weather\", \"arguments\": {{\"city\": \"{city}\"}}}}\n</tool_call>")}
            ], "tools": tools})
        } else {
            let (a, b) = (100 + 37 * k, 1000 + 91 * k);
            json!({"messages": [
                {"role": "user", "content": format!("What is {a} * {b}?")},
                {"role": "assistant", "content": format!("<tool_call>\n{{\"name\": \"python\", \"arguments\": {{\"code\": \"print({a} * {b})\"}}}}\n</tool_call>")},
                {"role": "tool", "content": format!("{}\n", a * b)},
                {"role": "assistant", "content": format!("{a} * {b} = {}", a * b)}
            ], "tools": tools})
        };
        lines.push(conv.to_string());
    }
    lines.join("\n") + "\n"
}

fn weather_tool() -> Value {
    json!({"type": "function", "function": {"name": "get_weather", "description": "Current weather in a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name"}}, "required": ["city"]}}})
}

/// The server's built-in python tool, as `--execute python` lists it.
fn python_tool() -> Value {
    tools::Tool::spec(&tools::builtin::Python::default()).to_json()
}

#[test]
fn serve_returns_tool_calls_from_a_trained_adapter_and_executes_python() {
    let d = TempDir::new("serve-tools");
    std::fs::write(d.path("train.jsonl"), tool_task(96, 0)).unwrap();
    let out = d.arg("run");
    ok(&agentcoder(&[
        "train",
        "--model",
        &model(),
        "--data",
        &d.arg("train.jsonl"),
        "--out",
        &out,
        "--steps",
        "30",
        "--lr",
        "2e-3",
        "--warmup",
        "3",
        "--batch-tokens",
        "1024",
        "--rank",
        "8",
        "--alpha",
        "16",
    ]));
    let adapter = format!("tuned={out}/adapter.gguf");
    let s = Server::start(&["--lora", &adapter, "--execute", "python"]);
    let (_, models) = s.get("/v1/models");
    assert_eq!(models["data"][1]["id"], "tuned");

    // A held-out city: a call in OpenAI's format, arguments as a JSON string.
    let ask = json!({"model": "tuned", "messages": user("What is the weather in Nairobi?"),
                     "tools": [weather_tool()], "max_tokens": 96});
    let (status, r) = s.post("/v1/chat/completions", &ask);
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["choices"][0]["finish_reason"], "tool_calls", "{r}");
    let call = &r["choices"][0]["message"]["tool_calls"][0];
    assert_eq!(call["type"], "function");
    assert_eq!(call["function"]["name"], "get_weather");
    let args: Value =
        serde_json::from_str(call["function"]["arguments"].as_str().unwrap()).unwrap();
    assert_eq!(args, json!({"city": "Nairobi"}));

    // Streaming a call: no call text leaks into content; the call arrives whole.
    let mut streamed = ask.clone();
    streamed["stream"] = json!(true);
    let events = s.stream("/v1/chat/completions", &streamed);
    let chunks: Vec<Value> = events[..events.len() - 1]
        .iter()
        .map(|e| serde_json::from_str(e).unwrap())
        .collect();
    let content: String = chunks
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["content"].as_str())
        .collect();
    assert!(!content.contains("tool_call"), "{content:?}");
    let streamed_call = chunks
        .iter()
        .find_map(|c| c["choices"][0]["delta"]["tool_calls"].as_array())
        .expect("a tool_calls delta");
    assert_eq!(streamed_call[0]["function"], call["function"]);

    // tool_choice "none": the model does not see the tools and cannot call them.
    let mut none = ask.clone();
    none["tool_choice"] = json!("none");
    let (_, r) = s.post("/v1/chat/completions", &none);
    assert!(r["choices"][0]["message"]["tool_calls"].is_null(), "{r}");

    // The base model never calls on its own; a named tool_choice makes it
    // call that function once (a grammar), with arguments that fit.
    let mut named = ask.clone();
    named["model"] = json!(s.base_id);
    let (_, r) = s.post("/v1/chat/completions", &named);
    assert!(r["choices"][0]["message"]["tool_calls"].is_null(), "{r}");
    named["tool_choice"] = json!({"type": "function", "function": {"name": "get_weather"}});
    let (_, r) = s.post("/v1/chat/completions", &named);
    assert_eq!(r["choices"][0]["finish_reason"], "tool_calls", "{r}");
    let calls = r["choices"][0]["message"]["tool_calls"].as_array().unwrap();
    assert_eq!(calls.len(), 1, "{r}");
    assert_eq!(calls[0]["function"]["name"], "get_weather");
    let args: Value =
        serde_json::from_str(calls[0]["function"]["arguments"].as_str().unwrap()).unwrap();
    assert!(args["city"].is_string(), "{r}");

    // Server-side execution: the python call runs in the sandbox, its output
    // goes back to the model, and the answer comes back with the trajectory.
    let (a, b) = (4321, 5678);
    let (status, r) = s.post(
        "/v1/chat/completions",
        &json!({"model": "tuned", "messages": user(&format!("What is {a} * {b}?")), "max_tokens": 96}),
    );
    assert_eq!(status, 200, "{r}");
    let trajectory = r["trajectory"].as_array().expect("a trajectory");
    assert_eq!(
        trajectory[0]["tool_calls"][0]["function"]["name"], "python",
        "{r}"
    );
    assert_eq!(trajectory[1]["role"], "tool");
    assert_eq!(
        trajectory[1]["content"].as_str().unwrap().trim(),
        (a * b).to_string(),
        "{r}"
    );
    let answer = r["choices"][0]["message"]["content"].as_str().unwrap_or("");
    assert!(answer.contains(&(a * b).to_string()), "{r}");
    assert_eq!(r["choices"][0]["finish_reason"], "stop");

    // The official openai Python client against the same server.
    openai_client(&s);
    let (code, stderr) = s.stop();
    assert_eq!(code, 0, "{stderr}");
    // The access log: one line per request, as many as the stop line counts.
    let logged = stderr.lines().filter(|l| l.starts_with('#')).count();
    assert!(
        stderr.contains(&format!("stopped: {logged} requests")),
        "{stderr}"
    );
    assert!(
        stderr.contains("POST /v1/chat/completions done in"),
        "{stderr}"
    );
}

/// Runs runtime/cli/tests/openai_client.py with the `openai` package from a
/// venv (made by `make test`, or here when missing). Skipped, loudly, only
/// where python3 is absent.
fn openai_client(s: &Server) {
    let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let venv = host::cache_dir().join("openai-venv");
    let python = venv.join("bin/python");
    if !python.exists() {
        if std::process::Command::new("python3")
            .arg("--version")
            .output()
            .is_err()
        {
            eprintln!(
                "\n!!! SKIPPED: python3 is absent, so the openai client check did not run !!!\n"
            );
            return;
        }
        let o = std::process::Command::new(here.join("openai-venv.sh"))
            .arg(&venv)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let o = std::process::Command::new(&python)
        .arg(here.join("openai_client.py"))
        .args([
            format!("{}/v1", s.url),
            "tuned".to_string(),
            s.base_id.clone(),
        ])
        .output()
        .unwrap();
    eprintln!("{}", String::from_utf8_lossy(&o.stdout));
    assert!(
        o.status.success(),
        "openai client: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}
