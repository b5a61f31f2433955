//! Host side of the Python sandbox: runs the guest interpreter (compiled to
//! wasm32, embedded with `include_bytes!`) in `wasmi` with fuel, memory and
//! output limits, a fresh instance per call. Not for: the interpreter itself
//! (that is `sandbox-wasm/guest`).
