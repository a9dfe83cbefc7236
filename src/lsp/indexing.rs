//! The workspace index in the server: built in the background after `initialized`, kept
//! current from edits (debounced), saves and watched-file events, and read by
//! `workspace/symbol`, the Librarian and the selection context.

use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use tower_lsp_server::ls_types::{FileChangeType, FileEvent, MessageType, Uri};

use super::debounce::Debouncer;
use super::jobs::JobProgress;
use super::session::Session;
use crate::index::WorkspaceIndex;
use crate::syntax::language_for;
use crate::workspace::{Filter, slash_separated};

/// How long typing must pause before a document is re-indexed.
const DEBOUNCE: Duration = Duration::from_millis(300);
/// The progress token of the index build.
pub const INDEX_TOKEN: &str = "multi-model-index";
/// Files larger than this are not indexed (as they are not packed).
const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// The index and what keeps it current.
#[derive(Default)]
pub struct IndexState {
    /// `None` until the first build finishes (or when there is no workspace folder).
    index: RwLock<Option<WorkspaceIndex>>,
    /// The walk's rules (gitignore, exclude, hidden and generated directories), for files
    /// reported changed one at a time.
    filter: RwLock<Option<Filter>>,
    /// File events that came while the index was being built, applied once it is.
    deferred: Mutex<Vec<FileEvent>>,
    /// Re-indexing waits for typing to pause.
    pending: Debouncer,
}

impl IndexState {
    /// Runs `f` on the index, if it is built. Never held across an `.await`.
    pub fn read<T>(&self, f: impl FnOnce(&WorkspaceIndex) -> T) -> Option<T> {
        let guard = self.index.read().unwrap_or_else(|p| p.into_inner());
        guard.as_ref().map(f)
    }

    fn write(&self, f: impl FnOnce(&mut WorkspaceIndex)) {
        let mut guard = self.index.write().unwrap_or_else(|p| p.into_inner());
        if let Some(index) = guard.as_mut() {
            f(index);
        }
    }
}

/// Builds the index of the workspace in the background, with progress.
pub async fn build(session: &Arc<Session>) {
    let Some(root) = session.workspace() else {
        return;
    };
    let exclude = session.config().context.exclude.clone();
    // Shown as progress where the editor has a progress UI; elsewhere only logged (a
    // message box at every start would be noise).
    let progress = match session.caps().progress {
        true => Some(
            JobProgress::begin(
                session,
                INDEX_TOKEN,
                "Indexing workspace".into(),
                root.display().to_string(),
            )
            .await,
        ),
        false => None,
    };
    let started = Instant::now();
    let built = crate::background::blocking("indexing the workspace", move || {
        let filter = Filter::new(&root, &exclude)?;
        WorkspaceIndex::build(&root, &exclude).map(|index| (index, filter))
    })
    .await;
    let message = match built {
        Ok(Ok((index, filter))) => {
            let message = format!(
                "indexed {} files, {} definitions in {} ms",
                index.file_count(),
                index.symbol_count(),
                started.elapsed().as_millis()
            );
            *session
                .index
                .filter
                .write()
                .unwrap_or_else(|p| p.into_inner()) = Some(filter);
            // The build read the disk: what changed meanwhile is applied now, and open
            // documents count as their buffers.
            let deferred = {
                let mut deferred = session
                    .index
                    .deferred
                    .lock()
                    .unwrap_or_else(|p| p.into_inner());
                *session
                    .index
                    .index
                    .write()
                    .unwrap_or_else(|p| p.into_inner()) = Some(index);
                std::mem::take(&mut *deferred)
            };
            let catch_up = {
                let session = session.clone();
                crate::background::blocking("updating the index", move || {
                    files_changed(&session, &deferred);
                    for uri in session.documents.uris() {
                        if !indexed_as_is(&session, &uri) {
                            refresh_document(&session, &uri);
                        }
                    }
                })
                .await
            };
            match catch_up {
                Ok(()) => (MessageType::INFO, message),
                Err(failed) => (MessageType::ERROR, format!("{message}; {failed}")),
            }
        }
        Ok(Err(err)) => (MessageType::ERROR, format!("workspace not indexed: {err}")),
        Err(failed) => (
            MessageType::ERROR,
            format!("workspace not indexed: {failed}"),
        ),
    };
    let (level, message) = message;
    // The build's parse trees are freed: their pages go back rather than stay in RSS.
    let _ =
        crate::background::blocking("trimming the heap", crate::background::give_back_memory).await;
    session.log(level, message.clone());
    if let Some(progress) = progress {
        progress.end(message).await;
    }
}

/// An opened document: re-indexed like an edited one unless the index already holds its
/// text — the usual case, a file opened as it is on disk, which would otherwise be parsed
/// and indexed again for nothing.
pub fn document_opened(session: &Arc<Session>, uri: &Uri) {
    if !indexed_as_is(session, uri) {
        document_changed(session, uri);
    }
}

/// Whether re-indexing the open document would change nothing: the index holds its text,
/// or the document is outside the workspace, or the index is not built yet (the build's
/// catch-up looks at every open document).
fn indexed_as_is(session: &Arc<Session>, uri: &Uri) -> bool {
    let Some(rel) = relative(session, uri) else {
        return true;
    };
    let Some(document) = session.documents.snapshot(uri) else {
        return true;
    };
    let digest = crate::index::digest(document.rope.chunks());
    session
        .index
        .read(|index| index.holds(&rel, digest))
        .unwrap_or(true)
}

/// After an edit: re-index the document once typing pauses, from its own parse.
pub fn document_changed(session: &Arc<Session>, uri: &Uri) {
    let ticket = session.index.pending.ticket(uri);
    let (session, uri) = (session.clone(), uri.clone());
    tokio::spawn(async move {
        if session.index.pending.settled(&uri, ticket, DEBOUNCE).await {
            // Parsing a large file takes a while: not on the threads that answer requests.
            let refreshed = {
                let session = session.clone();
                crate::background::queued("re-indexing a document", move || {
                    refresh_document(&session, &uri)
                })
                .await
            };
            if let Err(failed) = refreshed {
                session.log(MessageType::ERROR, failed.to_string());
            }
        }
    });
}

/// Re-indexes an open document now (on save, and after the debounce).
pub fn refresh_document(session: &Arc<Session>, uri: &Uri) {
    let Some(rel) = relative(session, uri) else {
        return;
    };
    let Some((parsed, rope, _)) = session.documents.parsed(uri) else {
        if session.documents.not_text(uri).is_some() {
            session.index.write(|index| index.remove(&rel));
            session.tell_not_text(uri);
        }
        return;
    };
    let text = rope.to_string();
    session
        .index
        .write(|index| index.update(&rel, &text, Some(&parsed)));
}

/// Files changed outside the editor: re-read (unless open: the buffer wins) or forgotten.
/// Files the walk leaves out (gitignored, excluded, in hidden or generated directories)
/// stay out.
pub fn files_changed(session: &Arc<Session>, events: &[FileEvent]) {
    let Some(root) = session.workspace() else {
        return;
    };
    {
        // Checked and deferred under the lock the build installs the index under: an
        // event is either applied by the build's catch-up or sees the index.
        let mut deferred = session
            .index
            .deferred
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if session.index.read(|_| ()).is_none() {
            deferred.extend_from_slice(events);
            return;
        }
    }
    let filter = session
        .index
        .filter
        .read()
        .unwrap_or_else(|p| p.into_inner());
    for event in events {
        let Some(path) = event.uri.to_file_path() else {
            continue;
        };
        let Some(rel) = rel_of(&root, &path) else {
            continue;
        };
        if language_for(Some(&path), None).is_none() || session.documents.is_open(&event.uri) {
            continue;
        }
        let admitted = filter.as_ref().is_some_and(|f| f.admits(&path));
        if event.typ == FileChangeType::DELETED || !admitted {
            session.index.write(|index| index.remove(&rel));
            continue;
        }
        let small = std::fs::metadata(&path).is_ok_and(|m| m.len() <= MAX_FILE_BYTES);
        match std::fs::read_to_string(&path) {
            Ok(text) if small => session.index.write(|index| index.update(&rel, &text, None)),
            _ => session.index.write(|index| index.remove(&rel)),
        }
    }
}

/// A document was closed: the disk's version counts again (unsaved edits are gone).
pub fn document_closed(session: &Arc<Session>, uri: &Uri) {
    files_changed(
        session,
        &[FileEvent {
            uri: uri.clone(),
            typ: FileChangeType::CHANGED,
        }],
    );
}

/// A workspace file's text: the editor's buffer when it is open, else the disk's.
pub fn read(session: &Arc<Session>, rel: &str) -> Option<String> {
    let path = session.workspace()?.join(rel);
    if let Some(uri) = Uri::from_file_path(&path)
        && let Some(document) = session.documents.snapshot(&uri)
    {
        return Some(document.rope.to_string());
    }
    std::fs::read_to_string(path).ok()
}

/// The document's path relative to the workspace root, `/`-separated.
pub fn relative(session: &Arc<Session>, uri: &Uri) -> Option<String> {
    let path = uri.to_file_path()?;
    rel_of(&session.workspace()?, &path)
}

fn rel_of(root: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(root).ok()?;
    (!rel.as_os_str().is_empty()).then(|| slash_separated(rel))
}
