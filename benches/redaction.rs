//! What finding secrets on a whole file costs each job (`FileSecrets::find` on the
//! document, then once per file the index reads for context): 10,000 lines of ordinary
//! Python with a private key and a few tokens in it, MB/s.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use multi_model::redact::{FileSecrets, redact};

fn source() -> String {
    let sample = include_str!("../examples/vulnerable_app.py");
    let mut text = String::from(concat!(
        "KEY = \"\"\"-----BEGIN RSA ",
        "PRIVATE KEY-----\n",
        "MIIEpAIBAAKCAQEAep8ChdLvBQGXzbKeazS6thfKsjuFAzN+ueh/jshLLjPNFXIv\n",
        "-----END RSA PRIVATE KEY-----\"\"\"\n",
        "DATABASE_URL = \"postgres://app:",
        "s3cr3t@db/app\"\n",
    ));
    while text.lines().count() < 10_000 {
        text.push_str(sample);
    }
    text.lines().take(10_000).collect::<Vec<_>>().join("\n") + "\n"
}

fn redaction(c: &mut Criterion) {
    let text = source();
    assert!(!FileSecrets::find(&text).is_empty());
    let mut group = c.benchmark_group("redaction_10000_lines");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("redact", |b| b.iter(|| redact(&text)));
    group.bench_function("FileSecrets::find", |b| b.iter(|| FileSecrets::find(&text)));
    group.finish();
}

criterion_group!(benches, redaction);
criterion_main!(benches);
