//! Baselines: findings accepted once, kept out of later reports.
//!
//! An entry is keyed by rule, file and a fingerprint of the flagged line's text with its
//! whitespace normalised, so it survives lines moving up or down and re-indentation, and
//! stops matching when the flagged line itself changes. The same line text flagged twice
//! in a file needs two entries: each entry accepts one finding.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::error::ReviewError;
use crate::finding::Finding;

const VERSION: u32 = 1;

/// A baseline file: `{"version": 1, "findings": [...]}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<Accepted>,
}

/// One accepted finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accepted {
    pub rule: String,
    /// As the report names it: relative, `/`-separated.
    pub file: String,
    /// `line_fingerprint` of the flagged line.
    pub fingerprint: String,
    /// 1-based, where it was when accepted; for people, not for matching.
    #[serde(default)]
    pub line: u32,
    #[serde(default)]
    pub message: String,
}

/// A fingerprint of 0-based `line` of `text`: FNV-1a (64 bits, stable across releases and
/// platforms) of the line with whitespace runs collapsed and ends trimmed.
pub fn line_fingerprint(text: &str, line: u32) -> String {
    let content = text.lines().nth(line as usize).unwrap_or("");
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut first = true;
    for word in content.split_whitespace() {
        if !first {
            hash = fnv(hash, b" ");
        }
        hash = fnv(hash, word.as_bytes());
        first = false;
    }
    format!("{hash:016x}")
}

fn fnv(mut hash: u64, bytes: &[u8]) -> u64 {
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

impl Baseline {
    pub fn new() -> Baseline {
        Baseline {
            version: VERSION,
            findings: Vec::new(),
        }
    }

    /// Reads a baseline file.
    pub fn load(path: &Path) -> Result<Baseline, ReviewError> {
        let text = std::fs::read_to_string(path).map_err(|source| ReviewError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let baseline: Baseline =
            serde_json::from_str(&text).map_err(|err| ReviewError::Baseline {
                path: path.to_path_buf(),
                message: err.to_string(),
            })?;
        if baseline.version != VERSION {
            return Err(ReviewError::Baseline {
                path: path.to_path_buf(),
                message: format!(
                    "version {} (this build reads version {VERSION})",
                    baseline.version
                ),
            });
        }
        Ok(baseline)
    }

    /// Writes the baseline, entries sorted by file, line and rule.
    pub fn save(&self, path: &Path) -> Result<(), ReviewError> {
        let mut sorted = self.clone();
        sorted.findings.sort_by(|a, b| {
            (a.file.as_str(), a.line, a.rule.as_str()).cmp(&(
                b.file.as_str(),
                b.line,
                b.rule.as_str(),
            ))
        });
        let mut json = serde_json::to_string_pretty(&sorted).unwrap_or_default();
        json.push('\n');
        std::fs::write(path, json).map_err(|source| ReviewError::Write {
            path: path.to_path_buf(),
            source,
        })
    }

    /// Accepts `findings` of `file`, whose text is `text`.
    pub fn accept(&mut self, file: &str, text: &str, findings: &[Finding]) {
        self.findings.extend(findings.iter().map(|f| Accepted {
            rule: f.rule.clone(),
            file: file.to_string(),
            fingerprint: line_fingerprint(text, f.start.line),
            line: f.start.line + 1,
            message: f.message.clone(),
        }));
    }

    /// The findings of `file` the baseline does not accept, and how many it did.
    pub fn filter(&self, file: &str, text: &str, findings: Vec<Finding>) -> (Vec<Finding>, usize) {
        let mut left: HashMap<(String, String), usize> = HashMap::new();
        for entry in self.findings.iter().filter(|e| e.file == file) {
            *left
                .entry((entry.rule.clone(), entry.fingerprint.clone()))
                .or_default() += 1;
        }
        let before = findings.len();
        let kept: Vec<Finding> = findings
            .into_iter()
            .filter(|f| {
                let fingerprint = line_fingerprint(text, f.start.line);
                match left.get_mut(&(f.rule.clone(), fingerprint)) {
                    Some(count) if 0 < *count => {
                        *count -= 1;
                        false
                    }
                    _ => true,
                }
            })
            .collect();
        let accepted = before - kept.len();
        (kept, accepted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::review_source;

    fn findings(text: &str) -> Vec<Finding> {
        review_source(Some(Path::new("a.py")), None, text)
            .unwrap()
            .findings
    }

    const CODE: &str = "import os\ndef f(c):\n    os.system(c)\n";

    #[test]
    fn an_accepted_finding_survives_lines_moving_and_reindenting() {
        let mut baseline = Baseline::new();
        baseline.accept("a.py", CODE, &findings(CODE));
        let moved = "import os\n\n\ndef f(c):\n  if c:\n        os.system(c)\n";
        let (kept, accepted) = baseline.filter("a.py", moved, findings(moved));
        assert!(kept.is_empty());
        assert_eq!(accepted, 1);
    }

    #[test]
    fn a_changed_line_is_no_longer_accepted() {
        let mut baseline = Baseline::new();
        baseline.accept("a.py", CODE, &findings(CODE));
        let changed = "import os\ndef f(c):\n    os.system(c + ' &')\n";
        assert_eq!(
            baseline.filter("a.py", changed, findings(changed)).0.len(),
            1
        );
    }

    #[test]
    fn an_entry_accepts_one_finding_only() {
        let mut baseline = Baseline::new();
        baseline.accept("a.py", CODE, &findings(CODE));
        let twice = "import os\ndef f(c):\n    os.system(c)\n    os.system(c)\n";
        assert_eq!(baseline.filter("a.py", twice, findings(twice)).0.len(), 1);
    }

    #[test]
    fn entries_apply_to_their_own_file_only() {
        let mut baseline = Baseline::new();
        baseline.accept("a.py", CODE, &findings(CODE));
        assert_eq!(baseline.filter("b.py", CODE, findings(CODE)).0.len(), 1);
    }

    #[test]
    fn a_saved_baseline_loads_back() {
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join("baseline.json");
        let mut baseline = Baseline::new();
        baseline.accept("a.py", CODE, &findings(CODE));
        baseline.save(&path).unwrap();
        assert_eq!(Baseline::load(&path).unwrap(), baseline);
    }

    #[test]
    fn a_file_that_is_not_a_baseline_is_an_error_naming_it() {
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join("baseline.json");
        std::fs::write(&path, "[1, 2]").unwrap();
        let err = Baseline::load(&path).unwrap_err().to_string();
        assert!(
            err.contains("baseline.json is not a multi-model baseline"),
            "{err}"
        );
    }
}
