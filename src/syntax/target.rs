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

/// Node kinds whose children are statements, in the grammars we carry.
const STATEMENT_PARENTS: &[&str] = &[
    "block",
    "module",
    "program",
    "statement_block",
    "source_file",
    "statement_list",
    "declaration_list",
];

/// What a fix of the finding at chars `flagged` works on: the whole statements it lies in
/// (whole lines), with the statements just before it that assign a name it uses — the
/// query built on the line above the `execute` that runs it — so the fixed code replaces
/// all it rewrites. Without a grammar, the flagged lines.
pub fn fix_target(
    rope: &Rope,
    tree: Option<(&Language, &tree_sitter::Tree)>,
    flagged: Range<usize>,
) -> Range<usize> {
    let end = flagged.end.min(rope.len_chars());
    let start = flagged.start.min(end);
    let whole_lines = |bytes: Range<usize>| {
        let first = rope.byte_to_line(bytes.start);
        let last = rope.byte_to_line(bytes.end.saturating_sub(1).max(bytes.start));
        rope.line_to_char(first)..rope.line_to_char(last) + line_len_without_break(rope, last)
    };
    let Some((_, tree)) = tree else {
        return whole_lines(rope.char_to_byte(start)..rope.char_to_byte(end));
    };
    let bytes = rope.char_to_byte(start)..rope.char_to_byte(end);
    let Some(mut node) = tree
        .root_node()
        .descendant_for_byte_range(bytes.start, bytes.end.max(bytes.start))
    else {
        return whole_lines(bytes);
    };
    // Up to the statement: the node whose parent holds statements.
    while let Some(parent) = node.parent() {
        if STATEMENT_PARENTS.contains(&parent.kind()) {
            break;
        }
        node = parent;
    }
    if node.parent().is_none() {
        return whole_lines(bytes);
    }
    let text = |n: tree_sitter::Node| rope.byte_slice(n.byte_range()).to_string();
    let mut first = node;
    let mut used = words(&text(node));
    while let Some(previous) = first.prev_named_sibling() {
        let assigned = assigned_name(&text(previous));
        match assigned {
            Some(name) if used.contains(&name) => {
                used.extend(words(&text(previous)));
                first = previous;
            }
            _ => break,
        }
    }
    whole_lines(first.start_byte()..node.end_byte().max(bytes.end))
}

/// The identifiers of a piece of code.
fn words(code: &str) -> std::collections::HashSet<String> {
    code.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// The name a simple assignment statement assigns (`query = …`, `let query = …`,
/// `const query = …`, `query := …`).
fn assigned_name(statement: &str) -> Option<String> {
    let statement = statement.trim_start();
    let statement = ["let mut ", "let ", "const ", "var "]
        .iter()
        .find_map(|keyword| statement.strip_prefix(keyword))
        .unwrap_or(statement);
    let name: String = statement
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    let rest = statement[name.len()..].trim_start();
    let assigns = rest.starts_with(":=")
        || rest.starts_with(':')
        || (rest.starts_with('=') && !rest.starts_with("=="));
    (!name.is_empty() && assigns).then_some(name)
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

    fn check_fix(code: &str, flagged: &str, expect: &str) {
        let rope = Rope::from_str(code);
        let language = language_for(Some(std::path::Path::new("t.py")), None).unwrap();
        let tree = parse(language, code, None).unwrap();
        let start = code.find(flagged).unwrap();
        let chars = rope.byte_to_char(start)..rope.byte_to_char(start + flagged.len());
        let range = fix_target(&rope, Some((language, &tree)), chars);
        assert_eq!(rope.slice(range).to_string(), expect, "{code}");
    }

    #[test]
    fn a_fix_works_on_whole_statements_with_the_assignments_they_use() {
        let code = "def get(db, uid):\n    query = \"SELECT * FROM u WHERE id = \" + uid\n    rows = db.execute(query)\n    return rows\n";
        check_fix(
            code,
            "db.execute(query)",
            "    query = \"SELECT * FROM u WHERE id = \" + uid\n    rows = db.execute(query)",
        );
        check_fix(
            code,
            "\"SELECT",
            "    query = \"SELECT * FROM u WHERE id = \" + uid",
        );
        let unrelated = "def f(x):\n    y = 2\n    os.system(x)\n";
        check_fix(unrelated, "os.system(x)", "    os.system(x)");
    }
}
