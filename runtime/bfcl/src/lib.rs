//! BFCL (Berkeley Function-Calling Leaderboard) v4: the data and a port of
//! its AST checker. [`data`] loads the entries and possible answers fetched
//! by `make bfcl`; [`ast`] is a port of the official AST checker, agreeing
//! with it case by case on `tests/fixtures/verdicts.jsonl`
//! (`tests/agreement.rs`).
//!
//! Not for: running a model (that is `runtime::eval::bfcl_run`). This crate
//! needs only serde, so the checker builds and tests without llama.cpp.
//!
//! ```no_run
//! use bfcl::{ast, data::{self, Category}};
//! let entries = data::load_category(std::path::Path::new("bfcl"), Category::Multiple)?;
//! let calls: Vec<(String, serde_json::Value)> = Vec::new(); // parsed from the model's text
//! let verdict = ast::check_entry(&entries[0], &calls, Default::default());
//! println!("{} {:?}", verdict.valid, verdict.error_type);
//! # Ok::<(), bfcl::data::DataError>(())
//! ```

pub mod ast;
pub mod data;
mod py;
mod values;
