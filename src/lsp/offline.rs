//! The offline pass in the editor: run on open and save, and after typing pauses
//! when the file is small enough, on the document's kept parse; published together with
//! the model's findings. What the last model review said of an offline finding (confirmed,
//! or rejected with a reason) stays with it while its line is unchanged.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use dashmap::DashMap;
use tower_lsp_server::ls_types::{MessageType, Uri};

use super::debounce::Debouncer;
use super::diagnostics::{Pass, Verdict, diagnostic};
use super::session::Session;
use crate::review::{Finding, Origin, Severity, line_fingerprint, review_tree};
use crate::syntax::Parsed;

/// How long typing must pause before the pass runs again.
const DEBOUNCE: Duration = Duration::from_millis(300);
/// Above this many lines the pass waits for a save (it costs about 2.5 ms per 1,000 lines
/// on a parsed tree; typing in a huge file should not pay that on every pause).
const MAX_LINES_ON_CHANGE: usize = 20_000;

/// Which offline finding a verdict is about, in a way that survives edits elsewhere: its
/// rule, the flagged line's text, and which of the file's findings with those two it is.
type Key = (String, String, usize);

/// The offline pass's state per document: the verdicts of the last model reviews, and the
/// runs waiting for typing to pause. Its findings live in the one diagnostics store.
#[derive(Default)]
pub struct OfflinePass {
    verdicts: DashMap<Uri, HashMap<Key, Verdict>>,
    pending: Debouncer,
}

impl OfflinePass {
    /// Forgets the document (closed).
    pub fn forget(&self, uri: &Uri) {
        self.verdicts.remove(uri);
        self.pending.forget(uri);
    }
}

/// Runs the pass on `uri` now (open, save).
pub fn run_now(session: &Arc<Session>, uri: &Uri) {
    schedule(session, uri, Duration::ZERO);
}

/// Runs the pass once typing pauses, if the document is small enough.
pub fn document_changed(session: &Arc<Session>, uri: &Uri) {
    let small = session
        .documents
        .line_count(uri)
        .is_some_and(|lines| lines <= MAX_LINES_ON_CHANGE);
    if small {
        schedule(session, uri, DEBOUNCE);
    }
}

fn schedule(session: &Arc<Session>, uri: &Uri, delay: Duration) {
    if !session.config().review.offline {
        return;
    }
    let ticket = session.offline.pending.ticket(uri);
    let (session, uri) = (session.clone(), uri.clone());
    tokio::spawn(async move {
        if !session.offline.pending.settled(&uri, ticket, delay).await {
            return;
        }
        // Binary junk opened as text: nothing to review, and its parse would cost seconds.
        if session.documents.not_text(&uri).is_some() {
            session.tell_not_text(&uri);
            return;
        }
        // Parsing a large file takes a while: not on the threads that answer requests.
        let refreshed = {
            let (session, uri) = (session.clone(), uri.clone());
            crate::background::queued("the offline review", move || refresh(&session, &uri)).await
        };
        match refreshed {
            Ok(true) => super::diagnostics::publish(&session, &uri).await,
            Ok(false) => {}
            Err(failed) => session.log(MessageType::ERROR, failed.to_string()),
        }
    });
}

/// Recomputes the document's offline diagnostics from its parse and places them on marks;
/// whether the document has security rules at all.
pub fn refresh(session: &Arc<Session>, uri: &Uri) -> bool {
    if !session.config().review.offline {
        session
            .diagnostics
            .replace(session, uri, Pass::Offline, None, Vec::new());
        return false;
    }
    // One read of the document: the findings, their keys and their marks all refer to
    // this text.
    let Some((language, tree, rope, _)) = session.documents.tree(uri) else {
        session
            .diagnostics
            .replace(session, uri, Pass::Offline, None, Vec::new());
        return false;
    };
    let text = rope.to_string();
    let path = uri.to_file_path();
    let Some(review) = review_tree(language, &tree, path.as_deref(), &text) else {
        session
            .diagnostics
            .replace(session, uri, Pass::Offline, None, Vec::new());
        return false;
    };
    let verdicts = session.offline.verdicts.get(uri).map(|v| v.clone());
    let keys = keys(&text, &review.findings);
    let mut marked = Vec::new();
    for (finding, key) in review.findings.iter().zip(&keys) {
        let verdict = verdicts.as_ref().and_then(|v| v.get(key));
        let chars = rope.byte_to_char(finding.bytes.start.min(text.len()))
            ..rope.byte_to_char(finding.bytes.end.min(text.len()));
        // If the document changed since the read, the mark lands on the old offsets;
        // the run that change scheduled replaces it.
        if let Some(id) = session.documents.mark(uri, chars, true) {
            marked.push((id, diagnostic(finding, verdict)));
        }
    }
    session
        .diagnostics
        .replace(session, uri, Pass::Offline, None, marked);
    true
}

/// The findings of `text` (the whole document, in file order) with their keys.
fn keys(text: &str, findings: &[Finding]) -> Vec<Key> {
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    findings
        .iter()
        .map(|f| {
            let pair = (f.rule.clone(), line_fingerprint(text, f.start.line));
            let occurrence = seen.entry(pair.clone()).or_default();
            let key = (pair.0, pair.1, *occurrence);
            *occurrence += 1;
            key
        })
        .collect()
}

/// The offline findings of a document's `text` as parsed in `parsed`, for a review job.
pub fn findings_of(parsed: &Parsed, uri: &Uri, text: &str) -> Vec<Finding> {
    let path = uri.to_file_path();
    review_tree(parsed.language, &parsed.tree, path.as_deref(), text)
        .map(|review| review.findings)
        .unwrap_or_default()
}

/// Remembers what a model review said of the offline findings it was offered: `merged` is
/// `review::merge`'s outcome on `text`, whose offline findings were `all` (the whole
/// file's, in file order), so each verdict keeps to its own finding across re-runs.
pub fn remember_verdicts(
    session: &Arc<Session>,
    uri: &Uri,
    text: &str,
    all: &[Finding],
    merged: &[Finding],
) {
    let keys = keys(text, all);
    let mut verdicts = session.offline.verdicts.entry(uri.clone()).or_default();
    for finding in merged {
        let model = finding.model.clone().unwrap_or_default();
        let verdict = match (&finding.origin, &finding.rejected) {
            (Origin::Offline, Some(reason)) if finding.severity == Severity::Hint => {
                Verdict::Rejected {
                    model,
                    reason: reason.clone(),
                }
            }
            (Origin::Offline, Some(reason)) => Verdict::Disputed {
                model,
                reason: reason.clone(),
            },
            (Origin::Both, _) => Verdict::Confirmed {
                model,
                detail: finding.detail.clone(),
                recommendation: Some(finding.recommendation.clone()),
                severity: finding.severity,
            },
            _ => continue,
        };
        let at = all
            .iter()
            .position(|f| f.rule == finding.rule && f.bytes == finding.bytes);
        if let Some(key) = at.map(|i| keys[i].clone()) {
            verdicts.insert(key, verdict);
        }
    }
}
