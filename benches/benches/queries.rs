//! Engine start-up and the seven reference queries, phase by phase:
//! parse, plan (bind + optimize), execute, and the whole query warm.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use tern::exec::{collect, ExecContext};
use tern::plan::optimizer::optimize;
use tern::sql::{parse, Binder, Statement};
use tern_benches::QUERIES;

fn init(c: &mut Criterion) {
    c.bench_function("engine_init", |b| b.iter(|| black_box(tern::Engine::new())));
    c.bench_function("first_query_fresh_engine", |b| {
        b.iter(|| {
            let e = tern::Engine::new();
            black_box(e.query("SELECT COUNT(*) FROM $planets").unwrap())
        })
    });
}

fn phases(c: &mut Criterion) {
    let engine = tern::Engine::new();
    engine.warmup();
    let settings = engine.settings();
    for (name, sql) in QUERIES {
        let mut g = c.benchmark_group(name);
        g.bench_function("parse", |b| b.iter(|| black_box(parse(sql).unwrap())));
        let ast = parse(sql).unwrap();
        g.bench_function("plan", |b| {
            b.iter(|| {
                let stmt = Binder::new(engine.catalog(), &settings)
                    .bind_statement(&ast[0])
                    .unwrap();
                match stmt {
                    Statement::Query(p) => black_box(optimize(p).unwrap()),
                    _ => unreachable!("a query"),
                }
            })
        });
        let plan = match Binder::new(engine.catalog(), &settings)
            .bind_statement(&ast[0])
            .unwrap()
        {
            Statement::Query(p) => optimize(p).unwrap(),
            _ => unreachable!("a query"),
        };
        g.bench_function("execute", |b| {
            b.iter(|| black_box(collect(&plan, &ExecContext::default()).unwrap()))
        });
        g.bench_function("warm_query", |b| {
            b.iter(|| black_box(engine.query(sql).unwrap()))
        });
        g.finish();
    }
}

criterion_group!(benches, init, phases);
criterion_main!(benches);
