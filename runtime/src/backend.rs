//! The one process-wide llama.cpp backend, with its logs silenced unless
//! `set_verbose(true)` was called first.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

use llama_cpp_2::llama_backend::LlamaBackend;

static BACKEND: OnceLock<LlamaBackend> = OnceLock::new();
static VERBOSE: AtomicBool = AtomicBool::new(false);

/// Let llama.cpp print its own logs to stderr (`--verbose`). Call before
/// anything loads a model.
pub fn set_verbose(verbose: bool) {
    VERBOSE.store(verbose, Ordering::SeqCst);
}

/// The process-wide backend (llama.cpp allows one `llama_backend_init`).
pub fn backend() -> &'static LlamaBackend {
    BACKEND.get_or_init(|| {
        let mut b = LlamaBackend::init()
            .expect("llama_backend_init runs once per process (guarded by OnceLock)");
        if !VERBOSE.load(Ordering::SeqCst) {
            b.void_logs();
        }
        b
    })
}

/// llama.cpp's `llama_print_system_info()`: which SIMD the linked ggml uses.
pub fn system_info() -> String {
    let _ = backend();
    // SAFETY: returns a pointer to a static NUL-terminated string.
    let p = unsafe { llama_cpp_sys_2::llama_print_system_info() };
    if p.is_null() {
        return String::new();
    }
    unsafe { std::ffi::CStr::from_ptr(p) }
        .to_string_lossy()
        .into_owned()
}
