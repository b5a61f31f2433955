//! The OpenAI wire format: request bodies in, our conversation and sampling
//! settings out; generations in, response objects out. No I/O and no
//! model here, so every rule is unit-tested below.
//!
//! Messages become a [`Conversation`] for the one prompt renderer: an
//! assistant message's `tool_calls` are written back as the Hermes
//! `<tool_call>` text the model produces, `tool` messages become tool turns,
//! and `tools` entries are listed by their `function` object (the shape the
//! models were trained on).

use dataset::prompt::{Conversation, Message, Role};
use serde_json::{json, Map, Value};
use tools::{CallFormat, FunctionSpec, ToolCall};

/// An error for the client: an HTTP status and OpenAI's error object.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: u16,
    pub message: String,
    pub kind: &'static str,
    pub param: Option<String>,
    pub code: Option<&'static str>,
}

impl ApiError {
    /// 400 `invalid_request_error`, naming the offending field.
    pub fn invalid(param: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            status: 400,
            message: message.into(),
            kind: "invalid_request_error",
            param: (!param.is_empty()).then(|| param.to_string()),
            code: None,
        }
    }

    pub fn with_status(mut self, status: u16, code: &'static str) -> ApiError {
        self.status = status;
        self.code = Some(code);
        self
    }

    /// 5xx: the server failed, not the request.
    pub fn server(message: impl Into<String>) -> ApiError {
        ApiError {
            status: 500,
            message: message.into(),
            kind: "server_error",
            param: None,
            code: None,
        }
    }

    pub fn to_json(&self) -> Value {
        json!({"error": {
            "message": self.message,
            "type": self.kind,
            "param": self.param,
            "code": self.code,
        }})
    }
}

type ApiResult<T> = Result<T, ApiError>;

/// What a request may ask for at most.
#[derive(Clone, Debug)]
pub struct Limits {
    pub max_messages: usize,
    /// Largest `max_tokens` a request may ask for.
    pub max_tokens: usize,
}

/// OpenAI's `tool_choice`.
#[derive(Clone, Debug, PartialEq)]
pub enum ToolChoice {
    Auto,
    None,
    Required,
    Named(String),
}

/// Sampling fields shared by both endpoints; `None` means the server's
/// default.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Sampling {
    pub temperature: Option<f32>,
    pub top_p: Option<f32>,
    pub seed: Option<u32>,
    pub stop: Vec<String>,
    pub max_tokens: Option<usize>,
    pub stream: bool,
    pub include_usage: bool,
}

/// A parsed `/v1/chat/completions` body.
#[derive(Clone, Debug)]
pub struct ChatRequest {
    pub model: String,
    pub conversation: Conversation,
    pub tool_choice: ToolChoice,
    /// `parallel_tool_calls` (default true): more than one call per answer.
    pub parallel_calls: bool,
    pub sampling: Sampling,
}

/// A parsed `/v1/completions` body.
#[derive(Clone, Debug)]
pub struct CompletionRequest {
    pub model: String,
    pub prompt: String,
    pub sampling: Sampling,
}

fn object<'a>(v: &'a Value, what: &str) -> ApiResult<&'a Map<String, Value>> {
    v.as_object()
        .ok_or_else(|| ApiError::invalid(what, format!("{what} must be a JSON object")))
}

/// The body itself is no parameter: its error names none.
fn request_body(v: &Value) -> ApiResult<&Map<String, Value>> {
    v.as_object()
        .ok_or_else(|| ApiError::invalid("", "the request body must be a JSON object"))
}

fn model_field(body: &Map<String, Value>) -> ApiResult<String> {
    match body.get("model") {
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        Some(Value::String(_)) | None => Err(ApiError::invalid(
            "model",
            "'model' is required: GET /v1/models lists the ids this server has",
        )),
        Some(_) => Err(ApiError::invalid("model", "'model' must be a string")),
    }
}

fn number(body: &Map<String, Value>, key: &str, lo: f64, hi: f64) -> ApiResult<Option<f32>> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => {
            let x = n.as_f64().unwrap_or(f64::NAN);
            if (lo..=hi).contains(&x) {
                Ok(Some(x as f32))
            } else {
                Err(ApiError::invalid(
                    key,
                    format!("'{key}' must be between {lo} and {hi}, got {x}"),
                ))
            }
        }
        Some(_) => Err(ApiError::invalid(key, format!("'{key}' must be a number"))),
    }
}

fn count(body: &Map<String, Value>, key: &str) -> ApiResult<Option<usize>> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match v.as_u64() {
            Some(n) if n >= 1 => Ok(Some(usize::try_from(n).unwrap_or(usize::MAX))),
            _ => Err(ApiError::invalid(
                key,
                format!("'{key}' must be a positive integer, got {v}"),
            )),
        },
    }
}

fn flag(body: &Map<String, Value>, key: &str) -> ApiResult<bool> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(ApiError::invalid(key, format!("'{key}' must be a boolean"))),
    }
}

fn sampling(body: &Map<String, Value>, limits: &Limits) -> ApiResult<Sampling> {
    if let Some(n) = count(body, "n")? {
        if n != 1 {
            return Err(ApiError::invalid("n", "only n = 1 is supported"));
        }
    }
    let temperature = number(body, "temperature", 0.0, 2.0)?;
    let top_p = number(body, "top_p", 0.0, 1.0)?;
    if top_p == Some(0.0) {
        return Err(ApiError::invalid("top_p", "'top_p' must be above 0"));
    }
    let seed = match body.get("seed") {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_i64() {
            // Any 64-bit seed is accepted; llama.cpp's sampler takes 32 bits.
            Some(s) => Some(s as u32),
            None => return Err(ApiError::invalid("seed", "'seed' must be an integer")),
        },
    };
    let stop = match body.get("stop") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => {
            let stops: Option<Vec<String>> = items
                .iter()
                .map(|s| s.as_str().map(str::to_string))
                .collect();
            stops.ok_or_else(|| ApiError::invalid("stop", "'stop' must hold strings only"))?
        }
        Some(_) => {
            return Err(ApiError::invalid(
                "stop",
                "'stop' must be a string or a list of strings",
            ))
        }
    };
    if stop.len() > 4 || stop.iter().any(String::is_empty) {
        return Err(ApiError::invalid(
            "stop",
            "'stop' takes up to 4 non-empty strings",
        ));
    }
    let max_tokens = match count(body, "max_completion_tokens")? {
        Some(n) => Some(n),
        None => count(body, "max_tokens")?,
    };
    if let Some(n) = max_tokens {
        if n > limits.max_tokens {
            return Err(ApiError::invalid(
                "max_tokens",
                format!(
                    "max_tokens is {n} but this server allows at most {} (serve --max-tokens)",
                    limits.max_tokens
                ),
            ));
        }
    }
    let stream = flag(body, "stream")?;
    let include_usage = match body.get("stream_options") {
        None | Some(Value::Null) => false,
        Some(v) => flag(object(v, "stream_options")?, "include_usage")?,
    };
    Ok(Sampling {
        temperature,
        top_p,
        seed,
        stop,
        max_tokens,
        stream,
        include_usage,
    })
}

/// The text of a message `content`: a string, null, or a list of text parts.
fn content_text(v: Option<&Value>, at: &str) -> ApiResult<String> {
    match v {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(Value::Array(parts)) => {
            let mut text = String::new();
            for p in parts {
                let part = object(p, at)?;
                match (part.get("type").and_then(Value::as_str), part.get("text")) {
                    (Some("text"), Some(Value::String(t))) => text.push_str(t),
                    (kind, _) => {
                        return Err(ApiError::invalid(
                            at,
                            format!(
                                "only text content parts are supported (got type {})",
                                kind.unwrap_or("?")
                            ),
                        ))
                    }
                }
            }
            Ok(text)
        }
        Some(_) => Err(ApiError::invalid(
            at,
            "content must be a string or a list of text parts",
        )),
    }
}

/// An assistant message's `tool_calls` as calls.
fn assistant_calls(v: &Value, at: &str) -> ApiResult<Vec<ToolCall>> {
    let items = v
        .as_array()
        .ok_or_else(|| ApiError::invalid(at, "tool_calls must be a list"))?;
    let mut calls = Vec::with_capacity(items.len());
    for (j, item) in items.iter().enumerate() {
        let at = format!("{at}[{j}]");
        let f = object(item, &at)?
            .get("function")
            .and_then(Value::as_object)
            .ok_or_else(|| ApiError::invalid(&at, "a tool call needs a 'function' object"))?;
        let name = f
            .get("name")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .ok_or_else(|| ApiError::invalid(&at, "a tool call needs a function 'name'"))?;
        let arguments = match f.get("arguments") {
            None | Some(Value::Null) => json!({}),
            Some(Value::String(s)) => serde_json::from_str(s).map_err(|e| {
                ApiError::invalid(
                    &format!("{at}.function.arguments"),
                    format!("arguments are not valid JSON: {e}"),
                )
            })?,
            Some(v @ Value::Object(_)) => v.clone(),
            Some(_) => {
                return Err(ApiError::invalid(
                    &format!("{at}.function.arguments"),
                    "arguments must be a JSON-encoded string",
                ))
            }
        };
        calls.push(ToolCall::new(name, arguments));
    }
    Ok(calls)
}

fn messages(body: &Map<String, Value>, limits: &Limits) -> ApiResult<Vec<Message>> {
    let items = match body.get("messages") {
        Some(Value::Array(items)) if !items.is_empty() => items,
        Some(Value::Array(_)) => {
            return Err(ApiError::invalid("messages", "'messages' is empty"));
        }
        _ => {
            return Err(ApiError::invalid(
                "messages",
                "'messages' must be a list of messages",
            ))
        }
    };
    if items.len() > limits.max_messages {
        return Err(ApiError::invalid(
            "messages",
            format!(
                "{} messages; this server takes at most {} (serve --max-messages)",
                items.len(),
                limits.max_messages
            ),
        ));
    }
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = format!("messages[{i}]");
        let m = object(item, &at)?;
        let content = content_text(m.get("content"), &format!("{at}.content"))?;
        let role = match m.get("role").and_then(Value::as_str) {
            Some("system") | Some("developer") => Role::System,
            Some("user") => Role::User,
            Some("assistant") => Role::Assistant,
            Some("tool") => Role::Tool,
            other => {
                return Err(ApiError::invalid(
                    &format!("{at}.role"),
                    format!(
                        "role must be system, developer, user, assistant or tool (got {})",
                        other.map_or("nothing".to_string(), |r| format!("'{r}'"))
                    ),
                ))
            }
        };
        let text = match (role, m.get("tool_calls")) {
            (Role::Assistant, Some(v)) if !v.is_null() => {
                let calls = assistant_calls(v, &format!("{at}.tool_calls"))?;
                let rendered = CallFormat::Hermes
                    .render(&calls)
                    .map_err(|e| ApiError::invalid(&at, e.to_string()))?;
                if content.trim().is_empty() {
                    rendered
                } else {
                    format!("{}\n{rendered}", content.trim_end())
                }
            }
            _ => content,
        };
        out.push(Message::new(role, text));
    }
    Ok(out)
}

/// The `tools` list as the function objects the renderer lists, each
/// checked by our schema reader.
fn tools_list(body: &Map<String, Value>) -> ApiResult<Vec<Value>> {
    let items = match body.get("tools") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(ApiError::invalid("tools", "'tools' must be a list")),
    };
    let mut out = Vec::with_capacity(items.len());
    let mut names = std::collections::HashSet::new();
    for (i, t) in items.iter().enumerate() {
        let at = format!("tools[{i}]");
        let entry = object(t, &at)?;
        match entry.get("type").and_then(Value::as_str) {
            Some("function") => {}
            _ => {
                return Err(ApiError::invalid(
                    &format!("{at}.type"),
                    "only tools of type 'function' are supported",
                ))
            }
        }
        let function = entry
            .get("function")
            .filter(|f| f.is_object())
            .ok_or_else(|| ApiError::invalid(&at, "a tool needs a 'function' object"))?;
        let spec = FunctionSpec::from_json(function)
            .map_err(|e| ApiError::invalid(&format!("{at}.function"), e.to_string()))?;
        if !names.insert(spec.name.clone()) {
            return Err(ApiError::invalid(
                &at,
                format!("two tools are named '{}'", spec.name),
            ));
        }
        out.push(function.clone());
    }
    Ok(out)
}

fn tool_choice(body: &Map<String, Value>, tools: &[Value]) -> ApiResult<ToolChoice> {
    let choice = match body.get("tool_choice") {
        None | Some(Value::Null) => ToolChoice::Auto,
        Some(Value::String(s)) => match s.as_str() {
            "auto" => ToolChoice::Auto,
            "none" => ToolChoice::None,
            "required" => ToolChoice::Required,
            other => {
                return Err(ApiError::invalid(
                    "tool_choice",
                    format!(
                    "tool_choice must be auto, none, required or a named function, got '{other}'"
                ),
                ))
            }
        },
        Some(v) => {
            let name = v
                .pointer("/function/name")
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    ApiError::invalid(
                        "tool_choice",
                        "a named tool_choice is {\"type\": \"function\", \"function\": {\"name\": ...}}",
                    )
                })?;
            ToolChoice::Named(name.to_string())
        }
    };
    match &choice {
        ToolChoice::Required if tools.is_empty() => Err(ApiError::invalid(
            "tool_choice",
            "tool_choice 'required' needs a non-empty 'tools' list",
        )),
        ToolChoice::Named(name) if !tools.iter().any(|t| t["name"] == *name.as_str()) => {
            Err(ApiError::invalid(
                "tool_choice",
                format!("tool_choice names '{name}', which is not in 'tools'"),
            ))
        }
        _ => Ok(choice),
    }
}

/// Parses and checks a chat request body (already valid JSON).
pub fn chat_request(body: &Value, limits: &Limits) -> ApiResult<ChatRequest> {
    let body = request_body(body)?;
    let model = model_field(body)?;
    let messages = messages(body, limits)?;
    let tools = tools_list(body)?;
    let tool_choice = tool_choice(body, &tools)?;
    let parallel_calls = body.get("parallel_tool_calls").is_none_or(Value::is_null)
        || flag(body, "parallel_tool_calls")?;
    let sampling = sampling(body, limits)?;
    Ok(ChatRequest {
        model,
        conversation: Conversation { messages, tools },
        tool_choice,
        parallel_calls,
        sampling,
    })
}

/// Parses and checks a completions request body (already valid JSON).
pub fn completion_request(body: &Value, limits: &Limits) -> ApiResult<CompletionRequest> {
    let body = request_body(body)?;
    let model = model_field(body)?;
    let prompt = match body.get("prompt") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        Some(Value::Array(items)) if items.len() == 1 && items[0].is_string() => {
            items[0].as_str().unwrap_or_default().to_string()
        }
        Some(Value::Array(_)) => {
            return Err(ApiError::invalid(
                "prompt",
                "only one prompt per request is supported",
            ))
        }
        _ => {
            return Err(ApiError::invalid(
                "prompt",
                "'prompt' must be a non-empty string",
            ))
        }
    };
    Ok(CompletionRequest {
        model,
        prompt,
        sampling: sampling(body, limits)?,
    })
}

/// Calls one answer may hold under `tool_choice: "required"`.
pub const MAX_CALLS: usize = 8;

/// For `required` or a named function: a grammar that lets the answer be
/// nothing but calls of the offered functions (one call of that one
/// function), with arguments that fit their schemas. `auto` and `none`
/// leave the model free.
pub fn call_grammar(chat: &ChatRequest) -> Option<String> {
    let (choice, tools) = (&chat.tool_choice, &chat.conversation.tools);
    let specs: Vec<FunctionSpec> = tools
        .iter()
        .filter(|t| match choice {
            ToolChoice::Required => true,
            ToolChoice::Named(name) => t["name"] == *name.as_str(),
            ToolChoice::Auto | ToolChoice::None => false,
        })
        .filter_map(|t| FunctionSpec::from_json(t).ok())
        .collect();
    if specs.is_empty() {
        return None;
    }
    let refs: Vec<&FunctionSpec> = specs.iter().collect();
    let max_calls = match choice {
        ToolChoice::Required if chat.parallel_calls => MAX_CALLS,
        _ => 1,
    };
    Some(tools::parse::grammar::hermes_calls(&refs, max_calls))
}

/// An answer split into text and calls.
#[derive(Clone, Debug, PartialEq)]
pub struct Reply {
    pub content: Option<String>,
    pub calls: Vec<ToolCall>,
}

/// Reads the calls out of a full answer (prefill included) when tools were
/// offered. A call that does not parse leaves the whole text as content:
/// the client sees what the model wrote.
pub fn reply(text: &str, tools_offered: bool) -> Reply {
    if tools_offered {
        if let Some(at) = text.find("<tool_call>") {
            if let Ok(calls) = CallFormat::Hermes.parse(text) {
                if !calls.is_empty() {
                    let before = text[..at].trim();
                    return Reply {
                        content: (!before.is_empty()).then(|| before.to_string()),
                        calls,
                    };
                }
            }
        }
    }
    Reply {
        content: Some(text.to_string()),
        calls: Vec::new(),
    }
}

/// OpenAI's `tool_calls` list; ids are `call_<request>_<i>`.
pub fn tool_calls_json(calls: &[ToolCall], request_id: &str) -> Value {
    Value::Array(
        calls
            .iter()
            .enumerate()
            .map(|(i, c)| {
                json!({
                    "index": i,
                    "id": format!("call_{request_id}_{i}"),
                    "type": "function",
                    "function": {"name": c.name, "arguments": tools::parse::to_json_text(&c.arguments)},
                })
            })
            .collect(),
    )
}

/// The assistant `message` object of a reply.
pub fn message_json(reply: &Reply, request_id: &str) -> Value {
    let mut m = json!({"role": "assistant", "content": reply.content});
    if !reply.calls.is_empty() {
        m["tool_calls"] = tool_calls_json(&reply.calls, request_id);
    }
    m
}

/// `finish_reason`: calls win, then the token limit, else a natural stop.
pub fn finish_reason(reply: &Reply, hit_limit: bool) -> &'static str {
    if !reply.calls.is_empty() {
        "tool_calls"
    } else if hit_limit {
        "length"
    } else {
        "stop"
    }
}

/// Token counts and time in llama.cpp of an answer (every turn of it).
#[derive(Clone, Copy, Debug, Default)]
pub struct Usage {
    pub prompt_tokens: usize,
    /// Of `prompt_tokens`, those whose cells the engine kept from the
    /// request before (a common prefix), not computed again.
    pub cached_tokens: usize,
    pub completion_tokens: usize,
    pub prompt_ms: f64,
    pub predicted_ms: f64,
}

impl From<&crate::infer::Generation> for Usage {
    fn from(g: &crate::infer::Generation) -> Usage {
        let mut u = Usage::default();
        u.add(g);
        u
    }
}

impl Usage {
    pub fn add(&mut self, g: &crate::infer::Generation) {
        self.prompt_tokens += g.prompt_tokens;
        self.cached_tokens += g.cached_tokens;
        self.completion_tokens += g.generated_tokens;
        self.prompt_ms += g.prefill_ms;
        self.predicted_ms += g.decode_ms;
    }

    /// OpenAI's `usage` object.
    pub fn json(&self) -> Value {
        json!({
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.prompt_tokens + self.completion_tokens,
            "prompt_tokens_details": {"cached_tokens": self.cached_tokens},
        })
    }

    /// The `timings` extension (llama.cpp server's names): milliseconds in
    /// prefill and in decoding, so a client can tell server overhead and
    /// queueing from model time. `prompt_n` counts the prompt tokens
    /// computed, `cache_n` those kept from the request before.
    pub fn timings(&self) -> Value {
        let per_second = |n: usize, ms: f64| if ms > 0.0 { n as f64 * 1e3 / ms } else { 0.0 };
        let computed = self.prompt_tokens - self.cached_tokens;
        json!({
            "cache_n": self.cached_tokens,
            "prompt_n": computed,
            "prompt_ms": self.prompt_ms,
            "prompt_per_second": per_second(computed, self.prompt_ms),
            "predicted_n": self.completion_tokens,
            "predicted_ms": self.predicted_ms,
            "predicted_per_second": per_second(self.completion_tokens, self.predicted_ms),
        })
    }
}

/// Splits streamed text into what may go out as `content` now: everything
/// before the first `<tool_call>`, holding back a tail that could be the
/// start of that tag. After the tag nothing more is content.
#[derive(Default)]
pub struct ContentFilter {
    pending: String,
    in_call: bool,
    tools_offered: bool,
}

const OPEN_TAG: &str = "<tool_call>";

impl ContentFilter {
    pub fn new(tools_offered: bool) -> ContentFilter {
        ContentFilter {
            tools_offered,
            ..ContentFilter::default()
        }
    }

    /// Text that can be sent now.
    pub fn push(&mut self, text: &str) -> String {
        if !self.tools_offered {
            return text.to_string();
        }
        if self.in_call {
            return String::new();
        }
        self.pending.push_str(text);
        if let Some(at) = self.pending.find(OPEN_TAG) {
            self.in_call = true;
            let out = self.pending[..at].to_string();
            self.pending.clear();
            return out;
        }
        // Hold back the longest tail that is a prefix of the tag.
        let keep = (1..OPEN_TAG.len().min(self.pending.len() + 1))
            .rev()
            .find(|&k| {
                self.pending.is_char_boundary(self.pending.len() - k)
                    && OPEN_TAG.starts_with(&self.pending[self.pending.len() - k..])
            })
            .unwrap_or(0);
        let cut = self.pending.len() - keep;
        let out = self.pending[..cut].to_string();
        self.pending.drain(..cut);
        out
    }

    /// The held-back tail at the end of generation.
    pub fn finish(&mut self) -> String {
        if self.in_call {
            String::new()
        } else {
            std::mem::take(&mut self.pending)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            max_messages: 8,
            max_tokens: 512,
        }
    }

    fn weather_tool() -> Value {
        json!({"type": "function", "function": {"name": "get_weather", "description": "Weather in a city",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}})
    }

    #[test]
    fn a_tool_round_trip_renders_as_the_model_writes_it() {
        let body = json!({
            "model": "m",
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": [{"type": "text", "text": "Weather in "}, {"type": "text", "text": "Paris?"}]},
                {"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function",
                    "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]},
                {"role": "tool", "tool_call_id": "c1", "content": "18 C, sunny"}
            ],
            "tools": [weather_tool()],
            "temperature": 0.5, "seed": -1, "stop": "END", "max_tokens": 64,
            "stream": true, "stream_options": {"include_usage": true}
        });
        let r = chat_request(&body, &limits()).unwrap();
        let m = &r.conversation.messages;
        assert_eq!(m[1].content, "Weather in Paris?");
        assert_eq!(m[2].role, Role::Assistant);
        assert_eq!(
            m[2].content,
            "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>"
        );
        assert_eq!(m[3].role, Role::Tool);
        assert_eq!(r.conversation.tools[0]["name"], "get_weather");
        assert_eq!(r.tool_choice, ToolChoice::Auto);
        let s = &r.sampling;
        assert_eq!(
            (
                s.temperature,
                s.seed,
                s.max_tokens,
                s.stream,
                s.include_usage
            ),
            (Some(0.5), Some(u32::MAX), Some(64), true, true)
        );
        assert_eq!(s.stop, ["END"]);
        let text = dataset::prompt::render_text(&r.conversation, true);
        assert!(text.contains("<tools>\n{\"name\": \"get_weather\""));
        assert!(text.contains("<tool_response>\n18 C, sunny\n</tool_response>"));
    }

    #[test]
    fn bad_requests_name_the_field() {
        let cases = [
            (json!([1]), ""),
            (
                json!({"messages": [{"role": "user", "content": "x"}]}),
                "model",
            ),
            (json!({"model": 3, "messages": []}), "model"),
            (json!({"model": "m", "messages": []}), "messages"),
            (json!({"model": "m", "messages": "hi"}), "messages"),
            (
                json!({"model": "m", "messages": [{"role": "wizard", "content": "x"}]}),
                "messages[0].role",
            ),
            (
                json!({"model": "m", "messages": [{"role": "user", "content": 5}]}),
                "messages[0].content",
            ),
            (
                json!({"model": "m", "messages": [{"role": "user", "content": [{"type": "image_url"}]}]}),
                "messages[0].content",
            ),
            (
                json!({"model": "m", "messages": [{"role": "assistant", "tool_calls": [{"function": {"name": "f", "arguments": "{oops"}}]}]}),
                "messages[0].tool_calls[0].function.arguments",
            ),
            (
                json!({"model": "m", "messages": [{"role": "user", "content": "x"}], "temperature": "hot"}),
                "temperature",
            ),
            (
                json!({"model": "m", "messages": [{"role": "user", "content": "x"}], "temperature": 3}),
                "temperature",
            ),
            (
                json!({"model": "m", "messages": [{"role": "user", "content": "x"}], "max_tokens": 0}),
                "max_tokens",
            ),
            (
                json!({"model": "m", "messages": [{"role": "user", "content": "x"}], "max_tokens": 100000}),
                "max_tokens",
            ),
            (
                json!({"model": "m", "messages": [{"role": "user", "content": "x"}], "n": 2}),
                "n",
            ),
            (
                json!({"model": "m", "messages": [{"role": "user", "content": "x"}], "stop": [1]}),
                "stop",
            ),
            (
                json!({"model": "m", "messages": [{"role": "user", "content": "x"}], "stream": "yes"}),
                "stream",
            ),
            (
                json!({"model": "m", "messages": [{"role": "user", "content": "x"}], "tools": [{"type": "retrieval"}]}),
                "tools[0].type",
            ),
            (
                json!({"model": "m", "messages": [{"role": "user", "content": "x"}],
                    "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {"a": {"type": "wibble"}}}}}]}),
                "tools[0].function",
            ),
            (
                json!({"model": "m", "messages": [{"role": "user", "content": "x"}], "tools": [weather_tool(), weather_tool()]}),
                "tools[1]",
            ),
            (
                json!({"model": "m", "messages": [{"role": "user", "content": "x"}], "tool_choice": "required"}),
                "tool_choice",
            ),
            (
                json!({"model": "m", "messages": [{"role": "user", "content": "x"}], "tools": [weather_tool()],
                    "tool_choice": {"type": "function", "function": {"name": "other"}}}),
                "tool_choice",
            ),
        ];
        for (body, param) in cases {
            let e = chat_request(&body, &limits()).unwrap_err();
            assert_eq!(e.status, 400, "{body}");
            assert_eq!(
                e.param.as_deref().unwrap_or(""),
                param,
                "{body}: {}",
                e.message
            );
            let j = e.to_json();
            assert_eq!(j["error"]["type"], "invalid_request_error");
            assert!(!j["error"]["message"].as_str().unwrap().is_empty());
        }
        let many: Vec<Value> = (0..9)
            .map(|_| json!({"role": "user", "content": "x"}))
            .collect();
        let e = chat_request(&json!({"model": "m", "messages": many}), &limits()).unwrap_err();
        assert!(e.message.contains("at most 8"), "{}", e.message);
    }

    #[test]
    fn completions_take_one_prompt() {
        let r = completion_request(&json!({"model": "m", "prompt": ["Once"]}), &limits()).unwrap();
        assert_eq!(r.prompt, "Once");
        for bad in [
            json!({"model": "m"}),
            json!({"model": "m", "prompt": ["a", "b"]}),
        ] {
            assert_eq!(
                completion_request(&bad, &limits())
                    .unwrap_err()
                    .param
                    .as_deref(),
                Some("prompt")
            );
        }
    }

    #[test]
    fn replies_split_text_and_calls() {
        let text = "Let me look.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}}\n</tool_call>";
        let r = reply(text, true);
        assert_eq!(r.content.as_deref(), Some("Let me look."));
        assert_eq!(r.calls[0].name, "get_weather");
        assert_eq!(finish_reason(&r, true), "tool_calls");
        let m = message_json(&r, "7");
        assert_eq!(m["tool_calls"][0]["id"], "call_7_0");
        assert_eq!(
            m["tool_calls"][0]["function"]["arguments"],
            "{\"city\": \"Oslo\"}"
        );
        // Without tools, or with a broken call, the text is the content.
        assert_eq!(reply(text, false).content.as_deref(), Some(text));
        let broken = "<tool_call>\n{\"name\": \"f\", \"arguments\": {oops}\n</tool_call>";
        let r = reply(broken, true);
        assert!(r.calls.is_empty() && r.content.as_deref() == Some(broken));
        assert_eq!(finish_reason(&r, true), "length");
    }

    #[test]
    fn the_content_filter_never_leaks_a_call() {
        let text = "Sure <tool_c... no. Checking.\n<tool_call>\n{\"name\": \"f\"}\n</tool_call>";
        // Every split of the text into pieces gives the same content.
        for step in 1..6 {
            let mut f = ContentFilter::new(true);
            let mut out = String::new();
            let chars: Vec<char> = text.chars().collect();
            for piece in chars.chunks(step) {
                out.push_str(&f.push(&piece.iter().collect::<String>()));
            }
            out.push_str(&f.finish());
            assert_eq!(out, "Sure <tool_c... no. Checking.\n", "step {step}");
        }
        let mut f = ContentFilter::new(true);
        assert_eq!(f.push("a <tool"), "a ");
        assert_eq!(f.finish(), "<tool");
        let mut f = ContentFilter::new(false);
        assert_eq!(f.push("<tool_call>"), "<tool_call>");
    }
}
