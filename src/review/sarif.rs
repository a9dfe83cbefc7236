//! SARIF 2.1.0, as GitHub code scanning reads it: rules with CWE tags and a
//! `security-severity`, results with relative `/`-separated URIs, 1-based regions in
//! Unicode code points, and partial fingerprints that survive lines moving.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::baseline::line_fingerprint;
use super::cwe::cwe_link;
use super::report::FileReport;
use super::rules::RULES;
use crate::finding::{Confidence, Severity, cwe_number};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The SARIF log of a review. `texts` gives each file's text by its report path (for
/// fingerprints); a file without one gets fingerprints of its position only.
pub fn sarif(files: &[FileReport], texts: &BTreeMap<String, String>) -> Value {
    let mut rules: Vec<Value> = RULES
        .iter()
        .map(|r| rule(r.id, r.name, Some(r.cwe), r.severity, r.confidence))
        .collect();
    let mut ids: Vec<String> = RULES.iter().map(|r| r.id.to_string()).collect();
    for f in files.iter().flat_map(|f| &f.findings) {
        if !ids.contains(&f.rule) {
            ids.push(f.rule.clone());
            rules.push(rule(
                &f.rule,
                "Finding of the Oracle model",
                f.cwe.as_deref(),
                f.severity,
                f.confidence,
            ));
        }
    }

    let results: Vec<Value> = files
        .iter()
        .flat_map(|file| {
            let ids = &ids;
            file.findings.iter().map(move |f| {
                let index = ids.iter().position(|id| *id == f.rule).unwrap_or(0);
                let fingerprint = texts
                    .get(&file.path)
                    .map(|text| line_fingerprint(text, f.start.line))
                    .unwrap_or_else(|| format!("line-{}", f.start.line + 1));
                let mut message = format!("{} Recommendation: {}", sentence(&f.message), f.recommendation);
                if let Some(reason) = &f.rejected {
                    message.push_str(&format!(" (Rejected by the model: {reason})"));
                }
                json!({
                    "ruleId": f.rule,
                    "ruleIndex": index,
                    "level": level(f.severity),
                    "message": {"text": message},
                    "locations": [{"physicalLocation": {
                        "artifactLocation": {"uri": file.path, "uriBaseId": "%SRCROOT%"},
                        "region": {
                            "startLine": f.start.line + 1,
                            "startColumn": f.start.column + 1,
                            "endLine": f.end.line + 1,
                            "endColumn": f.end.column + 1
                        }
                    }}],
                    "partialFingerprints": {"multiModelLineHash/v1": format!("{}:{fingerprint}", f.rule)},
                    "properties": {"origin": f.origin, "confidence": f.confidence, "severity": f.severity}
                })
            })
        })
        .collect();

    let mut driver = json!({
        "name": "multi-model",
        "version": env!("CARGO_PKG_VERSION"),
        "rules": rules
    });
    let home = env!("CARGO_PKG_REPOSITORY");
    if !home.is_empty() {
        driver["informationUri"] = json!(home);
    }
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": driver},
            "columnKind": "unicodeCodePoints",
            "results": results
        }]
    })
}

fn rule(
    id: &str,
    name: &str,
    cwe: Option<&str>,
    severity: Severity,
    confidence: Confidence,
) -> Value {
    let mut tags = vec![json!("security")];
    if let Some(n) = cwe.and_then(cwe_number) {
        tags.push(json!(format!("external/cwe/cwe-{n}")));
    }
    let mut rule = json!({
        "id": id,
        "name": id,
        "shortDescription": {"text": name},
        "defaultConfiguration": {"level": level(severity)},
        "properties": {
            "tags": tags,
            "security-severity": security_severity(severity),
            "precision": match confidence {
                Confidence::High => "high",
                Confidence::Medium => "medium",
                Confidence::Low => "low",
            }
        }
    });
    if let Some(link) = cwe.and_then(cwe_link) {
        rule["helpUri"] = json!(link);
    }
    rule
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Hint => "note",
    }
}

/// GitHub's scale: 9.0+ critical, 7.0+ high, 4.0+ medium, below low.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Hint => "1.0",
    }
}

fn sentence(text: &str) -> String {
    let mut text = text.trim().to_string();
    if !text.ends_with('.') {
        text.push('.');
    }
    text
}
