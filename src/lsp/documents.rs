//! Open documents: a rope per document, changed in the order the edits arrive; its syntax
//! tree, told of each edit as the rope is changed; and marks — ranges that move with the
//! text (where Hephaestus will insert, where a finding points).

use std::ops::Range;
use std::sync::{Arc, Mutex};

use dashmap::DashMap;
use ropey::Rope;
use tower_lsp_server::ls_types::{TextDocumentContentChangeEvent, Uri};

use super::position::{Clamped, Encoding, line_len_without_break, to_char_range};
use crate::syntax::{Language, Parsed, SyntaxTree, language_for};
use crate::text_kind::{NotText, not_text, not_text_in};
use tree_sitter::Tree;

/// One open document.
#[derive(Clone, Debug)]
pub struct Document {
    pub rope: Rope,
    pub version: i32,
    pub language_id: String,
    pub marks: Vec<Mark>,
    /// `None` for languages without a grammar.
    pub syntax: Option<SyntaxTree>,
    /// When its tree was last read (a tick of `Documents::ticks`).
    last_read: u64,
    /// Changed since it was opened, or its tree wanted again soon (`keep_tree`): only then
    /// is its tree kept between reads.
    edited: bool,
    /// Why the text is not text (binary junk, megabyte lines): then it is not parsed.
    not_text: Option<NotText>,
    /// `not_text` is out of date: the text changed since it was found.
    kind_stale: bool,
    /// The user was told `not_text`.
    told: bool,
    /// Which text this is: new at every open and change (versions may repeat across a
    /// close and reopen), so a parse made outside the lock is kept only for its own text.
    generation: u64,
    /// Held while the tree is brought up to date outside the map's lock: a second reader
    /// waits for that parse instead of making its own.
    parsing: Arc<Mutex<()>>,
}

impl Document {
    /// `not_text`, found again if the text changed.
    fn kind(&mut self) -> Option<&NotText> {
        if std::mem::take(&mut self.kind_stale) {
            self.not_text = not_text_in(self.rope.chunks());
            if self.not_text.is_none() {
                self.told = false;
            }
        }
        self.not_text.as_ref()
    }
}

/// A range that follows edits. An edit inside it (or, for a `whole_lines` mark, anywhere on
/// its lines) kills it: what it pointed at is gone.
#[derive(Clone, Debug, PartialEq)]
pub struct Mark {
    pub id: u64,
    pub chars: Range<usize>,
    pub whole_lines: bool,
    pub alive: bool,
}

/// Why a change could not be applied as sent.
#[derive(Debug, PartialEq, thiserror::Error)]
pub enum ChangeError {
    #[error("{uri}: a change arrived for a document that is not open")]
    NotOpen { uri: String },
    #[error("{uri}: version {got} is not newer than {have}; change ignored")]
    StaleVersion { uri: String, have: i32, got: i32 },
}

/// The open documents. Updates happen synchronously inside the notification handlers,
/// before any `.await`, so they apply in arrival order; readers clone the rope (cheap) and
/// never hold a guard across an `.await`.
#[derive(Default)]
pub struct Documents {
    map: DashMap<Uri, Document>,
    next_mark: std::sync::atomic::AtomicU64,
    ticks: std::sync::atomic::AtomicU64,
}

/// How many edited documents keep their syntax tree: a tree costs 20 to 50 times its text,
/// so the least recently read ones let theirs go (and parse again, whole, if read again).
/// A document not edited since it was opened keeps none: a kept tree pays off in
/// incremental reparses after edits, and without them the next read (a save, a job)
/// parses the same whole text anyway — while 200 opened files or one 10,000-line file would
/// hold tens of megabytes of trees nobody reads.
const MAX_TREES: usize = 16;

impl Documents {
    pub fn open(&self, uri: Uri, text: &str, version: i32, language_id: String) {
        let path = uri.to_file_path();
        let language = language_for(path.as_deref(), Some(&language_id));
        let document = Document {
            rope: Rope::from_str(text),
            version,
            language_id,
            marks: Vec::new(),
            syntax: language.map(SyntaxTree::new),
            last_read: 0,
            edited: false,
            not_text: not_text(text),
            kind_stale: false,
            told: false,
            generation: self.tick(),
            parsing: Arc::default(),
        };
        self.map.insert(uri, document);
    }

    pub fn close(&self, uri: &Uri) -> bool {
        self.map.remove(uri).is_some()
    }

    /// Applies `changes` in order. Returns whether any position had to be clamped onto the
    /// document (the client and server disagree; the text stays consistent anyway).
    pub fn change(
        &self,
        uri: &Uri,
        version: i32,
        changes: Vec<TextDocumentContentChangeEvent>,
        encoding: Encoding,
    ) -> Result<Option<Clamped>, ChangeError> {
        let mut document = self.map.get_mut(uri).ok_or_else(|| ChangeError::NotOpen {
            uri: uri.to_string(),
        })?;
        if version <= document.version {
            return Err(ChangeError::StaleVersion {
                uri: uri.to_string(),
                have: document.version,
                got: version,
            });
        }
        let mut clamped = None;
        for change in changes {
            let replaced = match change.range {
                Some(range) => {
                    let (chars, clamp) = to_char_range(&document.rope, range, encoding);
                    clamped = clamped.or(clamp);
                    chars
                }
                None => 0..document.rope.len_chars(),
            };
            let inserted = change.text.chars().count();
            if replaced.is_empty() && inserted == 0 {
                // Nothing replaced by nothing: not an edit; no mark moves or dies.
                continue;
            }
            // Marks follow first: a whole-lines mark needs its lines as they were.
            let Document {
                rope,
                marks,
                syntax,
                ..
            } = &mut *document;
            for mark in marks.iter_mut() {
                mark.follow(rope, &replaced, inserted);
            }
            if let Some(syntax) = syntax {
                syntax.edit(rope, &replaced, &change.text);
            }
            rope.remove(replaced.clone());
            rope.insert(replaced.start, &change.text);
        }
        document.version = version;
        document.edited = true;
        document.kind_stale = true;
        document.generation = self.tick();
        Ok(clamped)
    }

    /// A copy of the document as it is now.
    pub fn snapshot(&self, uri: &Uri) -> Option<Document> {
        self.map.get(uri).map(|d| d.clone())
    }

    /// The document's tree is wanted again soon (inline completion asks at every pause in
    /// typing): it is kept as an edited document's is, not parsed whole at each read.
    pub fn keep_tree(&self, uri: &Uri) {
        if let Some(mut document) = self.map.get_mut(uri) {
            document.edited = true;
        }
    }

    /// The document's parse, brought up to date (incrementally) if it was edited since the
    /// last call, with the text it is the parse of and that text's version. `None` if the
    /// document is not open or has no grammar. The reparse happens outside the map's lock
    /// (`read_syntax`) and never spans an `.await`.
    pub fn parsed(&self, uri: &Uri) -> Option<(Parsed, Rope, i32)> {
        let (parsed, rope, version) = self.read_syntax(uri, |syntax, rope| syntax.parsed(rope))?;
        Some((parsed, rope, version))
    }

    /// `parsed` without the outline: the tree alone, with its language, text and version.
    pub fn tree(&self, uri: &Uri) -> Option<(&'static Language, Tree, Rope, i32)> {
        let ((language, tree), rope, version) = self.read_syntax(uri, |syntax, rope| {
            Some((syntax.language(), syntax.tree(rope)?))
        })?;
        Some((language, tree, rope, version))
    }

    /// Why the document is not text, if it is not (then it has no parse). Checked again
    /// after edits, when next asked: one pass over the text.
    pub fn not_text(&self, uri: &Uri) -> Option<NotText> {
        self.map.get_mut(uri)?.kind().cloned()
    }

    /// `not_text`, the first time it is asked for since the document became not text:
    /// the user is told once.
    pub fn not_text_untold(&self, uri: &Uri) -> Option<NotText> {
        let mut document = self.map.get_mut(uri)?;
        let why = document.kind().cloned()?;
        (!std::mem::replace(&mut document.told, true)).then_some(why)
    }

    /// Runs `read` on the document's syntax tree and text, marks the tree as just read,
    /// then lets the least recently read trees go. Nothing is read of a document that is
    /// not text. A tree that needs parsing is parsed on a copy outside the map's lock (a
    /// whole parse takes tens of milliseconds; holding a shard's lock that long stalls
    /// edits and requests for every document in the shard) and put back only if the text
    /// is still the one it was parsed from — and the document was edited (`MAX_TREES`).
    fn read_syntax<T>(
        &self,
        uri: &Uri,
        read: impl FnOnce(&mut SyntaxTree, &Rope) -> Option<T>,
    ) -> Option<(T, Rope, i32)> {
        let parsing = self.map.get(uri)?.parsing.clone();
        let _parsing = parsing.lock().unwrap_or_else(|p| p.into_inner());
        let (mut syntax, rope, version, generation) = {
            let mut document = self.map.get_mut(uri)?;
            if document.kind().is_some() {
                if let Some(syntax) = &mut document.syntax {
                    syntax.release();
                }
                return None;
            }
            document.last_read = self.tick();
            let syntax = document.syntax.clone()?;
            (
                syntax,
                document.rope.clone(),
                document.version,
                document.generation,
            )
        };
        let value = read(&mut syntax, &rope);
        if let Some(mut document) = self.map.get_mut(uri)
            && document.generation == generation
            && document.edited
        {
            document.syntax = Some(syntax);
        }
        self.release_old_trees();
        Some((value?, rope, version))
    }

    fn tick(&self) -> u64 {
        self.ticks
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            + 1
    }

    /// Keeps the `MAX_TREES` most recently read trees. Called with no entry held (it visits
    /// every shard); a reader that holds a released tree's clone keeps it alive until done.
    fn release_old_trees(&self) {
        let mut held: Vec<(u64, Uri)> = self
            .map
            .iter()
            .filter(|d| d.syntax.as_ref().is_some_and(SyntaxTree::is_held))
            .map(|d| (d.last_read, d.key().clone()))
            .collect();
        if held.len() <= MAX_TREES {
            return;
        }
        held.sort_unstable_by_key(|(last_read, _)| *last_read);
        for (_, uri) in &held[..held.len() - MAX_TREES] {
            if let Some(mut document) = self.map.get_mut(uri)
                && let Some(syntax) = document.syntax.as_mut()
            {
                syntax.release();
            }
        }
    }

    /// Places a mark; `None` if the document is not open.
    pub fn mark(&self, uri: &Uri, chars: Range<usize>, whole_lines: bool) -> Option<u64> {
        let mut document = self.map.get_mut(uri)?;
        let id = self
            .next_mark
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let chars =
            chars.start.min(document.rope.len_chars())..chars.end.min(document.rope.len_chars());
        document.marks.push(Mark {
            id,
            chars,
            whole_lines,
            alive: true,
        });
        Some(id)
    }

    /// Where a mark is now, with the document's version; `None` once it died or its
    /// document closed.
    pub fn resolve(&self, uri: &Uri, id: u64) -> Option<(Range<usize>, i32, Rope)> {
        let document = self.map.get(uri)?;
        let mark = document.marks.iter().find(|m| m.id == id && m.alive)?;
        Some((mark.chars.clone(), document.version, document.rope.clone()))
    }

    pub fn unmark(&self, uri: &Uri, ids: &[u64]) {
        if let Some(mut document) = self.map.get_mut(uri) {
            document.marks.retain(|m| !ids.contains(&m.id));
        }
    }

    pub fn line_count(&self, uri: &Uri) -> Option<usize> {
        self.map.get(uri).map(|d| d.rope.len_lines())
    }

    pub fn uris(&self) -> Vec<Uri> {
        self.map.iter().map(|d| d.key().clone()).collect()
    }

    pub fn is_open(&self, uri: &Uri) -> bool {
        self.map.contains_key(uri)
    }
}

impl Mark {
    /// Moves the mark through one replacement of `replaced` (old chars of `rope`, the text
    /// before the edit) by `inserted` chars.
    fn follow(&mut self, rope: &Rope, replaced: &Range<usize>, inserted: usize) {
        if !self.alive {
            return;
        }
        let (start, end) = (self.chars.start, self.chars.end);
        let touches = if self.whole_lines {
            // Its lines, from the first one's start to the last one's line break (the mark
            // itself may start mid-line, at a quote): an edit anywhere on them counts.
            let first = rope.line_to_char(rope.char_to_line(start));
            let last_line = rope.char_to_line(end);
            let last = rope.line_to_char(last_line) + line_len_without_break(rope, last_line);
            replaced.start <= last && first <= replaced.end
        } else {
            (replaced.start < end && start < replaced.end)
                || (start == end && replaced.start < start && start < replaced.end)
        };
        if touches {
            self.alive = false;
            return;
        }
        if replaced.end <= start {
            let removed = replaced.end - replaced.start;
            self.chars = start + inserted - removed..end + inserted - removed;
        }
    }
}

#[cfg(test)]
mod tests {
    use tower_lsp_server::ls_types::{Position, Range as LspRange};

    use super::*;

    fn uri() -> Uri {
        "file:///w/a.py".parse().unwrap()
    }

    fn edit(docs: &Documents, version: i32, (l1, c1, l2, c2): (u32, u32, u32, u32), text: &str) {
        let change = TextDocumentContentChangeEvent {
            range: Some(LspRange::new(Position::new(l1, c1), Position::new(l2, c2))),
            range_length: None,
            text: text.into(),
        };
        docs.change(&uri(), version, vec![change], Encoding::Utf16)
            .unwrap();
    }

    fn text(docs: &Documents) -> String {
        docs.snapshot(&uri()).unwrap().rope.to_string()
    }

    #[test]
    fn incremental_changes_apply_in_order() {
        let docs = Documents::default();
        docs.open(uri(), "hello\nworld\n", 1, "python".into());
        edit(&docs, 2, (0, 5, 0, 5), " 🚀");
        edit(&docs, 3, (1, 0, 1, 5), "漢字");
        assert_eq!(text(&docs), "hello 🚀\n漢字\n");
    }

    #[test]
    fn a_full_change_replaces_the_text() {
        let docs = Documents::default();
        docs.open(uri(), "old", 1, "python".into());
        let change = TextDocumentContentChangeEvent {
            range: None,
            range_length: None,
            text: "new".into(),
        };
        docs.change(&uri(), 2, vec![change], Encoding::Utf16)
            .unwrap();
        assert_eq!(text(&docs), "new");
    }

    #[test]
    fn a_change_to_a_closed_document_is_refused() {
        let docs = Documents::default();
        let err = docs.change(&uri(), 2, vec![], Encoding::Utf16).unwrap_err();
        assert!(matches!(err, ChangeError::NotOpen { .. }));
    }

    #[test]
    fn a_stale_version_is_refused_and_changes_nothing() {
        let docs = Documents::default();
        docs.open(uri(), "abc", 5, "python".into());
        let change = TextDocumentContentChangeEvent {
            range: None,
            range_length: None,
            text: "zzz".into(),
        };
        assert!(
            docs.change(&uri(), 5, vec![change], Encoding::Utf16)
                .is_err()
        );
        assert_eq!(text(&docs), "abc");
    }

    #[test]
    fn a_mark_moves_with_edits_before_it() {
        let docs = Documents::default();
        docs.open(uri(), "ab\ncd\n", 1, "python".into());
        let id = docs.mark(&uri(), 3..5, false).unwrap();
        edit(&docs, 2, (0, 0, 0, 0), "xyz\n");
        let (chars, version, rope) = docs.resolve(&uri(), id).unwrap();
        assert_eq!(rope.slice(chars).to_string(), "cd");
        assert_eq!(version, 2);
    }

    #[test]
    fn a_mark_ignores_edits_after_it() {
        let docs = Documents::default();
        docs.open(uri(), "ab\ncd\n", 1, "python".into());
        let id = docs.mark(&uri(), 0..2, false).unwrap();
        edit(&docs, 2, (1, 0, 1, 2), "ZZZZ");
        let (chars, _, _) = docs.resolve(&uri(), id).unwrap();
        assert_eq!(chars, 0..2);
    }

    #[test]
    fn an_edit_inside_a_mark_kills_it() {
        let docs = Documents::default();
        docs.open(uri(), "ab\ncd\n", 1, "python".into());
        let id = docs.mark(&uri(), 3..5, false).unwrap();
        edit(&docs, 2, (1, 1, 1, 1), "!");
        assert!(docs.resolve(&uri(), id).is_none());
    }

    #[test]
    fn a_cursor_mark_moves_when_text_is_typed_before_it() {
        let docs = Documents::default();
        docs.open(uri(), "ab", 1, "python".into());
        let id = docs.mark(&uri(), 1..1, false).unwrap();
        edit(&docs, 2, (0, 0, 0, 0), "XY");
        assert_eq!(docs.resolve(&uri(), id).unwrap().0, 3..3);
    }

    #[test]
    fn a_whole_line_mark_from_mid_line_dies_when_its_line_is_edited_before_it() {
        let docs = Documents::default();
        docs.open(uri(), "ab\ncdef\n", 1, "python".into());
        let id = docs.mark(&uri(), 5..7, true).unwrap();
        edit(&docs, 2, (1, 0, 1, 0), "!");
        assert!(docs.resolve(&uri(), id).is_none());
    }

    #[test]
    fn the_parse_follows_incremental_edits() {
        let docs = Documents::default();
        docs.open(uri(), "def f():\n    pass\n", 1, "python".into());
        // Edited, the document keeps its tree: the next parse is incremental.
        edit(&docs, 2, (0, 4, 0, 5), "renamed");
        docs.parsed(&uri()).unwrap();
        edit(&docs, 3, (2, 0, 2, 0), "class C:\n    pass\n");
        let (parsed, rope, version) = docs.parsed(&uri()).unwrap();
        let names: Vec<_> = parsed
            .outline
            .definitions
            .iter()
            .map(|d| (d.name.as_str(), d.rows.start))
            .collect();
        assert_eq!(names, [("renamed", 0), ("C", 2)]);
        assert_eq!(version, 3);
        assert_eq!(
            parsed.tree.root_node().to_sexp(),
            crate::syntax::parse(parsed.language, &rope.to_string(), None)
                .unwrap()
                .root_node()
                .to_sexp()
        );
    }

    #[test]
    fn only_the_most_recently_read_documents_keep_their_trees() {
        let docs = Documents::default();
        let uri = |i: usize| -> Uri { format!("file:///w/m{i}.py").parse().unwrap() };
        let change = |text: &str| TextDocumentContentChangeEvent {
            range: None,
            range_length: None,
            text: text.into(),
        };
        for i in 0..MAX_TREES + 3 {
            docs.open(uri(i), "def f():\n    pass\n", 1, "python".into());
            docs.change(
                &uri(i),
                2,
                vec![change("def g():\n    pass\n")],
                Encoding::Utf16,
            )
            .unwrap();
            docs.parsed(&uri(i)).unwrap();
        }
        let held = |i: usize| {
            docs.snapshot(&uri(i))
                .unwrap()
                .syntax
                .is_some_and(|s| s.is_held())
        };
        assert!(!held(0) && !held(2), "the oldest let theirs go");
        assert!((3..MAX_TREES + 3).all(held));
        // A released tree is parsed again when read.
        assert_eq!(docs.parsed(&uri(0)).unwrap().0.outline.definitions.len(), 1);
    }

    #[test]
    fn a_document_not_edited_keeps_no_tree_and_its_next_read_gives_the_same_context() {
        let docs = Documents::default();
        let text = "def helper(x):\n    return x * 2\n\n\ndef main():\n    return helper(1)\n";
        docs.open(uri(), text, 1, "python".into());
        let held = || {
            docs.snapshot(&uri())
                .unwrap()
                .syntax
                .is_some_and(|s| s.is_held())
        };
        let context = || {
            let (parsed, rope, _) = docs.parsed(&uri()).unwrap();
            let text = rope.to_string();
            let call = text.find("helper(1)").unwrap();
            let options = crate::syntax::ContextOptions { max_tokens: 1000 };
            crate::syntax::context_in(&parsed, "a.py", &text, call..call + 9, options)
        };
        let first = context();
        assert!(!held(), "an opened document's tree was kept");
        assert!(!first.pieces.is_empty());
        assert_eq!(context(), first, "parsed again, the context is the same");

        edit(&docs, 2, (0, 0, 0, 0), "# edited\n");
        docs.parsed(&uri()).unwrap();
        assert!(
            held(),
            "an edited document keeps its tree for the next reparse"
        );
    }

    #[test]
    fn a_document_whose_tree_is_wanted_again_keeps_it_unedited() {
        let docs = Documents::default();
        docs.open(uri(), "def f():\n    return 1\n", 1, "python".into());
        docs.keep_tree(&uri());
        docs.parsed(&uri()).unwrap();
        let held = docs
            .snapshot(&uri())
            .unwrap()
            .syntax
            .is_some_and(|s| s.is_held());
        assert!(
            held,
            "inline completion reads it at every pause: it is kept"
        );
    }

    #[test]
    fn a_document_without_a_grammar_has_no_parse() {
        let docs = Documents::default();
        docs.open(
            "file:///w/notes.txt".parse().unwrap(),
            "hello",
            1,
            "plaintext".into(),
        );
        assert!(
            docs.parsed(&"file:///w/notes.txt".parse().unwrap())
                .is_none()
        );
    }

    #[test]
    fn an_empty_change_leaves_marks_alone() {
        let docs = Documents::default();
        docs.open(uri(), "abc", 1, "python".into());
        let id = docs.mark(&uri(), 0..3, false).unwrap();
        edit(&docs, 2, (0, 1, 0, 1), "");
        assert_eq!(docs.resolve(&uri(), id).unwrap().0, 0..3);
    }

    #[test]
    fn a_whole_line_mark_dies_when_its_line_is_edited_anywhere() {
        let docs = Documents::default();
        docs.open(uri(), "ab\ncdef\n", 1, "python".into());
        let id = docs.mark(&uri(), 3..7, true).unwrap();
        edit(&docs, 2, (1, 4, 1, 4), "!");
        assert!(docs.resolve(&uri(), id).is_none());
    }
}
