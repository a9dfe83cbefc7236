//! Context for a selection in a 10,000-line Python file: parse plus extraction, as a role job
//! does it today (no tree is kept between jobs yet).

use criterion::{Criterion, criterion_group, criterion_main};
use multi_model::syntax::{ContextOptions, context_for, context_in, language_for};

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

fn syntax_context(c: &mut Criterion) {
    let text = source();
    let python = language_for(None, Some("python"));
    let target = text.find("class Service80:").unwrap();
    let start = text[target..].find("total = value").unwrap() + target;
    let selection = start..start + "total = value * RATE + 3".len();
    let options = ContextOptions { max_chars: 200_000 };
    assert!(!context_for(python, "big.py", &text, selection.clone(), options).is_empty());
    c.bench_function("context_for_10k_lines (parse + context)", |b| {
        b.iter(|| context_for(python, "big.py", &text, selection.clone(), options))
    });
    let language = python.unwrap();
    let mut parser = tree_sitter::Parser::new();
    parser.set_language(&language.grammar()).unwrap();
    let tree = parser.parse(&text, None).unwrap();
    c.bench_function("context_in_10k_lines (parse warm)", |b| {
        b.iter(|| context_in(language, &tree, "big.py", &text, selection.clone(), options))
    });
}

criterion_group!(benches, syntax_context);

fn parse_only(c: &mut Criterion) {
    let text = source();
    let grammar = language_for(None, Some("python")).unwrap().grammar();
    c.bench_function("parse_10k_lines", |b| {
        b.iter(|| {
            let mut parser = tree_sitter::Parser::new();
            parser.set_language(&grammar).unwrap();
            parser.parse(&text, None).unwrap()
        })
    });
}

criterion_group!(parse, parse_only);
criterion_main!(benches, parse);
