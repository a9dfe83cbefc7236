//! The context around a selection: its enclosing function and class, the file's imports and
//! docstring, the definitions of names it uses, and the signatures beside it. Each piece is
//! labelled with its path and lines.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use streaming_iterator::StreamingIterator;
use tree_sitter::{Node, Parser, QueryCursor};

use super::language::Language;
use crate::roles::ContextPiece;

/// How much context to gather.
#[derive(Clone, Copy, Debug)]
pub struct ContextOptions {
    /// The most characters of context (the selection itself not counted).
    pub max_chars: usize,
}

/// A definition longer than this is shown by its signature only.
const MAX_DEFINITION_LINES: usize = 60;
/// How deep the outline pass looks for definitions: module → class → body → method, plus
/// a decorator level.
const OUTLINE_DEPTH: u32 = 5;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Pass {
    Outline,
    AroundSelection,
}

/// Lines shown either side of a selection in a file that does not parse.
const SURROUNDING_LINES: usize = 20;

/// Context pieces for the byte range `selection` of `text` (the selection itself is not
/// among them). `label` names the file in piece labels.
pub fn context_for(
    language: Option<&Language>,
    label: &str,
    text: &str,
    selection: Range<usize>,
    options: ContextOptions,
) -> Vec<ContextPiece> {
    let selection = selection.start.min(text.len())
        ..selection
            .end
            .min(text.len())
            .max(selection.start.min(text.len()));
    let parsed = language.and_then(|language| {
        let mut parser = Parser::new();
        parser.set_language(&language.grammar()).ok()?;
        let tree = parser.parse(text, None)?;
        Some((language, tree))
    });
    let Some((language, tree)) = parsed else {
        return vec![surrounding(
            label,
            &Lines::new(text),
            &selection,
            "no grammar for this file; surrounding lines",
        )];
    };
    context_in(language, &tree, label, text, selection, options)
}

/// `context_for` with the file already parsed (the language server keeps trees).
pub fn context_in(
    language: &Language,
    tree: &tree_sitter::Tree,
    label: &str,
    text: &str,
    selection: Range<usize>,
    options: ContextOptions,
) -> Vec<ContextPiece> {
    let end = selection.end.min(text.len());
    let selection = selection.start.min(end)..end;
    let lines = Lines::new(text);
    let Some(query) = language.context_query() else {
        return vec![surrounding(
            label,
            &Lines::new(text),
            &selection,
            "surrounding lines",
        )];
    };

    let index = |name: &str| query.capture_index_for_name(name);
    let (scope_i, def_i, name_i, import_i, doc_i) = (
        index("scope"),
        index("definition"),
        index("name"),
        index("import"),
        index("docstring"),
    );
    let mut scopes: Vec<Node> = Vec::new();
    let mut definitions: BTreeMap<String, Vec<Node>> = BTreeMap::new();
    let mut all_definitions: Vec<Node> = Vec::new();
    let mut imports: Vec<Node> = Vec::new();
    let mut docstring: Option<Node> = None;
    let mut references: BTreeSet<String> = BTreeSet::new();

    // Two passes keep a large file cheap: the file's outline (definitions, imports,
    // docstring) lives near the root, so that pass stops a few levels down; the scopes
    // around the selection come from a pass over the selection's range only.
    for pass in [Pass::Outline, Pass::AroundSelection] {
        let mut cursor = QueryCursor::new();
        match pass {
            Pass::Outline => {
                cursor.set_max_start_depth(Some(OUTLINE_DEPTH));
            }
            Pass::AroundSelection => {
                cursor.set_byte_range(selection.clone());
            }
        }
        let mut matches = cursor.matches(query, tree.root_node(), text.as_bytes());
        while let Some(m) = matches.next() {
            let node_of = |i: Option<u32>| {
                i.and_then(|i| m.captures().iter().find(|c| c.index == i).map(|c| c.node))
            };
            if pass == Pass::AroundSelection {
                if let Some(node) = node_of(scope_i)
                    && node.start_byte() <= selection.start
                    && selection.end <= node.end_byte()
                {
                    scopes.push(node);
                }
                continue;
            }
            if let (Some(node), Some(name)) = (node_of(def_i), node_of(name_i)) {
                definitions
                    .entry(text[name.byte_range()].to_string())
                    .or_default()
                    .push(node);
                all_definitions.push(node);
            }
            if let Some(node) = node_of(import_i) {
                imports.push(node);
            }
            if let Some(node) = node_of(doc_i) {
                docstring.get_or_insert(node);
            }
        }
    }
    if let Some(names) = language.references_query() {
        let mut cursor = QueryCursor::new();
        cursor.set_byte_range(selection.clone());
        let mut captures = cursor.captures(names, tree.root_node(), text.as_bytes());
        while let Some((m, i)) = captures.next() {
            let node = m.captures()[*i].node;
            if selection.start <= node.start_byte() && node.end_byte() <= selection.end {
                references.insert(text[node.byte_range()].to_string());
            }
        }
    }
    scopes.sort_by_key(|n| n.byte_range().len());
    scopes.dedup_by_key(|n| n.id());

    let mut pieces = Vec::new();
    let mut used = 0;
    let mut push = |piece: ContextPiece, pieces: &mut Vec<ContextPiece>| {
        if used + piece.text.len() <= options.max_chars {
            used += piece.text.len();
            pieces.push(piece);
        }
    };

    if tree.root_node().has_error() {
        push(
            surrounding(
                label,
                &lines,
                &selection,
                "the file has syntax errors; surrounding lines",
            ),
            &mut pieces,
        );
    }
    if let Some(doc) = docstring {
        push(
            node_piece(label, &lines, doc, "module docstring"),
            &mut pieces,
        );
    }
    for run in contiguous(&imports) {
        push(span_piece(label, &lines, run, "imports"), &mut pieces);
    }
    // The innermost enclosing definition, whole; the ones around it by signature.
    if let Some(inner) = scopes.first() {
        if inner.byte_range() != selection {
            push(
                node_piece(label, &lines, *inner, "enclosing definition"),
                &mut pieces,
            );
        }
        for outer in scopes.iter().skip(1) {
            push(
                signature_piece(label, text, *outer, "enclosing definition (signature)"),
                &mut pieces,
            );
        }
    }
    // Signatures of the definitions beside the innermost scope (or beside the selection).
    let container = scopes
        .first()
        .and_then(|n| n.parent())
        .or_else(|| Some(tree.root_node()));
    let siblings: Vec<String> = all_definitions
        .iter()
        .filter(|d| d.parent() == container && scopes.first().is_none_or(|s| s.id() != d.id()))
        .filter(|d| !(d.start_byte() <= selection.start && selection.end <= d.end_byte()))
        .map(|d| {
            format!(
                "line {}: {}",
                d.start_position().row + 1,
                first_line(text, *d)
            )
        })
        .collect();
    if !siblings.is_empty() {
        let first = all_definitions
            .iter()
            .find(|d| d.parent() == container)
            .map_or(1, |d| d.start_position().row + 1);
        push(
            ContextPiece {
                label: format!("{label}: signatures beside it"),
                text: siblings.join("\n"),
                first_line: first as u32,
            },
            &mut pieces,
        );
    }
    // Definitions of the names the selection uses, from this file.
    for name in &references {
        for definition in definitions.get(name).into_iter().flatten() {
            let inside = |outer: &Node| {
                outer.start_byte() <= definition.start_byte()
                    && definition.end_byte() <= outer.end_byte()
            };
            let overlaps_selection =
                definition.start_byte() < selection.end && selection.start < definition.end_byte();
            if overlaps_selection || scopes.iter().any(inside) {
                continue;
            }
            let length = definition.end_position().row - definition.start_position().row + 1;
            let piece = if length <= MAX_DEFINITION_LINES {
                node_piece(
                    label,
                    &lines,
                    *definition,
                    &format!("definition of `{name}`"),
                )
            } else {
                signature_piece(
                    label,
                    text,
                    *definition,
                    &format!("definition of `{name}` (signature)"),
                )
            };
            push(piece, &mut pieces);
        }
    }
    pieces
}

fn first_line(text: &str, node: Node) -> String {
    text[node.byte_range()]
        .lines()
        .next()
        .unwrap_or("")
        .trim_end()
        .to_string()
}

fn node_piece(label: &str, lines: &Lines, node: Node, what: &str) -> ContextPiece {
    span_piece(
        label,
        lines,
        node.start_position().row..node.end_position().row + 1,
        what,
    )
}

fn signature_piece(label: &str, text: &str, node: Node, what: &str) -> ContextPiece {
    let row = node.start_position().row;
    ContextPiece {
        label: format!("{label}:{} ({what})", row + 1),
        text: first_line(text, node),
        first_line: row as u32 + 1,
    }
}

/// The text with its line starts, so pieces cost their own size, not the file's.
struct Lines<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Lines<'a> {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        Lines { text, starts }
    }

    /// Lines `rows` (0-based, end exclusive), clamped to the text.
    fn rows(&self, rows: Range<usize>) -> Vec<&'a str> {
        let count = self.starts.len();
        let (first, last) = (rows.start.min(count), rows.end.min(count));
        let end = self.starts.get(last).copied().unwrap_or(self.text.len());
        self.text[self.starts[first.min(count - 1)].min(end)..end]
            .lines()
            .collect()
    }

    fn line_of(&self, byte: usize) -> usize {
        self.starts
            .partition_point(|&start| start <= byte)
            .saturating_sub(1)
    }
}

/// Whole lines `rows` (0-based, end exclusive).
fn span_piece(label: &str, lines: &Lines, rows: Range<usize>, what: &str) -> ContextPiece {
    let body = lines.rows(rows.clone());
    ContextPiece {
        label: format!(
            "{label}:{}-{} ({what})",
            rows.start + 1,
            rows.start + body.len().max(1)
        ),
        text: body.join("\n"),
        first_line: rows.start as u32 + 1,
    }
}

fn surrounding(label: &str, lines: &Lines, selection: &Range<usize>, what: &str) -> ContextPiece {
    let (first, last) = (lines.line_of(selection.start), lines.line_of(selection.end));
    span_piece(
        label,
        lines,
        first.saturating_sub(SURROUNDING_LINES)..last + SURROUNDING_LINES + 1,
        what,
    )
}

/// Runs of nodes on consecutive lines, as row ranges.
fn contiguous(nodes: &[Node]) -> Vec<Range<usize>> {
    let mut rows: Vec<Range<usize>> = nodes
        .iter()
        .map(|n| n.start_position().row..n.end_position().row + 1)
        .collect();
    rows.sort_by_key(|r| r.start);
    let mut runs: Vec<Range<usize>> = Vec::new();
    for r in rows {
        match runs.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => runs.push(r),
        }
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::language_for;

    const PY: &str = r#""""Payments."""
import os
from decimal import Decimal

RATE = Decimal("0.2")


def tax(amount):
    return amount * RATE


class Invoice:
    def total(self, amount):
        subtotal = amount + 1
        return subtotal + tax(amount)

    def pay(self):
        os.system("pay")
"#;

    fn context(selection: &str) -> Vec<ContextPiece> {
        let start = PY.find(selection).unwrap();
        context_for(
            language_for(None, Some("python")),
            "pay.py",
            PY,
            start..start + selection.len(),
            ContextOptions { max_chars: 10_000 },
        )
    }

    fn labels(pieces: &[ContextPiece]) -> Vec<String> {
        pieces.iter().map(|p| p.label.clone()).collect()
    }

    #[test]
    fn the_enclosing_method_comes_whole_and_its_class_by_signature() {
        let pieces = context("return subtotal + tax(amount)");
        let method = pieces
            .iter()
            .find(|p| p.label.contains("enclosing definition)"))
            .unwrap();
        assert!(
            method.text.starts_with("    def total(self, amount):"),
            "{method:?}"
        );
        assert_eq!(method.first_line, 13);
        assert!(
            pieces.iter().any(|p| p.text == "class Invoice:"),
            "{:?}",
            labels(&pieces)
        );
    }

    #[test]
    fn imports_and_the_module_docstring_are_included() {
        let pieces = context("return subtotal + tax(amount)");
        assert!(
            pieces
                .iter()
                .any(|p| p.text == "import os\nfrom decimal import Decimal" && p.first_line == 2),
            "{:?}",
            labels(&pieces)
        );
        assert!(pieces.iter().any(|p| p.text == "\"\"\"Payments.\"\"\""));
    }

    #[test]
    fn definitions_of_names_the_selection_uses_are_included() {
        let pieces = context("return subtotal + tax(amount)");
        let tax = pieces
            .iter()
            .find(|p| p.label.contains("definition of `tax`"))
            .unwrap();
        assert_eq!(tax.text, "def tax(amount):\n    return amount * RATE");
        assert_eq!(tax.first_line, 8);
    }

    #[test]
    fn sibling_signatures_are_listed() {
        let pieces = context("return subtotal + tax(amount)");
        let siblings = pieces
            .iter()
            .find(|p| p.label.contains("signatures beside it"))
            .unwrap();
        assert!(
            siblings.text.contains("line 17: def pay(self):"),
            "{}",
            siblings.text
        );
    }

    #[test]
    fn a_file_with_syntax_errors_still_gives_surrounding_lines_and_says_so() {
        let broken = "def f(:\n    x = 1\n    return x\n";
        let start = broken.find("x = 1").unwrap();
        let pieces = context_for(
            language_for(None, Some("python")),
            "b.py",
            broken,
            start..start + 5,
            ContextOptions { max_chars: 10_000 },
        );
        assert!(
            pieces[0].label.contains("syntax errors"),
            "{:?}",
            labels(&pieces)
        );
        assert!(pieces[0].text.contains("x = 1"));
    }

    #[test]
    fn a_file_without_a_grammar_gets_surrounding_lines() {
        let pieces = context_for(
            None,
            "notes.txt",
            "a\nb\nc\n",
            2..3,
            ContextOptions { max_chars: 10_000 },
        );
        assert_eq!(pieces.len(), 1);
        assert!(pieces[0].label.contains("no grammar"));
        assert_eq!(pieces[0].text, "a\nb\nc");
    }

    #[test]
    fn context_stays_within_its_budget() {
        let start = PY.find("return subtotal").unwrap();
        let pieces = context_for(
            language_for(None, Some("python")),
            "pay.py",
            PY,
            start..start + 10,
            ContextOptions { max_chars: 40 },
        );
        assert!(pieces.iter().map(|p| p.text.len()).sum::<usize>() <= 40);
    }

    #[test]
    fn rust_is_a_grammar_plus_queries_too() {
        let code =
            "use std::fmt;\n\nfn helper() -> u32 { 1 }\n\nfn main() {\n    let x = helper();\n}\n";
        let start = code.find("let x").unwrap();
        let pieces = context_for(
            language_for(None, Some("rust")),
            "main.rs",
            code,
            start..start + 18,
            ContextOptions { max_chars: 10_000 },
        );
        assert!(
            pieces.iter().any(|p| p.text == "use std::fmt;"),
            "{:?}",
            labels(&pieces)
        );
        assert!(
            pieces
                .iter()
                .any(|p| p.label.contains("definition of `helper`")),
            "{:?}",
            labels(&pieces)
        );
        assert!(
            pieces.iter().any(|p| p.text.starts_with("fn main() {")),
            "{:?}",
            labels(&pieces)
        );
    }
}
