//! Evaluation: the BFCL AST checker and suites (code, fc, bfcl), per-item
//! outcomes, tables and charts. [`answer`] judges a final answer against
//! a ground truth (the code suite and `agent --suite basic`).
//!
//! BFCL: [`bfcl_data`] loads the v4 entries and possible answers fetched by
//! `make bfcl`; [`bfcl_ast`] is a port of the official AST checker, agreeing
//! with it case by case on `tests/fixtures/bfcl/verdicts.jsonl`.
//!
//! ```no_run
//! use runtime::eval::{bfcl_ast, bfcl_data::{self, Category}};
//! let entries = bfcl_data::load_category(&host::bfcl_dir(), Category::Multiple)?;
//! let calls: Vec<tools::ToolCall> = Vec::new(); // parsed from the model's text
//! let verdict = bfcl_ast::check_entry(&entries[0], &calls, Default::default());
//! println!("{} {:?}", verdict.valid, verdict.error_type);
//! # Ok::<(), runtime::Error>(())
//! ```

pub mod answer;
pub mod bfcl_ast;
pub mod bfcl_data;
mod bfcl_py;
pub mod bfcl_run;
mod bfcl_values;
pub mod code;
pub mod fc;
pub mod report;
pub mod run;

impl bfcl_ast::DecodedCall for tools::ToolCall {
    fn name(&self) -> &str {
        &self.name
    }
    fn arguments(&self) -> &serde_json::Value {
        &self.arguments
    }
}

impl From<bfcl_data::DataError> for crate::Error {
    fn from(e: bfcl_data::DataError) -> Self {
        match e {
            bfcl_data::DataError::Io { path, source } => crate::Error::Io { path, source },
            other => crate::Error::Input(other.to_string()),
        }
    }
}
