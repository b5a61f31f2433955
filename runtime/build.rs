//! Records the git commit and the target CPU level for `agentcoder info`
//! and run manifests.
fn main() {
    let commit = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=AGENTCODER_GIT_COMMIT={commit}");
    let flags = std::env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    let level = flags
        .split('\x1f')
        .find_map(|f| f.strip_prefix("target-cpu="))
        .unwrap_or("default")
        .to_string();
    println!("cargo:rustc-env=AGENTCODER_TARGET_CPU={level}");
    println!("cargo:rerun-if-changed=../.git/HEAD");
    println!("cargo:rerun-if-changed=../.git/refs/heads");
}
