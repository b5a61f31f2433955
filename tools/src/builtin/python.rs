//! `python`: runs code in the wasm sandbox (`sandbox` crate) with the
//! conversation's limits, and returns what it printed or the Python error
//! (after any output printed before it). The sandbox is created on first
//! use and kept in the [`ToolContext`].

use crate::registry::{Tool, ToolContext, ToolOutput};
use crate::schema::{FunctionSpec, ObjectSchema, Schema, SchemaKind};
use crate::ToolError;
use serde_json::Value;

pub const NAME: &str = "python";

/// The python tool.
pub struct Python {
    spec: FunctionSpec,
}

impl Default for Python {
    fn default() -> Self {
        let code =
            Schema::new(SchemaKind::String).describe("Python code; print() what you want to see");
        Python {
            spec: FunctionSpec {
                name: NAME.into(),
                description: "Run Python code (a safe subset: no imports of files or network) and return what it prints.".into(),
                parameters: ObjectSchema::default().with("code", code, true),
            },
        }
    }
}

impl Tool for Python {
    fn spec(&self) -> &FunctionSpec {
        &self.spec
    }

    fn call(&self, args: &Value, ctx: &mut ToolContext) -> Result<ToolOutput, ToolError> {
        let code = args.get("code").and_then(Value::as_str).ok_or_else(|| {
            ToolError::invalid(
                NAME,
                format!(
                    "missing required argument 'code' for {}",
                    self.spec.signature()
                ),
            )
        })?;
        let sandbox = match &ctx.sandbox {
            Some(sandbox) => sandbox.clone(),
            None => {
                let sandbox = sandbox::Sandbox::new().map_err(|e| {
                    ToolError::failed(NAME, format!("the sandbox could not start: {e}"))
                })?;
                ctx.sandbox = Some(sandbox.clone());
                sandbox
            }
        };
        let outcome = sandbox.run(code, &ctx.limits.python);
        // A cut output already ends with sandbox::TRUNCATION_MARKER.
        let mut text = outcome.stdout;
        match outcome.error {
            Some(error) => {
                if !text.is_empty() && !text.ends_with('\n') {
                    text.push('\n');
                }
                Err(ToolError::failed(NAME, format!("{text}{error}")))
            }
            None if text.is_empty() => {
                Ok(ToolOutput::new("(no output; use print() to show a result)"))
            }
            None => Ok(ToolOutput::new(text)),
        }
    }
}
