//! LSP positions ↔ rope offsets, in the negotiated encoding. Never byte arithmetic on lines:
//! ropey converts between chars, UTF-8 bytes and UTF-16 code units in O(log n).

use ropey::Rope;
use tower_lsp_server::ls_types::{Position, PositionEncodingKind, Range};

/// How `Position::character` counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    /// The LSP default.
    #[default]
    Utf16,
    Utf32,
}

impl Encoding {
    /// The server's pick among what the client offers: UTF-8 saves conversions when
    /// offered; UTF-16 is the default every client supports.
    pub fn negotiate(offered: Option<&[PositionEncodingKind]>) -> Encoding {
        let offered = offered.unwrap_or(&[]);
        if offered.contains(&PositionEncodingKind::UTF8) {
            Encoding::Utf8
        } else if offered.contains(&PositionEncodingKind::UTF32) {
            Encoding::Utf32
        } else {
            Encoding::Utf16
        }
    }

    pub fn kind(self) -> PositionEncodingKind {
        match self {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
            Encoding::Utf32 => PositionEncodingKind::UTF32,
        }
    }
}

/// A position that lay outside the document and was moved onto it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Clamped;

/// The char offset of an LSP position. Positions past the end of a line mean its end (the
/// spec's rule); lines past the end of the document mean the end of the document, reported
/// as `Clamped`.
pub fn to_char(rope: &Rope, position: Position, encoding: Encoding) -> (usize, Option<Clamped>) {
    let line = position.line as usize;
    if rope.len_lines() <= line {
        return (rope.len_chars(), Some(Clamped));
    }
    let start = rope.line_to_char(line);
    let end = start + line_len_without_break(rope, line);
    let wanted = position.character as usize;
    // Measure the line in the client's units; anything past its end means its end.
    let (line_units, offset_within) = match encoding {
        Encoding::Utf32 => (end - start, None),
        Encoding::Utf8 => (
            rope.char_to_byte(end) - rope.char_to_byte(start),
            Some(rope.char_to_byte(start)),
        ),
        Encoding::Utf16 => (
            rope.char_to_utf16_cu(end) - rope.char_to_utf16_cu(start),
            Some(rope.char_to_utf16_cu(start)),
        ),
    };
    if line_units < wanted {
        return (end, Some(Clamped));
    }
    let offset = match (encoding, offset_within) {
        (Encoding::Utf8, Some(base)) => rope.byte_to_char(base + wanted),
        (Encoding::Utf16, Some(base)) => rope.utf16_cu_to_char(base + wanted),
        _ => start + wanted,
    };
    (offset, None)
}

/// The LSP position of a char offset (clamped to the document).
pub fn to_position(rope: &Rope, char: usize, encoding: Encoding) -> Position {
    let char = char.min(rope.len_chars());
    let line = rope.char_to_line(char);
    let start = rope.line_to_char(line);
    let character = match encoding {
        Encoding::Utf32 => char - start,
        Encoding::Utf8 => rope.char_to_byte(char) - rope.char_to_byte(start),
        Encoding::Utf16 => rope.char_to_utf16_cu(char) - rope.char_to_utf16_cu(start),
    };
    Position::new(line as u32, character as u32)
}

/// The char range of an LSP range, start never after end.
pub fn to_char_range(
    rope: &Rope,
    range: Range,
    encoding: Encoding,
) -> (std::ops::Range<usize>, Option<Clamped>) {
    let (start, a) = to_char(rope, range.start, encoding);
    let (end, b) = to_char(rope, range.end, encoding);
    (start.min(end)..start.max(end), a.or(b))
}

pub fn to_range(rope: &Rope, chars: std::ops::Range<usize>, encoding: Encoding) -> Range {
    Range::new(
        to_position(rope, chars.start, encoding),
        to_position(rope, chars.end, encoding),
    )
}

pub use crate::syntax::line_len_without_break;

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "aé🚀b\n漢字\r\nx";

    fn rope() -> Rope {
        Rope::from_str(TEXT)
    }

    #[test]
    fn utf16_counts_surrogate_pairs_as_two() {
        // a(1) é(1) 🚀(2) b: b is at UTF-16 column 4, char 3.
        assert_eq!(
            to_char(&rope(), Position::new(0, 4), Encoding::Utf16),
            (3, None)
        );
        assert_eq!(
            to_position(&rope(), 3, Encoding::Utf16),
            Position::new(0, 4)
        );
    }

    #[test]
    fn utf8_counts_bytes() {
        // a(1) é(2) 🚀(4): b is at byte column 7.
        assert_eq!(
            to_char(&rope(), Position::new(0, 7), Encoding::Utf8),
            (3, None)
        );
        assert_eq!(to_position(&rope(), 3, Encoding::Utf8), Position::new(0, 7));
    }

    #[test]
    fn utf32_counts_chars() {
        assert_eq!(
            to_char(&rope(), Position::new(1, 1), Encoding::Utf32),
            (6, None)
        );
    }

    #[test]
    fn crlf_is_one_line_break() {
        assert_eq!(rope().len_lines(), 3);
        assert_eq!(
            to_char(&rope(), Position::new(2, 0), Encoding::Utf16),
            (9, None)
        );
    }

    #[test]
    fn a_character_past_the_line_end_means_the_line_end() {
        let (offset, clamped) = to_char(&rope(), Position::new(1, 99), Encoding::Utf16);
        assert_eq!(offset, 7);
        assert_eq!(clamped, Some(Clamped));
    }

    #[test]
    fn a_line_past_the_end_means_the_document_end() {
        assert_eq!(
            to_char(&rope(), Position::new(40, 0), Encoding::Utf16),
            (10, Some(Clamped))
        );
    }

    #[test]
    fn unicode_line_separators_are_not_line_breaks() {
        // The editor sees one line; so must we (ropey without unicode_lines).
        assert_eq!(Rope::from_str("a\u{2028}b\u{85}c").len_lines(), 1);
    }

    #[test]
    fn utf8_is_preferred_when_offered() {
        let offered = [PositionEncodingKind::UTF16, PositionEncodingKind::UTF8];
        assert_eq!(Encoding::negotiate(Some(&offered)), Encoding::Utf8);
        assert_eq!(Encoding::negotiate(None), Encoding::Utf16);
    }
}
