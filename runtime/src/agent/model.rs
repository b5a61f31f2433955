//! What the agent loop needs from a model: text in, text out, with stop
//! strings. llama.cpp behind it in real use, a script in tests.

use std::collections::VecDeque;

use crate::infer::{Engine, LoraHandle, SamplingParams, StopReason};
use crate::{Error, Result};

/// One model reply.
#[derive(Clone, Debug, Default)]
pub struct Completion {
    pub text: String,
    /// The stop string that ended it, if any (not included in `text`).
    pub stopped_at: Option<String>,
    pub prompt_tokens: usize,
    pub generated_tokens: usize,
    pub prefill_ms: f64,
    pub decode_ms: f64,
}

pub trait ChatModel {
    fn complete(&mut self, prompt: &str, stop: &[String], max_tokens: usize) -> Result<Completion>;
}

/// A llama.cpp engine with optional adapter and sampling settings.
pub struct LlamaChat<'e> {
    pub engine: &'e mut Engine,
    pub lora: Option<(LoraHandle, f32)>,
    pub sampling: SamplingParams,
}

impl ChatModel for LlamaChat<'_> {
    fn complete(&mut self, prompt: &str, stop: &[String], max_tokens: usize) -> Result<Completion> {
        let params = SamplingParams {
            max_tokens,
            stop: stop.to_vec(),
            ..self.sampling.clone()
        };
        let g = self
            .engine
            .generate(prompt, &params, self.lora, &mut |_| true)?;
        Ok(Completion {
            stopped_at: match g.stop_reason {
                StopReason::StopString(s) => Some(s),
                _ => None,
            },
            text: g.text,
            prompt_tokens: g.prompt_tokens,
            generated_tokens: g.generated_tokens,
            prefill_ms: g.prefill_ms,
            decode_ms: g.decode_ms,
        })
    }
}

/// Replies from a fixed script, one per call (tests, demos). Honors stop
/// strings like a real model would.
#[derive(Default)]
pub struct ScriptedModel {
    pub replies: VecDeque<String>,
    /// Every prompt it was given.
    pub prompts: Vec<String>,
    /// Prompts longer than this many bytes fail like an overfull context.
    pub context_bytes: Option<usize>,
}

impl ScriptedModel {
    pub fn new<S: Into<String>>(replies: impl IntoIterator<Item = S>) -> Self {
        ScriptedModel {
            replies: replies.into_iter().map(Into::into).collect(),
            prompts: Vec::new(),
            context_bytes: None,
        }
    }
}

impl ChatModel for ScriptedModel {
    fn complete(
        &mut self,
        prompt: &str,
        stop: &[String],
        _max_tokens: usize,
    ) -> Result<Completion> {
        self.prompts.push(prompt.to_string());
        if let Some(n_ctx) = self.context_bytes.filter(|&n| prompt.len() > n) {
            return Err(Error::ContextFull {
                prompt_tokens: prompt.len(),
                n_ctx: n_ctx as u32,
            });
        }
        let reply = self
            .replies
            .pop_front()
            .ok_or_else(|| Error::Input("the scripted model has no replies left".into()))?;
        let cut = stop
            .iter()
            .filter_map(|s| reply.find(s.as_str()).map(|at| (at, s.clone())))
            .min_by_key(|(at, _)| *at);
        let (text, stopped_at) = match cut {
            Some((at, s)) => (reply[..at].to_string(), Some(s)),
            None => (reply, None),
        };
        Ok(Completion {
            generated_tokens: text.split_whitespace().count(),
            text,
            stopped_at,
            ..Completion::default()
        })
    }
}
