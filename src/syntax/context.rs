//! The context around a selection: its enclosing function and class, the file's imports and
//! docstring, the definitions of names it uses, and the signatures beside it. Each piece is
//! labelled with its path and lines, and the pieces fill a token budget in that order of
//! priority: a piece that does not fit whole is cut after its last whole line that fits
//! (a definition falls back to its signature), never inside a line.

use std::collections::BTreeSet;
use std::ops::Range;

use streaming_iterator::StreamingIterator;
use tree_sitter::{Node, QueryCursor};

use super::language::Language;
use super::outline::Definition;
use super::tree::Parsed;
use crate::context::{Budget, ContextPiece};

/// How much context to gather.
#[derive(Clone, Copy, Debug)]
pub struct ContextOptions {
    /// The most tokens of context (the selection itself not counted), by `tokens::estimate`.
    pub max_tokens: usize,
}

/// What surrounds a selection.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SelectionContext {
    /// In priority order.
    pub pieces: Vec<ContextPiece>,
    /// Names the selection uses that this file does not define (for the workspace index).
    pub unresolved: Vec<String>,
    /// Tokens left of the budget.
    pub tokens_left: usize,
}

/// Fewer tokens left than this hold no piece: its label alone costs about as much.
const MIN_PIECE_TOKENS: usize = 16;

/// A definition longer than this is shown by its signature only.
const MAX_DEFINITION_LINES: usize = 60;

/// Lines shown either side of a selection in a file that does not parse.
const SURROUNDING_LINES: usize = 20;

/// Context for the byte range `selection` of `text`, parsing it first (files the editor
/// does not have open). `label` names the file in piece labels.
pub fn context_for(
    language: Option<&'static Language>,
    label: &str,
    text: &str,
    selection: Range<usize>,
    options: ContextOptions,
) -> SelectionContext {
    match language.and_then(|language| Parsed::new(language, text)) {
        Some(parsed) => context_in(&parsed, label, text, selection, options),
        None => {
            let mut budget = Budget::new(options.max_tokens);
            let selection = clamp(selection, text);
            let why = match (language, crate::text_kind::not_text(text)) {
                (_, Some(why)) => format!("the file is not text ({why}); surrounding lines"),
                (None, None) => "no grammar for this file; surrounding lines".into(),
                (Some(_), None) => "the file is too large to parse; surrounding lines".into(),
            };
            budget.push(surrounding(label, &Lines::new(text), &selection, &why));
            finish(budget, Vec::new())
        }
    }
}

/// `context_for` with the file already parsed (the language server keeps trees).
pub fn context_in(
    parsed: &Parsed,
    label: &str,
    text: &str,
    selection: Range<usize>,
    options: ContextOptions,
) -> SelectionContext {
    let selection = clamp(selection, text);
    let lines = Lines::new(text);
    let mut budget = Budget::new(options.max_tokens);
    let outline = &parsed.outline;
    let Scopes {
        nodes: scopes,
        more: more_scopes,
    } = enclosing_scopes(parsed.language, &parsed.tree, &selection);
    let references = names_used(parsed.language, &parsed.tree, text, &selection);

    if parsed.tree.root_node().has_error() {
        budget.push(surrounding(
            label,
            &lines,
            &selection,
            "the file has syntax errors; surrounding lines",
        ));
    }
    if let Some(rows) = &outline.docstring {
        budget.push(span_piece(label, &lines, rows.clone(), "module docstring"));
    }
    for run in contiguous(&outline.imports) {
        budget.push(span_piece(label, &lines, run, "imports"));
    }
    // The innermost enclosing definition, whole; the ones around it by signature.
    if let Some(inner) = scopes.first() {
        if inner.byte_range() != selection {
            budget.push(span_piece(
                label,
                &lines,
                inner.rows(),
                "enclosing definition",
            ));
        }
        for outer in scopes.iter().skip(1) {
            budget.push(signature_piece(
                label,
                text,
                outer.node,
                "enclosing definition (signature)",
            ));
        }
        if more_scopes {
            budget.push(ContextPiece {
                label: format!("{label}: enclosing definitions (analysed to depth {MAX_SCOPES})"),
                text: format!(
                    "… more definitions enclose these: the nesting is deeper than {MAX_SCOPES}"
                ),
                first_line: 1,
            });
        }
    }
    // Signatures of the definitions beside the innermost scope (or beside the selection).
    let container = scopes
        .first()
        .and_then(|s| s.node.parent())
        .unwrap_or(parsed.tree.root_node())
        .id();
    let beside: Vec<&Definition> = outline
        .definitions
        .iter()
        .filter(|d| {
            d.parent == container && scopes.first().is_none_or(|s| s.byte_range() != d.bytes)
        })
        .filter(|d| !(d.bytes.start <= selection.start && selection.end <= d.bytes.end))
        .collect();
    if let Some(first) = beside.first() {
        let listing: Vec<String> = beside
            .iter()
            .map(|d| format!("line {}: {}", d.rows.start + 1, d.signature))
            .collect();
        budget.push(ContextPiece {
            label: format!("{label}: signatures beside it"),
            text: listing.join("\n"),
            first_line: first.rows.start as u32 + 1,
        });
    }
    // Definitions of the names the selection uses, from this file.
    let mut unresolved = Vec::new();
    for name in &references {
        let mut defined = false;
        for definition in outline.named(name) {
            defined = true;
            // A full budget takes no piece: a name defined a hundred times in a long file
            // (a method of every class) would cost its hundred pieces for nothing.
            if budget.left() < MIN_PIECE_TOKENS {
                break;
            }
            let inside = |outer: &Scope| {
                let outer = outer.byte_range();
                outer.start <= definition.bytes.start && definition.bytes.end <= outer.end
            };
            let overlaps_selection =
                definition.bytes.start < selection.end && selection.start < definition.bytes.end;
            if overlaps_selection || scopes.iter().any(inside) {
                continue;
            }
            budget.push(definition_piece(
                label,
                &lines,
                name,
                definition.rows.clone(),
                &definition.signature,
            ));
        }
        if !defined {
            unresolved.push(name.clone());
        }
    }
    finish(budget, unresolved)
}

/// A definition (`name` on `rows` of the file `label`) as context: whole when short, else
/// its signature.
pub fn definition_piece(
    label: &str,
    lines: &Lines,
    name: &str,
    rows: Range<usize>,
    signature: &str,
) -> ContextPiece {
    if rows.len() <= MAX_DEFINITION_LINES {
        span_piece(label, lines, rows, &format!("definition of `{name}`"))
    } else {
        ContextPiece {
            label: format!(
                "{label}:{} (definition of `{name}` (signature))",
                rows.start + 1
            ),
            text: signature.to_string(),
            first_line: rows.start as u32 + 1,
        }
    }
}

/// A definition around a selection.
#[derive(Clone, Copy, Debug)]
pub struct Scope<'t> {
    /// The definition with its wrapper (decorators, `export`).
    pub node: Node<'t>,
    /// Its first part: the first doc comment or decorator above it that belongs to it, else
    /// `node`.
    pub start: Node<'t>,
}

impl Scope<'_> {
    /// Doc comments and decorators included.
    pub fn byte_range(&self) -> Range<usize> {
        self.start.start_byte()..self.node.end_byte()
    }

    /// 0-based, end exclusive; doc comments and decorators included.
    pub fn rows(&self) -> Range<usize> {
        self.start.start_position().row..self.node.end_position().row + 1
    }
}

/// At most this many enclosing definitions are gathered, innermost first: a signature
/// 64 levels out says nothing about the selection, and a file can nest definitions 100,000
/// deep.
pub const MAX_SCOPES: usize = 64;

/// The definitions around a selection.
#[derive(Debug, Default)]
pub struct Scopes<'t> {
    /// Innermost first, each with its wrapper and what is attached to it.
    pub nodes: Vec<Scope<'t>>,
    /// More enclosing definitions lie outside the `MAX_SCOPES` gathered.
    pub more: bool,
}

/// How many levels above the node at a cursor a doc comment or decorator holding it is
/// looked for: a comment is a leaf, a decorator's argument a few levels deep; deeper
/// nesting is not worth a walk up a hostile tree.
const MAX_ATTACHED_DEPTH: usize = 8;

/// The definitions (`@scope`) around `selection`, innermost first, at most `MAX_SCOPES`.
/// A selection in a doc comment or a decorator above a definition is in that definition.
///
/// The nodes around the selection are found by a tree cursor going down from the root
/// (iterative, so nesting of any depth costs its depth, and each node's parent is known
/// without `Node::parent`, which walks down from the root again); each is then matched
/// against the scope patterns at that node only. (A query over the selection's range
/// instead costs the square of the depth: 37 s at 10,000 nested functions.) The scope
/// patterns are node patterns without predicates, so no text is needed.
pub fn enclosing_scopes<'t>(
    language: &Language,
    tree: &'t tree_sitter::Tree,
    selection: &Range<usize>,
) -> Scopes<'t> {
    let mut scopes = Scopes::default();
    let Some(query) = language.scope_query() else {
        return scopes;
    };
    let Some(scope) = query.capture_index_for_name("scope") else {
        return scopes;
    };
    // An empty range: look at the character there.
    let text_len = tree.root_node().end_byte();
    let mut probe = if selection.is_empty() {
        selection.start..(selection.start + 1).min(text_len)
    } else {
        selection.clone()
    };
    if let Some(owner) = documented_at(language, tree, &probe) {
        // Its last byte: in it and its wrapped definition (`export function …`), in
        // nothing it holds.
        probe = owner.end_byte().saturating_sub(1)..owner.end_byte().max(probe.end);
    }
    let around = nodes_around(tree, &probe);
    let mut cursor = QueryCursor::new();
    cursor.set_max_start_depth(Some(0));
    for (at, node) in around.iter().enumerate().rev() {
        let mut matches = cursor.matches(query, *node, &[] as &[u8]);
        let mut is_scope = false;
        while let Some(m) = matches.next() {
            is_scope |= m
                .captures()
                .iter()
                .any(|c| c.index == scope && c.node == *node);
        }
        if !is_scope {
            continue;
        }
        let node = match at.checked_sub(1).map(|parent| around[parent]) {
            Some(parent) if language.wraps(parent.kind()) => parent,
            _ => *node,
        };
        // A wrapper that is a scope itself is found twice: as the wrapper, then itself.
        if scopes
            .nodes
            .last()
            .is_some_and(|last| last.node.id() == node.id())
        {
            continue;
        }
        let found = Scope {
            node,
            start: language.attached_start(node),
        };
        let range = found.byte_range();
        if !(range.start <= selection.start && selection.end <= range.end) {
            continue;
        }
        if scopes.nodes.len() == MAX_SCOPES {
            scopes.more = true;
            break;
        }
        scopes.nodes.push(found);
    }
    scopes
}

/// The definition documented (or decorated) by the comment or decorator that holds
/// `probe`, if one does.
fn documented_at<'t>(
    language: &Language,
    tree: &'t tree_sitter::Tree,
    probe: &Range<usize>,
) -> Option<Node<'t>> {
    if !language.attaches() {
        return None;
    }
    let mut node = tree
        .root_node()
        .descendant_for_byte_range(probe.start, probe.start)?;
    for _ in 0..MAX_ATTACHED_DEPTH {
        if language.is_attached_kind(node.kind()) {
            return language.documented_by(node);
        }
        node = node.parent()?;
    }
    None
}

/// The nodes whose range holds `selection`, outermost (the root) first. An empty
/// selection is held by the nodes that hold the character after it.
fn nodes_around<'t>(tree: &'t tree_sitter::Tree, selection: &Range<usize>) -> Vec<Node<'t>> {
    let probe_end = selection
        .end
        .max((selection.start + 1).min(tree.root_node().end_byte()));
    let holds = |node: &Node| node.start_byte() <= selection.start && probe_end <= node.end_byte();
    let mut cursor = tree.walk();
    let mut around = vec![cursor.node()];
    while cursor.goto_first_child_for_byte(selection.start).is_some() {
        // The first child that ends after the start: it holds the selection or none does.
        let node = cursor.node();
        if !holds(&node) {
            break;
        }
        around.push(node);
    }
    around
}

/// The names (`@reference`) inside `selection`.
fn names_used(
    language: &Language,
    tree: &tree_sitter::Tree,
    text: &str,
    selection: &Range<usize>,
) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let Some(query) = language.references_query() else {
        return names;
    };
    let mut cursor = QueryCursor::new();
    cursor.set_byte_range(selection.clone());
    let mut captures = cursor.captures(query, tree.root_node(), text.as_bytes());
    while let Some((m, i)) = captures.next() {
        let node = m.captures()[*i].node;
        if selection.start <= node.start_byte() && node.end_byte() <= selection.end {
            names.insert(text[node.byte_range()].to_string());
        }
    }
    names
}

fn clamp(selection: Range<usize>, text: &str) -> Range<usize> {
    let end = selection.end.min(text.len());
    selection.start.min(end)..end
}

fn finish(budget: Budget, unresolved: Vec<String>) -> SelectionContext {
    SelectionContext {
        tokens_left: budget.left(),
        pieces: budget.into_pieces(),
        unresolved,
    }
}

fn first_line(text: &str, node: Node) -> String {
    text[node.byte_range()]
        .lines()
        .next()
        .unwrap_or("")
        .trim_end()
        .to_string()
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
pub struct Lines<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    pub fn new(text: &'a str) -> Lines<'a> {
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

/// Runs of consecutive row ranges, merged.
fn contiguous(rows: &[Range<usize>]) -> Vec<Range<usize>> {
    let mut rows = rows.to_vec();
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
        pieces(context_for(
            language_for(None, Some("python")),
            "pay.py",
            PY,
            start..start + selection.len(),
            ContextOptions { max_tokens: 10_000 },
        ))
    }

    fn pieces(context: SelectionContext) -> Vec<ContextPiece> {
        context.pieces
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
    fn a_decorated_function_encloses_with_its_decorators_from_the_decorator_line_too() {
        let text = "class A:\n    @property\n    def size(self):\n        return 1\n";
        let language = language_for(None, Some("python")).unwrap();
        let parsed = Parsed::new(language, text).unwrap();
        for at in [
            text.find("@property").unwrap(),
            text.find("return").unwrap(),
        ] {
            let scopes = enclosing_scopes(language, &parsed.tree, &(at..at)).nodes;
            assert_eq!(
                &text[scopes[0].byte_range()],
                "@property\n    def size(self):\n        return 1"
            );
        }
    }

    #[test]
    fn a_file_with_syntax_errors_still_gives_surrounding_lines_and_says_so() {
        let broken = "def f(:\n    x = 1\n    return x\n";
        let start = broken.find("x = 1").unwrap();
        let pieces = pieces(context_for(
            language_for(None, Some("python")),
            "b.py",
            broken,
            start..start + 5,
            ContextOptions { max_tokens: 10_000 },
        ));
        assert!(
            pieces[0].label.contains("syntax errors"),
            "{:?}",
            labels(&pieces)
        );
        assert!(pieces[0].text.contains("x = 1"));
    }

    #[test]
    fn a_file_without_a_grammar_gets_surrounding_lines() {
        let pieces = pieces(context_for(
            None,
            "notes.txt",
            "a\nb\nc\n",
            2..3,
            ContextOptions { max_tokens: 10_000 },
        ));
        assert_eq!(pieces.len(), 1);
        assert!(pieces[0].label.contains("no grammar"));
        assert_eq!(pieces[0].text, "a\nb\nc");
    }

    #[test]
    fn context_stays_within_its_budget() {
        let start = PY.find("return subtotal").unwrap();
        let pieces = pieces(context_for(
            language_for(None, Some("python")),
            "pay.py",
            PY,
            start..start + 10,
            ContextOptions { max_tokens: 40 },
        ));
        let spent: usize = pieces
            .iter()
            .map(|p| crate::context::estimate(&p.label) + crate::context::estimate(&p.text))
            .sum();
        assert!(spent <= 40, "{spent}");
        assert!(!pieces.is_empty());
    }

    #[test]
    fn names_defined_elsewhere_are_left_for_the_workspace_index() {
        let start = PY.find("return subtotal + tax(amount)").unwrap();
        let context = context_for(
            language_for(None, Some("python")),
            "pay.py",
            PY,
            start..start + 29,
            ContextOptions { max_tokens: 10_000 },
        );
        // `tax` is defined in the file; the rest (locals included) is the index's to find.
        assert_eq!(context.unresolved, ["amount", "subtotal"]);
    }

    #[test]
    fn rust_is_a_grammar_plus_queries_too() {
        let code =
            "use std::fmt;\n\nfn helper() -> u32 { 1 }\n\nfn main() {\n    let x = helper();\n}\n";
        let start = code.find("let x").unwrap();
        let pieces = pieces(context_for(
            language_for(None, Some("rust")),
            "main.rs",
            code,
            start..start + 18,
            ContextOptions { max_tokens: 10_000 },
        ));
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
