//! What the editor shows as diagnostics: one store for the findings of both passes — the
//! offline pass's and the model's — each on a mark that follows edits, and one conversion
//! from a `review::Finding` to a `Diagnostic`, so every finding reads the same way.

use std::ops::Range;
use std::sync::Arc;

use dashmap::DashMap;
use tower_lsp_server::ls_types::{
    CodeDescription, Diagnostic, DiagnosticSeverity, NumberOrString, Uri,
};

use super::position::to_range;
use super::session::Session;
use crate::review::{Finding, Origin, Severity, cwe_link};

/// The source every diagnostic of ours carries, so fixes can be offered on them.
pub const DIAGNOSTIC_SOURCE: &str = "multi-model";

/// Which pass a stored diagnostic came from: each pass replaces only its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pass {
    Offline,
    Model,
}

/// What a model said of an offline finding.
#[derive(Clone, Debug)]
pub enum Verdict {
    /// With the model's own words and the higher of the two severities.
    Confirmed {
        model: String,
        detail: Option<String>,
        recommendation: Option<String>,
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

struct Entry {
    mark: u64,
    pass: Pass,
    diagnostic: Diagnostic,
}

/// The diagnostics per document.
#[derive(Default)]
pub struct Diagnostics {
    marked: DashMap<Uri, Vec<Entry>>,
    /// One publication at a time: each reads the state when it gets its turn, so the last
    /// one sent is always the newest, however the tasks were scheduled.
    publishing: tokio::sync::Mutex<()>,
}

impl Diagnostics {
    /// Whether the document shows any of ours.
    pub fn has(&self, uri: &Uri) -> bool {
        self.marked.get(uri).is_some_and(|d| !d.is_empty())
    }

    /// Forgets the document (closed); its marks went with it.
    pub fn forget(&self, uri: &Uri) {
        self.marked.remove(uri);
    }

    /// Replaces the diagnostics of `pass` whose marks lie in `within` (all of them when
    /// `None`) by `new`; the replaced marks are released.
    pub fn replace(
        &self,
        session: &Session,
        uri: &Uri,
        pass: Pass,
        within: Option<Range<usize>>,
        new: Vec<(u64, Diagnostic)>,
    ) {
        let old = self
            .marked
            .remove(uri)
            .map(|(_, old)| old)
            .unwrap_or_default();
        let (replaced, mut kept): (Vec<Entry>, Vec<Entry>) = old.into_iter().partition(|e| {
            e.pass == pass
                && match (&within, session.documents.resolve(uri, e.mark)) {
                    (Some(within), Some((at, _, _))) => within.contains(&at.start),
                    _ => true,
                }
        });
        let released: Vec<u64> = replaced.iter().map(|e| e.mark).collect();
        session.documents.unmark(uri, &released);
        kept.extend(new.into_iter().map(|(mark, diagnostic)| Entry {
            mark,
            pass,
            diagnostic,
        }));
        self.marked.insert(uri.clone(), kept);
    }
}

/// Publishes the document's diagnostics whose marks are alive, at their current places;
/// dead marks (their line was edited) are dropped. An empty list clears.
pub async fn publish(session: &Arc<Session>, uri: &Uri) {
    let store = &session.diagnostics;
    let _turn = store.publishing.lock().await;
    let version = session.documents.snapshot(uri).map(|d| d.version);
    let encoding = session.encoding();
    let mut alive = Vec::new();
    if let Some(mut entries) = store.marked.get_mut(uri) {
        let mut dead = Vec::new();
        entries.retain(|entry| match session.documents.resolve(uri, entry.mark) {
            Some((chars, _, rope)) => {
                let mut diagnostic = entry.diagnostic.clone();
                diagnostic.range = to_range(&rope, chars, encoding);
                alive.push(diagnostic);
                true
            }
            None => {
                dead.push(entry.mark);
                false
            }
        });
        session.documents.unmark(uri, &dead);
    }
    session
        .client
        .publish_diagnostics(uri.clone(), alive, version)
        .await;
}

/// A finding as a diagnostic, whichever pass found it: the severity and title on the first
/// line, then the description, the most specific recommendation, and what a model said of
/// it. The code is stable: the rule id, or for a model's own finding its CWE when it named
/// one. The range is set when the diagnostic is published.
pub fn diagnostic(finding: &Finding, verdict: Option<&Verdict>) -> Diagnostic {
    let severity = match verdict {
        Some(Verdict::Confirmed { severity, .. }) => finding.severity.max(*severity),
        _ => finding.severity,
    };
    let shown = match (verdict, severity) {
        (Some(Verdict::Rejected { .. }), _) | (_, Severity::Hint) => DiagnosticSeverity::HINT,
        (_, Severity::Critical | Severity::High) => DiagnosticSeverity::ERROR,
        (_, Severity::Medium) => DiagnosticSeverity::WARNING,
        (_, Severity::Low) => DiagnosticSeverity::INFORMATION,
    };
    let model = finding.model.as_deref().unwrap_or("the model");
    let source = match (finding.origin, verdict) {
        (Origin::Model, _) => format!("{DIAGNOSTIC_SOURCE} ({model})"),
        (_, None) => format!("{DIAGNOSTIC_SOURCE} (offline)"),
        (_, Some(Verdict::Confirmed { model, .. })) => {
            format!("{DIAGNOSTIC_SOURCE} (offline + {model})")
        }
        (_, Some(Verdict::Rejected { model, .. })) => {
            format!("{DIAGNOSTIC_SOURCE} (offline; rejected by {model})")
        }
        (_, Some(Verdict::Disputed { model, .. })) => {
            format!("{DIAGNOSTIC_SOURCE} (offline; disputed by {model}, kept)")
        }
    };
    let (detail, recommendation) = match verdict {
        Some(Verdict::Confirmed {
            detail,
            recommendation,
            ..
        }) => (
            detail.as_deref().or(finding.detail.as_deref()),
            recommendation
                .as_deref()
                .filter(|r| !r.trim().is_empty())
                .unwrap_or(&finding.recommendation),
        ),
        _ => (finding.detail.as_deref(), finding.recommendation.as_str()),
    };
    let mut message = format!("{}: {}", capitalised(severity), finding.message.trim());
    if let Some(detail) = detail.map(str::trim).filter(|d| !d.is_empty()) {
        message.push('\n');
        message.push_str(detail);
    }
    if !recommendation.trim().is_empty() {
        message.push_str("\nRecommendation: ");
        message.push_str(recommendation.trim());
    }
    match verdict {
        Some(Verdict::Rejected { model, reason }) => {
            message.push_str(&format!("\nRejected by {model}: {reason}"));
        }
        Some(Verdict::Disputed { model, reason }) => message.push_str(&format!(
            "\nDisputed by {model}: {reason} (kept: code under review cannot lower a \
             high-confidence or prompt-injection finding)"
        )),
        Some(Verdict::Confirmed { model, .. }) => {
            message.push_str(&format!("\nConfirmed by {model}."));
        }
        None => {}
    }
    let code = match finding.origin {
        Origin::Model => finding.cwe.clone().unwrap_or_else(|| finding.rule.clone()),
        _ => finding.rule.clone(),
    };
    let href = finding
        .cwe
        .as_deref()
        .and_then(cwe_link)
        .and_then(|link| link.parse().ok());
    Diagnostic {
        severity: Some(shown),
        code: Some(NumberOrString::String(code)),
        code_description: href.map(|href| CodeDescription { href }),
        source: Some(source),
        message,
        ..Diagnostic::default()
    }
}

/// `High`, `Medium`: one spelling of a severity in every message.
fn capitalised(severity: Severity) -> String {
    let name = severity.as_str();
    name[..1].to_ascii_uppercase() + &name[1..]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Category;
    use crate::review::{Confidence, Position};

    fn finding(origin: Origin) -> Finding {
        Finding {
            rule: "MM-ORACLE-EDGE-CASE".into(),
            cwe: None,
            severity: Severity::Medium,
            confidence: Confidence::Medium,
            category: Category::EdgeCase,
            message: "Cursor never closed".into(),
            recommendation: "Close it in a `with` block.".into(),
            detail: Some("The cursor is not closed.".into()),
            start: Position { line: 0, column: 0 },
            end: Position { line: 0, column: 4 },
            bytes: 0..4,
            origin,
            model: Some("m".into()),
            rejected: None,
        }
    }

    #[test]
    fn title_and_description_are_on_lines_of_their_own() {
        let d = diagnostic(&finding(Origin::Model), None);
        assert_eq!(
            d.message,
            "Medium: Cursor never closed\nThe cursor is not closed.\nRecommendation: Close it in a `with` block."
        );
    }

    #[test]
    fn a_model_finding_without_a_cwe_has_its_rule_as_code() {
        let d = diagnostic(&finding(Origin::Model), None);
        assert_eq!(
            d.code,
            Some(NumberOrString::String("MM-ORACLE-EDGE-CASE".into()))
        );
    }

    #[test]
    fn a_confirmed_finding_takes_the_models_recommendation() {
        let verdict = Verdict::Confirmed {
            model: "m".into(),
            detail: Some("SQL built from input".into()),
            recommendation: Some("Pass user_id as a parameter.".into()),
            severity: Severity::High,
        };
        let d = diagnostic(&finding(Origin::Offline), Some(&verdict));
        assert!(
            d.message.starts_with("High: Cursor never closed\n"),
            "{}",
            d.message
        );
        assert!(
            d.message
                .contains("Recommendation: Pass user_id as a parameter."),
            "{}",
            d.message
        );
        assert!(!d.message.contains("`with` block"), "{}", d.message);
    }
}
