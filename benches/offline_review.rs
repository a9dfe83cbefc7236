//! The offline security review on 1,000 lines of Python (the vulnerable example repeated:
//! dense with findings, imports and request handlers), with and without the parse. The
//! goal is under 5 ms per 1,000 lines, parse included.

use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use multi_model::review::{review_source, review_tree};
use multi_model::syntax::language_for;

fn source() -> String {
    let sample = include_str!("../examples/vulnerable_app.py");
    let mut text = String::new();
    while text.lines().count() < 1_000 {
        text.push_str(sample);
    }
    text.lines().take(1_000).collect::<Vec<_>>().join("\n") + "\n"
}

fn offline_review(c: &mut Criterion) {
    let text = source();
    let path = Path::new("app.py");
    let found = review_source(Some(path), None, &text)
        .unwrap()
        .findings
        .len();
    assert!(
        100 < found,
        "the sample should be dense with findings: {found}"
    );

    let mut group = c.benchmark_group("offline_review_1000_lines");
    group.throughput(Throughput::Elements(1_000));
    group.bench_function("parse + review", |b| {
        b.iter(|| review_source(Some(path), None, &text))
    });
    let language = language_for(Some(path), None).unwrap();
    let mut parser = tree_sitter::Parser::new();
    parser.set_language(&language.grammar()).unwrap();
    let tree = parser.parse(&text, None).unwrap();
    group.bench_function("review of a parsed tree", |b| {
        b.iter(|| review_tree(language, &tree, Some(path), &text))
    });
    group.bench_function("parse only", |b| b.iter(|| parser.parse(&text, None)));
    group.finish();
}

criterion_group!(benches, offline_review);
criterion_main!(benches);
