//! Reports for people and for tools: compiler-style text and a JSON list. Lines and
//! columns are 1-based here (the findings hold 0-based positions).

use std::fmt::Write;

use serde_json::{Value, json};

use crate::finding::{Finding, Severity};

/// The findings of one file, as a report names the file (relative, `/`-separated).
#[derive(Clone, Debug, PartialEq)]
pub struct FileReport {
    pub path: String,
    pub findings: Vec<Finding>,
}

/// `path:line:col: severity RULE message`, one finding a line.
pub fn text(files: &[FileReport]) -> String {
    let mut out = String::new();
    for file in files {
        let addresses_reviewer = file
            .findings
            .iter()
            .any(|f| f.rule == super::rules::PROMPT_INJECTION);
        for f in &file.findings {
            let _ = write!(
                out,
                "{}:{}:{}: {} {} {}",
                file.path,
                f.start.line + 1,
                f.start.column + 1,
                f.severity,
                f.rule,
                f.message
            );
            match &f.rejected {
                Some(reason) if f.severity == Severity::Hint => {
                    let _ = write!(out, " (rejected by the model: {reason})");
                }
                // A rejection `merge` did not apply (see `Rejections`): the reason is shown,
                // the severity stands.
                Some(reason) => {
                    let why = match addresses_reviewer {
                        true => "the file addresses an AI reviewer",
                        false => "a high-confidence finding",
                    };
                    let _ = write!(out, " (the model disputes it: {reason}; kept, {why})");
                }
                None => {}
            }
            out.push('\n');
        }
    }
    out
}

/// A JSON list of `{file, line, end_line, column, end_column, severity, rule, cwe,
/// message, recommendation, confidence, origin, model, rejected}`.
pub fn json(files: &[FileReport]) -> Value {
    Value::Array(
        files
            .iter()
            .flat_map(|file| {
                file.findings.iter().map(|f| {
                    json!({
                        "file": file.path,
                        "line": f.start.line + 1,
                        "end_line": f.end.line + 1,
                        "column": f.start.column + 1,
                        "end_column": f.end.column + 1,
                        "severity": f.severity,
                        "rule": f.rule,
                        "cwe": f.cwe,
                        "message": f.message,
                        "recommendation": f.recommendation,
                        "confidence": f.confidence,
                        "origin": f.origin,
                        "model": f.model,
                        "rejected": f.rejected,
                    })
                })
            })
            .collect(),
    )
}

/// Whether a finding at or above `threshold` remains (`None`: never fail).
pub fn fails(files: &[FileReport], threshold: Option<Severity>) -> bool {
    threshold.is_some_and(|t| {
        files
            .iter()
            .flat_map(|f| &f.findings)
            .any(|f| t <= f.severity)
    })
}
