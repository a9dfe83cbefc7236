//! Property tests for `lsp::Documents`: random incremental edits, sent as LSP positions in
//! each encoding, must leave exactly the text that the same edits leave in a plain `String`;
//! marks must keep their text through edits that do not touch them and die on those that do.
//!
//! The model is deliberately naive: lines are found by scanning for `\r\n`, `\r` and `\n`
//! (LSP's line breaks), columns are counted by encoding each char.

use std::ops::Range;

use multi_model::lsp::{Documents, Encoding};
use proptest::prelude::*;
use tower_lsp_server::ls_types::{
    Position, Range as LspRange, TextDocumentContentChangeEvent, Uri,
};

const ENCODINGS: [Encoding; 3] = [Encoding::Utf8, Encoding::Utf16, Encoding::Utf32];

/// Pieces of text: ASCII, 2-, 3- and 4-byte chars (one a UTF-16 surrogate pair), and every
/// LSP line break.
const PIECES: [&str; 12] = [
    "a", "xy", " ", "é", "漢", "字", "한", "ひ", "🚀", "\n", "\r\n", "\r",
];

/// Seeds pick among a document's places by remainder; small ones read well when shrunk.
const SEED: Range<usize> = 0..256;

fn uri() -> Uri {
    "file:///w/model.py".parse().unwrap()
}

// ---------------------------------------------------------------------------------------
// The plain-string model.

/// A line of the model: byte offsets of its first char and of its end (before the break).
#[derive(Clone, Copy, Debug)]
struct Line {
    start: usize,
    end: usize,
}

fn lines(text: &str) -> Vec<Line> {
    let bytes = text.as_bytes();
    let mut lines = Vec::new();
    let (mut start, mut i) = (0, 0);
    while i < bytes.len() {
        let break_len = match bytes[i] {
            b'\r' if bytes.get(i + 1) == Some(&b'\n') => 2,
            b'\r' | b'\n' => 1,
            _ => 0,
        };
        if break_len == 0 {
            i += 1;
        } else {
            lines.push(Line { start, end: i });
            i += break_len;
            start = i;
        }
    }
    lines.push(Line {
        start,
        end: text.len(),
    });
    lines
}

/// The length of `text` in the encoding's units.
fn units(text: &str, encoding: Encoding) -> u32 {
    let n = match encoding {
        Encoding::Utf8 => text.len(),
        Encoding::Utf16 => text.encode_utf16().count(),
        Encoding::Utf32 => text.chars().count(),
    };
    n as u32
}

fn chars_before(text: &str, byte: usize) -> usize {
    text[..byte].chars().count()
}

/// Where a position generator points, resolved against the current text.
#[derive(Clone, Debug)]
enum Spot {
    /// Any char boundary a client can address (line ends included), picked by a seed.
    Anywhere(usize),
    /// The end of a line, picked by a seed.
    LineEnd(usize),
    /// A character past the end of a line: means the line's end (LSP's rule).
    PastLineEnd(usize, u32),
    /// A line past the end of the document: means the document's end.
    PastDocumentEnd(u32),
}

/// A position both ways: what the client sends, and the byte offset it means in the model.
#[derive(Clone, Copy, Debug)]
struct Resolved {
    position: Position,
    byte: usize,
    outside: bool,
}

/// Every addressable (line, byte) in `text`: each char boundary of each line's content.
fn addressable(text: &str) -> Vec<(usize, usize)> {
    let mut spots = Vec::new();
    for (index, line) in lines(text).iter().enumerate() {
        let content = &text[line.start..line.end];
        spots.extend(
            content
                .char_indices()
                .map(|(i, _)| (index, line.start + i))
                .chain([(index, line.end)]),
        );
    }
    spots
}

fn resolve(text: &str, spot: &Spot, encoding: Encoding) -> Resolved {
    let lines = lines(text);
    let column = |line: usize, byte: usize| units(&text[lines[line].start..byte], encoding);
    match *spot {
        Spot::Anywhere(seed) => {
            let spots = addressable(text);
            let (line, byte) = spots[seed % spots.len()];
            Resolved {
                position: Position::new(line as u32, column(line, byte)),
                byte,
                outside: false,
            }
        }
        Spot::LineEnd(seed) => {
            let line = seed % lines.len();
            Resolved {
                position: Position::new(line as u32, column(line, lines[line].end)),
                byte: lines[line].end,
                outside: false,
            }
        }
        Spot::PastLineEnd(seed, beyond) => {
            let line = seed % lines.len();
            let past = column(line, lines[line].end).saturating_add(1 + beyond);
            Resolved {
                position: Position::new(line as u32, past),
                byte: lines[line].end,
                outside: true,
            }
        }
        Spot::PastDocumentEnd(beyond) => Resolved {
            position: Position::new((lines.len() as u32).saturating_add(beyond), 0),
            byte: text.len(),
            outside: true,
        },
    }
}

/// One change as generated: a range (or an insertion point), or the whole document.
#[derive(Clone, Debug)]
enum EditSeed {
    Replace {
        from: Spot,
        to: Option<Spot>,
        text: String,
    },
    Whole {
        text: String,
    },
}

/// A change as sent, and what it does to the model (byte range replaced, new text).
struct Edit {
    event: TextDocumentContentChangeEvent,
    bytes: Range<usize>,
    text: String,
    outside: bool,
}

fn realise(model: &str, seed: &EditSeed, encoding: Encoding) -> Edit {
    match seed {
        EditSeed::Whole { text } => Edit {
            event: TextDocumentContentChangeEvent {
                range: None,
                range_length: None,
                text: text.clone(),
            },
            bytes: 0..model.len(),
            text: text.clone(),
            outside: false,
        },
        EditSeed::Replace { from, to, text } => {
            let a = resolve(model, from, encoding);
            let b = to.as_ref().map_or(a, |to| resolve(model, to, encoding));
            let (a, b) = if b.byte < a.byte { (b, a) } else { (a, b) };
            Edit {
                event: TextDocumentContentChangeEvent {
                    range: Some(LspRange::new(a.position, b.position)),
                    range_length: None,
                    text: text.clone(),
                },
                bytes: a.byte..b.byte,
                text: text.clone(),
                outside: a.outside || b.outside,
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Generators.

fn text_of(max_pieces: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(&PIECES[..]), 0..=max_pieces)
        .prop_map(|pieces| pieces.concat())
}

/// A document: often empty, otherwise up to a few lines of mixed text.
fn document() -> impl Strategy<Value = String> {
    prop_oneof![1 => Just(String::new()), 4 => text_of(16)]
}

fn in_document_spot() -> BoxedStrategy<Spot> {
    prop_oneof![
        4 => SEED.prop_map(Spot::Anywhere),
        1 => SEED.prop_map(Spot::LineEnd),
    ]
    .boxed()
}

fn any_spot() -> BoxedStrategy<Spot> {
    prop_oneof![
        8 => in_document_spot(),
        1 => (SEED, 0..3u32).prop_map(|(seed, beyond)| Spot::PastLineEnd(seed, beyond)),
        1 => (0..3u32).prop_map(Spot::PastDocumentEnd),
    ]
    .boxed()
}

fn edit_seed(spot: BoxedStrategy<Spot>) -> impl Strategy<Value = EditSeed> {
    prop_oneof![
        12 => (spot.clone(), prop::option::of(spot), text_of(4))
            .prop_map(|(from, to, text)| EditSeed::Replace { from, to, text }),
        1 => text_of(8).prop_map(|text| EditSeed::Whole { text }),
    ]
}

/// Batches of changes: each batch is one `didChange`, its changes applied one after another.
fn batches(spot: BoxedStrategy<Spot>) -> impl Strategy<Value = Vec<Vec<EditSeed>>> {
    prop::collection::vec(prop::collection::vec(edit_seed(spot), 1..4), 1..16)
}

// ---------------------------------------------------------------------------------------
// Edits.

fn text_of_documents(docs: &Documents) -> String {
    docs.snapshot(&uri()).unwrap().rope.to_string()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn incremental_edits_give_the_same_text_as_a_plain_string_in_every_encoding(
        initial in document(),
        batches in batches(any_spot()),
    ) {
        for encoding in ENCODINGS {
            let docs = Documents::default();
            docs.open(uri(), &initial, 0, "python".into());
            let mut model = initial.clone();
            for (version, batch) in (1..).zip(&batches) {
                let mut events = Vec::new();
                for seed in batch {
                    let edit = realise(&model, seed, encoding);
                    model.replace_range(edit.bytes, &edit.text);
                    events.push(edit.event);
                }
                docs.change(&uri(), version, events.clone(), encoding).unwrap();
                prop_assert_eq!(
                    text_of_documents(&docs), model.clone(),
                    "{:?} after {:?}", encoding, events
                );
            }
        }
    }

    #[test]
    fn a_change_reports_clamping_exactly_when_a_position_lies_outside_the_document(
        initial in document(),
        seed in edit_seed(any_spot()),
    ) {
        for encoding in ENCODINGS {
            let docs = Documents::default();
            docs.open(uri(), &initial, 0, "python".into());
            let edit = realise(&initial, &seed, encoding);
            let clamped = docs.change(&uri(), 1, vec![edit.event], encoding).unwrap();
            prop_assert_eq!(clamped.is_some(), edit.outside, "{:?}: {:?}", encoding, seed);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Marks.

/// A mark in the model, in chars like `Documents`' marks.
#[derive(Clone, Debug)]
struct ModelMark {
    chars: Range<usize>,
    whole_lines: bool,
    alive: bool,
}

impl ModelMark {
    /// The chars an edit must not come near: the mark itself, or for a `whole_lines` mark
    /// its lines from the first one's start to the last one's end (line break excluded).
    fn guarded(&self, text: &str) -> Range<usize> {
        if !self.whole_lines {
            return self.chars.clone();
        }
        let byte_of = |char: usize| text.char_indices().nth(char).map_or(text.len(), |(b, _)| b);
        let (start, end) = (byte_of(self.chars.start), byte_of(self.chars.end));
        let lines = lines(text);
        let first = lines.iter().rev().find(|l| l.start <= start).unwrap();
        let last = lines.iter().find(|l| end <= l.end).unwrap();
        chars_before(text, first.start)..chars_before(text, last.end)
    }

    /// Follows one replacement of old chars `replaced` by `inserted` chars, in `text` as it
    /// was before the edit.
    fn follow(&mut self, text: &str, replaced: Range<usize>, inserted: usize) {
        if !self.alive {
            return;
        }
        let guarded = self.guarded(text);
        let touches = if replaced.is_empty() && inserted == 0 {
            // Nothing replaced by nothing: no edit at all.
            false
        } else if self.whole_lines {
            // Anywhere on its lines, their ends included.
            replaced.start <= guarded.end && guarded.start <= replaced.end
        } else if guarded.is_empty() {
            // A cursor: only an edit that spans it.
            replaced.start < guarded.start && guarded.start < replaced.end
        } else {
            // A change to one of its chars, or text typed strictly inside it.
            replaced.start < guarded.end && guarded.start < replaced.end
        };
        if touches {
            self.alive = false;
        } else if replaced.end <= self.chars.start {
            let shift = |c: usize| c + inserted - (replaced.end - replaced.start);
            self.chars = shift(self.chars.start)..shift(self.chars.end);
        }
    }
}

#[derive(Clone, Debug)]
struct MarkSeed {
    from: usize,
    to: usize,
    whole_lines: bool,
}

/// A mark between two addressable places of `text` (as the server places them: on line
/// contents, never between `\r` and `\n`), in chars.
fn place(text: &str, seed: &MarkSeed) -> ModelMark {
    let spots = addressable(text);
    let a = chars_before(text, spots[seed.from % spots.len()].1);
    let b = chars_before(text, spots[seed.to % spots.len()].1);
    ModelMark {
        chars: a.min(b)..a.max(b),
        whole_lines: seed.whole_lines,
        alive: true,
    }
}

fn mark_seed() -> impl Strategy<Value = MarkSeed> {
    (SEED, SEED, any::<bool>()).prop_map(|(from, to, whole_lines)| MarkSeed {
        from,
        to,
        whole_lines,
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn a_mark_keeps_its_text_through_edits_that_miss_it_and_dies_on_one_that_touches_it(
        initial in document(),
        mark in mark_seed(),
        batches in batches(in_document_spot()),
    ) {
        let encoding = Encoding::Utf16;
        let docs = Documents::default();
        docs.open(uri(), &initial, 0, "python".into());
        let mut model = initial.clone();
        let mut expected = place(&model, &mark);
        let id = docs.mark(&uri(), expected.chars.clone(), expected.whole_lines).unwrap();
        let marked: String = model.chars().skip(expected.chars.start).take(expected.chars.len()).collect();
        for (version, batch) in (1..).zip(&batches) {
            let mut events = Vec::new();
            for seed in batch {
                let edit = realise(&model, seed, encoding);
                let replaced = chars_before(&model, edit.bytes.start)..chars_before(&model, edit.bytes.end);
                expected.follow(&model, replaced, edit.text.chars().count());
                model.replace_range(edit.bytes, &edit.text);
                events.push(edit.event);
            }
            docs.change(&uri(), version, events.clone(), encoding).unwrap();
            match docs.resolve(&uri(), id) {
                Some((chars, _, rope)) => {
                    prop_assert!(expected.alive, "{:?} survived {:?}", expected, events);
                    prop_assert_eq!(&chars, &expected.chars, "after {:?}", events);
                    prop_assert_eq!(rope.slice(chars).to_string(), marked.clone());
                }
                None => prop_assert!(!expected.alive, "{:?} died of {:?}", expected, events),
            }
        }
    }
}
