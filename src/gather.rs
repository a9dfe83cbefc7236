//! What a role is shown of the code around a selection: its syntax context, definitions
//! from other files through the workspace index, the Librarian's candidates, and for
//! Sisyphus the packed workspace — in that order of priority, within the role's token
//! budget. The language server calls it for every role job.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::context::Budget;
use crate::context::ContextPiece;
use crate::index::{self, WorkspaceIndex};
use crate::redact::FileSecrets;
use crate::role::Role;
use crate::roles::Example;
use crate::syntax::{ContextOptions, Language, Parsed, context_for, context_in};
use crate::task::Depth;
use crate::workspace::WorkspaceError;

/// A selection in a document, and what is known of the document.
pub struct Selection<'a> {
    pub role: Role,
    /// How pieces name the file (its path relative to the workspace, or its URI).
    pub label: &'a str,
    /// The whole document, as the editor has it.
    pub text: &'a str,
    /// The selection's bytes in `text`.
    pub bytes: Range<usize>,
    /// The document's parse of `text`, when it has a grammar.
    pub parsed: Option<&'a Parsed>,
    /// The document's language, for parsing when `parsed` is absent.
    pub language: Option<&'static Language>,
    /// The document's path relative to the workspace root (`/`-separated).
    pub rel: Option<&'a str>,
    /// What the user asked, in their own words (the Librarian's query, with the selection).
    pub request: &'a str,
}

/// The context gathered for a selection (the selection itself not included).
#[derive(Debug, Default)]
pub struct Gathered {
    /// In priority order.
    pub pieces: Vec<ContextPiece>,
    /// The Librarian's candidates from the index; `None` when there was no index to ask.
    pub candidates: Option<Vec<Example>>,
    /// Tokens of the role's budget not spent yet (what packing may use).
    pub tokens_left: usize,
    /// The document's secrets, found on the whole of it: the caller carries them into the
    /// selection's own piece (empty when no prompt is redacted).
    pub secrets: FileSecrets,
}

/// `read` as the models may see it: never-send files are not read at all (so their
/// definitions and snippets reach no model through the index), and the others come
/// redacted whole — line for line, so the index's rows still point at the right lines —
/// when prompts are redacted. Snippets cut from them then never split a secret.
pub fn model_reader(
    config: &Config,
    read: impl Fn(&str) -> Option<String>,
) -> impl Fn(&str) -> Option<String> {
    let redacts = crate::redact::required_for_context(config);
    let deny = config.privacy.never_send.clone();
    move |rel: &str| {
        if deny.denies(Path::new(rel)) {
            return None;
        }
        let text = read(rel)?;
        Some(match redacts {
            true => crate::redact::redact(&text).text,
            false => text,
        })
    }
}

/// Gathers the context of `selection` for its role: the syntax context from the parse,
/// then definitions of the names it uses from other files of `index`, then (for the
/// Librarian) the index's best candidates for the request. `read` gives a workspace file's
/// text by relative path (the editor's buffer for open files).
pub fn gather(
    config: &Config,
    selection: &Selection,
    index: Option<&WorkspaceIndex>,
    read: impl Fn(&str) -> Option<String>,
) -> Gathered {
    let options = ContextOptions {
        max_tokens: config.context_budget(selection.role),
    };
    let around = match selection.parsed {
        Some(parsed) => context_in(
            parsed,
            selection.label,
            selection.text,
            selection.bytes.clone(),
            options,
        ),
        None => context_for(
            selection.language,
            selection.label,
            selection.text,
            selection.bytes.clone(),
            options,
        ),
    };
    let secrets = match crate::redact::required_for_context(config) {
        true => FileSecrets::find(selection.text),
        false => FileSecrets::default(),
    };
    let mut around = around;
    for piece in &mut around.pieces {
        secrets.apply(piece);
    }
    let mut budget = Budget::new(around.tokens_left);
    let mut candidates = None;
    let read = model_reader(config, read);
    // A file is read once, however many of its definitions are shown.
    let read_files = RefCell::new(HashMap::new());
    let read = |rel: &str| {
        read_files
            .borrow_mut()
            .entry(rel.to_string())
            .or_insert_with(|| read(rel))
            .clone()
    };
    if let Some(index) = index {
        index::definitions_from_index(index, &around.unresolved, selection.rel, &mut budget, read);
        if selection.role == Role::Librarian {
            let selected = selection.text.get(selection.bytes.clone()).unwrap_or("");
            let query = format!("{} {selected}", selection.request);
            let lines = line_of(selection.text, selection.bytes.start)
                ..line_of(selection.text, selection.bytes.end) + 1;
            let asked_from = selection.rel.map(|rel| (rel, lines));
            let found = index::local_examples(index, &query, index::CANDIDATES, asked_from, read);
            for piece in index::candidate_pieces(&found) {
                budget.push(piece);
            }
            candidates = Some(found);
        }
    }
    let tokens_left = budget.left();
    let mut pieces = around.pieces;
    pieces.extend(budget.into_pieces());
    Gathered {
        pieces,
        candidates,
        tokens_left,
        secrets,
    }
}

/// Sisyphus's view of the workspace: packed by priority around `focus` (absolute) within
/// `tokens`, never-send files dropped, and the focus file as the editor has it (`live`)
/// rather than as saved. Walks the disk: call it from a blocking task. A workspace that
/// cannot be walked is an error for the caller to report, not an empty workspace.
pub fn packed_workspace(
    config: &Config,
    root: &Path,
    focus: Option<&PathBuf>,
    live: &str,
    tokens: usize,
) -> Result<Vec<ContextPiece>, WorkspaceError> {
    let mut packed = crate::workspace::pack(
        root,
        focus.map(PathBuf::as_path),
        &config.context.exclude,
        tokens,
    )?;
    config.privacy.never_send.drop_denied(&mut packed.pieces);
    let focus_rel = focus.and_then(|p| p.strip_prefix(root).ok());
    for piece in &mut packed.pieces {
        if focus_rel == Some(Path::new(&piece.label)) {
            piece.text = live.to_string();
        }
    }
    Ok(packed.pieces)
}

/// What a task run on files rather than on a selection is shown — the command line's roles
/// and pipelines, and the editor's pipelines alike: the files named; and the workspace
/// packed by priority when Sisyphus has no files to go on (as the editor's Sisyphus always
/// sees it) or the depth is comprehensive; within `budget` tokens. Never-send files are
/// left out and listed.
pub fn task_context(
    config: &Config,
    root: &Path,
    files: &[String],
    depth: Depth,
    (role, budget): (Role, usize),
) -> Result<TaskContext, WorkspaceError> {
    let mut context = TaskContext::default();
    if !files.is_empty() {
        let collected = crate::workspace::collect(root, files, budget)?;
        context.pieces = collected.pieces;
        context.skipped = collected.skipped;
        context.denied = config.privacy.never_send.drop_denied(&mut context.pieces);
    }
    if (role == Role::Sisyphus && files.is_empty()) || depth == Depth::Comprehensive {
        let spent: usize = context
            .pieces
            .iter()
            .map(|p| crate::context::estimate(&p.text))
            .sum();
        let named: Vec<String> = context.pieces.iter().map(|p| p.label.clone()).collect();
        let packed = packed_workspace(config, root, None, "", budget.saturating_sub(spent))?;
        // The files named are already there, whole.
        context
            .pieces
            .extend(packed.into_iter().filter(|p| !named.contains(&p.label)));
    }
    Ok(context)
}

/// `task_context`'s answer.
#[derive(Debug, Default)]
pub struct TaskContext {
    pub pieces: Vec<ContextPiece>,
    /// Files named but not read, and why (binary, too large, over the budget).
    pub skipped: Vec<(PathBuf, String)>,
    /// Files named but on the never-send list.
    pub denied: Vec<String>,
}

/// The 0-based line of byte `at` in `text`.
fn line_of(text: &str, at: usize) -> usize {
    let at = at.min(text.len());
    memchr::memchr_iter(b'\n', &text.as_bytes()[..at]).count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::language_for;

    const ORDERS: &str = "def show(user):\n    return fetch_user(user.id)\n";
    const USERS: &str =
        "def fetch_user(user_id):\n    \"\"\"Load a user.\"\"\"\n    return user_id\n";

    fn index() -> WorkspaceIndex {
        let mut index = WorkspaceIndex::default();
        index.update("app/orders.py", ORDERS, None);
        index.update("app/users.py", USERS, None);
        index
    }

    fn selection(role: Role, request: &'static str) -> Selection<'static> {
        let start = ORDERS.find("return").unwrap();
        Selection {
            role,
            label: "app/orders.py",
            text: ORDERS,
            bytes: start..ORDERS.len() - 1,
            parsed: None,
            language: language_for(None, Some("python")),
            rel: Some("app/orders.py"),
            request,
        }
    }

    fn read(rel: &str) -> Option<String> {
        match rel {
            "app/orders.py" => Some(ORDERS.into()),
            "app/users.py" => Some(USERS.into()),
            _ => None,
        }
    }

    #[test]
    fn definitions_of_names_from_other_files_follow_the_files_own_context() {
        let config = Config::builtin().clone();
        let gathered = gather(&config, &selection(Role::Oracle, ""), Some(&index()), read);
        let labels: Vec<&str> = gathered.pieces.iter().map(|p| p.label.as_str()).collect();
        let enclosing = labels
            .iter()
            .position(|l| l.contains("enclosing definition"));
        let imported = labels
            .iter()
            .position(|l| l.starts_with("app/users.py:1-3 (definition of `fetch_user`)"));
        assert!(enclosing.is_some() && imported.is_some(), "{labels:?}");
        assert!(enclosing < imported, "{labels:?}");
        assert!(
            gathered.candidates.is_none(),
            "only the librarian gets candidates"
        );
    }

    #[test]
    fn the_librarian_gets_the_indexs_candidates_for_the_request() {
        let config = Config::builtin().clone();
        let gathered = gather(
            &config,
            &selection(Role::Librarian, "load a user"),
            Some(&index()),
            read,
        );
        let candidates = gathered.candidates.unwrap();
        assert_eq!(candidates[0].path, "app/users.py");
        assert!(
            gathered
                .pieces
                .iter()
                .any(|p| p.label.starts_with("candidate 1: app/users.py:1-3"))
        );
    }

    #[test]
    fn without_an_index_there_are_no_candidates_and_still_the_files_context() {
        let config = Config::builtin().clone();
        let gathered = gather(&config, &selection(Role::Librarian, "user"), None, read);
        assert!(gathered.candidates.is_none());
        assert!(!gathered.pieces.is_empty());
    }

    fn workspace() -> tempfile::TempDir {
        let dir = tempfile::TempDir::new().unwrap();
        for (path, text) in [
            ("app/users.py", "def fetch_user(uid):\n    return uid\n"),
            ("app/orders.py", "def place(uid):\n    return uid\n"),
            (".env", "KEY=1\n"),
        ] {
            std::fs::create_dir_all(dir.path().join(path).parent().unwrap()).unwrap();
            std::fs::write(dir.path().join(path), text).unwrap();
        }
        dir
    }

    fn labels(files: &[&str], depth: Depth, role: Role) -> Vec<String> {
        let dir = workspace();
        let files: Vec<String> = files.iter().map(|f| f.to_string()).collect();
        let config = Config::builtin();
        let context = task_context(config, dir.path(), &files, depth, (role, 100_000)).unwrap();
        let mut labels: Vec<String> = context.pieces.into_iter().map(|p| p.label).collect();
        labels.sort();
        labels
    }

    #[test]
    fn a_task_sees_the_files_named_and_sisyphus_without_files_the_workspace() {
        let (users, orders) = ("app/users.py".to_string(), "app/orders.py".to_string());
        let both = [orders, users.clone()];
        assert_eq!(
            labels(&["app/users.py"], Depth::Quick, Role::Hephaestus),
            std::slice::from_ref(&users)
        );
        assert!(labels(&[], Depth::Quick, Role::Hephaestus).is_empty());
        // Planning without files: the packed workspace, never-send files left out.
        let planned = labels(&[], Depth::Quick, Role::Sisyphus);
        assert!(both.iter().all(|f| planned.contains(f)), "{planned:?}");
        assert!(!planned.iter().any(|l| l.contains(".env")), "{planned:?}");
        // Comprehensive: the rest of the workspace beside the file named, each once.
        let wide = labels(&["app/users.py"], Depth::Comprehensive, Role::Oracle);
        assert!(both.iter().all(|f| wide.contains(f)), "{wide:?}");
        assert_eq!(wide.iter().filter(|l| **l == users).count(), 1, "{wide:?}");
    }
}
