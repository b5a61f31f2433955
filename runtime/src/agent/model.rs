//! What the agent loop needs from a model: text in, text out, with stop
//! strings. llama.cpp behind it in real use, a script in tests.

use std::collections::VecDeque;

use crate::infer::{Generation, LoraHandle, SamplingParams, Session, StopReason};
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

    /// Completes independent prompts, up to `parallel` at a time where the
    /// model can batch them; each prompt gets its reply or its own error.
    /// `on_done(i)` is called as prompt `i` finishes. By default one
    /// `complete` after another, stopping at the first error that is not
    /// an overfull context (as a caller of `complete` would).
    fn complete_many(
        &mut self,
        prompts: &[String],
        stop: &[String],
        max_tokens: usize,
        parallel: usize,
        on_done: &mut dyn FnMut(usize),
    ) -> Result<Vec<Result<Completion>>> {
        let _ = parallel;
        let mut out = Vec::with_capacity(prompts.len());
        for (i, p) in prompts.iter().enumerate() {
            match self.complete(p, stop, max_tokens) {
                Err(e) if !matches!(e, Error::ContextFull { .. }) => return Err(e),
                c => out.push(c),
            }
            on_done(i);
        }
        Ok(out)
    }
}

/// A llama.cpp engine with optional adapter and sampling settings. Its
/// session keeps the cells of the last prompt, so the next turn of a
/// conversation computes only what was added ([`crate::infer::Engine::session`]).
pub struct LlamaChat<'e> {
    pub session: Session<'e>,
    pub lora: Option<(LoraHandle, f32)>,
    pub sampling: SamplingParams,
}

impl ChatModel for LlamaChat<'_> {
    fn complete(&mut self, prompt: &str, stop: &[String], max_tokens: usize) -> Result<Completion> {
        let g = self.session.generate(
            prompt,
            &self.params(stop, max_tokens),
            self.lora,
            &mut |_| true,
        )?;
        Ok(g.into())
    }

    /// Batched through [`crate::infer::Engine::generate_many`]: the same texts as
    /// `complete` one prompt at a time, in less time.
    fn complete_many(
        &mut self,
        prompts: &[String],
        stop: &[String],
        max_tokens: usize,
        parallel: usize,
        on_done: &mut dyn FnMut(usize),
    ) -> Result<Vec<Result<Completion>>> {
        let params = self.params(stop, max_tokens);
        let gens = self
            .session
            .generate_many(prompts, parallel, &params, self.lora, on_done)?;
        Ok(gens.into_iter().map(|g| g.map(Completion::from)).collect())
    }
}

impl LlamaChat<'_> {
    fn params(&self, stop: &[String], max_tokens: usize) -> SamplingParams {
        SamplingParams {
            max_tokens,
            stop: stop.to_vec(),
            ..self.sampling.clone()
        }
    }
}

impl From<Generation> for Completion {
    fn from(g: Generation) -> Completion {
        Completion {
            stopped_at: match g.stop_reason {
                StopReason::StopString(s) => Some(s),
                _ => None,
            },
            text: g.text,
            prompt_tokens: g.prompt_tokens,
            generated_tokens: g.generated_tokens,
            prefill_ms: g.prefill_ms,
            decode_ms: g.decode_ms,
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Without batching, `complete_many` is `complete` in order: an
    /// overfull context is that prompt's error, any other error ends it.
    #[test]
    fn complete_many_defaults_to_one_complete_after_another() {
        let mut m = ScriptedModel::new(["a", "b"]);
        m.context_bytes = Some(5);
        let prompts = ["p1".to_string(), "too long".into(), "p3".into()];
        let mut done = Vec::new();
        let out = m
            .complete_many(&prompts, &[], 8, 4, &mut |i| done.push(i))
            .unwrap();
        assert_eq!(done, [0, 1, 2]);
        assert_eq!(out[0].as_ref().unwrap().text, "a");
        assert!(matches!(out[1], Err(Error::ContextFull { .. })));
        assert_eq!(out[2].as_ref().unwrap().text, "b");
        let mut empty = ScriptedModel::new(["a"]);
        let e = empty.complete_many(&vec!["p".to_string(); 2], &[], 8, 4, &mut |_| {});
        assert!(matches!(e, Err(Error::Input(_))));
    }
}
