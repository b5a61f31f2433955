//! Results of an evaluation run: per-item outcomes, the summary per
//! (model, mode, category), a Markdown table, SVG bar charts and a
//! self-contained HTML report. Every rate is shown with its count and a
//! 95% Wilson score interval, so a 5-item sample reads as what it is.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::{Deserialize, Serialize};

/// Accuracy of one model in one mode on one category.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SummaryRow {
    pub model: String,
    pub mode: String,
    pub category: String,
    pub n: usize,
    pub correct: usize,
    pub accuracy: f64,
    /// 95% Wilson score interval of `correct / n` (see [`wilson`]).
    pub ci95: [f64; 2],
    pub mean_latency_ms: f64,
    pub mean_tokens: f64,
}

/// The 95% Wilson score interval of `k` successes in `n` trials (Wilson
/// 1927; the `method="wilson"` of statsmodels' `proportion_confint`):
/// `(p + z²/2n ± z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n)`, z = 1.95996.
/// Unlike the normal interval it stays inside [0, 1] and is not empty at
/// 0/n or n/n. [0, 1] when n = 0.
pub fn wilson(k: usize, n: usize) -> [f64; 2] {
    if n == 0 {
        return [0.0, 1.0];
    }
    const Z: f64 = 1.959_963_984_540_054;
    let (n, p) = (n as f64, k as f64 / n as f64);
    let z2 = Z * Z;
    let centre = p + z2 / (2.0 * n);
    let half = Z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    let d = 1.0 + z2 / n;
    [
        ((centre - half) / d).max(0.0),
        ((centre + half) / d).min(1.0),
    ]
}

/// `a / b`, or 0 when there is nothing to divide by.
pub fn fraction(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// How a rate over `n` items is shown in every table (Markdown and HTML
/// alike): `50.0% (1/2, CI 9–91)` with the 95% Wilson interval in %, or
/// `– (0 items)` when there was nothing to count.
pub fn share_cell(rate: f64, correct: usize, n: usize) -> String {
    if n == 0 {
        "– (0 items)".to_string()
    } else {
        let [lo, hi] = wilson(correct, n);
        format!(
            "{:.1}% ({correct}/{n}, CI {:.0}–{:.0})",
            100.0 * rate,
            100.0 * lo,
            100.0 * hi
        )
    }
}

/// The number of items behind a score kept as a rate over `n` items.
pub fn count_of(rate: f64, n: usize) -> usize {
    (rate * n as f64).round() as usize
}

/// The line under every table that says what its cells are.
pub const CELL_NOTE: &str = "Cells: rate (correct/items, CI = 95% Wilson score interval in %).";

/// What the summary needs of one judged item.
#[derive(Clone, Debug)]
pub struct ItemStat {
    pub model: String,
    pub mode: String,
    pub category: String,
    pub valid: bool,
    pub latency_ms: f64,
    pub tokens: usize,
}

/// Groups items by (model, mode, category); models keep the order in which
/// they first appear (the order of `--lora`), modes and categories sort.
pub fn summarize(items: &[ItemStat]) -> Vec<SummaryRow> {
    let mut models: Vec<&str> = Vec::new();
    for i in items {
        if !models.contains(&i.model.as_str()) {
            models.push(&i.model);
        }
    }
    let rank = |m: &str| models.iter().position(|x| *x == m).unwrap_or(0);
    let mut groups: BTreeMap<(usize, String, String), Vec<&ItemStat>> = BTreeMap::new();
    for i in items {
        groups
            .entry((rank(&i.model), i.mode.clone(), i.category.clone()))
            .or_default()
            .push(i);
    }
    groups
        .into_iter()
        .map(|((m, mode, category), v)| {
            let n = v.len();
            let correct = v.iter().filter(|x| x.valid).count();
            SummaryRow {
                model: models[m].to_string(),
                mode,
                category,
                n,
                correct,
                accuracy: correct as f64 / n.max(1) as f64,
                ci95: wilson(correct, n),
                mean_latency_ms: v.iter().map(|x| x.latency_ms).sum::<f64>() / n.max(1) as f64,
                mean_tokens: v.iter().map(|x| x.tokens as f64).sum::<f64>() / n.max(1) as f64,
            }
        })
        .collect()
}

fn columns(rows: &[SummaryRow]) -> Vec<String> {
    let mut cols: Vec<String> = rows
        .iter()
        .map(|r| format!("{} / {}", r.model, r.mode))
        .collect();
    cols.dedup();
    let mut seen = Vec::new();
    cols.retain(|c| {
        if seen.contains(c) {
            false
        } else {
            seen.push(c.clone());
            true
        }
    });
    cols
}

fn categories(rows: &[SummaryRow]) -> Vec<String> {
    let mut cats: Vec<String> = Vec::new();
    for r in rows {
        if !cats.contains(&r.category) {
            cats.push(r.category.clone());
        }
    }
    cats
}

fn cell(rows: &[SummaryRow], col: &str, cat: &str) -> Option<SummaryRow> {
    rows.iter()
        .find(|r| format!("{} / {}", r.model, r.mode) == col && r.category == cat)
        .cloned()
}

/// Accuracy per category (rows) for each model / mode (columns).
pub fn markdown(rows: &[SummaryRow]) -> String {
    let cols = columns(rows);
    let mut s = String::from("| category |");
    for c in &cols {
        let _ = write!(s, " {c} |");
    }
    s.push_str("\n|---|");
    s.push_str(&"---:|".repeat(cols.len()));
    s.push('\n');
    for cat in categories(rows) {
        let _ = write!(s, "| {cat} |");
        for c in &cols {
            match cell(rows, c, &cat) {
                Some(r) => {
                    let _ = write!(s, " {} |", share_cell(r.accuracy, r.correct, r.n));
                }
                None => s.push_str(" – |"),
            }
        }
        s.push('\n');
    }
    s.push('\n');
    s.push_str(CELL_NOTE);
    s.push('\n');
    s
}

/// Grouped bars: one group per category, one bar per model / mode, each
/// with its 95% interval as a grey whisker (the value is written at the
/// bar's top, right of the whisker) and a legend of swatches above the
/// plot. The SVG has a `viewBox`, so a page can scale it to its width.
pub fn bar_chart_svg(title: &str, rows: &[SummaryRow]) -> String {
    const COLORS: [&str; 6] = [
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
    ];
    let cols = columns(rows);
    let cats = categories(rows);
    let pad = 40.0;
    let legend_h = 16.0 * cols.len() as f64;
    let (w, top) = (
        130.0 * cats.len().max(1) as f64 + 2.0 * pad,
        30.0 + legend_h + 16.0,
    );
    let plot_h = 220.0;
    let h = top + plot_h + pad;
    let base = top + plot_h;
    let group_w = (w - 2.0 * pad) / cats.len().max(1) as f64;
    let bar_w = group_w * 0.8 / cols.len().max(1) as f64;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"11\">\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/><text x=\"{}\" y=\"18\" text-anchor=\"middle\" font-size=\"14\">{}</text>\
         <line x1=\"{pad}\" y1=\"{base}\" x2=\"{}\" y2=\"{base}\" stroke=\"black\"/>",
        w / 2.0,
        escape(title),
        w - pad,
    );
    for (ci, col) in cols.iter().enumerate() {
        let y = 30.0 + 16.0 * ci as f64;
        let _ = write!(
            s,
            "<g class=\"legend\"><rect x=\"{pad}\" y=\"{y}\" width=\"12\" height=\"12\" fill=\"{}\"/>\
             <text x=\"{}\" y=\"{}\">{}</text></g>",
            COLORS[ci % COLORS.len()],
            pad + 18.0,
            y + 10.0,
            escape(col)
        );
    }
    for (gi, cat) in cats.iter().enumerate() {
        let x0 = pad + gi as f64 * group_w + group_w * 0.1;
        for (ci, col) in cols.iter().enumerate() {
            // No bar where there was nothing to count (e.g. error recovery
            // with no failed call): a zero bar would claim 0%.
            let Some(r) = cell(rows, col, cat).filter(|r| r.n > 0) else {
                continue;
            };
            let y = |v: f64| base - v * plot_h;
            let x = x0 + ci as f64 * bar_w;
            let mid = x + bar_w * 0.45;
            let _ = write!(
                s,
                "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{}\"><title>{}: {}</title></rect>\
                 <line class=\"ci\" x1=\"{mid:.1}\" y1=\"{:.1}\" x2=\"{mid:.1}\" y2=\"{:.1}\" stroke=\"#555\" stroke-opacity=\"0.7\"/>\
                 <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"start\">{:.0}</text>",
                y(r.accuracy),
                bar_w * 0.9,
                r.accuracy * plot_h,
                COLORS[ci % COLORS.len()],
                escape(col),
                share_cell(r.accuracy, r.correct, r.n),
                y(r.ci95[0]),
                y(r.ci95[1]),
                mid + 2.0,
                y(r.accuracy) - 3.0,
                r.accuracy * 100.0
            );
        }
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            x0 + group_w * 0.4,
            base + 14.0,
            escape(cat)
        );
    }
    s.push_str("</svg>\n");
    s
}

/// Text for HTML and SVG.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Whether a results.json item failed: `correct` (code suite), `exact`
/// (fc) or `valid` (BFCL) is false.
fn failed(item: &serde_json::Value) -> bool {
    ["correct", "exact", "valid"]
        .iter()
        .any(|k| item.get(*k) == Some(&serde_json::Value::Bool(false)))
}

/// A single HTML file with the table, the chart and every failed item
/// (collapsed; opening one shows its whole record, trajectory included).
/// Sized for a laptop: the chart scales to the page width and wide tables
/// scroll inside their box. The page marks `<html data-overflow>` true or
/// false once loaded, for the headless-browser check
/// (`scripts/check-report.sh`).
pub fn html(
    title: &str,
    rows: &[SummaryRow],
    machine: &str,
    items: &[serde_json::Value],
) -> String {
    let mut table = String::from("<div class=\"scroll\"><table><tr><th>category</th>");
    let cols = columns(rows);
    for c in &cols {
        let _ = write!(table, "<th>{}</th>", escape(c));
    }
    table.push_str("</tr>");
    for cat in categories(rows) {
        let _ = write!(table, "<tr><td>{}</td>", escape(&cat));
        for c in &cols {
            match cell(rows, c, &cat) {
                Some(r) => {
                    let _ = write!(table, "<td>{}</td>", share_cell(r.accuracy, r.correct, r.n));
                }
                None => table.push_str("<td>–</td>"),
            }
        }
        table.push_str("</tr>");
    }
    let _ = write!(table, "</table></div><p class=\"note\">{CELL_NOTE}</p>");
    let failures: Vec<&serde_json::Value> = items.iter().filter(|i| failed(i)).collect();
    let mut failed_html = format!(
        "<h2>Failed items ({} of {})</h2>",
        failures.len(),
        items.len()
    );
    for it in failures {
        let field = |k: &str| it.get(k).and_then(|v| v.as_str()).unwrap_or("");
        let why = it
            .get("error_type")
            .and_then(|v| v.as_str())
            .or_else(|| it.get("final_answer").and_then(|v| v.as_str()))
            .unwrap_or("");
        let why: String = why.chars().take(80).collect();
        let record = serde_json::to_string_pretty(it).unwrap_or_default();
        let _ = write!(
            failed_html,
            "<details><summary>{} · {} · {} — {}</summary><pre>{}</pre></details>",
            escape(field("model")),
            escape(field("category")),
            escape(field("id")),
            escape(&why),
            escape(&record)
        );
    }
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>{t}</title><style>\
         body{{font-family:sans-serif;max-width:1200px;margin:0 auto;padding:0 12px}}\
         .scroll{{overflow-x:auto}} table{{border-collapse:collapse}} td,th{{border:1px solid #999;padding:4px}}\
         td{{text-align:right}} td:first-child{{text-align:left}} .note{{color:#555;font-size:90%}}\
         svg{{max-width:100%;height:auto}} pre{{white-space:pre-wrap;word-break:break-word;background:#f6f6f6;padding:6px}}\
         summary{{cursor:pointer}}</style></head><body>\
         <h1>{t}</h1><p>{}</p>{table}<p>{}</p>{failed_html}\
         <script>document.documentElement.dataset.overflow = document.documentElement.scrollWidth > window.innerWidth;</script>\
         </body></html>\n",
        escape(machine),
        bar_chart_svg("accuracy (%)", rows),
        t = escape(title),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_table_and_chart() {
        let item = |model: &str, valid, latency_ms| ItemStat {
            model: model.into(),
            mode: "fc".into(),
            category: "simple_python".into(),
            valid,
            latency_ms,
            tokens: 5,
        };
        let items = vec![
            item("base", true, 10.0),
            item("base", false, 20.0),
            item("lora", true, 30.0),
        ];
        let rows = summarize(&items);
        assert_eq!(rows.len(), 2);
        // Models in the order given, not sorted: "zeta" first stays first.
        let order = summarize(&[item("zeta", true, 1.0), item("alpha", true, 1.0)]);
        assert_eq!(
            (order[0].model.as_str(), order[1].model.as_str()),
            ("zeta", "alpha")
        );
        assert_eq!((rows[0].n, rows[0].correct), (2, 1));
        assert_eq!(rows[0].mean_latency_ms, 15.0);
        let md = markdown(&rows);
        assert!(
            md.contains("| simple_python | 50.0% (1/2, CI 9–91) | 100.0% (1/1, CI 21–100) |"),
            "{md}"
        );
        // Background, a legend swatch per model, a bar per model.
        let svg = bar_chart_svg("acc", &rows);
        assert!(svg.starts_with("<svg") && svg.matches("<rect").count() == 5);
        assert_eq!(svg.matches("class=\"legend\"").count(), 2);
        assert!(svg.contains("viewBox="));
        assert!(html("t", &rows, "m", &[]).contains("<table"));
    }

    /// Closed forms at the edges (lower bound n/(n+z²) at n/n, upper
    /// z²/(n+z²) at 0/n) and statsmodels' `proportion_confint(1, 2,
    /// method="wilson")` = (0.0945, 0.9055).
    #[test]
    fn wilson_intervals_match_known_values() {
        let z2 = 1.959_963_984_540_054f64.powi(2);
        let close = |a: f64, b: f64| (a - b).abs() < 1e-4;
        let [lo, hi] = wilson(5, 5);
        assert!(close(lo, 5.0 / (5.0 + z2)) && hi == 1.0, "{lo} {hi}");
        let [lo, hi] = wilson(0, 10);
        assert!(lo == 0.0 && close(hi, z2 / (10.0 + z2)), "{lo} {hi}");
        let [lo, hi] = wilson(1, 2);
        assert!(close(lo, 0.0945) && close(hi, 0.9055), "{lo} {hi}");
        assert_eq!(wilson(0, 0), [0.0, 1.0]);
        // Narrows as n grows around the same rate.
        let w = |k, n| {
            let [a, b] = wilson(k, n);
            b - a
        };
        assert!(w(5, 10) > w(50, 100) && w(50, 100) > w(500, 1000));
    }

    /// Failed items become collapsed records with their trajectories;
    /// passed ones are not listed, and text from the model is escaped.
    #[test]
    fn html_lists_failed_items_escaped() {
        let items = vec![
            serde_json::json!({"id": "a1", "model": "base", "category": "multiple", "valid": false,
                               "error_type": "wrong <name>", "raw": "<script>x</script>"}),
            serde_json::json!({"id": "a2", "model": "base", "category": "multiple", "valid": true}),
            serde_json::json!({"id": "c1", "model": "lora", "category": "multi_step", "correct": false,
                               "trajectory": {"turns": [{"raw": "print(1/0)"}]}}),
        ];
        let page = html("t", &[], "m", &items);
        assert!(page.contains("Failed items (2 of 3)"), "{page}");
        assert_eq!(page.matches("<details>").count(), 2);
        assert!(page.contains("base · multiple · a1 — wrong &lt;name&gt;"));
        assert!(page.contains("print(1/0)") && !page.contains("<script>x"));
        assert!(page.contains("dataset.overflow"));
    }
}
