//! Progress display and the loss-curve SVG of a training run.

use std::path::Path;
use std::time::{Duration, Instant};

use indicatif::ProgressBar;

use super::run::StepMetrics;
use crate::{Error, Result};
use host::human_bytes;

/// How often a run whose stderr is not a terminal (a log file, a pipe)
/// prints a plain progress line: every `steps` steps, or at the first step
/// after `interval` without a line, whichever comes first. The first and
/// last step, validations and skipped steps always get a line.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LineCadence {
    pub steps: usize,
    pub interval: Duration,
}

impl LineCadence {
    /// About 20 lines per run, and one at least every 30 seconds.
    pub fn for_run(total: usize) -> LineCadence {
        LineCadence {
            steps: total.div_ceil(20).max(1),
            interval: Duration::from_secs(30),
        }
    }
}

/// Training progress on stderr: a bar on a terminal, plain lines otherwise.
pub struct StepProgress {
    bar: ProgressBar,
    total: usize,
    /// Steps already done when this process started (resume).
    start_step: usize,
    started: Instant,
    last_line: Option<Instant>,
    cadence: LineCadence,
}

impl StepProgress {
    /// `done` of `total` steps are behind us; `show` asks for the bar.
    pub fn new(total: usize, done: usize, show: bool) -> StepProgress {
        StepProgress {
            bar: host::progress_bar(total as u64, done as u64, show, "steps"),
            total,
            start_step: done,
            started: Instant::now(),
            last_line: None,
            cadence: LineCadence::for_run(total),
        }
    }

    pub fn update(&mut self, m: &StepMetrics) {
        let val = m
            .val_loss
            .map(|v| format!(" val {v:.4}"))
            .unwrap_or_default();
        let skipped = if m.skipped {
            " (skipped: gradients not finite)"
        } else {
            ""
        };
        let rss = human_bytes(m.rss_bytes);
        self.bar.set_message(format!(
            "loss {:.4}{val}  {:.0} tok/s  RSS {rss}{skipped}",
            m.loss, m.tok_s
        ));
        self.bar.set_position(m.step as u64);
        if !self.bar.is_hidden() || !self.line_due(m) {
            return;
        }
        self.last_line = Some(Instant::now());
        let done = m.step.saturating_sub(self.start_step).max(1);
        let eta = self.started.elapsed().as_secs_f64() / done as f64
            * self.total.saturating_sub(m.step) as f64;
        eprintln!(
            "step {}/{} loss {:.4}{val} {:.0} tok/s ETA {} RSS {rss}{skipped}",
            m.step,
            self.total,
            m.loss,
            m.tok_s,
            short_duration(eta)
        );
    }

    fn line_due(&self, m: &StepMetrics) -> bool {
        let Some(last) = self.last_line else {
            return true;
        };
        m.step == self.total
            || m.val_loss.is_some()
            || m.skipped
            || m.step.is_multiple_of(self.cadence.steps)
            || last.elapsed() >= self.cadence.interval
    }

    /// A line above the bar (or on stderr without one).
    pub fn println(&self, line: &str) {
        if self.bar.is_hidden() {
            eprintln!("{line}");
        } else {
            self.bar.println(line);
        }
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// `3h05m`, `4m10s`, `12s`.
fn short_duration(secs: f64) -> String {
    let s = secs.max(0.0).round() as u64;
    match (s / 3600, s / 60 % 60, s % 60) {
        (0, 0, s) => format!("{s}s"),
        (0, m, s) => format!("{m}m{s:02}s"),
        (h, m, _) => format!("{h}h{m:02}m"),
    }
}

/// Draws training (and validation) loss against step from metrics.jsonl.
pub fn loss_curve_svg(metrics: &Path, out: &Path) -> Result<()> {
    let text = std::fs::read_to_string(metrics).map_err(Error::io(metrics))?;
    let mut train = Vec::new();
    let mut val = Vec::new();
    for line in text.lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let step = v["step"].as_f64().unwrap_or(0.0);
        if let Some(l) = v["loss"].as_f64() {
            train.push((step, l));
        }
        if let Some(l) = v["val_loss"].as_f64() {
            val.push((step, l));
        }
    }
    let svg = line_chart(
        "loss",
        &[
            ("train", "#1f77b4", &train),
            ("validation", "#d62728", &val),
        ],
    );
    gguf::write_atomic(out, svg.as_bytes()).map_err(Error::from)
}

/// A minimal SVG line chart.
/// One line of a chart: name, colour, (x, y) points.
pub type Series<'a> = (&'a str, &'a str, &'a [(f64, f64)]);

pub fn line_chart(title: &str, series: &[Series<'_>]) -> String {
    let (w, h, pad) = (640.0, 360.0, 48.0);
    let pts = series.iter().flat_map(|s| s.2.iter());
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in pts {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    if x0 > x1 {
        (x0, x1, y0, y1) = (0.0, 1.0, 0.0, 1.0);
    }
    let sx = |x: f64| pad + (x - x0) / (x1 - x0).max(1e-12) * (w - 2.0 * pad);
    let sy = |y: f64| h - pad - (y - y0) / (y1 - y0).max(1e-12) * (h - 2.0 * pad);
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"12\">\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\
         <text x=\"{}\" y=\"20\" text-anchor=\"middle\" font-size=\"14\">{title}</text>\
         <line x1=\"{pad}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"black\"/>\
         <line x1=\"{pad}\" y1=\"{pad}\" x2=\"{pad}\" y2=\"{}\" stroke=\"black\"/>\
         <text x=\"{pad}\" y=\"{}\">{x0}</text><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{x1}</text>\
         <text x=\"4\" y=\"{}\">{y1:.3}</text><text x=\"4\" y=\"{}\">{y0:.3}</text>",
        w / 2.0,
        h - pad,
        w - pad,
        h - pad,
        h - pad,
        h - pad + 16.0,
        w - pad,
        h - pad + 16.0,
        pad + 4.0,
        h - pad
    );
    for (i, (name, color, data)) in series.iter().enumerate() {
        if data.is_empty() {
            continue;
        }
        let path: Vec<String> = data
            .iter()
            .map(|&(x, y)| format!("{:.1},{:.1}", sx(x), sy(y)))
            .collect();
        s.push_str(&format!(
            "<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"1.5\" points=\"{}\"/>",
            path.join(" ")
        ));
        s.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" fill=\"{color}\" text-anchor=\"end\">{name}</text>",
            w - pad,
            pad + 14.0 * i as f64
        ));
    }
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_short() {
        assert_eq!(short_duration(12.4), "12s");
        assert_eq!(short_duration(250.0), "4m10s");
        assert_eq!(short_duration(11_100.0), "3h05m");
        assert_eq!(short_duration(-1.0), "0s");
    }

    #[test]
    fn about_twenty_lines_per_run() {
        assert_eq!(LineCadence::for_run(366).steps, 19);
        assert_eq!(LineCadence::for_run(6).steps, 1);
        assert_eq!(LineCadence::for_run(0).steps, 1);
    }
}
