//! From what a model wrote to what the editor shows: fences and special tokens off, prose
//! dropped, one line in the middle of a line, a block at an empty line that stops where
//! the block ends, and nothing that only repeats the text after the cursor.

/// What a suggestion may be at this cursor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Text follows the cursor on its line: the rest of this line only.
    Line,
    /// Nothing follows on the line: up to `max_lines` lines, ending where a line is
    /// indented less than `indent` (the block around the cursor ends there).
    Block { indent: usize, max_lines: usize },
}

impl Shape {
    /// The shape at the end of `prefix`, the line going on with `suffix`.
    pub fn at(prefix: &str, suffix: &str, max_lines: usize) -> Shape {
        let rest = suffix.split('\n').next().unwrap_or("");
        if !rest.trim().is_empty() {
            return Shape::Line;
        }
        let line = prefix.rsplit('\n').next().unwrap_or("");
        let indent = match line.trim().is_empty() {
            true => width(line),
            false => width(leading(line)),
        };
        Shape::Block { indent, max_lines }
    }

    /// Whether `text` already holds all this shape can show: the caller stops reading the
    /// model (and so closes its stream) early.
    pub fn is_satisfied(&self, text: &str) -> bool {
        if MAX_RAW_BYTES < text.len() {
            return true;
        }
        match self {
            Shape::Line => text.trim_start_matches('\n').contains('\n'),
            Shape::Block { max_lines, .. } => {
                text.trim_start_matches('\n').matches('\n').count() > *max_lines
            }
        }
    }
}

/// A model that writes this much without filling its shape is not writing a suggestion.
const MAX_RAW_BYTES: usize = 64 * 1024;

/// Special tokens FIM models end or pad with; the answer ends at the first.
const END_TOKENS: [&str; 9] = [
    "<|endoftext|>",
    "<|fim_pad|>",
    "<|file_sep|>",
    "<|fim_middle|>",
    "<|fim_suffix|>",
    "<EOT>",
    "<|EOT|>",
    "</s>",
    "<｜end▁of▁sentence｜>",
];

/// Words prose answers open with; an answer that starts so and has no code fence is not
/// code to insert.
const PROSE_OPENERS: [&str; 12] = [
    "here is",
    "here's",
    "sure",
    "certainly",
    "this code",
    "the code",
    "i ",
    "i'",
    "you can",
    "to complete",
    "note:",
    "the missing",
];

/// The suggestion to show for `raw` at the end of `prefix`, before `suffix`; `None` when
/// nothing worth showing is left.
pub fn clean(raw: &str, prefix: &str, suffix: &str, shape: &Shape) -> Option<String> {
    let text = cut_at_end_token(raw);
    // Control characters (NUL, escapes) are no code to insert.
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r'))
    {
        return None;
    }
    let text = match fenced(text) {
        Some(code) => code,
        None if looks_like_prose(text) => return None,
        None => text.to_string(),
    };
    let text = without_repeated_line_start(&text, prefix);
    let text = match shape {
        Shape::Line => {
            let line = text.split('\n').next().unwrap_or("");
            without_overlap(line, suffix.split('\n').next().unwrap_or("")).to_string()
        }
        Shape::Block { indent, max_lines } => block(&text, prefix, suffix, *indent, *max_lines),
    };
    let rest_of_line = suffix.split('\n').next().unwrap_or("");
    let repeats = suffix.starts_with(&text) || text.trim() == rest_of_line.trim();
    (!text.trim().is_empty() && !repeats).then_some(text)
}

fn cut_at_end_token(raw: &str) -> &str {
    let end = END_TOKENS
        .iter()
        .filter_map(|token| raw.find(token))
        .min()
        .unwrap_or(raw.len());
    &raw[..end]
}

/// The first fenced block's content, when the answer has a fence.
fn fenced(text: &str) -> Option<String> {
    let open = text.find("```")?;
    let after = &text[open + 3..];
    let body = &after[after.find('\n')? + 1..];
    let body = match body.find("```") {
        Some(close) => &body[..close],
        None => body,
    };
    Some(body.strip_suffix('\n').unwrap_or(body).to_string())
}

fn looks_like_prose(text: &str) -> bool {
    let first = text.trim_start().split('\n').next().unwrap_or("");
    let lower = first.to_lowercase();
    PROSE_OPENERS.iter().any(|opener| lower.starts_with(opener))
        && first.split_whitespace().count() >= 3
}

/// Chat models often write the cursor's line again from its start: keep what follows it.
fn without_repeated_line_start(text: &str, prefix: &str) -> String {
    let line = prefix.rsplit('\n').next().unwrap_or("");
    let typed = line.trim_start();
    if typed.is_empty() {
        return text.to_string();
    }
    match text.trim_start().strip_prefix(typed) {
        Some(rest) if text.trim_start().len() > typed.len() => rest.to_string(),
        _ => text.to_string(),
    }
}

/// `line` without its end where that end is already the text after the cursor (a closing
/// bracket the editor put there).
fn without_overlap<'a>(line: &'a str, rest: &str) -> &'a str {
    let rest = rest.trim_end();
    if rest.is_empty() {
        return line.trim_end();
    }
    let line = line.trim_end();
    // The longest start of `rest` that `line` ends with.
    let mut best = 0;
    for end in (1..=rest.len()).filter(|&end| rest.is_char_boundary(end)) {
        if line.ends_with(&rest[..end]) {
            best = end;
        }
    }
    &line[..line.len() - best]
}

/// The lines of a block suggestion: at most `max_lines`, ending before a line indented
/// less than the block (`indent`) or one that repeats the first line after the cursor.
fn block(text: &str, prefix: &str, suffix: &str, indent: usize, max_lines: usize) -> String {
    let after_cursor = prefix.rsplit('\n').next().unwrap_or("");
    let at_line_start = after_cursor.trim().is_empty();
    let next_code = suffix
        .split('\n')
        .skip(1)
        .map(str::trim_end)
        .find(|line| !line.trim().is_empty());
    let mut kept: Vec<&str> = Vec::new();
    for (i, line) in text.trim_end().split('\n').enumerate() {
        let blank = line.trim().is_empty();
        // The first line goes on the cursor's line: its indentation is the cursor's.
        let own_indent = match (i, at_line_start) {
            (0, true) => indent + width(leading(line)),
            (0, false) => usize::MAX,
            _ => width(leading(line)),
        };
        if !blank && own_indent < indent && i > 0 {
            break;
        }
        if !blank && i > 0 && next_code == Some(line.trim_end()) {
            break;
        }
        if kept.len() == max_lines {
            break;
        }
        kept.push(line.trim_end());
    }
    while kept.last().is_some_and(|line| line.trim().is_empty()) {
        kept.pop();
    }
    kept.join("\n")
}

fn leading(line: &str) -> &str {
    &line[..line.len() - line.trim_start().len()]
}

/// Columns of indentation, a tab counting as four.
fn width(indent: &str) -> usize {
    indent.chars().map(|c| if c == '\t' { 4 } else { 1 }).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `prefix|suffix` at `|`, the model's `raw` answer, and what is shown.
    fn check(cases: &[(&str, &str, Option<&str>)]) {
        for (doc, raw, expect) in cases {
            let (prefix, suffix) = doc.split_once('|').expect("a cursor mark");
            let shape = Shape::at(prefix, suffix, 4);
            let got = clean(raw, prefix, suffix, &shape);
            assert_eq!(got.as_deref(), *expect, "at {doc:?} for {raw:?}");
        }
    }

    #[test]
    fn mid_line_gives_one_line_without_what_follows_the_cursor() {
        check(&[
            ("x = foo(|)\n", "a, b)\nprint(x)", Some("a, b")),
            (
                "total = sum(|)\n",
                "p * n for p, n in items)\nreturn total",
                Some("p * n for p, n in items"),
            ),
            ("if ready|:\n", " and not done", Some(" and not done")),
        ]);
    }

    #[test]
    fn an_empty_body_gives_several_lines_up_to_the_end_of_the_block() {
        check(&[
            (
                "def area(w, h):\n    |\n\nprint(1)\n",
                "result = w * h\n    return result\n\ndef other():\n    pass",
                Some("result = w * h\n    return result"),
            ),
            (
                "def f():\n|",
                "    a = 1\n    b = 2\n    c = 3\n    d = 4\n    e = 5\n",
                Some("    a = 1\n    b = 2\n    c = 3\n    d = 4"),
            ),
        ]);
    }

    #[test]
    fn the_model_repeating_the_code_after_the_cursor_stops_there() {
        check(&[(
            "def f(x):\n    |\n    return y\n",
            "y = x + 1\n    return y\n",
            Some("y = x + 1"),
        )]);
    }

    #[test]
    fn a_suggestion_that_only_repeats_the_text_after_the_cursor_is_dropped() {
        check(&[
            ("print(|)\n", ")", None),
            ("value = |compute()\n", "compute()", None),
            ("x = |\n", "   \n", None),
        ]);
    }

    #[test]
    fn fences_and_end_tokens_are_stripped_and_prose_is_dropped() {
        check(&[
            (
                "x = |\n",
                "```python\n1 + 2\n```\nThat adds.",
                Some("1 + 2"),
            ),
            ("x = |\n", "41 + 1<|endoftext|>garbage", Some("41 + 1")),
            ("x = |\n", "Here is the code you asked for:", None),
            ("x = |\n", "Sure, I can help with that.", None),
            ("x = |\n", "1\u{0}\u{1b}[2J", None),
        ]);
    }

    #[test]
    fn a_chat_model_writing_the_line_again_keeps_only_what_is_new() {
        check(&[(
            "def add(a, b):|\n",
            "def add(a, b):\n    return a + b",
            Some("\n    return a + b"),
        )]);
    }

    #[test]
    fn the_shape_stops_reading_once_it_is_full() {
        assert!(!Shape::Line.is_satisfied("abc"));
        assert!(Shape::Line.is_satisfied("abc\nmore"));
        assert!(!Shape::Line.is_satisfied("\nabc"));
        let block = Shape::Block {
            indent: 0,
            max_lines: 2,
        };
        assert!(!block.is_satisfied("a\nb\n"));
        assert!(block.is_satisfied("a\nb\nc\nd"));
        assert!(Shape::Line.is_satisfied(&"x".repeat(MAX_RAW_BYTES + 1)));
    }
}
