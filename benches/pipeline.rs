//! Criterion benchmarks of each stage on one sample: load (parse and shape
//! checks), read (load to evaluate, records included), render (Markdown), build
//! with every PDF, and package (the zip in memory).
//! Run: cargo bench --bench pipeline

use std::hint::black_box;
use std::io::Cursor;
use std::path::Path;

use authpack::{Input, Pack, Settings};
use criterion::{Criterion, criterion_group, criterion_main};

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/esketamine-trd-initial");

fn stages(c: &mut Criterion) {
    let dir = Path::new(SAMPLE);
    let text = std::fs::read_to_string(dir.join("intake.yaml")).unwrap();
    let input = Input { text: text.clone(), folder: dir.to_path_buf() };
    let pack = Pack::bundled();
    let typesetter = authpack::pdf::Typesetter::new(None, &pack.layout).unwrap();
    let markdown = Settings { pack: &pack, policy: None, typesetter: None, markdown: true, redact: false, fhir: false };
    let with_pdfs = Settings { typesetter: Some(&typesetter), ..markdown };

    c.bench_function("load", |b| b.iter(|| authpack::intake::load(black_box(&text))));
    c.bench_function("read (load to evaluate)", |b| b.iter(|| authpack::read(black_box(&input), &markdown).unwrap()));
    c.bench_function("pack (compile every template)", |b| b.iter(|| Pack::load(None).unwrap()));
    c.bench_function("build, Markdown (load to render)", |b| {
        b.iter(|| authpack::build(black_box(&input), &markdown).ok().unwrap())
    });
    let mut group = c.benchmark_group("slow");
    group.sample_size(20);
    group.bench_function("build, with PDFs (load to typeset)", |b| {
        b.iter(|| authpack::build(black_box(&input), &with_pdfs).ok().unwrap())
    });
    group.finish();
    let packet = authpack::build(&input, &with_pdfs).ok().unwrap();
    c.bench_function("package (zip in memory)", |b| {
        b.iter(|| {
            let mut out = Cursor::new(Vec::with_capacity(256 * 1024));
            packet.write(black_box(&mut out), 0, None).unwrap();
            out.into_inner().len()
        })
    });
}

criterion_group!(benches, stages);
criterion_main!(benches);
