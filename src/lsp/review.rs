//! The Oracle's offline pass in the editor: run on open and save, and after typing pauses
//! when the file is small enough, on the document's kept parse; published together with
//! the model's findings. What the last model review said of an offline finding (confirmed,
//! or rejected with a reason) stays with it while its line is unchanged.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use dashmap::DashMap;
use tower_lsp_server::ls_types::{
    CodeDescription, Diagnostic, DiagnosticSeverity, NumberOrString, Uri,
};

use super::commands::DIAGNOSTIC_SOURCE;
use super::position::to_range;
use super::server::Inner;
use crate::review::{Finding, Origin, Severity, cwe_link, line_fingerprint, review_tree};

/// How long typing must pause before the pass runs again.
const DEBOUNCE: Duration = Duration::from_millis(300);
/// Above this many lines the pass waits for a save (it costs about 2.5 ms per 1,000 lines
/// on a parsed tree; typing in a huge file should not pay that on every pause).
const MAX_LINES_ON_CHANGE: usize = 20_000;

/// What a model said of an offline finding, keyed by rule and the flagged line's text.
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
}

/// The offline findings per document, and the verdicts of the last model review.
#[derive(Default)]
pub struct OfflineFindings {
    diagnostics: DashMap<Uri, Vec<Diagnostic>>,
    verdicts: DashMap<Uri, HashMap<(String, String), Verdict>>,
    pending: DashMap<Uri, u64>,
}

impl OfflineFindings {
    /// The document's offline diagnostics, as last computed.
    pub fn of(&self, uri: &Uri) -> Vec<Diagnostic> {
        self.diagnostics
            .get(uri)
            .map(|d| d.clone())
            .unwrap_or_default()
    }

    pub fn forget(&self, uri: &Uri) {
        self.diagnostics.remove(uri);
        self.verdicts.remove(uri);
        self.pending.remove(uri);
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
        .snapshot(uri)
        .is_some_and(|d| d.rope.len_lines() <= MAX_LINES_ON_CHANGE);
    if small {
        schedule(inner, uri, DEBOUNCE);
    }
}

fn schedule(inner: &Arc<Inner>, uri: &Uri, delay: Duration) {
    if !inner.config().review.offline {
        return;
    }
    let generation = {
        let mut entry = inner.offline.pending.entry(uri.clone()).or_default();
        *entry += 1;
        *entry
    };
    let (inner, uri) = (inner.clone(), uri.clone());
    tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        if inner
            .offline
            .pending
            .get(&uri)
            .is_some_and(|g| *g == generation)
        {
            inner.offline.pending.remove(&uri);
            if refresh(&inner, &uri) {
                super::deliver::publish_findings(&inner, &uri).await;
            }
        }
    });
}

/// Recomputes the document's offline diagnostics; whether it has any rules at all.
pub fn refresh(inner: &Arc<Inner>, uri: &Uri) -> bool {
    if !inner.config().review.offline {
        inner.offline.diagnostics.remove(uri);
        return false;
    }
    let Some(findings) = findings_now(inner, uri) else {
        return false;
    };
    let Some(document) = inner.documents.snapshot(uri) else {
        return false;
    };
    let text = document.rope.to_string();
    let verdicts = inner.offline.verdicts.get(uri).map(|v| v.clone());
    let encoding = inner.encoding();
    let diagnostics = findings
        .iter()
        .map(|finding| {
            let key = (
                finding.rule.clone(),
                line_fingerprint(&text, finding.start.line),
            );
            let verdict = verdicts.as_ref().and_then(|v| v.get(&key));
            let chars = document
                .rope
                .byte_to_char(finding.bytes.start.min(text.len()))
                ..document
                    .rope
                    .byte_to_char(finding.bytes.end.min(text.len()));
            let mut diagnostic = diagnostic(finding, verdict);
            diagnostic.range = to_range(&document.rope, chars, encoding);
            diagnostic
        })
        .collect();
    inner.offline.diagnostics.insert(uri.clone(), diagnostics);
    true
}

/// The offline findings for the document as it is now (its kept parse); `None` for
/// documents without security rules (everything but Python today).
pub fn findings_now(inner: &Arc<Inner>, uri: &Uri) -> Option<Vec<Finding>> {
    let (language, tree, rope, _) = inner.documents.tree(uri)?;
    let path = uri.to_file_path();
    let review = review_tree(language, &tree, path.as_deref(), &rope.to_string())?;
    Some(review.findings)
}

/// Remembers what a model review said of the offline findings it was offered (`merged`:
/// the outcome of `review::merge` on `text`), so they keep the verdict across re-runs.
pub fn remember_verdicts(inner: &Arc<Inner>, uri: &Uri, text: &str, merged: &[Finding]) {
    let mut verdicts = inner.offline.verdicts.entry(uri.clone()).or_default();
    for finding in merged {
        let model = finding.model.clone().unwrap_or_default();
        let verdict = match (&finding.origin, &finding.rejected) {
            (Origin::Offline, Some(reason)) => Verdict::Rejected {
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
        let key = (
            finding.rule.clone(),
            line_fingerprint(text, finding.start.line),
        );
        verdicts.insert(key, verdict);
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
    };
    let mut message = format!(
        "{}: {}\nRecommendation: {}",
        confirmed_severity, finding.message, finding.recommendation
    );
    match verdict {
        Some(Verdict::Rejected { model, reason }) => {
            message.push_str(&format!("\nRejected by {model}: {reason}"));
        }
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
