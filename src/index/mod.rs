//! The Librarian's workspace index: the definitions of each file, ranked with BM25 for
//! "find examples of X" and matched by name for `workspace/symbol`.
//!
//! Built in the background when the server starts (all cores, one read per file), then
//! kept current file by file: open documents from their live parse, others from disk when
//! the editor reports them changed. It lives in memory only; nothing is written to disk.
//!
//! Ranking is BM25 (k1 = 1.2, b = 0.75) over each definition as a document: its name
//! (weight 3), its docstring (2) and its first 200 body lines (1), all split into words at
//! `_` and camelCase. A hand-written scorer rather than a search engine crate: the corpus
//! is a few hundred thousand words at most, and updates must be per file and immediate.

mod examples;
mod file;
mod symbols;
mod terms;
mod vocabulary;

use std::collections::BTreeMap;
use std::path::Path;

pub use examples::{
    CANDIDATES, candidate_pieces, definitions_from_index, local_answer, local_examples,
};
pub use file::{FileEntry, Symbol, digest};
pub use symbols::SymbolMatch;

use crate::syntax::{Parsed, language_for};
use crate::text_kind::not_text;
use crate::workspace::{WorkspaceError, walk};

const K1: f32 = 1.2;
const B: f32 = 0.75;

/// The index of one workspace. Paths are relative to its root, `/`-separated.
#[derive(Debug, Default)]
pub struct WorkspaceIndex {
    files: BTreeMap<String, FileEntry>,
    /// Every term, numbered, with how many symbols contain it.
    vocabulary: vocabulary::Vocabulary,
    symbol_count: u32,
    total_length: f64,
}

/// A ranked definition.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    pub path: String,
    pub symbol: Symbol,
    pub score: f32,
}

impl WorkspaceIndex {
    /// Indexes every source file under `root` that has a grammar, honouring .gitignore and
    /// `exclude` as packing does. Blocks and uses all cores: call it from a blocking task.
    pub fn build(root: &Path, exclude: &[String]) -> Result<WorkspaceIndex, WorkspaceError> {
        // Words are numbered as each file is scanned, not once all are: the scan's
        // per-definition word maps then die with their file instead of piling up among the
        // parse trees (that heap stayed fragmented, 61 MiB for 16 MiB live).
        let vocabulary = std::sync::Mutex::new(vocabulary::Vocabulary::default());
        let walked = walk(root, exclude, |path, bytes| {
            let language = language_for(Some(path), None)?;
            let text = std::str::from_utf8(bytes).ok()?;
            if not_text(text).is_some() {
                return None;
            }
            let parsed = Parsed::new(language, text);
            let mut entry = FileEntry::new(text, parsed.as_ref());
            drop(parsed);
            let mut vocabulary = vocabulary.lock().unwrap_or_else(|p| p.into_inner());
            for symbol in &mut entry.symbols {
                vocabulary.add(&mut symbol.terms);
            }
            Some(entry)
        })?;
        let mut index = WorkspaceIndex {
            vocabulary: vocabulary.into_inner().unwrap_or_else(|p| p.into_inner()),
            ..WorkspaceIndex::default()
        };
        for source in walked.sources {
            if let Some(entry) = source.scanned {
                index.insert(source.rel, entry);
            }
        }
        Ok(index)
    }

    /// Replaces what the index knows of `rel` with `text` (parsed when it has a grammar;
    /// pass the document's own parse when there is one). A text that is not text (binary
    /// junk, megabyte lines) is forgotten instead.
    pub fn update(&mut self, rel: &str, text: &str, parsed: Option<&Parsed>) {
        if parsed.is_none() && not_text(text).is_some() {
            self.remove(rel);
            return;
        }
        let owned;
        let parsed = match parsed {
            Some(parsed) => Some(parsed),
            None => {
                owned = language_for(Some(Path::new(rel)), None)
                    .and_then(|language| Parsed::new(language, text));
                owned.as_ref()
            }
        };
        self.remove(rel);
        self.insert(rel.to_string(), FileEntry::new(text, parsed));
    }

    /// Forgets `rel` (deleted, or now excluded).
    pub fn remove(&mut self, rel: &str) {
        let Some(old) = self.files.remove(rel) else {
            return;
        };
        for symbol in &old.symbols {
            self.symbol_count -= 1;
            self.total_length -= f64::from(symbol.length);
            self.vocabulary.remove(&symbol.terms);
        }
    }

    /// Counts `entry`'s words unless the scan did (`build`).
    fn insert(&mut self, rel: String, mut entry: FileEntry) {
        for symbol in &mut entry.symbols {
            self.symbol_count += 1;
            self.total_length += f64::from(symbol.length);
            self.vocabulary.add(&mut symbol.terms);
        }
        self.files.insert(rel, entry);
    }

    pub fn file_count(&self) -> usize {
        self.files.len()
    }

    pub fn symbol_count(&self) -> usize {
        self.symbol_count as usize
    }

    /// Whether `rel` is indexed from a text with this `digest`.
    pub fn holds(&self, rel: &str, digest: u64) -> bool {
        self.files
            .get(rel)
            .is_some_and(|entry| entry.digest == digest)
    }

    pub fn file(&self, rel: &str) -> Option<&FileEntry> {
        self.files.get(rel)
    }

    /// The `limit` definitions that best match `query`, best first (BM25, ties broken by
    /// path and line so the order is stable).
    pub fn search(&self, query: &str, limit: usize) -> Vec<Hit> {
        let terms = terms::query_terms(query);
        if terms.is_empty() || self.symbol_count == 0 {
            return Vec::new();
        }
        let n = self.symbol_count as f32;
        let average = (self.total_length / f64::from(self.symbol_count)) as f32;
        let idf: Vec<(vocabulary::TermId, f32)> = terms
            .into_iter()
            .filter_map(|t| {
                let (id, df) = self.vocabulary.get(&t)?;
                let df = df as f32;
                Some((id, ((n - df + 0.5) / (df + 0.5) + 1.0).ln()))
            })
            .collect();
        let mut scored: Vec<(f32, &String, &Symbol)> = Vec::new();
        for (path, entry) in &self.files {
            for symbol in &entry.symbols {
                let mut score = 0.0;
                for (term, idf) in &idf {
                    if let Some(tf) = symbol.terms.frequency(*term) {
                        let norm = K1 * (1.0 - B + B * symbol.length / average);
                        score += idf * tf * (K1 + 1.0) / (tf + norm);
                    }
                }
                if 0.0 < score {
                    scored.push((score, path, symbol));
                }
            }
        }
        // Only the best are copied out.
        scored.sort_unstable_by(|a, b| {
            b.0.total_cmp(&a.0)
                .then_with(|| a.1.cmp(b.1))
                .then_with(|| a.2.rows.start.cmp(&b.2.rows.start))
        });
        scored
            .into_iter()
            .take(limit)
            .map(|(score, path, symbol)| Hit {
                path: path.clone(),
                symbol: symbol.clone(),
                score,
            })
            .collect()
    }

    /// Definitions named exactly `name`, in path order.
    pub fn definitions_of<'a>(
        &'a self,
        name: &'a str,
    ) -> impl Iterator<Item = (&'a str, &'a Symbol)> {
        self.files.iter().flat_map(move |(path, entry)| {
            entry
                .symbols
                .iter()
                .filter(move |s| s.name == name)
                .map(move |s| (path.as_str(), s))
        })
    }

    /// Symbols whose names match `query` (case-insensitive; exact, prefix, substring, then
    /// in-order letters), best first, at most `limit`.
    pub fn symbols(&self, query: &str, limit: usize) -> Vec<SymbolMatch<'_>> {
        symbols::matching(&self.files, query, limit)
    }
}

/// Lines `rows` of `text` with `around` lines either side, as (first line 1-based, text).
pub fn snippet(text: &str, rows: std::ops::Range<usize>, around: usize) -> (u32, String) {
    let lines: Vec<&str> = text.lines().collect();
    let first = rows.start.saturating_sub(around).min(lines.len());
    let last = (rows.end + around).min(lines.len());
    (first as u32 + 1, lines[first..last].join("\n"))
}

#[cfg(test)]
mod tests;
