//! The tools crate from outside: built-in tools against Python oracles,
//! the calculator against Python's arithmetic, parser round trips and the
//! schema checker. One test binary.

mod builtin_tools;
mod calculator_oracle;
mod parser_properties;
mod schema;
mod util;
