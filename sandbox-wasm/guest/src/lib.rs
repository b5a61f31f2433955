//! Guest: a Python-subset interpreter in Rust that compiles with rustc 1.63
//! for wasm32-unknown-unknown (and natively for unit tests). No dependencies.
