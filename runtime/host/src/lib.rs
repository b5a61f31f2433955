//! Facts about this process and machine, shared by every layer above:
//! where downloads are cached, resident memory, free memory, the CPU's
//! name, byte counts for people, and the one progress-bar style.
//!
//! Not for: anything that needs llama.cpp or a model (build info with
//! llama.cpp's system info is `runtime::build_info`).
//!
//! ```
//! let (rss, peak) = host::rss_bytes();
//! assert!(peak >= rss || peak == 0);
//! println!("{} resident, cache in {}", host::human_bytes(rss), host::cache_dir().display());
//! ```

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::path::PathBuf;

/// File name of the default model (SmolLM2-135M-Instruct, Q4_1).
pub const DEFAULT_MODEL_FILE: &str = "SmolLM2-135M-Instruct.Q4_1.gguf";

/// Where downloaded models and data live: outside git, in
/// `$AGENTCODER_CACHE` or `~/.cache/agentcoder`.
pub fn cache_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("AGENTCODER_CACHE") {
        return PathBuf::from(d);
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    home.join(".cache").join("agentcoder")
}

/// The default model as fetched by `make model`.
pub fn default_model() -> PathBuf {
    cache_dir().join("models").join(DEFAULT_MODEL_FILE)
}

/// Where `scripts/fetch-bfcl.sh` puts the BFCL data: `<cache>/bfcl`.
pub fn bfcl_dir() -> PathBuf {
    cache_dir().join("bfcl")
}

/// Resident and peak resident memory of this process (Linux; 0 elsewhere).
pub fn rss_bytes() -> (u64, u64) {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = |key: &str| {
        s.lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
            * 1024
    };
    (kb("VmRSS:"), kb("VmHWM:"))
}

/// Starts a new peak: resets the kernel's high-water mark (VmHWM) to the
/// current RSS, so the next [`rss_bytes`] peak covers only what follows.
/// Returns false where that is not possible (not Linux, or refused).
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Memory this process can use now (`MemAvailable`), 0 when unknown.
pub fn available_bytes() -> u64 {
    let mut sys = sysinfo::System::new();
    sys.refresh_memory();
    sys.available_memory()
}

/// The machine's total memory in bytes.
pub fn total_memory_bytes() -> u64 {
    let mut sys = sysinfo::System::new();
    sys.refresh_memory();
    sys.total_memory()
}

/// Makes every thread allocate from one heap (glibc's `M_ARENA_MAX` = 1;
/// a no-op elsewhere). Called before a training run starts any worker
/// thread (an arena made earlier stays in use): a step's buffers are
/// freed on whichever rayon worker ran the step, and with one arena per
/// thread the next step, run on another
/// worker, grew that worker's arena while the first kept its freed pages,
/// a peak RSS up to one step's activations (300 MB at seq 256 with every
/// layer kept) above the estimate. Training allocates few, large buffers,
/// so one shared arena costs nothing measurable; trimming the heap after
/// each step instead cost 10% of the step in page faults.
pub fn share_one_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator tuning; M_ARENA_MAX is valid.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

/// The CPU's model name (Linux /proc/cpuinfo; "unknown" elsewhere).
pub fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

/// Hardware threads this process may use.
pub fn cpu_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Seconds since the Unix epoch (0 if the clock is before it).
pub fn unix_time() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A bar on stderr counting `unit` (hidden when `show` is false or stderr
/// is not a terminal).
pub fn progress_bar(total: u64, done: u64, show: bool, unit: &str) -> ProgressBar {
    let bar = ProgressBar::new(total);
    if !show {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    bar.set_style(
        ProgressStyle::with_template(&format!(
            "{{bar:30}} {{pos}}/{{len}} {unit}  {{msg}}  ETA {{eta}}"
        ))
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_position(done);
    bar
}

/// Bytes as a short human string (`97.9 MB`).
pub fn human_bytes(b: u64) -> String {
    let b = b as f64;
    if b >= 1e9 {
        format!("{:.2} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.1} MB", b / 1e6)
    } else if b >= 1e3 {
        format!("{:.1} kB", b / 1e3)
    } else {
        format!("{b} B")
    }
}

/// Parses `6GB`, `512MB`, `800M`, `2g`, or a plain number of bytes.
pub fn parse_bytes(s: &str) -> Option<u64> {
    let s = s.trim();
    let split = s.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: f64 = num.trim().parse().ok()?;
    let mult = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "kib" => 1024.0,
        "m" | "mb" => 1e6,
        "mib" => 1024.0 * 1024.0,
        "g" | "gb" => 1e9,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    (n >= 0.0).then_some((n * mult) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sizes() {
        assert_eq!(parse_bytes("6GB"), Some(6_000_000_000));
        assert_eq!(parse_bytes("512 MiB"), Some(512 << 20));
        assert_eq!(parse_bytes("100"), Some(100));
        assert_eq!(parse_bytes("x"), None);
        assert_eq!(parse_bytes("5 parsecs"), None);
    }

    #[test]
    fn human_bytes_picks_the_unit() {
        assert_eq!(human_bytes(97_900_000), "97.9 MB");
        assert_eq!(human_bytes(1_850_000_000), "1.85 GB");
        assert_eq!(human_bytes(12), "12 B");
    }

    #[test]
    fn cache_dir_follows_the_environment_variable() {
        // Only read here: tests in this binary run in parallel, so the
        // variable is not set, just checked against what it would give.
        let expected = std::env::var_os("AGENTCODER_CACHE").map(PathBuf::from);
        if let Some(e) = expected {
            assert_eq!(cache_dir(), e);
        } else {
            assert!(cache_dir().ends_with(".cache/agentcoder"));
        }
        assert!(default_model().ends_with(DEFAULT_MODEL_FILE));
    }
}
