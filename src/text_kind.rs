//! Whether a text is text at all. Editors open anything as a document: a binary file
//! decoded as UTF-8 is mostly NUL bytes, U+FFFD replacement characters and control
//! bytes, often in lines a megabyte long. Parsing such a document costs seconds per
//! keystroke and finds nothing, so it is not parsed, indexed or reviewed, and the user is
//! told why (`NotText`'s `Display`).

use std::fmt;

/// Above this share of junk characters (NUL, U+FFFD, control characters other than tab,
/// line feed, carriage return and form feed), a text is not text. Real source files have
/// none; a binary file decoded as text has a third or more.
const MAX_JUNK_PER_MILLE: usize = 100;

/// A line this long is not source code: it is data (a minified bundle, a base64 blob, a
/// binary without line breaks). Deeply nested expressions written on one line stay under
/// it up to about 100,000 levels.
pub const MAX_LINE_BYTES: usize = 1024 * 1024;

/// Why a text is not treated as text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NotText {
    /// Per mille of the characters that are junk, and the kind most of them are.
    Junk { per_mille: usize, most: Junk },
    /// The longest line, in bytes.
    LongLine { bytes: usize },
}

/// The kinds of junk character.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Junk {
    Nul,
    Replacement,
    Control,
}

impl NotText {
    /// What the text looks like, for the message: "looks binary", "looks like data".
    pub fn looks(&self) -> &'static str {
        match self {
            NotText::Junk { .. } => "looks binary",
            NotText::LongLine { .. } => "looks like data, not code",
        }
    }
}

impl fmt::Display for NotText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotText::Junk { per_mille, most } => {
                let what = match most {
                    Junk::Nul => "NUL bytes",
                    Junk::Replacement => "U+FFFD replacement characters",
                    Junk::Control => "control characters",
                };
                let percent = (per_mille + 5) / 10;
                write!(f, "{percent}% {what}")
            }
            NotText::LongLine { bytes } => write!(f, "a line of {bytes} bytes"),
        }
    }
}

/// Why `text` is not text, or `None` if it is. One pass, about a millisecond per
/// megabyte.
pub fn not_text(text: &str) -> Option<NotText> {
    not_text_in(std::iter::once(text))
}

/// `not_text` over a text given in pieces (a rope's chunks), without joining them.
pub fn not_text_in<'a>(chunks: impl IntoIterator<Item = &'a str>) -> Option<NotText> {
    let mut counts = Counts::default();
    for chunk in chunks {
        counts.add(chunk.as_bytes());
    }
    counts.verdict()
}

#[derive(Default)]
struct Counts {
    chars: usize,
    nul: usize,
    replacement: usize,
    control: usize,
    /// Bytes since the last line break.
    line: usize,
    longest_line: usize,
}

impl Counts {
    fn add(&mut self, bytes: &[u8]) {
        // U+FFFD is EF BF BD; chunks of a `str` never split a character.
        self.replacement += memchr::memmem::find_iter(bytes, "\u{FFFD}".as_bytes()).count();
        for &byte in bytes {
            match byte {
                0 => self.nul += 1,
                b'\n' => {
                    self.longest_line = self.longest_line.max(self.line);
                    self.line = 0;
                    self.chars += 1;
                    continue;
                }
                b'\t' | b'\r' | 0x0c => {}
                1..=0x1f | 0x7f => self.control += 1,
                _ => {}
            }
            self.line += 1;
            // Continuation bytes do not start a character.
            self.chars += usize::from(byte & 0xc0 != 0x80);
        }
    }

    fn verdict(mut self) -> Option<NotText> {
        self.longest_line = self.longest_line.max(self.line);
        let junk = self.nul + self.replacement + self.control;
        if 0 < self.chars && MAX_JUNK_PER_MILLE * self.chars < junk * 1000 {
            let most = if self.replacement.max(self.control) < self.nul {
                Junk::Nul
            } else if self.control < self.replacement {
                Junk::Replacement
            } else {
                Junk::Control
            };
            return Some(NotText::Junk {
                per_mille: junk * 1000 / self.chars,
                most,
            });
        }
        (MAX_LINE_BYTES < self.longest_line).then_some(NotText::LongLine {
            bytes: self.longest_line,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expected: Option<&str>) {
        let verdict = not_text(text).map(|n| n.to_string());
        assert_eq!(
            verdict.as_deref(),
            expected,
            "{:?}",
            &text[..text.len().min(40)]
        );
    }

    #[test]
    fn source_code_is_text() {
        check("def f(x):\n\treturn x  # ünïcödé 漢字 🚀\r\n", None);
        check("", None);
        check(&"x = 1\n".repeat(100_000), None);
    }

    #[test]
    fn mostly_nul_bytes_is_not_text_and_says_how_much() {
        let text = format!("{}{}", "\0".repeat(38), "a".repeat(62));
        check(&text, Some("38% NUL bytes"));
    }

    #[test]
    fn replacement_characters_and_control_bytes_are_junk_too() {
        check(
            &"\u{FFFD}ab".repeat(1000),
            Some("33% U+FFFD replacement characters"),
        );
        check(
            &"\u{1}\u{7f}abcd".repeat(1000),
            Some("33% control characters"),
        );
    }

    #[test]
    fn a_little_junk_in_a_text_is_still_text() {
        let text = format!("{}\0\u{FFFD}", "print('hello')\n".repeat(10));
        check(&text, None);
    }

    #[test]
    fn a_megabyte_line_is_not_text_even_without_junk() {
        let line = "a".repeat(MAX_LINE_BYTES + 1);
        check(
            &line,
            Some(&format!("a line of {} bytes", MAX_LINE_BYTES + 1)),
        );
        check(
            &format!("x = 1\n{line}\ny = 2\n"),
            Some(&format!("a line of {} bytes", MAX_LINE_BYTES + 1)),
        );
    }

    #[test]
    fn the_verdict_over_chunks_is_the_verdict_over_the_whole() {
        let text = format!("{}{}", "ab\0".repeat(10_000), "é".repeat(10_000));
        let rope = ropey::Rope::from_str(&text);
        assert!(1 < rope.chunks().count());
        assert_eq!(not_text_in(rope.chunks()), not_text(&text));
    }
}
