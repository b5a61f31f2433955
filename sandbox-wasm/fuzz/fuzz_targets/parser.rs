//! Parser + resolver on arbitrary text: must return Ok or a SyntaxError, never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(src) = std::str::from_utf8(data) {
        if let Ok(mut body) = pyguest::parser::parse_program(src) {
            let _ = pyguest::resolve::resolve_module(&mut body);
        }
    }
});
