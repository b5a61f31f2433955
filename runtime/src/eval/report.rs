//! Results of an evaluation run: per-item outcomes, the summary per
//! (model, mode, category), a Markdown table, SVG bar charts and a
//! self-contained HTML report.

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
    pub mean_latency_ms: f64,
    pub mean_tokens: f64,
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
/// alike): `50.0% (1/2)`, or `– (0 items)` when there was nothing to count.
pub fn share_cell(rate: f64, correct: usize, n: usize) -> String {
    if n == 0 {
        "– (0 items)".to_string()
    } else {
        format!("{:.1}% ({correct}/{n})", 100.0 * rate)
    }
}

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
    s
}

/// Grouped bars: one group per category, one bar per model / mode.
pub fn bar_chart_svg(title: &str, rows: &[SummaryRow]) -> String {
    const COLORS: [&str; 6] = [
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
    ];
    let cols = columns(rows);
    let cats = categories(rows);
    let (w, h, pad) = (160.0 * cats.len().max(1) as f64 + 120.0, 320.0, 40.0);
    let group_w = (w - 2.0 * pad) / cats.len().max(1) as f64;
    let bar_w = group_w * 0.8 / cols.len().max(1) as f64;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"11\">\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/><text x=\"{}\" y=\"18\" text-anchor=\"middle\" font-size=\"14\">{title}</text>\
         <line x1=\"{pad}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"black\"/>",
        w / 2.0,
        h - pad,
        w - pad,
        h - pad
    );
    let plot_h = h - 2.0 * pad - 20.0;
    for (gi, cat) in cats.iter().enumerate() {
        let x0 = pad + gi as f64 * group_w + group_w * 0.1;
        for (ci, col) in cols.iter().enumerate() {
            // No bar where there was nothing to count (e.g. error recovery
            // with no failed call): a zero bar would claim 0%.
            let Some(acc) = cell(rows, col, cat).filter(|r| r.n > 0).map(|r| r.accuracy) else {
                continue;
            };
            let bh = acc * plot_h;
            let x = x0 + ci as f64 * bar_w;
            let _ = write!(
                s,
                "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{bh:.1}\" fill=\"{}\"><title>{col}: {:.1}%</title></rect>\
                 <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{:.0}</text>",
                h - pad - bh,
                bar_w * 0.9,
                COLORS[ci % COLORS.len()],
                acc * 100.0,
                x + bar_w * 0.45,
                h - pad - bh - 3.0,
                acc * 100.0
            );
        }
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">{cat}</text>",
            x0 + group_w * 0.4,
            h - pad + 14.0
        );
    }
    for (ci, col) in cols.iter().enumerate() {
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" fill=\"{}\" text-anchor=\"end\">{col}</text>",
            w - 8.0,
            34.0 + 13.0 * ci as f64,
            COLORS[ci % COLORS.len()]
        );
    }
    s.push_str("</svg>\n");
    s
}

/// A single HTML file with the table and the chart.
pub fn html(title: &str, rows: &[SummaryRow], machine: &str) -> String {
    let mut table = String::from("<table border=\"1\" cellpadding=\"4\" style=\"border-collapse:collapse\"><tr><th>category</th>");
    let cols = columns(rows);
    for c in &cols {
        let _ = write!(table, "<th>{c}</th>");
    }
    table.push_str("</tr>");
    for cat in categories(rows) {
        let _ = write!(table, "<tr><td>{cat}</td>");
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
    table.push_str("</table>");
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title></head><body style=\"font-family:sans-serif\">\
         <h1>{title}</h1><p>{machine}</p>{table}<p>{}</p></body></html>\n",
        bar_chart_svg("accuracy (%)", rows)
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
            md.contains("| simple_python | 50.0% (1/2) | 100.0% (1/1) |"),
            "{md}"
        );
        let svg = bar_chart_svg("acc", &rows);
        assert!(svg.starts_with("<svg") && svg.matches("<rect").count() == 3);
        assert!(html("t", &rows, "m").contains("<table"));
    }
}
