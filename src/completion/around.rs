//! What a completion model is shown: the text before and after the cursor within a token
//! budget, and what the syntax tree and the index know that the window does not show
//! (imports, the enclosing definitions' signatures, definitions of the names used near the
//! cursor) — redacted like every prompt.

use crate::context::{Budget, ContextPiece, estimate};
use crate::index::{self, WorkspaceIndex};
use crate::syntax::{ContextOptions, Language, Parsed, context_in};

/// A private-use character no secret rule matches: it marks the cursor while the window
/// is redacted whole, so that a secret cut by the cursor is still recognised.
const CURSOR_MARK: char = '\u{E000}';

/// Most bytes of the cursor's own line taken per token of the budget on its side: a line
/// of minified code is cut around the cursor, not sent whole.
const BYTES_PER_TOKEN: usize = 4;

/// Lines redacted beyond each end of the window, so that a secret the window cuts is
/// recognised and replaced all the same; a key block the window cuts is redacted whole
/// (`key_block_start`, `key_block_end`). Redaction costs by the byte, on every request.
const REDACTION_MARGIN: usize = 8;

/// Lines above the cursor whose names count as "used near the cursor".
const NEARBY_LINES: usize = 4;

/// A document at the cursor.
pub struct Cursor<'a> {
    /// The whole document, as the editor has it.
    pub text: &'a str,
    /// The cursor, a byte offset into `text` on a character boundary.
    pub offset: usize,
    /// The cursor's 0-based line (the editor knows it; counting it in a long file would
    /// cost more than the rest of the prompt).
    pub line: usize,
    /// The document's parse of `text`, when it has a grammar and a fresh tree.
    pub parsed: Option<&'a Parsed>,
    pub language: Option<&'static Language>,
    /// How pieces name the file.
    pub label: &'a str,
    /// The document's path relative to the workspace root.
    pub rel: Option<&'a str>,
}

/// The cursor's surroundings, ready for a prompt.
#[derive(Clone, Debug, PartialEq)]
pub struct Around {
    /// The text before the cursor, from a whole line on.
    pub prefix: String,
    /// The text after the cursor, to the end of a whole line.
    pub suffix: String,
    /// What the window does not show, in priority order.
    pub pieces: Vec<ContextPiece>,
    /// The language's line comment, when it has a grammar (FIM prompts put the pieces in
    /// comments).
    pub comment: Option<&'static str>,
}

/// The surroundings of `cursor` within `tokens`: the window takes four fifths (three
/// quarters of it before the cursor), the syntax and index pieces the rest. `redact`:
/// secrets replaced (the agent's endpoint needs it). `read` gives another workspace
/// file's text as a model may see it (`gather::model_reader`).
pub fn around(
    cursor: &Cursor,
    tokens: usize,
    redact: bool,
    index: Option<&WorkspaceIndex>,
    read: impl Fn(&str) -> Option<String>,
) -> Around {
    let offset = floor_boundary(cursor.text, cursor.offset);
    let window = tokens * 4 / 5;
    let (start, end, window_tokens) =
        window_bounds(cursor.text, offset, window * 3 / 4, window / 4);
    let (prefix, suffix) = match redact {
        true => redacted_window(cursor.text, start, offset, end),
        false => (
            cursor.text[start..offset].to_string(),
            cursor.text[offset..end].to_string(),
        ),
    };
    let cursor_line = cursor.line as u32 + 1;
    let first_line = cursor_line - newlines(&cursor.text[start..offset]);
    let last_line = cursor_line + newlines(&cursor.text[offset..end.saturating_sub(1).max(offset)]);
    // The window's cost as cut; redaction's markers are about as long as what they hide.
    let mut budget = Budget::new(tokens.saturating_sub(window_tokens));
    if let Some(parsed) = cursor.parsed {
        let nearby = nearby_start(cursor.text, offset);
        let syntax = context_in(
            parsed,
            cursor.label,
            cursor.text,
            nearby..offset,
            ContextOptions {
                max_tokens: budget.left(),
            },
        );
        for mut piece in syntax.pieces {
            // What the window shows already is not shown twice.
            let shown = piece.first_line <= last_line && first_line <= piece.last_line();
            if shown {
                continue;
            }
            if redact {
                piece.text = crate::redact::redact(&piece.text).text;
            }
            budget.push(piece);
        }
        if let Some(index) = index {
            index::definitions_from_index(index, &syntax.unresolved, cursor.rel, &mut budget, read);
        }
    }
    Around {
        prefix,
        suffix,
        pieces: budget.into_pieces(),
        comment: cursor.language.map(line_comment),
    }
}

fn line_comment(language: &Language) -> &'static str {
    match language.name {
        "python" => "#",
        _ => "//",
    }
}

/// The window's bytes: whole lines before the cursor while they fit `before` tokens (the
/// cursor's own line always), whole lines after it while they fit `after`; and its tokens.
fn window_bounds(text: &str, offset: usize, before: usize, after: usize) -> (usize, usize, usize) {
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line_start = line_start.max(ceil_boundary(
        text,
        offset.saturating_sub(before * BYTES_PER_TOKEN),
    ));
    let mut start = line_start;
    let mut spent = estimate(&text[line_start..offset]);
    while start > 0 {
        let above = text[..start - 1].rfind('\n').map_or(0, |i| i + 1);
        let cost = estimate(&text[above..start]);
        if spent + cost > before {
            break;
        }
        spent += cost;
        start = above;
    }
    let line_end = text[offset..]
        .find('\n')
        .map_or(text.len(), |i| offset + i + 1)
        .min(floor_boundary(text, offset + after * BYTES_PER_TOKEN).max(offset));
    let spent_before = spent;
    let mut end = line_end;
    let mut spent = estimate(&text[offset..line_end]);
    while end < text.len() {
        let below = text[end..].find('\n').map_or(text.len(), |i| end + i + 1);
        let cost = estimate(&text[end..below]);
        if spent + cost > after {
            break;
        }
        spent += cost;
        end = below;
    }
    (start, end, spent_before + spent)
}

/// The window redacted with a margin of lines around it, split again at the cursor. A
/// cursor inside a secret (the mark swallowed) leaves the two sides redacted apart.
fn redacted_window(text: &str, start: usize, offset: usize, end: usize) -> (String, String) {
    let at_line_start = |at: usize| at == 0 || text.as_bytes()[at - 1] == b'\n';
    let (margin_start, margin_end) =
        match at_line_start(start) && (end == text.len() || at_line_start(end)) {
            // A window cut inside a huge line has no margin: the lines' count would not say
            // where it starts.
            false => (start, end),
            true => {
                let margin_start =
                    key_block_start(text, lines_back(text, start, REDACTION_MARGIN), end);
                let margin_end = key_block_end(
                    text,
                    margin_start,
                    lines_forward(text, end, REDACTION_MARGIN),
                );
                (margin_start, margin_end)
            }
        };
    let above = &text[margin_start..start];
    let below = &text[end..margin_end];
    let marked = format!(
        "{above}{}{CURSOR_MARK}{}{below}",
        &text[start..offset],
        &text[offset..end]
    );
    let redacted = crate::redact::redact(&marked).text;
    // Redaction keeps line breaks: the window is the lines between the margins' lines.
    let window = &redacted[nth_line_start(&redacted, above.matches('\n').count())..];
    let window = match below.is_empty() {
        true => window,
        false => {
            let lines = text[start..end].matches('\n').count();
            &window[..nth_line_start(window, lines).min(window.len())]
        }
    };
    match window.split_once(CURSOR_MARK) {
        Some((prefix, suffix)) if !suffix.contains(CURSOR_MARK) => {
            (prefix.to_string(), suffix.to_string())
        }
        _ => (
            crate::redact::redact(&text[start..offset]).text,
            crate::redact::redact(&text[offset..end]).text,
        ),
    }
}

/// Lines searched above the margin for the start of a key block the window is in.
const KEY_BLOCK_LINES: usize = 400;

/// `from`, or the start of the key block that the text from `from` to `to` is inside (its
/// END line, or key-like lines, with the BEGIN line further up): the redaction rule for
/// key blocks needs the whole block.
fn key_block_start(text: &str, from: usize, to: usize) -> usize {
    let region = &text[from..to];
    let first = region.split('\n').next().unwrap_or("").trim();
    let key_like = first.len() >= 40
        && first
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='));
    let ends_block = region.contains("-----END ");
    if !(key_like || ends_block) {
        return from;
    }
    let floor = lines_back(text, from, KEY_BLOCK_LINES);
    match text[floor..from].rfind("-----BEGIN ") {
        Some(at) => text[..floor + at].rfind('\n').map_or(0, |i| i + 1),
        None => from,
    }
}

/// `to`, or the end of the key block that begins between `from` and `to` and ends below.
fn key_block_end(text: &str, from: usize, to: usize) -> usize {
    let region = &text[from..to];
    let Some(begin) = region.rfind("-----BEGIN ") else {
        return to;
    };
    if region[begin..].contains("-----END ") {
        return to;
    }
    let ceiling = lines_forward(text, to, KEY_BLOCK_LINES);
    match text[to..ceiling].find("-----END ") {
        Some(at) => lines_forward(text, to + at, 1),
        None => to,
    }
}

/// The byte where line `n` (0-based) of `text` starts; `text.len()` past the end.
fn nth_line_start(text: &str, n: usize) -> usize {
    if n == 0 {
        return 0;
    }
    text.match_indices('\n')
        .nth(n - 1)
        .map_or(text.len(), |(i, _)| i + 1)
}

fn lines_back(text: &str, from: usize, lines: usize) -> usize {
    let mut at = from;
    for _ in 0..lines {
        if at == 0 {
            break;
        }
        at = text[..at - 1].rfind('\n').map_or(0, |i| i + 1);
    }
    at
}

fn lines_forward(text: &str, from: usize, lines: usize) -> usize {
    let mut at = from;
    for _ in 0..lines {
        if at >= text.len() {
            break;
        }
        at = text[at..].find('\n').map_or(text.len(), |i| at + i + 1);
    }
    at
}

/// Where the lines "near the cursor" start: a few lines above its own.
fn nearby_start(text: &str, offset: usize) -> usize {
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    lines_back(text, line_start, NEARBY_LINES)
}

fn newlines(text: &str) -> u32 {
    text.bytes().filter(|&b| b == b'\n').count() as u32
}

fn ceil_boundary(text: &str, offset: usize) -> usize {
    let mut at = offset.min(text.len());
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

fn floor_boundary(text: &str, offset: usize) -> usize {
    let mut at = offset.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(text: &str, offset: usize, tokens: usize) -> Around {
        let cursor = Cursor {
            text,
            offset,
            line: text.bytes().take(offset).filter(|&b| b == b'\n').count(),
            parsed: None,
            language: None,
            label: "a.txt",
            rel: None,
        };
        around(&cursor, tokens, true, None, |_| None)
    }

    #[test]
    fn the_window_is_cut_at_the_cursor_and_keeps_whole_lines() {
        let text = "one\ntwo\nthree four\nfive\n";
        let at = text.find("four").unwrap();
        let around = plain(text, at, 1000);
        assert_eq!(around.prefix, "one\ntwo\nthree ");
        assert_eq!(around.suffix, "four\nfive\n");
    }

    #[test]
    fn a_long_file_gives_a_window_near_the_cursor_only() {
        let text: String = (0..10_000).map(|i| format!("line {i}\n")).collect();
        let at = text.find("line 5000\n").unwrap();
        let around = plain(&text, at, 400);
        assert!(around.prefix.ends_with("line 4999\n"), "{}", around.prefix);
        assert!(!around.prefix.contains("line 4000\n"));
        assert!(around.suffix.starts_with("line 5000\nline 5001\n"));
        assert!(!around.suffix.contains("line 6000"));
    }

    #[test]
    fn a_secret_next_to_the_cursor_is_redacted_on_both_sides() {
        let text = "API_KEY = \"sk-proj-Ab3dE5gH7jK9mN1pQ3sT5vX7zA9cE1gI\"\nx = 1\n";
        let at = text.find("x = 1").unwrap();
        let around = plain(text, at, 1000);
        assert!(!around.prefix.contains("Ab3dE5gH7jK9"), "{}", around.prefix);
        assert!(around.prefix.contains("<redacted:"), "{}", around.prefix);
        assert_eq!(around.suffix, "x = 1\n");
    }

    #[test]
    fn a_key_block_that_starts_above_the_window_is_still_redacted() {
        let mut text = String::from("-----BEGIN RSA PRIVATE KEY-----\n");
        for _ in 0..40 {
            text.push_str("MIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM2xaFWwmYpVYnn9gmQ3kTx2Tn1Jk\n");
        }
        text.push_str("-----END RSA PRIVATE KEY-----\nvalue = 1\n");
        let at = text.find("value").unwrap();
        let around = plain(&text, at, 120);
        assert!(
            !around.prefix.contains("BEGIN"),
            "the window starts inside the block"
        );
        assert!(
            !around.prefix.contains("MIIEpAIBAAKCAQEA"),
            "{}",
            around.prefix
        );
    }

    #[test]
    fn a_key_block_that_ends_below_the_window_is_still_redacted() {
        let mut text = String::from("value = 1\n-----BEGIN RSA PRIVATE KEY-----\n");
        for _ in 0..40 {
            text.push_str("MIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM2xaFWwmYpVYnn9gmQ3kTx2Tn1Jk\n");
        }
        text.push_str("-----END RSA PRIVATE KEY-----\n");
        let around = plain(&text, 0, 200);
        assert!(
            !around.suffix.contains("END"),
            "the window ends inside the block"
        );
        assert!(
            !around.suffix.contains("MIIEpAIBAAKCAQEA"),
            "{}",
            around.suffix
        );
    }

    #[test]
    fn the_last_line_of_a_file_without_a_final_line_break_is_in_the_suffix() {
        let text = "a = 1\nb = 2";
        let around = plain(text, 4, 1000);
        assert_eq!(around.prefix, "a = ");
        assert_eq!(around.suffix, "1\nb = 2");
    }

    #[test]
    fn a_huge_line_is_cut_around_the_cursor() {
        let text = format!("x = [{}]\n", "1, ".repeat(100_000));
        let at = text.len() / 2;
        let around = plain(&text, at, 1000);
        assert!(
            around.prefix.len() <= 800 * 3 / 4 * BYTES_PER_TOKEN,
            "{}",
            around.prefix.len()
        );
        assert!(
            around.suffix.len() <= 800 / 4 * BYTES_PER_TOKEN + 1,
            "{}",
            around.suffix.len()
        );
        assert!(text[..at].ends_with(&around.prefix));
    }

    #[test]
    fn a_cursor_inside_a_multibyte_character_is_moved_to_its_start() {
        let text = "é = 1\n";
        let around = plain(text, 1, 100);
        assert_eq!(around.prefix, "");
        assert_eq!(around.suffix, "é = 1\n");
    }
}
