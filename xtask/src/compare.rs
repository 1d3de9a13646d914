//! `cargo xtask compare A.json B.json`: every figure of two benchmark files side
//! by side with the ratio B/A; SLOWER above 1.2, FASTER below 0.8. Exit status
//! 1 when any figure is SLOWER, so a script can gate on it.

use serde_json::Value;

use crate::bench::stats::fmt_ms;

const SLOWER: f64 = 1.2;
const FASTER: f64 = 0.8;

/// (figure name, value, unit) for every figure in a benchmark JSON; lower is
/// better for all of them.
pub fn figures(v: &Value) -> Vec<(String, f64, &'static str)> {
    let b = &v["benchmarks"];
    let mut out = Vec::new();
    let ms = |x: &Value| {
        x.get("median_ms")
            .or_else(|| x.get("avg_ms"))
            .and_then(Value::as_f64)
    };
    if let Some(cold) = b.get("cold_start").and_then(Value::as_object) {
        for (k, x) in cold {
            if let Some(m) = ms(x) {
                out.push((format!("cold start: {k}"), m, "ms"));
            }
        }
    } else if let Some(m) = b.get("cold_start_ms").and_then(Value::as_f64) {
        out.push(("cold start: count_planets".into(), m, "ms"));
    }
    for (key, name) in [
        ("process", "init (process)"),
        ("in_process", "init (in process)"),
    ] {
        if let Some(m) = b.get("init").and_then(|i| i.get(key)).and_then(ms) {
            out.push((name.into(), m, "ms"));
        }
    }
    if let Some(m) = b.get("first_query").and_then(ms) {
        out.push(("first query".into(), m, "ms"));
    }
    for (name, _) in crate::bench::QUERIES {
        if let Some(m) = b.get(name).and_then(ms) {
            out.push((format!("warm: {name}"), m, "ms"));
        }
    }
    for (key, name) in [
        ("peak_rss_mb", "peak RSS"),
        ("binary_size_mb", "binary size"),
    ] {
        if let Some(m) = b.get(key).and_then(Value::as_f64) {
            out.push((name.into(), m, "MB"));
        }
    }
    if let Some(t) = b.get("throughput") {
        out.extend(crate::bench::throughput::figures(t));
    }
    out
}

fn show(v: f64, unit: &str) -> String {
    if unit == "ms" {
        fmt_ms(v)
    } else {
        format!("{v:.2} {unit}")
    }
}

/// Prints the comparison table; returns whether any figure is SLOWER.
pub fn print_comparison(a_label: &str, a: &Value, b_label: &str, b: &Value) -> bool {
    let fa = figures(a);
    let fb = figures(b);
    println!(
        "{:<30} {:>14} {:>14} {:>8}",
        "figure",
        short(a_label),
        short(b_label),
        "B/A"
    );
    let mut slower = false;
    for (name, va, unit) in &fa {
        let Some((_, vb, _)) = fb.iter().find(|(n, _, _)| n == name) else {
            continue;
        };
        let ratio = if *va > 0.0 { vb / va } else { 1.0 };
        let mark = if ratio > SLOWER {
            slower = true;
            "SLOWER"
        } else if ratio < FASTER {
            "FASTER"
        } else {
            ""
        };
        println!(
            "{name:<30} {:>14} {:>14} {:>7.2}x {mark}",
            show(*va, unit),
            show(*vb, unit),
            ratio
        );
    }
    slower
}

fn short(label: &str) -> String {
    label.chars().take(14).collect()
}

pub fn command(args: &[String]) -> Result<bool, String> {
    let [a, b] = args else {
        return Err("usage: cargo xtask compare A.json B.json".into());
    };
    let read = |p: &String| -> Result<Value, String> {
        let text = std::fs::read_to_string(p).map_err(|e| format!("{p}: {e}"))?;
        serde_json::from_str(&text).map_err(|e| format!("{p}: {e}"))
    };
    let (va, vb) = (read(a)?, read(b)?);
    Ok(print_comparison(a, &va, b, &vb))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn flags_slower_figures() {
        let a = json!({"benchmarks": {"cold_start_ms": 2.0, "count": {"avg_ms": 0.010}, "binary_size_mb": 5.0}});
        let same = a.clone();
        let slow = json!({"benchmarks": {"cold_start_ms": 2.1, "count": {"avg_ms": 0.013}, "binary_size_mb": 5.0}});
        assert!(!print_comparison("a", &a, "b", &same));
        assert!(print_comparison("a", &a, "b", &slow));
        assert_eq!(figures(&a).len(), 3);
    }
}
