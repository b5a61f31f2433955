//! Tools a model can call and the parsers that read its calls.
//!
//! - [`Tool`], [`Registry`], [`ToolContext`]: tools by name; the registry
//!   validates arguments against each tool's [`schema::FunctionSpec`] before
//!   running it, with errors a model can act on.
//! - [`schema`]: one [`schema::Schema`] type read from OpenAI/BFCL JSON
//!   schema or xLAM's flat Python-typed style.
//! - [`builtin`]: `python` (wasm sandbox), `calculator` (exact rationals),
//!   `files` (in-memory, per conversation), `search_docs` (BM25 over a local
//!   folder; the offline stand-in for web search).
//! - [`parse`]: `<EXEC>`, Hermes `<tool_call>`, xLAM JSON and pythonic call
//!   parsers, each with a renderer.
//!
//! Not for: running models or prompt templates (that is `runtime`).
//!
//! ```
//! use tools::{builtin, parse, ToolContext};
//!
//! let registry = builtin::registry(None);
//! let mut ctx = ToolContext::default();
//! let calls = parse::pythonic::parse(r#"[calculator(expression="2**100 / 3")]"#).unwrap();
//! let out = registry.call(&calls[0], &mut ctx).unwrap();
//! assert_eq!(out.text, "1267650600228229401496703205376/3 ≈ 4.22550200076076e+29");
//!
//! // Bad arguments come back as a message for the model.
//! let bad = parse::hermes::parse(r#"<tool_call>{"name": "calculator", "arguments": {"expr": "1"}}</tool_call>"#).unwrap();
//! let err = registry.call(&bad[0], &mut ctx).unwrap_err();
//! assert_eq!(err.to_string(), "missing required argument 'expression' for calculator(expression: string)");
//! ```

pub mod builtin;
mod error;
pub mod parse;
pub mod registry;
pub mod schema;

pub use error::{Error, ToolError};
pub use parse::{CallFormat, ParseError, ToolCall};
pub use registry::{ContextLimits, Registry, Tool, ToolContext, ToolOutput};
pub use schema::{FunctionSpec, ObjectSchema, Schema, SchemaKind};
