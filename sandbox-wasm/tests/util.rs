//! The CPython oracle of the integration tests: `scripts/regen_expected.py`
//! under `python3`.
//!
//! Without python3 an oracle test is skipped with a note, except in CI
//! (`CI` set and not `false`/`0`), where a skipped comparison would pass
//! unseen: there it fails. An oracle that starts and then exits non-zero
//! always fails the test.

use std::path::Path;
use std::process::Command;

/// Whether this run is CI's (`CI=true`, as CI services set it).
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.as_str(), "" | "0" | "false"))
}

/// Runs `python3 scripts/regen_expected.py args` and returns its stdout, or
/// `None` (with a note) when python3 cannot be started outside CI. Panics
/// with the oracle's output when it exits non-zero.
pub fn regen_expected(args: &[&std::ffi::OsStr]) -> Option<Vec<u8>> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/regen_expected.py");
    let out = match Command::new("python3").arg(&script).args(args).output() {
        Ok(out) => out,
        Err(e) if in_ci() => {
            panic!("python3 cannot be started in CI ({e}): the oracle is required")
        }
        Err(e) => {
            eprintln!(
                "SKIPPED: python3 cannot be started ({e}); the CPython comparison did not run"
            );
            return None;
        }
    };
    assert!(
        out.status.success(),
        "python3 {} {args:?} failed ({}):\n{}{}",
        script.display(),
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Some(out.stdout)
}
