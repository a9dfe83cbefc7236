//! Syntax work in a 10,000-line Python file and a 10,000-line TypeScript file: context for
//! a selection with the parse warm (the document's kept tree and outline), the same with a
//! fresh parse, a full parse, and the incremental reparse after one keystroke. Goals:
//! context < 2 ms warm, reparse after a keystroke < 3 ms.

use criterion::{Criterion, criterion_group, criterion_main};
use multi_model::syntax::{
    ContextOptions, Parsed, SyntaxTree, context_for, context_in, language_for,
};
use ropey::Rope;

#[path = "support/python.rs"]
mod python;
use python::source;

/// 10,000 lines of TypeScript: imports, then documented, decorated classes of methods with
/// method chains, and exported arrow functions.
fn typescript_source() -> String {
    let mut text = String::from(
        "import { createHmac } from 'crypto';\nimport type { Claims } from './claims';\n\nexport const RATE = 0.2;\n\n",
    );
    let mut class = 0;
    while text.lines().count() < 10_000 {
        text.push_str(&format!(
            "/** Service {class}. */\n@Injectable()\nexport class Service{class} {{\n"
        ));
        for method in 0..10 {
            text.push_str(&format!(
                "  /** Call {method}. */\n  @Log()\n  call{method}(value: number): string {{\n    const total = value * RATE + {method};\n    if (total > 10) {{\n      return this.call{}(total - 1);\n    }}\n    return [total]\n      .map((v) => v.toFixed(2))\n      .join(',');\n  }}\n\n",
                (method + 1) % 10
            ));
        }
        text.push_str(&format!(
            "}}\n\nexport const helper{class} = (claims: Claims): string => {{\n  return createHmac('sha256', claims.secret).update(claims.body).digest('hex');\n}};\n\n"
        ));
        class += 1;
    }
    text
}

fn syntax_context(c: &mut Criterion) {
    let text = source();
    let python = language_for(None, Some("python")).unwrap();
    let target = text.find("class Service80:").unwrap();
    let start = text[target..].find("total = value").unwrap() + target;
    let selection = start..start + "total = value * RATE + 3".len();
    let options = ContextOptions { max_tokens: 50_000 };
    let parsed = Parsed::new(python, &text).unwrap();
    let warm = context_in(&parsed, "big.py", &text, selection.clone(), options);
    assert!(warm.pieces.len() >= 4, "{:?}", warm.pieces.len());
    c.bench_function("context_in_10k_lines (parse warm)", |b| {
        b.iter(|| context_in(&parsed, "big.py", &text, selection.clone(), options))
    });
    c.bench_function("context_for_10k_lines (parse + outline + context)", |b| {
        b.iter(|| context_for(Some(python), "big.py", &text, selection.clone(), options))
    });
}

fn parsing(c: &mut Criterion) {
    let text = source();
    let python = language_for(None, Some("python")).unwrap();
    c.bench_function("parse_10k_lines", |b| {
        b.iter(|| multi_model::syntax::parse(python, &text, None).unwrap())
    });
    // One keystroke inside a method near the middle, then the reparse a reader triggers.
    let rope = Rope::from_str(&text);
    let at = rope.byte_to_char(text.find("class Service80:").unwrap() + 200);
    let mut tree = SyntaxTree::new(python);
    tree.parsed(&rope).unwrap();
    // The document just after the keystroke: its tree told of the edit, not reparsed yet.
    let typed = || {
        let (mut tree, mut rope) = (tree.clone(), rope.clone());
        tree.edit(&rope, &(at..at), "x");
        rope.insert(at, "x");
        (tree, rope)
    };
    c.bench_function(
        "reparse_after_one_keystroke_10k_lines (tree + outline)",
        |b| {
            b.iter_batched(
                typed,
                |(mut tree, rope)| tree.parsed(&rope).unwrap(),
                criterion::BatchSize::SmallInput,
            )
        },
    );
    c.bench_function("reparse_after_one_keystroke_10k_lines (tree only)", |b| {
        b.iter_batched(
            typed,
            |(mut tree, rope)| tree.tree(&rope).unwrap(),
            criterion::BatchSize::SmallInput,
        )
    });
}

fn typescript(c: &mut Criterion) {
    let text = typescript_source();
    let ts = language_for(None, Some("typescript")).unwrap();
    let target = text.find("export class Service40 {").unwrap();
    let start = text[target..].find("const total = value").unwrap() + target;
    let selection = start..start + "const total = value * RATE + 3;".len();
    let options = ContextOptions { max_tokens: 50_000 };
    let parsed = Parsed::new(ts, &text).unwrap();
    let warm = context_in(&parsed, "big.ts", &text, selection.clone(), options);
    assert!(warm.pieces.len() >= 4, "{:?}", warm.pieces.len());
    c.bench_function("typescript: context_in_10k_lines (parse warm)", |b| {
        b.iter(|| context_in(&parsed, "big.ts", &text, selection.clone(), options))
    });
    c.bench_function("typescript: parse_10k_lines", |b| {
        b.iter(|| multi_model::syntax::parse(ts, &text, None).unwrap())
    });
    let rope = Rope::from_str(&text);
    let at = rope.byte_to_char(start + 6);
    let mut tree = SyntaxTree::new(ts);
    tree.parsed(&rope).unwrap();
    let typed = || {
        let (mut tree, mut rope) = (tree.clone(), rope.clone());
        tree.edit(&rope, &(at..at), "x");
        rope.insert(at, "x");
        (tree, rope)
    };
    c.bench_function(
        "typescript: reparse_after_one_keystroke_10k_lines (tree + outline)",
        |b| {
            b.iter_batched(
                typed,
                |(mut tree, rope)| tree.parsed(&rope).unwrap(),
                criterion::BatchSize::SmallInput,
            )
        },
    );
    c.bench_function(
        "typescript: reparse_after_one_keystroke_10k_lines (tree only)",
        |b| {
            b.iter_batched(
                typed,
                |(mut tree, rope)| tree.tree(&rope).unwrap(),
                criterion::BatchSize::SmallInput,
            )
        },
    );
}

criterion_group!(benches, syntax_context, parsing, typescript);
criterion_main!(benches);
