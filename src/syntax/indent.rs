//! Where inserted code goes: an answer re-indented for the line it is inserted at, in
//! either face (the language server's edits, anything else that inserts a model's code).

use ropey::Rope;

/// Re-indents `code` for insertion at `at`: its common indentation removed, the insertion
/// line's indentation added to every line after the first (the first continues the line).
pub fn indent_for(rope: &Rope, at: usize, code: &str) -> String {
    let line = rope.char_to_line(at);
    let line_text = rope.line(line).to_string();
    let indentation = if line_text.trim_end_matches(['\n', '\r']).is_empty() {
        // Editors often strip the whitespace of an empty line: its surroundings tell.
        blank_line_indentation(rope, line)
    } else {
        leading_whitespace(&line_text)
    };
    let at_column = at - rope.line_to_char(line);
    let common = code
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let mut out = String::new();
    for (i, l) in code.trim_end_matches('\n').lines().enumerate() {
        if 0 < i {
            out.push('\n');
            if !l.trim().is_empty() {
                out.push_str(&indentation);
            }
        } else if at_column < indentation.chars().count() {
            out.push_str(&indentation[at_column.min(indentation.len())..]);
        }
        out.push_str(
            l.get(common.min(l.len() - l.trim_start().len())..)
                .unwrap_or(l),
        );
    }
    if code.ends_with('\n') && !out.is_empty() {
        out.push('\n');
    }
    out
}

fn leading_whitespace(line: &str) -> String {
    line.chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect()
}

/// The indentation code on the empty line `line` belongs at: one level in after a line
/// that opens a block (`:` or `{` at its end); else the shallower of the lines around it,
/// so a blank line between two statements stays in their block and one before a dedent
/// goes out with it; at the end of the file, the last line's.
fn blank_line_indentation(rope: &Rope, line: usize) -> String {
    let text_of = |i: usize| rope.line(i).to_string();
    let previous = (0..line).rev().map(text_of).find(|l| !l.trim().is_empty());
    let next = (line + 1..rope.len_lines())
        .map(text_of)
        .find(|l| !l.trim().is_empty());
    let before = previous
        .as_deref()
        .map(leading_whitespace)
        .unwrap_or_default();
    let after = next
        .as_deref()
        .map(leading_whitespace)
        .unwrap_or_else(|| before.clone());
    let opens = previous
        .as_deref()
        .is_some_and(|l| l.trim_end().ends_with(':') || l.trim_end().ends_with('{'));
    if opens {
        if before.len() < after.len() {
            return after;
        }
        let unit = if before.contains('\t') { "\t" } else { "    " };
        return format!("{before}{unit}");
    }
    if before.len() <= after.len() {
        before
    } else {
        after
    }
}

/// A Python answer's imports, split from its code: the `import …` and `from … import …`
/// lines at its top that `file` does not hold yet, each to be inserted with the file's own
/// imports (`import_line`), and the rest, which replaces the code the role worked on.
pub fn split_imports(code: &str, file: &str) -> (Vec<String>, String) {
    let mut imports = Vec::new();
    let mut lines = code.lines().peekable();
    while let Some(line) = lines.peek() {
        let trimmed = line.trim();
        let is_import = trimmed.starts_with("import ")
            || (trimmed.starts_with("from ") && trimmed.contains(" import "));
        if !(is_import || (trimmed.is_empty() && !imports.is_empty())) {
            break;
        }
        if is_import && !file.lines().any(|l| l.trim() == trimmed) {
            imports.push(trimmed.to_string());
        }
        lines.next();
    }
    let rest: Vec<&str> = lines.collect();
    let mut rest = rest.join("\n");
    if code.ends_with('\n') && !rest.is_empty() {
        rest.push('\n');
    }
    (imports, rest)
}

/// The 0-based line new imports go on: after the file's last top-level import, else after
/// its module docstring and leading comments, else the first line.
pub fn import_line(file: &str) -> usize {
    let lines: Vec<&str> = file.lines().collect();
    if let Some(last) = lines.iter().rposition(|l| {
        l.starts_with("import ") || (l.starts_with("from ") && l.contains(" import "))
    }) {
        return last + 1;
    }
    lines
        .iter()
        .position(|l| !(l.starts_with('#') || l.trim().is_empty()))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_is_indented_like_the_insertion_line() {
        let rope = Rope::from_str("def f():\n    \n");
        let at = rope.line_to_char(1) + 4;
        assert_eq!(
            indent_for(&rope, at, "x = 1\nif x:\n    y = 2\n"),
            "x = 1\n    if x:\n        y = 2\n"
        );
    }

    #[test]
    fn code_inserted_at_column_zero_gets_the_lines_indentation() {
        let rope = Rope::from_str("class A:\n    pass\n");
        let at = rope.line_to_char(1);
        assert_eq!(
            indent_for(&rope, at, "def g(self):\n    return 1"),
            "    def g(self):\n        return 1"
        );
    }

    #[test]
    fn an_empty_line_between_statements_takes_their_indentation() {
        let rope = Rope::from_str("def f():\n    x = 1\n\n    return x\n");
        let at = rope.line_to_char(2);
        assert_eq!(indent_for(&rope, at, "y = 2\n"), "    y = 2\n");
    }

    #[test]
    fn an_empty_line_after_a_block_opener_is_indented_one_level() {
        let rope = Rope::from_str("class A:\n    def f(self):\n\ndef g():\n    pass\n");
        let at = rope.line_to_char(2);
        assert_eq!(indent_for(&rope, at, "return 1"), "        return 1");
    }

    #[test]
    fn an_empty_line_before_a_dedent_goes_out_with_it() {
        let rope = Rope::from_str("def f():\n    return 1\n\ndef g():\n    pass\n");
        let at = rope.line_to_char(2);
        assert_eq!(
            indent_for(&rope, at, "def h():\n    pass"),
            "def h():\n    pass"
        );
    }

    #[test]
    fn an_empty_last_line_continues_the_block_above() {
        let rope = Rope::from_str("def f():\n    x = 1\n");
        let at = rope.line_to_char(2);
        assert_eq!(indent_for(&rope, at, "return x"), "    return x");
    }

    #[test]
    fn common_indentation_of_the_answer_is_removed_first() {
        let rope = Rope::from_str("\n");
        assert_eq!(indent_for(&rope, 0, "    a\n    b\n"), "a\nb\n");
    }

    #[test]
    fn imports_at_the_top_of_an_answer_are_split_from_its_code() {
        let file = "import os\n\ndef get(db, uid):\n    pass\n";
        let (imports, rest) = split_imports(
            "import sqlite3\nimport os\n\nrows = db.execute(q, (uid,))\n",
            file,
        );
        assert_eq!(imports, ["import sqlite3"]);
        assert_eq!(rest, "rows = db.execute(q, (uid,))\n");
        let (imports, rest) = split_imports("return 1", file);
        assert!(imports.is_empty());
        assert_eq!(rest, "return 1");
    }

    #[test]
    fn new_imports_go_after_the_files_last_import() {
        assert_eq!(
            import_line("import os\nfrom x import y\n\ndef f(): pass\n"),
            2
        );
        assert_eq!(import_line("# header\n\ndef f(): pass\n"), 2);
        assert_eq!(import_line(""), 0);
    }
}
