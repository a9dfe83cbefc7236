//! What inline completion costs the server before the model is asked, on a 10,000-line
//! Python file with its parse warm: the prompt's surroundings (`completion::around`: the
//! window, its redaction, the tree's pieces), the window alone without redaction, and a
//! cache lookup. Goal: the server's own time per request p99 ≤ 2 ms in all
//! (`benches/inline_completion.py` measures it end to end).

use criterion::{Criterion, criterion_group, criterion_main};
use multi_model::completion::{Cache, Cursor, around};
use multi_model::syntax::{Parsed, language_for};

/// 10,000 lines: imports, constants, then classes of methods that call each other.
fn source() -> String {
    let mut text = String::from(
        "\"\"\"Generated.\"\"\"\nimport os\nimport json\nfrom decimal import Decimal\n\nRATE = Decimal(\"0.2\")\n\n",
    );
    let mut class = 0;
    while text.lines().count() < 10_000 {
        text.push_str(&format!("\nclass Service{class}:\n"));
        for method in 0..10 {
            text.push_str(&format!(
                "    def call{method}(self, value):\n        \"\"\"Call {method}.\"\"\"\n        total = value * RATE + {method}\n        if total > 10:\n            return self.call{}(total - 1)\n        return json.dumps({{\"v\": total}})\n\n",
                (method + 1) % 10
            ));
        }
        class += 1;
    }
    text
}

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
