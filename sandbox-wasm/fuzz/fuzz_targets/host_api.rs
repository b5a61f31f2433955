//! Whole host API on arbitrary programs under small limits: never panics,
//! never reports an interpreter panic (InternalError), always terminates.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

static SANDBOX: OnceLock<sandbox::Sandbox> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let sb = SANDBOX.get_or_init(|| sandbox::Sandbox::new().expect("guest compiles"));
    let src = String::from_utf8_lossy(data);
    let limits = sandbox::Limits { fuel: 20_000_000, memory_bytes: 32 << 20, output_bytes: 4096, recursion_depth: 100 };
    let out = sb.run(&src, &limits);
    if let Some(e) = &out.error {
        assert_ne!(e.kind, "InternalError", "{}: {}", src, e);
    }
});
