//! What a cursor means when a role is asked to work on it: the enclosing definition, whole
//! lines from its first (doc comments, decorators and indentation included), from the document's parse —
//! or, without a grammar, the block the indentation shows. Every entry point (code actions,
//! commands sent with an empty range, Helix's one-character cursor) resolves it here, so a
//! role never gets an empty selection and code never lands in the middle of a line.

use std::ops::Range;

use ropey::Rope;

use super::{Language, enclosing_block_in, enclosing_scopes};

/// The char range a cursor at char `at` stands for in `rope`, from `tree` when it is the
/// parse of exactly this text.
pub fn cursor_target(
    rope: &Rope,
    tree: Option<(&Language, &tree_sitter::Tree)>,
    at: usize,
) -> Range<usize> {
    let at = at.min(rope.len_chars());
    tree.and_then(|(language, tree)| definition_at(rope, language, tree, at))
        .unwrap_or_else(|| block_at(rope, at))
}

fn definition_at(
    rope: &Rope,
    language: &Language,
    tree: &tree_sitter::Tree,
    at: usize,
) -> Option<Range<usize>> {
    // A cursor in a line's indentation means what the line holds.
    let line = rope.char_to_line(at);
    let line_start = rope.line_to_byte(line);
    let indent = rope
        .line(line)
        .bytes()
        .take_while(|b| *b == b' ' || *b == b'\t')
        .count();
    let byte = rope.char_to_byte(at).max(line_start + indent);
    let scopes = enclosing_scopes(language, tree, &(byte..byte));
    // Whole lines: the definition with its indentation (and its doc comments and
    // decorators), as a user selects it.
    let bytes = scopes.nodes.first()?.byte_range();
    let first_line = rope.byte_to_line(bytes.start);
    Some(rope.line_to_char(first_line)..rope.byte_to_char(bytes.end))
}

fn block_at(rope: &Rope, at: usize) -> Range<usize> {
    let line = rope.char_to_line(at);
    let (first, last) = enclosing_block_in(rope.len_lines(), |i| rope.line(i).into(), line);
    let start = rope.line_to_char(first);
    let end = rope.line_to_char(last) + line_len_without_break(rope, last);
    start..end
}

/// A line's length in chars, its line break excluded.
pub fn line_len_without_break(rope: &Rope, line: usize) -> usize {
    let slice = rope.line(line);
    let mut len = slice.len_chars();
    if 0 < len && slice.char(len - 1) == '\n' {
        len -= 1;
    }
    if 0 < len && slice.char(len - 1) == '\r' {
        len -= 1;
    }
    len
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::{language_for, parse};

    fn check(code: &str, cursor_line: usize, expect: &str) {
        let rope = Rope::from_str(code);
        let language = language_for(Some(std::path::Path::new("t.py")), None).unwrap();
        let tree = parse(language, code, None).unwrap();
        let at = rope.line_to_char(cursor_line);
        let range = cursor_target(&rope, Some((language, &tree)), at);
        assert_eq!(
            rope.slice(range).to_string(),
            expect,
            "cursor on line {cursor_line}"
        );
    }

    const CODE: &str = "import os\n\n@cache\ndef slug(title):\n    pass\n\n\nclass A:\n    def m(self):\n        return 1\n";

    #[test]
    fn a_cursor_means_its_enclosing_definition_in_whole_lines() {
        check(CODE, 4, "@cache\ndef slug(title):\n    pass");
        check(CODE, 3, "@cache\ndef slug(title):\n    pass");
        check(CODE, 9, "    def m(self):\n        return 1");
    }

    #[test]
    fn without_a_parse_a_cursor_means_its_indented_block() {
        let rope = Rope::from_str("a = 1\n\nfunction f()\n    y()\n    z()\n");
        let range = cursor_target(&rope, None, rope.line_to_char(3));
        assert_eq!(
            rope.slice(range).to_string(),
            "function f()\n    y()\n    z()"
        );
    }

    #[test]
    fn a_cursor_past_the_end_is_clamped() {
        let rope = Rope::from_str("x = 1\n");
        let range = cursor_target(&rope, None, 999);
        assert!(range.end <= rope.len_chars());
    }
}
