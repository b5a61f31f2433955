//! A record of one agent run: every turn's raw text, parsed calls, results,
//! timings and errors. Written as JSONL (one object per run).

use dataset::prompt::Conversation;
use serde::Serialize;

/// One executed call.
#[derive(Clone, Debug, Default, Serialize)]
pub struct CallRecord {
    pub name: String,
    pub arguments: serde_json::Value,
    pub ok: bool,
    /// The tool's output, or the error message fed back to the model.
    pub output: String,
    pub ms: f64,
}

/// One model reply and what came of it.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Turn {
    pub index: usize,
    pub raw: String,
    pub calls: Vec<CallRecord>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parse_error: Option<String>,
    pub prompt_tokens: usize,
    pub generated_tokens: usize,
    pub gen_ms: f64,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TrajectoryEnd {
    Answered,
    #[default]
    MaxTurns,
    /// The conversation outgrew the model's context window.
    ContextFull,
}

#[derive(Clone, Debug, Serialize)]
pub struct Trajectory {
    pub question: String,
    pub format: &'static str,
    pub turns: Vec<Turn>,
    pub final_answer: Option<String>,
    pub end: TrajectoryEnd,
    pub total_ms: f64,
    /// The conversation as the model saw it (system, question, replies,
    /// tool results), for turning a run into training data; the turns
    /// above already record it for JSONL.
    #[serde(skip)]
    pub conversation: Conversation,
}

impl Trajectory {
    pub fn new(question: &str, format: &'static str) -> Self {
        Trajectory {
            question: question.to_string(),
            format,
            turns: Vec::new(),
            final_answer: None,
            end: TrajectoryEnd::MaxTurns,
            total_ms: 0.0,
            conversation: Conversation::default(),
        }
    }

    pub fn tool_calls(&self) -> usize {
        self.turns.iter().map(|t| t.calls.len()).sum()
    }

    /// Time spent outside model generation and tool execution.
    pub fn overhead_ms(&self) -> f64 {
        let inside: f64 = self
            .turns
            .iter()
            .map(|t| t.gen_ms + t.calls.iter().map(|c| c.ms).sum::<f64>())
            .sum();
        (self.total_ms - inside).max(0.0)
    }

    pub fn to_json_line(&self) -> String {
        serde_json::to_string(self).expect("trajectories serialize")
    }
}
