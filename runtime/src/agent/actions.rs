//! Structured actions: a multi-turn environment where the model answers
//! with one JSON action per turn,
//! `{"action": "create_file"|"read_file"|"run_code"|"call_api"|"complete_task", "parameters": {...}}`,
//! executed against the conversation's in-memory files, the Python sandbox
//! and a registry of local mock APIs. Each step gets a reward (valid and
//! useful action), the episode an end judgement, and a successful episode
//! becomes a training conversation.

use serde::Serialize;
use serde_json::{json, Value};
use tools::{FunctionSpec, Registry, Tool, ToolCall, ToolContext, ToolError, ToolOutput};

use super::ChatModel;
use crate::Result;
use dataset::prompt::{render_text, Conversation, Message, Role};

/// Per-step rewards.
pub mod reward {
    /// The action parsed and ran without error.
    pub const VALID: f32 = 0.1;
    /// It changed the state or returned new information.
    pub const USEFUL: f32 = 0.1;
    /// Malformed JSON, unknown action, or the action failed.
    pub const INVALID: f32 = -0.2;
    /// `complete_task` and the judge agrees / disagrees.
    pub const SUCCESS: f32 = 1.0;
    pub const FAILURE: f32 = -1.0;
}

const ACTIONS: &str = "Reply with exactly one JSON object per turn: {\"action\": NAME, \"parameters\": {...}}. Actions:\n\
- create_file {\"path\": str, \"content\": str}\n\
- read_file {\"path\": str}\n\
- run_code {\"code\": str} (Python; print what you need)\n\
- call_api {\"name\": str, \"arguments\": {...}} (APIs listed below)\n\
- complete_task {\"answer\": str}\n";

/// Given the final answer and the environment, did the task succeed?
pub type Judge = Box<dyn Fn(&str, &ActionEnv) -> bool>;

/// A task and how to judge its end state.
pub struct Task {
    pub description: String,
    pub judge: Judge,
}

/// Files, sandbox and mock APIs of one episode.
pub struct ActionEnv {
    pub ctx: ToolContext,
    tools: Registry,
    apis: Registry,
}

impl ActionEnv {
    pub fn new(apis: Registry) -> ActionEnv {
        let mut tools = Registry::new();
        tools
            .register(Box::new(tools::builtin::Python::default()))
            .expect("one python tool");
        ActionEnv {
            ctx: ToolContext::default(),
            tools,
            apis,
        }
    }

    /// Runs one action; `Ok(useful)` or the error text for the model.
    fn execute(&mut self, action: &str, p: &Value) -> std::result::Result<(String, bool), String> {
        let s = |k: &str| {
            p.get(k)
                .and_then(Value::as_str)
                .ok_or_else(|| format!("{action} needs a string parameter '{k}'"))
        };
        let limits = self.ctx.limits.files.clone();
        match action {
            "create_file" => {
                let msg = self.ctx.files.write(s("path")?, s("content")?, &limits).map_err(|e| e.to_string())?;
                Ok((msg, true))
            }
            "read_file" => {
                let text = self.ctx.files.read(s("path")?, &limits).map_err(|e| e.to_string())?;
                Ok((text.to_string(), true))
            }
            "run_code" => {
                let call = ToolCall::new("python", json!({"code": s("code")?}));
                let out = self.tools.call(&call, &mut self.ctx).map_err(|e| e.to_string())?;
                let useful = !out.text.trim().is_empty();
                Ok((out.text, useful))
            }
            "call_api" => {
                let args = p.get("arguments").cloned().unwrap_or_else(|| json!({}));
                let out = self.apis.call(&ToolCall::new(s("name")?, args), &mut self.ctx).map_err(|e| e.to_string())?;
                Ok((out.text, true))
            }
            other => Err(format!("unknown action '{other}' (use create_file, read_file, run_code, call_api, complete_task)")),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct ActionStep {
    pub raw: String,
    pub action: Option<String>,
    pub parameters: Value,
    pub observation: String,
    pub reward: f32,
}

#[derive(Clone, Debug, Serialize)]
pub struct Episode {
    pub task: String,
    pub steps: Vec<ActionStep>,
    pub answer: Option<String>,
    pub success: bool,
    pub total_reward: f32,
}

impl Episode {
    /// A successful episode as a training conversation: the task, each
    /// action as an assistant turn and each observation as a tool turn.
    pub fn to_training_example(&self, system: &str) -> Option<Conversation> {
        if !self.success {
            return None;
        }
        let mut messages = vec![
            Message::new(Role::System, system.to_string()),
            Message::new(Role::User, self.task.clone()),
        ];
        for s in &self.steps {
            messages.push(Message::new(Role::Assistant, s.raw.trim().to_string()));
            if s.action.as_deref() != Some("complete_task") {
                messages.push(Message::new(Role::Tool, s.observation.clone()));
            }
        }
        Some(Conversation {
            messages,
            tools: vec![],
        })
    }
}

/// The system prompt for an environment: the action list and the APIs.
pub fn system_prompt(env: &ActionEnv) -> String {
    format!("{ACTIONS}APIs: {}", env.apis.schemas_json())
}

/// Parses `{"action": ..., "parameters": {...}}` from a reply (the first
/// JSON object in it).
pub fn parse_action(raw: &str) -> std::result::Result<(String, Value), String> {
    let start = raw.find('{').ok_or("no JSON object in the reply")?;
    let mut de = serde_json::Deserializer::from_str(&raw[start..]).into_iter::<Value>();
    let v = match de.next() {
        Some(Ok(v)) => v,
        Some(Err(e)) => return Err(format!("invalid JSON: {e}")),
        None => return Err("no JSON object in the reply".into()),
    };
    let action = v
        .get("action")
        .and_then(Value::as_str)
        .ok_or("missing \"action\"")?
        .to_string();
    let params = v.get("parameters").cloned().unwrap_or_else(|| json!({}));
    if !params.is_object() {
        return Err("\"parameters\" must be an object".into());
    }
    Ok((action, params))
}

/// Runs one episode of at most `max_steps` actions.
pub fn run_episode(
    model: &mut dyn ChatModel,
    env: &mut ActionEnv,
    task: &Task,
    max_steps: usize,
    max_tokens: usize,
) -> Result<Episode> {
    let system = system_prompt(env);
    let mut conv = Conversation {
        messages: vec![
            Message::new(Role::System, system),
            Message::new(Role::User, task.description.clone()),
        ],
        tools: vec![],
    };
    let mut ep = Episode {
        task: task.description.clone(),
        steps: Vec::new(),
        answer: None,
        success: false,
        total_reward: 0.0,
    };
    for _ in 0..max_steps {
        let c = model.complete(&render_text(&conv, true), &[], max_tokens)?;
        conv.messages
            .push(Message::new(Role::Assistant, c.text.trim().to_string()));
        let mut step = ActionStep {
            raw: c.text.clone(),
            action: None,
            parameters: Value::Null,
            observation: String::new(),
            reward: 0.0,
        };
        match parse_action(&c.text) {
            Err(e) => {
                step.observation = format!("Error: {e}");
                step.reward = reward::INVALID;
            }
            Ok((action, params)) if action == "complete_task" => {
                let answer = params
                    .get("answer")
                    .map(|a| a.as_str().map_or_else(|| a.to_string(), str::to_string))
                    .unwrap_or_default();
                ep.success = (task.judge)(&answer, env);
                step.reward = if ep.success {
                    reward::SUCCESS
                } else {
                    reward::FAILURE
                };
                step.action = Some(action);
                step.parameters = params;
                ep.answer = Some(answer);
                ep.total_reward += step.reward;
                ep.steps.push(step);
                break;
            }
            Ok((action, params)) => {
                match env.execute(&action, &params) {
                    Ok((obs, useful)) => {
                        step.reward = reward::VALID + if useful { reward::USEFUL } else { 0.0 };
                        step.observation = obs;
                    }
                    Err(e) => {
                        step.reward = reward::INVALID;
                        step.observation = format!("Error: {e}");
                    }
                }
                step.action = Some(action);
                step.parameters = params;
            }
        }
        conv.messages
            .push(Message::new(Role::Tool, step.observation.clone()));
        ep.total_reward += step.reward;
        ep.steps.push(step);
    }
    Ok(ep)
}

/// Arguments → the API's JSON reply, or an error message.
type MockAnswer = Box<dyn Fn(&Value) -> std::result::Result<String, String> + Send + Sync>;

/// A local mock API: a fixed table lookup, for episodes that need
/// `call_api` without a network.
pub struct MockApi {
    spec: FunctionSpec,
    answer: MockAnswer,
}

impl MockApi {
    pub fn new(
        spec: Value,
        answer: impl Fn(&Value) -> std::result::Result<String, String> + Send + Sync + 'static,
    ) -> MockApi {
        MockApi {
            spec: FunctionSpec::from_json(&spec).expect("mock API specs are valid"),
            answer: Box::new(answer),
        }
    }
}

impl Tool for MockApi {
    fn spec(&self) -> &FunctionSpec {
        &self.spec
    }
    fn call(
        &self,
        args: &Value,
        _ctx: &mut ToolContext,
    ) -> std::result::Result<ToolOutput, ToolError> {
        (self.answer)(args)
            .map(ToolOutput::new)
            .map_err(|message| ToolError::Failed {
                tool: self.spec.name.clone(),
                message,
            })
    }
}

/// The built-in mock APIs: `weather(city)` and `exchange_rate(from, to)`
/// over small fixed tables.
pub fn mock_apis() -> Registry {
    let mut r = Registry::new();
    let weather = MockApi::new(
        json!({"name": "weather", "description": "Current temperature (°C) of a city", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}),
        |a| {
            let city = a["city"].as_str().unwrap_or("");
            let t = match city.to_lowercase().as_str() {
                "paris" => 18,
                "tokyo" => 22,
                "oslo" => 4,
                _ => return Err(format!("unknown city '{city}' (known: Paris, Tokyo, Oslo)")),
            };
            Ok(json!({"city": city, "temperature_c": t}).to_string())
        },
    );
    let fx = MockApi::new(
        json!({"name": "exchange_rate", "description": "Exchange rate between two currencies", "parameters": {"type": "object", "properties": {"from": {"type": "string"}, "to": {"type": "string"}}, "required": ["from", "to"]}}),
        |a| {
            let pair = format!(
                "{}/{}",
                a["from"].as_str().unwrap_or(""),
                a["to"].as_str().unwrap_or("")
            )
            .to_uppercase();
            let rate = match pair.as_str() {
                "EUR/USD" => 1.08,
                "USD/JPY" => 151.2,
                "GBP/EUR" => 1.17,
                _ => return Err(format!("no rate for {pair}")),
            };
            Ok(json!({"pair": pair, "rate": rate}).to_string())
        },
    );
    r.register(Box::new(weather)).expect("distinct names");
    r.register(Box::new(fx)).expect("distinct names");
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::ScriptedModel;

    fn task() -> Task {
        Task {
            description: "Compute 2**20, save it to result.txt and report it.".into(),
            judge: Box::new(|answer, env| {
                let limits = env.ctx.limits.files.clone();
                answer.contains("1048576")
                    && env
                        .ctx
                        .files
                        .read("result.txt", &limits)
                        .is_ok_and(|t| t.trim() == "1048576")
            }),
        }
    }

    #[test]
    fn rewards_judgement_and_training_example() {
        let mut m = ScriptedModel::new([
            "{\"action\": \"run_code\", \"parameters\": {\"code\": \"print(2**20)\"}}",
            "not json at all",
            "{\"action\": \"call_api\", \"parameters\": {\"name\": \"weather\", \"arguments\": {\"city\": \"Atlantis\"}}}",
            "{\"action\": \"create_file\", \"parameters\": {\"path\": \"result.txt\", \"content\": \"1048576\"}}",
            "{\"action\": \"complete_task\", \"parameters\": {\"answer\": \"1048576\"}}",
        ]);
        let mut env = ActionEnv::new(mock_apis());
        let ep = run_episode(&mut m, &mut env, &task(), 8, 64).unwrap();
        let rewards: Vec<f32> = ep.steps.iter().map(|s| s.reward).collect();
        assert_eq!(
            rewards,
            [0.2, reward::INVALID, reward::INVALID, 0.2, reward::SUCCESS]
        );
        assert_eq!(ep.steps[0].observation.trim(), "1048576");
        assert!(ep.steps[2].observation.contains("unknown city"));
        assert!(ep.success);
        let conv = ep.to_training_example("sys").unwrap();
        assert_eq!(
            conv.messages
                .iter()
                .filter(|m| m.role == Role::Assistant)
                .count(),
            5
        );
        // The model saw each observation before its next action.
        assert!(m.prompts[1].contains("<tool_response>\n1048576"));
    }

    #[test]
    fn wrong_answer_fails_and_gives_no_example() {
        let mut m = ScriptedModel::new([
            "{\"action\": \"complete_task\", \"parameters\": {\"answer\": \"42\"}}",
        ]);
        let mut env = ActionEnv::new(mock_apis());
        let ep = run_episode(&mut m, &mut env, &task(), 3, 64).unwrap();
        assert!(!ep.success);
        assert_eq!(ep.total_reward, reward::FAILURE);
        assert!(ep.to_training_example("sys").is_none());
    }

    #[test]
    fn mock_api_arguments_are_validated() {
        let mut env = ActionEnv::new(mock_apis());
        assert!(env
            .execute(
                "call_api",
                &json!({"name": "exchange_rate", "arguments": {"from": "EUR"}})
            )
            .unwrap_err()
            .contains("to"));
        let (out, _) = env
            .execute(
                "call_api",
                &json!({"name": "exchange_rate", "arguments": {"from": "eur", "to": "usd"}}),
            )
            .unwrap();
        assert!(out.contains("1.08"));
    }
}
