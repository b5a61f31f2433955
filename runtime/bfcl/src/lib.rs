//! BFCL (Berkeley Function-Calling Leaderboard) v4: the data and a port of
//! its AST checker, for every single-turn AST category (Python, Java and
//! JavaScript; non-live and live; irrelevance and relevance). [`data`] loads
//! the entries and possible answers fetched by `make bfcl`; [`func_doc`]
//! rewrites the function docs as BFCL shows them to a model; [`ast`] is a
//! port of the official AST checker (with the Java and JavaScript type
//! converters in `java` and `js`), agreeing with it case by case on
//! `tests/fixtures/verdicts.jsonl` (`tests/agreement.rs`).
//!
//! Not for: running a model (that is `runtime::eval::bfcl_run`). This crate
//! needs only serde_json and regex, so the checker builds and tests without
//! llama.cpp.
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
pub mod func_doc;
mod java;
mod js;
mod py;
mod py_text;
mod values;
