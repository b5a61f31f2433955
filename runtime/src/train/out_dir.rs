//! The run directory (`--out`): a new run refuses to write over an old one
//! (mixed metrics, a replaced adapter) unless told to resume it or to
//! replace it; a resumed run drops the metrics of steps it will redo.

use std::path::Path;

use crate::{Error, Result};

/// What `train` does with an existing, non-empty `--out` directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutDir {
    /// Start a new run; a non-empty directory is an error.
    New,
    /// Continue from `latest/` (a new run when there is no checkpoint yet).
    Resume,
    /// Start a new run after deleting what an earlier run wrote there
    /// ([`RUN_FILES`]; other files are left alone).
    Overwrite,
}

impl OutDir {
    /// From the `--resume` and `--overwrite` switches (which exclude each
    /// other).
    pub fn from_flags(resume: bool, overwrite: bool) -> Result<OutDir> {
        match (resume, overwrite) {
            (true, true) => Err(Error::Input(
                "--resume and --overwrite exclude each other".into(),
            )),
            (true, false) => Ok(OutDir::Resume),
            (false, true) => Ok(OutDir::Overwrite),
            (false, false) => Ok(OutDir::New),
        }
    }
}

/// Everything a run writes into its directory.
pub const RUN_FILES: &[&str] = &[
    "run.json",
    "metrics.jsonl",
    "loss.svg",
    "adapter.gguf",
    "latest",
    "best",
    "init.gguf",
    "tokenizer.json",
    "samples.jsonl",
    "model.gguf",
    "model-q8_0.gguf",
];

/// Checks `out` for `mode` before any work starts; with
/// [`OutDir::Overwrite`] deletes the earlier run's files.
pub(super) fn prepare(out: &Path, mode: OutDir) -> Result<()> {
    let non_empty = match std::fs::read_dir(out) {
        Ok(mut entries) => entries.next().is_some(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) => return Err(Error::io(out)(e)),
    };
    match mode {
        OutDir::New if non_empty => Err(Error::Input(format!(
            "{}: the output directory is not empty (an earlier run?); use --resume to \
             continue it, --overwrite to replace it, or another --out",
            out.display()
        ))),
        OutDir::Overwrite if non_empty => {
            for name in RUN_FILES {
                let p = out.join(name);
                let removed = if p.is_dir() {
                    std::fs::remove_dir_all(&p)
                } else {
                    std::fs::remove_file(&p)
                };
                match removed {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                        return Err(Error::io(&p)(e))
                    }
                    _ => {}
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Keeps the lines of `metrics.jsonl` up to step `step` (the checkpoint a
/// run resumes from), so redone steps are not listed twice; at step 0
/// (nothing to resume) none, as the run writes its own step-0 line.
/// Opens a JSONL log of steps for appending, after dropping the lines of
/// steps after `step` (a resumed run redoes them).
pub(super) fn metrics_from(path: &Path, step: usize) -> Result<std::fs::File> {
    keep_metrics_until(path, step)?;
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(Error::io(path))
}

pub(super) fn keep_metrics_until(path: &Path, step: usize) -> Result<()> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io(path)(e)),
    };
    let kept: String = text
        .lines()
        .filter(|line| {
            serde_json::from_str::<serde_json::Value>(line)
                .ok()
                .and_then(|v| v["step"].as_u64())
                .is_some_and(|s| step > 0 && s as usize <= step)
        })
        .flat_map(|line| [line, "\n"])
        .collect();
    gguf::write_atomic(path, kept.as_bytes()).map_err(Error::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A path inside a fresh scratch directory, not yet created.
    fn dir(tag: &str) -> (test_support::TempDir, std::path::PathBuf) {
        let tmp = test_support::TempDir::new(tag);
        let d = tmp.path("out");
        (tmp, d)
    }

    #[test]
    fn a_non_empty_directory_needs_resume_or_overwrite() {
        let (_tmp, d) = dir("modes");
        for mode in [OutDir::New, OutDir::Resume, OutDir::Overwrite] {
            prepare(&d, mode).unwrap(); // missing or empty: nothing to protect
            std::fs::create_dir_all(&d).unwrap();
        }
        std::fs::create_dir_all(d.join("latest")).unwrap();
        std::fs::write(d.join("metrics.jsonl"), "{}\n").unwrap();
        std::fs::write(d.join("notes.txt"), "mine").unwrap();
        let e = prepare(&d, OutDir::New).unwrap_err().to_string();
        assert!(e.contains("not empty") && e.contains("--overwrite"), "{e}");
        prepare(&d, OutDir::Resume).unwrap();
        assert!(d.join("metrics.jsonl").exists());
        prepare(&d, OutDir::Overwrite).unwrap();
        assert!(!d.join("metrics.jsonl").exists() && !d.join("latest").exists());
        assert!(d.join("notes.txt").exists(), "files of others stay");
    }

    #[test]
    fn resuming_drops_the_metrics_of_steps_to_redo() {
        let (_tmp, d) = dir("metrics");
        std::fs::create_dir_all(&d).unwrap();
        let p = d.join("metrics.jsonl");
        std::fs::write(
            &p,
            "{\"step\":0,\"val_loss\":2.0}\n{\"step\":1}\n{\"step\":2}\n{\"step\":3}\n{\"st",
        )
        .unwrap();
        keep_metrics_until(&p, 2).unwrap();
        let steps: Vec<String> = std::fs::read_to_string(&p)
            .unwrap()
            .lines()
            .map(String::from)
            .collect();
        assert_eq!(
            steps,
            [
                "{\"step\":0,\"val_loss\":2.0}",
                "{\"step\":1}",
                "{\"step\":2}"
            ]
        );
        keep_metrics_until(&p, 0).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "");
    }
}
