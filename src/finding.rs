//! A finding, whichever pass found it — the offline rules or a model — from the review
//! to the report and the editor's diagnostic. Plain data: a leaf module.

use std::fmt;

use serde::{Deserialize, Serialize};

/// How bad a finding is. `Hint` is below the model's four levels: it is where a candidate
/// the model rejected ends up, still visible with the model's reason. Models answer in
/// capitals (`HIGH`), as their schema asks; a model cannot report a hint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    #[serde(skip_deserializing)]
    Hint,
    #[serde(alias = "LOW")]
    Low,
    #[serde(alias = "MEDIUM")]
    Medium,
    #[serde(alias = "HIGH")]
    High,
    #[serde(alias = "CRITICAL")]
    Critical,
}

impl Severity {
    /// The lowercase name used in every output format and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Hint => "hint",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Severity {
    /// The levels a model reports, most severe first.
    pub const MODEL_LEVELS: [Severity; 4] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
    ];
}

/// What kind of problem a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Logic,
    Security,
    EdgeCase,
    Performance,
    Quality,
}

/// How sure the pass is that a match is a real problem (a pattern cannot see everything).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

/// Which pass reported a finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// The offline pass (`src/review/python/`: the tree, the value flow, the rule families).
    Offline,
    /// The Oracle model alone.
    Model,
    /// Both: the model reported what the offline pass found (duplicates folded).
    Both,
}

impl Origin {
    /// The lowercase name used in every output format.
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Offline => "offline",
            Origin::Model => "model",
            Origin::Both => "both",
        }
    }
}

/// A place in a file: 0-based line, 0-based column counted in chars (Unicode scalar
/// values) of that line. Output formats add 1 to both; the language server converts to its
/// own encoding from `Finding::bytes`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

/// One problem, with where it is and what to do about it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    /// A stable rule id (`MM-PY-SHELL`); model findings that fold into no offline one get
    /// `MM-ORACLE-<CATEGORY>`.
    pub rule: String,
    /// `CWE-78` form, when known.
    pub cwe: Option<String>,
    pub severity: Severity,
    pub confidence: Confidence,
    pub category: Category,
    /// One line, for a compiler-style report.
    pub message: String,
    pub recommendation: String,
    /// The model's longer explanation, when it gave one.
    pub detail: Option<String>,
    /// Start of the flagged code (0-based; see `Position`).
    pub start: Position,
    /// End of the flagged code, exclusive column (0-based).
    pub end: Position,
    /// Byte offsets of the flagged code in the reviewed text.
    pub bytes: std::ops::Range<usize>,
    pub origin: Origin,
    /// The model that reported or judged it.
    pub model: Option<String>,
    /// Why the model rejected this offline finding; set only on rejected candidates, whose
    /// severity is then `Hint`.
    pub rejected: Option<String>,
}

impl Finding {
    /// The CWE number, whatever way the id was written (`CWE-78`, `cwe-78`, `78`).
    pub fn cwe_number(&self) -> Option<u32> {
        cwe_number(self.cwe.as_deref()?)
    }
}

/// The number of a CWE id written `CWE-78`, `cwe-78` or `78`.
pub fn cwe_number(id: &str) -> Option<u32> {
    id.trim()
        .trim_start_matches(|c: char| c.is_ascii_alphabetic() || c == '-')
        .parse()
        .ok()
}
