//! Criterion benchmarks of each stage on one sample: load (parse and shape
//! checks), check, assess with evaluate, render (Markdown), typeset (one layout
//! of the whole packet and every PDF), and package (the zip in memory).
//! Run: cargo bench --bench pipeline

use std::hint::black_box;
use std::io::Cursor;
use std::path::Path;

use authpack::Settings;
use authpack::policy::PolicySet;
use authpack::render::Templates;
use criterion::{Criterion, criterion_group, criterion_main};

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/esketamine-trd-initial");

fn stages(c: &mut Criterion) {
    let dir = Path::new(SAMPLE);
    let text = std::fs::read_to_string(dir.join("intake.yaml")).unwrap();
    let templates = Templates::load(None).unwrap();
    let policies = PolicySet::bundled();
    let typesetter = authpack::pdf::Typesetter::new(None, None).unwrap();
    let loaded = authpack::intake::load_intake(&text).unwrap();
    let profile = policies.profiles.get("esketamine-trd").unwrap();

    c.bench_function("load", |b| b.iter(|| authpack::intake::read_intake(black_box(&text))));
    c.bench_function("check", |b| b.iter(|| authpack::check::check(black_box(&loaded))));
    c.bench_function("assess+evaluate", |b| {
        b.iter(|| {
            let facts = authpack::assess::assess(black_box(&loaded.intake));
            authpack::policy::evaluate(profile, &loaded.intake, &facts)
        })
    });
    c.bench_function("templates (compile all)", |b| b.iter(|| Templates::load(None).unwrap()));
    let markdown = Settings::new(&templates, &policies, None);
    c.bench_function("prepare, Markdown (load to render)", |b| {
        b.iter(|| authpack::prepare(black_box(&text), dir, &markdown).ok().unwrap())
    });
    let with_pdfs = Settings::new(&templates, &policies, Some(&typesetter));
    let mut group = c.benchmark_group("slow");
    group.sample_size(20);
    group.bench_function("prepare, with PDFs (load to typeset)", |b| {
        b.iter(|| authpack::prepare(black_box(&text), dir, &with_pdfs).ok().unwrap())
    });
    group.finish();
    let prepared = authpack::prepare(&text, dir, &with_pdfs).ok().unwrap();
    c.bench_function("package (zip in memory)", |b| {
        b.iter(|| {
            let mut out = Cursor::new(Vec::with_capacity(256 * 1024));
            authpack::write(black_box(&prepared), &mut out, 0).unwrap();
            out.into_inner().len()
        })
    });
}

criterion_group!(benches, stages);
criterion_main!(benches);
