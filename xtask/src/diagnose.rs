//! `cargo xtask diagnose`: the four checks users of the Python engine know, each
//! with its figure, its target and a verdict, then a one-line verdict overall.

use std::path::Path;

use crate::bench::stats::{fmt_ms, Summary};
use crate::bench::{build, measure, QUERIES};

struct Check {
    name: String,
    figure: String,
    target: String,
    ok: bool,
}

fn median(v: &[f64]) -> f64 {
    Summary::of(v).map(|s| s.median).unwrap_or(f64::NAN)
}

pub fn command(root: &Path) -> Result<bool, String> {
    let b = build::build(root, &root.join("target"), "this checkout")?;
    let probe = b.probe.as_ref().ok_or("this tree has no tern-probe")?;
    let mut checks = Vec::new();

    // 1. Cold vs warm: the first query of a fresh process against the same query warm.
    let count_sql = QUERIES[0].1;
    let mut firsts = Vec::new();
    for _ in 0..15 {
        firsts.extend(measure::probe(probe, &["first", count_sql])?);
    }
    let warm = measure::probe(probe, &["warm", "200", count_sql])?;
    let (first, warm_med) = (median(&firsts), median(&warm[1..]));
    checks.push(Check {
        name: "cold vs warm (SELECT COUNT(*) FROM $planets)".into(),
        figure: format!(
            "first {} / warm {} = {:.1}x",
            fmt_ms(first),
            fmt_ms(warm_med),
            first / warm_med
        ),
        target: "≤ 2x".into(),
        ok: first / warm_med <= 2.0,
    });

    // 2. The first of ten runs against the other nine, in one process.
    let where_sql = QUERIES[2].1;
    let ten = measure::probe(probe, &["warm", "9", where_sql])?;
    let rest = median(&ten[1..]);
    checks.push(Check {
        name: "first of ten runs vs the rest (WHERE gravity > 10)".into(),
        figure: format!(
            "first {} / rest {} = {:.1}x",
            fmt_ms(ten[0]),
            fmt_ms(rest),
            ten[0] / rest
        ),
        target: "≤ 2x".into(),
        ok: ten[0] / rest <= 2.0,
    });

    // 3. The warm average of each operation.
    let mut slowest = (String::new(), 0.0f64);
    let mut lines = Vec::new();
    for (name, sql) in QUERIES {
        let t = measure::probe(probe, &["warm", "200", sql])?;
        let avg = t[1..].iter().sum::<f64>() / (t.len() - 1) as f64;
        lines.push(format!("{name} {}", fmt_ms(avg)));
        if avg > slowest.1 {
            slowest = (name.to_string(), avg);
        }
    }
    checks.push(Check {
        name: "warm average of each operation".into(),
        figure: format!("{} (slowest: {})", lines.join(", "), slowest.0),
        target: "each ≤ 50.0 µs".into(),
        ok: slowest.1 <= 0.050,
    });

    // 4. LIMIT scaling: reading more rows should not cost in proportion.
    let mut limits = Vec::new();
    for n in [1, 10, 100] {
        let t = measure::probe(
            probe,
            &[
                "warm",
                "200",
                &format!("SELECT * FROM $satellites LIMIT {n}"),
            ],
        )?;
        limits.push(median(&t[1..]));
    }
    checks.push(Check {
        name: "SELECT * FROM $satellites LIMIT 1/10/100".into(),
        figure: format!(
            "{} / {} / {} ({:.1}x for 100x the rows)",
            fmt_ms(limits[0]),
            fmt_ms(limits[1]),
            fmt_ms(limits[2]),
            limits[2] / limits[0]
        ),
        target: "LIMIT 100 ≤ 3x LIMIT 1".into(),
        ok: limits[2] / limits[0] <= 3.0,
    });

    for c in &checks {
        println!(
            "{} {}\n     {}   target {}",
            if c.ok { "✅" } else { "❌" },
            c.name,
            c.figure,
            c.target
        );
    }
    let failed: Vec<&str> = checks
        .iter()
        .filter(|c| !c.ok)
        .map(|c| c.name.as_str())
        .collect();
    if failed.is_empty() {
        println!("verdict: ✅ all {} checks meet their targets", checks.len());
    } else {
        println!(
            "verdict: ❌ {} of {} checks miss: {}",
            failed.len(),
            checks.len(),
            failed.join("; ")
        );
    }
    Ok(failed.is_empty())
}
