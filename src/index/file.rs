//! One file's part of the index: its definitions, each a ranking document.

use std::collections::HashMap;
use std::ops::Range;

use super::terms::terms;
use super::vocabulary::Terms;
use crate::syntax::{DefinitionKind, Parsed};

/// Weights of where a term appears: a definition's name says most about it, its docstring
/// next, its body least.
const NAME_WEIGHT: f32 = 3.0;
const DOC_WEIGHT: f32 = 2.0;
/// Body lines looked at per definition: a class's first methods describe it well enough.
const MAX_BODY_LINES: usize = 200;

/// A definition, as the index keeps it.
#[derive(Clone, Debug, PartialEq)]
pub struct Symbol {
    pub name: String,
    pub kind: DefinitionKind,
    pub container: Option<String>,
    /// 0-based, end exclusive.
    pub rows: Range<usize>,
    pub signature: String,
    /// Weighted term frequencies.
    pub(super) terms: Terms,
    /// The weighted length, for BM25's length normalisation.
    pub(super) length: f32,
}

/// What the index knows of one file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FileEntry {
    pub symbols: Vec<Symbol>,
    /// `digest` of the text indexed: an opened file whose buffer is the disk's text is not
    /// parsed and indexed again.
    pub digest: u64,
}

/// A fingerprint of a text given in pieces (a rope's chunks, or the whole): the same for
/// the same bytes however they are cut.
pub fn digest<'a>(pieces: impl IntoIterator<Item = &'a str>) -> u64 {
    use std::hash::Hasher;
    let mut hasher = std::hash::DefaultHasher::new();
    for piece in pieces {
        hasher.write(piece.as_bytes());
    }
    hasher.finish()
}

impl FileEntry {
    /// Indexes `text`, outlined by `parsed` (files without a grammar have no definitions).
    pub fn new(text: &str, parsed: Option<&Parsed>) -> FileEntry {
        let lines: Vec<&str> = text.lines().collect();
        let symbols = parsed
            .map(|parsed| {
                parsed
                    .outline
                    .definitions
                    .iter()
                    .map(|d| {
                        let mut weighted: HashMap<String, f32> = HashMap::new();
                        let mut add = |text: &str, weight: f32| {
                            terms(text, |t| *weighted.entry(t).or_default() += weight)
                        };
                        add(&d.name, NAME_WEIGHT);
                        if let Some(container) = &d.container {
                            add(container, 1.0);
                        }
                        if let Some(doc) = &d.docstring {
                            add(doc, DOC_WEIGHT);
                        }
                        let end = d
                            .rows
                            .end
                            .min(d.rows.start + MAX_BODY_LINES)
                            .min(lines.len());
                        for line in lines.get(d.rows.start..end).unwrap_or_default() {
                            add(line, 1.0);
                        }
                        Symbol {
                            name: d.name.clone(),
                            kind: d.kind,
                            container: d.container.clone(),
                            rows: d.rows.clone(),
                            signature: d.signature.clone(),
                            length: weighted.values().sum(),
                            terms: Terms::Words(weighted),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        FileEntry {
            symbols,
            digest: digest([text]),
        }
    }
}
