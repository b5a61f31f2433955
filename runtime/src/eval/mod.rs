//! Evaluation: the suites (code, fc, bfcl), per-item
//! outcomes, tables and charts (answers are judged by `dataset::answer`).
//!
//! BFCL: the data and the AST checker are the `bfcl` crate; [`bfcl_run`]
//! runs a model over its entries.

pub mod bfcl_run;
pub mod code;
pub mod fc;
pub mod report;
pub mod run;

impl From<bfcl::data::DataError> for crate::Error {
    fn from(e: bfcl::data::DataError) -> Self {
        match e {
            bfcl::data::DataError::Io { path, source } => crate::Error::Io { path, source },
            other => crate::Error::Input(other.to_string()),
        }
    }
}
