//! Built-in tools: `python` (feature `python`), `calculator`, `files`,
//! `search_docs`.

pub mod calculator;
pub mod files;
#[cfg(feature = "python")]
pub mod python;
pub mod search_docs;

pub use calculator::Calculator;
pub use files::Files;
#[cfg(feature = "python")]
pub use python::Python;
pub use search_docs::SearchDocs;

use crate::Registry;

/// A registry with every built-in tool; `search_docs` only when an index
/// is given.
pub fn registry(docs: Option<SearchDocs>) -> Registry {
    let mut registry = Registry::new();
    let mut tools: Vec<Box<dyn crate::Tool>> = Vec::new();
    #[cfg(feature = "python")]
    tools.push(Box::new(Python::default()));
    tools.push(Box::new(Calculator::default()));
    tools.push(Box::new(Files::default()));
    if let Some(docs) = docs {
        tools.push(Box::new(docs));
    }
    for tool in tools {
        registry
            .register(tool)
            .expect("built-in tool names are distinct");
    }
    registry
}
