//! The [`Tool`] trait, per-conversation [`ToolContext`] and the
//! [`Registry`] that validates arguments before a tool runs.

use crate::builtin::calculator::CalcLimits;
use crate::builtin::files::{FsLimits, MemFs};
use crate::schema::{FunctionSpec, ObjectSchema};
use crate::{Error, ToolCall, ToolError};
use serde_json::Value;

/// A function the model can call.
pub trait Tool: Send + Sync {
    /// Name, description and parameter schema, as shown to the model.
    fn spec(&self) -> &FunctionSpec;

    /// Runs the tool. `args` has already been validated against `spec()`
    /// when called through [`Registry::call`].
    fn call(&self, args: &Value, ctx: &mut ToolContext) -> Result<ToolOutput, ToolError>;

    fn name(&self) -> &str {
        &self.spec().name
    }

    fn description(&self) -> &str {
        &self.spec().description
    }

    fn parameters(&self) -> &ObjectSchema {
        &self.spec().parameters
    }
}

/// What a tool returns to the model.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolOutput {
    pub text: String,
}

impl ToolOutput {
    pub fn new(text: impl Into<String>) -> Self {
        ToolOutput { text: text.into() }
    }
}

/// Limits of one conversation's tools. Defaults are sized for a small
/// model's context window and an 8 GB laptop.
#[derive(Debug, Clone)]
pub struct ContextLimits {
    pub files: FsLimits,
    pub calculator: CalcLimits,
    /// Tool output longer than this many bytes is cut (default 16 KiB).
    pub max_output_bytes: usize,
    #[cfg(feature = "python")]
    pub python: sandbox::Limits,
}

impl Default for ContextLimits {
    fn default() -> Self {
        ContextLimits {
            files: FsLimits::default(),
            calculator: CalcLimits::default(),
            max_output_bytes: 16 * 1024,
            #[cfg(feature = "python")]
            python: sandbox::Limits::default(),
        }
    }
}

/// State that lives for one conversation: its files, the sandbox handle
/// (compiled on first use; cheap to clone) and the limits.
#[derive(Default)]
pub struct ToolContext {
    pub files: MemFs,
    pub limits: ContextLimits,
    #[cfg(feature = "python")]
    pub sandbox: Option<sandbox::Sandbox>,
}

impl ToolContext {
    pub fn new(limits: ContextLimits) -> Self {
        ToolContext {
            files: MemFs::default(),
            limits,
            #[cfg(feature = "python")]
            sandbox: None,
        }
    }
}

/// Tools by name, in registration order.
#[derive(Default)]
pub struct Registry {
    tools: Vec<Box<dyn Tool>>,
}

impl Registry {
    pub fn new() -> Self {
        Registry::default()
    }

    /// Adds a tool; names must be unique.
    pub fn register(&mut self, tool: Box<dyn Tool>) -> Result<(), Error> {
        if self.get(tool.name()).is_some() {
            return Err(Error::DuplicateTool(tool.name().to_string()));
        }
        self.tools.push(tool);
        Ok(())
    }

    pub fn get(&self, name: &str) -> Option<&dyn Tool> {
        self.tools
            .iter()
            .find(|t| t.name() == name)
            .map(|t| t.as_ref())
    }

    /// The tools' specs in registration order.
    pub fn list(&self) -> Vec<&FunctionSpec> {
        self.tools.iter().map(|t| t.spec()).collect()
    }

    pub fn names(&self) -> Vec<String> {
        self.tools.iter().map(|t| t.name().to_string()).collect()
    }

    /// `[{"name", "description", "parameters"}, ...]` for a prompt's tool
    /// list (see [`FunctionSpec::to_openai_json`] for the wrapped form).
    pub fn schemas_json(&self) -> Value {
        Value::Array(self.tools.iter().map(|t| t.spec().to_json()).collect())
    }

    /// Looks the tool up, validates the arguments, runs it and cuts its
    /// output to `ctx.limits.max_output_bytes`.
    pub fn call(&self, call: &ToolCall, ctx: &mut ToolContext) -> Result<ToolOutput, ToolError> {
        let tool = self.get(&call.name).ok_or_else(|| ToolError::UnknownTool {
            name: call.name.clone(),
            available: self.names(),
        })?;
        tool.spec()
            .validate(&call.arguments)
            .map_err(|message| ToolError::invalid(tool.name(), message))?;
        let mut output = tool.call(&call.arguments, ctx)?;
        output.text = truncate_output(output.text, ctx.limits.max_output_bytes);
        Ok(output)
    }
}

/// Cuts `text` to at most `max` bytes on a character boundary and says how
/// much was left out.
pub(crate) fn truncate_output(mut text: String, max: usize) -> String {
    if text.len() <= max {
        return text;
    }
    let mut cut = max;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let dropped = text.len() - cut;
    text.truncate(cut);
    text.push_str(&format!("\n[output truncated: {dropped} more bytes]"));
    text
}
