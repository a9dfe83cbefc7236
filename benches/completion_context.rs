//! What inline completion costs the server before the model is asked, on a 10,000-line
//! Python file with its parse warm: the prompt's surroundings (`completion::around`: the
//! window, its redaction, the tree's pieces), the window alone without redaction, and a
//! cache lookup. Goal: the server's own time per request p99 ≤ 2 ms in all
//! (`benches/inline_completion.py` measures it end to end).

use criterion::{Criterion, criterion_group, criterion_main};
use multi_model::completion::{Cache, Cursor, around};
use multi_model::syntax::{Parsed, language_for};

#[path = "support/python.rs"]
mod python;
use python::source;

fn completion_context(c: &mut Criterion) {
    let text = source();
    let python = language_for(None, Some("python")).unwrap();
    let parsed = Parsed::new(python, &text).unwrap();
    let target = text.find("class Service80:").unwrap();
    let offset = text[target..].find("if total > 10:").unwrap() + target;
    let cursor = Cursor {
        text: &text,
        offset,
        line: text[..offset].matches('\n').count(),
        parsed: Some(&parsed),
        language: Some(python),
        label: "service.py",
        rel: Some("service.py"),
    };
    c.bench_function("completion around, 10k lines, redacted", |b| {
        b.iter(|| around(&cursor, 2048, true, None, |_| None))
    });
    c.bench_function("completion around, 10k lines, not redacted", |b| {
        b.iter(|| around(&cursor, 2048, false, None, |_| None))
    });
    let plain = Cursor {
        parsed: None,
        ..cursor
    };
    c.bench_function("completion window only, 10k lines, redacted", |b| {
        b.iter(|| around(&plain, 2048, true, None, |_| None))
    });
    let mut cache = Cache::new(64);
    for i in 0..64 {
        cache.put(&text[..offset - i], &text[offset..], "value + 1");
    }
    c.bench_function("completion cache lookup, 64 entries, a miss", |b| {
        b.iter(|| cache.get(&text[..offset + 1], &text[offset..]))
    });
}

criterion_group!(benches, completion_context);
criterion_main!(benches);
