//! Parse trees kept with a document: edited with the same change that edits the text, and
//! reparsed incrementally when next read.

use std::ops::Range;
use std::sync::Arc;

use ropey::Rope;
use tree_sitter::{InputEdit, Parser, Point, Tree};

use super::language::Language;
use super::outline::{Outline, outline};

/// Texts larger than this are not parsed (a parse takes about a second per 10 MB and its
/// tree 20–50 times the text): they get the line-based fallbacks — surrounding lines for
/// context, indentation for code actions — and no offline review.
pub const MAX_PARSE_BYTES: usize = 4 * 1024 * 1024;

/// `text` parsed in `language`, reusing the unchanged parts of `old` (edited to match).
/// `None` for texts over `MAX_PARSE_BYTES` (and if the grammar could not be loaded, which
/// a unit test rules out).
pub fn parse(language: &Language, text: &str, old: Option<&Tree>) -> Option<Tree> {
    if MAX_PARSE_BYTES < text.len() {
        return None;
    }
    with_parser(language, |parser| parser.parse(text, old))
}

thread_local! {
    /// One parser per thread, kept: a parser's stacks are megabytes for a large file, and
    /// allocating them afresh for every parse leaves the allocator holding far more memory
    /// than the trees themselves use.
    static PARSER: std::cell::RefCell<(Option<&'static str>, Parser)> =
        std::cell::RefCell::new((None, Parser::new()));
}

/// Runs `f` with this thread's parser set to `language`.
fn with_parser<T>(language: &Language, f: impl FnOnce(&mut Parser) -> Option<T>) -> Option<T> {
    PARSER.with(|cell| {
        let mut cell = cell.try_borrow_mut().ok()?;
        let (current, parser) = &mut *cell;
        if *current != Some(language.name) {
            parser.set_language(&language.grammar()).ok()?;
            *current = Some(language.name);
        }
        f(parser)
    })
}

/// A parse with its outline, as readers get it: cheap to clone (the tree is shared).
#[derive(Clone)]
pub struct Parsed {
    pub language: &'static Language,
    pub tree: Tree,
    pub outline: Arc<Outline>,
}

impl Parsed {
    /// Parses `text` from scratch (files that are not open in the editor). `None` also
    /// for a text that is not text (`text_kind::not_text`): binary junk is not parsed.
    pub fn new(language: &'static Language, text: &str) -> Option<Parsed> {
        if crate::text_kind::not_text(text).is_some() {
            return None;
        }
        let tree = parse(language, text, None)?;
        let outline = Arc::new(outline(language, &tree, text));
        Some(Parsed {
            language,
            tree,
            outline,
        })
    }
}

/// The syntax tree of one open document. Edits are cheap (the tree is told what moved);
/// the reparse happens when someone next asks for the tree, so a burst of keystrokes costs
/// one incremental parse, not one per keystroke.
#[derive(Clone)]
pub struct SyntaxTree {
    language: &'static Language,
    tree: Option<Tree>,
    stale: bool,
    outline: Option<Arc<Outline>>,
}

impl std::fmt::Debug for SyntaxTree {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyntaxTree")
            .field("language", &self.language.name)
            .field("parsed", &self.tree.is_some())
            .field("stale", &self.stale)
            .finish()
    }
}

impl SyntaxTree {
    pub fn new(language: &'static Language) -> SyntaxTree {
        SyntaxTree {
            language,
            tree: None,
            stale: true,
            outline: None,
        }
    }

    /// Records that the chars `replaced` of `before` are being replaced by `inserted`. Call
    /// before the rope changes.
    pub fn edit(&mut self, before: &Rope, replaced: &Range<usize>, inserted: &str) {
        if let Some(tree) = &mut self.tree {
            tree.edit(&input_edit(before, replaced, inserted));
        }
        self.stale = true;
        self.outline = None;
    }

    /// The tree for `rope` (the text after every recorded edit), reparsed incrementally
    /// if edits came since the last read. Without the outline: what code actions need.
    pub fn tree(&mut self, rope: &Rope) -> Option<Tree> {
        if MAX_PARSE_BYTES < rope.len_bytes() {
            self.release();
            return None;
        }
        if self.stale || self.tree.is_none() {
            self.tree = Some(reparse(self.language, rope, self.tree.as_ref())?);
            self.stale = false;
        }
        self.tree.clone()
    }

    pub fn language(&self) -> &'static Language {
        self.language
    }

    /// Whether a tree is held (dropped trees are parsed again, whole, when next read).
    pub fn is_held(&self) -> bool {
        self.tree.is_some()
    }

    /// Lets the tree go: trees cost many times their text, so only the documents in use
    /// keep one.
    pub fn release(&mut self) {
        self.tree = None;
        self.outline = None;
        self.stale = true;
    }

    /// `tree` with its outline (computed once per parse).
    pub fn parsed(&mut self, rope: &Rope) -> Option<Parsed> {
        let tree = self.tree(rope)?;
        let outline = match &self.outline {
            Some(outline) => outline.clone(),
            None => {
                let outline = Arc::new(outline(self.language, &tree, &rope.to_string()));
                self.outline = Some(outline.clone());
                outline
            }
        };
        Some(Parsed {
            language: self.language,
            tree,
            outline,
        })
    }
}

/// Parses straight from the rope's chunks: no copy of the text.
fn reparse(language: &Language, rope: &Rope, old: Option<&Tree>) -> Option<Tree> {
    let len = rope.len_bytes();
    with_parser(language, |parser| {
        parser.parse_with_options(
            &mut |byte: usize, _: Point| -> &[u8] {
                if len <= byte {
                    return &[];
                }
                let (chunk, start, _, _) = rope.chunk_at_byte(byte);
                &chunk.as_bytes()[byte - start..]
            },
            old,
            None,
        )
    })
}

/// The tree-sitter edit for replacing the chars `replaced` of `before` by `inserted`.
/// Rows are the rope's lines, which are tree-sitter's rows for `\n` and `\r\n` files (a
/// lone `\r` or U+2028 line break would shift rows until the next full parse).
pub fn input_edit(before: &Rope, replaced: &Range<usize>, inserted: &str) -> InputEdit {
    let point = |byte: usize| {
        let row = before.byte_to_line(byte);
        Point::new(row, byte - before.line_to_byte(row))
    };
    let start_byte = before.char_to_byte(replaced.start);
    let old_end_byte = before.char_to_byte(replaced.end);
    let start_position = point(start_byte);
    let new_end_position = match inserted.rfind('\n') {
        None => Point::new(start_position.row, start_position.column + inserted.len()),
        Some(last) => Point::new(
            start_position.row + memchr::memchr_iter(b'\n', inserted.as_bytes()).count(),
            inserted.len() - last - 1,
        ),
    };
    InputEdit {
        start_byte,
        old_end_byte,
        new_end_byte: start_byte + inserted.len(),
        start_position,
        old_end_position: point(old_end_byte),
        new_end_position,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::language_for;

    fn python() -> &'static Language {
        language_for(None, Some("python")).unwrap()
    }

    /// Applies an edit to both the rope and the tree, as the documents do.
    fn type_at(tree: &mut SyntaxTree, rope: &mut Rope, at: usize, removed: usize, text: &str) {
        let replaced = at..at + removed;
        tree.edit(rope, &replaced, text);
        rope.remove(replaced);
        rope.insert(at, text);
    }

    #[test]
    fn an_incremental_reparse_gives_the_same_tree_as_a_full_parse() {
        let mut rope = Rope::from_str("def f(x):\n    return x\n\nclass C:\n    pass\n");
        let mut tree = SyntaxTree::new(python());
        tree.parsed(&rope).unwrap();
        type_at(&mut tree, &mut rope, 4, 1, "renamed");
        type_at(&mut tree, &mut rope, 0, 0, "import os\n");
        let end = rope.len_chars();
        type_at(&mut tree, &mut rope, end, 0, "def g():\n    return 1\n");
        let incremental = tree.parsed(&rope).unwrap();
        let full = parse(python(), &rope.to_string(), None).unwrap();
        assert_eq!(
            incremental.tree.root_node().to_sexp(),
            full.root_node().to_sexp()
        );
        let names: Vec<_> = incremental
            .outline
            .definitions
            .iter()
            .map(|d| (d.name.as_str(), d.rows.start))
            .collect();
        assert_eq!(names, [("renamed", 1), ("C", 4), ("g", 6)]);
    }

    #[test]
    fn an_edit_with_multibyte_text_keeps_byte_positions_true() {
        let mut rope = Rope::from_str("s = \"é\"\ndef f():\n    pass\n");
        let mut tree = SyntaxTree::new(python());
        tree.parsed(&rope).unwrap();
        type_at(&mut tree, &mut rope, 5, 1, "漢字🚀");
        let line_two = rope.line_to_char(1);
        type_at(&mut tree, &mut rope, line_two, 0, "# 注釈\n");
        let parsed = tree.parsed(&rope).unwrap();
        let f = parsed.outline.named("f").next().unwrap();
        assert_eq!(&rope.to_string()[f.bytes.clone()], "def f():\n    pass");
        assert_eq!(f.rows, 2..4);
    }

    #[test]
    fn a_text_over_the_limit_is_not_parsed() {
        let huge = "x = 1\n".repeat(MAX_PARSE_BYTES / 6 + 1);
        assert!(parse(python(), &huge, None).is_none());
        let mut tree = SyntaxTree::new(python());
        assert!(tree.parsed(&Rope::from_str(&huge)).is_none());
    }

    #[test]
    fn the_outline_is_computed_once_per_parse() {
        let rope = Rope::from_str("def f():\n    pass\n");
        let mut tree = SyntaxTree::new(python());
        let first = tree.parsed(&rope).unwrap();
        let second = tree.parsed(&rope).unwrap();
        assert!(Arc::ptr_eq(&first.outline, &second.outline));
    }
}
