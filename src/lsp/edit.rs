//! What a job changes in the editor: code applied as one versioned edit on a mark, and
//! result documents written and shown; code that cannot be applied goes to a document,
//! never lost.

use std::path::PathBuf;
use std::sync::Arc;

use tower_lsp_server::ls_types::*;

use super::position::to_range;
use super::session::Session;

/// The kinds of result document, each in a folder of its own under `<workspace>/.agent/`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResultDoc {
    Plan,
    Examples,
    Explanation,
    Code,
    Summary,
    Report,
}

impl ResultDoc {
    fn folder(self) -> &'static str {
        match self {
            ResultDoc::Plan => "plans",
            ResultDoc::Examples => "examples",
            ResultDoc::Explanation => "explanations",
            ResultDoc::Code => "code",
            ResultDoc::Summary => "runs-summary",
            ResultDoc::Report => "reports",
        }
    }

    /// The first word of the file name, so an editor's tab says what it holds.
    fn word(self) -> &'static str {
        match self {
            ResultDoc::Plan => "plan",
            ResultDoc::Examples => "examples",
            ResultDoc::Explanation => "explanation",
            ResultDoc::Code => "code",
            ResultDoc::Summary => "summary",
            ResultDoc::Report => "report",
        }
    }
}

/// How a result document links to a workspace file: it lives two folders down
/// (`.agent/<folder>/`), and relative links resolve against the document's own folder.
pub const LINK_TO_WORKSPACE: &str = "../../";

/// Writes a result document to disk — `<workspace>/.agent/<folder>/<kind>-<name>-<time>.md`
/// — and shows it. Written by the server itself, never through a workspace edit: a client
/// may apply such an edit to a buffer it never saves (Helix), leaving an empty file behind
/// and an unsaved buffer. Shown with `window/showDocument` where the client announced it
/// or is known to handle it (Helix handles it without announcing it), else named in a
/// message. Returns the path.
pub async fn open_markdown(
    session: &Arc<Session>,
    kind: ResultDoc,
    name: &str,
    contents: &str,
) -> Option<PathBuf> {
    let root = session
        .workspace()
        .unwrap_or_else(|| std::env::temp_dir().join("multi-model"));
    let stamp = jiff::Timestamp::now().strftime("%Y%m%d-%H%M%S").to_string();
    let slug: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let slug = slug.trim_matches('-').chars().take(48).collect::<String>();
    let file = match slug.is_empty() {
        true => format!("{}-{stamp}.md", kind.word()),
        false => format!("{}-{slug}-{stamp}.md", kind.word()),
    };
    let path = root.join(".agent").join(kind.folder()).join(file);
    let uri = Uri::from_file_path(&path)?;
    let io = path
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| std::fs::write(&path, contents));
    if let Err(err) = io {
        session
            .client
            .show_message(
                MessageType::ERROR,
                format!("cannot write {}: {err}", path.display()),
            )
            .await;
        return None;
    }
    let caps = session.caps();
    let shown = (caps.show_document || caps.shows_documents_unannounced)
        && session
            .client
            .show_document(ShowDocumentParams {
                uri,
                external: Some(false),
                take_focus: Some(true),
                selection: None,
            })
            .await
            .unwrap_or(false);
    if !shown {
        session
            .client
            .show_message(
                MessageType::INFO,
                format!("multi-model wrote {}", path.display()),
            )
            .await;
    }
    Some(path)
}

/// Code that could not be applied goes to a new document instead: never lost.
pub async fn offer_code(session: &Arc<Session>, code: &str) {
    open_markdown(
        session,
        ResultDoc::Code,
        "hephaestus",
        &format!("```\n{code}```\n"),
    )
    .await;
}

/// Applies code where the mark now is, as one versioned edit; retried if the user typed
/// between our read and the client's apply. `Some(message)` when it could not be applied
/// (the code is then in a document; the caller tells the user, last).
pub async fn apply_code(
    session: &Arc<Session>,
    uri: &Uri,
    mark: Option<u64>,
    code: &str,
) -> Option<String> {
    let python = session
        .documents
        .snapshot(uri)
        .is_some_and(|d| d.language_id == "python" || uri.path().as_str().ends_with(".py"));
    if !session.caps().apply_edit {
        let message = "this editor does not accept edits from the server (no workspace.applyEdit); the code is in a new document".to_string();
        offer_code(session, code).await;
        return Some(message);
    }
    for _ in 0..3 {
        let Some((chars, version, rope)) = mark.and_then(|id| session.documents.resolve(uri, id))
        else {
            let message = "the selection was edited (or closed) while Hephaestus worked: nothing was changed; the code is in a new document".to_string();
            offer_code(session, code).await;
            return Some(message);
        };
        // A Python answer's new imports go with the file's own, in the same edit.
        let whole = rope.to_string();
        let (imports, code) = match python {
            true => crate::syntax::split_imports(code, &whole),
            false => (Vec::new(), code.to_string()),
        };
        let mut text = crate::syntax::indent_for(&rope, chars.start, &code);
        // The answer's final line break stands for the selection's own: when the selection
        // ends inside a line (its break stays), keeping both would add a blank line.
        if rope.line_to_char(rope.char_to_line(chars.end)) != chars.end && text.ends_with('\n') {
            text.pop();
        }
        let encoding = session.encoding();
        let mut edits = Vec::new();
        if !imports.is_empty() {
            let line = crate::syntax::import_line(&whole).min(rope.len_lines() - 1);
            let at = rope.line_to_char(line).min(chars.start);
            let mut inserted = imports.join("\n");
            inserted.push('\n');
            edits.push(OneOf::Left(TextEdit::new(
                to_range(&rope, at..at, encoding),
                inserted,
            )));
        }
        edits.push(OneOf::Left(TextEdit::new(
            to_range(&rope, chars, encoding),
            text,
        )));
        let edit = WorkspaceEdit {
            document_changes: Some(DocumentChanges::Edits(vec![TextDocumentEdit {
                text_document: OptionalVersionedTextDocumentIdentifier {
                    uri: uri.clone(),
                    version: Some(version),
                },
                edits,
            }])),
            ..WorkspaceEdit::default()
        };
        match session.client.apply_edit(edit).await {
            Ok(response) if response.applied => return None,
            // A version mismatch: the user typed in between. Read again and retry.
            Ok(_) => continue,
            Err(err) => return Some(format!("the editor did not apply the code: {err}")),
        }
    }
    let message = "the editor kept rejecting the edit (the document changed each time); the code is in a new document".to_string();
    offer_code(session, code).await;
    Some(message)
}
