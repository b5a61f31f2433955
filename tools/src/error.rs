//! Typed errors. [`Error`] is for the program (bad schema, unreadable docs
//! folder, duplicate tool); [`ToolError`] is for the model: its `Display` is
//! the text fed back as the tool response, so it says what to change.

use std::fmt;
use std::path::PathBuf;

/// Errors of the crate's own API (construction, schema import, rendering).
#[derive(Debug)]
pub enum Error {
    /// A function schema could not be read. `path` points inside it, e.g.
    /// `parameters.properties.city.type`.
    Schema {
        function: String,
        path: String,
        message: String,
    },
    /// A file or folder could not be read (search_docs corpus).
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Two tools with the same name were registered.
    DuplicateTool(String),
    /// Tool calls that a format cannot express (e.g. a non-identifier
    /// argument name in pythonic syntax, or a non-python call as `<EXEC>`).
    Render {
        format: &'static str,
        message: String,
    },
    /// The sandbox could not be created.
    Sandbox(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Schema {
                function,
                path,
                message,
            } => write!(f, "schema of '{function}' at {path}: {message}"),
            Error::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Error::DuplicateTool(name) => write!(f, "tool '{name}' is already registered"),
            Error::Render { format, message } => {
                write!(f, "cannot render calls as {format}: {message}")
            }
            Error::Sandbox(message) => write!(f, "sandbox: {message}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Why a tool call did not produce a result. `Display` is written for the
/// model: one line that names the tool and what to do differently.
#[derive(Debug, Clone, PartialEq)]
pub enum ToolError {
    /// No tool of this name is registered.
    UnknownTool {
        name: String,
        available: Vec<String>,
    },
    /// The arguments do not match the tool's schema.
    InvalidArguments { tool: String, message: String },
    /// The tool ran and failed (division by zero, file not found, Python
    /// exception). `message` may include partial output.
    Failed { tool: String, message: String },
    /// A resource limit was hit (file-system quota, result size, fuel).
    LimitExceeded { tool: String, message: String },
}

impl ToolError {
    pub(crate) fn failed(tool: &str, message: impl Into<String>) -> Self {
        ToolError::Failed {
            tool: tool.to_string(),
            message: message.into(),
        }
    }

    pub(crate) fn limit(tool: &str, message: impl Into<String>) -> Self {
        ToolError::LimitExceeded {
            tool: tool.to_string(),
            message: message.into(),
        }
    }

    pub(crate) fn invalid(tool: &str, message: impl Into<String>) -> Self {
        ToolError::InvalidArguments {
            tool: tool.to_string(),
            message: message.into(),
        }
    }
}

impl fmt::Display for ToolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ToolError::UnknownTool { name, available } => write!(
                f,
                "unknown tool '{}'; available tools: {}",
                preview(name, 60),
                available.join(", ")
            ),
            // Validation messages already name the tool and its signature.
            ToolError::InvalidArguments { message, .. } => f.write_str(message),
            ToolError::Failed { tool, message } => write!(f, "{tool} failed: {message}"),
            ToolError::LimitExceeded { tool, message } => {
                write!(f, "{tool} limit exceeded: {message}")
            }
        }
    }
}

impl std::error::Error for ToolError {}

/// At most `max` characters of `text`, with `...` when cut, so that a 10 MB
/// argument never turns into a 10 MB error message.
pub(crate) fn preview(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_string(),
    }
}
