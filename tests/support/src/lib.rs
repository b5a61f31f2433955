//! What every package's tests share: a scratch directory removed on drop,
//! the default model's path, and `ok()` for a finished child process.
//!
//! Not for: oracles (llama.cpp's readers are in `agentcoder-tests`) or
//! anything a user runs.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A unique scratch directory under the system temp dir, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    /// A fresh, empty directory; `tag` names it for whoever finds one left
    /// behind by a killed run.
    pub fn new(tag: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("agentcoder-test-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("the temp dir is creatable");
        TempDir(dir)
    }

    pub fn dir(&self) -> &Path {
        &self.0
    }

    /// `name` inside the directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// `name` inside the directory, as a string for a command line.
    pub fn arg(&self, name: &str) -> String {
        self.path(name).display().to_string()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The default model; fails with the fix if `make model` has not run.
pub fn model() -> PathBuf {
    let p = host::default_model();
    assert!(
        p.exists(),
        "{} is missing: run `make model` first",
        p.display()
    );
    p
}

/// Asserts a child process exited 0 (showing its stderr if not) and
/// returns its stdout.
pub fn ok(o: &Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_dirs_are_distinct_and_removed_on_drop() {
        let a = TempDir::new("x");
        let b = TempDir::new("x");
        assert_ne!(a.dir(), b.dir());
        std::fs::write(a.path("f"), "1").unwrap();
        let kept = a.dir().to_path_buf();
        drop(a);
        assert!(!kept.exists());
        assert!(b.dir().is_dir());
    }
}
