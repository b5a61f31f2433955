//! The sandbox's integration tests, built as one test binary (`integration`;
//! `Cargo.toml` turns off cargo's one-binary-per-file discovery):
//! - `attacks`: hostile programs, one test per limit in `sandbox::limits`;
//! - `corpus`: `corpus/*.py` against CPython's recorded output;
//! - `random_programs`: seeded random programs against CPython (the long
//!   run is `#[ignore]`d: `make fuzz-sandbox`);
//! - `util`: the CPython oracle they share.

mod attacks;
mod corpus;
mod random_programs;
mod util;
