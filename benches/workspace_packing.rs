//! Workspace packing throughput and index build time: a generated Python project of 2,000
//! files (~10 MB, with packages, absolute and relative imports, tests and docs) packed for
//! Sisyphus around a focus file, read by `collect` (`--files '**/*.py'`), and indexed for
//! the Librarian (every file parsed and outlined). Throughput is the bytes of the tree over
//! the time of one call, on a warm page cache (the first iteration warms it). Goal: ≥ 200
//! MB/s for `pack`.

use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use multi_model::index::WorkspaceIndex;
use multi_model::workspace::{collect, pack};

const PACKAGES: usize = 10;
const SUBPACKAGES: usize = 10;
const MODULES: usize = 18;
/// Sisyphus on a 128k-token window, as `Config::context_budget` gives it.
const BUDGET_TOKENS: usize = 120_000;

/// A module of about 5 KB: imports from its package, a sibling package and the standard
/// library, then classes and functions with docstrings.
fn module(p: usize, s: usize, m: usize) -> String {
    let mut text = format!(
        "\"\"\"Module {m} of pkg{p}.sub{s}: orders, invoices and their ledgers.\"\"\"\n\n\
         from __future__ import annotations\n\n\
         import logging\nimport os\nfrom dataclasses import dataclass, field\n\
         from typing import Iterable, Optional\n\n\
         from pkg{p}.sub{s} import mod{}\n\
         from pkg{}.sub{} import mod{} as other\n\
         from . import mod{}\n\
         from ..sub{} import mod{}\n\
         from ..common import helpers\n\n\
         log = logging.getLogger(__name__)\n\n",
        (m + 1) % MODULES,
        (p + 1) % PACKAGES,
        (s + 3) % SUBPACKAGES,
        (m + 5) % MODULES,
        (m + 2) % MODULES,
        (s + 1) % SUBPACKAGES,
        m,
    );
    for c in 0..4 {
        text.push_str(&format!(
            "\n@dataclass\nclass Record{c}:\n    \"\"\"A ledger record; amounts in cents, never floats.\"\"\"\n\n\
             \x20   ident: int\n    owner: str\n    amount_cents: int = 0\n    tags: list[str] = field(default_factory=list)\n\n\
             \x20   def total(self, others: Iterable[\"Record{c}\"]) -> int:\n\
             \x20       \"\"\"Sum this record with others of the same owner.\"\"\"\n\
             \x20       total = self.amount_cents\n\
             \x20       for other in others:\n\
             \x20           if other.owner == self.owner:\n\
             \x20               total += other.amount_cents\n\
             \x20       log.debug(\"total for %s: %d\", self.owner, total)\n\
             \x20       return total\n\n\
             \x20   def describe(self, prefix: Optional[str] = None) -> str:\n\
             \x20       label = prefix or os.environ.get(\"LEDGER_PREFIX\", \"rec\")\n\
             \x20       return f\"{{label}}-{{self.ident}}: {{self.owner}} owes {{self.amount_cents / 100:.2f}}\"\n\n"
        ));
    }
    for f in 0..6 {
        text.push_str(&format!(
            "\ndef process_{f}(records: list[Record0], limit: int = 100) -> dict[str, int]:\n\
             \x20   \"\"\"Group the first `limit` records by owner and total them.\"\"\"\n\
             \x20   totals: dict[str, int] = {{}}\n\
             \x20   for record in records[:limit]:\n\
             \x20       totals[record.owner] = totals.get(record.owner, 0) + record.amount_cents\n\
             \x20   helpers.audit(\"process_{f}\", len(totals))\n\
             \x20   return totals\n"
        ));
    }
    text
}

/// 2,000 files: 1,800 modules, their packages' `__init__.py`, helpers, tests and docs.
fn generate(root: &Path) -> u64 {
    let mut total = 0;
    let mut write = |rel: String, text: String| {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        total += text.len() as u64;
        std::fs::write(path, text).unwrap();
    };
    for p in 0..PACKAGES {
        write(format!("pkg{p}/__init__.py"), String::new());
        write(
            format!("pkg{p}/common/helpers.py"),
            "def audit(name, n):\n    return (name, n)\n".into(),
        );
        for s in 0..SUBPACKAGES {
            write(
                format!("pkg{p}/sub{s}/__init__.py"),
                format!("\"\"\"pkg{p}.sub{s}\"\"\"\n"),
            );
            for m in 0..MODULES {
                write(format!("pkg{p}/sub{s}/mod{m}.py"), module(p, s, m));
            }
        }
    }
    let files = PACKAGES * (2 + SUBPACKAGES * (1 + MODULES));
    for t in 0..(2_000 - files - 2) {
        write(
            format!("tests/test_mod{t}.py"),
            format!(
                "from pkg0.sub0 import mod{}\n\n\ndef test_total():\n    assert mod{0}.process_0([]) == {{}}\n",
                t % MODULES
            ),
        );
    }
    write(
        "README.md".into(),
        "# Ledger\n\nOrders, invoices, ledgers.\n".into(),
    );
    write(
        "docs/design.md".into(),
        "# Design\n\nAmounts are cents.\n".repeat(20),
    );
    total
}

fn workspace_packing(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let bytes = generate(root);
    let files = walkdir_count(root);
    assert_eq!(files, 2_000);
    let focus = root.join("pkg3/sub4/mod7.py");
    let packed = pack(root, Some(&focus), &[], BUDGET_TOKENS).unwrap();
    eprintln!(
        "tree: {files} files, {:.1} MB; pack includes {} files, leaves out {}",
        bytes as f64 / 1e6,
        packed.manifest.included.len(),
        packed.manifest.left_out.len()
    );

    let mut group = c.benchmark_group("workspace_packing");
    group.throughput(Throughput::Bytes(bytes));
    group.sample_size(30);
    group.bench_function("pack", |b| {
        b.iter(|| pack(root, Some(&focus), &[], BUDGET_TOKENS).unwrap())
    });
    group.bench_function("pack_no_focus", |b| {
        b.iter(|| pack(root, None, &[], BUDGET_TOKENS).unwrap())
    });
    let patterns = ["**/*.py".to_string()];
    group.bench_function("collect", |b| {
        b.iter(|| collect(root, &patterns, BUDGET_TOKENS).unwrap())
    });
    group.finish();

    let index = WorkspaceIndex::build(root, &[]).unwrap();
    eprintln!(
        "index: {} files, {} definitions",
        index.file_count(),
        index.symbol_count()
    );
    let mut group = c.benchmark_group("workspace_index");
    group.throughput(Throughput::Bytes(bytes));
    group.sample_size(10);
    group.bench_function("build", |b| {
        b.iter(|| WorkspaceIndex::build(root, &[]).unwrap())
    });
    group.bench_function("search", |b| {
        b.iter(|| index.search("examples of totals grouped by owner", 8))
    });
    group.bench_function("symbols", |b| b.iter(|| index.symbols("proc", 256)));
    group.finish();
}

fn walkdir_count(root: &Path) -> usize {
    let mut count = 0;
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_dir() {
                dirs.push(entry.path());
            } else {
                count += 1;
            }
        }
    }
    count
}

criterion_group!(benches, workspace_packing);
criterion_main!(benches);
