//! Nesting of any depth and kind through the syntax library: the parse (and its incremental
//! reparse), the outline, the selection context, the enclosing scopes, the workspace index
//! and the indentation fallback all finish without recursing on the native stack (a stack
//! overflow would abort this test binary), at depths up to 100,000.

use std::borrow::Cow;

use multi_model::context::estimate;
use multi_model::index::WorkspaceIndex;
use multi_model::syntax::{
    ContextOptions, MAX_SCOPES, Parsed, SyntaxTree, context_for, enclosing_block_in,
    enclosing_scopes, language_for,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use ropey::Rope;

const KINDS: [&str; 5] = ["unary", "binary", "brackets", "parentheses", "calls"];

/// `x = ` and `depth` levels of one kind of expression.
fn nested(kind: &str, depth: usize) -> String {
    match kind {
        "unary" => format!("x = {}1\n", "-".repeat(depth)),
        "binary" => format!("x = {}'ab'\n", "'ab' + ".repeat(depth)),
        "brackets" => format!("x = {}{}\n", "[".repeat(depth), "]".repeat(depth)),
        "parentheses" => format!("x = {}1{}\n", "(".repeat(depth), ")".repeat(depth)),
        "calls" => format!("x = {}1{}\n", "f(".repeat(depth), ")".repeat(depth)),
        _ => unreachable!("{kind}"),
    }
}

/// Mostly shallow, sometimes the full 100,000 levels.
fn depth() -> impl Strategy<Value = usize> {
    prop_oneof![4 => 1usize..3_000, 1 => Just(100_000)]
}

fn runner(cases: u32) -> TestRunner {
    TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    })
}

#[test]
fn any_nesting_of_expressions_parses_outlines_gives_context_and_is_indexed() {
    let python = language_for(None, Some("python")).unwrap();
    runner(6)
        .run(&(0..KINDS.len(), depth()), |(kind, depth)| {
            let text = nested(KINDS[kind], depth);
            let parsed = Parsed::new(python, &text).expect("parsed");
            prop_assert!(!parsed.tree.root_node().has_error());
            prop_assert_eq!(parsed.outline.named("x").count(), 1);

            let middle = text.len() / 2;
            let budget = 2_000;
            let context = context_for(
                Some(python),
                "deep.py",
                &text,
                middle..middle + 1,
                ContextOptions { max_tokens: budget },
            );
            let spent: usize = context
                .pieces
                .iter()
                .map(|p| estimate(&p.label) + estimate(&p.text))
                .sum();
            prop_assert!(spent <= budget);

            let mut index = WorkspaceIndex::default();
            index.update("deep.py", &text, None);
            prop_assert_eq!(index.symbols("x", 10).len(), 1);

            // One keystroke in the middle, reparsed incrementally, then the tree dropped.
            let mut rope = Rope::from_str(&text);
            let mut tree = SyntaxTree::new(python);
            tree.parsed(&rope).unwrap();
            let at = rope.byte_to_char(middle);
            tree.edit(&rope, &(at..at), " ");
            rope.insert(at, " ");
            let reparsed = tree.parsed(&rope).unwrap();
            prop_assert_eq!(reparsed.tree.root_node().end_byte(), text.len() + 1);
            Ok(())
        })
        .unwrap();
}

#[test]
fn nested_definitions_give_the_innermost_scopes_up_to_the_cap_and_say_there_are_more() {
    let rust = language_for(None, Some("rust")).unwrap();
    runner(6)
        .run(&depth(), |depth| {
            let text = format!("{}{}", "fn a(){".repeat(depth), "}".repeat(depth));
            let parsed = Parsed::new(rust, &text).expect("parsed");
            let innermost = "fn a(){".len() * depth;
            let scopes = enclosing_scopes(rust, &parsed.tree, &(innermost..innermost));
            prop_assert_eq!(scopes.nodes.len(), depth.min(MAX_SCOPES));
            prop_assert_eq!(scopes.more, MAX_SCOPES < depth);
            // Innermost first: each scope lies inside the next.
            for pair in scopes.nodes.windows(2) {
                prop_assert!(pair[1].node.start_byte() < pair[0].node.start_byte());
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn deeply_indented_blocks_give_context_and_the_indentation_fallback_finds_the_innermost() {
    let python = language_for(None, Some("python")).unwrap();
    runner(6)
        .run(&(1usize..2_500), |depth| {
            let text: String = (0..depth)
                .map(|d| format!("{}if x:\n", " ".repeat(d)))
                .chain([format!("{}pass\n", " ".repeat(depth))])
                .collect();
            // The grammar's indentation scanner gives up past a few hundred levels (the
            // tree has errors from 512 on): context then falls back to surrounding lines.
            let parsed = Parsed::new(python, &text).expect("parsed");
            prop_assert!(parsed.tree.root_node().end_byte() <= text.len());
            let last = text.len() - 2;
            let context = context_for(
                Some(python),
                "deep.py",
                &text,
                last..last + 1,
                ContextOptions { max_tokens: 2_000 },
            );
            if parsed.tree.root_node().has_error() {
                prop_assert!(context.pieces[0].label.contains("syntax errors"));
            }
            Ok(())
        })
        .unwrap();
    // The fallback reads lines lazily: 20,000 levels of nested `def`s without the 200 MB
    // text (100,000 would be 5 GB), each line its indentation and an opener.
    const MOST: usize = 20_000;
    let opener = format!("{}def f():", " ".repeat(MOST));
    let body = format!("{}pass", " ".repeat(MOST));
    runner(6)
        .run(&(1usize..MOST), |depth| {
            let line_at = |i: usize| -> Cow<str> {
                match i < depth {
                    true => Cow::Borrowed(&opener[MOST - i..]),
                    false => Cow::Borrowed(&body[MOST - depth..]),
                }
            };
            let block = enclosing_block_in(depth + 1, line_at, depth);
            prop_assert_eq!(block, (depth - 1, depth));
            Ok(())
        })
        .unwrap();
}
