//! Progress display and the loss-curve SVG of a training run.

use std::path::Path;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::run::StepMetrics;
use crate::memory::human_bytes;
use crate::{Error, Result};

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

pub fn update_bar(bar: &ProgressBar, m: &StepMetrics, total: usize) {
    let val = m
        .val_loss
        .map(|v| format!(" val {v:.4}"))
        .unwrap_or_default();
    bar.set_message(format!(
        "loss {:.4}{val}  {:.0} tok/s  RSS {}",
        m.loss,
        m.tok_s,
        human_bytes(m.rss_bytes)
    ));
    bar.set_position(m.step as u64);
    if bar.is_hidden() && (m.step == 1 || m.step == total || m.val_loss.is_some()) {
        eprintln!(
            "step {}/{total} loss {:.4}{val} {:.0} tok/s RSS {}",
            m.step,
            m.loss,
            m.tok_s,
            human_bytes(m.rss_bytes)
        );
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
