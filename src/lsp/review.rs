//! The Oracle's offline pass in the editor: run on open and save, and after typing pauses
//! when the file is small enough, on the document's kept parse; published together with
//! the model's findings. What the last model review said of an offline finding (confirmed,
//! or rejected with a reason) stays with it while its line is unchanged.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use dashmap::DashMap;
use tower_lsp_server::ls_types::{
    CodeDescription, Diagnostic, DiagnosticSeverity, MessageType, NumberOrString, Uri,
};

use super::commands::DIAGNOSTIC_SOURCE;
use super::debounce::Debouncer;
use super::server::Inner;
use crate::review::{Finding, Origin, Severity, cwe_link, line_fingerprint, review_tree};
use crate::syntax::Parsed;

/// How long typing must pause before the pass runs again.
const DEBOUNCE: Duration = Duration::from_millis(300);
/// Above this many lines the pass waits for a save (it costs about 2.5 ms per 1,000 lines
/// on a parsed tree; typing in a huge file should not pay that on every pause).
const MAX_LINES_ON_CHANGE: usize = 20_000;

/// What a model said of an offline finding.
#[derive(Clone, Debug)]
enum Verdict {
    /// With the model's own words and the higher of the two severities.
    Confirmed {
        model: String,
        detail: Option<String>,
        severity: Severity,
    },
    Rejected {
        model: String,
        reason: String,
    },
    /// Rejected, but the rejection was not applied (`review::Rejections`): the severity
    /// stands, the model's reason is shown.
    Disputed {
        model: String,
        reason: String,
    },
}

/// Which offline finding a verdict is about, in a way that survives edits elsewhere: its
/// rule, the flagged line's text, and which of the file's findings with those two it is.
type Key = (String, String, usize);

/// The offline findings per document (each on a mark that follows edits, so a finding
/// never shows on a line it has left), and the verdicts of the last model reviews.
#[derive(Default)]
pub struct OfflineFindings {
    marked: DashMap<Uri, Vec<(u64, Diagnostic)>>,
    verdicts: DashMap<Uri, HashMap<Key, Verdict>>,
    /// Runs wait for typing to pause.
    pending: Debouncer,
}

impl OfflineFindings {
    pub fn has(&self, uri: &Uri) -> bool {
        self.marked.get(uri).is_some_and(|d| !d.is_empty())
    }

    /// The diagnostics whose marks are alive, at their current places; dead marks are
    /// dropped (their line was edited: the next run says what is there now).
    pub fn current(&self, inner: &Inner, uri: &Uri) -> Vec<Diagnostic> {
        let Some(mut entries) = self.marked.get_mut(uri) else {
            return Vec::new();
        };
        super::deliver::resolve_marked(inner, uri, &mut entries)
    }

    /// Forgets the document (closed); its marks went with it.
    pub fn forget(&self, uri: &Uri) {
        self.marked.remove(uri);
        self.verdicts.remove(uri);
        self.pending.forget(uri);
    }
}

/// Runs the pass on `uri` now (open, save).
pub fn run_now(inner: &Arc<Inner>, uri: &Uri) {
    schedule(inner, uri, Duration::ZERO);
}

/// Runs the pass once typing pauses, if the document is small enough.
pub fn document_changed(inner: &Arc<Inner>, uri: &Uri) {
    let small = inner
        .documents
        .line_count(uri)
        .is_some_and(|lines| lines <= MAX_LINES_ON_CHANGE);
    if small {
        schedule(inner, uri, DEBOUNCE);
    }
}

fn schedule(inner: &Arc<Inner>, uri: &Uri, delay: Duration) {
    if !inner.config().review.offline {
        return;
    }
    let ticket = inner.offline.pending.ticket(uri);
    let (inner, uri) = (inner.clone(), uri.clone());
    tokio::spawn(async move {
        if !inner.offline.pending.settled(&uri, ticket, delay).await {
            return;
        }
        // Binary junk opened as text: nothing to review, and its parse would cost seconds.
        if inner.documents.not_text(&uri).is_some() {
            inner.tell_not_text(&uri);
            return;
        }
        // Parsing a large file takes a while: not on the threads that answer requests.
        let refreshed = {
            let (inner, uri) = (inner.clone(), uri.clone());
            crate::background::blocking("the offline review", move || refresh(&inner, &uri)).await
        };
        match refreshed {
            Ok(true) => super::deliver::publish_findings(&inner, &uri).await,
            Ok(false) => {}
            Err(failed) => inner.log(MessageType::ERROR, failed.to_string()),
        }
    });
}

/// Recomputes the document's offline diagnostics from its parse and places them on marks;
/// whether the document has security rules at all.
pub fn refresh(inner: &Arc<Inner>, uri: &Uri) -> bool {
    let old = inner.offline.marked.remove(uri).map(|(_, old)| old);
    if let Some(old) = old {
        let ids: Vec<u64> = old.iter().map(|(id, _)| *id).collect();
        inner.documents.unmark(uri, &ids);
    }
    if !inner.config().review.offline {
        return false;
    }
    // One read of the document: the findings, their keys and their marks all refer to
    // this text.
    let Some((language, tree, rope, _)) = inner.documents.tree(uri) else {
        return false;
    };
    let text = rope.to_string();
    let path = uri.to_file_path();
    let Some(review) = review_tree(language, &tree, path.as_deref(), &text) else {
        return false;
    };
    let verdicts = inner.offline.verdicts.get(uri).map(|v| v.clone());
    let keys = keys(&text, &review.findings);
    let mut marked = Vec::new();
    for (finding, key) in review.findings.iter().zip(&keys) {
        let verdict = verdicts.as_ref().and_then(|v| v.get(key));
        let chars = rope.byte_to_char(finding.bytes.start.min(text.len()))
            ..rope.byte_to_char(finding.bytes.end.min(text.len()));
        // If the document changed since the read, the mark lands on the old offsets;
        // the run that change scheduled replaces it.
        if let Some(id) = inner.documents.mark(uri, chars, true) {
            marked.push((id, diagnostic(finding, verdict)));
        }
    }
    inner.offline.marked.insert(uri.clone(), marked);
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
    inner: &Arc<Inner>,
    uri: &Uri,
    text: &str,
    all: &[Finding],
    merged: &[Finding],
) {
    let keys = keys(text, all);
    let mut verdicts = inner.offline.verdicts.entry(uri.clone()).or_default();
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

fn diagnostic(finding: &Finding, verdict: Option<&Verdict>) -> Diagnostic {
    let confirmed_severity = match verdict {
        Some(Verdict::Confirmed { severity, .. }) => finding.severity.max(*severity),
        _ => finding.severity,
    };
    let severity = match (verdict, confirmed_severity) {
        (Some(Verdict::Rejected { .. }), _) | (_, Severity::Hint) => DiagnosticSeverity::HINT,
        (_, Severity::Critical | Severity::High) => DiagnosticSeverity::ERROR,
        (_, Severity::Medium) => DiagnosticSeverity::WARNING,
        (_, Severity::Low) => DiagnosticSeverity::INFORMATION,
    };
    let source = match verdict {
        None => format!("{DIAGNOSTIC_SOURCE} (offline)"),
        Some(Verdict::Confirmed { model, .. }) => {
            format!("{DIAGNOSTIC_SOURCE} (offline + {model})")
        }
        Some(Verdict::Rejected { model, .. }) => {
            format!("{DIAGNOSTIC_SOURCE} (offline; rejected by {model})")
        }
        Some(Verdict::Disputed { model, .. }) => {
            format!("{DIAGNOSTIC_SOURCE} (offline; disputed by {model}, kept)")
        }
    };
    let mut message = format!(
        "{}: {}\nRecommendation: {}",
        confirmed_severity, finding.message, finding.recommendation
    );
    match verdict {
        Some(Verdict::Rejected { model, reason }) => {
            message.push_str(&format!("\nRejected by {model}: {reason}"));
        }
        Some(Verdict::Disputed { model, reason }) => message.push_str(&format!(
            "\nDisputed by {model}: {reason} (kept: code under review cannot lower a \
             high-confidence or prompt-injection finding)"
        )),
        Some(Verdict::Confirmed {
            model,
            detail: Some(detail),
            ..
        }) => message.push_str(&format!("\n{model}: {detail}")),
        _ => {}
    }
    let href = finding
        .cwe
        .as_deref()
        .and_then(cwe_link)
        .and_then(|link| link.parse().ok());
    Diagnostic {
        severity: Some(severity),
        code: Some(NumberOrString::String(finding.rule.clone())),
        code_description: href.map(|href| CodeDescription { href }),
        source: Some(source),
        message,
        ..Diagnostic::default()
    }
}
